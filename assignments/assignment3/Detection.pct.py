# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: detection
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
# # Object detection and semantic segmentation
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# So far our networks have said *what* is in an image. In this notebook they also say
# *where*: an **object detector** draws a box around each object and names it, and a
# **semantic segmentation** network labels every pixel. You will build, piece by piece, a
# small single-stage detector in the spirit of SSD and YOLO (CS231n's lecture on detection
# and segmentation; EECS 498's detection assignment):
#
# 1. the geometry of boxes: intersection over union (IoU) and non-maximum suppression (NMS);
# 2. anchors, the box deltas of Faster R-CNN, and the matching of anchors to objects;
# 3. the detector, its loss, its training, and its measure: mean average precision (mAP) as
#    in PASCAL VOC;
# 4. a fully convolutional network for segmentation with the four upsamplings of the
#    lecture (nearest neighbour, bed of nails, max unpooling, transposed convolution), and
#    its measure, the mean IoU.
#
# Everything trains in minutes on a CPU, on **digit scenes**: real handwritten MNIST digits
# placed on larger canvases with clutter, with their exact boxes and masks. The same code
# reads PASCAL VOC 2007 for those who download it.
#
# You write the graded functions in `cs231n_core/detection.py` and
# `cs231n_core/segmentation.py`. After each, run its **public check** cell: `check("<name>")`
# runs quick checks here and tells you in one sentence what looks wrong. The locked
# **autograded** cell after it is where your instructor's hidden graders run, on other
# inputs.
#
# **Conventions.** A box is `(x1, y1, x2, y2)` in pixels, x to the right and y down, and
# `x2, y2` are the coordinates of the right and bottom *edges*: a box covering pixel columns
# 3 to 7 has `x1 = 3, x2 = 8`, width `x2 - x1 = 5`. Boxes of a set are a tensor `(N, 4)`.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt
import matplotlib.patches as patches
import torch
import torch.nn.functional as F

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.detection import (DigitDetector, batched_nms, box_iou, decode_boxes, detection_loss,
                                   encode_boxes, generate_anchors, match_anchors, mean_average_precision,
                                   nms, predict_scenes, train_detector)
from cs231n_core.detection_data import (SEGMENTATION_CLASSES, VOCDetection, VOCError, make_digit_scenes)
from cs231n_core.pytorch_models import choose_device, count_params
from cs231n_core.segmentation import (UPSAMPLING_MODES, SegmentationFCN, Upsample2x, mean_iou,
                                      predict_masks, train_segmentation)

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 6.0)

# %load_ext autoreload
# %autoreload 2

# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
print("Using cs231n_core from", os.path.dirname(cs231n_core.__file__))
if SMOKE:
    print("SMOKE mode: small data, quick run")
device = choose_device(prefer_gpu=True)
print("using device:", device)

# %% [markdown]
# # Part I. Data: digit scenes
#
# `make_digit_scenes` composes scenes from the 5,000 real MNIST digits that ship with the
# course's dependencies. Each scene is a 64x64 canvas holding one to three digits, each
# scaled to a height of 16 to 28 pixels and placed where it touches no other digit, plus a
# few fragments of other digits as clutter (they look like strokes but are not objects).
# It returns the images `(N, 1, 64, 64)`, each scene's boxes `(K, 4)` and classes `(K,)`,
# and a mask `(N, 64, 64)` that holds 0 on the background and `1 + d` on the pixels of a
# digit `d`. Boxes and masks are exact: a digit's box is the tightest box around its mask.
#
# The training, validation and test scenes draw their digits from **disjoint** parts of the
# 5,000 images (3,500 / 750 / 750), so the detector is always measured on handwriting it has
# never seen. Scenes are deterministic: the same seed gives the same scenes.

# %%
num_train, num_val, num_test = (320, 64, 64) if SMOKE else (2000, 500, 500)
train_scenes = make_digit_scenes(num_train, "train", seed=0)
val_scenes = make_digit_scenes(num_val, "val", seed=0)
test_scenes = make_digit_scenes(num_test, "test", seed=0)
print("train / val / test scenes:", len(train_scenes["boxes"]), len(val_scenes["boxes"]), len(test_scenes["boxes"]))
print("images:", train_scenes["images"].shape, train_scenes["images"].dtype)
print("digits per scene (train):", np.bincount([len(b) for b in train_scenes["boxes"]]))


