"""Hidden graders of the landmark networks and their blocks (assignment 3,
CNNArchitectures.ipynb; 12 of the assignment's 100 points).

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

from autograder.graders.graded import graded_on_shared, graders_on_shared
from autograder.trusted.expect import GradingFailure, expect_count, expect_near, wrong
from autograder.trusted.activations import relu
from autograder.trusted.torch_steps import Probes, state_arrays
from cs231n_core import data_utils

from .arch_common import (ARCH, as_shape, batchnorm_eval, bn_state, conv2d, conv_bn_states, conv_state,
                          learnable_count, max_pool_3x3_same)

SECTION_WEIGHT = 12
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
EXTRA_COUNTS = {  # network: [(tag, keyword arguments, count at 1000 classes)] of its other versions
    "googlenet": [("paper", {"branch3_kernel_size": 5}, 6_624_904 + 16 * 23_808)],  # the paper's 5x5 branch: 7,005,832
    "squeezenet": [("v11", {"version": "1.1"}, 1_235_496)],
}


def with_classes(count, last_inputs, classes):
    """The count of a network whose last layer maps last_inputs values to `classes`."""
    return count - (last_inputs + 1) * 1000 + (last_inputs + 1) * classes


def shapes_through(probes, net, children, batch, size, channels=3):
    """Run a meta minibatch through the named children of `net` one after the other,
    saving each output's shape as shape<i>, then through the whole net (out_shape)."""
    x = probes.function("torch:empty", batch, channels, size, size)
    h = x
    for i, (child, _) in enumerate(children, 1):
        h = probes.function("%s.%s" % (net.name, child), h)
        probes.attribute(h.name + ".shape", save="shape%d" % i)
    probes.attribute(probes.function(net.name, x).name + ".shape", save="out_shape")


def network_problem(name):
    """Probes of one network's checks, on the meta device: counts at 1000 classes (and of
    its EXTRA_COUNTS), then the shapes with a random number of classes; resnet18's add a
    small net without a stem (small_resnet_probes)."""
    def build(rng):
        classes = int(rng.integers(5, 200))
        batch = int(rng.integers(1, 3))
        probes = Probes()
        probes.function("torch:set_default_device", "meta")
        probes.module(ARCH + name, count="count1000", label="net1000")
        for tag, kwargs, _ in EXTRA_COUNTS.get(name, []):
            probes.module(ARCH + name, count="count_" + tag, label="net_" + tag, **kwargs)
        net = probes.module(ARCH + name, num_classes=classes, count="count", label="net")
        probes.function(net.name + ".eval")
        shapes_through(probes, net, NETWORKS[name][2], batch, 224)
        context = {"classes": classes, "batch": batch}
        if name == "resnet18":
            context.update(small_resnet_probes(probes, rng))
        return probes.problem(context)
    return build


def expect_chain(result, children, batch, classes, what):
    for i, (child, shape) in enumerate(children):
        expected = (batch,) + tuple(classes if s == K else s for s in shape)
        got = as_shape(result["shape%d" % (i + 1)], what)
        if got != expected:
            raise wrong(np.array(got), "%s on a minibatch of shape %s: the output of %r has shape %s, "
                        "expected %s" % (what, (batch, 3, 224, 224), child, got, expected),
                        "the shape after " + child)
    got = as_shape(result["out_shape"], what)
    if got != (batch, classes):
        raise wrong(np.array(got), "%s: scores of shape %s, expected %s" % (what, got, (batch, classes)),
                    "the scores' shape")


def check_network_counts(shared, name):
    result, context = shared.get(name, network_problem(name))
    count, last_inputs, _ = NETWORKS[name]
    expect_count(result["count1000"], count, "%s() (1000 classes)" % name)
    for tag, kwargs, expected in EXTRA_COUNTS.get(name, []):
        arguments = ", ".join("%s=%r" % item for item in kwargs.items())
        expect_count(result["count_" + tag], expected, "%s(%s)" % (name, arguments))
    classes = context["classes"]
    expect_count(result["count"], with_classes(count, last_inputs, classes),
                 "%s(num_classes=%d)" % (name, classes))
    if "small" in context:  # resnet18 at a small configuration, counted by formula
        config = context["small"]
        expect_count(result["count_small"], resnet_count(config["widths"], config["in_channels"], False,
                                                         config["num_classes"]),
                     "resnet18(%s)" % ", ".join("%s=%r" % item for item in config.items()))


def check_network_shapes(shared, name):
    result, context = shared.get(name, network_problem(name))
    expect_chain(result, NETWORKS[name][2], context["batch"], context["classes"],
                 "%s(num_classes=%d)" % (name, context["classes"]))
    if "small" in context:  # resnet18 without a stem on small images
        config, size = context["small"], context["size"]
        got = as_shape(result["small_shape"], "resnet18 without a stem")
        if got != (2, config["num_classes"]):
            raise wrong(np.array(got), "resnet18(%s) on images of shape %s: scores of shape %s, expected %s"
                        % (", ".join("%s=%r" % item for item in config.items()),
                           (2, config["in_channels"], size, size), got, (2, config["num_classes"])),
                        "the scores' shape without a stem")


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


