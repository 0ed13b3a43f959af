"""Public checks of assignment 3's generative adversarial networks (generative.py).

Losses are compared with numbers computed once with the reference solution on inputs
built with torch.linspace (float64); networks by their parameter counts (CS231n's) and
output shapes.
torch is imported inside each check, and each check leaves torch's global random numbers
as it found them.
"""
import functools

from . import public_check
from .generative_tools import (_check_fixed_output, _count, _forward, _keeps_torch_rng, _linspace,
                               _scalar, _shape, _torch)


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


def _register(name, check, **kwargs):
    """Register check(t, name=name, **kwargs) as the public checks of `name`."""
    public_check(name)(_keeps_torch_rng(functools.partial(check, name=name, **kwargs)))


def _check_classifier(t, name, args, count, images, logits_what, fixed_what):
    """A network gen.<name>(*args) of `count` learnable values that gives one logit per
    image of a minibatch of 5 images of shape `images` (5, ...)."""
    torch, gen = _torch()
    model = t.call(getattr(gen, name), *args)
    _count(t, model, count, "%s()" % name)
    _shape(t, _forward(t, model, torch.rand(*images)), (5, 1), logits_what)
    t.ok("one logit per image")
    _check_fixed_output(t, torch, gen, name, fixed_what)


def _check_image_generator(t, name, count, ok_what, fixed_what):
    """A network gen.<name>(4) of `count` learnable values that maps 5 noise vectors of
    dimension 4 to 5 images, rows of 784 values in [-1, 1]."""
    torch, gen = _torch()
    model = t.call(getattr(gen, name), 4)
    _count(t, model, count, "%s(4)" % name)
    images = _shape(t, _forward(t, model, torch.rand(5, 4) * 2 - 1), (5, 784),
                    "the images of 5 noise vectors")
    if not (images.min() >= -1 and images.max() <= 1):
        t.fail("the images must lie in [-1, 1]: end with a TanH")
    t.ok(ok_what)
    _check_fixed_output(t, torch, gen, name, fixed_what)


_register("discriminator", _check_classifier, args=(), count=267009, images=(5, 1, 28, 28),
          logits_what="the logits of 5 images",
          fixed_what="the logits of discriminator(input_size=20, hidden_dim=6)")
_register("generator", _check_image_generator, count=1858320, ok_what="images as rows in [-1, 1]",
          fixed_what="the images of generator(3, output_size=20, hidden_dim=6)")


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
    _register(_name, _check_loss)
_register("build_dc_classifier", _check_classifier, args=(5,), count=1102721, images=(5, 784),
          logits_what="the logits of 5 images given as rows",
          fixed_what="the logits of build_dc_classifier()")
_register("build_dc_generator", _check_image_generator, count=6580801,
          ok_what="images as rows (N, 784) in [-1, 1]",
          fixed_what="the images of build_dc_generator(3) (training mode: batch statistics)")