def draw_boxes(ax, boxes, labels=None, scores=None, color="lime", names=None):
    # Draw boxes (x1, y1, x2, y2) on a matplotlib axis (pixel edges: -0.5 shifts to imshow's grid).
    for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, dtype=float)):
        ax.add_patch(patches.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                       edgecolor=color, linewidth=1.5))
        text = []
        if labels is not None:
            text.append(str(int(labels[k])) if names is None else names[int(labels[k])])
        if scores is not None:
            text.append("%.2f" % float(scores[k]))
        if text:
            ax.text(x1 - 0.5, y1 - 1.5, " ".join(text), color=color, fontsize=8)


fig, axes = plt.subplots(2, 6, figsize=(15, 5.5))
for k in range(6):
    axes[0, k].imshow(train_scenes["images"][k, 0], cmap="gray")
    draw_boxes(axes[0, k], train_scenes["boxes"][k], train_scenes["labels"][k])
    axes[1, k].imshow(train_scenes["masks"][k], cmap="tab20", vmin=0, vmax=19, interpolation="nearest")
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("scenes and boxes", loc="left")
axes[1, 0].set_title("masks (colour = class)", loc="left")
plt.show()

# %% [markdown]
# ### PASCAL VOC 2007
#
# The standard benchmark of this notebook's methods is PASCAL VOC 2007: 20 classes, about
# 5,000 photographs for training and 5,000 for testing. `VOCDetection` reads it from its
# original folders (`VOCdevkit/VOC2007/Annotations`, `JPEGImages`, `ImageSets/Main`) and
# gives each image with its boxes in our convention (VOC counts pixels from 1 with
# inclusive corners; the loader converts) and VOC's *difficult* flags, which the mAP of
# Part III ignores. To use it, run `cs231n data fetch voc2007` in a terminal: it downloads
# the two archives named in `cs231n_core.detection_data.VOC2007_URLS` (about 870 MiB),
# checks their published MD5s and unpacks them where `VOCDetection` looks. The rest of
# this notebook uses the digit scenes, which need no download and train on a CPU.

# %%
try:
    voc = VOCDetection(split="test")
    image, target = voc[0]
    print("PASCAL VOC 2007 test: %d images; the first is %s with %d objects"
          % (len(voc), image.shape, len(target["boxes"])))
except VOCError as error:
    print("PASCAL VOC 2007 is not downloaded:", str(error)[:200], "...")

# %% [markdown]
# # Part II. Boxes and anchors
#
# ## Intersection over union
#
# The IoU of two boxes is the area of their intersection divided by the area of their union:
# 1 for identical boxes, 0 for disjoint ones. Detection uses it everywhere: to decide which
# anchors learn which object, which overlapping detections are duplicates, and whether a
# detection found an object (IoU at least 0.5 in PASCAL VOC).
#
# Implement `box_iou` in `cs231n_core/detection.py`: the IoU of every pair of two sets of
# boxes, `(N, 4)` and `(M, 4)` to `(N, M)`, without loops, by broadcasting.

# %%
boxes = torch.from_numpy(train_scenes["boxes"][0])
shifted = boxes + torch.tensor([3.0, 2.0, 3.0, 2.0])       # the same boxes, moved
print("IoU of each digit's box with each moved box:")
print(box_iou(boxes, shifted))

fig, ax = plt.subplots(figsize=(4, 4))
ax.imshow(train_scenes["images"][0, 0], cmap="gray")
draw_boxes(ax, boxes, color="lime")
draw_boxes(ax, shifted, scores=box_iou(boxes, shifted).diagonal(), color="orange")
ax.set_title("true boxes (green), moved (orange, with IoU)")
ax.axis("off")
plt.show()

