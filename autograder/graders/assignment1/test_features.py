"""Hidden graders of the image-features exercise (assignment 1, 10 of 100 points).

The features exercise trains classifiers on histograms of oriented gradients and colour
histograms instead of raw pixels. The feature functions are given library code, so the
features are computed here, in the trusted process, by the instructor's
cs231n_core.features, from real images (the 5,000 MNIST digits shipped with the course's
dependencies: greyscale, so their hue histogram is constant and HOG does the work). What
is graded is the student's TwoLayerNet trained on them in the worker: only the features
cross, never the held-out labels.

The images are distorted afresh before their features are computed, and the features
reach the worker rotated by a secret orthogonal matrix (feature_splits), so that no input
is in a file the worker can read: the nearest public digit's features give the right
label for at most 14% of the held-out inputs. Calibrated on the reference (8 random
splits x 3 initializations): 88.0% to 92.3% held-out accuracy (mean 90.5%), at most 1.4
points apart on one split; required: the reference's accuracy on the same split and seed
less 3 points. The small-set test: the reference fits 50 feature vectors perfectly in 30
of 30 runs of 30 epochs; 40 are given.
"""
import numpy as np
import pytest

from autograder.engine.expect import expect_array, expect_at_least
from autograder.engine.references import augment_images, secret_rotation
from autograder.engine.submission import call, saved
from autograder.graders.assignment1.test_two_layer_net import NET, SOLVER, trained_accuracy
from cs231n_core.data_utils import get_data
from cs231n_core.features import color_histograms_hsv, hog_features

SECTION_WEIGHT = 10
HOG_CELL = 7  # 28x28 digits: 4x4 cells of 7x7 pixels, as CIFAR-10's 32x32 with cells of 8
NET_CONFIG = {"hidden_dim": 100, "weight_scale": 1e-2, "reg": 1e-3}
SOLVER_CONFIG = {"update_rule": "sgd", "optim_config": {"learning_rate": 0.3}, "lr_decay": 0.95,
                 "num_epochs": 10, "batch_size": 200, "verbose": False}
DISTORTION = 0.5
ACCURACY_MARGIN = 0.03


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


@pytest.mark.target("TwoLayerNet")
@pytest.mark.points(3)
def test_net_trains_on_image_features(submission, rng):
    """trained on HOG + colour histogram features of digits, held-out accuracy within 3 points of the reference"""
    splits = feature_splits(rng, 2000, 500, 1000)
    data = {"X_train": splits["train"][0], "y_train": splits["train"][1],
            "X_val": splits["val"][0], "y_val": splits["val"][1]}
    X_test, y_test = splits["test"]
    accuracy, reference_accuracy = trained_accuracy(submission, data, X_test, y_test,
                                                    NET_CONFIG, SOLVER_CONFIG)
    expect_at_least(accuracy, reference_accuracy - ACCURACY_MARGIN,
                    "held-out accuracy of TwoLayerNet trained on image features",
                    " (the reference reaches %.3f; margin %.2f)" % (reference_accuracy, ACCURACY_MARGIN))


@pytest.mark.target("TwoLayerNet")
@pytest.mark.points(1)
def test_net_overfits_few_feature_vectors(submission, rng):
    """fits 50 feature vectors (training accuracy at least 98% after 40 epochs)"""
    X, y = feature_splits(rng, 50, 0, 0)["train"]
    small = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    result = submission.run([
        call("numpy.random:seed", 0),
        call(NET, input_dim=X.shape[1], hidden_dim=100, num_classes=10, weight_scale=1e-2,
             reg=0.0, save="net"),
        call(SOLVER, saved("net"), small, update_rule="sgd", optim_config={"learning_rate": 0.5},
             num_epochs=40, batch_size=25, verbose=False, save="solver"),
        call("solver.train"),
        call("net.loss", X, save="scores")], returns=["scores"])
    expect_array(result["scores"], (len(y), 10), "the scores of the net on its training data")
    accuracy = float(np.mean(np.argmax(result["scores"], axis=1) == y))
    expect_at_least(accuracy, 0.98, "training accuracy on 50 feature vectors")
