"""What the public checks of the NumPy targets share: unpacking what a target returns
(a forward pass's pair, a backward pass's values, a scalar loss, a dict of gradients)."""
import numpy as np


def _pair(t, result, name):
    """A forward pass returns (out, cache): return out, or fail with one sentence."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        t.fail("%s should return a pair (out, cache), got %s" % (
            name, "%d values" % len(result) if isinstance(result, (tuple, list))
            else "a %s" % type(result).__name__))
    return result[0]


def _values(t, result, count, name):
    """A backward pass or a loss returns `count` values: return them as a list."""
    if not isinstance(result, (tuple, list)) or len(result) != count:
        t.fail("%s should return %d values, got %s" % (
            name, count, "%d values" % len(result) if isinstance(result, (tuple, list))
            else "a %s" % type(result).__name__))
    return list(result)


def _scalar(t, value, what):
    if value is None:
        t.fail("returned None for %s; did you forget to set it?" % what)
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        t.fail("%s should be a single number, got an array of shape %s" % (what, arr.shape))
    return float(arr.reshape(()))


def _check_grads_dict(t, grads, params):
    if not isinstance(grads, dict):
        t.fail("grads should be a dictionary, got a %s" % type(grads).__name__)
    missing = [k for k in params if k not in grads]
    if missing:
        t.fail("grads lacks %s; it needs a gradient for every key of self.params"
               % ", ".join(missing))
    for k in params:
        if np.shape(grads[k]) != np.shape(params[k]):
            t.fail("grads[%r] has shape %s, expected the shape of params[%r], %s"
                   % (k, np.shape(grads[k]), k, np.shape(params[k])))
