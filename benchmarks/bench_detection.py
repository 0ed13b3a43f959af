"""Detection's box operations: box_iou on 5,000 x 5,000 boxes and nms on 5,000 boxes,
the reference against a straightforward loop and against torch's own vectorized ops.

    python benchmarks/bench_detection.py [--boxes 5000] [--threads 1]

Prints times and ratios measured in the same run, with the same number of threads on
every side. The baselines:
- "loop": pure Python over the boxes, from the definitions (IoU: one pair at a time,
  timed on a slice of rows and scaled up; NMS: one box against each remaining box);
- "torch matrix": everything in whole-tensor torch operations: NMS computes the whole
  IoU matrix once, then the greedy pass walks over its rows;
- "torchvision": torchvision.ops.box_iou and torchvision.ops.nms (torch's compiled
  kernels), when torchvision is installed (it is not a dependency of the course).
"""
import argparse

import numpy as np
import torch

from cs231n_core.detection import box_iou, nms
from timing import best_of


def random_boxes(n, seed=0, extent=1000.0, max_side=100.0):
    generator = torch.Generator().manual_seed(seed)
    corners = torch.rand(n, 2, generator=generator, dtype=torch.float64) * extent
    sides = 1 + torch.rand(n, 2, generator=generator, dtype=torch.float64) * max_side
    scores = torch.rand(n, generator=generator, dtype=torch.float64)
    return torch.cat([corners, corners + sides], dim=1).float(), scores.float()


def loop_iou_rows(boxes1, boxes2):
    """IoU one pair at a time, in Python floats."""
    out = []
    for a in boxes1:
        row = []
        for b in boxes2:
            w = min(a[2], b[2]) - max(a[0], b[0])
            h = min(a[3], b[3]) - max(a[1], b[1])
            inter = w * h if w > 0 and h > 0 else 0.0
            union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            row.append(inter / union if union > 0 else 0.0)
        out.append(row)
    return out


def loop_nms(boxes, scores, threshold):
    """Greedy NMS in Python: each kept box against every box still alive."""
    boxes, scores = boxes.tolist(), scores.tolist()
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    alive = [True] * len(scores)
    keep = []
    for position, i in enumerate(order):
        if not alive[i]:
            continue
        keep.append(i)
        a = boxes[i]
        for j in order[position + 1:]:
            if alive[j] and loop_iou_rows([a], [boxes[j]])[0][0] > threshold:
                alive[j] = False
    return keep


def matrix_nms(boxes, scores, threshold):
    """The whole IoU matrix at once, then a greedy pass over its rows."""
    order = torch.sort(scores, descending=True, stable=True).indices
    suppress = box_iou(boxes[order], boxes[order]) > threshold
    alive = torch.ones(len(order), dtype=torch.bool)
    for i in range(len(order)):
        if alive[i]:
            alive &= ~suppress[i] | (torch.arange(len(order)) <= i)
    return order[alive]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--loop-rows", type=int, default=50, help="rows of the IoU matrix the loop computes")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    boxes, scores = random_boxes(args.boxes)
    n = args.boxes
    try:
        import torchvision.ops as tv_ops
    except ImportError:
        tv_ops = None

    iou_times = {"reference box_iou": best_of(lambda: box_iou(boxes, boxes), 3)}
    rows = boxes[:args.loop_rows].tolist()
    listed = boxes.tolist()
    iou_times["loop (scaled from %d rows)" % args.loop_rows] = best_of(
        lambda: loop_iou_rows(rows, listed), 1) * n / args.loop_rows
    if tv_ops is not None:
        iou_times["torchvision.ops.box_iou"] = best_of(lambda: tv_ops.box_iou(boxes, boxes), 3)

    keep = nms(boxes, scores, args.threshold)
    nms_times = {"reference nms": best_of(lambda: nms(boxes, scores, args.threshold), 3),
                 "torch matrix": best_of(lambda: matrix_nms(boxes, scores, args.threshold), 1),
                 "loop": best_of(lambda: loop_nms(boxes, scores, args.threshold), 1)}
    same = {"torch matrix": matrix_nms(boxes, scores, args.threshold).tolist() == keep.tolist(),
            "loop": loop_nms(boxes, scores, args.threshold) == keep.tolist()}
    if tv_ops is not None:
        nms_times["torchvision.ops.nms"] = best_of(lambda: tv_ops.nms(boxes, scores, args.threshold), 3)
        same["torchvision.ops.nms"] = tv_ops.nms(boxes, scores, args.threshold).tolist() == keep.tolist()

    print("box_iou, %d x %d float32 boxes, %d thread(s)" % (n, n, args.threads))
    base = iou_times["reference box_iou"]
    for name, seconds in iou_times.items():
        print("  %-28s %10.1f ms   %8.2fx the reference's time" % (name, seconds * 1e3, seconds / base))
    print("nms, %d float32 boxes at IoU %.2f (%d kept), %d thread(s)" % (n, args.threshold, len(keep), args.threads))
    base = nms_times["reference nms"]
    for name, seconds in nms_times.items():
        agree = "" if name not in same else ("  same boxes kept" if same[name] else "  DIFFERENT boxes kept")
        print("  %-28s %10.1f ms   %8.2fx the reference's time%s" % (name, seconds * 1e3, seconds / base, agree))
    if tv_ops is None:
        print("  (torchvision is not installed: no comparison with torchvision.ops)")


if __name__ == "__main__":
    main()
