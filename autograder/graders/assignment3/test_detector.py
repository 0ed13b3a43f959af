"""Hidden graders of the detector of detection.py (assignment 3, 6 of 100 points).

detection_loss (its value and autograd's gradients against the reference, in float64),
DigitDetector (its layers, its forward pass recomputed here from its own weights, and
a small detector trained in the worker on digit scenes, whose mAP@0.5 on held-out scenes
must reach a threshold calibrated on the reference) and mean_average_precision (against
the reference on random detections, difficult boxes and classes without boxes).

Digit scenes are made here, in the trusted process. The training scenes are sent to the
worker; the held-out scenes never leave this process. The worker returns the trained
detector's weights, and the detections on the held-out scenes are made here by the
reference DigitDetector with those weights (the forward pass is checked against the
reference on its own). Whatever answered the held-out scenes in the worker could earn
the mAP without learning: thresholding the ink alone (no data, no training) finds these
digits at an mAP@0.5 of 0.99, and the digits can be looked up in the public MNIST.
"""
import numpy as np
import pytest

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import expect_at_least, expect_gradients, expect_near, wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import gradient_steps, leaf, state_arrays, tensor, tensors

from .detection_common import (DETECTION, GRAD_TOL, MODULE_TOL, expect_state_shapes, finite_weights, random_boxes,
                               reference)

SECTION_WEIGHT = 6
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
LOSS_TOL = 1e-10  # the detection loss in float64 against the NumPy reference: rounding only

# The trained detector: class-agnostic ("a digit" vs background) on 48x48 scenes of one
# or two digits, about 2.3 s of CPU time (the worker's run, torch's import included: 3.7
# to 4.1 s). Calibrated on the reference through the sandboxed worker over the grading
# seeds 0-29, its mAP@0.5 on 100 held-out scenes (scored here with the worker's weights),
# min / mean (sd) / max: 0.650 / 0.760 (0.048) / 0.831; an untrained detector scores 0.00
# to 0.07. Required: TRAINED_MIN_MAP = 0.50, TRAINED_MARGIN below the reference's worst
# seed (3.1 standard deviations; 5.4 below its mean).
TRAINED = {"train_scenes": 256, "test_scenes": 100, "image_size": 48, "digits_per_scene": (1, 2),
           "num_clutter": 2, "epochs": 8, "batch_size": 16, "learning_rate": 4e-3, "width": 8,
           "anchor_sizes": (16.0, 22.0), "aspect_ratios": (1.0, 1.6)}
TRAINED_RANGE = (0.65, 0.83)
TRAINED_MARGIN = 0.15
TRAINED_MIN_MAP = TRAINED_RANGE[0] - TRAINED_MARGIN


# --- detection_loss ------------------------------------------------------------------

LOSS_ANCHORS = {"feature_shape": (4, 4), "stride": 8, "sizes": (10.0, 18.0), "aspect_ratios": (1.0, 2.0)}


def loss_case(rng, num_images, num_classes, with_boxes=True):
    torch, detection, _ = reference()
    anchors = detection.generate_anchors(dtype=torch.float64, **LOSS_ANCHORS).numpy()
    count = anchors.shape[0]
    boxes, labels = [], []
    for i in range(num_images):
        g = int(rng.integers(1, 4)) if with_boxes and i != 1 else 0
        boxes.append(random_boxes(rng, g, low=0.0, high=22.0, min_side=6.0, max_side=16.0))
        labels.append(rng.integers(0, num_classes, size=g))
    logits = rng.normal(size=(num_images, count, num_classes + 1))
    deltas = rng.normal(scale=0.5, size=(num_images, count, 4))
    return {"anchors": anchors, "boxes": boxes, "labels": labels, "logits": logits, "deltas": deltas}


def loss_steps(tag, case, **kwargs):
    box_steps, box_list = tensors(tag + "_box", case["boxes"])
    label_steps, label_list = tensors(tag + "_label", case["labels"])
    steps = (leaf(tag + "_logits", case["logits"]) + leaf(tag + "_deltas", case["deltas"])
             + [tensor(tag + "_anchors", case["anchors"])] + box_steps + label_steps
             + [call(DETECTION + "detection_loss", saved(tag + "_logits"), saved(tag + "_deltas"),
                     saved(tag + "_anchors"), box_list, label_list, save=tag, **kwargs)]
             + gradient_steps(tag, [tag + "_logits", tag + "_deltas"], save=tag + "_grads"))
    return steps


def reference_loss(case, **kwargs):
    torch, detection, _ = reference()
    logits = torch.tensor(case["logits"], requires_grad=True)
    deltas = torch.tensor(case["deltas"], requires_grad=True)
    loss = detection.detection_loss(logits, deltas, torch.from_numpy(case["anchors"]),
                                    [torch.from_numpy(b) for b in case["boxes"]],
                                    [torch.from_numpy(c) for c in case["labels"]], **kwargs)
    grads = torch.autograd.grad(loss, [logits, deltas])
    return float(loss), [g.numpy() for g in grads]


