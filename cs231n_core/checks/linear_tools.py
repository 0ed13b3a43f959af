"""What the public checks of the SVM and softmax losses share: the examples worked by
hand, the regularization and numerical-gradient checks, and the comparison of the naive
and vectorized implementations."""
import numpy as np

from .numpy_tools import _expect_no_loop, _traced


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


def _halved_or_missing_hint(halved, missing):
    """A hint (got, expected) -> sentence for a regularization term: `halved` when got
    is half the expected, `missing` when it is 0, else None."""
    def hint(got, expected):
        if np.allclose(got, 0.5 * expected):
            return halved
        if np.allclose(got, 0.0):
            return missing
        return None
    return hint


def _regularization_checks(t, fn, W, X, y):
    """loss(reg) - loss(0) = reg * sum(W * W) and dW(reg) - dW(0) = 2 * reg * W."""
    reg = 0.7
    loss0, dW0 = _call_loss(t, fn, W, X, y, 0.0)
    loss1, dW1 = _call_loss(t, fn, W, X, y, reg)
    penalty = reg * float(np.sum(W * W))
    answers = ((loss0, dW0), (loss1, dW1))  # a forgotten term's difference would be only 0

    t.expect_close(loss1 - loss0, penalty, 1e-7,
                   "reg * sum(W * W) as the loss's regularization (loss with reg=0.7 minus "
                   "loss with reg=0)",
                   hint=_halved_or_missing_hint("use reg * np.sum(W * W), without a factor 0.5",
                                                "did you forget to add the regularization to the "
                                                "loss?"), answer=answers)
    t.expect_close(dW1 - dW0, 2 * reg * W, 1e-7,
                   "2 * reg * W as the gradient of the regularization (dW with reg=0.7 "
                   "minus dW with reg=0)",
                   hint=_halved_or_missing_hint("the gradient of reg * sum(W * W) is 2 * reg * W, "
                                                "not reg * W",
                                                "did you forget the regularization's gradient "
                                                "2 * reg * W?"), answer=answers)


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


def _random_example_checks(t, fn, expected_loss, expected_dW):
    """The regularization checks and the stored values (reg=0.05) of the random example;
    returns the example, (W (6, 4), X (8, 6), y (8,))."""
    W, X, y = _random_example()
    _regularization_checks(t, fn, W, X, y)
    loss, dW = _call_loss(t, fn, W, X, y, RAND_REG)
    t.expect_close(loss, expected_loss, 1e-7, "the expected loss of a random example (reg=0.05)")
    t.expect_close(dW, expected_dW, 1e-7, "the expected gradient of a random example (reg=0.05)")
    return W, X, y


def _property_checks(t, fn, other, W, X, y):
    """A numerical gradient of the loss, and agreement with the other implementation, on
    the random example with reg=0.05; a vectorized loss reads no example at a time."""
    _numerical_gradient_check(t, fn, W, X, y, RAND_REG)
    _compare_with_other(t, fn, other, W, X, y, RAND_REG)
    if fn.__name__.endswith("_vectorized"):
        (traced,), record = _traced(X)
        t.call(fn, W.copy(), traced, y.copy(), RAND_REG)
        _expect_no_loop(t, record, len(y), fn.__name__, "examples")
