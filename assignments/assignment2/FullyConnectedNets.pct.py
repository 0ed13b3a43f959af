# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: fc_nets
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
# # Multi-layer fully connected networks
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment2` in your assignment folder to check and
# zip it.*
#
# In the previous assignment you built a two-layer network from modular layers. Here you
# write `FullyConnectedNet` in `cs231n_core/classifiers/fc_net.py`: a network with **any
# number of hidden layers**, optional dropout and batch/layer normalization (the next two
# notebooks), and you implement three update rules that train deep networks much better
# than plain SGD: `sgd_momentum`, `rmsprop` and `adam` in `cs231n_core/optim.py`.
#
# After each one, run its **public check** cell (`check("<name>")`); the locked
# **autograded** cell after it is where your instructor's hidden graders run.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.checks.fc_nets import (ADAM_M, ADAM_NEXT_W, ADAM_V, MOMENTUM_NEXT_W,
                                    MOMENTUM_VELOCITY, RMSPROP_CACHE, RMSPROP_NEXT_W)
from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.data_utils import describe_data, get_data, split_sizes, training_subset
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.optim import adam, rmsprop, sgd_momentum
from cs231n_core.solver import Solver
from cs231n_core.vis_utils import plot_solver_comparison

# %run ../common_setup.ipy

# %% [markdown]
# ## Load the data
#
# **CIFAR-10** when you have downloaded it (`cs231n data fetch cifar10`), otherwise the
# **5,000 real MNIST digits** that ship with the course's dependencies; images channels
# first, `(N, C, H, W)`, with the mean training image subtracted.
#
# `split_sizes(SMOKE)` gives the usual splits: 49,000 / 1,000 / 1,000 images of CIFAR-10
# (as in CS231n), 4,000 / 500 / 500 of the digits.

# %%
data = get_data("auto", subtract_mean=True, flatten=False, channels_first=True, seed=0,
                **split_sizes(SMOKE))
print(describe_data(data))
input_dim = int(np.prod(data["X_train"].shape[1:]))

# %% [markdown]
# # Fully connected networks
#
# Open `cs231n_core/classifiers/fc_net.py` and implement the `FullyConnectedNet` class: its
# architecture is
#
# `{affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax`
#
# with parameters `W1, b1, ..., WL, bL` (and `gamma1, beta1, ...` with normalization). Leave
# dropout and normalization for the next notebooks; they only add a few lines later.
#
# ## Initial loss and gradient check
#
# As a sanity check, run the following to check the initial loss and to gradient check the
# network both with and without regularization. This is a good way to see whether the
# initial losses seem reasonable. For gradient checking, you should expect to see errors
# around 1e-7 or less.

# %%
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

for reg in [0, 3.14]:
    print("Running check with reg = ", reg)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                              weight_scale=5e-2, dtype=np.float64)

    loss, grads = model.loss(X, y)
    print("Initial loss: ", loss)  # CS231n: 2.3004790897684924 and 7.052114776533016

    # Most of the errors should be on the order of e-7 or smaller.
    # NOTE: It is fine however to see an error for W2 on the order of e-5
    # for the check when reg = 0.0
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        print(f"{name} relative error: {rel_error(grad_num, grads[name])}")

# %% [markdown]
# The net works at any depth, including none (`hidden_dims=[]` is a softmax classifier):

# %%
np.random.seed(0)
for hidden_dims in ([], [7], [7, 6, 5, 4]):
    model = FullyConnectedNet(hidden_dims, input_dim=D, num_classes=C, reg=0.5,
                              weight_scale=5e-2, dtype=np.float64)
    loss, grads = model.loss(X, y)
    worst = max(rel_error(eval_numerical_gradient(lambda _: model.loss(X, y)[0],
                                                  model.params[k], verbose=False, h=1e-5),
                          grads[k]) for k in grads)
    print("%d layers: loss %.4f, largest relative error %.1e"
          % (model.num_layers, loss, worst))

# %%
check("FullyConnectedNet")

# %% tags=["autograded:FullyConnectedNet"]

# %% [markdown]
# ## Overfit small data
#
# As another sanity check, make sure your network can overfit a small dataset of 50 images.
# First, we will try a three-layer network with 100 units in each hidden layer. In the
# following cell, tweak the **learning rate** and **weight initialization scale** to overfit
# and achieve 100% training accuracy within 20 epochs.

# %%
num_train = 50
small_data = training_subset(data, num_train)

# %% tags=["solution:overfit_three_layer"]
weight_scale = 1e-2   # Experiment with this!
learning_rate = 1e-4  # Experiment with this!
### BEGIN SOLUTION
weight_scale = 1e-2
learning_rate = 1e-2
### END SOLUTION
np.random.seed(0)
model = FullyConnectedNet([100, 100], input_dim=input_dim, weight_scale=weight_scale,
                          dtype=np.float64)
solver = Solver(model, small_data, print_every=10, num_epochs=20, batch_size=25,
                update_rule="sgd", optim_config={"learning_rate": learning_rate})
solver.train()

plt.plot(solver.loss_history)
plt.title("Training loss history")
plt.xlabel("Iteration")
plt.ylabel("Training loss")
plt.grid(linestyle="--", linewidth=0.5)
plt.show()
print("final training accuracy: %.2f" % solver.train_acc_history[-1])

# %% [markdown]
# Now try to use a five-layer network with 100 units on each layer to overfit 50 training
# examples. Again, you will have to adjust the learning rate and weight initialization
# scale, but you should be able to achieve 100% training accuracy within 20 epochs.

# %% tags=["solution:overfit_five_layer"]
learning_rate = 2e-3  # Experiment with this!
weight_scale = 1e-5   # Experiment with this!
### BEGIN SOLUTION
learning_rate = 2e-3
weight_scale = 1e-1
### END SOLUTION
np.random.seed(0)
model = FullyConnectedNet([100, 100, 100, 100], input_dim=input_dim,
                          weight_scale=weight_scale, dtype=np.float64)
solver = Solver(model, small_data, print_every=10, num_epochs=20, batch_size=25,
                update_rule="sgd", optim_config={"learning_rate": learning_rate})
solver.train()

plt.plot(solver.loss_history)
plt.title("Training loss history")
plt.xlabel("Iteration")
plt.ylabel("Training loss")
plt.grid(linestyle="--", linewidth=0.5)
plt.show()
print("final training accuracy: %.2f" % solver.train_acc_history[-1])

# %% [markdown]
# *Measured with the reference on the embedded MNIST digits:* both nets reach 100% training
# accuracy (the three-layer net with `weight_scale=1e-2, learning_rate=1e-2`, the five-layer
# net with `weight_scale=1e-1, learning_rate=2e-3`).
#
# ## Inline Question 1
#
# Did you notice anything about the comparative difficulty of training the three-layer
# network vs. training the five-layer network? In particular, based on your experience,
# which network seemed more sensitive to the initialization scale? Why do you think that is
# the case?

# %% [markdown] tags=["written:inline_question_depth"]
# The five-layer network is much more sensitive to the initialization scale. Each layer
# multiplies the signal (and, backwards, the gradient) by roughly weight_scale times the
# square root of the layer width; with more layers this factor is raised to a higher
# power, so a scale slightly too small makes activations and gradients vanish and one
# slightly too large makes them explode. The range of scales that train is therefore much
# narrower for the deeper net.

# %% [markdown]
# # Update rules
#
# So far we have used vanilla stochastic gradient descent (SGD) as our update rule. More
# sophisticated update rules can make it easier to train deep networks. We will implement
# a few of the most commonly used update rules and compare them to vanilla SGD.
#
# ## SGD+Momentum
#
# Stochastic gradient descent with momentum is a widely used update rule that tends to make
# deep networks converge faster than vanilla stochastic gradient descent. See the Momentum
# Update section at http://cs231n.github.io/neural-networks-3/#sgd for more information.
#
# Open `cs231n_core/optim.py` and read the documentation at the top of the file to make
# sure you understand the API. Implement the SGD+momentum update rule in the function
# `sgd_momentum` and run the following to check your implementation. You should see errors
# less than e-8.

# %%
N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D)
v = np.linspace(0.6, 0.9, num=N*D).reshape(N, D)

config = {"learning_rate": 1e-3, "velocity": v}
next_w, _ = sgd_momentum(w, dw, config=config)

# CS231n's published values, which check("sgd_momentum") compares with too.
expected_next_w = MOMENTUM_NEXT_W
expected_velocity = MOMENTUM_VELOCITY

# Should see relative errors around e-8 or less
print("next_w error: ", rel_error(next_w, expected_next_w))
print("velocity error: ", rel_error(expected_velocity, config["velocity"]))

# %%
check("sgd_momentum")

# %% tags=["autograded:sgd_momentum"]

# %% [markdown]
# Once you have done so, run the following to train a six-layer network with both SGD and
# SGD+momentum. You should see the SGD+momentum update rule converge faster.

# %%
num_train = 500 if SMOKE else 4000
small_data = training_subset(data, num_train)
compare_epochs = 1 if SMOKE else 5

solvers = {}
for update_rule in ["sgd", "sgd_momentum"]:
    print("Running with ", update_rule)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100, 100, 100, 100], input_dim=input_dim,
                              weight_scale=5e-2)
    solver = Solver(model, small_data, num_epochs=compare_epochs, batch_size=100,
                    update_rule=update_rule, optim_config={"learning_rate": 5e-3},
                    verbose=True)
    solvers[update_rule] = solver
    solver.train()
    print()

plot_solver_comparison(solvers)
plt.show()

# %% [markdown]
# ## RMSProp and Adam
#
# RMSProp [1] and Adam [2] are update rules that set per-parameter learning rates by using
# a running average of the second moments of gradients.
#
# In the file `cs231n_core/optim.py`, implement the RMSProp update rule in the `rmsprop`
# function and implement the Adam update rule in the `adam` function, and check your
# implementations using the tests below. Increment `t` **before** you use it in Adam's bias
# correction.
#
# **NOTE:** Please implement the _complete_ Adam update rule (with the bias correction
# mechanism), not the first simplified version mentioned in the course notes. (In this
# package every update rule's `learning_rate` defaults to `1e-2`; CS231n's `adam` defaults
# to `1e-3`, so pass it explicitly.)
#
# [1] Tijmen Tieleman and Geoffrey Hinton. "Lecture 6.5-rmsprop: Divide the gradient by a
# running average of its recent magnitude." COURSERA: Neural Networks for Machine Learning
# 4 (2012).
#
# [2] Diederik Kingma and Jimmy Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.

# %%
# Test RMSProp implementation
N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D)
cache = np.linspace(0.6, 0.9, num=N*D).reshape(N, D)

config = {"learning_rate": 1e-2, "cache": cache}
next_w, _ = rmsprop(w, dw, config=config)

# CS231n's published values, which check("rmsprop") compares with too.
expected_next_w = RMSPROP_NEXT_W
expected_cache = RMSPROP_CACHE

# You should see relative errors around e-7 or less
print("next_w error: ", rel_error(expected_next_w, next_w))
print("cache error: ", rel_error(expected_cache, config["cache"]))

# %%
check("rmsprop")

# %% tags=["autograded:rmsprop"]

# %%
# Test Adam implementation
N, D = 4, 5
w = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D)
dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D)
m = np.linspace(0.6, 0.9, num=N*D).reshape(N, D)
v = np.linspace(0.7, 0.5, num=N*D).reshape(N, D)

config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
next_w, _ = adam(w, dw, config=config)

# CS231n's published values, which check("adam") compares with too.
expected_next_w = ADAM_NEXT_W
expected_v = ADAM_V
expected_m = ADAM_M

# You should see relative errors around e-7 or less
print("next_w error: ", rel_error(expected_next_w, next_w))
print("v error: ", rel_error(expected_v, config["v"]))
print("m error: ", rel_error(expected_m, config["m"]))

# %%
check("adam")

# %% tags=["autograded:adam"]

# %% [markdown]
# Once you have debugged your RMSProp and Adam implementations, run the following to train
# a pair of deep networks using these new update rules. The four rules share one plot: loss,
# training accuracy and validation accuracy.

# %%
learning_rates = {"rmsprop": 1e-4, "adam": 1e-3}
for update_rule in ["adam", "rmsprop"]:
    print("Running with ", update_rule)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100, 100, 100, 100], input_dim=input_dim,
                              weight_scale=5e-2)
    solver = Solver(model, small_data, num_epochs=compare_epochs, batch_size=100,
                    update_rule=update_rule,
                    optim_config={"learning_rate": learning_rates[update_rule]},
                    verbose=True)
    solvers[update_rule] = solver
    solver.train()
    print()

plot_solver_comparison(solvers)
plt.show()
for update_rule, solver in solvers.items():
    print("%-12s final training loss %.3f, best validation accuracy %.3f"
          % (update_rule, np.mean(solver.loss_history[-10:]), solver.best_val_acc))

# %% [markdown]
# *Measured with the reference on the embedded MNIST digits (4,000 training images,
# 5 epochs), final training loss and best validation accuracy:* SGD 0.342 and 84.2%,
# SGD+momentum 0.044 and 90.6%, RMSProp 0.112 and 89.8%, Adam 0.022 and 92.2%.
#
# ## Inline Question 2
#
# AdaGrad, like Adam, is a per-parameter optimization method that uses the following
# update rule:
#
# ```
# cache += dw**2
# w += - learning_rate * dw / (np.sqrt(cache) + eps)
# ```
#
# John notices that when he was training a network with AdaGrad that the updates became
# very small, and that his network was learning slowly. Using your knowledge of the
# AdaGrad update rule, why do you think the updates would become very small? Would Adam
# have the same issue?

# %% [markdown] tags=["written:inline_question_adagrad"]
# AdaGrad's cache is a running *sum* of squared gradients: it only grows, so the effective
# step learning_rate / sqrt(cache) shrinks monotonically and eventually becomes tiny, even
# when the gradients themselves stay large. Adam does not have this issue: its second
# moment is an exponentially decaying *average* (beta2 * v + (1 - beta2) * dw**2), which
# forgets old gradients and stays at the scale of recent ones, so its steps do not decay
# to zero.

# %% [markdown]
# # Train a good model!
#
# Train the best fully connected model that you can, storing it in `best_model`. We require
# you to get at least **50% accuracy on the CIFAR-10 validation set** using a fully
# connected network (CS231n's target). On the embedded MNIST digits, aim for 90% or more.
#
# If you are careful it should be possible to get accuracies above 55%, but we don't
# require it for this part and won't assign extra credit for doing so. Later in the
# assignment we will ask you to train the best convolutional network that you can on
# CIFAR-10, and we would prefer that you spend your effort working on convolutional nets
# rather than fully connected nets.
#
# **Note:** You might find it useful to complete the `BatchNormalization.ipynb` and
# `Dropout.ipynb` notebooks before completing this part, since those techniques can help
# you train powerful models.

# %% [markdown]
# Write your net's and your solver's hyper-parameters in `fc_challenge_setup` in
# `cs231n_core/fc_challenge.py`; the cell below trains exactly that set-up, and so does the
# hidden grader: it trains your set-up with `train_fc_challenge` on 1,000 distorted digits
# of 64 pixels (800 to train, 200 to validate) within 10 seconds of CPU time and measures the
# net's accuracy on held-out digits (1 point above 50%, 2 more at the bar calibrated on the
# reference set-up, 79.9%).

# %%
from cs231n_core.fc_challenge import fc_challenge_setup

setup = fc_challenge_setup()
print(setup)
np.random.seed(0)
best_model = FullyConnectedNet(input_dim=input_dim, **setup["model"])
best_solver = Solver(best_model, data, print_every=100, verbose=True,
                     **dict(setup["solver"], num_epochs=1 if SMOKE else setup["solver"]["num_epochs"]))
best_solver.train()

# %%
check("fc_challenge_setup")

# %% tags=["autograded:fc_challenge_setup"]

# %% [markdown]
# # Test your model!
#
# Run your best model on the validation and test sets. You should achieve at least 50%
# accuracy on the CIFAR-10 validation set.

# %%
y_test_pred = np.argmax(best_model.loss(data["X_test"]), axis=1)
y_val_pred = np.argmax(best_model.loss(data["X_val"]), axis=1)
print("Validation set accuracy: ", (y_val_pred == data["y_val"]).mean())
print("Test set accuracy: ", (y_test_pred == data["y_test"]).mean())

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (49,000 training images, as in CS231n): well-tuned fully connected nets
#   reach at least **50%** validation accuracy, the best about 55%.
# - **Embedded MNIST digits** (4,000 training, 500 validation, 500 test images; measured with
#   the reference set-up): the model above (two hidden layers, batch norm, dropout, Adam,
#   10 epochs of minibatches of 100, about 3 s of CPU time on one core) reaches **93.6%**
#   validation and **93.6%** test accuracy.
