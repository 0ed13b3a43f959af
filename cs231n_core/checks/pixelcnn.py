"""Public checks of assignment 3's PixelCNN (generative.py: MaskedConv2d, PixelCNN).

The masked convolution and the PixelCNN are checked by gradients (causality: an output
depends on no input at or after its own pixel) and by a fixed output.
torch is imported inside each check, and each check leaves torch's global random numbers
as it found them.
"""
import numpy as np

from . import public_check
from .generative_tools import (_check_fixed_output, _count, _filled, _forward, _keeps_torch_rng,
                               _shape, _torch)
from .torch_tools import as_numpy


# --------------------------------------------------------------------------------------
# PixelCNN
# --------------------------------------------------------------------------------------

def _dependence(torch, model, height, width, channels):
    """(H*W, H*W) bool: (p, q) when the output at pixel p depends on the input at q."""
    x = torch.randn(height * width, channels, height, width, dtype=torch.float64, requires_grad=True)
    out = model(x)
    dout = torch.zeros_like(out)
    for p in range(height * width):
        dout[p, :, p // width, p % width] = 1
    grad = torch.autograd.grad((out * dout).sum(), x, allow_unused=True)[0]
    if grad is None:
        return None
    return (grad.abs().sum(dim=1).reshape(height * width, -1) > 0).numpy()


def _expect_causal(t, depends, mask_type, what):
    if depends is None:
        t.fail("%s: no gradient reaches the input" % what)
    order = np.arange(depends.shape[0])
    forbidden = order[None, :] >= order[:, None] if mask_type == "A" else order[None, :] > order[:, None]
    if depends[forbidden].any():
        t.fail("%s: the output at a pixel depends on %s" % (
            what, "the pixel itself or later ones" if mask_type == "A" else "later pixels"))
    t.ok("%s is causal (by gradients)" % what)


@public_check("MaskedConv2d")
@_keeps_torch_rng
def _check_masked_conv(t):
    torch, gen = _torch()
    for mask_type in ("A", "B"):
        conv = t.call(gen.MaskedConv2d, 2, 3, 3, mask_type)
        _count(t, conv, 3 * 2 * 9 + 3, "MaskedConv2d(2, 3, 3, %r) (the mask is a buffer)" % mask_type)
        if "mask" not in dict(conv.named_buffers()):
            t.fail("register the mask as a buffer named 'mask' (self.register_buffer)")
        conv = conv.double()
        with torch.no_grad():
            conv.weight.copy_(torch.randn_like(conv.weight))
        what = "type %s with new dense weights" % mask_type
        depends = t.call(_dependence, torch, conv, 4, 5, 2)
        _expect_causal(t, depends, mask_type, what)
        if mask_type == "B" and not np.diag(depends).all():
            t.fail("type B must see the current position (the center of the kernel)")
        if not depends[np.arange(1, 20), np.arange(19)][np.arange(1, 20) % 5 != 0].all():
            t.fail("type %s: the output must see the pixel on its left" % mask_type)


@public_check("PixelCNN")
@_keeps_torch_rng
def _check_pixelcnn(t):
    torch, gen = _torch()
    model = t.call(gen.PixelCNN, 8, 2)
    if getattr(model, "net", None) is None:
        t.fail("build self.net, an nn.Sequential")
    model = model.double()
    _expect_causal(t, t.call(_dependence, torch, model, 4, 4, 1), "A", "PixelCNN(8, 2)")
    samples = _shape(t, t.call(model.sample, 3, (4, 4)), (3, 1, 4, 4), "sample(3, (4, 4))")
    if not np.all((samples == 0) | (samples == 1)):
        t.fail("the samples must be binary images (torch.bernoulli)")
    t.ok("sample draws binary images of the requested size")
    _check_fixed_output(t, torch, gen, "PixelCNN", "the logits of PixelCNN(4, 2)")
    # Calibration: each drawn pixel is 1 as often as the network's probability for it,
    # given the pixels drawn before it (recomputed on the finished samples).
    model = _filled(torch, gen.PixelCNN(4, 2), seed=3)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.0)  # conditionals that depend strongly on the context
    samples = t.call(model.sample, 300, (4, 4))
    with torch.no_grad():
        probs = torch.sigmoid(_forward(t, model, samples)).numpy().ravel()
    drawn = as_numpy(t, samples, "the samples", double=True).ravel()
    for low, high in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.01)):
        part = (probs >= low) & (probs < high)
        if part.sum() >= 20:
            spread = np.sqrt(np.sum(probs[part] * (1 - probs[part])))
            if not abs(drawn[part].sum() - probs[part].sum()) <= 5 * spread + 1:
                t.fail("of the pixels that the network gives probabilities between %.1f and %.1f, "
                       "%.0f%% are 1, expected %.0f%%: draw every pixel in raster order from its "
                       "probability given the pixels drawn before it (torch.bernoulli)"
                       % (low, min(high, 1.0), 100 * drawn[part].mean(), 100 * probs[part].mean()))
    t.ok("each pixel is drawn from its conditional probability, in raster order")
    # A network whose every conditional is certain: its logit at (i, j) is 50 when the
    # pixel above and to the right, x[i - 1, j + 1] (zero padding outside), is 0 and -50
    # when it is 1 (the type-A layer reads that pixel into channel 0 and 1 into channel 1;
    # the type-B layer passes both on; the output takes 50 - 100 * channel 0). Drawn in
    # raster order, each row follows from the one above it: worked out by hand below.
    model = gen.PixelCNN(2, 1, 3, 3).double()
    first, middle, last = model.net[0], model.net[2], model.net[4]
    with torch.no_grad():
        for layer in (first, middle, last):
            layer.weight.zero_()
            layer.bias.zero_()
        first.weight[0, 0, 0, 2] = 1.0
        first.bias[1] = 1.0
        middle.weight[0, 0, 1, 1] = middle.weight[1, 1, 1, 1] = 1.0
        last.weight[0, :, 0, 0] = torch.tensor([-100.0, 50.0])
    samples = as_numpy(t, t.call(model.sample, 2, (4, 4)), "the samples of a certain network", double=True)
    rows = [[1, 1, 1, 1], [0, 0, 0, 1], [1, 1, 0, 1], [0, 1, 0, 1]]
    t.expect_close(samples, np.tile(rows, (2, 1, 1, 1)), 0,
                   "the samples of a network whose pixels follow from the pixel above and to the right "
                   "(drawn in raster order)")
