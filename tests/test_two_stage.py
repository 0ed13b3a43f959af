"""The two-stage detector's pieces: the region proposal network (head, sampling, targets,
loss, proposals) on hand-made cases."""
import math

import pytest
import torch
import torch.nn.functional as F

from cs231n_core.detection import nms
from cs231n_core.two_stage import (RPNHead, greedy_nms, rpn_loss, rpn_proposals, rpn_targets,
                                   sample_balanced)


def test_rpn_head_lays_its_rows_out_as_the_anchors():
    torch.manual_seed(0)
    head = RPNHead(5, 3)
    x = torch.randn(2, 5, 4, 6)
    objectness, deltas = head(x)
    assert objectness.shape == (2, 4 * 6 * 3) and deltas.shape == (2, 4 * 6 * 3, 4)
    hidden = F.relu(head.conv(x))
    raw_objectness, raw_deltas = head.objectness(hidden), head.deltas(hidden)     # (2, A, 4, 6), (2, 4A, 4, 6)
    for y, x_, a in [(0, 0, 0), (2, 5, 1), (3, 1, 2)]:
        row = y * 6 * 3 + x_ * 3 + a
        assert objectness[1, row] == raw_objectness[1, a, y, x_]
        assert torch.equal(deltas[1, row], raw_deltas[1, 4 * a:4 * a + 4, y, x_])


def test_sample_balanced_counts_and_draws_only_what_it_may():
    matches = torch.tensor([-1] * 10 + [0] * 3 + [-2] * 5 + [1] * 2)       # 5 positives, 10 negatives
    generator = torch.Generator().manual_seed(0)
    positive, negative = sample_balanced(matches, 8, 0.5, generator)
    assert len(positive) == 4 and len(negative) == 4
    assert bool((matches[positive] >= 0).all()) and bool((matches[negative] == -1).all())
    assert len(set(positive.tolist())) == 4 and len(set(negative.tolist())) == 4
    # too few positives: all 5, negatives fill up to what there is
    positive, negative = sample_balanced(matches, 16, 0.5, generator)
    assert sorted(positive.tolist()) == [10, 11, 12, 18, 19] and sorted(negative.tolist()) == list(range(10))
    positive, negative = sample_balanced(matches, 4, 0.25, generator)
    assert len(positive) == 1 and len(negative) == 3
    # the same seed draws the same sample
    first = sample_balanced(matches, 6, 0.5, torch.Generator().manual_seed(3))
    again = sample_balanced(matches, 6, 0.5, torch.Generator().manual_seed(3))
    assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_rpn_targets_hand_checked():
    anchors = torch.tensor([[0, 0, 10, 10], [10, 0, 20, 10], [0, 10, 10, 20], [30, 30, 40, 40]], dtype=torch.float64)
    gt = [torch.tensor([[1.0, 0, 11, 10]], dtype=torch.float64), torch.zeros(0, 4, dtype=torch.float64)]
    labels, targets = rpn_targets(anchors, gt, batch_size_per_image=256)
    # IoU with anchor 0 is 90 / 110 >= 0.7; the others overlap by 10 / 190 or nothing
    assert labels.tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]
    assert torch.allclose(targets[0, 0], torch.tensor([0.1, 0, 0, 0], dtype=torch.float64))
    assert torch.equal(targets[0, 1:], torch.zeros(3, 4, dtype=torch.float64)) and not targets[1].any()
    labels, _ = rpn_targets(anchors, gt, batch_size_per_image=2, positive_fraction=0.5,
                            generator=torch.Generator().manual_seed(0))
    assert labels[0].tolist().count(1) == 1 and labels[0].tolist().count(0) == 1
    assert labels[1].tolist().count(0) == 2 and labels[1].tolist().count(-1) == 2


def test_rpn_loss_hand_checked():
    objectness = torch.tensor([[2.0, -1.0, 0.5]], requires_grad=True)
    deltas = torch.zeros(1, 3, 4, requires_grad=True)
    labels = torch.tensor([[1, 0, -1]])
    targets = torch.tensor([[[0.1, 0, 0, 0], [5, 5, 5, 5], [5, 5, 5, 5]]])
    objectness_loss, box_loss = rpn_loss(objectness, deltas, labels, targets)
    # BCE: log(1 + e^-2) for the positive, log(1 + e^-1) for the negative; the ignored anchor
    # counts nowhere. Smooth L1 with beta 1/9: 0.5 * 0.1^2 / (1/9), over 2 sampled anchors.
    assert objectness_loss.item() == pytest.approx((math.log1p(math.exp(-2)) + math.log1p(math.exp(-1))) / 2)
    assert box_loss.item() == pytest.approx(0.5 * 0.01 * 9 / 2)
    (objectness_loss + box_loss).backward()
    assert objectness.grad[0, 2] == 0 and not deltas.grad[0, 1:].any()
    nothing = rpn_loss(objectness, deltas, torch.full((1, 3), -1), targets)
    assert [v.item() for v in nothing] == [0.0, 0.0]


def test_rpn_proposals_hand_checked():
    anchors = torch.tensor([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [50, 50, 70, 70], [5, 5, 5.5, 5.5]])
    objectness = torch.tensor([[3.0, 2.0, 1.0, 0.5, 4.0]])
    deltas = torch.zeros(1, 5, 4)
    deltas[0, 2] = torch.tensor([0.5, 0.0, 0.0, 0.0])            # anchor 2's box moves 5 pixels right
    boxes, scores = rpn_proposals(objectness, deltas, anchors, (64, 64), pre_nms_top_n=5, post_nms_top_n=10)
    # anchor 4 is too small, anchor 1 overlaps anchor 0 by 0.82 > 0.7, anchor 3 is clipped
    assert torch.equal(boxes[0], torch.tensor([[0.0, 0, 10, 10], [25, 20, 35, 30], [50, 50, 64, 64]]))
    assert torch.allclose(scores[0], torch.sigmoid(torch.tensor([3.0, 1.0, 0.5])))
    boxes, _ = rpn_proposals(objectness, deltas, anchors, (64, 64), pre_nms_top_n=5, post_nms_top_n=2)
    assert len(boxes[0]) == 2
    boxes, _ = rpn_proposals(objectness, deltas, anchors, (64, 64), pre_nms_top_n=3)   # anchors 4, 0, 1
    assert torch.equal(boxes[0], torch.tensor([[0.0, 0, 10, 10]]))
    boxes, _ = rpn_proposals(objectness.expand(3, 5), deltas.expand(3, 5, 4), anchors, (64, 64))
    assert len(boxes) == 3 and all(torch.equal(b, boxes[0]) for b in boxes)


def test_greedy_nms_keeps_what_nms_keeps():
    generator = torch.Generator().manual_seed(1)
    for trial in range(20):
        centres = torch.randint(0, 60, (40, 2), generator=generator).double()
        sides = torch.randint(2, 20, (40, 2), generator=generator).double()
        boxes = torch.cat([centres, centres + sides], dim=1)
        scores = torch.randint(0, 6, (40,), generator=generator).double()         # many ties
        threshold = [0.3, 0.5, 0.7][trial % 3]
        assert greedy_nms(boxes, scores, threshold).tolist() == nms(boxes, scores, threshold).tolist()
    assert greedy_nms(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []
