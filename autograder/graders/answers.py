"""Checks of the student's answers that the graders of several assignments share: the
form of what a function returned (a tuple of so many values, a single number), a net's
gradients against the reference's and against numerical ones, and a freshly built net's
parameters.

Not a test module (pytest collects only test_*.py). It sits beside the assignments'
folders, as speed.py does, so that the graders of every assignment and every
assignment's Gradescope bundle have it; it runs in the trusted grading process. Each
tolerance comes from the grader that calls it, where it is explained.
"""
import numpy as np

from autograder.trusted.expect import GradingFailure, expect_array, expect_close, wrong
from cs231n_core import gradient_check
from cs231n_core.gradient_check import rel_error


def unpack(result, count, what):
    """`result` as a tuple of `count` values (one array alone when count is 1), or a
    failure that says how many values `what` returned."""
    if count == 1:
        if isinstance(result, tuple):
            raise wrong(result, "%s must return one array, got %d values" % (what, len(result)), what)
        return (result,)
    if not isinstance(result, tuple) or len(result) != count:
        got = "%d values" % len(result) if isinstance(result, tuple) else "one value"
        raise wrong(result, "%s must return %d values, got %s" % (what, count, got), what)
    return result


def scalar(value, what):
    """A loss: a finite number (a 0-d array or an array of one element), as a 0-d array."""
    if value is None:
        raise GradingFailure("%s: got None instead of a number" % what)
    value = np.asarray(value)
    if value.size != 1:
        raise wrong(value, "%s: expected a single number, got an array of shape %s"
                    % (what, value.shape), what)
    value = value.reshape(())
    expect_array(value, (), what)
    return value


def expect_numeric_gradient(student, reference, numeric, tol, what):
    """The student's gradient against a numerical one, once the reference passed that
    check itself (else the grader, not the student, is at fault)."""
    if not rel_error(reference, numeric) <= tol:
        raise RuntimeError("the reference fails its own numerical check (%s)" % what)
    expect_close(student, numeric, tol, what + " against a numerical gradient")


def expect_grads(grads, expected, tol, what, names=None):
    """A net's `grads` (a dict) against the reference's, key by key in the order of
    `names` (all of `expected`'s keys, sorted, when None)."""
    names = sorted(expected) if names is None else names
    if not isinstance(grads, dict):
        raise wrong(grads, "%s: grads must be a dictionary, got %s" % (what, type(grads).__name__), what)
    missing = [k for k in names if k not in grads]
    if missing:
        raise wrong(grads, "%s: grads lacks %s" % (what, ", ".join(missing)), what)
    for name in names:
        expect_close(grads[name], expected[name], tol, "%s: grads[%r]" % (what, name))


def numeric_net_problem(draw, names, tol, h=1e-5, tries=20):
    """(problem, the reference's grads, numerical grads {name: array}) of a problem
    drawn by draw() -> (reference net, X, y, ...): the numerical gradients of
    net.loss(X, y) with respect to net.params[name] for each of `names`. Redraws, up to
    `tries` times, the rare inputs with a unit within a step h of a ReLU's kink, where the
    reference's gradients miss the numerical ones by more than `tol`."""
    for _ in range(tries):
        problem = draw()
        net, X, y = problem[:3]
        _, expected = net.loss(X, y)
        numeric = {name: gradient_check.eval_numerical_gradient(
            lambda _: net.loss(X, y)[0], net.params[name], verbose=False, h=h) for name in names}
        if all(rel_error(expected[k], numeric[k]) <= tol for k in names):
            break
    return problem, expected, numeric


def expect_gaussian_init(params, shapes, weight_scale, what, dtype=None):
    """A freshly built net's self.params: the keys and shapes of `shapes` ({name: shape},
    weights named W..., biases b...), the `dtype` when given, zero biases, and weights
    drawn from a Gaussian of mean 0 and standard deviation weight_scale."""
    names = list(shapes)
    if not isinstance(params, dict) or sorted(params) != sorted(names):
        keys = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise wrong(params, "%s: self.params must have the keys %s, got %s" % (what, ", ".join(names), keys),
                    what)
    for name in names:
        expect_array(params[name], shapes[name], "%s: params[%r]" % (what, name))
        if dtype is not None and params[name].dtype != dtype:
            raise wrong(params, "%s: params[%r] has dtype %s, expected %s"
                        % (what, name, params[name].dtype, np.dtype(dtype)), what)
    for name in names:
        if name.startswith("b") and np.any(params[name] != 0):
            raise wrong(params, "%s: params[%r] must start at zero" % (what, name), what)
    for name in names:
        if name.startswith("W"):
            _expect_gaussian(params, name, weight_scale, what)


def _expect_gaussian(params, name, weight_scale, what):
    w = params[name].astype(np.float64)
    # A Gaussian sample's mean and std are within 5 standard errors of the truth.
    sem = weight_scale / np.sqrt(w.size)
    if abs(np.mean(w)) > 5 * sem:
        raise wrong(params, "%s: params[%r] should be centred at 0 (its mean is %.3g "
                    "with weight_scale=%g)" % (what, name, np.mean(w), weight_scale), what)
    ratio = np.std(w) / weight_scale
    if abs(ratio - 1) > 5 * np.sqrt(0.5 / w.size) + 0.01:
        raise wrong(params, "%s: the standard deviation of params[%r] is %.3g x "
                    "weight_scale (weight_scale=%g), expected about 1"
                    % (what, name, ratio, weight_scale), what)
