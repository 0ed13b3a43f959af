"""Shared pieces of the graders of visualization.py (test_network_visualization.py and
test_style_transfer.py). Not a test module (pytest collects only test_*.py).

The trusted process never imports torch here: every reference value comes from NumPy,
the networks' forward and backward passes from the instructor's NumPy layers
(cs231n_core.layers and fast_layers, assignment 2's reference code, whose convolution
and pooling equal torch's). Importing torch would cost each grading run about a second.

The networks are described as data, one (kind, name, arguments) entry per layer, as in
cs231n_core.pretrained_models: "conv" (in, out, kernel, padding), "relu", "pool"
(size: max pooling), "flatten", "linear" (in, out). The worker builds the same network
from torch's own layers (torch.nn.Conv2d, ...), never from the submission's code, and
loads the weights sent from here into it, in float64.
"""
import json
import os

import numpy as np

from autograder.trusted.expect import expect_array, wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import load_state_steps
from cs231n_core import fast_layers, layers

HERE = os.path.dirname(os.path.abspath(__file__))
HELD_OUT_WEIGHTS = os.path.join(HERE, "held_out_digits_cnn.npz")


# --- comparisons -------------------------------------------------------------------

def expect_unchanged(value, original, what):
    expect_array(value, original.shape, what)
    if not np.array_equal(value, original):
        raise wrong(value, "%s was changed; work on a copy (X.clone()) and leave the "
                    "caller's tensor as it was" % what, what)


# --- steps ---------------------------------------------------------------------------

def network_steps(tag, spec, params):
    """Steps that build `spec` from torch's own layers in the worker, in float64 and
    evaluation mode, with the weights `params` ({"0.weight": array, ...}); the network
    is saved as `tag` and its layer i as "<tag>_layer<i>"."""
    steps, names = [], []
    for i, (kind, _, args) in enumerate(spec):
        name = "%s_layer%d" % (tag, i)
        if kind == "conv":
            c_in, c_out, kernel, padding = args
            steps.append(call("torch.nn:Conv2d", c_in, c_out, kernel, padding=padding, save=name))
        elif kind == "relu":
            steps.append(call("torch.nn:ReLU", save=name))
        elif kind == "pool":
            steps.append(call("torch.nn:MaxPool2d", args[0], save=name))
        elif kind == "flatten":
            steps.append(call("torch.nn:Flatten", save=name))
        elif kind == "linear":
            steps.append(call("torch.nn:Linear", *args, save=name))
        else:
            raise ValueError(kind)
        names.append(name)
    steps += [call("torch.nn:Sequential", *[saved(n) for n in names], save=tag),
              call(tag + ".double"), call(tag + ".eval")]
    return steps + load_state_steps(tag, params)


# --- the NumPy reference network ------------------------------------------------------

def random_params(rng, spec):
    """Weights for `spec` drawn like Kaiming's (fan-in) with small random biases."""
    params = {}
    for i, (kind, _, args) in enumerate(spec):
        if kind == "conv":
            c_in, c_out, kernel, _ = args
            fan_in = c_in * kernel * kernel
            params["%d.weight" % i] = rng.normal(size=(c_out, c_in, kernel, kernel)) * np.sqrt(2.0 / fan_in)
            params["%d.bias" % i] = rng.normal(size=c_out) * 0.1
        elif kind == "linear":
            fan_in, fan_out = args
            params["%d.weight" % i] = rng.normal(size=(fan_out, fan_in)) * np.sqrt(2.0 / fan_in)
            params["%d.bias" % i] = rng.normal(size=fan_out) * 0.1
    return params


def forward(spec, params, x):
    """(outputs, caches): the output of every layer of the network for x (float64)."""
    outputs, caches = [], []
    for i, (kind, _, args) in enumerate(spec):
        if kind == "conv":
            x, cache = fast_layers.conv_forward_fast(x, params["%d.weight" % i], params["%d.bias" % i],
                                                     {"stride": 1, "pad": args[3]})
        elif kind == "relu":
            x, cache = layers.relu_forward(x)
        elif kind == "pool":
            x, cache = fast_layers.max_pool_forward_fast(
                x, {"pool_height": args[0], "pool_width": args[0], "stride": args[0]})
        elif kind == "flatten":
            cache = x.shape
            x = x.reshape(x.shape[0], -1)
        elif kind == "linear":
            x, cache = layers.affine_forward(x, params["%d.weight" % i].T, params["%d.bias" % i])
        outputs.append(x)
        caches.append(cache)
    return outputs, caches


def backward(spec, caches, dout, down_to=0):
    """Backpropagate dout (the gradient of the last layer's output) down to the input of
    layer `down_to`; returns that gradient."""
    for i in range(len(spec) - 1, down_to - 1, -1):
        kind, cache = spec[i][0], caches[i]
        if kind == "conv":
            dout = fast_layers.conv_backward_fast(dout, cache)[0]
        elif kind == "relu":
            dout = layers.relu_backward(dout, cache)
        elif kind == "pool":
            dout = fast_layers.max_pool_backward_fast(dout, cache)
        elif kind == "flatten":
            dout = dout.reshape(cache)
        elif kind == "linear":
            dout = layers.affine_backward(dout, cache)[0]
    return dout


