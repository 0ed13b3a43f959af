"""The trusted side's handle on one submission: every call runs in a fresh sandboxed process.

    result = submission.run([
        call("cs231n_core.classifiers.k_nearest_neighbor:KNearestNeighbor", save="knn"),
        call("knn.train", X_train, y_train),
        call("knn.compute_distances_no_loops", X_test, save="dists")],
        returns=["dists"])
    result["dists"]            # a plain ndarray, or a tuple/dict of them

The submission's folder is only ever read: its `cs231n_core` is checked against the
intake limits (intake.py: size, file count, no symbolic links) and copied once into a
pristine folder, which the sandbox shows read-only; each run makes its own working copy
of it inside the sandbox (sandbox.py: warm, forked from a zygote that imported numpy and
the modules in `preload` once, or cold).

Everything the worker answers is the submission's to choose: strings are cleaned
(text.py) and arrays bounded (protocol.decode) before any grader sees them.
"""
import importlib.util
import os
import sys

import numpy as np

from ..sandboxed import protocol
from . import intake, isolation
from .sandbox import Sandbox
from .text import NAME_CHARS, clean, clean_tail

ALWAYS_MASKED = ("/tmp",)  # the sandbox mounts an empty tmpfs over it


class SubmissionError(Exception):
    """The submission's code failed a call; the message is written for the student."""


class StudentError(SubmissionError):
    """The submission's code raised an exception."""

    def __init__(self, target, error, message, traceback_text):
        self.error, self.message, self.traceback_text = error, message, traceback_text
        short = target.split(":")[-1].split(".")[-1] if target else "the submission"
        if error == "NotImplementedError":
            text = "%s is not implemented yet (it raises NotImplementedError)" % short
        elif error == "BadReturn":
            text = "the value returned: %s" % message
        else:
            text = "%s raised %s: %s" % (short, error, message)
        super().__init__(text)


class WorkerFailure(SubmissionError):
    """The worker crashed, hung, exited or answered nonsense."""


class HostFailure(Exception):
    """A check could not run for a reason of the grading host (its sandbox could not be
    made, its zygote died twice): the grader's failure, never the submission's. Not a
    SubmissionError, so the plugin reports it as an internal grader error."""


def call(path, *args, save=None, repeat=1, **kwargs):
    """One step of a run: call `path` with args (arrays travel as .npy)."""
    return {"call": path, "args": args, "kwargs": kwargs, "save": save, "repeat": repeat}


def get(path, save):
    """One step of a run: read the attribute `path` (e.g. "knn.X_train") into `save`."""
    return {"get": path, "save": save}


class saved:
    """An argument of a call step that stands for what an earlier step saved under
    `name` (it never leaves the worker):

        call("cs231n_core.solver:Solver", saved("net"), data, save="solver")
    """

    def __init__(self, name):
        self.name = str(name)

    def __repr__(self):
        return "saved(%r)" % self.name


