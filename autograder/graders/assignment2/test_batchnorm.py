"""Hidden graders of batch normalization and layer normalization (assignment 2's
BatchNormalization notebook, 30 of 100 points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process. Each backward pass gets the cache of the student's own forward
pass (CS231n leaves the cache's layout to the student). Tolerances are CS231n's: 1e-8
against the reference, 1e-6 against centred differences of the reference.

bn_param follows CS231n (ARCHITECTURE.md): "mode", "eps" (default 1e-5), "momentum" (default 0.9),
"running_mean", "running_var"; running = momentum * running + (1 - momentum) * batch,
with the batch's biased variance, as in CS231n.
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_close, expect_faster, wrong
from autograder.trusted.submission import call, saved
from autograder.graders import speed
from autograder.graders.answers import unpack
from autograder.graders.graded import graded
from cs231n_core import layers

from .norm_common import (GRAD_TOL, LAYERS, VALUE_TOL, expect_grads, expect_numeric_grads,
                          expect_pair, features, forward_steps, numerical_problem,
                          student_backwards, student_forwards)

SECTION_WEIGHT = 30


def bn_problem(rng, N, D, scale=(0.5, 5.0)):
    """(x, gamma, beta, dout)."""
    return (features(rng, N, D, scale), rng.normal(size=D), rng.normal(size=D),
            rng.normal(size=(N, D)))


def random_shape(rng):
    return int(rng.integers(20, 60)), int(rng.integers(5, 15))


ODD_SHAPES = [(1, 5), (2, 3), (9, 1), (3, 40)]  # one example, two, one feature, wide


# --- batchnorm_forward ---------------------------------------------------------------

def check_train_outputs(submission, rng, shapes, small_variance=False):
    problems, expected = [], []
    for N, D in shapes:
        x, gamma, beta, _ = bn_problem(rng, N, D, (0.01, 0.1) if small_variance else (0.5, 5.0))
        bn_param = {"mode": "train"}
        if small_variance:  # eps matters; running averages must not
            bn_param.update(eps=float(rng.choice([1e-3, 1e-2])), momentum=float(rng.uniform(0.5, 0.95)),
                            running_mean=rng.normal(size=D), running_var=rng.uniform(0.5, 2.0, size=D))
        problems.append((x, gamma, beta, bn_param))
        expected.append(layers.batchnorm_forward(x, gamma, beta, dict(bn_param))[0])
    outs = student_forwards(submission, "batchnorm_forward", problems)
    for (x, _, _, bn_param), out, reference in zip(problems, outs, expected):
        expect_close(out, reference, VALUE_TOL, "batchnorm_forward's training-mode output for x "
                     "of shape %s%s" % (x.shape, " with eps=%g" % bn_param["eps"]
                                        if "eps" in bn_param else ""))


@pytest.mark.target("batchnorm_forward")
@pytest.mark.points(2)
def test_batchnorm_forward_train(submission, rng):
    """training mode: the output matches the reference (batch statistics, default eps)"""
    check_train_outputs(submission, rng, [random_shape(rng), random_shape(rng)])


@pytest.mark.target("batchnorm_forward")
@pytest.mark.points(1)
def test_batchnorm_forward_train_eps(submission, rng):
    """training mode: bn_param's eps is used; given running averages do not change the output"""
    check_train_outputs(submission, rng, [random_shape(rng)], small_variance=True)


@pytest.mark.target("batchnorm_forward")
@pytest.mark.points(2)
def test_batchnorm_forward_running_averages(submission, rng):
    """running_mean and running_var after several training batches, with and without momentum given"""
    D = int(rng.integers(4, 10))
    gamma, beta = rng.normal(size=D), rng.normal(size=D)
    batches = [features(rng, int(rng.integers(10, 30)), D) for _ in range(4)]
    momentum = float(rng.uniform(0.5, 0.8))
    cases = [{"mode": "train"}, {"mode": "train", "momentum": momentum}]
    steps, returns, expected = [], [], []
    for c, bn_param in enumerate(cases):
        steps.append(call("builtins:dict", save="bn%d" % c, **bn_param))
        reference = dict(bn_param)
        for b, x in enumerate(batches):
            steps.append(call(LAYERS + "batchnorm_forward", x, gamma, beta, saved("bn%d" % c)))
            layers.batchnorm_forward(x, gamma, beta, reference)
            if b in (0, len(batches) - 1):
                for key in ("running_mean", "running_var"):
                    name = "%s%d_%d" % (key, c, b)
                    steps.append(call("operator:getitem", saved("bn%d" % c), key, save=name))
                    returns.append(name)
                    expected.append((name, np.copy(reference[key]), key, b + 1,
                                     "the default momentum" if c == 0 else "momentum=%.2f" % momentum))
    result = submission.run(steps, returns=returns)
    for name, reference, key, count, how in expected:
        got = result[name]
        if got is None:
            raise wrong(result, "batchnorm_forward: bn_param[%r] is None after training" % key,
                        "bn_param[%r]" % key)
        expect_close(np.asarray(got, dtype=np.float64), reference, VALUE_TOL,
                     "batchnorm_forward: bn_param[%r] after %d training batch%s with %s"
                     % (key, count, "es" if count > 1 else "", how))


