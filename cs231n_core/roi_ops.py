"""Region-of-interest pooling (Fast R-CNN's RoI Pool and Mask R-CNN's RoI Align) in PyTorch.

A two-stage detector looks at each proposed region through a fixed-size window of the
feature map: every region, whatever its size and shape, becomes a (C, PH, PW) grid of
features that the same head can read.

* ``roi_pool``: Fast R-CNN's RoI max pooling. The region's corners are rounded to the
  feature map's cells, the rounded region is cut into PH x PW bins (rounded outwards),
  and each bin keeps the maximum of its cells.
* ``roi_align``: Mask R-CNN's RoI Align. No rounding: each bin is the average of a few
  points sampled regularly inside it, each point read by bilinear interpolation of its
  four neighbouring cells.

Both have the signatures and the semantics of ``torchvision.ops.roi_pool`` and
``torchvision.ops.roi_align`` (their CPU kernels, ``roi_pool_kernel.cpp`` and
``roi_align_kernel.cpp``), without torchvision: the same rounding, the same sampling
grid, the same treatment of the borders, so that a model written against one runs on
the other. They are written with whole-tensor operations (no loop over the regions) and
are differentiated by autograd with respect to the input; the boxes get no gradient, as
in torchvision.

Boxes are ``(x1, y1, x2, y2)`` in the image's pixels; ``spatial_scale`` (the feature
map's size over the image's, e.g. 1/8) maps them onto the feature map. A feature cell
(row i, column j) sits at the point (x = j, y = i) of the scaled coordinates in
roi_align (with ``aligned=True`` at (j + 0.5, i + 0.5), the convention of the course's
boxes, whose pixel j spans [j, j + 1)).
"""
import torch

__all__ = ["roi_pool", "roi_align", "boxes_to_rois"]


def _pair(output_size):
    """(PH, PW) from an int or a pair of ints."""
    if isinstance(output_size, int):
        return output_size, output_size
    height, width = (int(v) for v in output_size)
    return height, width


def boxes_to_rois(boxes, dtype=None, device=None):
    """The (K, 5) form of regions, each row (batch index, x1, y1, x2, y2).

    Inputs:
    - boxes: a tensor of shape (K, 5) (returned as it is), or a list of N tensors of
      shapes (K_i, 4), the boxes of image i of the batch (their rows, image by image,
      become rows (i, x1, y1, x2, y2)).
    - dtype, device: of the result (default: those of the boxes).

    Returns:
    - rois: tensor of shape (K, 5), K = sum K_i, detached from any graph (the regions
      are inputs of the pooling, not something it differentiates).
    """
    if isinstance(boxes, (list, tuple)):
        for i, b in enumerate(boxes):
            if not torch.is_tensor(b) or b.dim() != 2 or b.shape[1] != 4:
                raise ValueError("boxes[%d] must be a tensor of shape (K_i, 4), got %s"
                                 % (i, tuple(b.shape) if torch.is_tensor(b) else type(b).__name__))
        if len(boxes) == 0:
            rois = torch.zeros(0, 5, dtype=dtype or torch.float32, device=device)
        else:
            rois = torch.cat([torch.cat([torch.full_like(b[:, :1], i), b], dim=1)
                              for i, b in enumerate(boxes)], dim=0)
    elif torch.is_tensor(boxes):
        if boxes.dim() != 2 or boxes.shape[1] != 5:
            raise ValueError("boxes must be a tensor of shape (K, 5) or a list of (K_i, 4) "
                             "tensors, got a tensor of shape %s" % (tuple(boxes.shape),))
        rois = boxes
    else:
        raise TypeError("boxes must be a tensor (K, 5) or a list of tensors (K_i, 4), got %s"
                        % type(boxes).__name__)
    return rois.detach().to(dtype=dtype or rois.dtype, device=device or rois.device)