# Broadcasting beats a loop over pairs by orders of magnitude:
many = torch.from_numpy(np.concatenate(train_scenes["boxes"][:300]))
start = time.perf_counter()
looped = torch.tensor([[float(box_iou(a[None], b[None])) for b in many[:100]] for a in many[:100]])
loop_s = (time.perf_counter() - start) * (len(many) / 100) ** 2
start = time.perf_counter()
all_pairs = box_iou(many, many)
vector_s = time.perf_counter() - start
print("%d x %d IoUs: about %.2f s with a loop over pairs, %.4f s broadcast"
      % (len(many), len(many), loop_s, vector_s))
print("same values:", torch.allclose(looped, all_pairs[:100, :100]))

# %%
check("box_iou")

# %% tags=["autograded:box_iou"]

# %% [markdown]
# ## Non-maximum suppression
#
# A detector proposes many overlapping boxes around each object. Greedy **non-maximum
# suppression** keeps the box of highest score, drops every other box that overlaps it by
# an IoU above a threshold, and repeats with the boxes left. Implement `nms`: equal scores
# are taken in the order of the boxes' indices, and a box whose IoU *equals* the threshold
# survives (the hidden graders compare your kept indices with a brute-force reference on
# 5,000 boxes, ties included). Then `batched_nms`, which suppresses only within each class:
# a box of a 3 never removes a box of a 5.

# %%
generator = torch.Generator().manual_seed(0)
truth = torch.from_numpy(train_scenes["boxes"][1])
candidates = truth.repeat(15, 1) + torch.randn(15 * len(truth), 4, generator=generator) * 2.0
scores = torch.rand(len(candidates), generator=generator)
keep = nms(candidates, scores, iou_threshold=0.5)
print("%d candidates, %d kept" % (len(candidates), len(keep)))

fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, shown, title in ((axes[0], torch.arange(len(candidates)), "candidates"),
                         (axes[1], keep, "after NMS (IoU 0.5)")):
    ax.imshow(train_scenes["images"][1, 0], cmap="gray")
    draw_boxes(ax, candidates[shown], scores=scores[shown] if len(shown) < 10 else None, color="orange")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %%
check("nms")

# %% tags=["autograded:nms"]

# %%
labels = torch.tensor([0, 1, 0])
same_place = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10], [1, 1, 10, 10]])
print("nms keeps", nms(same_place, torch.tensor([0.9, 0.8, 0.7])).tolist(), "(expect [0])")
print("batched_nms keeps", batched_nms(same_place, torch.tensor([0.9, 0.8, 0.7]), labels).tolist(),
      "(expect [0, 1]: box 1 is of another class)")

# %%
check("batched_nms")

# %% tags=["autograded:batched_nms"]

# %% [markdown]
# ## Anchors
#
# A single-stage detector looks at the image through a grid of cells (the cells of its last
# feature map, here one per 8x8 pixels) and, in each cell, at a few **anchors**: boxes of
# chosen sizes and aspect ratios centred on the cell. For each anchor it predicts a class
# (or background) and how to move and stretch the anchor onto the object.
#
# Implement `generate_anchors(feature_shape, stride, sizes, aspect_ratios)`: cell `(y, x)` is
# centred at `((x + 0.5) * stride, (y + 0.5) * stride)`; each size `s` and aspect ratio
# `r = height / width` gives the anchor of width `s / sqrt(r)` and height `s * sqrt(r)`. The
# rows are ordered cell by cell (row-major), and within a cell sizes outer, ratios inner.

# %%
anchors = generate_anchors((8, 8), 8, sizes=(16, 24), aspect_ratios=(1.0, 2.0))
print("anchors:", tuple(anchors.shape), "(8 x 8 cells, 4 anchors each)")
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(train_scenes["images"][2, 0], cmap="gray")
centres = (anchors[:, :2] + anchors[:, 2:]) / 2
ax.scatter(centres[:, 0] - 0.5, centres[:, 1] - 0.5, s=4, c="cyan")
cell = 3 * 8 + 4                                  # the four anchors of cell (3, 4)
draw_boxes(ax, anchors[cell * 4:(cell + 1) * 4], color="yellow")
ax.set_title("cell centres and the anchors of cell (3, 4)")
ax.axis("off")
plt.show()

# %%
check("generate_anchors")

# %% tags=["autograded:generate_anchors"]

