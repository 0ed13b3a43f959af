"""Public checks of the naive convolution and max pooling layers (layers.py) and
ThreeLayerConvNet (classifiers/cnn.py).

The expected values below were computed once with the reference solution; the inputs
of the "CS231n's example" checks are CS231n's own (np.linspace), so the numbers match
the ones in CS231n's notebook. The other small examples can be worked out by hand.
"""
import numpy as np

from . import public_check
from .numpy_tools import (_expect_numerical_grads, _expect_param_keys, _loss_of, _pair, _scores_of,
                          _seeded, _values)

# --------------------------------------------------------------------------------------
# conv_forward_naive
# --------------------------------------------------------------------------------------

# CS231n's example: x (2, 3, 4, 4), w (3, 3, 4, 4), stride 2, pad 1.
CONV_X = np.linspace(-0.1, 0.5, num=96).reshape(2, 3, 4, 4)
CONV_W = np.linspace(-0.2, 0.3, num=144).reshape(3, 3, 4, 4)
CONV_B = np.linspace(-0.1, 0.2, num=3)
CONV_OUT = np.array([
    [[[-0.087598086124, -0.109877806404], [-0.183871917556, -0.210921604711]],
     [[0.210270887008, 0.216610967979], [0.228476260582, 0.230046374678]],
     [[0.508139860140, 0.543099742363], [0.640824438719, 0.671014354067]]],
    [[[-0.980535885167, -1.031435406699], [-1.191288921605, -1.246958410011]],
     [[0.691083548031, 0.668803827751], [0.594809716599, 0.567760029444]],
     [[2.362702981229, 2.369043062201], [2.380908354803, 2.382478468900]]]])

# By hand: a 3x3 image 0..8, a 2x2 filter [[1, 2], [3, 4]], bias 0.5, stride 2, pad 1.
# Each output sums a window of the zero-padded image times the filter, not flipped.
HAND_X = np.arange(9.0).reshape(1, 1, 3, 3)
HAND_W = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
HAND_B = np.array([0.5])
HAND_PARAM = {"stride": 2, "pad": 1}
HAND_OUT = np.array([[[[0.5, 11.5], [30.5, 67.5]]]])
HAND_DOUT = np.array([[[[1.0, -1.0], [2.0, 0.5]]]])
HAND_DX = np.array([[[[4.0, -3.0, -4.0], [4.0, 0.5, 1.0], [8.0, 1.5, 2.0]]]])
HAND_DW = np.array([[[[2.0, 8.5], [2.5, 14.0]]]])
HAND_DB = np.array([2.5])
# The same image, filter and dout without padding, stride 1: dx adds dout[i, j] * w at
# (i, j), dw adds dout[i, j] * x[i:i + 2, j:j + 2].
UNPADDED_DX = np.array([[[[1.0, 1.0, -2.0], [5.0, 5.5, -3.0], [6.0, 9.5, 2.0]]]])
UNPADDED_DW = np.array([[[[7.0, 9.5], [14.5, 17.0]]]])


# Odd shapes: a 5x7 input and 3x2 filters (height 3, width 2), stride 2, pad 1; small
# integers, so the output is exact.
ODD_X = np.arange(70.0).reshape(1, 2, 5, 7) % 7 - 3
ODD_W = np.arange(24.0).reshape(2, 2, 3, 2) % 5 - 2
ODD_B = np.array([1.0, -2.0])
ODD_PARAM = {"stride": 2, "pad": 1}
ODD_OUT = np.array([[[[1.0, -1.0, 1.0, 3.0], [4.0, 6.0, 0.0, -6.0], [-5.0, 3.0, 3.0, 3.0]],
                     [[4.0, 2.0, -4.0, -10.0], [-5.0, -3.0, -1.0, 1.0], [-2.0, -4.0, -2.0, 0.0]]]])
ODD_OUT_FLIPPED = np.array([[[[7.0, -1.0, -1.0, -1.0], [7.0, 5.0, -1.0, -7.0], [-2.0, 0.0, 2.0, 4.0]],
                             [[-5.0, -3.0, -1.0, 1.0], [-2.0, -4.0, -2.0, 0.0], [1.0, 3.0, -3.0, -9.0]]]])
HAND_OUT_FLIPPED = np.array([[[[0.5, 4.5], [15.5, 53.5]]]])


