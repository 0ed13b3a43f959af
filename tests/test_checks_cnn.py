"""The public checks of the naive conv and pool layers and ThreeLayerConvNet: they fail
with a useful sentence on realistic mistakes (that they pass on the reference, and report
layers not implemented yet: tests/test_checks.py)."""
import numpy as np

from check_replay import (Mistakes, grads_without_labels, labelled_loss_changed,
                          reg_missing_from_grad, targets_of)
from cs231n_core import layers
from cs231n_core.classifiers import cnn

TARGETS = targets_of("cnn")  # the four naive layers, then ThreeLayerConvNet
REFERENCE = {name: getattr(layers, name) for name in TARGETS[:4]}


# ---- realistic mistakes, one module-level function each, with what its check must say --------

LAYER_MISTAKES = Mistakes()


@LAYER_MISTAKES.of("conv_forward_naive", r"do not flip the filter")
def conv_forward_flipped(x, w, b, conv_param):
    return REFERENCE["conv_forward_naive"](x, w[:, :, ::-1, ::-1].copy(), b, conv_param)


@LAYER_MISTAKES.of("conv_forward_naive", r"forget to add the bias")
def conv_forward_no_bias(x, w, b, conv_param):
    return REFERENCE["conv_forward_naive"](x, w, np.zeros_like(b), conv_param)


@LAYER_MISTAKES.of("conv_forward_naive", r"once per output pixel")
def conv_forward_bias_per_product(x, w, b, conv_param):
    out, cache = REFERENCE["conv_forward_naive"](x, w, b, conv_param)
    return out + b[None, :, None, None] * (w[0].size - 1), cache


@LAYER_MISTAKES.of("conv_forward_naive", r"forget the padding")
def conv_forward_no_padding(x, w, b, conv_param):
    out, _ = REFERENCE["conv_forward_naive"](x, w, b, dict(conv_param, pad=0))
    return out, (x, w, b, conv_param)


@LAYER_MISTAKES.of("conv_forward_naive", r"changed its input x")
def conv_forward_pads_in_place(x, w, b, conv_param):
    out, cache = REFERENCE["conv_forward_naive"](x, w, b, conv_param)
    x *= 0.0  # as if x were overwritten by a padded copy's view
    return out, cache


@LAYER_MISTAKES.of("conv_backward_naive", r"crop the padding")
def conv_backward_padded_dx(dout, cache):
    x, w, b, conv_param = cache
    dx, dw, db = REFERENCE["conv_backward_naive"](dout, cache)
    pad = conv_param["pad"]
    return np.pad(dx, ((0, 0), (0, 0), (pad, pad), (pad, pad))), dw, db


@LAYER_MISTAKES.of("conv_backward_naive",
                   r"db has shape \(4,\).*sum dout over the examples and the positions")
def conv_backward_db_per_example(dout, cache):
    dx, dw, _ = REFERENCE["conv_backward_naive"](dout, cache)
    return dx, dw, dout.sum(axis=(1, 2, 3))


@LAYER_MISTAKES.of("conv_backward_naive", r"worked by hand: dw")
def conv_backward_dw_halved(dout, cache):
    dx, dw, db = REFERENCE["conv_backward_naive"](dout, cache)
    return dx, dw / 2, db


@LAYER_MISTAKES.of("max_pool_forward_naive", r"CS231n's example: relative error")
def pool_forward_mean(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = 1 + (x.shape[2] - ph) // s, 1 + (x.shape[3] - pw) // s
    out = np.array([[[[x[n, c, i * s:i * s + ph, j * s:j * s + pw].mean() for j in range(W_out)]
                      for i in range(H_out)] for c in range(x.shape[1])] for n in range(x.shape[0])])
    return out, (x, pool_param)


@LAYER_MISTAKES.of("max_pool_forward_naive", r"pool_height and pool_width swapped")
def pool_forward_swapped(x, pool_param):
    swapped = dict(pool_param, pool_height=pool_param["pool_width"], pool_width=pool_param["pool_height"])
    return REFERENCE["max_pool_forward_naive"](x, swapped)


def pool_backward_to(chosen, dout, cache):
    """A max-pool backward pass that gives each window's upstream gradient, whole, to every
    pixel that chosen(window) marks (a boolean mask of the windows, shape (N, C, ph, pw))."""
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * s, i * s + ph), slice(j * s, j * s + pw)
            dx[:, :, rows, cols] += chosen(x[:, :, rows, cols]) * dout[:, :, i:i + 1, j:j + 1]
    return dx


@LAYER_MISTAKES.of("max_pool_backward_naive", r"only to the pixel that held its maximum")
def pool_backward_everywhere(dout, cache):
    return pool_backward_to(lambda window: np.ones_like(window, dtype=bool), dout, cache)


@LAYER_MISTAKES.of("max_pool_backward_naive", r"first maximum")
def pool_backward_every_tie(dout, cache):
    return pool_backward_to(lambda window: window == window.max(axis=(2, 3), keepdims=True),
                            dout, cache)


test_layer_mistakes_fail = LAYER_MISTAKES.test()


# ---- ThreeLayerConvNet mistakes: subclasses of the reference ----------------------------------

NET_MISTAKES = Mistakes()


@NET_MISTAKES.of("ThreeLayerConvNet", r"2x2 max pool")
class ForgetsPooling(cnn.ThreeLayerConvNet):
    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7, hidden_dim=100, **kw):
        super().__init__(input_dim, num_filters, filter_size, hidden_dim, **kw)
        C, H, W = input_dim
        self.params["W2"] = np.zeros((num_filters * H * W, hidden_dim))


@NET_MISTAKES.of("ThreeLayerConvNet", r"regularize all three weight arrays")
@labelled_loss_changed(cnn.ThreeLayerConvNet)
def RegMissesW1(net, loss, grads):
    W1 = net.params["W1"]
    grads["W1"] = grads["W1"] - net.reg * W1
    return loss - 0.5 * net.reg * np.sum(W1 * W1), grads


NET_MISTAKES.add("ThreeLayerConvNet", reg_missing_from_grad(cnn.ThreeLayerConvNet, "W3"),
                 r"grads\['W3'\] differs from a numerical gradient.*reg \* W")
NET_MISTAKES.add("ThreeLayerConvNet", grads_without_labels(cnn.ThreeLayerConvNet), r"scores only")


test_net_mistakes_fail = NET_MISTAKES.test()
