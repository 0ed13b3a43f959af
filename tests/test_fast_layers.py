"""Unit tests of the fast convolution and max-pooling layers: equal to the naive layers
and to torch (with autograd) for odd sizes, strides 1-3, paddings 0-2, non-square
kernels, windows and inputs, in float64 and float32; pooling with ties and with
overlapping windows; a numerical gradient; clear errors for bad input."""
import itertools

import numpy as np
import pytest
import torch

from cs231n_core import fast_layers, layers
from cs231n_core.gradient_check import eval_numerical_gradient_array, rel_error

CONV_CASES = [  # (x shape, w shape, stride, pad)
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 1),
    ((3, 2, 9, 6), (5, 2, 2, 3), 2, 0),
    ((1, 1, 5, 8), (2, 1, 1, 4), 3, 2),
    ((2, 4, 6, 11), (3, 4, 5, 2), 1, 2),
    ((4, 3, 10, 10), (2, 3, 4, 4), 3, 1),
    ((2, 2, 3, 3), (3, 2, 3, 3), 2, 2),
    ((1, 3, 8, 5), (1, 3, 8, 5), 1, 0),      # the filter covers the whole input
    ((2, 1, 4, 4), (2, 1, 3, 3), 4, 1),      # stride larger than the kernel
]

@pytest.fixture(autouse=True)
def one_torch_thread():
    """torch's thread pool costs far more than these tiny layers on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


POOL_CASES = [  # (x shape, pool_height, pool_width, stride)
    ((2, 3, 8, 8), 2, 2, 2),                 # tiles: the reshape path
    ((2, 2, 9, 7), 2, 2, 2),                 # 2x2 stride 2 leaving a row and a column out
    ((2, 2, 7, 9), 3, 3, 2),                 # overlapping windows
    ((1, 3, 6, 8), 2, 3, 1),                 # non-square, overlapping
    ((2, 2, 10, 7), 3, 1, 3),                # non-square, no overlap
    ((3, 1, 11, 11), 2, 2, 3),               # gaps between windows
    ((1, 2, 5, 6), 1, 1, 1),
    ((2, 1, 4, 5), 4, 5, 1),                 # one window covers the input
]


def conv_problem(rng, x_shape, w_shape, dtype=np.float64):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    return x, w, b


def torch_conv(x, w, b, stride, pad, dout):
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)
    out.backward(torch.tensor(dout))
    return [t.detach().numpy() for t in (out, xt.grad, wt.grad, bt.grad)]


def tied_images(rng, shape, dtype=np.float64):
    """Small integers: most pooling windows hold several equal maxima."""
    return rng.integers(0, 3, size=shape).astype(dtype)


def first_max_routing(x, dout, ph, pw, stride):
    """dx of max pooling by loops, each window's derivative to its first maximum."""
    dx = np.zeros_like(x)
    for n, c, i, j in itertools.product(*map(range, dout.shape)):
        window = x[n, c, i * stride:i * stride + ph, j * stride:j * stride + pw]
        r, s = np.unravel_index(np.argmax(window), window.shape)
        dx[n, c, i * stride + r, j * stride + s] += dout[n, c, i, j]
    return dx


# ---- convolution --------------------------------------------------------------------

