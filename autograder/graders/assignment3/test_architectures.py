"""Hidden graders of the landmark networks and their blocks (assignment 3,
CNNArchitectures.ipynb; 15 of the assignment's 100 points).

Networks are built in the worker on torch's "meta" device (torch.set_default_device):
their parameters have shapes but no storage and no initialization, so VGG-16's 138M
parameters cost no memory and no time, and a forward pass on a meta tensor computes only
the shapes. Each network is graded by its exact parameter count at the published
1000-class configuration, by the count with another number of classes, and by the
shape after each of its named children (torchvision's names, which the docstrings give)
for a minibatch at 224 x 224.

Blocks (Inception, BasicBlock, Bottleneck, Fire) are built on the CPU in float64 at
random small configurations, loaded with random weights by name (strict: a missing or
extra parameter fails), run in evaluation mode, and compared with a NumPy reference
computed here from the same weights.
"""
import numpy as np
import pytest

from autograder.engine.expect import GradingFailure, expect_near
from autograder.engine.references import relu
from autograder.engine.submission import call, get, saved
from autograder.engine.torch_steps import count_steps, tensor

from .arch_common import (ARCH, as_shape, batchnorm_eval, bn_state, conv2d, conv_state, expect_count,
                          learnable_count, load_state_steps, max_pool_3x3_same)

SECTION_WEIGHT = 15
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
VALUE_TOL = 1e-10


# --- networks on the meta device -------------------------------------------------------

K = "classes"  # stands for num_classes in the tables of shapes

NETWORKS = {
    # name: (published count, inputs of the last layer, [(child, shape after it)])
    "alexnet": (61_100_840, 4096, [("features", (256, 6, 6)), ("avgpool", (256, 6, 6)),
                                   ("flatten", (9216,)), ("classifier", (K,))]),
    "vgg16": (138_357_544, 4096, [("features", (512, 7, 7)), ("avgpool", (512, 7, 7)),
                                  ("flatten", (25088,)), ("classifier", (K,))]),
    "googlenet": (6_624_904, 1024, [
        ("conv1", (64, 112, 112)), ("maxpool1", (64, 56, 56)), ("conv2", (64, 56, 56)),
        ("conv3", (192, 56, 56)), ("maxpool2", (192, 28, 28)), ("inception3a", (256, 28, 28)),
        ("inception3b", (480, 28, 28)), ("maxpool3", (480, 14, 14)), ("inception4a", (512, 14, 14)),
        ("inception4b", (512, 14, 14)), ("inception4c", (512, 14, 14)), ("inception4d", (528, 14, 14)),
        ("inception4e", (832, 14, 14)), ("maxpool4", (832, 7, 7)), ("inception5a", (832, 7, 7)),
        ("inception5b", (1024, 7, 7)), ("avgpool", (1024, 1, 1)), ("flatten", (1024,)),
        ("dropout", (1024,)), ("fc", (K,))]),
    "resnet18": (11_689_512, 512, [
        ("conv1", (64, 112, 112)), ("bn1", (64, 112, 112)), ("relu", (64, 112, 112)),
        ("maxpool", (64, 56, 56)), ("layer1", (64, 56, 56)), ("layer2", (128, 28, 28)),
        ("layer3", (256, 14, 14)), ("layer4", (512, 7, 7)), ("avgpool", (512, 1, 1)),
        ("flatten", (512,)), ("fc", (K,))]),
    "squeezenet": (1_248_424, 512, [("features", (512, 13, 13)), ("classifier", (K, 1, 1)),
                                    ("flatten", (K,))]),
}
SQUEEZENET_1_1 = 1_235_496
GOOGLENET_5X5 = 6_624_904 + 16 * 23_808  # the paper's 5x5 third branch: 7,005,832


def with_classes(count, last_inputs, classes):
    """The count of a network whose last layer maps last_inputs values to `classes`."""
    return count - (last_inputs + 1) * 1000 + (last_inputs + 1) * classes


def chain_steps(net, children, batch, size, channels=3):
    """Steps that run a meta minibatch through the named children of `net` one after
    the other, saving each output's shape as shape<i>, then through the whole net."""
    steps = [call("torch:empty", batch, channels, size, size, save="h0")]
    returns = []
    for i, (child, _) in enumerate(children):
        steps += [call("%s.%s" % (net, child), saved("h%d" % i), save="h%d" % (i + 1)),
                  get("h%d.shape" % (i + 1), save="shape%d" % (i + 1))]
        returns.append("shape%d" % (i + 1))
    steps += [call(net, saved("h0"), save="out"), get("out.shape", save="out_shape")]
    return steps, returns + ["out_shape"]


