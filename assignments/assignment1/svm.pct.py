# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: svm
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
# # Multiclass Support Vector Machine exercise
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment1` in your assignment folder to check and
# zip it.*
#
# In this exercise you will:
#
# - implement a fully-vectorized **loss function** for the SVM,
# - implement the fully-vectorized expression for its **analytic gradient**,
# - **check your implementation** using a numerical gradient,
# - use a validation set to **tune the learning rate and regularization** strength,
# - **optimize** the loss function with **SGD**,
# - **visualize** the final learned weights.
#
# You implement four graded functions: `svm_loss_naive` and `svm_loss_vectorized` in
# `cs231n_core/classifiers/linear_svm.py`, and `LinearClassifier.train` and
# `LinearClassifier.predict` in `cs231n_core/classifiers/linear_classifier.py`. After
# each one, run its **public check** cell: `check("<name>")` runs quick checks in this
# notebook and tells you in one sentence what looks wrong. The locked **autograded** cell
# after it is where your instructor's hidden graders run; they use other inputs than the
# public checks.
#
# The conventions are CS231n's: the weights `W` have shape `(D, C)` (one column per
# class), a minibatch `X` has shape `(N, D)`, the scores are `X.dot(W)`, the loss is
# averaged over the minibatch, and the regularization adds `reg * np.sum(W * W)` to the
# loss (so `2 * reg * W` to the gradient).

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt

import cs231n_core
from cs231n_core.data_utils import dataset_banner, get_data, split_sizes
from cs231n_core.gradient_check import grad_check_sparse
from cs231n_core.checks import check
from cs231n_core.vis_utils import (format_search_results, plot_class_weights,
                                   plot_search_results)

# %run ../common_setup.ipy

# %% [markdown]
# ## Load and preprocess the data
#
# The notebook uses **CIFAR-10** (32x32 colour images of 10 classes, the course's canonical
# dataset) when you have downloaded it with `cs231n data fetch cifar10`, and otherwise the
# **5,000 real MNIST digits** (28x28 grey images) that ship with the course's dependencies,
# so that it also runs offline.
#
# We split the data into a training set, a **validation** set (to tune hyperparameters), a
# test set, and a small **development** set: a random subset of the training set on which
# the code runs fast while you write it. As in CS231n we then subtract the mean image of
# the training set from every image, and append a constant 1 to each image (the **bias
# trick**): the last row of `W` then acts as the bias, and we only optimize a single
# weight matrix.
#
# `split_sizes(SMOKE)` asks `get_data` for the dataset's usual splits: CS231n's 49,000
# training, 1,000 validation and 1,000 test images of CIFAR-10, or 4,000 / 500 / 500 of
# the 5,000 digits (and small ones in the quick SMOKE run of the tests).

# %%
data = get_data("auto", subtract_mean=True, flatten=True, seed=0,
                num_dev=100 if SMOKE else 500, **split_sizes(SMOKE))
classes = data["class_names"]
image_shape = data["image_shape"]
mean_image = data["mean_image"]
print(dataset_banner(data["name"]))

# The bias trick: append a column of ones to every split.
def add_bias_column(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])

X_train, y_train = add_bias_column(data["X_train"]), data["y_train"]
X_val, y_val = add_bias_column(data["X_val"]), data["y_val"]
X_test, y_test = add_bias_column(data["X_test"]), data["y_test"]
X_dev, y_dev = add_bias_column(data["X_dev"]), data["y_dev"]

# As a sanity check, print out the shapes of the data
print("Training data shape:   ", X_train.shape)
print("Validation data shape: ", X_val.shape)
print("Test data shape:       ", X_test.shape)
print("Dev data shape:        ", X_dev.shape)
print("Each row is one %s image, flattened, minus the mean image, plus a 1."
      % "x".join(map(str, image_shape)))

# %%
# Visualize some examples from the dataset (the mean image added back), and the
# mean image itself.
num_classes = len(classes)
samples_per_class = 7
rng = np.random.RandomState(0)
images = data["X_train"].reshape((-1,) + tuple(image_shape)) + mean_image
for y, cls in enumerate(classes):
    idxs = np.flatnonzero(y_train == y)
    idxs = rng.choice(idxs, min(samples_per_class, len(idxs)), replace=False)
    for i, idx in enumerate(idxs):
        plt.subplot(samples_per_class + 1, num_classes, i * num_classes + y + 1)
        plt.imshow(np.clip(images[idx], 0, 255).astype("uint8").squeeze())
        plt.axis("off")
        if i == 0:
            plt.title(cls)
plt.subplot(samples_per_class + 1, num_classes, samples_per_class * num_classes + 1)
plt.imshow(mean_image.astype("uint8").squeeze())
plt.title("mean image")
plt.axis("off")
plt.show()

# %% [markdown]
# ## SVM classifier
#
# The multiclass SVM loss of example $i$ with scores $s = x_i W$ and label $y_i$ is
#
# $$L_i = \sum_{j \ne y_i} \max(0, s_j - s_{y_i} + \Delta), \qquad \Delta = 1,$$
#
# and the full loss is $\frac{1}{N}\sum_i L_i + \lambda \sum_{k,l} W_{k,l}^2$.
#
# Your code for this section will all be written inside
# `cs231n_core/classifiers/linear_svm.py`. First implement `svm_loss_naive`: it loops over
# the examples and the classes, computes the loss, and (this is the part CS231n leaves to
# you) the gradient `dW` in the same loops.

# %%
# Evaluate the naive implementation of the loss we provided for you:
from cs231n_core.classifiers.linear_svm import svm_loss_naive

# generate a random SVM weight matrix of small numbers
np.random.seed(0)
W = np.random.randn(X_dev.shape[1], num_classes) * 0.0001

loss, grad = svm_loss_naive(W, X_dev, y_dev, 0.000005)
print("loss: %f" % (loss,))

# %% [markdown]
# With tiny weights all scores are close to 0, so every margin is close to $\Delta = 1$ and
# the loss should be close to the number of classes minus one, here `9`.
#
# To check that you have implemented the gradient correctly, we numerically estimate the
# gradient of the loss and compare it with the gradient you computed, at a few random
# coordinates (`grad_check_sparse`). The relative errors should be tiny (about `1e-7` or
# less), without and with regularization.

# %%
# Compute the loss and its gradient at W.
loss, grad = svm_loss_naive(W, X_dev, y_dev, 0.0)

# Numerically compute the gradient along several randomly chosen dimensions, and
# compare them with your analytically computed gradient. The numbers should match
# almost exactly along all dimensions.
f = lambda w: svm_loss_naive(w, X_dev, y_dev, 0.0)[0]
grad_numerical = grad_check_sparse(f, W, grad)

# do the gradient check once again with regularization turned on
# you didn't forget the regularization gradient did you?
loss, grad = svm_loss_naive(W, X_dev, y_dev, 5e1)
f = lambda w: svm_loss_naive(w, X_dev, y_dev, 5e1)[0]
grad_numerical = grad_check_sparse(f, W, grad)

# %%
check("svm_loss_naive")

# %% tags=["autograded:svm_loss_naive"]

# %% [markdown]
# **Inline Question 1**
#
# It is possible that once in a while a dimension in the gradient check will not match
# exactly. What could such a discrepancy be caused by? Is it a reason for concern? What is
# a simple example in one dimension where a gradient check could fail? How would changing
# the margin affect the frequency of this happening?
#
# *Hint: the SVM loss function is not, strictly speaking, differentiable.*

# %% [markdown] tags=["written:svm_inline_question_1"]
# The hinge $\max(0, x)$ has a kink at $x = 0$, where it is not differentiable. When a
# margin $s_j - s_{y_i} + \Delta$ lies within the step $h$ of the numerical gradient of 0,
# the centred difference straddles the kink and averages the two one-sided slopes (0 and
# 1), while the analytic gradient takes one of them: the two disagree. This is no reason for
# concern: it is a property of the loss, not a bug, and it happens only at a few
# coordinates. One-dimensional example: $f(x) = \max(0, x)$ at $x = 10^{-6}$ with
# $h = 10^{-5}$ gives a numerical derivative of about $0.55$ while the analytic one is $1$.
# Changing the margin $\Delta$ only moves where the kinks are; what matters is how many
# margins land within $h$ of 0. A larger $\Delta$ (with small weights, margins near
# $\Delta$) or a smaller $h$ makes it rarer; anything that brings many margins near 0 makes
# it more frequent.

# %% [markdown]
# ### Vectorized loss and gradient
#
# Next, implement `svm_loss_vectorized`, which computes the same loss and gradient
# without any explicit loop. Start with the loss: you should see the same value as the
# naive version, much faster. Then the gradient: the coefficient matrix trick of the TODO
# in `linear_svm.py` gives it with one matrix product.

# %%
# Next implement the function svm_loss_vectorized; for now only compute the loss;
# we will implement the gradient in a moment.
from cs231n_core.classifiers.linear_svm import svm_loss_vectorized

tic = time.time()
loss_naive, grad_naive = svm_loss_naive(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("Naive loss: %e computed in %fs" % (loss_naive, toc - tic))

tic = time.time()
loss_vectorized, _ = svm_loss_vectorized(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("Vectorized loss: %e computed in %fs" % (loss_vectorized, toc - tic))

# The losses should match but your vectorized implementation should be much faster.
print("difference: %f" % (loss_naive - loss_vectorized))

# %%
# Complete the implementation of svm_loss_vectorized, and compute the gradient
# of the loss function in a vectorized way.

# The naive implementation and the vectorized implementation should match, but
# the vectorized version should still be much faster.
tic = time.time()
_, grad_naive = svm_loss_naive(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("Naive loss and gradient: computed in %fs" % (toc - tic))

tic = time.time()
_, grad_vectorized = svm_loss_vectorized(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("Vectorized loss and gradient: computed in %fs" % (toc - tic))

# The loss is a single number, so it is easy to compare the values computed
# by the two implementations. The gradient on the other hand is a matrix, so
# we use the Frobenius norm to compare them.
difference = np.linalg.norm(grad_naive - grad_vectorized, ord="fro")
print("difference: %f" % difference)

# %%
check("svm_loss_vectorized")

# %% tags=["autograded:svm_loss_vectorized"]

# %% [markdown]
# ### Stochastic Gradient Descent
#
# We now have vectorized and efficient expressions for the loss and the gradient, and our
# gradient matches the numerical gradient. We are therefore ready to do SGD to minimize
# the loss. Your code for this part will be written inside
# `cs231n_core/classifiers/linear_classifier.py`: implement `LinearClassifier.train`
# (sample a minibatch **with replacement** using `np.random.choice`, evaluate
# `self.loss`, and step `self.W` against the gradient), then run the code below. The
# subclass `LinearSVM` defines `loss` with your `svm_loss_vectorized`.

# %%
from cs231n_core.classifiers.linear_classifier import LinearSVM

num_iters = 50 if SMOKE else 1500
np.random.seed(0)
svm = LinearSVM()
tic = time.time()
# progress=True shows a progress bar (half a minute at full size); verbose=True would
# print the loss every 100 iterations instead.
loss_hist = svm.train(X_train, y_train, learning_rate=1e-7, reg=2.5e4,
                      num_iters=num_iters, progress=True)
toc = time.time()
print("That took %fs" % (toc - tic))

# %%
# A useful debugging strategy is to plot the loss as a function of
# iteration number:
plt.plot(loss_hist)
plt.xlabel("Iteration number")
plt.ylabel("Loss value")
plt.show()

# %%
check("LinearClassifier.train")

# %% tags=["autograded:LinearClassifier.train"]

# %% [markdown]
# Now implement `LinearClassifier.predict` (the label of the highest score of each row)
# and evaluate the performance on both the training and validation set.

# %%
# Write the LinearClassifier.predict function and evaluate the performance on both the
# training and validation set
y_train_pred = svm.predict(X_train)
print("training accuracy: %f" % (np.mean(y_train == y_train_pred), ))
y_val_pred = svm.predict(X_val)
print("validation accuracy: %f" % (np.mean(y_val == y_val_pred), ))

# %%
check("LinearClassifier.predict")

# %% tags=["autograded:LinearClassifier.predict"]

# %% [markdown]
# ### Tune the hyperparameters
#
# Use the validation set to tune the hyperparameters (regularization strength and learning
# rate). You should experiment with different ranges for the learning rates and
# regularization strengths; if you are careful you should be able to get a classification
# accuracy of about **0.39** (39%) on the validation set of CIFAR-10 (CS231n's figure).
# The grids below are starting points: CS231n's for CIFAR-10, and one tuned for the
# embedded MNIST digits, whose pixels and dimension differ.
#
# In the cell below, train a `LinearSVM` on the training set for every combination of a
# learning rate and a regularization strength (`num_iters` iterations each), compute its
# accuracy on the training and the validation set, and store them in
# `results[(learning_rate, reg)] = (train_accuracy, val_accuracy)`. Keep the best
# validation accuracy in `best_val` and the classifier that reached it in `best_svm`.
# At full size each training takes up to half a minute: `train(..., progress=True)` (or a
# label, `progress="lr 1e-07"`) shows a progress bar for each.

# %%
if data["name"] == "cifar10":
    learning_rates = [1e-7, 5e-5]                # CS231n's starting grid for CIFAR-10
    regularization_strengths = [2.5e4, 5e4]
else:
    learning_rates = [1e-7, 1e-6, 1e-5]          # for the embedded MNIST digits
    regularization_strengths = [1e2, 1e3, 1e4]
num_iters = 30 if SMOKE else 1500
if SMOKE:
    learning_rates, regularization_strengths = learning_rates[:2], regularization_strengths[:2]

# results is a dictionary mapping tuples of the form (learning_rate,
# regularization_strength) to tuples of the form (training_accuracy,
# validation_accuracy). The accuracy is simply the fraction of data points that are
# correctly classified.
results = {}
best_val = -1   # The highest validation accuracy that we have seen so far.
best_svm = None # The LinearSVM object that achieved the highest validation rate.

# %% tags=["solution:svm_hyperparameter_search"]
### BEGIN SOLUTION
for learning_rate in learning_rates:
    for reg in regularization_strengths:
        np.random.seed(0)
        candidate = LinearSVM()
        candidate.train(X_train, y_train, learning_rate=learning_rate, reg=reg,
                        num_iters=num_iters, progress="lr %g, reg %g" % (learning_rate, reg))
        train_accuracy = np.mean(candidate.predict(X_train) == y_train)
        val_accuracy = np.mean(candidate.predict(X_val) == y_val)
        results[(learning_rate, reg)] = (train_accuracy, val_accuracy)
        if val_accuracy > best_val:
            best_val, best_svm = val_accuracy, candidate
### END SOLUTION

# Print out results.
print(format_search_results(results))
print("best validation accuracy achieved during cross-validation: %f" % best_val)

# %%
# Visualize the cross-validation results: training and validation accuracy over the
# grid (log scales).
plot_search_results(results)
plt.show()

# %%
# Evaluate the best svm on test set
y_test_pred = best_svm.predict(X_test)
test_accuracy = np.mean(y_test == y_test_pred)
print("linear SVM on raw pixels final test set accuracy: %f" % test_accuracy)

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (49,000 training images, CS231n's setting): about `0.39` validation
#   accuracy after tuning (CS231n's target), and a similar test accuracy.
# - **Embedded MNIST digits** (4,000 training, 500 validation and 500 test images,
#   `seed=0`, measured with the reference solution): the first training run reaches
#   `0.889` training and `0.860` validation accuracy (the loss falls from `209` to about
#   `1.7`); the search above finds its best validation accuracy, `0.890`, at
#   `learning_rate=1e-5`, `reg=1e2`, and that classifier reaches `0.878` on the test set.
#   Handwritten digits are much easier than photographs for a linear classifier.

# %%
# Visualize the learned weights for each class.
# Depending on your choice of learning rate and regularization strength, these may
# or may not be nice to look at.
plot_class_weights(best_svm.W[:-1, :], image_shape, classes)  # strip out the bias
plt.show()

# %% [markdown]
# **Inline Question 2**
#
# Describe what your visualized SVM weights look like, and offer a brief explanation for
# why they look the way they do.

# %% [markdown] tags=["written:svm_inline_question_2"]
# Each class's weights look like a blurry **template** of that class: for the digits, a
# smeared average shape of the digit (bright where the digit's strokes usually are, dark
# where other digits have ink and this one does not); for CIFAR-10, coloured blobs such as
# a green-brown ground for deer and frogs, a blue background for planes and ships, a
# front-facing car. The score of a class is the dot product of the image with its
# template, so training makes each template resemble the images of its class and differ
# from the others (the SVM's margins push precisely on the confusable pixels). With a
# single template per class a linear classifier can only store one average appearance,
# which is why the templates blur different poses, colours or writing styles together.
