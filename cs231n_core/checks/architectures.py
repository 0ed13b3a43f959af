"""Public checks of assignment 3's CNN architectures (architectures.py): the networks and
their blocks.

Networks are built on torch's "meta" device: their parameters have shapes but no
storage, so even VGG-16 is counted instantly and without memory. The parameter counts
are the published ones (see the module's docstring), and the shapes after each named
child at 224 x 224 those the docstrings give. Blocks are built on the CPU in float64
with fixed weights, set by name (so that no value depends on the order in which the
layers were created), and their outputs compared with the docstrings' formulas computed
here from those weights. torch is imported inside each check, and each check leaves
torch's global random numbers as it found them.
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


def _describe(name, args=(), kwargs=None):
    """How the call name(*args, **kwargs) is written."""
    words = [repr(a) for a in args] + ["%s=%r" % item for item in (kwargs or {}).items()]
    return "%s(%s)" % (name, ", ".join(words))


def _built(t, name, kwargs, expected):
    """The network name(**kwargs), built on the meta device, with `expected` parameters."""
    torch, arch = _modules()
    what = _describe(name, kwargs=kwargs)
    with torch.device("meta"):
        model = t.call(getattr(arch, name), **kwargs)
    if not isinstance(model, torch.nn.Module):
        t.fail("%s returned a %s, expected an nn.Module" % (what, type(model).__name__))
    count = _count(model)
    if count != expected:
        t.fail("%s has %s parameters, expected %s" % (what, format(count, ","), format(expected, ",")))
    t.ok("%s has %s parameters" % (what, format(count, ",")))
    return model


# The published parameter counts of each network: {name: [(keyword arguments, count)]}
# (googlenet's second: the paper's 5x5 third branch instead of torchvision's 3x3), and
# the inputs of its last layer (a count with other classes follows from them).
PUBLISHED_COUNTS = {
    "alexnet": [({}, 61_100_840)],
    "vgg16": [({}, 138_357_544)],
    "googlenet": [({}, 6_624_904), ({"branch3_kernel_size": 5}, 7_005_832)],
    "resnet18": [({}, 11_689_512)],
    "squeezenet": [({}, 1_248_424), ({"version": "1.1"}, 1_235_496)],
}
LAST_INPUTS = {"alexnet": 4096, "vgg16": 4096, "googlenet": 1024, "resnet18": 512, "squeezenet": 512}

# The shape after some named children at 224 x 224, without the minibatch axis.
CHILD_SHAPES = {
    "alexnet": {"features": (256, 6, 6), "avgpool": (256, 6, 6), "flatten": (9216,)},
    "vgg16": {"features": (512, 7, 7), "avgpool": (512, 7, 7), "flatten": (25088,)},
    "googlenet": {"conv1": (64, 112, 112), "maxpool1": (64, 56, 56), "conv3": (192, 56, 56),
                  "maxpool2": (192, 28, 28), "inception3b": (480, 28, 28), "maxpool3": (480, 14, 14),
                  "inception4e": (832, 14, 14), "maxpool4": (832, 7, 7), "inception5b": (1024, 7, 7)},
    "resnet18": {"conv1": (64, 112, 112), "maxpool": (64, 56, 56), "layer1": (64, 56, 56),
                 "layer2": (128, 28, 28), "layer3": (256, 14, 14), "layer4": (512, 7, 7)},
    "squeezenet": {"features": (512, 13, 13)},
}
CLASSES = 10  # the other number of classes the networks are built with


def _expect_shape(t, got, expected, what, sentence):
    """The shape `got` of an output is `expected`; `sentence` % (got, expected) fails."""
    if tuple(got) != expected:
        t.wrong(np.array(got), sentence % (tuple(got), expected), what)


def _check_shapes(t, name, model):
    """Run a (2, 3, 224, 224) minibatch through the network's named children one after
    the other (the network is an nn.Sequential of them): the shape after those of
    CHILD_SHAPES, then the scores' shape."""
    torch, _ = _modules()
    expected = CHILD_SHAPES[name]
    children = dict(model.eval().named_children())
    missing = [child for child in expected if child not in children]
    if missing:
        t.fail("%s has no child named %s: name them as the docstring does" % (name, ", ".join(missing)))
    with torch.device("meta"):
        h = torch.empty(2, 3, 224, 224)
        for child, module in children.items():
            h = t.call(module.forward, h)
            if child in expected:
                _expect_shape(t, h.shape, (2,) + expected[child], "the shape after " + child,
                              "%s(num_classes=%d) on a (2, 3, 224, 224) minibatch: the output of %r has "
                              "shape %%s, expected %%s" % (name, CLASSES, child))
    t.ok("the shapes after %s at 224 x 224" % ", ".join(expected))
    _expect_shape(t, h.shape, (2, CLASSES), "the scores' shape",
                  "%s(num_classes=%d) maps a (2, 3, 224, 224) minibatch to scores of shape %%s, expected %%s"
                  % (name, CLASSES))
    t.ok("a (2, 3, 224, 224) minibatch gives scores of shape (2, %d)" % CLASSES)


