"""Tests of cs231n_core.vis_utils (figures drawn with the Agg backend)."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cs231n_core.vis_utils import (  # noqa: E402
    plot_curves,
    plot_solver_history,
    show_captions,
    show_image_grid,
    show_sampled_captions,
    visualize_grid,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------ visualize_grid


def test_visualize_grid_shape_and_range():
    Xs = np.random.RandomState(0).randn(10, 5, 4, 3)  # 10 images -> 4 x 4 grid
    grid = visualize_grid(Xs, ubound=255.0, padding=1)
    assert grid.shape == (4 * 5 + 3, 4 * 4 + 3, 3)
    assert grid.min() == pytest.approx(0.0)
    assert grid.max() == pytest.approx(255.0)
    # each image is rescaled on its own to [0, ubound]
    first = grid[0:5, 0:4]
    assert first.min() == pytest.approx(0.0) and first.max() == pytest.approx(255.0)
    # padding rows / columns and unused cells stay 0
    assert np.all(grid[5, :] == 0) and np.all(grid[:, 4] == 0)
    assert np.all(grid[3 * 6:, 2 * 5:] == 0)  # cells 14, 15 are empty


def test_visualize_grid_places_images_row_major():
    Xs = np.zeros((4, 2, 2, 1))
    Xs[1, 0, 0, 0] = 1.0  # image 1: one bright pixel at its top-left
    grid = visualize_grid(Xs, ubound=1.0, padding=0)
    assert grid.shape == (4, 4, 1)
    assert grid[0, 2, 0] == 1.0  # row 0, column 1
    assert grid.sum() == 1.0  # constant images (0..3 except 1) map to 0, no NaN


def test_visualize_grid_custom_ubound_and_padding():
    Xs = np.random.RandomState(1).rand(9, 3, 3, 1)
    grid = visualize_grid(Xs, ubound=1.0, padding=2)
    assert grid.shape == (3 * 3 + 2 * 2, 3 * 3 + 2 * 2, 1)
    assert 0.0 <= grid.min() and grid.max() <= 1.0 + 1e-12


# ----------------------------------------------------------- show_image_grid


def test_show_image_grid_one_axes_per_image_with_titles():
    images = np.random.RandomState(2).randint(0, 256, size=(10, 8, 8, 3)).astype(np.uint8)
    fig = show_image_grid(images, labels=np.arange(10) % 3,
                          class_names=["cat", "dog", "ship"], ncols=4)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 12  # 3 rows of 4; the last two stay blank
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 10
    assert [ax.get_title() for ax in shown[:4]] == ["cat", "dog", "ship", "cat"]


def test_show_image_grid_grayscale_float_without_labels():
    images = np.random.RandomState(3).randn(5, 6, 6)  # mean-subtracted grayscale
    fig = show_image_grid(images, ncols=8)
    assert len(fig.axes) == 5  # ncols capped at N
    data = fig.axes[0].images[0].get_array()
    assert data.min() >= 0.0 and data.max() <= 1.0


def test_show_image_grid_into_given_axes():
    fig, ax = plt.subplots()
    images = np.random.RandomState(4).rand(6, 4, 4, 1)
    out = show_image_grid(images, labels=[0, 1, 2, 3, 4, 5], ncols=3, ax=ax)
    assert out is fig
    assert len(fig.axes) == 1 and len(ax.images) == 1
    assert len(ax.texts) == 6


def test_show_image_grid_rejects_bad_input():
    with pytest.raises(ValueError):
        show_image_grid(np.zeros((4, 4)))
    with pytest.raises(ValueError):
        show_image_grid(np.zeros((3, 4, 4)), labels=[0, 1])


# ---------------------------------------------------- plot_solver_history


HISTORIES = {
    "loss_history": list(np.linspace(2.3, 0.4, 50)),
    "train_acc_history": [0.1, 0.5, 0.7, 0.8],
    "val_acc_history": [0.1, 0.45, 0.6, 0.65],
}


def _check_history_figure(fig):
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    ax_loss, ax_acc = fig.axes
    assert len(ax_loss.lines) == 1
    assert len(ax_loss.lines[0].get_ydata()) == 50
    assert len(ax_acc.lines) == 2
    assert [line.get_label() for line in ax_acc.lines] == ["train", "val"]


def test_plot_solver_history_from_dict():
    _check_history_figure(plot_solver_history(HISTORIES))


def test_plot_solver_history_from_solver_like_object():
    class FakeSolver:
        pass

    solver = FakeSolver()
    for k, v in HISTORIES.items():
        setattr(solver, k, v)
    _check_history_figure(plot_solver_history(solver))


class _LinearModel:
    """Smallest model in CS231n's convention: scores = X @ W1, squared loss."""

    def __init__(self):
        self.params = {"W1": np.zeros((2, 2))}

    def loss(self, X, y=None):
        scores = X @ self.params["W1"]
        if y is None:
            return scores
        target = np.eye(2)[y]
        diff = scores - target
        return 0.5 * np.mean(np.sum(diff ** 2, axis=1)), {"W1": X.T @ diff / len(X)}


