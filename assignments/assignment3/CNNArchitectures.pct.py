# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: architectures
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
# # CNN architectures and CNNs in practice
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# The lectures spend as long on the landmark architectures as on anything else: AlexNet,
# VGG, GoogLeNet, ResNet and SqueezeNet. In this notebook you build each of them in PyTorch
# at its published shape (no trained weights needed), and then make the reasons behind their
# designs measurable: receptive fields, parameters and multiply-adds, and the gradient that
# reaches the first layer of a deep net with and without residual connections. The second
# half is about practice: data augmentation, transfer learning, cheap convolutions, and
# convolution by the Fourier transform.
#
# You write your code in `cs231n_core/architectures.py`. Each part ends with public checks
# (`check("...")`, quick feedback on fixed inputs) and an autograded cell.

# %%
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import matplotlib.pyplot as plt

from cs231n_core import architectures as arch
from cs231n_core.checks import check
from cs231n_core.data_utils import get_data

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 6.0)

# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("device:", device, "(SMOKE mode)" if SMOKE else "")
torch.manual_seed(0)


# %% [markdown]
# ## Counting without memory: the meta device
#
# VGG-16 has 138 million parameters, 550 MB in float32. To count parameters and follow
# shapes we do not need their values: on PyTorch's `meta` device a tensor has a shape and a
# dtype but no storage, and a forward pass computes only the output's shape. We use it
# throughout the first part:
#
# ```python
# with torch.device("meta"):
#     model = arch.vgg16()
#     scores = model(torch.empty(1, 3, 224, 224))   # shape (1, 1000), no arithmetic done
# ```

# %%
def count_params(model):
    return sum(p.numel() for p in model.parameters())

def on_meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


# %% [markdown]
# ## AlexNet (2012) and VGG-16 (2014)
#
# AlexNet starts with a large 11x11 convolution of stride 4; VGG uses **only 3x3
# convolutions (stride 1, padding 1) and 2x2 max pools**, and goes deeper: 13 convolutions
# and 3 fully connected layers. Implement `alexnet` and `vgg16` following their
# docstrings; keep torchvision's child names (`features`, `avgpool`, `flatten`,
# `classifier`) so that the graders, and torchvision's pretrained weights, can find the
# layers.
#
# Published parameter counts at 1000 classes (the reference matches each exactly):
#
# | network | parameters | source |
# |---|---:|---|
# | AlexNet (torchvision's single-tower variant, Krizhevsky 2014) | 61,100,840 | torchvision model table |
# | VGG-16 (configuration D) | 138,357,544 | Simonyan & Zisserman 2015, torchvision |
# | GoogLeNet, no auxiliary heads (torchvision, 3x3 third branch) | 6,624,904 | torchvision model table |
# | ResNet-18 | 11,689,512 | He et al. 2016, torchvision |
# | SqueezeNet 1.0 / 1.1 | 1,248,424 / 1,235,496 | Iandola et al. 2016, torchvision |

# %%
check("alexnet")

# %% tags=["autograded:alexnet"]

# %%
check("vgg16")

# %% tags=["autograded:vgg16"]

# %% [markdown]
# ## GoogLeNet (2014): the inception module
#
# An inception module runs four branches side by side (1x1; 1x1 then 3x3; 1x1 then 5x5;
# 3x3 max pool then 1x1) and concatenates them along the channels. The 1x1 convolutions
# before the larger ones reduce the channels first: a **bottleneck** that makes the module
# cheap. Implement `Inception` and `googlenet`. (torchvision's GoogLeNet has a 3x3
# convolution in the "5x5" branch, a slip kept for its pretrained weights; our default
# follows it so that the count is the published 6,624,904; `branch3_kernel_size=5` gives the
# paper's module, 7,005,832 parameters.)

# %%
check("Inception")

# %% tags=["autograded:Inception"]

# %%
check("googlenet")

# %% tags=["autograded:googlenet"]

# %% [markdown]
# ## ResNet (2015): residual blocks
#
# A residual block learns a correction `F(x)` to its input and outputs `ReLU(F(x) + x)`.
# When the shape changes (stride 2 or more channels), the shortcut is a 1x1 convolution
# with batch normalization. The **basic block** (two 3x3 convolutions) builds ResNet-18 and
# -34; the **bottleneck block** (1x1 down, 3x3, 1x1 up) builds ResNet-50 and deeper.
# Implement `BasicBlock`, `Bottleneck` and `resnet18`.

# %%
check("BasicBlock")

# %% tags=["autograded:BasicBlock"]

# %%
check("Bottleneck")

# %% tags=["autograded:Bottleneck"]

# %%
check("resnet18")

# %% tags=["autograded:resnet18"]

