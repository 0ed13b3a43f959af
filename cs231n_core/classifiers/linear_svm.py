"""Multiclass support vector machine (hinge) loss of a linear classifier (assignment 1).

The linear classifier scores the N examples of a minibatch X (N, D) for C classes as
X.dot(W) with weights W of shape (D, C). The multiclass SVM loss of example i with
label y[i] and scores s = X[i].dot(W) is

    L_i = sum over j != y[i] of max(0, s[j] - s[y[i]] + delta),   delta = 1,

and the full loss is the mean of L_i over the minibatch plus the L2 regularization
reg * sum(W * W), whose gradient is 2 * reg * W.
"""
import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss function, naive implementation (with loops).

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
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    loss = 0.0
    # TODO: compute the loss and its gradient with loops. For each example i (rows of
    # X), compute its scores X[i].dot(W) (shape (C,)), then loop over the classes j:
    # every class other than y[i] whose margin scores[j] - scores[y[i]] + 1 is positive
    # adds that margin to the loss, adds X[i] to column j of dW and subtracts X[i] from
    # column y[i]. Then average the loss and the gradient over the N examples and add
    # the regularization reg * np.sum(W * W) to the loss and its gradient to dW.
    # BEGIN SOLUTION
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]

    # Right now the loss is a sum over all training examples, but we want it to be an
    # average instead, so we divide by num_train; the same holds for the gradient.
    loss /= num_train
    dW /= num_train

    # Add regularization to the loss and to the gradient.
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    # END SOLUTION
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss function, vectorized implementation.

    Inputs and outputs are the same as svm_loss_naive.
    """
    loss = 0.0
    dW = np.zeros(W.shape)  # initialize the gradient as zero
    # TODO: compute the loss and its gradient without any explicit loop.
    # 1. scores = X.dot(W), shape (N, C); pick the correct class scores with integer
    #    array indexing, scores[np.arange(N), y].
    # 2. margins = max(0, scores - correct + 1), shape (N, C), with the margins of the
    #    correct classes set to zero; the loss is their sum over the minibatch divided
    #    by N, plus reg * np.sum(W * W).
    # 3. For the gradient, build a coefficient matrix of shape (N, C): 1 where a margin
    #    is positive and, in the correct class column of each row, minus the number of
    #    positive margins of that row. Then dW = X.T.dot(coefficients) / N, plus the
    #    gradient 2 * reg * W of the regularization.
    # BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)                                        # (N, C)
    correct_scores = scores[rows, y][:, np.newaxis]          # (N, 1)
    margins = np.maximum(0, scores - correct_scores + 1.0)   # (N, C), delta = 1
    margins[rows, y] = 0                                     # the correct class adds nothing
    data_loss = np.sum(margins) / num_train
    loss = data_loss + reg * np.sum(W * W)

    coeff = (margins > 0).astype(X.dtype)                    # (N, C)
    coeff[rows, y] = -np.sum(coeff, axis=1)                  # minus the count of positive margins
    dW = X.T.dot(coeff) / num_train + 2 * reg * W            # (D, C)
    # END SOLUTION
    return loss, dW
