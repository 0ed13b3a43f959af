"""Public checks of assignment 3's generative models (generative.py).

Losses are compared with numbers computed once with the reference solution on inputs
built with torch.linspace (float64); networks by their parameter counts (CS231n's) and
output shapes; the masked convolution and the PixelCNN by gradients (causality). torch
is imported inside each check, and each check leaves torch's global random numbers as
it found them.
"""
import functools

import numpy as np

from . import public_check
from .torch_tools import as_numpy, keeps_torch_rng

_keeps_torch_rng = keeps_torch_rng(seed=231)  # each check starts from torch.manual_seed(231)


def _torch():
    import torch

    from cs231n_core import generative
    return torch, generative


def _scalar(t, value, what):
    array = as_numpy(t, value, what, double=True)
    if array.shape != ():
        t.fail("%s has shape %s, expected a scalar: average over the minibatch" % (what, array.shape))
    return float(array)


def _count(t, model, expected, what):
    if model is None:
        t.fail("%s returned None; did you forget to return the model?" % what)
    count = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if count != expected:
        t.fail("%s has %d learnable values, expected %d (CS231n's)" % (what, count, expected))
    t.ok("%s has %d learnable values" % (what, count))


def _shape(t, value, shape, what):
    array = as_numpy(t, value, what, double=True)
    if array.shape != tuple(shape):
        t.fail("%s has shape %s, expected %s" % (what, array.shape, tuple(shape)))
    return array


def _linspace(torch, start, stop, shape):
    return torch.linspace(start, stop, int(np.prod(shape)), dtype=torch.float64).reshape(shape)


def _filled(torch, model, seed=0):
    """The model in float64 with fixed weights: entries of its own generator's normal
    draws divided by sqrt(fan_in), in the order of model.parameters() (the order the
    layers are built in), so that its outputs can be compared with stored numbers."""
    model = model.double()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else 4
            p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64) / np.sqrt(fan_in))
    return model


def _fixed_input(torch, shape, seed=1, low=-1.0, high=1.0):
    generator = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64)


def _forward(t, model, *args):
    """Call the module through t.call under a one-line name."""
    return t.call(model.forward, *args)


def _expect_summary(t, what, out, expected):
    """Compare (sum, sum of squares, first entry) of an output with stored numbers."""
    values = as_numpy(t, out, what, double=True)
    summary = np.array([values.sum(), (values ** 2).sum(), values.ravel()[0]])
    t.expect_close(summary, np.array(expected), 1e-6,
                   what + " (with fixed weights, against stored numbers)")


# (sum, sum of squares, first entry) of outputs of the reference with _filled weights
SUMMARIES = {
    "VAE": [0.60980633224, 2.56745483103, 0.4075645407],
    "CVAE": [2.74788538735, 11.6277303278, 0.852113073488],
    "discriminator": [-2.89637832736, 2.82503176409, -1.0815756971],
    "generator": [-4.82880282529, 15.3499478351, -0.816011146218],
    "build_dc_classifier": [1.06915677248, 0.571583250703, 0.530386212779],
    "build_dc_generator": [-1537.59053625, 2502.26519779, -0.522742018717],
    "PixelCNN": [-35.6962684166, 25.6530919997, -0.697925942916],
}


def _fixed_outputs(torch, gen):
    """{name: output tensor} of small models with fixed weights on fixed inputs (what
    SUMMARIES stores for the reference); each builder is the student's code."""
    images = _fixed_input(torch, (3, 1, 4, 5), low=0.0)
    noise = _fixed_input(torch, (4, 3), seed=2)
    labels = torch.nn.functional.one_hot(torch.tensor([2, 0, 1]), 3).double()
    return {
        "VAE": lambda: _filled(torch, gen.VAE(20, 3, 6))(images)[1:],
        "CVAE": lambda: _filled(torch, gen.CVAE(20, 3, 3, 6))(images, labels)[1:],
        "discriminator": lambda: _filled(torch, gen.discriminator(input_size=20, hidden_dim=6))(images),
        "generator": lambda: _filled(torch, gen.generator(3, output_size=20, hidden_dim=6))(noise),
        "build_dc_classifier": lambda: _filled(torch, gen.build_dc_classifier())(
            _fixed_input(torch, (2, 784), low=0.0)),
        "build_dc_generator": lambda: _filled(torch, gen.build_dc_generator(3))(noise),
        "PixelCNN": lambda: _filled(torch, gen.PixelCNN(4, 2))((_fixed_input(torch, (2, 1, 5, 5), low=0.0) > 0.5).double()),
    }


