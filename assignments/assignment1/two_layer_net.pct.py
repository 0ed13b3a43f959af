# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: two_layer_net
#   jupytext:
#     notebook_metadata_filter: cs231n
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fully connected neural nets: layers and a two-layer network
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment1` in your assignment folder to check and
# zip it.*
#
# In this exercise we build neural networks from **modular layers**, as in CS231n. Each layer
# is a pair of functions: a `forward` pass that receives inputs, weights and other
# parameters and returns an output and a `cache` of what the backward pass needs,
#
# ```python
# def layer_forward(x, w):
#     z = ...  # some intermediate value
#     out = ...  # the output
#     cache = (x, w, z, out)  # values we need to compute gradients
#     return out, cache
# ```
#
# and a `backward` pass that receives the upstream derivative `dout` and the cache and
# returns the gradients with respect to the inputs and the weights:
#
# ```python
# def layer_backward(dout, cache):
#     x, w, z, out = cache
#     dx = ...  # derivative of the loss with respect to x
#     dw = ...  # derivative of the loss with respect to w
#     return dx, dw
# ```
#
# Layers snap together into networks of any architecture, and their gradients come out of
# the chain rule. You implement six layers in `cs231n_core/layers.py`: `affine_forward`,
# `affine_backward`, `relu_forward`, `relu_backward`, `svm_loss` and `softmax_loss`, then the
# `TwoLayerNet` in `cs231n_core/classifiers/fc_net.py`, which you train with the `Solver`.
#
# After each one, run its **public check** cell: `check("<name>")` runs quick checks in this
# notebook and tells you in one sentence what looks wrong. The locked **autograded** cell
# after it is where your instructor's hidden graders run; they use other inputs than the
# public checks.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.classifiers.fc_net import TwoLayerNet
from cs231n_core.data_utils import describe_data, get_data, split_sizes
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n_core.layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                                softmax_loss, svm_loss)
from cs231n_core.solver import Solver
from cs231n_core.vis_utils import plot_solver_history, visualize_grid

# %run ../common_setup.ipy

# %% [markdown]
# ## Load the data
#
# **CIFAR-10** when you have downloaded it (`cs231n data fetch cifar10`), otherwise the
# **5,000 real MNIST digits** that ship with the course's dependencies. The mean training
# image is subtracted, and images stay images, channels first: `(N, C, H, W)`, so that your
# affine layer has to flatten them.
#
# `split_sizes(SMOKE)` gives the usual splits: 49,000 / 1,000 / 1,000 images of CIFAR-10
# (as in CS231n), 4,000 / 500 / 500 of the digits.

# %%
data = get_data("auto", subtract_mean=True, flatten=False, channels_first=True, seed=0,
                **split_sizes(SMOKE))
print(describe_data(data))

# %% [markdown]
# # Affine layer: forward
#
# Open `cs231n_core/layers.py` and implement `affine_forward`. Each example `x[i]` of shape
# `(d_1, ..., d_k)` is reshaped into a row of `D = d_1 * ... * d_k` numbers and multiplied by
# `w` of shape `(D, M)`, and `b` is added. Once you are done, test your implementation:

# %%
# Test the affine_forward function

num_inputs = 2
input_shape = (4, 5, 6)
output_dim = 3

input_size = num_inputs * np.prod(input_shape)
weight_size = output_dim * np.prod(input_shape)

x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
b = np.linspace(-0.3, 0.1, num=output_dim)

out, _ = affine_forward(x, w, b)
correct_out = np.array([[ 1.49834967,  1.70660132,  1.91485297],
                        [ 3.25553199,  3.5141327,   3.77273342]])

# Compare your output with ours. The error should be around e-9 or less.
print("Testing affine_forward function:")
print("difference: ", rel_error(out, correct_out))

# %%
check("affine_forward")

# %% tags=["autograded:affine_forward"]

# %% [markdown]
# # Affine layer: backward
#
# Now implement `affine_backward` and test it with a numeric gradient check. `dx` has the
# shape of `x`: reshape it back.

