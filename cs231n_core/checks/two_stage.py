"""Public checks of assignment 3's two-stage detector (two_stage.py: the region proposal
network's rpn_targets, rpn_loss and rpn_proposals; the second stage's roi_targets and
box_head_loss; Mask R-CNN's mask_loss and paste_masks).

Small hand-made cases whose answers can be worked out on paper (the comments say how);
the losses are recomputed here with NumPy from their formulas. Where a target samples
with a seeded generator, the expected draw is stored (sample_balanced's, which the
target calls).
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, expect_in_graph, expect_indices, keeps_torch_rng, two_stage_modules


def _bce(logits, labels):
    """Binary cross-entropy of logits against 0/1 labels, element by element."""
    logits = np.asarray(logits, dtype=np.float64)
    return np.logaddexp(0, logits) - np.asarray(labels) * logits


def _scalar(value):
    """A returned loss as a float (detached first: it is in the graph)."""
    return float(value.detach()) if hasattr(value, "detach") else _scalar(value)


def _smooth_l1(diff, beta):
    diff = np.abs(np.asarray(diff, dtype=np.float64))
    return np.where(diff < beta, 0.5 * diff ** 2 / beta, diff - 0.5 * beta)


# Anchors against the box (1, 0, 11, 10): IoU 90/110 = 0.82 (anchor 0), 10/190, 0, 0,
# 100/110 = 0.91 (anchor 4) and 60/140 = 0.43 (anchor 5, between the thresholds).
RPN_ANCHORS = [[0, 0, 10, 10], [10, 0, 20, 10], [0, 10, 10, 20], [30, 30, 40, 40], [1, 0, 12, 10], [5, 0, 15, 10]]


@public_check("rpn_targets")
@keeps_torch_rng
def _check_rpn_targets(t):
    torch, _, two_stage = two_stage_modules()
    anchors = torch.tensor(RPN_ANCHORS, dtype=torch.float64)
    gt = [torch.tensor([[1.0, 0, 11, 10]], dtype=torch.float64), torch.zeros(0, 4, dtype=torch.float64)]
    result = t.call(two_stage.rpn_targets, anchors, gt, batch_size_per_image=256)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("rpn_targets must return a pair (labels, box_targets)")
    # Everything sampled (256 >= 6 anchors): anchors 0 and 4 positive, anchor 5 ignored;
    # the second image has no box, so every anchor is a negative.
    expect_indices(t, result[0].flatten(), [1, 0, 0, 0, 1, -1] + [0] * 6,
                   "the labels of 6 anchors in 2 images (1 object, 0 background, -1 left out)",
                   hint="match_anchors' positives learn 1, its negatives 0, its ignored anchors -1")
    targets = as_numpy(t, result[1], "the box targets")
    t.expect_array(targets, (2, 6, 4), "the box targets", "float", report=False)
    expected = np.zeros((2, 6, 4))
    expected[0, 0] = [0.1, 0, 0, 0]                              # centre 1 right of anchor 0's, width 10
    expected[0, 4] = [-0.5 / 11, 0, np.log(10 / 11), 0]           # anchor 4 is 11 wide, centred 0.5 right
    t.expect_close(targets, expected, 1e-12, "the deltas of the positive anchors (encode_boxes), 0 elsewhere")
    # A balanced sample of 3 per image: one positive, then negatives, as sample_balanced
    # draws them with this seed.
    labels, _ = t.call(two_stage.rpn_targets, anchors, gt, batch_size_per_image=3, positive_fraction=0.5,
                       generator=torch.Generator().manual_seed(0))
    expect_indices(t, labels.flatten(), [1, 0, -1, 0, -1, -1, 0, -1, -1, -1, 0, 0],
                   "the labels of a sample of 3 anchors per image (sample_balanced, seed 0)",
                   hint="call sample_balanced once per image, the images in order, with the generator given")


@public_check("rpn_loss")
@keeps_torch_rng
def _check_rpn_loss(t):
    torch, _, two_stage = two_stage_modules()
    objectness = torch.tensor([[2.0, -1.0, 0.5], [0.3, -2.0, 1.5]], dtype=torch.float64, requires_grad=True)
    deltas = torch.tensor(np.linspace(-0.6, 0.5, 24).reshape(2, 3, 4), requires_grad=True)
    labels = torch.tensor([[1, 0, -1], [0, 1, -1]])
    targets = torch.tensor(np.linspace(0.4, -0.3, 24).reshape(2, 3, 4))
    result = t.call(two_stage.rpn_loss, objectness, deltas, labels, targets)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("rpn_loss must return a pair (objectness_loss, box_loss)")
    sampled, positive = labels.numpy() >= 0, labels.numpy() == 1
    count = sampled.sum()
    expected_objectness = _bce(objectness.detach().numpy()[sampled], labels.numpy()[sampled]).sum() / count
    diff = deltas.detach().numpy()[positive] - targets.numpy()[positive]
    expected_box = _smooth_l1(diff, 1 / 9).sum() / count
    for value, expected, what in ((result[0], expected_objectness, "objectness_loss"),
                                  (result[1], expected_box, "box_loss")):
        expect_in_graph(t, value, what, "rpn_loss's %s must be a tensor in the graph (no .item())" % what)
        t.expect_close(_scalar(value), expected, 1e-12,
                       "%s (sampled anchors only; box loss of the positives over the sampled count)" % what,
                       answer=[_scalar(v) for v in result])
    nothing = t.call(two_stage.rpn_loss, objectness, deltas, torch.full((2, 3), -1), targets)
    t.expect_close([_scalar(v) for v in nothing], [0.0, 0.0], 0, "both losses when no anchor is sampled (0, not NaN)")


@public_check("rpn_proposals")
@keeps_torch_rng
def _check_rpn_proposals(t):
    torch, _, two_stage = two_stage_modules()
    anchors = torch.tensor([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [50, 50, 70, 70], [5, 5, 5.5, 5.5]])
    objectness = torch.tensor([[3.0, 2.0, 1.0, 0.5, 4.0]])
    deltas = torch.zeros(1, 5, 4)
    deltas[0, 2] = torch.tensor([0.5, 0.0, 0.0, 0.0])            # anchor 2's box moves 5 pixels right
    result = t.call(two_stage.rpn_proposals, objectness, deltas, anchors, (64, 64), pre_nms_top_n=5,
                    post_nms_top_n=10)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("rpn_proposals must return a pair (boxes, scores), each a list over the images")
    boxes, scores = (as_numpy(t, v[0], "the proposals of image 0") for v in result)
    # Anchor 4 (score 4) is too small; anchor 0 is kept; anchor 1 overlaps it by 0.82 > 0.7;
    # anchor 2 moves to (25, 20, 35, 30); anchor 3 is clipped to the 64x64 image.
    t.expect_close(boxes, [[0, 0, 10, 10], [25, 20, 35, 30], [50, 50, 64, 64]], 0,
                   "the proposals (the tiny box dropped, NMS at 0.7, clipped to the image)",
                   hint=lambda got, exp: "drop the boxes under min_size before NMS, and clip them to the image")
    t.expect_close(scores, 1 / (1 + np.exp(-np.array([3.0, 1.0, 0.5]))), 1e-6,
                   "the proposals' scores (sigmoid of the logits)")
    # pre_nms_top_n=3 keeps anchors 4, 0, 1 only: 4 is too small, 1 is suppressed by 0.
    boxes, _ = t.call(two_stage.rpn_proposals, objectness, deltas, anchors, (64, 64), pre_nms_top_n=3)
    t.expect_close(as_numpy(t, boxes[0], "the proposals"), [[0, 0, 10, 10]], 0,
                   "the proposals of the top 3 anchors only (pre_nms_top_n=3)")
    boxes, _ = t.call(two_stage.rpn_proposals, objectness, deltas, anchors, (64, 64), pre_nms_top_n=5,
                      post_nms_top_n=2)
    t.expect_close(as_numpy(t, boxes[0], "the proposals"), [[0, 0, 10, 10], [25, 20, 35, 30]], 0,
                   "the first 2 proposals after NMS (post_nms_top_n=2)")


@public_check("roi_targets")
@keeps_torch_rng
def _check_roi_targets(t):
    torch, _, two_stage = two_stage_modules()
    proposals = [torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10], [30, 30, 40, 40], [0, 0, 5, 5]])]
    gt_boxes, gt_labels = [torch.tensor([[0.0, 0, 10, 10], [30, 31, 40, 41]])], [torch.tensor([7, 2])]
    out = t.call(two_stage.roi_targets, proposals, gt_boxes, gt_labels, batch_size_per_image=64,
                 positive_fraction=1.0, generator=torch.Generator().manual_seed(0))
    if not isinstance(out, dict) or sorted(out) != ["box_targets", "boxes", "labels", "matched"]:
        t.fail("roi_targets must return a dict with \"boxes\", \"labels\", \"box_targets\" and \"matched\"")
    # The 4 proposals and the 2 true boxes: positives are proposals 0, 1 (IoU 1 and 0.82
    # with box 0), 2 (0.82 with box 1) and the boxes themselves; proposal 3 (0.25) is
    # background. Drawn in this order by sample_balanced with seed 0, positives first.
    expect_indices(t, out["matched"][0], [1, 0, 0, 0, 1, -1], "the matched box of each sampled region",
                   hint="the true boxes join the proposals (after them) before the matching")
    expect_indices(t, out["labels"][0], [3, 8, 8, 8, 3, 0], "the labels (1 + class; 0 for background)")
    t.expect_close(as_numpy(t, out["boxes"][0], "the regions"),
                   [[30, 31, 40, 41], [0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [30, 30, 40, 40], [0, 0, 5, 5]],
                   0, "the sampled regions, positives first")
    # Region (1, 0, 11, 10) for box (0, 0, 10, 10): dx = -1/10, times 10 (BOX_WEIGHTS);
    # region (30, 30, 40, 40) for (30, 31, 40, 41): dy = 1/10, times 10.
    expected = np.zeros((6, 4))
    expected[2, 0], expected[4, 1] = -1.0, 1.0
    t.expect_close(as_numpy(t, out["box_targets"][0], "the box targets"), expected, 1e-6,
                   "the box targets (encode_boxes times BOX_WEIGHTS; 0 for background)")


@public_check("box_head_loss")
@keeps_torch_rng
def _check_box_head_loss(t):
    torch, _, two_stage = two_stage_modules()
    logits = torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [0.2, 0.3, 0.1]], dtype=torch.float64,
                          requires_grad=True)
    deltas = torch.tensor(np.linspace(-1.5, 2.0, 36).reshape(3, 3, 4), requires_grad=True)
    labels = torch.tensor([2, 0, 1])
    targets = torch.tensor(np.linspace(0.3, -0.2, 12).reshape(3, 4))
    result = t.call(two_stage.box_head_loss, logits, deltas, labels, targets)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("box_head_loss must return a pair (classifier_loss, box_loss)")
    scores = logits.detach().numpy()
    expected_classifier = np.mean(np.log(np.exp(scores).sum(1)) - scores[np.arange(3), labels.numpy()])
    # Regions 0 (class 2) and 2 (class 1) are positive: their true class's deltas only.
    diff = deltas.detach().numpy()[[0, 2], [2, 1]] - targets.numpy()[[0, 2]]
    expected_box = _smooth_l1(diff, 1 / 9).sum() / 3
    answer = [_scalar(v) for v in result]
    for value, expected, what in ((result[0], expected_classifier, "classifier_loss"),
                                  (result[1], expected_box, "box_loss")):
        expect_in_graph(t, value, what, "box_head_loss's %s must be a tensor in the graph" % what)
        t.expect_close(_scalar(value), expected, 1e-12,
                       "%s (the true class's deltas of the positives, over all sampled regions)" % what,
                       answer=answer)


@public_check("mask_loss")
@keeps_torch_rng
def _check_mask_loss(t):
    torch, _, two_stage = two_stage_modules()
    logits = torch.tensor(np.linspace(-2.0, 2.5, 24).reshape(2, 3, 2, 2), requires_grad=True)
    labels = torch.tensor([2, 0])
    targets = torch.tensor([[[1.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 0.0]]], dtype=torch.float64)
    loss = t.call(two_stage.mask_loss, logits, labels, targets)
    expect_in_graph(t, loss, "mask_loss", "mask_loss must return a tensor in the graph")
    chosen = logits.detach().numpy()[[0, 1], [2, 0]]               # each region's mask of its class
    t.expect_close(_scalar(loss), _bce(chosen, targets.numpy()).mean(), 1e-12,
                   "the mask loss (binary cross-entropy of each region's mask of its own class, averaged)",
                   hint=lambda got, exp: "only the mask of the region's class counts, not a softmax over classes")
    empty = t.call(two_stage.mask_loss, logits[:0], labels[:0], targets[:0])
    expect_in_graph(t, empty, "mask_loss of no regions", "mask_loss of no regions must be 0 in the graph")
    t.expect_close(_scalar(empty), 0.0, 0, "the mask loss of no regions (0, not NaN)")


@public_check("paste_masks")
@keeps_torch_rng
def _check_paste_masks(t):
    torch, _, two_stage = two_stage_modules()
    box = torch.tensor([[2.0, 2, 6, 6]])
    # A 2x2 mask of ones over the 4x4 box: pixel centres 2.5 .. 5.5 sit at mask
    # coordinates -0.25, 0.25, 0.75, 1.25 (half a mask cell per 2 pixels); bilinear
    # reading with zeros outside gives 0.75, 1, 1, 0.75 on each axis; 0 outside the box.
    out = as_numpy(t, t.call(two_stage.paste_masks, torch.ones(1, 2, 2), box, (8, 8)), "paste_masks of ones")
    t.expect_array(out, (1, 8, 8), "the pasted mask", "float", report=False)
    axis = np.array([0, 0, 0.75, 1, 1, 0.75, 0, 0])
    t.expect_close(out[0], np.outer(axis, axis), 1e-6,
                   "a mask of ones pasted into a 4x4 box (bilinear at the pixels' centres, 0 outside)",
                   hint=lambda got, exp: "the mask spans the box corner to corner (align_corners=False)")
    corner = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])
    out = as_numpy(t, t.call(two_stage.paste_masks, corner, box, (8, 8)), "paste_masks of a corner")
    axis = np.array([0, 0, 0.75, 0.75, 0.25, 0, 0, 0])
    t.expect_close(out[0], np.outer(axis, axis), 1e-6, "a mask with its top-left cell on, pasted into the box")
