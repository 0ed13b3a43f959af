"""Hidden graders of the PyTorch models (assignment 2, 7 of 100 points; the notebook's
open-ended challenge, test_pytorch_challenge.py, has the other 3 of its 10).

Raw points add up to 10, scaled to SECTION_WEIGHT.

Tensors never cross the sandbox's boundary: the worker receives arrays and turns them
into tensors with torch's own ``torch.from_numpy`` (a step like any other), calls the
student's function on them, and sends back arrays (the worker converts a returned
tensor with ``.detach().cpu().numpy()``). Gradients come back the same way, from
``torch.autograd.grad`` run in the worker on the student's output. A module is built in
the worker; its ``state_dict`` comes back as arrays, and the reference recomputes its
forward pass from those weights here. Models and data that a check needs but no target
provides (the model that ``train`` trains, the model that ``check_accuracy`` measures)
are built in the worker from torch's own layers, so that each target is graded on its
own code only.

Every reference value is computed here, in the trusted process, by the instructor's
edition of cs231n_core (torch is imported only by the checks that need it, so that the
other sections' graders stay cheap). Inputs are drawn fresh per grading run.

Importing torch costs a worker about a second of CPU time, more than any check here:
so all the checks of one target share one worker run (see SharedRuns). A target whose
code crashes on one of its inputs loses the points of all its checks.

Tolerances: float64 checks 1e-10 and float32 checks 1e-5, both relative to the largest
reference value (max |got - expected| / max |expected|: rounding errors of float32
scale with the values' magnitude, so CS231n's entry-wise relative error would fail
correct code on entries near 0), gradients 1e-9 in float64. Statistics of random
weights within several standard errors of their expected values.
"""
import numpy as np
import pytest

from autograder.trusted.expect import (expect_array, expect_at_least, expect_count, expect_dtype,
                                       expect_gradients, expect_near, wrong)
from autograder.trusted.activations import relu
from autograder.trusted.digits import load_digits
from autograder.trusted.held_out import augment_images, secret_rotation
from autograder.trusted.submission import SubmissionError, call, get, saved
from autograder.trusted.torch_steps import gradient_steps, leaf, seed_of, state_arrays, tensor

SECTION_WEIGHT = 7
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
MODELS = "cs231n_core.pytorch_models:"
F64_TOL = 1e-10
F32_TOL = 1e-5      # the reference itself reaches 7e-7 against float64 (conv, 32x32)
GRAD_TOL = 1e-9
TRAIN_TOL = 1e-8    # two epochs of SGD with momentum in float64, against the reference
INPUTS_DTYPE = " (the dtype of the inputs)"


# --- helpers ---------------------------------------------------------------------

def torch_reference():
    """torch and the instructor's PyTorch models, imported on first use."""
    import torch

    import cs231n_core.pytorch_models as reference_models
    torch.set_num_threads(1)  # small tensors: threads only cost time, as in the worker
    return torch, reference_models


def match_by_shape(state, shapes, what):
    """The arrays of a state_dict in the order of `shapes` (all distinct), or a failure
    naming what is missing or extra."""
    by_shape = {tuple(value.shape): value for value in state.values()}
    got = sorted(tuple(v.shape) for v in state.values())
    if got != sorted(shapes):
        raise wrong(state, "%s: the learnable tensors have shapes %s, expected %s"
                    % (what, got, sorted(shapes)), what + ": the shapes")
    return [by_shape[shape] for shape in shapes]


def expect_kaiming(weight, fan_in, what):
    """The entries' standard deviation is sqrt(2 / fan_in) and their mean 0, within
    3% plus five standard errors."""
    values = np.asarray(weight, dtype=np.float64).ravel()
    target = np.sqrt(2.0 / fan_in)
    tolerance = 0.03 + 5.0 / np.sqrt(2.0 * values.size)
    std = float(values.std())
    if not abs(std / target - 1.0) <= tolerance:
        raise wrong(weight, "%s: standard deviation %.3g, expected about sqrt(2 / fan_in) = "
                    "%.3g (Kaiming normal, fan_in = %d)" % (what, std, target, fan_in), what + ": the spread")
    if not abs(float(values.mean())) <= 5.0 * target / np.sqrt(values.size):
        raise wrong(weight, "%s: the mean of the entries is far from 0" % what, what + ": the mean")


# --- flatten -----------------------------------------------------------------------

