"""The net of features.ipynb: the TwoLayerNet you tune on image features.

``features_net_setup`` is the graded target: the hyper-parameters of your
``TwoLayerNet`` and of the ``Solver`` that trains it on HOG and colour-histogram
features. The notebook trains them on CIFAR-10's (or the embedded digits') features into
``best_net``; the hidden grader trains the same set-up, with your ``TwoLayerNet`` and
``Solver``, on features of 2,000 held-out digits and measures the net's accuracy on
1,000 more.

Every value is a number: the grader reads the set-up as numbers before it trains it
(strings cannot cross to it), and assignment 1's Solver trains with plain SGD, its
default update rule, so there is no ``update_rule`` to give.
"""

__all__ = ["SETUP_KEYS", "features_net_setup"]

# The keys of the set-up: keyword arguments of TwoLayerNet (other than input_dim and
# num_classes, which the data give) and of Solver.
SETUP_KEYS = {
    "model": ("hidden_dim", "weight_scale", "reg"),
    "solver": ("optim_config", "lr_decay", "num_epochs", "batch_size"),
}


def features_net_setup():
    """The hyper-parameters of your best TwoLayerNet on image features and of its training.

    Returns a dict of two dicts, every value a number:
    - "model": keyword arguments of TwoLayerNet: hidden_dim (int), weight_scale, reg.
    - "solver": keyword arguments of Solver: optim_config ({"learning_rate": float}),
      lr_decay, num_epochs (int, 1 to 50), batch_size (int).

    The notebook's tuning on the validation set chooses them (see features.ipynb).
    """
    # TODO: choose the net's and the solver's hyper-parameters (see the notebook).
    # BEGIN SOLUTION
    model = {"hidden_dim": 500, "weight_scale": 1e-2, "reg": 1e-4}
    solver = {"optim_config": {"learning_rate": 0.3}, "lr_decay": 0.95, "num_epochs": 20,
              "batch_size": 200}
    return {"model": model, "solver": solver}
    # END SOLUTION
