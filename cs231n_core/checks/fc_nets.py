"""Public checks of assignment 2's FullyConnectedNet (classifiers/fc_net.py) and update
rules (optim.py: sgd_momentum, rmsprop, adam).

The expected values below were computed once with the reference solution; the update
rules' inputs are CS231n's own (np.linspace), so the numbers match CS231n's notebook.
"""
import numpy as np

from . import public_check
from .numpy_tools import (_expect_numerical_grads, _expect_param_keys, _loss_of, _scores_of, _seeded,
                          _values)

# --------------------------------------------------------------------------------------
# FullyConnectedNet
# --------------------------------------------------------------------------------------

FC_DIMS = [6, 5, 4, 3]  # input 6 (examples of shape (2, 3)), hidden 5 and 4, 3 classes
FC_LOSS = 1.520926424760252             # reg 0
FC_LOSS_REG = 6.496929369358369         # reg 0.9
FC_ONE_LAYER_LOSS_REG = 2.9128779223730232  # no hidden layer (a softmax classifier), reg 0.9
FC_BATCHNORM_LOSS = 2.5848957109630746  # reg 0.3
FC_LAYERNORM_LOSS = 2.5643862527837227  # reg 0.3
FC_SCORES = np.array([[-1.6491127436728275, 1.4179956019765716, -0.8640110382304658],
                      [-0.6518206516274213, 0.553992489478535, -0.16412051815529788],
                      [-0.4744139299392769, 0.5255000653708888, -0.3352325641574213],
                      [-0.3973289277160369, 0.383508405021031, -0.13632973868001305]])


def _fc_params(dims, normalization=False, seed=5):
    """Parameters of a net with layer sizes `dims`, from RandomState(seed)."""
    rs = np.random.RandomState(seed)
    params = {}
    for i in range(1, len(dims)):
        params["W%d" % i] = rs.randn(dims[i - 1], dims[i]) / np.sqrt(dims[i - 1])
        params["b%d" % i] = 0.1 * rs.randn(dims[i])
        if normalization and i < len(dims) - 1:
            params["gamma%d" % i] = 1 + 0.1 * rs.randn(dims[i])
            params["beta%d" % i] = 0.1 * rs.randn(dims[i])
    return params


def _fc_data():
    rs = np.random.RandomState(7)
    return rs.randn(4, 2, 3), rs.randint(3, size=4)


def _expected_keys(num_layers, normalization):
    keys = ["W%d" % i for i in range(1, num_layers + 1)] + ["b%d" % i for i in range(1, num_layers + 1)]
    if normalization:
        keys += ["%s%d" % (n, i) for i in range(1, num_layers) for n in ("gamma", "beta")]
    return sorted(keys)


def _numerical_check(t, net, X, y, what):
    """CS231n's numerical gradient check of every parameter of a FullyConnectedNet."""
    _expect_numerical_grads(t, net, X, y, sorted(net.params), ", " + what, 1e-5,
                            reg_hint="; is the regularization gradient reg * W there for every "
                            "layer?")


def _norm_works(t, name):
    """True when the normalization layer `name` of layers.py runs (else a note)."""
    from cs231n_core import layers

    fn = getattr(layers, name + "_forward", None)
    param = {"mode": "train"}
    if fn is None or t.call_other(fn, np.ones((2, 3)), np.ones(3), np.zeros(3), param) is None:
        t.note("skipped the checks with normalization=%r: %s_forward is not implemented yet"
               % (name, name))
        return False
    return True


