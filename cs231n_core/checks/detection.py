"""Public checks of assignment 3's detection and segmentation (detection.py, segmentation.py).

Small hand-made cases whose answers can be worked out on paper (the comments say how),
and a few numbers stored once from the reference solution. torch is imported inside each
check, so that importing the checks stays cheap; each check leaves torch's global random
numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng


def _modules():
    import torch

    from cs231n_core import detection, segmentation
    return torch, detection, segmentation


def _indices(t, value, expected, what, hint=None):
    got = as_numpy(t, value, what)
    if got.dtype != np.int64:
        t.fail("%s has dtype %s, expected torch.int64 indices" % (what, got.dtype))
    t.expect_labels(got, np.asarray(expected, dtype=np.int64), what, hint=hint)


# Boxes of the hand-made cases: a 10x10 square, the same moved right by half its width, a
# 4x4 square in its corner, a disjoint box, a box that only touches the square's corner.
SQUARE, HALF, CORNER = [0, 0, 10, 10], [5, 0, 15, 10], [0, 0, 4, 4]
FAR, TOUCHING = [20, 20, 30, 25], [10, 10, 12, 12]


@public_check("box_iou")
@keeps_torch_rng
def _check_box_iou(t):
    torch, detection, _ = _modules()
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
    zero = torch.tensor([[3.0, 3.0, 3.0, 3.0]])
    value = as_numpy(t, t.call(detection.box_iou, zero, zero), "box_iou of a zero-area box with itself")
    if not np.all(np.isfinite(value)) or float(value.reshape(-1)[0]) != 0.0:
        t.fail("the IoU of a zero-area box with itself must be 0 (the union is empty), got %s" % value.tolist())
    t.ok("a zero-area box has IoU 0 (no division by zero)")
    iou32 = as_numpy(t, t.call(detection.box_iou, boxes1.float(), boxes2.float()), "box_iou of float32 boxes")
    if iou32.dtype != np.float32:
        t.fail("box_iou of float32 boxes returned %s; compute in the inputs' dtype" % iou32.dtype)
    t.ok("float32 boxes give float32 IoUs")


@public_check("nms")
@keeps_torch_rng
def _check_nms(t):
    torch, detection, _ = _modules()
    # Box 0 and box 2 are the same square with equal scores: box 0 (lower index) is kept
    # and box 2 suppressed (IoU 1). Box 1 overlaps box 0 by exactly 1/2: it survives at
    # threshold 0.5 (only IoUs above it suppress) but not at 0.4. Box 3 is far away.
    boxes = torch.tensor([SQUARE, [0, 0, 10, 5], SQUARE, FAR], dtype=torch.float64)
    scores = torch.tensor([0.9, 0.5, 0.9, 0.2])
    _indices(t, t.call(detection.nms, boxes, scores, 0.5), [0, 1, 3], "nms at IoU 0.5",
             hint="equal scores go by index; a box whose IoU equals the threshold is kept")
    _indices(t, t.call(detection.nms, boxes, scores, 0.4), [0, 3], "nms at IoU 0.4")
    scores = torch.tensor([0.1, 0.5, 0.3, 0.9])
    _indices(t, t.call(detection.nms, boxes, scores, 0.5), [3, 1, 2], "nms with other scores (kept in "
             "order of decreasing score)")
    empty = t.call(detection.nms, boxes[:0], scores[:0], 0.5)
    _indices(t, empty, [], "nms of no boxes")


@public_check("batched_nms")
@keeps_torch_rng
def _check_batched_nms(t):
    torch, detection, _ = _modules()
    # boxes 0 and 1: the same square, different classes: both kept; box 2 overlaps box 0
    # (same class) by 0.81 and goes; box 3 is alone in its class.
    boxes = torch.tensor([SQUARE, SQUARE, [1, 1, 10, 10], FAR], dtype=torch.float64)
    scores = torch.tensor([0.6, 0.7, 0.8, 0.6])
    classes = torch.tensor([4, 7, 4, 2])
    _indices(t, t.call(detection.batched_nms, boxes, scores, classes, 0.5), [2, 1, 3],
             "batched_nms of 4 boxes of 3 classes",
             hint="suppress within each class only; return the survivors of all classes by decreasing "
                  "score, equal scores by index")


@public_check("generate_anchors")
@keeps_torch_rng
def _check_generate_anchors(t):
    torch, detection, _ = _modules()
    anchors = as_numpy(t, t.call(detection.generate_anchors, (1, 2), 8, (8.0,), (1.0, 4.0),
                               dtype=torch.float64), "generate_anchors((1, 2), 8, (8,), (1, 4))")
    # cell (0, 0) is centred at (4, 4), cell (0, 1) at (12, 4); size 8 with ratio 1 is an
    # 8x8 square, with ratio 4 (height / width) a 4 wide, 16 high box.
    expected = [[0, 0, 8, 8], [2, -4, 6, 12], [8, 0, 16, 8], [10, -4, 14, 12]]
    t.expect_array(anchors, (4, 4), "the anchors of 2 cells with 2 shapes each", "float")
    t.expect_close(anchors, expected, 1e-12, "the anchors worked out by hand",
                   hint=lambda got, exp: "centres at (x + 0.5) * stride, width s / sqrt(r), height "
                   "s * sqrt(r); rows cell by cell, shapes inside each cell")
    anchors = as_numpy(t, t.call(detection.generate_anchors, (3, 2), 4, (4.0, 8.0)), "generate_anchors((3, 2), ...)")
    if anchors.shape != (12, 4) or anchors.dtype != np.float32:
        t.fail("generate_anchors((3, 2), 4, (4, 8)) gave shape %s and dtype %s, expected (12, 4) and float32"
               % (anchors.shape, anchors.dtype))
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    t.expect_close(centres,
                   [[2, 2], [2, 2], [6, 2], [6, 2], [2, 6], [2, 6], [6, 6], [6, 6], [2, 10], [2, 10],
                    [6, 10], [6, 10]],
                   1e-6, "the centres of a 3 x 2 grid (row by row)")


@public_check("encode_boxes")
@keeps_torch_rng
def _check_encode_boxes(t):
    torch, detection, _ = _modules()
    # box: centre (20, 40), 20 wide, 40 high; anchor: centre (5, 5), 10 x 10
    box = torch.tensor([[10.0, 20.0, 30.0, 60.0]], dtype=torch.float64)
    anchor = torch.tensor([[0.0, 0.0, 10.0, 10.0]], dtype=torch.float64)
    deltas = as_numpy(t, t.call(detection.encode_boxes, box, anchor), "encode_boxes")
    t.expect_close(deltas, [[1.5, 3.5, np.log(2), np.log(4)]], 1e-12,
                   "the deltas worked out by hand (1.5, 3.5, log 2, log 4)")
    same = as_numpy(t, t.call(detection.encode_boxes, anchor, anchor), "encode_boxes of an anchor itself")
    t.expect_close(same + 1, [[1, 1, 1, 1]], 1e-12,
                   "the deltas of an anchor against itself (all 0)")


@public_check("decode_boxes")
@keeps_torch_rng
def _check_decode_boxes(t):
    torch, detection, _ = _modules()
    anchor = torch.tensor([[0.0, 0.0, 10.0, 10.0]], dtype=torch.float64)
    deltas = torch.tensor([[1.5, 3.5, np.log(2), np.log(4)]], dtype=torch.float64)
    boxes = as_numpy(t, t.call(detection.decode_boxes, deltas, anchor), "decode_boxes")
    t.expect_close(boxes, [[10.0, 20.0, 30.0, 60.0]], 1e-12,
                   "the box worked out by hand (10, 20, 30, 60)",
                   hint=lambda got, exp: "move the anchor's centre, multiply its width and height by "
                   "exp(tw) and exp(th), then return corners")


@public_check("match_anchors")
@keeps_torch_rng
def _check_match_anchors(t):
    torch, detection, _ = _modules()
    anchors = torch.tensor([[0, 0, 10, 1], [0, 0, 7, 1], [0, 5, 10, 6], [50, 50, 60, 60], [50, 50, 60, 60],
                            [90, 90, 99, 99]], dtype=torch.float64)
    boxes = torch.tensor([[0, 0, 7, 1], [0, 5, 3, 6], [52, 52, 58, 58]], dtype=torch.float64)
    # anchor 0: IoU 0.7 with box 0 (not its best anchor, anchor 1 is): positive by the
    # threshold; anchor 2: IoU 0.3 with box 1 but its best anchor: positive; anchors 3
    # and 4: tie for box 2's best (0.36): both positive; anchor 5: background.
    _indices(t, t.call(detection.match_anchors, anchors, boxes), [0, 0, 1, 2, 2, -1],
             "match_anchors at 0.7 / 0.3", hint="an IoU equal to pos_threshold is positive; every anchor "
             "that ties for a box's best IoU is positive")
    # at thresholds 0.8 / 0.5: anchor 0 (0.7) is no longer positive and not background
    _indices(t, t.call(detection.match_anchors, anchors, boxes, 0.8, 0.5), [-2, 0, 1, 2, 2, -1],
             "match_anchors at 0.8 / 0.5 (anchor 0 ignored)")
    _indices(t, t.call(detection.match_anchors, anchors, boxes[:0]), [-1] * 6, "match_anchors without boxes")


@public_check("DigitDetector")
@keeps_torch_rng
def _check_digit_detector(t):
    torch, detection, _ = _modules()
    torch.manual_seed(0)
    model = t.call(detection.DigitDetector, num_classes=3, width=4, anchor_sizes=(10, 20), aspect_ratios=(1.0, 2.0))
    shapes = sorted(tuple(p.shape) for p in model.parameters())
    expected = sorted([(4, 1, 3, 3), (4,), (8, 4, 3, 3), (8,), (16, 8, 3, 3), (16,), (16, 16, 3, 3), (16,),
                       (16, 16, 3, 3), (16,), (16, 16, 3, 3), (16,)])
    if shapes != expected:
        t.fail("DigitDetector(num_classes=3, width=4, 4 anchors) has parameters of shapes %s, expected %s"
               % (shapes, expected))
    t.ok("the six convolutions have the expected shapes")
    outputs = t.call(model, torch.zeros(2, 1, 24, 40))
    if not isinstance(outputs, tuple) or len(outputs) != 2:
        t.fail("forward must return a pair (class_logits, box_deltas)")
    class_logits, box_deltas = (as_numpy(t, o, "an output") for o in outputs)
    if class_logits.shape != (2, 60, 4) or box_deltas.shape != (2, 60, 4):
        t.fail("on images of 24 x 40 (3 x 5 cells, 4 anchors each) the outputs have shapes %s and %s, "
               "expected (2, 60, 4) and (2, 60, 4)" % (class_logits.shape, box_deltas.shape))
    t.ok("outputs of shapes (N, cells * A, classes + 1) and (N, cells * A, 4)")
    with torch.no_grad():  # heads that output only their biases show the layout
        model.class_head.weight.zero_()
        model.class_head.bias.copy_(torch.arange(16.0))
        model.box_head.weight.zero_()
        model.box_head.bias.copy_(torch.arange(16.0))
    class_logits, box_deltas = (as_numpy(t, o, "an output") for o in t.call(model, torch.zeros(1, 1, 24, 40)))
    layout = np.tile(np.arange(16.0).reshape(4, 4), (15, 1))
    t.expect_close(class_logits[0], layout, 0,
                   "class scores laid out per anchor (channel a * K + k is score k of anchor a)")
    t.expect_close(box_deltas[0], layout, 0,
                   "box deltas laid out per anchor (channel a * 4 + j is delta j of anchor a)")


# The loss of detection_loss on the case below (anchors 0 and 4 positive, 1 ignored, 2 and 3
# background in the first image; all background in the second), stored from the reference.
LOSS_CASE_VALUE = 1.40471498904283


def _loss_case(torch):
    f64 = torch.float64
    anchors = torch.tensor([[0, 0, 8, 8], [4, 0, 12, 8], [0, 4, 8, 12], [20, 20, 28, 28], [2, 1, 9, 9]], dtype=f64)
    logits = torch.linspace(-1.0, 1.0, 2 * 5 * 3, dtype=f64).reshape(2, 5, 3)
    deltas = torch.linspace(-0.5, 0.4, 2 * 5 * 4, dtype=f64).reshape(2, 5, 4)
    boxes = [torch.tensor([[1, 0, 9, 8]], dtype=f64), torch.zeros(0, 4, dtype=f64)]
    labels = [torch.tensor([1]), torch.zeros(0, dtype=torch.long)]
    return logits, deltas, anchors, boxes, labels


@public_check("detection_loss")
@keeps_torch_rng
def _check_detection_loss(t):
    torch, detection, _ = _modules()
    logits, deltas, anchors, boxes, labels = _loss_case(torch)
    logits.requires_grad_()
    deltas.requires_grad_()
    loss = t.call(detection.detection_loss, logits, deltas, anchors, boxes, labels)
    value = as_numpy(t, loss, "the loss")
    if value.shape != ():
        t.fail("the loss must be a scalar tensor, got shape %s" % (value.shape,))
    t.expect_close(value, LOSS_CASE_VALUE, 1e-10,
                   "the loss stored from the reference (2 images, 5 anchors, 2 classes)",
                   hint=lambda got, exp: "class 0 is background (digit d is class d + 1); average the "
                   "cross-entropy over positive and negative anchors, the smooth L1 loss (summed over the "
                   "4 deltas) over the positive anchors")
    loss.backward()
    if logits.grad is None or deltas.grad is None:
        t.fail("the loss does not reach class_logits and box_deltas through autograd")
    if np.any(deltas.grad[1].numpy() != 0):
        t.fail("the second image has no box, yet its box deltas get a gradient")
    t.ok("gradients reach the scores and deltas (none for the deltas of an image without boxes)")


@public_check("mean_average_precision")
@keeps_torch_rng
def _check_mean_average_precision(t):
    _, detection, _ = _modules()
    gt_boxes = [np.array([SQUARE, [20, 20, 30, 30]]), np.array([SQUARE])]
    gt_labels = [np.array([0, 1]), np.array([0])]
    pred_boxes = [np.array([SQUARE, [1, 0, 10, 10], [40, 40, 50, 50]]), np.array([[0, 0, 10, 9]])]
    scores = [np.array([0.9, 0.8, 0.95]), np.array([0.7])]
    pred_labels = [np.array([0, 0, 1]), np.array([0])]
    # class 0, by score: a hit (0.9), a duplicate of it (0.8: false positive), a hit (0.7):
    # precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1, so AP = 1/2 * 1 + 1/2 * 2/3 = 5/6;
    # class 1: one false positive, AP 0; class 2 has no box: NaN, left out of the mean.
    result = t.call(detection.mean_average_precision, pred_boxes, scores, pred_labels, gt_boxes, gt_labels, 3)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("mean_average_precision must return a pair (mAP, AP per class)")
    value, ap = float(result[0]), np.asarray(result[1], dtype=np.float64)
    if ap.shape != (3,) or not np.isnan(ap[2]) or np.isnan(ap[:2]).any():
        t.fail("the AP per class must have shape (3,), with NaN only for class 2 (it has no box); got %s"
               % ap.tolist())
    t.expect_close(ap[:2], [5 / 6, 0.0], 1e-12, "the APs worked out by hand (5/6 and 0)",
                   hint=lambda got, exp: "sort by score, mark a box found once, and take the area under "
                   "the monotone precision envelope")
    t.expect_close(value, 5 / 12, 1e-12, "the mAP (mean of the classes with boxes)")
    strict = t.call(detection.mean_average_precision, pred_boxes, scores, pred_labels, gt_boxes, gt_labels, 3,
                    iou_threshold=0.95)
    t.expect_close(float(np.asarray(strict[1])[0]), 0.5, 1e-12,
                   "the AP of class 0 at IoU 0.95 (the 10 x 9 box, IoU 0.9, misses)")


@public_check("Upsample2x")
@keeps_torch_rng
def _check_upsample(t):
    torch, _, segmentation = _modules()
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    nearest = as_numpy(t, t.call(segmentation.Upsample2x("nearest"), x), "nearest upsampling")
    t.expect_close(nearest[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], 0,
                   "nearest neighbour of [[1, 2], [3, 4]]")
    nails = as_numpy(t, t.call(segmentation.Upsample2x("bed_of_nails"), x), "bed of nails")
    t.expect_close(nails[0, 0], [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]], 0,
                   "bed of nails of [[1, 2], [3, 4]]")
    big = torch.tensor([[[[1.0, 2, 0, 0], [0, 0, 0, 3], [4, 0, 0, 0], [0, 0, 5, 0]]]])
    pooled, indices = torch.nn.functional.max_pool2d(big, 2, return_indices=True)
    unpooled = as_numpy(t, t.call(segmentation.Upsample2x("max_unpool"), pooled, indices), "max unpooling")
    t.expect_close(unpooled[0, 0], [[0, 2, 0, 0], [0, 0, 0, 3], [4, 0, 0, 0], [0, 0, 5, 0]], 0,
                   "max unpooling puts 2, 3, 4, 5 back where they were")
    layer = t.call(segmentation.Upsample2x, "transposed", 3)
    deconv = getattr(layer, "deconv", None)
    if deconv is None or tuple(deconv.weight.shape) != (3, 3, 4, 4):
        t.fail("Upsample2x('transposed', 3) needs self.deconv, an nn.ConvTranspose2d(3, 3, kernel_size=4, "
               "stride=2, padding=1)")
    out = as_numpy(t, t.call(layer, torch.zeros(2, 3, 5, 6)), "the transposed convolution")
    if out.shape != (2, 3, 10, 12):
        t.fail("the transposed convolution turned (2, 3, 5, 6) into %s, expected (2, 3, 10, 12)" % (out.shape,))
    t.ok("the transposed convolution doubles the height and width")


@public_check("SegmentationFCN")
@keeps_torch_rng
def _check_segmentation_fcn(t):
    torch, _, segmentation = _modules()
    for mode in segmentation.UPSAMPLING_MODES:
        torch.manual_seed(0)
        model = t.call(segmentation.SegmentationFCN, num_classes=5, in_channels=2, width=3, upsampling=mode)
        scores = as_numpy(t, t.call(model, torch.zeros(2, 2, 8, 12)), "the scores (%s)" % mode)
        if scores.shape != (2, 5, 8, 12):
            t.fail("SegmentationFCN(upsampling=%r) gave scores of shape %s for images (2, 2, 8, 12), expected "
                   "(2, 5, 8, 12)" % (mode, scores.shape))
        names = sorted(name for name, _ in model.named_parameters())
        needed = ["classifier.weight", "dec1.weight", "dec2.weight", "enc1.weight", "enc2.weight", "enc3.weight",
                  "enc4.weight"]
        missing = [n for n in needed if n not in names]
        if missing:
            t.fail("SegmentationFCN(upsampling=%r) lacks the layers %s" % (mode, missing))
    t.ok("all four upsamplings give scores of shape (N, classes, H, W) with the docstring's layers")


@public_check("mean_iou")
@keeps_torch_rng
def _check_mean_iou(t):
    _, _, segmentation = _modules()
    targets = np.array([[[0, 0, 1], [1, 2, 2]]])
    predictions = np.array([[[0, 1, 1], [1, 2, 0]]])
    # class 0: 1 pixel in both of 3 in either; class 1: 2 of 3; class 2: 1 of 2; class 3 nowhere
    result = t.call(segmentation.mean_iou, predictions, targets, 4)
    if not isinstance(result, tuple) or len(result) != 2:
        t.fail("mean_iou must return a pair (mean IoU, IoU per class)")
    miou, iou = float(result[0]), np.asarray(result[1], dtype=np.float64)
    if iou.shape != (4,) or not np.isnan(iou[3]) or np.isnan(iou[:3]).any():
        t.fail("the IoU per class must have shape (4,) with NaN only for class 3 (it appears nowhere); got %s"
               % iou.tolist())
    t.expect_close(iou[:3], [1 / 3, 2 / 3, 1 / 2], 1e-12,
                   "the IoUs worked out by hand (1/3, 2/3, 1/2)")
    t.expect_close(miou, 1.5 / 3, 1e-12, "the mean IoU (classes that appear somewhere)")
