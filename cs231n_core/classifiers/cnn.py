"""A three-layer convolutional network (assignment 2).

Like the fully connected nets, the network keeps its learnable parameters in
the dictionary self.params (keys "W1", "b1", ..., "W3", "b3") and its L2
regularization strength in self.reg; loss(X, y=None) returns the class scores
when y is None and the pair (loss, grads) otherwise, the API that
cs231n_core.solver.Solver trains.
"""
import numpy as np

from cs231n_core.layers import affine_backward, affine_forward, softmax_loss
from cs231n_core.layer_utils import (affine_relu_backward, affine_relu_forward,
                                     conv_relu_pool_backward, conv_relu_pool_forward)


class ThreeLayerConvNet:
    """A three-layer convolutional network with the architecture

        conv - relu - 2x2 max pool - affine - relu - affine - softmax

    The network operates on minibatches of data of shape (N, C, H, W): N images,
    each with height H, width W and C input channels.

    The learnable parameters are stored in the dictionary self.params:
    - W1: convolution filters, of shape (F, C, filter_size, filter_size)
    - b1: convolution biases, of shape (F,)
    - W2: hidden affine weights, of shape (F * (H // 2) * (W // 2), hidden_dim)
    - b2: hidden affine biases, of shape (hidden_dim,)
    - W3: output affine weights, of shape (hidden_dim, num_classes)
    - b3: output affine biases, of shape (num_classes,)
    """

    def __init__(self, input_dim=(3, 32, 32), num_filters=32, filter_size=7,
                 hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0,
                 dtype=np.float32):
        """Initialize a new network.

        Inputs:
        - input_dim: tuple (C, H, W) giving the size of the input data.
        - num_filters: number F of filters of the convolutional layer.
        - filter_size: width and height of the filters (an odd number: the
          convolution pads the input so as to keep its height and width).
        - hidden_dim: number of units of the fully connected hidden layer.
        - num_classes: number of scores produced by the final affine layer.
        - weight_scale: scalar, the standard deviation of the random
          initialization of the weights.
        - reg: scalar, the L2 regularization strength.
        - dtype: numpy datatype to use for computation.
        """
        if len(input_dim) != 3:
            raise ValueError(f"input_dim must be a tuple (C, H, W), got {input_dim!r}")
        self.params = {}
        self.reg = reg
        self.dtype = dtype
        # TODO: initialize the weights and biases of the three-layer network.
        # Weights are drawn from a Gaussian centred at 0 with standard deviation
        # weight_scale (np.random.randn), biases are zeros. Store the
        # convolutional layer's in W1 and b1, the hidden affine layer's in W2
        # and b2, the output affine layer's in W3 and b3.
        # IMPORTANT: the convolution is padded to keep the input's height and
        # width, and the 2x2 max pool (stride 2) halves them, so the hidden
        # affine layer sees num_filters * (H // 2) * (W // 2) inputs.
        # BEGIN SOLUTION
        C, H, W = input_dim
        pooled_size = num_filters * (H // 2) * (W // 2)
        self.params["W1"] = weight_scale * np.random.randn(num_filters, C, filter_size, filter_size)
        self.params["b1"] = np.zeros(num_filters)
        self.params["W2"] = weight_scale * np.random.randn(pooled_size, hidden_dim)
        self.params["b2"] = np.zeros(hidden_dim)
        self.params["W3"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b3"] = np.zeros(num_classes)
        # END SOLUTION

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Evaluate the loss and gradient of the three-layer convolutional network.

        Inputs:
        - X: array of shape (N, C, H, W) of input data.
        - y: integer array of shape (N,) of labels; y[i] is the label of X[i].

        Returns:
        If y is None, a test-time forward pass:
        - scores: array of shape (N, num_classes) of class scores.

        If y is not None, a training-time forward and backward pass, a tuple of:
        - loss: scalar, the softmax data loss plus the L2 regularization
          0.5 * reg * (sum(W1 * W1) + sum(W2 * W2) + sum(W3 * W3)).
        - grads: dictionary with the keys of self.params, grads[k] the
          gradient of the loss with respect to self.params[k] (same shape).
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]
        # the data in the weights' dtype: matrix products of mixed dtypes are several
        # times slower than those of one
        X = np.asarray(X).astype(W1.dtype, copy=False)

        # pass conv_param to the forward pass for the convolutional layer
        # Padding and stride chosen to preserve the input spatial size
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}

        # pass pool_param to the forward pass for the max-pooling layer
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        # TODO: implement the forward pass of the three-layer convolutional
        # net, computing the class scores of X and storing them in scores.
        # The functions of cs231n_core.layer_utils (conv_relu_pool_forward,
        # affine_relu_forward) keep this short.
        # BEGIN SOLUTION
        pooled, pool_cache = conv_relu_pool_forward(X, W1, b1, conv_param, pool_param)
        hidden, hidden_cache = affine_relu_forward(pooled, W2, b2)   # (N, hidden_dim)
        scores, scores_cache = affine_forward(hidden, W3, b3)        # (N, num_classes)
        # END SOLUTION

        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: implement the backward pass of the three-layer convolutional
        # net, storing the loss in loss and the gradients in grads. Compute the
        # data loss with softmax_loss, and make sure that grads[k] holds the
        # gradient of the loss with respect to self.params[k]. Add the L2
        # regularization 0.5 * reg * sum(W * W) of all three weight arrays
        # (not of the biases).
        # BEGIN SOLUTION
        loss, dout = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))
        dhidden, dW3, db3 = affine_backward(dout, scores_cache)
        dpooled, dW2, db2 = affine_relu_backward(dhidden, hidden_cache)
        _, dW1, db1 = conv_relu_pool_backward(dpooled, pool_cache)
        grads = {"W1": dW1 + self.reg * W1, "b1": db1,
                 "W2": dW2 + self.reg * W2, "b2": db2,
                 "W3": dW3 + self.reg * W3, "b3": db3}
        # END SOLUTION
        return loss, grads
