"""Public checks of assignment 3's digit detector (detection.py: DigitDetector,
detection_loss, mean_average_precision).

Small hand-made cases whose answers can be worked out on paper (the comments say how),
and a few numbers stored once from the reference solution.
torch is imported inside each check, so that importing the checks stays cheap; each
check leaves torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, detection_modules, keeps_torch_rng


@public_check("DigitDetector")
@keeps_torch_rng
def _check_digit_detector(t):
    torch, detection, _ = detection_modules()
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
    # Every layer copies channel 0 at its kernel's centre, so that an image whose 8 x 8
    # blocks hold the numbers of their cells (0 to 14, row by row) reaches conv4 as a map
    # of those numbers; conv4's bias of -5 makes cells 0 to 4 negative, which its ReLU
    # clips to 0; each head then adds its biases 0 to 15. Row cell * 4 + a of either
    # output is max(cell - 5, 0) + (channel a * 4 + k).
    with torch.no_grad():
        for layer in (model.conv1, model.conv2, model.conv3, model.conv4, model.class_head, model.box_head):
            layer.weight.zero_()
            layer.weight[:, 0, 1, 1] = 1.0
            layer.bias.zero_()
        model.conv4.bias.fill_(-5.0)
        model.class_head.bias.copy_(torch.arange(16.0))
        model.box_head.bias.copy_(torch.arange(16.0))
    cells = torch.arange(15.0).reshape(1, 1, 3, 5).repeat_interleave(8, dim=2).repeat_interleave(8, dim=3)
    class_logits, box_deltas = (as_numpy(t, o, "an output") for o in t.call(model, cells))
    by_cell = np.maximum(np.arange(15.0) - 5.0, 0.0)[:, None, None] + np.arange(16.0).reshape(1, 4, 4)
    t.expect_close(class_logits[0], by_cell.reshape(60, 4), 1e-6,
                   "class scores of a 3 x 5 grid of cells, row by row (conv4 followed by its ReLU)")
    t.expect_close(box_deltas[0], by_cell.reshape(60, 4), 1e-6,
                   "box deltas of a 3 x 5 grid of cells, row by row")


# The loss of detection_loss on the case below (anchors 0 and 4 positive, 1 ignored, 2 and 3
# background in the first image; all background in the second), stored from the reference.
LOSS_CASE_VALUE = 1.40471498904283
# With box_weight=2.5: its class loss (1.13851...) plus 2.5 times its box loss (0.26620...).
LOSS_CASE_WEIGHTED = 1.804020595882674


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
    torch, detection, _ = detection_modules()
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
    weighted = as_numpy(t, t.call(detection.detection_loss, logits, deltas, anchors, boxes, labels,
                                  box_weight=2.5), "the loss with box_weight=2.5")
    t.expect_close(weighted, LOSS_CASE_WEIGHTED, 1e-10,
                   "the loss with box_weight=2.5, stored from the reference (the box loss weighs 2.5 times more)")
    loss.backward()
    if logits.grad is None or deltas.grad is None:
        t.fail("the loss does not reach class_logits and box_deltas through autograd")
    if np.any(deltas.grad[1].numpy() != 0):
        t.fail("the second image has no box, yet its box deltas get a gradient")
    t.ok("gradients reach the scores and deltas (none for the deltas of an image without boxes)")


SQUARE = [0, 0, 10, 10]  # a ground-truth box of the mean average precision cases


@public_check("mean_average_precision")
@keeps_torch_rng
def _check_mean_average_precision(t):
    _, detection, _ = detection_modules()
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
    # Three images, detections not in score order. Class 0 has a box in images 0 and 1,
    # and a difficult one in image 0; by score: 0.95 in image 2 (no box of class 0: a
    # false positive), 0.9 on the difficult box (neither), 0.8 and 0.6 hits: precision
    # 0, 1/2, 2/3 at recall 0, 1/2, 1, whose envelope is 2/3: AP 2/3. Class 1 has a box
    # in images 1 and 2: 0.7 and 0.4 hit them, 0.3 in image 0 comes last: AP 1.
    gt_boxes = [np.array([SQUARE, [30, 0, 40, 10]]), np.array([SQUARE, [50, 50, 60, 60]]),
                np.array([[50, 50, 60, 60]])]
    gt_labels = [np.array([0, 0]), np.array([0, 1]), np.array([1])]
    difficult = [np.array([False, True]), np.array([False, False]), np.array([False])]
    pred_boxes = [np.array([SQUARE, [30, 0, 40, 10], [60, 0, 70, 10]]), np.array([SQUARE, [50, 50, 60, 60]]),
                  np.array([SQUARE, [50, 50, 60, 60]])]
    scores = [np.array([0.6, 0.9, 0.3]), np.array([0.8, 0.4]), np.array([0.95, 0.7])]
    pred_labels = [np.array([0, 0, 1]), np.array([0, 1]), np.array([0, 1])]
    result = t.call(detection.mean_average_precision, pred_boxes, scores, pred_labels, gt_boxes, gt_labels, 2,
                    gt_difficult=difficult)
    t.expect_close(np.asarray(result[1], dtype=np.float64), [2 / 3, 1.0], 1e-12,
                   "the APs of unsorted detections, a difficult box and images without boxes of a class "
                   "(2/3 and 1)",
                   hint=lambda got, exp: "sort by score; a detection in an image without boxes of its class "
                   "is a false positive; difficult boxes are neither found nor to find")
    t.expect_close(float(result[0]), 5 / 6, 1e-12, "their mAP (5/6)")