def flatten_problem(rng):
    shapes = [(int(rng.integers(2, 6)), 3, 4, 5), (int(rng.integers(2, 6)), 2, 7), (5, 6), (1, 2, 3, 4)]
    inputs = [rng.normal(size=shape) for shape in shapes]
    steps = []
    for i, x in enumerate(inputs):
        steps += [tensor("x%d" % i, x), call(MODELS + "flatten", saved("x%d" % i), save="out%d" % i)]
    return steps, ["out%d" % i for i in range(len(inputs))], inputs


@pytest.mark.target("flatten")
@pytest.mark.points(1)
def test_flatten_shapes(shared):
    """images, 3-d and 2-d inputs and a single example flatten into rows in order"""
    result, inputs = shared.get("flatten", flatten_problem)
    for i, x in enumerate(inputs):
        expect_near(result["out%d" % i], x.reshape(x.shape[0], -1), 0.0,
                    "flatten's output for x of shape %s" % (x.shape,))


# --- random_weight -------------------------------------------------------------------

def random_weight_problem(rng):
    """A fully connected weight in the default dtype, a convolution weight in float64."""
    fc = (int(rng.integers(1200, 1800)), int(rng.integers(30, 50)))
    conv = (int(rng.integers(50, 70)), int(rng.integers(10, 20)), 3, 3)
    steps = [call("torch:manual_seed", seed_of(rng)), get("torch:float64", save="float64"),
             call(MODELS + "random_weight", list(fc), save="fc"),
             call(MODELS + "random_weight", list(conv), dtype=saved("float64"), save="conv")]
    returns = ["fc", "conv"]
    for name in ("fc", "conv"):
        steps += [get(name + ".requires_grad", save=name + "_requires_grad"),
                  get(name + ".is_leaf", save=name + "_is_leaf")]
        returns += [name + "_requires_grad", name + "_is_leaf"]
    return steps, returns, {"fc": fc, "conv": conv}


def expect_random_weight(result, name, shape, fan_in, dtype, what):
    w = result[name]
    expect_array(w, shape, what)
    expect_dtype(w, dtype, what, INPUTS_DTYPE)
    flags = np.array([bool(result[name + "_requires_grad"]), bool(result[name + "_is_leaf"])], dtype=np.float64)
    if not flags.all():
        raise wrong(flags, "%s: the weight must be a leaf tensor that requires gradients "
                    "(set w.requires_grad = True after scaling)" % what, what + ": requires_grad and is_leaf")
    expect_kaiming(w, fan_in, what)
    # Gaussian, not uniform: about 68.3% of the entries lie within one standard deviation
    inside = float(np.mean(np.abs(w) <= np.sqrt(2.0 / fan_in)))
    if not abs(inside - 0.6827) <= 0.02:
        raise wrong(w, "%s: %.1f%% of the entries lie within one standard deviation of "
                    "0, expected 68.3%% for a Gaussian (torch.randn)" % (what, 100 * inside), what + ": a Gaussian")


@pytest.mark.target("random_weight")
@pytest.mark.points(0.5)
def test_random_weight_fully_connected(shared):
    """a fully connected weight (D_in, D_out): Gaussian, std sqrt(2 / D_in), float32, requires grad"""
    result, shapes = shared.get("random_weight", random_weight_problem)
    shape = shapes["fc"]
    expect_random_weight(result, "fc", shape, shape[0], np.float32, "random_weight(%s)" % (shape,))


@pytest.mark.target("random_weight")
@pytest.mark.points(0.5)
def test_random_weight_convolution(shared):
    """a convolution weight (F, C, HH, WW): std sqrt(2 / (C * HH * WW)); dtype=float64 is honoured"""
    result, shapes = shared.get("random_weight", random_weight_problem)
    shape = shapes["conv"]
    expect_random_weight(result, "conv", shape, int(np.prod(shape[1:])), np.float64,
                         "random_weight(%s, dtype=torch.float64)" % (shape,))


# --- two_layer_fc --------------------------------------------------------------------

def two_layer_fc_inputs(rng, dtype):
    n, hidden, classes = int(rng.integers(3, 8)), int(rng.integers(8, 20)), 7
    x = rng.normal(size=(n, 3, 4, 5)).astype(dtype)
    w1 = (rng.normal(size=(60, hidden)) * 0.2).astype(dtype)
    w2 = (rng.normal(size=(hidden, classes)) * 0.3).astype(dtype)
    return x, w1, w2


def two_layer_fc_expected(x, w1, w2):
    x, w1, w2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, w2))
    return relu(x.reshape(x.shape[0], -1) @ w1) @ w2


