# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: pytorch
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
# # What's this PyTorch business?
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment2` in your assignment folder to check and
# zip it.*
#
# You've written a lot of code in this assignment to provide a whole host of neural network
# functionality. Dropout, Batch Norm, and 2D convolutions are some of the workhorses of deep
# learning in computer vision. You've also worked hard to make your code efficient and
# vectorized.
#
# For the last part of this assignment, though, we're going to leave behind your beautiful
# codebase and instead migrate to one of two popular deep learning frameworks: in this
# instance, **PyTorch**.
#
# ### What is PyTorch?
#
# PyTorch is a system for executing dynamic computational graphs over Tensor objects that
# behave similarly to NumPy's ndarray. It comes with a powerful automatic differentiation
# engine that removes the need for manual back-propagation.
#
# ### Why?
#
# * Our code will now run on GPUs! This allows much faster training, so that you can run
#   larger models and explore more architectures. When this machine has a CUDA device, one
#   `device` chosen once below is used everywhere; otherwise everything runs on the CPU.
# * We want you to be ready to use one of these frameworks for your project, so you can
#   experiment more efficiently than if you were writing every feature you want to use by
#   hand.
# * We want you to stand on the shoulders of giants! PyTorch is an excellent framework that
#   will make your lives a lot easier, and now that you understand its guts, you are free
#   to use it.
# * Finally, we want you to be exposed to the sort of deep learning code you might run into
#   in academia or industry.
#
# ### How will I learn PyTorch?
#
# Justin Johnson's [tutorial](https://github.com/jcjohnson/pytorch-examples) and the
# [API documentation](https://pytorch.org/docs/stable/index.html) are good companions
# (this notebook runs offline; open them when you have a connection).
#
# ## Table of contents
#
# This assignment has five parts. You will learn PyTorch on **three different levels of
# abstraction**, which will help you understand it better and prepare you for the final
# project.
#
# 1. Part I, Preparation: the data and the device.
# 2. Part II, Barebones PyTorch: **abstraction level 1**, working directly with the
#    lowest-level PyTorch Tensors.
# 3. Part III, PyTorch Module API: **abstraction level 2**, using `nn.Module` to define an
#    arbitrary neural network architecture.
# 4. Part IV, PyTorch Sequential API: **abstraction level 3**, using `nn.Sequential` to
#    define a linear feed-forward network very conveniently.
# 5. Part V, CIFAR-10 open-ended challenge: please implement your own network to get as
#    high an accuracy as possible on CIFAR-10 (or the embedded digits). You can experiment
#    with any layer, optimizer, hyperparameters or other advanced features.
#
# | API           | Flexibility | Convenience |
# |---------------|-------------|-------------|
# | Barebone      | High        | Low         |
# | `nn.Module`   | High        | Medium      |
# | `nn.Sequential` | Low       | High        |
#
# You write your code in `cs231n_core/pytorch_models.py` (the functions and modules that
# are graded) and in this notebook (the training set-ups and the challenge). After each
# graded function, run its **public check** cell: `check("<name>")` runs quick checks here
# and tells you in one sentence what looks wrong. The locked **autograded** cell after it is
# where your instructor's hidden graders run; they use other inputs than the public checks.
#
# There is no torchvision in this course: `cs231n_core.pytorch_models` provides the few
# data tools we need (loaders made from arrays, per-channel normalization and two
# augmentations).

# %%
# Setup cell.
import inspect
import os

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.data_utils import cifar10_present, dataset_banner
from cs231n_core.pytorch_models import (Flatten, RandomCrop, RandomHorizontalFlip, Compose,
                                        ThreeLayerConvNet, TwoLayerFC, check_accuracy,
                                        choose_device, count_params, flatten, load_checkpoint,
                                        load_data, random_weight, save_checkpoint,
                                        three_layer_convnet, train, train_barebones,
                                        two_layer_fc, zero_weight)

# %run ../common_setup.ipy
print("PyTorch", torch.__version__)

# %% [markdown]
# # Part I. Preparation
#
# First, we load the data. CS231n loads CIFAR-10 with torchvision's datasets; here
# `load_data` does the same job from the course's own loaders: **CIFAR-10** when you have
# downloaded it (`cs231n data fetch cifar10`), otherwise the **5,000 real MNIST digits**
# that ship with the course's dependencies. The images are scaled to [0, 1] and normalized
# per channel with the training set's mean and standard deviation (torchvision's
# `Normalize`), and wrapped into `DataLoader`s that give minibatches of 64 `(x, y)` pairs,
# `x` of shape `(64, C, H, W)`. The training loader visits the examples in a new random
# order every epoch.

# %%
if cifar10_present():
    num_training, num_validation, num_test = 49000, 1000, 10000   # as in CS231n
else:
    num_training, num_validation, num_test = 4000, 500, 500       # of the 5,000 MNIST digits
if SMOKE:
    num_training, num_validation, num_test = 320, 64, 64

data = load_data("auto", num_training=num_training, num_validation=num_validation,
                 num_test=num_test, batch_size=64, seed=0)
loader_train, loader_val, loader_test = data["train"], data["val"], data["test"]
in_channels, (height, width), num_classes = data["in_channels"], data["image_size"], data["num_classes"]
input_size = in_channels * height * width
print(dataset_banner(data["name"]))
print("train / val / test: %d / %d / %d images of %d x %d x %d, %d classes"
      % (data["num_train"], data["num_val"], data["num_test"], in_channels, height, width, num_classes))
x, y = next(iter(loader_train))
print("one minibatch:", tuple(x.shape), x.dtype, tuple(y.shape), y.dtype)

# %% [markdown]
# You have an option to **use GPU by setting the flag to True below**. It is not necessary
# to use a GPU for this assignment: the embedded digits train in minutes on a CPU. Note that
# if your computer does not have CUDA enabled, `choose_device` falls back to the CPU.
#
# The `device` chosen here is the only one this notebook uses: every tensor and model is
# moved to it, and every function of `pytorch_models` takes it as an argument.

# %%
USE_GPU = True
dtype = torch.float32  # We will be using float throughout this tutorial.
device = choose_device(prefer_gpu=USE_GPU)
print("using device:", device)
if device.type == "cuda":
    print(torch.cuda.get_device_name(device))


# %% [markdown]
# # Part II. Barebones PyTorch
#
# PyTorch ships with high-level APIs to help us define model architectures conveniently,
# which we will cover in Part II of this tutorial. In this section, we will start with the
# barebone PyTorch elements to understand the autograd engine better. After this exercise,
# you will come to appreciate the high-level model API more.
#
# We will start with a simple fully-connected ReLU network with two hidden layers and no
# biases for image classification. This implementation computes the forward pass using
# operations on PyTorch Tensors, and uses PyTorch autograd to compute gradients. It is
# important that you understand every line, because you will write a harder version after
# the example.
#
# When we create a PyTorch Tensor with `requires_grad=True`, then operations involving that
# Tensor will not just compute values; they will also build up a computational graph in the
# background, allowing us to easily backpropagate through the graph to compute gradients of
# some Tensors with respect to a downstream loss. Concretely if `x` is a Tensor with
# `x.requires_grad == True` then after backpropagation `x.grad` will be another Tensor
# holding the gradient of `x` with respect to the scalar loss at the end.
#
# ### PyTorch Tensors: Flatten Function
#
# A PyTorch Tensor is conceptionally similar to a NumPy array: it is an n-dimensional grid
# of numbers, and like NumPy PyTorch provides many functions to efficiently operate on
# Tensors. As a simple example, implement `flatten` in `cs231n_core/pytorch_models.py`: it
# reshapes image data for use in a fully-connected neural network.
#
# Recall that image data is typically stored in a Tensor of shape `N x C x H x W`, where
#
# * `N` is the number of datapoints
# * `C` is the number of channels
# * `H` is the height of the intermediate feature map in pixels
# * `W` is the width of the intermediate feature map in pixels
#
# This is the right way to represent the data when we are doing something like a 2D
# convolution, that needs spatial understanding of where the intermediate features are
# relative to each other. When we use fully connected affine layers to process the image,
# however, we want each datapoint to be represented by a single vector: it's no longer
# useful to segregate the different channels, rows, and columns of the data. So, we use a
# "flatten" operation to collapse the `C x H x W` values per representation into a single
# long vector. `flatten` reads in the `N, C, H, W` values from a given batch of data and
# then returns a "view" of that data: "view" is analogous to NumPy's "reshape" method.

# %%
def test_flatten():
    x = torch.arange(12).view(2, 1, 3, 2)
    print("Before flattening: ", x)
    print("After flattening: ", flatten(x))

test_flatten()

# %%
check("flatten")


# %% tags=["autograded:flatten"]

# %% [markdown]
# ### Barebones PyTorch: Two-Layer Network
#
# Here we define a function `two_layer_fc` which performs the forward pass of a two-layer
# fully-connected ReLU network on a batch of image data. After defining the forward pass we
# check that it doesn't crash and that it produces outputs of the right shape by running
# zeros through the network.
#
# Implement it in `cs231n_core/pytorch_models.py`; you don't have to write any backward
# pass: autograd does it. The network is `flatten - x.mm(w1) - ReLU - .mm(w2)`: `w1` of
# shape `(D, H)`, `w2` of shape `(H, C)`, no biases.

# %%
def two_layer_fc_test():
    hidden_layer_size = 42
    x = torch.zeros((64, 50), dtype=dtype)  # minibatch size 64, feature dimension 50
    w1 = torch.zeros((50, hidden_layer_size), dtype=dtype)
    w2 = torch.zeros((hidden_layer_size, 10), dtype=dtype)
    scores = two_layer_fc(x, [w1, w2])
    print(scores.size())  # you should see [64, 10]

two_layer_fc_test()

# %%
check("two_layer_fc")


# %% tags=["autograded:two_layer_fc"]

# %% [markdown]
# ### Barebones PyTorch: Three-Layer ConvNet
#
# Here you will complete the implementation of the function `three_layer_convnet`, which
# will perform the forward pass of a three-layer convolutional network. Like above, we can
# immediately test our implementation by passing zeros through the network. The network
# should have the following architecture:
#
# 1. A convolutional layer (with bias) with `channel_1` filters, each with shape `KW1 x KH1`
#    (5 x 5), and zero-padding of two
# 2. ReLU nonlinearity
# 3. A convolutional layer (with bias) with `channel_2` filters, each with shape `KW2 x KH2`
#    (3 x 3), and zero-padding of one
# 4. ReLU nonlinearity
# 5. A fully-connected layer with bias, producing scores for C classes.
#
# Note that we have **no softmax activation** here after our fully-connected layer: this is
# because PyTorch's cross entropy loss performs a softmax activation for you, and by
# bundling that step in makes computation more efficient.
#
# **HINT**: For convolutions: https://pytorch.org/docs/stable/nn.functional.html#torch.nn.functional.conv2d;
# pay attention to the shapes of convolutional filters!

# %%
def three_layer_convnet_test():
    x = torch.zeros((64, 3, 32, 32), dtype=dtype)  # minibatch size 64, image size [3, 32, 32]

    conv_w1 = torch.zeros((6, 3, 5, 5), dtype=dtype)  # [out_channel, in_channel, kernel_H, kernel_W]
    conv_b1 = torch.zeros((6,))  # out_channel
    conv_w2 = torch.zeros((9, 6, 3, 3), dtype=dtype)  # [out_channel, in_channel, kernel_H, kernel_W]
    conv_b2 = torch.zeros((9,))  # out_channel

    # you must calculate the shape of the tensor after two conv layers, before the fully-connected layer
    fc_w = torch.zeros((9 * 32 * 32, 10))
    fc_b = torch.zeros(10)

    scores = three_layer_convnet(x, [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b])
    print(scores.size())  # you should see [64, 10]

three_layer_convnet_test()

# %%
check("three_layer_convnet")

# %% tags=["autograded:three_layer_convnet"]

# %% [markdown]
# ### Barebones PyTorch: Initialization
#
# Let's write a couple utility methods to initialize the weight matrices for our models.
#
# - `random_weight(shape, device=None, dtype=torch.float32)` initializes a weight tensor
#   with the Kaiming normalization method: a Gaussian of standard deviation
#   `sqrt(2 / fan_in)`, where `fan_in` is the number of inputs of one output unit
#   (`D_in` for a fully connected weight `(D_in, D_out)`, `C * HH * WW` for a convolution's
#   weight `(F, C, HH, WW)`). You write it in `pytorch_models.py`.
# - `zero_weight(shape, device=None, dtype=torch.float32)` initializes a weight tensor with
#   all zeros. Useful for instantiating bias parameters (given).
#
# Both return tensors with `requires_grad=True`: leaves of the graph whose `.grad` the
# backward pass fills.

# %%
# create a weight of shape [3 x 5]
# you should see the device "cuda:0" if you use the GPU, else "cpu"
torch.manual_seed(0)
w = random_weight((3, 5), device=device)
print(w)
print(w.device, w.dtype, w.requires_grad)

# %%
check("random_weight")

# %% tags=["autograded:random_weight"]

# %% [markdown]
# ### Barebones PyTorch: Check Accuracy
#
# When training the model we will use the following function to check the accuracy of our
# model on the training or validation sets: `check_accuracy(data, model, device)`, in
# `pytorch_models.py`. `model` is any function of a minibatch `x` that returns scores, an
# `nn.Module` (Part III) as well as a barebones model with its weights, such as
# `lambda x: two_layer_fc(x, params)`.
#
# When checking accuracy we don't need to compute any gradients; as a result we don't need
# PyTorch to build a computational graph for us when we compute scores. To prevent a graph
# from being built we scope our computation under a `torch.no_grad()` context manager. An
# `nn.Module` must also be switched to evaluation mode (`model.eval()`), in which dropout
# and batch normalization behave as at test time (you met both in this assignment); put it
# back in the mode it came in afterwards (given). The function returns the fraction of
# examples classified right, over all the examples of `data` (the last minibatch may be
# smaller than the others).

# %%
# An untrained barebones network guesses: about 10% accuracy
torch.manual_seed(0)
params = [random_weight((input_size, 100), device=device), random_weight((100, num_classes), device=device)]
print("validation accuracy before training: %.2f%%"
      % (100 * check_accuracy(loader_val, lambda x: two_layer_fc(x, params), device)))

# %%
check("check_accuracy")

# %% tags=["autograded:check_accuracy"]

# %% [markdown]
# ### BareBones PyTorch: Training Loop
#
# We can now set up a basic training loop to train our network. We will train the model
# using stochastic gradient descent without momentum. We will use `torch.nn.functional.cross_entropy`
# to compute the loss; you can [read about it here](https://pytorch.org/docs/stable/nn.functional.html#cross-entropy).
#
# The training loop takes as input the neural network function, a list of initialized
# parameters (`[w1, w2]` in our example), and learning rate. It is given: read it, it is
# short. Note how the update runs under `torch.no_grad()` (the update itself is no part of
# the graph to differentiate) and how each gradient is zeroed after use (PyTorch adds new
# gradients to `.grad`).

# %%
print(inspect.getsource(train_barebones))

# %% [markdown]
# ### BareBones PyTorch: Train a Two-Layer Network
#
# Now we are ready to run the training loop. We need to explicitly allocate tensors for the
# fully connected weights, `w1` and `w2`.
#
# Each minibatch of CIFAR has 64 examples, so the tensor shape is `[64, 3, 32, 32]`
# (`[64, 1, 28, 28]` for the digits). After flattening, `x` shape should be
# `[64, 3 * 32 * 32]`. This will be the size of the first dimension of `w1`. The second
# dimension of `w1` is the hidden layer size, which will also be the first dimension of `w2`.
# Finally, the output of the network is a 10-dimensional vector that represents the
# probability distribution over 10 classes.
#
# You don't need to tune any hyperparameters but you should see accuracies **above 40%
# after training for one epoch on CIFAR-10** (on the embedded digits: see the figures at
# the end of this part).

# %%
hidden_layer_size = 4000
learning_rate = 1e-2

torch.manual_seed(0)
w1 = random_weight((input_size, hidden_layer_size), device=device)
w2 = random_weight((hidden_layer_size, num_classes), device=device)

history = train_barebones(two_layer_fc, [w1, w2], loader_train, learning_rate, epochs=1,
                          device=device, val_data=loader_val)

# %% [markdown]
# ### BareBones PyTorch: Training a ConvNet
#
# In the below you should use the functions defined above to train a three-layer
# convolutional network on the data. The network should have the following architecture:
#
# 1. Convolutional layer (with bias) with 32 5x5 filters, with zero-padding of 2
# 2. ReLU
# 3. Convolutional layer (with bias) with 16 3x3 filters, with zero-padding of 1
# 4. ReLU
# 5. Fully-connected layer (with bias) to compute scores for 10 classes
#
# You should initialize your weight matrices using the `random_weight` function defined
# above, and you should initialize your bias vectors using the `zero_weight` function
# above (on `device`).
#
# You don't need to tune any hyperparameters, but if everything works correctly you should
# achieve an accuracy **above 42% after one epoch on CIFAR-10**.

# %% tags=["solution:train_barebones_convnet"]
learning_rate = 3e-3

channel_1 = 32
channel_2 = 16

conv_w1 = None
conv_b1 = None
conv_w2 = None
conv_b2 = None
fc_w = None
fc_b = None

torch.manual_seed(0)
### BEGIN SOLUTION
conv_w1 = random_weight((channel_1, in_channels, 5, 5), device=device)
conv_b1 = zero_weight((channel_1,), device=device)
conv_w2 = random_weight((channel_2, channel_1, 3, 3), device=device)
conv_b2 = zero_weight((channel_2,), device=device)
fc_w = random_weight((channel_2 * height * width, num_classes), device=device)
fc_b = zero_weight((num_classes,), device=device)
### END SOLUTION

params = [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]
history = train_barebones(three_layer_convnet, params, loader_train, learning_rate, epochs=1,
                          device=device, val_data=loader_val)


# %% [markdown]
# ### What to expect (Part II)
#
# - **CIFAR-10** (CS231n's targets, one epoch): the two-layer network above 40%, the
#   three-layer ConvNet above 42% validation accuracy.
# - **Embedded MNIST digits** (4,000 training images, one epoch, CPU; measured with the
#   reference solution): the two-layer network reaches **85.2%**, the three-layer ConvNet
#   **72.0%** validation accuracy (one epoch of plain SGD at 3e-3 is short for it).

# %% [markdown]
# # Part III. PyTorch Module API
#
# Barebone PyTorch requires that we track all the parameter tensors by hand. This is fine
# for small networks with a few tensors, but it would be extremely inconvenient and
# error-prone to track tens or hundreds of tensors in larger networks.
#
# PyTorch provides the `nn.Module` API for you to define arbitrary network architectures,
# while tracking every learnable parameter for you. In Part II, we implemented SGD
# ourselves. PyTorch also provides the `torch.optim` package that implements all the common
# optimizers, such as RMSProp, Adagrad, and Adam. It even supports approximate second-order
# methods like L-BFGS! You can refer to the [doc](http://pytorch.org/docs/master/optim.html)
# for the exact specifications of each optimizer.
#
# To use the Module API, follow the steps below:
#
# 1. Subclass `nn.Module`. Give your network class an intuitive name like `TwoLayerFC`.
# 2. In the constructor `__init__()`, define all the layers you need as class attributes.
#    Layer objects like `nn.Linear` and `nn.Conv2d` are themselves `nn.Module` subclasses
#    and contain learnable parameters, so that you don't have to instantiate the raw tensors
#    yourself. `nn.Module` will track these internal parameters for you. Refer to the
#    [doc](http://pytorch.org/docs/master/nn.html) to learn more about the dozens of builtin
#    layers. **Warning**: don't forget to call `super().__init__()` first!
# 3. In the `forward()` method, define the *connectivity* of your network. You should use
#    the attributes defined in `__init__` as function calls that take tensor as input and
#    output the "transformed" tensor. Do *not* create any new layers with learnable
#    parameters in `forward()`! All of them must be declared upfront in `__init__`.
#
# After you define your Module subclass, you can instantiate it as an object and call it
# just like the NN forward function in part II.
#
# ### Module API: Two-Layer Network
#
# Here is a concrete example of a 2-layer fully connected network. Write it in
# `pytorch_models.py`: `self.fc1` and `self.fc2` are `nn.Linear` layers (with biases), their
# weights drawn with `nn.init.kaiming_normal_`, and `forward` flattens, applies `fc1`, a
# ReLU and `fc2`.

# %%
def test_TwoLayerFC():
    input_size = 50
    x = torch.zeros((64, input_size), dtype=dtype)  # minibatch size 64, feature dimension 50
    model = TwoLayerFC(input_size, 42, 10)
    print(model(x).size())  # you should see [64, 10]
    print(model)
    print("learnable values:", count_params(model))

test_TwoLayerFC()

# %%
check("TwoLayerFC")


# %% tags=["autograded:TwoLayerFC"]

# %% [markdown]
# ### Module API: Three-Layer ConvNet
#
# It's your turn to implement a 3-layer ConvNet followed by a fully connected layer. The
# network architecture should be the same as in Part II:
#
# 1. Convolutional layer with `channel_1` 5x5 filters with zero-padding of 2
# 2. ReLU
# 3. Convolutional layer with `channel_2` 3x3 filters with zero-padding of 1
# 4. ReLU
# 5. Fully-connected layer to `num_classes` classes
#
# Write `ThreeLayerConvNet` in `pytorch_models.py` (its graded target is called
# `TorchThreeLayerConvNet`, to tell it from the NumPy `ThreeLayerConvNet` of the
# ConvolutionalNetworks notebook). Its `image_size` argument (32 for CIFAR-10) sizes the
# fully connected layer. You should initialize the weight matrices of the model using the
# Kaiming normal initialization method.
#
# **HINT**: http://pytorch.org/docs/stable/nn.html#conv2d
#
# After you implement the three-layer ConvNet, the `test_ThreeLayerConvNet` function will
# run your implementation; it should print `(64, 10)` for the shape of the output scores.

# %%
def test_ThreeLayerConvNet():
    x = torch.zeros((64, 3, 32, 32), dtype=dtype)  # minibatch size 64, image size [3, 32, 32]
    model = ThreeLayerConvNet(in_channel=3, channel_1=12, channel_2=8, num_classes=10)
    print(model(x).size())  # you should see [64, 10]

test_ThreeLayerConvNet()

# %%
check("TorchThreeLayerConvNet")

# %% tags=["autograded:TorchThreeLayerConvNet"]

# %% [markdown]
# ### Module API: Training Loop
#
# We also use a slightly different training loop. Rather than updating the values of the
# weights ourselves, we use an Optimizer object from the `torch.optim` package, which
# abstracts the notion of an optimization algorithm and provides implementations of most of
# the algorithms commonly used to optimize neural networks.
#
# Write the body of `train(model, optimizer, data, epochs, device, ...)` in
# `pytorch_models.py`. The loop over the epochs and the minibatches, the progress bar
# (`tqdm`), the learning-rate scheduler and the validation after each epoch are given; each
# iteration, you
#
# 1. put the model in training mode (`check_accuracy` leaves it in the mode it came in, but
#    your model may come in evaluation mode),
# 2. move the minibatch to the device (the labels as `torch.long`),
# 3. compute the scores and the cross-entropy loss, averaged over the minibatch,
# 4. zero out the gradients that the optimizer will update (PyTorch accumulates them),
# 5. backpropagate, and
# 6. let the optimizer update the parameters.
#
# `train` returns a history: the loss of every iteration and the validation accuracy after
# each epoch.

# %%
check("train")

# %% tags=["autograded:train"]

# %% [markdown]
# ### Module API: Train a Two-Layer Network
#
# Now we are ready to run the training loop. In contrast to part II, we don't explicitly
# allocate parameter tensors anymore. Simply pass the input size, hidden layer size, and
# number of classes (i.e. output size) to the constructor of `TwoLayerFC`. You also need to
# define an optimizer that tracks all the learnable parameters inside `TwoLayerFC`.
#
# You don't need to tune any hyperparameters, but you should see model accuracies **above
# 40% after training for one epoch on CIFAR-10**.

# %%
hidden_layer_size = 4000
learning_rate = 1e-2
torch.manual_seed(0)
model = TwoLayerFC(input_size, hidden_layer_size, num_classes)
optimizer = optim.SGD(model.parameters(), lr=learning_rate)

history = train(model, optimizer, loader_train, epochs=1, device=device, val_data=loader_val)

# %% [markdown]
# ### Module API: Train a Three-Layer ConvNet
#
# You should now use the Module API to train a three-layer ConvNet on the data. This should
# look very similar to training the two-layer network! You don't need to tune any
# hyperparameters, but you should achieve above **45% after training for one epoch on
# CIFAR-10**. You should train the model using stochastic gradient descent without momentum.

# %% tags=["solution:train_module_convnet"]
learning_rate = 3e-3
channel_1 = 32
channel_2 = 16

model = None
optimizer = None
torch.manual_seed(0)
### BEGIN SOLUTION
model = ThreeLayerConvNet(in_channels, channel_1, channel_2, num_classes, image_size=(height, width))
optimizer = optim.SGD(model.parameters(), lr=learning_rate)
### END SOLUTION

history = train(model, optimizer, loader_train, epochs=1, device=device, val_data=loader_val)

# %% [markdown]
# ### What to expect (Part III)
#
# - **CIFAR-10** (CS231n's targets, one epoch): `TwoLayerFC` above 40%, the three-layer
#   ConvNet above 45% validation accuracy.
# - **Embedded MNIST digits** (4,000 training images, one epoch, CPU; measured with the
#   reference solution): `TwoLayerFC` reaches **87.0%**, the three-layer ConvNet **85.6%**.

# %% [markdown]
# # Part IV. PyTorch Sequential API
#
# Part III introduced the PyTorch Module API, which allows you to define arbitrary
# learnable layers and their connectivity.
#
# For simple models like a stack of feed forward layers, you still need to go through 3
# steps: subclass `nn.Module`, assign layers to class attributes in `__init__`, and call
# each layer one by one in `forward()`. Is there a more convenient way?
#
# Fortunately, PyTorch provides a container Module called `nn.Sequential`, which merges the
# above steps into one. It is not as flexible as `nn.Module`, because you cannot specify
# more complex topology than a feed-forward stack, but it's good enough for many use cases.
#
# ### Sequential API: Two-Layer Network
#
# Let's see how to rewrite our two-layer fully connected network example with
# `nn.Sequential`, and train it using the training loop defined above (`Flatten` is
# `flatten` as a module). Again, you don't need to tune any hyperparameters here, but you
# should achieve above **40% accuracy after one epoch of training on CIFAR-10**.

# %%
hidden_layer_size = 4000
learning_rate = 1e-2
torch.manual_seed(0)

model = nn.Sequential(
    Flatten(),
    nn.Linear(input_size, hidden_layer_size),
    nn.ReLU(),
    nn.Linear(hidden_layer_size, num_classes),
)

# you can use Nesterov momentum in optim.SGD
optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)

history = train(model, optimizer, loader_train, epochs=1, device=device, val_data=loader_val)

# %% [markdown]
# ### Sequential API: Three-Layer ConvNet
#
# Here you should use `nn.Sequential` to define and train a three-layer ConvNet with the
# same architecture we used in Part III:
#
# 1. Convolutional layer (with bias) with 32 5x5 filters, with zero-padding of 2
# 2. ReLU
# 3. Convolutional layer (with bias) with 16 3x3 filters, with zero-padding of 1
# 4. ReLU
# 5. Fully-connected layer (with bias) to compute scores for 10 classes
#
# You can use the default PyTorch weight initialization.
#
# You should optimize your model using stochastic gradient descent with Nesterov momentum
# 0.9.
#
# Again, you don't need to tune any hyperparameters but you should see accuracy **above 55%
# after one epoch of training on CIFAR-10**.

# %% tags=["solution:train_sequential_convnet"]
channel_1 = 32
channel_2 = 16
learning_rate = 1e-2

model = None
optimizer = None
torch.manual_seed(0)
### BEGIN SOLUTION
model = nn.Sequential(
    nn.Conv2d(in_channels, channel_1, kernel_size=5, padding=2),
    nn.ReLU(),
    nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1),
    nn.ReLU(),
    Flatten(),
    nn.Linear(channel_2 * height * width, num_classes),
)
optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)
### END SOLUTION

history = train(model, optimizer, loader_train, epochs=1, device=device, val_data=loader_val)

# %% [markdown]
# ### What to expect (Part IV)
#
# - **CIFAR-10** (CS231n's targets, one epoch): the two-layer network above 40%, the
#   three-layer ConvNet with Nesterov momentum above 55% validation accuracy.
# - **Embedded MNIST digits** (4,000 training images, one epoch, CPU; measured with the
#   reference solution): the two-layer network reaches **89.6%**, the three-layer ConvNet
#   **91.8%** (Nesterov momentum helps).

# %% [markdown]
# # Part V. CIFAR-10 open-ended challenge
#
# In this section, you can experiment with whatever ConvNet architecture you'd like on
# CIFAR-10 (or on the embedded digits when CIFAR-10 is not downloaded).
#
# Now it's your job to experiment with architectures, hyperparameters, loss functions, and
# optimizers to train a model that achieves **at least 70%** accuracy on the CIFAR-10
# **validation** set within 10 epochs. You can use the `check_accuracy` and `train`
# functions from above. You can use either the `nn.Module` or the `nn.Sequential` API.
#
# Describe what you did at the end of this notebook.
#
# Here are the official API documentation for each component. One note: what we call in the
# class "spatial batch norm" is called "BatchNorm2D" in PyTorch.
#
# * Layers in torch.nn package: http://pytorch.org/docs/stable/nn.html
# * Activations: http://pytorch.org/docs/stable/nn.html#non-linear-activations
# * Loss functions: http://pytorch.org/docs/stable/nn.html#loss-functions
# * Optimizers: http://pytorch.org/docs/stable/optim.html
#
# ### Things you might try:
#
# - **Filter size**: Above we used 5x5; would smaller filters be more efficient?
# - **Number of filters**: Above we used 32 filters. Do more or fewer do better?
# - **Pooling vs Strided Convolution**: Do you use max pooling or just stride convolutions?
# - **Batch normalization**: Try adding spatial batch normalization after convolution
#   layers and vanilla batch normalization after affine layers. Do your networks train
#   faster?
# - **Network architecture**: The network above has two layers of trainable parameters. Can
#   you do better with a deep network? Good architectures to try include:
#     - [conv-relu-pool]xN -> [affine]xM -> [softmax or SVM]
#     - [conv-relu-conv-relu-pool]xN -> [affine]xM -> [softmax or SVM]
#     - [batchnorm-relu-conv]xN -> [affine]xM -> [softmax or SVM]
# - **Global Average Pooling**: Instead of flattening and then having multiple affine
#   layers, perform convolutions until your image gets small (7x7 or so) and then perform
#   an average pooling operation to get to a 1x1 image picture (1, 1 , Filter#), which is
#   then reshaped into a (Filter#) vector. This is used in [Google's Inception
#   Network](https://arxiv.org/abs/1512.00567).
# - **Regularization**: Add l2 weight regularization (the optimizers' `weight_decay`), or
#   perhaps use Dropout.
# - **Data augmentation**: `RandomCrop(padding)` and `RandomHorizontalFlip()` (photographs
#   only: a mirrored digit is no digit) transform whole training minibatches; pass them to
#   `load_data(..., augment=...)`.
#
# ### Tips for training
#
# For each network architecture that you try, you should tune the learning rate and other
# hyperparameters. When doing this there are a couple important things to keep in mind:
#
# - If the parameters are working well, you should see improvement within a few hundred
#   iterations
# - Remember the coarse-to-fine approach for hyperparameter tuning: start by testing a
#   large range of hyperparameters for just a few training iterations to find the
#   combinations of parameters that are working at all.
# - Once you have found some sets of parameters that seem to work, search more finely
#   around these parameters. You may need to train for more epochs.
# - You should use the validation set for hyperparameter search, and save your test set for
#   evaluating your architecture on the best parameters as selected by the validation set.
#
# ### Going above and beyond
#
# If you are feeling adventurous there are many other features you can implement to try
# and improve your performance. You are **not required** to implement any of these, but
# don't miss the fun if you have time!
#
# - Alternative optimizers: you can try Adam, Adagrad, RMSprop, etc.
# - Alternative activation functions such as leaky ReLU, parametric ReLU, ELU, or MaxOut.
# - Model ensembles
# - Data augmentation
# - New Architectures
#   - [ResNets](https://arxiv.org/abs/1512.03385) where the input from the previous layer
#     is added to the output.
#   - [DenseNets](https://arxiv.org/abs/1608.06993) where inputs into previous layers are
#     concatenated together.
#
# ### Have fun and happy training!
#
# Write your network and its training set-up in `challenge_setup` in
# `cs231n_core/pytorch_challenge.py`: a fresh `nn.Sequential` (of the layers its
# `LAYER_KINDS` lists, with whatever sizes you like), an optimizer, an optional scheduler,
# the number of epochs (at most 10), the minibatch size and an optional augmentation. The
# cells below train exactly that set-up, and so does the hidden grader: it trains your
# `challenge_setup(1, (8, 8), 10)` with `train_challenge` on 1,000 distorted 8x8 digits
# within 10 seconds of CPU time and measures its accuracy on held-out digits (1 point above
# 50%, 2 more at the bar calibrated on the reference set-up, 89.7%). Keep the network small
# enough for that budget (at most 500,000 learnable values).

# %%
from cs231n_core.pytorch_challenge import challenge_setup

torch.manual_seed(0)
setup = challenge_setup(in_channels, (height, width), num_classes)
model, optimizer, scheduler = setup["model"], setup["optimizer"], setup["scheduler"]
epochs, augment = setup["epochs"], setup["augment"]
print(model)
print("learnable values:", count_params(model))

# %%
check("challenge_setup")

# %% tags=["autograded:challenge_setup"]

# %% [markdown]
# Now train it, at most 10 epochs (one in SMOKE mode). The progress bar shows each
# epoch's minibatches; after each epoch, the validation accuracy. On CIFAR-10 with a GPU,
# ten epochs of a small network take a few minutes.

# %%
assert epochs <= 10, "the challenge allows at most 10 epochs"
challenge_epochs = 1 if SMOKE else epochs
if augment is not None:  # the same images, the training minibatches transformed
    loader_augmented = load_data("auto", num_training=num_training, num_validation=num_validation,
                                 num_test=num_test, batch_size=setup["batch_size"], seed=0,
                                 augment=augment)["train"]
else:
    loader_augmented = loader_train
history = train(model, optimizer, loader_augmented, epochs=challenge_epochs, device=device,
                val_data=loader_val, scheduler=scheduler)
best_model = model

plt.subplot(2, 1, 1)
plt.plot(history["loss"])
plt.xlabel("iteration")
plt.ylabel("training loss")
plt.subplot(2, 1, 2)
plt.plot(range(1, len(history["val_acc"]) + 1), history["val_acc"], "o-")
plt.xlabel("epoch")
plt.ylabel("validation accuracy")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Save a checkpoint and reload it
#
# A long training run should survive an interruption: `save_checkpoint` stores the model's
# `state_dict`, the optimizer's state (momentum buffers included) and the epoch, writing a
# temporary file first and renaming it, so that a crash never leaves half a checkpoint.
# `load_checkpoint` reads it back onto the device of the model you give it, so that a
# checkpoint saved on a GPU also loads on a laptop. Here we reload the challenge model into
# a fresh copy and check that it predicts exactly as before.

# %%
checkpoint_path = os.path.join("checkpoints", "challenge.pt")
save_checkpoint(checkpoint_path, best_model, optimizer, epoch=challenge_epochs,
                val_acc=history["val_acc"][-1])
print("saved %s (%.1f MB)" % (checkpoint_path, os.path.getsize(checkpoint_path) / 2**20))

fresh = challenge_setup(in_channels, (height, width), num_classes)
reloaded, reloaded_optimizer = fresh["model"].to(device), fresh["optimizer"]
info = load_checkpoint(checkpoint_path, reloaded, reloaded_optimizer)
print("reloaded epoch %d (validation accuracy %.2f%% when saved)"
      % (info["epoch"], 100 * info["extra"]["val_acc"]))

val_before = check_accuracy(loader_val, best_model, device)
val_after = check_accuracy(loader_val, reloaded, device)
print("validation accuracy: %.2f%% before, %.2f%% after reloading" % (100 * val_before, 100 * val_after))
assert val_before == val_after

# %% [markdown]
# ### What to expect (Part V)
#
# - **CIFAR-10**: CS231n's target is **at least 70%** validation accuracy within 10 epochs.
#   The reference network (width 32 on 32x32 photographs, random crops and flips) is built
#   to clear it; CS231n's best networks reach above 80%.
# - **Embedded MNIST digits** (4,000 training images, 10 epochs, CPU, width 16, random
#   crops of 2 pixels; measured with the reference solution): **97.4%** validation and
#   **98.2%** test accuracy; the whole notebook runs in under a minute on a CPU.

# %% [markdown]
# ## Describe what you did
#
# In the cell below you should write an explanation of what you did, any additional
# features that you implemented, and/or any graphs that you made in the process of training
# and evaluating your network.

# %% [markdown] tags=["written:challenge_description"]
# Five 3x3 convolutions in the VGG style, each followed by spatial batch normalization and
# a ReLU, with a 2x2 max pooling after the second and the fourth, then a global average
# pooling, dropout (0.2) and one affine layer: small (about 25,000 learnable values at width
# 16) but deep enough to see whole digits. Batch normalization lets a high learning rate
# (0.05, SGD with Nesterov momentum 0.9 and weight decay 5e-4) train quickly, and a cosine
# schedule lowers it to zero over the 10 epochs. Random crops (2 pixels on the digits; 4
# pixels and horizontal flips on CIFAR-10) fight overfitting. The loss curve falls fastest
# in the first epoch and the validation accuracy rises steadily as the learning rate
# decays.

# %% [markdown]
# ## Test set -- run this only once
#
# Now that we've gotten a result we're happy with, we test our final model on the test set
# (which you should store in `best_model`). Think about how this compares to your
# validation set accuracy.

# %%
test_accuracy = check_accuracy(loader_test, best_model, device)
print("test accuracy: %.2f%%" % (100 * test_accuracy))
