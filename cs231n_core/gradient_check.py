"""Numerical gradient checking, as in CS231n.

Every backward pass you write in this course is checked against a numerical
gradient computed with centred differences:

    df/dx[i] ~= (f(x + h e_i) - f(x - h e_i)) / (2 h)

The functions here perturb one coordinate of the input array at a time, in
place, and always put the original value back, so the array you pass in is
unchanged afterwards.

- rel_error(x, y): the relative error used to compare two gradients.
- eval_numerical_gradient(f, x): gradient of a scalar function f(x).
- eval_numerical_gradient_array(f, x, df): gradient of sum(f(x) * df), i.e. the
  backward pass of an array-valued f given the upstream gradient df.
- grad_check_sparse(f, x, analytic_grad): compare a few random coordinates.

A relative error below about 1e-7 usually means the gradient is right; around
1e-2 or above it is almost certainly wrong (kinks such as ReLU or max can give
errors in between).
"""
import numpy as np


def rel_error(x, y):
    """Maximum relative error between two arrays (or scalars).

    Inputs:
    - x, y: arrays of the same shape (or anything np.asarray accepts).

    Returns:
    - the scalar max over all entries of |x - y| / max(1e-8, |x| + |y|) (0 for
      empty arrays).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def _values_around(f, x, ix, h, read=lambda value: value):
    """(f(x + h e_ix), f(x - h e_ix)): f at x with the coordinate ix moved up, then down,
    by h (in place; x[ix] is put back before returning). `read` turns each value of f
    into what is kept, before x moves again (an array f returns may be a view of x)."""
    oldval = x[ix]
    x[ix] = oldval + h
    fxph = read(f(x))  # f(x + h)
    x[ix] = oldval - h
    fxmh = read(f(x))  # f(x - h)
    x[ix] = oldval  # restore
    return fxph, fxmh


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Numerical gradient of a scalar function f at x, by centred differences.

    Inputs:
    - f: a function that takes the array x and returns a scalar. It is called
      with x itself (modified in place), so it must read its input from x.
    - x: float array of any shape; the point at which to evaluate the gradient.
      It is modified during the computation and restored before returning.
    - verbose: if True, print the index and gradient of each coordinate.
    - h: step size.

    Returns:
    - grad: array of the same shape as x; grad[i] ~= df/dx[i].
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        fxph, fxmh = _values_around(f, x, ix, h)
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of an array-valued function f, contracted with df.

    This is the numerical version of a backward pass: it returns the gradient
    of the scalar sum(f(x) * df) with respect to x.

    Inputs:
    - f: a function that takes the array x and returns an array of any shape
      (the same shape as df). It is called with x itself (modified in place).
    - x: float array of shape S; modified during the call and restored.
    - df: upstream gradient, an array of the shape of f(x).
    - h: step size.

    Returns:
    - grad: array of shape S; grad[i] ~= sum(df * d f(x) / dx[i]).
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        pos, neg = _values_around(f, x, ix, h,
                                  read=lambda value: np.array(value, dtype=np.float64, copy=True))
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=None):
    """Compare an analytic gradient with numerical ones at random coordinates.

    Like CS231n's, prints one line per check:
    "numerical: ... analytic: ..., relative error: ...".

    Inputs:
    - f: a function that takes the array x and returns a scalar.
    - x: float array of shape S; modified during the call and restored.
    - analytic_grad: array of shape S, the gradient to check.
    - num_checks: how many random coordinates to check.
    - h: step size.
    - seed: optional seed for choosing the coordinates; None draws them from
      NumPy's global random state (as CS231n does).

    Returns:
    - rel_errors: list of num_checks floats, the relative error of each check.
    """
    rng = np.random if seed is None else np.random.RandomState(seed)
    rel_errors = []
    for _ in range(num_checks):
        ix = tuple(int(rng.randint(m)) for m in x.shape)
        fxph, fxmh = _values_around(f, x, ix, h)
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        error = abs(grad_numerical - grad_analytic) / max(
            1e-8, abs(grad_numerical) + abs(grad_analytic)
        )
        rel_errors.append(float(error))
        print(
            "numerical: %f analytic: %f, relative error: %e"
            % (grad_numerical, grad_analytic, error)
        )
    return rel_errors