# %%
# Test the affine_backward function
np.random.seed(231)
x = np.random.randn(10, 2, 3)
w = np.random.randn(6, 5)
b = np.random.randn(5)
dout = np.random.randn(10, 5)

dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)

_, cache = affine_forward(x, w, b)
dx, dw, db = affine_backward(dout, cache)

# The error should be around e-10 or less
print("Testing affine_backward function:")
print("dx error: ", rel_error(dx_num, dx))
print("dw error: ", rel_error(dw_num, dw))
print("db error: ", rel_error(db_num, db))

# %%
check("affine_backward")

# %% tags=["autograded:affine_backward"]

# %% [markdown]
# # ReLU activation: forward
#
# Implement the forward pass of the ReLU activation function, `relu_forward`, and test it:

# %%
# Test the relu_forward function

x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)

out, _ = relu_forward(x)
correct_out = np.array([[ 0.,          0.,          0.,          0.,        ],
                        [ 0.,          0.,          0.04545455,  0.13636364,],
                        [ 0.22727273,  0.31818182,  0.40909091,  0.5,       ]])

# Compare your output with ours. The error should be on the order of e-8
print("Testing relu_forward function:")
print("difference: ", rel_error(out, correct_out))

# %%
check("relu_forward")

# %% tags=["autograded:relu_forward"]

# %% [markdown]
# # ReLU activation: backward
#
# Now implement the backward pass of the ReLU, `relu_backward`, and test it with numeric
# gradient checking. The ReLU has no derivative at 0: like CS231n, let the gradient through
# only where `x > 0`.

# %%
np.random.seed(231)
x = np.random.randn(10, 10)
dout = np.random.randn(*x.shape)

dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)

_, cache = relu_forward(x)
dx = relu_backward(dout, cache)

# The error should be on the order of e-12
print("Testing relu_backward function:")
print("dx error: ", rel_error(dx_num, dx))

# %%
check("relu_backward")

# %% tags=["autograded:relu_backward"]

# %% [markdown]
# ## Inline Question 1
#
# We've only asked you to implement ReLU, but there are a number of different activation
# functions that one could use in neural networks, each with its pros and cons. In
# particular, an issue commonly seen with activation functions is getting zero (or close to
# zero) gradient flow during backpropagation. Which of the following activation functions
# have this problem? If you consider these functions in the one dimensional case, what
# types of input would lead to this behaviour?
#
# 1. Sigmoid
# 2. ReLU
# 3. Leaky ReLU

# %% [markdown] tags=["written:inline_question_activations"]
# 1 and 2. The sigmoid saturates: for inputs of large magnitude (say |x| > 5, positive or
# negative) its derivative sigma(x)(1 - sigma(x)) is close to 0, so almost no gradient
# flows back. The ReLU has gradient exactly 0 for every negative input: a unit whose input
# is negative for all examples ("dead ReLU") never updates its weights again. The leaky
# ReLU keeps a small slope (e.g. 0.01) for negative inputs, so its gradient is never zero.

# %% [markdown]
# # "Sandwich" layers
#
# There are some common patterns of layers that are frequently used in neural nets. For
# example, affine layers are frequently followed by a ReLU nonlinearity. To make these
# common patterns easy, `cs231n_core/layer_utils.py` defines several convenience layers
# (given code: they only call your layers). Look at `affine_relu_forward` and
# `affine_relu_backward`, and run the following to numerically gradient check the backward
# pass:

# %%
np.random.seed(231)
x = np.random.randn(2, 3, 4)
w = np.random.randn(12, 10)
b = np.random.randn(10)
dout = np.random.randn(2, 10)

out, cache = affine_relu_forward(x, w, b)
dx, dw, db = affine_relu_backward(dout, cache)

dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)

# Relative error should be around e-10 or less
print("Testing affine_relu_forward and affine_relu_backward:")
print("dx error: ", rel_error(dx_num, dx))
print("dw error: ", rel_error(dw_num, dw))
print("db error: ", rel_error(db_num, db))