def network_problem(name, extra=()):
    """Steps of one network's checks: counts at 1000 classes (and of `extra` variants:
    (tag, kwargs)), then the shapes with a random number of classes."""
    def build(rng):
        classes = int(rng.integers(5, 200))
        batch = int(rng.integers(1, 3))
        steps = [call("torch:set_default_device", "meta"), call(ARCH + name, save="net1000")]
        steps += count_steps("net1000", "count1000")
        returns = ["count1000"]
        for tag, kwargs in extra:
            steps += [call(ARCH + name, save="net_" + tag, **kwargs)] + count_steps("net_" + tag, "count_" + tag)
            returns.append("count_" + tag)
        steps += [call(ARCH + name, num_classes=classes, save="net")] + count_steps("net", "count")
        steps.append(call("net.eval"))
        chain, chain_returns = chain_steps("net", NETWORKS[name][2], batch, 224)
        return steps + chain, returns + ["count"] + chain_returns, {"classes": classes, "batch": batch}
    return build


def expect_chain(result, children, batch, classes, what):
    for i, (child, shape) in enumerate(children):
        expected = (batch,) + tuple(classes if s == K else s for s in shape)
        got = as_shape(result["shape%d" % (i + 1)], what)
        if got != expected:
            raise GradingFailure("%s on a minibatch of shape %s: the output of %r has shape %s, "
                                 "expected %s" % (what, (batch, 3, 224, 224), child, got, expected))
    got = as_shape(result["out_shape"], what)
    if got != (batch, classes):
        raise GradingFailure("%s: scores of shape %s, expected %s" % (what, got, (batch, classes)))


def check_network_counts(shared, name, extra=(), extra_expected=()):
    result, context = shared.get(name, network_problem(name, extra))
    count, last_inputs, _ = NETWORKS[name]
    expect_count(result["count1000"], count, "%s() (1000 classes)" % name)
    for (tag, kwargs), expected in zip(extra, extra_expected):
        arguments = ", ".join("%s=%r" % item for item in kwargs.items())
        expect_count(result["count_" + tag], expected, "%s(%s)" % (name, arguments))
    classes = context["classes"]
    expect_count(result["count"], with_classes(count, last_inputs, classes),
                 "%s(num_classes=%d)" % (name, classes))


def check_network_shapes(shared, name, extra=()):
    result, context = shared.get(name, network_problem(name, extra))
    expect_chain(result, NETWORKS[name][2], context["batch"], context["classes"],
                 "%s(num_classes=%d)" % (name, context["classes"]))


@pytest.mark.target("alexnet")
@pytest.mark.points(1)
def test_alexnet_count(shared):
    """61,100,840 parameters at 1000 classes (torchvision's AlexNet); num_classes honoured"""
    check_network_counts(shared, "alexnet")


@pytest.mark.target("alexnet")
@pytest.mark.points(1)
def test_alexnet_shapes(shared):
    """shapes after features, avgpool, flatten and classifier at 224 x 224"""
    check_network_shapes(shared, "alexnet")


@pytest.mark.target("vgg16")
@pytest.mark.points(1)
def test_vgg16_count(shared):
    """138,357,544 parameters at 1000 classes; num_classes honoured"""
    check_network_counts(shared, "vgg16")


@pytest.mark.target("vgg16")
@pytest.mark.points(1)
def test_vgg16_shapes(shared):
    """512 x 7 x 7 features at 224 x 224, then the classifier's scores"""
    check_network_shapes(shared, "vgg16")


GOOGLENET_EXTRA = [("paper", {"branch3_kernel_size": 5})]


@pytest.mark.target("googlenet")
@pytest.mark.points(1)
def test_googlenet_count(shared):
    """6,624,904 parameters without auxiliary heads (7,005,832 with the paper's 5x5 branch)"""
    check_network_counts(shared, "googlenet", GOOGLENET_EXTRA, [GOOGLENET_5X5])


@pytest.mark.target("googlenet")
@pytest.mark.points(1)
def test_googlenet_shapes(shared):
    """the shape after each stem layer, pool and inception module at 224 x 224"""
    check_network_shapes(shared, "googlenet", GOOGLENET_EXTRA)


