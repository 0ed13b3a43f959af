"""Unit tests of the reference PyTorch models, loops, checkpoints and loaders
(cs231n_core/pytorch_models.py), on the CPU: small inputs, NumPy as the judge."""
import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core import pytorch_models as pm


def numpy_conv(x, w, b, pad):
    """Stride-1 convolution in NumPy: x (N, C, H, W), w (F, C, HH, WW)."""
    n, _, height, width = x.shape
    f, _, hh, ww = w.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out_h, out_w = height + 2 * pad - hh + 1, width + 2 * pad - ww + 1
    out = np.zeros((n, f, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, :, i:i + hh, j:j + ww]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, w) + b
    return out


def relu(x):
    return np.maximum(x, 0)


def convnet_params(rng, c_in, c1, c2, height, width, classes):
    shapes = [(c1, c_in, 5, 5), (c1,), (c2, c1, 3, 3), (c2,), (c2 * height * width, classes), (classes,)]
    return [rng.normal(size=s) * 0.3 for s in shapes]


# --- barebones ---------------------------------------------------------------------

def test_flatten_keeps_examples_in_rows():
    x = torch.arange(24).view(2, 3, 2, 2)
    assert torch.equal(pm.flatten(x), torch.arange(24).view(2, 12))
    assert pm.flatten(torch.zeros(5, 7)).shape == (5, 7)
    assert pm.flatten(torch.zeros(1, 2, 3)).shape == (1, 6)
    assert torch.equal(pm.Flatten()(x), pm.flatten(x))


def test_two_layer_fc_matches_numpy():
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.normal(size=(4, 3, 2, 5)), rng.normal(size=(30, 8)), rng.normal(size=(8, 6))
    scores = pm.two_layer_fc(torch.from_numpy(x), [torch.from_numpy(w1), torch.from_numpy(w2)])
    assert np.allclose(scores.numpy(), relu(x.reshape(4, -1) @ w1) @ w2, rtol=1e-12, atol=1e-12)


def test_three_layer_convnet_matches_numpy_and_keeps_size():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2, 6, 7))
    params = convnet_params(rng, 2, 3, 4, 6, 7, 5)
    hidden = relu(numpy_conv(relu(numpy_conv(x, params[0], params[1], 2)), params[2], params[3], 1))
    expected = hidden.reshape(2, -1) @ params[4] + params[5]
    scores = pm.three_layer_convnet(torch.from_numpy(x), [torch.from_numpy(p) for p in params])
    assert scores.shape == (2, 5)
    assert np.allclose(scores.numpy(), expected, rtol=1e-10, atol=1e-10)


def test_random_weight_is_kaiming_normal_leaf():
    torch.manual_seed(0)
    fc = pm.random_weight((2000, 30))
    conv = pm.random_weight((40, 16, 3, 3), dtype=torch.float64)
    assert fc.dtype == torch.float32 and conv.dtype == torch.float64
    for w in (fc, conv):
        assert w.requires_grad and w.is_leaf and w.device.type == "cpu"
    assert fc.std().item() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)
    assert conv.std().item() == pytest.approx(np.sqrt(2 / 144), rel=0.03)
    assert abs(fc.mean().item()) < 3 * np.sqrt(2 / 2000) / np.sqrt(60000)
    torch.manual_seed(5)
    again = pm.random_weight((2000, 30))
    torch.manual_seed(0)
    assert torch.equal(pm.random_weight((2000, 30)), fc) and not torch.equal(again, fc)
    zero = pm.zero_weight((3,))
    assert zero.requires_grad and torch.equal(zero, torch.zeros(3))


# --- modules -----------------------------------------------------------------------

def test_two_layer_fc_module_is_the_barebones_net_with_biases():
    torch.manual_seed(0)
    model = pm.TwoLayerFC(60, 20, 7).double()
    assert pm.count_params(model) == 60 * 20 + 20 + 20 * 7 + 7
    x = torch.randn(5, 3, 4, 5, dtype=torch.float64)
    w1, b1 = model.fc1.weight, model.fc1.bias
    w2, b2 = model.fc2.weight, model.fc2.bias
    expected = F.relu(pm.flatten(x) @ w1.T + b1) @ w2.T + b2
    assert torch.allclose(model(x), expected)
    torch.manual_seed(1)
    big = pm.TwoLayerFC(2000, 100, 10)
    assert big.fc1.weight.std().item() == pytest.approx(np.sqrt(2 / 2000), rel=0.03)


