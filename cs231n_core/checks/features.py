"""Public checks of features.ipynb's graded set-up, features_net_setup
(cs231n_core/features_setup.py).

Not the accuracy on the digits (the hidden grader trains the set-up and measures it):
the set-up's keys and numbers, that one epoch of it trains a TwoLayerNet on random
features without error, and that it learns ten well separated clusters.
"""
import numbers

import numpy as np

from . import public_check
from .numpy_tools import _ten_clusters

MAX_EPOCHS = 50  # the hidden grader trains at most this many epochs
CLUSTER_EPOCHS = 20  # at most this many epochs of the set-up on the clusters (the reference's)
CLUSTER_FLOOR = 0.5  # of the clusters classified: the reference 100%, a net that does not learn 10 to 20%


def _number(t, part, key):
    """part[key] as a float, or fail: the grader reads the set-up as numbers only."""
    value = part.get(key)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        t.fail("features_net_setup: %s must be a finite number, got %r" % (key, value))
    return float(value)


@public_check("features_net_setup")
def _check_features_net_setup(t):
    from cs231n_core import features_setup
    from cs231n_core.classifiers.fc_net import TwoLayerNet
    from cs231n_core.solver import Solver

    setup = t.call(features_setup.features_net_setup)
    if not isinstance(setup, dict) or set(setup) != {"model", "solver"}:
        t.fail("features_net_setup must return {'model': {...}, 'solver': {...}}")
    for name, keys in features_setup.SETUP_KEYS.items():
        if not isinstance(setup[name], dict) or set(setup[name]) != set(keys):
            got = sorted(setup[name]) if isinstance(setup[name], dict) else type(setup[name]).__name__
            t.fail("features_net_setup()[%r] must have exactly the keys %s, got %s"
                   % (name, sorted(keys), got))
    model, solver = setup["model"], setup["solver"]
    config = solver["optim_config"]
    if not isinstance(config, dict) or set(config) != {"learning_rate"}:
        t.fail("optim_config must be {'learning_rate': ...} (assignment 1's Solver trains with SGD)")
    values = {key: _number(t, part, key) for part in (model, solver, config)
                for key in part if key != "optim_config"}
    for key in ("hidden_dim", "num_epochs", "batch_size"):
        if not values[key].is_integer() or values[key] < 1:
            t.fail("%s must be a whole number of at least 1, got %r" % (key, values[key]))
    if values["num_epochs"] > MAX_EPOCHS:
        t.fail("train for at most %d epochs: the grader trains your set-up within a few seconds"
               % MAX_EPOCHS)
    if not values["learning_rate"] > 0:
        t.fail("the learning rate must be positive: at 0 the weights never move")
    if values["weight_scale"] < 0 or values["reg"] < 0 or not 0 < values["lr_decay"] <= 1:
        t.fail("weight_scale and reg must be at least 0, lr_decay between 0 and 1")
    t.ok("a model and a solver set-up (hidden_dim %d, learning rate %g, %d epochs)"
         % (values["hidden_dim"], values["learning_rate"], values["num_epochs"]))

    rs = np.random.RandomState(0)
    data = {"X_train": rs.randn(40, 154), "y_train": np.arange(40) % 10,  # 154: the digits' features
            "X_val": rs.randn(10, 154), "y_val": np.arange(10)}
    np.random.seed(0)
    net = t.call(TwoLayerNet, input_dim=154, num_classes=10, **model)
    t.call(Solver(net, data, verbose=False, **dict(solver, num_epochs=1)).train)
    if not all(np.all(np.isfinite(v)) for v in net.params.values()):
        t.fail("one epoch of training made some parameters infinite or NaN: is the learning rate too large?")
    t.ok("one epoch on 40 random feature vectors trains a TwoLayerNet with finite parameters")

    # The set-up learns: its net, trained with its solver's settings, classifies ten well
    # separated clusters. A failure's answer is the set-up itself (its numbers say
    # which one is off).
    X, y = _ten_clusters(200, (154,))  # 154 numbers, as the digits' features
    epochs = min(int(values["num_epochs"]), CLUSTER_EPOCHS)
    np.random.seed(0)
    net = t.call(TwoLayerNet, input_dim=154, num_classes=10, **model)
    trainer = Solver(net, {"X_train": X, "y_train": y, "X_val": X[:50], "y_val": y[:50]},
                     verbose=False, **dict(solver, num_epochs=epochs))
    t.call(trainer.train)
    history = np.asarray(trainer.loss_history, dtype=np.float64)
    if not (np.all(np.isfinite(history)) and history[-1] < 2 * history[0]):
        t.wrong(setup, "the training loss on ten well separated clusters grew from %.3g to %.3g in "
                "%d epochs: is the learning rate too large?" % (history[0], history[-1], epochs),
                "the loss on ten clusters")
    scores = np.asarray(t.call(net.loss, X), dtype=np.float64)
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y))
    if not accuracy >= CLUSTER_FLOOR:
        t.wrong(setup, "after %d epochs the net classifies only %.0f%% of ten well separated "
                "clusters of feature vectors (a net that does not learn: about 10%%); is the "
                "learning rate too small, or hidden_dim, weight_scale or reg off?"
                % (epochs, 100 * accuracy), "the accuracy on ten clusters")
    t.ok("%d epochs of the set-up classify %.0f%% of ten well separated clusters"
         % (epochs, 100 * accuracy))
