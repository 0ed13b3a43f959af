"""Unit tests of the update rules of assignment 2 (sgd_momentum, rmsprop, adam): CS231n's
published values, updates worked by hand, defaults, and state carried across steps."""
import numpy as np
import pytest

from cs231n_core.checks.fc_nets import CS231N_STEP, cs231n_step_inputs
from cs231n_core.gradient_check import rel_error
from cs231n_core.optim import adam, rmsprop, sgd, sgd_momentum


@pytest.mark.parametrize("rule", [sgd_momentum, rmsprop, adam])
def test_cs231n_values(rule):
    """One step from CS231n's inputs gives CS231n's published next_w and state (the
    values and tolerances the public checks use)."""
    w, dw, config = cs231n_step_inputs(rule.__name__)
    next_w, config = rule(w, dw, config=config)
    got = dict(config, next_w=next_w)
    for key, (expected, tol) in CS231N_STEP[rule.__name__].items():
        assert rel_error(got[key], expected) < tol, key
    if rule is adam:
        assert config["t"] == 6


def test_defaults_of_the_contract():
    w, dw = np.ones(3), np.full(3, 0.5)
    _, config = sgd_momentum(w.copy(), dw, None)
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9
    np.testing.assert_allclose(config["velocity"], -1e-2 * dw)
    _, config = rmsprop(w.copy(), dw, None)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    np.testing.assert_allclose(config["cache"], 0.01 * dw ** 2)
    _, config = adam(w.copy(), dw, None)
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == \
        (1e-2, 0.9, 0.999, 1e-8)
    assert config["t"] == 1


def test_adam_first_step_moves_by_the_learning_rate():
    """With t incremented before use, the bias-corrected first step is
    lr * g / (|g| + eps): about lr in the direction of -sign(g), whatever |g| is."""
    w = np.zeros(4)
    dw = np.array([1e-3, -2.0, 50.0, -0.1])
    next_w, _ = adam(w.copy(), dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, -0.1 * np.sign(dw), rtol=1e-4)


def test_rmsprop_epsilon_outside_the_root():
    w, dw = np.zeros(2), np.array([0.0, 1e-6])
    next_w, config = rmsprop(w, dw, {"learning_rate": 1.0, "decay_rate": 0.0, "epsilon": 1e-8})
    np.testing.assert_allclose(next_w, [0.0, -1e-6 / (1e-6 + 1e-8)])


@pytest.mark.parametrize("rule", [sgd_momentum, rmsprop, adam])
def test_state_carries_over_steps_and_zero_gradient_keeps_rmsprop_adam_still(rule):
    rs = np.random.RandomState(0)
    w = rs.randn(3, 4)
    config = None
    for _ in range(3):
        w, config = rule(w, rs.randn(3, 4), config)
    assert w.shape == (3, 4) and np.all(np.isfinite(w))
    if rule is adam:
        assert config["t"] == 3


def test_momentum_zero_is_sgd():
    rs = np.random.RandomState(1)
    w, dw = rs.randn(5), rs.randn(5)
    expected, _ = sgd(w.copy(), dw, {"learning_rate": 0.3})
    got, _ = sgd_momentum(w.copy(), dw, {"learning_rate": 0.3, "momentum": 0.0})
    np.testing.assert_allclose(got, expected)
