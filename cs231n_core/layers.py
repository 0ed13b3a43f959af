"""Layers of neural networks: forward and backward passes (assignment 1).

Every layer is a pair of functions, as in CS231n:

    out, cache = layer_forward(x, w, ...)   # cache: what the backward pass needs
    dx, dw, ... = layer_backward(dout, cache)

where dout is the upstream derivative (the gradient of the loss with respect to
`out`, of out's shape) and each returned gradient has the shape of its input.
A loss layer instead returns (loss, dx), the scalar loss and its gradient with
respect to the scores.

Write each function without Python loops over examples: NumPy's matrix
products, broadcasting and reductions do all the work. Check every backward
pass with cs231n_core.gradient_check.eval_numerical_gradient_array.
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer.

    The input x has shape (N, d_1, ..., d_k): a minibatch of N examples, each of
    shape (d_1, ..., d_k). Each example is reshaped into a row vector of
    dimension D = d_1 * ... * d_k (in NumPy's row-major order) and transformed
    into an output vector of dimension M.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input data.
    - w: array of shape (D, M), the weights.
    - b: array of shape (M,), the biases.

    Returns a tuple of:
    - out: array of shape (N, M), out[i] = x[i].reshape(D) @ w + b.
    - cache: the tuple (x, w, b), for affine_backward.
    """
    out = None
    # TODO: implement the affine forward pass and store the result in out.
    # Reshape x into rows first: (N, d_1, ..., d_k) -> (N, D).
    # BEGIN SOLUTION
    x_rows = x.reshape(x.shape[0], -1)  # (N, D)
    out = x_rows @ w + b                # (N, M)
    # END SOLUTION
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: the tuple (x, w, b) saved by affine_forward:
      - x: input data, of shape (N, d_1, ..., d_k)
      - w: weights, of shape (D, M)
      - b: biases, of shape (M,)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, d_1, ..., d_k).
    - dw: gradient with respect to w, of shape (D, M).
    - db: gradient with respect to b, of shape (M,).
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    # TODO: implement the affine backward pass. dx must have the shape of x,
    # so reshape it back; every example adds to dw and db.
    # BEGIN SOLUTION
    dx = (dout @ w.T).reshape(x.shape)        # (N, d_1, ..., d_k)
    dw = x.reshape(x.shape[0], -1).T @ dout   # (D, M)
    db = np.sum(dout, axis=0)                 # (M,)
    # END SOLUTION
    return dx, dw, db