# %% [markdown]
# ## Box deltas
#
# The detector does not predict boxes directly but **deltas** from its anchors, Faster
# R-CNN's parametrization: with centres `(x, y)`, widths `w` and heights `h`,
#
# $$t_x = \frac{x - x_a}{w_a},\quad t_y = \frac{y - y_a}{h_a},\quad t_w = \log\frac{w}{w_a},\quad
# t_h = \log\frac{h}{h_a}.$$
#
# They are small numbers of similar scale whatever the size of the object, which makes them
# easy to regress. Implement `encode_boxes(boxes, anchors)` and its inverse
# `decode_boxes(deltas, anchors)`.

# %%
anchor = torch.tensor([[8.0, 8.0, 24.0, 24.0]])
box = torch.tensor([[10.0, 6.0, 22.0, 30.0]])
deltas = encode_boxes(box, anchor)
print("deltas:", deltas)
print("decoded back:", decode_boxes(deltas, anchor), "(expect", box, ")")

# %%
check("encode_boxes")

# %% tags=["autograded:encode_boxes"]

# %%
check("decode_boxes")

# %% tags=["autograded:decode_boxes"]

# %% [markdown]
# ## Matching anchors to objects
#
# Which anchors should learn which object? Faster R-CNN's rule: an anchor is **positive**
# for the box it overlaps most when that IoU reaches `pos_threshold` (0.7), and also when it
# is the best anchor of some box (so that every object gets an anchor, however it falls on
# the grid); it is **negative** (background) when its best IoU is below `neg_threshold`
# (0.3); the anchors in between are **ignored**: neither pushed towards an object nor
# towards background. Implement `match_anchors`: it returns, per anchor, the index of its
# box, -1 for background or -2 for ignored.

# %%
anchors = generate_anchors((8, 8), 8, sizes=(16, 24), aspect_ratios=(1.0, 2.0))
fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for ax, k in zip(axes, range(3, 6)):
    gt = torch.from_numpy(train_scenes["boxes"][k])
    matches = match_anchors(anchors, gt, pos_threshold=0.5, neg_threshold=0.4)
    ax.imshow(train_scenes["images"][k, 0], cmap="gray")
    draw_boxes(ax, anchors[matches >= 0], labels=matches[matches >= 0], color="yellow")
    draw_boxes(ax, gt, color="lime")
    ax.set_title("%d positive, %d ignored anchors" % ((matches >= 0).sum(), (matches == -2).sum()))
    ax.axis("off")
plt.show()

# %%
check("match_anchors")

# %% tags=["autograded:match_anchors"]

# %% [markdown]
# # Part III. A single-stage detector
#
# `DigitDetector` is a small convolutional network: four 3x3 convolutions with three 2x2
# max poolings turn a 64x64 scene into an 8x8 grid of features (one cell per 8x8 pixels);
# two 3x3 convolutional heads predict, for each of the A anchors of each cell, the scores of
# background and the 10 digits, and 4 box deltas. Implement its `__init__` and `forward`
# (read its docstring for the layers and the order of the outputs: they must line up with
# `generate_anchors`' rows).

# %%
model = DigitDetector(num_classes=10, width=16)
class_logits, box_deltas = model(torch.zeros(2, 1, 64, 64))
print("class_logits:", tuple(class_logits.shape), "box_deltas:", tuple(box_deltas.shape))
print("anchors:", tuple(model.anchors(64).shape), "learnable values:", count_params(model))

# %%
check("DigitDetector")

# %% tags=["autograded:DigitDetector"]

# %% [markdown]
# ### The loss
#
# `detection_loss` matches each image's anchors to its boxes (with RetinaNet's thresholds
# 0.5 and 0.4, which suit small objects), then adds a softmax **classification loss** over
# the positive and negative anchors (the class of the matched box, or background) and a
# smooth L1 **box loss** between the predicted deltas of the positive anchors and the
# deltas that `encode_boxes` gives for their boxes.

# %%
anchors = model.anchors(64)
images = torch.from_numpy(train_scenes["images"][:8])
class_logits, box_deltas = model(images)
loss = detection_loss(class_logits, box_deltas, anchors,
                      [torch.from_numpy(b) for b in train_scenes["boxes"][:8]],
                      [torch.from_numpy(c) for c in train_scenes["labels"][:8]])