def two_layer_fc_problem(rng):
    """Values in float64 and float32; gradients of a third problem (float64)."""
    problems = [two_layer_fc_inputs(rng, np.float64), two_layer_fc_inputs(rng, np.float32)]
    steps = []
    for i, (x, w1, w2) in enumerate(problems):
        steps += [tensor("x%d" % i, x), tensor("wa%d" % i, w1), tensor("wb%d" % i, w2),
                  call(MODELS + "two_layer_fc", saved("x%d" % i), [saved("wa%d" % i), saved("wb%d" % i)],
                       save="scores%d" % i)]
    x, w1, w2 = two_layer_fc_inputs(rng, np.float64)
    dout = rng.normal(size=(x.shape[0], w2.shape[1]))
    steps += (leaf("gx", x) + leaf("gw1", w1) + leaf("gw2", w2)
              + [call(MODELS + "two_layer_fc", saved("gx"), [saved("gw1"), saved("gw2")], save="gscores")]
              + gradient_steps("gscores", ["gx", "gw1", "gw2"], save="grads", dout=dout))
    return steps, ["scores0", "scores1", "grads"], {"values": problems, "grads": (x, w1, w2, dout)}


@pytest.mark.target("two_layer_fc")
@pytest.mark.points(0.5)
def test_two_layer_fc_values(shared):
    """scores match the reference on images, in float64 and float32"""
    result, context = shared.get("two_layer_fc", two_layer_fc_problem)
    for i, ((x, w1, w2), tol) in enumerate(zip(context["values"], (F64_TOL, F32_TOL))):
        what = "two_layer_fc's scores in %s" % x.dtype
        expect_near(result["scores%d" % i], two_layer_fc_expected(x, w1, w2), tol, what)
        expect_dtype(result["scores%d" % i], x.dtype, what, INPUTS_DTYPE)


@pytest.mark.target("two_layer_fc")
@pytest.mark.points(0.5)
def test_two_layer_fc_gradients(shared):
    """autograd's gradients with respect to x, w1 and w2 match the reference"""
    result, context = shared.get("two_layer_fc", two_layer_fc_problem)
    x, w1, w2, dout = context["grads"]
    flat_x = x.reshape(len(x), -1)
    pre = flat_x @ w1
    dhidden = (dout @ w2.T) * (pre > 0)
    expected = [(dhidden @ w1.T).reshape(x.shape), flat_x.T @ dhidden, relu(pre).T @ dout]
    expect_gradients(result["grads"], expected, ["x", "w1", "w2"], "two_layer_fc", GRAD_TOL)


# --- three_layer_convnet -------------------------------------------------------------

def convnet_params(rng, in_channel, channel_1, channel_2, height, width, classes, dtype):
    shapes = [(channel_1, in_channel, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
              (channel_2 * height * width, classes), (classes,)]
    fan_ins = [in_channel * 25, 1, channel_1 * 9, 1, channel_2 * height * width, 1]
    return [(rng.normal(size=s) * (np.sqrt(2.0 / f) if len(s) > 1 else 0.1)).astype(dtype)
            for s, f in zip(shapes, fan_ins)]


def convnet_expected(x, params):
    """(x, params, scores) of the reference three_layer_convnet, as float64 tensors."""
    torch, reference_models = torch_reference()
    tensors = [torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True) for p in params]
    inputs = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    return inputs, tensors, reference_models.three_layer_convnet(inputs, tensors)


def convnet_steps(tag, x, params, make=None):
    make = make or (lambda name, value: [tensor(name, value)])
    names = ["%s_p%d" % (tag, k) for k in range(len(params))]
    steps = make(tag + "_x", x)
    for name, value in zip(names, params):
        steps += make(name, value)
    steps.append(call(MODELS + "three_layer_convnet", saved(tag + "_x"), [saved(n) for n in names],
                      save=tag + "_scores"))
    return steps, [tag + "_x"] + names


def three_layer_convnet_problem(rng):
    """CS231n's shapes in float32; odd sizes in float64; gradients in float64."""
    cs231n = rng.normal(size=(int(rng.integers(2, 5)), 3, 32, 32)).astype(np.float32)
    problems = {"cs231n": (cs231n, convnet_params(rng, 3, int(rng.integers(5, 9)), int(rng.integers(9, 12)),
                                                  32, 32, 10, np.float32))}
    for tag, n, (height, width) in (("odd", int(rng.integers(2, 5)), (9, 7)), ("one", 1, (6, 11))):
        problems[tag] = (rng.normal(size=(n, 1, height, width)),
                         convnet_params(rng, 1, 4, 5, height, width, 3, np.float64))
    steps = []
    for tag, (x, params) in problems.items():
        steps += convnet_steps(tag, x, params)[0]
    x, params = rng.normal(size=(3, 2, 7, 8)), convnet_params(rng, 2, 4, 5, 7, 8, 6, np.float64)
    dout = rng.normal(size=(3, 6))
    grad_steps, names = convnet_steps("grad", x, params, make=leaf)
    steps += grad_steps + gradient_steps("grad_scores", names, save="grads", dout=dout)
    returns = [tag + "_scores" for tag in problems] + ["grads"]
    return steps, returns, {"values": problems, "grads": (x, params, dout)}


