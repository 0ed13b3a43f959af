# ---
# jupyter:
#   cs231n:
#     cell_id_prefix: twostage
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
# # Two-stage detection, instance masks and segmentation in practice
#
# *Complete and hand in this notebook (including its outputs and any code outside it) with
# your assignment. Run `cs231n submit assignment3` in your assignment folder to check and
# zip it.*
#
# `Detection.ipynb` built a single-stage detector: one network that scores every anchor.
# This notebook follows the rest of CS231n's lecture on detection and segmentation:
#
# 1. **classification plus localization**: one object, two heads, a weighted sum of two
#    losses;
# 2. **RoI Pool and RoI Align**: a fixed-size window of features on any region;
# 3. **Faster R-CNN**: a region proposal network (RPN) proposes regions, a second stage
#    classifies them and refines their boxes;
# 4. **Mask R-CNN**: a small mask per region, pasted back into the image, measured by mask AP;
# 5. **segmentation in practice**: why a fully convolutional network beats a sliding
#    window, and what U-Net's skip connections add.
#
# You write the graded functions in `cs231n_core/roi_ops.py` (`roi_pool`, `roi_align`, with
# the semantics of `torchvision.ops`) and `cs231n_core/two_stage.py` (`rpn_targets`,
# `rpn_loss`, `rpn_proposals`, `roi_targets`, `box_head_loss`, `mask_loss`, `paste_masks`).
# They use the functions you wrote in `Detection.ipynb` (`box_iou`, `nms`,
# `encode_boxes`, `decode_boxes`, `match_anchors`, `mean_average_precision`). After each,
# run its **public check** cell; the locked **autograded** cell after it is where the hidden
# graders run, on other inputs.

# %%
# Setup cell.
import os
import time

import numpy as np
import matplotlib.pyplot as plt
import matplotlib.patches as patches
import torch

import cs231n_core
from cs231n_core.checks import check
from cs231n_core.detection import (DigitDetector, generate_anchors, mean_average_precision, predict_scenes,
                                   train_detector)
from cs231n_core.detection_data import SEGMENTATION_CLASSES, VOCDetection, VOCError, make_digit_scenes
from cs231n_core.pytorch_models import choose_device
from cs231n_core.roi_ops import roi_align, roi_pool
from cs231n_core.segmentation import (PatchClassifier, SegmentationFCN, SkipFCN, mean_iou, predict_masks,
                                      sliding_window_segment, train_segmentation)
from cs231n_core.two_stage import (ClassifyLocalize, MaskRCNN, box_head_loss, mask_average_precision, mask_loss,
                                   paste_masks, predict_instances, roi_targets, rpn_loss, rpn_proposals,
                                   rpn_targets, scene_instance_masks, train_classify_localize, train_two_stage)

# %matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 6.0)

# %load_ext autoreload
# %autoreload 2

device = choose_device(prefer_gpu=True)
print("Using cs231n_core from %s on %s" % (os.path.dirname(cs231n_core.__file__), device))
# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
if SMOKE:
    print("SMOKE mode: small data, quick run")


def draw_boxes(ax, boxes, labels=None, scores=None, color="lime", width=1.5):
    # Draw boxes (x1, y1, x2, y2) on a matplotlib axis (pixel edges: -0.5 shifts to imshow's grid).
    for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, dtype=float)):
        ax.add_patch(patches.Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False,
                                       edgecolor=color, linewidth=width))
        text = ([str(int(labels[k]))] if labels is not None else []) + (
            ["%.2f" % float(scores[k])] if scores is not None else [])
        if text:
            ax.text(x1 - 0.5, y1 - 1.5, " ".join(text), color=color, fontsize=8)


# %% [markdown]
# # Part I. Classification plus localization
#
# With exactly one object per image, detection is a regression: one network, two heads on
# shared features. `ClassifyLocalize` names the digit (softmax over 10 classes) and regresses
# its box (four numbers, in units of the image's side); `classify_localize_loss` adds the
# cross-entropy and `box_weight` times a smooth L1 loss. Nothing but that weight says how
# many nats of classification one pixel of box error is worth. We train it twice, with a
# small and a large weight.

