"""Public checks of assignment 1's linear classifiers: the SVM and softmax losses
(classifiers/linear_svm.py, classifiers/softmax.py) and LinearClassifier's train and
predict (classifiers/linear_classifier.py).

The expected values below were computed once with the reference solution; the small
examples can be checked by hand.
"""
import numpy as np

from . import public_check

# --------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------

# A small example to work by hand: scores X.dot(W) are [1, 2, 3] (label 0) and
# [-1, 1, 3] (label 2).
HAND_X = np.array([[1.0, 2.0], [-1.0, 1.0]])
HAND_W = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 2.0]])
HAND_Y = np.array([0, 2])

# Random example: rs = RandomState(0); W = rs.randn(6, 4) * 0.5; X = rs.randn(8, 6);
# y = rs.randint(4, size=8) (stored below); reg = 0.05.
RAND_REG = 0.05
RAND_Y = np.array([3, 0, 3, 2, 3, 0, 0, 2])


def _random_example():
    rs = np.random.RandomState(0)
    W = rs.randn(6, 4) * 0.5
    X = rs.randn(8, 6)
    return W, X, RAND_Y.copy()


def _loss_pair(t, result, name, w_shape):
    """A loss returns (loss, dW): return them as (float, array), or fail with one sentence."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        t.fail("%s should return a pair (loss, dW), got %s" % (
            name, "%d values" % len(result) if isinstance(result, (tuple, list))
            else "a %s" % type(result).__name__))
    loss, dW = result
    if loss is None:
        t.fail("the loss is None; did you forget to set it?")
    if np.size(loss) != 1:
        t.fail("the loss should be a single number, got an array of shape %s" % (np.shape(loss),))
    dW = t.expect_array(dW, w_shape, "dW", "float", report=False)
    return float(np.asarray(loss, dtype=np.float64).reshape(())), dW


def _call_loss(t, fn, W, X, y, reg):
    """Call a loss on copies of its inputs; fail if it changed them."""
    args = (W.copy(), X.copy(), y.copy())
    loss, dW = _loss_pair(t, t.call(fn, *args, reg), fn.__name__, W.shape)
    if not (np.array_equal(args[0], W) and np.array_equal(args[1], X)
            and np.array_equal(args[2], y)):
        t.fail("%s changed its inputs W, X or y; compute new arrays instead of "
               "modifying them in place" % fn.__name__)
    return loss, dW


def _ratio_hint(got, expected, num_train):
    """A sentence for the common factor mistakes, or None."""
    if np.allclose(got, expected * num_train, rtol=1e-6):
        return "did you forget to divide by the number of examples N?"
    if np.allclose(got * num_train, expected, rtol=1e-6):
        return "did you divide by N twice?"
    if np.allclose(got, -expected, rtol=1e-6):
        return "the sign is flipped"
    return None


def _regularization_checks(t, fn, W, X, y):
    """loss(reg) - loss(0) = reg * sum(W * W) and dW(reg) - dW(0) = 2 * reg * W."""
    reg = 0.7
    loss0, dW0 = _call_loss(t, fn, W, X, y, 0.0)
    loss1, dW1 = _call_loss(t, fn, W, X, y, reg)
    penalty = reg * float(np.sum(W * W))

    def loss_hint(got, expected):
        if np.isclose(got, 0.5 * expected):
            return "use reg * np.sum(W * W), without a factor 0.5"
        if np.isclose(got, 0.0):
            return "did you forget to add the regularization to the loss?"
        return None

    t.expect_close(loss1 - loss0, penalty, 1e-7,
                   "reg * sum(W * W) as the loss's regularization (loss with reg=0.7 minus "
                   "loss with reg=0)",
                   hint=loss_hint)

    def grad_hint(got, expected):
        if np.allclose(got, 0.5 * expected):
            return "the gradient of reg * sum(W * W) is 2 * reg * W, not reg * W"
        if np.allclose(got, 0.0):
            return "did you forget the regularization's gradient 2 * reg * W?"
        return None

    t.expect_close(dW1 - dW0, 2 * reg * W, 1e-7,
                   "2 * reg * W as the gradient of the regularization (dW with reg=0.7 "
                   "minus dW with reg=0)",
                   hint=grad_hint)


def _numerical_gradient_check(t, fn, W, X, y, reg):
    from cs231n_core.gradient_check import eval_numerical_gradient, rel_error

    _, dW = _call_loss(t, fn, W, X, y, reg)

    def loss_of(w):
        return float(np.asarray(fn(w, X.copy(), y.copy(), reg)[0], dtype=np.float64).reshape(()))

    with np.errstate(all="ignore"):
        numerical = eval_numerical_gradient(loss_of, W.copy(), verbose=False)
    error = rel_error(dW, numerical)
    if not error < 1e-6:
        t.fail("the analytic gradient dW differs from a numerical gradient of your own loss "
               "(relative error %.1e, expected below 1e-6)" % error)
    t.ok("dW matches a numerical gradient of the loss (relative error %.1e)" % error)


def _compare_with_other(t, fn, other, W, X, y, reg):
    """A note comparing the two implementations (when the other one works)."""
    mine = _call_loss(t, fn, W, X, y, reg)
    theirs = t.call_other(other, W.copy(), X.copy(), y.copy(), reg)
    if (theirs is None or not isinstance(theirs, (tuple, list)) or len(theirs) != 2
            or np.shape(theirs[1]) != W.shape):
        t.note("skipped the comparison with %s (not implemented yet, or it crashes)"
               % other.__name__)
        return
    loss_diff = abs(mine[0] - float(np.asarray(theirs[0], dtype=np.float64).reshape(())))
    grad_diff = np.linalg.norm(mine[1] - np.asarray(theirs[1], dtype=np.float64), ord="fro")
    if loss_diff < 1e-9 and grad_diff < 1e-9:
        t.ok("agrees with %s (loss difference %.1e, gradient difference %.1e)"
             % (other.__name__, loss_diff, grad_diff))
    else:
        t.note("differs from %s (loss difference %.1e, gradient difference %.1e); run check(%r)"
               % (other.__name__, loss_diff, grad_diff, other.__name__))


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
                       "column y[i]"))
    # 2. The regularization: what reg=0.7 adds to the loss and to dW.
    W, X, y = _random_example()
    _regularization_checks(t, fn, W, X, y)
    # 3. Stored values of a random example with regularization.
    loss, dW = _call_loss(t, fn, W, X, y, RAND_REG)
    t.expect_close(loss, SVM_RAND_LOSS, 1e-7, "the expected loss of a random example (reg=0.05)")
    t.expect_close(dW, SVM_RAND_DW, 1e-7, "the expected gradient of a random example (reg=0.05)")
    # 4. Properties: a numerical gradient, agreement with the other implementation.
    _numerical_gradient_check(t, fn, W, X, y, RAND_REG)
    _compare_with_other(t, fn, other, W, X, y, RAND_REG)


@public_check("svm_loss_naive")
def _check_svm_loss_naive(t):
    _svm_checks(t, "svm_loss_naive", "svm_loss_vectorized")


@public_check("svm_loss_vectorized")
def _check_svm_loss_vectorized(t):
    _svm_checks(t, "svm_loss_vectorized", "svm_loss_naive")


# --------------------------------------------------------------------------------------
# softmax_loss_naive, softmax_loss_vectorized
# --------------------------------------------------------------------------------------

# Hand example with W = 0: every class has probability 1/3, so the loss is log(3) and
# the gradient is X.T.dot(1/3 - onehot(y)) / N.
SOFTMAX_HAND_LOSS = float(np.log(3.0))
SOFTMAX_HAND_DW = np.array([[-0.5, 0.0, 0.5], [-0.5, 0.5, 0.0]])

SOFTMAX_RAND_LOSS = 1.6674311494104028
SOFTMAX_RAND_DW = np.array([
    [0.0889100259007, -0.0705626160337, 0.298213751005, -0.0473691239896],
    [0.182544154824, -0.047912938628, -0.107347331752, 0.0571666815308],
    [0.0245532993533, -0.127224691096, 0.0311939656668, 0.166762262489],
    [0.360923830026, -0.150355617373, -0.0789945211691, -0.0485611763953],
    [0.049122167786, 0.0106885633394, 0.0262487144292, -0.0486648069675],
    [-0.243235182879, 0.0495923469857, 0.00535725737733, 0.0994305764193]])

# Scores around 1000 (exp(1000) overflows): rs = RandomState(1); W = rs.randn(5, 3) * 0.5;
# X = rs.randn(6, 5); X[:, -1] = 1; W[-1, :] = 1000 + rs.randn(3); y stored; reg = 0.
LARGE_Y = np.array([0, 1, 1, 0, 0, 0])
SOFTMAX_LARGE_LOSS = 3.0113112169083256
SOFTMAX_LARGE_DW = np.array([
    [0.319126208138, 0.131690852749, -0.450817060886],
    [0.411423432114, -0.195209586757, -0.216213845357],
    [0.349299930285, -0.00770954350542, -0.341590386779],
    [-0.381621282536, 0.21328364274, 0.168337639796],
    [-0.630272575687, -0.0622123947717, 0.692484970459]])


def _large_example():
    rs = np.random.RandomState(1)
    W = rs.randn(5, 3) * 0.5
    X = rs.randn(6, 5)
    X[:, -1] = 1.0
    W[-1, :] = 1000.0 + rs.randn(3)
    return W, X, LARGE_Y.copy()


def _softmax_loss_hint(got, expected):
    if np.isclose(got, -expected):
        return "the loss is -log of the correct class's probability (mind the sign)"
    return _ratio_hint(got, expected, 2)


def _softmax_checks(t, name, other_name):
    from cs231n_core.classifiers import softmax

    fn, other = getattr(softmax, name), getattr(softmax, other_name)
    # 1. The hand example: W = 0.
    W0 = np.zeros((2, 3))
    loss, dW = _call_loss(t, fn, W0, HAND_X, HAND_Y, 0.0)
    t.ok("returns (loss, dW) with dW of the shape of W, %s" % (W0.shape,))
    t.expect_close(loss, SOFTMAX_HAND_LOSS, 1e-9,
                   "log(3) as the loss for W = 0 and 3 classes (every probability is 1/3)",
                   hint=_softmax_loss_hint)
    t.expect_close(dW, SOFTMAX_HAND_DW, 1e-7,
                   "the gradient for W = 0, X.T.dot(1/3 - onehot(y)) / N",
                   hint=lambda got, exp: _ratio_hint(got, exp, 2) or (
                       "the gradient of the scores is p - onehot(y): did you subtract 1 "
                       "at the correct class?"))
    # 2. The regularization: what reg=0.7 adds to the loss and to dW.
    W, X, y = _random_example()
    _regularization_checks(t, fn, W, X, y)
    # 3. Stored values of a random example with regularization.
    loss, dW = _call_loss(t, fn, W, X, y, RAND_REG)
    t.expect_close(loss, SOFTMAX_RAND_LOSS, 1e-7,
                   "the expected loss of a random example (reg=0.05)")
    t.expect_close(dW, SOFTMAX_RAND_DW, 1e-7,
                   "the expected gradient of a random example (reg=0.05)")
    # 4. Numerical stability: scores around 1000.
    WL, XL, yL = _large_example()
    loss, dW = _call_loss(t, fn, WL, XL, yL, 0.0)
    if not (np.isfinite(loss) and np.all(np.isfinite(dW))):
        t.fail("the loss or dW is NaN or inf for scores around 1000: exp overflows; "
               "subtract each example's largest score before np.exp")
    t.expect_close(loss, SOFTMAX_LARGE_LOSS, 1e-7, "the expected loss for scores around 1000")
    t.expect_close(dW, SOFTMAX_LARGE_DW, 1e-7, "the expected gradient for scores around 1000")
    # 5. Properties: a numerical gradient, agreement with the other implementation.
    _numerical_gradient_check(t, fn, W, X, y, RAND_REG)
    _compare_with_other(t, fn, other, W, X, y, RAND_REG)


@public_check("softmax_loss_naive")
def _check_softmax_loss_naive(t):
    _softmax_checks(t, "softmax_loss_naive", "softmax_loss_vectorized")


@public_check("softmax_loss_vectorized")
def _check_softmax_loss_vectorized(t):
    _softmax_checks(t, "softmax_loss_vectorized", "softmax_loss_naive")


# --------------------------------------------------------------------------------------
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
