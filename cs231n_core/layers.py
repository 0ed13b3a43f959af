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


# ======================================================================================
# Normalization layers (assignment 2): batch normalization, layer normalization, and
# their spatial versions for convolutional networks (spatial batch norm, group norm).
#
# bn_param keys (CS231n's, listed in ARCHITECTURE.md): "mode" ("train" or "test", required),
# "eps" (default 1e-5), "momentum" (default 0.9), "running_mean" and "running_var"
# (arrays of shape (D,), zeros when absent). The running averages are updated in place
# of the dictionary: running = momentum * running + (1 - momentum) * batch.
# ======================================================================================

def _norm_mode(bn_param, layer):
    """bn_param's "mode", or a clear error when it is missing or unknown."""
    if not isinstance(bn_param, dict) or "mode" not in bn_param:
        raise ValueError('%s: bn_param must be a dict with a "mode" key ("train" or "test")'
                         % layer)
    mode = bn_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError('%s: invalid mode %r, expected "train" or "test"' % (layer, mode))
    return mode


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    During training the sample mean and (uncorrected, biased) sample variance are
    computed from minibatch statistics and used to normalize the incoming data. During
    training we also keep an exponentially decaying running mean of the mean and
    variance of each feature, and these averages are used to normalize data at test time.

    At each timestep we update the running averages for mean and variance using an
    exponential decay based on the momentum parameter:

        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var

    Input:
    - x: data of shape (N, D).
    - gamma: scale parameter of shape (D,).
    - beta: shift parameter of shape (D,).
    - bn_param: dictionary with the following keys:
      - mode: "train" or "test"; required.
      - eps: constant for numeric stability (default 1e-5).
      - momentum: constant for running mean / variance (default 0.9).
      - running_mean: array of shape (D,) giving running mean of features.
      - running_var: array of shape (D,) giving running variance of features.

    Returns a tuple of:
    - out: of shape (N, D).
    - cache: a tuple of values needed in the backward pass (train mode; None in
      test mode, which has no backward pass here).
    """
    mode = _norm_mode(bn_param, "batchnorm_forward")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    if np.ndim(x) != 2:
        raise ValueError("batchnorm_forward: x must have shape (N, D), got shape %s; for "
                         "images use spatial_batchnorm_forward" % (np.shape(x),))
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # TODO: implement the training-time forward pass. Use minibatch statistics to
        # compute the mean and variance, normalize the data with them, then scale by
        # gamma and shift by beta. Store what the backward pass needs in cache, and
        # update running_mean and running_var with the momentum (formula above).
        # BEGIN SOLUTION
        mean = np.mean(x, axis=0)                  # (D,)
        centred = x - mean                         # (N, D)
        var = np.mean(centred ** 2, axis=0)        # (D,), biased: divide by N
        std = np.sqrt(var + eps)                   # (D,)
        x_hat = centred / std                      # (N, D)
        out = gamma * x_hat + beta
        cache = (x_hat, centred, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
        # END SOLUTION
    else:
        # TODO: implement the test-time forward pass: normalize the data with the
        # running mean and variance, then scale by gamma and shift by beta.
        # BEGIN SOLUTION
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        # END SOLUTION

    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, through its computational graph.

    Draw the computation of batchnorm_forward as a graph of simple steps (mean,
    centring, variance, square root, division, scale, shift) and backpropagate
    through it one step at a time, from the output to the input.

    Inputs:
    - dout: upstream derivatives, of shape (N, D).
    - cache: variable of intermediates from batchnorm_forward (train mode).

    Returns a tuple of:
    - dx: gradient with respect to inputs x, of shape (N, D).
    - dgamma: gradient with respect to scale parameter gamma, of shape (D,).
    - dbeta: gradient with respect to shift parameter beta, of shape (D,).
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: implement the backward pass step by step, through the graph.
    # BEGIN SOLUTION
    x_hat, centred, std, gamma = cache
    N = dout.shape[0]
    # out = gamma * x_hat + beta
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma                                   # (N, D)
    # x_hat = centred * inv_std, with inv_std = 1 / std
    inv_std = 1.0 / std
    dinv_std = np.sum(dx_hat * centred, axis=0)             # (D,)
    dcentred = dx_hat * inv_std                             # (N, D), first path
    # inv_std = 1 / std
    dstd = -dinv_std / std ** 2
    # std = sqrt(var + eps)
    dvar = 0.5 * dstd / std
    # var = mean(sq, axis=0), with sq = centred ** 2
    dsq = np.ones_like(dout) * dvar / N
    # sq = centred ** 2
    dcentred += 2 * centred * dsq                           # second path
    # centred = x - mean
    dmean = -np.sum(dcentred, axis=0)
    dx = dcentred.copy()
    # mean = mean(x, axis=0)
    dx += np.ones_like(dout) * dmean / N
    # END SOLUTION
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Alternative backward pass of batch normalization: the simplified formula.

    Work out the derivatives of the batch normalization on paper and simplify them
    as far as you can; the result fits on one line and runs faster than the step by
    step backward pass (in CS231n, about 1.2x or better).

    Inputs / outputs: same as batchnorm_backward:
    - dout: upstream derivatives, of shape (N, D).
    - cache: variable of intermediates from batchnorm_forward (train mode).

    Returns a tuple of:
    - dx: of shape (N, D); dgamma: of shape (D,); dbeta: of shape (D,).
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: implement the simplified backward pass (a single expression for dx).
    # BEGIN SOLUTION
    x_hat, _, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.einsum("nd,nd->d", dout, x_hat)
    N = dout.shape[0]
    # dx = gamma / std * (dout - mean(dout) - x_hat * mean(dout * x_hat))
    dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma)
    # END SOLUTION
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    During both training and test time, the incoming data is normalized per data
    point (over its features), before being scaled by gamma and shifted by beta.
    In contrast to batch normalization, the behaviour is the same at train and test
    time, and no running averages are kept.

    Input:
    - x: data of shape (N, D).
    - gamma: scale parameter of shape (D,).
    - beta: shift parameter of shape (D,).
    - ln_param: dictionary with the following key:
      - eps: constant for numeric stability (default 1e-5).

    Returns a tuple of:
    - out: of shape (N, D).
    - cache: a tuple of values needed in the backward pass.
    """
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    # TODO: implement the forward pass of layer norm. Hint: it is batch norm's
    # training-time forward pass on the transposed data, without running averages.
    # BEGIN SOLUTION
    mean = np.mean(x, axis=1, keepdims=True)               # (N, 1)
    centred = x - mean
    std = np.sqrt(np.mean(centred ** 2, axis=1, keepdims=True) + eps)  # (N, 1), biased
    x_hat = centred / std                                  # (N, D)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    # END SOLUTION
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, D).
    - cache: variable of intermediates from layernorm_forward.

    Returns a tuple of:
    - dx: gradient with respect to inputs x, of shape (N, D).
    - dgamma: gradient with respect to scale parameter gamma, of shape (D,).
    - dbeta: gradient with respect to shift parameter beta, of shape (D,).
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: implement the backward pass of layer norm. Hint: batch norm's simplified
    # backward pass, with the roles of the two axes exchanged.
    # BEGIN SOLUTION
    x_hat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma                                  # (N, D)
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * np.mean(dx_hat * x_hat, axis=1, keepdims=True)) / std
    # END SOLUTION
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization (for convolutional layers).

    Each channel is normalized with the statistics of all N * H * W values it holds
    in the minibatch; reshape the data so that batchnorm_forward does the work.

    Inputs:
    - x: input data of shape (N, C, H, W).
    - gamma: scale parameter, of shape (C,).
    - beta: shift parameter, of shape (C,).
    - bn_param: dictionary with the keys of batchnorm_forward's:
      - mode: "train" or "test"; required.
      - eps: constant for numeric stability (default 1e-5).
      - momentum: constant for running mean / variance (default 0.9).
      - running_mean: array of shape (C,) giving running mean of features.
      - running_var: array of shape (C,) giving running variance of features.

    Returns a tuple of:
    - out: output data, of shape (N, C, H, W).
    - cache: values needed for the backward pass.
    """
    out, cache = None, None
    # TODO: implement spatial batch norm with your batchnorm_forward, in a few lines.
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)          # (N * H * W, C)
    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # END SOLUTION
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H, W).
    - cache: values from the forward pass.

    Returns a tuple of:
    - dx: gradient with respect to inputs, of shape (N, C, H, W).
    - dgamma: gradient with respect to scale parameter, of shape (C,).
    - dbeta: gradient with respect to shift parameter, of shape (C,).
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: implement the backward pass with your batchnorm backward pass.
    # BEGIN SOLUTION
    N, C, H, W = dout.shape
    drows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(drows, cache)
    dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    # END SOLUTION
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of spatial group normalization.

    In contrast to layer normalization, group normalization splits each entry in the
    data into G contiguous pieces of C // G channels, which it then normalizes
    independently (over the piece's channels and all its positions). Per-channel
    scaling and shifting follow, as in batch and layer normalization.

    Inputs:
    - x: input data of shape (N, C, H, W).
    - gamma: scale parameter, of shape (1, C, 1, 1).
    - beta: shift parameter, of shape (1, C, 1, 1).
    - G: integer number of groups to split into, should be a divisor of C.
    - gn_param: dictionary with the following key:
      - eps: constant for numeric stability (default 1e-5).

    Returns a tuple of:
    - out: output data, of shape (N, C, H, W).
    - cache: values needed for the backward pass.
    """
    out, cache = None, None
    eps = gn_param.get("eps", 1e-5)
    if np.ndim(x) != 4:
        raise ValueError("spatial_groupnorm_forward: x must have shape (N, C, H, W), got "
                         "shape %s" % (np.shape(x),))
    if x.shape[1] % G != 0:
        raise ValueError("spatial_groupnorm_forward: the number of groups G=%d must divide "
                         "the number of channels C=%d" % (G, x.shape[1]))
    # TODO: implement the forward pass of spatial group normalization. Hint: it is
    # layer norm over each group: reshape x to (N, G, C // G, H, W).
    # BEGIN SOLUTION
    N, C, H, W = x.shape
    groups = x.reshape(N, G, -1)                           # (N, G, C // G * H * W)
    mean = groups.mean(axis=2, keepdims=True)
    centred = groups - mean
    std = np.sqrt(np.mean(centred ** 2, axis=2, keepdims=True) + eps)  # (N, G, 1)
    x_hat = (centred / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma, G)
    # END SOLUTION
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial group normalization.

    Inputs:
    - dout: upstream derivatives, of shape (N, C, H, W).
    - cache: values from the forward pass.

    Returns a tuple of:
    - dx: gradient with respect to inputs, of shape (N, C, H, W).
    - dgamma: gradient with respect to scale parameter, of shape (1, C, 1, 1).
    - dbeta: gradient with respect to shift parameter, of shape (1, C, 1, 1).
    """
    dx, dgamma, dbeta = None, None, None
    # TODO: implement the backward pass of spatial group normalization.
    # BEGIN SOLUTION
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)          # (1, C, 1, 1)
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)
    dx_hat = (dout * gamma).reshape(N, G, -1)                # per group, as in layer norm
    x_hat_groups = x_hat.reshape(N, G, -1)
    dx = (dx_hat - dx_hat.mean(axis=2, keepdims=True)
          - x_hat_groups * np.mean(dx_hat * x_hat_groups, axis=2, keepdims=True)) / std
    dx = dx.reshape(N, C, H, W)
    # END SOLUTION
    return dx, dgamma, dbeta


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