def inference_problem(rng, N, D):
    x, gamma, beta, _ = bn_problem(rng, N, D)
    bn_param = {"mode": "test", "running_mean": rng.normal(size=D) * 3,
                "running_var": rng.uniform(0.1, 10.0, size=D)}
    if rng.uniform() < 0.5:
        bn_param["eps"] = float(rng.choice([1e-2, 1e-1]))
    return x, gamma, beta, bn_param


@pytest.mark.target("batchnorm_forward")
@pytest.mark.points(2)
def test_batchnorm_forward_test_mode(submission, rng):
    """test mode: normalizes with the running averages (one example too) and leaves them unchanged"""
    cases = [(int(rng.integers(20, 40)), 6), (1, 6)]
    problems = [inference_problem(rng, N, D) for N, D in cases]
    steps, returns = [], []
    for i, (x, gamma, beta, bn_param) in enumerate(problems):
        steps.append(call("builtins:dict", save="bn%d" % i, **bn_param))
        steps += forward_steps("batchnorm_forward", (x, gamma, beta, saved("bn%d" % i)), str(i))
        for key in ("running_mean", "running_var"):
            steps.append(call("operator:getitem", saved("bn%d" % i), key, save="%s%d" % (key, i)))
            returns.append("%s%d" % (key, i))
        returns += ["count%d" % i, "out%d" % i]
    result = submission.run(steps, returns=returns)
    for i, (x, gamma, beta, bn_param) in enumerate(problems):
        expect_pair(result, str(i), "batchnorm_forward")
        expected = layers.batchnorm_forward(x, gamma, beta, dict(bn_param))[0]
        expect_close(result["out%d" % i], expected, VALUE_TOL,
                     "batchnorm_forward's test-mode output for x of shape %s" % (x.shape,))
        for key in ("running_mean", "running_var"):
            expect_close(result["%s%d" % (key, i)], bn_param[key], VALUE_TOL,
                         "batchnorm_forward in test mode must leave bn_param[%r] unchanged" % key)


@pytest.mark.target("batchnorm_forward")
@pytest.mark.points(1)
def test_batchnorm_forward_odd_shapes(submission, rng):
    """training mode on one example, two examples, one feature, more features than examples"""
    check_train_outputs(submission, rng, ODD_SHAPES)


# --- batchnorm_backward and batchnorm_backward_alt -------------------------------------

def bn_train(x, gamma, beta, eps=None):
    bn_param = {"mode": "train"} if eps is None else {"mode": "train", "eps": eps}
    return layers.batchnorm_forward(x, gamma, beta, bn_param)


def check_bn_backward(submission, rng, name, shapes, with_eps=False):
    problems, expected = [], []
    for N, D in shapes:
        x, gamma, beta, dout = bn_problem(rng, N, D, (0.01, 0.1) if with_eps else (0.5, 5.0))
        bn_param = {"mode": "train"}
        if with_eps:
            bn_param["eps"] = float(rng.choice([1e-3, 1e-2]))
        problems.append(((x, gamma, beta, bn_param), dout))
        _, cache = layers.batchnorm_forward(x, gamma, beta, dict(bn_param))
        expected.append(layers.batchnorm_backward(dout, cache))
    got = student_backwards(submission, "batchnorm_forward", name, problems)
    for ((x, _, _, bn_param), _), grads, reference in zip(problems, got, expected):
        expect_grads(grads, reference, GRAD_TOL, "%s for x of shape %s%s" % (
            name, x.shape, " with eps=%g" % bn_param["eps"] if "eps" in bn_param else ""))


def check_bn_backward_numerical(submission, rng, name):
    def draw():
        x, gamma, beta, dout = bn_problem(rng, 6, 4)
        return [x, gamma, beta], dout

    (x, gamma, beta), dout, _, numeric = numerical_problem(draw, bn_train, layers.batchnorm_backward)
    got = student_backwards(submission, "batchnorm_forward", name,
                            [((x, gamma, beta, {"mode": "train"}), dout)])[0]
    expect_numeric_grads(got, numeric, name)