def small_resnet_probes(probes, rng):
    """A small resnet18 without a stem: its count (count_small) and the shape of its scores
    of two small images (small_shape); returns its context (configuration, image size)."""
    config = small_resnet_config(rng)
    size = int(rng.integers(9, 14))
    small = probes.module(ARCH + "resnet18", count="count_small", label="small", **config)
    probes.function(small.name + ".eval")
    scores = probes.function(small.name, probes.function("torch:empty", 2, config["in_channels"], size, size))
    probes.attribute(scores.name + ".shape", save="small_shape")
    return {"small": config, "size": size}


NETWORK_CHECKS = {  # network: what the check of its counts and that of its shapes test
    "alexnet": ("61,100,840 parameters at 1000 classes (torchvision's AlexNet); num_classes honoured",
                "shapes after features, avgpool, flatten and classifier at 224 x 224"),
    "vgg16": ("138,357,544 parameters at 1000 classes; num_classes honoured",
              "512 x 7 x 7 features at 224 x 224, then the classifier's scores"),
    "googlenet": ("6,624,904 parameters without auxiliary heads (7,005,832 with the paper's 5x5 branch)",
                  "the shape after each stem layer, pool and inception module at 224 x 224"),
    "resnet18": ("11,689,512 parameters at 1000 classes; num_classes, in_channels, widths and stem honoured",
                 "the shape after the stem and each stage at 224 x 224; the small net without a stem"),
    "squeezenet": ("1,248,424 parameters (version 1.0) and 1,235,496 (1.1) at 1000 classes",
                   "512 x 13 x 13 features at 224 x 224, then a 1x1 convolution and average pooling to scores"),
}


globals().update(graders_on_shared(NETWORK_CHECKS, [("count", 1, check_network_counts),
                                                    ("shapes", 1, check_network_shapes)]))


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
# trains the two nets (transfer_problem) and returns their
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


def transfer_problem(rng):
    """architectures.transfer_experiment's training, step by step in the worker with its
    given helpers (small_resnet, fit) and the same seeds, ending with the two trained
    nets' states instead of their scores: the held-out images never enter the worker."""
    X, y = pooled_digits(int(rng.integers(2**31)))
    first = np.flatnonzero(y < 5)[:TRANSFER["pretrain_examples"]]
    second = np.flatnonzero(y >= 5)
    few = np.concatenate([second[y[second] == digit][:TRANSFER["shots"]] for digit in range(5, 10)])
    held_out = np.setdiff1d(second, few)
    held_out = rng.choice(held_out, TRANSFER["eval_examples"], replace=False)
    X_few, y_few = X[few], y[few] - 5
    finetune = (TRANSFER["finetune_epochs"], TRANSFER["finetune_lr"], TRANSFER["finetune_batch_size"])
    seed = int(rng.integers(2**31))
    probes = Probes()
    probes.seed(seed)
    fine_tuned = probes.module(ARCH + "small_resnet", 5, 1)
    probes.function(ARCH + "fit", fine_tuned, X[first], y[first], TRANSFER["pretrain_epochs"], TRANSFER["pretrain_lr"],
                    batch_size=64, seed=seed, as_tensors=False)
    probes.seed(seed + 1)
    head = probes.function("torch.nn:Linear", probes.attribute(fine_tuned.name + ".fc.in_features"), 5)
    probes.function("builtins:setattr", fine_tuned, "fc", head)
    probes.function(ARCH + "fit", fine_tuned, X_few, y_few, *finetune, seed=seed + 1, as_tensors=False)
    probes.seed(seed + 2)
    scratch = probes.module(ARCH + "small_resnet", 5, 1)
    probes.function(ARCH + "fit", scratch, X_few, y_few, *finetune, seed=seed + 1, as_tensors=False)
    probes.function(fine_tuned.name + ".state_dict", save="fine_tuned_state")
    probes.function(scratch.name + ".state_dict", save="scratch_state")
    return probes.problem({"X_held_out": X[held_out], "y_held_out": y[held_out] - 5})


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
        raise wrong("; ".join(state), "%s: its state has %d entries, expected %d named as torchvision names them%s"
                    % (what, len(state), len(expected), " (missing: %s)" % ", ".join(missing[:4]) if missing else ""),
                    "the names of the state")
    weights = {}
    for name, value in state.items():
        value = np.asarray(value)
        if value.shape != expected[name] or value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
            raise wrong(value, "%s: %s is not an array of finite numbers of shape %s" % (what, name, expected[name]),
                        "the state's arrays")
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
        check_network_counts(shared, "resnet18")
        check_network_shapes(shared, "resnet18")
    except GradingFailure:
        raise GradingFailure("resnet18 is not trained until its parameter counts and shapes are right "
                             "(see its other checks)") from None
    result, context = shared.get("resnet18 transfer", transfer_problem)
    fine_tuned, scratch = transfer_accuracies(result, context)
    setting = ("resnet18(num_classes=5, in_channels=1, widths=(8, 16, 32, 64), stem=False) pretrained "
               "on digits 0-4 and fine-tuned on 5-9 with %d labels per class (architectures."
               "transfer_experiment): held-out accuracy %.3f fine-tuned, %.3f from scratch"
               % (TRANSFER["shots"], fine_tuned, scratch))
    # The answer is the pair of accuracies: the worker trains single-threaded from the
    # run's seeds, so a known mistake's rerun gives the same pair.
    accuracies = np.array([fine_tuned, scratch])
    if not fine_tuned >= TRANSFER_FLOOR:
        raise wrong(accuracies, "%s; the fine-tuned net must reach %.0f%%: does your network train (its "
                    "blocks, batch norms and initialization; every parameter trainable)?"
                    % (setting, 100 * TRANSFER_FLOOR), "the fine-tuned accuracy")
    if not fine_tuned >= scratch + TRANSFER_MARGIN:
        raise wrong(accuracies, "%s; fine-tuning must beat training from scratch by at least %.0f points"
                    % (setting, 100 * TRANSFER_MARGIN), "the margin over scratch")


