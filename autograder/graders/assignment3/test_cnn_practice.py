"""Hidden graders of CNNs in practice (assignment 3, CNNArchitectures.ipynb; 8 of the
assignment's 100 points): receptive fields, the parameter and multiply-add counter,
the augmentation transforms and convolution by the FFT.

The counter runs in the worker on small nets built there from torch's own layers (at
random sizes, strides, paddings, dilations and groups); the expected counts follow
from the layers' shapes, computed here. The transforms are graded by their properties
(the random draws are the student's): labels kept, every output image a mirror or a
window of the padded input or a jittered copy within its bounds, the draws spread as
the docstrings say, and the same seed giving the same minibatch. The trusted process
never imports torch.
"""
import numpy as np
import pytest

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import expect_array, expect_near, wrong
from cs231n_core.checks.compare import scaled_error
from autograder.trusted.submission import call, get, saved
from autograder.trusted.torch_steps import seed_of, tensor

from .arch_common import ARCH, as_int

SECTION_WEIGHT = 8
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
FFT_TOL = 1e-8     # float64 FFT convolution against the direct sum: about 1e-14 of round-off per product
EXACT_TOL = 1e-12  # a transform that must leave a value as it is (a gray image under saturation)


# --- receptive_field -----------------------------------------------------------------

def field_of(layers):
    field, jump = 1, 1
    for layer in layers:
        dilation = layer[2] if len(layer) > 2 else 1
        field += dilation * (layer[0] - 1) * jump
        jump *= layer[1]
    return field


def receptive_field_problem(rng):
    depth = int(rng.integers(2, 6))
    stacks = {
        "three 3x3 convolutions": [[3, 1]] * 3,
        "no layer": [],
        "a strided stack (convolutions and pools)":
            [[int(rng.choice([3, 5, 7])), int(rng.integers(1, 3))] for _ in range(depth)] + [[2, 2], [3, 1]],
        "dilated 3x3 convolutions": [[3, 1, 2 ** i] for i in range(int(rng.integers(2, 5)))],
        "AlexNet's layers": [[11, 4], [3, 2], [5, 1], [3, 2], [3, 1], [3, 1], [3, 1], [3, 2]],
    }
    steps = [call(ARCH + "receptive_field", layers, save="field%d" % i) for i, layers in enumerate(stacks.values())]
    return steps, ["field%d" % i for i in range(len(stacks))], stacks


@pytest.mark.target("receptive_field")
@pytest.mark.points(1)
def test_receptive_field(shared):
    """stacks of stride-1 and strided layers, pools, dilations and the empty stack"""
    result, stacks = shared.get("receptive_field", receptive_field_problem)
    for i, (what, layers) in enumerate(stacks.items()):
        got = as_int(result["field%d" % i], "receptive_field")
        if got != field_of(layers):
            raise wrong(got, "receptive_field of %s (%d layers): %d is not the receptive field"
                        % (what, len(layers), got), "the field of " + what)


# --- count_params_and_flops -----------------------------------------------------------

