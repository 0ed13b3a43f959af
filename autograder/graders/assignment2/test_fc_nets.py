"""Hidden graders of FullyConnectedNet and the update rules sgd_momentum, rmsprop and adam
(assignment 2, 17 of 100 points; the notebook's challenge, test_fc_challenge.py, has the
other 3 of its 20). Raw points add up to 20, scaled to SECTION_WEIGHT.

Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process, by the instructor's edition of cs231n_core.

FullyConnectedNet is built from the student's own layers. With dropout, the reference
net is given the masks that the student's dropout_forward draws for the same seed (asked
for in the same worker run), so a dropout_forward that draws its mask differently from
CS231n's (but correctly) costs the net nothing; its own graders judge it. A wrong
batch/layer norm or dropout_backward does cost the net's tests that use them.

Tolerances are CS231n's: 1e-7 for losses, scores and the nets' gradients against the
reference, 1e-5 against numerical gradients of the reference, 1e-8 (momentum) and 1e-7
(rmsprop, adam) for the update rules, every config entry included.
"""
import contextlib
from unittest import mock

import numpy as np
import pytest

from autograder.trusted.expect import expect_array, expect_at_least, expect_close, wrong
from autograder.trusted.submission import call, get, saved
from autograder.graders.answers import expect_grads, numeric_net_problem, scalar, unpack
from autograder.graders.graded import graded
from autograder.graders.trained import rotated_digits_split, trained_accuracies
from cs231n_core import layers, optim
from cs231n_core.classifiers import fc_net

SECTION_WEIGHT = 17
NET_PATH = "cs231n_core.classifiers.fc_net:FullyConnectedNet"
OPTIM = "cs231n_core.optim:"
LAYERS_DROPOUT = "cs231n_core.layers:dropout_forward"
VALUE_TOL = 1e-7
NET_GRAD_TOL = 1e-7
NUMERIC_TOL = 1e-5
RULE_TOL = {"sgd_momentum": 1e-8, "rmsprop": 1e-7, "adam": 1e-7}  # CS231n's, float64 update rules


# --- helpers ---------------------------------------------------------------------

def param_names(num_layers, normalization):
    names = ["W%d" % i for i in range(1, num_layers + 1)] + ["b%d" % i for i in range(1, num_layers + 1)]
    if normalization:
        names += ["%s%d" % (n, i) for i in range(1, num_layers) for n in ("gamma", "beta")]
    return sorted(names)


def random_params(rng, dims, normalization=None):
    """Parameters of a net with layer sizes dims (input, hidden..., classes); nonzero
    biases keep hidden units off the ReLU's kink."""
    params = {}
    for i in range(1, len(dims)):
        params["W%d" % i] = rng.normal(size=(dims[i - 1], dims[i])) / np.sqrt(dims[i - 1])
        params["b%d" % i] = rng.normal(size=dims[i]) * 0.2
        if normalization and i < len(dims) - 1:
            params["gamma%d" % i] = 1 + 0.2 * rng.normal(size=dims[i])
            params["beta%d" % i] = 0.2 * rng.normal(size=dims[i])
    return params


