"""Public checks of assignment 3's box utilities (detection.py: box_iou, nms, batched_nms,
anchors, box encoding and matching).

Small hand-made cases whose answers can be worked out on paper (the comments say how).
torch is imported inside each check, so that importing the checks stays cheap; each
check leaves torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, detection_modules, expect_indices, keeps_torch_rng


# Boxes of the hand-made cases: a 10x10 square, the same moved right by half its width, a
# 4x4 square in its corner, a disjoint box, a box that only touches the square's corner.
SQUARE, HALF, CORNER = [0, 0, 10, 10], [5, 0, 15, 10], [0, 0, 4, 4]
FAR, TOUCHING = [20, 20, 30, 25], [10, 10, 12, 12]


@public_check("box_iou")
@keeps_torch_rng
def _check_box_iou(t):
    torch, detection, _ = detection_modules()
    boxes1 = torch.tensor([SQUARE, CORNER], dtype=torch.float64)
    boxes2 = torch.tensor([SQUARE, HALF, CORNER, FAR, TOUCHING], dtype=torch.float64)
    iou = as_numpy(t, t.call(detection.box_iou, boxes1, boxes2), "box_iou of 2 and 5 boxes")
    t.expect_array(iou, (2, 5), "box_iou of 2 and 5 boxes", "float")
    # the square against: itself 1; the half-moved square 50 / 150; its corner 16 / 100;
    # the far box 0; a box touching its corner 0. The corner square against: the square
    # 16 / 100; the half-moved square 0 (disjoint); itself 1; 0; 0.
    expected = [[1.0, 1 / 3, 0.16, 0.0, 0.0], [0.16, 0.0, 1.0, 0.0, 0.0]]
    t.expect_close(iou, expected, 1e-12, "the IoUs worked out by hand",
                   hint=lambda got, exp: "clamp the intersection's sides at 0, and subtract the "
                   "intersection from the sum of the areas")
    # a zero-area box and the square: the zero-area box has IoU 0 with both (its union
    # with itself is empty), the square 1 with itself
    zero = torch.tensor([[3.0, 3.0, 3.0, 3.0], SQUARE])
    value = as_numpy(t, t.call(detection.box_iou, zero, zero), "box_iou of a zero-area box and a square")
    if not np.all(np.isfinite(value)) or value.tolist() != [[0.0, 0.0], [0.0, 1.0]]:
        t.fail("the IoU of a zero-area box with itself must be 0 (the union is empty); box_iou of a zero-area "
               "box and a square with themselves gave %s, expected [[0, 0], [0, 1]]" % value.tolist())
    t.ok("a zero-area box has IoU 0 (no division by zero)")
    iou32 = as_numpy(t, t.call(detection.box_iou, boxes1.float(), boxes2.float()), "box_iou of float32 boxes")
    if iou32.dtype != np.float32:
        t.fail("box_iou of float32 boxes returned %s; compute in the inputs' dtype" % iou32.dtype)
    t.ok("float32 boxes give float32 IoUs")


@public_check("nms")
@keeps_torch_rng
def _check_nms(t):
    torch, detection, _ = detection_modules()
    # Box 0 and box 2 are the same square with equal scores: box 0 (lower index) is kept
    # and box 2 suppressed (IoU 1). Box 1 overlaps box 0 by exactly 1/2: it survives at
    # threshold 0.5 (only IoUs above it suppress) but not at 0.4. Box 3 is far away.
    boxes = torch.tensor([SQUARE, [0, 0, 10, 5], SQUARE, FAR], dtype=torch.float64)
    scores = torch.tensor([0.9, 0.5, 0.9, 0.2])
    expect_indices(t, t.call(detection.nms, boxes, scores, 0.5), [0, 1, 3], "nms at IoU 0.5",
             hint="equal scores go by index; a box whose IoU equals the threshold is kept")
    expect_indices(t, t.call(detection.nms, boxes, scores, 0.4), [0, 3], "nms at IoU 0.4")
    scores = torch.tensor([0.1, 0.5, 0.3, 0.9])
    expect_indices(t, t.call(detection.nms, boxes, scores, 0.5), [3, 1, 2], "nms with other scores (kept in "
             "order of decreasing score)")
    empty = t.call(detection.nms, boxes[:0], scores[:0], 0.5)
    expect_indices(t, empty, [], "nms of no boxes")


@public_check("batched_nms")
@keeps_torch_rng
def _check_batched_nms(t):
    torch, detection, _ = detection_modules()
    # boxes 0 and 1: the same square, different classes: both kept; box 2 overlaps box 0
    # (same class) by 0.81 and goes; box 3 is alone in its class.
    boxes = torch.tensor([SQUARE, SQUARE, [1, 1, 10, 10], FAR], dtype=torch.float64)
    scores = torch.tensor([0.6, 0.7, 0.8, 0.6])
    classes = torch.tensor([4, 7, 4, 2])
    expect_indices(t, t.call(detection.batched_nms, boxes, scores, classes, 0.5), [2, 1, 3],
             "batched_nms of 4 boxes of 3 classes",
             hint="suppress within each class only; return the survivors of all classes by decreasing "
                  "score, equal scores by index")
    # two far apart boxes of equal score, the first of the class with the larger id
    expect_indices(t, t.call(detection.batched_nms, boxes[[0, 3]], scores[[0, 3]], torch.tensor([7, 2]), 0.5),
                   [0, 1], "batched_nms of 2 boxes of equal score in 2 classes (equal scores by index, "
                   "whatever their classes)")


@public_check("generate_anchors")
@keeps_torch_rng
def _check_generate_anchors(t):
    torch, detection, _ = detection_modules()
    anchors = as_numpy(t, t.call(detection.generate_anchors, (1, 2), 8, (8.0,), (1.0, 4.0),
                               dtype=torch.float64), "generate_anchors((1, 2), 8, (8,), (1, 4))")
    # cell (0, 0) is centred at (4, 4), cell (0, 1) at (12, 4); size 8 with ratio 1 is an
    # 8x8 square, with ratio 4 (height / width) a 4 wide, 16 high box.
    expected = [[0, 0, 8, 8], [2, -4, 6, 12], [8, 0, 16, 8], [10, -4, 14, 12]]
    t.expect_array(anchors, (4, 4), "the anchors of 2 cells with 2 shapes each", "float")
    t.expect_close(anchors, expected, 1e-12, "the anchors worked out by hand",
                   hint=lambda got, exp: "centres at (x + 0.5) * stride, width s / sqrt(r), height "
                   "s * sqrt(r); rows cell by cell, shapes inside each cell")
    # one cell centred at (4, 4), sizes 8 and 16 (outer), ratios 1 and 4 (inner): squares
    # of 8 and 16, and boxes 4 x 16 and 8 x 32 (width x height)
    anchors = as_numpy(t, t.call(detection.generate_anchors, (1, 1), 8, (8.0, 16.0), (1.0, 4.0),
                                 dtype=torch.float64), "generate_anchors((1, 1), 8, (8, 16), (1, 4))")
    t.expect_close(anchors, [[0, 0, 8, 8], [2, -4, 6, 12], [-4, -4, 12, 12], [0, -12, 8, 20]], 1e-12,
                   "the anchors of one cell with 2 sizes and 2 ratios (sizes outer, ratios inner)")
    anchors = as_numpy(t, t.call(detection.generate_anchors, (3, 2), 4, (4.0, 8.0)), "generate_anchors((3, 2), ...)")
    if anchors.shape != (12, 4) or anchors.dtype != np.float32:
        t.wrong("shape %s dtype %s" % (anchors.shape, anchors.dtype),
                "generate_anchors((3, 2), 4, (4, 8)) gave shape %s and dtype %s, expected (12, 4) and float32"
                % (anchors.shape, anchors.dtype),
                "the default dtype")
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    t.expect_close(centres,
                   [[2, 2], [2, 2], [6, 2], [6, 2], [2, 6], [2, 6], [6, 6], [6, 6], [2, 10], [2, 10],
                    [6, 10], [6, 10]], 1e-6, "the centres of a 3 x 2 grid (row by row)")


@public_check("encode_boxes")
@keeps_torch_rng
def _check_encode_boxes(t):
    torch, detection, _ = detection_modules()
    # box: centre (20, 40), 20 wide, 40 high; anchor: centre (5, 5), 10 x 10
    box = torch.tensor([[10.0, 20.0, 30.0, 60.0]], dtype=torch.float64)
    anchor = torch.tensor([[0.0, 0.0, 10.0, 10.0]], dtype=torch.float64)
    deltas = as_numpy(t, t.call(detection.encode_boxes, box, anchor), "encode_boxes")
    t.expect_close(deltas, [[1.5, 3.5, np.log(2), np.log(4)]], 1e-12,
                   "the deltas worked out by hand (1.5, 3.5, log 2, log 4)")
    same = as_numpy(t, t.call(detection.encode_boxes, anchor, anchor), "encode_boxes of an anchor itself")
    t.expect_close(same + 1, [[1, 1, 1, 1]], 1e-12,
                   "the deltas of an anchor against itself (all 0)")
    # the same box against a 10 x 20 anchor centred at (5, 10): (15 / 10, 30 / 20, log 2, log 2)
    tall = torch.tensor([[0.0, 0.0, 10.0, 20.0]], dtype=torch.float64)
    deltas = as_numpy(t, t.call(detection.encode_boxes, box, tall), "encode_boxes with a tall anchor")
    t.expect_close(deltas, [[1.5, 1.5, np.log(2), np.log(2)]], 1e-12,
                   "the deltas against a 10 x 20 anchor worked out by hand (1.5, 1.5, log 2, log 2)")


@public_check("decode_boxes")
@keeps_torch_rng
def _check_decode_boxes(t):
    torch, detection, _ = detection_modules()
    anchor = torch.tensor([[0.0, 0.0, 10.0, 10.0]], dtype=torch.float64)
    deltas = torch.tensor([[1.5, 3.5, np.log(2), np.log(4)]], dtype=torch.float64)
    boxes = as_numpy(t, t.call(detection.decode_boxes, deltas, anchor), "decode_boxes")
    t.expect_close(boxes, [[10.0, 20.0, 30.0, 60.0]], 1e-12,
                   "the box worked out by hand (10, 20, 30, 60)",
                   hint=lambda got, exp: "move the anchor's centre, multiply its width and height by "
                   "exp(tw) and exp(th), then return corners")
    # a 10 x 20 anchor centred at (5, 10) moved by (1.5 * 10, 1.5 * 20) and doubled
    tall = torch.tensor([[0.0, 0.0, 10.0, 20.0]], dtype=torch.float64)
    deltas = torch.tensor([[1.5, 1.5, np.log(2), np.log(2)]], dtype=torch.float64)
    boxes = as_numpy(t, t.call(detection.decode_boxes, deltas, tall), "decode_boxes with a tall anchor")
    t.expect_close(boxes, [[10.0, 20.0, 30.0, 60.0]], 1e-12,
                   "the box from a 10 x 20 anchor worked out by hand (10, 20, 30, 60)")


@public_check("match_anchors")
@keeps_torch_rng
def _check_match_anchors(t):
    torch, detection, _ = detection_modules()
    anchors = torch.tensor([[0, 0, 10, 1], [0, 0, 7, 1], [0, 5, 10, 6], [50, 50, 60, 60], [50, 50, 60, 60],
                            [90, 90, 99, 99]], dtype=torch.float64)
    boxes = torch.tensor([[0, 0, 7, 1], [0, 5, 3, 6], [52, 52, 58, 58]], dtype=torch.float64)
    # anchor 0: IoU 0.7 with box 0 (not its best anchor, anchor 1 is): positive by the
    # threshold; anchor 2: IoU 0.3 with box 1 but its best anchor: positive; anchors 3
    # and 4: tie for box 2's best (0.36): both positive; anchor 5: background.
    expect_indices(t, t.call(detection.match_anchors, anchors, boxes), [0, 0, 1, 2, 2, -1],
             "match_anchors at 0.7 / 0.3", hint="an IoU equal to pos_threshold is positive; every anchor "
             "that ties for a box's best IoU is positive")
    # at thresholds 0.8 / 0.5: anchor 0 (0.7) is no longer positive and not background
    expect_indices(t, t.call(detection.match_anchors, anchors, boxes, 0.8, 0.5), [-2, 0, 1, 2, 2, -1],
             "match_anchors at 0.8 / 0.5 (anchor 0 ignored)")
    # at 0.8 / 0.7: anchor 0's IoU equals neg_threshold: ignored, not background
    expect_indices(t, t.call(detection.match_anchors, anchors, boxes, 0.8, 0.7), [-2, 0, 1, 2, 2, -1],
                   "match_anchors at 0.8 / 0.7 (anchor 0 at neg_threshold is ignored)")
    expect_indices(t, t.call(detection.match_anchors, anchors, boxes[:0]), [-1] * 6, "match_anchors without boxes")
    # an anchor that is the best of two boxes (IoUs 0.6 and 0.2) is matched to its own best,
    # box 0; the other anchor overlaps nothing
    anchors = torch.tensor([[100, 0, 110, 10], [0, 0, 5, 5]], dtype=torch.float64)
    boxes = torch.tensor([[100, 0, 110, 6], [100, 0, 102, 10]], dtype=torch.float64)
    expect_indices(t, t.call(detection.match_anchors, anchors, boxes), [0, -1],
                   "match_anchors of an anchor that is the best of two boxes (matched to its own best box)")