def _regions(input, boxes):
    """The boxes as rows (batch index, x1, y1, x2, y2) in input's dtype and device,
    checked against input (N, C, H, W)."""
    if not torch.is_tensor(input) or input.dim() != 4:
        raise ValueError("input must be a tensor of shape (N, C, H, W)")
    rois = boxes_to_rois(boxes, dtype=input.dtype, device=input.device)
    if rois.shape[0] and not (0 <= int(rois[:, 0].min()) and int(rois[:, 0].max()) < input.shape[0]):
        raise ValueError("a box's batch index lies outside 0..%d" % (input.shape[0] - 1))
    return rois


def _round_half_away(values):
    """C's round(): halves away from zero (torch.round rounds halves to even)."""
    return torch.sign(values) * torch.floor(values.abs() + 0.5)


# --------------------------------------------------------------------------------------
# RoI Pool
# --------------------------------------------------------------------------------------

def roi_pool(input, boxes, output_size, spatial_scale=1.0):
    """RoI max pooling (Fast R-CNN), as torchvision.ops.roi_pool.

    Each region (x1, y1, x2, y2) is scaled by spatial_scale and its corners rounded to
    whole cells (halves away from zero): cells x1'..x2' and y1'..y2' (inclusive, at
    least one each way). Bin (ph, pw) covers rows floor(ph * h / PH) ..
    ceil((ph + 1) * h / PH) - 1 of it (h its height in cells; likewise the columns),
    clipped to the feature map, and keeps their maximum per channel; a bin clipped away
    entirely is 0. Gradients go to the cell of each maximum (the first one in row-major
    order on ties).

    Inputs:
    - input: tensor of shape (N, C, H, W), the feature maps of a batch.
    - boxes: tensor of shape (K, 5), rows (batch index, x1, y1, x2, y2), or a list of N
      tensors (K_i, 4), the boxes of each image.
    - output_size: int or (PH, PW), the size of the pooled grid.
    - spatial_scale: the factor that maps the boxes' coordinates onto the feature map.

    Returns:
    - output: tensor of shape (K, C, PH, PW) (K = the number of boxes), input's dtype
      and device.
    """
    rois = _regions(input, boxes)
    output = input.new_zeros((0, input.shape[1]) + _pair(output_size))       # no region, no output
    if rois.shape[0] == 0:
        return output
    # TODO: round each region to cells, cut it into bins (rounded outwards, clipped to
    # the map) and keep each bin's maximum; an empty bin gives 0.
    # BEGIN SOLUTION
    (out_h, out_w), num_rois = _pair(output_size), rois.shape[0]
    channels, (height, width) = input.shape[1], input.shape[-2:]

    def pool_windows(start, length, bins, size, dtype):
        """The cells each bin of one axis covers, for every region.

        Inputs:
        - start: int64 (K,), the region's first cell along the axis (rounded, may lie outside).
        - length: int64 (K,), its number of cells (at least 1).
        - bins: the number of bins along the axis (PH or PW).
        - size: the feature map's extent along the axis (H or W).
        - dtype: the floating dtype the bins' edges are computed in (the input's, as the
          kernel does: float32 rounding can move an edge).

        Returns (cells, valid):
        - cells: int64 (K, bins, L), cell indices clamped into 0..size-1;
        - valid: bool (K, bins, L), which of them the bin really covers (L is the widest
          bin's extent over all the regions; a bin clipped away by the border covers none).
        """
        bin_size = length.to(dtype) / bins                                         # (K,)
        edges = torch.arange(bins + 1, dtype=dtype, device=start.device)
        first = torch.floor(edges[None, :-1] * bin_size[:, None]).long() + start[:, None]
        last = torch.ceil(edges[None, 1:] * bin_size[:, None]).long() + start[:, None]
        first, last = first.clamp(0, size), last.clamp(0, size)                    # (K, bins)
        extent = (last - first).clamp(min=0)
        widest = max(int(extent.max()) if extent.numel() else 0, 1)
        steps = torch.arange(widest, device=start.device)
        cells = (first[:, :, None] + steps).clamp(max=size - 1)
        valid = steps < extent[:, :, None]
        return cells, valid

    batch = rois[:, 0].long()
    corners = _round_half_away(rois[:, 1:] * spatial_scale).long()            # (K, 4)
    roi_w = (corners[:, 2] - corners[:, 0] + 1).clamp(min=1)
    roi_h = (corners[:, 3] - corners[:, 1] + 1).clamp(min=1)
    rows, row_valid = pool_windows(corners[:, 1], roi_h, out_h, height, input.dtype)  # (K, PH, Lh)
    cols, col_valid = pool_windows(corners[:, 0], roi_w, out_w, width, input.dtype)   # (K, PW, Lw)
    # (K, PH, Lh, PW, Lw, C): the cells of every bin of every region, padded windows.
    values = input[batch[:, None, None, None, None], :, rows[:, :, :, None, None], cols[:, None, None, :, :]]
    valid = row_valid[:, :, :, None, None] & col_valid[:, None, None, :, :]
    values = torch.where(valid[..., None], values, values.new_tensor(float("-inf")))
    lh, lw = rows.shape[-1], cols.shape[-1]
    # Window (Lh, Lw) flattened row by row: max() takes the first maximum, as the kernel.
    windows = values.permute(0, 5, 1, 3, 2, 4).reshape(num_rois, channels, out_h, out_w, lh * lw)
    pooled = windows.max(dim=-1).values
    empty = ~valid.any(dim=4).any(dim=2)                                       # (K, PH, PW)
    output = torch.where(empty[:, None], torch.zeros_like(pooled), pooled)
    # END SOLUTION
    return output