class Case:
    """One net: its layer sizes, options, parameters and data."""

    def __init__(self, rng, hidden_dims, reg=0.0, keep=1, normalization=None, num_examples=None,
                 input_shape=(2, 3, 2), num_classes=None, seed=None):
        self.input_dim = int(np.prod(input_shape))
        self.num_classes = num_classes or int(rng.integers(3, 7))
        self.dims = [self.input_dim] + list(hidden_dims) + [self.num_classes]
        self.kwargs = dict(input_dim=self.input_dim, num_classes=self.num_classes,
                           dropout_keep_ratio=keep, normalization=normalization, reg=reg,
                           weight_scale=1e-2, dtype=np.float64, seed=seed)
        self.hidden_dims, self.keep, self.normalization, self.reg = list(hidden_dims), keep, normalization, reg
        self.params = random_params(rng, self.dims, normalization)
        N = num_examples or int(rng.integers(5, 9))
        self.X = rng.normal(size=(N,) + tuple(input_shape))
        self.y = rng.integers(0, self.num_classes, size=N)
        self.X_test = rng.normal(size=(int(rng.integers(3, 7)),) + tuple(input_shape))

    def describe(self):
        parts = ["hidden_dims=%s" % self.hidden_dims]
        if self.reg:
            parts.append("reg=%.3g" % self.reg)
        if self.keep != 1:
            parts.append("dropout_keep_ratio=%g" % self.keep)
        if self.normalization:
            parts.append("normalization=%r" % self.normalization)
        return "FullyConnectedNet(%s)" % ", ".join(parts)

    def reference(self):
        net = fc_net.FullyConnectedNet(self.hidden_dims, **self.kwargs)
        net.params = {k: v.copy() for k, v in self.params.items()}
        return net

    def student_steps(self, name):
        kwargs = dict(self.kwargs, dtype=np.dtype(self.kwargs["dtype"]).name)  # a name travels
        return [call(NET_PATH, self.hidden_dims, save=name, **kwargs),
                call(name + ".params.update", self.params)]


def student_losses(submission, cases, test_scores=False):
    """[(loss, grads)] of the student's nets (and the test-time scores of X_test after
    the training call, when test_scores), all in one worker run."""
    steps, returns = [], []
    for i, case in enumerate(cases):
        steps += case.student_steps("net%d" % i)
        steps.append(call("net%d.loss" % i, case.X, case.y, save="result%d" % i))
        returns.append("result%d" % i)
        if test_scores:
            steps.append(call("net%d.loss" % i, case.X_test, save="scores%d" % i))
            returns.append("scores%d" % i)
    result = submission.run(steps, returns=returns)
    out = []
    for i, case in enumerate(cases):
        loss, grads = unpack(result["result%d" % i], 2, "%s.loss(X, y)" % case.describe())
        item = (scalar(loss, "%s.loss(X, y)'s loss" % case.describe()), grads)
        out.append(item + ((result["scores%d" % i],) if test_scores else ()))
    return out


def check_against_reference(submission, cases, test_scores=False):
    got = student_losses(submission, cases, test_scores)
    for case, answer in zip(cases, got):
        net = case.reference()
        expected_loss, expected_grads = net.loss(case.X, case.y)
        what = case.describe()
        expect_close(answer[0], expected_loss, VALUE_TOL, what + ": the loss")
        expect_grads(answer[1], expected_grads, NET_GRAD_TOL, what)
        if test_scores:
            expect_close(answer[2], net.loss(case.X_test), VALUE_TOL,
                         what + ": the test-time scores after a training step")


# --- FullyConnectedNet ---------------------------------------------------------------