@public_check("FullyConnectedNet")
def _check_fully_connected_net(t):
    from cs231n_core.classifiers.fc_net import FullyConnectedNet

    # 1. Initialization (NumPy's global random state is left as it was).
    std = 5e-2
    net = _seeded(t, FullyConnectedNet, [40, 30, 20], input_dim=50, num_classes=7,
                  weight_scale=std, dtype=np.float64)
    params = _expect_param_keys(t, net, _expected_keys(4, False), "self.params of "
                                "FullyConnectedNet([40, 30, 20]) should have the keys W1..W4 "
                                "and b1..b4")
    dims = [50, 40, 30, 20, 7]
    for i in range(1, 5):
        t.expect_array(params["W%d" % i], (dims[i - 1], dims[i]), "params['W%d']" % i, "float",
                       report=False)
        t.expect_array(params["b%d" % i], (dims[i],), "params['b%d']" % i, "float", report=False)
        if np.any(np.asarray(params["b%d" % i]) != 0):
            t.fail("the bias b%d should start at zero" % i)
        w = np.asarray(params["W%d" % i])
        if not (0.7 * std < np.std(w) < 1.3 * std):
            t.fail("params['W%d'] has standard deviation %.2g with weight_scale=%g; draw it "
                   "with weight_scale * np.random.randn(...)" % (i, np.std(w), std))
    t.ok("4 layers of shapes (50, 40), (40, 30), (30, 20), (20, 7), zero biases, weights of "
         "standard deviation about weight_scale")
    if getattr(net, "num_layers", None) != 4:
        t.fail("self.num_layers should be 4 for three hidden layers, got %r"
               % (getattr(net, "num_layers", None),))
    default = t.call(FullyConnectedNet, [8])
    if any(np.asarray(v).dtype != np.float32 for v in default.params.values()):
        t.fail("with the default dtype=np.float32 every parameter should be float32")
    t.ok("the default dtype is float32")

    # 2. Scores and losses of given parameters.
    X, y = _fc_data()
    net = t.call(FullyConnectedNet, FC_DIMS[1:-1], input_dim=6, num_classes=3, dtype=np.float64)
    net.params = _fc_params(FC_DIMS)
    scores = _scores_of(t, net, X, (4, 3), "the scores of 4 examples and 3 classes")
    t.expect_close(scores, FC_SCORES, 1e-8, "the scores of a 3-layer net",
                   hint=lambda got, exp: "is there a ReLU after every hidden layer, and none "
                   "after the last one?")
    t.expect_close(_loss_of(t, net, X, y)[0], FC_LOSS, 1e-8,
                   "the loss of a 3-layer net without regularization")
    net.reg = 0.9
    t.expect_close(_loss_of(t, net, X, y)[0], FC_LOSS_REG, 1e-8,
                   "the loss of a 3-layer net with reg=0.9",
                   hint=lambda got, exp: "add 0.5 * reg * sum(W * W) for every weight matrix "
                   "W1, W2, W3 (not for the biases)")
    one = t.call(FullyConnectedNet, [], input_dim=6, num_classes=3, reg=0.9, dtype=np.float64)
    one.params = _fc_params([6, 3])
    t.expect_close(_loss_of(t, one, X, y)[0], FC_ONE_LAYER_LOSS_REG, 1e-8,
                   "the loss of a net without hidden layers (hidden_dims=[]) with reg=0.9")

    # 3. Numerical gradients of your own loss, as in CS231n's notebook.
    _numerical_check(t, net, X, y, "3 layers with reg=0.9")
    _numerical_check(t, one, X, y, "1 layer with reg=0.9")

    # 4. Dropout: off at test time, on in training, gradients consistent.
    net = t.call(FullyConnectedNet, FC_DIMS[1:-1], input_dim=6, num_classes=3,
                 dropout_keep_ratio=0.5, reg=0.1, dtype=np.float64, seed=123)
    if getattr(net, "dropout_param", {}).get("p") != 0.5:
        t.fail("with dropout_keep_ratio=0.5 self.dropout_param['p'] should be 0.5")
    net.params = _fc_params(FC_DIMS)
    from cs231n_core import layers
    if t.call_other(layers.dropout_forward, np.ones((2, 2)), {"mode": "train", "p": 0.5}) is None:
        t.note("skipped the checks with dropout: dropout_forward is not implemented yet")
    else:
        # Seeded: a dropout left on draws its mask from NumPy's global generator.
        t.expect_close(_seeded(t, net.loss, X.copy()), FC_SCORES, 1e-8,
                       "test-time scores with dropout (dropout is off at test time)")
        _numerical_check(t, net, X, y, "with dropout_keep_ratio=0.5 and a seed")

    # 5. Batch and layer normalization.
    for normalization, expected in (("batchnorm", FC_BATCHNORM_LOSS), ("layernorm", FC_LAYERNORM_LOSS)):
        net = t.call(FullyConnectedNet, FC_DIMS[1:-1], input_dim=6, num_classes=3,
                     normalization=normalization, reg=0.3, dtype=np.float64)
        if sorted(net.params) != _expected_keys(3, True):
            t.fail("with normalization=%r self.params should also hold gamma1, beta1, gamma2, "
                   "beta2 (one pair per hidden layer), got %s" % (normalization, sorted(net.params)))
        if not (np.all(np.asarray(net.params["gamma1"]) == 1)
                and np.all(np.asarray(net.params["beta1"]) == 0)):
            t.fail("the gammas should start at one and the betas at zero")
        if not _norm_works(t, normalization):
            continue
        net.params = _fc_params(FC_DIMS, normalization=True)
        t.expect_close(_loss_of(t, net, X, y)[0], expected, 1e-7,
                       "the loss with normalization=%r and reg=0.3" % normalization,
                       hint=lambda got, exp: "normalize after each hidden affine layer, before "
                       "its ReLU, with params gamma_i, beta_i and self.bn_params[i - 1]")
        _numerical_check(t, net, X, y, "with normalization=%r" % normalization)


