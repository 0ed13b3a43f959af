"""Public checks of assignment 1's SVM: the loss (classifiers/linear_svm.py) and
LinearClassifier's train and predict (classifiers/linear_classifier.py).

The expected values below were computed once with the reference solution; the small
examples can be checked by hand.
"""
import functools

import numpy as np

from . import public_check
from .linear_tools import (HAND_W, HAND_X, HAND_Y, _call_loss, _loss_pair, _property_checks,
                           _random_example_checks, _ratio_hint)


# --------------------------------------------------------------------------------------
# svm_loss_naive, svm_loss_vectorized
# --------------------------------------------------------------------------------------

# Hand example: label 0 scores 1, the others 2 and 3: margins 2 - 1 + 1 = 2 and 3;
# label 2 scores 3, the others -1 and 1: margins < 0. Loss (2 + 3 + 0) / 2.
SVM_HAND_LOSS = 2.5
SVM_HAND_DW = np.array([[-1.0, 0.5, 0.5], [-2.0, 1.0, 1.0]])

SVM_RAND_LOSS = 2.8018372614272593
SVM_RAND_DW = np.array([
    [0.0411126469805, -0.169996742201, 0.470256676698, -0.0721805445958],
    [0.107327666798, -0.143536702831, -0.220711733783, 0.341371335791],
    [0.333983142271, -0.403397726849, -0.0764885867441, 0.241188007735],
    [1.33184771895, -0.388034140324, -0.391404252935, -0.469396810602],
    [0.272723548883, 0.108024154088, -0.139473508457, -0.203879555927],
    [-0.2085429672, 0.0088729752025, -0.0289547361606, 0.139769726061]])


def _svm_loss_hint(got, expected):
    if np.isclose(got, expected + 1.0):
        return ("it is 1 too large: skip the correct class (j == y[i]), whose margin is "
                "always delta = 1")
    if np.isclose(got, 1.5):
        return "did you forget the margin delta = 1?"
    return _ratio_hint(got, expected, 2)


def _svm_checks(t, name, other_name):
    from cs231n_core.classifiers import linear_svm

    fn, other = getattr(linear_svm, name), getattr(linear_svm, other_name)
    # 1. The hand example, without regularization.
    loss, dW = _call_loss(t, fn, HAND_W, HAND_X, HAND_Y, 0.0)
    t.ok("returns (loss, dW) with dW of the shape of W, %s" % (HAND_W.shape,))
    t.expect_close(loss, SVM_HAND_LOSS, 1e-9, "the loss of a small example worked by hand (2.5)",
                   hint=_svm_loss_hint)
    t.expect_close(dW, SVM_HAND_DW, 1e-9, "the gradient of the small example",
                   hint=lambda got, exp: _ratio_hint(got, exp, 2) or (
                       "each positive margin adds X[i] to column j AND subtracts X[i] from "
                       "column y[i]"), answer=(loss, dW))
    # 2. The regularization: what reg=0.7 adds to the loss and to dW; 3. stored values of
    #    a random example with regularization.
    W, X, y = _random_example_checks(t, fn, SVM_RAND_LOSS, SVM_RAND_DW)
    # 4. Properties: a numerical gradient, agreement with the other implementation.
    _property_checks(t, fn, other, W, X, y)


for _name, _other in (("svm_loss_naive", "svm_loss_vectorized"),
                      ("svm_loss_vectorized", "svm_loss_naive")):
    public_check(_name)(functools.partial(_svm_checks, name=_name, other_name=_other))


# LinearClassifier.train
# --------------------------------------------------------------------------------------

def _history(t, history, num_iters):
    if history is None:
        t.fail("train returned None; return loss_history, the list of the losses")
    try:
        values = np.array([float(np.asarray(v, dtype=np.float64).reshape(())) for v in history])
    except (TypeError, ValueError):
        t.fail("train should return a list of numbers (one loss per iteration)")
    if values.shape != (num_iters,):
        t.fail("train returned %d losses for num_iters=%d; append one loss per iteration"
               % (values.size, num_iters))
    if not np.all(np.isfinite(values)):
        t.fail("the loss history holds NaN or inf")
    return values


def _blobs():
    """Three well separated clusters in 4 dimensions, plus the bias trick's constant 1."""
    rs = np.random.RandomState(0)
    centers = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    y = np.repeat(np.arange(3), 20)
    X = centers[y] + rs.randn(60, 4) * 0.7
    return np.hstack([X, np.ones((60, 1))]), y


