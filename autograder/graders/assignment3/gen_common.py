"""Shared pieces of the graders of the generative models (test_vae.py, test_gan.py,
test_pixelcnn.py).

Not a test module (pytest collects only test_*.py). As in assignment 2's PyTorch
graders, tensors never cross the sandbox's boundary: the worker turns arrays into
tensors with ``torch.from_numpy``, calls the student's code, and sends arrays back;
gradients come from ``torch.autograd.grad`` run in the worker. Importing torch costs a
worker about a second of CPU time, so all the checks of one target share one worker run
(SharedRuns). References are computed here, in the trusted process, mostly in NumPy
(fully connected layers, convolutions of small images); torch is imported here only by
the checks of the convolutional GAN models.
"""
import zlib

import numpy as np
import pytest

from autograder.engine.expect import GradingFailure, expect_array
from autograder.engine.submission import SubmissionError, call, saved

GEN = "cs231n_core.generative:"
F64_TOL = 1e-10     # float64 values and gradients against the reference
LOSS_TOL = 1e-7     # losses (relative error, float64)


class SharedRuns:
    """Runs each target's steps once per grading run and hands the result to each of
    its checks. build(rng) returns (steps, returns, context); rng is drawn from the
    grading seed and the key, so the inputs are fresh per run and reproducible."""

    def __init__(self, submission, seed):
        self.submission, self.seed, self.outcomes = submission, seed, {}

    def get(self, key, build):
        if key not in self.outcomes:
            rng = np.random.default_rng([self.seed, zlib.crc32(key.encode())])
            steps, returns, context = build(rng)
            try:
                self.outcomes[key] = (self.submission.run(steps, returns=returns), context, None)
            except SubmissionError as exc:
                self.outcomes[key] = (None, context, exc)
        result, context, error = self.outcomes[key]
        if error is not None:
            raise error
        return result, context


@pytest.fixture(scope="module")
def shared(submission, seed):
    return SharedRuns(submission, seed)


def seed_of(rng):
    return int(rng.integers(2**31))


# --- steps ---------------------------------------------------------------------------

def tensor(name, array):
    """A step that turns `array` into a tensor saved as `name`, in the worker."""
    return call("torch:from_numpy", np.ascontiguousarray(array), save=name)


def leaf(name, array):
    """Steps that make `array` a tensor requiring gradients, saved as `name`."""
    return [tensor(name + "_data", array), call(name + "_data.requires_grad_", save=name)]


def gradient_steps(output, dout, wrt, save):
    """Steps that backpropagate `dout` from the saved `output` to the saved tensors named
    in `wrt`; saves their gradients (None for one the output does not depend on)."""
    return [tensor(output + "_dout", dout),
            call("torch:mul", saved(output), saved(output + "_dout"), save=output + "_weighted"),
            call(output + "_weighted.sum", save=output + "_loss"),
            call("torch.autograd:grad", saved(output + "_loss"), [saved(w) for w in wrt],
                 allow_unused=True, save=save)]


def count_steps(module, save):
    """Steps that count the module's learnable values with torch's own code."""
    return [call(module + ".parameters", save=module + "_parameters"),
            call("torch.nn.utils:parameters_to_vector", saved(module + "_parameters"),
                 save=module + "_vector"),
            call("builtins:len", saved(module + "_vector"), save=save)]


def state_steps(module, save):
    """Steps that save a copy of the module's state_dict (later steps may train it)."""
    return [call(module + ".state_dict", save=save + "_live"),
            call("copy:deepcopy", saved(save + "_live"), save=save)]


# --- comparisons ---------------------------------------------------------------------

def scaled_error(value, expected):
    """max |value - expected| / max |expected| (0 when both are all zeros)."""
    value = np.asarray(value, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(value - expected), initial=0.0))
    return difference / scale if scale > 0 else difference


def expect_near(value, expected, tol, what):
    """`value` matches `expected` within `tol`, relative to the largest expected entry."""
    expected = np.asarray(expected)
    if isinstance(value, (tuple, list)) or value is None:
        raise GradingFailure("%s: expected one tensor, got %s" % (what, type(value).__name__))
    expect_array(np.asarray(value) if np.ndim(value) == 0 else value, expected.shape, what)
    error = scaled_error(value, expected)
    if not error <= tol:
        raise GradingFailure("%s: error %.2e relative to the largest value is above the "
                             "tolerance %.0e (shape %s)" % (what, error, tol, tuple(expected.shape)))
    return error


