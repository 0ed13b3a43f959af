"""What the graders of detection and segmentation share: one worker run per target,
tensors built in the worker, tolerances and comparisons.

Tensors never cross the sandbox's boundary: the worker receives arrays and turns them
into tensors with torch's own ``torch.from_numpy``, calls the student's code on them and
sends back arrays (a returned tensor is converted with ``.detach().cpu().numpy()``).
Importing torch costs a worker about a second of CPU time, more than any check here, so
all the checks of one target share one worker run (the `shared` fixture). References
are computed here, in the trusted process, by the instructor's edition of cs231n_core.
"""
import numpy as np

from autograder.trusted.expect import wrong

DETECTION = "cs231n_core.detection:"
SEGMENTATION = "cs231n_core.segmentation:"
VALUE_TOL = 1e-7     # the bound, relative to the largest reference value (float64)
F32_TOL = 1e-5       # float32 inputs
GRAD_TOL = 1e-9      # autograd's gradients in float64
MODULE_TOL = 1e-10   # a module's forward pass in float64 with its own weights


def reference():
    """torch and the instructor's detection and segmentation modules, on first use."""
    import torch

    from cs231n_core import detection, segmentation
    torch.set_num_threads(1)  # small tensors: threads only cost time, as in the worker
    return torch, detection, segmentation


def expect_indices(value, expected, what):
    """`value` is an integer array equal to `expected`, entry for entry and in order;
    the message counts the differences without showing either. A failure is about the
    returned indices, or about their dtype alone (an empty array's only property)."""
    expected = np.asarray(expected)
    if not isinstance(value, np.ndarray):
        raise wrong(type(value).__name__, "%s: expected an array, got %s" % (what, type(value).__name__), what)
    if value.dtype.kind not in "iu":
        raise wrong("dtype %s" % value.dtype, "%s: dtype %s, expected integer indices (torch.int64)"
                    % (what, value.dtype), what)
    if value.shape != expected.shape:
        raise wrong(value, "%s: %d entries, expected %d" % (what, value.size, expected.size), what)
    if value.dtype != np.int64:
        raise wrong("dtype %s" % value.dtype, "%s: dtype %s, expected int64 (torch.long)" % (what, value.dtype), what)
    differ = int(np.count_nonzero(value != expected))
    if differ:
        first = int(np.flatnonzero(value != expected)[0])
        raise wrong(value, "%s: %d of %d entries differ from the expected ones (the first at "
                    "position %d)" % (what, differ, expected.size, first), what)


def expect_state_shapes(state, shapes, what):
    """The state_dict has exactly the entries of `shapes` ({name: shape}); a failure's
    answer is the state (its weights come from the run's seeded generator)."""
    missing = sorted(set(shapes) - set(state))
    extra = sorted(set(state) - set(shapes))
    if missing or extra:
        raise wrong(state, "%s: the module's parameters are named %s, expected %s"
                    % (what, sorted(state), sorted(shapes)), what)
    for name, shape in shapes.items():
        if tuple(state[name].shape) != tuple(shape):
            raise wrong(state, "%s: %s has shape %s, expected %s"
                        % (what, name, tuple(state[name].shape), tuple(shape)), what)


def finite_weights(value, name, what):
    """`value` as float32 weights, refused unless every entry is a finite number."""
    value = np.asarray(value)
    if value.dtype.kind not in "biuf" or not np.all(np.isfinite(value)):
        raise wrong(value, "%s: %s is not an array of finite numbers" % (what, name), what)
    return value.astype(np.float32)


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