def conv_out(size, kernel, stride, pad, dilation):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def counter_problem(rng):
    """A conv net with nested containers, groups, dilation, batch norm, pooling and two
    linear layers, left in training mode; and a fully connected net on vectors."""
    c_in, size = int(rng.integers(1, 4)), int(rng.integers(14, 20))
    f1 = 2 * int(rng.integers(2, 5))
    k1, s1, p1 = int(rng.choice([3, 5])), 2, int(rng.integers(0, 3))  # the size changes
    groups = 2
    f2 = 2 * int(rng.integers(2, 5))
    d2 = int(rng.integers(1, 3))
    hidden, classes = int(rng.integers(5, 12)), int(rng.integers(3, 8))
    h1 = conv_out(size, k1, s1, p1, 1)
    h2 = conv_out(h1, 3, 1, d2, d2)
    pooled = h2 // 2
    features = f2 * pooled * pooled
    params = (f1 * c_in * k1 * k1 + f1) + 2 * f1 + (f2 * (f1 // groups) * 9) \
        + (features * hidden + hidden) + (hidden * classes + classes)
    macs = f1 * h1 * h1 * c_in * k1 * k1 + f2 * h2 * h2 * (f1 // groups) * 9 + features * hidden + hidden * classes
    layers = [("conv1", "torch.nn:Conv2d", (c_in, f1, k1), {"stride": s1, "padding": p1}),
              ("bn1", "torch.nn:BatchNorm2d", (f1,), {}), ("relu1", "torch.nn:ReLU", (), {}),
              ("conv2", "torch.nn:Conv2d", (f1, f2, 3), {"padding": d2, "dilation": d2, "groups": groups,
                                                         "bias": False}),
              ("pool", "torch.nn:MaxPool2d", (2,), {}), ("flat", "torch.nn:Flatten", (), {}),
              ("fc1", "torch.nn:Linear", (features, hidden), {}), ("relu2", "torch.nn:ReLU", (), {}),
              ("fc2", "torch.nn:Linear", (hidden, classes), {})]
    steps = [call(path, *args, save=name, **kwargs) for name, path, args, kwargs in layers]
    steps += [call("torch.nn:Sequential", *[saved(n) for n, *_ in layers[:4]], save="body"),
              call("torch.nn:Sequential", *[saved(n) for n, *_ in layers[4:]], save="head"),
              call("torch.nn:Sequential", saved("body"), saved("head"), save="net"),
              call("net.train"),
              call(ARCH + "count_params_and_flops", saved("net"), [c_in, size, size], save="conv_counts"),
              get("net.training", save="still_training"), get("bn1.running_mean", save="running_mean")]
    dims = [int(rng.integers(5, 30)) for _ in range(3)]
    steps += [call("torch.nn:Linear", dims[0], dims[1], save="lin1"), call("torch.nn:Tanh", save="tanh"),
              call("torch.nn:Linear", dims[1], dims[2], bias=False, save="lin2"),
              call("torch.nn:Sequential", saved("lin1"), saved("tanh"), saved("lin2"), save="mlp"),
              call(ARCH + "count_params_and_flops", saved("mlp"), [dims[0]], save="mlp_counts")]
    context = {"conv": (params, macs), "conv_input": (c_in, size, size),
               "mlp": (dims[0] * dims[1] + dims[1] + dims[1] * dims[2], dims[0] * dims[1] + dims[1] * dims[2]),
               "mlp_input": (dims[0],)}
    return steps, ["conv_counts", "still_training", "running_mean", "mlp_counts"], context


def counts_of(result, key, what):
    value = result[key]
    if not isinstance(value, tuple) or len(value) != 2:
        raise wrong(value, "%s: expected a pair (params, macs)" % what, what + ": a pair")
    return as_int(value[0], what), as_int(value[1], what)


NETS = {"conv": "a conv net (grouped and dilated convolutions, batch norm, pooling, two linear layers)",
        "mlp": "a fully connected net on vectors"}


def check_counts(shared, index, noun):
    """Entry `index` of count_params_and_flops's pair (params, macs), `noun`, of each net."""
    result, context = shared.get("count_params_and_flops", counter_problem)
    # The answer is this entry of both nets' pairs: a mistake that counts nothing in one
    # (0, no value to tell mistakes by) counts something in the other
    counts = np.array([counts_of(result, key + "_counts", "count_params_and_flops")[index] for key in NETS])
    for (key, what), count in zip(NETS.items(), counts):
        if count != context[key][index]:
            raise wrong(counts, "count_params_and_flops on %s, input shape %s: %s %s is not the "
                        "count" % (what, context[key + "_input"], format(int(count), ","), noun),
                        "the %s of the %s net" % (noun, key))


test_counter_params = graded_on_shared("count_params_and_flops", 1, "learnable parameters: weights, biases, batch "
                                       "norm's gamma and beta (no running averages)", check_counts, 0, "parameters")
test_counter_macs = graded_on_shared("count_params_and_flops", 1, "multiply-adds of convolutions (groups, stride, "
                                     "padding, dilation) and linear layers", check_counts, 1, "multiply-adds")


@pytest.mark.target("count_params_and_flops")
@pytest.mark.points(0.5)
def test_counter_leaves_the_model_alone(shared):
    """the model is measured in evaluation mode and handed back in the mode it came in"""
    result, _ = shared.get("count_params_and_flops", counter_problem)
    if not bool(np.asarray(result["still_training"])):
        # The answer is the mode left, in words: model.training is False, a zero, which
        # tells no mistake from another
        raise wrong("model.training: False", "count_params_and_flops left a model that was in training "
                    "mode in evaluation mode: restore its mode", "the mode left")
    running_mean = np.asarray(result["running_mean"])
    if np.any(running_mean != 0):
        raise wrong(running_mean, "count_params_and_flops changed batch norm's running averages: measure "
                    "the model in evaluation mode (model.eval())", "the running averages")


# --- augmentation transforms -----------------------------------------------------------

def transform_steps(tag, constructor, kwargs, x, y):
    steps = [tensor(tag + "_x", x), tensor(tag + "_y", y), call(ARCH + constructor, save=tag + "_t", **kwargs),
             call(tag + "_t", saved(tag + "_x"), saved(tag + "_y"), save=tag + "_out")]
    return steps, [tag + "_out", tag + "_x"]


def transforms_problem(constructor, cases):
    """cases(rng) -> {tag: (kwargs, x, y)}; each tag's transform is run once, after
    torch's global generator is seeded from rng: a transform that draws from it instead
    of its own then gives the same images when a known mistake is rerun."""
    def build(rng):
        context = cases(rng)
        steps, returns = [call("torch:manual_seed", seed_of(rng))], []
        for tag, (kwargs, x, y) in context.items():
            more_steps, more_returns = transform_steps(tag, constructor, kwargs, x, y)
            steps += more_steps
            returns += more_returns
        return steps, returns, context
    return build


def pair_of(result, tag, x, y, what):
    """The transformed (x, y) of a case, checked for shapes, labels and the input left alone."""
    value = result[tag + "_out"]
    if not isinstance(value, tuple) or len(value) != 2:
        raise wrong(value, "%s must return a pair (x, y)" % what, "a pair")
    out, labels = value
    expect_array(out, x.shape, what + ": the images")
    if np.asarray(labels).shape != y.shape or np.any(np.asarray(labels) != y):
        raise wrong(labels, "%s changed the labels: they must come back unchanged" % what, "the labels")
    x_after = np.asarray(result[tag + "_x"])
    if np.any(x_after != x):
        raise wrong(x_after, "%s changed its input x in place: return a new tensor" % what, "the input x after")
    return np.asarray(out, dtype=np.float64)


def seeded(kwargs, rng):
    return dict(kwargs, seed=int(rng.integers(2**31)))


def flip_cases(rng):
    n = int(rng.integers(300, 400))
    x = rng.normal(size=(n, 2, 4, 5))
    y = rng.integers(0, 10, n)
    classes = sorted(int(c) for c in rng.choice(10, size=4, replace=False))
    p = float(rng.uniform(0.3, 0.7))
    kwargs = seeded({"p": p, "classes": classes}, rng)
    return {"some": (kwargs, x, y), "again": (kwargs, x, y),
            "other_seed": (seeded({"p": p, "classes": classes}, rng), x, y),
            "all": ({"p": 1.0}, x[:20], y[:20]), "none": ({"p": 0.0, "classes": classes}, x[:20], y[:20])}


def flipped_mask(out, x, what):
    """Which images of out are mirrored copies of x's; fails when one is neither."""
    same = np.all(out == x, axis=(1, 2, 3))
    mirrored = np.all(out == x[..., ::-1], axis=(1, 2, 3))
    if not np.all(same | mirrored):
        raise wrong(out, "%s: %d of %d images are neither the input image nor its left-right mirror "
                    "image" % (what, int(np.sum(~(same | mirrored))), len(x)), "mirror images")
    return mirrored


def flips(result, tag, x, y, what):
    """(out, mirrored): a case's output images and which of them are x's mirrored."""
    out = pair_of(result, tag, x, y, what)
    return out, flipped_mask(out, x, what)


def flip_run(shared):
    """(result, cases, what, out, flipped): the flips' worker run, and the images of the
    case "some" (p and classes drawn, `what`) and which of them came back mirrored."""
    result, cases = shared.get("RandomHorizontalFlip", transforms_problem("RandomHorizontalFlip", flip_cases))
    kwargs, x, y = cases["some"]
    what = "RandomHorizontalFlip(p=%.2f, classes=%s, seed=...)" % (kwargs["p"], kwargs["classes"])
    return (result, cases, what) + flips(result, "some", x, y, what)


@pytest.mark.target("RandomHorizontalFlip")
@pytest.mark.points(1)
def test_flip_mirrors_only_allowed_classes(shared):
    """labels kept; each image itself or its mirror; only the listed classes flipped; p = 0 and p = 1"""
    result, cases, what, out, flipped = flip_run(shared)
    kwargs, _, y = cases["some"]
    if np.any(flipped & ~np.isin(y, kwargs["classes"])):
        raise wrong(out, "%s flipped images whose label is not in classes (a mirrored 3 is no 3)" % what,
                    "only the classes flipped")
    _, x_all, y_all = cases["all"]
    out_all, flipped_all = flips(result, "all", x_all, y_all, "RandomHorizontalFlip(p=1)")
    if not np.all(flipped_all):
        raise wrong(out_all, "RandomHorizontalFlip(p=1) (every class allowed) left some images unflipped",
                    "p=1 flips all")
    kwargs0, x_none, y_none = cases["none"]
    out_none, flipped_none = flips(result, "none", x_none, y_none, "RandomHorizontalFlip(p=0)")
    if np.any(flipped_none):
        raise wrong(out_none, "RandomHorizontalFlip(p=0, classes=%s) flipped some images" % kwargs0["classes"],
                    "p=0 flips none")


@pytest.mark.target("RandomHorizontalFlip")
@pytest.mark.points(1)
def test_flip_rate_and_seed(shared):
    """the allowed images are flipped with probability p; the same seed flips the same images"""
    result, cases, what, out, flipped = flip_run(shared)
    kwargs, x, y = cases["some"]
    allowed = np.isin(y, kwargs["classes"])
    rate, count = float(np.mean(flipped[allowed])), int(np.sum(allowed))
    spread = 5 * np.sqrt(kwargs["p"] * (1 - kwargs["p"]) / count)
    if not abs(rate - kwargs["p"]) <= spread:
        raise wrong(out, "%s flipped %.1f%% of the %d images it may flip, far from p" % (what, 100 * rate, count),
                    "the rate of flips")
    out_again, again = flips(result, "again", x, y, what)
    if np.any(again != flipped):
        raise wrong(out_again, "%s: two transforms built with the same seed flipped different images" % what,
                    "the same seed")
    out_other, other = flips(result, "other_seed", x, y, what)
    if np.all(other == flipped):
        raise wrong(out_other, "%s: another seed flipped exactly the same images" % what, "another seed")


def crop_cases(rng):
    n = int(rng.integers(250, 320))
    padding = int(rng.integers(1, 4))
    x = rng.normal(size=(n, 2, 6, 7)) + 3.0  # never zero: padding is told apart from the image
    y = rng.integers(0, 10, n)
    kwargs = seeded({"padding": padding}, rng)
    return {"crop": (kwargs, x, y), "again": (kwargs, x, y),
            "other_seed": (seeded({"padding": padding}, rng), x, y), "zero": ({"padding": 0}, x[:10], y[:10])}


def crop_offsets(out, x, padding, what):
    """(tops, lefts) at which each output image is a window of the zero-padded input."""
    n, _, height, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    tops, lefts = np.full(n, -1), np.full(n, -1)
    for top in range(2 * padding + 1):
        for left in range(2 * padding + 1):
            match = np.all(out == padded[:, :, top:top + height, left:left + width], axis=(1, 2, 3))
            tops[match], lefts[match] = top, left
    missing = int(np.sum(tops < 0))
    if missing:
        raise wrong(out, "%s: %d of %d output images are no %dx%d window of the input padded with %d "
                    "zeros on every side" % (what, missing, n, height, width, padding), "windows")
    return tops, lefts


def crop_run(shared):
    """(result, cases, what, offsets): the crops' worker run, and the (tops, lefts) of the
    windows of the case "crop" (padding drawn, `what`)."""
    result, cases = shared.get("RandomCrop", transforms_problem("RandomCrop", crop_cases))
    kwargs, x, y = cases["crop"]
    what = "RandomCrop(padding=%d, seed=...)" % kwargs["padding"]
    return result, cases, what, crop_offsets(pair_of(result, "crop", x, y, what), x, kwargs["padding"], what)


@pytest.mark.target("RandomCrop")
@pytest.mark.points(1)
def test_crop_windows_of_the_padded_image(shared):
    """labels kept; each output a window of the zero-padded image; padding 0 changes nothing"""
    result, cases, _, _ = crop_run(shared)
    _, x0, y0 = cases["zero"]
    out0 = pair_of(result, "zero", x0, y0, "RandomCrop(padding=0)")
    if np.any(out0 != x0):
        raise wrong(out0, "RandomCrop(padding=0) changed the images", "padding 0")


@pytest.mark.target("RandomCrop")
@pytest.mark.points(1)
def test_crop_offsets_uniform_and_seeded(shared):
    """each image its own offsets, top and left drawn independently and uniformly; seeds reproduce"""
    result, cases, what, (tops, lefts) = crop_run(shared)
    kwargs, x, y = cases["crop"]
    padding = kwargs["padding"]
    n, choices = len(tops), 2 * padding + 1
    for name, offsets in (("top", tops), ("left", lefts)):
        counts = np.bincount(offsets, minlength=choices)
        expected = n / choices
        if np.any(np.abs(counts - expected) > 5 * np.sqrt(expected)):
            raise wrong(counts, "%s: the %s offsets are not spread uniformly over 0 ... %d (counts %s over "
                        "%d images)" % (what, name, 2 * padding, counts.tolist(), n), "the %s offsets" % name)
    same = float(np.mean(tops == lefts))
    if same > 1.0 / choices + 5 * np.sqrt(1.0 / n):
        raise wrong(np.stack([tops, lefts]), "%s: top and left agree for %.0f%% of the images: draw them "
                    "independently" % (what, 100 * same), "independent offsets")
    again = crop_offsets(pair_of(result, "again", x, y, what), x, padding, what)
    if np.any(again[0] != tops) or np.any(again[1] != lefts):
        raise wrong(np.stack(again), "%s: two transforms built with the same seed cropped differently" % what,
                    "the same seed")
    other = crop_offsets(pair_of(result, "other_seed", x, y, what), x, padding, what)
    if np.all(other[0] == tops) and np.all(other[1] == lefts):
        raise wrong(np.stack(other), "%s: another seed cropped exactly the same windows" % what, "another seed")


def gray(x):
    if x.shape[1] == 1:
        return x
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def jitter_cases(rng):
    n = int(rng.integers(150, 200))
    x = rng.uniform(0.3, 0.7, size=(n, 3, 4, 5))  # no clipping at these factors
    x1 = rng.uniform(0.3, 0.7, size=(n, 1, 4, 5))
    y = rng.integers(0, 10, n)
    amounts = [float(rng.uniform(0.3, 0.4)) for _ in range(3)]
    strong = seeded({"brightness": 0.9, "contrast": 0.9, "saturation": 0.9}, rng)
    return {"brightness": (seeded({"brightness": amounts[0]}, rng), x, y),
            "contrast": (seeded({"contrast": amounts[1]}, rng), x, y),
            "saturation": (seeded({"saturation": amounts[2]}, rng), x, y),
            "gray_contrast": (seeded({"contrast": amounts[1], "saturation": 0.5}, rng), x1, y),
            "strong": (strong, x, y), "again": (strong, x, y)}


def factors(out, x, centre, what, name, amount):
    """The factor f with out - centre = f * (x - centre), one per image, checked to be
    one number per image and within [max(0, 1 - amount), 1 + amount]."""
    d_in, d_out = x - centre, out - centre
    f = np.sum(d_in * d_out, axis=(1, 2, 3)) / np.sum(d_in * d_in, axis=(1, 2, 3))
    residual = np.max(np.abs(d_out - f.reshape(-1, 1, 1, 1) * d_in))
    if not residual <= 1e-9:
        raise wrong(out, "%s: the %s change is not one factor per image (error %.1e)" % (what, name, residual),
                    "one %s factor per image" % name)
    low, high = max(0.0, 1.0 - amount), 1.0 + amount
    if np.any(f < low - 1e-9) or np.any(f > high + 1e-9):
        raise wrong(out, "%s: %s factors outside [%.2f, %.2f]" % (what, name, low, high), "the %s bounds" % name)
    if f.max() - f.min() < amount:  # 150 uniform draws cover most of the range
        raise wrong(out, "%s: the %s factors do not spread over [%.2f, %.2f]" % (what, name, low, high),
                    "the %s spread" % name)
    return f


@pytest.mark.target("ColorJitter")
@pytest.mark.points(1)
def test_jitter_each_effect(shared):
    """brightness scales, contrast scales around the mean gray level, saturation around the gray image"""
    result, cases = shared.get("ColorJitter", transforms_problem("ColorJitter", jitter_cases))
    for name in ("brightness", "contrast", "saturation"):
        kwargs, x, y = cases[name]
        what = "ColorJitter(%s=%.2f, seed=...)" % (name, kwargs[name])
        out = pair_of(result, name, x, y, what)
        if name == "brightness":
            centre = 0.0
        elif name == "contrast":
            centre = gray(x).mean(axis=(1, 2, 3), keepdims=True)
        else:
            centre = gray(x)
            if scaled_error(gray(out), centre) > EXACT_TOL:
                raise wrong(out, "%s changed the gray image" % what, "the gray image kept")
        factors(out, x, centre, what, name, kwargs[name])
    kwargs, x1, y = cases["gray_contrast"]
    what = "ColorJitter(contrast=%.2f, saturation=0.5) on one-channel images" % kwargs["contrast"]
    out = pair_of(result, "gray_contrast", x1, y, what)
    factors(out, x1, x1.mean(axis=(1, 2, 3), keepdims=True), what, "contrast", kwargs["contrast"])


@pytest.mark.target("ColorJitter")
@pytest.mark.points(1)
def test_jitter_bounds_and_seed(shared):
    """strong jitter stays within [0, 1] (clipped); the same seed jitters the same way"""
    result, cases = shared.get("ColorJitter", transforms_problem("ColorJitter", jitter_cases))
    kwargs, x, y = cases["strong"]
    what = "ColorJitter(brightness=0.9, contrast=0.9, saturation=0.9, seed=...)"
    out = pair_of(result, "strong", x, y, what)
    if out.min() < 0 or out.max() > 1:
        raise wrong(out, "%s: values outside [0, 1]: clip the result" % what, "clipped")
    if not np.any(out == 1.0) or np.all(np.abs(out - x) < 1e-6):
        raise wrong(out, "%s: expected a strongly jittered minibatch, some pixels clipped at 1" % what,
                    "strong jitter")
    again = pair_of(result, "again", x, y, what)
    if np.any(again != out):
        raise wrong(again, "%s: two transforms built with the same seed gave different images" % what,
                    "the same seed")


# --- conv_fft ----------------------------------------------------------------------------

def direct_conv(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    for k in range(HH):
        for l in range(WW):
            out += np.einsum("nchw,fc->nfhw", xpad[:, :, k:k + stride * H_out:stride, l:l + stride * W_out:stride],
                             w[:, :, k, l])
    return out + b.reshape(1, -1, 1, 1)


def conv_fft_problem(rng):
    cases = []
    for kernel, stride, pad in [((3, 3), 1, 1), ((5, 3), 1, 0), ((7, 7), 2, 3),
                                ((int(rng.integers(2, 6)), int(rng.integers(2, 6))), 2, int(rng.integers(0, 3)))]:
        n, c, f = (int(v) for v in rng.integers(2, 4, 3))
        h, w_ = int(rng.integers(9, 14)), int(rng.integers(9, 14))
        x = rng.normal(size=(n, c, h, w_))
        w = rng.normal(size=(f, c) + kernel)
        b = rng.normal(size=f)
        cases.append((x, w, b, {"stride": stride, "pad": pad}))
    steps = [call(ARCH + "conv_fft", x, w, b, param, save="out%d" % i) for i, (x, w, b, param) in enumerate(cases)]
    return steps, ["out%d" % i for i in range(len(cases))], cases


@pytest.mark.target("conv_fft")
@pytest.mark.points(2)
def test_conv_fft(shared):
    """matches the direct convolution within 1e-8: square and non-square kernels, strides, padding"""
    result, cases = shared.get("conv_fft", conv_fft_problem)
    for i, (x, w, b, param) in enumerate(cases):
        expected = direct_conv(x, w, b, param["stride"], param["pad"])
        expect_near(result["out%d" % i], expected, FFT_TOL,
                    "conv_fft, x of shape %s, w of shape %s, stride %d, pad %d"
                    % (x.shape, w.shape, param["stride"], param["pad"]))
