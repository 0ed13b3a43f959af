"""Tests of cs231n_core.gradient_check."""
import numpy as np
import pytest

from cs231n_core.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)


# ---------------------------------------------------------------- rel_error


def test_rel_error_identical_is_zero():
    x = np.random.RandomState(0).randn(3, 4)
    assert rel_error(x, x.copy()) == 0.0


def test_rel_error_hand_checked_values():
    # |1 - 3| / (1 + 3) = 0.5 ; the max over entries is taken
    assert rel_error(np.array([1.0, 2.0]), np.array([3.0, 2.0])) == pytest.approx(0.5)
    # opposite signs give the largest possible error, 1
    assert rel_error(1.0, -1.0) == pytest.approx(1.0)
    # scalars work and the result is symmetric
    assert rel_error(2.0, 2.2) == pytest.approx(0.2 / 4.2)
    assert rel_error(2.2, 2.0) == pytest.approx(0.2 / 4.2)


def test_rel_error_denominator_floor_for_tiny_values():
    # both values tiny: the denominator is clamped to 1e-8
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-4)
    assert rel_error(0.0, 0.0) == 0.0


def test_rel_error_returns_python_float():
    assert isinstance(rel_error(np.ones(3), np.ones(3)), float)


# -------------------------------------------------- eval_numerical_gradient


def test_numerical_gradient_of_cubic():
    x = np.random.RandomState(1).randn(4, 5)
    x_before = x.copy()
    grad = eval_numerical_gradient(lambda x: np.sum(x ** 3), x, verbose=False)
    assert grad.shape == x.shape
    assert rel_error(grad, 3 * x_before ** 2) < 1e-7
    np.testing.assert_array_equal(x, x_before)  # restored


def test_numerical_gradient_of_quadratic_form():
    rng = np.random.RandomState(2)
    A = rng.randn(6, 6)
    x = rng.randn(6)
    grad = eval_numerical_gradient(lambda v: v @ A @ v, x, verbose=False)
    assert rel_error(grad, (A + A.T) @ x) < 1e-7


def test_numerical_gradient_verbose_prints_each_coordinate(capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    eval_numerical_gradient(lambda x: np.sum(x ** 2), x, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("(0, 0)")


def test_numerical_gradient_0d_array():
    x = np.array(1.5)
    grad = eval_numerical_gradient(lambda x: float(np.sin(x)), x, verbose=False)
    assert rel_error(grad, np.cos(1.5)) < 1e-8


# -------------------------------------------- eval_numerical_gradient_array


def test_numerical_gradient_array_elementwise():
    rng = np.random.RandomState(3)
    x = rng.randn(3, 4)
    x_before = x.copy()
    df = rng.randn(3, 4)
    grad = eval_numerical_gradient_array(np.tanh, x, df)
    assert rel_error(grad, df * (1 - np.tanh(x_before) ** 2)) < 1e-7
    np.testing.assert_array_equal(x, x_before)


def test_numerical_gradient_array_matrix_product():
    # f(x) = x @ W, so d sum(f(x) * df) / dx = df @ W.T (an affine layer)
    rng = np.random.RandomState(4)
    x = rng.randn(5, 3)
    W = rng.randn(3, 7)
    df = rng.randn(5, 7)
    grad = eval_numerical_gradient_array(lambda x: x @ W, x, df)
    assert grad.shape == x.shape
    assert rel_error(grad, df @ W.T) < 1e-7
    # and the gradient with respect to W
    grad_W = eval_numerical_gradient_array(lambda W: x @ W, W, df)
    assert rel_error(grad_W, x.T @ df) < 1e-7


def test_numerical_gradient_array_f_returning_view_of_x():
    # f returns (a view of) its input: the +h output must be copied before -h
    x = np.random.RandomState(5).randn(4)
    df = np.random.RandomState(6).randn(4)
    grad = eval_numerical_gradient_array(lambda x: x, x, df)
    assert rel_error(grad, df) < 1e-8


# ------------------------------------------------------- grad_check_sparse


def _cubic(x):
    return np.sum(x ** 3)


def test_grad_check_sparse_right_gradient_small_errors(capsys):
    x = np.random.RandomState(7).randn(10, 8)
    x_before = x.copy()
    errors = grad_check_sparse(_cubic, x, 3 * x ** 2, num_checks=12, seed=0)
    assert isinstance(errors, list) and len(errors) == 12
    assert max(errors) < 1e-7
    np.testing.assert_array_equal(x, x_before)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 12
    assert out[0].startswith("numerical:") and "analytic:" in out[0]
    assert "relative error:" in out[0]


def test_grad_check_sparse_wrong_gradient_large_errors():
    x = np.random.RandomState(8).randn(10, 8) + 3.0  # keep away from 0
    wrong = 2 * x ** 2
    errors = grad_check_sparse(_cubic, x, wrong, num_checks=10, seed=1)
    assert min(errors) > 0.1


def test_grad_check_sparse_seed_is_reproducible():
    x = np.random.RandomState(9).randn(6, 6)
    rng_state = np.random.get_state()
    e1 = grad_check_sparse(_cubic, x, 3 * x ** 2 + 0.01 * x, num_checks=5, seed=3)
    e2 = grad_check_sparse(_cubic, x, 3 * x ** 2 + 0.01 * x, num_checks=5, seed=3)
    assert e1 == e2
    # a seeded check leaves the global random state alone
    assert np.array_equal(np.random.get_state()[1], rng_state[1])


def test_grad_check_sparse_without_seed_uses_global_state():
    x = np.random.RandomState(10).randn(6, 6)
    grad = 3 * x ** 2 + 0.01 * x  # errors differ per coordinate
    np.random.seed(42)
    e1 = grad_check_sparse(_cubic, x, grad, num_checks=5)
    np.random.seed(42)
    e2 = grad_check_sparse(_cubic, x, grad, num_checks=5)
    assert e1 == e2