def expect_init(params, dims, normalization, weight_scale, dtype, what):
    names = param_names(len(dims) - 1, normalization)
    if not isinstance(params, dict) or sorted(params) != names:
        keys = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise wrong(params, "%s: self.params must have the keys %s, got %s"
                    % (what, ", ".join(names), keys), what)
    for i in range(1, len(dims)):
        expect_array(params["W%d" % i], (dims[i - 1], dims[i]), "%s: params['W%d']" % (what, i))
        expect_array(params["b%d" % i], (dims[i],), "%s: params['b%d']" % (what, i))
        if np.any(params["b%d" % i] != 0):
            raise wrong(params, "%s: params['b%d'] must start at zero" % (what, i), what)
        w = params["W%d" % i]
        if abs(np.mean(w)) > 5 * weight_scale / np.sqrt(w.size):
            raise wrong(params, "%s: params['W%d'] should be centred at 0" % (what, i), what)
        ratio = np.std(w) / weight_scale
        if abs(ratio - 1) > 5 * np.sqrt(0.5 / w.size) + 0.01:
            raise wrong(params, "%s: the standard deviation of params['W%d'] is %.3g x "
                        "weight_scale, expected about 1" % (what, i, ratio), what)
        if normalization and i < len(dims) - 1:
            for name, value in (("gamma", 1.0), ("beta", 0.0)):
                expect_array(params["%s%d" % (name, i)], (dims[i],), "%s: params['%s%d']" % (what, name, i))
                if np.any(params["%s%d" % (name, i)] != value):
                    raise wrong(params, "%s: params['%s%d'] must start at %g" % (what, name, i, value), what)
    for name in names:
        if params[name].dtype != dtype:
            raise wrong(params, "%s: params[%r] has dtype %s, expected %s (the dtype argument)"
                        % (what, name, params[name].dtype, np.dtype(dtype).name), what + ": the dtype")


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(1)
def test_net_initialization(submission, rng):
    """parameter keys and shapes for several depths; zero biases, Gaussian weights of standard deviation weight_scale; gammas 1, betas 0; the dtype"""
    configs = [([int(rng.integers(20, 40))] * 3, None, 0.1, "float64"),
               ([int(rng.integers(30, 50)), int(rng.integers(30, 50))], "batchnorm", 5e-2, "float32"),
               ([], None, 0.3, "float64"),
               ([int(rng.integers(30, 50))], "layernorm", 1e-2, "float32")]
    steps, dims_list = [call("numpy.random:seed", int(rng.integers(1000)))], []
    for i, (hidden, normalization, scale, dtype) in enumerate(configs):
        input_dim, num_classes = int(rng.integers(40, 70)), int(rng.integers(5, 12))
        dims_list.append([input_dim] + hidden + [num_classes])
        steps += [call(NET_PATH, hidden, input_dim=input_dim, num_classes=num_classes,
                       normalization=normalization, weight_scale=scale, dtype=dtype,
                       reg=0.25, save="net%d" % i),
                  get("net%d.params" % i, save="params%d" % i), get("net%d.reg" % i, save="reg%d" % i),
                  get("net%d.num_layers" % i, save="layers%d" % i)]
    returns = [name % i for i in range(len(configs)) for name in ("params%d", "reg%d", "layers%d")]
    result = submission.run(steps, returns=returns)
    for i, ((hidden, normalization, scale, dtype), dims) in enumerate(zip(configs, dims_list)):
        what = "FullyConnectedNet(%s hidden layers, normalization=%r, weight_scale=%g, dtype=%s)" % (
            len(hidden), normalization, scale, dtype)
        expect_init(result["params%d" % i], dims, normalization, scale, np.dtype(dtype), what)
        expect_close(scalar(result["reg%d" % i], "self.reg"), 0.25, VALUE_TOL, what + ": self.reg")
        layers = scalar(result["layers%d" % i], "self.num_layers")
        if int(layers) != len(dims) - 1:
            raise wrong(layers, "%s: self.num_layers must be %d" % (what, len(dims) - 1), what + ": self.num_layers")


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(1)
def test_net_scores(submission, rng):
    """without labels, loss(X) returns the scores of the reference, for depths 1 to 4"""
    cases = [Case(rng, [int(rng.integers(4, 9)) for _ in range(depth)]) for depth in range(4)]
    steps = []
    for i, case in enumerate(cases):
        steps += case.student_steps("net%d" % i) + [call("net%d.loss" % i, case.X, save="scores%d" % i)]
    result = submission.run(steps, returns=["scores%d" % i for i in range(len(cases))])
    for i, case in enumerate(cases):
        scores = result["scores%d" % i]
        if isinstance(scores, tuple):
            raise wrong(scores, "%s.loss(X) without labels must return the scores only, got a tuple"
                        % case.describe(), case.describe() + ": the scores")
        expect_close(scores, case.reference().loss(case.X), VALUE_TOL,
                     "the scores of %s.loss(X)" % case.describe())


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(1)
def test_net_loss_and_grads(submission, rng):
    """loss and every gradient match the reference without regularization, for depths 1 to 4"""
    check_against_reference(submission, [Case(rng, [int(rng.integers(4, 9)) for _ in range(depth)])
                                         for depth in range(4)])


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(2)
def test_net_regularization(submission, rng):
    """loss and every gradient match the reference with 0.5 * reg * sum(W * W) on every weight matrix, for depths 1 to 5"""
    check_against_reference(submission, [
        Case(rng, [int(rng.integers(4, 9)) for _ in range(depth)], reg=float(rng.uniform(0.3, 3.0)))
        for depth in range(5)])


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(1)
def test_net_numerical_gradients(submission, rng):
    """every gradient matches a numerical gradient of the loss (3 layers, with regularization)"""
    def draw():
        case = Case(rng, [5, 4], reg=float(rng.uniform(0.1, 1.0)), num_examples=4, input_shape=(5,),
                    num_classes=3)
        return case.reference(), case.X, case.y, case

    (_, _, _, case), expected, numeric = numeric_net_problem(draw, param_names(3, None), NUMERIC_TOL)
    _, grads = student_losses(submission, [case])[0]
    expect_grads(grads, expected, NET_GRAD_TOL, case.describe())
    for name in sorted(expected):
        expect_close(grads[name], numeric[name], NUMERIC_TOL,
                     "%s: grads[%r] against a numerical gradient" % (case.describe(), name))