def test_plot_solver_history_from_real_solver():
    from cs231n_core.solver import Solver

    rng = np.random.RandomState(0)
    X = rng.randn(40, 2)
    y = (X[:, 0] > 0).astype(int)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    np.random.seed(0)
    solver = Solver(_LinearModel(), data, batch_size=10, num_epochs=2, verbose=False)
    solver.train()
    fig = plot_solver_history(solver)
    assert len(fig.axes) == 2
    assert len(fig.axes[1].lines[0].get_ydata()) == 3


def test_plot_solver_history_bad_input():
    with pytest.raises(ValueError, match="val_acc_history"):
        plot_solver_history({"loss_history": [], "train_acc_history": []})
    with pytest.raises(TypeError):
        plot_solver_history(42)


# --------------------------------------------------------------- plot_curves


def test_plot_curves_lines_labels_and_legend():
    curves = {"lr=1e-3": [3.0, 2.0, 1.5], "lr=1e-2": [3.0, 1.0, 0.5, 0.4]}
    fig = plot_curves(curves, xlabel="epoch", ylabel="loss", title="Learning rates")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == list(curves)
    assert list(ax.lines[1].get_ydata()) == [3.0, 1.0, 0.5, 0.4]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_title() == "Learning rates"
    assert ax.get_legend() is not None
    fig.canvas.draw()  # renders without error under Agg


# ------------------------------------------------------------ captions

def test_show_captions_wraps_each_caption_under_its_image():
    images = np.random.RandomState(5).rand(4, 16, 16)
    captions = ["a 7 left of a 2", "three digits , the largest is a 5 and more words to wrap",
                "a 1\nGT: a 1 in the middle", "no digits"]
    fig = show_captions(images, captions, ncols=3, title="val")
    assert len(fig.axes) == 6 and len([ax for ax in fig.axes if ax.images]) == 4
    titles = [ax.get_title() for ax in fig.axes[:4]]
    assert titles[0] == "a 7 left of a 2" and titles[2] == "a 1\nGT: a 1 in the middle"
    assert all(len(line) <= 34 for line in titles[1].split("\n")) and titles[1].count("\n") == 1
    with pytest.raises(ValueError):
        show_captions(images, captions[:3])


def test_show_sampled_captions_puts_the_sample_above_the_ground_truth():
    idx_to_word = ["<NULL>", "<START>", "<END>", "a", "7"]
    data = {"idx_to_word": idx_to_word, "train_captions": np.array([[1, 3, 4, 2, 0]]),
            "train_image_idxs": np.array([0]), "train_features": np.zeros((1, 3)),
            "train_images": np.zeros((1, 8, 8))}
    fig = show_sampled_captions(lambda features: np.array([[3, 2, 0]] * len(features)), data, batch_size=2)
    assert [ax.get_title() for ax in fig.axes] == ["a <END>\nGT: <START> a 7 <END>"] * 2
