"""Public checks of assignment 3's CNN architectures (architectures.py): the networks and
their blocks.

Networks are built on torch's "meta" device: their parameters have shapes but no
storage, so even VGG-16 is counted instantly and without memory. The parameter counts
are the published ones (see the module's docstring). torch is imported inside each
check, and each check leaves torch's global random numbers as it found them.
"""
import functools

import numpy as np

from . import public_check
from .torch_tools import keeps_torch_rng


def _modules():
    import torch

    from cs231n_core import architectures
    return torch, architectures


def _count(model):
    return sum(p.numel() for p in model.parameters())


def _network_check(t, name, expected, **kwargs):
    torch, arch = _modules()
    with torch.device("meta"):
        model = t.call(getattr(arch, name), **kwargs)
        if not isinstance(model, torch.nn.Module):
            t.fail("%s() returned a %s, expected an nn.Module" % (name, type(model).__name__))
        count = _count(model)
        if count != expected:
            t.fail("%s(%s) has %s parameters, the published count is %s"
                   % (name, kwargs or "", format(count, ","), format(expected, ",")))
        t.ok("%s parameters, as published" % format(count, ","))
        out = t.call(model.eval(), torch.empty(2, 3, 224, 224))
    if tuple(out.shape) != (2, 1000):
        t.fail("%s maps a (2, 3, 224, 224) minibatch to shape %s, expected (2, 1000)"
               % (name, tuple(out.shape)))
    t.ok("a (2, 3, 224, 224) minibatch gives scores of shape (2, 1000)")


# The published parameter counts of each network: {name: [(keyword arguments, count)]}.
PUBLISHED_COUNTS = {
    "alexnet": [({}, 61_100_840)],
    "vgg16": [({}, 138_357_544)],
    "googlenet": [({}, 6_624_904)],
    "resnet18": [({}, 11_689_512)],
    "squeezenet": [({}, 1_248_424), ({"version": "1.1"}, 1_235_496)],
}


def _check_published_network(t, name):
    for kwargs, expected in PUBLISHED_COUNTS[name]:
        _network_check(t, name, expected, **kwargs)


for _name in PUBLISHED_COUNTS:
    public_check(_name)(functools.partial(_check_published_network, name=_name))


def _block_check(t, build, args, kwargs, in_shape, out_shape, params):
    torch, arch = _modules()
    block = t.call(build, *args, **kwargs).eval()
    what = "%s%s" % (build.__name__, args)
    if _count(block) != params:
        t.fail("%s has %d parameters, expected %d" % (what, _count(block), params))
    t.ok("%s has %d parameters" % (what, params))
    out = t.call(block, torch.linspace(-1, 1, int(np.prod(in_shape))).reshape(in_shape))
    if tuple(out.shape) != out_shape:
        t.fail("%s maps an input of shape %s to shape %s, expected %s" % (what, in_shape, tuple(out.shape),
                                                                          out_shape))
    t.ok("output of shape %s" % (out_shape,))
    return out


@public_check("BasicBlock")
@keeps_torch_rng
def _check_basic_block(t):
    _, arch = _modules()
    _block_check(t, arch.BasicBlock, (4, 4), {}, (2, 4, 6, 6), (2, 4, 6, 6), 2 * (4 * 4 * 9 + 8))
    _block_check(t, arch.BasicBlock, (4, 6, 2), {}, (2, 4, 7, 7), (2, 6, 4, 4),
                 6 * 4 * 9 + 12 + 6 * 6 * 9 + 12 + 6 * 4 + 12)


@public_check("Bottleneck")
@keeps_torch_rng
def _check_bottleneck(t):
    _, arch = _modules()
    _block_check(t, arch.Bottleneck, (8, 2, 8), {}, (2, 8, 5, 5), (2, 8, 5, 5), 16 + 4 + 36 + 4 + 16 + 16)
    _block_check(t, arch.Bottleneck, (4, 2, 8, 2), {}, (2, 4, 5, 5), (2, 8, 3, 3),
                 8 + 4 + 36 + 4 + 16 + 16 + 32 + 16)


@public_check("Inception")
@keeps_torch_rng
def _check_inception(t):
    _, arch = _modules()
    # one unit: conv without bias + batch norm (2 per channel)
    params = (6 * 2 + 4) + (6 * 3 + 6 + 3 * 4 * 9 + 8) + (6 * 1 + 2 + 1 * 2 * 9 + 4) + (6 * 2 + 4)
    _block_check(t, arch.Inception, (6, 2, 3, 4, 1, 2, 2), {}, (2, 6, 5, 5), (2, 10, 5, 5), params)


@public_check("Fire")
@keeps_torch_rng
def _check_fire(t):
    _, arch = _modules()
    out = _block_check(t, arch.Fire, (6, 2, 3, 4), {}, (2, 6, 5, 5), (2, 7, 5, 5),
                       (6 * 2 + 2) + (2 * 3 + 3) + (2 * 4 * 9 + 4))
    if float(out.detach().min()) < 0:
        t.fail("Fire's output has negative values: a ReLU follows each expansion")
    t.ok("no negative outputs")
