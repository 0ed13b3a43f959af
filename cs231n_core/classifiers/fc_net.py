"""Fully connected networks (assignment 1: TwoLayerNet).

A network keeps its learnable parameters in the dictionary self.params (keys
"W1", "b1", "W2", "b2", ...) and its L2 regularization strength in self.reg.
Its loss(X, y=None) method returns the class scores when y is None, and the
pair (loss, grads) otherwise, where grads has the keys of self.params: the API
that cs231n_core.solver.Solver trains.
"""
import numpy as np

from cs231n_core.layers import affine_backward, affine_forward, softmax_loss
from cs231n_core.layer_utils import affine_relu_backward, affine_relu_forward


class TwoLayerNet:
    """A two-layer fully connected network with a ReLU and a softmax loss.

    The architecture is affine - relu - affine - softmax: input dimension D,
    hidden dimension H, C classes. There is no loop over examples: the layers
    of cs231n_core.layers and cs231n_core.layer_utils do the work.

    The learnable parameters are stored in the dictionary self.params:
    - W1: first layer weights, of shape (D, H)
    - b1: first layer biases, of shape (H,)
    - W2: second layer weights, of shape (H, C)
    - b2: second layer biases, of shape (C,)
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10,
                 weight_scale=1e-3, reg=0.0):
        """Initialize a new network.

        Inputs:
        - input_dim: integer D, the size of the input.
        - hidden_dim: integer H, the size of the hidden layer.
        - num_classes: integer C, the number of classes.
        - weight_scale: scalar, the standard deviation of the random
          initialization of the weights.
        - reg: scalar, the L2 regularization strength.
        """
        self.params = {}
        self.reg = reg
        # TODO: initialize the weights and biases of the network. Weights are
        # drawn from a Gaussian centred at 0 with standard deviation
        # weight_scale (np.random.randn), biases are zeros. Store the weights
        # and biases of the first layer in W1 and b1, those of the second
        # layer in W2 and b2.
        # BEGIN SOLUTION
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)
        # END SOLUTION

    def loss(self, X, y=None):
        """Compute the loss and gradients of a minibatch of data.

        Inputs:
        - X: array of shape (N, d_1, ..., d_k) of input data, d_1 * ... * d_k = D.
        - y: integer array of shape (N,) of labels; y[i] is the label of X[i].

        Returns:
        If y is None, a test-time forward pass:
        - scores: array of shape (N, C), scores[i, c] is the score of X[i] for
          class c.

        If y is not None, a training-time forward and backward pass, a tuple of:
        - loss: scalar, the softmax data loss plus the L2 regularization
          0.5 * reg * (sum(W1 * W1) + sum(W2 * W2)).
        - grads: dictionary with the keys of self.params, grads[k] the
          gradient of the loss with respect to self.params[k] (same shape).
        """
        scores = None
        # TODO: implement the forward pass of the two-layer net, computing the
        # class scores of X and storing them in scores.
        # BEGIN SOLUTION
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        hidden, hidden_cache = affine_relu_forward(X, W1, b1)   # (N, H)
        scores, scores_cache = affine_forward(hidden, W2, b2)   # (N, C)
        # END SOLUTION

        # If y is None then we are in test mode so just return scores
        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: implement the backward pass of the two-layer net. Store the loss
        # in loss and the gradients in the grads dictionary. Compute the data
        # loss with softmax_loss, and make sure that grads[k] holds the
        # gradient of the loss with respect to self.params[k]. Add the L2
        # regularization 0.5 * reg * sum(W * W) of both weight matrices (not of
        # the biases): the factor 0.5 simplifies its gradient to reg * W.
        # BEGIN SOLUTION
        data_loss, dscores = softmax_loss(scores, y)
        reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss
        dhidden, dW2, db2 = affine_backward(dscores, scores_cache)
        _, dW1, db1 = affine_relu_backward(dhidden, hidden_cache)
        grads["W1"] = dW1 + self.reg * W1
        grads["b1"] = db1
        grads["W2"] = dW2 + self.reg * W2
        grads["b2"] = db2
        # END SOLUTION
        return loss, grads
