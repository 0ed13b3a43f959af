"""What the public checks of the generative models share (VAE, GAN, PixelCNN): torch and
the generative module, shape and count checks, fixed inputs and the summaries of fixed
outputs stored once from the reference solution."""
import numpy as np

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
