"""The two-stage detector's pieces: the region proposal network (head, sampling, targets,
loss, proposals), the second stage, Faster R-CNN and Mask R-CNN (shapes, losses that fall
on a tiny set, the output of inference), masks and mask AP, on hand-made cases."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core.detection import encode_boxes, mean_average_precision
from cs231n_core.detection_data import make_digit_scenes
from cs231n_core.two_stage import (BOX_WEIGHTS, BoxHead, FasterRCNN, MaskRCNN, RPNHead, box_head_loss,
                                   mask_average_precision, mask_loss, mask_targets, paste_masks,
                                   predict_instances, roi_targets, rpn_loss, rpn_proposals, rpn_targets,
                                   sample_balanced, scene_instance_masks, train_two_stage)


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    """Many small operations: torch's thread pool costs more than it saves (ten times as
    long on a busy two-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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


# --------------------------------------------------------------------------------------
# The second stage, Faster R-CNN and Mask R-CNN
# --------------------------------------------------------------------------------------

def test_roi_targets_adds_the_true_boxes_and_labels_the_sample():
    proposals = [torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10], [30, 30, 40, 40], [0, 0, 5, 5]])]
    gt_boxes, gt_labels = [torch.tensor([[0.0, 0, 10, 10], [30, 31, 40, 41]])], [torch.tensor([7, 2])]
    out = roi_targets(proposals, gt_boxes, gt_labels, batch_size_per_image=64, positive_fraction=1.0)
    # positives: proposals 0, 1 (IoU 0.82 with box 0), 2 (IoU 0.82 with box 1) and the two boxes
    assert sorted(out["labels"][0].tolist()) == [0, 3, 3, 8, 8, 8]
    positive = out["labels"][0] > 0
    assert sorted(out["matched"][0][positive].tolist()) == [0, 0, 0, 1, 1] and out["matched"][0][~positive].tolist() == [-1]
    assert out["labels"][0][:5].gt(0).all()                                     # positives first
    expected = encode_boxes(gt_boxes[0][out["matched"][0][:5]], out["boxes"][0][:5]) * torch.tensor(BOX_WEIGHTS)
    assert torch.allclose(out["box_targets"][0][:5], expected) and not out["box_targets"][0][5:].any()
    small = roi_targets(proposals, gt_boxes, gt_labels, batch_size_per_image=4, positive_fraction=0.25,
                        generator=torch.Generator().manual_seed(0))
    assert small["labels"][0].gt(0).sum() == 1 and len(small["labels"][0]) == 2   # only one negative exists


def test_box_head_shapes_and_loss_hand_checked():
    head = BoxHead(in_channels=3, pool_size=2, num_classes=4, hidden=8)
    class_logits, box_deltas = head(torch.randn(5, 3, 2, 2))
    assert class_logits.shape == (5, 5) and box_deltas.shape == (5, 5, 4)
    logits = torch.zeros(2, 3)
    deltas = torch.zeros(2, 3, 4)
    deltas[0, 2] = torch.tensor([0.05, 0, 0, 2.0])      # the deltas of class 2, region 0's true class
    deltas[0, 1] = 9.0                                  # another class's deltas: not learned
    labels, targets = torch.tensor([2, 0]), torch.zeros(2, 4)
    classifier, box_reg = box_head_loss(logits, deltas, labels, targets)
    assert classifier.item() == pytest.approx(math.log(3))
    # smooth L1 (beta 1/9): 0.5 * 0.05^2 * 9 + (2 - 0.5 / 9), over the 2 sampled regions
    assert box_reg.item() == pytest.approx((0.5 * 0.0025 * 9 + 2 - 0.5 / 9) / 2)


def tiny_scenes(count=8):
    return make_digit_scenes(count, "train", seed=3)


def scene_batch(scenes):
    images = torch.as_tensor(scenes["images"])
    boxes = [torch.as_tensor(b) for b in scenes["boxes"]]
    labels = [torch.as_tensor(c) for c in scenes["labels"]]
    return images, boxes, labels, [torch.as_tensor(m) for m in scene_instance_masks(scenes)]


