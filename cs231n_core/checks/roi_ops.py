"""Public checks of assignment 3's region-of-interest pooling (roi_ops.py: roi_pool,
roi_align).

Small hand-made cases whose answers can be worked out on paper (the comments say how):
RoI Pool on a 6x6 map counting 0..35 row by row, RoI Align on a 4x4 map holding
10 * row + column, a linear function that bilinear interpolation reproduces exactly, so
that a bin's average is the value at the centre of its sample points.
"""
import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng, two_stage_modules


def _counting_map(torch):
    """(1, 1, 6, 6): cell (i, j) holds 6 i + j."""
    return torch.arange(36.0, dtype=torch.float64).reshape(1, 1, 6, 6)


@public_check("roi_pool")
@keeps_torch_rng
def _check_roi_pool(t):
    torch, roi_ops, _ = two_stage_modules()
    x = _counting_map(torch)
    # Cells 1..4 each way in bins of 2x2: each bin's maximum is its bottom-right cell.
    out = as_numpy(t, t.call(roi_ops.roi_pool, x, torch.tensor([[0, 1, 1, 4, 4.0]], dtype=torch.float64), 2),
                   "roi_pool of one region")
    t.expect_array(out, (1, 1, 2, 2), "roi_pool of one region into 2x2 bins", "float")
    t.expect_close(out[0, 0], [[14, 16], [26, 28]], 0, "RoI Pool of cells 1..4 (the maxima 14, 16, 26, 28)",
                   hint=lambda got, exp: "a box's x2, y2 are the last cells it covers (inclusive)")
    # Scale 0.5: corners 1, 1, 4.5, 4.5, and 4.5 rounds away from zero to 5: cells 1..5,
    # bins of 2.5 cells rounded outwards (rows 1-3 and 3-5, overlapping at row 3).
    out = as_numpy(t, t.call(roi_ops.roi_pool, x, torch.tensor([[0, 2, 2, 9, 9.0]], dtype=torch.float64), 2, 0.5),
                   "roi_pool at spatial_scale 0.5")
    t.expect_close(out[0, 0], [[21, 23], [33, 35]], 0,
                   "RoI Pool at spatial_scale 0.5 (4.5 rounds to 5; bins floor(ph h / PH) .. ceil((ph+1) h / PH) - 1)")
    # Cells 4..10 of a 6x6 map: only the first bin of each axis reaches the map (cells 4, 5).
    out = as_numpy(t, t.call(roi_ops.roi_pool, x, [torch.tensor([[4, 4, 10, 10.0]], dtype=torch.float64)], 2),
                   "roi_pool of a region over the border (boxes as a list)")
    t.expect_close(out[0, 0], [[35, 0], [0, 0]], 0, "RoI Pool over the border (a bin outside the map is 0)")
    # A 2x3 grid on cells x 0..5, y 0..2: rows 0-1 and 1-2, columns in pairs.
    out = as_numpy(t, t.call(roi_ops.roi_pool, x, torch.tensor([[0, 0, 0, 5, 2.0]], dtype=torch.float64), (2, 3)),
                   "roi_pool into a 2x3 grid")
    t.expect_close(out[0, 0], [[7, 9, 11], [13, 15, 17]], 0, "RoI Pool into (PH, PW) = (2, 3)")
    # The gradient of the sum of the first case: 1 at each maximum, 0 elsewhere.
    leaf = x.clone().requires_grad_(True)
    pooled = t.call(roi_ops.roi_pool, leaf, torch.tensor([[0, 1, 1, 4, 4.0]], dtype=torch.float64), 2)
    if not torch.is_tensor(pooled) or not pooled.requires_grad:
        t.wrong(pooled if not torch.is_tensor(pooled) else "a tensor cut from the graph",
                "roi_pool's output must stay differentiable with respect to input", "the gradient")
    pooled.sum().backward()
    expected = np.zeros((6, 6))
    expected[[2, 2, 4, 4], [2, 4, 2, 4]] = 1
    t.expect_close(leaf.grad[0, 0].numpy(), expected, 0, "the gradient of RoI Pool (1 at each bin's maximum)")


def _linear_map(torch):
    """(1, 1, 4, 4): cell (i, j) holds 10 i + j, the value at the point (x = j, y = i)."""
    return (10 * torch.arange(4.0)[:, None] + torch.arange(4.0)[None, :]).reshape(1, 1, 4, 4).double()


@public_check("roi_align")
@keeps_torch_rng
def _check_roi_align(t):
    torch, roi_ops, _ = two_stage_modules()
    f = _linear_map(torch)
    box = torch.tensor([[0, 0.5, 0.5, 2.5, 2.5]], dtype=torch.float64)
    # Bins of 1x1 from (0.5, 0.5): centres (1, 1), (2, 1), (1, 2), (2, 2), so 10 y + x there.
    out = as_numpy(t, t.call(roi_ops.roi_align, f, box, 2, 1.0, 2, False), "roi_align of one region")
    t.expect_array(out, (1, 1, 2, 2), "roi_align of one region into 2x2 bins", "float")
    t.expect_close(out[0, 0], [[11, 12], [21, 22]], 1e-12,
                   "RoI Align of a linear map (each bin the value at its centre: 10 y + x)",
                   hint=lambda got, exp: "sample point k of n in a bin sits at (k + 0.5) / n of the bin")
    out = as_numpy(t, t.call(roi_ops.roi_align, f, box, 2, 1.0, 2, True), "roi_align with aligned=True")
    t.expect_close(out[0, 0], [[5.5, 6.5], [15.5, 16.5]], 1e-12,
                   "RoI Align with aligned=True (the box shifted by -0.5: centres 0.5 and 1.5)")
    out = as_numpy(t, t.call(roi_ops.roi_align, f, [box[:, 1:]], 2, 1.0, -1, False),
                   "roi_align with the adaptive grid (boxes as a list)")
    t.expect_close(out[0, 0], [[11, 12], [21, 22]], 1e-12, "RoI Align with sampling_ratio=-1 (one point per bin)")
    # Scale 1/2, aligned: x from 0 to 4, y from 0.5 to 2.5; two points per bin across,
    # at 2.5 and 3.5 in the second column of bins: 3.5 lies past the last cell's centre
    # and reads that cell (3), so that column averages x = (2.5 + 3) / 2 = 2.75.
    out = as_numpy(t, t.call(roi_ops.roi_align, f, torch.tensor([[0, 1, 2, 9, 6.0]], dtype=torch.float64), 2,
                             0.5, -1, True), "roi_align at scale 1/2 reaching the border")
    t.expect_close(out[0, 0], [[11, 12.75], [21, 22.75]], 1e-12,
                   "RoI Align at the border (a point between the last centre and the edge reads the last cell)")
    # Without aligned, a zero-size box is widened to 1x1 (one point per bin at 1.25 and
    # 1.75); with aligned its grid is empty and gives 0.
    tiny = torch.tensor([[0, 1, 1, 1, 1.0]], dtype=torch.float64)
    out = as_numpy(t, t.call(roi_ops.roi_align, f, tiny, 2, 1.0, -1, False), "roi_align of a zero-size box")
    t.expect_close(out[0, 0], [[13.75, 14.25], [18.75, 19.25]], 1e-12,
                   "RoI Align of a zero-size box, widened to 1x1 when not aligned")
    out = as_numpy(t, t.call(roi_ops.roi_align, f, tiny, 2, 1.0, -1, True), "roi_align of a zero-size box, aligned")
    t.expect_close(out[0, 0], np.zeros((2, 2)), 0, "RoI Align of a zero-size box with aligned=True (no points: 0)")
    # Gradient of the sum of the first case: every bin spreads a weight of 1 over the
    # cells around its 4 points (at 0.75 and 1.25, 1.75 and 2.25 on each axis).
    leaf = f.clone().requires_grad_(True)
    pooled = t.call(roi_ops.roi_align, leaf, box, 2, 1.0, 2, False)
    if not torch.is_tensor(pooled) or not pooled.requires_grad:
        t.wrong(pooled if not torch.is_tensor(pooled) else "a tensor cut from the graph",
                "roi_align's output must stay differentiable with respect to input", "the gradient")
    pooled.sum().backward()
    axis = np.array([0.25, 1.75, 1.75, 0.25]) / 2             # the weights one axis gives each cell
    t.expect_close(leaf.grad[0, 0].numpy(), np.outer(axis, axis), 1e-12,
                   "the gradient of RoI Align (the bilinear weights of the sample points, over 4 points per bin)")
