"""RoI Pool and RoI Align against a brute force written out point by point from the
semantics of torchvision's CPU kernels (roi_pool_kernel.cpp, roi_align_kernel.cpp):
forward values, gradients, autograd's gradcheck, and the list-of-boxes form."""

import numpy as np
import pytest
import torch

from autograder.graders.assignment3.test_roi_ops import (align_gradient, align_reference, align_weights,
                                                         pool_gradient, pool_reference)
from cs231n_core.roi_ops import boxes_to_rois, roi_align, roi_pool

# float64 throughout: the brute force and the vectorized code sum the same products in
# another order, which moves the result by a few ulps (far below this tolerance).
TOL = 1e-6


# --------------------------------------------------------------------------------------
# The brute force: the hidden graders' references, written out bin by bin and point by
# point (one copy of them in the project)
# --------------------------------------------------------------------------------------

def brute_roi_align(x, rois, out_h, out_w, spatial_scale, sampling_ratio, aligned, grad_out):
    """Forward output (K, C, PH, PW) and the input's gradient for grad_out, by loops."""
    out, weights = align_reference(x, rois, (out_h, out_w), spatial_scale, sampling_ratio, aligned)
    return out, align_gradient(x, rois, weights, grad_out)


def brute_roi_pool(x, rois, out_h, out_w, spatial_scale, grad_out):
    """Forward output and the input's gradient (to each bin's first maximum), by loops."""
    out, where = pool_reference(x, rois, (out_h, out_w), spatial_scale)
    return out, pool_gradient(x, where, grad_out)


# --------------------------------------------------------------------------------------
# Boxes that reach every branch
# --------------------------------------------------------------------------------------

def awkward_rois(generator, num_images, height, width, scale):
    """Random fractional boxes, and boxes across and beyond the border, of zero size,
    inverted, exactly on cell edges; in image coordinates (feature size / scale)."""
    image_h, image_w = height / scale, width / scale
    k = 24
    corners = torch.rand(k, 2, generator=generator, dtype=torch.float64) * torch.tensor([image_w, image_h])
    sides = torch.rand(k, 2, generator=generator, dtype=torch.float64) * torch.tensor([image_w, image_h]) * 0.8
    random = torch.cat([corners, corners + sides], dim=1)
    special = torch.tensor([
        [0.0, 0.0, image_w, image_h],                                  # the whole map
        [-3.0, -2.5, 2.0, 1.5],                                        # across the top-left border
        [image_w - 1.5, image_h - 2.0, image_w + 4.0, image_h + 3.0],  # across the bottom-right
        [image_w + 1.0, 1.0, image_w + 6.0, 4.0],                      # beyond the right edge
        [-9.0, -9.0, -4.0, -4.0],                                      # beyond the top-left
        [2.0, 3.0, 2.0, 3.0],                                          # zero size
        [2.5, 1.25, 2.5, 5.75],                                        # zero width
        [4.0, 4.0, 1.0, 2.0],                                          # inverted
        [1.0, 1.0, 1.5, 1.25],                                         # smaller than a cell
        [1.0 / scale, 2.0 / scale, 4.0 / scale, 6.0 / scale],          # on cell edges
        [0.5 / scale, 0.5 / scale, 2.5 / scale, 3.5 / scale],          # halves (rounding)
    ], dtype=torch.float64)
    boxes = torch.cat([random, special])
    batch = torch.randint(0, num_images, (boxes.shape[0], 1), generator=generator).double()
    return torch.cat([batch, boxes], dim=1)


ALIGN_CASES = [  # (output size, spatial scale, sampling ratio, aligned)
    ((2, 3), 1.0, -1, False), ((2, 3), 1.0, -1, True), ((3, 2), 0.5, 2, False),
    ((3, 2), 0.5, 2, True), ((1, 1), 0.25, 0, True), ((4, 4), 0.5, 1, False), ((2, 2), 1.0, 3, True),
]


