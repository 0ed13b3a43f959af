"""Hidden graders of saliency maps, fooling images, class visualization, occlusion and
Grad-CAM (assignment 3, NetworkVisualization; 12 of 100 points).

Raw points: three per target, scaled to SECTION_WEIGHT.

Every check runs the student's function in the worker on a network built there from
torch's own layers, in float64, with weights sent from here: a small random RGB ConvNet
whose weights and images are drawn fresh for every grading run, or the held-out digit
classifier (trained by the course's script with another seed than the students' copy,
and never released) on real MNIST digits that no classifier was trained on. The
reference values come from the instructor's NumPy layers (vis_common.py), so this
trusted process never imports torch. All the checks of a target share one worker run.

Tolerances: maps and images within 1e-7 of the reference, relative to their largest
entry: float64 on both sides, whose forward and backward passes agree to about 1e-13
whatever the CPU, the BLAS or the thread count, as long as no ReLU or max pool sits on a
tie (an entry-wise relative error would mean little on maps with many zeros). Random
images never tie; real digits do, on their constant background, so the digit checks add
faint noise and redraw until every decision is 1e-9 away from a tie (vis_common's
untied_digits). Grad-CAM averages the gradient over each channel, which ties could not
change anyway; its digits are untied all the same.

Fooling images: the held-out classifier, run here, must give the target class for at
least 95% of 40 fresh (image, target) pairs (38 of them), each within an L2 distance of
FOOLING_MAX_L2 = 40 of its digit (a digit's own norm is about 28; the reference's
normalized steps of length 1 need 10.9 on average and 26 for the 99th percentile, but
over grading seeds 0-39, 1,600 pairs, two needed 44 and 48: about one pair in 800 goes
past the bound, so asking for every pair failed the reference in one run out of 20,
while asking for 38 of 40 fails it about once in 50,000 runs).
"""
import numpy as np
import pytest

from autograder.graders.graded import graded_on_shared
from autograder.trusted.expect import expect_array, expect_near, wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import leaf, tensor

from . import vis_common as common

SECTION_WEIGHT = 12
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
VIS = "cs231n_core.visualization:"
TOL = 1e-7
FOOLING_PAIRS = 40
FOOLING_SUCCESS = 0.95  # 38 of 40: the reference misses about one pair in 800 (docstring)
FOOLING_MAX_L2 = 40.0
SIZE = 12           # the random RGB networks see 12x12 images
CAM_LAYERS = {"random": 4,   # the second ReLU of vis_common.small_rgb_spec
              "digits": 7}   # relu3 of the digit classifier, (N, 32, 7, 7)


def random_net(rng, classes=7):
    spec = common.small_rgb_spec(SIZE, SIZE, classes)
    return spec, common.random_params(rng, spec)


def digit_problem(rng, count, untied=False):
    """The held-out classifier and `count` held-out digits; with `untied`, the digits carry
    faint noise so that every gradient through ReLU and max pooling is defined and the
    same on every CPU (vis_common.untied_digits)."""
    spec, params, _ = common.load_held_out()
    if untied:
        x, y = common.untied_digits(rng, count, spec, params)
    else:
        x, y = common.held_out_digits(rng, count)
    return spec, params, x, y


def random_and_digit_nets(rng):
    """(steps, context): a random RGB ConvNet "net" with 5 images x and labels y, and the
    held-out classifier "digits" with 4 untied digits dx and labels dy, built in the
    worker; the context holds (spec, params, x, y) of each under "random" and "digits"."""
    spec, params = random_net(rng)
    x = rng.normal(size=(5, 3, SIZE, SIZE))
    y = rng.integers(0, 7, size=5)
    digit_spec, digit_params, digits, labels = digit_problem(rng, 4, untied=True)
    steps = (common.network_steps("net", spec, params) + common.network_steps("digits", digit_spec, digit_params)
             + [tensor("x", x), tensor("y", y), tensor("dx", digits), tensor("dy", labels)])
    return steps, {"random": (spec, params, x, y), "digits": (digit_spec, digit_params, digits, labels)}


# --- compute_saliency_maps -------------------------------------------------------------

def saliency_problem(rng):
    steps, context = random_and_digit_nets(rng)
    steps += [call(VIS + "compute_saliency_maps", saved("x"), saved("y"), saved("net"), save="random_saliency"),
              call(VIS + "compute_saliency_maps", saved("dx"), saved("dy"), saved("digits"), save="digits_saliency")]
    return steps, ["random_saliency", "x", "digits_saliency"], context


def saliency_reference(spec, params, x, y):
    dx = common.score_gradient(spec, params, x, y)[0]
    return np.abs(dx).max(axis=1)


