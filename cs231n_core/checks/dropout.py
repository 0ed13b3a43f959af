"""Public checks of assignment 2's inverted dropout (layers.py: dropout_forward,
dropout_backward). Dropout is random, so these check its properties: the fraction of
units kept, the mean, test mode, the seed, and the mask that backward reuses."""
import numpy as np

from . import public_check
from .numpy_tools import _pair


def _train(p, seed=0):
    return {"mode": "train", "p": p, "seed": seed}


@public_check("dropout_forward")
def _check_dropout_forward(t):
    from cs231n_core.layers import dropout_forward

    x = np.random.RandomState(231).randn(500, 500) + 10  # all positive: a zero means dropped
    for p in (0.25, 0.6):
        out = _pair(t, t.call(dropout_forward, x.copy(), _train(p)), "dropout_forward")
        out = t.expect_array(out, x.shape, "out of x of shape (500, 500)", "float", report=False)
        kept = out != 0
        if abs(kept.mean() - (1 - p)) < 0.02 and abs(p - 0.5) > 0.05:
            t.fail("with p=%g you kept %.1f%% of the units: p is the probability of KEEPING a "
                   "unit, not of dropping it" % (p, 100 * kept.mean()))
        if abs(kept.mean() - p) > 0.02:
            t.fail("with p=%g you kept %.1f%% of the units, expected about %g%%"
                   % (p, 100 * kept.mean(), 100 * p))
        if np.allclose(out[kept], x[kept]):
            t.fail("with p=%g the kept units are unchanged: inverted dropout divides them by p, "
                   "so that the mean of the output equals the mean of the input" % p)
        t.expect_close(out[kept], x[kept] / p, 1e-7, "the kept units divided by p (p=%g)" % p)
        # the mean of out has a standard deviation of about 0.04 here
        if abs(out.mean() - x.mean()) > 0.2:
            t.fail("the mean of the output (%.3f) should stay close to the mean of the input "
                   "(%.3f)" % (out.mean(), x.mean()))
        t.ok("p=%g: %.1f%% kept, the mean preserved (%.3f vs %.3f)"
             % (p, 100 * kept.mean(), out.mean(), x.mean()))

    out = _pair(t, t.call(dropout_forward, x.copy(), {"mode": "test", "p": 0.3}), "dropout_forward")
    t.expect_close(out, x, 1e-12, "test mode (the identity)",
                   hint=lambda got, exp: "inverted dropout does nothing at test time")

    small = np.random.RandomState(0).randn(6, 7) + 5
    first = _pair(t, t.call(dropout_forward, small.copy(), _train(0.5, seed=17)), "dropout_forward")
    again = _pair(t, t.call(dropout_forward, small.copy(), _train(0.5, seed=17)), "dropout_forward")
    other = _pair(t, t.call(dropout_forward, small.copy(), _train(0.5, seed=18)), "dropout_forward")
    if not np.array_equal(first, again):
        t.fail("the same seed should give the same mask: call np.random.seed(dropout_param"
               "['seed']) when the seed is given, before drawing the mask")
    if np.array_equal(first, other):
        t.fail("two different seeds gave the same output: is the mask random?")
    t.ok("the same seed gives the same output")
    result = t.call(dropout_forward, small.copy(), _train(0.5, seed=17))
    cache = result[1]
    mask = cache[1] if isinstance(cache, (tuple, list)) and len(cache) == 2 else None
    if mask is None or np.shape(mask) != small.shape:
        t.fail("the cache should be (dropout_param, mask), with the mask of the shape of x")
    t.expect_close(small * np.asarray(mask), first, 1e-12,
                   "the mask in the cache (out == x * mask)")
    f32 = _pair(t, t.call(dropout_forward, small.astype(np.float32), _train(0.5)), "dropout_forward")
    if np.asarray(f32).dtype != np.float32:
        t.fail("the output should keep the dtype of x (float32 in, float32 out)")
    t.ok("the output keeps the dtype of x")


@public_check("dropout_backward")
def _check_dropout_backward(t):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import dropout_backward, dropout_forward

    rs = np.random.RandomState(231)
    x, dout = rs.randn(10, 10) + 10, rs.randn(10, 10)
    mask = (rs.rand(10, 10) < 0.3) / 0.3
    param = _train(0.3, seed=5)
    state = np.random.get_state()
    try:
        np.random.seed(1)  # a backward pass that draws a new mask gets another one
        dx = t.call(dropout_backward, dout.copy(), (param, mask.copy()))
    finally:
        np.random.set_state(state)
    dx = t.expect_array(dx, (10, 10), "dx of shape (10, 10)", "float")
    t.expect_close(dx, dout * mask, 1e-12, "dout * mask, with the mask of the cache",
                   hint=lambda got, exp: "multiply dout by the mask saved in the cache (it "
                   "already holds the 1 / p); do not draw a new one")
    dx = t.call(dropout_backward, dout.copy(), ({"mode": "test", "p": 0.3}, None))
    t.expect_close(dx, dout, 1e-12, "test mode (the gradient passes unchanged)")

    if t.call_other(dropout_forward, x, param) is None:
        t.note("skipped the numerical gradient check: dropout_forward is not implemented yet")
        return
    _, cache = t.call(dropout_forward, x.copy(), param)
    dx = t.call(dropout_backward, dout.copy(), cache)
    numeric = eval_numerical_gradient_array(lambda v: dropout_forward(v, param)[0], x.copy(), dout)
    t.expect_close(dx, numeric, 1e-8,
                   "a numerical gradient of your dropout_forward (p=0.3, seeded)")
