"""Hidden graders of the style-transfer losses (assignment 3, StyleTransfer; 8 of 100
points): gram_matrix, content_loss, style_loss and tv_loss.

Raw points: two per target, scaled to SECTION_WEIGHT.

Inputs are drawn fresh per grading run (features are ReLU outputs, as a network's are);
the losses' values and their gradients (autograd's, run in the worker on the student's
loss, since style transfer descends them) are compared with NumPy references computed
here. Tolerances are CS231n's: relative error 1e-3 for the Gram matrices, the content
and the style losses, 1e-4 for the total variation loss. style_loss calls the student's
gram_matrix, as in CS231n: a wrong Gram matrix costs it points too.
"""
import numpy as np
import pytest

from autograder.graders.graded import graders_on_shared
from autograder.trusted.expect import expect_close, wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import gradient_steps, leaf, tensor

SECTION_WEIGHT = 8
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
VIS = "cs231n_core.visualization:"
LOSS_TOL = 1e-3
TV_TOL = 1e-4


def features(rng, shape):
    return np.maximum(rng.normal(size=shape), 0.0) + 0.01 * rng.random(size=shape)


def expect_gradients(grads, expected, names, tol, what):
    if not isinstance(grads, tuple) or len(grads) != len(names):
        raise wrong(grads, "%s: could not compute the gradients" % what, what)
    for name, grad, reference in zip(names, grads, expected):
        if reference is None:
            if grad is not None and np.any(grad != 0):
                raise wrong(grads, "%s: the loss depends on %s, which it should not use" % (what, name), what)
            continue
        if grad is None:
            raise wrong(grads, "%s: no gradient reaches %s; is the loss cut from the graph "
                        "(.item(), .detach(), .data, NumPy)?" % (what, name), what)
        expect_close(grad, reference, tol, "%s: the gradient with respect to %s" % (what, name))


def gram_reference(f, normalize=True):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    gram = flat @ flat.transpose(0, 2, 1)
    return gram / (h * w * c) if normalize else gram


# --- gram_matrix ---------------------------------------------------------------------------

def gram_problem(rng):
    batch = features(rng, (int(rng.integers(2, 4)), int(rng.integers(4, 7)), 5, 7))
    single = features(rng, (1, int(rng.integers(8, 12)), 6, 4))
    low = features(rng, (2, 5, 3, 4)).astype(np.float32)
    steps = [tensor("batch", batch), tensor("single", single), tensor("low", low),
             call(VIS + "gram_matrix", saved("batch"), save="gram_batch"),
             call(VIS + "gram_matrix", saved("single"), normalize=False, save="gram_plain"),
             call(VIS + "gram_matrix", saved("low"), save="gram_low")]
    return steps, ["gram_batch", "gram_plain", "gram_low"], {"batch": batch, "single": single, "low": low}


@pytest.mark.target("gram_matrix")
@pytest.mark.points(1)
def test_gram_matrix_normalized(shared):
    """normalized Gram matrices of a batch of feature maps (float64 and float32)"""
    result, context = shared.get("gram_matrix", gram_problem)
    batch = context["batch"]
    expect_close(result["gram_batch"], gram_reference(batch), LOSS_TOL,
                      "gram_matrix of features of shape %s" % (batch.shape,))
    expect_close(result["gram_low"], gram_reference(context["low"].astype(np.float64)), LOSS_TOL,
                      "gram_matrix of float32 features of shape %s" % (context["low"].shape,))


@pytest.mark.target("gram_matrix")
@pytest.mark.points(1)
def test_gram_matrix_unnormalized(shared):
    """normalize=False gives the plain sums of products"""
    result, context = shared.get("gram_matrix", gram_problem)
    single = context["single"]
    expect_close(result["gram_plain"], gram_reference(single, normalize=False), LOSS_TOL,
                      "gram_matrix(features, normalize=False) of shape %s" % (single.shape,))


# --- content_loss --------------------------------------------------------------------------

def content_problem(rng):
    shape = (1, int(rng.integers(4, 9)), int(rng.integers(3, 6)), int(rng.integers(3, 6)))
    current, original = features(rng, shape), features(rng, shape)
    weight = float(rng.uniform(0.01, 0.1))
    steps = (leaf("current", current) + [tensor("original", original)]
             + [call(VIS + "content_loss", weight, saved("current"), saved("original"), save="loss")]
             + gradient_steps("loss", ["current"], "grads"))
    return steps, ["loss", "grads"], {"current": current, "original": original, "weight": weight,
                                      "what": "content_loss for features of shape %s" % (shape,),
                                      "inputs": ["content_current"]}


def content_reference(context):
    difference = context["current"] - context["original"]
    return context["weight"] * np.sum(difference ** 2), [2 * context["weight"] * difference]