@pytest.mark.parametrize("output_size, scale, sampling_ratio, aligned", ALIGN_CASES)
def test_roi_align_equals_the_brute_force_forward_and_backward(output_size, scale, sampling_ratio, aligned):
    generator = torch.Generator().manual_seed(hash((output_size, scale, sampling_ratio, aligned)) % 2**31)
    x = torch.randn(2, 3, 7, 9, generator=generator, dtype=torch.float64, requires_grad=True)
    rois = awkward_rois(generator, 2, 7, 9, scale)
    out = roi_align(x, rois, output_size, scale, sampling_ratio, aligned)
    grad_out = torch.randn(out.shape, generator=generator, dtype=torch.float64)
    out.backward(grad_out)
    expected, expected_grad = brute_roi_align(x.detach().numpy(), rois.numpy(), *output_size, scale,
                                              sampling_ratio, aligned, grad_out.numpy())
    assert out.shape == (rois.shape[0], 3) + output_size and out.dtype == torch.float64
    assert np.abs(out.detach().numpy() - expected).max() < TOL
    assert np.abs(x.grad.numpy() - expected_grad).max() < TOL
    # the boxes that reach no point of the map pool to exactly 0
    reaches = align_weights(rois.numpy(), output_size, scale, sampling_ratio, aligned, 7, 9).any(axis=(1, 2, 3, 4))
    outside = [k for k in range(rois.shape[0]) if not reaches[k]]
    assert outside and torch.all(out[outside] == 0)


@pytest.mark.parametrize("output_size, scale", [((2, 3), 1.0), ((3, 3), 0.5), ((1, 2), 0.25), ((4, 5), 1.0)])
def test_roi_pool_equals_the_brute_force_forward_and_backward(output_size, scale):
    generator = torch.Generator().manual_seed(7 + output_size[0] * 10 + output_size[1])
    x = torch.randn(2, 3, 7, 9, generator=generator, dtype=torch.float64, requires_grad=True)
    rois = awkward_rois(generator, 2, 7, 9, scale)
    out = roi_pool(x, rois, output_size, scale)
    grad_out = torch.randn(out.shape, generator=generator, dtype=torch.float64)
    out.backward(grad_out)
    expected, expected_grad = brute_roi_pool(x.detach().numpy(), rois.numpy(), *output_size, scale, grad_out.numpy())
    assert out.shape == (rois.shape[0], 3) + output_size
    assert np.abs(out.detach().numpy() - expected).max() < TOL
    assert np.abs(x.grad.numpy() - expected_grad).max() < TOL


def test_roi_pool_sends_a_tie_s_gradient_to_its_first_cell_in_row_major_order():
    generator = torch.Generator().manual_seed(3)
    x = torch.randint(0, 3, (1, 2, 6, 6), generator=generator).double().requires_grad_()
    rois = awkward_rois(generator, 1, 6, 6, 1.0)
    out = roi_pool(x, rois, (2, 2))
    grad_out = torch.rand(out.shape, generator=generator, dtype=torch.float64)
    out.backward(grad_out)
    expected, expected_grad = brute_roi_pool(x.detach().numpy(), rois.numpy(), 2, 2, 1.0, grad_out.numpy())
    assert np.array_equal(out.detach().numpy(), expected)
    assert np.abs(x.grad.numpy() - expected_grad).max() < TOL