@pytest.mark.parametrize("x_shape, w_shape, stride, pad", CONV_CASES)
def test_conv_fast_equals_naive(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(0)
    x, w, b = conv_problem(rng, x_shape, w_shape)
    conv_param = {"stride": stride, "pad": pad}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    assert out.shape == out_naive.shape
    assert rel_error(out, out_naive) < 1e-12
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(fast_layers.conv_backward_fast(dout, cache),
                           layers.conv_backward_naive(dout, cache_naive)):
        assert fast.shape == naive.shape
        assert rel_error(fast, naive) < 1e-12


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_conv_fast_equals_torch_for_every_stride_and_pad(dtype, tol):
    rng = np.random.default_rng(1)
    for stride, pad, (HH, WW) in itertools.product((1, 2, 3), (0, 1, 2), ((3, 3), (2, 5), (1, 1))):
        x, w, b = conv_problem(rng, (3, 2, 7, 10), (4, 2, HH, WW), dtype)
        out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})
        dout = rng.standard_normal(out.shape).astype(dtype)
        ours = [out, *fast_layers.conv_backward_fast(dout, cache)]
        for name, value, expected in zip(("out", "dx", "dw", "db"), ours,
                                         torch_conv(x, w, b, stride, pad, dout)):
            assert value.dtype == dtype, name
            assert value.shape == expected.shape, name
            scale = np.abs(expected).max()
            assert np.abs(value - expected).max() <= tol * scale, (name, stride, pad, HH, WW)


def test_conv_backward_numerical():
    rng = np.random.default_rng(2)
    x, w, b = conv_problem(rng, (2, 2, 5, 6), (3, 2, 3, 2))
    conv_param = {"stride": 2, "pad": 1}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)
    forward = fast_layers.conv_forward_fast
    assert rel_error(dx, eval_numerical_gradient_array(
        lambda v: forward(v, w, b, conv_param)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(
        lambda v: forward(x, v, b, conv_param)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(
        lambda v: forward(x, w, v, conv_param)[0], b, dout)) < 1e-7


def test_conv_fast_cs231n_shapes_match_torch():
    """The notebook's shapes: x 100x3x31x31, w 25x3x3x3, stride 2, pad 1."""
    rng = np.random.default_rng(3)
    x, w, b = conv_problem(rng, (100, 3, 31, 31), (25, 3, 3, 3))
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 2, "pad": 1})
    dout = rng.standard_normal(out.shape)
    ours = [out, *fast_layers.conv_backward_fast(dout, cache)]
    for value, expected in zip(ours, torch_conv(x, w, b, 2, 1, dout)):
        # relative to the largest entry: an entry-wise relative error of sums that cancel
        # to nearly 0 measures the summation order (the BLAS's, torch's), not the code
        assert np.abs(value - expected).max() / np.abs(expected).max() < 1e-12


def test_conv_leaves_its_inputs_alone():
    rng = np.random.default_rng(4)
    x, w, b = conv_problem(rng, (2, 3, 6, 6), (2, 3, 3, 3))
    copies = [a.copy() for a in (x, w, b)]
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 2})
    dout = rng.standard_normal(out.shape)
    dout_copy = dout.copy()
    fast_layers.conv_backward_fast(dout, cache)
    for a, copy in zip((x, w, b, dout), copies + [dout_copy]):
        np.testing.assert_array_equal(a, copy)


@pytest.mark.parametrize("change, message", [
    (lambda x, w, b, p: (x[0], w, b, p), "4-d array"),
    (lambda x, w, b, p: (x, w[:, :2], b, p), "channels"),
    (lambda x, w, b, p: (x, w, b[:2], p), "one bias per filter"),
    (lambda x, w, b, p: (x, w, b, {"stride": 0, "pad": 1}), "stride"),
    (lambda x, w, b, p: (x, w, b, {"stride": 1, "pad": -1}), "pad"),
    (lambda x, w, b, p: (x, w, b, {"stride": 1}), "pad"),
    (lambda x, w, b, p: (x[:, :, :2, :2], w, b, {"stride": 1, "pad": 0}), "does not fit"),
])
def test_conv_bad_input_is_named(change, message):
    rng = np.random.default_rng(5)
    x, w, b = conv_problem(rng, (2, 3, 5, 5), (4, 3, 3, 3))
    with pytest.raises(ValueError, match=message):
        fast_layers.conv_forward_fast(*change(x, w, b, {"stride": 1, "pad": 1}))


