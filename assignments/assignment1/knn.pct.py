# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: knn
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
# # k-Nearest Neighbor (kNN) exercise
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment1` in your assignment folder to check and
# zip it.*
#
# The kNN classifier has two stages:
#
# - **training**: the classifier takes the training data and simply remembers it;
# - **testing**: it classifies each test image by comparing it to all training images and
#   taking a vote among the labels of the `k` most similar ones.
#
# In this exercise you implement these steps, understand the basic image classification
# pipeline and cross-validation, and gain proficiency in writing efficient, vectorized
# NumPy code.
#
# You implement four functions of `KNearestNeighbor` in
# `cs231n_core/classifiers/k_nearest_neighbor.py`: `compute_distances_two_loops`,
# `compute_distances_one_loop`, `compute_distances_no_loops` and `predict_labels`. After
# each one, run the **public check** cell below it: `check("<name>")` runs quick checks in
# this notebook and tells you in one sentence what looks wrong. The locked **autograded**
# cell after it is where your instructor's hidden graders run (100 points in all); the
# hidden graders use other inputs than the public checks.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt
from tqdm.auto import tqdm

import cs231n_core
from cs231n_core.data_utils import cifar10_present, describe_data, get_data
from cs231n_core.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n_core.checks import check

# %run ../common_setup.ipy

# %% [markdown]
# ## Load the data
#
# The notebook uses **CIFAR-10** (32x32 colour images of 10 classes, the course's canonical
# dataset) when you have downloaded it with `cs231n data fetch cifar10`, and otherwise the
# **5,000 real MNIST digits** (28x28 grey images) that ship with the course's dependencies,
# so that it also runs offline. As in CS231n, we subsample the data: kNN compares every test
# image to every training image, so the full datasets would be slow. The pixels stay raw
# (0..255): subtracting the mean image would not change any L2 distance.

# %%
if cifar10_present():
    num_training, num_test = 5000, 500   # CS231n's subsample of CIFAR-10
else:
    num_training, num_test = 4000, 500   # of the 5,000 embedded MNIST digits
if SMOKE:
    num_training, num_test = 500, 100

# (The validation split of get_data is not used here: cross-validation below makes
# its own folds of the training data.)
data = get_data("auto", num_training=num_training, num_test=num_test,
                subtract_mean=False, flatten=True, seed=0)
X_train, y_train = data["X_train"], data["y_train"]
X_test, y_test = data["X_test"], data["y_test"]
classes = data["class_names"]
image_shape = data["image_shape"]

# As a sanity check, we print out the size of the training and test data.
print(describe_data(data, ("train", "test")))
print("Each row is one %s image, flattened." % "x".join(map(str, image_shape)))

# %%
# Visualize some examples from the dataset: a few training images of each class.
num_classes = len(classes)
samples_per_class = 7
rng = np.random.RandomState(0)
images = X_train.reshape((-1,) + tuple(image_shape))
for y, cls in enumerate(classes):
    idxs = np.flatnonzero(y_train == y)
    idxs = rng.choice(idxs, min(samples_per_class, len(idxs)), replace=False)
    for i, idx in enumerate(idxs):
        plt_idx = i * num_classes + y + 1
        plt.subplot(samples_per_class, num_classes, plt_idx)
        plt.imshow(images[idx].astype("uint8").squeeze())
        plt.axis("off")
        if i == 0:
            plt.title(cls)
plt.show()

# %% [markdown]
# ## Train the classifier
#
# Training a kNN classifier is a no-op: `train` only remembers the training data
# (`self.X_train`, `self.y_train`).

# %%
# Create a kNN classifier instance.
classifier = KNearestNeighbor()
classifier.train(X_train, y_train)


# %% [markdown]
# ## Distances with two loops
#
# We would now like to classify the test data with the kNN classifier. Recall that we can
# break down this process into two steps:
#
# 1. First we must compute the distances between all test examples and all train examples.
# 2. Given these distances, for each test example we find the k nearest examples and have
#    them vote for the label.
#
# Let's begin with computing the distance matrix between all training and test examples.
# With **Ntr** training examples and **Nte** test examples, this stage should result in an
# **Nte x Ntr** matrix where each element (i, j) is the L2 distance between the i-th test
# and the j-th training example,
# $d(x, t) = \sqrt{\sum_p (x_p - t_p)^2}$.
#
# **Note: for the three distance computations that we require you to implement in this
# notebook, you may not use the `np.linalg.norm()` function that NumPy provides.**
#
# First, open `cs231n_core/classifiers/k_nearest_neighbor.py` and implement the function
# `compute_distances_two_loops`, which uses a (very inefficient) double loop over all pairs
# of (test, train) examples and computes the distance matrix one element at a time.

# %%
def in_chunks(distances, X, desc, chunks=10):
    # distances(X), (num_test, num_train), computed for a chunk of test images at a time
    # under a progress bar: row i depends on test image i only, so the chunks' rows
    # stacked are the whole matrix.
    parts = []
    with tqdm(total=len(X), desc=desc, unit="image") as bar:
        for rows in np.array_split(np.arange(len(X)), chunks):
            parts.append(distances(X[rows]))
            bar.update(len(rows))
    return np.vstack(parts)


# Test your implementation (at full size the two loops take about a minute on CIFAR-10,
# hence the bar):
dists = in_chunks(classifier.compute_distances_two_loops, X_test, "two loops")
print(dists.shape)

# %%
check("compute_distances_two_loops")

# %% tags=["autograded:compute_distances_two_loops"]

# %%
# We can visualize the distance matrix: each row is a single test example and
# its distances to training examples.
plt.imshow(dists, interpolation="none")
plt.xlabel("training example")
plt.ylabel("test example")
plt.colorbar()
plt.show()

# %% [markdown]
# **Inline Question 1**
#
# Some rows and some columns of the distance matrix above stand out as clearly brighter
# than the rest (with this colour map, black is a small distance and white a large one).
#
# - What property of the data makes a whole **row** bright?
# - What makes a whole **column** bright?

# %% [markdown] tags=["written:inline_question_1"]
# A bright row is a test image that is far from every training image: an unusual image,
# for example one with much more ink (MNIST) or much higher contrast or brightness than
# most images (CIFAR-10), or from a class that is under-represented in the training set.
# A bright column is, in the same way, a training image far from all test images (an
# outlier of the training set). Raw-pixel L2 distances mostly measure such overall
# intensity differences.

# %% [markdown]
# ## Predict labels
#
# Now implement the function `predict_labels`: for each test example, find the labels of
# its `k` nearest training examples and return the most common one. When several labels
# are equally common, **pick the smallest label** (`np.bincount` followed by `np.argmax`
# does exactly that). Then run the code below, which predicts with `k = 1` (the nearest
# neighbour).

# %%
# Now implement the function predict_labels and run the code below:
# We use k = 1 (which is Nearest Neighbor).
y_test_pred = classifier.predict_labels(dists, k=1)

# Compute and print the fraction of correctly predicted examples
num_correct = np.sum(y_test_pred == y_test)
accuracy = float(num_correct) / num_test
print("Got %d / %d correct => accuracy: %f" % (num_correct, num_test, accuracy))

# %% [markdown]
# On CIFAR-10 (5,000 training and 500 test images) you should expect to see approximately
# `27%` accuracy; on the embedded MNIST digits (4,000 training and 500 test images), about
# `93.6%`. Now let's try out a larger `k`, say `k = 5`:

# %%
y_test_pred = classifier.predict_labels(dists, k=5)
num_correct = np.sum(y_test_pred == y_test)
accuracy = float(num_correct) / num_test
print("Got %d / %d correct => accuracy: %f" % (num_correct, num_test, accuracy))

# %% [markdown]
# On CIFAR-10 you should expect to see a slightly better performance than with `k = 1`;
# on the MNIST digits about the same (`93.4%`).

# %%
check("predict_labels")

# %% tags=["autograded:predict_labels"]

# %% [markdown]
# **Inline Question 2**
#
# We can also use other distance metrics such as the L1 distance. For pixel values
# $p_{ij}^{(k)}$ at location $(i,j)$ of some image $I_k$, the mean $\mu$ across all pixels
# over all images is $\mu=\frac{1}{nhw}\sum_{k=1}^n\sum_{i=1}^{h}\sum_{j=1}^{w}p_{ij}^{(k)}$,
# the pixel-wise mean $\mu_{ij}$ across all images is
# $\mu_{ij}=\frac{1}{n}\sum_{k=1}^np_{ij}^{(k)}$, and $\sigma$ and $\sigma_{ij}$ are the
# corresponding standard deviations.
#
# Which of the following preprocessing steps will **not change** the predictions of a
# nearest neighbour classifier that uses the L1 distance? Select all that apply, and
# explain why.
#
# 1. Subtracting the mean $\mu$ ($\tilde{p}_{ij}^{(k)}=p_{ij}^{(k)}-\mu$).
# 2. Subtracting the per-pixel mean $\mu_{ij}$ ($\tilde{p}_{ij}^{(k)}=p_{ij}^{(k)}-\mu_{ij}$).
# 3. Subtracting the mean $\mu$ and dividing by the standard deviation $\sigma$.
# 4. Subtracting the pixel-wise mean $\mu_{ij}$ and dividing by the pixel-wise standard
#    deviation $\sigma_{ij}$.
# 5. Rotating the coordinate axes of the data, which means rotating all the images by the
#    same angle. Empty regions in the image caused by rotation are padded with a same
#    pixel value and no interpolation is performed.

# %% [markdown] tags=["written:inline_question_2"]
# 1, 2 and 3. Subtracting the same value from a pixel of every image (1 and 2) leaves each
# difference $p^{(k)}_{ij} - p^{(l)}_{ij}$, hence every L1 distance, unchanged. Dividing
# all pixels by one $\sigma$ (3) scales every distance by the same $1/\sigma$, which keeps
# their order, hence the neighbours. Dividing by a per-pixel $\sigma_{ij}$ (4) weighs the
# pixels differently and can change which image is nearest. The L1 distance is not
# invariant to a rotation of the coordinate axes (5): for example $(1, 0)$ and $(0, 0)$
# are 1 apart, but after a rotation by 45 degrees they are $\sqrt{2}$ apart, while
# distances along the diagonal shrink, so the nearest neighbour can change.

# %% [markdown]
# ## Distances with one loop and with no loop
#
# Now let's speed up the distance matrix computation by using partial vectorization with
# one loop. Implement the function `compute_distances_one_loop` and run the code below.

# %%
dists_one = classifier.compute_distances_one_loop(X_test)


def compare_to_two_loops(name, other_dists):
    """Print whether other_dists (num_test, num_train) agrees with the two-loop dists.

    To ensure that our vectorized implementation is correct, we make sure that it
    agrees with the naive implementation. There are many ways to decide whether
    two matrices are similar; one of the simplest is the Frobenius norm. In case
    you haven't seen it before, the Frobenius norm of two matrices is the square
    root of the squared sum of differences of all elements; in other words, reshape
    the matrices into vectors and compute the Euclidean distance between them.
    """
    difference = np.linalg.norm(dists - other_dists, ord="fro")
    print("%s difference was: %f" % (name, difference))
    if difference < 0.001:
        print("Good! The distance matrices are the same")
    else:
        print("Uh-oh! The distance matrices are different")


compare_to_two_loops("One loop", dists_one)

# %%
check("compute_distances_one_loop")

# %% tags=["autograded:compute_distances_one_loop"]

# %% [markdown]
# Now implement the fully vectorized version inside `compute_distances_no_loops`: no Python
# loop at all. Hint: expand $\|x - t\|^2 = \|x\|^2 - 2\,x \cdot t + \|t\|^2$; one matrix
# multiplication and two broadcast sums give all squared distances at once. Rounding can
# make a few of them slightly negative: clip them at 0 before the square root.

# %%
dists_two = classifier.compute_distances_no_loops(X_test)

# check that the distance matrix agrees with the one we computed before:
compare_to_two_loops("No loop", dists_two)

# %%
check("compute_distances_no_loops")


# %% tags=["autograded:compute_distances_no_loops"]

# %% [markdown]
# ### Speed comparison
#
# Let's compare how fast the implementations are. You should see significantly faster
# performance with the fully vectorized implementation. (Depending on your machine, the
# one-loop version may be no faster, or even slower, than the two-loop one.)

# %%
def time_function(f, *args):
    # Call a function f with args and return the time (in seconds) that it took to execute.
    tic = time.time()
    f(*args)
    toc = time.time()
    return toc - tic

# The loop versions run chunk by chunk under a progress bar (in_chunks, above): next to
# their loops over every pair of images, the chunking costs nothing measurable.
two_loop_time = time_function(in_chunks, classifier.compute_distances_two_loops, X_test, "two loops")
print("Two loop version took %f seconds" % two_loop_time)

one_loop_time = time_function(in_chunks, classifier.compute_distances_one_loop, X_test, "one loop")
print("One loop version took %f seconds" % one_loop_time)

no_loop_time = time_function(classifier.compute_distances_no_loops, X_test)
print("No loop version took %f seconds" % no_loop_time)

# You should see significantly faster performance with the fully vectorized implementation!

# %% [markdown]
# ## Cross-validation
#
# We have implemented the k-Nearest Neighbor classifier but we set the value k = 5
# arbitrarily. We will now determine the best value of this hyperparameter with
# cross-validation: split the training data into `num_folds` folds; for each fold and each
# `k`, train on the other folds, predict the held-out fold, and record the accuracy. The
# distances of a fold are computed once (with your fastest function) and reused for every
# `k`.
#
# (In SMOKE mode the same loop runs on only 100 training images, so the largest `k` do not
# fit in a fold's training set and are skipped with a note.)

# %%
num_folds = 5
k_choices = [1, 3, 5, 8, 10, 12, 15, 20, 50, 100]

X_cv, y_cv = (X_train[:100], y_train[:100]) if SMOKE else (X_train, y_train)

# Split the training data into folds: X_train_folds[i] and y_train_folds[i] are the
# images and labels of fold i.
X_train_folds = np.array_split(X_cv, num_folds)
y_train_folds = np.array_split(y_cv, num_folds)

# k_to_accuracies[k] is the list of num_folds accuracies found with that k.
k_to_accuracies = {}
skipped = set()
for fold in tqdm(range(num_folds), desc="cross-validation", unit="fold"):
    X_tr = np.concatenate([X_train_folds[j] for j in range(num_folds) if j != fold])
    y_tr = np.concatenate([y_train_folds[j] for j in range(num_folds) if j != fold])
    X_val, y_val = X_train_folds[fold], y_train_folds[fold]

    cv_classifier = KNearestNeighbor()
    cv_classifier.train(X_tr, y_tr)
    fold_dists = cv_classifier.compute_distances_no_loops(X_val)
    for k in k_choices:
        if k > len(X_tr):
            skipped.add(k)
            continue
        y_val_pred = cv_classifier.predict_labels(fold_dists, k=k)
        k_to_accuracies.setdefault(k, []).append(float(np.mean(y_val_pred == y_val)))

if skipped:
    print("Note: skipped k = %s, larger than the %d training images of a fold."
          % (", ".join(map(str, sorted(skipped))), len(X_tr)))

# Print out the computed accuracies
for k in sorted(k_to_accuracies):
    for accuracy in k_to_accuracies[k]:
        print("k = %d, accuracy = %f" % (k, accuracy))

# %%
# plot the raw observations
k_choices = [k for k in k_choices if k in k_to_accuracies]
for k in k_choices:
    accuracies = k_to_accuracies[k]
    plt.scatter([k] * len(accuracies), accuracies)

# plot the trend line with error bars that correspond to standard deviation
mean_accuracies = np.array([np.mean(k_to_accuracies[k]) for k in k_choices])
std_accuracies = np.array([np.std(k_to_accuracies[k]) for k in k_choices])
plt.errorbar(k_choices, mean_accuracies, yerr=std_accuracies)
plt.title("Cross-validation on k")
plt.xlabel("k")
plt.ylabel("Cross-validation accuracy")
plt.show()

# %% [markdown]
# Based on the cross-validation results above, choose the best value for `k`: the one with
# the highest mean cross-validation accuracy (the smallest such `k` on a tie). Store it in
# `best_k`, then retrain the classifier on all the training data and test it.

# %% tags=["solution:choose_best_k"]
### BEGIN SOLUTION
best_k = int(k_choices[np.argmax(mean_accuracies)])
### END SOLUTION
print("best_k =", best_k)

# %%
classifier = KNearestNeighbor()
classifier.train(X_train, y_train)
y_test_pred = classifier.predict(X_test, k=best_k)

# Compute and display the accuracy
num_correct = np.sum(y_test_pred == y_test)
accuracy = float(num_correct) / num_test
print("Got %d / %d correct => accuracy: %f" % (num_correct, num_test, accuracy))

# %% [markdown]
# ### What to expect
#
# - **CIFAR-10** (5,000 training and 500 test images, as in CS231n): about `27%` test
#   accuracy with `k = 1`, and above `28%` with the best `k` found by cross-validation.
#   Ten classes means that chance is 10%: raw pixel distances are a weak notion of
#   similarity for natural images.
# - **Embedded MNIST digits** (4,000 training and 500 test images, `seed=0`, measured with
#   the reference solution): `93.6%` test accuracy with `k = 1` and `93.4%` with `k = 5`;
#   5-fold cross-validation gives the highest mean accuracy, `93.45%`, at `k = 1` (`93.05%`
#   at `k = 3`, falling to `83.1%` at `k = 100`), so `best_k = 1` and the final test
#   accuracy is `93.6%`. Handwritten digits are much easier than photographs for a
#   nearest-neighbour classifier on raw pixels.

# %% [markdown]
# **Inline Question 3**
#
# Which of the following statements about the k-Nearest Neighbor (k-NN) classifier are
# true, and for all classification problems? Select all that apply, and explain your
# choice.
#
# 1. The decision boundary of the k-NN classifier is linear.
# 2. The training error of a 1-NN classifier is always lower than or equal to that of a
#    5-NN classifier.
# 3. The test error of a 1-NN classifier is always lower than that of a 5-NN classifier.
# 4. The time needed to classify a test example with the k-NN classifier grows with the
#    size of the training set.
# 5. None of the above.

# %% [markdown] tags=["written:inline_question_3"]
# 2 and 4. (1) is false: the decision boundary of 1-NN is made of pieces of the
# perpendicular bisectors between training points of different classes (a Voronoi
# tessellation), which is piecewise linear but not linear. (2) is true: each training
# point is its own nearest neighbour (distance 0), so 1-NN has zero training error
# (barring duplicate images with different labels), which no other k can beat. (3) is
# false: a larger k often generalizes better, as cross-validation shows. (4) is true:
# classifying one example compares it with every training example, O(N) work.
