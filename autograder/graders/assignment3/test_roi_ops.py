"""Hidden graders of roi_ops.py (assignment 3, TwoStageDetection; 6 of 100 points).

roi_pool and roi_align against brute-force references written out here bin by bin and
sample point by sample point (RoI Pool's rounded windows and first maximum; RoI Align's
bilinear reading of each point, torchvision's rules at the border), forward and
backward (autograd in the worker against the references' own weights), on fresh random
feature maps (float64) and regions: fractional corners, regions reaching over the
border or lying outside it, a zero-size region, several images, non-square grids, both
values of `aligned` and both kinds of sampling grid. float64 against float64 agrees to
rounding: the tolerance, 1e-9 relative to the largest value, leaves it six orders of
magnitude (the issue's bound is 1e-6).

Raw points are scaled to SECTION_WEIGHT.
"""
import math

import numpy as np

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import expect_gradients, expect_near
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import gradient_steps, leaf, tensor

SECTION_WEIGHT = 6
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
ROI_OPS = "cs231n_core.roi_ops:"
TOL = 1e-9                   # float64 against float64: rounding only
FEATURES = (2, 3, 7, 9)      # N, C, H, W


# --- the problems ----------------------------------------------------------------------

def random_rois(rng, image_h, image_w, count=14):
    """(K, 5) rows (batch, x1, y1, x2, y2) in image pixels: fractional corners, some on
    whole pixels, some over the border, one outside it altogether, one of zero size."""
    corners = rng.uniform([-0.2 * image_w, -0.2 * image_h], [0.9 * image_w, 0.9 * image_h], size=(count, 2))
    sides = rng.uniform(0.5, 0.7 * max(image_h, image_w), size=(count, 2))
    boxes = np.concatenate([corners, corners + sides], axis=1)
    boxes[2:8] = np.round(boxes[2:8])         # whole pixels: at scale 1/2, half cells that RoI Pool must round
    boxes[0, 2:] = boxes[0, :2]                                          # zero size
    boxes[1] = [image_w + 3.0, 1.0, image_w + 9.5, 6.5]                  # beyond the right edge
    batch = rng.integers(0, FEATURES[0], size=(count, 1)).astype(np.float64)
    return np.concatenate([batch, boxes], axis=1)


# Each case: (function, arguments after input and boxes, the spatial scale of the boxes).
CASES = {
    "pool_half": ("roi_pool", {"output_size": (3, 4), "spatial_scale": 0.5}),
    "pool_one": ("roi_pool", {"output_size": 2, "spatial_scale": 1.0}),
    "align_fixed": ("roi_align", {"output_size": (3, 4), "spatial_scale": 0.5, "sampling_ratio": 2,
                                  "aligned": False}),
    "align_adaptive": ("roi_align", {"output_size": 2, "spatial_scale": 0.5, "sampling_ratio": -1,
                                     "aligned": True}),
    "align_unaligned_adaptive": ("roi_align", {"output_size": (2, 3), "spatial_scale": 1.0,
                                               "sampling_ratio": -1, "aligned": False}),
}


def roi_problem(rng, names):
    steps, context = [], {}
    for name in names:
        function, kwargs = CASES[name]
        x = rng.normal(size=FEATURES)
        scale = kwargs["spatial_scale"]
        rois = random_rois(rng, FEATURES[2] / scale, FEATURES[3] / scale)
        out_h, out_w = _pair(kwargs["output_size"])
        dout = rng.normal(size=(rois.shape[0], FEATURES[1], out_h, out_w))
        steps += leaf(name + "_x", x) + [tensor(name + "_rois", rois),
                                         call(ROI_OPS + function, saved(name + "_x"), saved(name + "_rois"),
                                              save=name, **kwargs)]
        steps += gradient_steps(name, [name + "_x"], save=name + "_grads", dout=dout)
        context[name] = {"x": x, "rois": rois, "dout": dout}
    return steps, [r for name in names for r in (name, name + "_grads")], context


def pool_problem(rng):
    return roi_problem(rng, [n for n in CASES if CASES[n][0] == "roi_pool"])


def align_problem(rng):
    return roi_problem(rng, [n for n in CASES if CASES[n][0] == "roi_align"])


# --- brute-force references --------------------------------------------------------------

