"""Public checks of assignment 2's normalization layers (layers.py): batch norm, layer
norm, spatial batch norm and spatial group norm.

The expected values below were computed once with the reference solution on small fixed
inputs; the cases worked by hand and the statistics (means beta, standard deviations
gamma) are CS231n's own sanity checks.
"""
import time

import numpy as np

from . import public_check
from .neural_net import _pair, _values

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

# Spatial batch norm: x of shape (2, 3, 2, 3); group norm: x of shape (2, 4, 1, 3), G = 2.
SBN_X = (np.linspace(-1, 2, 36) ** 2).reshape(2, 3, 2, 3) + np.arange(3.0).reshape(1, 3, 1, 1)
SBN_DOUT = np.sin(np.arange(36.0)).reshape(2, 3, 2, 3)
SBN_GAMMA = np.array([1.5, -0.5, 2.0])
SBN_BETA = np.array([0.1, 0.2, -0.3])
SBN_OUT = np.array([[[[2.62454617062, 1.54375004646, 0.559741634906], [-0.327479064035, -1.11791205036,
                   -1.81155732408]], [[0.585817113706, 0.63226499924, 0.669722971444], [0.698191030319,
                   0.717669175866, 0.728157408083]], [[-2.34428783667, -2.32906603596, -2.29557807437],
                   [-2.24382395192, -2.17380366861, -2.08551722444]]], [[[-2.02126403474,
                   -1.35988133189, -0.601710916435], [0.253247211635, 1.20499305232, 2.25352660561]],
                   [[0.0464223139617, -0.068948240428, -0.193308708147], [-0.326659089195,
                   -0.468999383572, -0.620329591278]], [[0.724427188445, 1.06843988471, 1.43071874185],
                   [1.81126375984, 2.2100749387, 2.62715227843]]]])
SBN_DX = np.array([[[[-2.32532644074, 4.10255066477, 5.35520860131], [1.021890186, -4.24531930135,
                  -5.00859787028]], [[0.179587641659, -0.395488056186, -0.600589315298],
                  [-0.248757564778, 0.335310665048, 0.613788235201]], [[-0.678293552028,
                  0.51071400168, 1.2191123568], [0.79493784218, -0.37285393477, -1.21199207979]]],
                  [[[-3.46718195772, 1.92509637987, 6.33045000024], [5.12773603375, -1.22103534693,
                  -7.59547094892]], [[0.587908233399, 0.120233208555, -0.421469056336],
                  [-0.533812868673, -0.107776177642, 0.471065055051]], [[-1.30583765681,
                  -0.587302483919, 0.592617757927], [1.14191044376, 0.547996020557,
                  -0.651008715577]]]])
SBN_DGAMMA = np.array([2.23802627418, 0.45863596823, 0.417302645762])
SBN_DBETA = np.array([0.469580788412, 0.52331268582, 0.53535779469])
GN_X = (np.linspace(-1, 2, 24) ** 2).reshape(2, 4, 1, 3) + np.arange(4.0).reshape(1, 4, 1, 1)
GN_DOUT = np.sin(np.arange(24.0)).reshape(2, 4, 1, 3)
GN_GAMMA = np.array([1.5, -0.5, 2.0, 1.0]).reshape(1, 4, 1, 1)
GN_BETA = np.array([0.1, 0.2, -0.3, 0.0]).reshape(1, 4, 1, 1)
GN_OUT = np.array([[[[0.0797268596009, -1.22789069614, -2.35304998829]], [[-0.455498206239,
                  -0.202083951249, -0.00948911745767]], [[-2.18795817708, -2.33371965398,
                  -2.35454272211]], [[0.86068681602, 0.975213690733, 1.15220976983]]],
                  [[[-1.66491665761, -1.38161822733, -1.03970632872]], [[-0.127801248831,
                  -0.280847527258, -0.453431628463]], [[-2.8381141591, -2.22859167015,
                  -1.56280556684]], [[0.556384630935, 0.945541296955, 1.36282977016]]]])
GN_DX = np.array([[[[-2.05739070976, 0.930240922215, -0.0178726606655]], [[0.00672836375674,
                 0.725326796178, 0.412967288278]], [[-2.72040499305, 0.624900301304, 1.83202044435]],
                 [[1.36444615538, -0.244824497149, -0.856137410831]]], [[[-1.28913339092,
                 0.368007037739, 1.36159116814]], [[-0.650196936709, -0.0967849016007,
                 0.306517023348]], [[-1.36573794699, 0.133604784595, 1.40599682757]],
                 [[0.626098359841, -0.0604969605651, -0.739465064456]]]])
GN_DGAMMA = np.array([[[[-2.76830377725]], [[-1.93231677203]], [[-1.18855674368]], [[-2.02415167295]]]])
GN_DBETA = np.array([[[[2.62496988615]], [[-2.1736197303]], [[1.67876456076]], [[-1.15030890713]]]])


def _train(extra=None):
    return dict({"mode": "train"}, **(extra or {}))


def _grads(t, result, name, shapes):
    """(dx, dgamma, dbeta) of a backward pass, with the shapes of (x, gamma, beta)."""
    grads = _values(t, result, 3, name)
    for what, grad, shape in zip(("dx", "dgamma", "dbeta"), grads, shapes):
        t.expect_array(grad, shape, what, "float", report=False)
    return grads


