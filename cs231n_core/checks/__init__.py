"""Public checks: quick feedback on your implementation, in your own Python process.

    from cs231n_core.checks import check
    check("compute_distances_no_loops")      # prints one line per check, returns True/False

Each graded target has a few public checks: small fixed inputs whose expected values
are stored below as numbers (computed once with the reference solution), plus property
checks (shapes, dtypes, symmetry, agreement between implementations). They catch most
mistakes early, but they are not the grade: the hidden graders use other, randomized
inputs. ``check`` never raises for a wrong answer; it prints why and returns False.
``check("anything")`` with an unknown name lists the known targets, and
``check_all()`` runs them all.

Adding the checks of a new target: in this package's module of its section
(``<key>.py``, the section's key in cs231n_core/targets.py, imported at the bottom of
this file), write one small function that takes a :class:`Checker` and decorate it::

    @public_check("svm_loss_naive")
    def _check_svm_loss_naive(t):
        loss, dW = t.call(svm_loss_naive, W, X, y, 0.1)   # the target itself
        t.expect_close(loss, 9.012345, 1e-6, "the expected loss")

Import the student's code inside the function (so the current code is checked), call
the target through ``t.call`` (it turns NotImplementedError into "not implemented
yet"), and use the ``t.expect_*`` helpers, each of which prints one line. They take
their arguments in the graders' order, ``(got, expected, tol, what)``, and apply the
rules of :mod:`cs231n_core.checks.compare`, which the hidden graders share.
"""
import contextlib
import difflib
import importlib
import os
import sys
import traceback
import warnings

import numpy as np

from ..targets import ASSIGNMENT_TARGETS, SECTIONS, target_names
from . import compare, diagnosis
from .fingerprint import telling_answer

__all__ = ["check", "check_all", "known_targets", "public_check", "registered_by", "Checker"]

_CHECKS = {}  # target name -> function(Checker)
_MODULES = {}  # target name -> the module that registered its checks (its section's)


def public_check(target):
    """Decorator: register ``fn(checker)`` as the public checks of ``target``."""
    module = sys._getframe(1).f_globals.get("__name__")  # where ``public_check`` is written

    def register(fn):
        if target in _CHECKS:
            raise ValueError("public checks of %r are registered twice" % target)
        _CHECKS[target] = fn
        _MODULES[target] = module
        return fn
    return register


def registered_by(target):
    """The name of the module whose checks of ``target`` are registered, or None."""
    return _MODULES.get(target)


def known_targets():
    """Names of the targets that have public checks, in registration order."""
    return list(_CHECKS)


# --------------------------------------------------------------------------------------
# Running checks
# --------------------------------------------------------------------------------------

class CheckFailed(compare.Mismatch):
    """A check did not pass; its message is the one sentence shown to the student."""


class NotImplementedYet(Exception):
    """The target (not one of its helpers) raised NotImplementedError."""


