"""Hidden graders of segmentation.py (assignment 3, 6 of 100 points).

Upsample2x (the four upsamplings against references written here, the transposed
convolution with the layer's own weights), SegmentationFCN (its layers and its forward
pass recomputed here from its own weights, for every upsampling; a small network
trained in the worker on digit scenes reaches a mean IoU calibrated on the reference)
and mean_iou (against the reference on random label maps).

The held-out scenes never enter the worker: it returns the trained network's weights,
and the held-out masks are predicted here by the reference SegmentationFCN with those
weights (the forward pass is checked against the reference on its own). Whatever
answered the held-out scenes in the worker could earn the mean IoU without learning:
thresholding the ink alone (no data, no training) scores 0.76 to 0.78, above every
trained reference, and the digits can be looked up in the public MNIST.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_at_least, expect_near, wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import state_arrays, tensor

from .detection_common import MODULE_TOL, SEGMENTATION, expect_state_shapes, finite_weights, reference

SECTION_WEIGHT = 6
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
MODES = tuple("nearest bed_of_nails max_unpool transposed".split())  # the four upsampling modes

# The trained network: digit or background (2 classes) on 32x32 scenes, max unpooling
# (the upsampling that learns fastest here), width 12: about 2.2 s of CPU time to train
# (the worker's whole run, torch's import and the forward checks included: about 4 s).
# Calibrated on the reference over the grading seeds 0-49 (the same training outside
# the sandbox, which gives the worker's numbers), its mean IoU on 64 held-out scenes
# (scored here with the trained weights), min / mean (sd) / max: 0.637 / 0.676
# (0.019) / 0.710. Predicting background everywhere scores 0.46. At width 8 (the
# earlier setting, 1.3 s less CPU) the reference stayed there on grading seeds 24 and
# 33 (0.46, below any threshold that a net that learns nothing fails): its argmax never
# turned to "digit". Required:
# TRAINED_MIN_MIOU = 0.55, TRAINED_MARGIN below the reference's worst seed (4.6 standard
# deviations; 6.6 below its mean).
TRAINED = {"train_scenes": 192, "test_scenes": 64, "image_size": 32, "epochs": 12, "batch_size": 16,
           "learning_rate": 3e-3, "width": 12, "upsampling": "max_unpool"}
TRAINED_RANGE = (0.637, 0.710)
TRAINED_MARGIN = 0.087
TRAINED_MIN_MIOU = TRAINED_RANGE[0] - TRAINED_MARGIN


# --- Upsample2x ------------------------------------------------------------------------

def reference_nearest(x):
    return x.repeat(2, axis=2).repeat(2, axis=3)


def reference_bed_of_nails(x):
    out = np.zeros(x.shape[:2] + (2 * x.shape[2], 2 * x.shape[3]))
    out[:, :, ::2, ::2] = x
    return out


def pooled_with_indices(big):
    """2x2 max pooling of `big` (N, C, 2H, 2W) and each maximum's flat index in its plane."""
    n, c, height, width = big.shape
    blocks = big.reshape(n, c, height // 2, 2, width // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
        n, c, height // 2, width // 2, 4)
    where = blocks.argmax(axis=-1)
    rows = np.arange(height // 2)[:, None] * 2 + where // 2
    cols = np.arange(width // 2)[None, :] * 2 + where % 2
    return blocks.max(axis=-1), rows * width + cols


def reference_unpool(pooled, indices, shape):
    out = np.zeros(shape)
    n, c = shape[:2]
    flat = out.reshape(n, c, -1)
    np.put_along_axis(flat, indices.reshape(n, c, -1), pooled.reshape(n, c, -1), axis=2)
    return flat.reshape(shape)


def upsample_problem(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    big = rng.normal(size=(2, 3, 8, 10))
    channels = 3
    steps = [tensor("x", x), tensor("big", big),
             call("torch.nn.functional:max_pool2d", saved("big"), 2, return_indices=True, save="pooling"),
             call("pooling.__getitem__", 0, save="pooled"), call("pooling.__getitem__", 1, save="indices")]
    for mode in ("nearest", "bed_of_nails"):
        steps += [call(SEGMENTATION + "Upsample2x", mode, save=mode), call(mode, saved("x"), save=mode + "_out")]
    steps += [call(SEGMENTATION + "Upsample2x", "max_unpool", save="unpool"),
              call("unpool", saved("pooled"), saved("indices"), save="max_unpool_out"),
              call("torch:manual_seed", int(rng.integers(2**31))),
              call(SEGMENTATION + "Upsample2x", "transposed", channels, save="transposed"),
              call("transposed.double"), call("transposed.state_dict", save="transposed_state"),
              call("transposed", saved("x"), save="transposed_out")]
    returns = [m + "_out" for m in MODES] + ["transposed_state"]
    return steps, returns, {"x": x, "big": big}


@pytest.mark.target("Upsample2x")
@pytest.mark.points(1)
def test_upsample_nearest_and_bed_of_nails(shared):
    """nearest neighbour and bed of nails double a (2, 3, 4, 5) map exactly"""
    result, context = shared.get("Upsample2x", upsample_problem)
    x = context["x"]
    expect_near(result["nearest_out"], reference_nearest(x), 0.0,
                "Upsample2x('nearest'): each value copied into its 2x2 block")
    expect_near(result["bed_of_nails_out"], reference_bed_of_nails(x), 0.0,
                "Upsample2x('bed_of_nails'): each value at the top-left of its 2x2 block, zeros elsewhere")


@pytest.mark.target("Upsample2x")
@pytest.mark.points(1)
def test_upsample_max_unpool_and_transposed(shared):
    """max unpooling puts each value back where its maximum came from; the transposed convolution has kernel 4, stride 2, padding 1"""
    result, context = shared.get("Upsample2x", upsample_problem)
    pooled, indices = pooled_with_indices(context["big"])
    expect_near(result["max_unpool_out"], reference_unpool(pooled, indices, context["big"].shape), 0.0,
                "Upsample2x('max_unpool') of a max-pooled (2, 3, 8, 10) map with its indices")
    torch, _, _ = reference()
    what = "Upsample2x('transposed', 3)"
    state = state_arrays(result["transposed_state"], what)
    expect_state_shapes(state, {"deconv.weight": (3, 3, 4, 4), "deconv.bias": (3,)}, what)
    expected = torch.nn.functional.conv_transpose2d(
        torch.from_numpy(context["x"]), torch.from_numpy(state["deconv.weight"]),
        torch.from_numpy(state["deconv.bias"]), stride=2, padding=1).numpy()
    expect_near(result["transposed_out"], expected, MODULE_TOL, what + ": its output with its own weights")


# --- SegmentationFCN -------------------------------------------------------------------

SMALL = {"num_classes": 5, "in_channels": 2, "width": 3}


def fcn_shapes(num_classes, in_channels, width, upsampling):
    layers = {"enc1": (width, in_channels, 3), "enc2": (2 * width, width, 3), "enc3": (2 * width, 2 * width, 3),
              "enc4": (2 * width, 2 * width, 3), "dec2": (width, 2 * width, 3), "dec1": (width, width, 3),
              "classifier": (num_classes, width, 1)}
    if upsampling == "transposed":
        layers.update({"up2.deconv": (2 * width, 2 * width, 4), "up1.deconv": (width, width, 4)})
    shapes = {}
    for name, (out, inp, k) in layers.items():
        shapes[name + ".weight"] = (out, inp, k, k) if "deconv" not in name else (inp, out, k, k)
        shapes[name + ".bias"] = (out,)
    return shapes


def fcn_problem(rng):
    x = rng.normal(size=(2, SMALL["in_channels"], 8, 12))
    steps = [tensor("x", x)]
    for mode in MODES:
        steps += [call("torch:manual_seed", int(rng.integers(2**31))),
                  call(SEGMENTATION + "SegmentationFCN", upsampling=mode, save=mode, **SMALL), call(mode + ".double"),
                  call(mode + ".state_dict", save=mode + "_state"), call(mode, saved("x"), save=mode + "_out")]
    from cs231n_core.detection_data import make_digit_scenes

    seed = int(rng.integers(2**31))
    train = make_digit_scenes(TRAINED["train_scenes"], "train", image_size=TRAINED["image_size"], seed=seed)
    test = make_digit_scenes(TRAINED["test_scenes"], "test", image_size=TRAINED["image_size"], seed=seed)
    steps += [call("torch:manual_seed", int(rng.integers(2**31))),
              call(SEGMENTATION + "SegmentationFCN", num_classes=2, width=TRAINED["width"],
                   upsampling=TRAINED["upsampling"], save="trained"),
              call(SEGMENTATION + "train_segmentation", saved("trained"),
                   {"images": train["images"], "masks": (train["masks"] > 0).astype(np.int64)},
                   epochs=TRAINED["epochs"], batch_size=TRAINED["batch_size"],
                   learning_rate=TRAINED["learning_rate"], seed=int(rng.integers(2**31)), progress=False),
              call("trained.state_dict", save="trained_state")]
    returns = [m + r for m in MODES for r in ("_state", "_out")] + ["trained_state"]
    return steps, returns, {"x": x, "test_images": test["images"],
                            "test_masks": (test["masks"] > 0).astype(np.int64)}


TRAINED_CONFIG = {"num_classes": 2, "in_channels": 1, "width": TRAINED["width"], "upsampling": TRAINED["upsampling"]}


def held_out_masks(result, images):
    """Label maps of the held-out scenes, predicted here by the reference SegmentationFCN
    with the weights the worker trained: the scenes never enter the worker."""
    torch, _, segmentation = reference()
    what = "the SegmentationFCN trained by train_segmentation (2 classes, width %d, %s)" % (
        TRAINED["width"], TRAINED["upsampling"])
    state = state_arrays(result["trained_state"], what)
    expect_state_shapes(state, fcn_shapes(**TRAINED_CONFIG), what)
    model = segmentation.SegmentationFCN(**TRAINED_CONFIG)
    model.load_state_dict({k: torch.from_numpy(finite_weights(v, k, what)) for k, v in state.items()})
    return segmentation.predict_masks(model, images)


@pytest.mark.target("SegmentationFCN")
@pytest.mark.points(1)
def test_fcn_forward(shared):
    """for each of the four upsamplings: the layers of the docstring, and scores (N, C, H, W) equal to the reference's with the same weights"""
    result, context = shared.get("SegmentationFCN", fcn_problem)
    torch, _, segmentation = reference()
    for mode in MODES:
        what = "SegmentationFCN(upsampling=%r) on a (2, 2, 8, 12) input" % mode
        state = state_arrays(result[mode + "_state"], what)
        expect_state_shapes(state, fcn_shapes(upsampling=mode, **SMALL), what)
        model = segmentation.SegmentationFCN(upsampling=mode, **SMALL).double()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        with torch.no_grad():
            expected = model(torch.from_numpy(context["x"])).numpy()
        expect_near(result[mode + "_out"], expected, MODULE_TOL, what + ": the scores")


@pytest.mark.target("SegmentationFCN")
@pytest.mark.points(1)
def test_fcn_trained_miou(shared):
    """a small FCN trained with train_segmentation on digit scenes reaches the calibrated mean IoU on held-out scenes"""
    result, context = shared.get("SegmentationFCN", fcn_problem)
    _, _, segmentation = reference()
    masks = held_out_masks(result, context["test_images"])
    value, _ = segmentation.mean_iou(masks, context["test_masks"], 2)
    expect_at_least(value, TRAINED_MIN_MIOU,
                    "mean IoU on %d held-out scenes of a SegmentationFCN trained %d epochs on %d scenes "
                    "(digit or background)" % (TRAINED["test_scenes"], TRAINED["epochs"], TRAINED["train_scenes"]),
                    " (the reference reaches %.2f to %.2f; margin %.2f)" % (TRAINED_RANGE + (TRAINED_MARGIN,)))


# --- mean_iou --------------------------------------------------------------------------

def reference_mean_iou(predictions, targets, num_classes, ignore_index=None):
    keep = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
    ious = np.full(num_classes, np.nan)
    for c in range(num_classes):
        union = np.sum(((predictions == c) | (targets == c)) & keep)
        if union:
            ious[c] = np.sum((predictions == c) & (targets == c) & keep) / union
    present = ~np.isnan(ious)
    return float(ious[present].mean()), ious


def miou_problem(rng):
    targets = rng.integers(0, 6, size=(3, 9, 11))
    targets[targets == 4] = 0                      # class 4 is nowhere
    predictions = np.where(rng.random(targets.shape) < 0.7, targets, rng.integers(0, 6, size=targets.shape))
    predictions[predictions == 4] = 5
    ignored = targets.copy()
    ignored[rng.random(targets.shape) < 0.2] = 255
    steps = [tensor("predictions", predictions), tensor("targets", targets), tensor("ignored", ignored),
             call(SEGMENTATION + "mean_iou", saved("predictions"), saved("targets"), 7, save="plain"),
             call(SEGMENTATION + "mean_iou", saved("predictions"), saved("ignored"), 7, ignore_index=255,
                  save="with_ignore")]
    return steps, ["plain", "with_ignore"], {"predictions": predictions, "targets": targets, "ignored": ignored}


def expect_miou(answer, expected, what):
    expected_miou, expected_iou = expected
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise wrong(answer, "%s: expected a pair (mean IoU, IoU per class)" % what, what)
    got_miou, got_iou = (np.asarray(v, dtype=np.float64) for v in answer)
    if got_iou.shape != expected_iou.shape:
        raise wrong(got_iou, "%s: the IoU per class has shape %s, expected %s"
                    % (what, got_iou.shape, expected_iou.shape), what)
    if not np.array_equal(np.isnan(got_iou), np.isnan(expected_iou)):
        raise wrong(got_iou, "%s: a class absent from both predictions and targets has IoU NaN (and only such "
                    "a class)" % what, what)
    present = ~np.isnan(expected_iou)
    expect_near(got_iou[present], expected_iou[present], 1e-12, what + ": the IoU of each class")
    if got_miou.size != 1 or not abs(float(got_miou.reshape(())) - expected_miou) <= 1e-12:
        raise wrong(got_miou, "%s: the mean IoU is not the mean of the classes' IoUs (undefined ones left out)"
                    % what, what)


@pytest.mark.target("mean_iou")
@pytest.mark.points(1)
def test_mean_iou(shared):
    """per-class IoUs over all pixels of all images, classes absent everywhere left out, ignore_index honoured"""
    result, context = shared.get("mean_iou", miou_problem)
    expect_miou(result["plain"], reference_mean_iou(context["predictions"], context["targets"], 7),
                "mean_iou of 3 label maps of 9x11 with 7 classes (two absent everywhere)")
    expect_miou(result["with_ignore"],
                reference_mean_iou(context["predictions"], context["ignored"], 7, ignore_index=255),
                "mean_iou with ignore_index=255 on a fifth of the pixels")