@pytest.mark.parametrize("in_channels", [1, 3])
def test_mask_rcnn_losses_are_finite_and_decrease(in_channels):
    torch.manual_seed(0)
    images, boxes, labels, masks = scene_batch(tiny_scenes())
    images = images.expand(-1, in_channels, -1, -1)
    model = MaskRCNN(num_classes=10, in_channels=in_channels, width=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    history = []
    for _ in range(12):
        losses = model.losses(images, boxes, labels, masks, generator=generator)
        assert set(losses) == {"loss", "rpn_objectness", "rpn_box", "classifier", "box_reg", "mask"}
        assert all(torch.isfinite(v) for v in losses.values())
        optimizer.zero_grad()
        losses["loss"].backward()
        optimizer.step()
        history.append(losses["loss"].item())
    assert sum(history[-3:]) < 0.7 * sum(history[:3])
    assert all(p.grad is not None for p in model.parameters())


def test_faster_rcnn_predicts_detections_in_the_format_of_the_single_stage_detector():
    torch.manual_seed(0)
    images, boxes, labels, _ = scene_batch(tiny_scenes(3))
    model = FasterRCNN(num_classes=10, width=8)
    assert set(model(images, boxes, labels)) == {"loss", "rpn_objectness", "rpn_box", "classifier", "box_reg"}
    detections = model.predict(images, score_threshold=0.0, max_detections=7)
    assert model.training and len(detections) == 3                  # predict leaves the mode as it was
    for found in detections:
        k = found["boxes"].shape[0]
        assert 0 < k <= 7 and found["boxes"].shape == (k, 4) and found["scores"].shape == (k,)
        assert found["labels"].dtype == torch.long and bool(((found["labels"] >= 0) & (found["labels"] < 10)).all())
        assert bool((found["scores"][:-1] >= found["scores"][1:]).all())
        assert bool((found["boxes"] >= 0).all() and (found["boxes"] <= 64).all())
    assert len(model(images)) == 3


def test_mask_rcnn_predicts_a_pasted_mask_per_detection():
    torch.manual_seed(0)
    images, _, _, _ = scene_batch(tiny_scenes(2))
    model = MaskRCNN(num_classes=10, width=8)
    for found in model.predict(images, score_threshold=0.0, max_detections=5):
        k = found["boxes"].shape[0]
        assert found["masks"].shape == (k, 64, 64)
        assert bool(((found["masks"] >= 0) & (found["masks"] <= 1)).all())
    nothing = model.predict(images, score_threshold=1.0)
    assert all(found["masks"].shape == (0, 64, 64) for found in nothing)


def test_mask_targets_crop_and_resample_the_object_s_mask():
    masks = torch.zeros(2, 20, 20, dtype=torch.bool)
    masks[0, 4:12, 2:10] = True                  # an 8x8 square at x 2..10, y 4..12
    masks[1, :, :] = True
    boxes = torch.tensor([[2.0, 4, 10, 12], [2.0, 4, 18, 12], [0.0, 0, 20, 20]])
    targets = mask_targets(masks, torch.tensor([0, 0, 1]), boxes, 4)
    assert targets.shape == (3, 4, 4) and targets.dtype == torch.float32
    assert targets[0].all() and targets[2].all()
    assert torch.equal(targets[1], torch.tensor([[1.0, 1, 0, 0]] * 4))        # the box twice as wide


def test_mask_loss_learns_the_true_class_only():
    logits = torch.zeros(2, 3, 2, 2, requires_grad=True)
    targets = torch.ones(2, 2, 2)
    loss = mask_loss(logits, torch.tensor([2, 0]), targets)
    assert loss.item() == pytest.approx(math.log(2))
    loss.backward()
    assert logits.grad[0, 2].ne(0).all() and logits.grad[1, 0].ne(0).all()
    assert not logits.grad[0, :2].any() and not logits.grad[1, 1:].any()
    assert mask_loss(logits, torch.zeros(0, dtype=torch.long), torch.zeros(0, 2, 2)).item() == 0


def test_paste_masks_puts_each_mask_in_its_box():
    masks = torch.ones(2, 14, 14)
    masks[1, :, 7:] = 0                                   # the right half off
    pasted = paste_masks(masks, torch.tensor([[2.0, 3, 10, 7], [0.0, 0, 8, 8]]), (12, 16))
    assert pasted.shape == (2, 12, 16)
    expected = torch.zeros(12, 16)
    expected[3:7, 2:10] = 1
    assert torch.allclose(pasted[0], expected)
    assert torch.allclose(pasted[1, :8, :4], torch.ones(8, 4)) and not pasted[1, :, 4:].any()
    assert paste_masks(torch.zeros(0, 14, 14), torch.zeros(0, 4), (5, 6)).shape == (0, 5, 6)


def filled(boxes, size=32):
    masks = torch.zeros(len(boxes), size, size, dtype=torch.bool)
    for k, (x1, y1, x2, y2) in enumerate(boxes.long().tolist()):
        masks[k, y1:y2, x1:x2] = True
    return masks


def test_mask_average_precision_of_filled_boxes_is_the_box_map():
    # a filled box's mask IoU is the boxes' IoU: both APs must agree
    generator = torch.Generator().manual_seed(2)
    gt_boxes, gt_labels, boxes, scores, labels = [], [], [], [], []
    for _ in range(6):
        corners = torch.randint(0, 20, (3, 2), generator=generator)
        truth = torch.cat([corners, corners + torch.randint(3, 12, (3, 2), generator=generator)], 1).float()
        noise = torch.randint(-2, 3, (5, 4), generator=generator).float()
        found = (truth[torch.tensor([0, 1, 2, 0, 1])] + noise).clamp(0, 32)
        found[:, 2:] = torch.maximum(found[:, 2:], found[:, :2] + 1)
        gt_boxes.append(truth)
        gt_labels.append(torch.randint(0, 3, (3,), generator=generator))
        boxes.append(found)
        scores.append(torch.rand(5, generator=generator))
        labels.append(torch.randint(0, 3, (5,), generator=generator))
    box_map, box_ap = mean_average_precision(boxes, scores, labels, gt_boxes, gt_labels, 4)
    mask_map, mask_ap = mask_average_precision([filled(b) for b in boxes], scores, labels,
                                               [filled(b) for b in gt_boxes], gt_labels, 4)
    assert 0 < box_map < 1 and mask_map == pytest.approx(box_map)
    assert np.allclose(mask_ap[:3], box_ap[:3]) and np.isnan(mask_ap[3])


def test_mask_average_precision_hand_checked():
    truth = filled(torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30]]))
    wrong = filled(torch.tensor([[0.0, 0, 10, 4]]))          # IoU 0.4 with the first object
    predicted = torch.cat([truth[:1], truth[:1], wrong, truth[1:]])
    # class 0: a hit (0.9), a duplicate (0.8), a poor mask (0.7); class 1: a hit
    mean, ap = mask_average_precision([predicted], [torch.tensor([0.9, 0.8, 0.7, 0.6])],
                                      [torch.tensor([0, 0, 0, 1])], [truth], [torch.tensor([0, 1])], 2)
    assert ap.tolist() == [1.0, 1.0] and mean == 1.0
    mean, ap = mask_average_precision([predicted], [torch.tensor([0.5, 0.8, 0.9, 0.6])],
                                      [torch.tensor([0, 0, 0, 1])], [truth], [torch.tensor([0, 1])], 2)
    assert ap[0] == pytest.approx(0.5)                          # found second, at precision 1/2


def test_train_two_stage_records_every_loss_and_is_seeded():
    scenes = tiny_scenes(6)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = MaskRCNN(num_classes=10, width=4)
        runs.append(train_two_stage(model, scenes, epochs=1, batch_size=3, progress=False))
    assert set(runs[0]) == {"loss", "rpn_objectness", "rpn_box", "classifier", "box_reg", "mask"}
    assert len(runs[0]["loss"]) == 2 and runs[0] == runs[1]
    out = predict_instances(model, scenes["images"], batch_size=4, score_threshold=0.0)
    assert len(out["boxes"]) == 6 and len(out["masks"]) == 6 and out["masks"][0].dtype == bool
    assert out["masks"][0].shape[1:] == (64, 64) and out["seconds"] > 0