@pytest.mark.target("three_layer_convnet")
@pytest.mark.points(1)
def test_three_layer_convnet_cs231n_shapes(shared):
    """scores match the reference on CS231n's shapes (3x32x32 images), float32"""
    result, context = shared.get("three_layer_convnet", three_layer_convnet_problem)
    x, params = context["values"]["cs231n"]
    expected = convnet_expected(x, params)[2].detach().numpy()
    what = "three_layer_convnet's scores for x of shape %s" % (x.shape,)
    expect_near(result["cs231n_scores"], expected, F32_TOL, what)
    expect_dtype(result["cs231n_scores"], np.float32, what, INPUTS_DTYPE)


@pytest.mark.target("three_layer_convnet")
@pytest.mark.points(0.5)
def test_three_layer_convnet_odd_sizes(shared):
    """scores match the reference for one input channel, non-square images, one example, float64"""
    result, context = shared.get("three_layer_convnet", three_layer_convnet_problem)
    for tag in ("odd", "one"):
        x, params = context["values"][tag]
        expected = convnet_expected(x, params)[2].detach().numpy()
        expect_near(result[tag + "_scores"], expected, F64_TOL,
                    "three_layer_convnet's scores for x of shape %s" % (x.shape,))


@pytest.mark.target("three_layer_convnet")
@pytest.mark.points(0.5)
def test_three_layer_convnet_gradients(shared):
    """autograd's gradients with respect to x and all six parameters match the reference"""
    result, context = shared.get("three_layer_convnet", three_layer_convnet_problem)
    x, params, dout = context["grads"]
    torch, _ = torch_reference()
    inputs, tensors, scores = convnet_expected(x, params)
    expected = torch.autograd.grad((scores * torch.from_numpy(dout)).sum(), [inputs] + tensors)
    names = ["x", "conv_w1", "conv_b1", "conv_w2", "conv_b2", "fc_w", "fc_b"]
    expect_gradients(result["grads"], [g.numpy() for g in expected], names, "three_layer_convnet", GRAD_TOL)


# --- the modules: TwoLayerFC and ThreeLayerConvNet (TorchThreeLayerConvNet) ----------

def module_steps(path, args, kwargs, seed, x):
    """Steps that build the module in the worker and save its state_dict ("state"), its
    parameter count ("count") and its float64 scores for x ("scores")."""
    name = path.split(":")[-1]  # error messages then say "ThreeLayerConvNet raised ..."
    steps = [call("torch:manual_seed", seed),
             call(path, *args, save=name, **kwargs),
             call(name + ".state_dict", save="initial"),
             call(MODELS + "count_params", saved(name), save="count"),
             call(name + ".double"), tensor("x", x), call(name, saved("x"), save="scores")]
    return steps, ["initial", "count", "scores"]


def two_layer_fc_module_problem(rng):
    image, hidden, classes = (3, 5, 10), int(rng.integers(180, 220)), int(rng.integers(12, 16))
    size = int(np.prod(image))
    x = rng.normal(size=(int(rng.integers(3, 7)),) + image)
    steps, returns = module_steps(MODELS + "TwoLayerFC", [size, hidden, classes], {}, seed_of(rng), x)
    shapes = [(hidden, size), (hidden,), (classes, hidden), (classes,)]
    return steps, returns, {"x": x, "shapes": shapes, "what": "TwoLayerFC(%d, %d, %d)" % (size, hidden, classes)}


@pytest.mark.target("TwoLayerFC")
@pytest.mark.points(0.5)
def test_two_layer_fc_module_layers(shared):
    """two nn.Linear layers with biases, their weights Kaiming normal"""
    result, context = shared.get("TwoLayerFC", two_layer_fc_module_problem)
    (hidden, size), _, (classes, _), _ = shapes = context["shapes"]
    what = context["what"]
    expect_count(result["count"], sum(int(np.prod(s)) for s in shapes), what)
    w1, _, w2, _ = match_by_shape(state_arrays(result["initial"]), shapes, what)
    expect_kaiming(w1, size, what + ": the weight of fc1")
    expect_kaiming(w2, hidden, what + ": the weight of fc2")


