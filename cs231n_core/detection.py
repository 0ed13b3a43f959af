"""Object detection in PyTorch (assignment 3): boxes, anchors, a single-stage detector.

The pieces of a modern detector, as in CS231n's lecture on detection and EECS 498's
detection assignment:

* ``box_iou``: the intersection over union of every pair of two sets of boxes;
* ``nms`` and ``batched_nms``: greedy non-maximum suppression, over all boxes or within
  each class;
* ``generate_anchors``: boxes of several sizes and shapes centred on every cell of a
  feature map;
* ``encode_boxes`` / ``decode_boxes``: Faster R-CNN's box deltas, a box described
  relative to an anchor, and back;
* ``match_anchors``: which anchor learns which ground-truth box (positive), which learns
  background (negative), which is ignored;
* ``DigitDetector`` and ``detection_loss``: a small single-stage, anchor-based detector
  (in the spirit of SSD and YOLO) and its loss;
* ``mean_average_precision``: PASCAL VOC's metric, mAP at IoU 0.5.

Boxes are tensors of shape (N, 4) holding ``(x1, y1, x2, y2)`` in pixels, x to the right
and y down, with x1 <= x2 and y1 <= y2; a box's width is ``x2 - x1`` and its area
``(x2 - x1) * (y2 - y1)`` (see cs231n_core.detection_data for how pixels map to boxes).
Every function works on the device and in the floating dtype of its inputs.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .training import fit_minibatches, shuffled_batches

__all__ = [
    "box_iou", "nms", "batched_nms", "generate_anchors", "encode_boxes", "decode_boxes",
    "match_anchors", "DigitDetector", "detection_loss", "mean_average_precision",
    "train_detector", "predict_scenes", "DELTA_CLIP",
]

# decode_boxes is never asked to grow a box more than e^DELTA_CLIP = 62.5 times (the clip
# of torchvision's detectors): an untrained detector's deltas must not overflow exp().
DELTA_CLIP = math.log(1000.0 / 16)


def _check_boxes(boxes, what):
    if not torch.is_tensor(boxes):
        raise TypeError("%s must be a torch tensor, got %s" % (what, type(boxes).__name__))
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise ValueError("%s must have shape (N, 4), got %s" % (what, tuple(boxes.shape)))


# --------------------------------------------------------------------------------------
# Boxes
# --------------------------------------------------------------------------------------

def box_iou(boxes1, boxes2):
    """Intersection over union of every pair of boxes, without loops.

    Inputs:
    - boxes1: tensor of shape (N, 4), boxes (x1, y1, x2, y2).
    - boxes2: tensor of shape (M, 4), boxes (x1, y1, x2, y2).

    Returns:
    - iou: tensor of shape (N, M), iou[i, j] = area(boxes1[i] & boxes2[j]) /
      area(boxes1[i] | boxes2[j]), in [0, 1]; 0 where the union is empty (two boxes
      of zero area). The dtype and device of the inputs.

    The intersection of two boxes is the box (max x1, max y1, min x2, min y2), empty
    when its width or height is negative (clamp them at 0). The union's area is
    area1 + area2 - intersection.
    """
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    iou = None
    # TODO: broadcast (N, 1, 2) against (1, M, 2) corners to get every intersection.
    # BEGIN SOLUTION
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])     # (N,)
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])     # (M,)
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])        # (N, M, 2)
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])    # (N, M, 2)
    sides = (bottom_right - top_left).clamp(min=0)
    intersection = sides[..., 0] * sides[..., 1]                              # (N, M)
    union = area1[:, None] + area2[None, :] - intersection
    iou = torch.where(union > 0, intersection / union.clamp(min=torch.finfo(union.dtype).tiny),
                      torch.zeros_like(union))
    # END SOLUTION
    return iou


def nms(boxes, scores, iou_threshold=0.5):
    """Greedy non-maximum suppression over all boxes (whatever their class).

    Repeatedly keep the box of highest score among those left, then drop every box
    left whose IoU with it is greater than iou_threshold (a box whose IoU equals the
    threshold survives). Boxes of equal score are taken in the order of their
    indices (the lower index first).

    Inputs:
    - boxes: tensor of shape (N, 4), boxes (x1, y1, x2, y2).
    - scores: tensor of shape (N,), the score of each box.
    - iou_threshold: float, the IoU above which a box is suppressed.

    Returns:
    - keep: int64 tensor of shape (K,), the indices of the kept boxes in the order
      they were kept (decreasing score; equal scores by increasing index).

    Hint: torch.sort(scores, descending=True, stable=True) orders the boxes with ties
    by index; one call of box_iou per kept box, against the boxes still left, removes
    the need for an inner loop.
    """
    _check_boxes(boxes, "boxes")
    if scores.shape != boxes.shape[:1]:
        raise ValueError("scores must have shape (%d,), got %s" % (boxes.shape[0], tuple(scores.shape)))
    keep = None
    # TODO: the greedy loop; store the kept indices, in order, in keep.
    # BEGIN SOLUTION
    order = torch.sort(scores, descending=True, stable=True).indices
    kept = []
    while order.numel() > 0:
        best = order[0]
        kept.append(best)
        rest = order[1:]
        overlaps = box_iou(boxes[best].unsqueeze(0), boxes[rest])[0]
        order = rest[overlaps <= iou_threshold]
    keep = torch.stack(kept) if kept else torch.zeros(0, dtype=torch.long, device=boxes.device)
    # END SOLUTION
    return keep


def batched_nms(boxes, scores, class_ids, iou_threshold=0.5):
    """Non-maximum suppression within each class: a box only suppresses boxes of its
    own class.

    Inputs:
    - boxes: tensor of shape (N, 4); scores: tensor of shape (N,).
    - class_ids: integer tensor of shape (N,), the class of each box.
    - iou_threshold: float, as in nms.

    Returns:
    - keep: int64 tensor of shape (K,): the indices that nms keeps within each class,
      all together, in decreasing score (equal scores by increasing index).

    Hint: either run nms on each class and merge, or shift each class's boxes by its own
    offset so that boxes of different classes never overlap, and run nms once.
    """
    _check_boxes(boxes, "boxes")
    if class_ids.shape != boxes.shape[:1]:
        raise ValueError("class_ids must have shape (%d,), got %s"
                         % (boxes.shape[0], tuple(class_ids.shape)))
    keep = None
    # BEGIN SOLUTION
    kept = [torch.zeros(0, dtype=torch.long, device=boxes.device)]
    for label in torch.unique(class_ids):
        members = torch.nonzero(class_ids == label).flatten()
        kept.append(members[nms(boxes[members], scores[members], iou_threshold)])
    keep = torch.sort(torch.cat(kept)).values                 # by index, then
    keep = keep[torch.sort(scores[keep], descending=True, stable=True).indices]  # by score
    # END SOLUTION
    return keep


# --------------------------------------------------------------------------------------
# Anchors and box deltas
# --------------------------------------------------------------------------------------

def generate_anchors(feature_shape, stride, sizes, aspect_ratios=(1.0,), dtype=torch.float32,
                     device=None):
    """Anchor boxes centred on every cell of a feature map.

    Cell (row y, column x) of a feature map of shape (H, W) sees the image around
    the point ((x + 0.5) * stride, (y + 0.5) * stride). It gets A = len(sizes) *
    len(aspect_ratios) anchors centred there: for each size s (outer loop) and each
    aspect ratio r = height / width (inner loop), the box of width s / sqrt(r) and
    height s * sqrt(r) (area s * s).

    Inputs:
    - feature_shape: (H, W), the height and width of the feature map.
    - stride: the feature map's stride in pixels (image size / feature size).
    - sizes: sequence of anchor sizes in pixels (the square root of their area).
    - aspect_ratios: sequence of ratios height / width.
    - dtype, device: of the returned tensor.

    Returns:
    - anchors: tensor of shape (H * W * A, 4), boxes (x1, y1, x2, y2), ordered as
      (H, W, A) flattened: all anchors of cell (0, 0), then of cell (0, 1), and so on
      along the row. Row y * W * A + x * A + a is anchor a of cell (y, x).
    """
    height, width = (int(v) for v in feature_shape)
    anchors = None
    # TODO: the A anchor shapes (width, height) first, then broadcast them against the
    # cells' centres.
    # BEGIN SOLUTION
    shapes = torch.tensor([(s / math.sqrt(r), s * math.sqrt(r)) for s in sizes for r in aspect_ratios],
                          dtype=torch.float64)                                  # (A, 2): w, h
    ys = (torch.arange(height, dtype=torch.float64) + 0.5) * stride
    xs = (torch.arange(width, dtype=torch.float64) + 0.5) * stride
    cy, cx = torch.meshgrid(ys, xs, indexing="ij")                              # (H, W)
    centres = torch.stack([cx, cy], dim=-1)[:, :, None, :]                      # (H, W, 1, 2)
    half = shapes[None, None, :, :] / 2                                         # (1, 1, A, 2)
    anchors = torch.cat([centres - half, centres + half], dim=-1).reshape(-1, 4)
    anchors = anchors.to(dtype=dtype, device=device)
    # END SOLUTION
    return anchors


def encode_boxes(boxes, anchors):
    """Describe each box relative to its anchor by Faster R-CNN's deltas.

    With centres (x, y), widths w and heights h of a box (no subscript) and its
    anchor (subscript a):

        tx = (x - x_a) / w_a,   ty = (y - y_a) / h_a,
        tw = log(w / w_a),      th = log(h / h_a).

    Inputs:
    - boxes: tensor of shape (N, 4), boxes (x1, y1, x2, y2) of positive size.
    - anchors: tensor of shape (N, 4), the anchor of each box (same order).

    Returns:
    - deltas: tensor of shape (N, 4), rows (tx, ty, tw, th).
    """
    _check_boxes(boxes, "boxes")
    _check_boxes(anchors, "anchors")
    deltas = None
    # BEGIN SOLUTION
    widths, heights = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    centre_x, centre_y = boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights
    anchor_w, anchor_h = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    anchor_x, anchor_y = anchors[:, 0] + 0.5 * anchor_w, anchors[:, 1] + 0.5 * anchor_h
    deltas = torch.stack([(centre_x - anchor_x) / anchor_w, (centre_y - anchor_y) / anchor_h,
                          torch.log(widths / anchor_w), torch.log(heights / anchor_h)], dim=1)
    # END SOLUTION
    return deltas


def decode_boxes(deltas, anchors):
    """The inverse of encode_boxes: boxes from their deltas and anchors.

        x = x_a + tx * w_a,   y = y_a + ty * h_a,   w = w_a * exp(tw),   h = h_a * exp(th),

    and the box is (x - w / 2, y - h / 2, x + w / 2, y + h / 2).

    Inputs:
    - deltas: tensor of shape (N, 4), rows (tx, ty, tw, th).
    - anchors: tensor of shape (N, 4), boxes (x1, y1, x2, y2).

    Returns:
    - boxes: tensor of shape (N, 4), boxes (x1, y1, x2, y2);
      decode_boxes(encode_boxes(b, a), a) equals b up to rounding.
    """
    _check_boxes(deltas, "deltas")
    _check_boxes(anchors, "anchors")
    boxes = None
    # BEGIN SOLUTION
    widths = anchors[:, 2] - anchors[:, 0]
    heights = anchors[:, 3] - anchors[:, 1]
    centre_x = anchors[:, 0] + 0.5 * widths + deltas[:, 0] * widths
    centre_y = anchors[:, 1] + 0.5 * heights + deltas[:, 1] * heights
    half_w = 0.5 * widths * torch.exp(deltas[:, 2])
    half_h = 0.5 * heights * torch.exp(deltas[:, 3])
    boxes = torch.stack([centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h],
                        dim=1)
    # END SOLUTION
    return boxes


def match_anchors(anchors, gt_boxes, pos_threshold=0.7, neg_threshold=0.3):
    """Assign each anchor a ground-truth box, background, or nothing (Faster R-CNN).

    Each anchor's candidate is the ground-truth box of highest IoU with it (on ties,
    the lowest index). An anchor is
    - positive (matched to its candidate) when that IoU is at least pos_threshold, or
      when the anchor has the highest IoU of all anchors with some ground-truth box
      (all the anchors that tie for it, as long as that IoU is above 0), so that every
      box gets an anchor;
    - negative (background) when it is not positive and its highest IoU is below
      neg_threshold;
    - ignored otherwise (it is neither taught an object nor background).

    Inputs:
    - anchors: tensor of shape (A, 4), boxes (x1, y1, x2, y2).
    - gt_boxes: tensor of shape (G, 4), the ground-truth boxes of one image (G may be 0:
      every anchor is then negative).
    - pos_threshold, neg_threshold: floats with neg_threshold <= pos_threshold.

    Returns:
    - matches: int64 tensor of shape (A,): the index of the matched ground-truth box for a
      positive anchor, -1 for a negative one, -2 for an ignored one.
    """
    _check_boxes(anchors, "anchors")
    _check_boxes(gt_boxes, "gt_boxes")
    matches = None
    # TODO: one call of box_iou, then its maxima over the boxes (per anchor) and over
    # the anchors (per box).
    # BEGIN SOLUTION
    matches = torch.full((anchors.shape[0],), -2, dtype=torch.long, device=anchors.device)
    if gt_boxes.shape[0] == 0:
        return matches.fill_(-1)
    iou = box_iou(anchors, gt_boxes)                        # (A, G)
    candidate = iou.argmax(dim=1)                           # (A,), first on ties
    best_iou = iou.gather(1, candidate[:, None])[:, 0]      # (A,)
    matches[best_iou < neg_threshold] = -1
    best_for_box = iou.max(dim=0).values                    # (G,)
    is_best = ((iou == best_for_box[None, :]) & (best_for_box[None, :] > 0)).any(dim=1)
    positive = (best_iou >= pos_threshold) | is_best
    matches[positive] = candidate[positive]
    # END SOLUTION
    return matches


# --------------------------------------------------------------------------------------
# A single-stage detector
# --------------------------------------------------------------------------------------

class DigitDetector(nn.Module):
    """A small single-stage, anchor-based detector (in the spirit of SSD and YOLO).

    A backbone of four 3x3 convolutions (padding 1, each followed by a ReLU), the first
    three each followed by a 2x2 max pooling of stride 2, turns an image of shape (C, H, W)
    into a feature map of shape (4 * width, H / 8, W / 8), one cell per 8x8 pixels:

        conv1: in_channels -> width,          ReLU, max pool
        conv2: width -> 2 * width,            ReLU, max pool
        conv3: 2 * width -> 4 * width,        ReLU, max pool
        conv4: 4 * width -> 4 * width,        ReLU

    Two 3x3 convolutions (padding 1, no ReLU) on that map predict, for each of the A
    anchors of each cell (generate_anchors(..., self.anchor_sizes, self.aspect_ratios)):

        class_head: 4 * width -> A * (num_classes + 1) scores: background (0) and the
                    classes 1..num_classes (digit d is class d + 1);
        box_head:   4 * width -> A * 4 box deltas (tx, ty, tw, th) from the anchor.

    Attributes: conv1 .. conv4, class_head, box_head (nn.Conv2d, with biases), and
    num_classes, anchor_sizes, aspect_ratios, stride (= 8), num_anchors (= A).

    forward(x) maps images x of shape (N, in_channels, H, W) (H and W multiples of 8) to
    - class_logits: (N, H/8 * W/8 * A, num_classes + 1), and
    - box_deltas: (N, H/8 * W/8 * A, 4),
    with row y * (W/8) * A + x * A + a for anchor a of cell (y, x), the order of
    self.anchors((H, W)). Channel a * (num_classes + 1) + k of class_head holds score k of
    anchor a (and channel a * 4 + j of box_head its delta j): reshape the head's output
    (N, A * K, H/8, W/8) to (N, A, K, H/8, W/8), then permute to (N, H/8, W/8, A, K).
    """

    def __init__(self, num_classes=10, in_channels=1, width=16, anchor_sizes=(16, 24),
                 aspect_ratios=(1.0, 2.0)):
        super().__init__()
        self.num_classes = int(num_classes)
        self.anchor_sizes = tuple(float(s) for s in anchor_sizes)
        self.aspect_ratios = tuple(float(r) for r in aspect_ratios)
        self.stride = 8
        self.num_anchors = len(self.anchor_sizes) * len(self.aspect_ratios)
        # TODO: the six layers, as attributes with the names of the docstring.
        # BEGIN SOLUTION
        self.conv1 = nn.Conv2d(in_channels, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 3, padding=1)
        self.conv3 = nn.Conv2d(2 * width, 4 * width, 3, padding=1)
        self.conv4 = nn.Conv2d(4 * width, 4 * width, 3, padding=1)
        self.class_head = nn.Conv2d(4 * width, self.num_anchors * (self.num_classes + 1), 3, padding=1)
        self.box_head = nn.Conv2d(4 * width, self.num_anchors * 4, 3, padding=1)
        # END SOLUTION

    def anchors(self, image_size, dtype=torch.float32, device=None):
        """The anchors of every cell for images of image_size, an int S (square images) or
        a pair (H, W): a tensor (H/8 * W/8 * A, 4), in the order of forward's rows."""
        height, width = (image_size, image_size) if np.ndim(image_size) == 0 else image_size
        cells = (int(height) // self.stride, int(width) // self.stride)
        return generate_anchors(cells, self.stride, self.anchor_sizes, self.aspect_ratios,
                                dtype=dtype, device=device)

    def forward(self, x):
        class_logits, box_deltas = None, None
        # TODO: the backbone, the two heads, and their outputs laid out per anchor.
        # BEGIN SOLUTION
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.max_pool2d(F.relu(self.conv3(x)), 2)
        x = F.relu(self.conv4(x))
        n, _, height, width = x.shape
        scores = self.class_head(x).reshape(n, self.num_anchors, self.num_classes + 1, height, width)
        class_logits = scores.permute(0, 3, 4, 1, 2).reshape(n, -1, self.num_classes + 1)
        deltas = self.box_head(x).reshape(n, self.num_anchors, 4, height, width)
        box_deltas = deltas.permute(0, 3, 4, 1, 2).reshape(n, -1, 4)
        # END SOLUTION
        return class_logits, box_deltas

    @torch.no_grad()
    def predict(self, images, score_threshold=0.05, iou_threshold=0.5, max_detections=20):
        """Detections on images of shape (N, C, H, W): a list of N dicts with "boxes"
        (K, 4), "scores" (K,) and "labels" (K,) (classes 0..num_classes - 1, i.e. the
        digit), at most max_detections per image, after per-class NMS.

        Every (anchor, class) pair whose softmax probability exceeds score_threshold is a
        candidate box, decoded from the anchor's deltas and clipped to the image."""
        was_training = self.training
        self.eval()
        class_logits, box_deltas = self(images)
        self.train(was_training)
        height, width = images.shape[-2:]
        anchors = self.anchors((height, width), dtype=box_deltas.dtype, device=box_deltas.device)
        limits = torch.tensor([width, height, width, height], dtype=box_deltas.dtype, device=box_deltas.device)
        probabilities = F.softmax(class_logits, dim=-1)[:, :, 1:]          # (N, anchors, classes)
        results = []
        for i in range(images.shape[0]):
            anchor_index, label = torch.nonzero(probabilities[i] > score_threshold, as_tuple=True)
            scores = probabilities[i][anchor_index, label]
            deltas = box_deltas[i][anchor_index].clone()
            deltas[:, 2:] = deltas[:, 2:].clamp(max=DELTA_CLIP)
            boxes = torch.minimum(decode_boxes(deltas, anchors[anchor_index]).clamp(min=0), limits)
            keep = batched_nms(boxes, scores, label, iou_threshold)[:max_detections]
            results.append({"boxes": boxes[keep], "scores": scores[keep], "labels": label[keep]})
        return results


def detection_loss(class_logits, box_deltas, anchors, gt_boxes, gt_labels, pos_threshold=0.5,
                   neg_threshold=0.4, box_weight=1.0):
    """The loss of a single-stage detector on a minibatch.

    For each image, match_anchors(anchors, its boxes, pos_threshold, neg_threshold)
    decides what each anchor learns:
    - a positive anchor matched to box g learns the class gt_labels[g] + 1 (0 is the
      background) and the deltas encode_boxes(box g, anchor);
    - a negative anchor learns the class 0 (background) and no deltas;
    - an ignored anchor learns nothing.

        class_loss = softmax cross-entropy, averaged over the positive and negative
                     anchors of all the images;
        box_loss   = smooth L1 (beta = 1, summed over the 4 deltas), averaged over the
                     positive anchors of all the images (0 when there are none);
        loss       = class_loss + box_weight * box_loss.

    Inputs:
    - class_logits: tensor of shape (N, A, num_classes + 1), scores per anchor.
    - box_deltas: tensor of shape (N, A, 4), predicted deltas per anchor.
    - anchors: tensor of shape (A, 4), the anchors (the same for every image).
    - gt_boxes: list of N tensors of shape (G_i, 4), each image's boxes.
    - gt_labels: list of N int64 tensors of shape (G_i,), their classes 0..num_classes-1.
    - pos_threshold, neg_threshold: for match_anchors (RetinaNet's 0.5 and 0.4 by default).
    - box_weight: the weight of the box loss.

    Returns:
    - loss: a scalar tensor (differentiable with respect to class_logits and box_deltas).
    """
    loss = None
    # TODO: gather the class targets of all the images and the delta targets of their
    # positive anchors, then the two losses (F.cross_entropy, F.smooth_l1_loss).
    # BEGIN SOLUTION
    logits, targets, predicted, wanted = [], [], [], []
    for i in range(class_logits.shape[0]):
        matches = match_anchors(anchors, gt_boxes[i], pos_threshold, neg_threshold)
        positive, negative = matches >= 0, matches == -1
        classes = torch.zeros_like(matches)
        classes[positive] = gt_labels[i][matches[positive]].long() + 1
        used = positive | negative
        logits.append(class_logits[i][used])
        targets.append(classes[used])
        predicted.append(box_deltas[i][positive])
        wanted.append(encode_boxes(gt_boxes[i][matches[positive]].to(anchors), anchors[positive]))
    class_loss = F.cross_entropy(torch.cat(logits), torch.cat(targets))
    predicted, wanted = torch.cat(predicted), torch.cat(wanted)
    if predicted.shape[0] > 0:
        box_loss = F.smooth_l1_loss(predicted, wanted, reduction="sum", beta=1.0) / predicted.shape[0]
    else:
        box_loss = box_deltas.sum() * 0.0  # keeps the graph (and the dtype)
    loss = class_loss + box_weight * box_loss
    # END SOLUTION
    return loss


# --------------------------------------------------------------------------------------
# Mean average precision (PASCAL VOC)
# --------------------------------------------------------------------------------------

def mean_average_precision(pred_boxes, pred_scores, pred_labels, gt_boxes, gt_labels, num_classes,
                           iou_threshold=0.5, gt_difficult=None):
    """PASCAL VOC's mean average precision (mAP at IoU 0.5 by default).

    For each class c, take the detections of class c of all the images in the order of
    decreasing score (on equal scores, by image, then by index within the image). Each
    detection is a true positive when its IoU with the ground-truth box of class c of its
    own image that overlaps it most is at least iou_threshold and that box was not
    detected by an earlier (higher-scoring) detection; otherwise it is a false positive.
    A detection whose best box is marked difficult counts as neither, and difficult boxes
    are not counted among the boxes to find. Then, in the order of the detections,

        precision = true positives so far / detections so far,
        recall    = true positives so far / ground-truth boxes of class c,

    and the class's AP is the area under this precision-recall curve with VOC's all-point
    interpolation (VOC 2010 on): first make precision monotone, the precision at recall r
    becoming the highest precision at any recall >= r (over the curve extended by the points
    (0, 0) and (1, 0)); then sum, over the points where recall increases, the increase of
    recall times the precision there.

    Inputs (lists over the same N images; tensors or arrays):
    - pred_boxes: N arrays (D_i, 4); pred_scores: N arrays (D_i,);
      pred_labels: N integer arrays (D_i,), classes 0..num_classes-1.
    - gt_boxes: N arrays (G_i, 4); gt_labels: N integer arrays (G_i,).
    - num_classes: number of classes C.
    - iou_threshold: the IoU a true positive needs.
    - gt_difficult: optional list of N bool arrays (G_i,).

    Returns a tuple:
    - mAP: float, the mean of the APs of the classes that have ground-truth boxes.
    - ap: float64 array (C,), each class's AP (NaN for a class without ground-truth box).
    """
    def as_tensor(values, dtype):
        return torch.as_tensor(np.asarray(values.detach().cpu() if torch.is_tensor(values) else values),
                               dtype=dtype)

    n = len(gt_boxes)
    if not len(pred_boxes) == len(pred_scores) == len(pred_labels) == len(gt_labels) == n:
        raise ValueError("the five lists must hold one entry per image (%d)" % n)
    pred_boxes = [as_tensor(b, torch.float64).reshape(-1, 4) for b in pred_boxes]
    pred_scores = [as_tensor(s, torch.float64).reshape(-1) for s in pred_scores]
    pred_labels = [as_tensor(c, torch.long).reshape(-1) for c in pred_labels]
    gt_boxes = [as_tensor(b, torch.float64).reshape(-1, 4) for b in gt_boxes]
    gt_labels = [as_tensor(c, torch.long).reshape(-1) for c in gt_labels]
    if gt_difficult is None:
        gt_difficult = [torch.zeros(len(c), dtype=torch.bool) for c in gt_labels]
    else:
        gt_difficult = [as_tensor(d, torch.bool).reshape(-1) for d in gt_difficult]
    ap, mean_ap = np.full(int(num_classes), np.nan), None
    # TODO: for each class: collect its detections of every image, sort them, mark each
    # a true or false positive (or neither), compute its AP; then the mean.
    # BEGIN SOLUTION
    for c in range(int(num_classes)):
        boxes_of = [b[labels == c] for b, labels in zip(gt_boxes, gt_labels)]
        difficult_of = [d[labels == c] for d, labels in zip(gt_difficult, gt_labels)]
        num_boxes = sum(int((~d).sum()) for d in difficult_of)
        if num_boxes == 0:
            continue
        detections = [(float(s), i, j) for i in range(n)
                      for j, s in zip(torch.nonzero(pred_labels[i] == c).flatten().tolist(),
                                      pred_scores[i][pred_labels[i] == c].tolist())]
        detections.sort(key=lambda d: -d[0])                    # stable: image, then index
        found = [torch.zeros(len(b), dtype=torch.bool) for b in boxes_of]
        hits = []                                               # 1 true, 0 false positive
        for _, i, j in detections:
            if len(boxes_of[i]) == 0:
                hits.append(0)
                continue
            overlaps = box_iou(pred_boxes[i][j:j + 1], boxes_of[i])[0]
            best = int(overlaps.argmax())
            if overlaps[best] >= iou_threshold:
                if difficult_of[i][best]:
                    continue                                    # neither hit nor miss
                hits.append(0 if found[i][best] else 1)
                found[i][best] = True
            else:
                hits.append(0)
        true_positives = np.cumsum(hits, dtype=np.float64)
        recall = np.concatenate([[0.0], true_positives / num_boxes, [1.0]])
        precision = np.concatenate([[0.0], true_positives / np.arange(1, len(hits) + 1), [0.0]])
        precision = np.maximum.accumulate(precision[::-1])[::-1]     # the monotone envelope
        steps = np.flatnonzero(recall[1:] != recall[:-1])
        ap[c] = float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))
    present = ~np.isnan(ap)
    mean_ap = float(ap[present].mean()) if present.any() else float("nan")
    # END SOLUTION
    return mean_ap, ap


