"""What the public checks of the recurrent layers share (sections rnn_captioning and
lstm_captioning): a forward pass's outputs and cache, and a backward pass's gradients,
fed the cache of the student's own forward pass (its layout is the student's choice),
checked against stored values and against numerical gradients of that forward pass, as
CS231n's notebooks check them."""
import numpy as np

from .numpy_tools import _values


def _outputs(t, forward, args, count):
    """What forward(*args) returns (on copies): `count` values, its outputs then its
    cache."""
    return _values(t, t.call(forward, *[np.copy(a) for a in args]), count, forward.__name__)


def _numerical(forward, args, k, upstream):
    """The numerical gradient of sum_j <forward(*args)[j], upstream[j]> with respect to
    args[k] (centred differences)."""
    from cs231n_core.gradient_check import eval_numerical_gradient_array

    total = 0
    for j, dout in enumerate(upstream):
        def f(value, j=j):
            return forward(*(list(args[:k]) + [value] + list(args[k + 1:])))[j]
        total = total + eval_numerical_gradient_array(f, np.array(args[k], dtype=np.float64), dout)
    return total


def _check_backward(t, forward, backward, args, upstream, expected, names, tol=1e-7,
                    numeric_tol=1e-6):
    """backward(*upstream, cache) with the cache of the student's forward(*args): one
    gradient per name, each of the shape of its argument (args[k] for names[k]), equal
    to the stored `expected` values, then to numerical gradients of the student's own
    forward pass (the first len(names) arguments)."""
    cache = _outputs(t, forward, args, len(upstream) + 1)[-1]
    grads = _values(t, t.call(backward, *[np.copy(u) for u in upstream], cache), len(names),
                    backward.__name__)
    grads = [t.expect_array(grad, np.shape(arg), name, "float", report=False)
             for name, grad, arg in zip(names, grads, args)]
    t.ok("returns %s, of the shapes of the inputs" % ", ".join(names))
    for name, grad, value in zip(names, grads, expected):
        t.expect_close(grad, value, tol, "the expected %s" % name)
    for k, (name, grad) in enumerate(zip(names, grads)):
        t.expect_close(grad, _numerical(forward, args, k, upstream), numeric_tol,
                       "a numerical gradient of your %s (%s)" % (forward.__name__, name))
