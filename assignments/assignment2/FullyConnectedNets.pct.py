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
from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.data_utils import cifar10_present, get_data
from cs231n_core.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n_core.optim import adam, rmsprop, sgd_momentum
from cs231n_core.solver import Solver

# %run ../common_setup.ipy
if SMOKE:
    print("SMOKE mode: small data, quick run")


def rel_error(x, y):
    """The largest relative error between x and y (arrays of one shape)."""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


# %% [markdown]
# ## Load the data
#
# **CIFAR-10** when you have downloaded it (`cs231n data fetch cifar10`), otherwise the
# **5,000 real MNIST digits** that ship with the course's dependencies; images channels
# first, `(N, C, H, W)`, with the mean training image subtracted.

# %%
if cifar10_present():
    num_training, num_validation, num_test = 49000, 1000, 1000   # as in CS231n
else:
    num_training, num_validation, num_test = 4000, 500, 500      # of the 5,000 MNIST digits
if SMOKE:
    num_training, num_validation, num_test = 500, 100, 100

data = get_data("auto", num_training=num_training, num_validation=num_validation,
                num_test=num_test, subtract_mean=True, flatten=False, channels_first=True,
                seed=0)
print("Using %s." % ("CIFAR-10" if data["name"] == "cifar10" else
                     "the embedded %s digits (run `cs231n data fetch cifar10` for CIFAR-10)"
                     % data["name"].upper()))
for k in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
    print("%s: %s" % (k, data[k].shape))
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
small_data = {
  "X_train": data["X_train"][:num_train],
  "y_train": data["y_train"][:num_train],
  "X_val": data["X_val"],
  "y_val": data["y_val"],
}

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

expected_next_w = np.asarray([
  [ 0.1406,      0.20738947,  0.27417895,  0.34096842,  0.40775789],
  [ 0.47454737,  0.54133684,  0.60812632,  0.67491579,  0.74170526],
  [ 0.80849474,  0.87528421,  0.94207368,  1.00886316,  1.07565263],
  [ 1.14244211,  1.20923158,  1.27602105,  1.34281053,  1.4096    ]])
expected_velocity = np.asarray([
  [ 0.5406,      0.55475789,  0.56891579, 0.58307368,  0.59723158],
  [ 0.61138947,  0.62554737,  0.63970526,  0.65386316,  0.66802105],
  [ 0.68217895,  0.69633684,  0.71049474,  0.72465263,  0.73881053],
  [ 0.75296842,  0.76712632,  0.78128421,  0.79544211,  0.8096    ]])

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
small_data = {
  "X_train": data["X_train"][:num_train],
  "y_train": data["y_train"][:num_train],
  "X_val": data["X_val"],
  "y_val": data["y_val"],
}
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


def plot_training_history(title, label, baseline, solvers, plot_fn, bl_marker=".",
                          rules_marker="-"):
    # Utility function for plotting training history
    plt.title(title)
    plt.xlabel(label)
    bl_plot = plot_fn(baseline)
    num_bl = len(bl_plot)
    plt.plot(bl_plot, bl_marker, label="baseline")
    for update_rule, solver in solvers.items():
        history = plot_fn(solver)
        plt.plot(history, rules_marker, label=update_rule)
    plt.legend(loc="lower center", ncol=len(solvers) + 1)


def plot_all(solvers, baseline_name="sgd"):
    others = {k: v for k, v in solvers.items() if k != baseline_name}
    plt.subplot(3, 1, 1)
    plot_training_history("Training loss", "Iteration", solvers[baseline_name], others,
                          lambda x: x.loss_history, bl_marker="o", rules_marker="o")
    plt.subplot(3, 1, 2)
    plot_training_history("Training accuracy", "Epoch", solvers[baseline_name], others,
                          lambda x: x.train_acc_history, bl_marker="-o", rules_marker="-o")
    plt.subplot(3, 1, 3)
    plot_training_history("Validation accuracy", "Epoch", solvers[baseline_name], others,
                          lambda x: x.val_acc_history, bl_marker="-o", rules_marker="-o")
    plt.gcf().set_size_inches(15, 15)
    plt.show()


plot_all(solvers)

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

expected_next_w = np.asarray([
  [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
  [-0.132737,   -0.08078555, -0.02881884,  0.02316247,  0.07515774],
  [ 0.12716641,  0.17918792,  0.23122175,  0.28326742,  0.33532447],
  [ 0.38739248,  0.43947102,  0.49155973,  0.54365823,  0.59576619]])
expected_cache = np.asarray([
  [ 0.5976,      0.6126277,   0.6277108,   0.64284931,  0.65804321],
  [ 0.67329252,  0.68859723,  0.70395734,  0.71937285,  0.73484377],
  [ 0.75037008,  0.7659518,   0.78158892,  0.79728144,  0.81302936],
  [ 0.82883269,  0.84469141,  0.86060554,  0.87657507,  0.8926    ]])

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

expected_next_w = np.asarray([
  [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
  [-0.1380274,  -0.08544591, -0.03286534,  0.01971428,  0.0722929],
  [ 0.1248705,   0.17744702,  0.23002243,  0.28259667,  0.33516969],
  [ 0.38774145,  0.44031188,  0.49288093,  0.54544852,  0.59801459]])
expected_v = np.asarray([
  [ 0.69966,     0.68908382,  0.67851319,  0.66794809,  0.65738853,],
  [ 0.64683452,  0.63628604,  0.6257431,   0.61520571,  0.60467385,],
  [ 0.59414753,  0.58362676,  0.57311152,  0.56260183,  0.55209767,],
  [ 0.54159906,  0.53110598,  0.52061845,  0.51013645,  0.49966,   ]])
expected_m = np.asarray([
  [ 0.48,        0.49947368,  0.51894737,  0.53842105,  0.55789474],
  [ 0.57736842,  0.59684211,  0.61631579,  0.63578947,  0.65526316],
  [ 0.67473684,  0.69421053,  0.71368421,  0.73315789,  0.75263158],
  [ 0.77210526,  0.79157895,  0.81105263,  0.83052632,  0.85      ]])

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

plot_all(solvers)
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