# %%
single_train = make_digit_scenes(128 if SMOKE else 2000, "train", digits_per_scene=(1, 1), seed=1)
single_test = make_digit_scenes(32 if SMOKE else 500, "test", digits_per_scene=(1, 1), seed=1)


def box_iou_of_pairs(a, b):
    # IoU of each predicted box with its own true box (one object per image).
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    inter = (np.clip(np.minimum(a[:, 2:], b[:, 2:]) - np.maximum(a[:, :2], b[:, :2]), 0, None)).prod(1)
    areas = lambda c: (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])
    return inter / (areas(a) + areas(b) - inter)


cl_results = {}
for weight in (0.1, 10.0):
    torch.manual_seed(0)
    model = ClassifyLocalize(num_classes=10, width=8 if SMOKE else 16)
    history = train_classify_localize(model, single_train, epochs=1 if SMOKE else 8, box_weight=weight,
                                      device=device, progress=not SMOKE)
    model.to("cpu").eval()
    with torch.no_grad():
        logits, boxes = model(torch.as_tensor(single_test["images"]))
    accuracy = float((logits.argmax(1).numpy() == np.concatenate(single_test["labels"])).mean())
    iou = box_iou_of_pairs(boxes.numpy() * 64, np.concatenate(single_test["boxes"]))
    cl_results[weight] = (history, accuracy, iou, boxes.numpy() * 64)
    print("box_weight %5.1f: accuracy %.2f, mean box IoU %.2f" % (weight, accuracy, iou.mean()))

fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for weight, (history, _, _, _) in cl_results.items():
    axes[0].plot(history["class"], label="classification, weight %g" % weight)
    axes[1].plot(history["box"], label="box, weight %g" % weight)
axes[0].set_title("classification loss")
axes[1].set_title("box loss (smooth L1)")
for ax in axes[:2]:
    ax.set_xlabel("iteration")
    ax.legend()
axes[2].imshow(single_test["images"][0, 0], cmap="gray")
draw_boxes(axes[2], single_test["boxes"][0], color="lime")
for weight, color in ((0.1, "orange"), (10.0, "red")):
    draw_boxes(axes[2], cl_results[weight][3][:1], color=color)
axes[2].set_title("true box (green); weight 0.1 (orange), 10 (red)")
axes[2].axis("off")
plt.show()

# %% [markdown]
# # Part II. RoI Pool and RoI Align
#
# A two-stage detector looks at each proposed region through a fixed-size window of the
# feature map. **RoI Pool** (Fast R-CNN) rounds the region to whole cells, cuts it into
# `PH x PW` bins (rounded outwards) and keeps each bin's maximum. **RoI Align** (Mask R-CNN)
# rounds nothing: each bin is the average of a few points spaced regularly inside it, each
# point read by bilinear interpolation of its four neighbouring cells. Both have
# torchvision's signatures: `boxes` is a tensor `(K, 5)` of rows `(batch index, x1, y1, x2,
# y2)` or a list of `(K_i, 4)` tensors, one per image; `spatial_scale` maps image pixels to
# feature cells; `aligned=True` shifts the boxes by half a cell so that cell `(i, j)` is
# centred at `(j + 0.5, i + 0.5)`. The docstrings give every rule at the border.
#
# Implement `roi_pool` and `roi_align` in `cs231n_core/roi_ops.py`. A loop over the regions
# is fine at first; the reference handles all the regions at once.

# %%
feature = torch.arange(64.0).reshape(1, 1, 8, 8)
region = torch.tensor([[0, 1.3, 0.6, 6.1, 5.4]])
print("RoI Pool (2x2):\n", roi_pool(feature, region, 2)[0, 0])
print("RoI Align (2x2, 2 points per bin each way):\n", roi_align(feature, region, 2, 1.0, 2, True)[0, 0])