def check_bn_backward_values(submission, rng, name):
    check_bn_backward(submission, rng, name, [random_shape(rng)])
    check_bn_backward(submission, rng, name, [random_shape(rng)], with_eps=True)


def backward_graders(name, values, numerical, odd_shapes):
    """{"test_<name>_<check>": grader} of the three checks that both backward passes get,
    worth `values`, `numerical` and `odd_shapes` raw points."""
    return {"test_%s_values" % name: graded(name, values, "dx, dgamma and dbeta match the reference (default "
                                            "eps, and a given eps)", check_bn_backward_values, name),
            "test_%s_numerical" % name: graded(name, numerical, "dx, dgamma and dbeta match numerical gradients "
                                               "of batch normalization", check_bn_backward_numerical, name),
            "test_%s_odd_shapes" % name: graded(name, odd_shapes, "one example, two examples, one feature, more "
                                                "features than examples", check_bn_backward, name, ODD_SHAPES)}


globals().update(backward_graders("batchnorm_backward", values=3, numerical=2, odd_shapes=2))
globals().update(backward_graders("batchnorm_backward_alt", values=2, numerical=1, odd_shapes=1))


# The speed check: a wide and a very tall minibatch (about half a million values each,
# the sizes drawn afresh), so that a Python loop over the features or over the examples
# costs several times the whole budget (a loop over the 32768 examples: about 3x it,
# measured on one thread). The simplified backward pass must take at most the CPU time
# of the reference's step-by-step one (the reference's own simplified pass takes a
# quarter of it). The timed run holds the student's forward passes too, which build the
# caches: they are allowed FORWARD_RATIO x the reference's forward time on top. The
# engine's own cost is measured by a run without the submission's code
# (autograder/graders/speed.py).
SPEED_SHAPES = [(64, 8192), (32768, 16)]
SPEED_REPEAT = 10
SPEED_MAX_RATIO, SPEED_SLACK_S = 1.0, 0.1
FORWARD_RATIO = 3.0
SPEED_WALL_RATIO, SPEED_WALL_SLACK_S = 20.0, 1.0


@pytest.mark.target("batchnorm_backward_alt")
@pytest.mark.points(2)
def test_batchnorm_backward_alt_is_fast(submission, rng):
    """no slower (CPU time) than the reference's step-by-step batchnorm_backward, and right, on large minibatches"""
    shapes = [(speed.jitter(rng, N), speed.jitter(rng, D)) for N, D in SPEED_SHAPES]
    problems = [bn_problem(rng, N, D) for N, D in shapes]
    steps, returns = [], []
    for i, (x, gamma, beta, dout) in enumerate(problems):
        steps += forward_steps("batchnorm_forward", (x, gamma, beta, {"mode": "train"}), str(i))
        steps.append(call(LAYERS + "batchnorm_backward_alt", dout, saved("cache%d" % i),
                          save="grads%d" % i, repeat=SPEED_REPEAT))
        returns += ["count%d" % i, "grads%d" % i]
    result, cpu_s, wall_s = speed.timed_run(submission, steps, returns)
    reference_s = forward_s = 0.0
    for i, (x, gamma, beta, dout) in enumerate(problems):
        expect_pair(result, str(i), "batchnorm_forward")
        grads = unpack(result["grads%d" % i], 3, "batchnorm_backward_alt")
        cache = bn_train(x, gamma, beta)[1]
        expect_grads(grads, layers.batchnorm_backward(dout, cache), GRAD_TOL,
                     "batchnorm_backward_alt for x of shape %s" % (x.shape,))
        reference_s += speed.reference_seconds(layers.batchnorm_backward, dout, cache,
                                               repeat=SPEED_REPEAT)
        forward_s += speed.reference_seconds(layers.batchnorm_forward, x, gamma, beta,
                                             {"mode": "train"})
    what = "batchnorm_backward_alt on x of shapes %s, %d calls each" % (
        " and ".join(str(s) for s in shapes), SPEED_REPEAT)
    expect_faster(cpu_s, reference_s, SPEED_MAX_RATIO, SPEED_SLACK_S + FORWARD_RATIO * forward_s,
                  what + " (CPU time, against the reference's step-by-step backward pass; "
                  "the slack holds the forward passes)")
    expect_faster(wall_s, reference_s, SPEED_WALL_RATIO, SPEED_WALL_SLACK_S, what + " (wall time)")


# --- layernorm_forward ---------------------------------------------------------------

def ln_problem(rng, N, D, scale=(0.5, 5.0)):
    """(x, gamma, beta, dout); each example has its own scale and centre."""
    x = features(rng, D, N, scale).T.copy()
    return x, rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))