def check_saliency_maps(shared, net, what):
    """The saliency maps of the net "random" or "digits" (`what`: of how many images)."""
    result, context = shared.get("compute_saliency_maps", saliency_problem)
    spec, params, x, y = context[net]
    expect_near(result[net + "_saliency"], saliency_reference(spec, params, x, y), TOL, what % len(y))
    if net == "random":  # the random images come back from the worker after the call
        common.expect_unchanged(result["x"], x, "the input X")


test_saliency_maps_of_a_random_net = graded_on_shared(
    "compute_saliency_maps", 2, "saliency maps of RGB images under a random ConvNet match the reference; X unchanged",
    check_saliency_maps, "random", "compute_saliency_maps on %%d RGB images (N, 3, %d, %d)" % (SIZE, SIZE))
test_saliency_maps_of_digits = graded_on_shared(
    "compute_saliency_maps", 1, "saliency maps of real digits under a trained classifier match the reference",
    check_saliency_maps, "digits", "compute_saliency_maps on %d digits under a trained classifier")


# --- make_fooling_image ------------------------------------------------------------------

def fooling_problem(rng):
    spec, params, x, _ = digit_problem(rng, FOOLING_PAIRS)
    predicted = common.scores(spec, params, x).argmax(axis=1)
    targets = (predicted + rng.integers(1, 10, size=len(predicted))) % 10  # never the prediction
    steps = common.network_steps("net", spec, params)
    returns = []
    for i in range(FOOLING_PAIRS):
        steps += [tensor("x%d" % i, x[i:i + 1]),
                  call(VIS + "make_fooling_image", saved("x%d" % i), int(targets[i]), saved("net"),
                       save="fool%d" % i)]
        returns += ["fool%d" % i, "x%d" % i]
    return steps, returns, {"spec": spec, "params": params, "x": x, "targets": targets}


@pytest.mark.target("make_fooling_image")
@pytest.mark.points(2)
def test_fooling_images_fool_the_held_out_classifier(shared):
    """at least 95% of 40 fresh digits are classified as their target, each close to its digit"""
    result, context = shared.get("make_fooling_image", fooling_problem)
    x, targets = context["x"], context["targets"]
    fooled, far, images = 0, 0, []
    for i in range(FOOLING_PAIRS):
        image = result["fool%d" % i]
        expect_array(image, (1,) + x.shape[1:], "make_fooling_image's result for an image of shape "
                     "(1, 1, 28, 28)")
        images.append(image)
        distance = float(np.linalg.norm(image - x[i:i + 1]))
        label = int(common.scores(context["spec"], context["params"], image).argmax())
        if distance > FOOLING_MAX_L2:
            far += 1
        elif label == targets[i]:
            fooled += 1
    if fooled < np.ceil(FOOLING_SUCCESS * FOOLING_PAIRS):
        raise wrong(
            np.concatenate(images),
            "only %d of %d fooling images are classified as their target class within an L2 "
            "distance of %g from their digit (%d are farther; at least %d%% must succeed): "
            "ascend the target's score with normalized steps and stop as soon as the "
            "prediction is the target" % (fooled, FOOLING_PAIRS, FOOLING_MAX_L2, far, 100 * FOOLING_SUCCESS),
            "the fooling images")


@pytest.mark.target("make_fooling_image")
@pytest.mark.points(1)
def test_fooling_leaves_the_input_alone(shared):
    """the digits handed to make_fooling_image are left unchanged"""
    result, context = shared.get("make_fooling_image", fooling_problem)
    for i in range(FOOLING_PAIRS):
        common.expect_unchanged(result["x%d" % i], context["x"][i:i + 1], "the input image X")


# --- class_visualization_update_step -----------------------------------------------------

def class_visualization_problem(rng):
    spec, params = random_net(rng)
    img = rng.normal(size=(1, 3, SIZE, SIZE)) * 0.5
    target = int(rng.integers(0, 7))
    l2_reg, learning_rate = float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.3, 1.0))
    step = call(VIS + "class_visualization_update_step", saved("img"), saved("net"), target, l2_reg,
                learning_rate)
    steps = (common.network_steps("net", spec, params) + leaf("img", img)
             + [step, call("img.detach", save="detached"), call("detached.clone", save="after_one"),
                step, step])
    return steps, ["after_one", "img"], {"spec": spec, "params": params, "img": img, "target": target,
                                        "l2_reg": l2_reg, "learning_rate": learning_rate}


def class_visualization_reference(context, count):
    img = context["img"].copy()
    for _ in range(count):
        dscore = common.score_gradient(context["spec"], context["params"], img, [context["target"]])[0]
        g = dscore - 2.0 * context["l2_reg"] * img
        img = img + context["learning_rate"] * g / np.linalg.norm(g)
    return img


def check_class_visualization(shared, key, count, what):
    """The image `key` of the worker, after `count` steps."""
    result, context = shared.get("class_visualization_update_step", class_visualization_problem)
    expect_near(result[key], class_visualization_reference(context, count), TOL, what)