def expect_scalar(value, expected, tol, what):
    """A scalar loss within relative error `tol` of the reference."""
    value = np.asarray(value) if value is not None else None
    if value is None or value.dtype.kind not in "biuf":
        raise GradingFailure("%s: expected a scalar tensor" % what)
    if value.shape != ():
        raise GradingFailure("%s: shape %s, expected a scalar (shape ()): average over the "
                             "minibatch" % (what, value.shape))
    if not np.isfinite(value):
        raise GradingFailure("%s: the value is NaN or infinite" % what)
    error = abs(float(value) - expected) / max(abs(expected), 1e-12)
    if not error <= tol:
        raise GradingFailure("%s: relative error %.2e is above the tolerance %.0e"
                             % (what, error, tol))


def expect_gradients(grads, expected, names, what, tol=F64_TOL):
    if not isinstance(grads, tuple) or len(grads) != len(names):
        raise GradingFailure("%s: could not compute the gradients" % what)
    for name, grad, reference in zip(names, grads, expected):
        if grad is None:
            raise GradingFailure("%s: no gradient reaches %s; is it detached from the graph "
                                 "(.detach(), .item(), .data, NumPy, torch.no_grad())?" % (what, name))
        expect_near(grad, reference, tol, "%s: the gradient with respect to %s" % (what, name))


def expect_count(count, expected, what):
    count = int(np.asarray(count))
    if count != expected:
        raise GradingFailure("%s has %d learnable values, expected %d" % (what, count, expected))


def state_arrays(state, what):
    """A returned state_dict as an ordered list of (name, array)."""
    if not isinstance(state, dict):
        raise GradingFailure("%s: state_dict() did not return a dict of tensors" % what)
    return [(name, np.asarray(value)) for name, value in state.items()]


def linear_layers(state, prefix, what):
    """The (weight, bias) pairs of the nn.Linear layers under `prefix` ("" for all) in the
    order of the state_dict (the order the layers were built in)."""
    entries = [(n, v) for n, v in state if n.startswith(prefix)]
    layers = []
    for (name, weight), following in zip(entries, entries[1:] + [(None, None)]):
        if name.endswith("weight") and weight.ndim == 2:
            bias_name, bias = following
            if bias_name is None or not bias_name.endswith("bias") or bias.shape != weight.shape[:1]:
                raise GradingFailure("%s: the fully connected layer %s has no bias" % (what, name))
            layers.append((weight.astype(np.float64), bias.astype(np.float64)))
    return layers


def expect_layer_shapes(layers, shapes, what):
    got = [tuple(w.shape) for w, _ in layers]
    if got != list(shapes):
        raise GradingFailure("%s: the fully connected layers' weights have shapes %s in this "
                             "order, expected %s (nn.Linear keeps (out, in))" % (what, got, list(shapes)))


# --- NumPy references ----------------------------------------------------------------

def relu(x):
    return np.maximum(x, 0.0)


def leaky_relu(x, slope=0.01):
    return np.where(x > 0, x, slope * x)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def mlp(x, layers, hidden, last):
    """Fully connected layers with activation `hidden` between them and `last` after."""
    for i, (w, b) in enumerate(layers):
        x = x @ w.T + b
        x = last(x) if i == len(layers) - 1 else hidden(x)
    return x


def conv2d_same(x, w, b):
    """Stride-1 convolution with zero padding k // 2 (odd k): x (N, C, H, W), w (F, C, k, k)."""
    n, c, height, width = x.shape
    k = w.shape[-1]
    p = k // 2
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((n, w.shape[0], height, width))
    for di in range(k):
        for dj in range(k):
            patch = padded[:, :, di:di + height, dj:dj + width]     # (N, C, H, W)
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, di, dj])
    return out + b.reshape(1, -1, 1, 1)


def raster_mask(k, mask_type, out_channels, in_channels):
    """PixelCNN's mask for a k x k kernel (1 where a weight is used)."""
    mask = np.ones((out_channels, in_channels, k, k))
    c = k // 2
    mask[:, :, c, c + (mask_type == "B"):] = 0
    mask[:, :, c + 1:, :] = 0
    return mask


def load_digits():
    """scikit-learn's handwritten digits (1797 8x8 images, values 0..16) read from the file
    that ships inside scikit-learn: importing scikit-learn costs more than a check."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("sklearn")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    if not os.path.isfile(path):  # another layout: ask scikit-learn itself
        from sklearn.datasets import load_digits as sklearn_load_digits

        digits = sklearn_load_digits()
        return digits.data, digits.target.astype(np.int64)
    table = np.loadtxt(path, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)