# Where RoI Align reads: the box, its 2x2 bins and their 2x2 sample points each.
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(feature[0, 0], cmap="viridis")
x1, y1, x2, y2 = (region[0, 1:] - 0.5).tolist()            # aligned: the cell centres' coordinates
bins, grid = 2, 2
for b in range(bins + 1):
    ax.plot([x1 + b * (x2 - x1) / bins] * 2, [y1, y2], color="white", linewidth=1)
    ax.plot([x1, x2], [y1 + b * (y2 - y1) / bins] * 2, color="white", linewidth=1)
points = [(x1 + (i + 0.5) * (x2 - x1) / (bins * grid), y1 + (j + 0.5) * (y2 - y1) / (bins * grid))
          for i in range(bins * grid) for j in range(bins * grid)]
ax.scatter(*zip(*points), color="red", s=18, zorder=3)
ax.set_title("RoI Align: 2x2 bins, 2x2 sample points per bin")
plt.show()

# %%
check("roi_pool")

# %% tags=["autograded:roi_pool"]

# %%
check("roi_align")

# %% tags=["autograded:roi_align"]

# %% [markdown]
# RoI Align is differentiable with respect to the features (the sample points' bilinear
# weights), so the backbone learns through it. Writing it with whole-tensor operations
# matters: a detector pools hundreds of regions at every step. Here is your `roi_align`
# against a loop over the regions that calls it one region at a time
# (`python benchmarks/bench_roi_align.py` compares the reference with a loop written from
# the definition).

# %%
generator = torch.Generator().manual_seed(0)
maps = torch.randn(2, 16, 16, 16, generator=generator)
corners = torch.rand(64 if SMOKE else 256, 2, generator=generator) * 50
rois = torch.cat([torch.randint(0, 2, (len(corners), 1), generator=generator).float(), corners,
                  corners + 4 + torch.rand(len(corners), 2, generator=generator) * 30], dim=1)
start = time.perf_counter()
together = roi_align(maps, rois, 7, 0.25, -1, True)
together_s = time.perf_counter() - start
start = time.perf_counter()
one_by_one = torch.cat([roi_align(maps, rois[k:k + 1], 7, 0.25, -1, True) for k in range(len(rois))])
loop_s = time.perf_counter() - start
print("%d regions: %.4f s at once, %.4f s one region at a time (%.1fx); same values: %s"
      % (len(rois), together_s, loop_s, loop_s / together_s, torch.allclose(together, one_by_one, atol=1e-5)))

# %% [markdown]
# # Part III. The region proposal network
#
# Faster R-CNN's first stage scores every anchor of the feature map as "object of any
# class" or "background" and regresses its box deltas. It learns from a **balanced
# sample** of anchors: `match_anchors` says which anchors are positive (IoU >= 0.7 with a
# box, or the best anchor of a box), negative (IoU < 0.3) or ignored, and
# `sample_balanced` (given) draws at most `batch_size_per_image * positive_fraction`
# positives and fills the sample with negatives. Implement `rpn_targets`, then `rpn_loss`
# (binary cross-entropy of the sampled anchors, smooth L1 with beta 1/9 of the positives'
# deltas, both divided by the number of sampled anchors).

# %%
scenes = make_digit_scenes(64 if SMOKE else 2000, "train", seed=0)
anchors = generate_anchors((16, 16), 4, (12.0, 20.0, 28.0), (1.0, 2.0))
gt = [torch.as_tensor(scenes["boxes"][0])]
labels, targets = rpn_targets(anchors, gt, batch_size_per_image=64, generator=torch.Generator().manual_seed(0))
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(scenes["images"][0, 0], cmap="gray")
draw_boxes(ax, anchors[labels[0] == 0][:12], color="tab:blue", width=0.8)
draw_boxes(ax, anchors[labels[0] == 1], color="orange")
draw_boxes(ax, gt[0], color="lime", width=2)
ax.set_title("sampled anchors: positive (orange), some negatives (blue)")
ax.axis("off")
plt.show()
print("sampled: %d positive, %d negative, %d left out" % ((labels == 1).sum(), (labels == 0).sum(),
                                                         (labels == -1).sum()))

# %%
check("rpn_targets")

# %% tags=["autograded:rpn_targets"]

# %%
check("rpn_loss")

# %% tags=["autograded:rpn_loss"]