@contextlib.contextmanager
def student_masks(masks):
    """Have the reference net's dropout layers use the masks that the student's
    dropout_forward applies (keyed by mode and shape: every call reseeds, so a shape always
    gets the same mask), so that a wrong dropout_forward costs only its own points."""
    def dropout_forward(x, dropout_param):
        mask = masks[dropout_param["mode"], tuple(x.shape)]
        return x * mask, (dropout_param, mask)
    with mock.patch.object(layers, "dropout_forward", dropout_forward):
        yield


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(2)
def test_net_dropout(submission, rng):
    """with dropout: dropout_param holds p and the seed; loss and gradients match the reference given your dropout's masks; no dropout at test time"""
    cases = [Case(rng, [int(rng.integers(5, 9)), int(rng.integers(5, 9))], keep=float(rng.uniform(0.3, 0.8)),
                  reg=float(rng.uniform(0.1, 1.0)), seed=int(rng.integers(1000))),
             Case(rng, [int(rng.integers(5, 9))] * 3, keep=float(rng.uniform(0.3, 0.8)),
                  seed=int(rng.integers(1000)))]
    steps, returns = [], []
    for i, case in enumerate(cases):
        for mode, rows in (("train", len(case.y)), ("test", len(case.X_test))):
            param = {"mode": mode, "p": case.keep, "seed": case.kwargs["seed"]}
            for width in sorted(set(case.hidden_dims)):
                name = "mask%d_%s_%d" % (i, mode, width)
                steps += [call(LAYERS_DROPOUT, np.ones((rows, width)), param, save=name + "_result"),
                          call("operator:getitem", saved(name + "_result"), 0, save=name)]
                returns.append(name)
        steps += case.student_steps("net%d" % i)
        steps += [get("net%d.dropout_param" % i, save="param%d" % i),
                  call("operator:getitem", saved("param%d" % i), "p", save="p%d" % i),
                  call("operator:getitem", saved("param%d" % i), "seed", save="seed%d" % i),
                  call("net%d.loss" % i, case.X, case.y, save="result%d" % i),
                  call("net%d.loss" % i, case.X_test, save="scores%d" % i)]
        returns += ["p%d" % i, "seed%d" % i, "result%d" % i, "scores%d" % i]
    result = submission.run(steps, returns=returns)
    for i, case in enumerate(cases):
        what = case.describe()
        expect_close(scalar(result["p%d" % i], "dropout_param['p']"), case.keep, VALUE_TOL,
                     what + ": self.dropout_param['p'] (the probability of keeping a unit)")
        seed = scalar(result["seed%d" % i], "dropout_param['seed']")
        if seed != case.kwargs["seed"]:
            raise wrong(seed, "%s: self.dropout_param['seed'] must be the seed given" % what,
                        what + ": self.dropout_param['seed']")
        masks = {(mode, (rows, w)): result["mask%d_%s_%d" % (i, mode, w)]
                 for mode, rows in (("train", len(case.y)), ("test", len(case.X_test)))
                 for w in set(case.hidden_dims)}
        loss, grads = unpack(result["result%d" % i], 2, what + ".loss(X, y)")
        net = case.reference()
        with student_masks(masks):
            expected_loss, expected_grads = net.loss(case.X, case.y)
            expected_scores = net.loss(case.X_test)
        expect_close(scalar(loss, what + "'s loss"), expected_loss, VALUE_TOL,
                     what + ": the training loss (dropout after every hidden ReLU)")
        expect_grads(grads, expected_grads, NET_GRAD_TOL, what)
        expect_close(result["scores%d" % i], expected_scores, VALUE_TOL,
                     what + ": the test-time scores (no dropout at test time)")