def _conv_hints(flipped, b, window_size):
    """hint(got, expected) naming a likely mistake of a convolution, or None; `flipped`
    is the output that a flipped filter would give (stored)."""
    def hint(got, expected):
        if np.allclose(got, flipped):
            return "do not flip the filter: CS231n's convolution is a cross-correlation"
        if np.allclose(got, expected - b[None, :, None, None]):
            return "did you forget to add the bias b[f]?"
        if np.allclose(got, expected + b[None, :, None, None] * (window_size - 1)):
            return "add the bias once per output pixel, not to every product of the sum"
        return None
    return hint


@public_check("conv_forward_naive")
def _check_conv_forward_naive(t):
    from cs231n_core.layers import conv_forward_naive

    result = t.call(conv_forward_naive, HAND_X.copy(), HAND_W.copy(), HAND_B.copy(), dict(HAND_PARAM))
    out = _pair(t, result, "conv_forward_naive")
    if np.shape(out) == (1, 1, 1, 1):
        t.fail("got shape (1, 1, 1, 1) for a 3x3 image, a 2x2 filter, stride 2 and pad 1, "
               "expected (1, 1, 2, 2): did you forget the padding in H' and W'?")
    out = t.expect_array(out, (1, 1, 2, 2),
                         "the output of a 3x3 image, a 2x2 filter, stride 2, pad 1", "float")
    t.expect_close(out, HAND_OUT, 1e-10, "a small example worked by hand",
                   hint=_conv_hints(HAND_OUT_FLIPPED, HAND_B, HAND_W[0].size))
    cache = result[1]
    if not (isinstance(cache, (tuple, list)) and len(cache) == 4):
        t.fail("the cache should be the tuple (x, w, b, conv_param) that conv_backward_naive unpacks")
    t.ok("the cache is (x, w, b, conv_param)")

    x = CONV_X.copy()
    out = _pair(t, t.call(conv_forward_naive, x, CONV_W.copy(), CONV_B.copy(),
                          {"stride": 2, "pad": 1}), "conv_forward_naive")
    if not np.array_equal(x, CONV_X):
        t.fail("conv_forward_naive changed its input x; pad a copy (np.pad returns one)")
    out = t.expect_array(out, (2, 3, 2, 2), "the output of CS231n's example", "float", report=False)
    t.expect_close(out, CONV_OUT, 1e-10,
                   "CS231n's example (x (2, 3, 4, 4), w (3, 3, 4, 4), stride 2, pad 1)")

    out = _pair(t, t.call(conv_forward_naive, ODD_X.copy(), ODD_W.copy(), ODD_B.copy(), dict(ODD_PARAM)),
                "conv_forward_naive")
    if np.shape(out) != ODD_OUT.shape:
        t.fail("got shape %s for x (1, 2, 5, 7), w (2, 2, 3, 2), stride 2, pad 1, expected %s: "
               "H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride"
               % (np.shape(out), ODD_OUT.shape))
    t.expect_close(out, ODD_OUT, 1e-10,
                   "a non-square input and filter (x (1, 2, 5, 7), w (2, 2, 3, 2), stride 2, pad 1)",
                   hint=_conv_hints(ODD_OUT_FLIPPED, ODD_B, ODD_W[0].size))


# --------------------------------------------------------------------------------------
# conv_backward_naive
# --------------------------------------------------------------------------------------

