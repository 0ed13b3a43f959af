"""RoI Align's speed: the vectorized reference (cs231n_core.roi_ops.roi_align) against a
loop over the regions, forward and forward plus backward, on a two-stage detector's
sizes (a batch of feature maps at stride 8, a few hundred proposals, 7x7 bins, the
adaptive sampling grid).

    python benchmarks/bench_roi_align.py [--rois 512] [--channels 64] [--threads 1]

Prints times and the ratio (loop time / reference time) measured in the same run, with
the same number of threads on both sides, after asserting that both give the same
output and the same input gradient. The loop is how one writes RoI Align from its
definition with tensors: per region, its grid of sample points (vectorized inside the
region), each read by bilinear interpolation of its four cells.
"""
import argparse
import math

import torch

from cs231n_core.roi_ops import roi_align
from timing import best_of_each


def random_rois(num_rois, num_images, image_size, seed=0):
    """(K, 5) rows (batch index, x1, y1, x2, y2): boxes of 8 to 60% of the image's side,
    a few reaching over its border, as a region proposal network returns them."""
    generator = torch.Generator().manual_seed(seed)
    sides = (0.08 + 0.52 * torch.rand(num_rois, 2, generator=generator)) * image_size
    corners = torch.rand(num_rois, 2, generator=generator) * (image_size * 1.1) - image_size * 0.05 - sides / 2
    batch = torch.randint(0, num_images, (num_rois, 1), generator=generator).float()
    return torch.cat([batch, corners, corners + sides], dim=1)


def sample_axis(start, bin_size, bins, points, size):
    """One axis of one region's sample grid: (low, high, low weight, high weight) per
    point, points of bin 0 first; weights 0 for a point beyond one cell outside."""
    coords = torch.tensor([start + b * bin_size + (i + 0.5) * bin_size / points
                           for b in range(bins) for i in range(points)])
    inside = ((coords >= -1) & (coords <= size)).float()
    coords = coords.clamp(min=0)
    low = coords.floor().long().clamp(max=size - 1)
    high = (low + 1).clamp(max=size - 1)
    fraction = torch.where(low >= size - 1, torch.zeros_like(coords), coords - low)
    return low, high, (1 - fraction) * inside, fraction * inside


def loop_roi_align(input, rois, output_size, spatial_scale, aligned):
    """RoI Align with the adaptive grid, one region after the other."""
    out = []
    offset = 0.5 if aligned else 0.0
    height, width = input.shape[-2:]
    for b, x1, y1, x2, y2 in rois.tolist():
        x1, y1 = x1 * spatial_scale - offset, y1 * spatial_scale - offset
        roi_w, roi_h = x2 * spatial_scale - offset - x1, y2 * spatial_scale - offset - y1
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        points_h, points_w = math.ceil(roi_h / output_size), math.ceil(roi_w / output_size)
        if points_h <= 0 or points_w <= 0:
            out.append(input.new_zeros(input.shape[1], output_size, output_size))
            continue
        ys = sample_axis(y1, roi_h / output_size, output_size, points_h, height)
        xs = sample_axis(x1, roi_w / output_size, output_size, points_w, width)
        feature = input[int(b)]
        value = 0
        for row, row_weight in zip(ys[:2], ys[2:]):
            for col, col_weight in zip(xs[:2], xs[2:]):
                value = value + feature[:, row][:, :, col] * row_weight[:, None] * col_weight[None, :]
        value = value.reshape(-1, output_size, points_h, output_size, points_w)
        out.append(value.mean(dim=(2, 4)))
    return torch.stack(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rois", type=int, default=512)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--stride", type=int, default=8)
    parser.add_argument("--output-size", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    cells = args.image_size // args.stride
    features = torch.randn(args.images, args.channels, cells, cells, generator=torch.Generator().manual_seed(1))
    rois = random_rois(args.rois, args.images, args.image_size)
    scale, size = 1.0 / args.stride, args.output_size
    implementations = {"reference roi_align": lambda x: roi_align(x, rois, size, scale, -1, True),
                       "loop over the regions": lambda x: loop_roi_align(x, rois, size, scale, True)}

    outputs, gradients = {}, {}
    for name, func in implementations.items():
        x = features.clone().requires_grad_()
        outputs[name] = func(x)
        outputs[name].backward(torch.ones_like(outputs[name]))
        gradients[name] = x.grad
    reference, loop = implementations
    # float32 on both sides, the points' coordinates computed in another order: 1e-5 apart.
    assert torch.allclose(outputs[loop], outputs[reference], atol=1e-4), "the outputs differ"
    assert torch.allclose(gradients[loop], gradients[reference], atol=1e-3), "the gradients differ"

    def forward(func):
        return lambda: func(features)

    def forward_backward(func):
        def run():
            x = features.clone().requires_grad_()
            func(x).sum().backward()
        return run

    print("roi_align: %d regions on %d maps of %d x %d x %d (stride %d), %dx%d bins, adaptive grid, "
          "aligned, float32, %d thread(s); same outputs and gradients"
          % (args.rois, args.images, args.channels, cells, cells, args.stride, size, size, args.threads))
    for what, timed in (("forward", forward), ("forward + backward", forward_backward)):
        times = best_of_each({name: timed(func) for name, func in implementations.items()}, args.repeat)
        print("  %s" % what)
        for name, seconds in times.items():
            print("    %-24s %10.1f ms   %8.2fx the reference's time"
                  % (name, seconds * 1e3, seconds / times[reference]))


if __name__ == "__main__":
    main()
