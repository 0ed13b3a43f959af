"""What the public checks of the normalization layers share: a training-mode parameter
dict, the cache of the student's own forward pass and the (dx, dgamma, dbeta) it gives."""
from .numpy_tools import _pair, _values


def _train(extra=None):
    return dict({"mode": "train"}, **(extra or {}))


def _grads(t, result, name, shapes):
    """(dx, dgamma, dbeta) of a backward pass, with the shapes of (x, gamma, beta)."""
    grads = _values(t, result, 3, name)
    for what, grad, shape in zip(("dx", "dgamma", "dbeta"), grads, shapes):
        t.expect_array(grad, shape, what, "float", report=False)
    return grads


def _expect_grads(t, grads, expected, what):
    for name, grad, reference in zip(("dx", "dgamma", "dbeta"), grads, expected):
        t.expect_close(grad, reference, 1e-7, "the expected %s %s" % (name, what))


def _forward_cache(t, forward, *args):
    """The cache of the student's forward pass on args (its backward pass needs it)."""
    result = t.call(forward, *args)
    _pair(t, result, forward.__name__)
    return result[1]