@pytest.mark.target("TwoLayerFC")
@pytest.mark.points(0.5)
def test_two_layer_fc_module_forward(shared):
    """forward equals flatten - fc1 - ReLU - fc2 computed with the module's own weights"""
    result, context = shared.get("TwoLayerFC", two_layer_fc_module_problem)
    x, what = context["x"], context["what"]
    w1, b1, w2, b2 = (a.astype(np.float64) for a in
                      match_by_shape(state_arrays(result["initial"]), context["shapes"], what))
    expected = relu(x.reshape(x.shape[0], -1) @ w1.T + b1) @ w2.T + b2
    expect_near(result["scores"], expected, F64_TOL, what + "'s scores (module in float64)")


def torch_convnet_problem(rng):
    in_channel, channel_1, channel_2, classes = 3, int(rng.integers(10, 14)), int(rng.integers(6, 10)), 7
    height, width = int(rng.integers(8, 11)), int(rng.integers(11, 14))
    x = rng.normal(size=(int(rng.integers(2, 5)), in_channel, height, width))
    steps, returns = module_steps(MODELS + "ThreeLayerConvNet", [in_channel, channel_1, channel_2, classes],
                                  {"image_size": [height, width]}, seed_of(rng), x)
    shapes = [(channel_1, in_channel, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
              (classes, channel_2 * height * width), (classes,)]
    what = "ThreeLayerConvNet(%d, %d, %d, %d, image_size=(%d, %d))" % (
        in_channel, channel_1, channel_2, classes, height, width)
    return steps, returns, {"x": x, "shapes": shapes, "what": what}


@pytest.mark.target("TorchThreeLayerConvNet")
@pytest.mark.points(1)
def test_torch_convnet_layers(shared):
    """conv 5x5, conv 3x3, fully connected, all with biases, sized for non-square images; Kaiming normal weights"""
    result, context = shared.get("TorchThreeLayerConvNet", torch_convnet_problem)
    shapes, what = context["shapes"], context["what"]
    expect_count(result["count"], sum(int(np.prod(s)) for s in shapes), what)
    conv_w1, _, conv_w2, _, fc_w, _ = match_by_shape(state_arrays(result["initial"]), shapes, what)
    expect_kaiming(conv_w1, int(np.prod(shapes[0][1:])), what + ": the first convolution's weight")
    expect_kaiming(conv_w2, int(np.prod(shapes[2][1:])), what + ": the second convolution's weight")
    expect_kaiming(fc_w, shapes[4][1], what + ": the fully connected weight")


@pytest.mark.target("TorchThreeLayerConvNet")
@pytest.mark.points(1)
def test_torch_convnet_forward(shared):
    """forward equals three_layer_convnet computed with the module's own weights"""
    result, context = shared.get("TorchThreeLayerConvNet", torch_convnet_problem)
    x, what = context["x"], context["what"]
    params = match_by_shape(state_arrays(result["initial"]), context["shapes"], what)
    params[4] = params[4].T  # nn.Linear keeps (out, in); the barebones layout is (in, out)
    expected = convnet_expected(x, params)[2].detach().numpy()
    expect_near(result["scores"], expected, F64_TOL, what + "'s scores (module in float64)")


# --- check_accuracy ------------------------------------------------------------------

def batchnorm_linear_steps(params):
    """Steps building nn.Sequential(nn.BatchNorm1d(D), nn.Linear(D, C)) in float64 with
    the given weights and running averages, left in training mode."""
    dim, classes = params["weight"].shape[1], params["weight"].shape[0]
    names = {"0.weight": "gamma", "0.bias": "beta", "0.running_mean": "running_mean",
             "0.running_var": "running_var", "1.weight": "weight", "1.bias": "bias"}
    steps = [call("torch.nn:BatchNorm1d", dim, save="norm"), call("torch.nn:Linear", dim, classes, save="linear"),
             call("torch.nn:Sequential", saved("norm"), saved("linear"), save="model"), call("model.double")]
    steps += [tensor("state_" + key, params[key]) for key in names.values()]
    steps.append(call("model.load_state_dict", {name: saved("state_" + key) for name, key in names.items()},
                      strict=False))
    return steps


def batchnorm_linear_scores(params, x):
    """The scores of that model in evaluation mode (running averages)."""
    normed = (x - params["running_mean"]) / np.sqrt(params["running_var"] + 1e-5)
    return (normed * params["gamma"] + params["beta"]) @ params["weight"].T + params["bias"]


def check_accuracy_problem(rng):
    dim, classes, n = 6, 5, int(rng.integers(120, 140))
    params = {"gamma": rng.uniform(0.5, 2.0, dim), "beta": rng.normal(size=dim),
              "running_mean": rng.normal(size=dim) + 2.0, "running_var": rng.uniform(3.0, 6.0, dim),
              "weight": rng.normal(size=(classes, dim)), "bias": rng.normal(size=classes)}
    x = rng.normal(size=(n, dim))
    right = np.argmax(batchnorm_linear_scores(params, x), axis=1)
    y = np.where(rng.random(n) < 0.7, right, rng.integers(0, classes, n))
    batch = int(rng.integers(20, 40))
    while n % batch in (0, 1) or n % (batch + 7) in (0, 1):  # a partial last batch of 2 or more
        batch += 1
    steps = batchnorm_linear_steps(params) + [
        call(MODELS + "check_accuracy", [x, y], saved("model"), "cpu", batch_size=batch, save="from_arrays"),
        call(MODELS + "as_loader", [x, y], batch_size=batch + 7, save="loader"),
        call(MODELS + "check_accuracy", saved("loader"), saved("model"), "cpu", save="from_loader")]
    return steps, ["from_arrays", "from_loader"], {"n": n, "batch": batch,
                                                   "expected": float(np.mean(right == y))}


# A model whose scores are whole numbers (the identity on x): an accuracy of 0 on the
# graded problems, which any code that counts nothing right gives, says more here (a
# highest score taken for its index equals a label now and then). Run only after such
# a failure, for the diagnosis: it changes no check.
WHOLE_SCORES_X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.5, 3.0], [4.0, 0.0]])
WHOLE_SCORES_Y = np.array([1, 1, 0, 0, 0])


