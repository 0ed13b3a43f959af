"""Tests of cs231n_core.optim.sgd and cs231n_core.solver.Solver."""
import os
import pickle

import numpy as np
import pytest

from cs231n_core import optim
from cs231n_core.gradient_check import eval_numerical_gradient, rel_error
from cs231n_core.solver import Solver


class SoftmaxRegression:
    """Softmax regression in CS231n's model convention: self.params with W1, b1;
    loss(X, y=None) returns scores (N, C) without labels, (loss, grads) with."""

    def __init__(self, input_dim, num_classes, weight_scale=1e-2, reg=0.0, seed=0):
        rng = np.random.RandomState(seed)
        self.reg = reg
        self.params = {
            "W1": weight_scale * rng.randn(input_dim, num_classes),
            "b1": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        W, b = self.params["W1"], self.params["b1"]
        scores = X.reshape(X.shape[0], -1) @ W + b
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_probs[np.arange(N), y].mean() + 0.5 * self.reg * np.sum(W * W)
        dscores = np.exp(log_probs)
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {
            "W1": X.reshape(N, -1).T @ dscores + self.reg * W,
            "b1": dscores.sum(axis=0),
        }
        return loss, grads


def make_data(seed=0, num_classes=3, dim=5, n_train=300, n_val=90):
    """Well-separated Gaussian blobs: linearly separable with high margin."""
    rng = np.random.RandomState(seed)
    centers = 4.0 * rng.randn(num_classes, dim)

    def sample(n):
        y = rng.randint(num_classes, size=n)
        X = centers[y] + 0.5 * rng.randn(n, dim)
        return X, y

    X_train, y_train = sample(n_train)
    X_val, y_val = sample(n_val)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def make_solver(data=None, **kwargs):
    data = make_data() if data is None else data
    model = SoftmaxRegression(data["X_train"].shape[1], 3)
    options = dict(
        update_rule="sgd",
        optim_config={"learning_rate": 0.1},
        batch_size=30,
        num_epochs=4,
        verbose=False,
    )
    options.update(kwargs)
    return Solver(model, data, **options)


# ---------------------------------------------------------------------- sgd


def test_sgd_update_value_and_default():
    w = np.linspace(-0.4, 0.6, num=6).reshape(2, 3)
    dw = np.linspace(-0.6, 0.4, num=6).reshape(2, 3)
    expected = w - 1e-3 * dw
    next_w, config = optim.sgd(w.copy(), dw, {"learning_rate": 1e-3})
    assert rel_error(next_w, expected) < 1e-12
    assert config["learning_rate"] == 1e-3

    next_w, config = optim.sgd(w.copy(), dw)  # config=None -> defaults
    assert config == {"learning_rate": 1e-2}
    assert rel_error(next_w, w - 1e-2 * dw) < 1e-12


def test_sgd_keeps_other_config_keys():
    config = {"learning_rate": 0.5, "note": "kept"}
    _, out = optim.sgd(np.ones(3), np.ones(3), config)
    assert out["note"] == "kept"


def test_test_model_gradient_is_right():
    # the model used below must itself be right for the Solver tests to mean much
    data = make_data()
    model = SoftmaxRegression(5, 3, weight_scale=0.1, reg=0.1)
    X, y = data["X_train"][:20], data["y_train"][:20]
    _, grads = model.loss(X, y)
    for name in ("W1", "b1"):
        num = eval_numerical_gradient(
            lambda _: model.loss(X, y)[0], model.params[name], verbose=False
        )
        assert rel_error(num, grads[name]) < 1e-6


# ------------------------------------------------------------------- Solver


def test_solver_trains_softmax_on_separable_data():
    np.random.seed(0)
    solver = make_solver()
    solver.train()

    iterations = 4 * (300 // 30)
    assert len(solver.loss_history) == iterations
    # accuracy is checked at the first iteration and at the end of each epoch
    assert len(solver.train_acc_history) == 4 + 1
    assert len(solver.val_acc_history) == 4 + 1
    assert solver.epoch == 4

    losses = solver.loss_history
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    assert solver.train_acc_history[-1] > 0.9
    assert solver.best_val_acc > 0.9
    assert solver.best_val_acc == max(solver.val_acc_history)


def test_solver_restores_best_params():
    np.random.seed(1)
    solver = make_solver()
    solver.train()
    assert set(solver.best_params) == set(solver.model.params)
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(solver.model.params[k], v)
        assert solver.model.params[k] is not v  # a copy: later steps can't alter it
    acc = solver.check_accuracy(solver.X_val, solver.y_val)
    assert acc == pytest.approx(solver.best_val_acc)


def test_solver_is_deterministic_given_numpy_seed():
    runs = []
    for _ in range(2):
        np.random.seed(123)
        solver = make_solver(num_epochs=2)
        solver.train()
        runs.append(solver)
    assert runs[0].loss_history == runs[1].loss_history
    np.testing.assert_array_equal(runs[0].model.params["W1"], runs[1].model.params["W1"])


def test_solver_lr_decay_applied_per_epoch():
    np.random.seed(2)
    solver = make_solver(num_epochs=3, lr_decay=0.5)
    solver.train()
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(0.1 * 0.5 ** 3)


def test_solver_accepts_callable_update_rule():
    calls = []

    def my_rule(w, dw, config):
        calls.append(w.shape)
        return optim.sgd(w, dw, config)

    np.random.seed(3)
    solver = make_solver(update_rule=my_rule, num_epochs=1)
    solver.train()
    assert len(calls) == 2 * len(solver.loss_history)  # W1 and b1 per step


def test_check_accuracy_batches_and_subsamples():
    np.random.seed(4)
    solver = make_solver()
    data = make_data()
    full = solver.check_accuracy(data["X_train"], data["y_train"], batch_size=7)
    full_one_batch = solver.check_accuracy(data["X_train"], data["y_train"], batch_size=1000)
    assert full == pytest.approx(full_one_batch)
    sub = solver.check_accuracy(data["X_train"], data["y_train"], num_samples=50)
    assert 0.0 <= sub <= 1.0


def test_unknown_kwargs_raise_value_error_naming_them():
    data = make_data()
    model = SoftmaxRegression(5, 3)
    with pytest.raises(ValueError, match="learning_rat.*bogus|bogus.*learning_rat"):
        Solver(model, data, learning_rat=0.1, bogus=1)


def test_unknown_update_rule_raises_value_error():
    data = make_data()
    model = SoftmaxRegression(5, 3)
    with pytest.raises(ValueError, match="nosuchrule"):
        Solver(model, data, update_rule="nosuchrule")
    with pytest.raises(ValueError):
        Solver(model, data, update_rule="np")  # a module in optim is not a rule
    with pytest.raises(ValueError):
        Solver(model, data, update_rule=42)


def test_checkpoint_written_and_loadable(tmp_path):
    np.random.seed(5)
    name = str(tmp_path / "ckpt")
    solver = make_solver(num_epochs=2, checkpoint_name=name)
    solver.train()
    files = sorted(os.listdir(tmp_path))
    # one checkpoint per accuracy check: epochs 0, 1, 2; no temporary leftovers
    assert files == ["ckpt_epoch_0.pkl", "ckpt_epoch_1.pkl", "ckpt_epoch_2.pkl"]
    with open(tmp_path / "ckpt_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2
    assert checkpoint["update_rule"] == "sgd"
    assert checkpoint["batch_size"] == 30
    assert len(checkpoint["loss_history"]) == len(solver.loss_history)
    assert checkpoint["val_acc_history"] == solver.val_acc_history
    model = checkpoint["model"]
    assert set(model.params) == {"W1", "b1"}
    assert model.loss(make_data()["X_val"]).shape == (90, 3)


def test_verbose_true_prints_like_cs231n(capsys):
    np.random.seed(6)
    solver = make_solver(num_epochs=1, verbose=True, print_every=5)
    solver.train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 10) loss:" in out
    assert "(Iteration 6 / 10) loss:" in out
    assert "(Epoch 1 / 1) train acc:" in out


def test_verbose_false_is_silent(capsys):
    np.random.seed(7)
    make_solver(num_epochs=1).train()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_progress_uses_tqdm_bar(capsys):
    np.random.seed(8)
    solver = make_solver(num_epochs=1, verbose="progress")
    solver.train()
    captured = capsys.readouterr()
    assert "(Iteration" not in captured.out  # no CS231n lines ...
    assert "10/10" in captured.err  # ... a progress bar instead
    assert len(solver.loss_history) == 10
