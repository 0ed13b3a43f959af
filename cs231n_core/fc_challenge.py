"""The challenge of FullyConnectedNets.ipynb: the best fully connected net you can train.

``fc_challenge_setup`` is the graded target: the hyper-parameters of your
``FullyConnectedNet`` and of the ``Solver`` that trains it. The notebook trains them on
CIFAR-10 (or the embedded digits) into ``best_model``; the hidden grader trains the same
set-up with ``train_fc_challenge`` on small digit images within a CPU budget and
measures the net's accuracy on held-out digits.

The grader scores the trained net outside your code, from the numbers
``export_fc_net`` gives (its parameters, the running averages of batch normalization and
which normalization it uses).
"""
import numpy as np

from cs231n_core.classifiers.fc_net import FullyConnectedNet
from cs231n_core.solver import Solver

__all__ = ["NORMALIZATION_CODES", "fc_challenge_setup", "train_fc_challenge", "export_fc_net"]

NORMALIZATION_CODES = {None: 0, "batchnorm": 1, "layernorm": 2}  # numbers cross, not strings


def fc_challenge_setup():
    """The hyper-parameters of your best fully connected net and of its training.

    Returns a dict of two dicts:
    - "model": keyword arguments of FullyConnectedNet other than input_dim and
      num_classes (which the data give): hidden_dims (list of ints), weight_scale,
      reg, normalization (None, "batchnorm" or "layernorm"), dropout_keep_ratio.
    - "solver": keyword arguments of Solver: update_rule ("sgd", "sgd_momentum",
      "rmsprop" or "adam"), optim_config (e.g. {"learning_rate": 1e-3}), lr_decay,
      num_epochs, batch_size.

    Keep it small enough to train on 1,000 digits of 64 pixels within the grader's CPU
    budget (a few seconds; see the notebook).
    """
    # TODO: choose the net's and the solver's hyper-parameters (see the notebook).
    # BEGIN SOLUTION
    model = {"hidden_dims": [200, 100], "weight_scale": 5e-2, "reg": 1e-2,
             "normalization": "batchnorm", "dropout_keep_ratio": 0.75}
    solver = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "lr_decay": 0.9,
              "num_epochs": 10, "batch_size": 100}
    return {"model": model, "solver": solver}
    # END SOLUTION


def train_fc_challenge(setup, data, seed=0, verbose=False):
    """Build and train the set-up's FullyConnectedNet on `data` (Solver's dict:
    X_train (N, D), y_train (N,), X_val, y_val) as the notebook does; np.random is
    seeded with `seed` first. Returns the trained net (the Solver keeps the parameters
    of the epoch with the best validation accuracy)."""
    np.random.seed(int(seed))
    model = FullyConnectedNet(input_dim=int(np.prod(data["X_train"].shape[1:])),
                              num_classes=int(np.max(data["y_train"])) + 1, **setup["model"])
    solver = Solver(model, data, verbose=verbose, print_every=100, **setup["solver"])
    solver.train()
    return model


def export_fc_net(model):
    """A trained FullyConnectedNet as numbers: {"params": model.params (W1, b1, ...),
    "normalization": its NORMALIZATION_CODES code, "running_mean" and "running_var":
    lists of (H_i,) arrays, batch normalization's running averages of each hidden
    layer (empty lists without batch normalization)}."""
    means, variances = [], []
    if model.normalization == "batchnorm":
        for bn_param in model.bn_params:
            means.append(np.asarray(bn_param["running_mean"]))
            variances.append(np.asarray(bn_param["running_var"]))
    return {"params": dict(model.params), "normalization": NORMALIZATION_CODES[model.normalization],
            "running_mean": means, "running_var": variances}