def check_normalized_nets(submission, rng, normalization):
    """Two nets with `normalization` (3 and 4 layers, the first regularized): loss, every
    gradient, and the test-time scores after a training call."""
    check_against_reference(submission, [
        Case(rng, [int(rng.integers(4, 8)), int(rng.integers(4, 8))], normalization=normalization,
             reg=float(rng.uniform(0.1, 1.0))),
        Case(rng, [int(rng.integers(4, 8))] * 3, normalization=normalization)], test_scores=True)


test_net_batchnorm = graded("FullyConnectedNet", 1, "with batch normalization: loss, every gradient, and the "
                            "test-time scores with the running averages match the reference",
                            check_normalized_nets, "batchnorm")
test_net_layernorm = graded("FullyConnectedNet", 1, "with layer normalization: loss, every gradient and the "
                            "test-time scores match the reference", check_normalized_nets, "layernorm")


# Training on scikit-learn's handwritten digits (8x8): 300 training images, 200 held out,
# plain SGD (given code, so that the update rules' graders stay separate). No input is
# in a file the worker can read (rotated_digits_split): the nearest public image's label is right
# for at most 13.5% of the held-out inputs. Calibrated on the reference over 8 random
# splits x 5 initializations: 74.0% to 88.5% held-out accuracy (mean 80.9%), at most 8.5
# points between two initializations on one split (a correct net that draws its weights
# in another order gets another initialization). Required: the reference's accuracy on
# the same split and seed, less ACCURACY_MARGIN.
TRAIN_NET = {"hidden_dims": [64, 64], "weight_scale": 0.2, "reg": 1e-3}
TRAIN_SOLVER = {"update_rule": "sgd", "optim_config": {"learning_rate": 0.3}, "lr_decay": 0.95,
                "num_epochs": 15, "batch_size": 50, "verbose": False}
DISTORTION = 0.5
ACCURACY_MARGIN = 0.10


@pytest.mark.target("FullyConnectedNet")
@pytest.mark.points(1)
def test_net_trains_on_digits(submission, rng):
    """a 3-layer net trained with the Solver on 300 handwritten digits: held-out accuracy within 10 points of the reference"""
    data, X_test, y_test = rotated_digits_split(rng, 300, 100, 200, distortion=DISTORTION)
    net_args = dict(input_dim=data["X_train"].shape[1], num_classes=10, dtype="float64", **TRAIN_NET)
    accuracy, reference_accuracy = trained_accuracies(submission, NET_PATH, fc_net.FullyConnectedNet, net_args,
                                                      data, TRAIN_SOLVER, X_test, y_test, int(rng.integers(1000)))
    expect_at_least(accuracy, reference_accuracy - ACCURACY_MARGIN,
                    "held-out accuracy of FullyConnectedNet([64, 64]) trained on digits",
                    " (the reference reaches %.3f; margin %.2f)" % (reference_accuracy, ACCURACY_MARGIN))


