"""What the public checks of the PyTorch targets share (assignments 2 and 3).

torch is imported inside each function, so that importing the checks stays cheap.
"""
import functools

import numpy as np


def keeps_torch_rng(check=None, *, seed=None):
    """Run a check without disturbing torch's global random numbers (the notebook's).

    Use it as ``@keeps_torch_rng``, or as ``keeps_torch_rng(seed=231)`` for checks that
    start from ``torch.manual_seed(231)``.
    """
    if check is None:
        return functools.partial(keeps_torch_rng, seed=seed)

    @functools.wraps(check)
    def wrapped(t):
        import torch

        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            return check(t)
    return wrapped


def detection_modules():
    """torch and the library's detection and segmentation modules, imported when a check
    runs (the checks of the detection, detector and segmentation sections)."""
    import torch

    from cs231n_core import detection, segmentation
    return torch, detection, segmentation


def as_numpy(t, value, what, double=False):
    """A returned tensor as a NumPy array (detached; float64 with double=True), or a
    failure in one sentence."""
    if value is None:
        t.fail("returned None for %s; did you forget the return statement?" % what)
    if not hasattr(value, "detach"):
        t.fail("returned a %s for %s, expected a torch tensor" % (type(value).__name__, what))
    value = value.detach().cpu()
    return (value.double() if double else value).numpy()


def expect_indices(t, value, expected, what, hint=None):
    """Indices returned as a torch.int64 tensor, equal to `expected`."""
    got = as_numpy(t, value, what)
    if got.dtype != np.int64:  # judged by its dtype alone (no boxes give no values)
        t.wrong("dtype %s" % got.dtype,
                "%s has dtype %s, expected torch.int64 indices" % (what, got.dtype),
                what)
    t.expect_labels(got, np.asarray(expected, dtype=np.int64), what, hint=hint)


def expect_in_graph(t, value, what, sentence):
    """Fail with `sentence` unless `value` is a tensor that autograd can differentiate
    (requires_grad). Such a failure is judged by what came back, a Python number or a
    tensor cut from the graph, since its values may well be right."""
    import torch

    if not torch.is_tensor(value) or not value.requires_grad:
        returned = "a tensor cut from the graph" if torch.is_tensor(value) else "a %s" % type(value).__name__
        t.wrong(returned, sentence, what)


def two_stage_modules():
    """torch and the library's roi_ops and two_stage modules, imported when a check runs
    (the checks of the roi_ops and two_stage sections)."""
    import torch

    from cs231n_core import roi_ops, two_stage
    return torch, roi_ops, two_stage
