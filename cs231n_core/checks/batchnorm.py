"""Public checks of assignment 2's batch and layer normalization layers (layers.py).

The expected values below were computed once with the reference solution on small fixed
inputs; the cases worked by hand and the statistics (means beta, standard deviations
gamma) are CS231n's own sanity checks.
"""
import time

import numpy as np

from . import public_check
from .norm_tools import _expect_grads, _forward_cache, _grads, _train
from .numpy_tools import _expect_no_loop, _pair, _traced

# Small fixed inputs: 4 examples of 3 features, each column on its own scale.
BN_X = (np.linspace(-2.0, 3.0, num=12) ** 2).reshape(4, 3) + np.arange(3.0)
BN_GAMMA = np.array([1.5, -0.5, 2.0])
BN_BETA = np.array([0.1, 0.2, -0.3])
BN_DOUT = np.cos(np.arange(12.0)).reshape(4, 3)
BN_OUT = np.array([[1.44626361704, 0.238665411232, -1.48443968808], [-1.44571007882, 0.728427286834,
                  -2.13049769977], [-1.34598684793, 0.444880937801, -0.623029005841], [1.74543330971,
                  -0.611973635867, 3.03796639369]])
BN_DX = np.array([[0.793893898082, -0.118313646647, -0.199853198927], [-0.809791190549,
                 0.185084290871, 0.206206239572], [0.75908505357, -0.139513179003, -0.0442372148309],
                 [-0.743187761104, 0.0727425347789, 0.0378841741858]])
BN_DGAMMA = np.array([-0.00739512778075, -1.08281627397, 0.0177157068499])
BN_DBETA = np.array([0.0590475281652, -0.198510589729, -0.273558986904])

# Layer norm: 3 examples of 4 features.
LN_X = BN_X.T.copy()
LN_GAMMA = np.array([1.5, -0.5, 2.0, 1.0])
LN_BETA = np.array([0.1, 0.2, -0.3, 0.0])
LN_DOUT = BN_DOUT.T.copy()
LN_OUT = np.array([[1.44626361704, 0.715236692941, -2.22798246391, 1.09695553981], [-0.0159962336953,
                  0.728427286834, -1.2795237512, 1.62394727173], [-0.788329766064, 0.657624424942,
                  -0.623029005841, 1.66898319685]])
LN_DX = np.array([[0.644057458184, -0.415635960667, 0.366716938812, -0.595138436328],
                 [0.129103200132, -0.327550809171, 0.311518816528, -0.113071207489],
                 [-0.0807961886518, 0.071820263099, -0.0015863294784, 0.0105622550313]])
LN_DGAMMA = np.array([1.10217747097, 1.45134568123, -1.27132795399, -2.35469089312])
LN_DBETA = np.array([1.12415546932, -1.359973932, 1.56857250719, -1.74577609297])


# --------------------------------------------------------------------------------------
# batchnorm_forward
# --------------------------------------------------------------------------------------

