"""Public checks of assignment 1's layers (layers.py) and TwoLayerNet (classifiers/fc_net.py).

The expected values below were computed once with the reference solution; most inputs
are CS231n's own (np.linspace), so the numbers match the ones in CS231n's notebook.
"""
import numpy as np

from . import public_check
from .numpy_tools import (_check_grads_dict, _expect_numerical_grads, _expect_param_keys, _loss_of,
                          _pair, _scalar, _scores_of, _seeded, _values)


# --------------------------------------------------------------------------------------
# affine_forward
# --------------------------------------------------------------------------------------

# CS231n's example: two inputs of shape (4, 5, 6), three outputs.
AFFINE_X = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
AFFINE_W = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
AFFINE_B = np.linspace(-0.3, 0.1, num=3)
AFFINE_OUT = np.array([[1.4983496696, 1.7066013217, 1.9148529737],
                       [3.2555319868, 3.5141327024, 3.7727334180]])

# A small example to check by hand.
AFFINE_SMALL = (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]),
                np.array([0.5, -1.0, 2.0]))
AFFINE_SMALL_OUT = np.array([[5.5, 1.0, 1.0], [11.5, 3.0, -1.0]])


@public_check("affine_forward")
def _check_affine_forward(t):
    from cs231n_core.layers import affine_forward

    out = _pair(t, t.call(affine_forward, *[a.copy() for a in AFFINE_SMALL]), "affine_forward")
    out = t.expect_array(out, (2, 3), "out of 2 examples with 2 features and 3 outputs", "float")
    t.expect_close(out, AFFINE_SMALL_OUT, 1e-6, "a small example worked by hand",
                   hint=lambda got, exp: "did you forget to add b?"
                   if np.allclose(got, exp - AFFINE_SMALL[2]) else None)

    result = t.call(affine_forward, AFFINE_X.copy(), AFFINE_W.copy(), AFFINE_B.copy())
    out = _pair(t, result, "affine_forward")
    if np.shape(out) != (2, 3):
        t.fail("got shape %s for the output of x of shape (2, 4, 5, 6), expected (2, 3); "
               "reshape each example into a row first: x.reshape(x.shape[0], -1)"
               % (np.shape(out),))
    t.expect_close(out, AFFINE_OUT, 1e-8, "CS231n's example (x of shape (2, 4, 5, 6))",
                   hint=lambda got, exp: "flatten the examples in NumPy's default (row-major) order")
    cache = result[1]
    if not (isinstance(cache, (tuple, list)) and len(cache) == 3
            and all(np.shape(c) == np.shape(a) for c, a in zip(cache, (AFFINE_X, AFFINE_W, AFFINE_B)))):
        t.fail("the cache should be the tuple (x, w, b) that affine_backward unpacks")
    t.ok("the cache is (x, w, b)")


# --------------------------------------------------------------------------------------
# affine_backward
# --------------------------------------------------------------------------------------

BACK_X = np.linspace(-1.0, 1.0, num=12).reshape(2, 2, 3)
BACK_W = np.linspace(-0.5, 0.6, num=18).reshape(6, 3)
BACK_B = np.array([0.1, -0.2, 0.3])
BACK_DOUT = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
# Exact fractions: linspace steps are 2/11 (x) and 1.1/17 (w).
BACK_DX = np.array([[[-378.0, -180.0, 18.0], [216.0, 414.0, 612.0]],
                    [[-395.0, -263.0, -131.0], [1.0, 133.0, 265.0]]]) / 680
BACK_DW = np.array([[-16.0, 45.0, -91.0], [0.0, 39.0, -81.0], [16.0, 33.0, -71.0],
                    [32.0, 27.0, -61.0], [48.0, 21.0, -51.0], [64.0, 15.0, -41.0]]) / 44
BACK_DB = np.array([2.0, -0.75, 1.25])


