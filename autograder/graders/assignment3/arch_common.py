"""Shared by the graders of CNNArchitectures.ipynb: checks of counts and shapes, random
states by name, and NumPy references (the trusted process never imports torch here:
each grading run of one target costs one worker, about a second of CPU for importing
torch, and little else)."""
import numpy as np

from autograder.trusted.expect import wrong

ARCH = "cs231n_core.architectures:"


def as_int(value, what):
    value = np.asarray(value)
    if value.size != 1 or value.dtype.kind not in "iu":
        raise wrong(value, "%s: expected one whole number, got an array of shape %s and dtype %s"
                    % (what, value.shape, value.dtype), what + ": one whole number")
    return int(value.reshape(()))


def as_shape(value, what):
    if not isinstance(value, tuple):
        raise wrong(value, "%s: could not read the output's shape" % what, what + ": a shape")
    return tuple(as_int(v, what) for v in value)


# --- NumPy references of the layers ----------------------------------------------------

def conv2d(x, w, b=None, stride=1, pad=0):
    """Cross-correlation of x (N, C, H, W) with w (F, C, HH, WW), summing shifted copies."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for k in range(HH):
        for l in range(WW):
            window = xpad[:, :, k:k + stride * H_out:stride, l:l + stride * W_out:stride]
            out += np.einsum("nchw,fc->nfhw", window, w[:, :, k, l])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def batchnorm_eval(x, state, prefix, eps=1e-5):
    shape = (1, -1, 1, 1)
    mean, var = state[prefix + ".running_mean"].reshape(shape), state[prefix + ".running_var"].reshape(shape)
    gamma, beta = state[prefix + ".weight"].reshape(shape), state[prefix + ".bias"].reshape(shape)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def max_pool_3x3_same(x):
    """3x3 max pooling, stride 1, padding 1 (padded with -inf)."""
    H, W = x.shape[2:]
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    return np.max([xpad[:, :, k:k + H, l:l + W] for k in range(3) for l in range(3)], axis=0)


# --- random states by name (torchvision's names) ----------------------------------------

def conv_state(rng, state, prefix, out_channels, in_channels, kh, kw, bias):
    fan_in = in_channels * kh * kw
    state[prefix + ".weight"] = rng.normal(size=(out_channels, in_channels, kh, kw)) * np.sqrt(2.0 / fan_in)
    if bias:
        state[prefix + ".bias"] = rng.normal(size=out_channels) * 0.2


def bn_state(rng, state, prefix, channels):
    state[prefix + ".weight"] = rng.uniform(0.5, 1.5, channels)
    state[prefix + ".bias"] = rng.normal(size=channels) * 0.3
    state[prefix + ".running_mean"] = rng.normal(size=channels) * 0.3
    state[prefix + ".running_var"] = rng.uniform(0.5, 2.0, channels)
    state[prefix + ".num_batches_tracked"] = np.array(0, dtype=np.int64)


def conv_bn_states(rng, shapes):
    """The state of convolutions without biases, each followed by a batch norm, named
    conv1, bn1, conv2, bn2, ... as ResNet's blocks name them; `shapes` lists each
    convolution's (out_channels, in_channels, kernel)."""
    state = {}
    for i, (out_channels, in_channels, kernel) in enumerate(shapes, 1):
        conv_state(rng, state, "conv%d" % i, out_channels, in_channels, kernel, kernel, False)
        bn_state(rng, state, "bn%d" % i, out_channels)
    return state


def learnable_count(state):
    """Entries of a state that are parameters (not batch norm's running statistics)."""
    return sum(int(v.size) for k, v in state.items()
               if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))