def _pair(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def _round_half_away(value):
    return math.copysign(math.floor(abs(value) + 0.5), value)


def pool_reference(x, rois, output_size, spatial_scale):
    """RoI Pool bin by bin: (output (K, C, PH, PW), gradient routing (K, C, PH, PW, 3)
    of (batch, row, column) of each maximum, -1 for an empty bin)."""
    out_h, out_w = _pair(output_size)
    _, channels, height, width = x.shape
    out = np.zeros((len(rois), channels, out_h, out_w))
    where = np.full(out.shape + (3,), -1, dtype=np.int64)
    for k, (b, *box) in enumerate(rois):
        x1, y1, x2, y2 = (int(_round_half_away(v * spatial_scale)) for v in box)
        roi_w, roi_h = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        for ph in range(out_h):
            h0 = min(max(math.floor(ph * bin_h) + y1, 0), height)
            h1 = min(max(math.ceil((ph + 1) * bin_h) + y1, 0), height)
            for pw in range(out_w):
                w0 = min(max(math.floor(pw * bin_w) + x1, 0), width)
                w1 = min(max(math.ceil((pw + 1) * bin_w) + x1, 0), width)
                if h1 <= h0 or w1 <= w0:
                    continue
                for c in range(channels):
                    window = x[int(b), c, h0:h1, w0:w1]
                    i, j = np.unravel_index(np.argmax(window), window.shape)    # the first maximum
                    out[k, c, ph, pw] = window[i, j]
                    where[k, c, ph, pw] = (int(b), h0 + i, w0 + j)
    return out, where


def pool_gradient(x, where, dout):
    grad = np.zeros_like(x)
    for index in np.ndindex(*dout.shape):
        b, i, j = where[index]
        if b >= 0:
            grad[b, index[1], i, j] += dout[index]
    return grad


def bilinear_weights(y, x, height, width):
    """{(row, column): weight} with which RoI Align reads the point (x, y): torchvision's
    bilinear_interpolate, term by term."""
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return {}
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_low = y_high = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_low = x_high = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1.0 - ly, 1.0 - lx
    weights = {}
    for cell, weight in (((y_low, x_low), hy * hx), ((y_low, x_high), hy * lx), ((y_high, x_low), ly * hx),
                         ((y_high, x_high), ly * lx)):
        weights[cell] = weights.get(cell, 0.0) + weight
    return weights


def align_weights(rois, output_size, spatial_scale, sampling_ratio, aligned, height, width):
    """(K, PH, PW, H, W): the weight of each cell in each bin of each region (RoI Align is
    linear in its input: output[k, c] = sum over cells of weights[k] * x[b, c])."""
    out_h, out_w = _pair(output_size)
    weights = np.zeros((len(rois), out_h, out_w, height, width))
    offset = 0.5 if aligned else 0.0
    for k, (_, x1, y1, x2, y2) in enumerate(rois):
        start_x, start_y = x1 * spatial_scale - offset, y1 * spatial_scale - offset
        roi_w, roi_h = x2 * spatial_scale - offset - start_x, y2 * spatial_scale - offset - start_y
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / out_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / out_w)
        count = max(grid_h * grid_w, 1)
        for ph in range(out_h):
            for pw in range(out_w):
                for iy in range(grid_h):
                    y = start_y + ph * bin_h + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        x = start_x + pw * bin_w + (ix + 0.5) * bin_w / grid_w
                        for (i, j), weight in bilinear_weights(y, x, height, width).items():
                            weights[k, ph, pw, i, j] += weight / count
    return weights


def align_reference(x, rois, output_size, spatial_scale, sampling_ratio, aligned):
    """RoI Align: (output (K, C, PH, PW), weights (K, PH, PW, H, W))."""
    weights = align_weights(rois, output_size, spatial_scale, sampling_ratio, aligned, *x.shape[2:])
    batch = rois[:, 0].astype(int)
    return np.einsum("kpqhw,kchw->kcpq", weights, x[batch]), weights


def align_gradient(x, rois, weights, dout):
    grad = np.zeros_like(x)
    np.add.at(grad, rois[:, 0].astype(int), np.einsum("kpqhw,kcpq->kchw", weights, dout))
    return grad


# --- the checks ------------------------------------------------------------------------

def _describe(name):
    function, kwargs = CASES[name]
    return "%s(%s) of %d random regions on (%s) feature maps" % (
        function, ", ".join("%s=%s" % kv for kv in kwargs.items()), 14, ", ".join(map(str, FEATURES)))


def check_pool(shared, name, backward):
    result, context = shared.get("roi_pool", pool_problem)
    case, (_, kwargs) = context[name], CASES[name]
    expected, where = pool_reference(case["x"], case["rois"], kwargs["output_size"], kwargs["spatial_scale"])
    what = _describe(name)
    expect_near(result[name], expected, TOL, what + ": the pooled values")
    if backward:
        expect_gradients(result[name + "_grads"], [pool_gradient(case["x"], where, case["dout"])], ["input"],
                         what, TOL)


def check_align(shared, name, backward):
    result, context = shared.get("roi_align", align_problem)
    case, (_, kwargs) = context[name], CASES[name]
    expected, weights = align_reference(case["x"], case["rois"], **kwargs)
    what = _describe(name)
    expect_near(result[name], expected, TOL, what + ": the pooled values")
    if backward:
        expect_gradients(result[name + "_grads"], [align_gradient(case["x"], case["rois"], weights, case["dout"])],
                         ["input"], what, TOL)


def check_pool_backward(shared):
    for name in ("pool_half", "pool_one"):
        check_pool(shared, name, True)


def check_align_backward(shared):
    for name in ("align_fixed", "align_adaptive", "align_unaligned_adaptive"):
        check_align(shared, name, True)


test_roi_pool_half_scale = graded_on_shared(
    "roi_pool", 1.5, "a 3x4 grid at spatial_scale 0.5 (corners rounded half away from zero, bins rounded "
    "outwards, regions over the border): values match a bin-by-bin reference", check_pool, "pool_half", False)
test_roi_pool_unit_scale = graded_on_shared(
    "roi_pool", 1, "a 2x2 grid at spatial_scale 1: values match the reference", check_pool, "pool_one", False)
test_roi_pool_backward = graded_on_shared(
    "roi_pool", 1.5, "the input's gradient goes to each bin's maximum (both cases)", check_pool_backward)
test_roi_align_fixed_grid = graded_on_shared(
    "roi_align", 1.5, "sampling_ratio 2, aligned=False, a 3x4 grid: values match a point-by-point bilinear "
    "reference", check_align, "align_fixed", False)
test_roi_align_adaptive_aligned = graded_on_shared(
    "roi_align", 1.5, "the adaptive grid with aligned=True (half-pixel shift, a zero-size region gives 0): "
    "values match the reference", check_align, "align_adaptive", False)
test_roi_align_adaptive_unaligned = graded_on_shared(
    "roi_align", 1, "the adaptive grid with aligned=False (regions widened to at least one cell): values match "
    "the reference", check_align, "align_unaligned_adaptive", False)
test_roi_align_backward = graded_on_shared(
    "roi_align", 1.5, "the input's gradient is the bilinear weights of the sample points (all three cases)",
    check_align_backward)
