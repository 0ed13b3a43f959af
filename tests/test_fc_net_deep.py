"""Unit tests of the reference FullyConnectedNet: CS231n's initial losses, parameter layout,
numerical gradients for several depths with regularization, dropout and normalization,
and overfitting a small batch with the Solver."""
import numpy as np
import pytest

from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.gradient_check import eval_numerical_gradient, rel_error
from cs231n_core.solver import Solver


def small_problem(seed=231, N=3, D=5, C=4):
    rs = np.random.RandomState(seed)
    return rs.randn(N, D), rs.randint(C, size=N)


def test_cs231n_initial_losses():
    """CS231n's notebook: 2.3004790897684924 without and 7.052114776533016 with reg=3.14."""
    np.random.seed(231)
    X = np.random.randn(2, 15)
    y = np.random.randint(10, size=(2,))
    losses = []
    for reg in (0, 3.14):
        model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg,
                                  weight_scale=5e-2, dtype=np.float64)
        losses.append(model.loss(X, y)[0])
    np.testing.assert_allclose(losses, [2.3004790897684924, 7.052114776533016], rtol=1e-12)


def test_parameter_layout_and_dtype():
    net = FullyConnectedNet([7, 6, 5], input_dim=9, num_classes=4, normalization="batchnorm",
                            weight_scale=0.3)
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (9, 7), "b1": (7,), "W2": (7, 6), "b2": (6,), "W3": (6, 5),
                      "b3": (5,), "W4": (5, 4), "b4": (4,), "gamma1": (7,), "beta1": (7,),
                      "gamma2": (6,), "beta2": (6,), "gamma3": (5,), "beta3": (5,)}
    assert all(v.dtype == np.float32 for v in net.params.values())
    assert net.num_layers == 4 and len(net.bn_params) == 3
    assert np.all(net.params["gamma2"] == 1) and np.all(net.params["beta2"] == 0)
    assert net.dropout_param == {}


def test_scores_without_labels_and_regularization_of_every_layer():
    X, y = small_problem()
    net = FullyConnectedNet([4, 3], input_dim=5, num_classes=4, weight_scale=0.5, dtype=np.float64)
    scores = net.loss(X)
    assert scores.shape == (3, 4)
    loss0, _ = net.loss(X, y)
    net.reg = 0.7
    loss, grads = net.loss(X, y)
    penalty = 0.35 * sum(np.sum(net.params["W%d" % i] ** 2) for i in (1, 2, 3))
    np.testing.assert_allclose(loss, loss0 + penalty)


CASES = [
    ([], None, 1, 0.0),
    ([6], None, 1, 0.5),
    ([6, 5, 4], None, 1, 1.3),
    ([6, 5], None, 0.6, 0.2),
    ([6, 5], "batchnorm", 1, 0.4),
    ([6, 5], "layernorm", 0.75, 0.4),
]


@pytest.mark.parametrize("hidden_dims, normalization, keep, reg", CASES)
def test_numerical_gradients(hidden_dims, normalization, keep, reg):
    X, y = small_problem(N=4)
    np.random.seed(0)
    net = FullyConnectedNet(hidden_dims, input_dim=5, num_classes=4, dropout_keep_ratio=keep,
                            normalization=normalization, reg=reg, weight_scale=0.5,
                            dtype=np.float64, seed=123)
    for name in net.params:  # no unit exactly at the ReLU's kink
        if name[0] in "bg":
            net.params[name] += 0.2 * np.random.randn(*net.params[name].shape)
    _, grads = net.loss(X, y)
    assert sorted(grads) == sorted(net.params)
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: net.loss(X, y)[0], net.params[name],
                                          verbose=False, h=1e-5)
        assert rel_error(grads[name], numeric) < 1e-5, name


def test_dropout_is_off_at_test_time_and_on_in_training():
    X, y = small_problem(N=6)
    np.random.seed(1)
    net = FullyConnectedNet([8, 8], input_dim=5, num_classes=4, dropout_keep_ratio=0.5,
                            weight_scale=0.5, dtype=np.float64, seed=3)
    plain = FullyConnectedNet([8, 8], input_dim=5, num_classes=4, dtype=np.float64)
    plain.params = {k: v.copy() for k, v in net.params.items()}
    np.testing.assert_allclose(net.loss(X), plain.loss(X))
    assert net.loss(X, y)[0] != plain.loss(X, y)[0]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="normalization"):
        FullyConnectedNet([3], normalization="groupnorm")
    with pytest.raises(ValueError, match="dropout_keep_ratio"):
        FullyConnectedNet([3], dropout_keep_ratio=0)


@pytest.mark.parametrize("hidden_dims, learning_rate, weight_scale",
                         [([100, 100], 3e-2, 0.2), ([100] * 4, 1e-2, 0.2)])
def test_overfits_fifty_examples(hidden_dims, learning_rate, weight_scale):
    rs = np.random.RandomState(0)
    data = {"X_train": rs.randn(50, 3, 4, 4), "y_train": rs.randint(10, size=50),
            "X_val": rs.randn(10, 3, 4, 4), "y_val": rs.randint(10, size=10)}
    np.random.seed(0)
    net = FullyConnectedNet(hidden_dims, input_dim=48, weight_scale=weight_scale, dtype=np.float64)
    solver = Solver(net, data, update_rule="sgd", optim_config={"learning_rate": learning_rate},
                    num_epochs=20, batch_size=25, verbose=False)
    solver.train()
    assert solver.train_acc_history[-1] == 1.0
