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


# ---------------------------------------------------------------------------
# Assignment 2: convolutional sandwich layers
#
# Built from the fast layers of fast_layers.py, as in CS231n: the naive ones
# would make training a convolutional network far too slow.
# ---------------------------------------------------------------------------
from cs231n_core.fast_layers import (conv_backward_fast, conv_forward_fast,  # noqa: E402
                                     max_pool_backward_fast, max_pool_forward_fast)


def conv_relu_forward(x, w, b, conv_param):
    """Forward pass of a convolution followed by a ReLU.

    Inputs:
    - x: input data, of shape (N, C, H, W).
    - w: filter weights, of shape (F, C, HH, WW).
    - b: biases, of shape (F,).
    - conv_param: the convolution's dictionary (keys 'stride', 'pad').

    Returns a tuple of:
    - out: the output of the ReLU, of shape (N, F, H', W').
    - cache: (conv_cache, relu_cache), for conv_relu_backward.
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    return out, cache


def conv_relu_backward(dout, cache):
    """Backward pass of the conv-ReLU convenience layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W').
    - cache: (conv_cache, relu_cache) from conv_relu_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    - dw: gradient with respect to w, of shape (F, C, HH, WW).
    - db: gradient with respect to b, of shape (F,).
    """
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """Forward pass of a convolution, a ReLU and a max pooling.

    Inputs:
    - x: input data, of shape (N, C, H, W).
    - w: filter weights, of shape (F, C, HH, WW).
    - b: biases, of shape (F,).
    - conv_param: the convolution's dictionary (keys 'stride', 'pad').
    - pool_param: the pooling's dictionary (keys 'pool_height', 'pool_width',
      'stride').

    Returns a tuple of:
    - out: the output of the pooling layer, of shape (N, F, H'', W'').
    - cache: (conv_cache, relu_cache, pool_cache), for conv_relu_pool_backward.
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    s, relu_cache = relu_forward(a)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_cache, relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout, cache):
    """Backward pass of the conv-ReLU-pool convenience layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H'', W'').
    - cache: (conv_cache, relu_cache, pool_cache) from conv_relu_pool_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    - dw: gradient with respect to w, of shape (F, C, HH, WW).
    - db: gradient with respect to b, of shape (F,).
    """
    conv_cache, relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    da = relu_backward(ds, relu_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db


from cs231n_core.layers import (spatial_batchnorm_backward,  # noqa: E402
                                spatial_batchnorm_forward)


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """Forward pass of a convolution, a spatial batch normalization and a ReLU.

    Inputs:
    - x: input data, of shape (N, C, H, W).
    - w: filter weights, of shape (F, C, HH, WW); b: biases, of shape (F,).
    - gamma, beta: arrays of shape (F,), the normalization's scale and shift.
    - conv_param: the convolution's dictionary (keys 'stride', 'pad').
    - bn_param: the batch normalization's dictionary (keys 'mode', 'eps',
      'momentum', 'running_mean', 'running_var').

    Returns a tuple of:
    - out: the output of the ReLU, of shape (N, F, H', W').
    - cache: (conv_cache, bn_cache, relu_cache), for conv_bn_relu_backward.
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    an, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(an)
    cache = (conv_cache, bn_cache, relu_cache)
    return out, cache


def conv_bn_relu_backward(dout, cache):
    """Backward pass of the conv-batchnorm-ReLU convenience layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W').
    - cache: (conv_cache, bn_cache, relu_cache) from conv_bn_relu_forward.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    - dw: gradient with respect to w, of shape (F, C, HH, WW).
    - db: gradient with respect to b, of shape (F,).
    - dgamma, dbeta: gradients with respect to gamma and beta, of shape (F,).
    """
    conv_cache, bn_cache, relu_cache = cache
    dan = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = spatial_batchnorm_backward(dan, bn_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db, dgamma, dbeta