def scores(spec, params, x):
    return forward(spec, params, x)[0][-1]


def softmax(s):
    shifted = s - s.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def score_gradient(spec, params, x, y):
    """d (sum_n scores[n, y[n]]) / dx, and the outputs of every layer."""
    outputs, caches = forward(spec, params, x)
    dscores = np.zeros_like(outputs[-1])
    dscores[np.arange(len(y)), y] = 1.0
    return backward(spec, caches, dscores), outputs, caches


# --- networks of the graders -----------------------------------------------------------

def small_rgb_spec(height, width, classes):
    """A small random RGB ConvNet: conv - ReLU - pool - conv - ReLU - flatten - linear;
    its layer 4 (the second ReLU) is Grad-CAM's layer."""
    return (("conv", "conv1", (3, 6, 3, 1)), ("relu", "relu1", ()), ("pool", "pool1", (2,)),
            ("conv", "conv2", (6, 8, 3, 1)), ("relu", "relu2", ()), ("flatten", "flatten", ()),
            ("linear", "fc", (8 * (height // 2) * (width // 2), classes)))


def load_held_out():
    """The held-out digit classifier (trained by cs231n_core.pretrained_models with
    another seed than the students' copy, and never released): (spec, params, info)."""
    with np.load(HELD_OUT_WEIGHTS, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    params = {name.split("/", 1)[1]: value.astype(np.float64)
              for name, value in arrays.items() if name.startswith("param/")}
    info = {name.split("/", 1)[1]: value.item() for name, value in arrays.items() if name.startswith("info/")}
    spec = tuple((kind, name, tuple(args)) for kind, name, args in json.loads(info["architecture"]))
    return spec, params, info


def held_out_digits(rng, count):
    """`count` MNIST digits that neither digit classifier was trained on (the 1,000 of
    the embedded 5,000 outside get_data's training split), normalized like the
    classifiers' inputs: (x of shape (count, 1, 28, 28), labels)."""
    from cs231n_core.data_utils import _load_mnist

    X, y = _load_mnist()
    order = np.random.default_rng(0).permutation(len(y))  # get_data("mnist", seed=0)'s split
    held_out = order[4000:]
    chosen = rng.choice(held_out, size=count, replace=False)
    _, _, info = load_held_out()
    x = (X[chosen, :, :, 0] / 255.0 - info["mean"]) / info["std"]
    return x[:, None].astype(np.float64), y[chosen]


# --- inputs whose gradients are defined ------------------------------------------------
#
# A real digit is mostly background: one constant value. A convolution maps a constant
# patch to the same number at every position, so max pooling sees exact ties, and which
# of the tied inputs receives the gradient is decided by the last bit of each sum: by the
# BLAS kernel, the CPU's vector width and the summation order. Torch in the worker and
# NumPy here then route the gradient to different pixels, and a correct saliency map
# differed from the reference by up to 7e-3 (relative) on some CPUs. The fix is in the
# input, not in the tolerance: faint noise (DIGIT_NOISE, in units of the normalized
# pixel; the digits look the same) makes every pooled value distinct, and the inputs are
# redrawn until every max-pool window's two largest values, and every ReLU input, stand
# apart from each other by TIE_MARGIN relative to the layer's largest value: a million
# times what rounding in float64 can move them (about 1e-15).

DIGIT_NOISE = 0.02
TIE_MARGIN = 1e-9


def tie_gap(spec, params, x):
    """The smallest gap, relative to the layer's largest absolute value, between what a
    ReLU or a max pool decides: a ReLU input and 0, or the two largest values of a pooling
    window whose largest value is positive (a window of ReLU zeros passes no gradient, so
    its ties do not matter). Rounding cannot change a decision whose gap is well above
    1e-15."""
    outputs, _ = forward(spec, params, x)
    gaps = [np.inf]
    for i, (kind, _, args) in enumerate(spec):
        inputs = outputs[i - 1] if i else x
        scale = np.abs(inputs).max() or 1.0
        if kind == "relu":
            gaps.append(np.abs(inputs).min() / scale)
        elif kind == "pool":
            size = args[0]
            n, c, h, w = inputs.shape
            windows = inputs[:, :, :h // size * size, :w // size * size].reshape(
                n, c, h // size, size, w // size, size).transpose(0, 1, 2, 4, 3, 5).reshape(-1, size * size)
            top_two = np.sort(windows, axis=1)[:, -2:]
            live = top_two[:, 1] > 0
            if live.any():
                gaps.append((top_two[live, 1] - top_two[live, 0]).min() / scale)
    return float(min(gaps))


def untied_digits(rng, count, spec, params):
    """held_out_digits with faint noise, redrawn until no ReLU or pooling decision of
    `spec` is within TIE_MARGIN of a tie (see above): (x, labels)."""
    for _ in range(20):
        x, y = held_out_digits(rng, count)
        x = x + DIGIT_NOISE * rng.normal(size=x.shape)
        if tie_gap(spec, params, x) > TIE_MARGIN:
            return x, y
    raise RuntimeError("no untied digits in 20 draws; the noise is too faint for this network")
