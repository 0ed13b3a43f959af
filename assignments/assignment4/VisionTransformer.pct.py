# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: vision-transformer
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
# # Vision Transformer (ViT)
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment4` in your assignment folder to check and
# zip it.*
#
# Dosovitskiy et al. ("An Image is Worth 16x16 Words", 2020) showed that a Transformer
# applied to a sequence of image patches, a **Vision Transformer**, not only performs
# well but also scales better than convolutional networks when trained on large
# datasets. You build one from the Transformer pieces of the captioning notebook
# (`MultiHeadAttention` and `PositionalEncoding` must work first), train it on handwritten
# digits, and compare it with a convolutional network of the same size.
#
# You write `PatchEmbedding`, `TransformerEncoderLayer` and `VisionTransformer.forward` in
# `cs231n_core/transformer_layers.py`. After each one, run its **public check** cell; the
# locked **autograded** cell after it is where your instructor's hidden graders run, on
# other inputs (one of them trains a small ViT of yours on digits it never shows you).

# %%
# Setup cell.
import os

import numpy as np
import matplotlib.pyplot as plt
import torch

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.checks.vision_transformer import ENCODER_LAYER, PATCH_EMBEDDING, VIT_SCORES
from cs231n_core.data_utils import cifar10_present, get_data
from cs231n_core.gradient_check import rel_error
from cs231n_core.pytorch_models import choose_device
from cs231n_core.transformer_layers import (PatchEmbedding, TransformerEncoderLayer,
                                            VisionTransformer)
from cs231n_core.transformer_training import (accuracy, cnn_like, compare_at_equal_size,
                                              count_params, digit_images, digits_vit,
                                              plot_attention, recorded_attention, show_patches,
                                              train_classifier)
from cs231n_core.vis_utils import plot_curves

# %run ../common_setup.ipy
if SMOKE:
    torch.set_num_threads(1)
device = choose_device()
print("Device:", device)

# %% [markdown]
# ## The data
#
# CS231n trains its ViT on CIFAR-10. Here we use the **5,000 real MNIST digits** that ship
# with the course (28x28, grey, scaled to [0, 1]): 4,000 to train, 500 to validate, 500
# held out. A ViT cuts each image into patches; with 7x7 patches a digit becomes a
# sequence of 16 patches, numbered row by row.

# %%
num_train, num_val, num_test = (512, 100, 100) if SMOKE else (4000, 500, 500)
digits = digit_images(num_train, num_val, num_test, seed=0)
print({key: tuple(value.shape) for key, value in digits.items()})
show_patches(digits["X_train"][0], 7)
plt.show()

# %% [markdown]
# # Patch embedding
#
# The ViT turns an image into a sequence of fixed-size patches and embeds each one as a
# vector: cut the image (N, C, H, W) into non-overlapping P x P patches, flatten each patch
# in the order (C, P, P), and project it with a linear layer. Complete `PatchEmbedding` in
# `cs231n_core/transformer_layers.py` (no loop: `reshape` and `permute`). The relative error
# should be below `1e-4`.

# %%
torch.manual_seed(231)
N, HW, PS, D = 2, 16, 8, 8
patch_embedding = PatchEmbedding(img_size=HW, patch_size=PS, embed_dim=D)
x = torch.randn(N, 3, HW, HW)
output = patch_embedding(x)
expected_output = np.asarray(PATCH_EMBEDDING)  # CS231n's printed values, stored with the checks
print("error: ", rel_error(expected_output, output.detach().numpy()))

# %%
check("PatchEmbedding")

# %% tags=["autograded:PatchEmbedding"]

# %% [markdown]
# # Transformer encoder layer
#
# The sequence of patch vectors goes through **encoder layers**, each a self-attention block
# and a feed-forward block (dropout, residual connection and layer norm after each, as in
# the decoder layer). Every patch attends to every patch, so no mask is needed; for
# consistency, implement it anyway. Complete `TransformerEncoderLayer.forward`; the relative
# error should be below `1e-6`.

# %%
torch.manual_seed(231)
N, T, D = 1, 4, 12
encoder_layer = TransformerEncoderLayer(D, 2, 4 * D)
encoder_layer.eval()
x = torch.randn(N, T, D)
x_mask = torch.randn(T, T) < 0.5
output = encoder_layer(x, x_mask)
expected_output = np.asarray(ENCODER_LAYER)  # CS231n's printed values, stored with the checks
print("error: ", rel_error(expected_output, output.detach().numpy()))

# %%
check("TransformerEncoderLayer")

# %% tags=["autograded:TransformerEncoderLayer"]

# %% [markdown]
# # The Vision Transformer
#
# For classification, the ViT embeds the patches, adds a positional encoding (the same 1-D
# sinusoids as for words, patches numbered row by row; 2-D sinusoids or learned encodings
# work too), runs the encoder, **averages** the patch vectors and classifies the average
# with a linear layer. Complete `VisionTransformer.forward`; the relative error should be
# about `1e-5` or less.

# %%
torch.manual_seed(231)
imgs = torch.randn(3, 3, 32, 32)
transformer = VisionTransformer()
transformer.eval()
scores = transformer(imgs)
expected_scores = np.asarray(VIT_SCORES)  # CS231n's printed values
print("scores error: ", rel_error(expected_scores, scores.detach().numpy()))

# %%
check("VisionTransformer")

# %% tags=["autograded:VisionTransformer"]

# %% [markdown]
# ## Overfit one batch
#
# First make sure the whole model can learn: a ViT without dropout should fit one batch of
# 64 digits perfectly (training accuracy 1.00). Tune the learning rate and weight decay if
# it does not.

# %%
torch.manual_seed(231)
batch_x, batch_y = digits["X_train"][:64], digits["y_train"][:64]
one_batch = digits_vit(dropout=0.0)
overfit = train_classifier(one_batch, batch_x, batch_y, epochs=20 if SMOKE else 150, batch_size=64,
                           learning_rate=3e-3, weight_decay=1e-4, device=device, seed=231,
                           progress=False)
print("Overfitting the ViT on one batch: final loss %.4f, top-1 accuracy %.3f"
      % (overfit["loss"][-1], accuracy(one_batch, batch_x, batch_y, device=device)))

# %% [markdown]
# ## A ViT against a CNN of the same size
#
# `digits_vit()` is a small ViT for the digits: 16 patches of 7x7, 64-dimensional
# embeddings, three encoder layers of four heads. `cnn_like` builds the course's digit
# classifier (the convolutional network of assignment 3's visualization notebook) with its
# widths scaled so that it has about as many parameters. Both are trained alike: Adam,
# learning rate `1e-3`, minibatches of 64, the same epochs, the same order of minibatches.

# %%
vit = digits_vit()
cnn, width = cnn_like(count_params(vit))
print("ViT: %d parameters; CNN (width %d): %d parameters" % (count_params(vit), width, count_params(cnn)))
torch.manual_seed(231)
results = compare_at_equal_size({"ViT": vit, "CNN": cnn}, digits, epochs=1 if SMOKE else 15,
                                batch_size=64, learning_rate=1e-3, device=device, seed=231)
for name, result in results.items():
    print("%s: %d parameters, held-out accuracy %.3f" % (name, result["params"], result["test_acc"]))
plot_curves({name: r["history"]["val_acc"] for name, r in results.items()}, xlabel="epoch",
            ylabel="validation accuracy", title="ViT and CNN of the same size")
plt.show()
plot_curves({name: r["history"]["loss"] for name, r in results.items()}, xlabel="iteration",
            ylabel="training loss", title="Training losses")
plt.show()

# %% [markdown]
# ## Where does the ViT look?
#
# `recorded_attention` keeps the attention weights of every layer during a forward pass.
# Below, for a held-out digit, the last encoder layer's attention (each row a query patch,
# each column a key patch), and, for each patch, the attention it receives on average
# (over heads and queries), laid out as the image's 4x4 grid of patches.

# %%
image = digits["X_test"][:1].to(device)
vit.eval()
with recorded_attention(vit) as maps, torch.no_grad():
    predicted = vit(image).argmax(dim=1).item()
last = maps["transformer.layers.%d.self_attn" % (len(vit.transformer.layers) - 1)][0]   # (H, 16, 16)
plot_attention(last, list(range(16)), list(range(16)), title="last layer's attention (patches)")
plt.show()
received = last.mean(dim=(0, 1)).reshape(4, 4).numpy()
plt.figure(figsize=(8, 4))
plt.subplot(1, 2, 1)
plt.imshow(image[0, 0].cpu().numpy(), cmap="gray")
plt.title("digit (predicted %d, label %d)" % (predicted, int(digits["y_test"][0])))
plt.axis("off")
plt.subplot(1, 2, 2)
plt.imshow(received, cmap="viridis")
plt.title("attention received per patch")
plt.axis("off")
plt.show()

# %% [markdown]
# **Inline Question 1**
#
# Despite their success on large image datasets, ViTs often trail convolutional networks
# when trained on small ones, as they may above. What causes the gap, and which techniques
# could improve a ViT trained on a small dataset?

# %% [markdown] tags=["written:vit_inline_question_1"]
# A CNN builds in strong inductive biases: locality (small kernels), weight sharing across
# positions (translation equivariance) and a hierarchy of growing receptive fields. A ViT
# has almost none: after the patch projection every patch may attend to every other one,
# and it must learn from data which patches relate and how; with few examples it
# underfits those relations or overfits the training set. Remedies: strong data
# augmentation and regularization (random crops, mixup, CutMix, RandAugment, dropout,
# stochastic depth, weight decay), pretraining on a large dataset (or self-supervised
# pretraining) then fine-tuning, distillation from a CNN teacher (DeiT), smaller patches or
# a convolutional stem, and architectures that reintroduce locality (Swin's local windows,
# hybrid CNN-Transformers).

# %% [markdown]
# ## CS231n's goal on CIFAR-10
#
# CS231n trains this ViT on CIFAR-10 and asks for **0.45 test accuracy after 2 epochs**
# (batch size 64, Adam; tune the architecture and the learning rate). If you have fetched
# CIFAR-10 (`cs231n data fetch cifar10`), the cell below does that run; otherwise it says
# so.

# %%
if cifar10_present():
    cifar = get_data("cifar10", num_training=5000 if SMOKE else 49000, num_validation=1000,
                     num_test=1000, subtract_mean=False, flatten=False, channels_first=True,
                     dtype=np.float32)
    X_cifar = torch.from_numpy(cifar["X_train"] / 255.0)
    cifar_vit = VisionTransformer()
    train_classifier(cifar_vit, X_cifar, cifar["y_train"], epochs=2, batch_size=64,
                     learning_rate=1e-4, device=device, seed=231)
    print("CIFAR-10 test accuracy: %.3f"
          % accuracy(cifar_vit, torch.from_numpy(cifar["X_test"] / 255.0), cifar["y_test"], device=device))
else:
    print("CIFAR-10 is not downloaded: `cs231n data fetch cifar10` to try CS231n's goal.")
