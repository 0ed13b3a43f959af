"""Is an answer the expected one? The rules, tolerances and sentences of every comparison.

One vocabulary for the public checks (``Checker.expect_*`` in this package) and the
hidden graders (``autograder/trusted/expect.py``): the same functions, arguments in one
order, ``(value, expected, tol, what)``. Each rule raises :class:`Mismatch` with one
sentence for the student, which starts with ``what``; the public checks print it, the
graders turn it into their own failure.

Nothing here is secret. ``reveal`` says whether a sentence may show numbers taken from
the expected values (the labels themselves, a constant offset): the public checks'
expected values are printed in their source anyway, the graders' are hidden inputs and
references, so it is False unless a caller asks.
"""
import numpy as np

from ..gradient_check import rel_error
from .mismatch import describe_mismatch

class Mismatch(Exception):
    """An answer is not the expected one; the message is the sentence for the student."""


def scaled_error(value, expected):
    """max |value - expected| / max |expected| (the difference itself when expected is 0):
    float32's rounding errors scale with the values' magnitude, so CS231n's entry-wise
    relative error would fail correct code on entries near 0."""
    value = np.asarray(value, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(value - expected), initial=0.0))
    return difference / scale if scale > 0 else difference


def expect_array(value, shape, what, kind=None, finite=True):
    """`value` is a real ndarray of `shape` (a NumPy scalar counts as a 0-d array; it is
    returned as an array); `kind` "float" or "int" asks for that family of dtypes, and
    `finite` for no NaN or infinite entry."""
    if value is None:
        raise Mismatch("%s: returned None; did you forget the return statement?" % what)
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if not isinstance(value, np.ndarray):
        raise Mismatch("%s: expected an array, got %s" % (what, type(value).__name__))
    shape = tuple(shape)
    if value.shape != shape:
        swapped = len(shape) == 2 and shape[0] != shape[1] and value.shape == shape[::-1]
        raise Mismatch("%s: shape %s, expected %s%s" % (
            what, value.shape, shape, "; rows and columns are swapped" if swapped else ""))
    if value.dtype.kind == "c":
        raise Mismatch("%s: complex dtype %s, expected real numbers" % (what, value.dtype))
    if kind is not None and value.dtype.kind not in {"float": "f", "int": "iu"}[kind]:
        raise Mismatch("%s: dtype %s, expected %s" % (
            what, value.dtype, "a floating dtype" if kind == "float" else "an integer dtype"))
    if finite and value.dtype.kind in "fiub" and not np.all(np.isfinite(value)):
        bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
        raise Mismatch("%s: %d of %d entries are NaN or infinite" % (what, bad, value.size))
    return value


def _expect_within(value, expected, tol, what, measure, error_text, hint, reveal):
    """`value` is an array of `expected`'s shape and measure(value, expected) <= tol;
    `error_text` names the measured error. `hint(value, expected)` may add a sentence
    (or None) to a failure; without one, a generic probe names what is off."""
    expected = np.asarray(expected)
    value = expect_array(value, expected.shape, what, finite=False)
    if value.dtype.kind in "fiub" and not np.all(np.isfinite(value)):
        try:
            expect_array(value, expected.shape, what)
        except Mismatch as e:
            extra = hint(value, expected) if hint else None
            raise Mismatch(str(e) + ("; " + extra if extra else "")) from None
    error = measure(value, expected)
    if not error <= tol:
        extra = hint(value, expected) if hint else None
        if extra is None:
            extra = describe_mismatch(value, expected, reveal=reveal)
        raise Mismatch("%s: %s is above the tolerance %.0e (shape %s)%s"
                       % (what, error_text % error, tol, expected.shape,
                          "; " + extra if extra else ""))
    return error


def expect_close(value, expected, tol, what, hint=None, reveal=False):
    """`value` matches `expected` within CS231n's relative error `tol`; returns the error."""
    return _expect_within(value, expected, tol, what, rel_error, "relative error %.2e", hint, reveal)


