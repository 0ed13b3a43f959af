"""The public checks of the naive conv and pool layers and ThreeLayerConvNet: they fail
with a useful sentence on realistic mistakes, and report targets that are not implemented
yet (that they pass on the reference: tests/test_checks.py)."""
import re

import numpy as np
import pytest

from check_replay import failure_line, run_check, targets_of
from cs231n_core import layers
from cs231n_core.classifiers import cnn

TARGETS = targets_of("cnn")  # the four naive layers, then ThreeLayerConvNet
REFERENCE = {name: getattr(layers, name) for name in TARGETS[:4]}


# ---- realistic mistakes, one module-level function each ---------------------------------------

def conv_forward_flipped(x, w, b, conv_param):
    return REFERENCE["conv_forward_naive"](x, w[:, :, ::-1, ::-1].copy(), b, conv_param)


def conv_forward_no_bias(x, w, b, conv_param):
    return REFERENCE["conv_forward_naive"](x, w, np.zeros_like(b), conv_param)


def conv_forward_bias_per_product(x, w, b, conv_param):
    out, cache = REFERENCE["conv_forward_naive"](x, w, b, conv_param)
    return out + b[None, :, None, None] * (w[0].size - 1), cache


def conv_forward_no_padding(x, w, b, conv_param):
    out, _ = REFERENCE["conv_forward_naive"](x, w, b, dict(conv_param, pad=0))
    return out, (x, w, b, conv_param)


def conv_forward_pads_in_place(x, w, b, conv_param):
    out, cache = REFERENCE["conv_forward_naive"](x, w, b, conv_param)
    x *= 0.0  # as if x were overwritten by a padded copy's view
    return out, cache


def conv_backward_padded_dx(dout, cache):
    x, w, b, conv_param = cache
    dx, dw, db = REFERENCE["conv_backward_naive"](dout, cache)
    pad = conv_param["pad"]
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad))), dw, db


def conv_backward_db_per_example(dout, cache):
    dx, dw, _ = REFERENCE["conv_backward_naive"](dout, cache)
    return dx, dw, dout.sum(axis=(1, 2, 3))


def conv_backward_dw_halved(dout, cache):
    dx, dw, db = REFERENCE["conv_backward_naive"](dout, cache)
    return dx, dw / 2, db


def pool_forward_mean(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s
    out = np.array([[[[x[n, c, i * s:i * s + ph, j * s:j * s + pw].mean() for j in range(W_out)]
                      for i in range(H_out)] for c in range(x.shape[1])] for n in range(x.shape[0])])
    return out, (x, pool_param)


def pool_forward_swapped(x, pool_param):
    swapped = dict(pool_param, pool_height=pool_param["pool_width"], pool_width=pool_param["pool_height"])
    return REFERENCE["max_pool_forward_naive"](x, swapped)


def pool_backward_everywhere(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += dout[:, :, i:i + 1, j:j + 1]
    return dx


def pool_backward_every_tie(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += mask * dout[:, :, i:i + 1, j:j + 1]
    return dx


def not_implemented(*args, **kwargs):
    raise NotImplementedError("write your code in layers.py")


@pytest.mark.parametrize("target, bug, expected", [
    ("conv_forward_naive", conv_forward_flipped, r"do not flip the filter"),
    ("conv_forward_naive", conv_forward_no_bias, r"forget to add the bias"),
    ("conv_forward_naive", conv_forward_bias_per_product, r"once per output pixel"),
    ("conv_forward_naive", conv_forward_no_padding, r"forget the padding"),
    ("conv_forward_naive", conv_forward_pads_in_place, r"changed its input x"),
    ("conv_backward_naive", conv_backward_padded_dx, r"crop the padding"),
    ("conv_backward_naive", conv_backward_db_per_example,
     r"db has shape \(4,\).*sum dout over the examples and the positions"),
    ("conv_backward_naive", conv_backward_dw_halved, r"worked by hand: dw"),
    ("max_pool_forward_naive", pool_forward_mean, r"CS231n's example: relative error"),
    ("max_pool_forward_naive", pool_forward_swapped, r"pool_height and pool_width swapped"),
    ("max_pool_backward_naive", pool_backward_everywhere, r"only to the pixel that held its maximum"),
    ("max_pool_backward_naive", pool_backward_every_tie, r"first maximum"),
])
def test_layer_mistakes_fail(monkeypatch, capsys, target, bug, expected):
    monkeypatch.setattr(layers, target, bug)
    result, out = run_check(capsys, target)
    assert result is False
    assert re.search(expected, failure_line(out, target)), out


@pytest.mark.parametrize("target", TARGETS[:4])
def test_layer_not_implemented(monkeypatch, capsys, target):
    monkeypatch.setattr(layers, target, not_implemented)
    result, out = run_check(capsys, target)
    assert result is False
    assert out.strip().splitlines()[-1].startswith("[todo] %s: not implemented yet" % target)


def test_backward_checks_skip_the_numerical_check_without_a_forward_pass(monkeypatch, capsys):
    monkeypatch.setattr(layers, "conv_forward_naive", not_implemented)
    monkeypatch.setattr(layers, "max_pool_forward_naive", not_implemented)
    for target in ("conv_backward_naive", "max_pool_backward_naive"):
        result, out = run_check(capsys, target)
        assert result is True, out
        assert "[note] %s: skipped the numerical gradient check" % target in out


# ---- ThreeLayerConvNet mistakes: subclasses of the reference ----------------------------------

class ForgetsPooling(cnn.ThreeLayerConvNet):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, **kw):
        super().__init__(input_dim, num_filters, filter_size, hidden_dim, **kw)
        C, H, W = input_dim
        self.params["W2"] = np.zeros((num_filters * H * W, hidden_dim))


class RegMissesW1(cnn.ThreeLayerConvNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        W1 = self.params["W1"]
        grads["W1"] = grads["W1"] - self.reg * W1
        return loss - 0.5 * self.reg * np.sum(W1 * W1), grads


class GradMissesReg(cnn.ThreeLayerConvNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X)
        loss, grads = super().loss(X, y)
        grads["W3"] = grads["W3"] - self.reg * self.params["W3"]
        return loss, grads


class ReturnsLossWithoutLabels(cnn.ThreeLayerConvNet):
    def loss(self, X, y=None):
        if y is None:
            return super().loss(X), {}
        return super().loss(X, y)


@pytest.mark.parametrize("bug, expected", [
    (ForgetsPooling, r"2x2 max pool"),
    (RegMissesW1, r"regularize all three weight arrays"),
    (GradMissesReg, r"grads\['W3'\] differs from a numerical gradient.*reg \* W"),
    (ReturnsLossWithoutLabels, r"scores only"),
])
def test_net_mistakes_fail(monkeypatch, capsys, bug, expected):
    monkeypatch.setattr(cnn, "ThreeLayerConvNet", bug)
    result, out = run_check(capsys, "ThreeLayerConvNet")
    assert result is False
    assert re.search(expected, failure_line(out, "ThreeLayerConvNet")), out
