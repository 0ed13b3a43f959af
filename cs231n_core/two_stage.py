"""Two-stage detection and instance segmentation in PyTorch (assignment 3): the rest of
CS231n's lecture on detection, after the single-stage detector of cs231n_core.detection.

First, one object per image: ``ClassifyLocalize`` names it and regresses its box, two
heads on shared features trained by a weighted sum of two losses
(``classify_localize_loss``). Many objects need more: a two-stage detector first
proposes regions that may hold an object, whatever its class, then looks at each region
again, through a fixed-size window of the features, to name the object and refine its
box:

* ``RPNHead``, ``rpn_targets``, ``rpn_loss``, ``rpn_proposals``: Faster R-CNN's region
  proposal network, an objectness score and box deltas for each anchor of a feature map,
  trained on a balanced sample of anchors, whose best boxes (after NMS) are the
  proposals;
* ``roi_targets``, ``BoxHead``, ``box_head_loss``: the second stage (Fast R-CNN), which
  classifies sampled proposals (background or a class) and regresses class-specific
  box deltas from their RoI Align features (cs231n_core.roi_ops);
* ``FasterRCNN``: a small backbone, the RPN and the box head together, its four losses
  and its inference (per-class NMS);
* ``MaskHead``, ``mask_targets``, ``mask_loss``, ``paste_masks``, ``MaskRCNN``: Mask
  R-CNN's mask branch, a small mask per region and class, learned on the region's true
  class only, and pasted back into the image;
* ``mask_average_precision``: VOC's AP at IoU 0.5 with the IoU of masks instead of boxes;
* ``train_two_stage``, ``predict_instances``: training on digit scenes and prediction.

Boxes are (x1, y1, x2, y2) in pixels as everywhere in the course (x2, y2 the right and
bottom edges); the boxes of a batch are lists of N tensors (G_i, 4), one per image.
Everything runs on the device and in the dtype of the images; the random sampling of
anchors and regions draws from a torch.Generator (on the CPU) when one is given.
"""
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .detection import (DELTA_CLIP, batched_nms, decode_boxes, encode_boxes, generate_anchors, match_anchors,
                        mean_average_precision, nms)
from .roi_ops import roi_align
from .training import fit_minibatches, shuffled_batches

__all__ = [
    "ClassifyLocalize", "classify_localize_loss", "train_classify_localize", "conv_backbone", "RPNHead", "sample_balanced", "rpn_targets", "rpn_loss", "rpn_proposals",
    "roi_targets", "BoxHead", "box_head_loss", "FasterRCNN", "MaskHead", "mask_targets", "mask_loss",
    "paste_masks", "MaskRCNN", "mask_average_precision", "train_two_stage", "predict_instances",
    "scene_instance_masks", "BOX_WEIGHTS",
]

# The second stage's deltas are the deltas of encode_boxes times these (Fast R-CNN's
# weights, as in torchvision): they bring the regression targets of proposals, which
# already lie near their objects, to a scale near 1.
BOX_WEIGHTS = (10.0, 10.0, 5.0, 5.0)


def _clip_boxes(boxes, image_size):
    """Boxes (N, 4) clipped to an image of image_size (H, W)."""
    height, width = image_size
    limits = boxes.new_tensor([width, height, width, height])
    return torch.minimum(boxes.clamp(min=0), limits)


def _decode_clipped(deltas, anchors, image_size):
    """decode_boxes with tw, th clipped at DELTA_CLIP, then clipped to the image: (N, 4)."""
    deltas = torch.cat([deltas[:, :2], deltas[:, 2:].clamp(max=DELTA_CLIP)], dim=1)
    return _clip_boxes(decode_boxes(deltas, anchors), image_size)


def _sides_at_least(boxes, min_size):
    """bool (N,): boxes (N, 4) at least min_size wide and high."""
    return ((boxes[:, 2] - boxes[:, 0]) >= min_size) & ((boxes[:, 3] - boxes[:, 1]) >= min_size)


