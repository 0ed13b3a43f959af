"""Unit tests of the reference layers, layer_utils and TwoLayerNet: values against cases
worked by hand (and CS231n's published numbers), every gradient against a numerical one,
and the Solver overfitting a small batch."""
import numpy as np
import pytest

from cs231n_core.classifiers.fc_net import TwoLayerNet
from cs231n_core.gradient_check import (eval_numerical_gradient, eval_numerical_gradient_array,
                                        rel_error)
from cs231n_core.layer_utils import affine_relu_backward, affine_relu_forward
from cs231n_core.layers import (affine_backward, affine_forward, relu_backward, relu_forward,
                                softmax_loss, svm_loss)
from cs231n_core.solver import Solver


@pytest.fixture
def rs():
    return np.random.RandomState(231)


# ---- affine ---------------------------------------------------------------------------------

def test_affine_forward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    b = np.array([0.5, -1.0, 2.0])
    out, cache = affine_forward(x, w, b)
    np.testing.assert_allclose(out, [[5.5, 1.0, 1.0], [11.5, 3.0, -1.0]])
    assert cache[0] is x and cache[1] is w and cache[2] is b


def test_affine_forward_cs231n_example():
    """CS231n's notebook: the error should be around 1e-9."""
    x = np.linspace(-0.1, 0.5, num=240).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=360).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.51413270, 3.77273342]])
    assert rel_error(out, correct_out) < 1e-8


def test_affine_forward_flattens_rows_in_c_order(rs):
    x = rs.randn(3, 2, 4)
    w = rs.randn(8, 5)
    out, _ = affine_forward(x, w, np.zeros(5))
    for i in range(3):
        np.testing.assert_allclose(out[i], x[i].ravel() @ w)


@pytest.mark.parametrize("x_shape, M", [((10, 2, 3), 5), ((1, 4), 3), ((4, 3, 1, 2, 2), 1)])
def test_affine_backward_numerical(rs, x_shape, M):
    x = rs.randn(*x_shape)
    w = rs.randn(int(np.prod(x_shape[1:])), M)
    b = rs.randn(M)
    dout = rs.randn(x_shape[0], M)
    dx, dw, db = affine_backward(dout, (x, w, b))
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    dx_num = eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)
    assert rel_error(dx, dx_num) < 1e-7
    assert rel_error(dw, dw_num) < 1e-7
    assert rel_error(db, db_num) < 1e-7


def test_affine_backward_by_hand():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]])
    dout = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
    dx, dw, db = affine_backward(dout, (x, w, np.zeros(3)))
    np.testing.assert_allclose(dx, [[-1.0, 2.0], [-1.0, -1.0]])
    np.testing.assert_allclose(dw, [[1.0, -3.0, 5.0], [2.0, -4.0, 8.0]])
    np.testing.assert_allclose(db, [1.0, -1.0, 3.0])


# ---- ReLU -------------------------------------------------------------------------------------

def test_relu_forward_cs231n_example():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, cache = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct_out) < 5e-8
    assert cache is x


def test_relu_backward_numerical(rs):
    x = rs.randn(10, 10)
    x += np.sign(x) * 1e-3  # away from the kink
    dout = rs.randn(*x.shape)
    dx_num = eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout)
    assert rel_error(relu_backward(dout, x), dx_num) < 1e-9


def test_relu_gradient_at_zero_is_zero():
    x = np.array([-1.0, 0.0, -0.0, 2.0])
    dout = np.array([5.0, 6.0, 7.0, 8.0])
    np.testing.assert_array_equal(relu_backward(dout, x), [0.0, 0.0, 0.0, 8.0])
    np.testing.assert_array_equal(relu_forward(x)[0], [0.0, 0.0, 0.0, 2.0])


def test_affine_relu_numerical(rs):
    x, w, b = rs.randn(2, 3, 4), rs.randn(12, 10), rs.randn(10)
    dout = rs.randn(2, 10)
    out, cache = affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(2, 12) @ w + b))
    dx, dw, db = affine_relu_backward(dout, cache)
    assert rel_error(dx, eval_numerical_gradient_array(
        lambda v: affine_relu_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(
        lambda v: affine_relu_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(
        lambda v: affine_relu_forward(x, w, v)[0], b, dout)) < 1e-7


# ---- losses -----------------------------------------------------------------------------------

# The lecture's cat / car / frog scores, one image per row, its own class as label.
SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LABELS = np.array([0, 1, 2])


def test_svm_loss_lecture_example():
    loss, dx = svm_loss(SCORES, LABELS)
    assert loss == pytest.approx((2.9 + 0.0 + 12.9) / 3)
    np.testing.assert_allclose(dx, np.array([[-1, 1, 0], [0, 0, 0], [1, 1, -2]]) / 3.0)


def test_softmax_loss_lecture_example():
    loss, dx = softmax_loss(SCORES, LABELS)
    probs = np.exp(SCORES) / np.exp(SCORES).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(probs[[0, 1, 2], [0, 1, 2]])))
    assert -np.log(probs[0, 0]) == pytest.approx(2.04, abs=0.005)  # the lecture's 2.04
    np.testing.assert_allclose(dx, (probs - np.eye(3)) / 3)


