"""First-order update rules for training neural networks.

Every update rule has the same interface:

    next_w, config = update(w, dw, config)

Inputs:
- w: array of any shape, the current weights.
- dw: array of the same shape as w, the gradient of the loss with respect to w.
- config: a dictionary of hyperparameters (learning rate, momentum, ...) and of
  any state the rule carries from one step to the next (velocity, moving
  averages, ...). Passing None makes a fresh config with the default values.

Returns:
- next_w: array of the shape of w, the weights after the update.
- config: the config dictionary to pass to the next call of the update rule.

The Solver keeps one config per parameter and feeds each call's returned config
into the next call, so a rule that needs state stores it in config.

Config keys and their defaults (set with config.setdefault):
- learning_rate: scalar learning rate, default 1e-2 (all rules).
- momentum: scalar in [0, 1) giving the momentum value, default 0.9.
- velocity: array of the shape of w, the moving average of the gradients
  (momentum).
- decay_rate: scalar in [0, 1), decay rate of the squared-gradient cache,
  default 0.99 (RMSProp).
- epsilon: small scalar that avoids dividing by zero, default 1e-8.
- cache: array of the shape of w, the moving average of squared gradients
  (RMSProp).
- beta1, beta2: decay rates of the first and second moment estimates, defaults
  0.9 and 0.999 (Adam).
- m, v: arrays of the shape of w, the first and second moment estimates (Adam).
- t: iteration number, incremented before use (Adam).

NOTE: for efficiency an update rule may update w in place and return it as
next_w; the Solver never relies on the old w after a step.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    Inputs:
    - w: array of any shape, the weights.
    - dw: array of the shape of w, the gradient.
    - config: dict or None, with key
      - learning_rate: scalar learning rate (default 1e-2).

    Returns:
    - next_w: array of the shape of w.
    - config: the config dict (with defaults filled in).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config
