"""The public checks of the layers and TwoLayerNet: they fail with a useful sentence on
realistic mistakes, and report a TwoLayerNet that is not implemented yet (that they pass
on the reference, and report layers not implemented yet: tests/test_checks.py)."""
import numpy as np

from check_replay import (Mistakes, grads_without_labels, labelled_loss_changed,
                          reg_missing_from_grad, run_check)
from cs231n_core import layers
from cs231n_core.classifiers import fc_net

REFERENCE_SVM, REFERENCE_SOFTMAX = layers.svm_loss, layers.softmax_loss


# ---- realistic mistakes, one module-level function each, with what its check must say --------

LAYER_MISTAKES = Mistakes()


@LAYER_MISTAKES.of("affine_forward", r"raised ValueError")
def affine_forward_no_reshape(x, w, b):
    return x @ w + b, (x, w, b)


@LAYER_MISTAKES.of("affine_forward", r"small example worked by hand.*forget to add b")
def affine_forward_no_bias(x, w, b):
    return x.reshape(x.shape[0], -1) @ w, (x, w, b)


@LAYER_MISTAKES.of("affine_forward", r"CS231n's example .*row-major")
def affine_forward_fortran(x, w, b):
    return x.reshape(x.shape[0], -1, order="F") @ w + b, (x, w, b)


@LAYER_MISTAKES.of("affine_forward", r"should return a pair \(out, cache\)")
def affine_forward_out_only(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


@LAYER_MISTAKES.of("affine_backward", r"dx has shape \(2, 6\).*reshape it back")
def affine_backward_dx_flat(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)


@LAYER_MISTAKES.of("affine_backward", r"db has shape \(2, 3\).*sum dout")
def affine_backward_db_not_summed(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout


@LAYER_MISTAKES.of("affine_backward", r"expected dw.*do not divide by N")
def affine_backward_dw_averaged(dout, cache):
    x, w, b = cache
    return ((dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout / x.shape[0],
            dout.sum(axis=0))


@LAYER_MISTAKES.of("affine_backward", r"dw has shape \(3, 6\)")
def affine_backward_dw_transposed(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), dout.T @ x.reshape(x.shape[0], -1), dout.sum(axis=0)


@LAYER_MISTAKES.of("relu_forward", r"CS231n's example: relative error")
def relu_forward_leaky(x):
    return np.maximum(0.01 * x, x), x


@LAYER_MISTAKES.of("relu_forward", r"raised (TypeError|ValueError)")
def relu_forward_np_max(x):
    return np.max(0, x), x


@LAYER_MISTAKES.of("relu_forward", r"shape \(2, 4\) for x of shape \(2, 2, 2\)")
def relu_forward_flattens(x):
    return np.maximum(0, x.reshape(x.shape[0], -1)), x


@LAYER_MISTAKES.of("relu_backward", r"exactly 0 the gradient should be 0")
def relu_backward_at_zero(dout, x):
    return dout * (x >= 0)


@LAYER_MISTAKES.of("relu_backward", r"mask dout with x > 0")
def relu_backward_unmasked(dout, x):
    return dout


@LAYER_MISTAKES.of("relu_backward", r"relative error")
def relu_backward_times_activation(dout, x):
    return dout * np.maximum(0, x)


@LAYER_MISTAKES.of("svm_loss", r"divide the loss by the number of examples")
def svm_loss_not_averaged(x, y):
    loss, dx = REFERENCE_SVM(x, y)
    return loss * x.shape[0], dx


@LAYER_MISTAKES.of("svm_loss", r"margin of the correct class")
def svm_loss_counts_correct_class(x, y):
    loss, dx = REFERENCE_SVM(x, y)
    return loss + 1.0, dx


@LAYER_MISTAKES.of("softmax_loss", r"NaN or infinite for scores around 1000")
def softmax_loss_unstable(x, y):
    with np.errstate(all="ignore"):
        probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    dx = probs.copy()
    dx[np.arange(len(y)), y] -= 1
    return loss, dx / len(y)


def dx_not_averaged(loss_layer):
    """loss_layer (x, y) -> (loss, dx) with dx not divided by the number of examples N,
    named <its name>_dx_not_averaged."""
    def mistake(x, y):
        loss, dx = loss_layer(x, y)
        return loss, dx * x.shape[0]
    mistake.__name__ = loss_layer.__name__ + "_dx_not_averaged"
    return mistake


LAYER_MISTAKES.add("svm_loss", dx_not_averaged(REFERENCE_SVM), r"divide dx by N too")
LAYER_MISTAKES.add("softmax_loss", dx_not_averaged(REFERENCE_SOFTMAX), r"divide dx by N too")


@LAYER_MISTAKES.of("softmax_loss", r"lecture's example: dx")
def softmax_loss_forgets_minus_one(x, y):
    loss, dx = REFERENCE_SOFTMAX(x, y)
    dx = dx.copy()
    dx[np.arange(len(y)), y] += 1.0 / len(y)
    return loss, dx


test_layer_mistakes_fail = LAYER_MISTAKES.test()


# ---- TwoLayerNet mistakes: subclasses of the reference ---------------------------------------

NET_MISTAKES = Mistakes()


@NET_MISTAKES.of("TwoLayerNet", r"reg=1\.0.*0\.5 \* reg")
@labelled_loss_changed(fc_net.TwoLayerNet)
def MissingHalf(net, loss, grads):
    W1, W2 = net.params["W1"], net.params["W2"]
    return loss + 0.5 * net.reg * (np.sum(W1 * W1) + np.sum(W2 * W2)), grads


NET_MISTAKES.add("TwoLayerNet", reg_missing_from_grad(fc_net.TwoLayerNet, "W1"),
                 r"(sums of the gradients|numerical gradient)")


@NET_MISTAKES.of("TwoLayerNet", r"biases b1 and b2 should start at zero")
class RandomBiases(fc_net.TwoLayerNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params["b1"] = np.random.randn(*self.params["b1"].shape) * 1e-3


@NET_MISTAKES.of("TwoLayerNet", r"params\['W1'\] has mean .*np\.random\.randn")
class UniformInit(fc_net.TwoLayerNet):
    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        super().__init__(input_dim, hidden_dim, num_classes, weight_scale, reg)
        self.params["W1"] = weight_scale * np.random.rand(input_dim, hidden_dim)


@NET_MISTAKES.of("TwoLayerNet",
                 r"small random net \(ReLU active\).*is the ReLU of the hidden layer there")
class NoRelu(fc_net.TwoLayerNet):
    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        scores = (X.reshape(X.shape[0], -1) @ W1 + b1) @ W2 + b2
        if y is None:
            return scores
        return super().loss(X, y)


NET_MISTAKES.add("TwoLayerNet", grads_without_labels(fc_net.TwoLayerNet),
                 r"without labels should return the scores only")


@NET_MISTAKES.of("TwoLayerNet", r"grads lacks b2")
@labelled_loss_changed(fc_net.TwoLayerNet)
def MissingGrad(net, loss, grads):
    del grads["b2"]
    return loss, grads


class NotImplementedNet(fc_net.TwoLayerNet):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("write your code in fc_net.py")


test_net_mistakes_fail = NET_MISTAKES.test()


def test_net_not_implemented(monkeypatch, capsys):
    monkeypatch.setattr(fc_net, "TwoLayerNet", NotImplementedNet)
    result, out = run_check(capsys, "TwoLayerNet")
    assert result is False
    assert out.strip().splitlines()[-1].startswith("[todo] TwoLayerNet: not implemented yet")