def _check_fixed_output(t, torch, gen, name, what):
    out = t.call(_fixed_outputs(torch, gen)[name])
    if isinstance(out, tuple):  # (mu, logvar)
        if len(out) != 2:
            t.fail("forward must return (x_hat, mu, logvar)")
        out = torch.cat([_numpy_tensor(t, o) for o in out], dim=1)
    _expect_summary(t, what, out, SUMMARIES[name])


def _numpy_tensor(t, value):
    if not hasattr(value, "detach"):
        t.fail("returned a %s, expected a torch tensor" % type(value).__name__)
    return value.detach()


# --------------------------------------------------------------------------------------
# VAE
# --------------------------------------------------------------------------------------

@public_check("reparametrize")
@_keeps_torch_rng
def _check_reparametrize(t):
    torch, gen = _torch()
    mu = _linspace(torch, -2.0, 2.0, (400, 50))
    logvar = _linspace(torch, -3.0, 2.0, (400, 50)).flip(0).requires_grad_()
    z = t.call(gen.reparametrize, mu, logvar)
    _shape(t, z, (400, 50), "z")
    eps = ((z - mu) / torch.exp(0.5 * logvar)).detach().numpy()
    if not (abs(eps.mean()) < 0.02 and abs(eps.std() - 1.0) < 0.02):
        t.fail("(z - mu) / sigma has mean %.3f and standard deviation %.3f, expected 0 and 1: "
               "sigma = sqrt(exp(logvar)), epsilon from torch.randn_like" % (eps.mean(), eps.std()))
    t.ok("(z - mu) / sigma looks standard normal")
    if not np.all(np.abs(eps.std(axis=0) - 1) < 0.25):
        t.fail("the noise repeats across the examples: draw one value per entry")
    flat = t.call(gen.reparametrize, mu[:3], torch.full((3, 50), -40.0, dtype=torch.float64))
    t.expect_close(as_numpy(t, flat, "z", double=True), mu[:3].numpy(), 1e-6,
                   "z = mu where the variance is tiny")
    grad = torch.autograd.grad(z.sum(), logvar, allow_unused=True)[0] if z.requires_grad else None
    if grad is None:
        t.fail("no gradient reaches logvar: keep z in the graph (no .detach(), no NumPy)")
    t.expect_close(grad.numpy(), 0.5 * (z - mu).detach().numpy(), 1e-8, "dz/dlogvar = (z - mu) / 2")


VAE_LOSS = {"loss": 5.9495536274, "reconstruction": 5.02292925442, "kl": 0.926624372982}


@public_check("vae_loss")
@_keeps_torch_rng
def _check_vae_loss(t):
    torch, gen = _torch()
    x = _linspace(torch, 0.0, 1.0, (3, 1, 2, 2))
    x_hat = _linspace(torch, 0.9, 0.1, (3, 1, 2, 2))
    mu, logvar = _linspace(torch, -1.0, 1.5, (3, 2)), _linspace(torch, 0.5, -1.0, (3, 2))
    terms = t.call(gen.vae_loss, x_hat, x, mu, logvar)
    for name in ("reconstruction", "kl", "loss"):
        value = _scalar(t, getattr(terms, name), name)
        t.expect_close(value, VAE_LOSS[name], 1e-8, "the stored %s of a small minibatch" % name)