# --------------------------------------------------------------------------------------
# RoI Align
# --------------------------------------------------------------------------------------

def roi_align(input, boxes, output_size, spatial_scale=1.0, sampling_ratio=-1, aligned=False):
    """RoI Align (Mask R-CNN), as torchvision.ops.roi_align.

    Each region (x1, y1, x2, y2) is scaled by spatial_scale (and shifted by -0.5 when
    aligned, so that the centre of cell (i, j) is the point (j + 0.5, i + 0.5) of the
    boxes' coordinates); without `aligned`, a region narrower or shorter than 1 is
    widened to 1. It is cut into PH x PW equal bins, with no rounding. Bin (ph, pw) is
    the average of a grid of gh x gw points spaced regularly inside it, gh =
    sampling_ratio (or ceil(region height / PH) when sampling_ratio <= 0; likewise gw),
    each point read by bilinear interpolation of the four cells around it. A point
    beyond one cell outside the map (y < -1, y > H, x < -1 or x > W) reads 0; one
    closer is clamped onto the map. An empty grid (a region of size 0 with `aligned`)
    gives 0.

    Inputs:
    - input: the batch's feature maps, a tensor (N, C, H, W);
    - boxes: the regions, either one tensor (K, 5) of rows (batch index, x1, y1, x2, y2)
      or a list of N tensors (K_i, 4) holding image i's boxes;
    - output_size: PH (a square grid) or the pair (PH, PW);
    - spatial_scale: feature map size / image size (e.g. 1/8 for a stride of 8);
    - sampling_ratio: sample points per bin along each axis; <= 0 for the adaptive
      ceil(region size / output size), which differs from region to region.
    - aligned: shift the boxes by -0.5 cell (the pixel-exact convention of Detectron2).

    Returns:
    - output: tensor of shape (K, C, PH, PW), input's dtype and device; differentiable
      with respect to input.
    """
    (out_h, out_w), rois = _pair(output_size), _regions(input, boxes)
    num_rois, channels, (height, width) = rois.shape[0], input.shape[1], input.shape[-2:]
    if num_rois == 0:
        return input.new_zeros(0, channels, out_h, out_w)
    output = None
    # TODO: each bin the average of its grid of sample points, each point read by
    # bilinear interpolation of its four cells (0 beyond one cell outside the map).
    # BEGIN SOLUTION
    def align_weights(start, length, bins, size, sampling_ratio):
        """Bilinear interpolation along one axis as a matrix, for every region.

        RoI Align's sample points form a grid (rows x columns) inside each bin, and both its
        bilinear weights and its "outside the map" test factor into a row part and a
        column part; so the average over a bin of (PH, PW) is Wy @ feature @ Wx^T, with
        Wy[ph, h] the summed weight of row h for the sample rows of bin row ph.

        Inputs:
        - start: (K,), the region's start along the axis, on the feature map's scale.
        - length: (K,), its extent (after the aligned shift and the >= 1 rule).
        - bins: PH or PW; size: H or W.
        - sampling_ratio: points per bin along the axis; <= 0 for ceil(length / bins).

        Returns (weights, points):
        - weights: (K, bins, size), the interpolation matrix of each region (not yet divided
          by the number of points per bin);
        - points: int64 (K,), the number of sample points per bin along the axis (0 when
          the grid is empty).
        """
        num_rois, dtype, device = start.shape[0], start.dtype, start.device
        bin_size = length / bins
        if sampling_ratio > 0:
            points = torch.full((num_rois,), int(sampling_ratio), dtype=torch.long, device=device)
        else:
            points = torch.ceil(length / bins).long().clamp(min=0)
        most = max(int(points.max()), 1)
        bin_index = torch.arange(bins, dtype=dtype, device=device)[None, :, None]     # (1, bins, 1)
        sample = torch.arange(most, dtype=dtype, device=device)[None, None, :]       # (1, 1, G)
        grid = points.clamp(min=1).to(dtype)[:, None, None]
        # The kernel's own order of operations, for the same rounding.
        coords = (start[:, None, None] + bin_index * bin_size[:, None, None]
                  + (sample + 0.5) * bin_size[:, None, None] / grid)                  # (K, bins, G)
        used = (sample < points[:, None, None].to(dtype)) & (coords >= -1.0) & (coords <= size)
        coords = coords.clamp(min=0)
        low = torch.floor(coords).long()
        at_edge = low >= size - 1
        low = torch.where(at_edge, torch.full_like(low, size - 1), low)
        high = torch.where(at_edge, low, low + 1)
        coords = torch.where(at_edge, low.to(dtype), coords)
        fraction = coords - low.to(dtype)
        zero = torch.zeros_like(fraction)
        w_low = torch.where(used, 1 - fraction, zero)
        w_high = torch.where(used, fraction, zero)
        cells = torch.arange(size, device=device)
        weights = (w_low[..., None] * (low[..., None] == cells) +
                   w_high[..., None] * (high[..., None] == cells)).sum(dim=2)          # (K, bins, size)
        return weights, points

    offset = 0.5 if aligned else 0.0
    start = rois[:, 1:3] * spatial_scale - offset                              # (K, 2): x, y
    length = rois[:, 3:5] * spatial_scale - offset - start
    if not aligned:
        length = length.clamp(min=1.0)
    rows, points_h = align_weights(start[:, 1], length[:, 1], out_h, height, sampling_ratio)
    cols, points_w = align_weights(start[:, 0], length[:, 0], out_w, width, sampling_ratio)
    count = (points_h * points_w).clamp(min=1).to(input.dtype)
    batch = rois[:, 0].long()
    # One pair of matrix products per image (not per region): the regions of image b
    # read its feature map through their own interpolation matrices.
    order = torch.sort(batch, stable=True).indices
    pieces, first = [], 0
    for b, k in enumerate(torch.bincount(batch, minlength=input.shape[0]).tolist()):
        members = order[first:first + k]
        first += k
        feature = input[b].permute(1, 0, 2).reshape(height, channels * width)       # (H, C*W)
        along_rows = (rows[members].reshape(k * out_h, height) @ feature)           # (k*PH, C*W)
        along_rows = along_rows.reshape(k, out_h * channels, width)
        pooled = torch.bmm(along_rows, cols[members].transpose(1, 2))              # (k, PH*C, PW)
        pieces.append(pooled.reshape(k, out_h, channels, out_w).permute(0, 2, 1, 3))
    output = torch.cat(pieces)[torch.argsort(order)]                               # back in the boxes' order
    output = output / count[:, None, None, None]
    # END SOLUTION
    return output