def conv_backbone(in_channels, width):
    """Four 3x3 convolutions (padding 1, ReLU), the first two followed by a 2x2 max
    pooling: images (N, in_channels, H, W) -> features (N, 4 * width, H / 4, W / 4)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4 * width, 4 * width, 3, padding=1), nn.ReLU())


# --------------------------------------------------------------------------------------
# Before detection: classification plus localization (one object per image)
# --------------------------------------------------------------------------------------

class ClassifyLocalize(nn.Module):
    """The lecture's first step towards detection: one network that names the single
    object of an image and regresses its box (a multi-task network, two heads on shared
    features).

    Layers (attributes), for images (N, in_channels, S, S), S a multiple of 8:

        backbone:   conv_backbone(in_channels, width) -> features (N, 4 * width, S/4, S/4);
        class_head: Linear(4 * width -> num_classes) on the features' maximum over all
                    positions (what the object is does not depend on where it is);
        fc:         Linear(4 * width * (S/8)**2 -> hidden), ReLU, on the features after a
                    2x2 max pooling, flattened (where it is does);
        box_head:   Linear(hidden -> 4), the box (x1, y1, x2, y2) in units of the image's
                    side (pixels / S).

    forward(x) returns (class_logits (N, num_classes), boxes (N, 4) in units of S);
    multiply the boxes by S for pixels.
    """

    def __init__(self, num_classes=10, in_channels=1, width=16, image_size=64, hidden=128):
        super().__init__()
        self.image_size = int(image_size)
        self.backbone = conv_backbone(in_channels, int(width))
        self.class_head = nn.Linear(4 * int(width), int(num_classes))
        self.fc = nn.Linear(4 * int(width) * (self.image_size // 8) ** 2, hidden)
        self.box_head = nn.Linear(hidden, 4)

    def forward(self, x):
        features = self.backbone(x)
        class_logits = self.class_head(features.amax(dim=(2, 3)))
        boxes = self.box_head(F.relu(self.fc(F.max_pool2d(features, 2).flatten(1))))
        return class_logits, boxes


def classify_localize_loss(class_logits, boxes, labels, gt_boxes, box_weight=1.0):
    """The multi-task loss of classification plus localization:

        loss = softmax cross-entropy (averaged over the images)
               + box_weight * smooth L1 (beta = 0.02 of the image's side, about a pixel
                 of a 64x64 image; averaged over the images and the 4 coordinates)

    box_weight trades one task against the other: the two losses have different units,
    and nothing but this weight says how many nats of classification a pixel of box
    error is worth.

    Inputs:
    - class_logits: tensor (N, C); boxes: tensor (N, 4), predicted boxes in units of the
      image's side.
    - labels: int64 tensor (N,); gt_boxes: tensor (N, 4), true boxes in the same units.
    - box_weight: float.

    Returns (loss, class_loss, box_loss): scalar tensors.
    """
    class_loss = F.cross_entropy(class_logits, labels)
    box_loss = F.smooth_l1_loss(boxes, gt_boxes, beta=0.02)
    return class_loss + box_weight * box_loss, class_loss, box_loss


def train_classify_localize(model, scenes, epochs=10, batch_size=32, learning_rate=1e-3, box_weight=1.0,
                            device=None, seed=0, progress=True):
    """Train a ClassifyLocalize with Adam on scenes of exactly one digit each
    (make_digit_scenes(..., digits_per_scene=(1, 1))). Returns the history
    {"loss", "class", "box": [one float per iteration]}."""
    if any(len(b) != 1 for b in scenes["boxes"]):
        raise ValueError("classification plus localization needs exactly one object per scene")
    device = torch.device("cpu") if device is None else torch.device(device)
    model.to(device)
    images = torch.as_tensor(np.asarray(scenes["images"]), dtype=torch.float32, device=device)
    boxes = torch.as_tensor(np.concatenate(scenes["boxes"]), dtype=torch.float32, device=device) / model.image_size
    labels = torch.as_tensor(np.concatenate(scenes["labels"]), dtype=torch.long, device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    generator = torch.Generator().manual_seed(int(seed))

    def batch_losses(batch):
        class_logits, predicted = model(images[batch])
        total, class_loss, box_loss = classify_localize_loss(class_logits, predicted, labels[batch], boxes[batch],
                                                             box_weight)
        return {"loss": total, "class": class_loss, "box": box_loss}

    model.train()
    return fit_minibatches(optimizer, epochs, lambda: shuffled_batches(images.shape[0], batch_size, generator),
                           batch_losses, names=("loss", "class", "box"), progress=progress)


# --------------------------------------------------------------------------------------
# Region proposal network
# --------------------------------------------------------------------------------------

class RPNHead(nn.Module):
    """Faster R-CNN's region proposal head: for each anchor of each cell of a feature map,
    an objectness logit (object of any class versus background) and four box deltas.

    Layers (attributes):

        conv:       3x3 convolution, padding 1, in_channels -> in_channels, then ReLU;
        objectness: 1x1 convolution in_channels -> A (one logit per anchor);
        deltas:     1x1 convolution in_channels -> 4 * A (channel 4a + j: delta j of anchor a).

    forward(features) maps features (N, C, H, W) to
    - objectness: (N, H * W * A) logits, and
    - deltas: (N, H * W * A, 4) deltas (tx, ty, tw, th),
    rows ordered as generate_anchors' (H, W, A): row y * W * A + x * A + a.
    """

    def __init__(self, in_channels, num_anchors):
        super().__init__()
        self.num_anchors = int(num_anchors)
        self.conv = nn.Conv2d(in_channels, in_channels, 3, padding=1)
        self.objectness = nn.Conv2d(in_channels, self.num_anchors, 1)
        self.deltas = nn.Conv2d(in_channels, 4 * self.num_anchors, 1)
        for layer in (self.objectness, self.deltas):     # small first predictions (torchvision's)
            nn.init.normal_(layer.weight, std=0.01)
            nn.init.constant_(layer.bias, 0.0)

    def forward(self, features):
        n, _, height, width = features.shape
        hidden = F.relu(self.conv(features))
        objectness = self.objectness(hidden).permute(0, 2, 3, 1).reshape(n, -1)
        deltas = self.deltas(hidden).reshape(n, self.num_anchors, 4, height, width)
        deltas = deltas.permute(0, 3, 4, 1, 2).reshape(n, -1, 4)
        return objectness, deltas


def sample_balanced(matches, batch_size, positive_fraction, generator=None):
    """Faster R-CNN's sampling of a fixed number of examples, at most a fraction of them
    positive: up to batch_size * positive_fraction positives drawn at random, then
    negatives drawn at random to fill the batch (fewer when there are not enough).

    Inputs:
    - matches: int64 tensor (A,), as match_anchors returns: >= 0 positive, -1 negative,
      -2 ignored.
    - batch_size: int, the number of examples wanted; positive_fraction: float in [0, 1].
    - generator: a torch.Generator (on the CPU) for the draws, or None for torch's own.

    Returns (positive, negative): int64 tensors of indices into matches (on its device),
    each in the order drawn.
    """
    positive = torch.nonzero(matches >= 0).flatten()
    negative = torch.nonzero(matches == -1).flatten()
    num_positive = min(positive.numel(), int(batch_size * positive_fraction))
    num_negative = min(negative.numel(), batch_size - num_positive)
    pick_positive = torch.randperm(positive.numel(), generator=generator)[:num_positive]
    pick_negative = torch.randperm(negative.numel(), generator=generator)[:num_negative]
    return positive[pick_positive.to(matches.device)], negative[pick_negative.to(matches.device)]


def rpn_targets(anchors, gt_boxes, batch_size_per_image=256, positive_fraction=0.5, pos_threshold=0.7,
                neg_threshold=0.3, generator=None):
    """What each anchor of each image teaches the region proposal network.

    For each image: match_anchors(anchors, its boxes, pos_threshold, neg_threshold), then
    sample_balanced(matches, batch_size_per_image, positive_fraction, generator) (the
    images in order, drawing from the same generator). A sampled positive anchor learns
    "object" and the deltas encode_boxes(its box, anchor); a sampled negative learns
    "background"; every other anchor learns nothing.

    Inputs:
    - anchors: tensor (A, 4), the anchors (the same for every image).
    - gt_boxes: list of N tensors (G_i, 4), each image's boxes (G_i may be 0).
    - batch_size_per_image, positive_fraction: for sample_balanced.
    - pos_threshold, neg_threshold: for match_anchors.
    - generator: a torch.Generator for the sampling, or None.

    Returns:
    - labels: int64 tensor (N, A): 1 for a sampled positive, 0 for a sampled negative,
      -1 for an anchor left out.
    - box_targets: tensor (N, A, 4) of the anchors' dtype: the deltas of the positive
      anchors, 0 elsewhere.
    """
    labels = torch.full((len(gt_boxes), anchors.shape[0]), -1, dtype=torch.long, device=anchors.device)
    box_targets = anchors.new_zeros(len(gt_boxes), anchors.shape[0], 4)
    # TODO: per image, match the anchors, sample a balanced batch of them, and fill in
    # their labels and (for the positives) their deltas.
    # BEGIN SOLUTION
    for i, boxes in enumerate(gt_boxes):
        boxes = boxes.to(anchors)
        matches = match_anchors(anchors, boxes, pos_threshold, neg_threshold)
        positive, negative = sample_balanced(matches, batch_size_per_image, positive_fraction, generator)
        labels[i, positive], labels[i, negative] = 1, 0
        box_targets[i, positive] = encode_boxes(boxes[matches[positive]], anchors[positive])
    # END SOLUTION
    return labels, box_targets


def rpn_loss(objectness, deltas, labels, box_targets):
    """The region proposal network's two losses (as torchvision's).

        objectness_loss = binary cross-entropy of the logits of the sampled anchors
                          (labels >= 0) against their labels, averaged over them;
        box_loss        = smooth L1 (beta = 1/9, summed over the 4 deltas) of the
                          positive anchors (labels == 1), summed, divided by the number of
                          sampled anchors.

    Inputs:
    - objectness: tensor (N, A) of logits; deltas: tensor (N, A, 4).
    - labels: int64 tensor (N, A) of 1, 0, -1; box_targets: tensor (N, A, 4) (from
      rpn_targets).

    Returns (objectness_loss, box_loss): two scalar tensors, differentiable with respect
    to objectness and deltas (both 0, with the graph kept, when nothing is sampled).
    """
    objectness_loss = box_loss = None
    # BEGIN SOLUTION
    sampled = labels >= 0
    positive = labels == 1
    count = max(int(sampled.sum()), 1)
    objectness_loss = F.binary_cross_entropy_with_logits(
        objectness[sampled], labels[sampled].to(objectness.dtype), reduction="sum") / count
    box_loss = F.smooth_l1_loss(deltas[positive], box_targets[positive], beta=1.0 / 9, reduction="sum") / count
    # END SOLUTION
    return objectness_loss, box_loss


@torch.no_grad()
def rpn_proposals(objectness, deltas, anchors, image_size, pre_nms_top_n=300, post_nms_top_n=100,
                  nms_threshold=0.7, min_size=1.0):
    """The region proposals of each image: its best anchors' boxes, after NMS.

    For each image: the pre_nms_top_n anchors of highest objectness (ties by index);
    their boxes, decode_boxes of their deltas (tw, th clipped at DELTA_CLIP), clipped to
    the image; those less than min_size wide or high dropped; greedy NMS at
    nms_threshold (cs231n_core.detection.nms); the first post_nms_top_n kept. The proposals are inputs
    of the second stage, not something it differentiates: no gradient flows through them.

    Inputs:
    - objectness: tensor (N, A) of logits; deltas: tensor (N, A, 4).
    - anchors: tensor (A, 4); image_size: (H, W) of the images.
    - pre_nms_top_n, post_nms_top_n, nms_threshold, min_size: as above.

    Returns (boxes, scores): two lists of N tensors, (P_i, 4) proposals and (P_i,) their
    objectness probabilities (sigmoid of the logits), in decreasing score, P_i <=
    post_nms_top_n.
    """
    all_boxes, all_scores = [], []
    # TODO: per image: the top anchors, their boxes (_decode_clipped), the small ones
    # dropped (_sides_at_least), nms, the first post_nms_top_n.
    # BEGIN SOLUTION
    for logits, image_deltas in zip(objectness, deltas):
        top = torch.sort(logits, descending=True, stable=True).indices[:pre_nms_top_n]
        boxes = _decode_clipped(image_deltas[top], anchors[top], image_size)
        scores = torch.sigmoid(logits[top])
        large = _sides_at_least(boxes, min_size)
        boxes, scores = boxes[large], scores[large]
        keep = nms(boxes, scores, nms_threshold)[:post_nms_top_n]
        all_boxes.append(boxes[keep])
        all_scores.append(scores[keep])
    # END SOLUTION
    return all_boxes, all_scores


# --------------------------------------------------------------------------------------
# The second stage: classify and refine the proposals
# --------------------------------------------------------------------------------------

def roi_targets(proposals, gt_boxes, gt_labels, batch_size_per_image=64, positive_fraction=0.25,
                fg_threshold=0.5, generator=None):
    """The regions that teach the second stage, and what each learns.

    For each image, the ground-truth boxes join its proposals (so that every object has a
    perfect region from the first step on); each region is matched to the box of highest
    IoU: foreground (positive) when the IoU is at least fg_threshold, background below
    (match_anchors(regions, boxes, fg_threshold, fg_threshold)); then
    sample_balanced(matches, batch_size_per_image, positive_fraction, generator).

    Inputs:
    - proposals: list of N tensors (P_i, 4).
    - gt_boxes: list of N tensors (G_i, 4); gt_labels: list of N int64 tensors (G_i,),
      classes 0..C-1.
    - batch_size_per_image, positive_fraction, fg_threshold, generator: as above.

    Returns a dict of lists over the N images, the positives of each image first:
    - "boxes": (R_i, 4) the sampled regions;
    - "labels": int64 (R_i,): 1 + the class of the matched box for a positive, 0 for
      background;
    - "box_targets": (R_i, 4): encode_boxes(matched box, region) times BOX_WEIGHTS for a
      positive, 0 for background;
    - "matched": int64 (R_i,): the index of the matched box for a positive, -1 for
      background.
    """
    out = {"boxes": [], "labels": [], "box_targets": [], "matched": []}
    # BEGIN SOLUTION
    for regions, boxes, labels in zip(proposals, gt_boxes, gt_labels):
        boxes = boxes.to(regions)
        regions = torch.cat([regions, boxes])
        matches = match_anchors(regions, boxes, fg_threshold, fg_threshold)
        positive, negative = sample_balanced(matches, batch_size_per_image, positive_fraction, generator)
        chosen = torch.cat([positive, negative])
        matched = torch.cat([matches[positive], torch.full_like(negative, -1)])
        classes = torch.zeros_like(matched)
        classes[:positive.numel()] = labels.to(matched.device)[matches[positive]] + 1
        targets = regions.new_zeros(chosen.numel(), 4)
        targets[:positive.numel()] = (encode_boxes(boxes[matches[positive]], regions[positive])
                                      * regions.new_tensor(BOX_WEIGHTS))
        for key, value in zip(out, (regions[chosen], classes, targets, matched)):
            out[key].append(value)
    # END SOLUTION
    return out


class BoxHead(nn.Module):
    """Fast R-CNN's head on pooled regions: class scores and class-specific box deltas.

    Layers (attributes):

        fc6:        Linear(in_channels * pool_size**2 -> hidden), ReLU;
        fc7:        Linear(hidden -> hidden), ReLU;
        class_head: Linear(hidden -> num_classes + 1), scores of background (0) and the
                    classes 1..num_classes;
        box_head:   Linear(hidden -> 4 * (num_classes + 1)), deltas per class (the
                    background's are never trained).

    forward(pooled) maps RoI features (R, C, pool_size, pool_size) to
    - class_logits: (R, num_classes + 1), and
    - box_deltas: (R, num_classes + 1, 4), the deltas (times BOX_WEIGHTS) of each class.
    """

    def __init__(self, in_channels, pool_size, num_classes, hidden=128):
        super().__init__()
        self.num_classes = int(num_classes)
        self.fc6 = nn.Linear(in_channels * pool_size * pool_size, hidden)
        self.fc7 = nn.Linear(hidden, hidden)
        self.class_head = nn.Linear(hidden, self.num_classes + 1)
        self.box_head = nn.Linear(hidden, 4 * (self.num_classes + 1))
        nn.init.normal_(self.class_head.weight, std=0.01)
        nn.init.normal_(self.box_head.weight, std=0.001)
        nn.init.zeros_(self.class_head.bias)
        nn.init.zeros_(self.box_head.bias)

    def forward(self, pooled):
        hidden = F.relu(self.fc7(F.relu(self.fc6(pooled.flatten(1)))))
        return self.class_head(hidden), self.box_head(hidden).reshape(-1, self.num_classes + 1, 4)


def box_head_loss(class_logits, box_deltas, labels, box_targets):
    """The second stage's two losses (as torchvision's fastrcnn_loss).

        classifier_loss = softmax cross-entropy over the sampled regions, averaged;
        box_loss        = smooth L1 (beta = 1/9, summed over the 4 deltas) between the
                          deltas of each positive region's true class and its targets,
                          summed, divided by the number of sampled regions.

    Inputs:
    - class_logits: tensor (R, C + 1); box_deltas: tensor (R, C + 1, 4).
    - labels: int64 tensor (R,), 0 for background, 1..C for a class.
    - box_targets: tensor (R, 4) (rows of the background regions are not used).

    Returns (classifier_loss, box_loss): scalar tensors.
    """
    classifier_loss = box_loss = None
    # BEGIN SOLUTION
    classifier_loss = F.cross_entropy(class_logits, labels)
    positive = torch.nonzero(labels > 0).flatten()
    predicted = box_deltas[positive, labels[positive]]                      # (P, 4)
    box_loss = F.smooth_l1_loss(predicted, box_targets[positive], beta=1.0 / 9, reduction="sum")
    box_loss = box_loss / max(labels.shape[0], 1)
    # END SOLUTION
    return classifier_loss, box_loss


class FasterRCNN(nn.Module):
    """A small Faster R-CNN: a backbone, a region proposal network, RoI Align and a box
    head.

    - backbone (conv_backbone): images (N, in_channels, H, W), H and W multiples of 4,
      -> features (N, 4 * width, H / 4, W / 4), one cell per 4x4 pixels (stride 4);
    - rpn (RPNHead) on the features, with A = len(anchor_sizes) * len(aspect_ratios)
      anchors per cell (generate_anchors), trained on rpn_targets with rpn_loss;
    - proposals (rpn_proposals), pooled by roi_align to (4 * width, pool_size, pool_size)
      (aligned, sampling_ratio 2, spatial_scale 1/4);
    - box_head (BoxHead): classes 0 (background), 1..num_classes and their box deltas.

    losses(images, gt_boxes, gt_labels, generator) returns the four losses of training;
    predict(images, ...) the detections; forward does the one or the other.
    """

    def __init__(self, num_classes=10, in_channels=1, width=16, anchor_sizes=(12, 20, 28),
                 aspect_ratios=(1.0, 2.0), pool_size=7, hidden=128,
                 rpn_batch_size=128, rpn_positive_fraction=0.5, rpn_thresholds=(0.7, 0.3),
                 rpn_nms_threshold=0.7, train_proposals=(300, 100), test_proposals=(150, 50),
                 roi_batch_size=32, roi_positive_fraction=0.25, fg_threshold=0.5):
        super().__init__()
        self.num_classes, self.stride, self.pool_size = int(num_classes), 4, int(pool_size)
        self.anchor_sizes = tuple(float(s) for s in anchor_sizes)
        self.aspect_ratios = tuple(float(r) for r in aspect_ratios)
        self.num_anchors = len(self.anchor_sizes) * len(self.aspect_ratios)
        self.rpn_batch_size, self.rpn_positive_fraction = int(rpn_batch_size), float(rpn_positive_fraction)
        self.rpn_thresholds, self.rpn_nms_threshold = tuple(rpn_thresholds), float(rpn_nms_threshold)
        self.train_proposals, self.test_proposals = tuple(train_proposals), tuple(test_proposals)
        self.roi_batch_size, self.roi_positive_fraction = int(roi_batch_size), float(roi_positive_fraction)
        self.fg_threshold = float(fg_threshold)
        self.channels = 4 * int(width)
        self.backbone = conv_backbone(in_channels, int(width))
        self.rpn = RPNHead(self.channels, self.num_anchors)
        self.box_head = BoxHead(self.channels, self.pool_size, self.num_classes, hidden)

    def anchors(self, image_size, dtype=torch.float32, device=None):
        """The anchors (H/4 * W/4 * A, 4) of images of image_size (H, W), in the RPN's order."""
        cells = (int(image_size[0]) // self.stride, int(image_size[1]) // self.stride)
        return generate_anchors(cells, self.stride, self.anchor_sizes, self.aspect_ratios, dtype=dtype,
                                device=device)

    def pool(self, features, boxes, output_size=None):
        """RoI Align of the regions `boxes` (a list of N tensors (R_i, 4), image pixels) on
        the features: (sum R_i, C, output_size, output_size)."""
        return roi_align(features, boxes, output_size or self.pool_size, 1.0 / self.stride, 2, True)

    def _proposals(self, images):
        """features, the RPN's outputs, the anchors and the proposals of a batch."""
        features = self.backbone(images)
        objectness, deltas = self.rpn(features)
        anchors = self.anchors(images.shape[-2:], dtype=deltas.dtype, device=deltas.device)
        pre, post = self.train_proposals if self.training else self.test_proposals
        proposals, _ = rpn_proposals(objectness.detach(), deltas.detach(), anchors, images.shape[-2:],
                                     pre, post, self.rpn_nms_threshold)
        return features, objectness, deltas, anchors, proposals

    def _box_losses(self, images, gt_boxes, gt_labels, generator=None):
        """The four losses, and the features and sampled regions (for a mask branch)."""
        features, objectness, deltas, anchors, proposals = self._proposals(images)
        labels, box_targets = rpn_targets(anchors, gt_boxes, self.rpn_batch_size, self.rpn_positive_fraction,
                                          *self.rpn_thresholds, generator=generator)
        rpn_objectness, rpn_box = rpn_loss(objectness, deltas, labels, box_targets)
        regions = roi_targets(proposals, gt_boxes, gt_labels, self.roi_batch_size, self.roi_positive_fraction,
                              self.fg_threshold, generator)
        class_logits, box_deltas = self.box_head(self.pool(features, regions["boxes"]))
        classifier, box_reg = box_head_loss(class_logits, box_deltas, torch.cat(regions["labels"]),
                                            torch.cat(regions["box_targets"]))
        losses = {"rpn_objectness": rpn_objectness, "rpn_box": rpn_box, "classifier": classifier,
                  "box_reg": box_reg}
        losses["loss"] = sum(losses.values())
        return losses, features, regions

    def losses(self, images, gt_boxes, gt_labels, generator=None):
        """The training losses of a minibatch.

        Inputs:
        - images: tensor (N, in_channels, H, W).
        - gt_boxes: list of N tensors (G_i, 4); gt_labels: list of N int64 tensors (G_i,),
          classes 0..num_classes-1.
        - generator: a torch.Generator for the sampling of anchors and regions, or None.

        Returns a dict of scalar tensors: "rpn_objectness", "rpn_box", "classifier",
        "box_reg" and their sum "loss".
        """
        return self._box_losses(images, gt_boxes, gt_labels, generator)[0]

    def _detect(self, images, score_threshold, iou_threshold, max_detections):
        """Detections per image, and the features (for a mask branch)."""
        features, _, _, _, proposals = self._proposals(images)
        class_logits, box_deltas = self.box_head(self.pool(features, proposals))
        probabilities = F.softmax(class_logits, dim=1)[:, 1:]                        # (R, C)
        regions = torch.cat(proposals)
        deltas = box_deltas[:, 1:] / box_deltas.new_tensor(BOX_WEIGHTS)              # (R, C, 4)
        boxes = _decode_clipped(deltas.reshape(-1, 4), regions.repeat_interleave(self.num_classes, dim=0),
                                images.shape[-2:]).reshape(-1, self.num_classes, 4)
        results, start = [], 0
        for count in (len(p) for p in proposals):
            scores, candidates = probabilities[start:start + count], boxes[start:start + count]
            start += count
            region, label = torch.nonzero(scores > score_threshold, as_tuple=True)
            found, score = candidates[region, label], scores[region, label]
            large = _sides_at_least(found, 1e-2)
            found, score, label = found[large], score[large], label[large]
            keep = batched_nms(found, score, label, iou_threshold)[:max_detections]
            results.append({"boxes": found[keep], "scores": score[keep], "labels": label[keep]})
        return results, features

    @torch.no_grad()
    def predict(self, images, score_threshold=0.05, iou_threshold=0.5, max_detections=20):
        """Detections on images (N, in_channels, H, W): a list of N dicts with "boxes"
        (K, 4), "scores" (K,) and "labels" (K,) (classes 0..num_classes-1), at most
        max_detections per image, in decreasing score.

        Each proposal gives one box per class, decoded from that class's deltas and
        clipped to the image, scored by the class's softmax probability; those scoring
        above score_threshold go through per-class NMS (batched_nms) at iou_threshold."""
        was_training = self.training
        self.eval()
        results, _ = self._detect(images, score_threshold, iou_threshold, max_detections)
        self.train(was_training)
        return results

    def forward(self, images, gt_boxes=None, gt_labels=None, generator=None):
        """losses(images, gt_boxes, gt_labels, generator) when boxes are given, else
        predict(images)."""
        if gt_boxes is None:
            return self.predict(images)
        return self.losses(images, gt_boxes, gt_labels, generator)


# --------------------------------------------------------------------------------------
# Mask R-CNN's mask branch
# --------------------------------------------------------------------------------------

class MaskHead(nn.Module):
    """Mask R-CNN's mask branch: a small mask per region and per class.

    Layers (attributes), on RoI features (R, in_channels, P, P):

        conv1:   3x3 convolution, padding 1, in_channels -> hidden, ReLU;
        conv2:   3x3 convolution, padding 1, hidden -> hidden, ReLU;
        upsample: 2x2 transposed convolution of stride 2, hidden -> hidden, ReLU;
        logits:  1x1 convolution hidden -> num_classes.

    forward(pooled) returns mask logits (R, num_classes, 2P, 2P): one mask per class (no
    background), each cell the logit that the region's pixel there belongs to the object.
    """

    def __init__(self, in_channels, num_classes, hidden=32):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, hidden, 3, padding=1)
        self.conv2 = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.upsample = nn.ConvTranspose2d(hidden, hidden, 2, stride=2)
        self.logits = nn.Conv2d(hidden, int(num_classes), 1)

    def forward(self, pooled):
        hidden = F.relu(self.conv2(F.relu(self.conv1(pooled))))
        return self.logits(F.relu(self.upsample(hidden)))