# --- sgd_momentum, rmsprop, adam -------------------------------------------------------

STATE_KEYS = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
HYPER = {"sgd_momentum": lambda rng: {"learning_rate": float(rng.uniform(1e-3, 1e-1)),
                                      "momentum": float(rng.uniform(0.5, 0.99))},
         "rmsprop": lambda rng: {"learning_rate": float(rng.uniform(1e-3, 1e-1)),
                                 "decay_rate": float(rng.uniform(0.8, 0.999)),
                                 "epsilon": float(rng.choice([1e-8, 1e-6, 1e-4]))},
         "adam": lambda rng: {"learning_rate": float(rng.uniform(1e-3, 1e-1)),
                              "beta1": float(rng.uniform(0.5, 0.95)),
                              "beta2": float(rng.uniform(0.9, 0.9999)),
                              "epsilon": float(rng.choice([1e-8, 1e-6, 1e-4]))}}


def random_state(rng, rule, shape):
    if rule == "sgd_momentum":
        return {"velocity": rng.normal(size=shape) * 0.1}
    if rule == "rmsprop":
        return {"cache": rng.uniform(0.01, 1.0, size=shape)}
    return {"m": rng.normal(size=shape) * 0.1, "v": rng.uniform(0.01, 1.0, size=shape),
            "t": int(rng.integers(0, 20))}


def copy_config(config):
    return None if config is None else {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                        for k, v in config.items()}


def reference_steps(rule, w, grads, config):
    """(next_w, config) after each step of the reference, fed its own output."""
    fn = getattr(optim, rule)
    out, w, config = [], w.copy(), copy_config(config)
    for dw in grads:
        w, config = fn(w.copy(), dw.copy(), config)
        out.append((w.copy(), copy_config(config)))
    return out


def student_steps(submission, rule, runs):
    """runs: (w, [dw, ...], config) triples; the student's rule is fed its own next_w and
    config at each step, all in one worker run. Returns [[(next_w, config), ...], ...]."""
    steps, returns = [], []
    for r, (w, grads, config) in enumerate(runs):
        w_arg, config_arg = w, config
        for s, dw in enumerate(grads):
            name = "r%d_%d" % (r, s)
            steps += [call(OPTIM + rule, w_arg, dw, config_arg, save=name),
                      call("builtins:len", saved(name), save=name + "_len"),
                      call("operator:getitem", saved(name), 0, save=name + "_w"),
                      call("operator:getitem", saved(name), 1, save=name + "_config"),
                      # snapshots: a rule may update w and config in place at the next step
                      call("copy:deepcopy", saved(name + "_w"), save=name + "_w_snapshot"),
                      call("copy:deepcopy", saved(name + "_config"), save=name + "_snapshot")]
            returns += [name + "_len", name + "_w_snapshot", name + "_snapshot"]
            w_arg, config_arg = saved(name + "_w"), saved(name + "_config")
    result = submission.run(steps, returns=returns)
    out = []
    for r, (w, grads, config) in enumerate(runs):
        run = []
        for s in range(len(grads)):
            name = "r%d_%d" % (r, s)
            if int(result[name + "_len"]) != 2:
                raise wrong(result[name + "_len"], "%s must return the pair (next_w, config)" % rule,
                            rule + ": the pair")
            if not isinstance(result[name + "_snapshot"], dict):
                raise wrong(result[name + "_snapshot"], "%s must return (next_w, config) with config a "
                            "dictionary" % rule, rule + ": the config")
            run.append((result[name + "_w_snapshot"], result[name + "_snapshot"]))
        out.append(run)
    return out