LOSS_CASES = {
    "default": ({"num_images": 3, "num_classes": 3}, {}),
    "custom": ({"num_images": 2, "num_classes": 2},
               {"pos_threshold": 0.6, "neg_threshold": 0.2, "box_weight": 2.5}),
    "no_boxes": ({"num_images": 2, "num_classes": 3, "with_boxes": False}, {}),
}


def loss_problem(rng):
    cases, steps = {}, []
    for tag, (shape, kwargs) in LOSS_CASES.items():
        cases[tag] = loss_case(rng, **shape)
        steps += loss_steps(tag, cases[tag], **kwargs)
    return steps, [r for tag in LOSS_CASES for r in (tag, tag + "_grads")], cases


def check_loss(shared, tag, what):
    """The loss and its gradients of the case `tag` of LOSS_CASES."""
    result, cases = shared.get("detection_loss", loss_problem)
    expected, expected_grads = reference_loss(cases[tag], **LOSS_CASES[tag][1])
    loss = np.asarray(result[tag], dtype=np.float64)
    if loss.size != 1:
        raise wrong(loss, "%s: the loss must be a scalar tensor, got shape %s" % (what, loss.shape), what)
    expect_near(loss.reshape(()), np.float64(expected), LOSS_TOL, what + ": the loss")
    grads = result[tag + "_grads"]
    if tag == "no_boxes" and isinstance(grads, tuple) and len(grads) == 2 and grads[1] is None:
        grads = (grads[0], np.zeros_like(cases[tag]["deltas"]))  # a box loss of a constant 0 is fine
    expect_gradients(grads, expected_grads, ["class_logits", "box_deltas"], what, GRAD_TOL)


test_detection_loss_default = graded_on_shared(
    "detection_loss", 1.5, "three images (one without boxes), default thresholds: the loss and its gradients match "
    "the reference", check_loss, "default", "detection_loss of 3 images (one without boxes), 64 anchors, 3 classes")
test_detection_loss_arguments = graded_on_shared(
    "detection_loss", 1, "pos_threshold, neg_threshold and box_weight are honoured",
    check_loss, "custom", "detection_loss with pos_threshold=0.6, neg_threshold=0.2, box_weight=2.5")
test_detection_loss_without_boxes = graded_on_shared(
    "detection_loss", 0.5, "a minibatch without any box: only background is learnt, and the box deltas get no "
    "gradient", check_loss, "no_boxes", "detection_loss of images without boxes (no positive anchor)")


# --- DigitDetector -------------------------------------------------------------------

SMALL = {"num_classes": 3, "in_channels": 2, "width": 4, "anchor_sizes": [10.0, 20.0, 30.0],
         "aspect_ratios": [0.5, 1.0]}


def detector_shapes(num_classes, in_channels, width, anchor_sizes, aspect_ratios):
    a = len(anchor_sizes) * len(aspect_ratios)
    layers = {"conv1": (width, in_channels), "conv2": (2 * width, width), "conv3": (4 * width, 2 * width),
              "conv4": (4 * width, 4 * width), "class_head": (a * (num_classes + 1), 4 * width),
              "box_head": (a * 4, 4 * width)}
    shapes = {}
    for name, (out, inp) in layers.items():
        shapes[name + ".weight"] = (out, inp, 3, 3)
        shapes[name + ".bias"] = (out,)
    return shapes


def trained_scenes(rng):
    from cs231n_core.detection_data import make_digit_scenes

    seed = int(rng.integers(2**31))
    common = {"image_size": TRAINED["image_size"], "digits_per_scene": TRAINED["digits_per_scene"],
              "num_clutter": TRAINED["num_clutter"]}
    train = make_digit_scenes(TRAINED["train_scenes"], "train", seed=seed, **common)
    test = make_digit_scenes(TRAINED["test_scenes"], "test", seed=seed, **common)
    return train, test


def detector_problem(rng):
    x = rng.normal(size=(2, SMALL["in_channels"], 24, 40))
    steps = [call("torch:manual_seed", int(rng.integers(2**31))),
             call(DETECTION + "DigitDetector", save="small", **SMALL), call("small.double"),
             call("small.state_dict", save="state"), tensor("x", x), call("small", saved("x"), save="outputs")]
    train, test = trained_scenes(rng)
    scenes = {"images": train["images"], "boxes": train["boxes"],
              "labels": [np.zeros_like(c) for c in train["labels"]]}  # class-agnostic
    steps += [call("torch:manual_seed", int(rng.integers(2**31))),
              call(DETECTION + "DigitDetector", num_classes=1, width=TRAINED["width"],
                   anchor_sizes=list(TRAINED["anchor_sizes"]), aspect_ratios=list(TRAINED["aspect_ratios"]),
                   save="detector"),
              call(DETECTION + "train_detector", saved("detector"), scenes, epochs=TRAINED["epochs"],
                   batch_size=TRAINED["batch_size"], learning_rate=TRAINED["learning_rate"],
                   seed=int(rng.integers(2**31)), progress=False),
              call("detector.state_dict", save="trained_state")]
    return steps, ["state", "outputs", "trained_state"], {"x": x, "test": test}