# --------------------------------------------------------------------------------------
# sgd_momentum, rmsprop and adam
# --------------------------------------------------------------------------------------

OPT_N, OPT_D = 4, 5


def _opt_array(start, stop):
    """np.linspace(start, stop) laid out as an (OPT_N, OPT_D) array, as CS231n builds its inputs."""
    return np.linspace(start, stop, num=OPT_N * OPT_D).reshape(OPT_N, OPT_D)


def cs231n_step_inputs(rule_name):
    """CS231n's inputs of one step of the update rule `rule_name`: (w, dw, config), w and
    dw of shape (OPT_N, OPT_D), config with the rule's learning rate and state."""
    configs = {
        "sgd_momentum": {"learning_rate": 1e-3, "velocity": _opt_array(0.6, 0.9)},
        "rmsprop": {"learning_rate": 1e-2, "cache": _opt_array(0.6, 0.9)},
        "adam": {"learning_rate": 1e-2, "m": _opt_array(0.6, 0.9), "v": _opt_array(0.7, 0.5), "t": 5},
    }
    return _opt_array(-0.4, 0.6), _opt_array(-0.6, 0.4), configs[rule_name]


MOMENTUM_NEXT_W = np.array([
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
MOMENTUM_VELOCITY = np.array([
    [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
    [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
    [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
    [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
RMSPROP_NEXT_W = np.array([
    [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
    [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
    [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
RMSPROP_CACHE = np.array([
    [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
    [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
    [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
    [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
ADAM_NEXT_W = np.array([
    [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
    [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
    [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
    [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
ADAM_V = np.array([
    [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
    [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
    [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
    [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
ADAM_M = np.array([
    [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
    [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
    [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
    [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
# CS231n's published values after one step from cs231n_step_inputs(rule), each with the
# tolerance it is compared at (CS231n prints them to 8 decimals: about 1e-7 relative
# near 0.02).
CS231N_STEP = {
    "sgd_momentum": {"next_w": (MOMENTUM_NEXT_W, 1e-8), "velocity": (MOMENTUM_VELOCITY, 1e-8)},
    "rmsprop": {"next_w": (RMSPROP_NEXT_W, 1e-7), "cache": (RMSPROP_CACHE, 1e-8)},
    "adam": {"next_w": (ADAM_NEXT_W, 5e-7), "m": (ADAM_M, 1e-8), "v": (ADAM_V, 1e-8)},
}
DEFAULT_DW = np.array([0.5, -2.0, 0.0])  # one step from w = 0 with config=None
DEFAULTS_NEXT_W = {"sgd_momentum": -1e-2 * DEFAULT_DW,
                   "rmsprop": -1e-2 * DEFAULT_DW / (np.sqrt(0.01 * DEFAULT_DW ** 2) + 1e-8),
                   "adam": -1e-2 * DEFAULT_DW / (np.abs(DEFAULT_DW) + 1e-8)}
DEFAULTS = {"sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
            "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
            "adam": {"learning_rate": 1e-2, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}}


def _update(t, rule, name, w, dw, config):
    result = _values(t, t.call(rule, w, dw, config), 2, name)
    next_w, config = result
    if not isinstance(config, dict):
        t.fail("%s should return (next_w, config) with config a dictionary, got a %s"
               % (name, type(config).__name__))
    return t.expect_array(next_w, np.shape(w), "next_w", "float", report=False), config


def _check_defaults(t, rule, name):
    next_w, config = _update(t, rule, name, np.zeros(3), DEFAULT_DW.copy(), None)
    for key, value in DEFAULTS[name].items():
        if config.get(key) != value:
            t.fail("with config=None, config[%r] should default to %g, got %r"
                   % (key, value, config.get(key)))
    t.expect_close(next_w, DEFAULTS_NEXT_W[name], 1e-7, "one step from config=None (the defaults)")


def _cs231n_step(t, rule, name):
    """One step of the update rule `name` (the student's `rule`) from CS231n's inputs:
    (w, dw, the state it started from, next_w, the returned config)."""
    w, dw, config = cs231n_step_inputs(name)
    state = dict(config)  # the rule may replace the arrays of its config
    next_w, config = _update(t, rule, name, w, dw, config)
    return w, dw, state, next_w, config


def _expect_cs231n(t, name, key, next_w, config, hint=None):
    """next_w (key "next_w") or config[key] against CS231n's published value after one
    step of the rule `name`."""
    expected, tol = CS231N_STEP[name][key]
    got = next_w if key == "next_w" else config.get(key, np.zeros(0))
    t.expect_close(got, expected, tol, "CS231n's %s" % key, hint=hint)


@public_check("sgd_momentum")
def _check_sgd_momentum(t):
    from cs231n_core.optim import sgd_momentum

    w, dw, state, next_w, config = _cs231n_step(t, sgd_momentum, "sgd_momentum")

    def hint(got, exp):
        if np.allclose(got, w + 0.9 * state["velocity"] + 1e-3 * dw):
            return "the gradient step goes downhill: v = momentum * v - learning_rate * dw"
        return None
    _expect_cs231n(t, "sgd_momentum", "next_w", next_w, config, hint=hint)
    if "velocity" not in config:
        t.fail("store the new velocity in config['velocity'] for the next step")
    _expect_cs231n(t, "sgd_momentum", "velocity", next_w, config)
    _check_defaults(t, sgd_momentum, "sgd_momentum")


def _check_tiny_gradient(t, rule, name, forgetting):
    """One step of learning rate 1 from w = 0 with a tiny gradient, `forgetting` the
    config that keeps no memory of earlier steps: the step is dw / (|dw| + epsilon),
    almost 1 (with epsilon inside the square root it would be about 0.01)."""
    tiny = np.array([1e-6, -1e-6])
    next_w, _ = _update(t, rule, name, np.zeros(2), tiny, dict(forgetting, learning_rate=1.0))
    t.expect_close(next_w, -tiny / (1e-6 + 1e-8), 1e-7,
                   "a tiny gradient (epsilon goes outside the square root)")


@public_check("rmsprop")
def _check_rmsprop(t):
    from cs231n_core.optim import rmsprop

    _, _, _, next_w, config = _cs231n_step(t, rmsprop, "rmsprop")
    _expect_cs231n(t, "rmsprop", "cache", next_w, config,
                   hint=lambda got, exp: "cache = decay_rate * cache + (1 - decay_rate) * dw**2, "
                   "stored in config['cache']")
    _expect_cs231n(t, "rmsprop", "next_w", next_w, config)
    _check_defaults(t, rmsprop, "rmsprop")
    _check_tiny_gradient(t, rmsprop, "rmsprop", {"decay_rate": 0.0})


@public_check("adam")
def _check_adam(t):
    from cs231n_core.optim import adam

    _, _, _, next_w, config = _cs231n_step(t, adam, "adam")
    _expect_cs231n(t, "adam", "m", next_w, config)
    _expect_cs231n(t, "adam", "v", next_w, config)
    if config.get("t") != 6:
        t.fail("config['t'] should go from 5 to 6 in one step, got %r" % (config.get("t"),))

    def hint(got, exp):
        return "increment t before the bias correction: m / (1 - beta1**t) with the new t"
    _expect_cs231n(t, "adam", "next_w", next_w, config, hint=hint)
    _check_defaults(t, adam, "adam")
    _check_tiny_gradient(t, adam, "adam", {"beta1": 0.0, "beta2": 0.0})
