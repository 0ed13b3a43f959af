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