@public_check("affine_backward")
def _check_affine_backward(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import affine_backward, affine_forward

    cache = (BACK_X.copy(), BACK_W.copy(), BACK_B.copy())
    dx, dw, db = _values(t, t.call(affine_backward, BACK_DOUT.copy(), cache), 3, "affine_backward")
    if np.shape(dx) == (2, 6):
        t.fail("dx has shape (2, 6), expected the shape of x, (2, 2, 3): reshape it back")
    if np.shape(dw) == (3, 6):
        t.fail("dw has shape (3, 6), expected the shape of w, (6, 3): is the product the "
               "wrong way round?")
    if np.shape(db) in ((2,), (2, 3)):
        t.fail("db has shape %s, expected the shape of b, (3,): sum dout over the examples "
               "(axis 0)" % (np.shape(db),))
    dx = t.expect_array(dx, (2, 2, 3), "dx", "float")
    dw = t.expect_array(dw, (6, 3), "dw", "float")
    db = t.expect_array(db, (3,), "db", "float")
    t.expect_close(dx, BACK_DX, 1e-8, "the expected dx")
    t.expect_close(dw, BACK_DW, 1e-8, "the expected dw",
                   hint=lambda got, exp: "do not divide by N: the loss already averages"
                   if np.allclose(got * 2, exp) else None)
    t.expect_close(db, BACK_DB, 1e-8, "the expected db",
                   hint=lambda got, exp: "sum over the examples, do not average"
                   if np.allclose(got * 2, exp) else None)

    # CS231n's gradient check, against your own affine_forward (when it works).
    rs = np.random.RandomState(231)
    x, w, b, dout = rs.randn(10, 2, 3), rs.randn(6, 5), rs.randn(5), rs.randn(10, 5)
    if t.call_other(affine_forward, x, w, b) is None:
        t.note("skipped the numerical gradient check: affine_forward is not implemented yet")
        return
    dx, dw, db = _values(t, t.call(affine_backward, dout, (x, w, b)), 3, "affine_backward")
    for name, grad, f, v in (("dx", dx, lambda v: affine_forward(v, w, b)[0], x),
                             ("dw", dw, lambda v: affine_forward(x, v, b)[0], w),
                             ("db", db, lambda v: affine_forward(x, w, v)[0], b)):
        numeric = eval_numerical_gradient_array(f, v.copy(), dout)
        t.expect_close(grad, numeric, 1e-7,
                       "a numerical gradient (%s of random x of shape (10, 2, 3))" % name)


# --------------------------------------------------------------------------------------
# relu_forward and relu_backward
# --------------------------------------------------------------------------------------

RELU_X = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
RELU_OUT = np.array([[0.0, 0.0, 0.0, 0.0],
                     [0.0, 0.0, 0.0454545455, 0.1363636364],
                     [0.2272727273, 0.3181818182, 0.4090909091, 0.5]])


@public_check("relu_forward")
def _check_relu_forward(t):
    from cs231n_core.layers import relu_forward

    out = _pair(t, t.call(relu_forward, RELU_X.copy()), "relu_forward")
    out = t.expect_array(out, (3, 4), "out of x of shape (3, 4)", "float")
    t.expect_close(out, RELU_OUT, 1e-8, "CS231n's example",
                   hint=lambda got, exp: "use the elementwise np.maximum(0, x)")
    x = np.array([[[-2.0, 0.0], [3.5, -0.1]], [[0.25, -7.0], [0.0, 1.0]]])
    out = _pair(t, t.call(relu_forward, x.copy()), "relu_forward")
    if np.shape(out) != x.shape:
        t.fail("got shape %s for x of shape (2, 2, 2), expected the shape of x"
               % (np.shape(out),))
    t.expect_close(out, [[[0.0, 0.0], [3.5, 0.0]], [[0.25, 0.0], [0.0, 1.0]]], 1e-6,
                   "max(0, x) on an input of shape (2, 2, 2) with zeros")


RELU_BACK_X = np.array([[-1.5, 0.0, 2.0], [0.5, -0.25, 0.0]])
RELU_BACK_DOUT = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, -6.0]])
RELU_BACK_DX = np.array([[0.0, 0.0, 3.0], [4.0, 0.0, 0.0]])
# RandomState(231): x = randn(10, 10), then dout = randn(10, 10); column sums of dx.
RELU_RAND_COL_SUMS = [-2.3243093897, -0.4164976187, 1.1869860660, -3.6502584972,
                      -0.0026409241553, -1.2598601407, -0.0792439858, -3.0808035475,
                      -2.2114328054, -1.5011456962]