@pytest.mark.parametrize("loss_fn", [svm_loss, softmax_loss])
def test_loss_gradients_numerical(rs, loss_fn):
    x = 0.001 * rs.randn(50, 10)
    y = rs.randint(10, size=50)
    loss, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda v: loss_fn(v, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < 1e-8
    if loss_fn is svm_loss:
        assert loss == pytest.approx(9.0, abs=0.01)  # CS231n: about 9
    else:
        assert loss == pytest.approx(np.log(10), abs=0.01)  # CS231n: about 2.3


@pytest.mark.parametrize("loss_fn", [svm_loss, softmax_loss])
def test_losses_finite_for_large_scores(rs, loss_fn):
    x = rs.randn(20, 10) * 1e3
    y = rs.randint(10, size=20)
    loss, dx = loss_fn(x, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    # both losses are unchanged when a constant is added to every score of a row
    shifted_loss, shifted_dx = loss_fn(x + rs.randn(20, 1) * 1e3, y)
    assert shifted_loss == pytest.approx(loss, rel=1e-9)
    np.testing.assert_allclose(shifted_dx, dx, atol=1e-12)


def test_softmax_loss_large_scores_value():
    loss, dx = softmax_loss(np.array([[1000.0, 1001.0, 999.0]]), np.array([1]))
    expected = -1.0 + np.log(np.exp(1.0) + 1.0 + np.exp(-1.0))
    assert loss == pytest.approx(expected, rel=1e-12)
    assert dx.sum() == pytest.approx(0.0, abs=1e-12)


def test_svm_loss_single_example():
    loss, dx = svm_loss(np.array([[1.0, 1.5, -2.0]]), np.array([0]))
    assert loss == pytest.approx(1.5)
    np.testing.assert_allclose(dx, [[-1.0, 1.0, 0.0]])


# ---- TwoLayerNet ------------------------------------------------------------------------------

def cs231n_net():
    """CS231n's notebook example: N, D, H, C = 3, 5, 50, 7 with linspace parameters."""
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    return model, X


def test_two_layer_net_initialization():
    np.random.seed(0)
    std = 1e-3
    model = TwoLayerNet(input_dim=5, hidden_dim=50, num_classes=7, weight_scale=std, reg=0.3)
    assert sorted(model.params) == ["W1", "W2", "b1", "b2"]
    assert model.reg == 0.3
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    assert W1.shape == (5, 50) and b1.shape == (50,) and W2.shape == (50, 7) and b2.shape == (7,)
    assert np.all(b1 == 0) and np.all(b2 == 0)
    # CS231n's checks
    assert abs(W1.std() - std) < std / 10
    assert abs(W2.std() - std) < std / 10
    default = TwoLayerNet()
    assert default.params["W1"].shape == (3072, 100) and default.params["W2"].shape == (100, 10)
    assert default.params["W1"].std() == pytest.approx(1e-3, rel=0.02)


def test_two_layer_net_cs231n_values():
    model, X = cs231n_net()
    scores = model.loss(X)
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert np.abs(scores - correct_scores).sum() < 1e-6
    y = np.asarray([0, 5, 1])
    loss, _ = model.loss(X, y)
    assert abs(loss - 3.4702243556) < 1e-10
    model.reg = 1.0
    loss, _ = model.loss(X, y)
    assert abs(loss - 26.5948426952) < 1e-10


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients_numerical(reg):
    np.random.seed(231)
    N, D, H, C = 3, 5, 50, 7
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=N)
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=5e-2, reg=reg)
    loss, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    for name in sorted(grads):
        assert grads[name].shape == model.params[name].shape
        grad_num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                           verbose=False)
        assert rel_error(grad_num, grads[name]) < 1e-6, name


def test_two_layer_net_regularization_term():
    model, X = cs231n_net()
    y = np.asarray([0, 5, 1])
    loss0, grads0 = model.loss(X, y)
    model.reg = 0.25
    loss1, grads1 = model.loss(X, y)
    W1, W2 = model.params["W1"], model.params["W2"]
    assert loss1 - loss0 == pytest.approx(0.5 * 0.25 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))
    np.testing.assert_allclose(grads1["W1"] - grads0["W1"], 0.25 * W1, atol=1e-12)
    np.testing.assert_allclose(grads1["b2"], grads0["b2"])  # biases are not regularized


def test_two_layer_net_accepts_image_shaped_input(rs):
    model = TwoLayerNet(input_dim=2 * 3 * 4, hidden_dim=6, num_classes=3, weight_scale=0.1)
    X = rs.randn(5, 2, 3, 4)
    np.testing.assert_allclose(model.loss(X), model.loss(X.reshape(5, -1)))


def test_solver_overfits_small_batch():
    """CS231n's sanity check: 50 examples, 100% training accuracy."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data[:50] / 16.0 - 0.5
    y = digits.target[:50]
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    np.random.seed(0)
    model = TwoLayerNet(input_dim=64, hidden_dim=50, num_classes=10, weight_scale=0.1)
    solver = Solver(model, data, optim_config={"learning_rate": 1.0}, num_epochs=30,
                    batch_size=25, verbose=False)
    solver.train()
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]
    assert np.mean(np.argmax(model.loss(X), axis=1) == y) == 1.0