class Submission:
    def __init__(self, path, scratch_root, limits=None, hide=(), preload=(), share_zygote=False):
        self.path = os.path.realpath(path)
        self.limits = limits or isolation.Limits()
        hidden = list(hide) + trusted_folders()
        # A zygote shared with other submissions of this grading process (whose inbox
        # holds them all) may serve this one only if its original is hidden anyway.
        share_zygote = share_zygote and _covered(self.path, list(ALWAYS_MASKED) + list(hide))
        if not share_zygote:
            hidden.append(self.path)
        self.sandbox = Sandbox(scratch_root, self.limits, preload, hide=hidden,
                               share_zygote=share_zygote)
        self.problem = intake.check_tree(self.path)
        if self.problem is None:
            self.sandbox.load(self.path)

    @property
    def isolation(self):
        return isolation.isolation_name()

    def _run_in_sandbox(self, request, limits):
        """One run; once more when the host failed it (a zygote that died under a check
        may have been killed from outside, e.g. by the machine's OOM killer), and a
        HostFailure when the host failed it twice."""
        outcome = self.sandbox.run(request, limits)
        if outcome.host_failure or outcome.zygote_lost:
            outcome = self.sandbox.run(request, limits)
        if outcome.host_failure:
            raise HostFailure(outcome.problem + _tail(outcome.output_tail))
        return outcome

    def close(self):
        """Stop the sandbox and everything it started."""
        self.sandbox.close()

    def run(self, steps, returns=(), timeout_s=None):
        """Run `steps` in a fresh worker; return {name: value} for `returns`.

        Raises SubmissionError (StudentError or WorkerFailure) on any failure of
        the submission's code, with a message meant for the student.
        """
        if self.problem:
            raise WorkerFailure(self.problem)
        arrays, wire_steps = {}, []
        for step in steps:
            wire = {k: v for k, v in step.items() if k not in ("args", "kwargs") and v is not None}
            if "call" in step:
                wire["args"] = [_to_wire(a, arrays) for a in step["args"]]
                wire["kwargs"] = {k: _to_wire(v, arrays) for k, v in step["kwargs"].items()}
            wire_steps.append(wire)
        request = protocol.encode({"steps": wire_steps, "returns": list(returns)}, arrays)
        limits = self.limits
        if timeout_s is not None:
            limits = isolation.Limits(**{**vars(limits), "timeout_s": timeout_s})
        outcome = self._run_in_sandbox(request, limits)
        self.last_outcome = outcome
        if outcome.response is None:
            raise WorkerFailure("The code was stopped: %s.%s" % (outcome.problem, _tail(outcome.output_tail)))
        response = outcome.response
        if not response.get("ok"):
            raise StudentError(clean(response.get("target"), NAME_CHARS),
                               clean(response.get("error"), NAME_CHARS),
                               clean(response.get("message"), 2000),
                               clean_tail(response.get("traceback", "")))
        try:
            values = {clean(name, NAME_CHARS): _from_wire(spec, outcome.arrays)
                      for name, spec in response["returns"].items()}
            self.last_times = {int(k): float(v) for k, v in response.get("times", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WorkerFailure("The code's answer could not be read (malformed response).") from None
        missing = set(returns) - set(values)
        if missing:
            raise WorkerFailure("The code's answer lacks %s." % ", ".join(sorted(missing)))
        return values


def trusted_folders():
    """Folders of the trusted side that no worker may see: the project that holds the
    autograder (hidden graders, the instructor's cs231n_core, gradebooks) when it is a
    source checkout, or else the autograder and reference cs231n_core packages alone
    (an installed package's parent is site-packages, which the worker needs)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../autograder
    folders = [package]
    spec = importlib.util.find_spec("cs231n_core")
    if spec is not None and spec.submodule_search_locations:
        folders += [os.path.realpath(p) for p in spec.submodule_search_locations]
    root = os.path.realpath(os.path.dirname(package))
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix)}
    if not any(root == p or root.startswith(p + os.sep) for p in prefixes):
        folders.append(root)  # a venv inside it stays visible (isolation.sandbox_prefix keeps the runtime visible)
    return folders


def _tail(text, keep=1500):
    text = clean_tail(text, keep).strip()
    if not text:
        return ""
    return "\nLast output:\n" + text


def _to_wire(value, arrays):
    if isinstance(value, saved):
        return {"saved": value.name}
    if isinstance(value, np.ndarray):
        key = "a%d" % len(arrays)
        arrays[key] = value
        return {"array": key}
    if isinstance(value, (list, tuple)):
        return [_to_wire(v, arrays) for v in value]
    if isinstance(value, dict):
        return {"dict": {k: _to_wire(v, arrays) for k, v in value.items()}}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_wire(spec, arrays):
    kind = spec["kind"]
    if kind == "none":
        return None
    if kind == "array":
        return arrays[spec["key"]]
    if kind == "tuple":
        return tuple(_from_wire(item, arrays) for item in spec["items"])
    if kind == "dict":
        items = spec["items"]
        if any(len(str(k)) > NAME_CHARS for k in items):
            raise ValueError("a key longer than %d characters" % NAME_CHARS)
        return {clean(k, NAME_CHARS): _from_wire(v, arrays) for k, v in items.items()}
    raise ValueError(kind)


def _covered(path, folders):
    """True when `path` lies inside one of `folders`."""
    path = os.path.realpath(path)
    for folder in folders:
        folder = os.path.realpath(folder)
        if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep):
            return True
    return False


def forward_outputs(submission, path, arg_lists):
    """The `out` of a forward layer at `path` ("module:name", which must return
    (out, cache)) for each list of arguments, all in one worker run; the cache stays
    in the worker."""
    from .expect import GradingFailure

    steps, returns = [], []
    for i, args in enumerate(arg_lists):
        steps += [call(path, *args, save="pair%d" % i),
                  call("builtins:len", saved("pair%d" % i), save="size%d" % i),
                  call("operator:getitem", saved("pair%d" % i), 0, save="first%d" % i)]
        returns += ["size%d" % i, "first%d" % i]
    result = submission.run(steps, returns=returns)
    name = path.split(":")[-1]
    for i in range(len(arg_lists)):
        if int(result["size%d" % i]) != 2:
            raise GradingFailure("%s must return a pair (out, cache), got %d items"
                                 % (name, int(result["size%d" % i])))
    return [result["first%d" % i] for i in range(len(arg_lists))]
