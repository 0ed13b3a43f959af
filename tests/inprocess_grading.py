"""Run hidden graders on a mutated layers.py in this process: a fast check of the graders'
logic against the mistake bank, for mistakes whose targets live in layers.py alone.

The real path (a sandboxed worker per call) costs about half a second a call, and a
bank of fifty mistakes makes hundreds of calls. Here each grader's request goes through
the same wire format (protocol.encode/decode) and the worker's own run_steps, with
`cs231n_core.layers` resolved to the mutated module; only the sandbox is left out, which
tests/test_hostile.py and the model gradings cover. CPU time is measured in this process.
"""
import importlib
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

LAYERS = "cs231n_core.layers"


def mutated_module(source, name=LAYERS):
    """A module object holding `source` (a mutated layers.py)."""
    module = types.ModuleType(name)
    module.__file__ = "layers.py"
    exec(compile(source, "layers.py", "exec"), module.__dict__)
    return module


class InProcessSubmission:
    """What graders call `submission`, answering from a mutated layers module."""

    def __init__(self, layers_module):
        self.layers = layers_module
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
        original = sys.modules[LAYERS]
        sys.modules[LAYERS] = self.layers
        start_cpu, start = time.process_time(), time.monotonic()
        try:
            response, out_arrays = worker.run_steps(header, arrays)
        finally:
            sys.modules[LAYERS] = original
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