@public_check("VAE")
@_keeps_torch_rng
def _check_vae(t):
    torch, gen = _torch()
    model = t.call(gen.VAE, 784)
    _count(t, model, 1288414, "VAE(784) (latent 15, 400 hidden units)")
    for name in ("encoder", "mu_layer", "logvar_layer", "decoder"):
        if getattr(model, name, None) is None:
            t.fail("VAE has no attribute %s" % name)
    x = torch.rand(4, 1, 28, 28)
    out = _forward(t, model, x)
    if not isinstance(out, tuple) or len(out) != 3:
        t.fail("forward must return (x_hat, mu, logvar)")
    x_hat = _shape(t, out[0], (4, 1, 28, 28), "x_hat")
    _shape(t, out[1], (4, 15), "mu")
    _shape(t, out[2], (4, 15), "logvar")
    if not (x_hat.min() > 0 and x_hat.max() < 1):
        t.fail("x_hat must lie in (0, 1): end the decoder with a sigmoid")
    t.ok("forward returns x_hat of x's shape in (0, 1), mu and logvar of shape (N, 15)")
    if np.array_equal(x_hat, as_numpy(t, _forward(t, model, x)[0], "x_hat", double=True)):
        t.fail("two forward passes gave the same x_hat: decode z drawn with reparametrize, not mu")
    t.ok("each forward pass draws a new z")
    _check_fixed_output(t, torch, gen, "VAE", "mu and logvar of VAE(20, 3, 6)")


@public_check("CVAE")
@_keeps_torch_rng
def _check_cvae(t):
    torch, gen = _torch()
    model = t.call(gen.CVAE, 784, 10)
    _count(t, model, 1296414, "CVAE(784, 10) (latent 15, 400 hidden units)")
    x, c = torch.rand(4, 1, 28, 28), gen.one_hot(torch.tensor([0, 3, 9, 3]), 10)
    out = _forward(t, model, x, c)
    if not isinstance(out, tuple) or len(out) != 3:
        t.fail("forward must return (x_hat, mu, logvar)")
    _shape(t, out[0], (4, 1, 28, 28), "x_hat")
    _shape(t, out[1], (4, 15), "mu")
    x_hat = as_numpy(t, out[0], "x_hat", double=True)
    if not (x_hat.min() > 0 and x_hat.max() < 1):
        t.fail("x_hat must lie in (0, 1): end the decoder with a sigmoid")
    t.ok("forward(x, c) returns x_hat of x's shape in (0, 1) and mu of shape (N, 15)")
    _check_fixed_output(t, torch, gen, "CVAE", "mu and logvar of CVAE(20, 3, 3, 6) ([x, c] in this order)")


# --------------------------------------------------------------------------------------
# GANs
# --------------------------------------------------------------------------------------

@public_check("sample_noise")
@_keeps_torch_rng
def _check_sample_noise(t):
    torch, gen = _torch()
    noise = _shape(t, t.call(gen.sample_noise, 3000, 20), (3000, 20), "sample_noise(3000, 20)")
    if not (noise.min() >= -1 and noise.max() <= 1 and noise.min() < -0.99 and noise.max() > 0.99):
        t.fail("the noise must fill [-1, 1): its values lie in [%.3f, %.3f]" % (noise.min(), noise.max()))
    if not (abs(noise.mean()) < 0.02 and abs(noise.var() - 1 / 3) < 0.02):
        t.fail("mean %.3f and variance %.3f, expected 0 and 1/3 for a uniform draw from [-1, 1)"
               % (noise.mean(), noise.var()))
    t.ok("uniform over [-1, 1)")
    a, b = t.call(gen.sample_noise, 4, 3, seed=5), t.call(gen.sample_noise, 4, 3, seed=5)
    if not torch.equal(a, b):
        t.fail("two calls with the same seed differ")
    t.ok("reproducible with a seed")
    if t.call(gen.sample_noise, 2, 2, dtype=torch.float64).dtype != torch.float64:
        t.fail("sample_noise(2, 2, dtype=torch.float64) must return float64 noise")
    t.ok("dtype=torch.float64 is honoured")


