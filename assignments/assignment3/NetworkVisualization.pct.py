# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: network-visualization
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
# # Network Visualization (PyTorch)
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# In this notebook we will explore the use of *image gradients* for generating new images.
#
# When training a model, we define a loss function which measures our current
# unhappiness with the model's performance; we then use backpropagation to compute the
# gradient of the loss with respect to the model parameters, and perform gradient descent
# on the model parameters to minimize the loss.
#
# Here we will do something slightly different. We will start from a convolutional neural
# network that has been trained to perform image classification, and use
# backpropagation to compute gradients with respect to the *image* instead. We will use
# image gradients to see what the network looks at, to make images that fool it, and to
# synthesize images that it likes.
#
# Before that, we look inside the network: its first-layer filters, the neighbours of
# images in its feature space, and a t-SNE map of its last-layer features.
#
# 1. **Saliency maps**, **guided backpropagation**, **occlusion** and **Grad-CAM**: which
#    parts of the image matter for the network's decision?
# 2. **Fooling images**: perturb an input image so that it looks the same to humans, but
#    is classified as any class we like.
# 3. **Class visualization**: synthesize an image that maximizes the score of a class.
# 4. **DeepDream** and **feature inversion**: amplify, or reconstruct from, what a layer
#    sees.
#
# You write the graded functions in `cs231n_core/visualization.py`. After each one, run
# its **public check** cell (`check("<name>")`, quick checks that tell you in one sentence
# what looks wrong); the locked **autograded** cell after it is where your instructor's
# hidden graders run, on other inputs.

# %% [markdown]
# ## The pretrained model
#
# CS231n uses SqueezeNet trained on ImageNet. Nothing of the kind can be downloaded in
# this course (it runs offline), so we use **the course's own classifier**, a small
# ConvNet trained on the 5,000 real MNIST digits that ship with the course, by the script
# `python -m cs231n_core.pretrained_models` (a few seconds on a CPU; it rebuilds the
# shipped weights `cs231n_core/pretrained/digits_cnn.npz` exactly). Its layers:
#
#     conv1 5x5 (8) - relu1 - pool1 - conv2 3x3 (16) - relu2 - pool2 -
#     conv3 3x3 (32) - relu3 - pool3 - flatten - fc1 (64) - relu4 - fc2 (10 scores)
#
# It reaches about 97% accuracy on held-out digits. Everything below works the same on
# any classifier (`model` maps images `(N, C, H, W)` to scores `(N, K)`); with a GPU the
# notebook uses it. This notebook always works on the digits, even when CIFAR-10 is
# downloaded, because that is what the classifier knows.

# %%
# Setup cell.
import os

# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests). Tiny
# problems on a shared machine: more threads only wait for each other, so the flag is read
# here, before numpy and torch start their thread pools (the common set-up below defines
# SMOKE for the rest of the notebook).
if os.environ.get("CS231N_SMOKE") == "1":
    os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.data_utils import get_data
from cs231n_core.pretrained_models import (deprocess, layer_index, load_digits_classifier,
                                           preprocess)
from cs231n_core.tsne import tsne
from cs231n_core.vis_utils import visualize_grid
from cs231n_core.visualization import (blur_image, class_visualization_update_step,
                                       compute_saliency_maps, create_class_visualization,
                                       deep_dream, grad_cam, guided_backprop,
                                       invert_features, jitter, make_fooling_image,
                                       occlusion_map)

