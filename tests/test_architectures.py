"""Unit tests of cs231n_core.architectures: published parameter counts (counted on the
meta device: shapes without storage, so VGG-16 costs no memory), shapes, the blocks'
values against hand-written forward passes, the counters, the transforms and the FFT
convolution."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core import architectures as arch
from cs231n_core.fast_layers import conv_forward_fast
from cs231n_core.pytorch_models import count_params


def on_meta(build, *args, **kwargs):
    with torch.device("meta"):
        return build(*args, **kwargs)


@pytest.mark.parametrize("name, build, kwargs", [
    ("alexnet", arch.alexnet, {}), ("vgg16", arch.vgg16, {}), ("googlenet", arch.googlenet, {}),
    ("resnet18", arch.resnet18, {}), ("squeezenet1_0", arch.squeezenet, {"version": "1.0"}),
    ("squeezenet1_1", arch.squeezenet, {"version": "1.1"})])
def test_published_parameter_counts_and_shapes(name, build, kwargs):
    model = on_meta(build, **kwargs)
    assert count_params(model) == arch.PUBLISHED_PARAMS[name]
    with torch.device("meta"):
        out = model.eval()(torch.empty(2, 3, 224, 224))
    assert tuple(out.shape) == (2, 1000)


def test_googlenet_with_the_papers_5x5_branch():
    assert count_params(on_meta(arch.googlenet, branch3_kernel_size=5)) == 7_005_832


def test_multiply_adds_of_the_published_networks():
    """torchvision's model table: AlexNet 0.71, VGG-16 15.47, ResNet-18 1.81 GFLOPs (multiply-adds)."""
    expected = {arch.alexnet: 714_188_480, arch.vgg16: 15_470_264_320, arch.resnet18: 1_814_073_344}
    for build, macs in expected.items():
        params, counted = arch.count_params_and_flops(on_meta(build), (3, 224, 224))
        assert counted == macs


def test_counter_on_a_grouped_strided_net():
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, stride=2, padding=1), torch.nn.BatchNorm2d(4),
                              torch.nn.Conv2d(4, 6, 3, groups=2, bias=False), torch.nn.Flatten(),
                              torch.nn.Linear(6 * 3 * 3, 5))
    params, macs = arch.count_params_and_flops(net.train(), (2, 10, 10))
    assert params == (4 * 2 * 9 + 4) + 8 + 6 * 2 * 9 + (54 * 5 + 5)
    assert macs == 4 * 25 * 2 * 9 + 6 * 9 * 2 * 9 + 54 * 5
    assert net.training and torch.all(net[1].running_mean == 0)


def test_receptive_field():
    assert arch.receptive_field([]) == 1
    assert arch.receptive_field([(3, 1)] * 3) == arch.receptive_field([(7, 1)]) == 7
    assert arch.receptive_field([(3, 1), (2, 2), (3, 1)]) == 8
    assert arch.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15


def bn(x, module):
    return F.batch_norm(x, module.running_mean, module.running_var, module.weight, module.bias,
                        False, 0.0, module.eps)


def randomize(module, seed=0):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for tensor in list(module.parameters()) + [b for n, b in module.named_buffers() if "running" in n]:
            tensor.copy_(torch.rand(tensor.shape, generator=generator, dtype=tensor.dtype) + 0.5)
    return module.double().eval()


@pytest.mark.parametrize("in_channels, out_channels, stride", [(4, 4, 1), (3, 5, 2)])
def test_basic_block_forward(in_channels, out_channels, stride):
    block = randomize(arch.BasicBlock(in_channels, out_channels, stride))
    x = torch.randn(2, in_channels, 7, 7, dtype=torch.float64)
    out = F.relu(bn(F.conv2d(x, block.conv1.weight, stride=stride, padding=1), block.bn1))
    out = bn(F.conv2d(out, block.conv2.weight, padding=1), block.bn2)
    shortcut = x if block.downsample is None else block.downsample(x)
    assert (block.downsample is None) == (stride == 1 and in_channels == out_channels)
    torch.testing.assert_close(block(x), F.relu(out + shortcut))


