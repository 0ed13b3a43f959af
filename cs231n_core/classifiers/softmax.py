"""Softmax (cross-entropy) loss of a linear classifier (assignment 1).

With scores s = X[i].dot(W) of example i (W of shape (D, C)), the softmax classifier
reads the scores as unnormalized log-probabilities,

    p[j] = exp(s[j]) / sum over k of exp(s[k]),

and its loss is the cross-entropy L_i = -log(p[y[i]]), averaged over the minibatch,
plus the L2 regularization reg * sum(W * W) (gradient 2 * reg * W). The gradient of
L_i with respect to the scores is p - onehot(y[i]).

Numerical stability: exp overflows for scores above about 709. Subtracting the largest
score of a row from all its scores changes no probability (the common factor cancels)
and keeps every exponent <= 0, so nothing overflows. Writing the loss as
log(sum_k exp(s[k] - max)) - (s[y[i]] - max) also keeps it finite when the correct
class's probability is too small to represent.
"""
import numpy as np


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss function, naive implementation (with loops).

    Inputs have dimension D, there are C classes, and we operate on minibatches of N
    examples.

    Inputs:
    - W: A numpy array of shape (D, C) containing weights.
    - X: A numpy array of shape (N, D) containing a minibatch of data.
    - y: A numpy array of shape (N,) containing training labels; y[i] = c means that
      X[i] has label c, where 0 <= c < C.
    - reg: (float) regularization strength.

    Returns a tuple of:
    - loss: the loss, a single float.
    - dW: the gradient of the loss with respect to the weights W, an array of the same
      shape as W, (D, C).
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.float64)
    # TODO: compute the softmax loss and its gradient using explicit loops over the
    # examples (and, if you like, over the classes). Store the loss in loss and the
    # gradient in dW. Be careful about numeric instability: shift the scores of each
    # example by their maximum before exponentiating (see the module docstring). Then
    # average over the N examples and add the regularization reg * np.sum(W * W) and
    # its gradient.
    # BEGIN SOLUTION
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        f = X[i].dot(W)                      # (C,) scores of example i
        f = f - np.max(f)                    # shift: the largest score becomes 0
        sum_exp = np.sum(np.exp(f))
        loss += np.log(sum_exp) - f[y[i]]    # -log(p[y[i]]), finite even if p underflows
        p = np.exp(f) / sum_exp              # (C,) class probabilities
        for j in range(num_classes):
            dW[:, j] += (p[j] - (j == y[i])) * X[i]

    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    # END SOLUTION
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss function, vectorized version.

    Inputs and outputs are the same as softmax_loss_naive.
    """
    # Initialize the loss and gradient to zero.
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.float64)
    # TODO: compute the softmax loss and its gradient using no explicit loops.
    # Store the loss in loss and the gradient in dW. Shift the scores of each row by
    # the row's maximum (np.max with keepdims=True) for numeric stability, compute the
    # probabilities of all examples at once, pick the correct classes' entries with
    # probs[np.arange(N), y], and remember the regularization.
    # BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)                                           # (N, C)
    shifted = scores - np.max(scores, axis=1, keepdims=True)    # each row's maximum is 0
    log_sum_exp = np.log(np.sum(np.exp(shifted), axis=1))       # (N,)
    loss = np.sum(log_sum_exp - shifted[rows, y]) / num_train + reg * np.sum(W * W)

    probs = np.exp(shifted - log_sum_exp[:, np.newaxis])        # (N, C), rows sum to 1
    probs[rows, y] -= 1                                         # d loss_i / d scores
    dW = X.T.dot(probs) / num_train + 2 * reg * W               # (D, C)
    # END SOLUTION
    return loss, dW