# --- style_loss ----------------------------------------------------------------------------

STYLE_SHAPES = ((1, 4, 6, 6), (1, 6, 5, 4), (1, 8, 3, 3), (1, 5, 2, 3), (1, 7, 2, 2))


def style_problem(rng):
    feats = [features(rng, shape) for shape in STYLE_SHAPES]
    # three layers, never the first: a layer's number then differs from its position
    layers = sorted(rng.choice(np.arange(1, len(STYLE_SHAPES)), size=3, replace=False).tolist())
    targets = [gram_reference(features(rng, STYLE_SHAPES[layer])) for layer in layers]
    weights = rng.uniform(50.0, 500.0, size=3).tolist()
    steps = []
    for i, f in enumerate(feats):
        steps += leaf("feat%d" % i, f)
    steps += [tensor("target%d" % i, t) for i, t in enumerate(targets)]
    steps.append(call(VIS + "style_loss", [saved("feat%d" % i) for i in range(len(feats))], layers,
                      [saved("target%d" % i) for i in range(len(targets))], weights, save="loss"))
    steps += gradient_steps("loss", ["feat%d" % i for i in range(len(feats))], "grads")
    return steps, ["loss", "grads"], {"feats": feats, "layers": layers, "targets": targets, "weights": weights,
                                      "what": "style_loss with style_layers=%s of five layers" % (layers,),
                                      "inputs": ["feats[%d]" % i for i in range(len(feats))]}


def style_reference(context):
    loss, grads = 0.0, [None] * len(context["feats"])
    for layer, target, weight in zip(context["layers"], context["targets"], context["weights"]):
        f = context["feats"][layer]
        n, c, h, w = f.shape
        difference = gram_reference(f) - target
        loss += weight * np.sum(difference ** 2)
        flat = f.reshape(n, c, h * w)
        grads[layer] = (4.0 * weight / (h * w * c) * (difference @ flat)).reshape(f.shape)
    return loss, grads


# --- tv_loss -------------------------------------------------------------------------------

def tv_problem(rng):
    img = rng.normal(size=(1, 3, int(rng.integers(5, 8)), int(rng.integers(8, 11))))
    weight = float(rng.uniform(0.1, 1.0))
    steps = (leaf("img", img) + [call(VIS + "tv_loss", saved("img"), weight, save="loss")]
             + gradient_steps("loss", ["img"], "grads"))
    return steps, ["loss", "grads"], {"img": img, "weight": weight,
                                      "what": "tv_loss for an image of shape %s" % (img.shape,), "inputs": ["img"]}


def tv_reference(context):
    img, weight = context["img"], context["weight"]
    vertical = np.diff(img, axis=2)
    horizontal = np.diff(img, axis=3)
    loss = weight * (np.sum(vertical ** 2) + np.sum(horizontal ** 2))
    grad = np.zeros_like(img)
    grad[:, :, 1:, :] += 2 * weight * vertical
    grad[:, :, :-1, :] -= 2 * weight * vertical
    grad[:, :, :, 1:] += 2 * weight * horizontal
    grad[:, :, :, :-1] -= 2 * weight * horizontal
    return loss, [grad]


# --- the losses' values and gradients --------------------------------------------------------

LOSSES = {
    # loss: (problem, reference(context) -> (loss, gradients), tolerance, what the checks of
    # its value and of its gradients test)
    "content_loss": (content_problem, content_reference, LOSS_TOL,
                     ("the weighted sum of squared differences of the features",
                      "autograd's gradient with respect to the current features")),
    "style_loss": (style_problem, style_reference, LOSS_TOL,
                   ("the weighted squared distances of the Gram matrices at three of five layers",
                    "autograd's gradients with respect to every layer's features")),
    "tv_loss": (tv_problem, tv_reference, TV_TOL,
                ("the weighted sum of squared differences of vertical and horizontal neighbours",
                 "autograd's gradient with respect to the image")),
}


def loss_run(shared, name):
    """(result, context, (loss, gradients) of the reference, tolerance) of a loss's run."""
    problem, reference, tol, _ = LOSSES[name]
    result, context = shared.get(name, problem)
    return result, context, reference(context), tol


def check_loss_value(shared, name):
    result, context, (expected, _), tol = loss_run(shared, name)
    expect_close(result["loss"], expected, tol, context["what"])


def check_loss_gradients(shared, name):
    result, context, (_, expected), tol = loss_run(shared, name)
    expect_gradients(result["grads"], expected, context["inputs"], tol, name)


globals().update(graders_on_shared({name: whats for name, (*_, whats) in LOSSES.items()},
                                   [("value", 1.5, check_loss_value), ("gradient", 0.5, check_loss_gradients)]))