# %% [markdown]
# The proposals of an image are the boxes of its best anchors: the `pre_nms_top_n` anchors
# of highest objectness, their deltas decoded (clipped at `DELTA_CLIP`) and their boxes
# clipped to the image (`_decode_clipped`), boxes smaller than `min_size` dropped, then
# `nms` at 0.7 and the first `post_nms_top_n` kept. Implement `rpn_proposals`.

# %%
jitter = torch.Generator().manual_seed(1)
near = gt[0].repeat(20, 1) + torch.randn(20 * len(gt[0]), 4, generator=jitter) * 2.5
fake_anchors = torch.cat([near, anchors[::7]])
fake_logits = torch.cat([torch.rand(len(near), generator=jitter) * 3 + 1,
                         torch.rand(len(anchors[::7]), generator=jitter) * 2 - 3])[None]
proposals, scores = rpn_proposals(fake_logits, torch.zeros(1, len(fake_anchors), 4), fake_anchors, (64, 64),
                                  pre_nms_top_n=60, post_nms_top_n=10)
fig, axes = plt.subplots(1, 2, figsize=(9, 4.5))
for ax, shown, title in ((axes[0], fake_anchors[fake_logits[0].argsort(descending=True)[:60]], "top 60 boxes"),
                         (axes[1], proposals[0], "proposals after NMS (0.7)")):
    ax.imshow(scenes["images"][0, 0], cmap="gray")
    draw_boxes(ax, shown, color="orange", width=0.8)
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %%
check("rpn_proposals")

# %% tags=["autograded:rpn_proposals"]

# %% [markdown]
# # Part IV. The second stage
#
# The second stage learns from a sample of regions too. `roi_targets` adds the true boxes
# to the proposals (so that every object has a perfect region from the first step on),
# matches each region to the box it overlaps most (foreground at IoU >= 0.5, background
# below), samples 25% foreground, and gives each region its label (1 + class, 0 for
# background) and, for the foreground, its deltas times `BOX_WEIGHTS`. The box head
# classifies each region's RoI Align features and predicts deltas for every class;
# `box_head_loss` is the cross-entropy plus smooth L1 of the true class's deltas only.

# %%
sample = roi_targets(proposals, gt, [torch.as_tensor(scenes["labels"][0])], batch_size_per_image=16,
                     generator=torch.Generator().manual_seed(0))
print("labels of the sampled regions (0 = background):", sample["labels"][0].tolist())

# %%
check("roi_targets")

# %% tags=["autograded:roi_targets"]

# %%
check("box_head_loss")

# %% tags=["autograded:box_head_loss"]

# %% [markdown]
# # Part V. Mask R-CNN
#
# Mask R-CNN adds a branch that predicts, for each region, a small mask per class (28x28 in
# the paper, 14x14 here) from RoI Align features. Only the mask of the region's true class
# learns (`mask_loss`: per-pixel binary cross-entropy of that mask): the classes do not
# compete for a pixel, the box head already said which class it is. At test time the mask
# of the predicted class is **pasted** back into the image: each pixel inside the box
# reads the mask by bilinear interpolation at its centre, the mask stretched over the box
# corner to corner (`paste_masks`).

# %%
check("mask_loss")

# %% tags=["autograded:mask_loss"]

# %%
blob = torch.zeros(1, 14, 14)
blob[0, 3:11, 4:10] = 1.0
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
axes[0].imshow(blob[0], cmap="gray")
axes[0].set_title("a 14x14 mask")
axes[1].imshow(paste_masks(blob, torch.tensor([[10.0, 20.0, 40.5, 52.0]]), (64, 64))[0], cmap="gray")
axes[1].set_title("pasted into the box (10, 20, 40.5, 52)")
plt.show()

# %%
check("paste_masks")

# %% tags=["autograded:paste_masks"]

# %% [markdown]
# ### Training Mask R-CNN
#
# `MaskRCNN` puts it all together: a small backbone at stride 4, the RPN with 6 anchors per
# cell, RoI Align, the box head and the mask branch, five losses summed. We train it on the
# digit scenes and compare it with the single-stage `DigitDetector` of `Detection.ipynb` on
# the same held-out scenes: box mAP@0.5, mask AP@0.5 and speed.

