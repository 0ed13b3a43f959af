"""What the graders of detection and segmentation share: one worker run per target,
tensors built in the worker, tolerances and comparisons.

Tensors never cross the sandbox's boundary: the worker receives arrays and turns them
into tensors with torch's own ``torch.from_numpy``, calls the student's code on them and
sends back arrays (a returned tensor is converted with ``.detach().cpu().numpy()``).
Importing torch costs a worker about a second of CPU time, more than any check here, so
all the checks of one target share one worker run (SharedRuns). References are computed
here, in the trusted process, by the instructor's edition of cs231n_core.
"""
import zlib

import numpy as np
import pytest

from autograder.engine.expect import GradingFailure, expect_array
from autograder.engine.submission import SubmissionError, call, saved

DETECTION = "cs231n_core.detection:"
SEGMENTATION = "cs231n_core.segmentation:"
VALUE_TOL = 1e-7     # the bound, relative to the largest reference value (float64)
F32_TOL = 1e-5       # float32 inputs
GRAD_TOL = 1e-9      # autograd's gradients in float64
MODULE_TOL = 1e-10   # a module's forward pass in float64 with its own weights


class SharedRuns:
    """Runs each target's steps once per grading run and hands the result to each of
    its checks. build(rng) returns (steps, returns, context); rng is drawn from the
    grading seed and the target's name, so inputs are fresh per run and reproducible."""

    def __init__(self, submission, seed):
        self.submission, self.seed, self.outcomes = submission, seed, {}

    def get(self, key, build):
        if key not in self.outcomes:
            rng = np.random.default_rng([self.seed, zlib.crc32(key.encode())])
            steps, returns, context = build(rng)
            try:
                self.outcomes[key] = (self.submission.run(steps, returns=returns), context, None)
            except SubmissionError as exc:
                self.outcomes[key] = (None, context, exc)
        result, context, error = self.outcomes[key]
        if error is not None:
            raise error
        return result, context


@pytest.fixture(scope="module")
def shared(submission, seed):
    return SharedRuns(submission, seed)


def reference():
    """torch and the instructor's detection and segmentation modules, on first use."""
    import torch

    from cs231n_core import detection, segmentation
    torch.set_num_threads(1)  # small tensors: threads only cost time, as in the worker
    return torch, detection, segmentation


def tensor(name, array):
    """A step that turns `array` into a tensor saved as `name`, in the worker."""
    return call("torch:from_numpy", np.ascontiguousarray(array), save=name)


def tensors(prefix, arrays):
    """Steps saving each array as a tensor (prefix0, prefix1, ...), and the list of
    saved(...) that stands for them."""
    steps = [tensor("%s%d" % (prefix, i), a) for i, a in enumerate(arrays)]
    return steps, [saved("%s%d" % (prefix, i)) for i in range(len(arrays))]


def leaf(name, array):
    """Steps that make `array` a tensor requiring gradients, saved as `name`."""
    return [tensor(name + "_data", array), call(name + "_data.requires_grad_", save=name)]


def gradient_steps(output, wrt, save):
    """Steps that differentiate the saved scalar `output` with respect to the saved
    tensors named in `wrt`; saves their gradients (None where unused)."""
    return [call("torch.autograd:grad", saved(output), [saved(w) for w in wrt], allow_unused=True,
                 save=save)]


def scaled_error(value, expected):
    """max |value - expected| / max |expected| (the difference itself when expected is 0)."""
    value = np.asarray(value, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(value - expected), initial=0.0))
    return difference / scale if scale > 0 else difference


def expect_near(value, expected, tol, what):
    """`value` matches `expected` within `tol`, relative to the largest expected entry."""
    expected = np.asarray(expected)
    expect_array(value, expected.shape, what)
    error = scaled_error(value, expected)
    if not error <= tol:
        raise GradingFailure("%s: error %.2e relative to the largest value is above the "
                             "tolerance %.0e (shape %s)" % (what, error, tol, tuple(expected.shape)))
    return error


def expect_dtype(value, dtype, what):
    if np.asarray(value).dtype != np.dtype(dtype):
        raise GradingFailure("%s: dtype %s, expected %s" % (what, np.asarray(value).dtype, np.dtype(dtype).name))


def expect_indices(value, expected, what):
    """`value` is an integer array equal to `expected`, entry for entry and in order;
    the message counts the differences without showing either."""
    expected = np.asarray(expected)
    if not isinstance(value, np.ndarray):
        raise GradingFailure("%s: expected an array, got %s" % (what, type(value).__name__))
    if value.dtype.kind not in "iu":
        raise GradingFailure("%s: dtype %s, expected integer indices (torch.int64)" % (what, value.dtype))
    if value.shape != expected.shape:
        raise GradingFailure("%s: %d entries, expected %d" % (what, value.size, expected.size))
    if value.dtype != np.int64:
        raise GradingFailure("%s: dtype %s, expected int64 (torch.long)" % (what, value.dtype))
    wrong = int(np.count_nonzero(value != expected))
    if wrong:
        first = int(np.flatnonzero(value != expected)[0])
        raise GradingFailure("%s: %d of %d entries differ from the expected ones (the first at "
                             "position %d)" % (what, wrong, expected.size, first))


def expect_gradients(grads, expected, names, what):
    if not isinstance(grads, tuple) or len(grads) != len(names):
        raise GradingFailure("%s: could not compute the gradients" % what)
    for name, grad, ref in zip(names, grads, expected):
        if grad is None:
            raise GradingFailure("%s: no gradient reaches %s; is it detached from the graph "
                                 "(.detach(), .data, NumPy, torch.no_grad())?" % (what, name))
        expect_near(grad, ref, GRAD_TOL, "%s: the gradient with respect to %s" % (what, name))


def state_arrays(result, key, what):
    state = result[key]
    if not isinstance(state, dict):
        raise GradingFailure("%s: state_dict() did not return a dict of tensors" % what)
    return {name: np.asarray(value) for name, value in state.items()}


def expect_state_shapes(state, shapes, what):
    """The state_dict has exactly the entries of `shapes` ({name: shape})."""
    missing = sorted(set(shapes) - set(state))
    extra = sorted(set(state) - set(shapes))
    if missing or extra:
        raise GradingFailure("%s: the module's parameters are named %s, expected %s"
                             % (what, sorted(state), sorted(shapes)))
    for name, shape in shapes.items():
        if tuple(state[name].shape) != tuple(shape):
            raise GradingFailure("%s: %s has shape %s, expected %s"
                                 % (what, name, tuple(state[name].shape), tuple(shape)))


def random_boxes(rng, n, low=0.0, high=100.0, min_side=0.5, max_side=40.0):
    """n boxes (x1, y1, x2, y2) in float64 with sides in [min_side, max_side]."""
    corners = rng.uniform(low, high, size=(n, 2))
    sides = rng.uniform(min_side, max_side, size=(n, 2))
    return np.concatenate([corners, corners + sides], axis=1)


def integer_boxes(rng, n, extent=200, min_side=2, max_side=40):
    """n boxes with integer corners (as float64): their IoUs are exact fractions, so that
    every correct implementation agrees even where an IoU equals a threshold."""
    corners = rng.integers(0, extent, size=(n, 2))
    sides = rng.integers(min_side, max_side + 1, size=(n, 2))
    return np.concatenate([corners, corners + sides], axis=1).astype(np.float64)
