"""Public checks of assignment 2's PyTorch models (pytorch_models.py).

The expected values below were computed once with the reference solution on inputs
built with torch.linspace (float64). torch is imported inside each check, so that
importing the checks stays cheap; each check leaves torch's global random numbers as
it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng


def _torch():
    import torch

    from cs231n_core import pytorch_models
    return torch, pytorch_models


def _by_shape(t, model, shapes, what):
    """The model's parameters in the order of `shapes` (all distinct), as arrays."""
    params = {tuple(p.shape): p.detach().double().numpy() for p in model.parameters()}
    got = sorted(tuple(p.shape) for p in model.parameters())
    if got != sorted(shapes):
        t.fail("%s has parameters of shapes %s, expected %s" % (what, got, sorted(list(shapes))))
    t.ok("parameters of shapes %s" % (shapes,))
    return [params[s] for s in shapes]


def _kaiming(t, weight, fan_in, what):
    std, target = float(np.std(weight)), float(np.sqrt(2.0 / fan_in))
    if not abs(std / target - 1.0) <= 0.15:
        t.wrong(weight, "%s has standard deviation %.3g, expected about sqrt(2 / fan_in) = %.3g "
                "(nn.init.kaiming_normal_)" % (what, std, target), what)
    t.ok("%s looks Kaiming normal (std %.3g, expected %.3g)" % (what, std, target))


# --------------------------------------------------------------------------------------
# flatten
# --------------------------------------------------------------------------------------

@public_check("flatten")
@keeps_torch_rng
def _check_flatten(t):
    torch, models = _torch()
    x = torch.arange(12).view(2, 1, 3, 2)  # CS231n's test_flatten
    out = as_numpy(t, t.call(models.flatten, x), "flatten(x) of shape (2, 1, 3, 2)")
    if out.shape != (2, 6):
        t.fail("flatten of x of shape (2, 1, 3, 2) gave shape %s, expected (2, 6): one row per "
               "example, x.reshape(N, -1)" % (out.shape,))
    t.expect_labels(out, np.arange(12).reshape(2, 6), "CS231n's example (rows [0..5] and [6..11])")
    rows = torch.ones(4, 7)
    out = as_numpy(t, t.call(models.flatten, rows), "flatten of rows")
    if out.shape != (4, 7):
        t.fail("flatten of a (4, 7) tensor gave shape %s; rows must stay as they are" % (out.shape,))
    t.ok("a tensor of rows (4, 7) keeps its shape")


# --------------------------------------------------------------------------------------
# random_weight
# --------------------------------------------------------------------------------------

@public_check("random_weight")
@keeps_torch_rng(seed=0)
def _check_random_weight(t):
    torch, models = _torch()
    w = t.call(models.random_weight, (3, 5))
    if not torch.is_tensor(w):
        t.fail("random_weight((3, 5)) returned a %s, expected a torch tensor" % type(w).__name__)
    if tuple(w.shape) != (3, 5) or w.dtype != torch.float32:
        t.wrong("shape %s, %s" % (tuple(w.shape), w.dtype),
                "random_weight((3, 5)) has shape %s and dtype %s, expected (3, 5) and torch.float32"
                % (tuple(w.shape), w.dtype), "shape and dtype")
    if not (w.requires_grad and w.is_leaf):
        t.wrong(np.array([w.requires_grad, w.is_leaf], dtype=np.float64),
                "the weight must be a leaf tensor that requires gradients: scale first, then "
                "set the scaled tensor's requires_grad attribute", "requires_grad and is_leaf")
    t.ok("a (3, 5) float32 leaf tensor that requires gradients")
    torch.manual_seed(0)
    fc = t.call(models.random_weight, (1000, 50)).detach().double().numpy()
    conv = t.call(models.random_weight, (64, 3, 5, 5)).detach().double().numpy()
    _kaiming(t, fc, 1000, "random_weight((1000, 50)) (fan_in = 1000, the rows)")
    _kaiming(t, conv, 75, "random_weight((64, 3, 5, 5)) (fan_in = 3 * 5 * 5)")
    inside = float(np.mean(np.abs(fc) <= np.sqrt(2.0 / 1000)))
    if not abs(inside - 0.683) <= 0.03:
        t.wrong(fc, "%.0f%% of the entries lie within one standard deviation, expected 68%% for a "
                "Gaussian: draw with torch.randn" % (100 * inside), "a Gaussian")
    t.ok("the entries look Gaussian")
    w64 = t.call(models.random_weight, (4, 2), dtype=torch.float64)
    if w64.dtype != torch.float64:
        t.fail("random_weight((4, 2), dtype=torch.float64) has dtype %s" % w64.dtype)
    t.ok("dtype=torch.float64 is honoured")


