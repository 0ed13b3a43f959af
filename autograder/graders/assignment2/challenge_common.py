"""What the two open challenges of assignment 2 share: their digits and their score.

Both challenges train the student's set-up in the worker on 1,000 of scikit-learn's
8x8 digits and score the trained net here, in the trusted process, on the other 797,
which never enter the worker. Every image is distorted afresh by this process
(references.augment_images), so that no file holds the held-out inputs as they are
scored. Credit comes in two steps: reaching a floor (the net learns) and reaching a
bar calibrated on the reference (the net is well set up).
"""
import numpy as np

from autograder.trusted.expect import wrong
from autograder.trusted.digits import load_digits
from autograder.trusted.held_out import augment_images, secret_rotation

TRAIN_SIZE = 1000
DISTORTION = 0.5  # as the PyTorch train check's digits: the reference still learns them well


def challenge_digits(rng, rotate=False):
    """(X_train, y_train, X_test, y_test): images (N, 64) standardized with the training
    set's mean and standard deviation, int64 labels. With `rotate`, the pixels are also
    rotated by a secret orthogonal matrix (references.secret_rotation): a fully connected
    net learns them as well, and weights trained on the public digits are of no use."""
    pixels, labels = load_digits()
    order = rng.permutation(len(labels))
    train, test = order[:TRAIN_SIZE], order[TRAIN_SIZE:]
    X_train, X_test = (augment_images(rng, pixels[rows], 8, 16.0, DISTORTION) / 16.0 for rows in (train, test))
    mean, std = X_train.mean(), X_train.std()
    X_train, X_test = ((X - mean) / std for X in (X_train, X_test))
    if rotate:
        rotation = secret_rotation(rng, pixels.shape[1])
        X_train, X_test = X_train @ rotation, X_test @ rotation
    y = labels.astype(np.int64)
    return X_train, y[train], X_test, y[test]


def accuracy_of(scores, y, what):
    """The fraction of rows of scores (N, C) whose highest score is the label y (N,);
    scores that are not finite count as wrong."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(y), 10):
        raise wrong(scores, "%s: scores of shape %s on %d held-out digits, expected (%d, 10)"
                    % (what, scores.shape, len(y), len(y)), what + ": the scores' shape")
    right = (np.argmax(scores, axis=1) == y) & np.all(np.isfinite(scores), axis=1)
    return float(np.mean(right))


def finite_array(value, shape, what):
    """`value` as a float64 array of `shape` with finite entries, or a failure."""
    array = np.asarray(value)
    if array.shape != tuple(shape) or array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
        raise wrong(array, "%s: expected finite numbers of shape %s, got %s of shape %s"
                    % (what, tuple(shape), array.dtype, array.shape), what)
    return array.astype(np.float64)