# %% [markdown]
# ## SqueezeNet (2016): the fire module
#
# SqueezeNet reaches AlexNet's ImageNet accuracy with 50 times fewer parameters. Its fire
# module squeezes the channels with a 1x1 convolution, then expands them again with 1x1
# and 3x3 convolutions side by side. There is no fully connected layer at all: the last
# 1x1 convolution gives one map per class, averaged over the image. Implement `Fire` and
# `squeezenet`.

# %%
check("Fire")

# %% tags=["autograded:Fire"]

# %%
check("squeezenet")

# %% tags=["autograded:squeezenet"]

# %% [markdown]
# ## Why these designs: receptive fields
#
# A unit of a convolutional layer sees a window of the input, its **receptive field**.
# Each layer widens it by (kernel - 1) times the distance, in input pixels, between its
# input's neighbouring units (the product of the strides before it). Implement
# `receptive_field`. Three stacked 3x3 convolutions see as much as one 7x7, with fewer
# parameters and three non-linearities instead of one.

# %%
check("receptive_field")

# %% tags=["autograded:receptive_field"]

# %%
C = 64
for name, layers, params in [("one 7x7", [(7, 1)], 49 * C * C),
                             ("three 3x3", [(3, 1)] * 3, 3 * 9 * C * C),
                             ("five 3x3", [(3, 1)] * 5, 5 * 9 * C * C)]:
    print("%-10s receptive field %2d, parameters %6d at %d channels"
          % (name, arch.receptive_field(layers), params, C))
alex_layers = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]
print("AlexNet's last pool sees %d x %d pixels" % ((arch.receptive_field(alex_layers),) * 2))
vgg_layers = []
for v in arch.VGG16_CONFIG:
    vgg_layers.append((2, 2) if v == "M" else (3, 1))
print("VGG-16's last pool sees %d x %d pixels" % ((arch.receptive_field(vgg_layers),) * 2))

# %% [markdown]
# ## Parameters and multiply-adds
#
# Implement `count_params_and_flops(model, input_shape)`: the learnable parameters, and the
# multiply-adds of the convolutions and linear layers in one forward pass (with forward
# hooks). It runs on the meta device too, so we can measure every network of this notebook.
# The published figures (torchvision's table, in multiply-adds): AlexNet 0.71 G, VGG-16
# 15.47 G, GoogLeNet 1.50 G, ResNet-18 1.81 G, SqueezeNet 1.0 0.82 G, 1.1 0.35 G.

# %%
check("count_params_and_flops")

# %% tags=["autograded:count_params_and_flops"]

# %%
networks = [("AlexNet", arch.alexnet, {}), ("VGG-16", arch.vgg16, {}), ("GoogLeNet", arch.googlenet, {}),
            ("ResNet-18", arch.resnet18, {}), ("SqueezeNet 1.0", arch.squeezenet, {"version": "1.0"}),
            ("SqueezeNet 1.1", arch.squeezenet, {"version": "1.1"})]
print("%-15s %13s %16s" % ("network", "parameters", "multiply-adds"))
for name, build, kwargs in networks:
    params, macs = arch.count_params_and_flops(on_meta(build, **kwargs), (3, 224, 224))
    print("%-15s %13s %14.2f G" % (name, format(params, ","), macs / 1e9))

# %% [markdown]
# Blocks at 56 x 56 with 256 channels in and out: a plain pair of 3x3 convolutions, a
# bottleneck, an inception module and a fire module.

# %%
blocks = [("two 3x3 convs (basic block)", on_meta(arch.BasicBlock, 256, 256)),
          ("bottleneck 256-64-256", on_meta(arch.Bottleneck, 256, 64, 256)),
          ("inception 3a-like", on_meta(arch.Inception, 256, 64, 96, 128, 16, 32, 32)),
          ("fire 256-32-128-128", on_meta(arch.Fire, 256, 32, 128, 128))]
for name, block in blocks:
    params, macs = arch.count_params_and_flops(block, (256, 56, 56))
    print("%-30s %9s parameters %6.0f M multiply-adds" % (name, format(params, ","), macs / 1e6))

# %% [markdown]
# ## The gradient that reaches the first layer
#
# A deep plain network is harder to train than a shallow one, not because it overfits
# but because the signal has to cross every layer. Here we build two nets of the same
# depth on the digits, one plain (conv - BN - ReLU repeated) and one with residual
# connections (your `BasicBlock`), both at PyTorch's default initialization, and compare
# the gradient that one minibatch sends to the first convolution. In a plain net that
# gradient is a product of one factor per layer, so it vanishes or explodes with depth; a
# residual block adds the identity to its factor.

