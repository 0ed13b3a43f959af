"""The public checks of the layers and TwoLayerNet: they fail with a useful sentence on
realistic mistakes, and report targets that are not implemented yet (that they pass on
the reference: tests/test_checks.py)."""
import re

import numpy as np
import pytest

from check_replay import failure_line, run_check, targets_of
from cs231n_core import layers
from cs231n_core.classifiers import fc_net

REFERENCE_SVM, REFERENCE_SOFTMAX = layers.svm_loss, layers.softmax_loss
TARGETS = targets_of("two_layer_net")  # the six layers, then TwoLayerNet


# ---- realistic mistakes, one module-level function each ---------------------------------------

def affine_forward_no_reshape(x, w, b):
    return x @ w + b, (x, w, b)


def affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w, b)


def affine_forward_fortran(x, w, b):
    return x.reshape(x.shape[0], -1, order="F") @ w + b, (x, w, b)


def affine_forward_out_only(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


def affine_backward_dx_flat(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


def affine_backward_db_not_summed(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout


def affine_backward_dw_averaged(dout, cache):
    x, w, b = cache
    return ((dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout / x.shape[0],
            dout.sum(axis=0))


def affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), dout.T @ x.reshape(x.shape[0], -1), dout.sum(axis=0)


def relu_forward_leaky(x):
    return np.maximum(0.01 * x, x), x


def relu_forward_np_max(x):
    return np.max(0, x), x


def relu_forward_flattens(x):
    return np.maximum(0, x.reshape(x.shape[0], -1)), x


def relu_backward_at_zero(dout, x):
    return dout * (x >= 0)


def relu_backward_unmasked(dout, x):
    return dout


def relu_backward_times_activation(dout, x):
    return dout * np.maximum(0, x)


def svm_loss_not_averaged(x, y):
    loss, dx = REFERENCE_SVM(x, y)
    return loss * x.shape[0], dx


def svm_loss_counts_correct_class(x, y):
    loss, dx = REFERENCE_SVM(x, y)
    return loss + 1.0, dx


def svm_loss_dx_not_averaged(x, y):
    loss, dx = REFERENCE_SVM(x, y)
    return loss, dx * x.shape[0]


def softmax_loss_unstable(x, y):
    with np.errstate(all="ignore"):
        probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    dx = probs.copy()
    dx[np.arange(len(y)), y] -= 1
    return loss, dx / len(y)


def softmax_loss_dx_not_averaged(x, y):
    loss, dx = REFERENCE_SOFTMAX(x, y)
    return loss, dx * x.shape[0]


def softmax_loss_forgets_minus_one(x, y):
    loss, dx = REFERENCE_SOFTMAX(x, y)
    dx = dx.copy()
    dx[np.arange(len(y)), y] += 1.0 / len(y)
    return loss, dx


def not_implemented(*args, **kwargs):
    raise NotImplementedError("write your code in layers.py")


@pytest.mark.parametrize("target, bug, expected", [
    ("affine_forward", affine_forward_no_reshape, r"raised ValueError"),
    ("affine_forward", affine_forward_no_bias, r"small example worked by hand.*forget to add b"),
    ("affine_forward", affine_forward_fortran, r"CS231n's example .*row-major"),
    ("affine_forward", affine_forward_out_only, r"should return a pair \(out, cache\)"),
    ("affine_backward", affine_backward_dx_flat, r"dx has shape \(2, 6\).*reshape it back"),
    ("affine_backward", affine_backward_db_not_summed, r"db has shape \(2, 3\).*sum dout"),
    ("affine_backward", affine_backward_dw_averaged, r"expected dw.*do not divide by N"),
    ("affine_backward", affine_backward_dw_transposed, r"dw has shape \(3, 6\)"),
    ("relu_forward", relu_forward_leaky, r"CS231n's example: relative error"),
    ("relu_forward", relu_forward_np_max, r"raised (TypeError|ValueError)"),
    ("relu_forward", relu_forward_flattens, r"shape \(2, 4\) for x of shape \(2, 2, 2\)"),
    ("relu_backward", relu_backward_at_zero, r"exactly 0 the gradient should be 0"),
    ("relu_backward", relu_backward_unmasked, r"mask dout with x > 0"),
    ("relu_backward", relu_backward_times_activation, r"relative error"),
    ("svm_loss", svm_loss_not_averaged, r"divide the loss by the number of examples"),
    ("svm_loss", svm_loss_counts_correct_class, r"margin of the correct class"),
    ("svm_loss", svm_loss_dx_not_averaged, r"divide dx by N too"),
    ("softmax_loss", softmax_loss_unstable, r"NaN or infinite for scores around 1000"),
    ("softmax_loss", softmax_loss_dx_not_averaged, r"divide dx by N too"),
    ("softmax_loss", softmax_loss_forgets_minus_one, r"lecture's example: dx"),
])
def test_layer_mistakes_fail(monkeypatch, capsys, target, bug, expected):
    monkeypatch.setattr(layers, target, bug)
    result, out = run_check(capsys, target)
    assert result is False
    assert re.search(expected, failure_line(out, target)), out


@pytest.mark.parametrize("target", TARGETS[:6])
def test_layer_not_implemented(monkeypatch, capsys, target):
    monkeypatch.setattr(layers, target, not_implemented)
    result, out = run_check(capsys, target)
    assert result is False
    assert out.strip().splitlines()[-1].startswith("[todo] %s: not implemented yet" % target)


def test_backward_checks_skip_the_numerical_check_without_a_forward_pass(monkeypatch, capsys):
    monkeypatch.setattr(layers, "affine_forward", not_implemented)
    monkeypatch.setattr(layers, "relu_forward", not_implemented)
    for target in ("affine_backward", "relu_backward"):
        result, out = run_check(capsys, target)
        assert result is True, out
        assert "[note] %s: skipped the numerical gradient check" % target in out


# ---- TwoLayerNet mistakes: subclasses of the reference ---------------------------------------

class MissingHalf(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        W1, W2 = self.params["W1"], self.params["W2"]
        return loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2)), grads


class RegGradForgotten(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        grads["W1"] = grads["W1"] - self.reg * self.params["W1"]
        return loss, grads


class RandomBiases(fc_net.TwoLayerNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params["b1"] = np.random.randn(*self.params["b1"].shape) * 1e-3


class UniformInit(fc_net.TwoLayerNet):
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
        self.params["W1"] = weight_scale * np.random.rand(input_dim, hidden_dim)


class NoRelu(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        scores = (X.reshape(X.shape[0], -1) @ W1 + b1) @ W2 + b2
        if y is None:
            return scores
        return super().loss(X, y)


class ScoresWithLabelsOnly(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X), {}
        return super().loss(X, y)


class MissingGrad(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        del grads["b2"]
        return loss, grads


class NotImplementedNet(fc_net.TwoLayerNet):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("write your code in fc_net.py")


@pytest.mark.parametrize("bug, expected", [
    (MissingHalf, r"reg=1\.0.*0\.5 \* reg"),
    (RegGradForgotten, r"(sums of the gradients|numerical gradient)"),
    (RandomBiases, r"biases b1 and b2 should start at zero"),
    (UniformInit, r"params\['W1'\] has mean .*np\.random\.randn"),
    (NoRelu, r"small random net \(ReLU active\).*is the ReLU of the hidden layer there"),
    (ScoresWithLabelsOnly, r"without labels should return the scores only"),
    (MissingGrad, r"grads lacks b2"),
])
def test_net_mistakes_fail(monkeypatch, capsys, bug, expected):
    monkeypatch.setattr(fc_net, "TwoLayerNet", bug)
    result, out = run_check(capsys, "TwoLayerNet")
    assert result is False
    assert re.search(expected, failure_line(out, "TwoLayerNet")), out


def test_net_not_implemented(monkeypatch, capsys):
    monkeypatch.setattr(fc_net, "TwoLayerNet", NotImplementedNet)
    result, out = run_check(capsys, "TwoLayerNet")
    assert result is False
    assert out.strip().splitlines()[-1].startswith("[todo] TwoLayerNet: not implemented yet")
