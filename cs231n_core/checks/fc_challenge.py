"""Public check of assignment 2's fully connected challenge (fc_challenge.py): the shape
of the best net's set-up, and that it trains (the hidden grader measures its accuracy)."""
import json

import numpy as np

from . import public_check
from .numpy_tools import _ten_clusters

CLUSTER_EPOCHS = 10    # at most this many epochs of the set-up on the clusters (the reference's)
CLUSTER_FLOOR = 0.6    # of the clusters classified: the reference 99%, set-ups that learn 86% or
                       # more, the bank's that do not 45% at most


def _learns(t, fc_challenge, setup):
    """The set-up, trained on the clusters, classifies them and does not diverge. A
    failure's answer is the set-up itself, as text (its numbers and names say which one
    is off)."""
    X, y = _ten_clusters(200, (64,))  # 64 numbers, as the digits' pixels
    epochs = min(int(setup["solver"].get("num_epochs", 10)), CLUSTER_EPOCHS)
    data = {"X_train": X, "y_train": y, "X_val": X[:50], "y_val": y[:50]}
    net = t.call(fc_challenge.train_fc_challenge,
                 {"model": setup["model"], "solver": dict(setup["solver"], num_epochs=epochs)}, data)
    scores = np.asarray(t.call(net.loss, X), dtype=np.float64)
    answer = json.dumps(setup, sort_keys=True, default=repr)
    shifted = scores - scores.max(axis=1, keepdims=True)
    data_loss = float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(y)), y]))
    if not data_loss <= 2 * np.log(10):
        t.wrong(answer, "after %d epochs on ten well separated clusters the net's cross-entropy is "
                "%.3g, more than twice a uniform guess's (2 log 10 = 4.6): did training diverge "
                "(a learning rate too large)?" % (epochs, data_loss), "the loss on ten clusters")
    accuracy = float(np.mean(np.argmax(scores, axis=1) == y))
    if not accuracy >= CLUSTER_FLOOR:
        t.wrong(answer, "after %d epochs the net classifies only %.0f%% of ten well separated "
                "clusters (a net that does not learn: about 10%%); is the learning rate, its decay, "
                "weight_scale or reg off?" % (epochs, 100 * accuracy), "the accuracy on ten clusters")
    t.ok("%d epochs of the set-up classify %.0f%% of ten well separated clusters" % (epochs, 100 * accuracy))


# --------------------------------------------------------------------------------------
# fc_challenge_setup (the notebook's best model)
# --------------------------------------------------------------------------------------

@public_check("fc_challenge_setup")
def _check_fc_challenge_setup(t):
    """Not the accuracy on the digits (the hidden grader trains and measures it): the
    set-up's shape, that one epoch of it trains a net on random data without error, and
    that it learns ten well separated clusters."""
    from cs231n_core import fc_challenge, optim

    setup = t.call(fc_challenge.fc_challenge_setup)
    if not isinstance(setup, dict) or set(setup) != {"model", "solver"}:
        t.fail("fc_challenge_setup must return {'model': {...}, 'solver': {...}}")
    model, solver = setup["model"], setup["solver"]
    for key in ("input_dim", "num_classes"):
        if key in model:
            t.fail("fc_challenge_setup's model must not give %s: the data give it" % key)
    if not all(int(h) >= 1 for h in model.get("hidden_dims", [])):
        t.fail("hidden_dims must be a list of positive sizes")
    rule = solver.get("update_rule", "sgd")
    if not callable(getattr(optim, str(rule), None)):
        t.fail("update_rule %r is not an update rule of cs231n_core.optim" % (rule,))
    if not solver.get("optim_config", {}).get("learning_rate", 1e-2) > 0:
        t.fail("the learning rate must be positive: at 0 the weights never move")
    if not int(solver.get("num_epochs", 10)) >= 1:
        t.fail("train for at least one epoch")
    t.ok("a model and a solver set-up (%s, %d epochs)" % (rule, int(solver.get("num_epochs", 10))))
    rs = np.random.RandomState(0)
    data = {"X_train": rs.randn(40, 64), "y_train": np.arange(40) % 10, "X_val": rs.randn(10, 64),
            "y_val": np.arange(10)}
    short = {"model": model, "solver": dict(solver, num_epochs=1)}
    net = t.call(fc_challenge.train_fc_challenge, short, data)
    exported = t.call(fc_challenge.export_fc_net, net)
    if not all(np.all(np.isfinite(v)) for v in exported["params"].values()):
        t.fail("one epoch of training made some parameters infinite or NaN: is the learning rate too large?")
    t.ok("one epoch on 40 random examples trains and exports a net with finite parameters")
    _learns(t, fc_challenge, setup)
