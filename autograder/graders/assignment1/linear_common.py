"""Shared pieces of the graders of the linear classifiers' losses (test_svm.py and
test_softmax.py): calling a loss `(W, X, y, reg) -> (loss, dW)` in the worker, the
random problems, the checks against the reference and the speed check, and the graders
that the naive and the vectorized SVM and softmax losses share (`loss_graders`).

Not a test module (pytest collects only test_*.py); the reference answers are computed
here, in the trusted process, with the instructor's cs231n_core.
"""
from collections import namedtuple

import numpy as np

from autograder.trusted.expect import expect_close, expect_faster, wrong
from cs231n_core.gradient_check import rel_error
from cs231n_core import gradient_check
from autograder.trusted.submission import call
from autograder.graders import speed
from autograder.graders.graded import graded

LOSS_TOL = 1e-7   # CS231n's relative error, on the loss
GRAD_TOL = 1e-7   # and on every entry of the gradient (floor 1e-8 in the denominator)
NUMERIC_TOL = 1e-6  # a centred difference with h = 1e-5 agrees to about 1e-9

# The speed check: many examples of few dimensions, so that a Python loop over the
# examples costs 20 to 70 times the vectorized reference, and X travels fast (6.4 MB).
SPEED_N, SPEED_D, SPEED_C, SPEED_REPEAT = 200000, 4, 3, 4
SPEED_MAX_RATIO, SPEED_SLACK_S = 10.0, 0.2
SPEED_WALL_RATIO, SPEED_WALL_SLACK_S = 20.0, 1.0


def random_problem(rng, num_train, dim, num_classes, w_scale=0.1, x_scale=1.0):
    """W (D, C), X (N, D), y (N,) drawn afresh; scores X.dot(W) are of order one, so
    that some SVM margins are positive and some are not."""
    W = rng.normal(size=(dim, num_classes)) * w_scale
    X = rng.normal(size=(num_train, dim)) * x_scale
    y = rng.integers(0, num_classes, size=num_train)
    if num_train >= num_classes:  # every class appears at least once
        y[rng.permutation(num_train)[:num_classes]] = np.arange(num_classes)
    return W, X, y


def student_loss(submission, path, W, X, y, reg, repeat=1):
    """The student's (loss, dW) of the loss at `path` ("module:function")."""
    result = submission.run([call(path, W, X, y, reg, save="out", repeat=repeat)],
                            returns=["out"])
    return unpack_loss(result["out"], W.shape, path.split(":")[-1])


def unpack_loss(out, w_shape, name):
    """(loss as a 0-d float array, dW) of a returned value, or a GradingFailure that says
    what the return value should look like."""
    if not isinstance(out, tuple) or len(out) != 2:
        raise wrong(out, "%s must return a tuple (loss, dW); it returned %s"
                    % (name, _describe(out)), name)
    loss, dW = out
    if loss is None or np.size(loss) != 1:
        raise wrong(loss, "%s: the loss must be a single number, got %s"
                    % (name, _describe(loss)), name + ": the loss")
    if dW is None:
        raise wrong(out, "%s: dW is None; did you forget to compute the gradient?" % name, name + ": dW")
    if tuple(np.shape(dW)) != tuple(w_shape):
        raise wrong(dW, "%s: dW has shape %s, expected the shape of W %s"
                    % (name, tuple(np.shape(dW)), tuple(w_shape)), name + ": dW")
    return np.asarray(loss, dtype=np.float64).reshape(()), dW


def _describe(value):
    if isinstance(value, tuple):
        return "a tuple of %d values" % len(value)
    if isinstance(value, np.ndarray):
        return "an array of shape %s" % (value.shape,)
    return "None" if value is None else type(value).__name__


def check_against_reference(submission, path, reference, W, X, y, reg, what, parts=("loss", "dW")):
    """The student's loss and/or gradient match the reference's on these inputs."""
    name = path.split(":")[-1]
    loss, dW = student_loss(submission, path, W, X, y, reg)
    expected_loss, expected_dW = reference(W, X, y, reg)
    if "loss" in parts:
        expect_close(loss, np.float64(expected_loss), LOSS_TOL, "%s: the loss %s" % (name, what))
    if "dW" in parts:
        expect_close(dW, expected_dW, GRAD_TOL, "%s: the gradient dW %s" % (name, what))
        # Also against centred differences of the reference loss. Skipped only when a
        # hinge kink lies within h of these inputs, where the reference's own analytic
        # gradient disagrees with the numerical one (random inputs make that rare).
        numeric = gradient_check.eval_numerical_gradient(
            lambda w: reference(w, X, y, reg)[0], W.copy(), verbose=False, h=1e-5)
        if rel_error(numeric, expected_dW) <= NUMERIC_TOL:
            expect_close(dW, numeric, NUMERIC_TOL,
                         "%s: the gradient dW %s against a numerical gradient" % (name, what))


