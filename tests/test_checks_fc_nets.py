"""The public checks of FullyConnectedNet, the update rules and dropout: they fail with one
useful sentence on realistic mistakes (that they pass on the reference: tests/test_checks.py)."""
import numpy as np

from check_replay import failure_line, run_check
from cs231n_core import layers, optim


def test_adam_t_after_use(monkeypatch, capsys):
    def adam_late_t(w, dw, config=None):
        config = {} if config is None else config
        for k, v in (("learning_rate", 1e-2), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8),
                     ("m", np.zeros_like(w)), ("v", np.zeros_like(w)), ("t", 0)):
            config.setdefault(k, v)
        b1, b2, t = config["beta1"], config["beta2"], config["t"] or 1
        config["m"] = b1 * config["m"] + (1 - b1) * dw
        config["v"] = b2 * config["v"] + (1 - b2) * dw * dw
        next_w = w - config["learning_rate"] * (config["m"] / (1 - b1 ** t)) / (
            np.sqrt(config["v"] / (1 - b2 ** t)) + config["epsilon"])
        config["t"] += 1
        return next_w, config
    monkeypatch.setattr(optim, "adam", adam_late_t)
    result, out = run_check(capsys, "adam")
    assert result is False
    assert "increment t before" in failure_line(out, "adam")


def test_momentum_sign(monkeypatch, capsys):
    def wrong(w, dw, config=None):
        config = {} if config is None else config
        config.setdefault("learning_rate", 1e-2)
        config.setdefault("momentum", 0.9)
        v = config["momentum"] * config.get("velocity", np.zeros_like(w)) + config["learning_rate"] * dw
        config["velocity"] = v
        return w + v, config
    monkeypatch.setattr(optim, "sgd_momentum", wrong)
    result, out = run_check(capsys, "sgd_momentum")
    assert result is False and "downhill" in failure_line(out, "sgd_momentum")


def test_dropout_p_as_drop_probability(monkeypatch, capsys):
    def wrong(x, dropout_param):
        p = dropout_param["p"]
        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])
        if dropout_param["mode"] == "train":
            mask = (np.random.rand(*x.shape) >= p) / (1 - p)
            return x * mask, (dropout_param, mask)
        return x, (dropout_param, None)
    monkeypatch.setattr(layers, "dropout_forward", wrong)
    result, out = run_check(capsys, "dropout_forward")
    assert result is False and "KEEPING" in failure_line(out, "dropout_forward")


def test_dropout_backward_new_mask(monkeypatch, capsys):
    def wrong(dout, cache):
        param, _ = cache
        return dout * (np.random.rand(*dout.shape) < param["p"]) / param["p"]
    monkeypatch.setattr(layers, "dropout_backward", wrong)
    result, out = run_check(capsys, "dropout_backward")
    assert result is False and "do not draw a new one" in failure_line(out, "dropout_backward")


def test_net_without_regularization_of_the_last_layer(monkeypatch, capsys):
    from cs231n_core.classifiers import fc_net

    original = fc_net.FullyConnectedNet.loss

    def loss(self, X, y=None):
        result = original(self, X, y)
        if y is None:
            return result
        loss, grads = result
        L = self.num_layers
        W = self.params["W%d" % L]
        return loss - 0.5 * self.reg * np.sum(W * W), dict(grads, **{"W%d" % L: grads["W%d" % L] - self.reg * W})
    monkeypatch.setattr(fc_net.FullyConnectedNet, "loss", loss)
    result, out = run_check(capsys, "FullyConnectedNet")
    assert result is False and "every weight matrix" in failure_line(out, "FullyConnectedNet")
