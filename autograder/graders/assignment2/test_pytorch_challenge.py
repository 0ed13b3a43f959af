"""Hidden grader of PyTorch.ipynb's open-ended challenge (assignment 2, 3 of 100 points).

The worker builds the student's challenge_setup(1, (8, 8), 10) and trains it with the
given train_challenge on 1,000 distorted 8x8 digits (challenge_common), within
CPU_BUDGET_S of CPU time, then sends back the trained network as numbers
(pytorch_challenge.export_model: one row per layer and the weights). Here the reference
model_from_layers rebuilds it from torch's own layers, loads those weights and scores
797 held-out digits that never entered the worker. The student's train is not used, so
that this target is graded on its own code only.

Calibration (``python benchmarks/calibrate_challenges.py pytorch 0-9``: the reference
through the sandboxed worker, one core, grading seeds 0-9): held-out accuracy
min / mean (sd) / max 0.947 / 0.959 (0.008) / 0.970; worker CPU 2.5 to 3.3 s per run
(torch imported by the zygote). A network that does not learn (learning rate 0, the
bank's challenge_zero_learning_rate, ``--mistake challenge_zero_learning_rate``) scores
0.05 to 0.10 over the same seeds. Required: FLOOR = 0.5 for the first point (the network
learns), BAR = 0.897 for the other two: the reference's worst seed less BAR_MARGIN = 0.05
(8.0 standard deviations below its mean).
"""
import numpy as np

from autograder.trusted.expect import wrong
from autograder.trusted.submission import call, saved
from autograder.trusted.torch_steps import seed_of, state_arrays
from autograder.graders.open_ended import accuracy_graders

from .challenge_common import accuracy_of, challenge_digits, finite_array

SECTION_WEIGHT = 3
WORKER_PRELOAD = ("torch",)  # its checks import torch: the zygote imports it once per run
CHALLENGE = "cs231n_core.pytorch_challenge:"
CPU_BUDGET_S = 10.0      # the reference's worker runs take 2.5 to 3.3 s
REFERENCE_WORST = 0.947  # its worst held-out accuracy over the grading seeds 0-9
BAR_MARGIN = 0.05
FLOOR = 0.5            # a network that does not learn scores about 0.1 (10 classes)


def challenge_problem(rng):
    X_train, y_train, X_test, y_test = challenge_digits(rng)
    as_images = lambda X: X.reshape(-1, 1, 8, 8).astype(np.float32)  # noqa: E731
    steps = [call("torch:manual_seed", seed_of(rng)),
             call(CHALLENGE + "challenge_setup", 1, [8, 8], 10, save="setup"),
             call(CHALLENGE + "train_challenge", saved("setup"), as_images(X_train), y_train, seed=seed_of(rng),
                  save="model"),
             call(CHALLENGE + "export_model", saved("model"), save="exported")]
    return steps, ["exported"], {"X_test": as_images(X_test), "y_test": y_test}


def held_out_accuracy(result, context):
    """The accuracy on the held-out digits of the network the worker trained, rebuilt
    here by the reference model_from_layers and loaded with the worker's weights."""
    import torch

    import cs231n_core.pytorch_challenge as reference

    torch.set_num_threads(1)  # small tensors, as in the worker
    what = "your trained challenge network"
    exported = result["exported"]
    if not isinstance(exported, dict) or set(exported) != {"layers", "state"}:
        raise wrong(exported, "%s: export_model must return {'layers': ..., 'state': ...}" % what, "the export")
    try:
        model = reference.model_from_layers(exported["layers"])
    except ValueError as exc:
        raise wrong(exported["layers"], "%s could not be rebuilt from its layers: %s" % (what, str(exc)[:300]),
                    "the layers") from None
    expected = model.state_dict()
    state = state_arrays(exported["state"], what)
    if list(state) != list(expected):
        raise wrong(", ".join(state), "%s: its weights are named %s, expected %s"
                    % (what, list(state)[:6], list(expected)[:6]), "the weights' names")
    weights = {}
    for name, value in state.items():
        array = finite_array(value, expected[name].shape, "%s: %s" % (what, name))
        weights[name] = torch.from_numpy(array).to(expected[name].dtype)
    model.load_state_dict(weights)
    model.eval()
    try:
        with torch.no_grad():
            scores = model(torch.from_numpy(context["X_test"])).numpy()
    except RuntimeError as exc:  # layers that do not fit 1 x 8 x 8 images
        raise wrong(exported["layers"], "%s fails on 8x8 digits: %s" % (what, str(exc)[:300]), "8x8 digits") from None
    return accuracy_of(scores, context["y_test"], what)


def challenge_accuracy(shared):
    result, context = shared.get("challenge_setup", challenge_problem, cpu_budget_s=CPU_BUDGET_S)
    return held_out_accuracy(result, context)


SETTING = ("held-out accuracy of your challenge_setup(1, (8, 8), 10) trained with train_challenge on "
           "1,000 distorted 8x8 digits (at most %g s of CPU)" % CPU_BUDGET_S)


globals().update(accuracy_graders(
    "challenge", "challenge_setup", challenge_accuracy, SETTING, FLOOR, REFERENCE_WORST, BAR_MARGIN,
    learns="the challenge network trained on 1,000 digits classifies held-out digits well above chance",
    reaches="the challenge network reaches the bar calibrated on the reference's set-up",
    learner="network"))