# --- blocks, in float64 on the CPU -----------------------------------------------------

def block_problem(build_cases):
    """A problem from a list of cases (tag, constructor, args, kwargs, state, x, expected):
    each block built in float64, loaded with `state`, counted, and run on x in evaluation
    mode."""
    def build(rng):
        cases = build_cases(rng)
        probes = Probes()
        for tag, constructor, args, kwargs, state, x, _ in cases:
            block = probes.module(ARCH + constructor, *args, label=tag, **kwargs)
            probes.function(block.name + ".double")
            probes.load_state(block, state)
            probes.function(block.name + ".eval")
            probes.count(block, tag + "_count")
            probes.forward(block, x, save=tag + "_out")
        return probes.problem(cases)
    return build


def describe(constructor, args, kwargs):
    text = ", ".join([repr(a) for a in args] + ["%s=%r" % item for item in kwargs.items()])
    return "%s(%s)" % (constructor, text)


def check_block_counts(shared, key, build_cases):
    result, cases = shared.get(key, block_problem(build_cases))
    for tag, constructor, args, kwargs, state, _, _ in cases:
        expect_count(result[tag + "_count"], learnable_count(state), describe(constructor, args, kwargs))


def check_block_values(shared, key, build_cases):
    result, cases = shared.get(key, block_problem(build_cases))
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
    state = conv_bn_states(rng, [(out_channels, in_channels, 3), (out_channels, out_channels, 3)])
    out = relu(batchnorm_eval(conv2d(x, state["conv1.weight"], stride=stride, pad=1), state, "bn1"))
    out = batchnorm_eval(conv2d(out, state["conv2.weight"], pad=1), state, "bn2")
    out = relu(out + residual_shortcut(rng, state, x, in_channels, out_channels, stride))
    return tag, "BasicBlock", (in_channels, out_channels), {"stride": stride}, state, x, out


def basic_block_cases(rng):
    c = int(rng.integers(3, 6))
    return [basic_block_case(rng, "same", c, c, 1),
            basic_block_case(rng, "project", c, c + int(rng.integers(1, 4)), 2),
            basic_block_case(rng, "strided", c, c, 2)]


def bottleneck_case(rng, tag, in_channels, width, out_channels, stride):
    size = int(rng.integers(5, 9))
    x = rng.normal(size=(2, in_channels, size, size))
    state = conv_bn_states(rng, [(width, in_channels, 1), (width, width, 3), (out_channels, width, 1)])
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


BLOCK_CHECKS = {
    # block: (its tests' names, its cases, what the check of its counts and that of its values test)
    "BasicBlock": ("basic_block", basic_block_cases,
                   "two 3x3 convolutions without biases, two batch norms, a projection only where the shape changes",
                   "output equals ReLU(bn2(conv2(ReLU(bn1(conv1 x)))) + shortcut x), identity and projected"),
    "Bottleneck": ("bottleneck", bottleneck_cases,
                   "1x1, 3x3, 1x1 convolutions without biases, three batch norms, a projection where needed",
                   "output of the bottleneck block (stride on the 3x3 convolution) equals the reference"),
    "Inception": ("inception", inception_cases,
                  "four branches of BasicConv2d units at random channel counts, with 3x3 and 5x5 third branches",
                  "the four branches (1x1; 1x1-3x3; 1x1-kxk; pool-1x1) concatenated in order"),
    "Fire": ("fire", fire_cases, "1x1 squeeze, 1x1 and 3x3 expand convolutions, all with biases",
             "ReLU after each convolution; the expansions concatenated, 1x1 first"),
}


def block_graders():
    """{"test_<block>_count": grader, "test_<block>_values": grader} of each block of
    BLOCK_CHECKS, a point each."""
    graders = {}
    for block, (test, cases, counts, values) in BLOCK_CHECKS.items():
        graders["test_%s_count" % test] = graded_on_shared(block, 1, counts, check_block_counts, block, cases)
        graders["test_%s_values" % test] = graded_on_shared(block, 1, values, check_block_values, block, cases)
    return graders


globals().update(block_graders())


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