@public_check("relu_backward")
def _check_relu_backward(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import relu_backward, relu_forward

    dx = t.call(relu_backward, RELU_BACK_DOUT.copy(), RELU_BACK_X.copy())
    dx = t.expect_array(dx, (2, 3), "dx of x of shape (2, 3)", "float")

    def hint(got, exp):
        zero = RELU_BACK_X == 0
        if np.allclose(got[~zero], exp[~zero]):
            return "where x is exactly 0 the gradient should be 0 (pass dout only where x > 0)"
        if np.allclose(got, RELU_BACK_DOUT):
            return "mask dout with x > 0"
        return None
    t.expect_close(dx, RELU_BACK_DX, 1e-6, "a small example worked by hand (zeros included)",
                   hint=hint)

    rs = np.random.RandomState(231)
    x, dout = rs.randn(10, 10), rs.randn(10, 10)
    dx = np.asarray(t.call(relu_backward, dout.copy(), x.copy()))
    t.expect_array(dx, (10, 10), "dx of random x of shape (10, 10)", "float", report=False)
    t.expect_close(dx.sum(axis=0), RELU_RAND_COL_SUMS, 1e-8,
                   "the expected column sums of dx on random inputs")
    if t.call_other(relu_forward, x) is None:
        t.note("skipped the numerical gradient check: relu_forward is not implemented yet")
        return
    numeric = eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x.copy(), dout)
    t.expect_close(dx, numeric, 1e-7, "a numerical gradient on random inputs")


# --------------------------------------------------------------------------------------
# svm_loss and softmax_loss
# --------------------------------------------------------------------------------------

# The lecture's example: scores of a cat, a car and a frog image (rows) for the classes
# cat, car, frog (columns); each row's label is its own class.
LECTURE_SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LECTURE_LABELS = np.array([0, 1, 2])
SVM_LECTURE_LOSS = (2.9 + 0.0 + 12.9) / 3
SVM_LECTURE_DX = np.array([[-1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]]) / 3
SOFTMAX_LECTURE_LOSS = 2.758654710918577
SOFTMAX_LECTURE_DX = np.array([[-2.9000582033e-01, 2.8968317840e-01, 3.2264192485e-04],
                               [8.4149611596e-03, -2.5360611978e-02, 1.6945650818e-02],
                               [1.4155180861e-01, 1.9107495558e-01, -3.3262676419e-01]])

# Large scores: the loss must stay finite.
BIG_SCORES = np.array([[1000.0, 1001.0, 999.0], [-1000.0, 2000.0, 500.0]])
BIG_LABELS = np.array([1, 0])
SVM_BIG_LOSS = 2251.0
SVM_BIG_DX = np.array([[0.0, 0.0, 0.0], [-1.0, 0.5, 0.5]])
SOFTMAX_BIG_LOSS = 1500.2038029822222
SOFTMAX_BIG_DX = np.array([[0.1223642355, -0.1673795221, 0.0450152866], [-0.5, 0.5, 0.0]])

# Random scores: RandomState(0).randn(20, 6) * 2, labels RandomState(0).randint(6, size=20)
# drawn after them; the loss and the column sums of dx.
SVM_RAND = (7.3567338322942515, [0.05, 0.5, 0.1, -0.65, 0.35, -0.35])
SOFTMAX_RAND = (2.7785836683469767, [0.0394669793, 0.1882898139, -0.0276409517,
                                     -0.1074561848, 0.0391547785, -0.1318144352])


def _random_scores():
    rs = np.random.RandomState(0)
    x = rs.randn(20, 6) * 2
    return x, rs.randint(6, size=20)


def _loss_checks(t, fn, lecture, big, random, hints):
    name = fn.__name__
    loss, dx = _values(t, t.call(fn, LECTURE_SCORES.copy(), LECTURE_LABELS.copy()), 2, name)
    loss = _scalar(t, loss, "the loss")
    dx = t.expect_array(dx, (3, 3), "dx of 3 examples and 3 classes", "float")
    t.expect_close(loss, lecture[0], 1e-8, "the lecture's example (cat, car, frog): the loss",
                   hint=lambda got, exp: hints(got, exp, 3))
    t.expect_close(dx, lecture[1], 1e-8, "the lecture's example: dx",
                   hint=lambda got, exp: "divide dx by N too" if np.allclose(got, exp * 3) else None)

    x, y = _random_scores()
    loss, dx = _values(t, t.call(fn, x, y), 2, name)
    t.expect_array(dx, (20, 6), "dx of 20 examples and 6 classes", "float", report=False)
    t.expect_close(_scalar(t, loss, "the loss"), random[0], 1e-8, "random scores: the loss",
                   hint=lambda got, exp: hints(got, exp, 20))
    t.expect_close(np.sum(dx, axis=0), random[1], 1e-7, "random scores: the column sums of dx")

    loss, dx = _values(t, t.call(fn, BIG_SCORES.copy(), BIG_LABELS.copy()), 2, name)
    loss = _scalar(t, loss, "the loss")
    if not np.isfinite(loss) or not np.all(np.isfinite(dx)):
        t.fail("the loss or dx is NaN or infinite for scores around 1000; subtract each row's "
               "maximum score before exponentiating")
    t.expect_close(loss, big[0], 1e-8, "scores around 1000: the loss")
    t.expect_close(dx, big[1], 1e-8, "scores around 1000: dx")