# %% [markdown]
# # Loss layers: SVM and softmax
#
# You implemented these loss functions for linear classifiers in the SVM and softmax
# exercises; now write them as layers: `svm_loss(x, y)` and `softmax_loss(x, y)` take the
# scores `x` of shape `(N, C)` and the labels `y`, and return the loss **averaged over the
# minibatch** and its gradient `dx` with respect to the scores. Write them without loops,
# and make the softmax numerically stable (its loss must stay finite for scores in the
# thousands). Run the following to check them:

# %%
np.random.seed(231)
num_classes, num_inputs = 10, 50
x = 0.001 * np.random.randn(num_inputs, num_classes)
y = np.random.randint(num_classes, size=num_inputs)

dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
loss, dx = svm_loss(x, y)

# Test svm_loss function. Loss should be around 9 and dx error should be around the order of e-9
print("Testing svm_loss:")
print("loss: ", loss)
print("dx error: ", rel_error(dx_num, dx))

# %%
check("svm_loss")

# %% tags=["autograded:svm_loss"]

# %%
dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
loss, dx = softmax_loss(x, y)

# Test softmax_loss function. Loss should be close to 2.3 and dx error should be around e-8
print("\nTesting softmax_loss:")
print("loss: ", loss)
print("dx error: ", rel_error(dx_num, dx))

# Large scores: the loss must stay finite.
loss, dx = softmax_loss(1000 * np.random.randn(5, 10), np.arange(5))
print("loss of scores around 1000 (finite, please): ", loss)

# %%
check("softmax_loss")

# %% tags=["autograded:softmax_loss"]

# %% [markdown]
# # Two-layer network
#
# Open `cs231n_core/classifiers/fc_net.py` and complete the `TwoLayerNet` class, a network
# with the architecture affine - relu - affine - softmax, built from the layers you just
# wrote. Its weights are drawn from a Gaussian of standard deviation `weight_scale`, its
# biases start at zero, and its loss adds the L2 regularization
# `0.5 * reg * (sum(W1 * W1) + sum(W2 * W2))`. Read through the class to understand the API:
# `self.params` holds the parameters and `loss(X, y)` returns the scores when `y` is `None`
# and `(loss, grads)` otherwise. Run the cell below to test your implementation.

# %%
np.random.seed(231)
N, D, H, C = 3, 5, 50, 7
X = np.random.randn(N, D)
y = np.random.randint(C, size=N)

std = 1e-3
model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)

print("Testing initialization ... ")
W1_std = abs(model.params["W1"].std() - std)
b1 = model.params["b1"]
W2_std = abs(model.params["W2"].std() - std)
b2 = model.params["b2"]
assert W1_std < std / 10, "First layer weights do not seem right"
assert np.all(b1 == 0), "First layer biases do not seem right"
assert W2_std < std / 10, "Second layer weights do not seem right"
assert np.all(b2 == 0), "Second layer biases do not seem right"

print("Testing test-time forward pass ... ")
model.params["W1"] = np.linspace(-0.7, 0.3, num=D*H).reshape(D, H)
model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
model.params["W2"] = np.linspace(-0.3, 0.4, num=H*C).reshape(H, C)
model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
X = np.linspace(-5.5, 4.5, num=N*D).reshape(D, N).T
scores = model.loss(X)
correct_scores = np.asarray(
  [[11.53165108,  12.2917344,   13.05181771,  13.81190102,  14.57198434, 15.33206765,  16.09215096],
   [12.05769098,  12.74614105,  13.43459113,  14.1230412,   14.81149128, 15.49994135,  16.18839143],
   [12.58373087,  13.20054771,  13.81736455,  14.43418138,  15.05099822, 15.66781506,  16.2846319 ]])
scores_diff = np.abs(scores - correct_scores).sum()
assert scores_diff < 1e-6, "Problem with test-time forward pass"

