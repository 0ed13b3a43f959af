"""Public checks of the fast layers (fast_layers.py, assignment 2).

Inputs are small integers, so every expected value below is exact (computed once with
the reference solution). Each backward pass is checked on the cache of your own forward
pass, so implement the forward pass first. When your naive layers (layers.py) work,
the fast ones are also compared with them on random inputs of odd sizes.
"""
import numpy as np

from . import public_check
from .numpy_tools import _pair, _values

# Convolution: x (2, 2, 4, 5), w (3, 2, 3, 2), stride 2, pad 1 -> out (2, 3, 2, 3).
CONV_X = (np.arange(80) % 7 - 3.0).reshape(2, 2, 4, 5)
CONV_W = (np.arange(36) % 5 - 2.0).reshape(3, 2, 3, 2)
CONV_B = np.array([1.0, -2.0, 3.0])
CONV_PARAM = {"stride": 2, "pad": 1}
CONV_DOUT = (np.arange(36) % 5 - 1.0).reshape(2, 3, 2, 3)

# Max pooling: x (2, 2, 5, 6) of small integers (many ties), dout = 1, 2, 3, ...
POOL_X = (np.arange(120) * 7 % 5).reshape(2, 2, 5, 6).astype(np.float64)
POOL_TILES = {"pool_height": 2, "pool_width": 2, "stride": 2}
POOL_OVERLAP = {"pool_height": 3, "pool_width": 2, "stride": 1}

CONV_OUT = np.array([
    [-1, -2, 7, 4, 3, 11],
    [2, 4, -2, 0, 0, -5],
    [8, -2, -3, -1, 5, 12],
    [6, 3, -2, -15, -12, 3],
    [-8, 3, 4, 5, 5, 0],
    [6, 6, -2, 3, 5, 5]]).reshape(2, 3, 2, 3)

CONV_DX = np.array([
    [-1, 0, -2, 1, -3, 7, -5, 0, 7, 3, -4, -2, 5, -1, -1, -6, 7, -6, -1, 4],
    [-1, -2, 1, -3, 3, 6, 0, -5, 3, -6, 0, 5, 7, -1, -1, 3, -6, -4, 4, -1],
    [-4, -2, 5, -1, -1, -9, 11, -11, -7, 7, -2, 1, -3, 7, -4, 4, 3, 4, 0, -6],
    [0, 5, 7, -1, -1, 3, -11, -3, 7, 6, 1, -3, 3, -4, 0, -3, 4, -5, -6, 3]]).reshape(2, 2, 4, 5)

CONV_DW = np.array([
    [18, -8, 12, 13, -11, -2],
    [13, 20, 4, 9, -12, -20],
    [8, 4, -5, 12, -10, -14],
    [4, 10, -11, -8, -2, -20],
    [-2, 6, -7, -14, -4, -6],
    [-5, -5, -16, -10, 8, 5]]).reshape(3, 2, 3, 2)

CONV_DB = np.array([11.0, 13.0, 10.0])
POOL_TILES_OUT = np.array([
    [4, 4, 3, 4, 3, 4],
    [4, 4, 3, 4, 3, 4],
    [4, 4, 3, 4, 3, 4],
    [4, 4, 3, 4, 3, 4]]).reshape(2, 2, 2, 3)

