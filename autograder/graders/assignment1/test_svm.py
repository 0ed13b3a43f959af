"""Hidden graders of the multiclass SVM loss and of LinearClassifier (assignment 1,
25 of 100 points).

Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process, by the instructor's edition of cs231n_core. Training runs in
the worker, on training data only; held-out images reach the worker only to test
predict, and their labels never do: every accuracy is computed here.

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
"""
import functools

import numpy as np
import pytest

from autograder.trusted.expect import (GradingFailure, expect_array, expect_at_least,
                                       expect_close, expect_labels, wrong)
from autograder.trusted.held_out import augment_images
from autograder.trusted.submission import call, get
from autograder.graders.graded import graded
from cs231n_core.classifiers.linear_classifier import LinearClassifier, LinearSVM
from cs231n_core.classifiers.linear_svm import svm_loss_vectorized as reference

from .linear_common import LinearLoss, loss_graders, random_problem, unpack_loss

SECTION_WEIGHT = 25
MODULE = "cs231n_core.classifiers.linear_svm"
NAIVE = LinearLoss(MODULE + ":svm_loss_naive", reference, w_scale=0.1)
VECTORIZED = LinearLoss(MODULE + ":svm_loss_vectorized", reference, w_scale=0.1)
CLASSIFIERS = "cs231n_core.classifiers.linear_classifier"


# --- svm_loss_naive and svm_loss_vectorized ---------------------------------------
# Their tests are test_<naive|vectorized>_<check>, one for each of linear_common.py's
# LOSS_CHECKS, worth the points of NAIVE_POINTS and VECTORIZED_POINTS.

NAIVE_POINTS = {"loss": 1.5, "gradient": 1.5, "regularization": 1, "edge_shapes": 1}
VECTORIZED_POINTS = dict(NAIVE_POINTS, is_fast=3)

globals().update(loss_graders("naive", NAIVE, NAIVE_POINTS))
globals().update(loss_graders("vectorized", VECTORIZED, VECTORIZED_POINTS))


# --- LinearClassifier.train ---------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data / 16.0, digits.target.astype(np.int64)


def digits_problem(rng, num_train=1297, distorted=False):
    """scikit-learn's handwritten digits (8x8), pixels scaled to [0, 1], mean image of
    the training split subtracted, and a constant 1 appended (the bias trick). With
    `distorted`, the held-out images are distorted afresh (held_out.augment_images), so
    that none of them is in a file the worker can read."""
    X, y = _digits()
    order = rng.permutation(len(y))
    train, test = order[:num_train], order[num_train:]
    mean = X[train].mean(axis=0)
    held_out = augment_images(rng, X[test] * 16.0, 8, 16.0) / 16.0 if distorted else X[test]

    def prepared(pixels):
        return np.hstack([pixels - mean, np.ones((len(pixels), 1))])

    return prepared(X[train]), y[train], prepared(held_out), y[test]


