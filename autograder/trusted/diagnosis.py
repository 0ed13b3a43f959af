"""Naming the known mistake behind a failed check of the hidden graders.

When a check fails on the submission's answer (a GradingFailure with its `failure`:
expect.py), the trusted process grades the same check again with each known mistake of
the check's target (the mistake bank) applied to the instructor's code, on the same
fresh inputs (the test's generator and shared runs are rebuilt from the grading seed).
A mistake whose answer fails at the same place and matches the submission's to the
fingerprints' tolerance (cs231n_core/checks/fingerprint.py) is named in the failure's
message. The mutants run in sandboxes like a submission (instructor code, so they may
share one zygote), never in this process; nothing about the inputs or the reference
leaves this process except the bank's sentence.

Diagnosis takes time: the first CHECKS_PER_TARGET failed checks of a target are
diagnosed, within BUDGET_S per grading run, and the mistake bank's own grading turns it
off (pipeline.grade(..., diagnose=False)).
"""
import json
import os
import shutil
import time
import zlib

import numpy as np

from autograder.mistakes import apply_mistake, load_bank
from cs231n_core.checks.diagnosis import naming
from cs231n_core.checks.fingerprint import fingerprint, is_informative, leaves, matches

from .expect import GradingFailure, Trace
from .shared_runs import SharedRuns
from .submission import StudentError, Submission

BUDGET_S = 60.0          # of diagnosis per grading run
CHECKS_PER_TARGET = 2    # failed checks diagnosed per target (the first ones)
REFERENCE = os.path.dirname(os.path.abspath(__import__("cs231n_core").__file__))


def failure_of(exc):
    """(site, answer) of a check that failed on the submission, or None: a
    GradingFailure's own, or, for code that raised an exception, the exception and its
    message at the checks counted so far (a crash is as telling as a wrong value:
    a missing transpose raises the same shape error in every copy of that mistake)."""
    if isinstance(exc, GradingFailure):
        return exc.failure
    if isinstance(exc, StudentError) and exc.error not in ("NotImplementedError", None):
        return "raised#%d" % Trace.checks, "%s: %s" % (exc.error, exc.message)
    return None


class Diagnosis:
    """The mutants of one grading run, made on first use and kept for its other checks."""

    def __init__(self, scratch, limits, hide, preload, seed):
        self.scratch = os.path.join(scratch, "mutants")
        self.limits, self.hide, self.preload, self.seed = limits, hide, preload, seed
        self.mutants = {}      # mistake id -> (Submission, SharedRuns) or None
        self.diagnosed = {}    # target -> failed checks diagnosed
        self.spent_s = 0.0

    def close(self):
        for mutant in self.mutants.values():
            if mutant is not None:
                mutant[0].close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _mutant(self, mistake):
        if mistake["id"] not in self.mutants:
            folder = os.path.join(self.scratch, mistake["id"])
            try:
                shutil.copytree(REFERENCE, os.path.join(folder, "cs231n_core"),
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                apply_mistake(folder, mistake)
                submission = Submission(folder, os.path.join(folder, "sandbox"), self.limits,
                                        hide=self.hide, preload=self.preload, share_zygote=True)
                self.mutants[mistake["id"]] = (submission, SharedRuns(submission, self.seed))
            except (OSError, ValueError):
                self.mutants[mistake["id"]] = None
        return self.mutants[mistake["id"]]

    def _failure_of(self, item, mistake):
        """(site, answer) where the check fails with `mistake` applied, or None."""
        mutant = self._mutant(mistake)
        if mutant is None:
            return None
        submission, shared = mutant
        fixtures = dict(item.funcargs, submission=submission, shared=shared,
                        rng=np.random.default_rng([self.seed, zlib.crc32(item.nodeid.encode())]))
        Trace.start()
        try:
            item.function(**{name: fixtures[name] for name in item._fixtureinfo.argnames})
        except Exception as exc:  # noqa: BLE001 - any other exception names nothing
            return failure_of(exc)
        return None

    def sentence(self, item, assignment, target, failure):
        """The sentence naming the known mistakes whose answer is the submission's, or ""."""
        site, answer = failure
        print_ = fingerprint(answer)
        if not is_informative(print_) or self.diagnosed.get(target, 0) >= CHECKS_PER_TARGET:
            return ""
        self.diagnosed[target] = self.diagnosed.get(target, 0) + 1
        whys = []
        for mistake in load_bank(assignment):
            if mistake["target"] != target or self.spent_s > BUDGET_S:
                continue
            started = time.monotonic()
            theirs = self._failure_of(item, mistake)
            self.spent_s += time.monotonic() - started
            if (theirs is not None and theirs[0] == site and matches(fingerprint(theirs[1]), print_)
                    and mistake["why"] not in whys):
                whys.append(mistake["why"])
        return naming(whys)


def log_failure(folder, nodeid, target, failure):
    """Append a failed check's site and answer to `folder` (the instructor's measure of
    the diagnosis over the whole bank, autograder/diagnosis.py, and its test; never
    set for a student's grading): failures.jsonl gets one line per failure, and the
    answer's arrays go to <line number>.npz, so that two answers that matched by
    fingerprint can be compared in full."""
    site, answer = failure
    os.makedirs(folder, exist_ok=True)
    log = os.path.join(folder, "failures.jsonl")
    number = sum(1 for _ in open(log)) if os.path.exists(log) else 0
    parts = leaves(answer) if not isinstance(answer, str) else [answer]
    np.savez(os.path.join(folder, "%d.npz" % number),
             **{"part%d" % i: np.asarray(part) for i, part in enumerate(parts)})
    with open(log, "a") as handle:
        handle.write(json.dumps({"nodeid": nodeid, "target": target, "site": site,
                                 "print": fingerprint(answer)}) + "\n")
