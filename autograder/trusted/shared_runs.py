"""One worker run per graded target, shared by all the checks of that target.

Importing torch costs a worker about a second of CPU time, more than most checks, so
the graders that drive PyTorch code build each target's steps once per grading run and
hand the outcome to every check of the target (the plugin's module-scoped `shared`
fixture is one SharedRuns per grader module). A target whose code crashes on one of
its inputs loses the points of all its checks.
"""
import zlib

import numpy as np

from .submission import SubmissionError


class SharedRuns:
    """Runs each target's steps once per grading run and hands the result to each of
    its checks. build(rng) returns (steps, returns, context); rng is drawn from the
    grading seed and the key (the target's name), so the inputs are fresh per run and
    reproducible from the seed."""

    def __init__(self, submission, seed):
        self.submission, self.seed, self.outcomes = submission, seed, {}

    def get(self, key, build, cpu_budget_s=None):
        """(result, context) of the run keyed `key`, building and running it on first use;
        the run's SubmissionError, if it had one, is raised again for every check.
        `cpu_budget_s` caps the run's CPU time below the grading run's own limit."""
        if key not in self.outcomes:
            rng = np.random.default_rng([self.seed, zlib.crc32(key.encode())])
            steps, returns, context = build(rng)
            timeout_s = None
            if cpu_budget_s is not None:
                timeout_s = min(cpu_budget_s, self.submission.limits.timeout_s)
            try:
                self.outcomes[key] = (self.submission.run(steps, returns=returns, timeout_s=timeout_s),
                                      context, None)
            except SubmissionError as exc:
                self.outcomes[key] = (None, context, exc)
        result, context, error = self.outcomes[key]
        if error is not None:
            raise error
        return result, context