test_class_visualization_one_step = graded_on_shared(
    "class_visualization_update_step", 2, "one step: normalized gradient ascent on the score minus l2_reg times "
    "the squared norm", check_class_visualization, "after_one", 1,
    "the image after one class_visualization_update_step")
test_class_visualization_three_steps = graded_on_shared(
    "class_visualization_update_step", 1, "three steps in a row on the same image (each step starts from a cleared "
    "gradient)", check_class_visualization, "img", 3,
    "the image after three class_visualization_update_step calls in a row")


# --- occlusion_map -------------------------------------------------------------------------

OCCLUSION_CONFIGS = ({"patch_size": 4, "stride": 2, "fill_value": 0.0},
                     {"patch_size": 5, "stride": 3, "fill_value": -0.7})


def occlusion_problem(rng):
    spec, params = random_net(rng)
    x = rng.normal(size=(4, 3, SIZE, SIZE))
    y = rng.integers(0, 7, size=4)
    steps = common.network_steps("net", spec, params) + [tensor("x", x), tensor("y", y)]
    for i, config in enumerate(OCCLUSION_CONFIGS):
        steps.append(call(VIS + "occlusion_map", saved("x"), saved("y"), saved("net"), save="map%d" % i, **config))
    return steps, ["map0", "map1"], {"spec": spec, "params": params, "x": x, "y": y}


def occlusion_reference(spec, params, x, y, patch_size, stride, fill_value):
    rows = np.arange(len(y))
    original = common.softmax(common.scores(spec, params, x))[rows, y]
    size = 1 + (x.shape[2] - patch_size) // stride
    drops = np.zeros((len(y), size, size))
    for i in range(size):
        for j in range(size):
            occluded = x.copy()
            occluded[:, :, i * stride:i * stride + patch_size, j * stride:j * stride + patch_size] = fill_value
            drops[:, i, j] = original - common.softmax(common.scores(spec, params, occluded))[rows, y]
    return drops


def check_occlusion(shared, index):
    """The map of OCCLUSION_CONFIGS[index]."""
    result, context = shared.get("occlusion_map", occlusion_problem)
    config = OCCLUSION_CONFIGS[index]
    expected = occlusion_reference(context["spec"], context["params"], context["x"], context["y"], **config)
    expect_near(result["map%d" % index], expected, TOL,
                "occlusion_map of %d images %dx%d with patch_size=%d, stride=%d, fill_value=%g"
                % (len(context["y"]), SIZE, SIZE, config["patch_size"], config["stride"], config["fill_value"]))


test_occlusion_map_values = graded_on_shared("occlusion_map", 2, "drops of the correct class's probability for every "
                                             "position of a grey patch", check_occlusion, 0)
test_occlusion_map_stride_and_fill = graded_on_shared("occlusion_map", 1, "a stride that does not divide the image "
                                                      "and another fill value", check_occlusion, 1)


# --- grad_cam ------------------------------------------------------------------------------

def grad_cam_problem(rng):
    steps, context = random_and_digit_nets(rng)
    steps += [call(VIS + "grad_cam", saved("x"), saved("y"), saved("net"),
                   saved("net_layer%d" % CAM_LAYERS["random"]), save="random_cam"),
              call(VIS + "grad_cam", saved("dx"), saved("dy"), saved("digits"),
                   saved("digits_layer%d" % CAM_LAYERS["digits"]), save="digits_cam")]
    return steps, ["random_cam", "digits_cam"], context


def grad_cam_reference(spec, params, x, y, layer):
    outputs, caches = common.forward(spec, params, x)
    dscores = np.zeros_like(outputs[-1])
    dscores[np.arange(len(y)), y] = 1.0
    activations = outputs[layer]
    dA = common.backward(spec, caches, dscores, down_to=layer + 1)
    alpha = dA.mean(axis=(2, 3), keepdims=True)
    return np.maximum((alpha * activations).sum(axis=1), 0.0)


def check_grad_cam(shared, net, what):
    """The Grad-CAM maps of the net "random" or "digits" (`what`: of how many images)."""
    result, context = shared.get("grad_cam", grad_cam_problem)
    spec, params, x, y = context[net]
    expect_near(result[net + "_cam"], grad_cam_reference(spec, params, x, y, CAM_LAYERS[net]), TOL, what % len(y))


test_grad_cam_of_a_random_net = graded_on_shared(
    "grad_cam", 2, "Grad-CAM maps at the last ReLU of a random ConvNet match the reference",
    check_grad_cam, "random", "grad_cam on %d RGB images at a ReLU of output (N, 8, 6, 6)")
test_grad_cam_of_digits = graded_on_shared(
    "grad_cam", 1, "Grad-CAM maps of real digits under a trained classifier match the reference",
    check_grad_cam, "digits", "grad_cam on %d digits at the classifier's last convolutional ReLU (N, 32, 7, 7)")