print("Testing training loss (no regularization)")
y = np.asarray([0, 5, 1])
loss, grads = model.loss(X, y)
correct_loss = 3.4702243556
assert abs(loss - correct_loss) < 1e-10, "Problem with training-time loss"

model.reg = 1.0
loss, grads = model.loss(X, y)
correct_loss = 26.5948426952
assert abs(loss - correct_loss) < 1e-10, "Problem with regularization loss"

# Errors should be around e-7 or less
for reg in [0.0, 0.7]:
    print("Running numeric gradient check with reg = ", reg)
    model.reg = reg
    loss, grads = model.loss(X, y)

    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False)
        print("%s relative error: %.2e" % (name, rel_error(grad_num, grads[name])))

# %%
check("TwoLayerNet")

# %% tags=["autograded:TwoLayerNet"]

# %% [markdown]
# # Solver
#
# Following a more modular design, the logic for training models lives in a separate
# class, `Solver` (`cs231n_core/solver.py`, given code); read through it to familiarize
# yourself with the API. Then use a `Solver` instance to train a `TwoLayerNet` that
# achieves **at least 48% accuracy on the CIFAR-10 validation set** (CS231n's target; on
# the embedded MNIST digits, aim for 88% or more). Start from a learning rate of `1e-3`,
# `lr_decay=0.95`, batches of 200 and 10 epochs.

# %%
input_dim = int(np.prod(data["X_train"].shape[1:]))
num_epochs = 1 if SMOKE else 10

np.random.seed(0)
model = TwoLayerNet(input_dim=input_dim, hidden_dim=100, num_classes=10)
solver = None

# %% tags=["solution:train_two_layer_net"]
# TODO: Use a Solver instance to train a TwoLayerNet that achieves about 48% accuracy on
# the CIFAR-10 validation set (88% on the MNIST digits). Train for num_epochs epochs.
### BEGIN SOLUTION
solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-3},
                lr_decay=0.95, num_epochs=num_epochs, batch_size=200, print_every=100)
solver.train()
### END SOLUTION
print("best validation accuracy: %.3f" % solver.best_val_acc)

# %% [markdown]
# # Debug the training
#
# With the default parameters we provided above, you should get a validation accuracy of
# about 0.36 after one epoch on CIFAR-10, and close to 0.50 after ten. One strategy for
# getting insight into what's wrong is to plot the loss function and the accuracies on the
# training and validation sets during optimization. Another strategy is to visualize the
# weights that were learned in the first layer of the network: in most neural networks
# trained on visual data, the first layer weights typically show some visible structure
# when visualized.

# %%
# Plot the loss function and train / validation accuracies
plot_solver_history(solver);


# %%
def show_net_weights(net):
    # Each column of W1 is one hidden unit's template: reshape it into an image.
    W1 = net.params["W1"]
    channels, height, width = data["X_train"].shape[1:]
    W1 = W1.reshape(channels, height, width, -1).transpose(3, 1, 2, 0)
    plt.imshow(visualize_grid(W1, padding=3).astype("uint8").squeeze())
    plt.gca().axis("off")
    plt.show()

show_net_weights(model)

# %% [markdown]
# # Tune your hyperparameters
#
# **What's wrong?** Looking at the visualizations above, the loss decreases more or less
# linearly, which seems to suggest that the learning rate may be too low. Moreover, there
# is no gap between the training and validation accuracy, suggesting that the model we used
# has low capacity, and that we should increase its size. On the other hand, with a very
# large model we would expect to see more overfitting, which would manifest itself as a
# very large gap between the training and validation accuracy.
#
# **Tuning.** Tuning the hyperparameters and developing intuition for how they affect the
# final performance is a large part of using neural networks, so we want you to get a lot
# of practice. Below, experiment with different values of the various hyperparameters,
# including the hidden layer size, the learning rate, the number of training epochs and
# the regularization strength. You might also consider tuning the learning rate decay, but
# you should be able to get good performance using the default value.
#
# **Approximate results.** You should aim to achieve a classification accuracy of greater
# than **48% on the CIFAR-10 validation set** (CS231n's target; the best networks get over
# 52%). On the embedded MNIST digits, a small search reaches above 92%.
#
# **Experiment**: your goal in this exercise is to get as good a result on the validation
# set as you can with a fully connected net. Feel free to implement your own techniques
# (e.g. PCA to reduce dimensionality, or adding dropout) to boost performance. Store your
# best model in `best_model` and the validation accuracy of each setting in `results`.
# Each setting trains for a while: `Solver(..., verbose="progress")` shows a progress bar.

