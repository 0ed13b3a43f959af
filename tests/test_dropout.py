"""Unit tests of the reference inverted dropout: train/test behaviour, the keep probability,
the mask in the cache, seeding, and the gradient against a numerical one."""
import numpy as np
import pytest

from cs231n_core.gradient_check import eval_numerical_gradient_array, rel_error
from cs231n_core.layers import dropout_backward, dropout_forward


def test_train_mode_keeps_a_fraction_p_and_preserves_the_mean():
    x = np.random.RandomState(0).randn(500, 500) + 10
    for p in (0.25, 0.4, 0.7):
        out, (param, mask) = dropout_forward(x, {"mode": "train", "p": p, "seed": 1})
        kept = out != 0
        assert abs(kept.mean() - p) < 0.01
        np.testing.assert_allclose(out[kept], x[kept] / p)
        # the mean of out has a standard deviation of about sqrt((1 - p) / p * 101 / x.size)
        assert abs(out.mean() - x.mean()) < 5 * np.sqrt((1 - p) / p * 101 / x.size)
        np.testing.assert_allclose(mask, kept / p)


def test_test_mode_is_the_identity():
    x = np.random.RandomState(1).randn(20, 30)
    out, (_, mask) = dropout_forward(x, {"mode": "test", "p": 0.3})
    np.testing.assert_array_equal(out, x)
    assert mask is None
    dx = dropout_backward(np.ones_like(x), (({"mode": "test", "p": 0.3}), None))
    np.testing.assert_array_equal(dx, np.ones_like(x))


def test_same_seed_same_mask_and_dtype_kept():
    x = np.random.RandomState(2).randn(8, 9).astype(np.float32)
    a, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    b, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    c, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 8})
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32


def test_p_one_keeps_everything():
    x = np.random.RandomState(3).randn(4, 5)
    out, _ = dropout_forward(x, {"mode": "train", "p": 1.0})
    np.testing.assert_array_equal(out, x)


def test_backward_uses_the_forward_mask_and_matches_numerical_gradient():
    rs = np.random.RandomState(231)
    x, dout = rs.randn(10, 10) + 10, rs.randn(10, 10)
    param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, param)
    np.random.seed(999)  # a backward pass that drew a new mask would differ
    dx = dropout_backward(dout, cache)
    np.testing.assert_allclose(dx, dout * out / x)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-10


@pytest.mark.parametrize("param, message", [({"mode": "train", "p": 0.0}, "keeping"),
                                            ({"mode": "train", "p": 1.5}, "keeping"),
                                            ({"mode": "eval", "p": 0.5}, "mode")])
def test_bad_parameters_are_named(param, message):
    with pytest.raises(ValueError, match=message):
        dropout_forward(np.ones((2, 2)), param)
