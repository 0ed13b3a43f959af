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

ResNet-18 must also learn: a small one is pretrained on some digits and fine-tuned on
others with few labels (the notebook's transfer experiment, shrunk to a few seconds), and
must beat the same net trained from scratch on held-out digits. The worker trains both
nets and returns their weights; the held-out digits never leave this process, where the
reference network scores them with those weights.
"""
import sys

import numpy as np
import pytest

from autograder.trusted.expect import GradingFailure, expect_count, expect_near
from autograder.trusted.activations import relu
from autograder.trusted.submission import call, get, saved
from autograder.trusted.torch_steps import count_steps, state_arrays, tensor
from cs231n_core import data_utils

from .arch_common import (ARCH, as_shape, batchnorm_eval, bn_state, conv2d, conv_state,
                          learnable_count, load_state_steps, max_pool_3x3_same)

SECTION_WEIGHT = 15
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
VALUE_TOL = 1e-10  # float64 modules in evaluation mode against the NumPy reference: rounding only


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
    check_resnet18_count(shared)


def check_resnet18_count(shared):
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
    check_resnet18_shapes(shared)


def check_resnet18_shapes(shared):
    result, context = shared.get("resnet18", resnet_problem)
    expect_chain(result, NETWORKS["resnet18"][2], context["batch"], context["classes"],
                 "resnet18(num_classes=%d)" % context["classes"])
    config, size = context["small"], context["size"]
    got = as_shape(result["small_shape"], "resnet18 without a stem")
    if got != (2, config["num_classes"]):
        raise GradingFailure("resnet18(%s) on images of shape %s: scores of shape %s, expected %s"
                             % (", ".join("%s=%r" % item for item in config.items()),
                                (2, config["in_channels"], size, size), got, (2, config["num_classes"])))


# --- transfer learning: your resnet18 must learn --------------------------------------

# The notebook's experiment (architectures.transfer_experiment, a given helper built on
# the student's resnet18), shrunk to a few seconds of one CPU core: pretrain on digits
# 0-4, fine-tune on 5-9 with a few labels per class, against the same net from scratch.
# The images are the embedded MNIST digits pooled 2x2 to 14 x 14; which digits are drawn
# (and the worker's torch seed) depends on the grading seed.
# The held-out digits never enter the worker. They are public (the embedded MNIST, which
# a submission may also carry): a "fine-tuned" net that looked each one up there scored
# 1.00 (a nearest neighbour over the 5,000 digits), and it could do so only when it was
# the fine-tuned one, so that no margin over scratch protects the check. Fresh random
# distortions (references.augment_images) cannot close this here: on digits distorted
# at AUGMENT's strength, the nearest public digit of class 5-9 still has the right class
# for 0.60 of them, while the reference, pretrained on distorted digits and fine-tuned
# on 25 of them, scores 0.51 to 0.69 (6 seeds); with shifts alone (what hurts a lookup
# most) 0.55 to 0.59 against 0.45 to 0.64. A nearest neighbour over 2,500 labelled
# digits is simply a better classifier than a net that saw 25 labels. So the worker
# trains the two nets (transfer_steps) and returns their
# weights; their held-out accuracies are computed here, by the reference small_resnet
# with those weights.
TRANSFER = {"pretrain_examples": 2000, "pretrain_epochs": 2, "shots": 5, "finetune_epochs": 30,
            "eval_examples": 500, "pretrain_lr": 3e-3, "finetune_lr": 1e-3, "finetune_batch_size": 16}
# Calibrated on the reference (the model submission through the sandboxed worker, one
# core) over the grading seeds 0-49, with
#     .venv/bin/python -m autograder.graders.assignment3.test_architectures 0-49
# held-out accuracy (500 digits, scored here), min / mean (sd) / max over the 50 seeds:
#     fine-tuned                 0.666 / 0.783 (0.050) / 0.872
#     from scratch               0.406 / 0.530 (0.064) / 0.662
#     fine-tuned minus scratch   0.084 / 0.253 (0.075) / 0.396
#     worker CPU                 5.4 / 5.9 / 7.0 s per run (torch's import included; on a
#                                loaded machine, where the earlier worker-side scoring
#                                took as long: the same seeds, the same accuracies)
# Scoring the two nets here costs 0.2 s of CPU (and torch's import, once per grading
# process). A net that does not learn scores about 0.20 (5 classes): the bank's resnet18
# mistakes that keep every shape and count (every batch norm's scale zeroed, all but the
# last layer frozen) score 0.15 to 0.28. The floor is 5.7 standard deviations below the
# reference's mean, the margin 3.1. What the floor cannot tell: weights trained elsewhere
# (on the public digits) and loaded by the submission's own `fit`; the scratch run is the
# submission's own training too, so the margin can be had by sabotaging it, but the
# fine-tuned net must still reach the floor by itself.
TRANSFER_FLOOR = 0.5      # fine-tuned accuracy; the reference's worst seed: 0.666
TRANSFER_MARGIN = 0.02    # fine-tuned minus scratch; the reference's worst seed: 0.084


def pooled_digits(seed):
    """The 5,000 embedded MNIST digits in a seeded order, as (N, 1, 14, 14) float32 images
    in [0, 1] (2x2 average pooling) and (N,) labels."""
    data = data_utils.get_data("mnist", num_training=5000, num_validation=0, num_test=0,
                               subtract_mean=False, flatten=False, channels_first=True, seed=seed)
    X = data["X_train"].reshape(-1, 1, 14, 2, 14, 2).mean(axis=(3, 5)) / 255.0
    return X.astype(np.float32), data["y_train"]


def transfer_steps(X_first, y_first, X_few, y_few, seed):
    """architectures.transfer_experiment's training, step by step in the worker with its
    given helpers (small_resnet, fit) and the same seeds, ending with the two trained
    nets' states instead of their scores: the held-out images never enter the worker."""
    finetune = (TRANSFER["finetune_epochs"], TRANSFER["finetune_lr"], TRANSFER["finetune_batch_size"])
    return [call("torch:manual_seed", seed),
            call(ARCH + "small_resnet", 5, 1, save="fine_tuned"),
            call(ARCH + "fit", saved("fine_tuned"), X_first, y_first, TRANSFER["pretrain_epochs"],
                 TRANSFER["pretrain_lr"], batch_size=64, seed=seed),
            call("torch:manual_seed", seed + 1),
            get("fine_tuned.fc.in_features", save="features"),
            call("torch.nn:Linear", saved("features"), 5, save="head"),
            call("builtins:setattr", saved("fine_tuned"), "fc", saved("head")),
            call(ARCH + "fit", saved("fine_tuned"), X_few, y_few, *finetune, seed=seed + 1),
            call("torch:manual_seed", seed + 2),
            call(ARCH + "small_resnet", 5, 1, save="scratch"),
            call(ARCH + "fit", saved("scratch"), X_few, y_few, *finetune, seed=seed + 1),
            call("fine_tuned.state_dict", save="fine_tuned_state"),
            call("scratch.state_dict", save="scratch_state")]


def transfer_problem(rng):
    X, y = pooled_digits(int(rng.integers(2**31)))
    first = np.flatnonzero(y < 5)[:TRANSFER["pretrain_examples"]]
    second = np.flatnonzero(y >= 5)
    few = np.concatenate([second[y[second] == digit][:TRANSFER["shots"]] for digit in range(5, 10)])
    held_out = np.setdiff1d(second, few)
    held_out = rng.choice(held_out, TRANSFER["eval_examples"], replace=False)
    steps = transfer_steps(X[first], y[first], X[few], y[few] - 5, int(rng.integers(2**31)))
    return steps, ["fine_tuned_state", "scratch_state"], {"X_held_out": X[held_out], "y_held_out": y[held_out] - 5}


def held_out_scores(state, X, what):
    """Class scores of held-out images X, computed here by the reference small_resnet
    (evaluation mode) with the weights and batch norm statistics the worker trained."""
    import torch

    from cs231n_core import architectures

    torch.set_num_threads(1)  # small tensors, as in the worker
    net = architectures.small_resnet(5, 1)
    expected = {name: tuple(value.shape) for name, value in net.state_dict().items()}
    state = state_arrays(state, what)
    if set(state) != set(expected):
        missing = sorted(set(expected) - set(state))
        raise GradingFailure("%s: its state has %d entries, expected %d named as torchvision names them%s"
                             % (what, len(state), len(expected),
                                " (missing: %s)" % ", ".join(missing[:4]) if missing else ""))
    weights = {}
    for name, value in state.items():
        value = np.asarray(value)
        if value.shape != expected[name] or value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
            raise GradingFailure("%s: %s is not an array of finite numbers of shape %s"
                                 % (what, name, expected[name]))
        weights[name] = torch.from_numpy(value.astype(np.int64 if name.endswith("num_batches_tracked")
                                                      else np.float32))
    net.load_state_dict(weights)
    return architectures.class_scores(net, X)


def transfer_accuracies(result, context):
    """(fine-tuned, scratch) held-out accuracies of the nets the worker trained."""
    y = context["y_held_out"]
    accuracies = []
    for key, name in (("fine_tuned_state", "fine-tuned"), ("scratch_state", "from scratch")):
        what = "transfer learning with your resnet18: the %s net" % name
        scores = held_out_scores(result[key], context["X_held_out"], what)
        accuracies.append(float(np.mean(np.argmax(scores, axis=1) == y)))
    return tuple(accuracies)


@pytest.mark.target("resnet18")
@pytest.mark.points(1)
def test_resnet18_fine_tuning_beats_scratch(shared):
    """a small resnet18 learns: pretrained on digits 0-4 and fine-tuned on 5-9 with 5 labels
    per class, it beats the same net trained from scratch on held-out digits"""
    # Training costs seconds: only a net of the right shape is worth it. An error raised by
    # the submission's code (a SubmissionError) is reported as it is.
    try:
        check_resnet18_count(shared)
        check_resnet18_shapes(shared)
    except GradingFailure:
        raise GradingFailure("resnet18 is not trained until its parameter counts and shapes are right "
                             "(see its other checks)") from None
    result, context = shared.get("resnet18 transfer", transfer_problem)
    fine_tuned, scratch = transfer_accuracies(result, context)
    setting = ("resnet18(num_classes=5, in_channels=1, widths=(8, 16, 32, 64), stem=False) pretrained "
               "on digits 0-4 and fine-tuned on 5-9 with %d labels per class (architectures."
               "transfer_experiment): held-out accuracy %.3f fine-tuned, %.3f from scratch"
               % (TRANSFER["shots"], fine_tuned, scratch))
    if not fine_tuned >= TRANSFER_FLOOR:
        raise GradingFailure("%s; the fine-tuned net must reach %.0f%%: does your network train (its "
                             "blocks, batch norms and initialization; every parameter trainable)?"
                             % (setting, 100 * TRANSFER_FLOOR))
    if not fine_tuned >= scratch + TRANSFER_MARGIN:
        raise GradingFailure("%s; fine-tuning must beat training from scratch by at least %.0f points"
                             % (setting, 100 * TRANSFER_MARGIN))


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


# --- calibration of the transfer check (run by hand, never by the grading) ----------------

def calibrate_transfer(seeds):
    """Grade this project's own cs231n_core (the reference) on the transfer problem of
    each grading seed, through the sandboxed worker, and print the accuracies and the
    worker's CPU time: the figures behind TRANSFER_FLOOR and TRANSFER_MARGIN."""
    import os
    import tempfile

    from autograder.trusted.shared_runs import SharedRuns
    from autograder.trusted.submission import Submission

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    rows = []
    with tempfile.TemporaryDirectory() as scratch_root:
        submission = Submission(root, scratch_root, preload=WORKER_PRELOAD)
        for seed in seeds:
            result, context = SharedRuns(submission, seed).get("resnet18 transfer", transfer_problem)
            fine_tuned, scratch = transfer_accuracies(result, context)
            rows.append((fine_tuned, scratch, fine_tuned - scratch, submission.last_outcome.cpu_s))
            print("seed %3d: fine-tuned %.3f, scratch %.3f, margin %+.3f, worker CPU %.1f s"
                  % ((seed,) + rows[-1]), flush=True)
        submission.close()
    rows = np.array(rows)
    for column, name in enumerate(("fine-tuned", "scratch", "margin", "worker CPU s")):
        print("%-12s min %.3f  mean %.3f  max %.3f" % (name, rows[:, column].min(), rows[:, column].mean(),
                                                       rows[:, column].max()))


if __name__ == "__main__":
    first, _, last = (sys.argv[1] if len(sys.argv) > 1 else "0-9").partition("-")
    calibrate_transfer(range(int(first), int(last or first) + 1))