@pytest.mark.parametrize("aligned", [False, True])
@pytest.mark.parametrize("sampling_ratio", [-1, 2])
def test_roi_align_passes_gradcheck(aligned, sampling_ratio):
    generator = torch.Generator().manual_seed(11)
    x = torch.randn(2, 2, 5, 6, generator=generator, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor([[0, 0.3, 0.7, 4.2, 3.9], [1, -1.2, 2.0, 3.0, 6.5], [1, 2.0, 2.0, 2.0, 2.0],
                         [0, 4.5, 3.5, 7.5, 5.5]], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: roi_align(t, rois, (2, 3), 1.0, sampling_ratio, aligned), (x,))


def test_roi_pool_passes_gradcheck():
    generator = torch.Generator().manual_seed(12)
    x = torch.randn(2, 2, 5, 6, generator=generator, dtype=torch.float64, requires_grad=True)
    rois = torch.tensor([[0, 0.3, 0.7, 4.2, 3.9], [1, -1.2, 2.0, 3.0, 6.5], [1, 2.0, 2.0, 2.0, 2.0]],
                        dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: roi_pool(t, rois, (2, 2), 1.0), (x,))


def test_roi_align_of_a_linear_ramp_is_each_bin_s_centre():
    # Bilinear interpolation reproduces a linear function exactly, so inside the map each
    # bin's average is the ramp at the bin's centre; aligned: cell j is centred on j + 0.5.
    ys, xs = torch.meshgrid(torch.arange(8.0), torch.arange(8.0), indexing="ij")
    ramp = (xs + 10 * ys)[None, None].double()
    out = roi_align(ramp, torch.tensor([[0, 1.0, 1.0, 5.0, 5.0]], dtype=torch.float64), 2, aligned=True)
    # box (1, 1, 5, 5) covers the cell centres 1.5 .. 4.5: bins centred at cells 1.5 and 3.5
    assert torch.allclose(out[0, 0], torch.tensor([[16.5, 18.5], [36.5, 38.5]], dtype=torch.float64))
    out = roi_align(ramp, torch.tensor([[0, 1.0, 1.0, 5.0, 5.0]], dtype=torch.float64), 2, aligned=False)
    assert torch.allclose(out[0, 0], torch.tensor([[22.0, 24.0], [42.0, 44.0]], dtype=torch.float64))


def test_roi_pool_hand_checked():
    x = torch.arange(36.0).reshape(1, 1, 6, 6)
    # box (0.6, 0.4, 3.4, 2.5) rounds to columns 1..3 and rows 0..3 (2.5 rounds up)
    out = roi_pool(x, [torch.tensor([[0.6, 0.4, 3.4, 2.5]])], (2, 1))
    assert torch.equal(out[0, 0], torch.tensor([[9.0], [21.0]]))


@pytest.mark.parametrize("op", ["align", "pool"])
def test_the_list_form_equals_the_batch_index_form(op):
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(3, 4, 8, 8, generator=generator)
    per_image = [torch.rand(k, 4, generator=generator) * 20 for k in (3, 0, 5)]
    for b in per_image:
        b[:, 2:] += b[:, :2]
    rois = boxes_to_rois(per_image)
    assert rois.shape == (8, 5) and rois[:, 0].tolist() == [0, 0, 0, 2, 2, 2, 2, 2]
    if op == "align":
        listed, indexed = (roi_align(x, b, (3, 2), 0.5, -1, True) for b in (per_image, rois))
    else:
        listed, indexed = (roi_pool(x, b, (3, 2), 0.5) for b in (per_image, rois))
    assert torch.equal(listed, indexed) and listed.shape == (8, 4, 3, 2)


def test_shapes_errors_and_no_boxes():
    x = torch.randn(2, 3, 5, 5)
    assert roi_align(x, torch.zeros(0, 5), 7).shape == (0, 3, 7, 7)
    assert roi_pool(x, [torch.zeros(0, 4), torch.zeros(0, 4)], (2, 3)).shape == (0, 3, 2, 3)
    with pytest.raises(ValueError, match=r"\(K, 5\)"):
        roi_align(x, torch.zeros(2, 4), 2)
    with pytest.raises(ValueError, match="batch index"):
        roi_pool(x, torch.tensor([[2.0, 0, 0, 1, 1]]), 2)
    boxes = torch.tensor([[0.0, 1, 1, 3, 3]], requires_grad=True)
    roi_align(x.requires_grad_(), boxes, 2).sum().backward()
    assert boxes.grad is None and x.grad is not None      # the boxes get no gradient


def test_float32_agrees_with_float64():
    generator = torch.Generator().manual_seed(9)
    x = torch.randn(2, 3, 9, 9, generator=generator, dtype=torch.float64)
    rois = awkward_rois(generator, 2, 9, 9, 0.5)
    for aligned in (False, True):
        wide = roi_align(x, rois, 3, 0.5, -1, aligned)
        narrow = roi_align(x.float(), rois.float(), 3, 0.5, -1, aligned)
        assert narrow.dtype == torch.float32 and torch.allclose(narrow.double(), wide, atol=1e-5)