@public_check("discriminator")
@_keeps_torch_rng
def _check_discriminator(t):
    torch, gen = _torch()
    model = t.call(gen.discriminator)
    _count(t, model, 267009, "discriminator()")
    _shape(t, _forward(t, model, torch.rand(5, 1, 28, 28)), (5, 1), "the logits of 5 images")
    t.ok("one logit per image")
    _check_fixed_output(t, torch, gen, "discriminator", "the logits of discriminator(input_size=20, hidden_dim=6)")


@public_check("generator")
@_keeps_torch_rng
def _check_generator(t):
    torch, gen = _torch()
    model = t.call(gen.generator, 4)
    _count(t, model, 1858320, "generator(4)")
    images = _shape(t, _forward(t, model, torch.rand(5, 4) * 2 - 1), (5, 784), "the images of 5 noise vectors")
    if not (images.min() >= -1 and images.max() <= 1):
        t.fail("the images must lie in [-1, 1]: end with a TanH")
    t.ok("images as rows in [-1, 1]")
    _check_fixed_output(t, torch, gen, "generator", "the images of generator(3, output_size=20, hidden_dim=6)")


LOSSES = {"discriminator_loss": 1.44315659243, "generator_loss": 1.17280427089,
          "ls_discriminator_loss": 2.64166666667, "ls_generator_loss": 2.05833333333}


def _check_loss(t, name):
    torch, gen = _torch()
    real = _linspace(torch, -2.0, 3.0, (6, 1))
    fake = _linspace(torch, 1.5, -2.5, (6, 1))
    args = (real, fake) if "discriminator" in name else (fake,)
    value = _scalar(t, t.call(getattr(gen, name), *args), name)
    t.expect_close(value, LOSSES[name], 1e-8, "the loss of logits (6, 1) in float64")
    flat = _scalar(t, t.call(getattr(gen, name), *[a.reshape(-1).float() for a in args]), name)
    t.expect_close(flat, LOSSES[name], 1e-5, "the loss of logits (6,) in float32")
    leaves = [a.clone().requires_grad_() for a in args]
    loss = t.call(getattr(gen, name), *leaves)
    if not getattr(loss, "requires_grad", False):
        t.fail("the loss is detached from the graph: no gradient can reach the networks")
    t.ok("gradients reach the logits")


for _name in LOSSES:
    public_check(_name)(_keeps_torch_rng(functools.partial(_check_loss, name=_name)))


@public_check("build_dc_classifier")
@_keeps_torch_rng
def _check_dc_classifier(t):
    torch, gen = _torch()
    model = t.call(gen.build_dc_classifier, 5)
    _count(t, model, 1102721, "build_dc_classifier()")
    _shape(t, _forward(t, model, torch.rand(5, 784)), (5, 1), "the logits of 5 images given as rows")
    t.ok("one logit per image")
    _check_fixed_output(t, torch, gen, "build_dc_classifier", "the logits of build_dc_classifier()")


@public_check("build_dc_generator")
@_keeps_torch_rng
def _check_dc_generator(t):
    torch, gen = _torch()
    model = t.call(gen.build_dc_generator, 4)
    _count(t, model, 6580801, "build_dc_generator(4)")
    images = _shape(t, _forward(t, model, torch.rand(5, 4) * 2 - 1), (5, 784), "the images of 5 noise vectors")
    if not (images.min() >= -1 and images.max() <= 1):
        t.fail("the images must lie in [-1, 1]: end with a TanH")
    t.ok("images as rows (N, 784) in [-1, 1]")
    _check_fixed_output(t, torch, gen, "build_dc_generator",
                        "the images of build_dc_generator(3) (training mode: batch statistics)")


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
