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


# --------------------------------------------------------------------------------------
# Assignment 2: dropout
# --------------------------------------------------------------------------------------

def dropout_forward(x, dropout_param):
    """Forward pass of (inverted) dropout.

    In training mode each unit is kept with probability p and zeroed otherwise;
    the kept units are divided by p, so that the expected output equals the input
    and the test-time forward pass is the identity (inverted dropout: nothing
    to rescale at test time).

    Inputs:
    - x: array of any shape, the input data.
    - dropout_param: a dictionary with the keys:
      - p: dropout parameter, the probability of KEEPING each unit (0 < p <= 1).
      - mode: "train" or "test". In "train" mode dropout is applied; in "test"
        mode the input is returned unchanged.
      - seed: optional seed of the random number generator (np.random.seed).
        Passing a seed makes this function deterministic, which gradient
        checking needs: the same seed gives the same mask.

    Returns a tuple of:
    - out: array of the shape (and dtype) of x.
    - cache: the tuple (dropout_param, mask). In training mode, mask is the
      array (of the shape of x) that multiplied the input: 0 for a dropped unit,
      1 / p for a kept one; in test mode mask is None.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if not 0 < p <= 1:
        raise ValueError("dropout_param['p'] is the probability of keeping a unit: "
                         "expected 0 < p <= 1, got %r" % (p,))
    if mode not in ("train", "test"):
        raise ValueError("dropout_param['mode'] must be 'train' or 'test', got %r" % (mode,))
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        # TODO: implement the training-phase forward pass of inverted dropout:
        # draw the mask with np.random.rand (keep a unit where the draw is < p),
        # scale it by 1 / p, and store it in mask for the backward pass.
        # BEGIN SOLUTION
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
        # END SOLUTION
    elif mode == "test":
        # TODO: implement the test-phase forward pass of inverted dropout.
        # BEGIN SOLUTION
        out = x
        # END SOLUTION

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout.

    Inputs:
    - dout: array of any shape, the upstream derivative.
    - cache: the tuple (dropout_param, mask) from dropout_forward.

    Returns:
    - dx: gradient with respect to x, of the shape of dout. Use the forward
      pass's mask: drawing a new one would route the gradient through
      different units than the ones the forward pass kept.
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        # TODO: implement the training-phase backward pass of inverted dropout.
        # BEGIN SOLUTION
        dx = dout * mask
        # END SOLUTION
    elif mode == "test":
        dx = dout
    return dx