@public_check("batchnorm_forward")
def _check_batchnorm_forward(t):
    from cs231n_core.layers import batchnorm_forward

    # By hand: columns [1, 3] and [2, 6] have means 2 and 4 and (biased) variances 1 and 4.
    bn_param = {"mode": "train", "eps": 0.0, "momentum": 0.75}
    out = _pair(t, t.call(batchnorm_forward, np.array([[1.0, 2.0], [3.0, 6.0]]),
                          np.array([1.0, 3.0]), np.array([0.0, 10.0]), bn_param), "batchnorm_forward")
    out = t.expect_array(out, (2, 2), "out of x of shape (2, 2)", "float")
    t.expect_close(out, [[-1.0, 7.0], [1.0, 13.0]], 1e-6, "a small example worked by hand (eps=0)",
                   hint=lambda got, exp: "normalize each feature (column) over the batch, axis 0"
                   if np.allclose(got, [[-1.0, 13.0], [-1.0, 13.0]]) else None)
    t.expect_close(bn_param.get("running_mean"), [0.5, 1.0], 1e-6,
                   "running_mean after one batch (momentum 0.75, starting from zeros)",
                   hint=lambda got, exp: "running = momentum * running + (1 - momentum) * batch")
    t.expect_close(bn_param.get("running_var"), [0.25, 1.0], 1e-6, "running_var after one batch",
                   hint=lambda got, exp: "use the biased variance (divide by N, like np.var)"
                   if np.allclose(got, [0.5, 2.0]) else None)

    out = _pair(t, t.call(batchnorm_forward, BN_X.copy(), BN_GAMMA, BN_BETA, _train()),
                "batchnorm_forward")
    out = t.expect_array(out, (4, 3), "out of x of shape (4, 3)", "float", report=False)
    t.expect_close(out, BN_OUT, 1e-7, "the expected training-mode output (default eps 1e-5)")

    # CS231n's check: after batch norm, means are beta and standard deviations gamma.
    rs = np.random.RandomState(231)
    x = 50 + 12 * rs.randn(200, 3)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out = np.asarray(_pair(t, t.call(batchnorm_forward, x, gamma, beta, _train()), "batchnorm_forward"))
    t.expect_close(out.mean(axis=0), beta, 1e-8, "the means of the output (beta)")
    t.expect_close(out.std(axis=0), gamma, 1e-5, "the standard deviations of the output (gamma)")

    # Test mode: normalize with the running averages, whatever the batch.
    bn_param = {"mode": "test", "eps": 0.01, "running_mean": np.array([1.0, -2.0]),
                "running_var": np.array([3.99, 0.24])}
    out = _pair(t, t.call(batchnorm_forward, np.array([[5.0, -2.0], [1.0, -1.0], [3.0, -1.5]]),
                          np.array([2.0, 1.0]), np.array([0.0, 1.0]), bn_param), "batchnorm_forward")
    t.expect_close(out, [[4.0, 1.0], [0.0, 3.0], [2.0, 2.0]], 1e-6,
                   "the test-mode output of an example worked by hand (running averages, eps 0.01)",
                   hint=lambda got, exp: "at test time use bn_param's running_mean and running_var, "
                   "not the batch's statistics")
    t.expect_close(bn_param.get("running_mean"), [1.0, -2.0], 1e-6,
                   "running_mean left unchanged at test time")


# --------------------------------------------------------------------------------------
# batchnorm_backward and batchnorm_backward_alt
# --------------------------------------------------------------------------------------

def _check_bn_backward(t, backward):
    from cs231n_core.gradient_check import eval_numerical_gradient_array
    from cs231n_core.layers import batchnorm_forward

    name = backward.__name__
    cache = _forward_cache(t, batchnorm_forward, BN_X.copy(), BN_GAMMA, BN_BETA, _train())
    grads = _grads(t, t.call(backward, BN_DOUT.copy(), cache), name, [(4, 3), (3,), (3,)])
    t.ok("returns dx, dgamma, dbeta of the shapes of x, gamma, beta")

    def hint(got, expected):
        if np.allclose(np.sum(got, axis=0), 0) or not np.allclose(np.sum(expected, axis=0), 0):
            return None
        return "dx of every feature should sum to 0 over the batch: is the mean's path missing?"
    t.expect_close(grads[0], BN_DX, 1e-7, "the expected dx on x of shape (4, 3)", hint=hint)
    t.expect_close(grads[1], BN_DGAMMA, 1e-7, "the expected dgamma")
    t.expect_close(grads[2], BN_DBETA, 1e-7, "the expected dbeta")

    # CS231n's gradient check, against your own batchnorm_forward.
    rs = np.random.RandomState(231)
    x, gamma, beta, dout = 5 * rs.randn(4, 5) + 12, rs.randn(5), rs.randn(5), rs.randn(4, 5)
    cache = _forward_cache(t, batchnorm_forward, x, gamma, beta, _train())
    grads = _grads(t, t.call(backward, dout, cache), name, [(4, 5), (5,), (5,)])
    for what, grad, index in (("dx", grads[0], 0), ("dgamma", grads[1], 1), ("dbeta", grads[2], 2)):
        args = [x, gamma, beta]

        def f(v, index=index):
            return batchnorm_forward(*(args[:index] + [v] + args[index + 1:]), _train())[0]
        numeric = eval_numerical_gradient_array(f, args[index].copy(), dout)
        t.expect_close(grad, numeric, 1e-6,
                       "a numerical gradient of your batchnorm_forward (%s)" % what)


