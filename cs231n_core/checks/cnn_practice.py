"""Public checks of assignment 3's CNN practice targets (architectures.py): receptive
fields, parameter and FLOP counts, data augmentation and convolution by FFT.

Small cases whose answers can be worked out on paper, and a few numbers stored once
from the reference solution. torch is imported inside each check, and each check leaves
torch's global random numbers as it found them.
"""
import numpy as np

from . import public_check
from .torch_tools import keeps_torch_rng


def _modules():
    import torch

    from cs231n_core import architectures
    return torch, architectures


@public_check("receptive_field")
def _check_receptive_field(t):
    _, arch = _modules()
    cases = [([], 1), ([(3, 1)] * 3, 7), ([(7, 1)], 7), ([(3, 2), (3, 2)], 7), ([(3, 1, 2)], 5)]
    for layers, expected in cases:
        got = t.call(arch.receptive_field, layers)
        if got != expected:
            t.fail("receptive_field(%s) = %s, expected %d" % (layers, got, expected))
    t.ok("three 3x3 convolutions see 7 x 7, like one 7x7; strides and dilation count")


@public_check("count_params_and_flops")
@keeps_torch_rng
def _check_counter(t):
    torch, arch = _modules()
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False)),
                        nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
    params, macs = t.call(arch.count_params_and_flops, net, (3, 8, 8))
    if params != 1674:
        t.fail("%s parameters, expected 1674 (batch norm's gamma and beta count, its running "
               "averages do not)" % params)
    t.ok("1674 parameters")
    if macs != 7040:
        t.fail("%s multiply-adds, expected 7040 (grouped convolutions see in_channels / groups "
               "channels; count output positions)" % macs)
    t.ok("7040 multiply-adds")
    if not net.training:
        t.fail("the model was left in evaluation mode: restore its mode")
    t.ok("the model's mode is restored")


@public_check("RandomHorizontalFlip")
@keeps_torch_rng
def _check_flip(t):
    torch, arch = _modules()
    x = torch.arange(40, dtype=torch.float64).reshape(4, 1, 2, 5)
    y = torch.tensor([0, 3, 1, 3])
    out, labels = t.call(arch.RandomHorizontalFlip(p=1.0, classes=[0, 1]), x, y)
    if not torch.equal(labels, y):
        t.fail("the labels changed")
    if not (torch.equal(out[[0, 2]], x[[0, 2]].flip(-1)) and torch.equal(out[[1, 3]], x[[1, 3]])):
        t.fail("with p=1 and classes=[0, 1], the images of labels 0 and 1 must be mirrored "
               "left-right (last axis) and the others left alone")
    t.ok("only the allowed classes are mirrored, left-right")
    if torch.equal(out, x):
        t.fail("x itself was flipped in place")
    a = arch.RandomHorizontalFlip(seed=5)(x.repeat(8, 1, 1, 1), torch.zeros(32))[0]
    b = arch.RandomHorizontalFlip(seed=5)(x.repeat(8, 1, 1, 1), torch.zeros(32))[0]
    if not torch.equal(a, b):
        t.fail("two transforms with the same seed flipped different images: draw with self.generator")
    t.ok("the same seed flips the same images")


@public_check("RandomCrop")
@keeps_torch_rng
def _check_crop(t):
    torch, arch = _modules()
    x = torch.arange(1, 61, dtype=torch.float64).reshape(3, 1, 4, 5)
    out, _ = t.call(arch.RandomCrop(padding=2, seed=0), x, torch.zeros(3))
    if tuple(out.shape) != (3, 1, 4, 5):
        t.fail("output of shape %s, expected the input's (3, 1, 4, 5)" % (tuple(out.shape),))
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for i in range(3):
        if not any(torch.equal(out[i], padded[i, :, a:a + 4, b:b + 5]) for a in range(5) for b in range(5)):
            t.fail("image %d is no window of the image padded with 2 zeros on every side" % i)
    t.ok("each output is a window of the zero-padded image")
    again, _ = arch.RandomCrop(padding=2, seed=0)(x, torch.zeros(3))
    if not torch.equal(out, again):
        t.fail("two transforms with the same seed cropped differently: draw with self.generator")
    t.ok("the same seed gives the same crops")


@public_check("ColorJitter")
@keeps_torch_rng
def _check_jitter(t):
    torch, arch = _modules()
    x = torch.linspace(0.3, 0.6, 2 * 3 * 4 * 4, dtype=torch.float64).reshape(2, 3, 4, 4)
    out, _ = t.call(arch.ColorJitter(brightness=0.4, seed=0), x, torch.zeros(2))
    ratio = (out / x).reshape(2, -1)
    if not torch.allclose(ratio, ratio[:, :1]) or ratio.min() < 0.6 - 1e-9 or ratio.max() > 1.4 + 1e-9:
        t.fail("brightness=0.4 must multiply each image by one factor in [0.6, 1.4]")
    t.ok("brightness scales each image by one factor within its bounds")
    strong, _ = arch.ColorJitter(0.9, 0.9, 0.9, seed=1)(x * 1.5, torch.zeros(2))
    if strong.min() < 0 or strong.max() > 1:
        t.fail("values outside [0, 1]: clip the result")
    t.ok("strong jitter stays within [0, 1]")


@public_check("conv_fft")
def _check_conv_fft(t):
    _, arch = _modules()
    from cs231n_core.fast_layers import conv_forward_fast

    x = np.linspace(-0.5, 0.7, 2 * 3 * 7 * 8).reshape(2, 3, 7, 8)
    w = np.linspace(-0.3, 0.4, 4 * 3 * 3 * 5).reshape(4, 3, 3, 5)
    b = np.array([0.1, -0.2, 0.3, 0.0])
    for param in ({"stride": 1, "pad": 1}, {"stride": 2, "pad": 2}):
        out = t.call(arch.conv_fft, x, w, b, param)
        expected = conv_forward_fast(x, w, b, param)[0]
        t.expect_close(out, expected, 1e-6,
                       "conv_fft against im2col's convolution (stride %d, pad %d)" % (param["stride"], param["pad"]))
