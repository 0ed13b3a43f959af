"""Hidden graders of the autoregressive models (assignment 3, generative models: 5 of 100
points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.

Causality is tested by gradients, in the worker: a minibatch holds one example per
pixel p, and the output at p of example p is backpropagated to its input; the gradient
must vanish at p and after it in raster order (type A), or after it only (type B), and
not vanish where the mask lets the convolution see. The weights are replaced by dense
random ones before the test, so a mask applied once to the initial weights (and not
at every forward pass) shows. Values are recomputed here in NumPy from the weights
sent to the worker. PixelCNN.sample is judged by calibration: each drawn pixel must be
a Bernoulli draw with the probability that the network gives it in the context of
the pixels drawn before it (recomputed by one forward pass over the finished samples),
which fails when pixels are drawn all at once, out of order or by thresholding.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_array, expect_count, expect_near, wrong
from autograder.trusted.activations import relu
from autograder.trusted.torch_steps import Probes, seed_of

from .gen_common import GEN, F64_TOL, conv2d_same, raster_mask, sigmoid

SECTION_WEIGHT = 5
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run


def one_pixel_per_example(height, width, channels):
    """dout (H * W, channels, H, W): example p is 1 at pixel p (every channel), 0 elsewhere."""
    dout = np.zeros((height * width, channels, height, width))
    for p in range(height * width):
        dout[p, :, p // width, p % width] = 1.0
    return dout


def input_gradient(grads, what):
    """The input's gradient in autograd's answer (a tuple of one gradient)."""
    if not isinstance(grads, tuple) or len(grads) != 1 or grads[0] is None:
        raise wrong(grads, "%s: no gradient reaches the input" % what, what)
    return grads[0]


def expect_causal(grad, height, width, mask_type, what, window=None):
    """grad (H * W, C, H, W): the input gradient of the output at pixel p of example p.
    Zero at p and after it (A) or after it (B); with `window` (k), nonzero exactly where
    a k x k mask of that type sees (a single layer); else nonzero on the left and above."""
    expect_array(grad, (height * width,) + grad.shape[1:], what + ": the input's gradient")
    magnitude = np.abs(grad).sum(axis=1).reshape(height * width, height * width)  # (p, q)
    scale = magnitude.max()
    if not scale > 0:
        raise wrong(grad, "%s: the output does not depend on the input at all" % what, what)
    order = np.arange(height * width)
    later = order[None, :] > order[:, None] if mask_type == "B" else order[None, :] >= order[:, None]
    leaks = magnitude[later] > 1e-12 * scale
    if np.any(leaks):
        where = "the pixel itself or later ones" if mask_type == "A" else "later pixels"
        raise wrong(grad, "%s: the output at a pixel depends on %s in raster order (%d cases of %d); "
                    "the mask must hide them (type %s), at every forward pass"
                    % (what, where, int(leaks.sum()), int(later.sum()), mask_type), what)
    rows, cols = np.divmod(order, width)
    if window is not None:
        c = window // 2
        di = rows[None, :] - rows[:, None]
        dj = cols[None, :] - cols[:, None]
        inside = (np.abs(di) <= c) & (np.abs(dj) <= c) & ~later
        blind = inside & (magnitude <= 1e-12 * scale)
        if np.any(blind):
            raise wrong(grad, "%s: the output at a pixel ignores %d of the earlier pixels within the "
                        "%dx%d window that a type-%s mask lets it see: the mask hides too much"
                        % (what, int(blind.sum()), window, window, mask_type), what)
    else:
        # Through ReLUs a path may be switched off for one example: most must see them.
        left = np.flatnonzero(cols > 0)
        above = np.flatnonzero(rows > 0)
        seen = np.concatenate([magnitude[left, left - 1], magnitude[above, above - width]]) > 1e-12 * scale
        if not seen.mean() >= 0.5:
            raise wrong(grad, "%s: the output at a pixel ignores the pixel on its left or the one above "
                        "it in %d of %d cases: the masks hide too much" % (what, int((~seen).sum()), seen.size),
                        what)
    if mask_type == "B" and np.any(np.diag(magnitude) <= 1e-12 * scale):
        raise wrong(grad, "%s: a type-B mask must let the output see the input at its own pixel" % what, what)


# --- MaskedConv2d --------------------------------------------------------------------

def masked_conv_problem(rng):
    """A layer of each mask type: its count and mask, then with random weights loaded its
    output and the input gradients of one output pixel per example."""
    cases = []
    probes = Probes()
    for i, mask_type in enumerate(("A", "B")):
        k = int(rng.choice([3, 5]))
        cin, cout = int(rng.integers(2, 4)), int(rng.integers(2, 5))
        height, width = int(rng.integers(5, 7)), int(rng.integers(5, 7))
        w = rng.normal(size=(cout, cin, k, k)) / np.sqrt(cin * k * k)
        b = rng.normal(size=cout) * 0.1
        x = rng.normal(size=(3, cin, height, width))
        conv = probes.module(GEN + "MaskedConv2d", cin, cout, k, mask_type, count="count%d" % i, label="conv%d" % i)
        probes.attribute(conv.name + ".mask", save="mask%d" % i)
        probes.function(conv.name + ".double")
        probes.function(conv.name + ".weight.data.copy_", w)
        probes.function(conv.name + ".bias.data.copy_", b)
        probes.forward(conv, x, save="out%d" % i)
        probes.forward(conv, rng.normal(size=(height * width, cin, height, width)), save=None, grads="grad%d" % i,
                       dout=one_pixel_per_example(height, width, cout))
        cases.append({"type": mask_type, "k": k, "cin": cin, "cout": cout, "h": height, "w": width,
                      "weight": w, "bias": b, "x": x,
                      "what": "MaskedConv2d(%d, %d, %d, %r)" % (cin, cout, k, mask_type)})
    return probes.problem(cases)


@pytest.mark.target("MaskedConv2d")
@pytest.mark.points(0.5)
def test_masked_conv_parameters_and_mask(shared):
    """only the convolution's weight and bias are learnable; the mask is a buffer of 0s and 1s"""
    result, cases = shared.get("MaskedConv2d", masked_conv_problem)
    for i, case in enumerate(cases):
        what = case["what"]
        expect_count(result["count%d" % i], case["cout"] * case["cin"] * case["k"] ** 2 + case["cout"], what)
        mask = result["mask%d" % i]
        if not isinstance(mask, np.ndarray):
            raise wrong(type(mask).__name__, "%s: self.mask must be a tensor" % what, what)
        expected = raster_mask(case["k"], case["type"], case["cout"], case["cin"])
        try:
            full = np.broadcast_to(mask, expected.shape)
        except ValueError:
            raise wrong(mask, "%s: the mask of shape %s does not fit the weight's shape %s"
                        % (what, mask.shape, expected.shape), what) from None
        if not np.array_equal(full, expected):
            raise wrong(mask, "%s: the mask differs from PixelCNN's type-%s mask in %d of %d entries"
                        % (what, case["type"], int(np.sum(full != expected)), expected.size), what)


