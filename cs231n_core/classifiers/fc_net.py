"""Fully connected networks (assignment 1: TwoLayerNet; assignment 2: FullyConnectedNet).

A network keeps its learnable parameters in the dictionary self.params (keys
"W1", "b1", "W2", "b2", ...) and its L2 regularization strength in self.reg.
Its loss(X, y=None) method returns the class scores when y is None, and the
pair (loss, grads) otherwise, where grads has the keys of self.params: the API
that cs231n_core.solver.Solver trains.
"""
import numpy as np

from cs231n_core import layers
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


# --------------------------------------------------------------------------------------
# Assignment 2: FullyConnectedNet
# --------------------------------------------------------------------------------------

NORMALIZATIONS = (None, "batchnorm", "layernorm")


class FullyConnectedNet:
    """A fully connected network with any number of hidden layers.

    The architecture, for a network of L layers (L - 1 hidden layers), is

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where batch/layer normalization and dropout are optional; the {...} block
    is repeated L - 1 times. The layers of cs231n_core.layers do the work.

    The learnable parameters are stored in the dictionary self.params:
    - W1, b1, ..., WL, bL: the weights and biases of the affine layers; Wi has
      shape (input size of layer i, output size of layer i), bi has shape
      (output size of layer i,). W1 has D rows and WL has C columns.
    - gamma1, beta1, ..., gamma(L-1), beta(L-1): the scale and shift of the
      normalization after each hidden affine layer (only with normalization),
      of shape (hidden size of that layer,).

    Learnable parameters are optimized with the Solver class.
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        """Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: a list of integers giving the size of each hidden layer.
        - input_dim: integer D, the size of the input.
        - num_classes: integer C, the number of classes.
        - dropout_keep_ratio: scalar in (0, 1], the probability of keeping a
          unit in dropout (dropout_param's p). 1 means no dropout at all.
        - normalization: None (no normalization), "batchnorm" or "layernorm".
        - reg: scalar, the L2 regularization strength.
        - weight_scale: scalar, the standard deviation of the random
          initialization of the weights.
        - dtype: a NumPy dtype; every parameter and every computation uses it.
          float32 is faster but less accurate: use float64 for numerical
          gradient checks.
        - seed: if not None, pass this seed to the dropout layers, which makes
          them deterministic so that we can gradient-check the model.
        """
        if normalization not in NORMALIZATIONS:
            raise ValueError("normalization must be None, 'batchnorm' or 'layernorm', got %r"
                             % (normalization,))
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError("dropout_keep_ratio is the probability of keeping a unit: "
                             "expected 0 < dropout_keep_ratio <= 1, got %r" % (dropout_keep_ratio,))
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        # TODO: initialize the parameters of the network, storing all values in
        # the self.params dictionary. Store the weights and biases of the first
        # layer in W1 and b1; of the second layer in W2 and b2, and so on.
        # Weights are drawn from a Gaussian centred at 0 with standard deviation
        # weight_scale (np.random.randn), biases are zeros.
        #
        # With batch or layer normalization, store the scale and shift of the
        # normalization after the first hidden layer in gamma1 and beta1, after
        # the second in gamma2 and beta2, and so on. Scales start at one,
        # shifts at zero. The output layer is not normalized.
        # BEGIN SOLUTION
        layer_dims = [input_dim] + list(hidden_dims) + [num_classes]
        for i in range(1, self.num_layers + 1):
            fan_in, fan_out = layer_dims[i - 1], layer_dims[i]
            self.params["W%d" % i] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params["b%d" % i] = np.zeros(fan_out)
            if self.normalization is not None and i < self.num_layers:
                self.params["gamma%d" % i] = np.ones(fan_out)
                self.params["beta%d" % i] = np.zeros(fan_out)
        # END SOLUTION

        # With dropout we pass the same dropout_param to every dropout layer:
        # it knows the keep probability and the mode (train / test), and the
        # seed, when one is given.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        # With batch normalization each layer keeps its own running means and
        # variances, so each gets its own bn_param: self.bn_params[0] goes to
        # the first batch normalization layer, self.bn_params[1] to the second.
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        # Cast all parameters to the chosen dtype.
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Compute the loss and gradients of a minibatch of data.

        Inputs:
        - X: array of shape (N, d_1, ..., d_k) of input data, d_1 * ... * d_k = D.
        - y: integer array of shape (N,) of labels; y[i] is the label of X[i].

        Returns:
        If y is None, a test-time forward pass (dropout off, batch normalization
        with its running averages):
        - scores: array of shape (N, C), scores[i, c] is the score of X[i] for
          class c.

        If y is not None, a training-time forward and backward pass, a tuple of:
        - loss: scalar, the softmax data loss plus the L2 regularization
          0.5 * reg * sum(W * W) of every weight matrix W1, ..., WL (not of the
          biases, nor of the gammas and betas).
        - grads: dictionary with the keys of self.params, grads[k] the
          gradient of the loss with respect to self.params[k] (same shape).
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        # Set train/test mode for the batchnorm params and the dropout param,
        # since they behave differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        scores = None

        # TODO: implement the forward pass of the fully connected net, computing
        # the class scores of X and storing them in scores.
        #
        # With dropout, pass self.dropout_param to every dropout layer.
        # With batch normalization, pass self.bn_params[0] to the forward pass
        # of the first batch normalization layer, self.bn_params[1] to the
        # second, and so on (layer normalization takes them too).
        #
        # Keep each layer's cache: the backward pass needs them all.
        # BEGIN SOLUTION
        caches = []
        hidden = X
        for i in range(1, self.num_layers):
            cache = {}
            hidden, cache["affine"] = layers.affine_forward(
                hidden, self.params["W%d" % i], self.params["b%d" % i])
            if self.normalization == "batchnorm":
                hidden, cache["norm"] = layers.batchnorm_forward(
                    hidden, self.params["gamma%d" % i], self.params["beta%d" % i],
                    self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                hidden, cache["norm"] = layers.layernorm_forward(
                    hidden, self.params["gamma%d" % i], self.params["beta%d" % i],
                    self.bn_params[i - 1])
            hidden, cache["relu"] = layers.relu_forward(hidden)
            if self.use_dropout:
                hidden, cache["dropout"] = layers.dropout_forward(hidden, self.dropout_param)
            caches.append(cache)
        L = self.num_layers
        scores, scores_cache = layers.affine_forward(
            hidden, self.params["W%d" % L], self.params["b%d" % L])
        # END SOLUTION

        # If test mode return early.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        # TODO: implement the backward pass of the fully connected net. Store
        # the loss in loss and the gradients in the grads dictionary. Compute the
        # data loss with softmax_loss, and make sure that grads[k] holds the
        # gradient of the loss with respect to self.params[k].
        #
        # Add the L2 regularization 0.5 * reg * sum(W * W) of every weight
        # matrix (not of the biases, gammas or betas): the factor 0.5 simplifies
        # its gradient to reg * W.
        # BEGIN SOLUTION
        loss, dhidden = layers.softmax_loss(scores, y)
        dhidden, dW, db = layers.affine_backward(dhidden, scores_cache)
        grads["W%d" % L], grads["b%d" % L] = dW, db
        for i in range(L - 1, 0, -1):
            cache = caches[i - 1]
            if self.use_dropout:
                dhidden = layers.dropout_backward(dhidden, cache["dropout"])
            dhidden = layers.relu_backward(dhidden, cache["relu"])
            if self.normalization == "batchnorm":
                dhidden, grads["gamma%d" % i], grads["beta%d" % i] = \
                    layers.batchnorm_backward(dhidden, cache["norm"])
            elif self.normalization == "layernorm":
                dhidden, grads["gamma%d" % i], grads["beta%d" % i] = \
                    layers.layernorm_backward(dhidden, cache["norm"])
            dhidden, grads["W%d" % i], grads["b%d" % i] = \
                layers.affine_backward(dhidden, cache["affine"])
        for i in range(1, L + 1):
            W = self.params["W%d" % i]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads["W%d" % i] += self.reg * W
        # END SOLUTION

        return loss, grads