print("loss of the untrained detector: %.3f (about log(11) = %.3f for the classes, plus the boxes)"
      % (loss.item(), np.log(11)))

# %%
check("detection_loss")

# %% tags=["autograded:detection_loss"]

# %% [markdown]
# ### Training
#
# `train_detector` trains the detector with Adam, showing a progress bar per epoch. On one
# CPU core it takes about a minute on the 2,000 training scenes (a GPU, when present, is
# used).

# %%
torch.manual_seed(0)
detector = DigitDetector(num_classes=10, width=16)
epochs = 2 if SMOKE else 10
start = time.perf_counter()
history = train_detector(detector, train_scenes, epochs=epochs, batch_size=32, learning_rate=2e-3,
                         device=device, seed=0)
print("trained %d epochs in %.0f s" % (epochs, time.perf_counter() - start))
plt.plot(history["loss"])
plt.xlabel("iteration")
plt.ylabel("loss")
plt.title("detection loss")
plt.show()

# %% [markdown]
# ### Mean average precision
#
# How good is a detector? PASCAL VOC's answer: for each class, sort all its detections by
# score; each is a true positive if it overlaps an unclaimed true box of its class by an IoU
# of at least 0.5, else a false positive. Precision and recall after each detection trace a
# curve; the class's **average precision** is the area under it (after making precision
# monotone, VOC's all-point interpolation), and the **mAP** is the mean over classes.
# Implement `mean_average_precision`.

# %%
check("mean_average_precision")

# %% tags=["autograded:mean_average_precision"]

# %%
detector.to("cpu")
detections = predict_scenes(detector, test_scenes["images"])
test_map, test_ap = mean_average_precision(detections["boxes"], detections["scores"], detections["labels"],
                                           test_scenes["boxes"], test_scenes["labels"], num_classes=10)
print("mAP@0.5 on %d held-out scenes: %.3f" % (len(test_scenes["boxes"]), test_map))
print("AP per digit:", np.round(test_ap, 3))

fig, axes = plt.subplots(2, 6, figsize=(15, 5.5))
for k, ax in enumerate(axes.ravel()):
    ax.imshow(test_scenes["images"][k, 0], cmap="gray")
    confident = detections["scores"][k] > 0.5
    draw_boxes(ax, detections["boxes"][k][confident], detections["labels"][k][confident],
               detections["scores"][k][confident], color="orange")
    ax.axis("off")
fig.suptitle("detections with score above 0.5 on held-out scenes (digit, score)")
plt.show()

# %% [markdown]
# **What to expect.** On the embedded digits (2,000 training scenes, 10 epochs, width 16) the
# reference reaches a mAP@0.5 of 0.84 on the 500 held-out scenes (APs 0.71 to 0.90 per
# digit) in 56 s of one CPU core. For scale: on PASCAL VOC 2007, SSD300 reaches 77% and YOLOv1
# 63%; the digits are easier objects, but this detector is tiny and trains for minutes.

# %% [markdown]
# # Part IV. Semantic segmentation
#
# A segmentation network labels every pixel. A **fully convolutional network** first
# downsamples (convolutions and max pooling, for a wide view at little cost) and then
# upsamples back to the image's size. The lecture shows four ways to upsample by 2:
#
# - **nearest neighbour**: copy each value into a 2x2 block;
# - **bed of nails**: put each value in the top-left corner of its block, zeros elsewhere;
# - **max unpooling**: put each value back where the matching max pooling found its
#   maximum (the pooling's indices), zeros elsewhere;
# - **transposed convolution**: a learnable upsampling (kernel 4, stride 2, padding 1).
#
# Implement `Upsample2x` in `cs231n_core/segmentation.py` (write nearest neighbour and bed
# of nails with indexing), then `SegmentationFCN`, whose docstring gives its layers.

# %%
x = torch.arange(1.0, 5.0).reshape(1, 1, 2, 2)
for mode in ("nearest", "bed_of_nails"):
    print(mode)
    print(Upsample2x(mode)(x)[0, 0])
