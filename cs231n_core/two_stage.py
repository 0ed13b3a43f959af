"""Two-stage detection in PyTorch (assignment 3): the rest of CS231n's lecture on
detection, after the single-stage detector of cs231n_core.detection.

A two-stage detector first proposes regions that may hold an object, whatever its class,
then looks at each region again to name the object and refine its box. The first stage:

* ``RPNHead``, ``rpn_targets``, ``rpn_loss``, ``rpn_proposals``: Faster R-CNN's region
  proposal network, an objectness score and box deltas for each anchor of a feature map,
  trained on a balanced sample of anchors, whose best boxes (after NMS) are the
  proposals.

Boxes are (x1, y1, x2, y2) in pixels as everywhere in the course (x2, y2 the right and
bottom edges); the boxes of a batch are lists of N tensors (G_i, 4), one per image.
Everything runs on the device and in the dtype of its inputs; the random sampling of
anchors draws from a torch.Generator (on the CPU) when one is given.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .detection import DELTA_CLIP, box_iou, decode_boxes, encode_boxes, match_anchors

__all__ = ["RPNHead", "sample_balanced", "rpn_targets", "rpn_loss", "rpn_proposals", "greedy_nms"]


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


def greedy_nms(boxes, scores, iou_threshold):
    """Greedy NMS, the same boxes in the same order as cs231n_core.detection.nms, from one
    IoU matrix instead of one box_iou per kept box (the region proposal network runs it
    on hundreds of boxes per image at each training step).

    With the boxes sorted by decreasing score (ties by index), box i is kept exactly
    when no kept box j < i overlaps it by more than iou_threshold. Applying that rule to
    all the boxes at once, starting from "all kept", fixes one more box per round at
    least (box i's fate depends only on boxes j < i), so the rounds reach the greedy
    answer, usually in a handful of rounds (the length of the longest chain of
    suppressions).

    Inputs:
    - boxes: tensor (N, 4); scores: tensor (N,); iou_threshold: float.

    Returns:
    - keep: int64 tensor (K,), the kept indices in decreasing score.
    """
    order = torch.sort(scores, descending=True, stable=True).indices
    ordered = boxes[order]
    suppresses = torch.triu(box_iou(ordered, ordered) > iou_threshold, diagonal=1)   # j < i suppresses i
    kept = torch.ones(order.shape[0], dtype=torch.bool, device=boxes.device)
    while True:
        now = ~(suppresses & kept[:, None]).any(dim=0)
        if torch.equal(now, kept):
            return order[kept]
        kept = now


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
            nn.init.zeros_(layer.bias)

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
    for i, boxes in enumerate(gt_boxes):
        boxes = boxes.to(anchors)
        matches = match_anchors(anchors, boxes, pos_threshold, neg_threshold)
        positive, negative = sample_balanced(matches, batch_size_per_image, positive_fraction, generator)
        labels[i, positive], labels[i, negative] = 1, 0
        box_targets[i, positive] = encode_boxes(boxes[matches[positive]], anchors[positive])
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
    sampled = labels >= 0
    positive = labels == 1
    count = max(int(sampled.sum()), 1)
    objectness_loss = F.binary_cross_entropy_with_logits(
        objectness[sampled], labels[sampled].to(objectness.dtype), reduction="sum") / count
    box_loss = F.smooth_l1_loss(deltas[positive], box_targets[positive], beta=1.0 / 9, reduction="sum") / count
    return objectness_loss, box_loss


@torch.no_grad()
def rpn_proposals(objectness, deltas, anchors, image_size, pre_nms_top_n=300, post_nms_top_n=100,
                  nms_threshold=0.7, min_size=1.0):
    """The region proposals of each image: its best anchors' boxes, after NMS.

    For each image: the pre_nms_top_n anchors of highest objectness (ties by index);
    their boxes, decode_boxes of their deltas (tw, th clipped at DELTA_CLIP), clipped to
    the image; those less than min_size wide or high dropped; greedy NMS at
    nms_threshold (greedy_nms); the first post_nms_top_n kept. The proposals are inputs
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
    for logits, image_deltas in zip(objectness, deltas):
        top = torch.sort(logits, descending=True, stable=True).indices[:pre_nms_top_n]
        boxes = _decode_clipped(image_deltas[top], anchors[top], image_size)
        scores = torch.sigmoid(logits[top])
        large = _sides_at_least(boxes, min_size)
        boxes, scores = boxes[large], scores[large]
        keep = greedy_nms(boxes, scores, nms_threshold)[:post_nms_top_n]
        all_boxes.append(boxes[keep])
        all_scores.append(scores[keep])
    return all_boxes, all_scores