@pytest.mark.target("MaskedConv2d")
@pytest.mark.points(0.5)
def test_masked_conv_values(shared):
    """the output is the convolution with the masked weights (zero padding k // 2, stride 1)"""
    result, cases = shared.get("MaskedConv2d", masked_conv_problem)
    for i, case in enumerate(cases):
        mask = raster_mask(case["k"], case["type"], case["cout"], case["cin"])
        expected = conv2d_same(case["x"], case["weight"] * mask, case["bias"])
        expect_near(result["out%d" % i], expected, F64_TOL, case["what"] + "'s output")


@pytest.mark.target("MaskedConv2d")
@pytest.mark.points(1)
def test_masked_conv_causal(shared):
    """causal by gradients: type A sees only earlier pixels, type B also its own, even after the weights change"""
    result, cases = shared.get("MaskedConv2d", masked_conv_problem)
    for i, case in enumerate(cases):
        expect_causal(input_gradient(result["grad%d" % i], case["what"]), case["h"], case["w"], case["type"],
                      case["what"] + " with dense weights loaded", window=case["k"])


# --- PixelCNN ------------------------------------------------------------------------

def pixelcnn_shapes(hidden, layers, k, k1):
    return ([(hidden, 1, k1, k1), (hidden,)] + [(hidden, hidden, k, k), (hidden,)] * layers
            + [(1, hidden, 1, 1), (1,)])


def pixelcnn_weights(rng, shapes):
    """Dense random weights that make the conditionals vary strongly with the context."""
    arrays = []
    for shape in shapes:
        if len(shape) == 1:
            arrays.append(rng.normal(size=shape) * 0.3)
        else:
            fan_in = int(np.prod(shape[1:]))
            arrays.append(rng.normal(size=shape) * 2.5 / np.sqrt(fan_in))
    return arrays


def pixelcnn_logits(arrays, x, layers, k, k1):
    hidden = arrays[0].shape[0]
    h = relu(conv2d_same(x, arrays[0] * raster_mask(k1, "A", hidden, 1), arrays[1]))
    for i in range(layers):
        h = relu(conv2d_same(h, arrays[2 + 2 * i] * raster_mask(k, "B", hidden, hidden), arrays[3 + 2 * i]))
    return np.einsum("nchw,c->nhw", h, arrays[-2][0, :, 0, 0])[:, None] + arrays[-1][0]


