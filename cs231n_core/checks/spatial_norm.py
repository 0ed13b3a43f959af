"""Public checks of assignment 2's spatial normalization layers (layers.py): spatial batch
norm and spatial group norm.

The expected values below were computed once with the reference solution on small fixed
inputs; the group-norm case worked by hand says how groups split the channels.
"""
import numpy as np

from . import public_check
from .norm_tools import _expect_grads, _forward_cache, _grads, _train
from .numpy_tools import _pair


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
                   "running_mean after one batch (the channels' means times 0.1)",
                   answer=(out, bn_param))


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
