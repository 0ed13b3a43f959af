"""Public checks of assignment 3's variational autoencoders (generative.py: reparametrize,
vae_loss, VAE, CVAE).

Losses are compared with numbers computed once with the reference solution on inputs
built with torch.linspace (float64); networks by their parameter counts and output shapes.
torch is imported inside each check, and each check leaves torch's global random numbers
as it found them.
"""
import numpy as np

from . import public_check
from .generative_tools import (_check_fixed_output, _count, _forward, _keeps_torch_rng, _linspace,
                               _scalar, _shape, _torch)
from .torch_tools import as_numpy, expect_in_graph


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
    expect_in_graph(t, z, "z's graph", "no gradient reaches logvar: keep z in the graph (no .detach(), no NumPy)")
    grad = torch.autograd.grad(z.sum(), logvar, allow_unused=True)[0]
    if grad is None:
        t.fail("no gradient reaches logvar: keep z in the graph (no .detach(), no NumPy)")
    t.expect_close(grad.numpy(), 0.5 * (z - mu).detach().numpy(), 1e-8,
                   "dz/dlogvar = (z - mu) / 2")


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