def _svm_hints(got, exp, n):
    if np.isclose(got, exp * n):
        return "divide the loss by the number of examples N"
    if np.isclose(got, exp + 1):  # a margin of 1 per example for the correct class
        return "do not count the margin of the correct class"
    return None


def _softmax_hints(got, exp, n):
    if np.isclose(got, exp * n):
        return "divide the loss by the number of examples N"
    return None


@public_check("svm_loss")
def _check_svm_loss(t):
    from cs231n_core.layers import svm_loss

    _loss_checks(t, svm_loss, (SVM_LECTURE_LOSS, SVM_LECTURE_DX), (SVM_BIG_LOSS, SVM_BIG_DX),
                 SVM_RAND, _svm_hints)


@public_check("softmax_loss")
def _check_softmax_loss(t):
    from cs231n_core.layers import softmax_loss

    _loss_checks(t, softmax_loss, (SOFTMAX_LECTURE_LOSS, SOFTMAX_LECTURE_DX),
                 (SOFTMAX_BIG_LOSS, SOFTMAX_BIG_DX), SOFTMAX_RAND, _softmax_hints)
    # CS231n's sanity check: small random scores give a loss close to log(C).
    rs = np.random.RandomState(1)
    loss, _ = _values(t, t.call(softmax_loss, 0.001 * rs.randn(50, 10), rs.randint(10, size=50)),
                      2, "softmax_loss")
    loss = _scalar(t, loss, "the loss")
    if not abs(loss - np.log(10)) < 0.01:
        t.fail("the loss of tiny random scores of 10 classes is %.4f, expected about "
               "log(10) = %.4f" % (loss, np.log(10)))
    t.ok("tiny random scores of 10 classes give a loss of %.4f, about log(10)" % loss)


# --------------------------------------------------------------------------------------
# TwoLayerNet
# --------------------------------------------------------------------------------------

# CS231n's example: N, D, H, C = 3, 5, 50, 7 and parameters made with np.linspace.
NET_N, NET_D, NET_H, NET_C = 3, 5, 50, 7
NET_SCORES = np.array([
    [11.5316510824, 12.2917343956, 13.0518177088, 13.8119010220, 14.5719843352, 15.3320676484,
     16.0921509616],
    [12.0576909768, 12.7461410521, 13.4345911275, 14.1230412029, 14.8114912783, 15.4999413536,
     16.1883914290],
    [12.5837308711, 13.2005477086, 13.8173645462, 14.4341813837, 15.0509982213, 15.6678150588,
     16.2846318964]])
NET_LABELS = np.array([0, 5, 1])
NET_LOSS = 3.4702243555953918
NET_LOSS_REG1 = 26.594842695238583
NET_GRAD_SUMS_REG1 = {"W1": -50.90995739838496, "b1": 0.3050648007527536,
                      "W2": 17.49999999999998, "b2": 0.0}
NET_GRAD_ABS_SUMS_REG1 = {"W1": 76.36865872519782, "b1": 0.3050648007527536,
                          "W2": 381.61873710972725, "b2": 1.4476406079224788}
PARAM_NAMES = ("W1", "b1", "W2", "b2")

# A small random net (see _small_net): half its hidden units are off, so the ReLU matters.
SMALL_SCORES = np.array([
    [0.46001904830013796, 1.7896359485267406, -1.0422616268649472],
    [-1.0111783296397296, -2.043147564356331, 0.7070457434381445],
    [-0.48850828821237713, -1.2791520565047023, 0.044826481282326025],
    [0.14270937461119262, 1.1706742745853005, -1.6343888155463033],
    [-1.1247579922109385, -1.5530495252703944, -1.4943505431992476]])
SMALL_LOSS_REG07 = 5.532550521832692


def _small_net():
    """Parameters of a 4-6-3 net and 5 examples with labels, from RandomState(3)."""
    rs = np.random.RandomState(3)
    params = {"W1": rs.randn(4, 6) * 0.5, "b1": rs.randn(6) * 0.1,
              "W2": rs.randn(6, 3) * 0.5, "b2": rs.randn(3) * 0.1}
    return params, rs.randn(5, 4), rs.randint(3, size=5)


