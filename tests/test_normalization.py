"""Unit tests of the reference normalization layers (batch norm, layer norm, spatial batch
norm, group norm) and the affine-norm-ReLU helpers: cases worked by hand, every gradient
against a numerical one, running averages, test mode, and bad input."""
import numpy as np
import pytest

from cs231n_core.gradient_check import eval_numerical_gradient_array, rel_error
from cs231n_core.layer_utils import affine_norm_relu_backward, affine_norm_relu_forward
from cs231n_core.layers import (batchnorm_backward, batchnorm_backward_alt, batchnorm_forward,
                                layernorm_backward, layernorm_forward,
                                spatial_batchnorm_backward, spatial_batchnorm_forward,
                                spatial_groupnorm_backward, spatial_groupnorm_forward)


@pytest.fixture
def rs():
    return np.random.RandomState(231)


def numerical_grads(forward, args, dout):
    """Numerical gradients of forward(*args)[0] with respect to each of args."""
    grads = []
    for i in range(len(args)):
        def f(value, i=i):
            return forward(*(args[:i] + [value] + args[i + 1:]))[0]
        grads.append(eval_numerical_gradient_array(f, args[i].copy(), dout))
    return grads


def assert_grad_close(got, expected, tol=1e-6):
    """Relative error below tol, or (where the true gradient is tiny, e.g. one example or
    two features) an absolute error within the numerical gradient's own noise."""
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-8 or rel_error(got, expected) < tol


# ---- batchnorm_forward ----------------------------------------------------------------------

def test_batchnorm_forward_by_hand():
    """Columns [1, 3] and [2, 6]: means 2 and 4, biased variances 1 and 4."""
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn_param = {"mode": "train", "eps": 0.0, "momentum": 0.5}
    out, _ = batchnorm_forward(x, np.array([1.0, 3.0]), np.array([0.0, 10.0]), bn_param)
    np.testing.assert_allclose(out, [[-1.0, 7.0], [1.0, 13.0]])
    np.testing.assert_allclose(bn_param["running_mean"], [1.0, 2.0])  # 0.5 * 0 + 0.5 * mean
    np.testing.assert_allclose(bn_param["running_var"], [0.5, 2.0])


def test_batchnorm_forward_train_statistics(rs):
    """CS231n's notebook: after batch norm, means are beta and stds are gamma."""
    x = 50 + 12 * rs.randn(200, 3)
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)


def test_batchnorm_forward_running_averages_and_test_mode(rs):
    """Running averages follow momentum * running + (1 - momentum) * batch; test mode
    normalizes with them, changes nothing in bn_param, and has the right statistics."""
    D, momentum = 3, 0.8
    gamma, beta = rs.randn(D), rs.randn(D)
    bn_param = {"mode": "train", "momentum": momentum}
    expected_mean, expected_var = np.zeros(D), np.zeros(D)
    for _ in range(60):
        x = 2.0 + 3.0 * rs.randn(50, D)
        batchnorm_forward(x, gamma, beta, bn_param)
        expected_mean = momentum * expected_mean + (1 - momentum) * x.mean(axis=0)
        expected_var = momentum * expected_var + (1 - momentum) * x.var(axis=0)
    np.testing.assert_allclose(bn_param["running_mean"], expected_mean, rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], expected_var, rtol=1e-12)

    bn_param["mode"] = "test"
    before = {k: np.copy(v) for k, v in bn_param.items() if k.startswith("running")}
    x = 2.0 + 3.0 * rs.randn(4000, D)
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    expected = gamma * (x - expected_mean) / np.sqrt(expected_var + 1e-5) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    for key, value in before.items():
        np.testing.assert_array_equal(bn_param[key], value)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=0.25 * np.abs(gamma).max())
    # one example at test time: depends on the running statistics only
    single, _ = batchnorm_forward(x[:1], gamma, beta, bn_param)
    np.testing.assert_allclose(single, out[:1], rtol=1e-12)


def test_batchnorm_forward_rejects_bad_modes():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "training"})
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(x, np.ones(3), np.zeros(3), {})
    with pytest.raises(ValueError, match="spatial_batchnorm_forward"):
        batchnorm_forward(np.ones((2, 3, 4, 4)), np.ones(3), np.zeros(3), {"mode": "train"})