def mask_targets(gt_masks, matched, boxes, size):
    """Each region's target mask: its matched object's mask, seen through the region and
    resampled to size x size (RoI Align of the mask, aligned, then >= 0.5).

    Inputs:
    - gt_masks: tensor (G, H, W) of one image's instance masks (bool or 0/1).
    - matched: int64 tensor (R,), the object of each region (0..G-1).
    - boxes: tensor (R, 4), the regions (image pixels).
    - size: the side M of the target masks.

    Returns:
    - targets: float tensor (R, M, M) of 0 and 1 (boxes' dtype).
    """
    if matched.numel() == 0:
        return boxes.new_zeros(0, size, size)
    rois = torch.cat([matched[:, None].to(boxes), boxes], dim=1)       # "batch" index: the object
    sampled = roi_align(gt_masks[:, None].to(boxes), rois, size, 1.0, 2, True)[:, 0]
    return (sampled >= 0.5).to(boxes.dtype)


def mask_loss(mask_logits, labels, targets):
    """Mask R-CNN's mask loss: per-pixel binary cross-entropy of each region's mask of
    its true class only (the other classes' masks do not compete), averaged over the
    pixels and the regions.

    Inputs:
    - mask_logits: tensor (R, C, M, M); labels: int64 tensor (R,) of classes 0..C-1;
    - targets: tensor (R, M, M) of 0 and 1.

    Returns a scalar tensor (0, with the graph kept, when R is 0).
    """
    if labels.numel() == 0:
        return mask_logits.sum() * 0.0
    loss = None
    # BEGIN SOLUTION
    chosen = mask_logits[torch.arange(labels.numel(), device=labels.device), labels]
    loss = F.binary_cross_entropy_with_logits(chosen, targets)
    # END SOLUTION
    return loss