# --------------------------------------------------------------------------------------
# two_layer_fc
# --------------------------------------------------------------------------------------

FC_SCORES = np.array([[-0.166292275408, -0.200184722602, -0.234077169795],
                      [0.158710776416, 0.115490237181, 0.072269697945]])


@public_check("two_layer_fc")
@keeps_torch_rng
def _check_two_layer_fc(t):
    torch, models = _torch()
    x = torch.zeros((64, 50))  # CS231n's two_layer_fc_test
    w1, w2 = torch.zeros((50, 42)), torch.zeros((42, 10))
    scores = as_numpy(t, t.call(models.two_layer_fc, x, [w1, w2]), "the scores")
    if scores.shape != (64, 10):
        t.fail("scores of shape %s for x (64, 50), w1 (50, 42), w2 (42, 10), expected (64, 10)"
               % (scores.shape,))
    t.ok("CS231n's shape test: scores of shape (64, 10)")
    x = torch.linspace(-1.0, 1.0, 24, dtype=torch.float64).reshape(2, 3, 4)
    w1 = 0.5 * torch.cos(torch.arange(60, dtype=torch.float64)).reshape(12, 5)  # signs mixed
    w2 = torch.linspace(0.3, -0.4, 15, dtype=torch.float64).reshape(5, 3)
    scores = as_numpy(t, t.call(models.two_layer_fc, x, [w1, w2]), "the scores")
    t.expect_close(scores, FC_SCORES, 1e-8, "the expected scores of x of shape (2, 3, 4)",
                   hint=lambda got, exp: "is the ReLU between the two products, and only there?")
    w1.requires_grad_()
    out = t.call(models.two_layer_fc, x, [w1, w2])
    if not out.requires_grad:
        t.wrong(out, "the scores do not depend on w1 through autograd: no .detach(), .data or NumPy "
                "inside", "differentiable in w1")
    t.ok("the scores are differentiable with respect to the weights")


# --------------------------------------------------------------------------------------
# three_layer_convnet
# --------------------------------------------------------------------------------------

CONV_SCORES = np.array([[-6.5489136964, -7.0387434409, -6.6285731855],
                        [-3.5172635591, -4.0688321271, -3.7204006951]])


def _conv_example(torch):
    f64 = torch.float64
    x = torch.linspace(-1.0, 1.0, 80, dtype=f64).reshape(2, 2, 4, 5)
    params = [torch.linspace(-0.3, 0.3, 150, dtype=f64).reshape(3, 2, 5, 5),
              torch.tensor([0.1, -0.2, 0.05], dtype=f64),
              torch.linspace(0.2, -0.25, 108, dtype=f64).reshape(4, 3, 3, 3),
              torch.tensor([0.0, 0.1, -0.1, 0.2], dtype=f64),
              torch.linspace(-0.1, 0.12, 240, dtype=f64).reshape(80, 3),
              torch.tensor([0.3, -0.3, 0.0], dtype=f64)]
    return x, params


