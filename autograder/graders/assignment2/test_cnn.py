"""Hidden graders of the naive convolution and max pooling layers and ThreeLayerConvNet
(assignment 2: 18 of the convolutional networks' 30 points; the fast layers and the
spatial normalization layers have graders of their own).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.

Inputs are drawn fresh for every grading run, with odd sizes, strides and paddings; the
reference answers are computed here, in the trusted process, by the instructor's edition
of cs231n_core. Each backward pass gets the cache that CS231n's forward pass builds
((x, w, b, conv_param) for a convolution, (x, pool_param) for a max pooling), so that a
wrong forward pass costs only its own points. ThreeLayerConvNet is built from the fast
layers and the layers of assignment 1: it is only as right as they are.

Tolerances are CS231n's: relative error 1e-9 for layer values and gradients against the
reference (the same sums agree to rounding), 1e-7 against a numerical gradient of the
reference (centred differences, which the reference itself passes on these inputs:
checked here before the student's answer is), 1e-7 for the network's loss and gradients.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_at_least, expect_close
from cs231n_core.gradient_check import rel_error
from autograder.trusted.digits import load_digits
from autograder.trusted.held_out import augment_images
from autograder.trusted.submission import call, forward_outputs, get
from autograder.graders.answers import (expect_gaussian_init, expect_grads, expect_numeric_gradient,
                                        numeric_net_problem, scalar, unpack)
from autograder.graders.graded import graded
from autograder.graders.trained import trained_accuracies
from cs231n_core import gradient_check
from cs231n_core import layers as reference_layers
from cs231n_core.classifiers import cnn as reference_cnn

SECTION_WEIGHT = 18
LAYERS = "cs231n_core.layers:"
CONVNET = "cs231n_core.classifiers.cnn:ThreeLayerConvNet"
LAYER_TOL = 1e-9
NUMERIC_TOL = 1e-7
NET_TOL = 1e-7
NET_NUMERIC_TOL = 1e-5
PARAM_NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")


# --- helpers ---------------------------------------------------------------------------


def backward_results(submission, name, arg_lists):
    """What a backward function returns for each list of arguments, in one worker run."""
    steps = [call(LAYERS + name, *args, save="grads%d" % i) for i, args in enumerate(arg_lists)]
    result = submission.run(steps, returns=["grads%d" % i for i in range(len(arg_lists))])
    return [result["grads%d" % i] for i in range(len(arg_lists))]


def describe(shape, param):
    return "x of shape %s with %s" % (tuple(shape), ", ".join(
        "%s=%s" % (k, param[k]) for k in sorted(param)))


# --- convolution: problems -------------------------------------------------------------

def conv_case(rng, N, C, H, W, F, HH, WW, stride, pad):
    """A problem whose padded input holds a whole number of strides (CS231n's assumption)."""
    H += (H + 2 * pad - HH) % stride and stride - (H + 2 * pad - HH) % stride
    W += (W + 2 * pad - WW) % stride and stride - (W + 2 * pad - WW) % stride
    x = rng.normal(size=(N, C, H, W)) * rng.uniform(0.5, 2.0)
    w = rng.normal(size=(F, C, HH, WW))
    b = rng.normal(size=F)
    return x, w, b, {"stride": stride, "pad": pad}


def odd_conv_cases(rng):
    """Odd sizes, non-square filters, strides 1 to 3, paddings 0 to 2, one example,
    one channel, one filter, a filter as large as the input."""
    r = lambda low, high: int(rng.integers(low, high + 1))  # noqa: E731
    return [conv_case(rng, r(2, 3), r(2, 4), r(5, 9), r(5, 9), r(2, 5), 3, 3, 1, 1),
            conv_case(rng, 1, r(1, 3), r(6, 11), r(6, 11), r(2, 4), r(2, 3), r(4, 5), 2, r(1, 2)),
            conv_case(rng, r(2, 3), 1, r(7, 10), r(7, 10), 1, 3, 3, 3, 0),
            conv_case(rng, 2, r(2, 3), 5, 4, r(2, 3), 5, 4, 1, 0),
            conv_case(rng, r(1, 2), r(2, 3), r(4, 7), r(4, 7), r(2, 3), 1, 1, 1, 2)]


def cs231n_conv_cases(rng):
    """CS231n's shapes (x (2, 3, 4, 4), w (3, 3, 4, 4), stride 2, pad 1), random values."""
    return [conv_case(rng, 2, 3, 4, 4, 3, 4, 4, 2, 1)]


def check_conv_forward(submission, rng, cases):
    """The output for each problem of cases(rng), in one worker run."""
    problems = cases(rng)
    outs = forward_outputs(submission, LAYERS + "conv_forward_naive", problems)
    for (x, w, b, conv_param), out in zip(problems, outs):
        expected = reference_layers.conv_forward_naive(x, w, b, conv_param)[0]
        expect_close(out, expected, LAYER_TOL, "conv_forward_naive's output for %s and w of shape %s"
                     % (describe(x.shape, conv_param), w.shape))


def conv_backward_problems(rng, problems):
    with_dout = []
    for x, w, b, conv_param in problems:
        out, cache = reference_layers.conv_forward_naive(x, w, b, conv_param)
        with_dout.append((rng.normal(size=out.shape), cache))
    return with_dout


def check_conv_backward(submission, rng, cases):
    """dx, dw and db for each problem of cases(rng), in one worker run."""
    problems = cases(rng)
    with_dout = conv_backward_problems(rng, problems)
    results = backward_results(submission, "conv_backward_naive", with_dout)
    for (dout, cache), result in zip(with_dout, results):
        expected = reference_layers.conv_backward_naive(dout, cache)
        got = unpack(result, 3, "conv_backward_naive")
        for name, value, reference in zip(("dx", "dw", "db"), got, expected):
            expect_close(value, reference, LAYER_TOL, "conv_backward_naive's %s for %s and w of shape %s"
                         % (name, describe(cache[0].shape, cache[3]), cache[1].shape))


# --- conv_forward_naive ----------------------------------------------------------------

ODD_CONV_SHAPES = "odd sizes, non-square filters, strides 1 to 3, paddings 0 to 2"

test_conv_forward_values = graded("conv_forward_naive", 1, "output matches the reference on CS231n's shapes "
                                  "(stride 2, pad 1)", check_conv_forward, cs231n_conv_cases)
test_conv_forward_odd_shapes = graded("conv_forward_naive", 2, ODD_CONV_SHAPES, check_conv_forward, odd_conv_cases)


# --- conv_backward_naive ---------------------------------------------------------------

test_conv_backward_values = graded("conv_backward_naive", 1, "dx, dw and db match the reference on CS231n's "
                                   "shapes (stride 2, pad 1)", check_conv_backward, cs231n_conv_cases)
test_conv_backward_odd_shapes = graded("conv_backward_naive", 2, ODD_CONV_SHAPES, check_conv_backward, odd_conv_cases)


@pytest.mark.target("conv_backward_naive")
@pytest.mark.points(1)
def test_conv_backward_numerical(submission, rng):
    """dx, dw and db match numerical gradients of the convolution"""
    forward = reference_layers.conv_forward_naive
    for _ in range(20):  # redraw the rare inputs on which centred differences lose digits
        x, w, b, conv_param = conv_case(rng, 2, 2, 5, 6, 2, 3, 3, 2, 1)
        (dout, cache), = conv_backward_problems(rng, [(x, w, b, conv_param)])
        numerical = gradient_check.eval_numerical_gradient_array
        numeric = (numerical(lambda v: forward(v, w, b, conv_param)[0], x.copy(), dout),
                   numerical(lambda v: forward(x, v, b, conv_param)[0], w.copy(), dout),
                   numerical(lambda v: forward(x, w, v, conv_param)[0], b.copy(), dout))
        expected = reference_layers.conv_backward_naive(dout, cache)
        if all(rel_error(e, n) <= NUMERIC_TOL for e, n in zip(expected, numeric)):
            break
    got = unpack(backward_results(submission, "conv_backward_naive", [(dout, cache)])[0], 3,
                    "conv_backward_naive")
    for name, value, reference, numerical in zip(("dx", "dw", "db"), got, expected, numeric):
        expect_numeric_gradient(value, reference, numerical, NUMERIC_TOL, "conv_backward_naive's " + name)


# --- max pooling: problems -------------------------------------------------------------

def pool_case(rng, N, C, H, W, pool_height, pool_width, stride, ties=False):
    if ties:  # few distinct values: most windows hold their maximum more than once
        x = rng.integers(-2, 3, size=(N, C, H, W)).astype(np.float64)
    else:
        x = rng.normal(size=(N, C, H, W)) * rng.uniform(0.5, 2.0)
    return x, {"pool_height": pool_height, "pool_width": pool_width, "stride": stride}


def odd_pool_cases(rng):
    """Non-square windows, overlapping windows (stride < window), leftover rows and
    columns, strides 1 to 3, a window as large as the input."""
    r = lambda low, high: int(rng.integers(low, high + 1))  # noqa: E731
    return [pool_case(rng, r(2, 3), r(2, 4), r(5, 9), r(5, 9), 3, 2, 2),
            pool_case(rng, 1, r(1, 3), r(6, 9), r(6, 9), 3, 3, 1),
            pool_case(rng, r(2, 3), r(1, 2), r(7, 11), r(7, 11), 2, 2, 3),
            pool_case(rng, 2, r(2, 3), 5, 4, 5, 4, 1),
            pool_case(rng, r(1, 2), r(2, 3), r(6, 8), r(5, 7), 1, 2, 2)]


def cs231n_pool_cases(rng):
    """2x2 windows of stride 2 (CS231n's), even sizes."""
    N, C = int(rng.integers(2, 4)), int(rng.integers(2, 4))
    H, W = 2 * int(rng.integers(2, 5)), 2 * int(rng.integers(2, 5))
    return [pool_case(rng, N, C, H, W, 2, 2, 2)]


def check_pool_forward(submission, rng, cases):
    """The output for each problem of cases(rng), in one worker run."""
    problems = cases(rng)
    outs = forward_outputs(submission, LAYERS + "max_pool_forward_naive", problems)
    for (x, pool_param), out in zip(problems, outs):
        expected = reference_layers.max_pool_forward_naive(x, pool_param)[0]
        expect_close(out, expected, LAYER_TOL, "max_pool_forward_naive's output for %s"
                     % describe(x.shape, pool_param))


def pool_backward_problems(rng, problems):
    with_dout = []
    for x, pool_param in problems:
        out, cache = reference_layers.max_pool_forward_naive(x, pool_param)
        with_dout.append((rng.normal(size=out.shape), cache))
    return with_dout


def check_pool_backward(submission, rng, problems, what=""):
    with_dout = pool_backward_problems(rng, problems)
    results = backward_results(submission, "max_pool_backward_naive", with_dout)
    for (dout, cache), result in zip(with_dout, results):
        dx, = unpack(result, 1, "max_pool_backward_naive")
        expect_close(dx, reference_layers.max_pool_backward_naive(dout, cache), LAYER_TOL,
                     "max_pool_backward_naive's dx for %s%s" % (describe(cache[0].shape, cache[1]), what))


# --- max_pool_forward_naive ------------------------------------------------------------

test_max_pool_forward_values = graded("max_pool_forward_naive", 1, "output matches the reference for 2x2 windows "
                                      "of stride 2 (CS231n's)", check_pool_forward, cs231n_pool_cases)
test_max_pool_forward_odd_shapes = graded("max_pool_forward_naive", 1, "non-square and overlapping windows, leftover "
                                          "rows and columns, strides 1 to 3", check_pool_forward, odd_pool_cases)


# --- max_pool_backward_naive -----------------------------------------------------------

@pytest.mark.target("max_pool_backward_naive")
@pytest.mark.points(1)
def test_max_pool_backward_values(submission, rng):
    """dx matches the reference for 2x2 windows of stride 2 and for odd shapes"""
    check_pool_backward(submission, rng, cs231n_pool_cases(rng) + odd_pool_cases(rng))


@pytest.mark.target("max_pool_backward_naive")
@pytest.mark.points(1)
def test_max_pool_backward_numerical(submission, rng):
    """dx matches a numerical gradient of the max pooling (overlapping windows)"""
    pool_forward = reference_layers.max_pool_forward_naive
    for _ in range(20):  # redraw the rare inputs with two values of a window within a step
        x, pool_param = pool_case(rng, 2, 2, 7, 6, 3, 2, 2)
        (dout, cache), = pool_backward_problems(rng, [(x, pool_param)])
        numeric = gradient_check.eval_numerical_gradient_array(
            lambda v: pool_forward(v, pool_param)[0], x.copy(), dout)
        expected = reference_layers.max_pool_backward_naive(dout, cache)
        if rel_error(expected, numeric) <= NUMERIC_TOL:
            break
    result, = backward_results(submission, "max_pool_backward_naive", [(dout, cache)])
    dx, = unpack(result, 1, "max_pool_backward_naive")
    expect_numeric_gradient(dx, expected, numeric, NUMERIC_TOL, "max_pool_backward_naive's dx")


@pytest.mark.target("max_pool_backward_naive")
@pytest.mark.points(1)
def test_max_pool_backward_ties(submission, rng):
    """windows whose maximum occurs twice pass dout on once, to the first of them"""
    problems = [pool_case(rng, 2, 2, 6, 6, 2, 2, 2, ties=True),
                pool_case(rng, 1, 2, 7, 7, 3, 3, 2, ties=True)]
    check_pool_backward(submission, rng, problems,
                        " where windows hold their maximum more than once (the docstring: the "
                        "first of them in row-major order gets all of dout)")


# --- ThreeLayerConvNet -----------------------------------------------------------------

def random_net_params(rng, input_dim, num_filters, filter_size, hidden_dim, num_classes):
    C, H, W = input_dim
    pooled = num_filters * (H // 2) * (W // 2)
    return {"W1": rng.normal(size=(num_filters, C, filter_size, filter_size)) / np.sqrt(C * filter_size ** 2),
            "b1": rng.normal(size=num_filters) * 0.1,
            "W2": rng.normal(size=(pooled, hidden_dim)) / np.sqrt(pooled),
            "b2": rng.normal(size=hidden_dim) * 0.1,
            "W3": rng.normal(size=(hidden_dim, num_classes)) / np.sqrt(hidden_dim),
            "b3": rng.normal(size=num_classes) * 0.1}


def net_shape(params):
    num_filters, C, filter_size, _ = params["W1"].shape
    hidden_dim, num_classes = params["W3"].shape
    return dict(num_filters=num_filters, filter_size=filter_size, hidden_dim=hidden_dim,
                num_classes=num_classes)


def reference_net(params, input_dim, reg):
    net = reference_cnn.ThreeLayerConvNet(input_dim=input_dim, reg=reg, dtype=np.float64,
                                          **net_shape(params))
    net.params = {k: v.copy() for k, v in params.items()}
    return net


def student_net_steps(params, input_dim, reg):
    """Steps that build the student's net (float64) and give it these parameters."""
    return [call(CONVNET, input_dim=list(input_dim), weight_scale=1e-2, reg=reg, dtype="float64",
                 save="net", **net_shape(params)),
            call("net.params.update", params)]


def net_problem(rng, filter_size=3):
    """A small net and minibatch: an odd height, so that the 2x2 pooling drops a row."""
    input_dim = (int(rng.integers(1, 4)), 2 * int(rng.integers(2, 5)) + 1, int(rng.integers(5, 9)))
    params = random_net_params(rng, input_dim, int(rng.integers(2, 5)), filter_size,
                               int(rng.integers(5, 12)), int(rng.integers(3, 8)))
    N = int(rng.integers(3, 7))
    X = rng.normal(size=(N,) + input_dim)
    y = rng.integers(0, params["W3"].shape[1], size=N)
    return input_dim, params, X, y


def student_net_losses(submission, problems):
    """(loss, grads) of the student's net for each (input_dim, params, reg, X, y), one run."""
    steps = []
    for i, (input_dim, params, reg, X, y) in enumerate(problems):
        steps += student_net_steps(params, input_dim, reg) + [call("net.loss", X, y, save="lossgrads%d" % i)]
    result = submission.run(steps, returns=["lossgrads%d" % i for i in range(len(problems))])
    answers = []
    for i in range(len(problems)):
        loss, grads = unpack(result["lossgrads%d" % i], 2, "ThreeLayerConvNet.loss(X, y)")
        answers.append((scalar(loss, "ThreeLayerConvNet.loss(X, y)'s loss"), grads))
    return answers


def check_net_losses(submission, rng, regularized):
    """Loss and gradients of three nets (filters 3x3, 5x5, 1x1), each with its own reg
    when `regularized`, in one worker run."""
    regs = [float(rng.uniform(0.5, 3.0)) for _ in range(3)] if regularized else [0.0, 0.0, 0.0]
    problems = []
    for reg, filter_size in zip(regs, (3, 5, 1)):
        input_dim, params, X, y = net_problem(rng, filter_size)
        problems.append((input_dim, params, reg, X, y))
    answers = student_net_losses(submission, problems)
    for (input_dim, params, reg, X, y), (loss, grads) in zip(problems, answers):
        expected_loss, expected_grads = reference_net(params, input_dim, reg).loss(X, y)
        what = "ThreeLayerConvNet.loss(X, y) with reg=%g, filter_size=%d, X of shape %s" % (
            reg, params["W1"].shape[2], X.shape)
        expect_close(loss, expected_loss, NET_TOL, what + ": the loss")
        expect_grads(grads, expected_grads, NET_TOL, what, PARAM_NAMES)


@pytest.mark.target("ThreeLayerConvNet")
@pytest.mark.points(1)
def test_net_initialization(submission, rng):
    """parameter shapes and dtype; zero biases; Gaussian weights of standard deviation weight_scale"""
    # an odd height: the pooled size is (H // 2) * (W // 2), not H * W // 4
    input_dim = (int(rng.integers(2, 5)), 2 * int(rng.integers(4, 9)) + 1, 2 * int(rng.integers(4, 9)))
    num_filters, filter_size = int(rng.integers(6, 12)), int(rng.choice([3, 5, 7]))
    hidden_dim, num_classes = int(rng.integers(30, 60)), int(rng.integers(5, 13))
    weight_scale, reg = float(rng.choice([3e-2, 0.1, 0.5])), float(rng.uniform(0.1, 1.0))
    result = submission.run([
        call("numpy.random:seed", int(rng.integers(1000))),
        call(CONVNET, input_dim=list(input_dim), num_filters=num_filters, filter_size=filter_size,
             hidden_dim=hidden_dim, num_classes=num_classes, weight_scale=weight_scale, reg=reg,
             save="net"),
        get("net.params", save="params"), get("net.reg", save="reg"),
        call(CONVNET, save="default"), get("default.params", save="default_params")],
        returns=["params", "reg", "default_params"])
    C, H, W = input_dim
    shapes = {"W1": (num_filters, C, filter_size, filter_size), "b1": (num_filters,),
              "W2": (num_filters * (H // 2) * (W // 2), hidden_dim), "b2": (hidden_dim,),
              "W3": (hidden_dim, num_classes), "b3": (num_classes,)}
    expect_gaussian_init(result["params"], shapes, weight_scale,
                         "ThreeLayerConvNet(input_dim=%s, num_filters=%d, filter_size=%d, hidden_dim=%d, "
                         "num_classes=%d, weight_scale=%g)" % (input_dim, num_filters, filter_size,
                                                               hidden_dim, num_classes, weight_scale),
                         dtype=np.float32)
    expect_close(scalar(result["reg"], "self.reg"), reg, NET_TOL, "self.reg")
    shapes = {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,),
              "W3": (100, 10), "b3": (10,)}
    expect_gaussian_init(result["default_params"], shapes, 1e-3, "ThreeLayerConvNet() with its defaults",
                         dtype=np.float32)


@pytest.mark.target("ThreeLayerConvNet")
@pytest.mark.points(1)
def test_net_scores(submission, rng):
    """without labels, loss(X) returns the scores of the reference for given parameters"""
    input_dim, params, X, _ = net_problem(rng)
    expected = reference_net(params, input_dim, 0.0).loss(X)
    result = submission.run(student_net_steps(params, input_dim, 0.0)
                            + [call("net.loss", X, save="scores")], returns=["scores"])
    expect_close(result["scores"], expected, NET_TOL,
                 "the scores of ThreeLayerConvNet.loss(X) for X of shape %s" % (X.shape,))


WITHOUT_REG = "loss and gradients match the reference without regularization (filters 3x3, 5x5, 1x1)"
WITH_REG = "loss and gradients match the reference with L2 regularization 0.5 * reg * sum(W * W) of W1, W2, W3"

test_net_loss_and_grads = graded("ThreeLayerConvNet", 1, WITHOUT_REG, check_net_losses, False)
test_net_regularization = graded("ThreeLayerConvNet", 1, WITH_REG, check_net_losses, True)


@pytest.mark.target("ThreeLayerConvNet")
@pytest.mark.points(1)
def test_net_numerical_gradients(submission, rng):
    """gradients match numerical gradients of the loss (with regularization)"""
    reg = float(rng.uniform(0.1, 1.0))
    input_dim = (2, 5, 6)

    def draw():
        params = random_net_params(rng, input_dim, 3, 3, 5, 4)
        X = rng.normal(size=(3,) + input_dim)
        y = rng.integers(0, 4, size=3)
        return reference_net(params, input_dim, reg), X, y, params

    (_, X, y, params), expected, numeric = numeric_net_problem(draw, PARAM_NAMES, NET_NUMERIC_TOL, h=1e-6)
    (_, grads), = student_net_losses(submission, [(input_dim, params, reg, X, y)])
    expect_grads(grads, expected, NET_TOL, "ThreeLayerConvNet.loss(X, y) with reg=%g" % reg, PARAM_NAMES)
    for name in PARAM_NAMES:
        expect_numeric_gradient(grads[name], expected[name], numeric[name], NET_NUMERIC_TOL,
                          "grads[%r]" % name)


# Training on scikit-learn's handwritten digits (1797 real 8x8 images, one channel), held
# out in a form no file holds: every image is distorted afresh (references.augment_images;
# the training set holds TRAIN_COPIES distorted copies of each of its 1000 images), so
# that a lookup of the held-out inputs in the public datasets cannot answer for the net:
# the nearest public image's label is right for 63% to 64% of them, while the reference
# convolutional net reaches 79.1% to 85.3% (mean 82.8%; calibrated on the reference over
# 6 random splits x 3 initializations, at most 6 points between two initializations on
# one split), in about 0.9 CPU seconds. Required: the reference's accuracy on the same
# split and seed, less ACCURACY_MARGIN (another correct implementation may draw its
# random weights in another order).
TRAIN_NET = {"num_filters": 8, "filter_size": 3, "hidden_dim": 50, "weight_scale": 0.1, "reg": 1e-3}
TRAIN_SOLVER = {"update_rule": "sgd", "optim_config": {"learning_rate": 1.0}, "lr_decay": 0.8,
                "num_epochs": 8, "batch_size": 50, "verbose": False}
TRAIN_COPIES = 3
ACCURACY_MARGIN = 0.08


def digit_images(rng):
    pixels, y = load_digits()
    order = rng.permutation(len(y))
    train, val, test = order[:1000], order[1000:1200], order[1200:]
    train = np.tile(train, TRAIN_COPIES)

    def distorted(rows):  # (N, 1, 8, 8) in [0, 1]
        return augment_images(rng, pixels[rows], 8, 16.0).reshape(-1, 1, 8, 8) / 16.0

    X_train, X_val, X_test = distorted(train), distorted(val), distorted(test)
    mean = X_train.mean(axis=0)
    data = {"X_train": X_train - mean, "y_train": y[train], "X_val": X_val - mean, "y_val": y[val]}
    return data, X_test - mean, y[test]


@pytest.mark.target("ThreeLayerConvNet")
@pytest.mark.points(1)
def test_net_trains_on_digits(submission, rng):
    """trained with the Solver on handwritten digits, held-out accuracy within 8 points of the reference"""
    data, X_test, y_test = digit_images(rng)
    net_args = dict(input_dim=[1, 8, 8], num_classes=10, **TRAIN_NET)
    accuracy, reference_accuracy = trained_accuracies(submission, CONVNET, reference_cnn.ThreeLayerConvNet, net_args,
                                                      data, TRAIN_SOLVER, X_test, y_test, int(rng.integers(1000)),
                                                      held_out="digits")
    expect_at_least(accuracy, reference_accuracy - ACCURACY_MARGIN,
                    "held-out accuracy of ThreeLayerConvNet trained on digits",
                    " (the reference reaches %.3f; margin %.2f)" % (reference_accuracy, ACCURACY_MARGIN))