@pytest.mark.target("DigitDetector")
@pytest.mark.points(1)
def test_detector_layers(shared):
    """the six convolutions named and shaped as the docstring says"""
    result, _ = shared.get("DigitDetector", detector_problem)
    what = "DigitDetector(num_classes=3, in_channels=2, width=4, 3 sizes x 2 aspect ratios)"
    expect_state_shapes(state_arrays(result["state"], what), detector_shapes(**SMALL), what)


@pytest.mark.target("DigitDetector")
@pytest.mark.points(1.5)
def test_detector_forward(shared):
    """class scores and box deltas per anchor, in generate_anchors' order, equal the reference's with the same weights"""
    result, context = shared.get("DigitDetector", detector_problem)
    torch, detection, _ = reference()
    what = "DigitDetector (3 classes, 6 anchors per cell) on a 24x40 input"
    state = state_arrays(result["state"], what)
    expect_state_shapes(state, detector_shapes(**SMALL), what)
    model = detection.DigitDetector(**SMALL).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    with torch.no_grad():
        expected = [t.numpy() for t in model(torch.from_numpy(context["x"]))]
    outputs = result["outputs"]
    if not isinstance(outputs, tuple) or len(outputs) != 2:
        raise wrong(outputs, "%s: forward must return a pair (class_logits, box_deltas)" % what, what)
    for got, ref, name in zip(outputs, expected, ("class_logits", "box_deltas")):
        expect_near(got, ref, MODULE_TOL, "%s: %s (row y * W/8 * A + x * A + a for anchor a of cell "
                    "(y, x))" % (what, name))


TRAINED_CONFIG = {"num_classes": 1, "in_channels": 1, "width": TRAINED["width"],
                  "anchor_sizes": list(TRAINED["anchor_sizes"]), "aspect_ratios": list(TRAINED["aspect_ratios"])}


def held_out_detections(result, test):
    """Detections on the held-out scenes, made here by the reference DigitDetector with
    the weights the worker trained: the scenes never enter the worker."""
    torch, detection, _ = reference()
    what = "the DigitDetector trained by train_detector (num_classes=1, width=%d)" % TRAINED["width"]
    state = state_arrays(result["trained_state"], what)
    expect_state_shapes(state, detector_shapes(**TRAINED_CONFIG), what)
    model = detection.DigitDetector(**TRAINED_CONFIG)
    model.load_state_dict({k: torch.from_numpy(finite_weights(v, k, what)) for k, v in state.items()})
    with torch.no_grad():
        return detection.predict_scenes(model, test["images"])


@pytest.mark.target("DigitDetector")
@pytest.mark.points(1.5)
def test_detector_trained_map(shared):
    """a small detector trained with train_detector on digit scenes reaches the calibrated mAP@0.5 on held-out scenes"""
    result, context = shared.get("DigitDetector", detector_problem)
    _, detection, _ = reference()
    test = context["test"]
    detections = held_out_detections(result, test)
    value, _ = detection.mean_average_precision(
        list(detections["boxes"]), list(detections["scores"]), [np.zeros(len(s), np.int64) for s in detections["scores"]],
        test["boxes"], [np.zeros_like(c) for c in test["labels"]], num_classes=1)
    expect_at_least(value if value == value else 0.0, TRAINED_MIN_MAP,
                    "mAP@0.5 on %d held-out scenes of a DigitDetector trained %d epochs on %d scenes "
                    "(one class: digit)" % (TRAINED["test_scenes"], TRAINED["epochs"], TRAINED["train_scenes"]),
                    " (the reference reaches %.2f to %.2f; margin %.2f)" % (TRAINED_RANGE + (TRAINED_MARGIN,)))


# --- mean_average_precision ------------------------------------------------------------

def jitter(rng, boxes, scale):
    sides = np.concatenate([boxes[:, 2:] - boxes[:, :2]] * 2, axis=1)
    return boxes + rng.normal(scale=scale, size=boxes.shape) * sides


