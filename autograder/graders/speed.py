"""Speed checks that measure the work itself, shared by the graders of every assignment.

A speed check compares the CPU time of the student's code in the worker with the
reference's CPU time on the same inputs here. The worker's CPU time comes from the kernel,
outside the sandbox, and holds the engine's own cost too (starting or forking the worker,
reading the inputs, writing the answer), which must not count against the student.

That cost used to be measured by a first run of the student's function on a tiny input,
and subtracted. The student's code ran in that run, and code sees its inputs (and, by
reading the worker's stack frames, the whole request), so a submission could recognise
the tiny run and burn CPU there: the larger the "start-up", the more loop time hid behind
it. Here the engine's cost is measured by a run that executes none of the submission's
code: the same arrays travel and are read, and the worker calls only a built-in on them.
Nothing a submission does can make that run longer, and everything it does in the timed
run counts against it: its import, every call, every thread. Work hidden in a process it
never waits for escapes the CPU time of the worker, so the wall time, measured outside
too, is bounded as well (more loosely: other jobs on the machine inflate it).

The timed problems' sizes are drawn at random each run (`jitter`), so that no size can be
recognised or answered from a table.
"""
import time

import numpy as np
from threadpoolctl import threadpool_limits

from autograder.trusted.submission import call


def jitter(rng, size, spread=0.15):
    """`size` scaled by a random factor in [1 - spread, 1 + spread], at least 1."""
    return max(1, int(round(size * rng.uniform(1.0 - spread, 1.0 + spread))))


def cpu_seconds(func, *args, **kwargs):
    """CPU seconds of one call in this process: like the worker's CPU time, and unlike
    wall time, hardly inflated by other jobs on the machine."""
    start = time.process_time()
    func(*args, **kwargs)
    return time.process_time() - start


def reference_seconds(func, *args, repeat=1, tries=3, **kwargs):
    """`repeat` x the best of `tries` single-threaded calls of the reference (the worker
    runs single-threaded too)."""
    with threadpool_limits(1):
        return repeat * min(cpu_seconds(func, *args, **kwargs) for _ in range(tries))


def _arrays(values):
    """The NumPy arrays among `values`, nested lists, tuples and dicts included."""
    found = []
    for value in values:
        if isinstance(value, np.ndarray):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found += _arrays(value)
        elif isinstance(value, dict):
            found += _arrays(list(value.values()))
    return found


def engine_cost(submission, steps):
    """(CPU s, wall s) of a worker run that carries the arrays of `steps` but runs none of
    the submission's code: only `builtins:len` is called, on each array."""
    arrays = _arrays([arg for step in steps for arg in list(step.get("args", ()))
                      + list(step.get("kwargs", {}).values())])
    submission.run([call("builtins:len", array) for array in arrays] or [call("builtins:len", ())],
                   returns=[])
    outcome = submission.last_outcome
    return outcome.cpu_s, outcome.elapsed_s


def timed_run(submission, steps, returns):
    """(values, CPU s, wall s): the student's run of `steps`, less the engine's own cost
    measured by a run that executes none of the submission's code."""
    engine_cpu_s, engine_wall_s = engine_cost(submission, steps)
    values = submission.run(steps, returns=returns)
    outcome = submission.last_outcome
    return (values, max(0.0, outcome.cpu_s - engine_cpu_s),
            max(0.0, outcome.elapsed_s - engine_wall_s))
