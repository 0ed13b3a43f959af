"""Checks that graders use instead of bare asserts.

The rules, tolerances and sentences are the public checks' own
(cs231n_core/checks/compare.py, arguments in the order `(value, expected, tol, what)`);
here each failure becomes a GradingFailure. Its message is meant for the student: what
was wrong, the relative error or the count of wrong entries, shapes and dtypes, but
never a hidden input, a reference value or a held-out label. The rules are called with
`reveal=False`, and pytest's assertion rewriting would print values, so graders do not
use `assert` on hidden data.
"""
import functools

from cs231n_core.checks import compare


class GradingFailure(AssertionError):
    """A submission's answer is wrong; the message is shown to the student."""


def _graded(rule):
    """`rule` of compare.py, raising GradingFailure instead of its Mismatch and never
    revealing expected values."""
    @functools.wraps(rule)
    def expect(*args, **kwargs):
        if "reveal" in kwargs:
            raise TypeError("graders never reveal expected values")
        try:
            return rule(*args, **kwargs)
        except compare.Mismatch as e:
            raise GradingFailure(str(e)) from None
    return expect


expect_array = _graded(compare.expect_array)
expect_close = _graded(compare.expect_close)
expect_near = _graded(compare.expect_near)
expect_scalar = _graded(compare.expect_scalar)
expect_labels = _graded(compare.expect_labels)
expect_dtype = _graded(compare.expect_dtype)
expect_at_least = _graded(compare.expect_at_least)
expect_count = _graded(compare.expect_count)
expect_gradients = _graded(compare.expect_gradients)
expect_faster = _graded(compare.expect_faster)
