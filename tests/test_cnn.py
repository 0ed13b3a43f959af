"""Unit tests of the naive convolution and max pooling layers, the conv sandwich layers and
ThreeLayerConvNet: CS231n's published values, torch.nn.functional (an independent
implementation, used only here) on odd sizes, strides and paddings, numerical gradients,
and a net that overfits a few images."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cs231n_core import layer_utils
from cs231n_core.classifiers.cnn import ThreeLayerConvNet
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layers import (conv_backward_naive, conv_forward_naive, max_pool_backward_naive,
                                max_pool_forward_naive, relu_forward)
from cs231n_core.solver import Solver

# (N, C, H, W, F, HH, WW, stride, pad): square and not, odd and even, window = input
CONV_CASES = [(2, 3, 7, 9, 4, 3, 2, 2, 1), (1, 2, 5, 5, 3, 5, 5, 1, 0), (2, 1, 6, 7, 2, 3, 3, 3, 2),
              (3, 4, 4, 4, 1, 1, 1, 1, 0)]
# (N, C, H, W, pool_height, pool_width, stride): overlapping windows and leftover rows too
POOL_CASES = [(2, 3, 4, 4, 2, 2, 2), (1, 2, 7, 5, 3, 2, 2), (2, 1, 6, 6, 3, 3, 1), (1, 1, 5, 8, 5, 1, 3)]


@pytest.fixture
def rs():
    return np.random.RandomState(231)


def conv_problem(rs, N, C, H, W, F_, HH, WW):
    return rs.randn(N, C, H, W), rs.randn(F_, C, HH, WW), rs.randn(F_)


# ---- convolution ------------------------------------------------------------------------------

def test_conv_forward_cs231n_example():
    """CS231n's notebook: the difference should be around 2e-8 (values given to 8 digits)."""
    x = np.linspace(-0.1, 0.5, num=96).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=144).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    correct_out = np.array([[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                             [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                             [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
                            [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                             [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                             [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]])
    assert rel_error(out, correct_out) < 5e-8


def test_conv_forward_by_hand():
    """A 3x3 image, a 2x2 filter of ones, no padding: each output sums a 2x2 window."""
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    out, cache = conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    np.testing.assert_allclose(out, [[[[8.5, 12.5], [20.5, 24.5]]]])
    assert cache[0] is x and cache[1] is w


def test_conv_is_a_correlation_not_a_flipped_convolution():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0
    w = np.arange(9.0).reshape(1, 1, 3, 3)
    out, _ = conv_forward_naive(x, w, np.zeros(1), {"stride": 1, "pad": 1})
    np.testing.assert_allclose(out[0, 0], w[0, 0, ::-1, ::-1])  # an impulse shows w flipped


def test_conv_forward_leaves_x_unchanged(rs):
    x, w, b = conv_problem(rs, 2, 3, 5, 5, 2, 3, 3)
    before = x.copy()
    conv_forward_naive(x, w, b, {"stride": 1, "pad": 2})
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_forward_and_backward_match_torch(rs, case):
    N, C, H, W, F_, HH, WW, stride, pad = case
    x, w, b = conv_problem(rs, N, C, H, W, F_, HH, WW)
    out, cache = conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    assert out.shape == tuple(out_t.shape)
    assert rel_error(out, out_t.detach().numpy()) < 1e-10
    dout = rs.randn(*out.shape)
    out_t.backward(torch.tensor(dout))
    dx, dw, db = conv_backward_naive(dout, cache)
    for got, tensor in zip((dx, dw, db), (xt, wt, bt)):
        assert got.shape == tensor.shape
        assert rel_error(got, tensor.grad.numpy()) < 1e-10


def test_conv_backward_numerical(rs):
    """CS231n's check: errors around 1e-8 or less."""
    x, w, b = conv_problem(rs, 2, 3, 5, 6, 2, 3, 3)
    conv_param = {"stride": 2, "pad": 1}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = rs.randn(*out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(v, w, b, conv_param)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(x, v, b, conv_param)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(x, w, v, conv_param)[0], b, dout)
    assert rel_error(dx, dx_num) < 1e-8
    assert rel_error(dw, dw_num) < 1e-8
    assert rel_error(db, db_num) < 1e-8


@pytest.mark.parametrize("x_shape, w_shape, pad, message", [
    ((2, 3, 4), (2, 3, 3, 3), 0, "shape \\(N, C, H, W\\)"),
    ((2, 3, 4, 4), (2, 2, 3, 3), 0, "C = 3 channels"),
    ((1, 1, 3, 3), (1, 1, 5, 5), 0, "does not fit"),
])
def test_conv_forward_rejects_bad_shapes(x_shape, w_shape, pad, message):
    with pytest.raises(ValueError, match=message):
        conv_forward_naive(np.zeros(x_shape), np.zeros(w_shape), np.zeros(w_shape[0]),
                           {"stride": 1, "pad": pad})


# ---- max pooling ------------------------------------------------------------------------------

def test_max_pool_forward_cs231n_example():
    """CS231n's notebook: the difference should be on the order of 1e-8."""
    x = np.linspace(-0.3, 0.4, num=96).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    correct_out = np.array([[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                             [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                             [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
                            [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                             [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                             [[0.32631579, 0.34105263], [0.38526316, 0.4]]]])
    assert rel_error(out, correct_out) < 1e-7


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool_matches_torch(rs, case):
    N, C, H, W, ph, pw, stride = case
    x = rs.randn(N, C, H, W)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = max_pool_forward_naive(x, pool_param)
    xt = torch.tensor(x, requires_grad=True)
    out_t = F.max_pool2d(xt, (ph, pw), stride=stride)
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    dout = rs.randn(*out.shape)
    out_t.backward(torch.tensor(dout))
    assert rel_error(max_pool_backward_naive(dout, cache), xt.grad.numpy()) < 1e-12


def test_max_pool_backward_numerical(rs):
    x = rs.randn(3, 2, 8, 7)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = rs.randn(*out.shape)
    dx_num = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, pool_param)[0], x, dout)
    assert rel_error(max_pool_backward_naive(dout, cache), dx_num) < 1e-10


def test_max_pool_backward_routes_a_tie_to_the_first_maximum_only():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    _, cache = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    dx = max_pool_backward_naive(np.array([[[[5.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 5.0], [0.0, 0.0]]]])


def test_max_pool_rejects_a_window_larger_than_the_input():
    with pytest.raises(ValueError, match="does not fit"):
        max_pool_forward_naive(np.zeros((1, 1, 2, 2)), {"pool_height": 3, "pool_width": 2, "stride": 1})


# ---- sandwich layers ----------------------------------------------------------------------------

def test_conv_relu_pool_is_conv_then_relu_then_pool(rs):
    x, w, b = conv_problem(rs, 2, 3, 8, 8, 3, 3, 3)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = layer_utils.conv_relu_pool_forward(x, w, b, conv_param, pool_param)
    a, _ = conv_forward_naive(x, w, b, conv_param)
    expected, _ = max_pool_forward_naive(relu_forward(a)[0], pool_param)
    assert rel_error(out, expected) < 1e-10
    dout = rs.randn(*out.shape)
    grads = layer_utils.conv_relu_pool_backward(dout, cache)

    def forward(x_, w_, b_):
        return layer_utils.conv_relu_pool_forward(x_, w_, b_, conv_param, pool_param)[0]
    numeric = (eval_numerical_gradient_array(lambda v: forward(v, w, b), x, dout),
               eval_numerical_gradient_array(lambda v: forward(x, v, b), w, dout),
               eval_numerical_gradient_array(lambda v: forward(x, w, v), b, dout))
    for got, num in zip(grads, numeric):
        assert rel_error(got, num) < 1e-7


def test_conv_relu(rs):
    x, w, b = conv_problem(rs, 2, 3, 6, 6, 3, 3, 3)
    conv_param = {"stride": 1, "pad": 1}
    out, cache = layer_utils.conv_relu_forward(x, w, b, conv_param)
    assert rel_error(out, np.maximum(0, conv_forward_naive(x, w, b, conv_param)[0])) < 1e-10
    dout = rs.randn(*out.shape)
    dx, dw, db = layer_utils.conv_relu_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(
        lambda v: layer_utils.conv_relu_forward(v, w, b, conv_param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-7


# ---- ThreeLayerConvNet ------------------------------------------------------------------------

def test_net_initialization():
    np.random.seed(0)
    net = ThreeLayerConvNet(input_dim=(3, 10, 12), num_filters=6, filter_size=5, hidden_dim=20,
                            num_classes=4, weight_scale=0.1, reg=0.3)
    shapes = {"W1": (6, 3, 5, 5), "b1": (6,), "W2": (6 * 5 * 6, 20), "b2": (20,),
              "W3": (20, 4), "b3": (4,)}
    assert {k: v.shape for k, v in net.params.items()} == shapes
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.reg == 0.3
    for k in ("b1", "b2", "b3"):
        assert not net.params[k].any()
    assert 0.09 < np.std(net.params["W2"]) < 0.11
    default = ThreeLayerConvNet()
    assert default.params["W1"].shape == (32, 3, 7, 7)
    assert default.params["W2"].shape == (32 * 16 * 16, 100)


def test_net_initial_loss_and_regularization(rs):
    """CS231n's sanity check: about log(10) at first, and a bit more with reg=0.5."""
    np.random.seed(231)
    net = ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters=8)
    X, y = rs.randn(20, 3, 16, 16), rs.randint(10, size=20)
    loss, _ = net.loss(X, y)
    assert abs(loss - np.log(10)) < 1e-3
    net.reg = 0.5
    reg_loss = 0.5 * 0.5 * sum(np.sum(net.params[k].astype(np.float64) ** 2) for k in ("W1", "W2", "W3"))
    assert net.loss(X, y)[0] == pytest.approx(loss + reg_loss, rel=1e-5)
    scores = net.loss(X)
    assert scores.shape == (20, 10)


def test_net_gradients_numerical(rs):
    """CS231n's gradient check: 2 inputs of 3x16x16 give the errors of CS231n's notebook."""
    np.random.seed(231)
    X, y = np.random.randn(2, 3, 16, 16), np.random.randint(10, size=2)
    net = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=(3, 16, 16), hidden_dim=7,
                            dtype=np.float64)
    _, grads = net.loss(X, y)
    # CS231n prints W1 1.38e-04, W2 1.82e-02, W3 3.06e-04, b1 3.48e-05, b2 2.52e-03, b3 7.95e-10
    expected = {"W1": 1.380104e-04, "W2": 1.822723e-02, "W3": 3.064049e-04,
                "b1": 3.477652e-05, "b2": 2.516375e-03, "b3": 7.945660e-10}
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name],
                                          verbose=False, h=1e-6)
        assert rel_error(grads[name], numeric) == pytest.approx(expected[name], rel=1e-3), name


def test_net_gradients_with_regularization(rs):
    """Inputs far from every ReLU and pooling kink: gradients within 1e-6."""
    np.random.seed(1)
    net = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3, hidden_dim=5,
                            num_classes=4, weight_scale=0.5, reg=0.7, dtype=np.float64)
    X, y = rs.randn(3, 2, 6, 6), rs.randint(4, size=3)
    _, grads = net.loss(X, y)
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name],
                                          verbose=False, h=1e-6)
        assert rel_error(grads[name], numeric) < 1e-5, name


def test_net_overfits_a_few_images(rs):
    """CS231n trains on 100 images to high training accuracy; 20 small ones suffice here."""
    np.random.seed(0)
    X = rs.randn(20, 3, 8, 8)
    y = rs.randint(10, size=20)
    data = {"X_train": X, "y_train": y, "X_val": X[:5], "y_val": y[:5]}
    net = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=8, filter_size=3, hidden_dim=50,
                            weight_scale=1e-1)
    solver = Solver(net, data, num_epochs=40, batch_size=10, update_rule="sgd",
                    optim_config={"learning_rate": 0.1}, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0


def test_conv_bn_relu(rs):
    x, w, b = conv_problem(rs, 4, 2, 5, 5, 3, 3, 3)
    gamma, beta = rs.randn(3), rs.randn(3)
    conv_param, bn_param = {"stride": 1, "pad": 1}, {"mode": "train"}
    out, cache = layer_utils.conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param)
    a = conv_forward_naive(x, w, b, conv_param)[0]
    mean, var = a.mean(axis=(0, 2, 3), keepdims=True), a.var(axis=(0, 2, 3), keepdims=True)
    expected = np.maximum(0, gamma[:, None, None] * (a - mean) / np.sqrt(var + 1e-5) + beta[:, None, None])
    assert rel_error(out, expected) < 1e-8
    dout = rs.randn(*out.shape)
    grads = layer_utils.conv_bn_relu_backward(dout, cache)

    def forward(*args):
        return layer_utils.conv_bn_relu_forward(*args, conv_param, {"mode": "train"})[0]
    inputs = [x, w, b, gamma, beta]
    for i, got in enumerate(grads):
        def f(v, i=i):
            return forward(*[v if j == i else a_ for j, a_ in enumerate(inputs)])
        numeric = eval_numerical_gradient_array(f, inputs[i].copy(), dout)
        if i == 2:  # batch norm subtracts each channel's mean: the conv bias has no effect
            assert np.abs(got).max() < 1e-8 and np.abs(numeric).max() < 1e-6
        else:
            assert rel_error(got, numeric) < 1e-6
