"""Public check of assignment 2's fully connected challenge (fc_challenge.py): the shape
of the best net's set-up, and that it trains (the hidden grader measures its accuracy)."""
import numpy as np

from . import public_check


# --------------------------------------------------------------------------------------
# fc_challenge_setup (the notebook's best model)
# --------------------------------------------------------------------------------------

@public_check("fc_challenge_setup")
def _check_fc_challenge_setup(t):
    """Not the accuracy (the hidden grader trains and measures it): the set-up's shape,
    and that one epoch of it trains a net on random data without error."""
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