def paste_masks(masks, boxes, image_size):
    """Masks of regions pasted back into the image: each pixel inside a box reads the
    box's mask by bilinear interpolation at the pixel's centre (the mask stretched over
    the box, corner to corner); pixels outside read 0.

    Inputs:
    - masks: tensor (D, M, M), e.g. probabilities.
    - boxes: tensor (D, 4), the boxes they belong to (image pixels).
    - image_size: (H, W).

    Returns:
    - pasted: tensor (D, H, W) of the masks' dtype.
    """
    height, width = (int(v) for v in image_size)
    if masks.shape[0] == 0:
        return masks.new_zeros(0, height, width)
    pasted = None
    # TODO: each pixel's centre in the box's own coordinates, the mask read there with
    # F.grid_sample; 0 outside the box.
    # BEGIN SOLUTION
    centres_x = torch.arange(width, dtype=masks.dtype, device=masks.device) + 0.5
    centres_y = torch.arange(height, dtype=masks.dtype, device=masks.device) + 0.5
    boxes = boxes.to(masks.dtype)
    # grid_sample's -1 and 1 are the outer edges of the mask (align_corners=False): the box's.
    span_x = (boxes[:, 2] - boxes[:, 0]).clamp(min=1e-6)[:, None]
    span_y = (boxes[:, 3] - boxes[:, 1]).clamp(min=1e-6)[:, None]
    grid_x = 2 * (centres_x[None, :] - boxes[:, 0:1]) / span_x - 1                 # (D, W)
    grid_y = 2 * (centres_y[None, :] - boxes[:, 1:2]) / span_y - 1                 # (D, H)
    grid = torch.stack([grid_x[:, None, :].expand(-1, height, -1),
                        grid_y[:, :, None].expand(-1, -1, width)], dim=-1)         # (D, H, W, 2)
    sampled = F.grid_sample(masks[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    inside = (grid.abs() <= 1).all(dim=-1)
    pasted = torch.where(inside, sampled[:, 0], torch.zeros_like(sampled[:, 0]))
    # END SOLUTION
    return pasted


class MaskRCNN(FasterRCNN):
    """FasterRCNN with Mask R-CNN's mask branch (MaskHead) on RoI Align features of
    mask_pool_size (masks of 2 * mask_pool_size).

    losses(images, gt_boxes, gt_labels, gt_masks, generator) adds "mask" (mask_loss on
    the positive regions of the box head's sample, against mask_targets); predict adds
    "masks" (K, H, W) to each image's detections: the mask of each detection's class,
    pasted into the image (probabilities; threshold at 0.5 for a binary mask).
    """

    def __init__(self, num_classes=10, in_channels=1, width=16, mask_pool_size=7, mask_hidden=32, **kwargs):
        super().__init__(num_classes, in_channels, width, **kwargs)
        self.mask_pool_size = int(mask_pool_size)
        self.mask_head = MaskHead(self.channels, self.num_classes, mask_hidden)

    def losses(self, images, gt_boxes, gt_labels, gt_masks=None, generator=None):
        """As FasterRCNN.losses, with gt_masks: a list of N tensors (G_i, H, W), the
        instance masks of each image's boxes; adds "mask" to the dict and the sum."""
        losses, features, regions = self._box_losses(images, gt_boxes, gt_labels, generator)
        boxes, labels, targets = [], [], []
        for masks, region_boxes, classes, matched in zip(gt_masks, regions["boxes"], regions["labels"],
                                                         regions["matched"]):
            positive = classes > 0
            boxes.append(region_boxes[positive])
            labels.append(classes[positive] - 1)
            targets.append(mask_targets(masks, matched[positive], region_boxes[positive],
                                        2 * self.mask_pool_size))
        mask_logits = self.mask_head(self.pool(features, boxes, self.mask_pool_size))
        losses["mask"] = mask_loss(mask_logits, torch.cat(labels), torch.cat(targets))
        losses["loss"] = losses["loss"] + losses["mask"]
        return losses

    @torch.no_grad()
    def predict(self, images, score_threshold=0.05, iou_threshold=0.5, max_detections=20):
        """FasterRCNN.predict's detections, each image's dict with "masks" (K, H, W) too:
        the sigmoid of the mask of each detection's class, pasted into its box."""
        was_training = self.training
        self.eval()
        results, features = self._detect(images, score_threshold, iou_threshold, max_detections)
        mask_logits = self.mask_head(self.pool(features, [r["boxes"] for r in results], self.mask_pool_size))
        labels = torch.cat([r["labels"] for r in results])
        probabilities = torch.sigmoid(mask_logits[torch.arange(labels.numel(), device=labels.device), labels])
        start = 0
        for result in results:
            count = result["boxes"].shape[0]
            result["masks"] = paste_masks(probabilities[start:start + count], result["boxes"], images.shape[-2:])
            start += count
        self.train(was_training)
        return results

    def forward(self, images, gt_boxes=None, gt_labels=None, gt_masks=None, generator=None):
        if gt_boxes is None:
            return self.predict(images)
        return self.losses(images, gt_boxes, gt_labels, gt_masks, generator)


# --------------------------------------------------------------------------------------
# Mask average precision
# --------------------------------------------------------------------------------------

def _mask_iou(masks1, masks2):
    """IoU of every pair of binary masks (D, H, W) x (G, H, W): (D, G) float64."""
    a = torch.as_tensor(np.asarray(masks1)).reshape(len(masks1), -1).double()
    b = torch.as_tensor(np.asarray(masks2)).reshape(len(masks2), -1).double()
    intersection = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - intersection
    return (intersection / union.clamp(min=1)).numpy()        # an empty union has no intersection: 0


def _stand_in_boxes(pred_masks, pred_labels, gt_masks, gt_labels, iou_threshold):
    """One image's masks replaced by boxes on which box mAP decides as mask AP does.

    Object k stands as the unit box (3k, 0, 3k + 1, 1), apart from every other object's;
    a detection stands as the box of the object of its class that its mask overlaps
    most (the first one on ties) when that mask IoU reaches iou_threshold, and as a box
    apart from every object otherwise. Each stand-in IoU is then 1 with that object and 0
    with the others, so the matching of mean_average_precision makes the same true and
    false positives as the masks would.

    Inputs: pred_masks (D, H, W) and gt_masks (G, H, W) bool arrays, pred_labels (D,)
    and gt_labels (G,) integer arrays, iou_threshold a float.

    Returns (pred_boxes (D, 4), gt_boxes (G, 4)), float64 arrays.
    """
    gt_boxes = np.array([[3.0 * k, 0.0, 3.0 * k + 1, 1.0] for k in range(len(gt_labels))]).reshape(-1, 4)
    pred_boxes = np.tile([-3.0, -3.0, -2.0, -2.0], (len(pred_labels), 1))
    if len(pred_labels) and len(gt_labels):
        overlaps = _mask_iou(pred_masks, gt_masks)                                   # (D, G)
        for j, label in enumerate(pred_labels):
            same = np.flatnonzero(gt_labels == label)
            if same.size:
                best = same[overlaps[j, same].argmax()]
                if overlaps[j, best] >= iou_threshold:
                    pred_boxes[j] = gt_boxes[best]
    return pred_boxes, gt_boxes


def mask_average_precision(pred_masks, pred_scores, pred_labels, gt_masks, gt_labels, num_classes,
                           iou_threshold=0.5):
    """Mask AP (COCO's "segm" AP at one IoU; VOC's all-point AP): mean_average_precision
    of cs231n_core.detection with the IoU of masks in place of the IoU of boxes.

    For each class, its detections of all the images in decreasing score (ties by image,
    then index); each is a true positive when its mask overlaps the not yet found object
    of its class in its image that it overlaps most by an IoU (pixels in both / pixels in
    either) of at least iou_threshold, else a false positive; AP is the area under the
    monotone precision-recall curve; the mean is over the classes that have objects.
    The matching and the AP are mean_average_precision's own, run on stand-in boxes
    (_stand_in_boxes) that carry the masks' overlaps.

    Inputs (lists over the same N images; arrays or tensors):
    - pred_masks: N arrays (D_i, H, W) of bools (binary masks); pred_scores: N arrays
      (D_i,); pred_labels: N integer arrays (D_i,).
    - gt_masks: N arrays (G_i, H, W) of bools; gt_labels: N integer arrays (G_i,).
    - num_classes: C; iou_threshold: float.

    Returns (mAP, ap): the mean (float) and each class's AP (float64 (C,), NaN for a
    class without objects).
    """
    def numpy(values):
        return np.asarray(values.detach().cpu() if torch.is_tensor(values) else values)

    pred_boxes, gt_boxes = [], []
    for masks, labels, objects, classes in zip(pred_masks, pred_labels, gt_masks, gt_labels):
        stand_ins = _stand_in_boxes(numpy(masks), numpy(labels).reshape(-1), numpy(objects),
                                    numpy(classes).reshape(-1), iou_threshold)
        pred_boxes.append(stand_ins[0])
        gt_boxes.append(stand_ins[1])
    return mean_average_precision(pred_boxes, [numpy(s).reshape(-1) for s in pred_scores],
                                  [numpy(c).reshape(-1) for c in pred_labels], gt_boxes,
                                  [numpy(c).reshape(-1) for c in gt_labels], num_classes, iou_threshold)


# --------------------------------------------------------------------------------------
# Training and prediction on digit scenes
# --------------------------------------------------------------------------------------

def scene_instance_masks(scenes):
    """Each scene's instance masks: a list of N bool arrays (G_i, S, S), mask k the pixels
    of digit k (scenes["instances"] == k + 1), in the order of scenes["boxes"][i]."""
    return [np.stack([instances == k + 1 for k in range(len(boxes))]) if len(boxes)
            else np.zeros((0,) + instances.shape, dtype=bool)
            for instances, boxes in zip(np.asarray(scenes["instances"]), scenes["boxes"])]


def train_two_stage(model, scenes, epochs=10, batch_size=16, learning_rate=1e-3, weight_decay=0.0,
                    device=None, seed=0, progress=True):
    """Train `model` (a FasterRCNN or a MaskRCNN) with Adam on digit scenes
    (make_digit_scenes: "images" (N, C, S, S), "boxes", "labels", and "instances" for a
    MaskRCNN). The minibatches and the sampling of anchors and regions draw from
    generators of their own, seeded with `seed`.

    Returns the history {name: [one float per iteration]} of "loss" and of each loss
    (rpn_objectness, rpn_box, classifier, box_reg, and mask for a MaskRCNN)."""
    device = torch.device("cpu") if device is None else torch.device(device)
    model.to(device)
    images = torch.as_tensor(np.asarray(scenes["images"]), dtype=torch.float32, device=device)
    boxes = [torch.as_tensor(np.asarray(b), dtype=torch.float32, device=device).reshape(-1, 4)
             for b in scenes["boxes"]]
    labels = [torch.as_tensor(np.asarray(c), dtype=torch.long, device=device).reshape(-1)
              for c in scenes["labels"]]
    with_masks = isinstance(model, MaskRCNN)
    masks = ([torch.as_tensor(m, device=device) for m in scene_instance_masks(scenes)]
             if with_masks else None)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    batches = torch.Generator().manual_seed(int(seed))
    sampling = torch.Generator().manual_seed(int(seed) + 1)
    names = ("loss", "rpn_objectness", "rpn_box", "classifier", "box_reg") + (("mask",) if with_masks else ())

    def batch_losses(batch):
        picked = ([boxes[k] for k in batch], [labels[k] for k in batch])
        if with_masks:
            return model.losses(images[batch], *picked, [masks[k] for k in batch], generator=sampling)
        return model.losses(images[batch], *picked, generator=sampling)

    model.train()
    return fit_minibatches(optimizer, epochs, lambda: shuffled_batches(images.shape[0], batch_size, batches),
                           batch_losses, names=names, progress=progress)


def predict_instances(model, images, batch_size=64, device=None, mask_threshold=0.5, **kwargs):
    """model.predict over images (N, C, S, S) in minibatches: a dict of lists over the
    images, "boxes", "scores", "labels" (arrays per image, ready for
    mean_average_precision), "masks" (bool arrays (D_i, S, S), probabilities >=
    mask_threshold) when the model predicts masks, and "seconds", the time spent."""
    device = torch.device("cpu") if device is None else torch.device(device)
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    out = {"boxes": [], "scores": [], "labels": []}
    start = time.perf_counter()
    for first in range(0, images.shape[0], batch_size):
        for detections in model.predict(images[first:first + batch_size].to(device), **kwargs):
            if "masks" in detections:
                out.setdefault("masks", []).append((detections["masks"] >= mask_threshold).cpu().numpy())
            for key in ("boxes", "scores", "labels"):
                out[key].append(detections[key].cpu().numpy())
    out["seconds"] = time.perf_counter() - start
    return out