big = torch.tensor([[[[1.0, 2, 0, 0], [0, 0, 0, 3], [4, 0, 0, 0], [0, 0, 5, 0]]]])
pooled, indices = F.max_pool2d(big, 2, return_indices=True)
print("max_unpool of the max pooling of\n", big[0, 0], "\n->\n", Upsample2x("max_unpool")(pooled, indices)[0, 0])

# %%
check("Upsample2x")

# %% tags=["autograded:Upsample2x"]

# %%
for mode in UPSAMPLING_MODES:
    fcn = SegmentationFCN(num_classes=11, width=16, upsampling=mode)
    print("%-13s scores %s, %d learnable values" % (mode, tuple(fcn(torch.zeros(2, 1, 64, 64)).shape),
                                                     count_params(fcn)))

# %%
check("SegmentationFCN")

# %% tags=["autograded:SegmentationFCN"]

# %% [markdown]
# ### Mean IoU
#
# A segmentation is measured per class by the IoU of the predicted and the true pixels of
# that class, over all the pixels of all the images; the **mean IoU** averages the classes
# (leaving out a class that appears nowhere). Implement `mean_iou`.

# %%
check("mean_iou")

# %% tags=["autograded:mean_iou"]

# %% [markdown]
# ### Training the four upsamplings
#
# We train one FCN per upsampling on the digit scenes (11 classes: background and the 10
# digits, per-pixel cross-entropy) and compare their mean IoU on the held-out scenes.

# %%
seg_epochs = 1 if SMOKE else 5
seg_results = {}
for mode in UPSAMPLING_MODES:
    torch.manual_seed(0)
    fcn = SegmentationFCN(num_classes=11, width=16, upsampling=mode)
    start = time.perf_counter()
    seg_history = train_segmentation(fcn, train_scenes, epochs=seg_epochs, learning_rate=2e-3, device=device,
                                     progress=not SMOKE)
    fcn.to("cpu")
    predicted = predict_masks(fcn, test_scenes["images"])
    seg_results[mode] = (fcn, predicted, mean_iou(predicted, test_scenes["masks"], 11))
    print("%-13s mean IoU %.3f  (%.0f s)" % (mode, seg_results[mode][2][0], time.perf_counter() - start))

# %%
best_mode = max(seg_results, key=lambda mode: seg_results[mode][2][0])
_, predicted, (best_miou, best_iou) = seg_results[best_mode]
print("best: %s, mean IoU %.3f; IoU per class:" % (best_mode, best_miou))
print(dict(zip(SEGMENTATION_CLASSES, np.round(best_iou, 3))))
fig, axes = plt.subplots(3, 6, figsize=(15, 7.5))
for k in range(6):
    axes[0, k].imshow(test_scenes["images"][k, 0], cmap="gray")
    axes[1, k].imshow(test_scenes["masks"][k], cmap="tab20", vmin=0, vmax=19, interpolation="nearest")
    axes[2, k].imshow(predicted[k], cmap="tab20", vmin=0, vmax=19, interpolation="nearest")
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("held-out scenes", loc="left")
axes[1, 0].set_title("true masks", loc="left")
axes[2, 0].set_title("predicted (%s)" % best_mode, loc="left")
plt.show()

# %% [markdown]
# **What to expect.** On the embedded digits (2,000 training scenes, 5 epochs, width 16, about
# 47 s of one CPU core each) the reference reached a mean IoU over the 11 classes of 0.16
# with nearest neighbour, 0.10 with bed of nails and 0.12 with max unpooling on the 500
# held-out scenes: the background and the digits' shapes are found, the digit's class far
# less often (without skip connections the decoder sees only coarse features). More epochs
# help all four.
#
# **Inline question.** Which upsampling did best here, and why might max unpooling and the
# transposed convolution beat nearest neighbour and bed of nails on thin strokes?

# %% [markdown] tags=["written:upsampling_answer"]
# In our run nearest neighbour did best: it fills every pixel of each 2x2 block with the
# feature, so the next convolution sees a dense map. Bed of nails leaves three zeros of four,
# which the decoder must learn to fill in, and max unpooling also leaves three zeros per
# block, though it puts each feature back where the encoder found the stroke, which helps
# thin strokes once trained longer; a transposed convolution learns its own way of spreading
# a coarse feature over its block.
