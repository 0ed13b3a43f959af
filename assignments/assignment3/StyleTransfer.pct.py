# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: style-transfer
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
# # Style Transfer
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# In this notebook we will implement the style transfer technique from ["Image Style
# Transfer Using Convolutional Neural Networks" (Gatys et al., CVPR 2016)](https://openaccess.thecvf.com/content_cvpr_2016/papers/Gatys_Image_Style_Transfer_CVPR_2016_paper.pdf).
#
# The general idea is to take two images, and produce a new image that reflects the
# content of one but the artistic "style" of the other. We will do this by first
# formulating a loss function that matches the content and style of each respective image
# in the feature space of a deep network, and then performing gradient descent on the
# pixels of the image itself.
#
# You write the four losses in `cs231n_core/visualization.py`: `content_loss`,
# `gram_matrix`, `style_loss` and `tv_loss`. After each one, run its **public check**
# cell; the locked **autograded** cell after it is where your instructor's hidden graders
# run, on other inputs.

# %% [markdown]
# ## The feature extractor
#
# CS231n uses SqueezeNet trained on ImageNet as its feature extractor. This course runs
# offline and ships no ImageNet weights, and none of its datasets is a large collection of
# colour photographs to train one on. We use instead `style_network()`: five 3x3
# convolutions with ReLUs and two average poolings, like the first blocks of VGG, with
# **fixed random weights** drawn from a seed. This is less strange than it sounds: the Gram matrices of random
# convolutional features capture textures remarkably well (Ustyuzhaninov et al., "Texture
# synthesis using shallow convolutional networks with random filters", 2016; He et al.,
# "A powerful generative model using random weights for the deep image representation",
# NeurIPS 2016). Expect results that are less striking than with a trained VGG, and note
# which parts of the method depend on training and which do not.
#
# The images are scikit-image's sample photographs. With a GPU, the notebook uses it.

# %%
# Setup cell.
import os

# CS231N_SMOKE=1 runs the whole notebook quickly on small images (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
if SMOKE:  # tiny problems on a shared machine: more threads only wait for each other
    os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np
import matplotlib.pyplot as plt
import torch
from skimage import data as skimage_data

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.pretrained_models import (STYLE_CNN, deprocess_photo, layer_index,
                                           preprocess_photo, style_network)
from cs231n_core.visualization import (content_loss, extract_features, gram_matrix,
                                       style_loss, style_transfer, tv_loss)

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 8.0)  # Set default size of plots.

# %load_ext autoreload
# %autoreload 2