def whole_scores_problem(rng):
    steps = [call("torch.nn:Linear", 2, 2, bias=False, save="identity"), call("identity.double"),
             tensor("eye", np.eye(2)), call("identity.load_state_dict", {"weight": saved("eye")}),
             call(MODELS + "check_accuracy", [WHOLE_SCORES_X, WHOLE_SCORES_Y], saved("identity"), "cpu",
                  batch_size=2, save="accuracy")]
    return steps, ["accuracy"], None


def accuracy_answer(shared, accuracy):
    """The answer a failed check of check_accuracy judges: the accuracy returned, and when
    it is 0, the accuracy on whole-number scores too (when that run works)."""
    if float(accuracy.reshape(())) != 0:
        return accuracy
    try:
        result, _ = shared.get("check_accuracy:whole scores", whole_scores_problem)
    except SubmissionError:
        return accuracy
    return accuracy, np.asarray(result["accuracy"], dtype=np.float64)


@pytest.mark.target("check_accuracy")
@pytest.mark.points(1)
def test_check_accuracy(shared):
    """the fraction right over every minibatch (the last one partial), the model in evaluation mode"""
    result, context = shared.get("check_accuracy", check_accuracy_problem)
    n, batch, expected = context["n"], context["batch"], context["expected"]
    for key, what in (("from_arrays", "arrays in minibatches of %d" % batch),
                      ("from_loader", "a DataLoader of minibatches of %d" % (batch + 7))):
        answer = np.asarray(result[key], dtype=np.float64)
        if answer.size != 1:
            raise wrong(answer, "check_accuracy must return one number, got an array of shape %s"
                        % (answer.shape,), "one number")
        accuracy = float(answer.reshape(()))
        if not abs(accuracy - expected) <= 1e-9:
            hint = " (a fraction in [0, 1] is expected, not a percentage)" if accuracy > 1 else ""
            raise wrong(accuracy_answer(shared, answer), "check_accuracy on %d examples given as %s "
                        "(model with batch normalization): %.4f, expected %.4f%s"
                        % (n, what, accuracy, expected, hint), "the accuracy from " + key)


# --- train ---------------------------------------------------------------------------

def mlp_steps(tag, dims, batchnorm, state):
    """Steps building Flatten - Linear - [BatchNorm1d] - ReLU - Linear from torch's own
    layers in the worker, float64, loaded with `state` (a dict of arrays); saved as tag."""
    layers = [call("torch.nn:Flatten"), call("torch.nn:Linear", dims[0], dims[1])]
    if batchnorm:
        layers.append(call("torch.nn:BatchNorm1d", dims[1]))
    layers += [call("torch.nn:ReLU"), call("torch.nn:Linear", dims[1], dims[2])]
    names = ["%s_layer%d" % (tag, i) for i in range(len(layers))]
    for step, name in zip(layers, names):
        step["save"] = name
    steps = layers + [call("torch.nn:Sequential", *[saved(n) for n in names], save=tag),
                      call(tag + ".double")]
    keys = list(state)
    steps += [tensor("%s_init%d" % (tag, i), state[key]) for i, key in enumerate(keys)]
    steps.append(call(tag + ".load_state_dict", {key: saved("%s_init%d" % (tag, i)) for i, key in enumerate(keys)}))
    return steps