@pytest.mark.parametrize("image_size", [32, (9, 11)])
def test_three_layer_convnet_module_equals_barebones(image_size):
    torch.manual_seed(0)
    height, width = (image_size, image_size) if isinstance(image_size, int) else image_size
    model = pm.ThreeLayerConvNet(3, 6, 5, 4, image_size=image_size).double()
    shapes = [tuple(p.shape) for p in model.parameters()]
    assert shapes == [(6, 3, 5, 5), (6,), (5, 6, 3, 3), (5,), (4, 5 * height * width), (4,)]
    x = torch.randn(2, 3, height, width, dtype=torch.float64)
    c1, c2, fc = model.conv1, model.conv2, model.fc
    params = [c1.weight, c1.bias, c2.weight, c2.bias, fc.weight.T, fc.bias]
    assert torch.allclose(model(x), pm.three_layer_convnet(x, params))
    assert torch.count_nonzero(c1.bias) == 0


# --- check_accuracy, train, train_barebones ------------------------------------------

def separable(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1, 2, 2)).astype(np.float32)
    y = (X[:, 0, 0, 0] + X[:, 0, 1, 1] > 0).astype(np.int64)
    return X, y


def test_check_accuracy_counts_every_example_in_evaluation_mode():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [0.5, 3.0], [4.0, 0.0]])
    y = np.array([0, 1, 1, 1, 1])
    linear = torch.nn.Linear(2, 2, bias=False).double()
    with torch.no_grad():
        linear.weight.copy_(torch.eye(2))
    assert pm.check_accuracy((X, y), linear, batch_size=2) == pytest.approx(0.6)
    assert pm.check_accuracy(pm.as_loader((X, y), 3), linear) == pytest.approx(0.6)
    assert pm.check_accuracy((X, y), lambda x: x @ torch.eye(2, dtype=x.dtype)) == pytest.approx(0.6)
    model = torch.nn.Sequential(torch.nn.Dropout(0.99), linear).train()
    assert pm.check_accuracy((X, y), model) == pytest.approx(0.6)  # dropout off
    assert model.training  # and the mode restored


def test_train_lowers_the_loss_and_records_history():
    X, y = separable()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = pm.train(model, optimizer, (X, y), epochs=3, val_data=(X, y), scheduler=scheduler,
                       batch_size=50, progress=False)
    assert len(history["loss"]) == 12 and len(history["val_acc"]) == 3
    assert np.mean(history["loss"][-4:]) < np.mean(history["loss"][:2])
    assert history["val_acc"][-1] > 0.9
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.5 / 8)


def test_train_puts_the_model_in_training_mode():
    X, y = separable()
    norm = torch.nn.BatchNorm1d(4)
    model = torch.nn.Sequential(torch.nn.Flatten(), norm, torch.nn.Linear(4, 2)).eval()
    pm.train(model, torch.optim.SGD(model.parameters(), lr=0.1), (X, y), progress=False)
    assert model.training and norm.num_batches_tracked.item() == 4


def test_train_barebones_updates_the_weights_by_hand():
    X, y = separable()
    torch.manual_seed(0)
    params = [pm.random_weight((4, 8)), pm.random_weight((8, 2))]
    before = [p.detach().clone() for p in params]
    history = pm.train_barebones(pm.two_layer_fc, params, (X, y), learning_rate=0.1, epochs=3,
                                 val_data=(X, y), progress=False)
    assert not torch.equal(before[0], params[0]) and params[0].is_leaf
    assert all(torch.count_nonzero(p.grad) == 0 for p in params)
    assert history["val_acc"][-1] > 0.85


# --- loaders and transforms ----------------------------------------------------------