def test_bottleneck_and_fire_and_inception_shapes():
    x = torch.randn(2, 8, 9, 9)
    assert arch.Bottleneck(8, 2, 8).eval()(x).shape == (2, 8, 9, 9)
    assert arch.Bottleneck(8, 3, 12, stride=2).eval()(x).shape == (2, 12, 5, 5)
    assert arch.Fire(8, 3, 4, 5)(x).shape == (2, 9, 9, 9)
    assert arch.Inception(8, 2, 3, 4, 1, 2, 3).eval()(x).shape == (2, 11, 9, 9)


def test_small_resnet_for_digits():
    model = arch.resnet18(num_classes=10, in_channels=1, widths=(8, 16, 32, 64), stem=False)
    assert model.eval()(torch.randn(3, 1, 28, 28)).shape == (3, 10)


def test_transfer_experiment_shapes_and_seed():
    rng = np.random.default_rng(0)
    X_first, y_first = rng.random((40, 1, 8, 8)), np.arange(40) % 3
    X_few, y_few, X_eval = rng.random((10, 1, 8, 8)), np.arange(10) % 5, rng.random((7, 1, 8, 8))
    run = lambda seed: arch.transfer_experiment(X_first, y_first, X_few, y_few, X_eval, pretrain_epochs=1,
                                                finetune_epochs=2, seed=seed)
    fine_tuned, scratch = run(3)
    assert fine_tuned.shape == scratch.shape == (7, 5) and fine_tuned.dtype == np.float64
    assert np.array_equal(run(3)[0], fine_tuned) and not np.array_equal(run(4)[0], fine_tuned)
    with pytest.raises(ValueError, match="one per image"):
        arch.fit(arch.small_resnet(), torch.zeros(4, 1, 8, 8), torch.zeros(3), epochs=1, lr=1e-3)


def test_flip_keeps_labels_and_flips_only_allowed_classes():
    x, y = torch.randn(50, 1, 4, 5), torch.arange(50) % 10
    out, labels = arch.RandomHorizontalFlip(p=1.0, classes=[0, 1, 8], seed=0)(x, y)
    allowed = torch.isin(y, torch.tensor([0, 1, 8]))
    assert torch.equal(labels, y)
    assert torch.equal(out[allowed], x[allowed].flip(-1)) and torch.equal(out[~allowed], x[~allowed])


def test_crop_is_a_window_of_the_padded_image_and_seeded():
    x, y = torch.rand(20, 2, 6, 6) + 1, torch.zeros(20)
    out, _ = arch.RandomCrop(2, seed=3)(x, y)
    again, _ = arch.RandomCrop(2, seed=3)(x, y)
    assert torch.equal(out, again)
    padded = F.pad(x, (2, 2, 2, 2))
    for i in range(20):
        assert any(torch.equal(out[i], padded[i, :, t:t + 6, s:s + 6]) for t in range(5) for s in range(5))


def test_color_jitter_bounds():
    x = torch.rand(30, 3, 4, 4, dtype=torch.float64)
    out, _ = arch.ColorJitter(0.8, 0.8, 0.8, seed=1)(x, None)
    assert out.min() >= 0 and out.max() <= 1
    ratio = arch.ColorJitter(brightness=0.3, seed=2)(x * 0.5, None)[0] / (x * 0.5)
    per_image = ratio.reshape(30, -1)
    assert torch.allclose(per_image, per_image[:, :1]) and per_image.min() >= 0.7 and per_image.max() <= 1.3


@pytest.mark.parametrize("kernel, stride, pad", [((3, 3), 1, 1), ((5, 2), 2, 2), ((7, 7), 1, 0)])
def test_conv_fft_matches_direct_and_im2col(kernel, stride, pad):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 11, 12)), rng.normal(size=(4, 3) + kernel), rng.normal(size=4)
    param = {"stride": stride, "pad": pad}
    expected = arch.conv_direct(x, w, b, param)
    out = arch.conv_fft(x, w, b, param)
    assert np.max(np.abs(out - expected)) / np.max(np.abs(expected)) < 1e-12
    np.testing.assert_allclose(conv_forward_fast(x, w, b, param)[0], expected, rtol=1e-10, atol=1e-10)
