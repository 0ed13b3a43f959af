"""The reference segmentation code: the four upsamplings, the FCN and mean IoU."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core.segmentation import (UPSAMPLING_MODES, PatchClassifier, SegmentationFCN, SkipFCN, Upsample2x,
                                      image_patches, mean_iou, sliding_window_segment)


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


@pytest.mark.parametrize("mode", UPSAMPLING_MODES)
def test_skip_fcn_scores_every_pixel_from_both_paths(mode):
    torch.manual_seed(0)
    model = SkipFCN(num_classes=4, in_channels=2, width=3, upsampling=mode)
    # each decoder stage reads the upsampled map and the skipped one, of as many channels
    assert [model.dec3.in_channels, model.dec2.in_channels, model.dec1.in_channels] == [24, 12, 6]
    x = torch.randn(2, 2, 8, 16, requires_grad=True)
    scores = model(x)
    assert scores.shape == (2, 4, 8, 16)
    scores[:, :, 3, 5].sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    # the pixel's score reaches back through the skip: the input at the pixel matters
    assert x.grad[:, :, 3, 5].abs().sum() > 0


def test_image_patches_are_unfold_s_and_sliding_window_scores_each_pixel_from_its_patch():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 6, 7)
    patches = image_patches(x, 5)
    assert patches.shape == (2 * 6 * 7, 3, 5, 5)
    assert torch.equal(patches, F.unfold(x, 5, padding=2).permute(0, 2, 1).reshape(-1, 3, 5, 5))
    some = torch.tensor([[1, 0, 6], [0, 3, 2]])
    assert torch.equal(image_patches(x, 5, some), patches[[1 * 42 + 0 * 7 + 6, 3 * 7 + 2]])
    model = PatchClassifier(num_classes=4, in_channels=3, width=2, patch_size=5)
    scores = sliding_window_segment(model, x, chunk=10)
    assert scores.shape == (2, 4, 6, 7)
    assert torch.allclose(scores[1, :, 4, 5], model(patches[42 + 4 * 7 + 5][None])[0], atol=1e-6)
    with pytest.raises(ValueError, match="odd"):
        PatchClassifier(patch_size=8)


def test_train_patch_classifier_is_seeded_and_learns():
    from cs231n_core.detection_data import make_digit_scenes
    from cs231n_core.segmentation import train_patch_classifier

    scenes = make_digit_scenes(8, "train", seed=1)
    runs, threads = [], torch.get_num_threads()
    torch.set_num_threads(1)                     # tiny batches: threads cost more than they save
    try:
        for _ in range(2):
            torch.manual_seed(0)
            model = PatchClassifier(width=4, patch_size=9)
            runs.append(train_patch_classifier(model, scenes, epochs=5, pixels_per_scene=32, batch_size=64,
                                               learning_rate=1e-2, progress=False)["loss"])
    finally:
        torch.set_num_threads(threads)
    assert runs[0] == runs[1] and len(runs[0]) == 20
    assert np.mean(runs[0][-4:]) < 0.8 * np.mean(runs[0][:4])