@public_check("batchnorm_backward")
def _check_batchnorm_backward(t):
    from cs231n_core.layers import batchnorm_backward

    _check_bn_backward(t, batchnorm_backward)


@public_check("batchnorm_backward_alt")
def _check_batchnorm_backward_alt(t):
    from cs231n_core.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward

    _check_bn_backward(t, batchnorm_backward_alt)
    (dout,), record = _traced(BN_DOUT)
    cache = _forward_cache(t, batchnorm_forward, BN_X.copy(), BN_GAMMA, BN_BETA, _train())
    t.call(batchnorm_backward_alt, dout, cache)
    _expect_no_loop(t, record, min(BN_DOUT.shape), "batchnorm_backward_alt", "examples or features")
    # Timing, as in CS231n's notebook: a note, not a check (the graders time it properly).
    rs = np.random.RandomState(231)
    x, dout = rs.randn(64, 2048), rs.randn(64, 2048)
    cache = _forward_cache(t, batchnorm_forward, x, np.ones(2048), np.zeros(2048), _train())
    times = []
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        if t.call_other(backward, dout, cache) is None:
            return
        start = time.process_time()
        for _ in range(3):
            backward(dout, cache)
        times.append(time.process_time() - start)
    t.note("batchnorm_backward_alt is %.1fx as fast as your batchnorm_backward (CPU time, "
           "x of shape (64, 2048)); CS231n expects it to be faster" % (times[0] / max(times[1], 1e-9)))


# --------------------------------------------------------------------------------------
# layernorm_forward and layernorm_backward
# --------------------------------------------------------------------------------------

@public_check("layernorm_forward")
def _check_layernorm_forward(t):
    from cs231n_core.layers import layernorm_forward

    # By hand: rows [1, 3] and [2, 6] have means 2 and 4 and variances 1 and 4.
    out = _pair(t, t.call(layernorm_forward, np.array([[1.0, 3.0], [2.0, 6.0]]), np.array([1.0, 2.0]),
                          np.array([0.5, 0.0]), {"eps": 0.0}), "layernorm_forward")
    out = t.expect_array(out, (2, 2), "out of x of shape (2, 2)", "float")
    t.expect_close(out, [[-0.5, 2.0], [-0.5, 2.0]], 1e-6, "a small example worked by hand (eps=0)",
                   hint=lambda got, exp: "layer norm normalizes each example (row) over its "
                   "features, axis 1")
    out = _pair(t, t.call(layernorm_forward, LN_X.copy(), LN_GAMMA, LN_BETA, {}), "layernorm_forward")
    t.expect_close(out, LN_OUT, 1e-7,
                   "the expected output on x of shape (3, 4) (default eps 1e-5)")
    out = _pair(t, t.call(layernorm_forward, LN_X.copy(), LN_GAMMA, LN_BETA, {"mode": "test"}),
                "layernorm_forward")
    t.expect_close(out, LN_OUT, 1e-7,
                   "the same output with ln_param {'mode': 'test'} (layer norm has no test mode)")


@public_check("layernorm_backward")
def _check_layernorm_backward(t):
    from cs231n_core.layers import layernorm_backward, layernorm_forward

    cache = _forward_cache(t, layernorm_forward, LN_X.copy(), LN_GAMMA, LN_BETA, {})
    grads = _grads(t, t.call(layernorm_backward, LN_DOUT.copy(), cache), "layernorm_backward",
                   [(3, 4), (4,), (4,)])
    t.ok("returns dx, dgamma, dbeta of the shapes of x, gamma, beta")
    _expect_grads(t, grads, (LN_DX, LN_DGAMMA, LN_DBETA), "on x of shape (3, 4)")
