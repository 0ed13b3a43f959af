"""Run hidden graders on mutated library code in this process: a fast check of the graders'
logic against the mistake bank, for mistakes in the modules that MODULES lists.

The real path (a sandboxed worker per call) costs about half a second a call, and a
bank of fifty mistakes makes hundreds of calls. Here each grader's request goes through
the same wire format (protocol.encode/decode) and the worker's own run_steps, with
cs231n_core's modules that use layers.py rebuilt from the mutated source; only the
sandbox is left out, which tests/test_hostile.py and the model gradings cover. CPU time
is measured in this process.
"""
import contextlib
import importlib
import os
import sys
import time
import types
import warnings
import zlib

import numpy as np
import pytest

from autograder.engine import protocol, worker
from autograder.engine.expect import GradingFailure
from autograder.engine.submission import (StudentError, SubmissionError, WorkerFailure,
                                          _from_wire, _to_wire)

# Modules rebuilt from source for each mutant, in import order: those that use layers.py
# and whose targets the normalization graders (and FullyConnectedNet's) call.
MODULES = ("cs231n_core.layers", "cs231n_core.layer_utils", "cs231n_core.classifiers.fc_net")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def module_file(name):
    return name.replace(".", "/") + ".py"


@contextlib.contextmanager
def swapped(modules):
    """Within the block, `import name` and `from package import name` give modules[name]."""
    saved = []
    for name, module in modules.items():
        package, _, attr = name.rpartition(".")
        saved.append((name, sys.modules[name], package, attr, getattr(sys.modules[package], attr)))
        sys.modules[name] = module
        setattr(sys.modules[package], attr, module)
    try:
        yield
    finally:
        for name, module, package, attr, value in reversed(saved):
            sys.modules[name] = module
            setattr(sys.modules[package], attr, value)


def mutant_modules(mistake=None):
    """MODULES rebuilt from the instructor's sources, with `mistake` applied to its file."""
    modules = {}
    for name in MODULES:
        path = module_file(name)
        with open(os.path.join(REPO, path), encoding="utf-8") as handle:
            source = handle.read()
        if mistake is not None and mistake["file"] == path:
            assert source.count(mistake["find"]) == 1, mistake["id"]
            source = source.replace(mistake["find"], mistake["replace"])
        module = types.ModuleType(name)
        module.__file__ = path
        with swapped(modules):  # its imports see the mutants built so far
            exec(compile(source, path, "exec"), module.__dict__)
        modules[name] = module
    return modules


class InProcessSubmission:
    """What graders call `submission`, answering from mutated modules (mutant_modules)."""

    def __init__(self, modules):
        self.modules = modules
        self.last_outcome = None

    def run(self, steps, returns=(), timeout_s=None):
        arrays, wire_steps = {}, []
        for step in steps:
            wire = {k: v for k, v in step.items() if k not in ("args", "kwargs") and v is not None}
            if "call" in step:
                wire["args"] = [_to_wire(a, arrays) for a in step["args"]]
                wire["kwargs"] = {k: _to_wire(v, arrays) for k, v in step["kwargs"].items()}
            wire_steps.append(wire)
        header, arrays = protocol.decode(protocol.encode({"steps": wire_steps,
                                                          "returns": list(returns)}, arrays))
        state = np.random.get_state()  # the worker's global seed must not leak into the graders'
        start_cpu, start = time.process_time(), time.monotonic()
        try:
            with swapped(self.modules):
                response, out_arrays = worker.run_steps(header, arrays)
        finally:
            np.random.set_state(state)
        self.last_outcome = types.SimpleNamespace(cpu_s=time.process_time() - start_cpu,
                                                  elapsed_s=time.monotonic() - start)
        if not response.get("ok"):
            raise StudentError(response.get("target"), str(response.get("error")),
                               str(response.get("message")), "")
        return {name: _from_wire(spec, out_arrays) for name, spec in response["returns"].items()}


def grader_tests(module_names):
    """{target: [(test id, test function)]} of the grader modules, in file order."""
    tests = {}
    for name in module_names:
        with warnings.catch_warnings():  # the graders' markers are registered by their plugin
            warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
            module = importlib.import_module(name)
        for attr, fn in vars(module).items():
            if not attr.startswith("test_") or not callable(fn):
                continue
            marks = {m.name: m.args[0] for m in getattr(fn, "pytestmark", [])}
            tests.setdefault(marks["target"], []).append(("%s::%s" % (name, attr), fn))
    return tests


def passes(test_id, fn, submission, seed=0):
    """True when the grader test passes, False when it fails the submission; any other
    exception is a fault of the grader and propagates."""
    rng = np.random.default_rng([seed, zlib.crc32(test_id.encode())])
    try:
        fn(submission, rng)
    except (GradingFailure, SubmissionError, WorkerFailure):
        return False
    return True