def reference_mlp(torch, dims, batchnorm, state):
    nn = torch.nn
    layers = [nn.Flatten(), nn.Linear(dims[0], dims[1])] + ([nn.BatchNorm1d(dims[1])] if batchnorm else [])
    model = nn.Sequential(*layers, nn.ReLU(), nn.Linear(dims[1], dims[2])).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return model


def random_mlp_state(rng, dims, batchnorm):
    """Initial weights (and batch norm's state) of that model, drawn here."""
    state = {"1.weight": rng.normal(size=(dims[1], dims[0])) * np.sqrt(2.0 / dims[0]),
             "1.bias": rng.normal(size=dims[1]) * 0.1}
    last = 4 if batchnorm else 3
    if batchnorm:
        state.update({"2.weight": rng.uniform(0.5, 1.5, dims[1]), "2.bias": rng.normal(size=dims[1]) * 0.1,
                      "2.running_mean": np.zeros(dims[1]), "2.running_var": np.ones(dims[1]),
                      "2.num_batches_tracked": np.array(0, dtype=np.int64)})
    state.update({"%d.weight" % last: rng.normal(size=(dims[2], dims[1])) * np.sqrt(1.0 / dims[1]),
                  "%d.bias" % last: np.zeros(dims[2])})
    return state


class ReferenceSGD:
    """torch.optim.SGD's update with momentum (no dampening, no weight decay), for the
    reference runs here: the instructor's train only calls zero_grad() and step(), and
    torch's own optimizers import torch._dynamo on first use, a second of CPU time."""

    def __init__(self, params, lr, momentum):
        self.params, self.lr, self.momentum, self.buffers = list(params), lr, momentum, {}

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        import torch

        with torch.no_grad():
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                if i in self.buffers:
                    self.buffers[i].mul_(self.momentum).add_(p.grad)
                else:
                    self.buffers[i] = p.grad.clone()
                p.add_(self.buffers[i], alpha=-self.lr)


def optimizer_steps(model, learning_rate, momentum):
    return [call(model + ".parameters", save=model + "_parameters"),
            call("torch.optim:SGD", saved(model + "_parameters"), lr=learning_rate, momentum=momentum,
                 save=model + "_optimizer")]


def digits_images(rng):
    """The digits as (N, 1, 8, 8) images, standardized with the training set's
    statistics: 1000 for training, 797 held out. Every image is distorted afresh and
    the pixels are rotated by a secret orthogonal matrix (references.augment_images,
    secret_rotation), so that no input is in a file the worker can read; the fully
    connected net learns them as well as plain pixels."""
    pixels, labels = load_digits()
    order = rng.permutation(len(labels))
    train, test = order[:1000], order[1000:]
    X_train, X_test = (augment_images(rng, pixels[rows], 8, 16.0, DISTORTION) / 16.0
                       for rows in (train, test))
    mean, std = X_train.mean(), X_train.std()
    rotation = secret_rotation(rng, pixels.shape[1])
    X_train, X_test = (((X - mean) / std @ rotation).reshape(-1, 1, 8, 8) for X in (X_train, X_test))
    y = labels.astype(np.int64)
    return X_train, y[train], X_test, y[test]


# Exact check: two epochs of SGD with momentum over a shuffled loader of 80 examples, the
# model (with batch normalization) handed over in evaluation mode.
EXACT = {"dims": (12, 10, 4), "n": 80, "batch": 16, "lr": 0.05, "momentum": 0.9, "epochs": 2}
# Held-out accuracy on the digits, none of which is in a file the worker can read
# (digits_images: the nearest public image's label is right for at most 11% of them):
# the reference reaches 83.7% to 89.8% (mean 87.8%) over 10 random splits x 3 initial
# states; the student's net starts from the same state. Required: the reference's
# accuracy on the same split and seed, less the margin.
DIGITS = {"dims": (64, 48, 10), "epochs": 5, "batch": 50, "lr": 0.05, "momentum": 0.9}
DISTORTION = 0.5
ACCURACY_MARGIN = 0.03