def reference_train(classifier, X, y, seed, **kwargs):
    """Train the reference with NumPy's global RNG seeded like the worker's, leaving
    this process's global RNG as it was."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        history = classifier.train(X, y, **kwargs)
    finally:
        np.random.set_state(state)
    return history


def reference_predictions(W, X):
    classifier = LinearClassifier()
    classifier.W = W
    return classifier.predict(X)


def history_array(history, num_iters):
    """The returned loss history as a float array of num_iters entries."""
    if history is None:
        raise GradingFailure("train returned None; it must return the list of losses "
                             "(loss_history)")
    try:
        values = np.array([np.asarray(v, dtype=np.float64).reshape(()) for v in history])
    except (TypeError, ValueError):
        raise GradingFailure("train must return a list of single numbers (the loss of each "
                             "iteration)") from None
    expect_array(values, (num_iters,), "the loss history returned by train (one loss per "
                 "iteration)")
    return values


def check_one_step(submission, rng, classifier):
    """One SGD step from weights set here, on a training set whose rows are all the same
    example (so every minibatch is the same): W must become W - learning_rate * dW, with
    dW the classifier's own loss gradient on that minibatch. Whatever the student's loss
    computes, train must use it this way."""
    dim, num_classes, num_train, batch_size = 9, 4, 40, 16
    W0 = rng.normal(size=(dim, num_classes)) * 0.5  # set here, so train keeps it
    X = np.tile(rng.normal(size=(1, dim)), (num_train, 1))
    y = np.full(num_train, int(rng.integers(num_classes)))
    X_batch, y_batch = X[:batch_size], y[:batch_size]  # what any minibatch holds
    learning_rate, reg = float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.1, 0.5))
    result = submission.run([
        call("%s:%s" % (CLASSIFIERS, classifier), save="clf"),
        call("clf.__setattr__", "W", W0),
        call("clf.loss", X_batch, y_batch, reg, save="own"),
        call("numpy.random:seed", int(rng.integers(2**31))),
        call("clf.train", X, y, learning_rate=learning_rate, reg=reg, num_iters=1,
             batch_size=batch_size, save="history"),
        get("clf.W", save="W")], returns=["own", "history", "W"])
    own_loss, own_dW = unpack_loss(result["own"], W0.shape, "%s.loss" % classifier)
    history = history_array(result["history"], 1)
    expect_close(result["W"], W0 - learning_rate * own_dW, 1e-8,
                 "self.W after one step of train (expected W - learning_rate * dW)")
    expect_close(history, own_loss.reshape(1), 1e-8, "the loss recorded by train for its one step")


test_train_one_sgd_step = graded("LinearClassifier.train", 2, "one step updates W by -learning_rate * the "
                                 "gradient of self.loss (LinearSVM)", check_one_step, "LinearSVM")
test_train_one_sgd_step_softmax = graded("LinearClassifier.train", 1, "train calls self.loss: the same step with "
                                         "the Softmax subclass", check_one_step, "Softmax")


@pytest.mark.target("LinearClassifier.train")
@pytest.mark.points(1)
def test_train_samples_with_replacement(submission, rng):
    """minibatches larger than the training set work (sampling with replacement)"""
    W0, X, y = random_problem(rng, 12, 5, 3)
    num_iters = 5
    result = submission.run([
        call("%s:LinearSVM" % CLASSIFIERS, save="clf"),
        call("numpy.random:seed", int(rng.integers(2**31))),
        call("clf.train", X, y, learning_rate=1e-2, reg=1e-3, num_iters=num_iters,
             batch_size=50, save="history"),
        get("clf.W", save="W")], returns=["history", "W"])
    history_array(result["history"], num_iters)
    expect_array(result["W"], W0.shape, "self.W after training")


TRAIN_SETTINGS = dict(learning_rate=0.1, reg=1e-3, num_iters=200, batch_size=200)
ACCURACY_MARGIN = 0.03


@pytest.mark.target("LinearClassifier.train")
@pytest.mark.points(4)
def test_train_learns_digits(submission, rng):
    """a LinearSVM trained on handwritten digits: loss goes down, held-out accuracy within
    3 points of the reference's"""
    X_train, y_train, X_test, y_test = digits_problem(rng)
    seed = int(rng.integers(2**31))
    result = submission.run([
        call("%s:LinearSVM" % CLASSIFIERS, save="clf"),
        call("numpy.random:seed", seed),
        call("clf.train", X_train, y_train, save="history", **TRAIN_SETTINGS),
        get("clf.W", save="W")], returns=["history", "W"])
    history = history_array(result["history"], TRAIN_SETTINGS["num_iters"])
    first, last = history[:20].mean(), history[-20:].mean()
    if not last < 0.5 * first:
        raise wrong(history, "the training loss did not go down: its mean over the first 20 "
                    "iterations is %.4g, over the last 20 %.4g (expected less than half)"
                    % (first, last), "the loss history")
    # The held-out images and labels stay here: the trained weights are scored by the
    # reference's predict, so that this test does not depend on the student's.
    W = result["W"]
    expect_array(W, (X_train.shape[1], 10), "self.W after training")
    accuracy = float(np.mean(reference_predictions(W, X_test) == y_test))
    svm = LinearSVM()
    reference_train(svm, X_train, y_train, seed, **TRAIN_SETTINGS)
    reference_accuracy = float(np.mean(svm.predict(X_test) == y_test))
    expect_at_least(accuracy, reference_accuracy - ACCURACY_MARGIN,
                    "held-out accuracy of the weights of a LinearSVM trained by your train",
                    " (the reference reaches %.3f with the same settings; margin %.2f)"
                    % (reference_accuracy, ACCURACY_MARGIN))


# --- LinearClassifier.predict -------------------------------------------------------

def student_predictions(submission, W, X):
    """predict of a plain LinearClassifier whose weights are set here."""
    result = submission.run([
        call("%s:LinearClassifier" % CLASSIFIERS, save="clf"),
        call("clf.__setattr__", "W", W),
        call("clf.predict", X, save="labels")], returns=["labels"])
    labels = result["labels"]
    expect_array(labels, (X.shape[0],), "the labels returned by predict")
    if labels.dtype.kind not in "iu":
        raise wrong(labels, "predict returned dtype %s; labels must be integers "
                    "(np.argmax returns them)" % labels.dtype, "the labels' dtype")
    return labels


@pytest.mark.target("LinearClassifier.predict")
@pytest.mark.points(2.5)
def test_predict_values(submission, rng):
    """integer labels of the highest score, for weights set on the classifier"""
    W, X, _ = random_problem(rng, 31, 13, 7)
    labels = student_predictions(submission, W, X)
    expect_labels(labels, reference_predictions(W, X), "predict on random data")
    W, X, _ = random_problem(rng, 1, 4, 3)
    labels = student_predictions(submission, W, X)
    expect_labels(labels, reference_predictions(W, X), "predict on a single example")


# predict on held-out digits, distorted afresh (references.augment_images) so that none
# of them is in a file the worker can read; what is required is the reference's predict
# with the same weights, not an accuracy: labels looked up in the public datasets agree
# with it only where it is right (measured over 20 seeds: the reference's accuracy 0.37
# to 0.47, mean 0.41; the agreement of the true labels or of the nearest public image's
# label with it 0.45 to 0.55, mean 0.51). Required: PREDICT_AGREEMENT.
PREDICT_AGREEMENT = 0.99


@pytest.mark.target("LinearClassifier.predict")
@pytest.mark.points(1.5)
def test_predict_digits_accuracy(submission, rng):
    """held-out digits with weights trained by the reference: the reference's predictions"""
    X_train, y_train, X_test, _ = digits_problem(rng, distorted=True)
    svm = LinearSVM()
    reference_train(svm, X_train, y_train, int(rng.integers(2**31)), **TRAIN_SETTINGS)
    labels = student_predictions(submission, svm.W, X_test)  # held-out labels stay here
    agreement = float(np.mean(labels == svm.predict(X_test)))
    expect_at_least(agreement, PREDICT_AGREEMENT,
                    "the share of held-out digits that predict labels as the reference's predict",
                    " with the same weights (required %.2f)" % PREDICT_AGREEMENT)
