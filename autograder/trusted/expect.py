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
import inspect

from cs231n_core.checks import compare
from cs231n_core.checks.fingerprint import telling_answer


class GradingFailure(AssertionError):
    """A submission's answer is wrong; the message is shown to the student. `failure`
    is (site, answer) for the diagnosis (trusted/diagnosis.py): the check that failed,
    named by its rule, its description and how many checks of the test came before, and
    the answer it was given. Neither ever leaves the trusted process."""

    failure = None
    slow = False     # a speed check's failure: right values, too slow; nothing to diagnose


class Trace:
    """The checks of the test being run, counted, for naming where one failed."""
    checks = 0

    @classmethod
    def start(cls):
        cls.checks = 0


def wrong(answer, message, what):
    """A GradingFailure a grader writes itself (a property of the answer the rules do not
    cover: an initialization's spread, a loss that did not go down), diagnosable like a
    rule's: `answer` is the submission's value the message is about, `what` names the
    check. Use it where the answer is a value of the submission's code computed from the
    run's inputs and seed, so that a known mistake gives the same one."""
    Trace.checks += 1
    failure = GradingFailure(message)
    failure.failure = ("wrong#%d:%s" % (Trace.checks, what), telling_answer(answer))
    return failure


def _graded(rule, diagnosable=True):
    """`rule` of compare.py, raising GradingFailure instead of its Mismatch and never
    revealing expected values. A rule's failure is diagnosable when its answer is a
    value of the submission's code (not a time); an answer whose values tell nothing
    (all NaN, or empty) is recorded as what does (fingerprint.telling_answer)."""
    parameters = inspect.signature(rule)

    @functools.wraps(rule)
    def expect(*args, **kwargs):
        if "reveal" in kwargs:
            raise TypeError("graders never reveal expected values")
        Trace.checks += 1
        try:
            return rule(*args, **kwargs)
        except compare.Mismatch as e:
            failure = GradingFailure(str(e))
            failure.slow = not diagnosable
            if diagnosable:
                bound = parameters.bind(*args, **kwargs).arguments
                site = "%s#%d:%s" % (rule.__name__, Trace.checks, bound.get("what"))
                failure.failure = (site, telling_answer(args[0]) if args else None)
            raise failure from None
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
expect_faster = _graded(compare.expect_faster, diagnosable=False)
