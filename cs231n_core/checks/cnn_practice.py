"""Public checks of assignment 3's CNN practice targets (architectures.py): receptive
fields, parameter and FLOP counts, data augmentation and convolution by FFT.

Small cases whose answers can be worked out on paper, and a few numbers stored once
from the reference solution; the transforms on minibatches large enough to show how they
draw (one draw per image, every offset, a factor per image). torch is imported inside
each check, and each check leaves torch's global random numbers as it found them; the
transforms' checks seed them first, so that a transform that draws from torch's global
generator instead of its own gives the same images at each run.
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
    alexnet = [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]  # its convolutions and pools
    cases = [([], 1), ([(3, 1)] * 3, 7), ([(7, 1)], 7), ([(3, 2), (3, 2)], 7), ([(3, 1, 2)], 5), (alexnet, 195)]
    for layers, expected in cases:
        got = t.call(arch.receptive_field, layers)
        if got != expected:
            t.fail("receptive_field(%s) = %s, expected %d" % (layers, got, expected))
    t.ok("three 3x3 convolutions see 7 x 7, like one 7x7; strides and dilation count; AlexNet's units see 195 x 195")


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
    if not net.training:  # the answer is the mode left, in words (False is no value to tell mistakes by)
        t.wrong("model.training: False",
                "the model was left in evaluation mode: restore its mode",
                "the model's mode")
    t.ok("the model's mode is restored")


@public_check("RandomHorizontalFlip")
@keeps_torch_rng(seed=231)  # a transform that draws from the global generator draws alike at each run
def _check_flip(t):
    torch, arch = _modules()
    x = torch.arange(40, dtype=torch.float64).reshape(4, 1, 2, 5)
    before = x.clone()
    y = torch.tensor([0, 3, 1, 3])
    out, labels = t.call(arch.RandomHorizontalFlip(p=1.0, classes=[0, 1]), x, y)
    if not torch.equal(labels, y):
        t.fail("the labels changed")
    if not (torch.equal(out[[0, 2]], before[[0, 2]].flip(-1)) and torch.equal(out[[1, 3]], before[[1, 3]])):
        t.fail("with p=1 and classes=[0, 1], the images of labels 0 and 1 must be mirrored "
               "left-right (last axis) and the others left alone")
    t.ok("only the allowed classes are mirrored, left-right")
    if not torch.equal(x, before):
        t.wrong(x.numpy(),
                "x itself was flipped in place: flip a copy (x.clone())",
                "x after the call")
    t.ok("x itself is left as it was")
    batch = x.repeat(8, 1, 1, 1)  # 32 images, none of them its own mirror image
    a, _ = t.call(arch.RandomHorizontalFlip(seed=5), batch, torch.zeros(32))
    flipped = torch.any((a != batch).reshape(32, -1), dim=1)
    if bool(flipped.all()) or not bool(flipped.any()):
        t.fail("with p=0.5, %s of 32 images were flipped: draw once per image" % ("all" if flipped.all() else "none"))
    t.ok("with p=0.5, some images of a minibatch are flipped and others not")
    b, _ = t.call(arch.RandomHorizontalFlip(seed=5), batch, torch.zeros(32))
    if not torch.equal(a, b):
        t.fail("two transforms with the same seed flipped different images: draw with self.generator")
    t.ok("the same seed flips the same images")


def _window_offsets(t, out, x, padding):
    """(tops, lefts) of the windows of the zero-padded x that the images of out are
    (x's values all differ, so each window is found once)."""
    import torch.nn.functional as F

    n, _, height, width = x.shape
    padded = F.pad(x, (padding,) * 4)
    offsets = []
    for i in range(n):
        found = [(top, left) for top in range(2 * padding + 1) for left in range(2 * padding + 1)
                 if bool((out[i] == padded[i, :, top:top + height, left:left + width]).all())]
        if not found:
            t.fail("image %d is no window of the image padded with %d zeros on every side" % (i, padding))
        offsets.append(found[0])
    return np.array(offsets).T


@public_check("RandomCrop")
@keeps_torch_rng(seed=231)  # a transform that draws from the global generator draws alike at each run
def _check_crop(t):
    torch, arch = _modules()
    n = 60
    x = torch.arange(1, 1 + n * 20, dtype=torch.float64).reshape(n, 1, 4, 5)
    out, _ = t.call(arch.RandomCrop(padding=2, seed=0), x, torch.zeros(n))
    if tuple(out.shape) != (n, 1, 4, 5):
        t.fail("output of shape %s, expected the input's %s" % (tuple(out.shape), (n, 1, 4, 5)))
    tops, lefts = _window_offsets(t, out, x, 2)
    t.ok("each output is a window of the zero-padded image")
    if np.all(tops == tops[0]) and np.all(lefts == lefts[0]):
        t.fail("every image of the minibatch was cropped at the same offset: draw one per image")
    for name, offsets in (("top", tops), ("left", lefts)):
        if sorted(set(offsets.tolist())) != list(range(5)):
            t.fail("over %d images with padding=2 the %s offsets took the values %s, expected each of 0 ... 4 "
                   "(torch.randint's upper bound is exclusive)" % (n, name, sorted(set(offsets.tolist()))))
    if np.all(tops == lefts):
        t.fail("every image's top offset equals its left offset: draw them separately")
    t.ok("offsets of their own per image, top and left apart, over 0 ... 4")
    again, _ = t.call(arch.RandomCrop(padding=2, seed=0), x, torch.zeros(n))
    if not torch.equal(out, again):
        t.fail("two transforms with the same seed cropped differently: draw with self.generator")
    t.ok("the same seed gives the same crops")


def _gray(x):
    """The gray levels (N, 1, H, W) of RGB images (N, 3, H, W)."""
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


@public_check("ColorJitter")
@keeps_torch_rng
def _check_jitter(t):
    torch, arch = _modules()
    x = torch.linspace(0.3, 0.6, 4 * 3 * 4 * 4, dtype=torch.float64).reshape(4, 3, 4, 4)
    y = torch.zeros(4)
    out, _ = t.call(arch.ColorJitter(brightness=0.4, seed=0), x, y)
    ratio = (out / x).reshape(4, -1)
    if not torch.allclose(ratio, ratio[:, :1]) or ratio.min() < 0.6 - 1e-9 or ratio.max() > 1.4 + 1e-9:
        t.fail("brightness=0.4 must multiply each image by one factor in [0.6, 1.4]")
    if torch.allclose(ratio[:, 0], ratio[0, 0]):
        t.fail("brightness=0.4 multiplied the 4 images by the same factor: draw one per image")
    t.ok("brightness scales each image by a factor of its own within its bounds")
    out, _ = t.call(arch.ColorJitter(contrast=0.4, seed=0), x, y)
    mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
    d_in, d_out = x - mean, out - mean
    factor = (d_in * d_out).sum(dim=(1, 2, 3), keepdim=True) / (d_in * d_in).sum(dim=(1, 2, 3), keepdim=True)
    if float((d_out - factor * d_in).abs().max()) > 1e-9:
        t.fail("contrast=0.4 must scale each image around one number, the mean of its gray levels "
               "(0.299 R + 0.587 G + 0.114 B)")
    t.ok("contrast scales each image around the mean of its gray levels")
    out, _ = t.call(arch.ColorJitter(saturation=0.4, seed=0), x, y)
    if float((_gray(out) - _gray(x)).abs().max()) > 1e-12:
        t.fail("saturation=0.4 changed the gray image (0.299 R + 0.587 G + 0.114 B): blend each pixel with "
               "its gray level")
    t.ok("saturation keeps the gray image")
    strong, _ = t.call(arch.ColorJitter(0.9, 0.9, 0.9, seed=0), x * 1.5, y)
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