def expect_near(value, expected, tol, what, hint=None, reveal=False):
    """`value` matches `expected` within `tol`, relative to the largest expected entry."""
    return _expect_within(value, expected, tol, what, scaled_error,
                          "error %.2e relative to the largest value", hint, reveal)


def expect_scalar(value, expected, tol, what):
    """`value` is one finite number (a 0-d array) within relative error `tol` of the
    number `expected` (|value - expected| / |expected|)."""
    value = np.asarray(value) if value is not None else None
    if value is None or value.dtype.kind not in "biuf":
        raise Mismatch("%s: expected a scalar tensor" % what)
    if value.shape != ():
        raise Mismatch("%s: shape %s, expected a scalar (shape ()): average over the "
                       "minibatch" % (what, value.shape))
    if not np.isfinite(value):
        raise Mismatch("%s: the value is NaN or infinite" % what)
    error = abs(float(value) - expected) / max(abs(expected), 1e-12)
    if not error <= tol:
        raise Mismatch("%s: relative error %.2e is above the tolerance %.0e" % (what, error, tol))
    return error


def expect_labels(value, expected, what, hint=None, reveal=False):
    """`value` holds exactly the integer labels `expected`; `hint` (a sentence) ends the
    message of a failure."""
    expected = np.asarray(expected)
    value = expect_array(value, expected.shape, what)
    if value.dtype.kind == "f" and not np.all(value == np.round(value)):
        raise Mismatch("%s: labels must be whole numbers" % what)
    wrong = int(np.count_nonzero(value.astype(np.int64) != expected))
    if wrong:
        shown = " (got %s, expected %s)" % (value.tolist(), expected.tolist()) if reveal else ""
        raise Mismatch("%s: %d of %d labels differ from the expected ones%s%s"
                       % (what, wrong, expected.size, shown, "; " + hint if hint else ""))


def expect_dtype(value, dtype, what, detail=""):
    """`value`'s dtype is `dtype`; `detail` ends the message."""
    if np.asarray(value).dtype != np.dtype(dtype):
        raise Mismatch("%s: dtype %s, expected %s%s"
                       % (what, np.asarray(value).dtype, np.dtype(dtype).name, detail))


def expect_at_least(value, threshold, what, detail=""):
    """The number `value` is at least `threshold`; `detail` ends the message."""
    if not value >= threshold:
        raise Mismatch("%s: %.4g is below the required %.4g%s" % (what, value, threshold, detail))


def expect_count(count, expected, what):
    """A module's number of learnable values (one whole number) is `expected`."""
    value = np.asarray(count)
    if value.size != 1 or value.dtype.kind not in "iu":
        raise Mismatch("%s: expected one whole number, got an array of shape %s and dtype %s"
                       % (what, value.shape, value.dtype))
    count = int(value.reshape(()))
    if count != expected:
        raise Mismatch("%s: %s learnable values, expected %s"
                       % (what, format(count, ","), format(expected, ",")))


DETACHING = ".detach(), .data, NumPy, torch.no_grad()"


def expect_gradients(grads, expected, names, what, tol, detaching=DETACHING):
    """autograd's gradients `grads` (a tuple, None where nothing reached that input, as
    torch.autograd.grad(..., allow_unused=True) returns them) match `expected` within
    `tol` (expect_near); `detaching` lists the usual ways of cutting the graph."""
    if not isinstance(grads, tuple) or len(grads) != len(names):
        raise Mismatch("%s: could not compute the gradients" % what)
    for name, grad, reference in zip(names, grads, expected):
        if grad is None:
            raise Mismatch("%s: no gradient reaches %s; is it detached from the graph "
                           "(%s)?" % (what, name, detaching))
        expect_near(grad, reference, tol, "%s: the gradient with respect to %s" % (what, name))


def expect_faster(student_s, reference_s, max_ratio, slack_s, what):
    """The student's time is at most max_ratio x the reference's plus slack_s."""
    limit = max_ratio * reference_s + slack_s
    if not student_s <= limit:
        raise Mismatch(
            "%s: took %.3f s, the limit is %.3f s (%gx the reference's time plus %.2f s); "
            "is there a Python loop left?" % (what, student_s, limit, max_ratio, slack_s))