# %% tags=["solution:tune_two_layer_net"]
best_model = None
results = {}  # (hidden_dim, learning_rate, reg) -> best validation accuracy
### BEGIN SOLUTION
hidden_dims = [100, 150]
learning_rates = [1e-3, 5e-3, 1e-2]
regs = [0.1, 0.5]
search_epochs = 10
if SMOKE:
    hidden_dims, learning_rates, regs, search_epochs = [50], [1e-3, 5e-3], [0.1], 1

best_val = -1.0
for hidden_dim in hidden_dims:
    for learning_rate in learning_rates:
        for reg in regs:
            np.random.seed(0)
            net = TwoLayerNet(input_dim=input_dim, hidden_dim=hidden_dim, num_classes=10,
                              reg=reg)
            search_solver = Solver(net, data, update_rule="sgd",
                                   optim_config={"learning_rate": learning_rate},
                                   lr_decay=0.95, num_epochs=search_epochs, batch_size=200,
                                   verbose="progress")
            with np.errstate(all="ignore"):  # a too-large learning rate may diverge
                search_solver.train()
            results[(hidden_dim, learning_rate, reg)] = search_solver.best_val_acc
            if search_solver.best_val_acc > best_val:
                best_val, best_model, best_solver = search_solver.best_val_acc, net, search_solver
### END SOLUTION

for (hidden_dim, learning_rate, reg), val_acc in sorted(results.items()):
    print("hidden %d  lr %.0e  reg %.2f  val accuracy: %.3f" % (hidden_dim, learning_rate, reg, val_acc))

# %% [markdown]
# # Test your model!
#
# Run your best model on the validation and test sets. You should achieve above 48%
# accuracy on the CIFAR-10 validation set and the test set.

# %%
y_val_pred = np.argmax(best_model.loss(data["X_val"]), axis=1)
print("Validation set accuracy: ", (y_val_pred == data["y_val"]).mean())
y_test_pred = np.argmax(best_model.loss(data["X_test"]), axis=1)
print("Test set accuracy: ", (y_test_pred == data["y_test"]).mean())

# %%
# Visualize the weights of the best network
show_net_weights(best_model)

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (49,000 training images, as in CS231n): about 36% validation accuracy after
#   one epoch with the default settings and close to 50% after ten; tuned two-layer nets
#   reach above **48%** on validation and test (the best about 52-55%). The first-layer
#   weights look like blurry colour templates.
# - **Embedded MNIST digits** (4,000 training, 500 validation, 500 test images; measured with
#   the reference solution): the default settings reach **89.4%** validation accuracy after
#   ten epochs; the search above picks hidden size 150, learning rate `1e-2` and `reg=0.1`
#   (**93.2%** validation, **93.0%** test accuracy). The first-layer weights look like pen
#   strokes and pieces of digits.

# %% [markdown]
# ## Inline Question 2
#
# Now that you have trained a Neural Network classifier, you may find that your testing
# accuracy is much lower than the training accuracy. In what ways can we decrease this
# gap? Select all that apply.
#
# 1. Train on a larger dataset.
# 2. Add more hidden units.
# 3. Increase the regularization strength.
# 4. None of the above.

# %% [markdown] tags=["written:inline_question_gap"]
# 1 and 3. The gap between training and test accuracy is overfitting. More training data
# makes the training set more representative of the test distribution, and a stronger
# regularization limits the capacity the network can use to fit noise. More hidden units
# (2) add capacity, which tends to widen the gap rather than close it (though it may raise
# the test accuracy too).
