"""What the public checks of the recurrent layers share (sections rnn_captioning and
lstm_captioning): CS231n's own checks of the forward passes and of the captioning
model's loss (np.linspace inputs and the values CS231n's notebooks print, which the
notebooks and the tests run too), a forward pass's outputs and cache, and a backward
pass's gradients, fed the cache of the student's own forward pass (its layout is the
student's choice), checked against stored values and against numerical gradients of
that forward pass, as CS231n's notebooks check them."""
import numpy as np

from .numpy_tools import _values


def _linspace(low, high, *shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


# CS231n's checks: the inputs of each forward pass (np.linspace) and the outputs its
# notebooks print (to 8 decimals).
_CS231N_CASES = {
    "rnn_step_forward": (
        lambda: [_linspace(-0.4, 0.7, 3, 10), _linspace(-0.2, 0.5, 3, 4), _linspace(-0.1, 0.9, 10, 4),
                 _linspace(-0.3, 0.7, 4, 4), _linspace(-0.2, 0.4, 4)],
        {"next_h": [[-0.58172089, -0.50182032, -0.41232771, -0.31410098],
                    [0.66854692, 0.79562378, 0.87755553, 0.92795967],
                    [0.97934501, 0.99144213, 0.99646691, 0.99854353]]}),
    "rnn_forward": (
        lambda: [_linspace(-0.1, 0.3, 2, 3, 4), _linspace(-0.3, 0.1, 2, 5), _linspace(-0.2, 0.4, 4, 5),
                 _linspace(-0.4, 0.1, 5, 5), _linspace(-0.7, 0.1, 5)],
        {"h": [[[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
                [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
                [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
               [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
                [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
                [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]]}),
    "word_embedding_forward": (
        lambda: [np.array([[0, 3, 1, 2], [2, 1, 0, 3]]), _linspace(0, 1, 5, 3)],
        {"out": np.array([[[0, 1, 2], [9, 10, 11], [3, 4, 5], [6, 7, 8]],
                          [[6, 7, 8], [3, 4, 5], [0, 1, 2], [9, 10, 11]]]) / 14}),
    "lstm_step_forward": (
        lambda: [_linspace(-0.4, 1.2, 3, 4), _linspace(-0.3, 0.7, 3, 5), _linspace(-0.4, 0.9, 3, 5),
                 _linspace(-2.1, 1.3, 4, 20), _linspace(-0.7, 2.2, 5, 20), _linspace(0.3, 0.7, 20)],
        {"next_h": [[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
                    [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
                    [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]],
         "next_c": [[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
                    [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
                    [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]]}),
    "lstm_forward": (
        lambda: [_linspace(-0.4, 0.6, 2, 3, 5), _linspace(-0.4, 0.8, 2, 4), _linspace(-0.2, 0.9, 5, 16),
                 _linspace(-0.3, 0.6, 4, 16), _linspace(0.2, 0.7, 16)],
        {"h": [[[0.01764008, 0.01823233, 0.01882671, 0.0194232],
                [0.11287491, 0.12146228, 0.13018446, 0.13902939],
                [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
               [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
                [0.6704845, 0.69350089, 0.71486014, 0.7346449],
                [0.81733511, 0.83677871, 0.85403753, 0.86935314]]]}),
}


def cs231n_case(name):
    """CS231n's check of the forward pass `name` ("rnn_step_forward", "rnn_forward",
    "word_embedding_forward", "lstm_step_forward", "lstm_forward"): (its arguments, a
    list of fresh arrays; {output name: the expected output, an array})."""
    build, expected = _CS231N_CASES[name]
    return build(), {key: np.asarray(value, dtype=np.float64) for key, value in expected.items()}


# CS231n's check of CaptioningRNN's loss: a vocabulary without <START> and <END>, every
# parameter set to a linspace, the features a linspace of their own per cell type.
CAPTIONING_VOCAB = {"<NULL>": 0, "cat": 2, "dog": 3}
CAPTIONING_DIMS = {"input_dim": 20, "wordvec_dim": 30, "hidden_dim": 40}
_CAPTIONING_CASES = {"rnn": ((-1.5, 0.3), 9.83235591003), "lstm": ((-0.5, 1.7), 9.82445935443)}


def cs231n_captioning_case(model):
    """Set up CS231n's check of a CaptioningRNN's loss on `model`, built with
    CAPTIONING_VOCAB and CAPTIONING_DIMS (float64): its parameters become linspaces.
    Returns (features (10, 20), captions (10, 13), the expected loss)."""
    (low, high), expected_loss = _CAPTIONING_CASES[model.cell_type]
    for name, value in model.params.items():
        model.params[name] = np.linspace(-1.4, 1.3, num=value.size).reshape(*value.shape)
    N, T = 10, 13
    features = _linspace(low, high, N, CAPTIONING_DIMS["input_dim"])
    captions = (np.arange(N * T) % len(CAPTIONING_VOCAB)).reshape(N, T)
    return features, captions, expected_loss


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


def gradient_errors(forward, backward, args, upstream, names, grad_args=None):
    """CS231n's gradient check of a backward pass, as its notebooks print it: for each
    gradient, the relative error between backward(*upstream, cache of forward(*args))
    and a numerical gradient of forward (centred differences); gradient k belongs to
    argument grad_args[k] (by default argument k). Prints one line per gradient and
    returns {name: relative error}."""
    from cs231n_core.gradient_check import rel_error

    grads = backward(*upstream, forward(*args)[-1])
    grads = grads if isinstance(grads, tuple) else (grads,)
    errors = {}
    for name, grad, k in zip(names, grads, grad_args or range(len(names))):
        errors[name] = rel_error(_numerical(forward, args, k, upstream), grad)
        print("%s error: %.3g" % (name, errors[name]))
    return errors


def _backward_check(backward, forward, args, upstream, expected, names):
    """The public check of rnn_layers.<backward> (see _check_backward), on fixed inputs:
    a section's module registers it, public_check(backward)(_backward_check(...))."""
    def check(t):
        from cs231n_core import rnn_layers

        _check_backward(t, getattr(rnn_layers, forward), getattr(rnn_layers, backward), args, upstream,
                        expected, names)
    check.__name__ = "_check_" + backward
    return check


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