def ln_params(rng, count):
    """ln_params as CS231n's FullyConnectedNet passes them: sometimes with a "mode" (which
    layer norm ignores: it behaves the same in training and at test time) or an eps."""
    choices = [{}, {"mode": "train"}, {"mode": "test"}, {"eps": float(rng.choice([1e-3, 1e-2]))}]
    return [dict(choices[i % len(choices)]) for i in range(count)]


def check_ln_forward(submission, rng, shapes, params, scale=(0.5, 5.0)):
    problems = []
    for (N, D), ln_param in zip(shapes, params):
        x, gamma, beta, _ = ln_problem(rng, N, D, scale)
        problems.append((x, gamma, beta, ln_param))
    outs = student_forwards(submission, "layernorm_forward", problems)
    for (x, gamma, beta, ln_param), out in zip(problems, outs):
        expected = layers.layernorm_forward(x, gamma, beta, dict(ln_param))[0]
        expect_close(out, expected, VALUE_TOL, "layernorm_forward's output for x of shape %s "
                     "with ln_param %s" % (x.shape, ln_param))


@pytest.mark.target("layernorm_forward")
@pytest.mark.points(2)
def test_layernorm_forward_values(submission, rng):
    """the output matches the reference (each example normalized over its features)"""
    check_ln_forward(submission, rng, [random_shape(rng)[::-1], random_shape(rng)], [{}, {}])


@pytest.mark.target("layernorm_forward")
@pytest.mark.points(1)
def test_layernorm_forward_eps_and_mode(submission, rng):
    """a given eps is used; a "mode" in ln_param changes nothing (no running averages)"""
    N, D = random_shape(rng)
    check_ln_forward(submission, rng, [(N, D)] * 4, ln_params(rng, 4), scale=(0.01, 0.1))


@pytest.mark.target("layernorm_forward")
@pytest.mark.points(1)
def test_layernorm_forward_odd_shapes(submission, rng):
    """one example, two features, one feature, many more examples than features"""
    check_ln_forward(submission, rng, [(1, 7), (6, 2), (4, 1), (40, 3)], [{}] * 4)


# --- layernorm_backward --------------------------------------------------------------

def ln_forward(x, gamma, beta, eps=None):
    return layers.layernorm_forward(x, gamma, beta, {} if eps is None else {"eps": eps})


def check_ln_backward(submission, rng, shapes, with_eps=False):
    problems, expected = [], []
    for N, D in shapes:
        x, gamma, beta, dout = ln_problem(rng, N, D, (0.01, 0.1) if with_eps else (0.5, 5.0))
        ln_param = {"eps": float(rng.choice([1e-3, 1e-2]))} if with_eps else {}
        problems.append(((x, gamma, beta, ln_param), dout))
        _, cache = layers.layernorm_forward(x, gamma, beta, dict(ln_param))
        expected.append(layers.layernorm_backward(dout, cache))
    got = student_backwards(submission, "layernorm_forward", "layernorm_backward", problems)
    for ((x, _, _, ln_param), _), grads, reference in zip(problems, got, expected):
        expect_grads(grads, reference, GRAD_TOL, "layernorm_backward for x of shape %s%s" % (
            x.shape, " with eps=%g" % ln_param["eps"] if ln_param else ""))


@pytest.mark.target("layernorm_backward")
@pytest.mark.points(2)
def test_layernorm_backward_values(submission, rng):
    """dx, dgamma and dbeta match the reference (default eps, and a given eps)"""
    check_ln_backward(submission, rng, [random_shape(rng)[::-1]])
    check_ln_backward(submission, rng, [random_shape(rng)], with_eps=True)


@pytest.mark.target("layernorm_backward")
@pytest.mark.points(2)
def test_layernorm_backward_numerical(submission, rng):
    """dx, dgamma and dbeta match numerical gradients of layer normalization"""
    def draw():
        x, gamma, beta, dout = ln_problem(rng, 4, 6)
        return [x, gamma, beta], dout

    (x, gamma, beta), dout, _, numeric = numerical_problem(draw, ln_forward,
                                                           layers.layernorm_backward)
    got = student_backwards(submission, "layernorm_forward", "layernorm_backward",
                            [((x, gamma, beta, {}), dout)])[0]
    expect_numeric_grads(got, numeric, "layernorm_backward")


@pytest.mark.target("layernorm_backward")
@pytest.mark.points(1)
def test_layernorm_backward_odd_shapes(submission, rng):
    """one example, two features, one feature, many more examples than features"""
    check_ln_backward(submission, rng, [(1, 7), (6, 2), (4, 1), (40, 3)])