# ---- batchnorm backward passes --------------------------------------------------------------

@pytest.mark.parametrize("shape", [(4, 5), (1, 3), (7, 1), (10, 6)])
def test_batchnorm_backward_numerical(rs, shape):
    """Both backward passes match numerical gradients (CS231n: errors around 1e-9 or less).
    One example normalizes to beta alone: dx is 0 there, as the numbers say."""
    x = 5 * rs.randn(*shape) + 12
    gamma, beta, dout = rs.randn(shape[1]), rs.randn(shape[1]), rs.randn(*shape)

    def forward(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta, {"mode": "train"})

    numeric = numerical_grads(forward, [x, gamma, beta], dout)
    _, cache = forward(x, gamma, beta)
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        grads = backward(dout, cache)
        for got, expected in zip(grads, numeric):
            assert_grad_close(got, expected)


def test_batchnorm_backward_alt_equals_backward(rs):
    x, dout = rs.randn(64, 30) * 4 - 1, rs.randn(64, 30)
    gamma, beta = rs.randn(30), rs.randn(30)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for plain, alt in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache)):
        assert rel_error(plain, alt) < 1e-10


def test_batchnorm_backward_by_hand():
    """Two examples, eps 0: x_hat = +-1 whatever x; so dx = 0 and dgamma = dout1 - dout0."""
    x = np.array([[1.0], [3.0]])
    _, cache = batchnorm_forward(x, np.array([2.0]), np.array([0.0]), {"mode": "train", "eps": 0.0})
    dout = np.array([[0.5], [2.0]])
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        np.testing.assert_allclose(dx, [[0.0], [0.0]], atol=1e-15)
        np.testing.assert_allclose(dgamma, [1.5])
        np.testing.assert_allclose(dbeta, [2.5])


# ---- layer norm -------------------------------------------------------------------------------

def test_layernorm_forward_by_hand():
    x = np.array([[1.0, 3.0], [2.0, 6.0]])  # rows: mean 2, var 1; mean 4, var 4
    out, _ = layernorm_forward(x, np.array([1.0, 2.0]), np.array([0.5, 0.0]), {"eps": 0.0})
    np.testing.assert_allclose(out, [[-0.5, 2.0], [-0.5, 2.0]])


def test_layernorm_forward_statistics_and_default_eps(rs):
    x = 7 + 3 * rs.randn(5, 40)
    out, _ = layernorm_forward(x, np.ones(40), np.zeros(40), {})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=1), x.var(axis=1) / (x.var(axis=1) + 1e-5), rtol=1e-12)


@pytest.mark.parametrize("shape", [(4, 5), (1, 6), (6, 2)])
def test_layernorm_backward_numerical(rs, shape):
    x = 5 * rs.randn(*shape) + 12
    gamma, beta, dout = rs.randn(shape[1]), rs.randn(shape[1]), rs.randn(*shape)

    def forward(x, gamma, beta):
        return layernorm_forward(x, gamma, beta, {"eps": 1e-5})

    numeric = numerical_grads(forward, [x, gamma, beta], dout)
    grads = layernorm_backward(dout, forward(x, gamma, beta)[1])
    for got, expected in zip(grads, numeric):
        assert_grad_close(got, expected)


# ---- spatial batch norm ------------------------------------------------------------------------

def test_spatial_batchnorm_is_batchnorm_per_channel(rs):
    x = 4 * rs.randn(2, 3, 4, 5) + 10
    gamma, beta = rs.randn(3), rs.randn(3)
    bn_param = {"mode": "train"}
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    assert out.shape == x.shape
    for c in range(3):
        values = x[:, c]
        expected = gamma[c] * (values - values.mean()) / np.sqrt(values.var() + 1e-5) + beta[c]
        np.testing.assert_allclose(out[:, c], expected, rtol=1e-10)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=(0, 2, 3)))
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    mean, var = bn_param["running_mean"], bn_param["running_var"]
    np.testing.assert_allclose(
        out, gamma[:, None, None] * (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
        + beta[:, None, None], rtol=1e-10)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 3, 1)])