def resnet_count(widths, in_channels, stem, classes):
    """Parameters of resnet18(classes, in_channels, widths, stem), counted by formula."""
    count = in_channels * widths[0] * (49 if stem else 9) + 2 * widths[0]
    channels = widths[0]
    for k, width in enumerate(widths):
        stride = 1 if k == 0 else 2
        count += channels * width * 9 + width * width * 9 + 4 * width
        if stride != 1 or channels != width:
            count += channels * width + 2 * width
        count += 2 * (width * width * 9 + 2 * width)
        channels = width
    return count + channels * classes + classes


def small_resnet_config(rng):
    base = int(rng.integers(3, 7))
    return {"num_classes": int(rng.integers(3, 12)), "in_channels": int(rng.integers(1, 3)),
            "widths": [base, 2 * base, 3 * base, 4 * base + 1], "stem": False}


def resnet_problem(rng):
    steps, returns, context = network_problem("resnet18")(rng)
    config = small_resnet_config(rng)
    size = int(rng.integers(9, 14))
    steps += [call(ARCH + "resnet18", save="small", **config)] + count_steps("small", "count_small")
    steps += [call("small.eval"), call("torch:empty", 2, config["in_channels"], size, size, save="small_x"),
              call("small", saved("small_x"), save="small_out"), get("small_out.shape", save="small_shape")]
    context.update(small=config, size=size)
    return steps, returns + ["count_small", "small_shape"], context


@pytest.mark.target("resnet18")
@pytest.mark.points(1)
def test_resnet18_count(shared):
    """11,689,512 parameters at 1000 classes; num_classes, in_channels, widths and stem honoured"""
    result, context = shared.get("resnet18", resnet_problem)
    count, last_inputs, _ = NETWORKS["resnet18"]
    expect_count(result["count1000"], count, "resnet18() (1000 classes)")
    expect_count(result["count"], with_classes(count, last_inputs, context["classes"]),
                 "resnet18(num_classes=%d)" % context["classes"])
    config = context["small"]
    expect_count(result["count_small"], resnet_count(config["widths"], config["in_channels"], False,
                                                     config["num_classes"]),
                 "resnet18(%s)" % ", ".join("%s=%r" % item for item in config.items()))


@pytest.mark.target("resnet18")
@pytest.mark.points(1)
def test_resnet18_shapes(shared):
    """the shape after the stem and each stage at 224 x 224; the small net without a stem"""
    result, context = shared.get("resnet18", resnet_problem)
    expect_chain(result, NETWORKS["resnet18"][2], context["batch"], context["classes"],
                 "resnet18(num_classes=%d)" % context["classes"])
    config, size = context["small"], context["size"]
    got = as_shape(result["small_shape"], "resnet18 without a stem")
    if got != (2, config["num_classes"]):
        raise GradingFailure("resnet18(%s) on images of shape %s: scores of shape %s, expected %s"
                             % (", ".join("%s=%r" % item for item in config.items()),
                                (2, config["in_channels"], size, size), got, (2, config["num_classes"])))


SQUEEZENET_EXTRA = [("v11", {"version": "1.1"})]


@pytest.mark.target("squeezenet")
@pytest.mark.points(1)
def test_squeezenet_count(shared):
    """1,248,424 parameters (version 1.0) and 1,235,496 (1.1) at 1000 classes"""
    check_network_counts(shared, "squeezenet", SQUEEZENET_EXTRA, [SQUEEZENET_1_1])


@pytest.mark.target("squeezenet")
@pytest.mark.points(1)
def test_squeezenet_shapes(shared):
    """512 x 13 x 13 features at 224 x 224, then a 1x1 convolution and average pooling to scores"""
    check_network_shapes(shared, "squeezenet", SQUEEZENET_EXTRA)


# --- blocks, in float64 on the CPU -----------------------------------------------------

def block_steps(tag, constructor, args, kwargs, state, x):
    """Build a block in the worker, load `state`, evaluation mode, run it on x."""
    steps = [call(ARCH + constructor, *args, save=tag, **kwargs), call(tag + ".double")]
    steps += load_state_steps(tag, state, tag) + [call(tag + ".eval")]
    steps += count_steps(tag, tag + "_count")
    steps += [tensor(tag + "_x", x), call(tag, saved(tag + "_x"), save=tag + "_out")]
    return steps, [tag + "_count", tag + "_out"]