@public_check("LinearClassifier.train")
def _check_train(t):
    from cs231n_core.classifiers.linear_classifier import LinearSVM

    # 1. One step from known weights, on a training set of one repeated example (every
    #    minibatch is the same): W must move by -learning_rate * dW of the classifier's
    #    own loss, whatever that loss computes.
    rs = np.random.RandomState(4)
    W0 = rs.randn(5, 3)
    X = np.tile(rs.randn(1, 5), (10, 1))
    y = np.full(10, 1)
    learning_rate, reg = 0.1, 0.2
    svm = LinearSVM()
    svm.W = W0.copy()
    own = t.call_other(svm.loss, X[:4].copy(), y[:4].copy(), reg)
    if own is None:
        t.fail("train calls self.loss, and LinearSVM.loss (svm_loss_vectorized) is not "
               "implemented yet or crashes: run check(\"svm_loss_vectorized\") first")
    own_loss, own_dW = _loss_pair(t, own, "LinearSVM.loss", W0.shape)
    np.random.seed(0)
    history = _history(t, t.call(svm.train, X.copy(), y.copy(), learning_rate=learning_rate,
                                 reg=reg, num_iters=1, batch_size=4), 1)
    if np.shape(svm.W) != W0.shape:
        t.fail("self.W has shape %s after training, but the classifier had weights of shape "
               "%s: train must keep the weights it was given (initialize W only when it is "
               "None)" % (np.shape(svm.W), W0.shape))
    W1 = t.expect_array(svm.W, W0.shape, "self.W after training", "float", report=False)

    def step_hint(got, expected):
        if np.allclose(got, W0 + learning_rate * own_dW):
            return "W moved up the gradient: subtract learning_rate * grad"
        if np.allclose(got, W0 - own_dW):
            return "the step ignores the learning rate"
        if np.allclose(got, W0):
            return "W did not change: update self.W with the gradient"
        return "did train set self.W anew instead of keeping the weights it was given?"

    t.expect_close(W1, W0 - learning_rate * own_dW, 1e-9,
                   "W - learning_rate * dW after one step from known weights", hint=step_hint)
    t.expect_close(history, [own_loss], 1e-9, "the loss recorded for that step")

    # 2. Minibatches larger than the training set (sampling with replacement).
    svm = LinearSVM()
    np.random.seed(1)
    _history(t, t.call(svm.train, X[:3].copy(), np.array([0, 1, 2]), num_iters=3,
                       batch_size=20), 3)
    t.ok("a batch_size larger than the training set works (sampling with replacement)")

    # 3. Training on three well separated clusters: the loss goes down and the
    #    classifier fits them.
    Xb, yb = _blobs()
    svm = LinearSVM()
    np.random.seed(2)
    history = _history(t, t.call(svm.train, Xb.copy(), yb.copy(), learning_rate=0.1,
                                 reg=1e-3, num_iters=100, batch_size=20), 100)
    if not history[-10:].mean() < 0.5 * history[:10].mean():
        t.fail("the loss did not go down (mean %.3g over the first 10 iterations, %.3g over "
               "the last 10); do X_batch and y_batch use the same random indices?"
               % (history[:10].mean(), history[-10:].mean()))
    t.ok("the loss goes down (from %.3f to %.3f)" % (history[:10].mean(), history[-10:].mean()))
    scores = np.asarray(svm.W, dtype=np.float64)
    accuracy = float(np.mean(np.argmax(Xb.dot(scores), axis=1) == yb))
    if not accuracy >= 0.9:
        t.fail("the trained weights classify only %.0f%% of three well separated clusters "
               "(the reference: 98%%)" % (100 * accuracy))
    t.ok("the trained weights classify %.0f%% of three well separated clusters"
         % (100 * accuracy))


# --------------------------------------------------------------------------------------
# LinearClassifier.predict
# --------------------------------------------------------------------------------------

# Unit vectors and their sum: the scores are the rows of W and their sum.
PREDICT_X = np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0],
                      [1.0, 1.0, 1.0, 1.0]])
PREDICT_W = np.array([[0.0, 2.0, 1.0], [3.0, 1.0, 0.0], [0.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
PREDICT_LABELS = [1, 0, 2, 2, 2]
# rs = RandomState(2); W = rs.randn(6, 4); X = rs.randn(9, 6)
PREDICT_RAND_LABELS = [0, 2, 3, 2, 2, 0, 2, 2, 2]


@public_check("LinearClassifier.predict")
def _check_predict(t):
    from cs231n_core.classifiers.linear_classifier import LinearClassifier

    classifier = LinearClassifier()
    classifier.W = PREDICT_W.copy()
    labels = t.call(classifier.predict, PREDICT_X.copy())
    shape = np.shape(labels)
    if shape == (5, 3):
        t.fail("predict returned the (5, 3) scores; return the label of the highest score "
               "of each row (np.argmax over axis 1)")
    if shape == (3,):
        t.fail("predict returned 3 values for 5 examples: take the argmax over the classes "
               "(axis 1), not over the examples")
    labels = t.expect_array(labels, (5,), "the labels of 5 examples", "int")
    t.expect_labels(labels, PREDICT_LABELS, "a small example worked by hand",
                    hint="each label is the column of the highest score X.dot(W) in its row")
    rs = np.random.RandomState(2)
    classifier.W = rs.randn(6, 4)
    labels = t.call(classifier.predict, rs.randn(9, 6))
    t.expect_labels(labels, PREDICT_RAND_LABELS, "random weights and data")
