"""cs231n_core.tsne: t-SNE under a progress bar, with the result of plain TSNE."""
import io

import numpy as np

from cs231n_core import tsne as tsne_module


def test_the_bar_counts_the_iterations_and_the_embedding_is_tsnes(monkeypatch):
    features = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    counts = []
    real_tqdm = tsne_module.tqdm

    def spy(*args, **kwargs):
        bar = real_tqdm(*args, file=io.StringIO(), **kwargs)  # drawn out of sight
        real_update = bar.update
        bar.update = lambda n=1: counts.append(n) or real_update(n)
        return bar

    monkeypatch.setattr(tsne_module, "tqdm", spy)
    options = dict(perplexity=10, init="pca", random_state=0)
    shown = tsne_module.tsne(features, max_iter=300, **options)
    plain = tsne_module.tsne(features, max_iter=300, progress=False, **options)
    assert shown.shape == (60, 2) and np.allclose(shown, plain)
    assert len(counts) >= 3 and sum(counts) == 300  # steps of 50 iterations, then done


def test_only_iteration_lines_move_the_bar():
    class Bar:
        n = 0

        def update(self, k):
            self.n += k

    bar = Bar()
    stream = tsne_module._IterationsToBar(bar)
    stream.write("[t-SNE] Computing 31 nearest neighbors...\n[t-SNE] Iteration 50: error = 1.0")
    assert bar.n == 0  # the line is not finished yet
    stream.write(", gradient norm = 0.1\n[t-SNE] Iteration 100: error = 0.9\n")
    assert bar.n == 100