def run_blocks(build_cases):
    """A problem from a list of cases (tag, constructor, args, kwargs, state, x, expected)."""
    def build(rng):
        steps, returns, cases = [], [], build_cases(rng)
        for tag, constructor, args, kwargs, state, x, _ in cases:
            more_steps, more_returns = block_steps(tag, constructor, args, kwargs, state, x)
            steps += more_steps
            returns += more_returns
        return steps, returns, cases
    return build


def describe(constructor, args, kwargs):
    text = ", ".join([repr(a) for a in args] + ["%s=%r" % item for item in kwargs.items()])
    return "%s(%s)" % (constructor, text)


def check_block_counts(shared, key, build_cases):
    result, cases = shared.get(key, run_blocks(build_cases))
    for tag, constructor, args, kwargs, state, _, _ in cases:
        expect_count(result[tag + "_count"], learnable_count(state), describe(constructor, args, kwargs))


def check_block_values(shared, key, build_cases):
    result, cases = shared.get(key, run_blocks(build_cases))
    for tag, constructor, args, kwargs, _, x, expected in cases:
        expect_near(result[tag + "_out"], expected, VALUE_TOL,
                    "%s in evaluation mode on x of shape %s: the output" % (describe(constructor, args, kwargs),
                                                                             x.shape))


def residual_shortcut(rng, state, x, in_channels, out_channels, stride):
    if stride == 1 and in_channels == out_channels:
        return x
    conv_state(rng, state, "downsample.0", out_channels, in_channels, 1, 1, False)
    bn_state(rng, state, "downsample.1", out_channels)
    return batchnorm_eval(conv2d(x, state["downsample.0.weight"], stride=stride), state, "downsample.1")


def basic_block_case(rng, tag, in_channels, out_channels, stride):
    size = int(rng.integers(5, 9))
    x = rng.normal(size=(2, in_channels, size, size))
    state = {}
    conv_state(rng, state, "conv1", out_channels, in_channels, 3, 3, False)
    bn_state(rng, state, "bn1", out_channels)
    conv_state(rng, state, "conv2", out_channels, out_channels, 3, 3, False)
    bn_state(rng, state, "bn2", out_channels)
    out = relu(batchnorm_eval(conv2d(x, state["conv1.weight"], stride=stride, pad=1), state, "bn1"))
    out = batchnorm_eval(conv2d(out, state["conv2.weight"], pad=1), state, "bn2")
    out = relu(out + residual_shortcut(rng, state, x, in_channels, out_channels, stride))
    return tag, "BasicBlock", (in_channels, out_channels), {"stride": stride}, state, x, out


def basic_block_cases(rng):
    c = int(rng.integers(3, 6))
    return [basic_block_case(rng, "same", c, c, 1),
            basic_block_case(rng, "project", c, c + int(rng.integers(1, 4)), 2),
            basic_block_case(rng, "strided", c, c, 2)]


@pytest.mark.target("BasicBlock")
@pytest.mark.points(1)
def test_basic_block_count(shared):
    """two 3x3 convolutions without biases, two batch norms, a projection only where the shape changes"""
    check_block_counts(shared, "BasicBlock", basic_block_cases)


@pytest.mark.target("BasicBlock")
@pytest.mark.points(1)
def test_basic_block_values(shared):
    """output equals ReLU(bn2(conv2(ReLU(bn1(conv1 x)))) + shortcut x), identity and projected"""
    check_block_values(shared, "BasicBlock", basic_block_cases)


def bottleneck_case(rng, tag, in_channels, width, out_channels, stride):
    size = int(rng.integers(5, 9))
    x = rng.normal(size=(2, in_channels, size, size))
    state = {}
    conv_state(rng, state, "conv1", width, in_channels, 1, 1, False)
    bn_state(rng, state, "bn1", width)
    conv_state(rng, state, "conv2", width, width, 3, 3, False)
    bn_state(rng, state, "bn2", width)
    conv_state(rng, state, "conv3", out_channels, width, 1, 1, False)
    bn_state(rng, state, "bn3", out_channels)
    out = relu(batchnorm_eval(conv2d(x, state["conv1.weight"]), state, "bn1"))
    out = relu(batchnorm_eval(conv2d(out, state["conv2.weight"], stride=stride, pad=1), state, "bn2"))
    out = batchnorm_eval(conv2d(out, state["conv3.weight"]), state, "bn3")
    out = relu(out + residual_shortcut(rng, state, x, in_channels, out_channels, stride))
    return tag, "Bottleneck", (in_channels, width, out_channels), {"stride": stride}, state, x, out