def _check_published_network(t, name):
    """The published counts; then, with 10 classes, the count and the shapes."""
    for kwargs, expected in PUBLISHED_COUNTS[name]:
        _built(t, name, kwargs, expected)
    count, last_inputs = PUBLISHED_COUNTS[name][0][1], LAST_INPUTS[name]
    model = _built(t, name, {"num_classes": CLASSES}, count - (last_inputs + 1) * (1000 - CLASSES))
    _check_shapes(t, name, model)


for _name in PUBLISHED_COUNTS:
    if _name != "resnet18":  # its check adds a small net's (below)
        public_check(_name)(functools.partial(_check_published_network, name=_name))


# A small resnet18 without a stem, as the notebook's transfer experiment uses: its count
# (from the reference) and a minibatch of 8 x 8 images.
SMALL_RESNET = {"num_classes": 10, "in_channels": 1, "widths": (4, 8, 16, 24), "stem": False}
SMALL_RESNET_COUNT = 31_014


@public_check("resnet18")
@keeps_torch_rng
def _check_resnet18(t):
    torch, arch = _modules()
    _check_published_network(t, "resnet18")
    what = _describe("resnet18", kwargs=SMALL_RESNET)
    torch.manual_seed(0)
    model = t.call(arch.resnet18, **SMALL_RESNET)
    if _count(model) != SMALL_RESNET_COUNT:
        t.fail("%s has %s parameters, expected %s" % (what, format(_count(model), ","),
                                                      format(SMALL_RESNET_COUNT, ",")))
    t.ok("%s has %s parameters" % (what, format(SMALL_RESNET_COUNT, ",")))
    trainable = np.array([p.requires_grad for p in model.parameters()], dtype=np.int64)
    if not trainable.all():
        t.wrong(trainable,
                "%d of %d parameters of %s are frozen (requires_grad False): a network trained from "
                "scratch trains all of them" % (int(np.sum(trainable == 0)), trainable.size, what),
                "trainable parameters")
    t.ok("every parameter is trainable")
    x = torch.linspace(0.0, 1.0, 2 * 64).reshape(2, 1, 8, 8)
    x[1] = x[1].flip(-1)
    scores = t.call(model.eval().forward, x).detach()
    if tuple(scores.shape) != (2, 10):
        t.fail("%s maps images of shape (2, 1, 8, 8) to shape %s, expected (2, 10)" % (what, tuple(scores.shape)))
    if torch.allclose(scores[0], scores[1]):
        t.fail("freshly built, %s gives two different images the same scores: its features are all "
               "zeros (is every batch norm's scale zero?)" % what)
    t.ok("freshly built, it tells two images apart")


# --- blocks ---------------------------------------------------------------------------

def _fixed_weights(module):
    """Set every parameter and batch norm statistic of `module` to fixed values, in the
    order of their names (running variances positive)."""
    import torch

    with torch.no_grad():
        for k, (name, value) in enumerate(sorted(module.state_dict().items())):
            if value.is_floating_point():
                wave = torch.cos(torch.arange(value.numel(), dtype=torch.float64) * 0.7 + k).reshape(value.shape)
                value.copy_(1.0 + 0.5 * wave if name.endswith("running_var") else 0.5 * wave)


def _weights(t, block, what):
    """The block's state as a function of a name, failing on a name it lacks."""
    state = block.state_dict()

    def weight(name):
        if name not in state:
            t.fail("%s has no %s: name its layers as the docstring does" % (what, name))
        return state[name]
    return weight


def _conv_bn(F, x, weight, conv, bn, stride=1, padding=0, eps=1e-5):
    """Batch norm (evaluation mode) of a convolution without bias, by the weights' names."""
    z = F.conv2d(x, weight(conv + ".weight"), stride=stride, padding=padding)
    return F.batch_norm(z, weight(bn + ".running_mean"), weight(bn + ".running_var"), weight(bn + ".weight"),
                        weight(bn + ".bias"), training=False, eps=eps)


def _residual(F, x, weight, branch, stride, projected):
    """ReLU(branch + shortcut x), the shortcut projected by downsample.0 and .1 where asked."""
    shortcut = _conv_bn(F, x, weight, "downsample.0", "downsample.1", stride) if projected else x
    return F.relu(branch + shortcut)


def _basic_block_output(F, x, weight, in_channels, out_channels, stride=1):
    h = F.relu(_conv_bn(F, x, weight, "conv1", "bn1", stride, 1))
    h = _conv_bn(F, h, weight, "conv2", "bn2", 1, 1)
    return _residual(F, x, weight, h, stride, stride != 1 or in_channels != out_channels)


def _bottleneck_output(F, x, weight, in_channels, width, out_channels, stride=1):
    h = F.relu(_conv_bn(F, x, weight, "conv1", "bn1"))
    h = F.relu(_conv_bn(F, h, weight, "conv2", "bn2", stride, 1))
    h = _conv_bn(F, h, weight, "conv3", "bn3")
    return _residual(F, x, weight, h, stride, stride != 1 or in_channels != out_channels)