# %%
data = get_data("mnist", num_training=600 if SMOKE else 3000, num_validation=100, num_test=500,
                subtract_mean=False, flatten=False, channels_first=True, dtype=np.float32)
X_digits = torch.from_numpy(data["X_train"] / 255.0)
y_digits = torch.from_numpy(data["y_train"])
print("digits:", tuple(X_digits.shape), "from", data["name"])

def plain_net(depth, width=16):
    layers = [nn.Conv2d(1, width, 3, padding=1)]
    for _ in range(depth):
        layers += [nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

def residual_net(depth, width=16):
    blocks = [arch.BasicBlock(width, width) for _ in range(depth // 2)]
    return nn.Sequential(nn.Conv2d(1, width, 3, padding=1), *blocks,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

def first_layer_gradient(model):
    model.zero_grad()
    F.cross_entropy(model(X_digits[:64]), y_digits[:64]).backward()
    return model[0].weight.grad.norm().item()

depths = [2, 8, 16] if SMOKE else [2, 8, 16, 32, 64]
for depth in depths:
    torch.manual_seed(0)
    plain = first_layer_gradient(plain_net(depth))
    torch.manual_seed(0)
    residual = first_layer_gradient(residual_net(depth))
    print("depth %2d: gradient norm at the first layer, plain %.2e, residual %.2e" % (depth, plain, residual))

# %% [markdown] tags=["written:gradient_answer"]
# Through the plain net the first layer's gradient changes by orders of magnitude with
# depth: with batch normalization it explodes (on the embedded digits, from 6e-2 at depth 2
# to 3e+0 at depth 32 and 4e+2 at depth 64), so no single learning rate suits the first and
# the last layers. Through the residual net the shortcuts carry the gradient past every
# block unchanged, and it stays of order one at every depth (6e-2 to 8e-1).

# %% [markdown]
# ## Data augmentation
#
# Implement three transforms of a minibatch `(x, y)`, each with its own seeded generator
# and composable with `arch.Compose`:
#
# * `RandomHorizontalFlip(p, classes)`: a mirrored 3 is no 3, so only the listed classes
#   (0, 1 and 8 for the digits; every class for photographs) may be flipped;
# * `RandomCrop(padding)`: zero-pad and crop back at a random offset (a random shift);
# * `ColorJitter(brightness, contrast, saturation)`: random factors per image, clipped to
#   [0, 1].

# %%
check("RandomHorizontalFlip")

# %% tags=["autograded:RandomHorizontalFlip"]

# %%
check("RandomCrop")

# %% tags=["autograded:RandomCrop"]

# %%
check("ColorJitter")

# %% tags=["autograded:ColorJitter"]

# %%
augment = arch.Compose([arch.RandomHorizontalFlip(p=0.5, classes=[0, 1, 8], seed=0),
                        arch.RandomCrop(padding=3, seed=1),
                        arch.ColorJitter(brightness=0.4, contrast=0.4, seed=2)])
examples = torch.cat([X_digits[y_digits == c][:2] for c in (0, 1, 3, 8)])
labels = torch.tensor([0, 0, 1, 1, 3, 3, 8, 8])
fig, axes = plt.subplots(4, len(examples), figsize=(12, 6))
for row in range(4):
    shown = examples if row == 0 else augment(examples, labels)[0]
    for i, image in enumerate(shown):
        axes[row, i].imshow(image[0], cmap="gray", vmin=0, vmax=1)
        axes[row, i].axis("off")
        if row == 0:
            axes[row, i].set_title("label %d" % labels[i])
plt.suptitle("first row: the digits; below: three draws of flip (0, 1, 8 only), crop and jitter")
plt.show()

# %% [markdown]
# ## Transfer learning with few labels
#
# A small ResNet (your `resnet18` without its ImageNet stem, widths 8-16-32-64) is
# trained on the digits 0 to 4. We then keep its layers, put a new last layer on it, and
# fine-tune it on the digits 5 to 9 with **only a few labelled examples per class**; the
# same network trained from scratch on the same few examples is the baseline. Both are
# measured on held-out digits 5 to 9.
#
# The experiment is given (`arch.transfer_experiment`, built on `arch.small_resnet` and
# `arch.fit`: read them); only your `resnet18` and `BasicBlock` are in it. The hidden
# tests of `resnet18` run a smaller version of it with your code (digits pooled to 14 x 14,
# 5 labels per class): a network that trains well fine-tunes clearly better than it learns
# from scratch.

# %%
# arch.small_resnet() is your resnet18(num_classes=5, in_channels=1, widths=(8, 16, 32, 64),
# stem=False); arch.transfer_experiment pretrains it on the first task, replaces its last
# layer and fine-tunes it on the few labels, and trains a fresh one from scratch on them.
X_all = np.concatenate([data["X_train"], data["X_test"]]) / 255.0
y_all = np.concatenate([data["y_train"], data["y_test"]])
first, second = y_all < 5, y_all >= 5
X_first, y_first = X_all[first], y_all[first]
X_second, y_second = X_all[second], y_all[second] - 5
shots = 10                                      # labelled examples per class
few = np.concatenate([np.flatnonzero(y_second == c)[:shots] for c in range(5)])
held_out = np.ones(len(y_second), dtype=bool)
held_out[few] = False

fine_tuned_scores, scratch_scores = arch.transfer_experiment(
    X_first, y_first, X_second[few], y_second[few], X_second[held_out],
    pretrain_epochs=1 if SMOKE else 4, finetune_epochs=3 if SMOKE else 40, seed=0,
    finetune_lr=1e-3, finetune_batch_size=16, progress=True, device=device)
y_held_out = y_second[held_out]
print("digits 5-9 with %d labels per class, held-out accuracy: fine-tuned %.3f, from scratch %.3f"
      % (shots, np.mean(fine_tuned_scores.argmax(1) == y_held_out),
         np.mean(scratch_scores.argmax(1) == y_held_out)))


# %% [markdown] tags=["written:transfer_answer"]
# The fine-tuned net starts from features (strokes, curves, loops) learnt on the other five
# digits, so a few labels suffice to tell the new classes apart; from scratch, the same
# few labels are far too few to learn those features, and it generalizes much worse (on
# the embedded digits, with 10 labels per class: 0.87 held-out accuracy fine-tuned against
# 0.65 from scratch).

# %% [markdown]
# ## Cheap convolutions: 1x1 bottlenecks and factorized kernels
#
# Two ways to make a convolution cheaper: squeeze the channels with a 1x1 convolution
# first (the bottleneck of GoogLeNet and ResNet), or factor an NxN kernel into a 1xN
# followed by an Nx1 (Inception v3). Compare parameters, multiply-adds and time on the CPU.

# %%
def timed(module, x, repeats=3):
    with torch.no_grad():
        module(x)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            module(x)
    return (time.perf_counter() - start) / repeats

C, N, size = (32, 7, 14) if SMOKE else (128, 7, 28)
x = torch.randn(8, C, size, size)
variants = [
    ("%dx%d convolution" % (N, N), nn.Conv2d(C, C, N, padding=N // 2)),
    ("1x%d then %dx1" % (N, N), nn.Sequential(nn.Conv2d(C, C, (1, N), padding=(0, N // 2)),
                                               nn.Conv2d(C, C, (N, 1), padding=(N // 2, 0)))),
    ("1x1 to %d, %dx%d, 1x1 back" % (C // 4, N, N), nn.Sequential(nn.Conv2d(C, C // 4, 1),
                                                                 nn.Conv2d(C // 4, C // 4, N, padding=N // 2),
                                                                 nn.Conv2d(C // 4, C, 1))),
]
for name, module in variants:
    params, macs = arch.count_params_and_flops(module, (C, size, size))
    print("%-28s %9s parameters %7.1f M multiply-adds %7.2f ms" % (name, format(params, ","), macs / 1e6,
                                                                   1000 * timed(module, x)))

# %% [markdown]
# ## Convolution by the FFT
#
# By the convolution theorem, convolving is multiplying Fourier transforms. Implement
# `conv_fft` in NumPy (no torch): the same layer as `conv_forward_naive`, within 1e-8 of
# it. `benchmarks/bench_fft_conv.py` times it against the im2col convolution of assignment
# 2 across kernel sizes: the FFT's cost hardly depends on the kernel, im2col's grows with
# its area, so past some kernel size the FFT wins. Measured on the course's build machine
# (one BLAS thread, float64, 16 images of 16 x 32 x 32, 16 filters): im2col 31 ms against
# the FFT's 54 ms at 3x3, but 140 ms against 78 ms at 7x7, and 3.6 s against 0.28 s at
# 31x31: the crossover lies between 3x3 and 7x7.

# %%
check("conv_fft")

# %% tags=["autograded:conv_fft"]

# %%
rng = np.random.default_rng(0)
x, b = rng.normal(size=(4, 3, 32, 32)), rng.normal(size=8)
for k in [3, 7, 11]:
    w = rng.normal(size=(8, 3, k, k))
    param = {"stride": 1, "pad": k // 2}
    error = np.max(np.abs(arch.conv_fft(x, w, b, param) - arch.conv_direct(x, w, b, param)))
    print("kernel %2d: largest difference from the direct convolution %.1e" % (k, error))
