"""The reference segmentation code: the four upsamplings, the FCN and mean IoU."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core.segmentation import UPSAMPLING_MODES, SegmentationFCN, Upsample2x, mean_iou


def test_nearest_and_bed_of_nails():
    x = torch.arange(6.0).reshape(1, 1, 2, 3)
    nearest = Upsample2x("nearest")(x)
    assert torch.equal(nearest[0, 0], torch.tensor([[0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2],
                                                    [3, 3, 4, 4, 5, 5], [3, 3, 4, 4, 5, 5]], dtype=torch.float32))
    nails = Upsample2x("bed_of_nails")(x)
    assert torch.equal(nails[0, 0], torch.tensor([[0, 0, 1, 0, 2, 0], [0, 0, 0, 0, 0, 0],
                                                  [3, 0, 4, 0, 5, 0], [0, 0, 0, 0, 0, 0]], dtype=torch.float32))


def test_max_unpool_puts_values_back_where_they_came_from():
    big = torch.randn(2, 3, 6, 8)
    pooled, indices = F.max_pool2d(big, 2, return_indices=True)
    out = Upsample2x("max_unpool")(pooled, indices)
    assert out.shape == big.shape
    assert torch.equal(out[out != 0], big[out != 0])
    assert int((out != 0).sum()) == pooled.numel()
    with pytest.raises(ValueError, match="indices"):
        Upsample2x("max_unpool")(pooled)


def test_transposed_and_bad_modes():
    layer = Upsample2x("transposed", 3)
    assert layer(torch.randn(2, 3, 4, 5)).shape == (2, 3, 8, 10)
    assert layer.deconv.weight.shape == (3, 3, 4, 4)
    with pytest.raises(ValueError, match="unknown upsampling"):
        Upsample2x("bilinear")
    with pytest.raises(ValueError, match="channels"):
        Upsample2x("transposed")


@pytest.mark.parametrize("mode", UPSAMPLING_MODES)
def test_fcn_scores_every_pixel(mode):
    torch.manual_seed(0)
    model = SegmentationFCN(num_classes=4, in_channels=2, width=3, upsampling=mode)
    scores = model(torch.randn(2, 2, 8, 12))
    assert scores.shape == (2, 4, 8, 12)
    scores.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_mean_iou_hand_checked():
    targets = np.array([[[0, 0, 1], [1, 2, 2]]])
    predictions = np.array([[[0, 1, 1], [1, 2, 0]]])
    miou, iou = mean_iou(predictions, targets, 4)
    # class 0: 1 of 3 pixels; class 1: 2 of 3; class 2: 1 of 2; class 3: nowhere (NaN)
    assert np.allclose(iou[:3], [1 / 3, 2 / 3, 1 / 2]) and np.isnan(iou[3])
    assert miou == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    ignored = np.where(targets == 2, 255, targets)
    miou, iou = mean_iou(torch.from_numpy(predictions), torch.from_numpy(ignored), 4, ignore_index=255)
    # the two ignored pixels leave: class 0 is then 1 of 2 pixels
    assert np.allclose(iou[:2], [1 / 2, 2 / 3]) and np.isnan(iou[2]) and miou == pytest.approx(7 / 12)
    with pytest.raises(ValueError, match="shape"):
        mean_iou(predictions[:, :1], targets, 4)