# %%
test_scenes = make_digit_scenes(32 if SMOKE else 500, "test", seed=0)
two_epochs = 1 if SMOKE else 4
torch.manual_seed(0)
mask_rcnn = MaskRCNN(num_classes=10, width=8 if SMOKE else 16)
start = time.perf_counter()
two_history = train_two_stage(mask_rcnn, scenes, epochs=two_epochs, batch_size=16, learning_rate=2e-3,
                              device=device, progress=not SMOKE)
two_train_s = time.perf_counter() - start
mask_rcnn.to("cpu")
found = predict_instances(mask_rcnn, test_scenes["images"])
two_box_map, _ = mean_average_precision(found["boxes"], found["scores"], found["labels"], test_scenes["boxes"],
                                        test_scenes["labels"], 10)
two_mask_map, _ = mask_average_precision(found["masks"], found["scores"], found["labels"],
                                         scene_instance_masks(test_scenes), test_scenes["labels"], 10)

fig, ax = plt.subplots(figsize=(8, 4))
for name in ("rpn_objectness", "rpn_box", "classifier", "box_reg", "mask"):
    ax.plot(two_history[name], label=name)
ax.set_xlabel("iteration")
ax.set_title("Mask R-CNN's five losses")
ax.legend()
plt.show()

fig, axes = plt.subplots(2, 6, figsize=(15, 5.5))
for k in range(6):
    axes[0, k].imshow(test_scenes["images"][k, 0], cmap="gray")
    keep = found["scores"][k] > 0.5
    draw_boxes(axes[0, k], found["boxes"][k][keep], found["labels"][k][keep], color="orange")
    overlay = np.zeros(test_scenes["images"].shape[-2:])
    for j, mask in enumerate(found["masks"][k][keep]):
        overlay[mask] = j + 1
    axes[1, k].imshow(overlay, cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("held-out scenes, boxes (score > 0.5)", loc="left")
axes[1, 0].set_title("their masks", loc="left")
plt.show()

# %%
torch.manual_seed(0)
one_stage = DigitDetector(num_classes=10, width=8 if SMOKE else 16)
start = time.perf_counter()
train_detector(one_stage, scenes, epochs=1 if SMOKE else 10, batch_size=32, learning_rate=2e-3, device=device,
               progress=not SMOKE)
one_train_s = time.perf_counter() - start
one_stage.to("cpu")
start = time.perf_counter()
one_found = predict_scenes(one_stage, test_scenes["images"])
one_predict_s = time.perf_counter() - start
one_box_map, _ = mean_average_precision(one_found["boxes"], one_found["scores"], one_found["labels"],
                                        test_scenes["boxes"], test_scenes["labels"], 10)
print("%-28s %9s %9s %9s %14s" % ("model", "box mAP", "mask AP", "train s", "predict ms/img"))
print("%-28s %9.3f %9s %9.0f %14.2f" % ("DigitDetector (one stage)", one_box_map, "-", one_train_s,
                                        1e3 * one_predict_s / len(test_scenes["boxes"])))
print("%-28s %9.3f %9.3f %9.0f %14.2f" % ("MaskRCNN (two stages)", two_box_map, two_mask_map, two_train_s,
                                          1e3 * found["seconds"] / len(test_scenes["boxes"])))

# %% [markdown]
# **What to expect.** With the full settings (2,000 training scenes; 4 epochs of Mask R-CNN,
# 10 of the single-stage detector, width 16, on one CPU core) `python
# benchmarks/bench_two_stage.py` prints both rows on the same 500 held-out scenes. The two
# stages cost more per image (every proposal is pooled and classified again), and buy a
# second look at each region and a mask.

# %% [markdown]
# # Part VI. Segmentation in practice
#
# The lecture's first idea for semantic segmentation is a **sliding window**: classify the
# centre pixel of the patch around every pixel. It works, but every patch recomputes the
# features its neighbours already computed. A fully convolutional network shares that
# work. Here are the costs of the two on the same images (`PatchClassifier` on 25x25
# patches against `SegmentationFCN` and `SkipFCN`, untrained: only the cost matters here).

# %%
images = torch.as_tensor(test_scenes["images"][:2 if SMOKE else 8])
torch.manual_seed(0)
costs = {}
with torch.no_grad():
    for name, run in (("sliding window", lambda: sliding_window_segment(PatchClassifier(), images)),
                      ("SegmentationFCN", lambda: SegmentationFCN()(images)),
                      ("SkipFCN", lambda: SkipFCN()(images))):
        start = time.perf_counter()
        run()
        costs[name] = (time.perf_counter() - start) / len(images)
for name, seconds in costs.items():
    print("%-16s %8.2f ms per image  (%.0fx SegmentationFCN's)" % (name, 1e3 * seconds,
                                                                    seconds / costs["SegmentationFCN"]))

# %% [markdown]
# `SkipFCN` (`cs231n_core/segmentation.py`) is a three-level U-Net: one more pooling than
# `SegmentationFCN`, so that its bottleneck sees a whole digit (what it is), and skip
# connections that give each decoder stage the encoder's features of its resolution (where
# its strokes are). We train both on the 11 classes (background and the ten digits) and
# compare their IoU per class.

# %%
seg_epochs = 1 if SMOKE else 12
seg_rows = {}
for model_class in (SegmentationFCN, SkipFCN):
    torch.manual_seed(0)
    model = model_class(num_classes=11, width=8 if SMOKE else 16, upsampling="transposed")
    train_segmentation(model, scenes, epochs=seg_epochs, learning_rate=2e-3, device=device, progress=not SMOKE)
    model.to("cpu")
    seg_rows[model_class.__name__] = mean_iou(predict_masks(model, test_scenes["images"]), test_scenes["masks"], 11)
fig, ax = plt.subplots(figsize=(10, 4))
for offset, (name, (miou, iou)) in zip((-0.2, 0.2), seg_rows.items()):
    ax.bar(np.arange(11) + offset, np.nan_to_num(iou), width=0.4, label="%s (mean IoU %.2f)" % (name, miou))
ax.set_xticks(np.arange(11))
ax.set_xticklabels(SEGMENTATION_CLASSES, rotation=45)
ax.set_ylabel("IoU on held-out scenes")
ax.legend()
plt.show()

# %% [markdown]
# ### PASCAL VOC 2007
#
# The same code reads PASCAL VOC 2007 when it is downloaded (see `Detection.ipynb`); these
# cells only run then. The detectors above are too small for its photographs, but RoI Align
# works the same on any feature map.

# %%
try:
    voc = VOCDetection(split="test")
    image, target = voc[0]
    photo = torch.as_tensor(np.asarray(image), dtype=torch.float32).permute(2, 0, 1)[None] / 255
    boxes = torch.as_tensor(np.asarray(target["boxes"]), dtype=torch.float32)
    crops = roi_align(photo, [boxes], 64, 1.0, 2, True)
    fig, axes = plt.subplots(1, len(crops) + 1, figsize=(3 * (len(crops) + 1), 3))
    axes[0].imshow(np.asarray(image))
    draw_boxes(axes[0], boxes)
    for ax, crop in zip(axes[1:], crops):
        ax.imshow(crop.permute(1, 2, 0).clamp(0, 1))
    for ax in axes:
        ax.axis("off")
    plt.show()
except VOCError as error:
    print("PASCAL VOC 2007 is not downloaded:", str(error)[:200], "...")

# %% [markdown]
# **Inline question.** Mask R-CNN trains only the mask of the region's true class, with a
# per-pixel sigmoid, where an FCN for semantic segmentation uses a softmax over the classes
# at every pixel. Why is the per-class sigmoid the better choice for instance masks?

# %% [markdown] tags=["written:mask_loss_answer"]
# The box head has already decided the region's class, so the mask branch only has to say
# which pixels of the region belong to the object: a per-class sigmoid makes that a binary
# question per pixel, and the masks of different classes do not compete (a softmax would
# push down every other class's mask on the object's pixels, coupling shape and class and
# wasting capacity). He et al. report a large gain in mask AP from this decoupling.