@public_check("three_layer_convnet")
@keeps_torch_rng
def _check_three_layer_convnet(t):
    torch, models = _torch()
    x = torch.zeros((64, 3, 32, 32))  # CS231n's three_layer_convnet_test
    params = [torch.zeros((6, 3, 5, 5)), torch.zeros((6,)), torch.zeros((9, 6, 3, 3)),
              torch.zeros((9,)), torch.zeros((9 * 32 * 32, 10)), torch.zeros(10)]
    scores = as_numpy(t, t.call(models.three_layer_convnet, x, params), "the scores")
    if scores.shape != (64, 10):
        t.fail("scores of shape %s on CS231n's shapes, expected (64, 10)" % (scores.shape,))
    t.ok("CS231n's shape test: scores of shape (64, 10)")
    x, params = _conv_example(torch)
    scores = as_numpy(t, t.call(models.three_layer_convnet, x, params), "the scores")
    t.expect_close(scores, CONV_SCORES, 1e-8, "the expected scores of x of shape (2, 2, 4, 5)",
                   hint=lambda got, exp: "check the paddings (2, then 1), both biases and both ReLUs")


# --------------------------------------------------------------------------------------
# TwoLayerFC
# --------------------------------------------------------------------------------------

@public_check("TwoLayerFC")
@keeps_torch_rng
def _check_two_layer_fc_module(t):
    torch, models = _torch()
    torch.manual_seed(0)
    model = t.call(models.TwoLayerFC, 3 * 10 * 10, 200, 10)
    w1, b1, w2, b2 = _by_shape(t, model, [(200, 300), (200,), (10, 200), (10,)], "TwoLayerFC(300, 200, 10)")
    _kaiming(t, w1, 300, "fc1's weight")
    _kaiming(t, w2, 200, "fc2's weight")
    x = torch.linspace(-1.0, 1.0, 4 * 300, dtype=torch.float64).reshape(4, 3, 10, 10)
    scores = as_numpy(t, t.call(model.double(), x), "TwoLayerFC's scores (the module in float64)")
    if scores.shape != (4, 10):
        t.fail("scores of shape %s for x of shape (4, 3, 10, 10), expected (4, 10)" % (scores.shape,))
    rows = x.numpy().reshape(4, -1)
    expected = np.maximum(rows.dot(w1.T) + b1, 0).dot(w2.T) + b2
    t.expect_close(scores, expected, 1e-8,
                   "flatten - fc1 - ReLU - fc2 with the module's own weights")


# --------------------------------------------------------------------------------------
# ThreeLayerConvNet (target TorchThreeLayerConvNet)
# --------------------------------------------------------------------------------------

@public_check("TorchThreeLayerConvNet")
@keeps_torch_rng
def _check_torch_convnet(t):
    torch, models = _torch()
    import torch.nn.functional as F

    x = torch.zeros((64, 3, 32, 32))  # CS231n's test_ThreeLayerConvNet
    model = t.call(models.ThreeLayerConvNet, 3, 12, 8, 10)
    scores = as_numpy(t, t.call(model, x), "the scores")
    if scores.shape != (64, 10):
        t.fail("scores of shape %s for 3x32x32 images, expected (64, 10)" % (scores.shape,))
    t.ok("CS231n's shape test: scores of shape (64, 10)")
    torch.manual_seed(0)
    model = t.call(models.ThreeLayerConvNet, 1, 12, 8, 5, image_size=(9, 11))
    shapes = [(12, 1, 5, 5), (12,), (8, 12, 3, 3), (8,), (5, 8 * 9 * 11), (5,)]
    params = _by_shape(t, model, shapes, "ThreeLayerConvNet(1, 12, 8, 5, image_size=(9, 11))")
    _kaiming(t, params[2], 12 * 9, "the second convolution's weight")
    _kaiming(t, params[4], 8 * 9 * 11, "the fully connected weight")
    x = torch.linspace(-1.0, 1.0, 3 * 99, dtype=torch.float64).reshape(3, 1, 9, 11)
    scores = as_numpy(t, t.call(model.double(), x), "the scores (the module in float64)")
    w1, b1, w2, b2, fc_w, fc_b = (torch.from_numpy(p) for p in params)
    hidden = F.relu(F.conv2d(F.relu(F.conv2d(x, w1, b1, padding=2)), w2, b2, padding=1))
    expected = (hidden.reshape(3, -1).matmul(fc_w.T) + fc_b).numpy()
    t.expect_close(scores, expected, 1e-8,
                   "conv 5x5 (pad 2) - ReLU - conv 3x3 (pad 1) - ReLU - fc with the module's own "
                   "weights, for 9x11 images")


