"""Hidden grader of the image-features exercise, features.ipynb (assignment 1, 10 of 100
points): the student's features_net_setup(), trained on image features of held-out digits.

The features exercise trains classifiers on histograms of oriented gradients and colour
histograms instead of raw pixels. The feature functions are given library code, so the
features are computed here, in the trusted process, by the instructor's
cs231n_core.features, from real images (the 5,000 MNIST digits shipped with the course's
dependencies: greyscale, so their hue histogram is constant and HOG does the work).

Two worker runs. The first returns the student's set-up, numbers only, which is checked
here (its keys, integers where sizes are meant, finite values in sane ranges, at most
MAX_EPOCHS epochs) and rebuilt from those numbers, so that grading time stays small. The
second trains the submission's TwoLayerNet with the submission's Solver on the features
of 2,000 digits (500 more for the Solver's validation) with that set-up, within
CPU_BUDGET_S of CPU time, and returns its scores of 1,000 held-out feature vectors; only
the features cross, never the held-out labels. The images are distorted afresh before
their features are computed, and the features reach the worker rotated by a secret
orthogonal matrix (feature_splits), so that no input is in a file the worker can read:
the nearest public digit's features give the right label for at most 14% of the
held-out inputs.

Calibration (``python benchmarks/calibrate_challenges.py features 0-9``: the reference
set-up through the sandboxed worker, grading seeds 0-9): held-out accuracy min / mean
(sd) / max 0.894 / 0.915 (0.012) / 0.934; worker CPU of the training run 0.9 to 1.6 s.
A net that does not learn (learning rate 1e-6, the bank's features_net_tiny_learning_rate,
``--mistake features_net_tiny_learning_rate``) scores 0.08 to 0.13 over the same seeds;
the bank's other set-ups score at most 0.25 (seeds 0-2). Required: FLOOR = 0.5 for the
first point of accuracy (the net learns), BAR = 0.844 for the other two: the reference's
worst seed less BAR_MARGIN = 0.05 (5.9 standard deviations below its mean). One more
point for a set-up that passes the checks of checked_setup.
"""
import numbers

import numpy as np
import pytest

from autograder.trusted.expect import wrong
from autograder.trusted.held_out import augment_images, secret_rotation
from autograder.trusted.submission import call, saved
from autograder.graders.open_ended import accuracy_graders
from autograder.graders.assignment1.test_two_layer_net import NET
from autograder.graders.trained import SOLVER
from cs231n_core.data_utils import get_data
from cs231n_core.features import color_histograms_hsv, hog_features

SECTION_WEIGHT = 10
SETUP = "cs231n_core.features_setup:features_net_setup"
HOG_CELL = 7  # 28x28 digits: 4x4 cells of 7x7 pixels, as CIFAR-10's 32x32 with cells of 8
DISTORTION = 0.5
SPLIT_SIZES = (2000, 500, 1000)  # training, the Solver's validation, held out
CPU_BUDGET_S = 10.0      # the reference's training runs take 0.9 to 1.6 s
REFERENCE_WORST = 0.894  # its worst held-out accuracy over the grading seeds 0-9
BAR_MARGIN = 0.05
FLOOR = 0.5              # a net that does not learn scores about 0.1 (10 classes)

# (key, integer, lowest, highest) of each number of the set-up: the bounds keep a
# grading run small (MAX_EPOCHS, MAX_HIDDEN) and reject values no training can use.
MAX_EPOCHS = 50
MAX_HIDDEN = 2048
MODEL_RANGES = [("hidden_dim", True, 1, MAX_HIDDEN), ("weight_scale", False, 0.0, 10.0),
                ("reg", False, 0.0, 1e4)]
SOLVER_RANGES = [("lr_decay", False, 0.0, 1.0), ("num_epochs", True, 1, MAX_EPOCHS),
                 ("batch_size", True, 1, SPLIT_SIZES[0])]
LEARNING_RATE_RANGE = (0.0, 1e3)


def features(images):
    """HOG and hue histogram of each image, side by side: (N, 4 * 4 * 9 + 10)."""
    return np.hstack([hog_features(images, cell_size=HOG_CELL), color_histograms_hsv(images)])


def feature_splits(rng, num_training, num_validation, num_test):
    """Standardized features of each split, rotated by a secret orthogonal matrix. Every
    image is distorted afresh before its features are computed, so that none of them, nor
    its features, is in a file the worker can read (references.augment_images)."""
    data = get_data("mnist", num_training, num_validation, num_test,
                    flatten=False, subtract_mean=False, seed=int(rng.integers(2**31)))
    feats = {}
    for split in ("train", "val", "test"):
        images = data["X_" + split]
        distorted = augment_images(rng, images.reshape(len(images), 28 * 28), 28, 255.0, DISTORTION)
        feats[split] = features(distorted.reshape(images.shape))
    # Standardize with the training set's statistics (a constant column stays 0).
    mean = feats["train"].mean(axis=0)
    std = feats["train"].std(axis=0)
    std[std == 0] = 1.0
    rotation = secret_rotation(rng, mean.size)
    return {split: ((feats[split] - mean) / std @ rotation, data["y_" + split]) for split in feats}


# --- the set-up, read as numbers and checked ----------------------------------------

def setup_problem(rng):
    return [call(SETUP, save="setup")], ["setup"], {}