def test_as_loader_covers_every_example_once_per_epoch():
    X, y = np.arange(23, dtype=np.float32)[:, None], np.arange(23)
    loader = pm.as_loader((X, y), batch_size=5, shuffle=True, seed=3)
    assert len(loader) == 5
    epochs = [torch.cat([yb for _, yb in loader]) for _ in range(2)]
    for seen in epochs:
        assert sorted(seen.tolist()) == list(range(23))
    assert not torch.equal(epochs[0], epochs[1])  # a new order each epoch
    again = pm.as_loader((X, y), batch_size=5, shuffle=True, seed=3)
    assert torch.equal(torch.cat([yb for _, yb in again]), epochs[0])
    xb, yb = next(iter(pm.as_loader((np.zeros((3, 2), np.uint8), [0, 1, 2]), batch_size=2)))
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64 and xb.shape == (2, 2)
    assert pm.as_loader(loader) is loader
    with pytest.raises(ValueError, match="3 examples but y has 2"):
        pm.as_loader((np.zeros((3, 2)), [0, 1]))


def test_transforms():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    normed = pm.Normalize([1.0, 2.0, 3.0], [2.0, 2.0, 4.0])(x)
    assert torch.allclose(normed[:, 2], (x[:, 2] - 3.0) / 4.0)
    assert torch.equal(pm.RandomHorizontalFlip(p=1.0)(x), x.flip(-1))
    assert torch.equal(pm.RandomHorizontalFlip(p=0.0)(x), x)
    torch.manual_seed(0)
    crops = pm.RandomCrop(2)(x)
    assert crops.shape == x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    for n in range(2):  # each crop is a window of the padded image, all channels alike
        assert any(torch.equal(crops[n], padded[n, :, i:i + 4, j:j + 5]) for i in range(5) for j in range(5))
    assert torch.equal(pm.Compose([])(x), x)


def test_load_data_normalizes_per_channel():
    data = pm.load_data("digits", num_training=300, num_validation=50, num_test=50, batch_size=32)
    assert data["name"] == "digits" and data["in_channels"] == 1 and data["image_size"] == (8, 8)
    xb, yb = next(iter(data["train"]))
    assert xb.shape == (32, 1, 8, 8) and xb.dtype == torch.float32 and yb.dtype == torch.int64
    everything = torch.cat([x for x, _ in data["train"]])
    assert abs(everything.mean().item()) < 1e-4 and everything.std().item() == pytest.approx(1.0, abs=1e-3)
    assert data["num_train"] == 300 and data["num_val"] == 50


# --- checkpoints ---------------------------------------------------------------------

def test_checkpoint_round_trip(tmp_path):
    X, y = separable()
    torch.manual_seed(0)
    model = pm.ThreeLayerConvNet(1, 3, 2, 2, image_size=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    pm.train(model, optimizer, (X, y), progress=False)
    path = str(tmp_path / "run" / "model.pt")
    pm.save_checkpoint(path, model, optimizer, epoch=1, best_val=0.5)
    assert os.listdir(tmp_path / "run") == ["model.pt"]  # no temporary file left over
    copy = pm.ThreeLayerConvNet(1, 3, 2, 2, image_size=2)
    copy_optimizer = torch.optim.Adam(copy.parameters(), lr=1e-2)
    info = pm.load_checkpoint(path, copy, copy_optimizer)
    assert info == {"epoch": 1, "extra": {"best_val": 0.5}}
    for a, b in zip(model.state_dict().values(), copy.state_dict().values()):
        assert torch.equal(a, b)
    assert copy_optimizer.state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]
    with pytest.raises(ValueError, match="no optimizer state"):
        pm.save_checkpoint(path, model)
        pm.load_checkpoint(path, copy, copy_optimizer)


def test_a_failed_save_keeps_the_old_checkpoint(tmp_path):
    model = torch.nn.Linear(2, 2)
    path = str(tmp_path / "model.pt")
    pm.save_checkpoint(path, model, epoch=1)
    before = open(path, "rb").read()
    with pytest.raises(Exception):
        pm.save_checkpoint(path, model, epoch=2, unpicklable=lambda: None)
    assert open(path, "rb").read() == before and os.listdir(tmp_path) == ["model.pt"]
