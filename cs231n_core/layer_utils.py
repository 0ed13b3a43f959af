"""Convenience layers: common sequences of layers as one forward/backward pair.

These are given code (not graded): each composes the layers of layers.py, so it
is right as soon as they are.
"""
from cs231n_core.layers import affine_backward, affine_forward, relu_backward, relu_forward


def affine_relu_forward(x, w, b):
    """Forward pass of an affine layer followed by a ReLU.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input to the affine layer.
    - w: array of shape (D, M), D = d_1 * ... * d_k, the weights.
    - b: array of shape (M,), the biases.

    Returns a tuple of:
    - out: array of shape (N, M), the output of the ReLU.
    - cache: (fc_cache, relu_cache), for affine_relu_backward.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of the affine-ReLU convenience layer.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: (fc_cache, relu_cache) from affine_relu_forward.

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k), gradient with respect to x.
    - dw: array of shape (D, M), gradient with respect to w.
    - db: array of shape (M,), gradient with respect to b.
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


# --------------------------------------------------------------------------------------
# Affine - normalization - ReLU (assignment 2, for FullyConnectedNet with normalization)
# --------------------------------------------------------------------------------------

from cs231n_core.layers import (batchnorm_backward_alt, batchnorm_forward,  # noqa: E402
                                layernorm_backward, layernorm_forward)


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """Forward pass of an affine layer, a normalization layer and a ReLU.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input to the affine layer.
    - w: array of shape (D, M), the weights; b: array of shape (M,), the biases.
    - gamma, beta: arrays of shape (M,), the normalization's scale and shift.
    - norm_param: bn_param (batch norm) or ln_param (layer norm), a dictionary.
    - normalization: "batchnorm" or "layernorm".

    Returns a tuple of:
    - out: array of shape (N, M), the output of the ReLU.
    - cache: (fc_cache, norm_cache, relu_cache, normalization), for
      affine_norm_relu_backward.
    """
    forwards = {"batchnorm": batchnorm_forward, "layernorm": layernorm_forward}
    if normalization not in forwards:
        raise ValueError('normalization must be "batchnorm" or "layernorm", got %r'
                         % (normalization,))
    a, fc_cache = affine_forward(x, w, b)
    a_norm, norm_cache = forwards[normalization](a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, norm_cache, relu_cache, normalization)


def affine_norm_relu_backward(dout, cache):
    """Backward pass of the affine-normalization-ReLU convenience layer.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: from affine_norm_relu_forward.

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k); dw: (D, M); db: (M,);
    - dgamma, dbeta: arrays of shape (M,).
    """
    fc_cache, norm_cache, relu_cache, normalization = cache
    backwards = {"batchnorm": batchnorm_backward_alt, "layernorm": layernorm_backward}
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = backwards[normalization](da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
