# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: cnn
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
# # Convolutional networks
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment2` in your assignment folder to check and
# zip it.*
#
# So far we have worked with deep fully connected networks, using them to explore different
# optimization strategies and network architectures. Fully connected networks are a good
# testbed for experimentation because they are very computationally efficient, but in
# practice all state-of-the-art results use convolutional networks instead.
#
# First you will implement several layer types that are used in convolutional networks, in
# `cs231n_core/layers.py`: `conv_forward_naive`, `conv_backward_naive`,
# `max_pool_forward_naive` and `max_pool_backward_naive`. Then you will make them fast, in
# NumPy only, in `cs231n_core/fast_layers.py`. You will then use these layers to train a
# convolutional network, `ThreeLayerConvNet` in `cs231n_core/classifiers/cnn.py`, and finish
# with spatial batch normalization and spatial group normalization.
#
# After each function, run its **public check** cell: `check("<name>")` runs quick checks in
# this notebook and tells you in one sentence what looks wrong. The locked **autograded**
# cell after it is where your instructor's hidden graders run; they use other inputs.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.classifiers.cnn import ThreeLayerConvNet
from cs231n_core.data_utils import describe_data, get_data, split_sizes, training_subset
from cs231n_core.fast_layers import (conv_backward_fast, conv_forward_fast,
                                     max_pool_backward_fast, max_pool_forward_fast)
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layer_utils import (conv_relu_backward, conv_relu_forward,
                                     conv_relu_pool_backward, conv_relu_pool_forward)
from cs231n_core.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                                max_pool_forward_naive, spatial_batchnorm_backward,
                                spatial_batchnorm_forward, spatial_groupnorm_backward,
                                spatial_groupnorm_forward)
from cs231n_core.solver import Solver
from cs231n_core.vis_utils import plot_solver_history, visualize_grid

# %run ../common_setup.ipy

# %% [markdown]
# ## Load the data
#
# **CIFAR-10** when you have downloaded it (`cs231n data fetch cifar10`), otherwise the
# **5,000 real MNIST digits** that ship with the course's dependencies. Images keep their
# shape, channels first, `(N, C, H, W)`: `(N, 3, 32, 32)` for CIFAR-10, `(N, 1, 28, 28)` for
# MNIST. The mean training image is subtracted. The images are stored in `float32`, the
# `dtype` in which `ThreeLayerConvNet` keeps its parameters, so that NumPy's matrix products
# run at full speed.
#
# `split_sizes(SMOKE)` gives the usual splits: 49,000 / 1,000 / 1,000 images of CIFAR-10
# (as in CS231n), 4,000 / 500 / 500 of the digits.

# %%
data = get_data("auto", subtract_mean=True, flatten=False, channels_first=True, seed=0,
                dtype=np.float32, **split_sizes(SMOKE, smoke_sizes=(250, 100, 100)))
print(describe_data(data))
for k in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
    print("%s: %s" % (k, data[k].shape))

# %% [markdown]
# # Convolution: naive forward pass
#
# The core of a convolutional network is the convolution operation. In the file
# `cs231n_core/layers.py`, implement the forward pass for the convolution layer in the
# function `conv_forward_naive`.
#
# You don't have to worry too much about efficiency at this point; just write the code in
# whatever way you find most clear. Note that, as in every deep learning library, the
# "convolution" slides the filter over the input **without flipping it** (strictly
# speaking, a cross-correlation).
#
# You can test your implementation by running the following:

# %%
x_shape = (2, 3, 4, 4)
w_shape = (3, 3, 4, 4)
x = np.linspace(-0.1, 0.5, num=np.prod(x_shape)).reshape(x_shape)
w = np.linspace(-0.2, 0.3, num=np.prod(w_shape)).reshape(w_shape)
b = np.linspace(-0.1, 0.2, num=3)

conv_param = {"stride": 2, "pad": 1}
out, _ = conv_forward_naive(x, w, b, conv_param)
correct_out = np.array([[[[-0.08759809, -0.10987781],
                           [-0.18387192, -0.2109216 ]],
                          [[ 0.21027089,  0.21661097],
                           [ 0.22847626,  0.23004637]],
                          [[ 0.50813986,  0.54309974],
                           [ 0.64082444,  0.67101435]]],
                         [[[-0.98053589, -1.03143541],
                           [-1.19128892, -1.24695841]],
                          [[ 0.69108355,  0.66880383],
                           [ 0.59480972,  0.56776003]],
                          [[ 2.36270298,  2.36904306],
                           [ 2.38090835,  2.38247847]]]])

# Compare your output to ours; difference should be around e-8
print("Testing conv_forward_naive")
print("difference: ", rel_error(out, correct_out))

# %%
check("conv_forward_naive")

# %% tags=["autograded:conv_forward_naive"]

# %% [markdown]
# ## Aside: image processing via convolutions
#
# As a fun way to both check your implementation and gain a better understanding of the
# type of operation that convolutional layers can perform, we will set up an input
# containing two real photographs (scikit-image's sample images of a cat and of a cup of
# coffee) and manually set up filters that perform common image processing operations
# (grayscale conversion and edge detection). The convolution forward pass applies each of
# these operations to each of the input images. We can then visualize the results as a
# sanity check.

# %%
from skimage import data as sample_images
from skimage.transform import resize

kitten, coffee = sample_images.chelsea(), sample_images.coffee()

# kitten is wide, and coffee is non-square; crop both to squares
d = kitten.shape[1] - kitten.shape[0]
kitten_cropped = kitten[:, d // 2:-d // 2, :]
d = coffee.shape[1] - coffee.shape[0]
coffee_cropped = coffee[:, d // 2:-d // 2, :]

img_size = 64 if SMOKE else 200   # Make this smaller if it runs too slow
x = np.zeros((2, 3, img_size, img_size))
x[0, :, :, :] = resize(coffee_cropped, (img_size, img_size), preserve_range=True).transpose((2, 0, 1))
x[1, :, :, :] = resize(kitten_cropped, (img_size, img_size), preserve_range=True).transpose((2, 0, 1))

# Set up a convolutional weights holding 2 filters, each 3x3
w = np.zeros((2, 3, 3, 3))

# The first filter converts the image to grayscale.
# Set up the red, green, and blue channels of the filter.
w[0, 0, :, :] = [[0, 0, 0], [0, 0.3, 0], [0, 0, 0]]
w[0, 1, :, :] = [[0, 0, 0], [0, 0.6, 0], [0, 0, 0]]
w[0, 2, :, :] = [[0, 0, 0], [0, 0.1, 0], [0, 0, 0]]

# Second filter detects horizontal edges in the blue channel.
w[1, 2, :, :] = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]

# Vector of biases. We don't need any bias for the grayscale
# filter, but for the edge detection filter we want to add 128
# to each output so that nothing is negative.
b = np.array([0, 128])

# Compute the result of convolving each input in x with each filter in w,
# offsetting by b, and storing the results in out.
out, _ = conv_forward_naive(x, w, b, {"stride": 1, "pad": 1})


def imshow_no_ax(img, normalize=True):
    # Tiny helper to show images as uint8 and remove axis labels
    if normalize:
        img_max, img_min = np.max(img), np.min(img)
        img = 255.0 * (img - img_min) / (img_max - img_min)
    plt.imshow(img.astype("uint8"))
    plt.gca().axis("off")


# Show the original images and the results of the conv operation
plt.subplot(2, 3, 1)
imshow_no_ax(x[0].transpose(1, 2, 0), normalize=False)
plt.title("Original image")
plt.subplot(2, 3, 2)
imshow_no_ax(out[0, 0])
plt.title("Grayscale")
plt.subplot(2, 3, 3)
imshow_no_ax(out[0, 1])
plt.title("Edges")
plt.subplot(2, 3, 4)
imshow_no_ax(x[1].transpose(1, 2, 0), normalize=False)
plt.subplot(2, 3, 5)
imshow_no_ax(out[1, 0])
plt.subplot(2, 3, 6)
imshow_no_ax(out[1, 1])
plt.show()

# %% [markdown]
# # Convolution: naive backward pass
#
# Implement the backward pass for the convolution operation in the function
# `conv_backward_naive` in `cs231n_core/layers.py`. Again, you don't need to worry too much
# about computational efficiency.
#
# When you are done, run the following to check your backward pass with a numeric gradient
# check.

# %%
np.random.seed(231)
x = np.random.randn(4, 3, 5, 5)
w = np.random.randn(2, 3, 3, 3)
b = np.random.randn(2,)
dout = np.random.randn(4, 2, 5, 5)
conv_param = {"stride": 1, "pad": 1}

dx_num = eval_numerical_gradient_array(lambda x: conv_forward_naive(x, w, b, conv_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_forward_naive(x, w, b, conv_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_forward_naive(x, w, b, conv_param)[0], b, dout)

out, cache = conv_forward_naive(x, w, b, conv_param)
dx, dw, db = conv_backward_naive(dout, cache)

# Your errors should be around e-8 or less.
print("Testing conv_backward_naive function")
print("dx error: ", rel_error(dx, dx_num))
print("dw error: ", rel_error(dw, dw_num))
print("db error: ", rel_error(db, db_num))

# %%
check("conv_backward_naive")

# %% tags=["autograded:conv_backward_naive"]

# %% [markdown]
# # Max-pooling: naive forward pass
#
# Implement the forward pass for the max-pooling operation in the function
# `max_pool_forward_naive` in `cs231n_core/layers.py`. Again, don't worry too much about
# computational efficiency.
#
# Check your implementation by running the following:

# %%
x_shape = (2, 3, 4, 4)
x = np.linspace(-0.3, 0.4, num=np.prod(x_shape)).reshape(x_shape)
pool_param = {"pool_width": 2, "pool_height": 2, "stride": 2}

out, _ = max_pool_forward_naive(x, pool_param)

correct_out = np.array([[[[-0.26315789, -0.24842105],
                          [-0.20421053, -0.18947368]],
                         [[-0.14526316, -0.13052632],
                          [-0.08631579, -0.07157895]],
                         [[-0.02736842, -0.01263158],
                          [ 0.03157895,  0.04631579]]],
                        [[[ 0.09052632,  0.10526316],
                          [ 0.14947368,  0.16421053]],
                         [[ 0.20842105,  0.22315789],
                          [ 0.26736842,  0.28210526]],
                         [[ 0.32631579,  0.34105263],
                          [ 0.38526316,  0.4       ]]]])

# Compare your output with ours. Difference should be on the order of e-8.
print("Testing max_pool_forward_naive function:")
print("difference: ", rel_error(out, correct_out))

# %%
check("max_pool_forward_naive")

# %% tags=["autograded:max_pool_forward_naive"]

# %% [markdown]
# # Max-pooling: naive backward pass
#
# Implement the backward pass for the max-pooling operation in the function
# `max_pool_backward_naive` in `cs231n_core/layers.py`. Each window passes its upstream
# derivative to the pixel that held its maximum; when several pixels tie for the maximum,
# to the first of them (the one `np.argmax` finds), so that the derivative is passed on
# exactly once. You don't need to worry about computational efficiency.
#
# Check your implementation with numeric gradient checking by running the following:

# %%
np.random.seed(231)
x = np.random.randn(3, 2, 8, 8)
dout = np.random.randn(3, 2, 4, 4)
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

dx_num = eval_numerical_gradient_array(lambda x: max_pool_forward_naive(x, pool_param)[0], x, dout)

out, cache = max_pool_forward_naive(x, pool_param)
dx = max_pool_backward_naive(dout, cache)

# Your error should be on the order of e-12
print("Testing max_pool_backward_naive function:")
print("dx error: ", rel_error(dx, dx_num))

# %%
check("max_pool_backward_naive")

# %% tags=["autograded:max_pool_backward_naive"]

# %% [markdown]
# # Fast layers
#
# Making convolution and pooling layers fast can be challenging. CS231n ships fast versions
# written in Cython; here you write them yourself, **in NumPy only**, in
# `cs231n_core/fast_layers.py`: `conv_forward_fast`, `conv_backward_fast`,
# `max_pool_forward_fast` and `max_pool_backward_fast`.
#
# For the convolution, gather every receptive field of the padded input into the columns of
# a matrix ("im2col"): `np.lib.stride_tricks.as_strided` gives a view of all the windows
# without copying, and one matrix product with the filters, reshaped into rows, then
# computes every output at once. The backward pass is again a few matrix products, plus a
# "col2im" step that adds each column's gradient back into the (padded) input, one filter
# offset at a time. For max pooling, a strided view of the windows and a maximum over its
# window axes do the forward pass; the backward pass sends each derivative to the first
# maximum of its window, as the naive one does.
#
# The fast layers must agree with the naive ones; run the following to compare them and to
# see how much faster they are. The hidden graders expect the fast layers to agree with the
# naive ones on odd sizes, strides and paddings, and to be fast.

# %%
# Rel errors should be around e-9 or less
np.random.seed(231)
num_images = 10 if SMOKE else 100
x = np.random.randn(num_images, 3, 31, 31)
w = np.random.randn(25, 3, 3, 3)
b = np.random.randn(25,)
dout = np.random.randn(num_images, 25, 16, 16)
conv_param = {"stride": 2, "pad": 1}

t0 = time.time()
out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
t1 = time.time()
out_fast, cache_fast = conv_forward_fast(x, w, b, conv_param)
t2 = time.time()

print("Testing conv_forward_fast:")
print("Naive: %fs" % (t1 - t0))
print("Fast: %fs" % (t2 - t1))
print("Speedup: %fx" % ((t1 - t0) / (t2 - t1)))
print("Difference: ", rel_error(out_naive, out_fast))

t0 = time.time()
dx_naive, dw_naive, db_naive = conv_backward_naive(dout, cache_naive)
t1 = time.time()
dx_fast, dw_fast, db_fast = conv_backward_fast(dout, cache_fast)
t2 = time.time()

print("\nTesting conv_backward_fast:")
print("Naive: %fs" % (t1 - t0))
print("Fast: %fs" % (t2 - t1))
print("Speedup: %fx" % ((t1 - t0) / (t2 - t1)))
print("dx difference: ", rel_error(dx_naive, dx_fast))
print("dw difference: ", rel_error(dw_naive, dw_fast))
print("db difference: ", rel_error(db_naive, db_fast))

# %%
check("conv_forward_fast")

# %% tags=["autograded:conv_forward_fast"]

# %%
check("conv_backward_fast")

# %% tags=["autograded:conv_backward_fast"]

# %%
# Relative errors should be close to 0.0
np.random.seed(231)
x = np.random.randn(num_images, 3, 32, 32)
dout = np.random.randn(num_images, 3, 16, 16)
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

t0 = time.time()
out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
t1 = time.time()
out_fast, cache_fast = max_pool_forward_fast(x, pool_param)
t2 = time.time()

print("Testing pool_forward_fast:")
print("Naive: %fs" % (t1 - t0))
print("fast: %fs" % (t2 - t1))
print("speedup: %fx" % ((t1 - t0) / (t2 - t1)))
print("difference: ", rel_error(out_naive, out_fast))

t0 = time.time()
dx_naive = max_pool_backward_naive(dout, cache_naive)
t1 = time.time()
dx_fast = max_pool_backward_fast(dout, cache_fast)
t2 = time.time()

print("\nTesting pool_backward_fast:")
print("Naive: %fs" % (t1 - t0))
print("fast: %fs" % (t2 - t1))
print("speedup: %fx" % ((t1 - t0) / (t2 - t1)))
print("dx difference: ", rel_error(dx_naive, dx_fast))

# %%
check("max_pool_forward_fast")

# %% tags=["autograded:max_pool_forward_fast"]

# %%
check("max_pool_backward_fast")

# %% tags=["autograded:max_pool_backward_fast"]

# %% [markdown]
# # Convolutional "sandwich" layers
#
# Previously we introduced the concept of "sandwich" layers that combine multiple
# operations into commonly used patterns. In the file `cs231n_core/layer_utils.py` you will
# find sandwich layers that implement a few commonly used patterns for convolutional
# networks (given code, built on your fast layers). Run the cells below to sanity check
# that they're working.

# %%
np.random.seed(231)
x = np.random.randn(2, 3, 16, 16)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3,)
dout = np.random.randn(2, 3, 8, 8)
conv_param = {"stride": 1, "pad": 1}
pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

out, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
dx, dw, db = conv_relu_pool_backward(dout, cache)

dx_num = eval_numerical_gradient_array(lambda x: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_relu_pool_forward(x, w, b, conv_param, pool_param)[0], b, dout)

# Relative errors should be around e-8 or less
print("Testing conv_relu_pool")
print("dx error: ", rel_error(dx_num, dx))
print("dw error: ", rel_error(dw_num, dw))
print("db error: ", rel_error(db_num, db))

# %%
np.random.seed(231)
x = np.random.randn(2, 3, 8, 8)
w = np.random.randn(3, 3, 3, 3)
b = np.random.randn(3,)
dout = np.random.randn(2, 3, 8, 8)
conv_param = {"stride": 1, "pad": 1}

out, cache = conv_relu_forward(x, w, b, conv_param)
dx, dw, db = conv_relu_backward(dout, cache)

dx_num = eval_numerical_gradient_array(lambda x: conv_relu_forward(x, w, b, conv_param)[0], x, dout)
dw_num = eval_numerical_gradient_array(lambda w: conv_relu_forward(x, w, b, conv_param)[0], w, dout)
db_num = eval_numerical_gradient_array(lambda b: conv_relu_forward(x, w, b, conv_param)[0], b, dout)

# Relative errors should be around e-8 or less
print("Testing conv_relu:")
print("dx error: ", rel_error(dx_num, dx))
print("dw error: ", rel_error(dw_num, dw))
print("db error: ", rel_error(db_num, db))

# %% [markdown]
# # Three-layer convolutional network
#
# Now that you have implemented all the necessary layers, we can put them together into a
# simple convolutional network.
#
# Open the file `cs231n_core/classifiers/cnn.py` and complete the implementation of the
# `ThreeLayerConvNet` class, with the architecture
# `conv - relu - 2x2 max pool - affine - relu - affine - softmax`. Remember you can use the
# fast/sandwich layers (already imported for you) in your implementation. Run the following
# cells to help you debug:
#
# ## Sanity check loss
#
# After you build a new network, one of the first things you should do is sanity check the
# loss. When we use the softmax loss, we expect the loss for random weights (and no
# regularization) to be about `log(C)` for `C` classes. When we add regularization the loss
# should go up slightly.

# %%
model = ThreeLayerConvNet()

N = 10 if SMOKE else 50
X = np.random.randn(N, 3, 32, 32)
y = np.random.randint(10, size=N)

loss, grads = model.loss(X, y)
print("Initial loss (no regularization): ", loss)

model.reg = 0.5
loss, grads = model.loss(X, y)
print("Initial loss (with regularization): ", loss)

# %% [markdown]
# ## Gradient check
#
# After the loss looks reasonable, use numeric gradient checking to make sure that your
# backward pass is correct. When you use numeric gradient checking you should use a small
# amount of artificial data and a small number of neurons at each layer. Note: correct
# implementations may still have relative errors up to the order of e-2 (the ReLUs and max
# pooling have kinks that a centred difference may straddle).

# %%
num_inputs = 2
input_dim = (3, 16, 16)
reg = 0.0
num_classes = 10
np.random.seed(231)
X = np.random.randn(num_inputs, *input_dim)
y = np.random.randint(num_classes, size=num_inputs)

model = ThreeLayerConvNet(
    num_filters=3,
    filter_size=3,
    input_dim=input_dim,
    hidden_dim=7,
    dtype=np.float64
)
loss, grads = model.loss(X, y)
# Errors should be small, but correct implementations may have
# relative errors up to the order of e-2
for param_name in sorted(grads):
    f = lambda _: model.loss(X, y)[0]
    param_grad_num = eval_numerical_gradient(f, model.params[param_name], verbose=False, h=1e-6)
    e = rel_error(param_grad_num, grads[param_name])
    print("%s max relative error: %e" % (param_name, rel_error(param_grad_num, grads[param_name])))

# %%
check("ThreeLayerConvNet")

# %% tags=["autograded:ThreeLayerConvNet"]

# %% [markdown]
# ## Overfit small data
#
# A nice trick is to train your model with just a few training samples. You should be able
# to overfit small datasets, which will result in very high training accuracy and
# comparatively low validation accuracy. (On 100 of the embedded MNIST digits, the reference
# implementation reaches 100% training and about 74% validation accuracy in 15 epochs.)

# %%
np.random.seed(231)

num_train = 50 if SMOKE else 100
small_data = training_subset(data, num_train)

model = ThreeLayerConvNet(input_dim=data["X_train"].shape[1:], weight_scale=1e-2)

solver = Solver(
    model,
    small_data,
    num_epochs=2 if SMOKE else 15,
    batch_size=50,
    update_rule="adam",
    optim_config={"learning_rate": 1e-3},
    verbose=True,
    print_every=1
)
solver.train()

# Print final training accuracy
print("Small data training accuracy:", solver.check_accuracy(small_data["X_train"], small_data["y_train"]))
# Print final validation accuracy
print("Small data validation accuracy:", solver.check_accuracy(small_data["X_val"], small_data["y_val"]))

# %% [markdown]
# Plotting the loss, training accuracy, and validation accuracy should show clear
# overfitting:

# %%
plot_solver_history(solver)
plt.show()

# %% [markdown]
# ## Train the net
#
# By training the three-layer convolutional network for one epoch, you should achieve
# **greater than 40% accuracy on the CIFAR-10 training set** (CS231n's target).
#
# On the embedded MNIST digits (4,000 training images, so only 80 iterations make an
# epoch) the reference implementation reaches about 93% training and 91% validation
# accuracy after this one epoch.

# %%
np.random.seed(231)
model = ThreeLayerConvNet(input_dim=data["X_train"].shape[1:], weight_scale=0.001,
                          hidden_dim=500, reg=0.001)

solver = Solver(
    model,
    data,
    num_epochs=1,
    batch_size=50,
    update_rule="adam",
    optim_config={"learning_rate": 1e-3},
    verbose=True,
    print_every=20
)
solver.train()

# Print final training accuracy
print("Full data training accuracy:", solver.check_accuracy(data["X_train"], data["y_train"]))
# Print final validation accuracy
print("Full data validation accuracy:", solver.check_accuracy(data["X_val"], data["y_val"]))

# %% [markdown]
# ## Visualize filters
#
# You can visualize the first-layer convolutional filters from the trained network by
# running the following. On CIFAR-10 they look like colour blobs and oriented edges; on the
# one-channel digits, like strokes and edges in gray.

# %%
filters = model.params["W1"].transpose(0, 2, 3, 1)   # (F, HH, WW, C)
if filters.shape[3] == 1:
    filters = np.repeat(filters, 3, axis=3)        # gray filters shown as RGB
grid = visualize_grid(filters)
plt.imshow(grid.astype("uint8"))
plt.axis("off")
plt.gcf().set_size_inches(5, 5)
plt.show()

# %% [markdown]
# # Spatial batch normalization
#
# We already saw that batch normalization is a very useful technique for training deep
# fully connected networks. As proposed in the original paper (Ioffe and Szegedy, 2015),
# batch normalization can also be used for convolutional networks, but we need to tweak it
# a bit; the modification will be called "spatial batch normalization."
#
# Normally, batch normalization accepts inputs of shape `(N, D)` and produces outputs of
# shape `(N, D)`, where we normalize across the minibatch dimension `N`. For data coming
# from convolutional layers, batch normalization needs to accept inputs of shape
# `(N, C, H, W)` and produce outputs of shape `(N, C, H, W)` where the `N` dimension gives
# the minibatch size and the `(H, W)` dimensions give the spatial size of the feature map.
#
# If the feature map was produced using convolutions, then we expect every feature
# channel's statistics e.g. mean, variance to be relatively consistent both between
# different images, and different locations within the same image -- after all, every
# feature channel is produced by the same convolutional filter! Therefore, spatial batch
# normalization computes a mean and variance for each of the `C` feature channels by
# computing statistics over the minibatch dimension `N` as well the spatial dimensions `H`
# and `W`.
#
# ## Spatial batch normalization: forward
#
# In the file `cs231n_core/layers.py`, implement the forward pass for spatial batch
# normalization in the function `spatial_batchnorm_forward`. Check your implementation by
# running the following:

# %%
np.random.seed(231)
# Check the training-time forward pass by checking means and variances
# of features both before and after spatial batch normalization
N, C, H, W = 2, 3, 4, 5
x = 4 * np.random.randn(N, C, H, W) + 10

print("Before spatial batch normalization:")
print("  shape: ", x.shape)
print("  means: ", x.mean(axis=(0, 2, 3)))
print("  stds: ", x.std(axis=(0, 2, 3)))

# Means should be close to zero and stds close to one
gamma, beta = np.ones(C), np.zeros(C)
bn_param = {"mode": "train"}
out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
print("After spatial batch normalization:")
print("  shape: ", out.shape)
print("  means: ", out.mean(axis=(0, 2, 3)))
print("  stds: ", out.std(axis=(0, 2, 3)))

# Means should be close to beta and stds close to gamma
gamma, beta = np.asarray([3, 4, 5]), np.asarray([6, 7, 8])
out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
print("After spatial batch normalization (nontrivial gamma, beta):")
print("  shape: ", out.shape)
print("  means: ", out.mean(axis=(0, 2, 3)))
print("  stds: ", out.std(axis=(0, 2, 3)))

# %%
np.random.seed(231)
# Check the test-time forward pass by running the training-time
# forward pass many times to warm up the running averages, and then
# checking the means and variances of activations after a test-time
# forward pass.
N, C, H, W = 10, 4, 11, 12

bn_param = {"mode": "train"}
gamma = np.ones(C)
beta = np.zeros(C)
for t in range(50):
    x = 2.3 * np.random.randn(N, C, H, W) + 13
    spatial_batchnorm_forward(x, gamma, beta, bn_param)
bn_param["mode"] = "test"
x = 2.3 * np.random.randn(N, C, H, W) + 13
a_norm, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)

# Means should be close to zero and stds close to one, but will be
# noisier than training-time forward passes.
print("After spatial batch normalization (test-time):")
print("  means: ", a_norm.mean(axis=(0, 2, 3)))
print("  stds: ", a_norm.std(axis=(0, 2, 3)))

# %%
check("spatial_batchnorm_forward")

# %% tags=["autograded:spatial_batchnorm_forward"]

# %% [markdown]
# ## Spatial batch normalization: backward
#
# In the file `cs231n_core/layers.py`, implement the backward pass for spatial batch
# normalization in the function `spatial_batchnorm_backward`. Run the following to check
# your implementation using a numeric gradient check:

# %%
np.random.seed(231)
N, C, H, W = 2, 3, 4, 5
x = 5 * np.random.randn(N, C, H, W) + 12
gamma = np.random.randn(C)
beta = np.random.randn(C)
dout = np.random.randn(N, C, H, W)

bn_param = {"mode": "train"}
fx = lambda x: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
fg = lambda a: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]
fb = lambda b: spatial_batchnorm_forward(x, gamma, beta, bn_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
da_num = eval_numerical_gradient_array(fg, gamma, dout)
db_num = eval_numerical_gradient_array(fb, beta, dout)

# You should expect errors of magnitudes between 1e-12 and 1e-06
_, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
print("dx error: ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(da_num, dgamma))
print("dbeta error: ", rel_error(db_num, dbeta))

# %%
check("spatial_batchnorm_backward")

# %% tags=["autograded:spatial_batchnorm_backward"]

# %% [markdown]
# # Spatial group normalization
#
# In the previous notebook, we mentioned that layer normalization is an alternative
# normalization technique that mitigates the batch size limitations of batch
# normalization. However, as the authors of Wu and He, "Group Normalization" (2018)
# observed, layer normalization does not perform as well as batch normalization when used
# with convolutional layers: with fully connected layers, all the hidden units in a layer
# tend to make similar contributions to the final prediction, and re-centering and
# rescaling all the inputs to a layer works well. With convolutions, many neurons have
# receptive fields near the border of the image and are rarely turned on, so their
# statistics differ from those of the rest of the layer.
#
# The authors propose an intermediary technique: instead of normalizing over the whole
# layer, **group normalization** splits each datum's channels into `G` groups and
# normalizes each group separately (over its channels and all spatial positions), whatever
# the batch size.
#
# ## Spatial group normalization: forward
#
# In the file `cs231n_core/layers.py`, implement the forward pass for group normalization in
# the function `spatial_groupnorm_forward`. Check your implementation by running the
# following:

# %%
np.random.seed(231)
# Check the training-time forward pass by checking means and variances
# of features both before and after spatial group normalization
N, C, H, W = 2, 6, 4, 5
G = 2
x = 4 * np.random.randn(N, C, H, W) + 10
x_g = x.reshape((N * G, -1))
print("Before spatial group normalization:")
print("  shape: ", x.shape)
print("  means: ", x_g.mean(axis=1))
print("  stds: ", x_g.std(axis=1))

# Means should be close to zero and stds close to one
gamma, beta = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
bn_param = {"mode": "train"}

out, _ = spatial_groupnorm_forward(x, gamma, beta, G, bn_param)
out_g = out.reshape((N * G, -1))
print("After spatial group normalization:")
print("  shape: ", out.shape)
print("  means: ", out_g.mean(axis=1))
print("  stds: ", out_g.std(axis=1))

# %%
check("spatial_groupnorm_forward")

# %% tags=["autograded:spatial_groupnorm_forward"]

# %% [markdown]
# ## Spatial group normalization: backward
#
# In the file `cs231n_core/layers.py`, implement the backward pass for spatial group
# normalization in the function `spatial_groupnorm_backward`. Run the following to check
# your implementation using a numeric gradient check:

# %%
np.random.seed(231)
N, C, H, W = 2, 6, 4, 5
G = 2
x = 5 * np.random.randn(N, C, H, W) + 12
gamma = np.random.randn(1, C, 1, 1)
beta = np.random.randn(1, C, 1, 1)
dout = np.random.randn(N, C, H, W)

gn_param = {}
fx = lambda x: spatial_groupnorm_forward(x, gamma, beta, G, gn_param)[0]
fg = lambda a: spatial_groupnorm_forward(x, gamma, beta, G, gn_param)[0]
fb = lambda b: spatial_groupnorm_forward(x, gamma, beta, G, gn_param)[0]

dx_num = eval_numerical_gradient_array(fx, x, dout)
da_num = eval_numerical_gradient_array(fg, gamma, dout)
db_num = eval_numerical_gradient_array(fb, beta, dout)

_, cache = spatial_groupnorm_forward(x, gamma, beta, G, gn_param)
dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)
# You should expect errors of magnitudes between 1e-12 and 1e-07
print("dx error: ", rel_error(dx_num, dx))
print("dgamma error: ", rel_error(da_num, dgamma))
print("dbeta error: ", rel_error(db_num, dbeta))

# %%
check("spatial_groupnorm_backward")

# %% tags=["autograded:spatial_groupnorm_backward"]

# %% [markdown]
# ## Inline Question 1
#
# Group normalization with `G = 1` group and with `G = C` groups (one channel per group)
# are two other normalization layers you know of, or close relatives. Which ones? Why might
# an intermediate `G` work better than either for convolutional features?

# %% [markdown] tags=["written:inline_question_groupnorm"]
# With `G = 1`, each example is normalized over all its channels and positions: layer
# normalization of the feature map. With `G = C`, each channel of each example is normalized
# over its own positions: instance normalization. Layer norm forces every channel of a layer
# to share one mean and variance, although convolutional channels detect very different
# features (and border units are rarely active); instance norm throws away each channel's
# overall strength in the image, which is often what tells the classes apart. Groups of
# related channels keep both, and like them work for any batch size, unlike batch norm.