# --------------------------------------------------------------------------------------
# check_accuracy
# --------------------------------------------------------------------------------------

@public_check("check_accuracy")
@keeps_torch_rng
def _check_check_accuracy(t):
    torch, models = _torch()
    # The identity as the weights: the prediction is the larger coordinate.
    x = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.5, 3.0], [4.0, 0.0]])
    y = np.array([1, 1, 0, 0, 0])  # 3 of 5 right, the last one too
    model = torch.nn.Linear(2, 2, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.eye(2, dtype=torch.float64))
    accuracy = t.call(models.check_accuracy, (x, y), model, None, batch_size=2)
    t.expect_close(accuracy, 0.6, 1e-12, "3 right of 5, in minibatches of 2 (the last one of 1)",
                   hint=lambda got, exp: "return a fraction, not a percentage" if got > 1 else
                   "count examples, not minibatches, and add up over every minibatch")
    norm = torch.nn.BatchNorm1d(2).double()
    with torch.no_grad():
        norm.running_mean.copy_(torch.tensor([0.0, 2.0]))  # eval: 2nd coordinate - 2; 2 of 5 right
    model = torch.nn.Sequential(norm, model)
    model.train()
    accuracy = t.call(models.check_accuracy, (x, y), model, None, batch_size=5)
    t.expect_close(accuracy, 0.4, 1e-12,
                   "the same data through batch normalization in evaluation mode",
                   hint=lambda got, exp: "call model.eval() before measuring")


# --------------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------------

TRAIN_WEIGHT = np.array([[-0.384474431, -0.2943870762, -0.2042997214, -0.1142123667],
                         [-0.1012248093, -0.004931493, 0.0913618232, 0.1876551395],
                         [0.0766083312, 0.1629549329, 0.2493015346, 0.3356481363]])
TRAIN_BIAS = np.array([0.0903446005, 0.0632646477, -0.1536092481])


@public_check("train")
@keeps_torch_rng(seed=0)  # the initial weights of the model with batch normalization
def _check_train(t):
    torch, models = _torch()
    model = torch.nn.Sequential(torch.nn.Linear(4, 3)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.linspace(-0.5, 0.5, 12, dtype=torch.float64).reshape(3, 4))
        model[0].bias.copy_(torch.tensor([0.1, 0.0, -0.1], dtype=torch.float64))
    X, y = np.linspace(-2, 2, 48).reshape(12, 4), np.arange(12) % 3
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = models.as_loader((X, y), batch_size=5, shuffle=True, seed=0)
    history = t.call(models.train, model, optimizer, loader, epochs=2, progress=False)
    losses = history.get("loss", []) if isinstance(history, dict) else []
    if len(losses) != 6:
        t.fail("history['loss'] has %d entries after 2 epochs of 3 minibatches, expected 6" % len(losses))
    t.ok("one loss per iteration")
    weight = model[0].weight.detach().numpy()
    if np.allclose(weight, np.linspace(-0.5, 0.5, 12).reshape(3, 4)):
        t.fail("the weights did not change: does the optimizer take a step after the backward pass?")
    t.expect_close(weight, TRAIN_WEIGHT, 1e-7, "the weights after 2 epochs of SGD (lr 0.1)",
                   hint=lambda got, exp: "zero the gradients every iteration and average the loss "
                   "over the minibatch (F.cross_entropy)")
    t.expect_close(model[0].bias.detach().numpy(), TRAIN_BIAS, 1e-7, "the bias after 2 epochs")
    norm = torch.nn.BatchNorm1d(4).double()
    model = torch.nn.Sequential(norm, torch.nn.Linear(4, 3).double()).eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    t.call(models.train, model, optimizer, (X, y), epochs=1, progress=False)
    if float(norm.running_mean.abs().sum()) == 0.0:
        t.fail("batch normalization's running mean did not move: put the model in training mode "
               "(model.train()) before each iteration")
    t.ok("the model trains in training mode")