def map_case(rng, num_images, num_classes, empty_class=None):
    """Ground truth of random boxes; detections: noisy copies of most boxes (some twice,
    the duplicates false positives), random false positives, distinct scores."""
    case = {"pred_boxes": [], "pred_scores": [], "pred_labels": [], "gt_boxes": [], "gt_labels": [],
            "gt_difficult": []}
    for _ in range(num_images):
        g = int(rng.integers(0, 6))
        gt = random_boxes(rng, g, high=80.0, min_side=8.0, max_side=30.0)
        labels = rng.integers(0, num_classes, size=g)
        if empty_class is not None:
            labels[labels == empty_class] = (empty_class + 1) % num_classes
        found = rng.random(g) < 0.8
        twice = found & (rng.random(g) < 0.3)
        boxes = np.concatenate([jitter(rng, gt[found], 0.12), jitter(rng, gt[twice], 0.1),
                                random_boxes(rng, int(rng.integers(0, 4)), high=80.0, min_side=8.0, max_side=30.0)])
        predicted = np.concatenate([labels[found], labels[twice],
                                    rng.integers(0, num_classes, size=len(boxes) - found.sum() - twice.sum())])
        wrong = rng.random(len(predicted)) < 0.1
        predicted[wrong] = rng.integers(0, num_classes, size=int(wrong.sum()))
        case["gt_boxes"].append(gt)
        case["gt_labels"].append(labels)
        case["gt_difficult"].append(rng.random(g) < 0.15)
        case["pred_boxes"].append(boxes)
        case["pred_labels"].append(predicted)
        case["pred_scores"].append(rng.random(len(boxes)))
    return case


MAP_KEYS = ("pred_boxes", "pred_scores", "pred_labels", "gt_boxes", "gt_labels")


def map_problem(rng):
    cases = {"plain": (map_case(rng, 12, 3), {}),
             "strict": (map_case(rng, 10, 4, empty_class=2), {"iou_threshold": 0.7}),
             "difficult": (map_case(rng, 12, 3), {"use_difficult": True})}
    steps = []
    for tag, (case, options) in cases.items():
        lists = []
        for key in MAP_KEYS:
            key_steps, saved_list = tensors("%s_%s" % (tag, key), case[key])
            steps += key_steps
            lists.append(saved_list)
        kwargs = {"iou_threshold": options["iou_threshold"]} if "iou_threshold" in options else {}
        if options.get("use_difficult"):
            key_steps, saved_list = tensors(tag + "_difficult", case["gt_difficult"])
            steps += key_steps
            kwargs["gt_difficult"] = saved_list
        num_classes = 4 if tag == "strict" else 3
        steps.append(call(DETECTION + "mean_average_precision", *lists, num_classes, save=tag, **kwargs))
    return steps, list(cases), cases


def check_map(shared, *runs):
    """mean_average_precision of the cases of `runs` [(tag, what)] of map_problem."""
    result, cases = shared.get("mean_average_precision", map_problem)
    for tag, what in runs:
        expect_map(result, cases, tag, what)


def expect_map(result, cases, tag, what):
    _, detection, _ = reference()
    case, options = cases[tag]
    num_classes = 4 if tag == "strict" else 3
    kwargs = {"iou_threshold": options["iou_threshold"]} if "iou_threshold" in options else {}
    if options.get("use_difficult"):
        kwargs["gt_difficult"] = case["gt_difficult"]
    expected_map, expected_ap = detection.mean_average_precision(*[case[k] for k in MAP_KEYS], num_classes, **kwargs)
    answer = result[tag]
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise wrong(answer, "%s: expected a pair (mAP, AP per class)" % what, what)
    got_map, got_ap = (np.asarray(v, dtype=np.float64) for v in answer)
    if got_ap.shape != (num_classes,):
        raise wrong(got_ap, "%s: the AP per class has shape %s, expected (%d,)" % (what, got_ap.shape, num_classes),
                    what)
    if not np.array_equal(np.isnan(got_ap), np.isnan(expected_ap)):
        raise wrong(got_ap, "%s: a class without ground-truth boxes has AP NaN (and only such a class)" % what, what)
    present = ~np.isnan(expected_ap)
    expect_near(got_ap[present], expected_ap[present], 1e-9, what + ": the AP of each class")
    if got_map.size != 1 or not abs(float(got_map.reshape(())) - expected_map) <= 1e-9:
        raise wrong(got_map, "%s: the mAP is not the mean of the classes' APs (classes without boxes "
                    "left out)" % what, what)


test_map_random = graded_on_shared(
    "mean_average_precision", 1, "APs (VOC all-point interpolation) and mAP@0.5 of noisy, duplicated and false "
    "detections match the reference", check_map, ("plain", "mean_average_precision of 12 images, 3 classes"))
test_map_threshold_difficult_and_empty_class = graded_on_shared(
    "mean_average_precision", 1, "iou_threshold=0.7, a class without boxes (NaN, left out of the mean), difficult "
    "boxes ignored", check_map, ("strict", "mean_average_precision at IoU 0.7 with a class that has no box"),
    ("difficult", "mean_average_precision with difficult boxes (neither hits nor misses)"))