def expect_steps(rule, got, expected, what):
    tol = RULE_TOL[rule]
    for step, ((w, config), (ref_w, ref_config)) in enumerate(zip(got, expected), start=1):
        where = "%s, step %d" % (what, step)
        expect_close(w, ref_w, tol, "%s: next_w" % where)
        missing = sorted(k for k in ref_config if k not in config)
        if missing:
            raise wrong(config, "%s: config lacks %s" % (where, ", ".join(missing)), where + ": config's keys")
        for key in sorted(ref_config):
            expect_close(np.asarray(config[key], dtype=np.float64), np.asarray(ref_config[key], dtype=np.float64),
                         tol, "%s: config[%r]" % (where, key))


def check_given_state(submission, rng, rule):
    runs, expected = [], []
    for shape in ((int(rng.integers(3, 8)), int(rng.integers(3, 8))), (int(rng.integers(5, 20)),)):
        w = rng.normal(size=shape)
        config = dict(HYPER[rule](rng), **random_state(rng, rule, shape))
        grads = [rng.normal(size=shape) * rng.uniform(0.01, 2.0)]
        runs.append((w, grads, config))
        expected.append(reference_steps(rule, w, grads, config))
    for run, ref, (w, _, _) in zip(student_steps(submission, rule, runs), expected, runs):
        expect_steps(rule, run, ref, "%s on w of shape %s with a given config" % (rule, w.shape))


def check_several_steps(submission, rng, rule):
    shape = (int(rng.integers(3, 7)), int(rng.integers(3, 7)))
    w = rng.normal(size=shape)
    config = HYPER[rule](rng)
    grads = [rng.normal(size=shape) * rng.uniform(0.01, 2.0) for _ in range(5)]
    run = student_steps(submission, rule, [(w, grads, config)])[0]
    expect_steps(rule, run, reference_steps(rule, w, grads, config),
                 "%s over 5 steps from a fresh state" % rule)


def check_defaults(submission, rng, rule):
    shape = (int(rng.integers(3, 7)), int(rng.integers(2, 5)))
    w = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(3)]
    partial = {"learning_rate": float(rng.uniform(1e-3, 5e-2))}
    runs = [(w, grads, None), (w, grads, partial)]
    got = student_steps(submission, rule, runs)
    expect_steps(rule, got[0], reference_steps(rule, w, grads, None),
                 "%s with config=None (the defaults)" % rule)
    expect_steps(rule, got[1], reference_steps(rule, w, grads, partial),
                 "%s with only the learning rate given (the other defaults)" % rule)


def rule_graders(rule, given_state, defaults, several_steps="next_w and every config entry match the reference "
                                                            "over 5 steps"):
    """{"test_<rule>_<check>": grader} of the three checks of an update rule, 1 raw point each;
    the other arguments say what each of them checks."""
    return {"test_%s_given_state" % rule: graded(rule, 1, given_state, check_given_state, rule),
            "test_%s_several_steps" % rule: graded(rule, 1, several_steps, check_several_steps, rule),
            "test_%s_defaults" % rule: graded(rule, 1, defaults, check_defaults, rule)}


globals().update(rule_graders(
    "sgd_momentum", "next_w and the velocity match the reference for given hyperparameters and velocity",
    "with config=None or a partial config, the defaults (learning_rate 1e-2, momentum 0.9) are filled in"))
globals().update(rule_graders(
    "rmsprop", "next_w and the cache match the reference for given hyperparameters and cache",
    "with config=None or a partial config, the defaults (learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8) "
    "are filled in"))
globals().update(rule_graders(
    "adam", "next_w, m, v and t match the reference for given hyperparameters and state",
    "with config=None or a partial config, the defaults (learning_rate 1e-2, beta1 0.9, beta2 0.999, "
    "epsilon 1e-8) are filled in",
    several_steps="next_w and every config entry match the reference over 5 steps (t incremented before use)"))
