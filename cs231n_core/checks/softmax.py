"""Public checks of assignment 1's softmax loss (classifiers/softmax.py).

The expected values below were computed once with the reference solution; the small
examples can be checked by hand.
"""
import functools

import numpy as np

from . import public_check
from .linear_tools import (HAND_X, HAND_Y, _call_loss, _property_checks, _random_example_checks,
                           _ratio_hint)


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
                   hint=_softmax_loss_hint, answer=(loss, dW))
    t.expect_close(dW, SOFTMAX_HAND_DW, 1e-7,
                   "the gradient for W = 0, X.T.dot(1/3 - onehot(y)) / N",
                   hint=lambda got, exp: _ratio_hint(got, exp, 2) or (
                       "the gradient of the scores is p - onehot(y): did you subtract 1 "
                       "at the correct class?"))
    # 2. The regularization: what reg=0.7 adds to the loss and to dW; 3. stored values of
    #    a random example with regularization.
    W, X, y = _random_example_checks(t, fn, SOFTMAX_RAND_LOSS, SOFTMAX_RAND_DW)
    # 4. Numerical stability: scores around 1000.
    WL, XL, yL = _large_example()
    loss, dW = _call_loss(t, fn, WL, XL, yL, 0.0)
    if not (np.isfinite(loss) and np.all(np.isfinite(dW))):
        t.wrong((loss, dW), "the loss or dW is NaN or inf for scores around 1000: exp overflows; "
                "subtract each example's largest score before np.exp", "finite for scores around 1000")
    t.expect_close(loss, SOFTMAX_LARGE_LOSS, 1e-7, "the expected loss for scores around 1000")
    t.expect_close(dW, SOFTMAX_LARGE_DW, 1e-7, "the expected gradient for scores around 1000")
    # 5. Properties: a numerical gradient, agreement with the other implementation.
    _property_checks(t, fn, other, W, X, y)


for _name, _other in (("softmax_loss_naive", "softmax_loss_vectorized"),
                      ("softmax_loss_vectorized", "softmax_loss_naive")):
    public_check(_name)(functools.partial(_softmax_checks, name=_name, other_name=_other))


# --------------------------------------------------------------------------------------
