# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: dropout
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
# # Dropout
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment2` in your assignment folder to check and
# zip it.*
#
# Dropout [1] is a technique for regularizing neural networks by randomly setting some
# output activations to zero during the forward pass. In this exercise you will implement
# a dropout layer and modify your fully connected network to optionally use dropout.
#
# In `dropout_param`, **`p` is the probability of keeping a unit** (as in CS231n), and you
# implement **inverted dropout**: kept units are divided by `p` during training, so that
# nothing changes at test time.
#
# [1] [Geoffrey E. Hinton et al, "Improving neural networks by preventing co-adaptation of
# feature detectors", arXiv 2012](https://arxiv.org/abs/1207.0580)

# %%
# Setup cell.
import os

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.data_utils import describe_data, get_data, training_subset
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layers import dropout_backward, dropout_forward
from cs231n_core.solver import Solver
from cs231n_core.vis_utils import plot_solver_comparison

# %run ../common_setup.ipy

# %%
# CIFAR-10 when downloaded (`cs231n data fetch cifar10`), else the embedded MNIST digits.
data = get_data("auto", num_training=500 if SMOKE else 4000, num_validation=100 if SMOKE else 500,
                num_test=100 if SMOKE else 500, subtract_mean=True, flatten=False,
                channels_first=True, seed=0)
print(describe_data(data, ("train", "val")))
input_dim = int(np.prod(data["X_train"].shape[1:]))

# %% [markdown]
# # Dropout: forward pass
#
# In the file `cs231n_core/layers.py`, implement the forward pass for dropout. Since dropout
# behaves differently during training and testing, make sure to implement the operation
# for both modes.
#
# Once you have done so, run the cell below to test your implementation. The mean of the
# output should stay close to the mean of the input in both modes, the fraction of zeros
# should be about `1 - p` in training mode, and nothing should be zeroed at test time.

# %%
np.random.seed(231)
x = np.random.randn(500, 500) + 10

for p in [0.25, 0.4, 0.7]:
    out, _ = dropout_forward(x, {"mode": "train", "p": p})
    out_test, _ = dropout_forward(x, {"mode": "test", "p": p})

    print("Running tests with p = ", p)
    print("Mean of input: ", x.mean())
    print("Mean of train-time output: ", out.mean())
    print("Mean of test-time output: ", out_test.mean())
    print("Fraction of train-time output set to zero: ", (out == 0).mean())
    print("Fraction of test-time output set to zero: ", (out_test == 0).mean())
    print()

# %%
check("dropout_forward")

# %% tags=["autograded:dropout_forward"]

# %% [markdown]
# # Dropout: backward pass
#
# In the file `cs231n_core/layers.py`, implement the backward pass for dropout: it must use
# the mask that the forward pass drew (kept in the cache). After doing so, run the following
# cell to numerically gradient-check your implementation.

# %%
np.random.seed(231)
x = np.random.randn(10, 10) + 10
dout = np.random.randn(*x.shape)

dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
out, cache = dropout_forward(x, dropout_param)
dx = dropout_backward(dout, cache)
dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)

# Error should be around e-10 or less.
print("dx relative error: ", rel_error(dx, dx_num))

# %%
check("dropout_backward")

# %% tags=["autograded:dropout_backward"]

# %% [markdown]
# ## Inline Question 1
#
# What happens if we do not divide the values being passed through inverse dropout by `p`
# in the dropout layer? Why does that happen?

# %% [markdown] tags=["written:inline_question_no_rescale"]
# Without the division by p, the expected output during training is p * x, while at test
# time (no dropout) it is x: the next layer sees activations of a different scale at test
# time than the ones it was trained on, so the network's test-time outputs are off (and
# get worse with depth). Dividing by p during training keeps the expectation equal to x in
# both modes, so the test-time forward pass needs no change.

# %% [markdown]
# # Fully connected networks with dropout
#
# In the file `cs231n_core/classifiers/fc_net.py`, modify your implementation to use
# dropout. Specifically, if the constructor of the network receives a value that is not 1
# for the `dropout_keep_ratio` parameter, then the net should add a dropout layer
# immediately after every ReLU nonlinearity. After doing so, run the following to
# numerically gradient-check your implementation.

# %%
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

for dropout_keep_ratio in [1, 0.75, 0.5]:
    print("Running check with dropout = ", dropout_keep_ratio)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, weight_scale=5e-2,
                              dtype=np.float64, dropout_keep_ratio=dropout_keep_ratio,
                              seed=123)

    loss, grads = model.loss(X, y)
    print("Initial loss: ", loss)

    # Relative errors should be around e-6 or less.
    # Note that it's fine if for dropout_keep_ratio=1 you have W2 error be on the order of e-5.
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        print("%s relative error: %.2e" % (name, rel_error(grad_num, grads[name])))
    print()

# %% [markdown]
# The graders of `FullyConnectedNet` (in the FullyConnectedNets notebook) also check the
# net with dropout: run `check("FullyConnectedNet")` again now.

# %%
check("FullyConnectedNet")

# %% [markdown]
# # Regularization experiment
#
# As an experiment, we will train a pair of two-layer networks on 500 training examples:
# one will use no dropout, and one will use a keep probability of 0.25. We will then
# visualize the training and validation accuracies of the two networks over time.

# %%
# Train two identical nets, one with dropout and one without.
np.random.seed(231)
num_train = 100 if SMOKE else 500
small_data = training_subset(data, num_train)
num_epochs = 2 if SMOKE else 25

solvers = {}
dropout_choices = [1, 0.25]
for dropout_keep_ratio in dropout_choices:
    np.random.seed(0)
    model = FullyConnectedNet([500], input_dim=input_dim,
                              dropout_keep_ratio=dropout_keep_ratio)
    print(dropout_keep_ratio)

    solver = Solver(model, small_data, num_epochs=num_epochs, batch_size=100,
                    update_rule="adam", optim_config={"learning_rate": 5e-4},
                    verbose=True, print_every=100)
    solver.train()
    solvers[dropout_keep_ratio] = solver
    print()

# %%
# Plot train and validation accuracies of the two models.
runs = {"%.2f dropout_keep_ratio" % keep: solvers[keep] for keep in dropout_choices}
plot_solver_comparison(runs, panels=("train_acc", "val_acc"))
plt.show()
for dropout_keep_ratio in dropout_choices:
    solver = solvers[dropout_keep_ratio]
    print("keep ratio %.2f: final train accuracy %.3f, best validation accuracy %.3f"
          % (dropout_keep_ratio, solver.train_acc_history[-1], solver.best_val_acc))

# %% [markdown]
# *Measured with the reference on the embedded MNIST digits (500 training images, 25
# epochs, Adam):* both nets reach 100% training accuracy; the best validation accuracy is
# 83.8% without dropout and 87.0% with a keep ratio of 0.25.
#
# ## Inline Question 2
#
# Compare the validation and training accuracies with and without dropout -- what do your
# results suggest about dropout as a regularizer?

# %% [markdown] tags=["written:inline_question_regularizer"]
# Without dropout the net fits the 500 training images almost perfectly, early, while its
# validation accuracy stops improving: it overfits. With dropout (keep ratio 0.25) the
# training accuracy rises more slowly and stays lower, but the validation accuracy is as
# high or higher and the gap between the two is smaller. Dropout acts as a regularizer: it
# keeps the network from relying on any single unit (co-adaptation), trading training fit
# for better generalization.

# %% [markdown]
# ## Inline Question 3
#
# Suppose we are training a deep fully connected network for image classification, with
# dropout after hidden layers (parameterized by keep probability p). If we are concerned
# about overfitting, how should we modify p (if at all) when we decide to decrease the
# size of the hidden layers (that is, the number of nodes in each layer)?

# %% [markdown] tags=["written:inline_question_layer_size"]
# Increase p (keep more units). Smaller hidden layers already have less capacity, so they
# overfit less and need less regularization; dropping as many units as before would leave
# too few active units per layer to represent the data. Roughly, the expected number of
# kept units p * H should not fall too low as H shrinks.
