# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: softmax
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
# # Softmax exercise
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment1` in your assignment folder to check and
# zip it.*
#
# This exercise is analogous to the SVM exercise. You will:
#
# - implement a fully-vectorized **loss function** for the Softmax classifier,
# - implement the fully-vectorized expression for its **analytic gradient**,
# - **check your implementation** with a numerical gradient,
# - make the loss **numerically stable** for large scores,
# - use a validation set to **tune the learning rate and regularization** strength,
# - **optimize** the loss function with **SGD**,
# - **visualize** the final learned weights.
#
# You implement two graded functions in `cs231n_core/classifiers/softmax.py`:
# `softmax_loss_naive` and `softmax_loss_vectorized`. The `Softmax` classifier in
# `cs231n_core/classifiers/linear_classifier.py` trains with your `LinearClassifier.train`
# from the SVM notebook. After each function, run its **public check** cell:
# `check("<name>")` runs quick checks in this notebook and tells you in one sentence what
# looks wrong. The locked **autograded** cell after it is where your instructor's hidden
# graders run; they use other inputs than the public checks.
#
# Conventions (as in the SVM notebook): `W` has shape `(D, C)`, `X` has shape `(N, D)`,
# the loss is averaged over the minibatch, and the regularization adds
# `reg * np.sum(W * W)` to the loss and `2 * reg * W` to the gradient.

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
# As in the SVM notebook: **CIFAR-10** when you have downloaded it
# (`cs231n data fetch cifar10`), otherwise the **5,000 real MNIST digits** embedded in the
# course's dependencies; training, validation, test and development splits; the mean image
# of the training set subtracted; and a constant 1 appended to each image (the bias trick).
#
# `split_sizes(SMOKE)` gives the usual splits: 49,000 / 1,000 / 1,000 images of CIFAR-10
# (as in CS231n), 4,000 / 500 / 500 of the digits.

# %%
data = get_data("auto", subtract_mean=True, flatten=True, seed=0,
                num_dev=100 if SMOKE else 500, **split_sizes(SMOKE))
classes = data["class_names"]
num_classes = len(classes)
image_shape = data["image_shape"]
print(dataset_banner(data["name"]))

# The bias trick: append a column of ones to every split.
def add_bias_column(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])

X_train, y_train = add_bias_column(data["X_train"]), data["y_train"]
X_val, y_val = add_bias_column(data["X_val"]), data["y_val"]
X_test, y_test = add_bias_column(data["X_test"]), data["y_test"]
X_dev, y_dev = add_bias_column(data["X_dev"]), data["y_dev"]

print("Train data shape: ", X_train.shape)
print("Train labels shape: ", y_train.shape)
print("Validation data shape: ", X_val.shape)
print("Validation labels shape: ", y_val.shape)
print("Test data shape: ", X_test.shape)
print("Test labels shape: ", y_test.shape)
print("dev data shape: ", X_dev.shape)
print("dev labels shape: ", y_dev.shape)

# %%
# How the classes are distributed in the training set: the softmax loss of a classifier
# that knows nothing depends on it (see the sanity check below).
counts = np.bincount(y_train, minlength=num_classes)
plt.figure(figsize=(8, 3))
plt.bar(range(num_classes), counts)
plt.xticks(range(num_classes), classes)
plt.ylabel("training images")
plt.title("Class distribution of the training set")
plt.show()

# %% [markdown]
# ## Softmax Classifier
#
# The softmax classifier reads the scores $s = x_i W$ as unnormalized log-probabilities:
#
# $$p_j = \frac{e^{s_j}}{\sum_k e^{s_k}}, \qquad L_i = -\log p_{y_i},$$
#
# and its loss is $\frac{1}{N}\sum_i L_i + \lambda \sum_{k,l} W_{k,l}^2$. The gradient of
# $L_i$ with respect to the scores is $p - \mathbb{1}_{y_i}$ (the probabilities, minus 1 at
# the correct class).
#
# Your code for this section will all be written inside
# `cs231n_core/classifiers/softmax.py`. First implement the naive softmax loss function
# with nested loops, in `softmax_loss_naive`.

# %%
# First implement the naive softmax loss function with nested loops.
# Open the file cs231n_core/classifiers/softmax.py and implement the
# softmax_loss_naive function.
from cs231n_core.classifiers.softmax import softmax_loss_naive

# Generate a random softmax weight matrix and use it to compute the loss.
np.random.seed(0)
W = np.random.randn(X_dev.shape[1], num_classes) * 0.0001
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 0.0)

# As a rough sanity check, our loss should be something close to -log(0.1).
print("loss: %f" % loss)
print("sanity check: %f" % (-np.log(0.1)))

# %% [markdown]
# **Inline Question 1**
#
# Why do we expect our loss to be close to -log(0.1)? Explain briefly.

# %% [markdown] tags=["written:softmax_inline_question_1"]
# With tiny random weights all scores are close to 0, so the softmax gives every one of the
# 10 classes about the same probability, $1/10$. The loss of each example is then
# $-\log p_{y_i} \approx -\log(0.1) = \log 10 \approx 2.303$, whatever its label, and so is
# the average. (A loss far from it at initialization means a bug, or weights that are not
# small.)

# %%
# Complete the implementation of softmax_loss_naive and implement a (naive)
# version of the gradient that uses nested loops.
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 0.0)

# As we did for the SVM, use numeric gradient checking as a debugging tool.
# The numeric gradient should be close to the analytic gradient.
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 0.0)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)

# similar to SVM case, do another gradient check with regularization
loss, grad = softmax_loss_naive(W, X_dev, y_dev, 5e1)
f = lambda w: softmax_loss_naive(w, X_dev, y_dev, 5e1)[0]
grad_numerical = grad_check_sparse(f, W, grad, 10)

# %%
check("softmax_loss_naive")

# %% tags=["autograded:softmax_loss_naive"]

# %% [markdown]
# ### Vectorized loss and gradient
#
# Now that we have a naive implementation of the softmax loss function and its gradient,
# implement a vectorized version in `softmax_loss_vectorized`. The two versions should
# compute the same results, but the vectorized version should be much faster.

# %%
from cs231n_core.classifiers.softmax import softmax_loss_vectorized

tic = time.time()
loss_naive, grad_naive = softmax_loss_naive(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("naive loss: %e computed in %fs" % (loss_naive, toc - tic))

tic = time.time()
loss_vectorized, grad_vectorized = softmax_loss_vectorized(W, X_dev, y_dev, 0.000005)
toc = time.time()
print("vectorized loss: %e computed in %fs" % (loss_vectorized, toc - tic))

# As we did for the SVM, we use the Frobenius norm to compare the two versions
# of the gradient.
grad_difference = np.linalg.norm(grad_naive - grad_vectorized, ord="fro")
print("Loss difference: %f" % np.abs(loss_naive - loss_vectorized))
print("Gradient difference: %f" % grad_difference)

# %% [markdown]
# ### Numerical stability
#
# `np.exp` overflows to `inf` for arguments above about 709, and `inf / inf` is `nan`.
# Scores that large are not exotic: unnormalized pixels, large weights or a large bias
# easily produce them. The softmax probabilities do not change when the same constant is
# subtracted from all the scores of an example,
#
# $$\frac{e^{s_j - m}}{\sum_k e^{s_k - m}} = \frac{e^{-m} e^{s_j}}{e^{-m} \sum_k e^{s_k}}
# = \frac{e^{s_j}}{\sum_k e^{s_k}},$$
#
# so we choose $m = \max_k s_k$: every exponent is then at most 0, nothing overflows, and
# the largest term of the sum is exactly 1. The cell below shows the problem on three
# scores around 1000, then checks that your losses handle it: shifting every score by 1000
# (through the bias row of `W`, since the last feature of every example is the constant 1)
# must leave the loss unchanged.

# %%
scores = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):
    exp_scores = np.exp(scores)
    unshifted = exp_scores / np.sum(exp_scores)
print("exp(scores):                 ", exp_scores)
print("probabilities, no shift:     ", unshifted)
m = np.max(scores)
print("probabilities, minus the max:", np.exp(scores - m) / np.sum(np.exp(scores - m)))

# Your losses with scores around 1000: add 1000 to the bias of every class (the last
# row of W multiplies the constant feature 1). With reg = 0 the loss must not change.
W_shifted = W.copy()
W_shifted[-1, :] += 1000.0
for loss_function in (softmax_loss_naive, softmax_loss_vectorized):
    with np.errstate(over="ignore", invalid="ignore"):
        loss_small, _ = loss_function(W, X_dev, y_dev, 0.0)
        loss_large, grad_large = loss_function(W_shifted, X_dev, y_dev, 0.0)
    print("%s: loss %f for small scores, %f for scores around 1000, gradient finite: %s"
          % (loss_function.__name__, loss_small, loss_large, np.all(np.isfinite(grad_large))))

# %% [markdown]
# **Inline Question 2**
#
# Subtracting the maximum keeps `np.exp` from overflowing, but `np.exp` can still
# **underflow**: with scores `[0, -800]` the second probability is exactly `0.0` in
# floating point. What happens to the loss $-\log p_{y_i}$ of an example whose correct
# class has such a probability, and how can you compute the loss so that it stays finite?

# %% [markdown] tags=["written:softmax_inline_question_2"]
# $\log(0) = -\infty$, so $-\log p_{y_i}$ is `inf` (NumPy warns of a division by zero) and
# the average loss is `inf` too, although the true loss, $800$ here, is an ordinary number.
# The cure is to never form the tiny probability: with the shifted scores $s' = s - \max s$,
# $-\log p_{y_i} = \log \sum_k e^{s'_k} - s'_{y_i}$ (the *log-sum-exp* form). The sum is at
# least 1 (its largest term is $e^0$), so its log is finite, and $s'_{y_i}$ is just a
# number. The gradient can still use the probabilities: an underflowed $p_j = 0$ is the
# correct value to double precision.

# %%
check("softmax_loss_vectorized")

# %% tags=["autograded:softmax_loss_vectorized"]

# %% [markdown]
# ### Tune the hyperparameters
#
# Use the validation set to tune the hyperparameters (regularization strength and learning
# rate). You should experiment with different ranges for the learning rates and
# regularization strengths; if you are careful you should be able to get a classification
# accuracy of **over 0.35** on the validation set of CIFAR-10 (CS231n's figure). The grids
# below are starting points: CS231n's for CIFAR-10, and one tuned for the embedded MNIST
# digits.
#
# In the cell below, train a `Softmax` classifier on the training set for every
# combination of a learning rate and a regularization strength, store
# `results[(learning_rate, reg)] = (train_accuracy, val_accuracy)`, and keep the best
# validation accuracy in `best_val` and its classifier in `best_softmax`. At full size each
# training takes up to half a minute: `train(..., progress=True)` (or a label,
# `progress="lr 1e-06"`) shows a progress bar for each.

# %%
from cs231n_core.classifiers.linear_classifier import Softmax

if data["name"] == "cifar10":
    learning_rates = [1e-7, 5e-7]                # CS231n's starting grid for CIFAR-10
    regularization_strengths = [2.5e4, 5e4]
else:
    learning_rates = [1e-6, 5e-6, 1e-5]          # for the embedded MNIST digits
    regularization_strengths = [1e1, 1e2, 1e3]
num_iters = 30 if SMOKE else 1500
if SMOKE:
    learning_rates, regularization_strengths = learning_rates[:2], regularization_strengths[:2]

results = {}
best_val = -1
best_softmax = None

# %% tags=["solution:softmax_hyperparameter_search"]
### BEGIN SOLUTION
for learning_rate in learning_rates:
    for reg in regularization_strengths:
        np.random.seed(0)
        candidate = Softmax()
        candidate.train(X_train, y_train, learning_rate=learning_rate, reg=reg,
                        num_iters=num_iters, progress="lr %g, reg %g" % (learning_rate, reg))
        train_accuracy = np.mean(candidate.predict(X_train) == y_train)
        val_accuracy = np.mean(candidate.predict(X_val) == y_val)
        results[(learning_rate, reg)] = (train_accuracy, val_accuracy)
        if val_accuracy > best_val:
            best_val, best_softmax = val_accuracy, candidate
### END SOLUTION

# Print out results.
print(format_search_results(results))
print("best validation accuracy achieved during cross-validation: %f" % best_val)

# %%
# Visualize the search: training and validation accuracy over the grid (log scales).
plot_search_results(results)
plt.show()

# %%
# Train the best setting again, recording the loss, and plot the loss curve.
best_lr, best_reg = max(results, key=lambda key: results[key][1])
np.random.seed(0)
curve_classifier = Softmax()
loss_hist = curve_classifier.train(X_train, y_train, learning_rate=best_lr, reg=best_reg,
                                   num_iters=num_iters, progress=True)
plt.figure(figsize=(6, 4))
plt.plot(loss_hist)
plt.xlabel("Iteration number")
plt.ylabel("Loss value")
plt.title("Softmax, learning rate %g, reg %g" % (best_lr, best_reg))
plt.show()

# %%
# evaluate on test set
# Evaluate the best softmax on test set
y_test_pred = best_softmax.predict(X_test)
test_accuracy = np.mean(y_test == y_test_pred)
print("softmax on raw pixels final test set accuracy: %f" % (test_accuracy, ))

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (49,000 training images, CS231n's setting): a validation accuracy above
#   `0.35` after tuning (CS231n's target), and a similar test accuracy.
# - **Embedded MNIST digits** (4,000 training, 500 validation and 500 test images,
#   `seed=0`, measured with the reference solution): the initial loss on the dev set is
#   `2.336`, close to $-\log(0.1) = 2.303$; the search above finds its best validation
#   accuracy, `0.886`, at `learning_rate=1e-5`, `reg=1e2`, and that classifier reaches
#   `0.898` on the test set.

# %% [markdown]
# **Inline Question 3** - *True or False*
#
# Suppose the overall training loss is defined as the sum of the per-datapoint loss over
# all training examples. It is possible to add a new datapoint to a training set that would
# leave the SVM loss unchanged, but this is not the case with the Softmax classifier loss.

# %% [markdown] tags=["written:softmax_inline_question_3"]
# True. A new example whose correct score beats every other score by at least the margin
# $\Delta$ has SVM loss $\sum_j \max(0, s_j - s_{y_i} + \Delta) = 0$, so the total SVM loss
# does not change. Its softmax loss $-\log p_{y_i}$ is zero only if $p_{y_i} = 1$, which
# needs infinitely large score differences: every probability is strictly between 0 and 1,
# so every new example adds a positive amount to the softmax loss.

# %%
# Visualize the learned weights for each class
plot_class_weights(best_softmax.W[:-1, :], image_shape, classes)  # strip out the bias
plt.show()
