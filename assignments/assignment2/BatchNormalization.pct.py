# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: batchnorm
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
# # Batch Normalization
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment2` in your assignment folder to check and
# zip it.*
#
# One way to make deep networks easier to train is to use more sophisticated optimization
# procedures such as SGD+momentum, RMSProp, or Adam. Another strategy is to change the
# architecture of the network to make it easier to train. One idea along these lines is
# batch normalization, proposed by [1] in 2015.
#
# To understand the goal of batch normalization, it is important to first recognize that
# machine learning methods tend to perform better with input data consisting of
# uncorrelated features with zero mean and unit variance. When training a neural network,
# we can preprocess the data before feeding it to the network to explicitly decorrelate
# its features. This will ensure that the first layer of the network sees data that
# follows a nice distribution. However, even if we preprocess the input data, the
# activations at deeper layers of the network will likely no longer be decorrelated and
# will no longer have zero mean or unit variance, since they are output from earlier
# layers in the network. Even worse, during the training process the distribution of
# features at each layer of the network will shift as the weights of each layer are
# updated.
#
# The authors of [1] hypothesize that the shifting distribution of features inside deep
# neural networks may make training deep networks more difficult. To overcome this
# problem, they propose to insert into the network layers that normalize batches. At
# training time, such a layer uses a minibatch of data to estimate the mean and standard
# deviation of each feature. These estimated means and standard deviations are then used
# to center and normalize the features of the minibatch. A running average of these means
# and standard deviations is kept during training, and at test time these running
# averages are used to center and normalize features.
#
# It is possible that this normalization strategy could reduce the representational power
# of the network, since it may sometimes be optimal for certain layers to have features
# that are not zero-mean or unit variance. To this end, the batch normalization layer
# includes learnable shift and scale parameters for each feature dimension.
#
# You implement `batchnorm_forward`, `batchnorm_backward`, `batchnorm_backward_alt`,
# `layernorm_forward` and `layernorm_backward` in `cs231n_core/layers.py`. After each one,
# run its **public check** cell; the locked **autograded** cell after it is where your
# instructor's hidden graders run, on other inputs.
#
# [1] [Sergey Ioffe and Christian Szegedy, "Batch Normalization: Accelerating Deep Network
# Training by Reducing Internal Covariate Shift", ICML 2015.](https://arxiv.org/abs/1502.03167)

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm.auto import tqdm

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.data_utils import describe_data, get_data, split_sizes, training_subset
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward,
                                layernorm_backward, layernorm_forward)
from cs231n_core.solver import Solver
from cs231n_core.vis_utils import plot_solver_comparison

# %run ../common_setup.ipy


def print_mean_std(x, axis=0):
    print("  means: ", x.mean(axis=axis))
    print("  stds:  ", x.std(axis=axis))
    print()


# %% [markdown]
# ## Load the data
#
# **CIFAR-10** when you have downloaded it (`cs231n data fetch cifar10`), otherwise the
# **5,000 real MNIST digits** that ship with the course's dependencies. The experiments
# below train on small subsets of the training set.
#
# `split_sizes(SMOKE)` gives the usual splits: 49,000 / 1,000 / 1,000 images of CIFAR-10
# (as in CS231n), 4,000 / 500 / 500 of the digits.

# %%
data = get_data("auto", subtract_mean=True, flatten=False, channels_first=True, seed=0,
                **split_sizes(SMOKE, smoke_sizes=(1000, 200, 200)))
print(describe_data(data))
input_dim = int(np.prod(data["X_train"].shape[1:]))

# %% [markdown]
# # Batch normalization: forward
#
# In the file `cs231n_core/layers.py`, implement the batch normalization forward pass in
# the function `batchnorm_forward`. Once you have done so, run the following to test your
# implementation.
#
# Referencing the paper linked to above in [1] may be helpful!

# %%
# Check the training-time forward pass by checking means and variances
# of features both before and after batch normalization.

# Simulate the forward pass for a two-layer network.
np.random.seed(231)
N, D1, D2, D3 = 200, 50, 60, 3
X = np.random.randn(N, D1)
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)
a = np.maximum(0, X.dot(W1)).dot(W2)

print("Before batch normalization:")
print_mean_std(a, axis=0)

gamma = np.ones((D3,))
beta = np.zeros((D3,))

# Means should be close to zero and stds close to one.
print("After batch normalization (gamma=1, beta=0)")
a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print_mean_std(a_norm, axis=0)

gamma = np.asarray([1.0, 2.0, 3.0])
beta = np.asarray([11.0, 12.0, 13.0])

# Now means should be close to beta and stds close to gamma.
print("After batch normalization (gamma=", gamma, ", beta=", beta, ")")
a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
print_mean_std(a_norm, axis=0)

# %%
# Check the test-time forward pass by running the training-time
# forward pass many times to warm up the running averages, and then
# checking the means and variances of activations after a test-time
# forward pass.

np.random.seed(231)
N, D1, D2, D3 = 200, 50, 60, 3
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)

bn_param = {"mode": "train"}
gamma = np.ones(D3)
beta = np.zeros(D3)

for t in range(50):
    X = np.random.randn(N, D1)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    batchnorm_forward(a, gamma, beta, bn_param)

bn_param["mode"] = "test"
X = np.random.randn(N, D1)
a = np.maximum(0, X.dot(W1)).dot(W2)
a_norm, _ = batchnorm_forward(a, gamma, beta, bn_param)

# Means should be close to zero and stds close to one, but will be
# noisier than training-time forward passes.
print("After batch normalization (test-time):")
print_mean_std(a_norm, axis=0)

# %%
check("batchnorm_forward")

# %% tags=["autograded:batchnorm_forward"]

# %% [markdown]
# # Batch normalization: backward
#
# Now implement the backward pass for batch normalization in the function
# `batchnorm_backward`.
#
# To derive the backward pass you should write out the computation graph for batch
# normalization and backprop through each of the intermediate nodes. Some intermediates
# may have multiple outgoing branches; make sure to sum gradients across these branches
# in the backward pass.
#
# Once you have finished, run the following to numerically check your backward pass.

# %%
# Gradient check batchnorm backward pass.
np.random.seed(231)
N, D = 4, 5
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

bn_param = {"mode": "train"}
fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]
fg = lambda a: batchnorm_forward(x, a, beta, bn_param)[0]
fb = lambda b: batchnorm_forward(x, gamma, b, bn_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
da_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = batchnorm_backward(dout, cache)

# You should expect to see relative errors between 1e-13 and 1e-8.
print("dx error: ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(da_num, dgamma))
print("dbeta error: ", rel_error(db_num, dbeta))

# %%
check("batchnorm_backward")

# %% tags=["autograded:batchnorm_backward"]

# %% [markdown]
# # Batch normalization: alternative backward
#
# In class we talked about two different implementations for the sigmoid backward pass.
# One strategy is to write out a computation graph composed of simple operations and
# backprop through all intermediate values. Another strategy is to work out the
# derivatives on paper. For example, you can derive a very simple formula for the sigmoid
# function's backward pass by simplifying gradients on paper.
#
# Surprisingly, it turns out that you can do a similar simplification for the batch
# normalization backward pass too!
#
# In the forward pass, given a set of inputs $X=\begin{bmatrix}x_1\\x_2\\...\\x_N\end{bmatrix}$,
#
# we first calculate the mean $\mu$ and variance $v$. With $\mu$ and $v$ calculated, we can
# calculate the standard deviation $\sigma$ and normalized data $Y$. The equations and
# graph illustration below describe the computation ($y_i$ is the i-th element of the
# vector $Y$).
#
# \begin{align}
# & \mu=\frac{1}{N}\sum_{k=1}^N x_k  &  v=\frac{1}{N}\sum_{k=1}^N (x_k-\mu)^2 \\
# & \sigma=\sqrt{v+\epsilon}         &  y_i=\frac{x_i-\mu}{\sigma}
# \end{align}
#
# The meat of our problem during backpropagation is to compute
# $\frac{\partial L}{\partial X}$, given the upstream gradient we receive,
# $\frac{\partial L}{\partial Y}$. To do this, recall the chain rule in calculus gives us
# $\frac{\partial L}{\partial X} = \frac{\partial L}{\partial Y} \cdot \frac{\partial Y}{\partial X}$.
#
# The unknown/hard part is $\frac{\partial Y}{\partial X}$. We can find this by first
# deriving step-by-step our local gradients at $\frac{\partial v}{\partial X}$,
# $\frac{\partial \mu}{\partial X}$, $\frac{\partial \sigma}{\partial v}$,
# $\frac{\partial Y}{\partial \sigma}$, and $\frac{\partial Y}{\partial \mu}$, and then use
# the chain rule to compose these gradients (which appear in the form of vectors!)
# appropriately to compute $\frac{\partial Y}{\partial X}$.
#
# If it's challenging to directly reason about the gradients over $X$ and $Y$ which
# require matrix multiplication, try reasoning about the gradients in terms of individual
# elements $x_i$ and $y_i$ first: in that case, you will need to come up with the
# derivations for $\frac{\partial L}{\partial x_i}$, by relying on the chain rule to first
# calculate the intermediate $\frac{\partial \mu}{\partial x_i}$,
# $\frac{\partial v}{\partial x_i}$, $\frac{\partial \sigma}{\partial x_i}$, then
# assemble these pieces to calculate $\frac{\partial y_i}{\partial x_i}$.
#
# You should make sure each of the intermediary gradient derivations are all as
# simplified as possible, for ease of implementation.
#
# After doing so, implement the simplified batch normalization backward pass in the
# function `batchnorm_backward_alt` and compare the two implementations by running the
# following. Your two implementations should compute nearly identical results, but the
# alternative implementation should be a bit faster.

# %%
np.random.seed(231)
N, D = 100, 500
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

bn_param = {"mode": "train"}
out, cache = batchnorm_forward(x, gamma, beta, bn_param)


def best_time(backward, repeats=50):
    # The best of several timings: the least disturbed by other programs.
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            backward(dout, cache)
        times.append((time.perf_counter() - start) / repeats)
    return min(times)


dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
t1, t2 = best_time(batchnorm_backward), best_time(batchnorm_backward_alt)

print("dx difference: ", rel_error(dx1, dx2))
print("dgamma difference: ", rel_error(dgamma1, dgamma2))
print("dbeta difference: ", rel_error(dbeta1, dbeta2))
print("speedup: %.2fx" % (t1 / t2))

# %%
check("batchnorm_backward_alt")

# %% tags=["autograded:batchnorm_backward_alt"]

# %% [markdown]
# # Fully connected networks with batch normalization
#
# Now that you have a working implementation for batch normalization, go back to your
# `FullyConnectedNet` in the file `cs231n_core/classifiers/fc_net.py` and add batch
# normalization to it (if you have not already, in the FullyConnectedNets notebook).
#
# Concretely, when the `normalization` flag is set to `"batchnorm"` in the constructor,
# you should insert a batch normalization layer before each ReLU nonlinearity. The
# outputs from the last layer of the network should not be normalized. Once you are done,
# run the following to gradient-check your implementation.
#
# **Hint:** You might find it useful to define an additional helper layer similar to
# those in the file `cs231n_core/layer_utils.py` (there is one: `affine_norm_relu_forward`
# and `affine_norm_relu_backward`).

# %%
np.random.seed(231)
N, D, H1, H2, C = 2, 15, 20, 30, 10
X = np.random.randn(N, D)
y = np.random.randint(C, size=(N,))

# You should expect losses between 1e-4~1e-10 for W,
# losses between 1e-08~1e-10 for b,
# and losses between 1e-08~1e-09 for beta and gammas.
for reg in [0, 3.14]:
    print("Running check with reg = ", reg)
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C,
                              reg=reg, weight_scale=5e-2, dtype=np.float64,
                              normalization="batchnorm")

    loss, grads = model.loss(X, y)
    print("Initial loss: ", loss)

    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
        print("%s relative error: %.2e" % (name, rel_error(grad_num, grads[name])))
    if reg == 0:
        print()

# %% [markdown]
# # Batch normalization for deep networks
#
# Run the following to train a six-layer network on a subset of 1000 training examples
# both with and without batch normalization.

# %%
np.random.seed(231)
# Try training a very deep net with batchnorm.
hidden_dims = [100, 100, 100, 100, 100]

num_train = 200 if SMOKE else 1000
num_epochs = 2 if SMOKE else 10
small_data = training_subset(data, num_train)

weight_scale = 2e-2
bn_model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                             normalization="batchnorm")
model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                          normalization=None)

print("Solver with batch norm:")
bn_solver = Solver(bn_model, small_data,
                   num_epochs=num_epochs, batch_size=50,
                   update_rule="adam",
                   optim_config={"learning_rate": 1e-3},
                   verbose=True, print_every=20)
bn_solver.train()

print("\nSolver without batch norm:")
solver = Solver(model, small_data,
                num_epochs=num_epochs, batch_size=50,
                update_rule="adam",
                optim_config={"learning_rate": 1e-3},
                verbose=True, print_every=20)
solver.train()

# %% [markdown]
# Run the following to visualize the results from two networks trained above. You should
# find that using batch normalization helps the network to converge much faster.

# %%
plot_solver_comparison({"baseline": solver, "batchnorm": bn_solver})
plt.show()

# %% [markdown]
# # Batch normalization and initialization
#
# We will now run a small experiment to study the interaction of batch normalization and
# weight initialization.
#
# The first cell will train eight-layer networks both with and without batch
# normalization using different scales for weight initialization. The second cell will
# plot training accuracy, validation set accuracy, and training loss as a function of the
# weight initialization scale.

# %%
np.random.seed(231)
# Try training a very deep net with batchnorm.
hidden_dims = [50, 50, 50, 50, 50, 50, 50]
num_train = 50 if SMOKE else 1000
small_data = training_subset(data, num_train)

bn_solvers_ws = {}
solvers_ws = {}
weight_scales = np.logspace(-4, 0, num=4 if SMOKE else 20)
for weight_scale in tqdm(weight_scales, desc="weight scales"):  # two trainings each
    bn_model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                                 normalization="batchnorm")
    model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                              normalization=None)

    bn_solver = Solver(bn_model, small_data,
                       num_epochs=2 if SMOKE else 10, batch_size=50,
                       update_rule="adam",
                       optim_config={"learning_rate": 1e-3},
                       verbose=False, print_every=200)
    bn_solver.train()
    bn_solvers_ws[weight_scale] = bn_solver

    solver = Solver(model, small_data,
                    num_epochs=2 if SMOKE else 10, batch_size=50,
                    update_rule="adam",
                    optim_config={"learning_rate": 1e-3},
                    verbose=False, print_every=200)
    solver.train()
    solvers_ws[weight_scale] = solver

# %%
# Plot results of weight scale experiment.
best_train_accs, bn_best_train_accs = [], []
best_val_accs, bn_best_val_accs = [], []
final_train_loss, bn_final_train_loss = [], []

for ws in weight_scales:
    best_train_accs.append(max(solvers_ws[ws].train_acc_history))
    bn_best_train_accs.append(max(bn_solvers_ws[ws].train_acc_history))

    best_val_accs.append(max(solvers_ws[ws].val_acc_history))
    bn_best_val_accs.append(max(bn_solvers_ws[ws].val_acc_history))

    final_train_loss.append(np.mean(solvers_ws[ws].loss_history[-100:]))
    bn_final_train_loss.append(np.mean(bn_solvers_ws[ws].loss_history[-100:]))

plt.subplot(3, 1, 1)
plt.title("Best val accuracy vs. weight initialization scale")
plt.xlabel("Weight initialization scale")
plt.ylabel("Best val accuracy")
plt.semilogx(weight_scales, best_val_accs, "-o", label="baseline")
plt.semilogx(weight_scales, bn_best_val_accs, "-o", label="batchnorm")
plt.legend(ncol=2, loc="lower right")

plt.subplot(3, 1, 2)
plt.title("Best train accuracy vs. weight initialization scale")
plt.xlabel("Weight initialization scale")
plt.ylabel("Best training accuracy")
plt.semilogx(weight_scales, best_train_accs, "-o", label="baseline")
plt.semilogx(weight_scales, bn_best_train_accs, "-o", label="batchnorm")
plt.legend()

plt.subplot(3, 1, 3)
plt.title("Final training loss vs. weight initialization scale")
plt.xlabel("Weight initialization scale")
plt.ylabel("Final training loss")
plt.semilogx(weight_scales, final_train_loss, "-o", label="baseline")
plt.semilogx(weight_scales, bn_final_train_loss, "-o", label="batchnorm")
plt.legend()
plt.gca().set_ylim(0.0, 3.5)

plt.gcf().set_size_inches(15, 15)
plt.show()


# %% [markdown]
# ## Inline Question 1
#
# Describe the results of this experiment. How does the weight initialization scale
# affect models with/without batch normalization differently, and why?

# %% [markdown] tags=["written:inline_question_bn_initialization"]
# Without batch normalization the deep net trains only in a narrow band of weight scales
# (around 1e-2 to 1e-1 here): with smaller weights the activations, and with them the
# gradients, shrink layer after layer until nothing is learnt (the loss stays at
# log(10) = 2.3 and the accuracy at chance); with larger weights they explode and the loss
# blows up. With batch normalization every layer's pre-activations are rescaled to zero
# mean and unit variance whatever the scale of the weights, so the signal and the
# gradients keep their size through the depth of the network, and the net trains well over
# a range of weight scales several orders of magnitude wide. Batch norm makes the network
# far less sensitive to its initialization.

# %% [markdown]
# # Batch normalization and batch size
#
# We will now run a small experiment to study the interaction of batch normalization and
# batch size.
#
# The first cell will train 6-layer networks both with and without batch normalization
# using different batch sizes. The second cell will plot training accuracy and validation
# set accuracy over time.

# %%
def run_batchsize_experiments(normalization_mode):
    np.random.seed(231)
    # Try training a very deep net with batchnorm.
    hidden_dims = [100, 100, 100, 100, 100]
    num_train = 100 if SMOKE else 1000
    small_data = training_subset(data, num_train)
    n_epochs = 1 if SMOKE else 10
    weight_scale = 2e-2
    batch_sizes = [5, 10, 50]
    lr = 10 ** (-3.5)
    solver_bsize = batch_sizes[0]

    print("No normalization: batch size = ", solver_bsize)
    model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                              normalization=None)
    solver = Solver(model, small_data,
                    num_epochs=n_epochs, batch_size=solver_bsize,
                    update_rule="adam",
                    optim_config={"learning_rate": lr},
                    verbose=False)
    solver.train()

    # {label: trained Solver}, the labels for plot_solver_comparison's legends
    runs = {"baseline, batch size %d" % solver_bsize: solver}
    for b_size in batch_sizes:
        print("Normalization: batch size = ", b_size)
        bn_model = FullyConnectedNet(hidden_dims, input_dim=input_dim,
                                     weight_scale=weight_scale,
                                     normalization=normalization_mode)
        bn_solver = Solver(bn_model, small_data,
                           num_epochs=n_epochs, batch_size=b_size,
                           update_rule="adam",
                           optim_config={"learning_rate": lr},
                           verbose=False)
        bn_solver.train()
        runs["%s, batch size %d" % (normalization_mode, b_size)] = bn_solver

    return runs


bn_runs_bsize = run_batchsize_experiments("batchnorm")

# %%
plot_solver_comparison(bn_runs_bsize, panels=("train_acc", "val_acc"),
                       title=" (Batch Normalization)")
plt.show()

# %% [markdown]
# ## Inline Question 2
#
# Describe the results of this experiment. What does this imply about the relationship
# between batch normalization and batch size? Why is this relationship observed?

# %% [markdown] tags=["written:inline_question_bn_batch_size"]
# The smaller the batch, the worse batch normalization does: with batches of 5 the
# normalized net learns more slowly and reaches a lower accuracy, on the validation set
# above all, than with batches of 50, and it can do worse than the baseline without
# normalization. Batch norm estimates each feature's mean and variance from the
# minibatch; a small batch gives noisy estimates, so the same example is normalized
# differently from one batch to the next (noise in training), and the running averages
# used at test time are averages of poor estimates, which no longer match the statistics
# seen in training. Batch normalization needs batches large enough to estimate the
# statistics well.

# %% [markdown]
# # Layer normalization
#
# Batch normalization has proved to be effective in making networks easier to train, but
# the dependency on batch size makes it less useful in complex networks which have a cap
# on the input batch size due to hardware limitations.
#
# Several alternatives to batch normalization have been proposed to mitigate this problem;
# one such technique is Layer Normalization [2]. Instead of normalizing over the batch, we
# normalize over the features. In other words, when using Layer Normalization, each
# feature vector corresponding to a single datapoint is normalized based on the sum of all
# terms within that feature vector.
#
# [2] [Ba, Jimmy Lei, Jamie Ryan Kiros, and Geoffrey E. Hinton. "Layer Normalization."
# stat 1050 (2016): 21.](https://arxiv.org/pdf/1607.06450.pdf)

# %% [markdown]
# ## Inline Question 3
#
# Which of these data preprocessing steps is analogous to batch normalization, and which
# is analogous to layer normalization?
#
# 1. Scaling each image in the dataset, so that the RGB channels for each row of pixels
#    within an image sums up to 1.
# 2. Scaling each image in the dataset, so that the RGB channels for all pixels within an
#    image sums up to 1.
# 3. Subtracting the mean image of the dataset from each image in the dataset.
# 4. Setting all RGB values to either 0 or 1 depending on a given threshold.

# %% [markdown] tags=["written:inline_question_bn_ln_preprocessing"]
# 3 is analogous to batch normalization: the mean image is a statistic of each feature
# (pixel and channel) over the whole dataset, subtracted from every example. 2 is
# analogous to layer normalization: each image is scaled with a statistic of all its own
# features, whatever the other images. (1 normalizes within parts of an example, which is
# closer to group normalization; 4 is a thresholding, neither.)

# %% [markdown]
# # Layer normalization: implementation
#
# Now you'll implement layer normalization. This step should be relatively
# straightforward, as conceptually the implementation is almost identical to that of
# batch normalization. One significant difference though is that for layer normalization,
# we do not keep track of the moving moments, and the testing phase is identical to the
# training phase, where the mean and variance are directly calculated per datapoint.
#
# Here's what you need to do:
#
# * In `cs231n_core/layers.py`, implement the forward pass for layer normalization in the
#   function `layernorm_forward`. Run the cell below to check your results.
# * In `cs231n_core/layers.py`, implement the backward pass for layer normalization in the
#   function `layernorm_backward`. Run the second cell below to check your results.
# * Modify `cs231n_core/classifiers/fc_net.py` to add layer normalization to the
#   `FullyConnectedNet`. When the `normalization` flag is set to `"layernorm"` in the
#   constructor, you should insert a layer normalization layer before each ReLU
#   nonlinearity.
#
# Run the batch size experiment on layer normalization afterwards.

# %%
# Check the training-time forward pass by checking means and variances
# of features both before and after layer normalization.

# Simulate the forward pass for a two-layer network.
np.random.seed(231)
N, D1, D2, D3 = 4, 50, 60, 3
X = np.random.randn(N, D1)
W1 = np.random.randn(D1, D2)
W2 = np.random.randn(D2, D3)
a = np.maximum(0, X.dot(W1)).dot(W2)

print("Before layer normalization:")
print_mean_std(a, axis=1)

gamma = np.ones(D3)
beta = np.zeros(D3)

# Means should be close to zero and stds close to one.
print("After layer normalization (gamma=1, beta=0)")
a_norm, _ = layernorm_forward(a, gamma, beta, {"mode": "train"})
print_mean_std(a_norm, axis=1)

gamma = np.asarray([3.0, 3.0, 3.0])
beta = np.asarray([5.0, 5.0, 5.0])

# Now means should be close to beta and stds close to gamma.
print("After layer normalization (gamma=", gamma, ", beta=", beta, ")")
a_norm, _ = layernorm_forward(a, gamma, beta, {"mode": "train"})
print_mean_std(a_norm, axis=1)

# %%
check("layernorm_forward")

# %% tags=["autograded:layernorm_forward"]

# %%
# Gradient check layernorm backward pass.
np.random.seed(231)
N, D = 4, 5
x = 5 * np.random.randn(N, D) + 12
gamma = np.random.randn(D)
beta = np.random.randn(D)
dout = np.random.randn(N, D)

ln_param = {}
fx = lambda x: layernorm_forward(x, gamma, beta, ln_param)[0]
fg = lambda a: layernorm_forward(x, a, beta, ln_param)[0]
fb = lambda b: layernorm_forward(x, gamma, b, ln_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
da_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
db_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

_, cache = layernorm_forward(x, gamma, beta, ln_param)
dx, dgamma, dbeta = layernorm_backward(dout, cache)

# You should expect to see relative errors between 1e-12 and 1e-8.
print("dx error: ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(da_num, dgamma))
print("dbeta error: ", rel_error(db_num, dbeta))

# %%
check("layernorm_backward")

# %% tags=["autograded:layernorm_backward"]

# %% [markdown]
# # Layer normalization and batch size
#
# We will now run the previous batch size experiment with layer normalization instead of
# batch normalization. Compared to the previous experiment, you should see a markedly
# smaller influence of batch size on the training history!

# %%
ln_runs_bsize = run_batchsize_experiments("layernorm")
plot_solver_comparison(ln_runs_bsize, panels=("train_acc", "val_acc"),
                       title=" (Layer Normalization)")
plt.show()

# %% [markdown]
# ## Inline Question 4
#
# When is layer normalization likely to not work well, and why?
#
# 1. Using it in a very deep network
# 2. Having a very small dimension of features
# 3. Having a high regularization term

# %% [markdown] tags=["written:inline_question_ln_limits"]
# 2, and 3. Layer norm estimates the mean and variance of each example from its own
# features: with very few features these estimates are noisy (with one feature the
# normalized value is always 0), the same trouble as batch norm with small batches. A
# high regularization term keeps the weights, and so gamma's inputs, small and pushes the
# network towards a simple model; normalization rescales the activations whatever the
# weights, so the two work against each other and the network underfits. The depth of
# the network (1) is no problem: layer norm is used in very deep networks (transformers).

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (CS231n's expectations): the gradient checks of batch norm and layer norm
#   give relative errors of 1e-8 or less; `batchnorm_backward_alt` agrees with
#   `batchnorm_backward` to about 1e-12 and is faster (CS231n asks only that it be faster;
#   1.2x to 3x is typical). Batch norm makes the six-layer net converge much faster, lets
#   the eight-layer net train over a far wider range of weight scales than the baseline,
#   and suffers from small batches, which layer norm does not.
# - **Embedded MNIST digits** (measured with the reference solution, 1,000 training and 500
#   validation images): relative errors 1.7e-9 (dx of batch norm) and 1.4e-9 (dx of layer
#   norm); `batchnorm_backward_alt` was 2.8x as fast as `batchnorm_backward` (on a loaded
#   machine; `python benchmarks/bench_batchnorm.py` measures it on several shapes). The
#   six-layer net reaches 71% validation accuracy after one epoch with batch norm and 50%
#   without, and 89% against 88% after ten epochs (99% training accuracy both). In the
#   weight-initialization experiment the baseline learns (validation accuracy above 50%)
#   only for weight scales from 2e-2 to 1.5e-1 (best 85%), while the batch-normalized net
#   stays above 45% from 1e-4 to 0.6 (best 89%, around 1e-2). After ten epochs, batch norm
#   reaches about 85.5%, 87.5% and 90% validation accuracy with batches of 5, 10 and 50
#   (the baseline, batches of 5: 86.5%); layer norm about 87%, 87% and 89%. The digits are
#   easy, so the batch-size effect is smaller than on CIFAR-10. The whole notebook runs in
#   about 8 minutes on 2 busy cores, most of it the weight-initialization experiment.