def relu_forward(x):
    """Forward pass of a layer of rectified linear units (ReLUs).

    Input:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the shape of x, out = max(0, x) elementwise.
    - cache: x, for relu_backward.
    """
    out = None
    # TODO: implement the ReLU forward pass.
    # BEGIN SOLUTION
    out = np.maximum(0, x)
    # END SOLUTION
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of a layer of ReLUs.

    The ReLU is not differentiable at 0; like CS231n we use the gradient 0
    there: the upstream gradient passes only where x > 0 (strictly).

    Inputs:
    - dout: array of any shape, the upstream derivative.
    - cache: x, the input of relu_forward, of the shape of dout.

    Returns:
    - dx: gradient with respect to x, of the shape of x.
    """
    dx, x = None, cache
    # TODO: implement the ReLU backward pass.
    # BEGIN SOLUTION
    dx = dout * (x > 0)
    # END SOLUTION
    return dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss and its gradient, averaged over the minibatch.

    loss = (1 / N) * sum_i sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1)

    Inputs:
    - x: array of shape (N, C), x[i, j] is the score of class j for the i-th
      example.
    - y: integer array of shape (N,), the labels; y[i] is the correct class of
      x[i], 0 <= y[i] < C.

    Returns a tuple of:
    - loss: scalar, the average loss.
    - dx: array of shape (N, C), the gradient of the loss with respect to x.
    """
    loss, dx = None, None
    # TODO: implement the vectorized SVM loss and its gradient, with no loop.
    # BEGIN SOLUTION
    num_examples = x.shape[0]
    rows = np.arange(num_examples)
    correct_scores = x[rows, y]                                  # (N,)
    margins = np.maximum(0, x - correct_scores[:, None] + 1.0)   # (N, C)
    margins[rows, y] = 0                                         # the correct class does not count
    loss = np.sum(margins) / num_examples
    dx = (margins > 0).astype(np.float64)                        # 1 where a margin counts
    dx[rows, y] = -np.sum(dx, axis=1)                            # minus their number
    dx /= num_examples
    # END SOLUTION
    return loss, dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss and its gradient, averaged over the minibatch.

    loss = -(1 / N) * sum_i log(exp(x[i, y[i]]) / sum_j exp(x[i, j]))

    Inputs:
    - x: array of shape (N, C), x[i, j] is the score of class j for the i-th
      example.
    - y: integer array of shape (N,), the labels; y[i] is the correct class of
      x[i], 0 <= y[i] < C.

    Returns a tuple of:
    - loss: scalar, the average loss.
    - dx: array of shape (N, C), the gradient of the loss with respect to x.

    The loss must stay finite for large scores (say around 1e3): subtract each
    row's maximum before exponentiating, which leaves the softmax unchanged.
    """
    loss, dx = None, None
    # TODO: implement the vectorized softmax loss and its gradient, with no
    # loop, in a numerically stable way.
    # BEGIN SOLUTION
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)                          # (N, C), max 0
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    probs = np.exp(log_probs)                                               # (N, C)
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    # END SOLUTION
    return loss, dx


# ---------------------------------------------------------------------------
# Assignment 2: convolutional layers (naive, with loops)
#
# Written with explicit loops for clarity: the fast, vectorized versions live
# in fast_layers.py. Convolution here is what every deep learning library
# calls convolution: a cross-correlation, the filter is NOT flipped.
# ---------------------------------------------------------------------------


def _check_window_fits(x, window_height, window_width, pad, what):
    """Raise a clear error when a (padded) input cannot hold one window."""
    if x.ndim != 4:
        raise ValueError(f"{what}: x must have shape (N, C, H, W), got shape {x.shape}")
    height, width = x.shape[2] + 2 * pad, x.shape[3] + 2 * pad
    if window_height > height or window_width > width:
        raise ValueError(
            f"{what}: a {window_height}x{window_width} window does not fit in the "
            f"{height}x{width} (padded) input"
        )


def conv_forward_naive(x, w, b, conv_param):
    """Naive forward pass of a convolutional layer.

    The input consists of N data points, each with C channels, height H and
    width W. Each input is convolved with F different filters, where each
    filter spans all C channels and has height HH and width WW.

    Inputs:
    - x: input data, of shape (N, C, H, W).
    - w: filter weights, of shape (F, C, HH, WW).
    - b: biases, of shape (F,).
    - conv_param: a dictionary with the keys:
      - 'stride': the number of pixels between adjacent receptive fields in
        the horizontal and vertical directions.
      - 'pad': the number of pixels used to zero-pad the input on each side
        (top, bottom, left, right).

    Pad the input with zeros, but do not modify x itself.

    Returns a tuple of:
    - out: output data, of shape (N, F, H', W') where H' and W' are given by
        H' = 1 + (H + 2 * pad - HH) // stride
        W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param), for conv_backward_naive.
    """
    if w.ndim != 4 or w.shape[1] != x.shape[1]:
        raise ValueError(
            f"conv_forward_naive: w must have shape (F, C, HH, WW) with C = {x.shape[1]} "
            f"channels of x, got shape {w.shape}"
        )
    _check_window_fits(x, w.shape[2], w.shape[3], conv_param["pad"], "conv_forward_naive")
    out = None
    # TODO: implement the convolutional forward pass. Loops are fine here.
    # Hint: np.pad pads the two spatial axes only.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    window = x_pad[n, :, top:top + HH, left:left + WW]   # (C, HH, WW)
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    # END SOLUTION
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """Naive backward pass of a convolutional layer.

    Inputs:
    - dout: upstream derivatives, of shape (N, F, H', W').
    - cache: the tuple (x, w, b, conv_param) saved by conv_forward_naive.

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    - dw: gradient with respect to w, of shape (F, C, HH, WW).
    - db: gradient with respect to b, of shape (F,).
    """
    dx, dw, db = None, None, None
    # TODO: implement the convolutional backward pass. Every output pixel
    # out[n, f, i, j] touched one window of the padded input: send its
    # upstream derivative back to that window and to the filter f.
    # BEGIN SOLUTION
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))                    # one bias per filter
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    window = x_pad[n, :, top:top + HH, left:left + WW]
                    dw[f] += dout[n, f, i, j] * window
                    dx_pad[n, :, top:top + HH, left:left + WW] += dout[n, f, i, j] * w[f]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]         # drop the padding
    # END SOLUTION
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """Naive forward pass of a max-pooling layer.

    Inputs:
    - x: input data, of shape (N, C, H, W).
    - pool_param: a dictionary with the keys:
      - 'pool_height': the height of each pooling region.
      - 'pool_width': the width of each pooling region.
      - 'stride': the distance between adjacent pooling regions.

    No padding is necessary here.

    Returns a tuple of:
    - out: output data, of shape (N, C, H', W') where H' and W' are given by
        H' = 1 + (H - pool_height) // stride
        W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param), for max_pool_backward_naive.
    """
    _check_window_fits(x, pool_param["pool_height"], pool_param["pool_width"], 0,
                       "max_pool_forward_naive")
    out = None
    # TODO: implement the max-pooling forward pass. Loops are fine here.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    pool_h, pool_w = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    H_out = 1 + (H - pool_h) // stride
    W_out = 1 + (W - pool_w) // stride
    out = np.zeros((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    out[n, c, i, j] = np.max(x[n, c, top:top + pool_h, left:left + pool_w])
    # END SOLUTION
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """Naive backward pass of a max-pooling layer.

    The derivative of each output pixel goes to the input pixel that held its
    window's maximum. When several pixels of a window tie for the maximum, it
    goes to the first of them in row-major order (as np.argmax picks it), so
    that each window passes its derivative on exactly once.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H', W').
    - cache: the tuple (x, pool_param) saved by max_pool_forward_naive.

    Returns:
    - dx: gradient with respect to x, of shape (N, C, H, W).
    """
    dx = None
    # TODO: implement the max-pooling backward pass. Loops are fine here.
    # Hint: np.unravel_index turns np.argmax's flat index into (row, column).
    # BEGIN SOLUTION
    x, pool_param = cache
    N, C, H, W = x.shape
    pool_h, pool_w = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    window = x[n, c, top:top + pool_h, left:left + pool_w]
                    row, col = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, top + row, left + col] += dout[n, c, i, j]
    # END SOLUTION
    return dx