def _linspace_params():
    D, H, C = NET_D, NET_H, NET_C
    return {"W1": np.linspace(-0.7, 0.3, num=D * H).reshape(D, H),
            "b1": np.linspace(-0.1, 0.9, num=H),
            "W2": np.linspace(-0.3, 0.4, num=H * C).reshape(H, C),
            "b2": np.linspace(-0.9, 0.1, num=C)}


@public_check("TwoLayerNet")
def _check_two_layer_net(t):
    from cs231n_core.classifiers.fc_net import TwoLayerNet

    # 1. Initialization (NumPy's global random state is left as it was).
    std = 1e-2
    net = _seeded(t, TwoLayerNet, input_dim=NET_D, hidden_dim=NET_H, num_classes=NET_C,
                  weight_scale=std)
    params = _expect_param_keys(t, net, PARAM_NAMES,
                                "self.params should have the keys W1, b1, W2, b2")
    shapes = {"W1": (NET_D, NET_H), "b1": (NET_H,), "W2": (NET_H, NET_C), "b2": (NET_C,)}
    for k in PARAM_NAMES:
        t.expect_array(params[k], shapes[k], "params[%r]" % k, "float", report=False)
    t.ok("params W1, b1, W2, b2 have shapes (5, 50), (50,), (50, 7), (7,)")
    if np.any(np.asarray(params["b1"]) != 0) or np.any(np.asarray(params["b2"]) != 0):
        t.fail("the biases b1 and b2 should start at zero")
    for k in ("W1", "W2"):
        w = np.asarray(params[k])
        if not (0.7 * std < np.std(w) < 1.3 * std and abs(np.mean(w)) < 0.3 * std):
            t.fail("params[%r] has mean %.2g and standard deviation %.2g with weight_scale=%g; "
                   "draw it with weight_scale * np.random.randn(...)"
                   % (k, np.mean(w), np.std(w), std))
    t.ok("zero biases, weights of mean about 0 and standard deviation about weight_scale")

    # 2. Scores and loss of CS231n's example.
    net.params = _linspace_params()
    net.reg = 0.0
    X = np.linspace(-5.5, 4.5, num=NET_N * NET_D).reshape(NET_D, NET_N).T
    scores = _scores_of(t, net, X, (3, 7), "the scores of 3 examples and 7 classes")
    t.expect_close(scores, NET_SCORES, 1e-8, "CS231n's example: the scores")
    t.expect_close(_loss_of(t, net, X, NET_LABELS)[0], NET_LOSS, 1e-8,
                   "CS231n's example: the loss without regularization")
    net.reg = 1.0
    loss, grads = _loss_of(t, net, X, NET_LABELS)

    def reg_hint(got, exp):
        if np.isclose(got - NET_LOSS, 2 * (exp - NET_LOSS)):
            return "the regularization is 0.5 * reg * (sum(W1 * W1) + sum(W2 * W2))"
        if np.isclose(got, NET_LOSS):
            return "add the regularization 0.5 * reg * (sum(W1 * W1) + sum(W2 * W2))"
        return None
    t.expect_close(loss, NET_LOSS_REG1, 1e-8,
                   "CS231n's example: the loss with reg=1.0", hint=reg_hint)
    _check_grads_dict(t, grads, net.params)
    t.expect_close([np.sum(grads[k]) for k in PARAM_NAMES],
                   [NET_GRAD_SUMS_REG1[k] for k in PARAM_NAMES], 1e-7,
                   "CS231n's example: the sums of the gradients W1, b1, W2, b2 with reg=1.0")
    t.expect_close([np.sum(np.abs(grads[k])) for k in PARAM_NAMES],
                   [NET_GRAD_ABS_SUMS_REG1[k] for k in PARAM_NAMES], 1e-7,
                   "CS231n's example: the sums of the absolute gradients")

    # 3. A small random net, where the ReLU matters, and a numerical gradient check of
    #    your own loss, as in CS231n's notebook.
    small, X, y = _small_net()
    net.params = {k: v.copy() for k, v in small.items()}
    net.reg = 0.7
    scores = t.expect_array(t.call(net.loss, X.copy()), (5, 3), "the scores of a small random net",
                            "float", report=False)
    t.expect_close(scores, SMALL_SCORES, 1e-8, "the scores of a small random net (ReLU active)",
                   hint=lambda got, exp: "is the ReLU of the hidden layer there?")
    t.expect_close(_loss_of(t, net, X, y)[0], SMALL_LOSS_REG07, 1e-8,
                   "the loss of a small random net with reg=0.7")
    for reg in (0.0, 0.7):
        net.reg = reg
        _expect_numerical_grads(t, net, X, y, PARAM_NAMES, " with reg=%g" % reg, 1e-6)