# %run ../common_setup.ipy
if SMOKE:
    torch.set_num_threads(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("Device:", device)

# %%
model = load_digits_classifier(device=device)
print(model)
print("validation accuracy %.1f%%, test accuracy %.1f%% (500 held-out digits each)"
      % (100 * model.info["val_accuracy"], 100 * model.info["test_accuracy"]))

# The same split of the embedded MNIST digits as the classifier's training (seed 0):
# the training digits for the neighbours, the held-out ones for everything else.
data = get_data("mnist", num_training=4000, num_validation=500, num_test=500,
                subtract_mean=False, flatten=False, channels_first=True, seed=0)
X_train = preprocess(data["X_train"]).to(device)
y_train = torch.from_numpy(data["y_train"]).to(device)
X_test = preprocess(data["X_test"]).to(device)
y_test = torch.from_numpy(data["y_test"]).to(device)
class_names = data["class_names"]
print("training digits", tuple(X_train.shape), "held-out digits", tuple(X_test.shape))

# %% [markdown]
# Some held-out digits with the classifier's predictions (`preprocess` turns pixels
# 0..255 into the network's normalized inputs, `deprocess` turns them back):

# %%
X, y = X_test[:8], y_test[:8]
with torch.no_grad():
    predicted = model(X).argmax(dim=1)
plt.figure(figsize=(12, 2))
for i in range(8):
    plt.subplot(1, 8, i + 1)
    plt.imshow(deprocess(X[i:i + 1])[0])
    plt.title("%s (label %s)" % (class_names[predicted[i]], class_names[y[i]]), fontsize=9)
    plt.axis("off")
plt.show()

# %% [markdown]
# # Looking inside the network
#
# ## First-layer filters
#
# The first layer's filters look straight at pixels, so they can be shown as images. A
# network trained on ImageNet learns oriented edges and colour blobs; what did ours learn
# from digits?

# %%
filters = model[0].weight.detach().cpu().numpy().transpose(0, 2, 3, 1)  # (8, 5, 5, 1)
grid = visualize_grid(filters, padding=1)
plt.figure(figsize=(4, 4))
plt.imshow(grid[:, :, 0])
plt.axis("off")
plt.title("conv1: 8 filters of 5x5")
plt.show()

# %% [markdown]
# ## Nearest neighbours: pixel space against feature space
#
# The last hidden layer (`relu4`, 64 numbers per image) is the network's description of
# an image, just before the class scores. Images close in that space look alike *to the
# network*: compare the nearest training digits of a few held-out digits by L2 distance
# between pixels and between these features.

# %%
features_of = model[:layer_index("relu4") + 1]   # the layers up to relu4
with torch.no_grad():
    train_features = features_of(X_train)          # (4000, 64)
    query_features = features_of(X_test[:6])

def nearest(queries, database, k=5):
    return torch.cdist(queries.flatten(1), database.flatten(1)).topk(k, largest=False).indices

neighbours = {"pixels": nearest(X_test[:6], X_train), "features": nearest(query_features, train_features)}
fig, axes = plt.subplots(6, 11, figsize=(11, 6.5))
for row in range(6):
    axes[row, 0].imshow(deprocess(X_test[row:row + 1])[0])
    for k in range(5):
        axes[row, 1 + k].imshow(deprocess(X_train[neighbours["pixels"][row, k]][None])[0])
        axes[row, 6 + k].imshow(deprocess(X_train[neighbours["features"][row, k]][None])[0])
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("query", fontsize=9)
axes[0, 3].set_title("nearest in pixel space", fontsize=9)
axes[0, 8].set_title("nearest in feature space", fontsize=9)
plt.show()

# %% [markdown]
# ## t-SNE of the last-layer features
#
# t-SNE (van der Maaten and Hinton, 2008) places points in 2-D so that neighbours in the
# 64-dimensional feature space stay neighbours. Each point is a held-out digit, coloured
# by its true label.

# %%
count = 150 if SMOKE else 1000
with torch.no_grad():
    pool_features = features_of(torch.cat([X_test, preprocess(data["X_val"]).to(device)])[:count])
labels = np.concatenate([data["y_test"], data["y_val"]])[:count]
# scikit-learn's TSNE, under a progress bar: a minute or so for 1,000 points on a laptop
embedding = tsne(pool_features.cpu().numpy(), max_iter=250 if SMOKE else 1000, init="pca",
                 perplexity=30, random_state=0)
plt.figure(figsize=(7, 7))
for digit in range(10):
    chosen = labels == digit
    plt.scatter(embedding[chosen, 0], embedding[chosen, 1], s=8, label=class_names[digit])
plt.legend(markerscale=3)
plt.title("t-SNE of relu4 features (%d held-out digits)" % count)
plt.show()


# %% [markdown]
# # Saliency Maps
#
# Using this pretrained model, we will compute class saliency maps as described in
# Section 3.1 of [1].
#
# A **saliency map** tells us the degree to which each pixel in the image affects the
# classification score for that image. To compute it, we compute the gradient of the
# unnormalized score corresponding to the correct class (which is a scalar) with respect
# to the pixels of the image. If the image has shape `(3, H, W)` then this gradient will
# also have shape `(3, H, W)`; for each pixel in the image, this gradient tells us the
# amount by which the classification score will change if the pixel changes by a small
# amount. To compute the saliency map, we take the absolute value of this gradient, then
# take the maximum value over the 3 input channels; the final saliency map thus has shape
# `(H, W)` and all entries are nonnegative. (Our digits have one channel; the hidden
# graders also use colour images.)
#
# [1] Karen Simonyan, Andrea Vedaldi, and Andrew Zisserman. "Deep Inside Convolutional
# Networks: Visualising Image Classification Models and Saliency Maps", ICLR Workshop 2014.
#
# ### Hint: PyTorch `gather` method
#
# Recall in Assignment 1 you needed to select one element from each row of a matrix; if
# `s` is a tensor of shape `(N, C)` and `y` is a tensor of shape `(N,)` containing
# longs in the range `0 <= y[i] < C`, then `s.gather(1, y.view(-1, 1)).squeeze()` will be
# a tensor of shape `(N,)` containing one entry from each row of `s`, selected according
# to the indices in `y`. Run the following cell to see an example.

# %%
# Example of using gather to select one entry from each row in PyTorch
def gather_example():
    N, C = 4, 5
    s = torch.randn(N, C)
    y = torch.LongTensor([1, 2, 1, 3])
    print(s)
    print(y)
    print(s.gather(1, y.view(-1, 1)).squeeze())
gather_example()

# %% [markdown]
# Implement `compute_saliency_maps` in `cs231n_core/visualization.py`, then check it.

# %%
check("compute_saliency_maps")


# %% tags=["autograded:compute_saliency_maps"]

# %%
def show_maps(X, y, maps, titles):
    # One row per kind of map, one column per image.
    rows = 1 + len(maps)
    plt.figure(figsize=(1.6 * len(X), 1.7 * rows))
    for i in range(len(X)):
        plt.subplot(rows, len(X), i + 1)
        plt.imshow(deprocess(X[i:i + 1])[0])
        plt.title(class_names[y[i]], fontsize=9)
        plt.axis("off")
        for r, (m, title) in enumerate(zip(maps, titles)):
            plt.subplot(rows, len(X), (r + 1) * len(X) + i + 1)
            plt.imshow(m[i], cmap=plt.cm.hot)
            plt.axis("off")
            if i == 0:
                plt.title(title, fontsize=9, loc="left")
    plt.show()

X, y = X_test[:6], y_test[:6]
saliency = compute_saliency_maps(X, y, model)
show_maps(X, y, [saliency.cpu().numpy()], ["saliency"])

# %% [markdown]
# # Guided backpropagation, occlusion and Grad-CAM
#
# A saliency map is noisy. Three other answers to "where does the network look?":
#
# * **Guided backpropagation** (Springenberg et al., 2015) backpropagates like the
#   saliency map, except that each ReLU lets only *positive* gradients through (on top of
#   its usual gate on positive inputs). `guided_backprop` is given; it uses backward
#   hooks on the model's ReLUs.
# * **Occlusion** (Zeiler and Fergus, 2014) asks the network directly: slide a grey square
#   over the image and record how much the probability of the correct class drops. No
#   gradient at all, one forward pass per position of the square. Implement
#   `occlusion_map`.
# * **Grad-CAM** (Selvaraju et al., 2017) weighs the activation maps `A` of a late
#   convolutional layer by the average gradient of the class score over each map, sums them
#   and keeps the positive part: `ReLU(sum_k alpha_k A_k)`, `alpha_k = mean_ij dS/dA_k[i,
#   j]`. Coarse (7x7 here), but class-specific. Implement `grad_cam`, reading the layer's
#   activations with a forward hook (`layer.register_forward_hook`).

# %%
check("occlusion_map")

# %% tags=["autograded:occlusion_map"]

# %%
check("grad_cam")

# %% tags=["autograded:grad_cam"]

# %%
guided = guided_backprop(X, y, model).abs().amax(dim=1)
occlusion = occlusion_map(X, y, model, patch_size=7, stride=1 if not SMOKE else 3)
cam = grad_cam(X, y, model, model[layer_index("relu3")])
# Upsample the coarse maps to the image's size to show them over it.
upsample = lambda m: F.interpolate(m[:, None], size=X.shape[2:], mode="bilinear",
                                   align_corners=False)[:, 0].detach().cpu().numpy()
show_maps(X, y, [saliency.cpu().numpy(), guided.cpu().numpy(), upsample(occlusion), upsample(cam)],
          ["saliency", "guided backprop", "occlusion (drop of p)", "Grad-CAM (relu3)"])

# %% [markdown]
# Grad-CAM is class-specific: ask it why the network would call the same digits something
# else. For each image, the map of the true class, then of the runner-up class:

# %%
with torch.no_grad():
    runner_up = model(X).topk(2, dim=1).indices[:, 1]
cam_other = grad_cam(X, runner_up, model, model[layer_index("relu3")])
show_maps(X, y, [upsample(cam), upsample(cam_other)],
          ["Grad-CAM, true class", "Grad-CAM, runner-up class"])
print("runner-up classes:", [class_names[c] for c in runner_up])

# %% [markdown]
# ## Inline Question 1
#
# Compare the four maps above. Which are sharp, which are coarse, and why? Which of them
# depend on the class you ask about, and which would look (almost) the same for any class?

# %% [markdown] tags=["written:network_visualization_inline_1"]
# The saliency map and guided backpropagation are gradients with respect to the pixels, so
# they have the image's full resolution; guided backpropagation is cleaner because it
# drops the negative gradients at every ReLU, but for the same reason it changes little
# from one class to another (it shows edges the network detects rather than evidence for
# a class). Occlusion is as coarse as the patch (and as slow as the number of positions),
# and it measures the effect of removing a region on the probability directly, so it is
# class-specific. Grad-CAM lives at the resolution of its layer (7x7 here) and is
# class-specific by construction: the channel weights come from the chosen class's score.

# %% [markdown]
# # Fooling Images
#
# We can also use image gradients to generate "fooling images" as discussed in [2]. Given
# an image and a target class, we can perform gradient **ascent** over the image to
# maximize the target class, stopping when the network classifies the image as the target
# class. Implement `make_fooling_image`.
#
# [2] Szegedy et al., "Intriguing properties of neural networks", ICLR 2014.

# %%
check("make_fooling_image")

# %% tags=["autograded:make_fooling_image"]

# %% [markdown]
# Run the following cell to generate fooling images: each held-out digit is pushed to the
# next class. Each row shows the original, the fooling image, their difference and the
# difference magnified 10 times (grey is no change).

# %%
count = 3 if SMOKE else 5
fig, axes = plt.subplots(count, 4, figsize=(7, 1.9 * count))
for i in range(count):
    X_orig = X_test[i:i + 1]
    target_y = int((y_test[i] + 1) % 10)
    X_fooling = make_fooling_image(X_orig, target_y, model)
    with torch.no_grad():
        assert model(X_fooling).argmax().item() == target_y, "The model is not fooled!"
    difference = (deprocess(X_fooling) - deprocess(X_orig))[0]   # in pixels, 0..1
    shown = [deprocess(X_orig)[0], deprocess(X_fooling)[0], np.clip(0.5 + difference, 0, 1),
             np.clip(0.5 + 10 * difference, 0, 1)]
    titles = ["original: %s" % class_names[y_test[i]], "fooling: %s" % class_names[target_y],
              "difference", "difference x10"]
    for j in range(4):
        axes[i, j].imshow(shown[j], vmin=0, vmax=1)
        axes[i, j].set_title(titles[j], fontsize=9)
        axes[i, j].axis("off")
plt.show()

# %% [markdown]
# ## Inline Question 2
#
# The difference images are small and look like noise, yet the network's answer changed.
# Why is this possible, and what does it tell you about the network?

# %% [markdown] tags=["written:network_visualization_inline_2"]
# The network is close to linear in its input over short distances, and the input has many
# dimensions: a small change along the gradient of the target score, spread over every
# pixel, adds up to a large change of the score (Goodfellow et al.'s linearity argument).
# The decision boundaries are therefore close to every natural image in some direction
# that people do not perceive as meaningful; the network uses features that are
# predictive on the training data but not the ones humans rely on, so it is not robust.

# %% [markdown]
# # Class visualization
#
# By starting with a random noise image and performing gradient ascent on a target class,
# we can generate an image that the network will recognize as the target class. This idea
# was first presented in [1]; [3] extended it with several regularization techniques that
# improve the quality of the generated image.
#
# Concretely, let $I$ be an image and let $y$ be a target class. Let $s_y(I)$ be the score
# that a convolutional network assigns to the image $I$ for class $y$ (raw unnormalized
# scores, not class probabilities). We wish to generate an image $I^*$ that achieves a
# high score for the class $y$ by solving the problem
#
# $$I^* = {\arg\max}_I (s_y(I) - R(I))$$
#
# where $R$ is a (possibly implicit) regularizer. We use an explicit L2 regularization
# $R(I) = \lambda \|I\|_2^2$, and the implicit regularization of [3]: periodically
# blurring the generated image, and jittering it randomly before each step. Implement
# `class_visualization_update_step`; `create_class_visualization` (given) does the jitter
# and blur around it.
#
# [3] Yosinski et al., "Understanding Neural Networks Through Deep Visualization", ICML
# 2015 Deep Learning Workshop.

# %%
check("class_visualization_update_step")

# %% tags=["autograded:class_visualization_update_step"]

# %%
classes = [3, 8] if SMOKE else list(range(10))
iterations = 20 if SMOKE else 300
low, high = float(X_train.min()), float(X_train.max())  # keep pixels in the data's range
plt.figure(figsize=(1.5 * len(classes), 2))
for i, target_y in enumerate(classes):
    img = create_class_visualization(target_y, model, (1, 28, 28), l2_reg=1e-3,
                                     learning_rate=0.5, num_iterations=iterations,
                                     blur_every=10, sigma=0.5, max_jitter=2,
                                     clamp=(low, high), device=device, progress=True)
    with torch.no_grad():
        probability = F.softmax(model(img), dim=1)[0, target_y].item()
    plt.subplot(1, len(classes), i + 1)
    plt.imshow(deprocess(img)[0])
    plt.title("%s: p=%.2f" % (class_names[target_y], probability), fontsize=9)
    plt.axis("off")
plt.show()

# %% [markdown]
# # DeepDream on a real photograph
#
# DeepDream (Mordvintsev et al., 2015) starts from a real image and amplifies whatever a
# chosen layer already sees in it: gradient ascent on the squared norm of that layer's
# activations. Our network has only seen digits, so it dreams strokes. The convolutions
# slide over an image of any size, so we can dream on scikit-image's photograph of a
# cameraman (in the digits' normalization).

# %%
from skimage import data as skimage_data
from skimage.transform import resize

size = 48 if SMOKE else 160
photo = resize(skimage_data.camera(), (size, size), anti_aliasing=True) * 255.0  # (H, W) 0..255
photo_x = preprocess(photo[None]).to(device)
low, high = float(photo_x.min()), float(photo_x.max())
dreams = {name: deep_dream(photo_x, model, layer_index(name), num_iterations=3 if SMOKE else 40,
                           learning_rate=1.0, max_jitter=4, clamp=(low, high), progress=True)
          for name in ("relu1", "relu2", "relu3")}
plt.figure(figsize=(14, 4))
for i, (title, image) in enumerate([("photograph", photo_x)] + list(dreams.items())):
    plt.subplot(1, 4, i + 1)
    plt.imshow(deprocess(image)[0])
    plt.title(title if i == 0 else "DeepDream at " + title)
    plt.axis("off")
plt.show()

# %% [markdown]
# # Feature inversion
#
# What does a layer remember of an image? Feature inversion (Mahendran and Vedaldi, 2015)
# starts from noise and looks for an image whose activations at that layer match those of
# a real image (with a small total-variation penalty, which prefers smooth images). Early
# layers keep nearly everything; later ones keep what matters for the class.

# %%
digit = X_test[:1]
layers = ["relu1", "relu2", "relu3", "relu4"]
plt.figure(figsize=(12, 2.6))
plt.subplot(1, 5, 1)
plt.imshow(deprocess(digit)[0])
plt.title("original")
plt.axis("off")
for i, name in enumerate(layers):
    layer = layer_index(name)
    with torch.no_grad():
        target = model[:layer + 1](digit)
    inverted = invert_features(target, model, layer, (1, 28, 28), device=device,
                               num_iterations=20 if SMOKE else 400, learning_rate=0.05,
                               tv_weight=1e-2, progress=True)
    plt.subplot(1, 5, i + 2)
    plt.imshow(deprocess(inverted)[0])
    plt.title("from " + name)
    plt.axis("off")
plt.show()