# A loss under grading: where the worker finds the student's ("module:function"), the
# reference, and the scale of W in the problems without regularization (larger for the
# softmax, so that its probabilities are far from uniform).
LinearLoss = namedtuple("LinearLoss", "path reference w_scale")


def check_no_reg(submission, rng, loss, part):
    """One part of the answer, `part` "loss" or "dW", on random data without
    regularization."""
    W, X, y = random_problem(rng, 37, 23, 6, w_scale=loss.w_scale)
    check_against_reference(submission, loss.path, loss.reference, W, X, y, 0.0,
                            "(random data, reg=0)", parts=(part,))


def check_reg(submission, rng, loss):
    W, X, y = random_problem(rng, 29, 17, 5, w_scale=0.5)
    reg = float(rng.uniform(0.5, 3.0))
    check_against_reference(submission, loss.path, loss.reference, W, X, y, reg,
                            "(random data, reg > 0)")


def check_edge_shapes(submission, rng, loss):
    W, X, y = random_problem(rng, 1, 3, 2)
    check_against_reference(submission, loss.path, loss.reference, W, X, y, 0.25,
                            "(one example, two classes)")
    W, X, y = random_problem(rng, 4, 2, 11)  # more classes than examples or dimensions
    check_against_reference(submission, loss.path, loss.reference, W, X, y, 0.25,
                            "(4 examples, 11 classes)")


def check_speed(submission, rng, loss):
    """The vectorized loss runs within SPEED_MAX_RATIO x the reference's CPU time (plus
    slack), and gives the right values on the large problem. The number of examples is
    drawn afresh; the engine's own cost is measured by a run without the submission's
    code (autograder/graders/speed.py)."""
    path, reference = loss.path, loss.reference
    name = path.split(":")[-1]
    W, X, y = random_problem(rng, speed.jitter(rng, SPEED_N), SPEED_D, SPEED_C, w_scale=0.3)
    reg = 0.1
    result, cpu_s, wall_s = speed.timed_run(
        submission, [call(path, W, X, y, reg, save="out", repeat=SPEED_REPEAT)], ["out"])
    loss, dW = unpack_loss(result["out"], W.shape, name)
    reference_s = speed.reference_seconds(reference, W, X, y, reg, repeat=SPEED_REPEAT)
    expected_loss, expected_dW = reference(W, X, y, reg)
    what = "%s on %d examples" % (name, len(X))
    expect_close(loss, np.float64(expected_loss), LOSS_TOL, what + ": the loss")  # fast and right
    expect_close(dW, expected_dW, GRAD_TOL, what + ": the gradient dW")
    expect_faster(cpu_s, reference_s, SPEED_MAX_RATIO, SPEED_SLACK_S,
                  "%s, %d calls (CPU time)" % (what, SPEED_REPEAT))
    expect_faster(wall_s, reference_s, SPEED_WALL_RATIO, SPEED_WALL_SLACK_S,
                  "%s, %d calls (wall time)" % (what, SPEED_REPEAT))


# The checks of both losses, by the end of their tests' names: (what the check tests,
# check(submission, rng, loss, *args), *args).
LOSS_CHECKS = {
    "loss": ("the loss matches the reference (random data, no regularization)", check_no_reg, "loss"),
    "gradient": ("the gradient matches the reference (random data, no regularization)",
                 check_no_reg, "dW"),
    "regularization": ("regularization reg * sum(W * W) in the loss and 2 * reg * W in the gradient",
                       check_reg),
    "edge_shapes": ("one example and two classes; more classes than examples", check_edge_shapes),
    "is_fast": ("as fast as a vectorized implementation (within 10x of the reference) and right",
                check_speed),
}


def loss_graders(kind, loss, points, checks=LOSS_CHECKS):
    """{"test_<kind>_<check>": grader} of `loss` (a LinearLoss), one grader for each
    check named in `points` ({check: raw points}, in the module's order of tests), graded
    as the loss's function. A module binds them to their names:
    globals().update(loss_graders(...))."""
    target = loss.path.split(":")[-1]
    graders = {}
    for name, raw_points in points.items():
        what, check, *args = checks[name]
        graders["test_%s_%s" % (kind, name)] = graded(target, raw_points, what, check, loss, *args)
    return graders
