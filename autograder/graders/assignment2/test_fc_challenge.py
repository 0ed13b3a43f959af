"""Hidden grader of FullyConnectedNets.ipynb's challenge, "train the best fully connected
model that you can" (assignment 2, 3 of 100 points).

The worker trains the student's fc_challenge_setup() with the given train_fc_challenge
(the submission's FullyConnectedNet and Solver, as in the notebook) on 800 distorted
digits of 64 pixels, rotated by a secret orthogonal matrix, with 200 more for the
Solver's validation, within CPU_BUDGET_S of CPU time, and sends back the trained net as
numbers (fc_challenge.export_fc_net). Here the reference FullyConnectedNet, built with
the same layer sizes and normalization and loaded with those parameters and running
averages, scores 797 held-out digits that never entered the worker. So the scores are
the reference's forward pass; the training is the submission's own (a FullyConnectedNet
that trains wrongly costs points here too, as it does in the notebook).

Calibration (``python benchmarks/calibrate_challenges.py fc 0-9``: the reference through
the sandboxed worker, one core, grading seeds 0-9): held-out accuracy min / mean (sd) /
max 0.849 / 0.860 (0.009) / 0.876; worker CPU 0.26 to 0.33 s per run. A net that does not
learn (learning rate 0, the bank's fc_challenge_zero_learning_rate, ``--mistake
fc_challenge_zero_learning_rate``) scores 0.08 to 0.15 over the same seeds. Required:
FLOOR = 0.5 for the first point (the net learns), BAR = 0.799 for the other two: the
reference's worst seed less BAR_MARGIN = 0.05 (6.5 standard deviations below its mean).
"""
import numpy as np

from autograder.trusted.expect import wrong
from autograder.trusted.submission import call, saved
from autograder.graders.open_ended import accuracy_graders

from .challenge_common import accuracy_of, challenge_digits, finite_array

SECTION_WEIGHT = 3
CHALLENGE = "cs231n_core.fc_challenge:"
CPU_BUDGET_S = 10.0      # the reference's worker runs take 0.26 to 0.33 s
VALIDATION = 200         # of the 1,000 training digits, for the Solver's choice of epoch
REFERENCE_WORST = 0.849  # its worst held-out accuracy over the grading seeds 0-9
BAR_MARGIN = 0.05
FLOOR = 0.5            # a net that does not learn scores about 0.1 (10 classes)
MAX_WIDTH = 4096       # hidden units per layer the trusted side agrees to rebuild
MAX_LAYERS = 20


def fc_challenge_problem(rng):
    X_train, y_train, X_test, y_test = challenge_digits(rng, rotate=True)
    train = slice(0, len(y_train) - VALIDATION)
    val = slice(len(y_train) - VALIDATION, len(y_train))
    data = {"X_train": X_train[train], "y_train": y_train[train], "X_val": X_train[val], "y_val": y_train[val]}
    steps = [call(CHALLENGE + "fc_challenge_setup", save="setup"),
             call(CHALLENGE + "train_fc_challenge", saved("setup"), data, seed=int(rng.integers(2**31)),
                  save="model"),
             call(CHALLENGE + "export_fc_net", saved("model"), save="exported")]
    return steps, ["exported"], {"X_test": X_test, "y_test": y_test}


def rebuilt_net(exported, what):
    """The reference FullyConnectedNet (float64) with the worker's parameters and
    running averages; its layer sizes read from the weights' shapes."""
    import cs231n_core.classifiers.fc_net as reference_nets
    import cs231n_core.fc_challenge as reference

    if not isinstance(exported, dict) or not isinstance(exported.get("params"), dict):
        raise wrong(exported, "%s: export_fc_net must return a dict with the net's params" % what, "the export")
    params = exported["params"]
    codes = {code: name for name, code in reference.NORMALIZATION_CODES.items()}
    code = np.asarray(exported.get("normalization", -1))
    if code.size != 1 or float(code) not in codes:
        raise wrong(code, "%s: unknown normalization code %s" % (what, code.ravel()[:3].tolist()), "the normalization")
    normalization = codes[int(code)]
    layers = sum(1 for name in params if name.startswith("W"))
    if not 1 <= layers <= MAX_LAYERS or "W1" not in params or np.ndim(params["W1"]) != 2:
        raise wrong(params, "%s: expected weights W1 ... WL of 1 to %d layers" % (what, MAX_LAYERS), "the weights")
    sizes = [np.shape(params["W1"])[0]] + [np.shape(params.get("W%d" % i, ()))[-1] if np.ndim(
        params.get("W%d" % i, ())) == 2 else -1 for i in range(1, layers + 1)]
    if sizes[0] != 64 or sizes[-1] != 10 or min(sizes) < 1 or max(sizes[1:-1] or [1]) > MAX_WIDTH:
        raise wrong(np.array(sizes), "%s: layer sizes %s, expected 64 inputs, 10 classes and at most %d hidden "
                    "units a layer" % (what, sizes, MAX_WIDTH), "the layer sizes")
    net = reference_nets.FullyConnectedNet(sizes[1:-1], input_dim=64, num_classes=10, normalization=normalization,
                            dtype=np.float64)
    if set(params) != set(net.params):
        raise wrong(params, "%s: its params are %s, expected %s" % (what, sorted(params), sorted(net.params)),
                    "the params' names")
    net.params = {name: finite_array(params[name], net.params[name].shape, "%s: %s" % (what, name))
                  for name in net.params}
    if normalization == "batchnorm":
        for key in ("running_mean", "running_var"):
            values = exported.get(key)
            if not isinstance(values, tuple) or len(values) != layers - 1:
                raise wrong(exported, "%s: expected %d arrays of %s" % (what, layers - 1, key), key)
            for i, value in enumerate(values):
                net.bn_params[i][key] = finite_array(value, (sizes[i + 1],), "%s: %s %d" % (what, key, i + 1))
    return net


def fc_challenge_accuracy(shared):
    result, context = shared.get("fc_challenge_setup", fc_challenge_problem, cpu_budget_s=CPU_BUDGET_S)
    net = rebuilt_net(result["exported"], "your trained fully connected net")
    return accuracy_of(net.loss(context["X_test"]), context["y_test"], "your trained fully connected net")


SETTING = ("held-out accuracy of your fc_challenge_setup() trained with train_fc_challenge on 1,000 "
           "distorted digits of 64 pixels (at most %g s of CPU)" % CPU_BUDGET_S)


globals().update(accuracy_graders(
    "fc_challenge", "fc_challenge_setup", fc_challenge_accuracy, SETTING, FLOOR, REFERENCE_WORST, BAR_MARGIN,
    learns="the net trained on 1,000 digits classifies held-out digits well above chance",
    reaches="the net reaches the bar calibrated on the reference's set-up"))