def _where(exc):
    """' (at file.py line N)' for the innermost frame outside this module, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    if not frames:
        return ""
    return " (at %s line %d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno)


class Checker:
    """What a check function gets: calls the student's code and prints one line per check."""

    def __init__(self, target):
        self.target = target
        self.passed = 0
        self.calls = 0            # how many times the student's code returned
        self.returned = None      # what it returned last
        self.failed_at = None     # (what, value) of the expectation that failed
        self.crashed = False      # the student's code raised
        self.answers = []         # every answer, when the diagnosis records them (record=True)
        self.record = False

    # ---- calling the student's code ----------------------------------------------------

    def call(self, fn, *args, **kwargs):
        """Call the target ``fn``; NotImplementedError means it is not implemented yet,
        any other exception fails the check with its type, message and line."""
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                self.returned = fn(*args, **kwargs)
                self.calls += 1
                if self.record:
                    self.answers.append(self.returned)
                return self.returned
        except NotImplementedError as e:
            hint = str(e).strip()
            raise NotImplementedYet("%s raises NotImplementedError%s"
                                    % (name, " (%s)" % hint if hint else "")) from None
        except (Exception, SystemExit) as e:
            self.crashed = True
            self.crash_message = "%s: %s" % (type(e).__name__, str(e)[:300])
            raise CheckFailed("%s raised %s: %s%s" % (name, type(e).__name__, e, _where(e))) from None

    def call_other(self, fn, *args, **kwargs):
        """Call some other function (not the target); return None when it is not
        implemented or crashes, so that a check can skip a comparison with it."""
        try:
            return self.call(fn, *args, **kwargs)
        except (NotImplementedYet, CheckFailed):
            self.crashed = False  # not the target's failure
            return None

    # ---- reporting ---------------------------------------------------------------------

    def ok(self, what):
        """Print the line of a passed check."""
        self.passed += 1
        print("[ok]   %s: %s" % (self.target, what))

    def note(self, what):
        """Print an informational line that does not fail the target."""
        print("[note] %s: %s" % (self.target, what))

    def fail(self, sentence):
        """Fail the target with one explaining sentence."""
        raise CheckFailed(sentence)

    def wrong(self, answer, sentence, what):
        """Fail the target with one explaining sentence about `answer`, the value of the
        student's code that it judges: the answer the diagnosis compares with the known
        mistakes' (one whose values tell nothing, all NaN or empty, by what does:
        fingerprint.telling_answer); `what` names the check."""
        self.failed_at = (what, telling_answer(answer))
        raise CheckFailed(sentence)

    # ---- assertions (the rules and sentences of compare.py) ----------------------------

    def expect_array(self, got, shape, what, kind, report=True):
        """``got`` is an array of ``shape`` whose dtype is floating (kind "float") or
        integer (kind "int"); returns it as an array. ``report=False`` prints nothing
        when it passes (for a shape that is only a precondition of later checks)."""
        if got is not None and not isinstance(got, (np.ndarray, np.generic)):
            try:
                got = np.asarray(got)
            except Exception as e:  # noqa: BLE001 - anything a student returns
                self.fail("%s: returned a %s, not an array (%s)" % (what, type(got).__name__, e))
        with self._failing_at(what, got):
            arr = compare.expect_array(got, shape, what, kind=kind, finite=False)
        if report:
            self.ok("shape %s and dtype %s (%s)" % (arr.shape, arr.dtype, what))
        return arr

    def expect_close(self, got, expected, tol, what, hint=None, answer=None):
        """Relative error of ``got`` against ``expected`` at most ``tol``. ``hint`` may be
        a function (got, expected) -> sentence or None, asked only on failure.
        ``answer``: what the diagnosis compares of a failure, when not ``got`` itself
        (all that the calls returned, when ``got`` is one part of it or a difference)."""
        got = np.asarray(got, dtype=np.float64)
        with self._failing_at(what, got if answer is None else answer):
            err = compare.expect_close(got, np.asarray(expected, dtype=np.float64), tol, what,
                                       hint=hint, reveal=True)
        self.ok("matches %s (relative error %.1e)" % (what, err))

    def expect_labels(self, got, expected, what, hint=None):
        """Integer labels ``got`` equal ``expected`` exactly."""
        with self._failing_at(what, got):
            compare.expect_labels(np.asarray(got), expected, what, hint=hint, reveal=True)
        self.ok("right labels for %s" % what)

    @contextlib.contextmanager
    def _failing_at(self, what, got):
        """Remember which expectation failed and on what answer (for the diagnosis)."""
        try:
            yield
        except compare.Mismatch:
            self.failed_at = (what, got)
            raise

    def failure_signature(self):
        """(site, answer) of the failure being reported: the expectation that failed
        and the answer it was given, or, for a failure a check wrote itself, the last
        answer of the student's code. Sites are named by how many answers came before.
        A crash is named by the exception's type and message (the student's line
        numbers left out)."""
        if self.crashed:
            return "%d:raised" % self.calls, self.crash_message
        if self.failed_at is not None:
            what, got = self.failed_at
            return "%d:%s" % (self.calls, what), got
        return "%d:" % self.calls, self.returned


def _run(target, t=None):
    """Run the public checks of one registered target; True when all pass. ``t``: the
    Checker to use (the diagnosis passes one that records)."""
    t = t or Checker(target)
    try:
        _CHECKS[target](t)
    except NotImplementedYet as e:
        print("[todo] %s: not implemented yet: %s" % (target, e))
        return False
    except compare.Mismatch as e:  # CheckFailed, or a rule of compare.py
        print("[FAIL] %s: %s" % (target, e))
        named = diagnosis.name_mistakes(target, t.failure_signature())
        if named:
            print("[hint] %s: %s" % (target, named))
        return False
    except (Exception, SystemExit) as e:  # a crash outside t.call, e.g. in an import
        print("[FAIL] %s: the check crashed with %s: %s%s" % (target, type(e).__name__, e, _where(e)))
        return False
    print("[ok]   %s: all %d public checks pass" % (target, t.passed))
    return True


def _graded_target_names():
    return {n for a in ASSIGNMENT_TARGETS for n in target_names(a)}


def check(name):
    """Run the public checks of target ``name`` (e.g. "compute_distances_no_loops"),
    printing one line per check. Returns True when all pass, False otherwise; never
    raises for a wrong or missing implementation (KeyboardInterrupt still stops it)."""
    name = str(name)
    if name not in _CHECKS and name.split(".")[-1] in _CHECKS:
        name = name.split(".")[-1]  # "KNearestNeighbor.predict_labels" works too
    if name not in _CHECKS:
        if name in _graded_target_names():
            print("[note] %s: no public checks yet; only the hidden graders check it" % name)
            return True
        close = difflib.get_close_matches(name, list(_CHECKS), n=1)
        print("check: unknown target %r%s. Known targets: %s" % (
            name, " (did you mean %r?)" % close[0] if close else "", ", ".join(_CHECKS)))
        return False
    return _run(name)


def check_all(names=None):
    """Run the public checks of several targets (default: all); True when all pass."""
    names = known_targets() if names is None else list(names)
    results = [check(n) for n in names]
    print("%d of %d targets pass their public checks" % (sum(results), len(results)))
    return all(results)


# The checks of each section register themselves on import: one module per section of
# the manifest (cs231n_core/targets.py), named by its key, in teaching order.
for _section in SECTIONS:
    importlib.import_module("." + _section.key, __name__)
