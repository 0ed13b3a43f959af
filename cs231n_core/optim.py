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

Config keys and their defaults (set with _with_defaults, which keeps what config holds):
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


def _with_defaults(config, **defaults):
    """The config dict (a new one when config is None), each key of `defaults` that it
    lacks set to its default value."""
    if config is None:
        config = {}
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


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
    config = _with_defaults(config, learning_rate=1e-2)

    w -= config["learning_rate"] * dw
    return w, config


# --------------------------------------------------------------------------------------
# Assignment 2: SGD with momentum, RMSProp and Adam
# --------------------------------------------------------------------------------------

def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    v <- momentum * v - learning_rate * dw
    w <- w + v

    Inputs:
    - w: array of any shape, the weights.
    - dw: array of the shape of w, the gradient.
    - config: dict or None, with keys
      - learning_rate: scalar learning rate (default 1e-2).
      - momentum: scalar in [0, 1) giving the momentum value (default 0.9);
        momentum = 0 reduces to plain sgd.
      - velocity: array of the shape of w, the velocity: a moving average of
        the gradients (default zeros).

    Returns:
    - next_w: array of the shape of w, the weights after the update.
    - config: the config dict, with defaults filled in and the new velocity.
    """
    config = _with_defaults(config, learning_rate=1e-2, momentum=0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # TODO: implement the momentum update. Store the updated weights in next_w
    # and the updated velocity in v.
    # BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    # END SOLUTION
    config["velocity"] = v

    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: scales each step by a moving average of the squared gradients.

    cache <- decay_rate * cache + (1 - decay_rate) * dw**2
    w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    Inputs:
    - w: array of any shape, the weights.
    - dw: array of the shape of w, the gradient.
    - config: dict or None, with keys
      - learning_rate: scalar learning rate (default 1e-2).
      - decay_rate: scalar in [0, 1), the decay rate of the squared-gradient
        cache (default 0.99).
      - epsilon: small scalar added to the root to avoid dividing by zero
        (default 1e-8).
      - cache: array of the shape of w, the moving average of the squared
        gradients (default zeros).

    Returns:
    - next_w: array of the shape of w, the weights after the update.
    - config: the config dict, with defaults filled in and the new cache.
    """
    config = _with_defaults(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8,
                            cache=np.zeros_like(w))

    next_w = None
    # TODO: implement the RMSProp update. Store the updated weights in next_w
    # and the updated moving average in config["cache"].
    # BEGIN SOLUTION
    decay_rate = config["decay_rate"]
    config["cache"] = decay_rate * config["cache"] + (1 - decay_rate) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    # END SOLUTION

    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and of its square, bias-corrected.

    t <- t + 1
    m <- beta1 * m + (1 - beta1) * dw
    v <- beta2 * v + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t),  v_hat = v / (1 - beta2**t)
    w <- w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    Inputs:
    - w: array of any shape, the weights.
    - dw: array of the shape of w, the gradient.
    - config: dict or None, with keys
      - learning_rate: scalar learning rate (default 1e-2, the default of
        every rule here; CS231n's adam defaults to 1e-3, so pass it explicitly).
      - beta1: decay rate of the moving average of the gradient (default 0.9).
      - beta2: decay rate of the moving average of its square (default 0.999).
      - epsilon: small scalar added to the root to avoid dividing by zero
        (default 1e-8).
      - m: array of the shape of w, the moving average of the gradient
        (default zeros).
      - v: array of the shape of w, the moving average of the squared gradient
        (default zeros).
      - t: iteration number (default 0), incremented BEFORE it is used in the
        bias correction: the first step uses t = 1.

    Returns:
    - next_w: array of the shape of w, the weights after the update.
    - config: the config dict, with defaults filled in and the new m, v and t.
    """
    config = _with_defaults(config, learning_rate=1e-2, beta1=0.9, beta2=0.999, epsilon=1e-8,
                            m=np.zeros_like(w), v=np.zeros_like(w), t=0)

    next_w = None
    # TODO: implement the Adam update. Store the updated weights in next_w and
    # the updated m, v and t in config. Increment t first: the bias correction
    # of the first step uses t = 1.
    # BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw * dw
    m_hat = config["m"] / (1 - beta1 ** config["t"])
    v_hat = config["v"] / (1 - beta2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    # END SOLUTION

    return next_w, config