def number(setup, value, key, integer, low, high):
    """`value` as a Python int or float within [low, high], or a failure about `setup`,
    the whole set-up (its answer for the diagnosis: a lone number such as 0 epochs would
    tell it nothing)."""
    array = np.asarray(value) if value is not None else np.asarray(np.nan)
    if array.size != 1 or array.dtype.kind not in "biuf" or not np.isfinite(array).all():
        raise wrong(setup, "features_net_setup: %s must be one finite number" % key, key)
    scalar = array.reshape(()).item()
    if integer and not (isinstance(scalar, numbers.Integral) or float(scalar).is_integer()):
        raise wrong(setup, "features_net_setup: %s must be a whole number, got %r" % (key, scalar), key)
    scalar = int(scalar) if integer else float(scalar)
    if not low <= scalar <= high:
        raise wrong(setup, "features_net_setup: %s = %r, expected %g to %g" % (key, scalar, low, high), key)
    return scalar


def section(setup, name, keys):
    part = setup.get(name) if isinstance(setup, dict) else None
    if not isinstance(part, dict) or set(part) != set(keys):
        got = sorted(part) if isinstance(part, dict) else type(part).__name__
        raise wrong(setup, "features_net_setup()[%r] must have exactly the keys %s, got %s"
                    % (name, sorted(keys), got), name)
    return part


def checked_setup(setup):
    """The student's set-up rebuilt from plain numbers: {"model": {...}, "solver": {...}}
    with the keys of cs231n_core.features_setup.SETUP_KEYS; a GradingFailure names the
    first key out of place."""
    if not isinstance(setup, dict) or set(setup) != {"model", "solver"}:
        raise wrong(setup, "features_net_setup() must return {'model': {...}, 'solver': {...}}", "the set-up")
    model = section(setup, "model", [key for key, *_ in MODEL_RANGES])
    solver = section(setup, "solver", [key for key, *_ in SOLVER_RANGES] + ["optim_config"])
    config = solver["optim_config"]
    if not isinstance(config, dict) or set(config) != {"learning_rate"}:
        raise wrong(setup, "features_net_setup: optim_config must be {'learning_rate': ...}", "optim_config")
    checked_model = {key: number(setup, model[key], key, *bounds) for key, *bounds in MODEL_RANGES}
    checked_solver = {key: number(setup, solver[key], key, *bounds) for key, *bounds in SOLVER_RANGES}
    learning_rate = number(setup, config["learning_rate"], "learning_rate", False, *LEARNING_RATE_RANGE)
    checked_solver["optim_config"] = {"learning_rate": learning_rate}
    return {"model": checked_model, "solver": checked_solver}


def student_setup(shared):
    result, _ = shared.get("features_net_setup", setup_problem)
    return checked_setup(result["setup"])


# --- the set-up, trained on features of distorted digits ------------------------------

def training_problem(rng, setup):
    """The worker trains the submission's TwoLayerNet with its Solver on the training and
    validation features and scores the held-out ones; their labels stay in `context`."""
    splits = feature_splits(rng, *SPLIT_SIZES)
    data = {"X_train": splits["train"][0], "y_train": splits["train"][1],
            "X_val": splits["val"][0], "y_val": splits["val"][1]}
    X_test, y_test = splits["test"]
    steps = [call("numpy.random:seed", int(rng.integers(2**31))),
             call(NET, input_dim=X_test.shape[1], num_classes=10, save="net", **setup["model"]),
             call(SOLVER, saved("net"), data, update_rule="sgd", verbose=False, save="solver",
                  **setup["solver"]),
             call("solver.train"),
             call("net.loss", X_test, save="scores")]
    return steps, ["scores"], {"y_test": y_test}


def held_out_accuracy(result, context):
    """The fraction of held-out feature vectors whose highest score is their label;
    scores that are not finite (a diverged net) count as wrong."""
    y = context["y_test"]
    scores = np.asarray(result["scores"], dtype=np.float64)
    if scores.shape != (len(y), 10):
        raise wrong(scores, "your trained net's scores have shape %s on %d held-out feature vectors, "
                    "expected (%d, 10)" % (scores.shape, len(y), len(y)), "the held-out scores")
    right = (np.argmax(scores, axis=1) == y) & np.all(np.isfinite(scores), axis=1)
    return float(np.mean(right))


def features_net_accuracy(shared):
    setup = student_setup(shared)
    result, context = shared.get("features_net_setup:trained", lambda rng: training_problem(rng, setup),
                                 cpu_budget_s=CPU_BUDGET_S)
    return held_out_accuracy(result, context)


SETTING = ("held-out accuracy of your features_net_setup() trained on HOG + colour histogram features "
           "of 2,000 distorted digits (at most %g s of CPU)" % CPU_BUDGET_S)


@pytest.mark.target("features_net_setup")
@pytest.mark.points(1)
def test_features_net_setup_is_sound(shared):
    """the set-up has TwoLayerNet's and Solver's keys, numbers in sane ranges, 1 to 50 epochs"""
    student_setup(shared)


globals().update(accuracy_graders(
    "features_net", "features_net_setup", features_net_accuracy, SETTING, FLOOR, REFERENCE_WORST, BAR_MARGIN,
    learns="the net trained on image features classifies held-out digits well above chance",
    reaches="the net reaches the bar calibrated on the reference's set-up"))