def test_conv_backward_names_a_wrong_dout_shape():
    rng = np.random.default_rng(6)
    x, w, b = conv_problem(rng, (2, 3, 5, 5), (4, 3, 3, 3))
    out, cache = fast_layers.conv_forward_fast(x, w, b, {"stride": 1, "pad": 1})
    with pytest.raises(ValueError, match="dout"):
        fast_layers.conv_backward_fast(out[:, :2], cache)


# ---- max pooling --------------------------------------------------------------------

@pytest.mark.parametrize("x_shape, ph, pw, stride", POOL_CASES)
def test_pool_fast_equals_naive_with_ties(x_shape, ph, pw, stride):
    rng = np.random.default_rng(7)
    x = tied_images(rng, x_shape)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    out_naive, cache_naive = layers.max_pool_forward_naive(x, pool_param)
    np.testing.assert_array_equal(out, out_naive)
    dout = rng.standard_normal(out.shape)
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    np.testing.assert_allclose(dx, layers.max_pool_backward_naive(dout, cache_naive),
                               rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(dx, first_max_routing(x, dout, ph, pw, stride),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pool_fast_equals_torch(dtype):
    """Without ties the maximum is unique, and torch's gradient is the same."""
    rng = np.random.default_rng(8)
    for x_shape, ph, pw, stride in POOL_CASES:
        x = rng.permutation(np.prod(x_shape)).reshape(x_shape).astype(dtype)
        out, cache = fast_layers.max_pool_forward_fast(
            x, {"pool_height": ph, "pool_width": pw, "stride": stride})
        dout = rng.standard_normal(out.shape).astype(dtype)
        dx = fast_layers.max_pool_backward_fast(dout, cache)
        xt = torch.tensor(x, requires_grad=True)
        out_torch = torch.nn.functional.max_pool2d(xt, (ph, pw), stride=stride)
        out_torch.backward(torch.tensor(dout))
        assert out.dtype == dtype and dx.dtype == dtype
        np.testing.assert_array_equal(out, out_torch.detach().numpy())
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_pool_overlapping_windows_accumulate():
    """One maximum shared by four overlapping 2x2 windows receives all four derivatives."""
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0
    out, cache = fast_layers.max_pool_forward_fast(
        x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    np.testing.assert_array_equal(out, np.full((1, 1, 2, 2), 5.0))
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    dx = fast_layers.max_pool_backward_fast(dout, cache)
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)


def test_pool_ties_go_to_the_first_maximum_only():
    x = np.ones((1, 1, 2, 2))
    _, cache = fast_layers.max_pool_forward_fast(
        x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = fast_layers.max_pool_backward_fast(np.array([[[[3.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[3.0, 0.0], [0.0, 0.0]]]])


def test_pool_negative_inputs():
    rng = np.random.default_rng(9)
    x = -np.abs(rng.standard_normal((2, 2, 6, 6))) - 1.0
    pool_param = {"pool_height": 3, "pool_width": 2, "stride": 2}
    out, _ = fast_layers.max_pool_forward_fast(x, pool_param)
    np.testing.assert_array_equal(out, layers.max_pool_forward_naive(x, pool_param)[0])


@pytest.mark.parametrize("pool_param, message", [
    ({"pool_height": 2, "pool_width": 2}, "stride"),
    ({"pool_height": 0, "pool_width": 2, "stride": 2}, "pool_height"),
    ({"pool_height": 2, "pool_width": 2.5, "stride": 2}, "pool_width"),
    ({"pool_height": 9, "pool_width": 2, "stride": 2}, "does not fit"),
])
def test_pool_bad_input_is_named(pool_param, message):
    with pytest.raises(ValueError, match=message):
        fast_layers.max_pool_forward_fast(np.zeros((1, 1, 4, 4)), pool_param)


def test_pool_backward_names_a_wrong_dout_shape():
    out, cache = fast_layers.max_pool_forward_fast(
        np.zeros((1, 2, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 2})
    with pytest.raises(ValueError, match="dout"):
        fast_layers.max_pool_backward_fast(out[:, :1], cache)