@public_check("conv_backward_naive")
def _check_conv_backward_naive(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import conv_backward_naive, conv_forward_naive

    cache = (HAND_X.copy(), HAND_W.copy(), HAND_B.copy(), dict(HAND_PARAM))
    dx, dw, db = _values(t, t.call(conv_backward_naive, HAND_DOUT.copy(), cache), 3,
                         "conv_backward_naive")
    if np.shape(dx) == (1, 1, 5, 5):
        t.fail("dx has shape (1, 1, 5, 5), the shape of the padded input; crop the padding: "
               "dx_pad[:, :, pad:pad + H, pad:pad + W]")
    if np.shape(db) != (1,) and np.size(db) != 1:
        t.fail("db has shape %s, expected (F,) = (1,): sum dout over the examples and the "
               "positions (axes 0, 2 and 3)" % (np.shape(db),))
    dx = t.expect_array(dx, (1, 1, 3, 3), "dx", "float")
    dw = t.expect_array(dw, (1, 1, 2, 2), "dw", "float", report=False)
    db = t.expect_array(db, (1,), "db", "float", report=False)
    t.expect_close(dx, HAND_DX, 1e-10, "the small example worked by hand: dx",
                   hint=lambda got, exp: "send dout back through the filter as it is, not flipped"
                   if np.allclose(got, [[[[2.0, 1.0, -4.0], [0.0, 0.5, 3.0], [8.0, 0.5, 4.0]]]])
                   else None)
    t.expect_close(dw, HAND_DW, 1e-10, "the small example worked by hand: dw")
    t.expect_close(db, HAND_DB, 1e-10, "the small example worked by hand: db")

    # Without padding: nothing to crop (a slice pad:-pad is empty when pad is 0).
    cache = (HAND_X.copy(), HAND_W.copy(), HAND_B.copy(), {"stride": 1, "pad": 0})
    grads = _values(t, t.call(conv_backward_naive, HAND_DOUT.copy(), cache), 3, "conv_backward_naive")
    for name, grad, expected in zip(("dx", "dw", "db"), grads, (UNPADDED_DX, UNPADDED_DW, HAND_DB)):
        t.expect_close(grad, expected, 1e-10, "the small example without padding (pad 0, stride 1): %s"
                       % name, answer=grads)

    # CS231n's gradient check, against your own conv_forward_naive (when it works).
    rs = np.random.RandomState(231)
    x, w, b = rs.randn(4, 3, 5, 5), rs.randn(2, 3, 3, 3), rs.randn(2)
    param = {"stride": 1, "pad": 1}
    dout = rs.randn(4, 2, 5, 5)
    forward = t.call_other(conv_forward_naive, x, w, b, dict(param))
    if forward is None or np.shape(forward[0]) != dout.shape:
        t.note("skipped the numerical gradient check: conv_forward_naive does not work yet")
        return
    dx, dw, db = _values(t, t.call(conv_backward_naive, dout, forward[1]), 3, "conv_backward_naive")
    if np.shape(db) != (2,):
        t.fail("db has shape %s for 4 examples and 2 filters, expected (F,) = (2,): sum dout over "
               "the examples and the positions (axes 0, 2 and 3)" % (np.shape(db),))
    for name, grad, f, v in (("dx", dx, lambda v: conv_forward_naive(v, w, b, param)[0], x),
                             ("dw", dw, lambda v: conv_forward_naive(x, v, b, param)[0], w),
                             ("db", db, lambda v: conv_forward_naive(x, w, v, param)[0], b)):
        numeric = eval_numerical_gradient_array(f, v.copy(), dout)
        t.expect_close(grad, numeric, 1e-7,
                       "a numerical gradient of your conv_forward_naive (%s, CS231n's shapes: "
                       "x (4, 3, 5, 5), w (2, 3, 3, 3), stride 1, pad 1)" % name)


# --------------------------------------------------------------------------------------
# max_pool_forward_naive
# --------------------------------------------------------------------------------------

POOL_X = np.linspace(-0.3, 0.4, num=96).reshape(2, 3, 4, 4)
POOL_OUT = np.array([
    [[[-0.263157894737, -0.248421052632], [-0.204210526316, -0.189473684211]],
     [[-0.145263157895, -0.130526315789], [-0.086315789474, -0.071578947368]],
     [[-0.027368421053, -0.012631578947], [0.031578947368, 0.046315789474]]],
    [[[0.090526315789, 0.105263157895], [0.149473684211, 0.164210526316]],
     [[0.208421052632, 0.223157894737], [0.267368421053, 0.282105263158]],
     [[0.326315789474, 0.341052631579], [0.385263157895, 0.400000000000]]]])

# By hand: one 4x5 channel, 3x2 windows (height 3, width 2), stride 1 vertically and
# horizontally; overlapping windows, non-square.
POOL_HAND_X = np.array([[[[1.0, 5.0, 0.0, -2.0, 3.0],
                          [4.0, -1.0, 7.0, 2.0, 0.0],
                          [0.0, 2.0, 1.0, 6.0, -3.0],
                          [3.0, 8.0, -4.0, 0.0, 1.0]]]])
POOL_HAND_PARAM = {"pool_height": 3, "pool_width": 2, "stride": 1}
POOL_HAND_OUT = np.array([[[[5.0, 7.0, 7.0, 6.0], [8.0, 8.0, 7.0, 6.0]]]])


@public_check("max_pool_forward_naive")
def _check_max_pool_forward_naive(t):
    from cs231n_core.layers import max_pool_forward_naive

    result = t.call(max_pool_forward_naive, POOL_X.copy(),
                    {"pool_width": 2, "pool_height": 2, "stride": 2})
    out = _pair(t, result, "max_pool_forward_naive")
    out = t.expect_array(out, (2, 3, 2, 2),
                         "the output of CS231n's example (x (2, 3, 4, 4), 2x2 windows, stride 2)",
                         "float")
    t.expect_close(out, POOL_OUT, 1e-10, "CS231n's example")
    cache = result[1]
    if not (isinstance(cache, (tuple, list)) and len(cache) == 2):
        t.fail("the cache should be the tuple (x, pool_param) that max_pool_backward_naive unpacks")
    t.ok("the cache is (x, pool_param)")

    out = _pair(t, t.call(max_pool_forward_naive, POOL_HAND_X.copy(), dict(POOL_HAND_PARAM)),
                "max_pool_forward_naive")
    if np.shape(out) == (1, 1, 3, 3):
        t.fail("got shape (1, 1, 3, 3) for a 4x5 input and 3x2 windows (height 3, width 2), "
               "expected (1, 1, 2, 4): are pool_height and pool_width swapped?")
    if np.shape(out) != (1, 1, 2, 4):
        t.fail("got shape %s for a 4x5 input, 3x2 windows and stride 1, expected (1, 1, 2, 4): "
               "H' = 1 + (H - pool_height) // stride" % (np.shape(out),))
    t.expect_close(out, POOL_HAND_OUT, 1e-10,
                   "a small example worked by hand (overlapping 3x2 windows, stride 1)",
                   hint=lambda got, exp: "take the maximum of each channel separately"
                   if np.all(got >= exp) else "take the maximum of each window")


# --------------------------------------------------------------------------------------
# max_pool_backward_naive
# --------------------------------------------------------------------------------------

# The hand example's windows overlap: a pixel that is the maximum of several windows
# collects all their derivatives (7 is the maximum of 3 windows, 8 of 2).
POOL_HAND_DOUT = np.array([[[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]]])
POOL_HAND_DX = np.array([[[[0.0, 1.0, 0.0, 0.0, 0.0],
                           [0.0, 0.0, 12.0, 0.0, 0.0],
                           [0.0, 0.0, 0.0, 12.0, 0.0],
                           [0.0, 11.0, 0.0, 0.0, 0.0]]]])
# A tie: the maximum 3 occurs twice; its derivative goes to the first one only.
TIE_X = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
TIE_DX = np.array([[[[0.0, 5.0], [0.0, 0.0]]]])


@public_check("max_pool_backward_naive")
def _check_max_pool_backward_naive(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import max_pool_backward_naive, max_pool_forward_naive

    dx, = _values(t, [t.call(max_pool_backward_naive, POOL_HAND_DOUT.copy(),
                             (POOL_HAND_X.copy(), dict(POOL_HAND_PARAM)))], 1, "max_pool_backward_naive")
    dx = t.expect_array(dx, (1, 1, 4, 5), "dx of a 4x5 input", "float")

    def hint(got, exp):
        if np.sum(got) > np.sum(exp) + 1e-9:
            return "send each window's derivative only to the pixel that held its maximum"
        if np.sum(got) < np.sum(exp) - 1e-9:
            return "accumulate (+=): a pixel that is the maximum of overlapping windows gets them all"
        return None
    t.expect_close(dx, POOL_HAND_DX, 1e-10,
                   "a small example worked by hand (overlapping 3x2 windows, stride 1)", hint=hint)
    dx, = _values(t, [t.call(max_pool_backward_naive, np.array([[[[5.0]]]]),
                             (TIE_X.copy(), {"pool_height": 2, "pool_width": 2, "stride": 2}))],
                  1, "max_pool_backward_naive")
    t.expect_close(dx, TIE_DX, 1e-10, "a window whose maximum occurs twice",
                   hint=lambda got, exp: "on a tie, dout goes to the first maximum (as np.argmax "
                   "finds it) only, not to every pixel equal to the maximum")

    # CS231n's gradient check, against your own max_pool_forward_naive (when it works).
    rs = np.random.RandomState(231)
    x, dout = rs.randn(3, 2, 8, 8), rs.randn(3, 2, 4, 4)
    param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    forward = t.call_other(max_pool_forward_naive, x, dict(param))
    if forward is None or np.shape(forward[0]) != dout.shape:
        t.note("skipped the numerical gradient check: max_pool_forward_naive does not work yet")
        return
    dx = t.call(max_pool_backward_naive, dout, forward[1])
    numeric = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, param)[0], x.copy(), dout)
    t.expect_close(dx, numeric, 1e-10,
                   "a numerical gradient of your max_pool_forward_naive (CS231n's shapes: "
                   "x (3, 2, 8, 8), 2x2 windows, stride 2)")