if SMOKE:
    torch.set_num_threads(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("Using cs231n_core from", os.path.dirname(cs231n_core.__file__))
print("Device:", device)

cnn = style_network(device=device)
print(cnn)

# %% [markdown]
# The network's layers by name; `extract_features(x, cnn)` returns the output of every
# layer, and the losses pick layers by their index in that list.

# %%
for i, (kind, name, args) in enumerate(STYLE_CNN):
    print(i, name)

photos = {"chelsea": skimage_data.chelsea(), "astronaut": skimage_data.astronaut(),
          "coffee": skimage_data.coffee(), "hubble": skimage_data.hubble_deep_field(),
          "stain": skimage_data.immunohistochemistry(), "gravel": skimage_data.gravel(),
          "brick": skimage_data.brick()}
plt.figure(figsize=(15, 3))
for i, (name, photo) in enumerate(photos.items()):
    plt.subplot(1, len(photos), i + 1)
    plt.imshow(photo, cmap="gray")
    plt.title(name)
    plt.axis("off")
plt.show()

# %% [markdown]
# # Computing Loss
#
# We're going to compute the three components of our loss function now. The loss function
# is a weighted sum of three terms: content loss + style loss + total variation loss.
# You'll fill in the functions that compute these weighted terms below.
#
# ## Content loss
#
# We can generate an image that reflects the content of one image and the style of
# another by incorporating both in our loss function. We want to penalize deviations from
# the content of the content image and deviations from the style of the style image. We
# can then use this hybrid loss function to perform gradient descent **not on the
# parameters** of the model, but instead **on the pixel values** of our original image.
#
# Let's first write the content loss function. Content loss measures how much the feature
# map of the generated image differs from the feature map of the source image. We only
# care about the content representation of one layer of the network (say, layer $\ell$),
# that has feature maps $A^\ell \in \mathbb{R}^{1 \times C_\ell \times H_\ell \times
# W_\ell}$. $C_\ell$ is the number of channels in layer $\ell$, $H_\ell$ and $W_\ell$ are
# the height and width. We will work with reshaped versions of these feature maps that
# combine all spatial positions into one dimension. Let $F^\ell \in \mathbb{R}^{C_\ell
# \times M_\ell}$ be the feature map for the current image and $P^\ell \in
# \mathbb{R}^{C_\ell \times M_\ell}$ be the feature map for the content source image where
# $M_\ell=H_\ell\times W_\ell$ is the number of elements in each feature map. Each row of
# $F^\ell$ or $P^\ell$ represents the vectorized activations of a particular filter,
# convolved over all positions of the image. Finally, let $w_c$ be the weight of the
# content loss term in the loss function.
#
# Then the content loss is given by:
#
# $L_c = w_c \times \sum_{i,j} (F_{ij}^{\ell} - P_{ij}^{\ell})^2$
#
# Implement `content_loss`.

# %%
check("content_loss")

# %% tags=["autograded:content_loss"]

# %% [markdown]
# ## Style loss
#
# Now we can tackle the style loss. For a given layer $\ell$, the style loss is defined as
# follows:
#
# First, compute the Gram matrix $G$ which represents the correlations between the values
# in each channel of the feature map (i.e. the "responses" of the filter responsible for
# that channel), where $F$ is as above. The Gram matrix is an approximation of the
# covariance matrix -- we want the activation statistics of our generated image to match
# the activation statistics of our style image, and matching the (approximate) covariance
# is one way to do that. There are a variety of ways you could do this, but the Gram
# matrix is nice because it's easy to compute and in practice shows good results.
#
# Given a feature map $F^\ell$ of shape $(C_\ell, M_\ell)$, the Gram matrix has shape
# $(C_\ell, C_\ell)$ and its elements are given by:
#
# $$G_{ij}^\ell  = \sum_k F^{\ell}_{ik} F^{\ell}_{jk}$$
#
# Assuming $G^\ell$ is the Gram matrix from the feature map of the current image,
# $A^\ell$ is the Gram Matrix from the feature map of the source style image, and
# $w_\ell$ a scalar weight term, then the style loss for the layer $\ell$ is simply the
# weighted Euclidean distance between the two Gram matrices:
#
# $$L_s^\ell = w_\ell \sum_{i, j} \left(G^\ell_{ij} - A^\ell_{ij}\right)^2$$
#
# In practice we usually compute the style loss at a set of layers $\mathcal{L}$ rather
# than just a single layer $\ell$; then the total style loss is the sum of style losses at
# each layer:
#
# $$L_s = \sum_{\ell \in \mathcal{L}} L_s^\ell$$
#
# Begin by implementing the Gram matrix computation in `gram_matrix` (normalized by the
# number of neurons $H_\ell W_\ell C_\ell$ by default), without loops:

# %%
check("gram_matrix")

# %% tags=["autograded:gram_matrix"]

# %% [markdown]
# Next, put it together and implement the style loss in `style_loss`:

# %%
check("style_loss")

# %% tags=["autograded:style_loss"]

# %% [markdown]
# ## Total-variation regularization
#
# It turns out that it's helpful to also encourage smoothness in the image. We can do
# this by adding another term to our loss that penalizes wiggles or "total variation" in
# the pixel values.
#
# You can compute the "total variation" as the sum of the squares of differences in the
# pixel values for all pairs of pixels that are next to each other (horizontally or
# vertically). Here we sum the total-variation regularization for each of the 3 input
# channels (RGB), and weight the total summed loss by the total variation weight, $w_t$:
#
# $L_{tv} = w_t \times \left(\sum_{c=1}^3\sum_{i=1}^{H-1}\sum_{j=1}^{W} (x_{i+1,j,c} -
# x_{i,j,c})^2 + \sum_{c=1}^3\sum_{i=1}^{H}\sum_{j=1}^{W - 1} (x_{i,j+1,c} - x_{i,j,c})^2
# \right)$
#
# Implement `tv_loss`, without loops.

# %%
check("tv_loss")

# %% tags=["autograded:tv_loss"]

# %% [markdown]
# # Style transfer
#
# Let's put it all together and make some beautiful images! `style_transfer` (given)
# extracts the content image's features at one layer and the style image's Gram matrices
# at several, then runs Adam on the pixels of a new image, starting from the content
# image, to lower the sum of the three losses.

# %%
SIZE = 40 if SMOKE else 128                 # the shorter side of the images, in pixels
ITERATIONS = 4 if SMOKE else 200
STYLE_LAYERS = [layer_index(n, STYLE_CNN) for n in ("relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1")]
CONTENT_LAYER = layer_index("relu3_1", STYLE_CNN)

def run(content, style, content_weight=1e-2, style_scale=1e3, tv_weight=1e-3, init_random=False,
        title=""):
    content_x = preprocess_photo(photos[content], SIZE).to(device)
    style_x = preprocess_photo(photos[style], SIZE).to(device)
    # Deeper layers have far smaller Gram matrices: weigh each layer by the inverse of
    # its style target's squared norm, so that every layer counts.
    with torch.no_grad():
        style_feats = extract_features(style_x, cnn)
        style_weights = [style_scale / float((gram_matrix(style_feats[i]) ** 2).sum())
                         for i in STYLE_LAYERS]
    result = style_transfer(content_x, style_x, cnn, CONTENT_LAYER, content_weight,
                            STYLE_LAYERS, style_weights, tv_weight,
                            num_iterations=ITERATIONS, learning_rate=0.1 if init_random else 0.05,
                            init_random=init_random, progress=True)
    plt.figure(figsize=(13, 4.5))
    for i, (name, image) in enumerate([("content: " + content, content_x),
                                       ("style: " + style, style_x), (title or "result", result)]):
        plt.subplot(1, 3, i + 1)
        plt.imshow(deprocess_photo(image))
        plt.title(name)
        plt.axis("off")
    plt.show()
    return result

_ = run("chelsea", "stain")

# %%
_ = run("astronaut", "hubble")

# %%
_ = run("coffee", "brick", style_scale=3e3)

# %% [markdown]
# # Feature inversion
#
# The content loss alone is feature inversion (Mahendran and Vedaldi, 2015): starting from
# noise, find an image whose features at the content layer match the photograph's. With
# the style weights at 0, see how much of the photograph the random features keep.

# %%
_ = run("chelsea", "stain", content_weight=1e-2, style_scale=0.0, init_random=True,
        title="reconstructed from relu3_1")

# %% [markdown]
# # Texture synthesis
#
# The style loss alone is texture synthesis (Gatys et al., 2015): with the content weight
# at 0 and starting from noise, the image takes on the texture of the style image and
# nothing else.

# %%
for texture in ("gravel", "stain"):
    _ = run("chelsea", texture, content_weight=0.0, init_random=True, title="texture of " + texture)

# %% [markdown]
# ## Inline Question 1
#
# Style transfer works here with a network that was never trained. Which of the three
# losses would you expect to improve most with a network trained on ImageNet, and why?

# %% [markdown] tags=["written:style_transfer_inline_1"]
# The content loss. The style loss only compares statistics (Gram matrices) of the
# features, and random filters already measure local colours, edges and their
# co-occurrences, which is what a texture is; the total-variation loss uses no network at
# all. The content loss asks the new image to keep the *meaning* of the content image at
# a deep layer: random features keep the exact arrangement of local patterns (a nearly
# invertible code), so the content image resists the style, whereas a trained network's
# deep features are invariant to texture and colour and keep only the objects' layout,
# which leaves the style free to change the rest.
