"""Hidden graders of the box operations of detection.py (assignment 3, 10 of 100 points).

box_iou, nms, batched_nms, generate_anchors, encode_boxes, decode_boxes and
match_anchors, each against a reference computed here: IoUs, anchors and deltas
within a relative error of 1e-7 (float64), suppression and matching exactly.

The suppression references are brute force, written from the definition in NumPy: take
the boxes in the order of decreasing score (equal scores by index), keep a box unless
an earlier kept box overlaps it by an IoU above the threshold. Their boxes have integer
corners, so that every IoU is an exact fraction that any correct implementation
computes to the same float; scores are drawn from few values (many ties), and pairs of
boxes whose IoU equals the threshold exactly are planted, so that "ties included" is
checked both ways.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_dtype, expect_near, wrong
from autograder.trusted.submission import call, get, saved
from autograder.trusted.torch_steps import tensor

from .detection_common import DETECTION, F32_TOL, VALUE_TOL, expect_indices, integer_boxes, random_boxes

SECTION_WEIGHT = 10
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
NMS_BOXES = 5000
NMS_THRESHOLDS = (0.3, 0.5, 0.7)


# --- references written from the definitions -------------------------------------------

def iou_matrix(boxes1, boxes2):
    """IoU of every pair, in float64 NumPy (0 where the union is empty)."""
    boxes1, boxes2 = np.asarray(boxes1, np.float64), np.asarray(boxes2, np.float64)
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    low = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    high = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    sides = np.clip(high - low, 0, None)
    inter = sides[..., 0] * sides[..., 1]
    union = area1[:, None] + area2[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def brute_force_nms(boxes, scores, threshold):
    """Greedy suppression from the definition: in the order of decreasing score (equal
    scores by index), a box that no kept box has suppressed is kept and suppresses every
    box that overlaps it by an IoU above the threshold (checked against every box)."""
    suppressed = np.zeros(len(scores), dtype=bool)
    keep = []
    for i in sorted(range(len(scores)), key=lambda i: (-float(scores[i]), i)):
        if not suppressed[i]:
            keep.append(i)
            suppressed |= iou_matrix(boxes[i:i + 1], boxes)[0] > threshold
    return np.asarray(keep, dtype=np.int64)


def brute_force_batched_nms(boxes, scores, classes, threshold):
    keep = []
    for label in np.unique(classes):
        members = np.flatnonzero(classes == label)
        keep += members[brute_force_nms(boxes[members], scores[members], threshold)].tolist()
    return np.asarray(sorted(keep, key=lambda i: (-float(scores[i]), i)), dtype=np.int64)


def planted_boxes(rng, count):
    """Pairs of boxes whose IoU is exactly 0.3, 0.5 or 0.7: a box of width 10 and the
    box of width 3, 5 or 7 that shares its left part (same rows)."""
    boxes = []
    for _ in range(count):
        x, y, height = int(rng.integers(0, 190)), int(rng.integers(0, 190)), int(rng.integers(2, 30))
        part = int(rng.choice([3, 5, 7]))
        boxes += [(x, y, x + 10, y + height), (x, y, x + part, y + height)]
    return np.asarray(boxes, dtype=np.float64)


def nms_boxes(rng, n):
    """n boxes as a detector proposes them: clusters of candidates around objects (integer
    jitter of a few pixels), planted pairs at the thresholds, and exact copies."""
    planted = planted_boxes(rng, n // 20)
    count = n - len(planted) - n // 20
    objects = integer_boxes(rng, max(1, count // 20), extent=300, min_side=8, max_side=60)
    jitter = rng.integers(-4, 5, size=(count, 4))
    base = objects[rng.integers(0, len(objects), size=count)] + jitter
    base[:, 2:] = np.maximum(base[:, 2:], base[:, :2] + 2)
    copies = base[rng.integers(0, len(base), size=n // 20)]
    boxes = np.concatenate([base, planted, copies])
    return boxes[rng.permutation(n)]


def tied_scores(rng, n, dtype):
    """Scores with many ties: n draws from 200 values."""
    return (rng.integers(0, 200, size=n) / 200.0).astype(dtype)


# --- box_iou ---------------------------------------------------------------------------

def special_boxes():
    """Identical, nested, disjoint, edge-touching and corner-touching boxes, and a box of
    zero area (its IoU with itself is 0: the union is empty)."""
    boxes1 = np.array([[0, 0, 10, 10], [2, 3, 5, 9], [0, 0, 4, 4], [10, 10, 10, 10]], dtype=np.float64)
    boxes2 = np.array([[0, 0, 10, 10], [10, 0, 20, 10], [4, 4, 8, 8], [1, 1, 3, 3], [10, 10, 10, 10],
                       [-5, -5, 2, 2]], dtype=np.float64)
    return boxes1, boxes2


def box_iou_problem(rng):
    problems = {
        "random64": (random_boxes(rng, 37), random_boxes(rng, 53)),
        "random32": (random_boxes(rng, 29).astype(np.float32), random_boxes(rng, 31).astype(np.float32)),
        "special": special_boxes(),
        "empty": (random_boxes(rng, 0), random_boxes(rng, 7)),
    }
    steps = []
    for key, (boxes1, boxes2) in problems.items():
        steps += [tensor(key + "_a", boxes1), tensor(key + "_b", boxes2),
                  call(DETECTION + "box_iou", saved(key + "_a"), saved(key + "_b"), save=key)]
    return steps, list(problems), problems


@pytest.mark.target("box_iou")
@pytest.mark.points(1)
def test_box_iou_random(shared):
    """IoUs of 37 x 53 random boxes match the reference (float64, relative error 1e-7)"""
    result, problems = shared.get("box_iou", box_iou_problem)
    boxes1, boxes2 = problems["random64"]
    what = "box_iou of %d and %d random boxes" % (len(boxes1), len(boxes2))
    expect_near(result["random64"], iou_matrix(boxes1, boxes2), VALUE_TOL, what)
    expect_dtype(result["random64"], np.float64, what)


@pytest.mark.target("box_iou")
@pytest.mark.points(0.5)
def test_box_iou_special_cases(shared):
    """identical, nested, disjoint, touching and zero-area boxes; float32 inputs; no boxes"""
    result, problems = shared.get("box_iou", box_iou_problem)
    expect_near(result["special"], iou_matrix(*problems["special"]), VALUE_TOL,
                "box_iou of identical, nested, disjoint, touching and zero-area boxes "
                "(boxes that only touch have IoU 0; two zero-area boxes too)")
    boxes1, boxes2 = problems["random32"]
    what = "box_iou of float32 boxes"
    expect_near(result["random32"], iou_matrix(boxes1, boxes2), F32_TOL, what)
    expect_dtype(result["random32"], np.float32, what + " (compute in the inputs' dtype)")
    empty = result["empty"]
    if not isinstance(empty, np.ndarray) or empty.shape != (0, 7):  # judged by its shape (no values)
        got = getattr(empty, "shape", type(empty).__name__)
        raise wrong("shape %s" % (got,), "box_iou of 0 and 7 boxes: expected shape (0, 7), got %s" % (got,),
                    "box_iou of 0 and 7 boxes")


# --- nms -------------------------------------------------------------------------------

def nms_problem(rng):
    boxes = nms_boxes(rng, NMS_BOXES)
    scores = tied_scores(rng, NMS_BOXES, np.float32)
    small = nms_boxes(rng, 400).astype(np.float32)
    small_scores = tied_scores(rng, 400, np.float32)
    steps = [tensor("boxes", boxes), tensor("scores", scores), tensor("small", small),
             tensor("small_scores", small_scores), tensor("none", np.zeros((0, 4))),
             tensor("no_scores", np.zeros(0)),
             call(DETECTION + "nms", saved("none"), saved("no_scores"), 0.5, save="empty")]
    returns = ["empty", "float32"]
    for k, threshold in enumerate(NMS_THRESHOLDS):
        steps.append(call(DETECTION + "nms", saved("boxes"), saved("scores"), threshold, save="keep%d" % k))
        returns.append("keep%d" % k)
    steps.append(call(DETECTION + "nms", saved("small"), saved("small_scores"), iou_threshold=0.5,
                      save="float32"))
    return steps, returns, {"boxes": boxes, "scores": scores, "small": small, "small_scores": small_scores}


@pytest.mark.target("nms")
@pytest.mark.points(2)
def test_nms_matches_brute_force(shared):
    """5,000 boxes with tied scores and IoUs on the thresholds: the kept indices, in order, equal a brute-force reference at IoU 0.3, 0.5 and 0.7"""
    result, context = shared.get("nms", nms_problem)
    for k, threshold in enumerate(NMS_THRESHOLDS):
        expected = brute_force_nms(context["boxes"], context["scores"], threshold)
        expect_indices(result["keep%d" % k], expected,
                       "nms of %d boxes at IoU threshold %.1f (kept indices in order of decreasing "
                       "score, equal scores by index; a box whose IoU equals the threshold is kept)"
                       % (NMS_BOXES, threshold))


@pytest.mark.target("nms")
@pytest.mark.points(0.5)
def test_nms_float32_and_empty(shared):
    """float32 boxes give the same kept boxes; no boxes give an empty int64 tensor"""
    result, context = shared.get("nms", nms_problem)
    expected = brute_force_nms(context["small"], context["small_scores"], 0.5)
    expect_indices(result["float32"], expected, "nms of 400 float32 boxes at IoU threshold 0.5")
    expect_indices(result["empty"], np.zeros(0, dtype=np.int64), "nms of no boxes")


# --- batched_nms -----------------------------------------------------------------------

def batched_nms_problem(rng):
    n = 1500
    boxes = nms_boxes(rng, n)
    scores = tied_scores(rng, n, np.float64)
    labels = np.array([0, 3, 4, 9])[rng.integers(0, 4, size=n)]
    # boxes of different classes in the same place must not suppress each other
    twins = rng.integers(0, n, size=50)
    boxes = np.concatenate([boxes, boxes[twins]])
    scores = np.concatenate([scores, scores[twins]])
    labels = np.concatenate([labels, (labels[twins] + 3) % 10])
    steps = [tensor("boxes", boxes), tensor("scores", scores), tensor("labels", labels),
             call(DETECTION + "batched_nms", saved("boxes"), saved("scores"), saved("labels"), 0.5, save="keep5"),
             call(DETECTION + "batched_nms", saved("boxes"), saved("scores"), saved("labels"),
                  iou_threshold=0.3, save="keep3")]
    return steps, ["keep5", "keep3"], {"boxes": boxes, "scores": scores, "labels": labels}


@pytest.mark.target("batched_nms")
@pytest.mark.points(1)
def test_batched_nms_matches_brute_force(shared):
    """1,550 boxes of 4 classes (some in the same place as a box of another class): equal to per-class brute force at IoU 0.5 and 0.3"""
    result, context = shared.get("batched_nms", batched_nms_problem)
    for key, threshold in (("keep5", 0.5), ("keep3", 0.3)):
        expected = brute_force_batched_nms(context["boxes"], context["scores"], context["labels"], threshold)
        expect_indices(result[key], expected,
                       "batched_nms of %d boxes of 4 classes at IoU threshold %.1f (kept indices of all "
                       "classes together, by decreasing score, equal scores by index)"
                       % (len(context["labels"]), threshold))


# --- generate_anchors ------------------------------------------------------------------

def reference_anchors(feature_shape, stride, sizes, ratios):
    height, width = feature_shape
    shapes = np.array([(s / np.sqrt(r), s * np.sqrt(r)) for s in sizes for r in ratios])
    cy, cx = np.meshgrid((np.arange(height) + 0.5) * stride, (np.arange(width) + 0.5) * stride,
                         indexing="ij")
    centres = np.stack([cx, cy], axis=-1)[:, :, None, :]
    return np.concatenate([centres - shapes / 2, centres + shapes / 2], axis=-1).reshape(-1, 4)


def anchors_problem(rng):
    cases = [((int(rng.integers(3, 6)), int(rng.integers(6, 9))), float(rng.choice([4, 8, 16])),
              tuple(float(s) for s in np.round(rng.uniform(8, 40, size=2), 2)), (0.5, 1.0, 2.0)),
             ((1, 1), 7.5, (10.0,), (1.0,)),
             ((2, 3), 32.0, (64.0, 128.0, 256.0), (float(np.round(rng.uniform(0.3, 3.0), 3)),))]
    steps = [get("torch:float64", save="float64")]
    returns = []
    for k, (shape, stride, sizes, ratios) in enumerate(cases):
        steps.append(call(DETECTION + "generate_anchors", list(shape), stride, list(sizes), list(ratios),
                          dtype=saved("float64"), save="case%d" % k))
        returns.append("case%d" % k)
    shape, stride, sizes, ratios = cases[0]
    steps.append(call(DETECTION + "generate_anchors", list(shape), stride, list(sizes), list(ratios),
                      save="default_dtype"))
    return steps, returns + ["default_dtype"], cases


@pytest.mark.target("generate_anchors")
@pytest.mark.points(1)
def test_generate_anchors_values(shared):
    """anchors of non-square feature maps, several sizes and aspect ratios, in the (H, W, A) order (float64, relative error 1e-7)"""
    result, cases = shared.get("generate_anchors", anchors_problem)
    for k, (shape, stride, sizes, ratios) in enumerate(cases):
        what = ("generate_anchors for a %dx%d feature map, stride %g, %d sizes and %d aspect ratios "
                "(rows ordered cell by cell along each row, sizes outer, ratios inner)"
                % (shape[0], shape[1], stride, len(sizes), len(ratios)))
        expect_near(result["case%d" % k], reference_anchors(shape, stride, sizes, ratios), VALUE_TOL, what)
        expect_dtype(result["case%d" % k], np.float64, what + " with dtype=torch.float64")


@pytest.mark.target("generate_anchors")
@pytest.mark.points(0.5)
def test_generate_anchors_default_dtype(shared):
    """the default dtype is float32"""
    result, cases = shared.get("generate_anchors", anchors_problem)
    shape, stride, sizes, ratios = cases[0]
    what = "generate_anchors with the default dtype"
    expect_near(result["default_dtype"], reference_anchors(shape, stride, sizes, ratios), F32_TOL, what)
    expect_dtype(result["default_dtype"], np.float32, what)


# --- encode_boxes and decode_boxes -----------------------------------------------------

def reference_encode(boxes, anchors):
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    return np.stack([(boxes[:, 0] + w / 2 - anchors[:, 0] - aw / 2) / aw,
                     (boxes[:, 1] + h / 2 - anchors[:, 1] - ah / 2) / ah,
                     np.log(w / aw), np.log(h / ah)], axis=1)


def reference_decode(deltas, anchors):
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    x = anchors[:, 0] + aw / 2 + deltas[:, 0] * aw
    y = anchors[:, 1] + ah / 2 + deltas[:, 1] * ah
    w, h = aw * np.exp(deltas[:, 2]), ah * np.exp(deltas[:, 3])
    return np.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], axis=1)


def box_pair_problem(rng, n):
    """Boxes and anchors of different shapes (tall, wide), the anchors near the boxes."""
    anchors = random_boxes(rng, n, min_side=4.0, max_side=60.0)
    boxes = random_boxes(rng, n, min_side=2.0, max_side=70.0)
    return boxes, anchors


def encode_problem(rng):
    boxes, anchors = box_pair_problem(rng, 41)
    boxes32, anchors32 = (a.astype(np.float32) for a in box_pair_problem(rng, 13))
    steps = [tensor("boxes", boxes), tensor("anchors", anchors), tensor("boxes32", boxes32),
             tensor("anchors32", anchors32),
             call(DETECTION + "encode_boxes", saved("boxes"), saved("anchors"), save="deltas"),
             call(DETECTION + "encode_boxes", saved("boxes32"), saved("anchors32"), save="deltas32")]
    return steps, ["deltas", "deltas32"], {"boxes": boxes, "anchors": anchors, "boxes32": boxes32,
                                           "anchors32": anchors32}


@pytest.mark.target("encode_boxes")
@pytest.mark.points(1)
def test_encode_boxes(shared):
    """deltas (tx, ty, tw, th) of random boxes and anchors match the reference (float64 1e-7, float32 1e-5); decoding them gives the boxes back"""
    result, context = shared.get("encode_boxes", encode_problem)
    boxes, anchors = context["boxes"], context["anchors"]
    what = "encode_boxes of %d boxes and anchors" % len(boxes)
    expect_near(result["deltas"], reference_encode(boxes, anchors), VALUE_TOL, what)
    expect_near(reference_decode(result["deltas"], anchors), boxes, VALUE_TOL,
                "the reference's decode_boxes of your encode_boxes' deltas (round trip)")
    what = "encode_boxes of float32 boxes"
    expect_near(result["deltas32"], reference_encode(context["boxes32"].astype(np.float64),
                                                     context["anchors32"].astype(np.float64)), F32_TOL * 10, what)
    expect_dtype(result["deltas32"], np.float32, what)


def decode_problem(rng):
    boxes, anchors = box_pair_problem(rng, 43)
    deltas = reference_encode(boxes, anchors)
    extra_anchors = random_boxes(rng, 17, min_side=4.0, max_side=60.0)
    extra = np.concatenate([rng.normal(scale=0.5, size=(17, 2)), rng.normal(scale=1.0, size=(17, 2))], axis=1)
    steps = [tensor("deltas", deltas), tensor("anchors", anchors), tensor("extra", extra),
             tensor("extra_anchors", extra_anchors),
             call(DETECTION + "decode_boxes", saved("deltas"), saved("anchors"), save="boxes"),
             call(DETECTION + "decode_boxes", saved("extra"), saved("extra_anchors"), save="extra_boxes")]
    return steps, ["boxes", "extra_boxes"], {"boxes": boxes, "anchors": anchors, "deltas": deltas,
                                             "extra": extra, "extra_anchors": extra_anchors}


@pytest.mark.target("decode_boxes")
@pytest.mark.points(1)
def test_decode_boxes(shared):
    """boxes from the deltas match the reference (relative error 1e-7) and undo encoding (round trip)"""
    result, context = shared.get("decode_boxes", decode_problem)
    expect_near(result["boxes"], context["boxes"], VALUE_TOL,
                "decode_boxes of the reference's deltas of %d boxes (round trip)" % len(context["boxes"]))
    expect_near(result["extra_boxes"], reference_decode(context["extra"], context["extra_anchors"]), VALUE_TOL,
                "decode_boxes of random deltas")


# --- match_anchors ---------------------------------------------------------------------

def reference_matches(anchors, gt, pos, neg):
    matches = np.full(len(anchors), -2, dtype=np.int64)
    if len(gt) == 0:
        return matches * 0 - 1
    iou = iou_matrix(anchors, gt)
    candidate = iou.argmax(axis=1)
    best = iou[np.arange(len(anchors)), candidate]
    matches[best < neg] = -1
    best_for_box = iou.max(axis=0)
    is_best = ((iou == best_for_box[None]) & (best_for_box[None] > 0)).any(axis=1)
    positive = (best >= pos) | is_best
    matches[positive] = candidate[positive]
    return matches


def hand_made_matching():
    """Hand-made anchors and boxes:
    - anchor 0's best IoU is exactly 0.7 (positive), anchor 1's exactly 0.3 (ignored, not
      background); neither is the best anchor of its box (anchors 7 and 6 are);
    - anchors 2 and 3 are identical and tie for box 4's highest IoU: both positive;
    - anchor 4 is the best anchor of boxes 2 and 3 (both IoUs below 0.7); it is matched
      to box 2, its own highest-IoU box;
    - anchor 5 overlaps nothing: background."""
    anchors = np.array([[0, 0, 10, 1], [0, 10, 10, 11], [50, 50, 60, 60], [50, 50, 60, 60],
                        [100, 0, 110, 10], [200, 200, 201, 201], [0, 10, 4, 11], [0, 0, 7, 1]],
                       dtype=np.float64)
    gt = np.array([[0, 0, 7, 1], [0, 10, 3, 11], [100, 0, 110, 6], [100, 0, 102, 10],
                   [52, 52, 58, 58]], dtype=np.float64)
    return anchors, gt


def matching_problem(rng):
    anchors = reference_anchors((6, 6), 8, (12.0, 20.0), (0.5, 1.0, 2.0))
    cases = []
    for _ in range(3):
        gt = random_boxes(rng, int(rng.integers(2, 6)), low=0.0, high=40.0, min_side=6.0, max_side=24.0)
        cases.append((anchors, gt, 0.7, 0.3))
    cases.append((anchors, random_boxes(rng, 4, high=40.0, min_side=6.0, max_side=24.0), 0.5, 0.4))
    cases.append((anchors, np.zeros((0, 4)), 0.7, 0.3))
    cases.append(hand_made_matching() + (0.7, 0.3))
    steps, returns = [], []
    for k, (a, gt, pos, neg) in enumerate(cases):
        steps += [tensor("anchors%d" % k, a), tensor("gt%d" % k, gt),
                  call(DETECTION + "match_anchors", saved("anchors%d" % k), saved("gt%d" % k),
                       pos_threshold=pos, neg_threshold=neg, save="matches%d" % k)]
        returns.append("matches%d" % k)
    return steps, returns, cases


def expect_matches(result, cases, indices, what):
    for k in indices:
        anchors, gt, pos, neg = cases[k]
        expect_indices(result["matches%d" % k], reference_matches(anchors, gt, pos, neg),
                       "%s (%d anchors, %d boxes, thresholds %.1f and %.1f)" % (what, len(anchors), len(gt), pos, neg))


@pytest.mark.target("match_anchors")
@pytest.mark.points(2)
def test_match_anchors_random(shared):
    """anchors of a 6x6 grid matched to random boxes, at thresholds 0.7 / 0.3 and 0.5 / 0.4, and to no box"""
    result, cases = shared.get("match_anchors", matching_problem)
    expect_matches(result, cases, range(4), "match_anchors of random boxes: the matches (box index, -1 "
                   "background, -2 ignored)")
    expect_matches(result, cases, [4], "match_anchors of an image without boxes (every anchor is background)")


@pytest.mark.target("match_anchors")
@pytest.mark.points(1)
def test_match_anchors_edge_cases(shared):
    """an IoU equal to a threshold, anchors tying for a box's best, a best anchor matched to its own best box"""
    result, cases = shared.get("match_anchors", matching_problem)
    expect_matches(result, cases, [5], "match_anchors on hand-made boxes (an IoU of exactly 0.7 is "
                   "positive, exactly 0.3 is ignored; all anchors tying for a box's highest IoU are "
                   "positive; each positive anchor is matched to its own highest-IoU box)")