# --------------------------------------------------------------------------------------
# ThreeLayerConvNet
# --------------------------------------------------------------------------------------

NET_PARAMS = ("W1", "b1", "W2", "b2", "W3", "b3")


def _small_convnet_problem():
    """Parameters of a net on 2x5x6 images (3 filters 3x3, 6 hidden units, 4 classes) and
    3 examples with labels, from RandomState(5)."""
    rs = np.random.RandomState(5)
    params = {"W1": rs.randn(3, 2, 3, 3) * 0.4, "b1": rs.randn(3) * 0.1,
              "W2": rs.randn(3 * 2 * 3, 6) * 0.4, "b2": rs.randn(6) * 0.1,
              "W3": rs.randn(6, 4) * 0.4, "b3": rs.randn(4) * 0.1}
    return params, rs.randn(3, 2, 5, 6), rs.randint(4, size=3)


SMALL_CONVNET_SCORES = np.array([
    [-1.918560094489, 1.827238788933, -3.049774254636, 2.580517283541],
    [-1.870904942571, 0.701720369387, -0.049720460248, 1.535986400294],
    [-1.542046807768, 0.514260172540, -0.863588705411, 0.954512207689]])


@public_check("ThreeLayerConvNet")
def _check_three_layer_convnet(t):
    from cs231n_core.classifiers.cnn import ThreeLayerConvNet

    # 1. Initialization (NumPy's global random state is left as it was).
    std = 1e-2
    net = _seeded(t, ThreeLayerConvNet, input_dim=(2, 5, 6), num_filters=3, filter_size=3,
                  hidden_dim=6, num_classes=4, weight_scale=std)
    params = _expect_param_keys(t, net, NET_PARAMS,
                                "self.params should have the keys W1, b1, W2, b2, W3, b3")
    shapes = {"W1": (3, 2, 3, 3), "b1": (3,), "W2": (18, 6), "b2": (6,), "W3": (6, 4), "b3": (4,)}
    if np.shape(params["W2"]) in ((90, 6), (22, 6)):
        t.fail("params['W2'] has shape %s for 5x6 images and 3 filters, expected (18, 6): the "
               "2x2 max pool makes the images (5 // 2) x (6 // 2)" % (np.shape(params["W2"]),))
    for k in NET_PARAMS:
        t.expect_array(params[k], shapes[k], "params[%r]" % k, "float", report=False)
    t.ok("params W1, b1, W2, b2, W3, b3 have shapes (3, 2, 3, 3), (3,), (18, 6), (6,), (6, 4), (4,)")
    if any(np.any(np.asarray(params[k]) != 0) for k in ("b1", "b2", "b3")):
        t.fail("the biases b1, b2 and b3 should start at zero")
    w = np.concatenate([np.ravel(params[k]) for k in ("W1", "W2", "W3")])
    if not (0.8 * std < np.std(w) < 1.2 * std and abs(np.mean(w)) < 0.2 * std):
        t.fail("the weights have mean %.2g and standard deviation %.2g with weight_scale=%g; "
               "draw them with weight_scale * np.random.randn(...)" % (np.mean(w), np.std(w), std))
    t.ok("zero biases, weights of mean about 0 and standard deviation about weight_scale")

    # 2. Scores and loss of a small net with given parameters.
    small, X, y = _small_convnet_problem()
    net.params = {k: v.copy() for k, v in small.items()}
    net.reg = 0.0
    scores = _scores_of(t, net, X, (3, 4), "the scores of 3 examples and 4 classes",
                        report=False)
    t.expect_close(scores, SMALL_CONVNET_SCORES, 1e-8,
                   "the scores of a small net with given parameters")
    loss0, _ = _loss_of(t, net, X, y)
    net.reg = 0.5
    loss, _ = _loss_of(t, net, X, y)
    reg_term = 0.25 * sum(np.sum(small[k] ** 2) for k in ("W1", "W2", "W3"))

    def reg_hint(got, exp):
        if np.isclose(got - loss0, 2 * reg_term):
            return "the regularization is 0.5 * reg * (sum(W1 * W1) + sum(W2 * W2) + sum(W3 * W3))"
        return "regularize all three weight arrays W1, W2, W3 (not the biases)"
    t.expect_close(loss, loss0 + reg_term, 1e-8,
                   "your loss without regularization plus 0.5 * reg * sum(W * W) of W1, W2, W3",
                   hint=reg_hint)

    # 3. CS231n's gradient check, against numerical gradients of your own loss.
    for reg in (0.0, 0.5):
        net.reg = reg
        _expect_numerical_grads(t, net, X, y, NET_PARAMS, " with reg=%g" % reg, 1e-5, h=1e-6)