POOL_TILES_DX = np.array([
    [0, 0, 2, 0, 3, 0, 0, 1, 0, 0, 0, 0, 4, 0, 5, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 8, 0, 9, 0, 0, 7, 0, 0, 0, 0, 10, 0, 11, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 14, 0, 15, 0, 0, 13, 0, 0, 0, 0, 16, 0, 17, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 20, 0, 21, 0, 0, 19, 0, 0, 0, 0, 22, 0, 23, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]).reshape(2, 2, 5, 6)

POOL_OVERLAP_OUT = np.array([
    [4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4],
    [4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4],
    [4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4],
    [4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4]]).reshape(2, 2, 3, 5)

POOL_OVERLAP_DX = np.array([
    [0, 0, 5, 0, 4, 0, 0, 14, 0, 8, 0, 0, 11, 0, 12, 0, 0, 30, 0, 0, 0, 0, 23, 0, 0, 0, 0, 13, 0, 0],
    [0, 0, 35, 0, 19, 0, 0, 59, 0, 23, 0, 0, 26, 0, 27, 0, 0, 75, 0, 0, 0, 0, 53, 0, 0, 0, 0, 28, 0, 0],
    [0, 0, 65, 0, 34, 0, 0, 104, 0, 38, 0, 0, 41, 0, 42, 0, 0, 120, 0, 0, 0, 0, 83, 0, 0, 0, 0, 43, 0, 0],
    [0, 0, 95, 0, 49, 0, 0, 149, 0, 53, 0, 0, 56, 0, 57, 0, 0, 165, 0, 0, 0, 0, 113, 0, 0, 0, 0, 58, 0, 0]]).reshape(2, 2, 5, 6)

# Without padding: x CONV_X[:1] (1, 2, 4, 5), w CONV_W[:2, :, :2] (2, 2, 2, 2), b CONV_B[:2],
# stride 1, pad 0 -> out (1, 2, 3, 4); dout of small integers.
UNPADDED_DOUT = (np.arange(24) % 5 - 2.0).reshape(1, 2, 3, 4)
UNPADDED_DX = np.array([
    [4, 4, 2, 0, -3, -4, 1, 5, -6, 7, -4, -3, 1, 5, -2, -4, 3, 4, 0, -3],
    [2, 2, 4, 1, -4, -5, -7, -5, 7, 8, 1, -4, -7, -5, 0, 5, 8, 3, -7, -3]]).reshape(1, 2, 4, 5)
UNPADDED_DW = np.array([[4, 22, -18, -14, -14, 4, -15, -18],
                        [-11, -17, 15, -5, -5, -11, 28, 15]]).reshape(2, 2, 2, 2)
UNPADDED_DB = np.array([-3.0, 1.0])

# 3x2 windows, stride 2: they overlap from row to row only.
POOL_ROWS_OVERLAP = {"pool_height": 3, "pool_width": 2, "stride": 2}
POOL_ROWS_OVERLAP_DX = np.array([
    [0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0],
    [0, 0, 8, 0, 0, 0, 0, 7, 0, 0, 0, 0, 10, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0],
    [0, 0, 14, 0, 0, 0, 0, 13, 0, 0, 0, 0, 16, 0, 0, 0, 0, 33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0],
    [0, 0, 20, 0, 0, 0, 0, 19, 0, 0, 0, 0, 22, 0, 0, 0, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0]]).reshape(2, 2, 5, 6)


def _random_conv_problem(rs, x_shape, w_shape):
    return rs.randn(*x_shape), rs.randn(*w_shape), rs.randn(w_shape[0])


# --------------------------------------------------------------------------------------
# conv_forward_fast
# --------------------------------------------------------------------------------------

@public_check("conv_forward_fast")
def _check_conv_forward_fast(t):
    from cs231n_core.fast_layers import conv_forward_fast
    from cs231n_core.layers import conv_forward_naive

    result = t.call(conv_forward_fast, CONV_X.copy(), CONV_W.copy(), CONV_B.copy(),
                    dict(CONV_PARAM))
    out = _pair(t, result, "conv_forward_fast")
    if np.shape(out) != (2, 3, 2, 3):
        t.fail("got shape %s for x (2, 2, 4, 5), w (3, 2, 3, 2), stride 2, pad 1; expected "
               "(2, 3, 2, 3): H' = 1 + (H + 2 * pad - HH) // stride" % (np.shape(out),))
    out = t.expect_array(out, (2, 3, 2, 3), "out of a small example (stride 2, pad 1)", "float")
    t.expect_close(out, CONV_OUT, 1e-12, "a small example with exact integer values",
                   hint=lambda got, exp: "did you forget to add b?"
                   if np.allclose(got, exp - CONV_B.reshape(1, 3, 1, 1)) else None)

    cache = result[1]
    x_cols = cache[4] if isinstance(cache, (tuple, list)) and len(cache) == 5 else None
    if np.shape(x_cols) != (2, 12, 6):
        t.fail("the cache should be (x, w, b, conv_param, x_cols) with x_cols of shape "
               "(N, C * HH * WW, H' * W') = (2, 12, 6); conv_backward_fast gets it so")
    # the cache's layout is documented (conv_backward_fast relies on it), not a solution
    rebuilt = np.matmul(CONV_W.reshape(3, -1), np.asarray(x_cols)).reshape(2, 3, 2, 3) \
        + CONV_B.reshape(1, 3, 1, 1)
    t.expect_close(rebuilt, CONV_OUT, 1e-12,
                   "np.matmul(w.reshape(F, -1), x_cols[n]) + b (the cache's columns of receptive "
                   "fields, rows in the order (c, i, j))")

    x32 = CONV_X.astype(np.float32)
    out32 = _pair(t, t.call(conv_forward_fast, x32, CONV_W.astype(np.float32),
                            CONV_B.astype(np.float32), dict(CONV_PARAM)), "conv_forward_fast")
    t.expect_close(out32, CONV_OUT, 1e-6, "the same example in float32")

    rs = np.random.RandomState(231)
    for x_shape, w_shape, conv_param in (((3, 2, 9, 7), (4, 2, 3, 2), {"stride": 3, "pad": 2}),
                                         ((2, 3, 6, 6), (2, 3, 3, 3), {"stride": 1, "pad": 1})):
        x, w, b = _random_conv_problem(rs, x_shape, w_shape)
        naive = t.call_other(conv_forward_naive, x, w, b, conv_param)
        if naive is None:
            t.note("skipped the comparison with conv_forward_naive: it is not implemented yet")
            return
        out = _pair(t, t.call(conv_forward_fast, x, w, b, dict(conv_param)), "conv_forward_fast")
        t.expect_close(out, naive[0], 1e-9,
                       "conv_forward_naive on x %s, w %s, stride %d, pad %d"
                       % (x_shape, w_shape, conv_param["stride"], conv_param["pad"]))


# --------------------------------------------------------------------------------------
# conv_backward_fast
# --------------------------------------------------------------------------------------

def _own_cache(t, forward, backward_name, *args):
    result = t.call_other(forward, *args)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        t.fail("%s is checked on the cache of %s: implement that first"
               % (backward_name, forward.__name__))
    return result[1]


@public_check("conv_backward_fast")
def _check_conv_backward_fast(t):
    from cs231n_core.fast_layers import conv_backward_fast, conv_forward_fast
    from cs231n_core.gradient_check import eval_numerical_gradient_array

    cache = _own_cache(t, conv_forward_fast, "conv_backward_fast", CONV_X.copy(),
                       CONV_W.copy(), CONV_B.copy(), dict(CONV_PARAM))
    dx, dw, db = _values(t, t.call(conv_backward_fast, CONV_DOUT.copy(), cache), 3,
                         "conv_backward_fast")
    if np.shape(dx) == (2, 2, 6, 7):
        t.fail("dx has the shape of the padded input (2, 2, 6, 7): drop the padding, "
               "expected the shape of x, (2, 2, 4, 5)")
    dx = t.expect_array(dx, (2, 2, 4, 5), "dx", "float")
    dw = t.expect_array(dw, (3, 2, 3, 2), "dw", "float")
    db = t.expect_array(db, (3,), "db", "float")
    t.expect_close(dx, CONV_DX, 1e-12, "the expected dx of a small example (stride 2, pad 1)",
                   hint=lambda got, exp: "the 3-row kernel with stride 2 makes receptive "
                   "fields overlap: add (+=) every field's gradient into dx")
    t.expect_close(dw, CONV_DW, 1e-12, "the expected dw")
    t.expect_close(db, CONV_DB, 1e-12, "the expected db",
                   hint=lambda got, exp: "sum dout over the examples and both spatial axes "
                   "(axes 0, 2 and 3)")

    # Without padding: nothing to drop (a slice pad:-pad is empty when pad is 0).
    cache = _own_cache(t, conv_forward_fast, "conv_backward_fast", CONV_X[:1].copy(),
                       CONV_W[:2, :, :2].copy(), CONV_B[:2].copy(), {"stride": 1, "pad": 0})
    grads = _values(t, t.call(conv_backward_fast, UNPADDED_DOUT.copy(), cache), 3, "conv_backward_fast")
    for name, grad, expected in zip(("dx", "dw", "db"), grads, (UNPADDED_DX, UNPADDED_DW, UNPADDED_DB)):
        t.expect_close(grad, expected, 1e-12, "the expected %s without padding (stride 1, pad 0)" % name,
                       answer=grads)

    # Overlapping receptive fields (stride 1 < kernel 3) and a non-square kernel.
    rs = np.random.RandomState(231)
    x, w, b = _random_conv_problem(rs, (2, 3, 5, 6), (2, 3, 3, 2))
    conv_param = {"stride": 1, "pad": 1}
    cache = _own_cache(t, conv_forward_fast, "conv_backward_fast", x, w, b, dict(conv_param))
    dout = rs.randn(2, 2, 5, 7)
    dx, dw, db = _values(t, t.call(conv_backward_fast, dout, cache), 3, "conv_backward_fast")
    for name, grad, f, v in (
            ("dx", dx, lambda v: conv_forward_fast(v, w, b, dict(conv_param))[0], x),
            ("dw", dw, lambda v: conv_forward_fast(x, v, b, dict(conv_param))[0], w),
            ("db", db, lambda v: conv_forward_fast(x, w, v, dict(conv_param))[0], b)):
        numeric = eval_numerical_gradient_array(f, v.copy(), dout)
        t.expect_close(grad, numeric, 1e-7,
                       "a numerical gradient (%s, stride 1, pad 1: overlapping fields)" % name,
                       hint=lambda got, exp: "receptive fields overlap: add (+=) into dx"
                       if name == "dx" else None)


# --------------------------------------------------------------------------------------
# max_pool_forward_fast and max_pool_backward_fast
# --------------------------------------------------------------------------------------

@public_check("max_pool_forward_fast")
def _check_max_pool_forward_fast(t):
    from cs231n_core.fast_layers import max_pool_forward_fast
    from cs231n_core.layers import max_pool_forward_naive

    for what, pool_param, expected in (
            ("2x2 windows, stride 2", POOL_TILES, POOL_TILES_OUT),
            ("3x2 windows, stride 1 (overlapping)", POOL_OVERLAP, POOL_OVERLAP_OUT)):
        out = _pair(t, t.call(max_pool_forward_fast, POOL_X.copy(), dict(pool_param)),
                    "max_pool_forward_fast")
        out = t.expect_array(out, expected.shape, "out of x (2, 2, 5, 6), " + what, "float")
        t.expect_close(out, expected, 0, "the expected maxima, " + what)
    out = _pair(t, t.call(max_pool_forward_fast, POOL_X.astype(np.float32), dict(POOL_TILES)),
                "max_pool_forward_fast")
    t.expect_close(out, POOL_TILES_OUT, 0, "the 2x2 example in float32")
    # Its first 4 rows: the windows tile x exactly (the reshape path); the same maxima.
    out = _pair(t, t.call(max_pool_forward_fast, POOL_X[:, :, :4].copy(), dict(POOL_TILES)),
                "max_pool_forward_fast")
    t.expect_close(out, POOL_TILES_OUT, 0, "the expected maxima of x (2, 2, 4, 6), whose 2x2 windows "
                   "tile it exactly")

    rs = np.random.RandomState(231)
    x = -np.abs(rs.randn(3, 2, 9, 7))  # negative: zeros are never the maximum
    for pool_param in ({"pool_height": 3, "pool_width": 3, "stride": 2},
                       {"pool_height": 2, "pool_width": 3, "stride": 3}):
        naive = t.call_other(max_pool_forward_naive, x, pool_param)
        if naive is None:
            t.note("skipped the comparison with max_pool_forward_naive: not implemented yet")
            return
        out = _pair(t, t.call(max_pool_forward_fast, x.copy(), dict(pool_param)),
                    "max_pool_forward_fast")
        t.expect_close(out, naive[0], 0,
                       "max_pool_forward_naive on negative x (3, 2, 9, 7), %dx%d windows, "
                       "stride %d" % (pool_param["pool_height"], pool_param["pool_width"],
                                      pool_param["stride"]))


@public_check("max_pool_backward_fast")
def _check_max_pool_backward_fast(t):
    from cs231n_core.fast_layers import max_pool_backward_fast, max_pool_forward_fast

    for what, pool_param, out_shape, expected in (
            ("2x2 windows, stride 2, with ties", POOL_TILES, (2, 2, 2, 3), POOL_TILES_DX),
            ("3x2 windows, stride 1 (overlapping), with ties", POOL_OVERLAP, (2, 2, 3, 5),
             POOL_OVERLAP_DX),
            ("3x2 windows, stride 2 (overlapping from row to row only), with ties", POOL_ROWS_OVERLAP,
             (2, 2, 2, 3), POOL_ROWS_OVERLAP_DX)):
        cache = _own_cache(t, max_pool_forward_fast, "max_pool_backward_fast",
                           POOL_X.copy(), dict(pool_param))
        dout = np.arange(1.0, 1 + np.prod(out_shape)).reshape(out_shape)
        dx = t.call(max_pool_backward_fast, dout, cache)
        dx = t.expect_array(dx, POOL_X.shape, "dx, " + what, "float")

        def hint(got, exp):
            if got.sum() > exp.sum():
                return "when several entries tie for the maximum, only the first (row-major, " \
                       "as np.argmax picks it) gets the derivative"
            if got.sum() < exp.sum():
                return "an entry that is the maximum of several overlapping windows gets " \
                       "the sum of their derivatives (+=)"
            return None
        t.expect_close(dx, expected, 0, "the expected dx, " + what, hint=hint)
