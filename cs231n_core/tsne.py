"""t-SNE under a progress bar.

scikit-learn's TSNE runs its whole gradient descent in one call (a minute for 1,000
points on a laptop) and reports progress only by printing a line every 50 iterations;
tsne() reads those lines into a tqdm bar, so that the notebook cell shows it is alive.
"""
import contextlib
import io
import re

from tqdm.auto import tqdm

ITERATION = re.compile(r"\[t-SNE\] Iteration (\d+):")


class _IterationsToBar(io.TextIOBase):
    """A text stream for TSNE's verbose printout: a line "[t-SNE] Iteration N: ..."
    moves the bar to N; every other line is dropped."""

    def __init__(self, bar):
        self.bar = bar
        self.pending = ""

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            match = ITERATION.search(line)
            if match:
                self.bar.update(max(int(match.group(1)) - self.bar.n, 0))
        return len(text)


def tsne(features, max_iter=1000, progress=True, **options):
    """The 2-D t-SNE embedding of features (N, D): an array (N, 2).

    `options` go to sklearn.manifold.TSNE (perplexity, init, random_state, ...); with
    `progress`, a bar counts its iterations (the result is the same either way)."""
    from sklearn.manifold import TSNE  # scikit-learn is slow to import: only when used

    model = TSNE(n_components=2, max_iter=max_iter, verbose=2 if progress else 0, **options)
    if not progress:
        return model.fit_transform(features)
    with tqdm(total=max_iter, desc="t-SNE", unit="it") as bar:
        with contextlib.redirect_stdout(_IterationsToBar(bar)):
            embedding = model.fit_transform(features)
        bar.update(max_iter - bar.n)  # a run that converged early is done too
    return embedding