def _expect_grads(t, grads, expected, what):
    for name, grad, reference in zip(("dx", "dgamma", "dbeta"), grads, expected):
        t.expect_close(grad, reference, 1e-7, "the expected %s %s" % (name, what))


def _forward_cache(t, forward, *args):
    """The cache of the student's forward pass on args (its backward pass needs it)."""
    result = t.call(forward, *args)
    _pair(t, result, forward.__name__)
    return result[1]


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
    t.expect_close(out, LN_OUT, 1e-7, "the expected output on x of shape (3, 4) (default eps 1e-5)")
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


# --------------------------------------------------------------------------------------
# spatial_batchnorm_forward and spatial_batchnorm_backward
# --------------------------------------------------------------------------------------

@public_check("spatial_batchnorm_forward")
def _check_spatial_batchnorm_forward(t):
    from cs231n_core.layers import spatial_batchnorm_forward

    bn_param = _train()
    out = _pair(t, t.call(spatial_batchnorm_forward, SBN_X.copy(), SBN_GAMMA, SBN_BETA, bn_param),
                "spatial_batchnorm_forward")
    out = t.expect_array(out, (2, 3, 2, 3), "out of x of shape (2, 3, 2, 3)", "float")
    t.expect_close(out.mean(axis=(0, 2, 3)), SBN_BETA, 1e-8, "the means of each channel (beta)",
                   hint=lambda got, exp: "each channel is normalized over N, H and W: move the "
                   "channels last (transpose) before reshaping to (N * H * W, C)")
    t.expect_close(out, SBN_OUT, 1e-7, "the expected output",
                   hint=lambda got, exp: "after batch norm, move the channels back with the "
                   "inverse transpose")
    t.expect_close(bn_param.get("running_mean"), 0.1 * SBN_X.mean(axis=(0, 2, 3)), 1e-6,
                   "running_mean after one batch (the channels' means times 0.1)")


@public_check("spatial_batchnorm_backward")
def _check_spatial_batchnorm_backward(t):
    from cs231n_core.layers import spatial_batchnorm_backward, spatial_batchnorm_forward

    cache = _forward_cache(t, spatial_batchnorm_forward, SBN_X.copy(), SBN_GAMMA, SBN_BETA, _train())
    grads = _grads(t, t.call(spatial_batchnorm_backward, SBN_DOUT.copy(), cache),
                   "spatial_batchnorm_backward", [(2, 3, 2, 3), (3,), (3,)])
    t.ok("returns dx, dgamma, dbeta of the shapes of x, gamma, beta")
    _expect_grads(t, grads, (SBN_DX, SBN_DGAMMA, SBN_DBETA), "on x of shape (2, 3, 2, 3)")


# --------------------------------------------------------------------------------------
# spatial_groupnorm_forward and spatial_groupnorm_backward
# --------------------------------------------------------------------------------------

@public_check("spatial_groupnorm_forward")
def _check_spatial_groupnorm_forward(t):
    from cs231n_core.layers import spatial_groupnorm_forward

    # By hand: two groups of two channels of one pixel, [1, 3] and [2, 6], give [-1, 1].
    x = np.array([1.0, 3.0, 2.0, 6.0]).reshape(1, 4, 1, 1)
    out = _pair(t, t.call(spatial_groupnorm_forward, x, GN_GAMMA, GN_BETA, 2, {"eps": 0.0}),
                "spatial_groupnorm_forward")
    out = t.expect_array(out, (1, 4, 1, 1), "out of x of shape (1, 4, 1, 1)", "float")
    t.expect_close(out.ravel(), [-1.4, -0.3, -2.3, 1.0], 1e-6,
                   "a small example worked by hand (eps=0)",
                   hint=lambda got, exp: "group g holds the C // G neighbouring channels "
                   "g * C // G, ..., (g + 1) * C // G - 1: reshape x to (N, G, C // G, H, W)")
    out = _pair(t, t.call(spatial_groupnorm_forward, GN_X.copy(), GN_GAMMA, GN_BETA, 2, {}),
                "spatial_groupnorm_forward")
    t.expect_close(out, GN_OUT, 1e-7, "the expected output on x of shape (2, 4, 1, 3), G=2",
                   hint=lambda got, exp: "normalize each group over its channels and all their "
                   "positions")


@public_check("spatial_groupnorm_backward")
def _check_spatial_groupnorm_backward(t):
    from cs231n_core.layers import spatial_groupnorm_backward, spatial_groupnorm_forward

    cache = _forward_cache(t, spatial_groupnorm_forward, GN_X.copy(), GN_GAMMA, GN_BETA, 2, {})
    grads = _grads(t, t.call(spatial_groupnorm_backward, GN_DOUT.copy(), cache),
                   "spatial_groupnorm_backward", [(2, 4, 1, 3), (1, 4, 1, 1), (1, 4, 1, 1)])
    t.ok("returns dx, dgamma, dbeta of the shapes of x, gamma, beta ((1, C, 1, 1) for the last two)")
    _expect_grads(t, grads, (GN_DX, GN_DGAMMA, GN_DBETA), "on x of shape (2, 4, 1, 3), G=2")