PIXELCNN = {"layers": 2, "k": 3, "k1": 5, "samples": 400}


def pixelcnn_problem(rng):
    """A PixelCNN with given dense weights: its count, its logits, the input gradients of
    one output pixel per example, and samples with their logits."""
    hidden, side = int(rng.integers(6, 9)), int(rng.integers(5, 7))
    layers, k, k1 = PIXELCNN["layers"], PIXELCNN["k"], PIXELCNN["k1"]
    arrays = pixelcnn_weights(rng, pixelcnn_shapes(hidden, layers, k, k1))
    x = (rng.random((3, 1, side, side)) < 0.4).astype(np.float64)
    probes = Probes()
    model = probes.module(GEN + "PixelCNN", hidden, layers, k, k1, count="count", label="model")
    probes.function(model.name + ".double")
    probes.function("torch.nn.utils:vector_to_parameters", np.concatenate([a.ravel() for a in arrays]),
                    probes.function(model.name + ".parameters"))
    probes.forward(model, x, save="logits")
    probes.forward(model, rng.random((side * side, 1, side, side)).round(), save=None, grads="grad",
                   dout=one_pixel_per_example(side, side, 1))
    probes.seed(seed_of(rng))
    samples = probes.function(model.name + ".sample", PIXELCNN["samples"], [side, side], save="samples")
    probes.forward(model, samples, save="sample_logits")
    return probes.problem({"hidden": hidden, "side": side, "arrays": arrays, "x": x,
                           "what": "PixelCNN(%d, %d, %d, %d)" % (hidden, layers, k, k1)})


@pytest.mark.target("PixelCNN")
@pytest.mark.points(1)
def test_pixelcnn_layers_and_logits(shared):
    """parameter count; logits of the type-A layer, the type-B layers and the 1x1 output layer, all with ReLUs between"""
    result, context = shared.get("PixelCNN", pixelcnn_problem)
    what = context["what"]
    shapes = pixelcnn_shapes(context["hidden"], PIXELCNN["layers"], PIXELCNN["k"], PIXELCNN["k1"])
    expect_count(result["count"], int(sum(np.prod(s) for s in shapes)), what)
    expected = pixelcnn_logits(context["arrays"], context["x"], PIXELCNN["layers"], PIXELCNN["k"], PIXELCNN["k1"])
    expect_near(result["logits"], expected, F64_TOL, what + "'s logits with given weights")


@pytest.mark.target("PixelCNN")
@pytest.mark.points(1)
def test_pixelcnn_causal(shared):
    """the logit at a pixel depends on earlier pixels only (by gradients through the whole network)"""
    result, context = shared.get("PixelCNN", pixelcnn_problem)
    what = context["what"]
    expect_causal(input_gradient(result["grad"], what), context["side"], context["side"], "A", what)


@pytest.mark.target("PixelCNN")
@pytest.mark.points(1)
def test_pixelcnn_sample(shared):
    """sample draws every pixel from its Bernoulli conditional given the pixels drawn before it, in raster order"""
    result, context = shared.get("PixelCNN", pixelcnn_problem)
    side = context["side"]
    what = context["what"] + ".sample(%d, (%d, %d))" % (PIXELCNN["samples"], side, side)
    samples = result["samples"]
    expect_array(samples, (PIXELCNN["samples"], 1, side, side), what)
    if not np.all((samples == 0) | (samples == 1)):
        raise wrong(samples, "%s: the pixels must be 0 or 1 (draws, torch.bernoulli)" % what, what)
    logits = result["sample_logits"]
    expect_array(logits, samples.shape, what + ": the logits of the samples")
    p, x = sigmoid(logits.ravel()), samples.ravel()
    if np.all(x == x[0]):
        raise wrong(samples, "%s: every pixel of every sample is %d" % (what, int(x[0])), what)
    edges = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]
    for low, high in zip(edges, edges[1:]):
        part = (p >= low) & (p < high) if high < 1.0 else (p >= low)
        if part.sum() < 20:
            continue
        expected, spread = p[part].sum(), np.sqrt(np.sum(p[part] * (1 - p[part])))
        if not abs(x[part].sum() - expected) <= 5.0 * spread + 1.0:
            raise wrong(samples, "%s: of %d pixels that the network gives probabilities between %.1f and "
                        "%.1f (in the context of the pixels before them), %.1f%% are 1, expected "
                        "%.1f%%: draw each pixel in raster order from its sigmoid probability, "
                        "given the pixels drawn so far" % (what, int(part.sum()), low, high,
                                                           100 * x[part].mean(), 100 * p[part].mean()), what)