def bottleneck_cases(rng):
    width = int(rng.integers(2, 4))
    return [bottleneck_case(rng, "same", 4 * width, width, 4 * width, 1),
            bottleneck_case(rng, "project", 2 * width + 1, width, 4 * width, 2),
            bottleneck_case(rng, "widen", 2 * width, width + 1, 4 * width + 1, 1)]


@pytest.mark.target("Bottleneck")
@pytest.mark.points(1)
def test_bottleneck_count(shared):
    """1x1, 3x3, 1x1 convolutions without biases, three batch norms, a projection where needed"""
    check_block_counts(shared, "Bottleneck", bottleneck_cases)


@pytest.mark.target("Bottleneck")
@pytest.mark.points(1)
def test_bottleneck_values(shared):
    """output of the bottleneck block (stride on the 3x3 convolution) equals the reference"""
    check_block_values(shared, "Bottleneck", bottleneck_cases)


def conv_unit(rng, state, prefix, x, out_channels, kernel):
    """GoogLeNet's BasicConv2d: conv (no bias, 'same' padding) - BN (eps 1e-3) - ReLU."""
    conv_state(rng, state, prefix + ".conv", out_channels, x.shape[1], kernel, kernel, False)
    bn_state(rng, state, prefix + ".bn", out_channels)
    out = conv2d(x, state[prefix + ".conv.weight"], pad=kernel // 2)
    return relu(batchnorm_eval(out, state, prefix + ".bn", eps=1e-3))


def inception_case(rng, tag, kernel):
    config = [int(rng.integers(2, 6)) for _ in range(7)]
    in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj = config
    size = int(rng.integers(4, 7))
    x = rng.normal(size=(2, in_channels, size, size))
    state = {}
    branches = [conv_unit(rng, state, "branch1", x, ch1x1, 1),
                conv_unit(rng, state, "branch2.1", conv_unit(rng, state, "branch2.0", x, ch3x3red, 1), ch3x3, 3),
                conv_unit(rng, state, "branch3.1", conv_unit(rng, state, "branch3.0", x, ch5x5red, 1),
                          ch5x5, kernel),
                conv_unit(rng, state, "branch4.1", max_pool_3x3_same(x), pool_proj, 1)]
    return (tag, "Inception", tuple(config), {"branch3_kernel_size": kernel}, state, x,
            np.concatenate(branches, axis=1))


def inception_cases(rng):
    return [inception_case(rng, "k3", 3), inception_case(rng, "k5", 5)]


@pytest.mark.target("Inception")
@pytest.mark.points(1)
def test_inception_count(shared):
    """four branches of BasicConv2d units at random channel counts, with 3x3 and 5x5 third branches"""
    check_block_counts(shared, "Inception", inception_cases)


@pytest.mark.target("Inception")
@pytest.mark.points(1)
def test_inception_values(shared):
    """the four branches (1x1; 1x1-3x3; 1x1-kxk; pool-1x1) concatenated in order"""
    check_block_values(shared, "Inception", inception_cases)


def fire_case(rng, tag):
    in_channels, squeeze, expand1, expand3 = (int(rng.integers(2, 7)) for _ in range(4))
    size = int(rng.integers(4, 8))
    x = rng.normal(size=(2, in_channels, size, size))
    state = {}
    conv_state(rng, state, "squeeze", squeeze, in_channels, 1, 1, True)
    conv_state(rng, state, "expand1x1", expand1, squeeze, 1, 1, True)
    conv_state(rng, state, "expand3x3", expand3, squeeze, 3, 3, True)
    s = relu(conv2d(x, state["squeeze.weight"], state["squeeze.bias"]))
    out = np.concatenate([relu(conv2d(s, state["expand1x1.weight"], state["expand1x1.bias"])),
                          relu(conv2d(s, state["expand3x3.weight"], state["expand3x3.bias"], pad=1))], axis=1)
    return tag, "Fire", (in_channels, squeeze, expand1, expand3), {}, state, x, out


def fire_cases(rng):
    return [fire_case(rng, "first"), fire_case(rng, "second")]


@pytest.mark.target("Fire")
@pytest.mark.points(1)
def test_fire_count(shared):
    """1x1 squeeze, 1x1 and 3x3 expand convolutions, all with biases"""
    check_block_counts(shared, "Fire", fire_cases)


@pytest.mark.target("Fire")
@pytest.mark.points(1)
def test_fire_values(shared):
    """ReLU after each convolution; the expansions concatenated, 1x1 first"""
    check_block_values(shared, "Fire", fire_cases)
