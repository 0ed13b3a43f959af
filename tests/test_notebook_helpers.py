"""Tests of the helpers that the notebooks share instead of repeating their cells:
cs231n_core.data_utils (split sizes, training subsets, what a notebook prints about its
data) and cs231n_core.vis_utils (comparing Solver runs, a hyperparameter search's table
and picture, a linear classifier's class templates). Figures use the Agg backend."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n_core import data_utils  # noqa: E402
from cs231n_core.data_utils import dataset_banner, describe_data  # noqa: E402
from cs231n_core.data_utils import split_sizes, training_subset  # noqa: E402
from cs231n_core.vis_utils import format_search_results, plot_class_weights  # noqa: E402
from cs231n_core.vis_utils import plot_search_results, plot_solver_comparison  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _split(n_train=6, n_val=3, shape=(1, 2, 2)):
    """A get_data-like dict whose images hold their own index, so that slices show."""
    return {"X_train": np.arange(n_train, dtype=float).reshape(-1, 1, 1, 1) * np.ones(shape),
            "y_train": np.arange(n_train) % 10,
            "X_val": -np.ones((n_val,) + shape), "y_val": np.zeros(n_val, dtype=int),
            "X_test": np.zeros((2,) + shape), "y_test": np.zeros(2, dtype=int),
            "name": "mnist"}


# ------------------------------------------------------------------ split_sizes

def test_split_sizes_are_the_datasets_defaults_outside_smoke_mode():
    assert split_sizes(name="cifar10") == {"num_training": 49000, "num_validation": 1000,
                                           "num_test": 1000}
    assert split_sizes(name="mnist") == {"num_training": 4000, "num_validation": 500,
                                         "num_test": 500}


def test_split_sizes_in_smoke_mode_whatever_the_dataset():
    for name in ("cifar10", "mnist", "auto"):
        assert split_sizes(True, name) == {"num_training": 500, "num_validation": 100,
                                           "num_test": 100}
    assert split_sizes(True, smoke_sizes=(250, 50, 20)) == {
        "num_training": 250, "num_validation": 50, "num_test": 20}


def test_split_sizes_auto_follows_the_data_present(monkeypatch):
    monkeypatch.setattr(data_utils, "cifar10_present", lambda root=None: True)
    assert split_sizes()["num_training"] == 49000
    monkeypatch.setattr(data_utils, "cifar10_present", lambda root=None: False)
    assert split_sizes()["num_training"] == 4000


# -------------------------------------------------------------- training_subset

def test_training_subset_keeps_the_first_examples_and_the_whole_validation_set():
    data = _split()
    small = training_subset(data, 4)
    assert sorted(small) == ["X_train", "X_val", "y_train", "y_val"]
    assert small["X_train"].shape == (4, 1, 2, 2) and small["y_train"].shape == (4,)
    assert np.array_equal(small["X_train"][:, 0, 0, 0], [0, 1, 2, 3])
    assert np.array_equal(small["y_train"], [0, 1, 2, 3])
    assert small["X_val"] is data["X_val"] and small["y_val"] is data["y_val"]


@pytest.mark.parametrize("num_train", [0, 7])
def test_training_subset_refuses_sizes_the_split_cannot_give(num_train):
    with pytest.raises(ValueError, match="between 1 and 6"):
        training_subset(_split(), num_train)


# --------------------------------------------------- dataset_banner, describe_data

def test_dataset_banner_names_the_dataset_and_how_to_get_cifar10():
    assert dataset_banner("cifar10") == "Using CIFAR-10."
    banner = dataset_banner("mnist")
    assert "embedded MNIST digits" in banner and "cs231n data fetch cifar10" in banner


def test_describe_data_prints_the_banner_then_each_splits_shapes():
    lines = describe_data(_split()).splitlines()
    assert lines == [dataset_banner("mnist"),
                     "X_train: (6, 1, 2, 2)", "y_train: (6,)",
                     "X_val: (3, 1, 2, 2)", "y_val: (3,)",
                     "X_test: (2, 1, 2, 2)", "y_test: (2,)"]
    assert describe_data(_split(), ("train",)).splitlines()[1:] == [
        "X_train: (6, 1, 2, 2)", "y_train: (6,)"]


# ------------------------------------------------------- plot_solver_comparison

def _history(loss, train, val):
    return {"loss_history": loss, "train_acc_history": train, "val_acc_history": val}


RUNS = {"sgd": _history([2.3, 2.0, 1.8], [0.1, 0.3], [0.1, 0.2]),
        "adam": _history([2.3, 1.5, 1.0], [0.2, 0.6], [0.2, 0.5])}


def test_plot_solver_comparison_draws_one_line_per_run_in_each_panel():
    fig = plot_solver_comparison(RUNS)
    assert [ax.get_title() for ax in fig.axes] == [
        "Training loss", "Training accuracy", "Validation accuracy"]
    assert [ax.get_xlabel() for ax in fig.axes] == ["Iteration", "Epoch", "Epoch"]
    loss_ax, train_ax, val_ax = fig.axes
    for ax, key in ((loss_ax, "loss_history"), (train_ax, "train_acc_history"),
                    (val_ax, "val_acc_history")):
        assert [line.get_label() for line in ax.lines] == ["sgd", "adam"]
        for line, run in zip(ax.lines, RUNS.values()):
            assert np.allclose(line.get_ydata(), run[key])
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]


def test_plot_solver_comparison_panels_and_title():
    fig = plot_solver_comparison(RUNS, panels=("val_acc",), title=" (dropout)")
    [ax] = fig.axes
    assert ax.get_title() == "Validation accuracy (dropout)"
    assert np.allclose(ax.lines[1].get_ydata(), [0.2, 0.5])
    with pytest.raises(ValueError, match="unknown panels 'accuracy'"):
        plot_solver_comparison(RUNS, panels=("accuracy",))


# ------------------------------------------- format_search_results, plot_search_results

SEARCH = {(1e-6, 1e3): (0.5, 0.4), (1e-7, 1e2): (0.3, 0.35), (1e-7, 1e3): (0.31, 0.3)}


def test_format_search_results_one_line_per_setting_in_increasing_order():
    assert format_search_results(SEARCH).splitlines() == [
        "lr 1.000000e-07 reg 1.000000e+02 train accuracy: 0.300000 val accuracy: 0.350000",
        "lr 1.000000e-07 reg 1.000000e+03 train accuracy: 0.310000 val accuracy: 0.300000",
        "lr 1.000000e-06 reg 1.000000e+03 train accuracy: 0.500000 val accuracy: 0.400000",
    ]
    assert format_search_results({}) == ""
    with pytest.raises(ValueError, match="learning_rate, reg"):
        format_search_results({1e-7: (0.3, 0.3)})


def test_plot_search_results_places_each_setting_on_log_scales():
    fig = plot_search_results(SEARCH)
    train_ax, val_ax = fig.axes[0], fig.axes[1]  # then the two colour bars
    assert (train_ax.get_title(), val_ax.get_title()) == ("training accuracy",
                                                          "validation accuracy")
    keys = sorted(SEARCH)
    for ax, which in ((train_ax, 0), (val_ax, 1)):
        [points] = ax.collections
        assert np.allclose(points.get_offsets(), np.log10(keys))
        assert np.allclose(points.get_array(), [SEARCH[k][which] for k in keys])


# ------------------------------------------------------------ plot_class_weights

def test_plot_class_weights_shows_each_class_template_on_one_shared_scale():
    image_shape = (2, 3, 1)
    W = np.zeros((6, 3))
    W[:, 0] = np.arange(6)          # class 0: a ramp from the smallest weight, 0...
    W[:, 1] = 10.0                  # class 1: the largest weight everywhere
    W[4, 2] = 5.0                   # class 2: zero but one pixel halfway
    fig = plot_class_weights(W, image_shape, ["zero", "one", "two"], ncols=2)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["zero", "one", "two"]
    assert len(fig.axes) == 4       # 3 classes in rows of 2: one Axes left empty
    images = [ax.images[0].get_array() for ax in shown]
    assert all(img.shape == (2, 3) for img in images)
    assert np.array_equal(images[0], [[0, 25, 51], [76, 102, 127]])  # 255 * w / 10
    assert np.all(images[1] == 255)
    assert images[2][1, 1] == 127 and images[2].sum() == 127


def test_plot_class_weights_refuses_weights_of_another_shape():
    with pytest.raises(ValueError, match="does not hold 3 classes"):
        plot_class_weights(np.zeros((7, 3)), (2, 3, 1), ["a", "b", "c"])
