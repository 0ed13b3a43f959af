"""Checks that graders use instead of bare asserts.

Each failure raises GradingFailure with a message meant for the student: what was
wrong, the relative error or the count of wrong entries, shapes and dtypes, but never
a hidden input, a reference value or a held-out label (pytest's assertion rewriting
would print those, so graders do not use `assert` on hidden data).
"""
import numpy as np

from cs231n_core.checks.mismatch import describe_mismatch


class GradingFailure(AssertionError):
    """A submission's answer is wrong; the message is shown to the student."""


def rel_error(x, y):
    """CS231n's relative error: max |x - y| / max(1e-8, |x| + |y|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def expect_array(value, shape, what):
    """`value` is a numeric ndarray of `shape` with only finite entries."""
    if not isinstance(value, np.ndarray):
        raise GradingFailure("%s: expected an array, got %s" % (what, type(value).__name__))
    if tuple(value.shape) != tuple(shape):
        raise GradingFailure("%s: shape %s, expected %s" % (what, tuple(value.shape), tuple(shape)))
    if value.dtype.kind == "c":
        raise GradingFailure("%s: complex dtype %s, expected real numbers" % (what, value.dtype))
    if not np.all(np.isfinite(value)):
        bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
        raise GradingFailure("%s: %d entries are NaN or infinite" % (what, bad))


def _expect_within(value, expected, tol, what, measure, error_text):
    """`value` is an array of `expected`'s shape and measure(value, expected) <= tol;
    `error_text` names the measured error in the message."""
    expected = np.asarray(expected)
    expect_array(value, expected.shape, what)
    error = measure(value, expected)
    if not error <= tol:
        probe = describe_mismatch(value, expected, reveal=False)
        raise GradingFailure("%s: %s is above the tolerance %.0e (shape %s)%s"
                             % (what, error_text % error, tol, tuple(expected.shape),
                                "; " + probe if probe else ""))
    return error


def expect_close(value, expected, tol, what):
    """`value` matches `expected` within CS231n's relative error `tol`."""
    return _expect_within(value, expected, tol, what, rel_error, "relative error %.2e")


def expect_labels(value, expected, what):
    """`value` holds exactly the integer labels `expected`."""
    expected = np.asarray(expected)
    expect_array(value, expected.shape, what)
    if value.dtype.kind == "f" and not np.all(value == np.round(value)):
        raise GradingFailure("%s: labels must be whole numbers" % what)
    wrong = int(np.count_nonzero(value.astype(np.int64) != expected))
    if wrong:
        raise GradingFailure("%s: %d of %d labels differ from the expected ones"
                             % (what, wrong, expected.size))


def expect_at_least(value, threshold, what, detail=""):
    if not value >= threshold:
        raise GradingFailure("%s: %.4g is below the required %.4g%s" % (what, value, threshold, detail))


def expect_faster(student_s, reference_s, max_ratio, slack_s, what):
    """The student's time is at most max_ratio x the reference's plus slack_s."""
    limit = max_ratio * reference_s + slack_s
    if not student_s <= limit:
        raise GradingFailure(
            "%s: took %.3f s, the limit is %.3f s (%gx the reference's time plus %.2f s); "
            "is there a Python loop left?" % (what, student_s, limit, max_ratio, slack_s))


def scaled_error(value, expected):
    """max |value - expected| / max |expected| (the difference itself when expected is 0):
    float32's rounding errors scale with the values' magnitude, so CS231n's entry-wise
    relative error would fail correct code on entries near 0."""
    value = np.asarray(value, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(value - expected), initial=0.0))
    return difference / scale if scale > 0 else difference


def expect_near(value, expected, tol, what):
    """`value` matches `expected` within `tol`, relative to the largest expected entry."""
    return _expect_within(value, expected, tol, what, scaled_error,
                          "error %.2e relative to the largest value")


def expect_dtype(value, dtype, what, detail=""):
    """`value`'s dtype is `dtype`; `detail` ends the message."""
    if np.asarray(value).dtype != np.dtype(dtype):
        raise GradingFailure("%s: dtype %s, expected %s%s"
                             % (what, np.asarray(value).dtype, np.dtype(dtype).name, detail))


DETACHING = ".detach(), .data, NumPy, torch.no_grad()"


def expect_gradients(grads, expected, names, what, tol, detaching=DETACHING):
    """autograd's gradients `grads` (a tuple, None where nothing reached that input, as
    torch.autograd.grad(..., allow_unused=True) returns them) match `expected` within
    `tol` (expect_near); `detaching` lists the usual ways of cutting the graph."""
    if not isinstance(grads, tuple) or len(grads) != len(names):
        raise GradingFailure("%s: could not compute the gradients" % what)
    for name, grad, reference in zip(names, grads, expected):
        if grad is None:
            raise GradingFailure("%s: no gradient reaches %s; is it detached from the graph "
                                 "(%s)?" % (what, name, detaching))
        expect_near(grad, reference, tol, "%s: the gradient with respect to %s" % (what, name))


def expect_count(count, expected, what):
    """A module's number of learnable values (counted in the worker) is `expected`."""
    count = int(np.asarray(count))
    if count != expected:
        raise GradingFailure("%s has %d learnable values, expected %d" % (what, count, expected))