# --------------------------------------------------------------------------------------
# Training and evaluation on digit scenes
# --------------------------------------------------------------------------------------

def _scene_tensors(scenes, device):
    images = torch.as_tensor(np.asarray(scenes["images"]), dtype=torch.float32, device=device)
    boxes = [torch.as_tensor(np.asarray(b), dtype=torch.float32, device=device).reshape(-1, 4)
             for b in scenes["boxes"]]
    labels = [torch.as_tensor(np.asarray(c), dtype=torch.long, device=device).reshape(-1)
              for c in scenes["labels"]]
    return images, boxes, labels


def train_detector(model, scenes, epochs=10, batch_size=32, learning_rate=1e-3, weight_decay=0.0,
                   device=None, seed=0, progress=True):
    """Train `model` (a DigitDetector) with Adam on digit scenes (make_digit_scenes).

    scenes: a dict with "images" (N, C, S, S), "boxes" (list of N arrays (G_i, 4)) and
    "labels" (list of N arrays (G_i,)). The minibatches are shuffled by a generator of
    their own, seeded with `seed`. Returns the history {"loss": [loss per iteration]}."""
    device = torch.device("cpu") if device is None else torch.device(device)
    model.to(device)
    images, boxes, labels = _scene_tensors(scenes, device)
    anchors = model.anchors(tuple(images.shape[-2:]), device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(int(seed))

    def batch_losses(batch):
        class_logits, box_deltas = model(images[batch])
        return {"loss": detection_loss(class_logits, box_deltas, anchors, [boxes[k] for k in batch],
                                       [labels[k] for k in batch])}

    model.train()
    return fit_minibatches(optimizer, epochs, lambda: shuffled_batches(images.shape[0], batch_size, generator),
                           batch_losses, progress=progress)


def predict_scenes(model, images, batch_size=64, device=None, **kwargs):
    """model.predict over images (N, C, S, S) in minibatches; returns a dict of lists
    "boxes", "scores", "labels" (arrays per image), ready for mean_average_precision."""
    device = torch.device("cpu") if device is None else torch.device(device)
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    out = {"boxes": [], "scores": [], "labels": []}
    for start in range(0, images.shape[0], batch_size):
        for detections in model.predict(images[start:start + batch_size].to(device), **kwargs):
            for key in out:
                out[key].append(detections[key].cpu().numpy())
    return out