def _inception_output(F, x, weight, *config, branch3_kernel_size=3):
    import torch

    def unit(h, prefix, padding=0):  # BasicConv2d: conv - batch norm (eps 1e-3) - ReLU
        return F.relu(_conv_bn(F, h, weight, prefix + ".conv", prefix + ".bn", 1, padding, eps=1e-3))

    pooled = F.max_pool2d(x, 3, stride=1, padding=1, ceil_mode=True)
    return torch.cat([unit(x, "branch1"), unit(unit(x, "branch2.0"), "branch2.1", 1),
                      unit(unit(x, "branch3.0"), "branch3.1", branch3_kernel_size // 2),
                      unit(pooled, "branch4.1")], dim=1)


def _fire_output(F, x, weight, *config):
    import torch

    s = F.relu(F.conv2d(x, weight("squeeze.weight"), weight("squeeze.bias")))
    return torch.cat([F.relu(F.conv2d(s, weight("expand1x1.weight"), weight("expand1x1.bias"))),
                      F.relu(F.conv2d(s, weight("expand3x3.weight"), weight("expand3x3.bias"), padding=1))], dim=1)


def _block_check(t, build, args, kwargs, in_shape, out_shape, params, formula):
    """Build the block, count its parameters, give it fixed weights and compare its
    output (float64, evaluation mode) on a fixed input with `formula` of those weights."""
    torch, _ = _modules()
    import torch.nn.functional as F

    block = t.call(build, *args, **kwargs)
    what = _describe(build.__name__, args, kwargs)
    _fixed_weights(block)
    if _count(block) != params:
        t.fail("%s has %d parameters, expected %d" % (what, _count(block), params))
    t.ok("%s has %d parameters" % (what, params))
    block = block.double().eval()
    x = torch.linspace(-1, 1, int(np.prod(in_shape)), dtype=torch.float64).reshape(in_shape)
    out = t.call(block.forward, x)
    if tuple(out.shape) != out_shape:
        t.fail("%s maps an input of shape %s to shape %s, expected %s" % (what, in_shape, tuple(out.shape),
                                                                          out_shape))
    with torch.no_grad():
        expected = formula(F, x, _weights(t, block, what), *args, **kwargs)
    t.expect_close(out.detach().numpy(), expected.numpy(), 1e-10,
                   "%s's output, by the docstring's formula with the block's own weights" % what)


@public_check("BasicBlock")
@keeps_torch_rng
def _check_basic_block(t):
    _, arch = _modules()
    check = functools.partial(_block_check, t, arch.BasicBlock, formula=_basic_block_output)
    check((4, 4), {}, (2, 4, 6, 6), (2, 4, 6, 6), 2 * (4 * 4 * 9 + 8))
    check((4, 6, 2), {}, (2, 4, 7, 7), (2, 6, 4, 4), 6 * 4 * 9 + 12 + 6 * 6 * 9 + 12 + 6 * 4 + 12)
    check((4, 4, 2), {}, (2, 4, 7, 7), (2, 4, 4, 4), 2 * (4 * 4 * 9 + 8) + 4 * 4 + 8)


@public_check("Bottleneck")
@keeps_torch_rng
def _check_bottleneck(t):
    _, arch = _modules()
    check = functools.partial(_block_check, t, arch.Bottleneck, formula=_bottleneck_output)
    check((8, 2, 8), {}, (2, 8, 5, 5), (2, 8, 5, 5), 16 + 4 + 36 + 4 + 16 + 16)
    check((4, 2, 8, 2), {}, (2, 4, 5, 5), (2, 8, 3, 3), 8 + 4 + 36 + 4 + 16 + 16 + 32 + 16)
    check((6, 3, 8), {}, (2, 6, 5, 5), (2, 8, 5, 5), 18 + 6 + 81 + 6 + 24 + 16 + 48 + 16)


@public_check("Inception")
@keeps_torch_rng
def _check_inception(t):
    _, arch = _modules()
    check = functools.partial(_block_check, t, arch.Inception, formula=_inception_output)
    # one unit: conv without bias + batch norm (2 per channel)
    params = (6 * 2 + 4) + (6 * 3 + 6 + 3 * 4 * 9 + 8) + (6 * 1 + 2 + 1 * 2 * 9 + 4) + (6 * 2 + 4)
    check((6, 2, 3, 4, 1, 2, 2), {}, (2, 6, 5, 5), (2, 10, 5, 5), params)
    check((6, 2, 3, 4, 1, 2, 2), {"branch3_kernel_size": 5}, (2, 6, 5, 5), (2, 10, 5, 5), params + 1 * 2 * 16)


@public_check("Fire")
@keeps_torch_rng
def _check_fire(t):
    _, arch = _modules()
    _block_check(t, arch.Fire, (6, 2, 3, 4), {}, (2, 6, 5, 5), (2, 7, 5, 5),
                 (6 * 2 + 2) + (2 * 3 + 3) + (2 * 4 * 9 + 4), _fire_output)