def test_spatial_batchnorm_backward_numerical(rs, shape):
    x = 5 * rs.randn(*shape) + 12
    gamma, beta, dout = rs.randn(shape[1]), rs.randn(shape[1]), rs.randn(*shape)

    def forward(x, gamma, beta):
        return spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})

    numeric = numerical_grads(forward, [x, gamma, beta], dout)
    grads = spatial_batchnorm_backward(dout, forward(x, gamma, beta)[1])
    for got, expected in zip(grads, numeric):
        assert_grad_close(got, expected)


# ---- group norm --------------------------------------------------------------------------------

def test_groupnorm_by_hand():
    """Two groups of two channels of one pixel: [1, 3] and [2, 6] normalize to [-1, 1]."""
    x = np.array([1.0, 3.0, 2.0, 6.0]).reshape(1, 4, 1, 1)
    gamma = np.array([1.0, 2.0, 3.0, 4.0]).reshape(1, 4, 1, 1)
    beta = np.array([0.0, 0.0, 1.0, 1.0]).reshape(1, 4, 1, 1)
    out, _ = spatial_groupnorm_forward(x, gamma, beta, 2, {"eps": 0.0})
    np.testing.assert_allclose(out.ravel(), [-1.0, 2.0, -2.0, 5.0])


def test_groupnorm_extremes_are_layernorm_and_per_channel(rs):
    """G = 1 normalizes each example over all its values; G = C each channel alone."""
    x = 3 * rs.randn(2, 4, 3, 3) + 1
    ones, zeros = np.ones((1, 4, 1, 1)), np.zeros((1, 4, 1, 1))
    out, _ = spatial_groupnorm_forward(x, ones, zeros, 1, {})
    flat = x.reshape(2, -1)
    expected = (flat - flat.mean(axis=1, keepdims=True)) / np.sqrt(flat.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.reshape(2, -1), expected, rtol=1e-10)
    out, _ = spatial_groupnorm_forward(x, ones, zeros, 4, {})
    np.testing.assert_allclose(out.mean(axis=(2, 3)), 0, atol=1e-12)


@pytest.mark.parametrize("shape, G", [((2, 6, 4, 5), 2), ((3, 4, 2, 2), 4), ((1, 3, 3, 1), 1)])
def test_groupnorm_backward_numerical(rs, shape, G):
    C = shape[1]
    x = 5 * rs.randn(*shape) + 12
    gamma, beta = rs.randn(1, C, 1, 1), rs.randn(1, C, 1, 1)
    dout = rs.randn(*shape)

    def forward(x, gamma, beta):
        return spatial_groupnorm_forward(x, gamma, beta, G, {"eps": 1e-5})

    numeric = numerical_grads(forward, [x, gamma, beta], dout)
    grads = spatial_groupnorm_backward(dout, forward(x, gamma, beta)[1])
    for got, expected in zip(grads, numeric):
        assert_grad_close(got, expected)
    assert grads[1].shape == (1, C, 1, 1)


def test_groupnorm_rejects_groups_that_do_not_divide_channels():
    with pytest.raises(ValueError, match="divide"):
        spatial_groupnorm_forward(np.ones((1, 6, 2, 2)), np.ones((1, 6, 1, 1)),
                                  np.zeros((1, 6, 1, 1)), 4, {})
    with pytest.raises(ValueError, match="shape"):
        spatial_groupnorm_forward(np.ones((6, 2)), np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), 2, {})


# ---- affine - norm - ReLU helpers --------------------------------------------------------------

@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_affine_norm_relu_numerical(rs, normalization):
    x, w, b = rs.randn(5, 2, 3), rs.randn(6, 4), rs.randn(4)
    gamma, beta, dout = rs.randn(4), rs.randn(4), rs.randn(5, 4)

    def forward(x, w, b, gamma, beta):
        return affine_norm_relu_forward(x, w, b, gamma, beta, {"mode": "train"}, normalization)

    out, cache = forward(x, w, b, gamma, beta)
    assert out.shape == (5, 4) and np.all(out >= 0)
    numeric = numerical_grads(forward, [x, w, b, gamma, beta], dout)
    for got, expected in zip(affine_norm_relu_backward(dout, cache), numeric):
        assert_grad_close(got, expected)
    with pytest.raises(ValueError, match="normalization"):
        affine_norm_relu_forward(x, w, b, gamma, beta, {}, "groupnorm")
