"""Classification plus localization: one network, two heads, a weighted sum of two losses."""
import math

import pytest
import torch

from cs231n_core.detection_data import make_digit_scenes
from cs231n_core.two_stage import ClassifyLocalize, classify_localize_loss, train_classify_localize


def test_shapes_and_the_loss_hand_checked():
    model = ClassifyLocalize(num_classes=10, width=4, image_size=32)
    class_logits, boxes = model(torch.randn(3, 1, 32, 32))
    assert class_logits.shape == (3, 10) and boxes.shape == (3, 4)
    predicted = torch.tensor([[0.1, 0.1, 0.5, 0.5], [0.2, 0.2, 0.6, 0.6]])
    truth = predicted.clone()
    truth[0, 0] += 0.01                                     # inside beta: 0.5 * 0.01^2 / 0.02
    truth[1, 3] -= 0.1                                      # beyond beta: 0.1 - 0.02 / 2
    loss, class_loss, box_loss = classify_localize_loss(torch.zeros(2, 4), predicted, torch.tensor([1, 3]), truth,
                                                        box_weight=5.0)
    assert class_loss.item() == pytest.approx(math.log(4))
    assert box_loss.item() == pytest.approx((0.0025 + 0.09) / 8)
    assert loss.item() == pytest.approx(math.log(4) + 5 * (0.0025 + 0.09) / 8)


def test_training_lowers_both_losses_and_needs_one_object_per_scene():
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        scenes = make_digit_scenes(32, "train", digits_per_scene=(1, 1), seed=1)
        model = ClassifyLocalize(num_classes=10, width=4)
        history = train_classify_localize(model, scenes, epochs=10, batch_size=16, learning_rate=3e-3,
                                          box_weight=10.0, progress=False)
        assert len(history["loss"]) == 20 and set(history) == {"loss", "class", "box"}
        # the box, an easier task than the digit's class, falls first (the class takes
        # more than 20 steps on 32 scenes)
        for name in ("loss", "box"):
            assert sum(history[name][-4:]) < 0.8 * sum(history[name][:4]), name
        with pytest.raises(ValueError, match="one object"):
            train_classify_localize(model, make_digit_scenes(4, "train", digits_per_scene=(2, 2)), epochs=1)
    finally:
        torch.set_num_threads(threads)