def train_problem(rng):
    exact = dict(EXACT, seed=seed_of(rng))
    exact["state"] = random_mlp_state(rng, exact["dims"], batchnorm=True)
    exact["x"] = rng.normal(size=(exact["n"], 3, 2, 2)) + 0.5
    exact["y"] = rng.integers(0, exact["dims"][2], exact["n"])
    steps = mlp_steps("exact", exact["dims"], True, exact["state"]) + [call("exact.eval")]
    steps += optimizer_steps("exact", exact["lr"], exact["momentum"]) + [
        call(MODELS + "as_loader", [exact["x"], exact["y"]], batch_size=exact["batch"], shuffle=True,
             seed=exact["seed"], save="exact_loader"),
        call(MODELS + "train", saved("exact"), saved("exact_optimizer"), saved("exact_loader"),
             epochs=exact["epochs"], device="cpu", progress=False),
        call("exact.state_dict", save="exact_trained")]

    digits = dict(DIGITS, seed=seed_of(rng))
    digits["X_train"], digits["y_train"], digits["X_test"], digits["y_test"] = digits_images(rng)
    digits["state"] = random_mlp_state(rng, digits["dims"], batchnorm=False)
    steps += [call("torch:manual_seed", digits["seed"])] + mlp_steps("digits", digits["dims"], False, digits["state"])
    steps += optimizer_steps("digits", digits["lr"], digits["momentum"]) + [
        call(MODELS + "train", saved("digits"), saved("digits_optimizer"), [digits["X_train"], digits["y_train"]],
             epochs=digits["epochs"], device="cpu", batch_size=digits["batch"], progress=False),
        tensor("held_out", digits["X_test"]), call("digits", saved("held_out"), save="digits_scores")]
    return steps, ["exact_trained", "digits_scores"], {"exact": exact, "digits": digits}


def train_run(shared, part):
    """(the worker's results of train_problem, its `part`: "exact" or "digits")."""
    result, context = shared.get("train", train_problem)
    return result, context[part]


def reference_trainee(part, batchnorm, seeded=False):
    """(torch, the instructor's pytorch_models, the reference model with the initial state
    of train_problem's `part`, its SGD optimizer), torch's generator first seeded with the
    part's seed when `seeded`, as the worker's was."""
    torch, reference_models = torch_reference()
    if seeded:
        torch.manual_seed(part["seed"])
    model = reference_mlp(torch, part["dims"], batchnorm, part["state"])
    optimizer = ReferenceSGD(model.parameters(), lr=part["lr"], momentum=part["momentum"])
    return torch, reference_models, model, optimizer


@pytest.mark.target("train")
@pytest.mark.points(0.5)
def test_train_steps_like_the_reference(shared):
    """two epochs of SGD with momentum give the reference's weights and batch norm averages"""
    result, exact = train_run(shared, "exact")
    _, reference_models, model, optimizer = reference_trainee(exact, batchnorm=True)
    model.eval()
    loader = reference_models.as_loader([exact["x"], exact["y"]], batch_size=exact["batch"], shuffle=True,
                                        seed=exact["seed"])
    reference_models.train(model, optimizer, loader, epochs=exact["epochs"], device="cpu", progress=False)
    trained = state_arrays(result["exact_trained"])
    for key, value in model.state_dict().items():
        if key not in trained:
            raise wrong(trained, "the trained model lost its %r" % key, "the trained state's keys")
        expect_near(trained[key], value.numpy(), TRAIN_TOL,
                    "after train(..., epochs=%d), the model's %r (a model with batch normalization "
                    "handed over in evaluation mode; SGD with momentum, minibatches of %d)"
                    % (exact["epochs"], key, exact["batch"]))


@pytest.mark.target("train")
@pytest.mark.points(0.5)
def test_train_reaches_the_reference_accuracy(shared):
    """a small net trained with train on handwritten digits: held-out accuracy within 3 points of the reference"""
    result, digits = train_run(shared, "digits")
    torch, reference_models, model, optimizer = reference_trainee(digits, batchnorm=False, seeded=True)
    reference_models.train(model, optimizer, [digits["X_train"], digits["y_train"]], epochs=digits["epochs"],
                           device="cpu", batch_size=digits["batch"], progress=False)
    with torch.no_grad():
        predictions = model(torch.from_numpy(digits["X_test"])).argmax(1).numpy()
    reference_accuracy = float(np.mean(predictions == digits["y_test"]))
    scores = result["digits_scores"]
    expect_array(scores, (len(digits["y_test"]), 10), "the scores of the trained net on held-out data")
    accuracy = float(np.mean(np.argmax(scores, axis=1) == digits["y_test"]))
    expect_at_least(accuracy, reference_accuracy - ACCURACY_MARGIN,
                    "held-out accuracy of a net trained with train on digits",
                    " (the reference reaches %.3f; margin %.2f)" % (reference_accuracy, ACCURACY_MARGIN))
