"""Shared pieces of the graders of assignment 4's recurrent layers (test_rnn_captioning.py
and test_lstm_captioning.py): each layer's random problems, running its forward pass and
its backward pass in the worker, and the checks against the reference and against
numerical gradients of the reference.

Not a test module (pytest collects only test_*.py). A backward pass is always fed the
cache of the student's own forward pass, as in CS231n, where the cache's layout is the
student's choice: a wrong forward pass also costs the backward passes their points (the
mistake bank says so with "affects").

Tolerances are CS231n's: the forward passes and the backward passes against the
reference to 1e-8 (float64 against float64, the same formulas: rounding only), and
against centred differences of the reference (h = 1e-5) to 1e-6, CS231n's bound for its
recurrent layers' gradient checks, on problems where the reference itself passes that
check (redrawn otherwise, as norm_common.numerical_problem does).
"""
from collections import namedtuple

import numpy as np

from autograder.graders.answers import unpack
from autograder.graders.graded import graded
from autograder.trusted.expect import GradingFailure, expect_close
from autograder.trusted.submission import call, saved
from cs231n_core import gradient_check, rnn_layers
from cs231n_core.gradient_check import rel_error

LAYERS = "cs231n_core.rnn_layers:"
VALUE_TOL = 1e-8
GRAD_TOL = 1e-8
NUMERIC_TOL = 1e-6


# --- the layers' problems --------------------------------------------------------------

def weights(rng, rows, cols):
    """Weights of the scale a network is initialized with (1/sqrt(rows)), times a random
    factor: activations that neither vanish nor saturate every tanh and sigmoid."""
    return rng.normal(size=(rows, cols)) * rng.uniform(0.5, 1.5) / np.sqrt(rows)


def rnn_step_problem(rng, N, D, H):
    """([x, prev_h, Wx, Wh, b], [dnext_h])."""
    return ([rng.normal(size=(N, D)), rng.normal(size=(N, H)) * 0.5, weights(rng, D, H), weights(rng, H, H),
             rng.normal(size=H) * 0.3], [rng.normal(size=(N, H))])


def rnn_problem(rng, N, T, D, H):
    """([x, h0, Wx, Wh, b], [dh])."""
    return ([rng.normal(size=(N, T, D)), rng.normal(size=(N, H)) * 0.5, weights(rng, D, H), weights(rng, H, H),
             rng.normal(size=H) * 0.3], [rng.normal(size=(N, T, H))])


def embedding_problem(rng, N, T, V, D):
    """([x, W], [dout]): x holds repeated words (V words for N * T places, or the same
    word twice when V is large)."""
    x = rng.integers(0, V, size=(N, T))
    if N * T > 1:
        x.flat[-1] = x.flat[0]
    return [x, rng.normal(size=(V, D))], [rng.normal(size=(N, T, D))]


def temporal_affine_problem(rng, N, T, D, M):
    """([x, w, b], [dout])."""
    return ([rng.normal(size=(N, T, D)) * rng.uniform(0.5, 2.0), weights(rng, D, M), rng.normal(size=M)],
            [rng.normal(size=(N, T, M))])


def lstm_step_problem(rng, N, D, H):
    """([x, prev_h, prev_c, Wx, Wh, b], [dnext_h, dnext_c])."""
    return ([rng.normal(size=(N, D)), rng.normal(size=(N, H)) * 0.5, rng.normal(size=(N, H)),
             weights(rng, D, 4 * H), weights(rng, H, 4 * H), rng.normal(size=4 * H) * 0.3],
            [rng.normal(size=(N, H)), rng.normal(size=(N, H))])


def lstm_problem(rng, N, T, D, H):
    """([x, h0, Wx, Wh, b], [dh])."""
    return ([rng.normal(size=(N, T, D)), rng.normal(size=(N, H)) * 0.5, weights(rng, D, 4 * H),
             weights(rng, H, 4 * H), rng.normal(size=4 * H) * 0.3], [rng.normal(size=(N, T, H))])


# Each forward pass: its backward pass, its problem(rng, *shape) -> (args, upstream), the
# names of its outputs (then the cache), the names of its backward pass's gradients and
# the positions of the arguments they belong to, and the letters of its shapes.
Layer = namedtuple("Layer", "backward problem outputs grads grad_args shape")
LAYER_TABLE = {
    "rnn_step_forward": Layer("rnn_step_backward", rnn_step_problem, ("next_h",),
                              ("dx", "dprev_h", "dWx", "dWh", "db"), (0, 1, 2, 3, 4), "N, D, H"),
    "rnn_forward": Layer("rnn_backward", rnn_problem, ("h",), ("dx", "dh0", "dWx", "dWh", "db"),
                         (0, 1, 2, 3, 4), "N, T, D, H"),
    "word_embedding_forward": Layer("word_embedding_backward", embedding_problem, ("out",), ("dW",), (1,),
                                    "N, T, V, D"),
    "temporal_affine_forward": Layer("temporal_affine_backward", temporal_affine_problem, ("out",),
                                     ("dx", "dw", "db"), (0, 1, 2), "N, T, D, M"),
    "lstm_step_forward": Layer("lstm_step_backward", lstm_step_problem, ("next_h", "next_c"),
                               ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"), (0, 1, 2, 3, 4, 5), "N, D, H"),
    "lstm_forward": Layer("lstm_backward", lstm_problem, ("h",), ("dx", "dh0", "dWx", "dWh", "db"),
                          (0, 1, 2, 3, 4), "N, T, D, H"),
}


def describe(forward, shape):
    """"N, D, H = 2, 3, 4": the shape of a problem, in the layer's letters."""
    return "%s = %s" % (LAYER_TABLE[forward].shape, ", ".join(str(s) for s in shape))


# --- running the student's passes ------------------------------------------------------

def forward_steps(forward, args, tag):
    """Steps that call rnn_layers.<forward>(*args) and save what it returned as
    "result<tag>", its number of values as "count<tag>", its outputs as "out<j><tag>" and
    its cache (the last value) as "cache<tag>"."""
    steps = [call(LAYERS + forward, *args, save="result" + tag),
             call("builtins:len", saved("result" + tag), save="count" + tag),
             call("operator:getitem", saved("result" + tag), -1, save="cache" + tag)]
    for j in range(len(LAYER_TABLE[forward].outputs)):
        steps.append(call("operator:getitem", saved("result" + tag), j, save="out%d%s" % (j, tag)))
    return steps


def expect_count(result, tag, forward):
    count, expected = int(result["count" + tag]), len(LAYER_TABLE[forward].outputs) + 1
    if count != expected:
        raise GradingFailure("%s must return %d values (%s, cache), got %d"
                             % (forward, expected, ", ".join(LAYER_TABLE[forward].outputs), count))


def student_forwards(submission, forward, arg_lists):
    """The outputs (a tuple) of the student's forward pass for each list of arguments,
    in one worker run."""
    steps, returns = [], []
    outputs = len(LAYER_TABLE[forward].outputs)
    for i, args in enumerate(arg_lists):
        steps += forward_steps(forward, args, str(i))
        returns += ["count%d" % i] + ["out%d%d" % (j, i) for j in range(outputs)]
    result = submission.run(steps, returns=returns)
    answers = []
    for i in range(len(arg_lists)):
        expect_count(result, str(i), forward)
        answers.append(tuple(result["out%d%d" % (j, i)] for j in range(outputs)))
    return answers


def student_backwards(submission, forward, problems):
    """The gradients (a tuple) of the student's backward pass for each (args, upstream),
    fed the cache of the student's forward pass on args, all in one worker run."""
    layer = LAYER_TABLE[forward]
    steps, returns = [], []
    for i, (args, upstream) in enumerate(problems):
        steps += forward_steps(forward, args, str(i))
        steps.append(call(LAYERS + layer.backward, *upstream, saved("cache%d" % i), save="grads%d" % i))
        returns += ["count%d" % i, "grads%d" % i]
    result = submission.run(steps, returns=returns)
    grads = []
    for i in range(len(problems)):
        expect_count(result, str(i), forward)
        grads.append(unpack(result["grads%d" % i], len(layer.grads), layer.backward))
    return grads


# --- the reference's answers -----------------------------------------------------------

def reference_outputs(forward, args):
    result = getattr(rnn_layers, forward)(*args)
    return result[:len(LAYER_TABLE[forward].outputs)]


def reference_grads(forward, args, upstream):
    layer = LAYER_TABLE[forward]
    grads = getattr(rnn_layers, layer.backward)(*upstream, getattr(rnn_layers, forward)(*args)[-1])
    return grads if len(layer.grads) > 1 else (grads,)


def numerical_grads(forward, args, upstream):
    """Centred differences of the reference's forward pass: for each gradient of the
    backward pass, the derivative of sum_j <output j, upstream j> with respect to its
    argument."""
    layer = LAYER_TABLE[forward]
    grads = []
    for k in layer.grad_args:
        total = 0
        for j, dout in enumerate(upstream):
            def f(value, k=k, j=j):
                return getattr(rnn_layers, forward)(*(args[:k] + [value] + args[k + 1:]))[j]
            total = total + gradient_check.eval_numerical_gradient_array(f, args[k].copy(), dout)
        grads.append(total)
    return grads


def numerical_problem(rng, forward, shape, tries=20):
    """(args, upstream, numerical gradients) of a problem of `shape` on which the
    reference passes its own numerical check to NUMERIC_TOL; redraws the rare problems
    where centred differences cannot resolve some entry that well."""
    for _ in range(tries):
        args, upstream = LAYER_TABLE[forward].problem(rng, *shape)
        numeric = numerical_grads(forward, args, upstream)
        if all(rel_error(e, n) <= NUMERIC_TOL for e, n in zip(reference_grads(forward, args, upstream), numeric)):
            return args, upstream, numeric
    raise RuntimeError("the reference fails its own numerical check on %d draws" % tries)


# --- the checks ------------------------------------------------------------------------

def check_forward(submission, rng, forward, shapes):
    """The forward pass's outputs against the reference's on problems of these shapes."""
    problems = [LAYER_TABLE[forward].problem(rng, *shape)[0] for shape in shapes]
    answers = student_forwards(submission, forward, problems)
    for shape, args, outputs in zip(shapes, problems, answers):
        for name, value, reference in zip(LAYER_TABLE[forward].outputs, outputs,
                                          reference_outputs(forward, args)):
            expect_close(value, reference, VALUE_TOL, "%s's %s for %s" % (forward, name, describe(forward, shape)))


def check_backward(submission, rng, forward, shapes):
    """The backward pass's gradients against the reference's on problems of these shapes."""
    problems = [LAYER_TABLE[forward].problem(rng, *shape) for shape in shapes]
    answers = student_backwards(submission, forward, problems)
    backward = LAYER_TABLE[forward].backward
    for shape, (args, upstream), grads in zip(shapes, problems, answers):
        for name, value, reference in zip(LAYER_TABLE[forward].grads, grads,
                                          reference_grads(forward, args, upstream)):
            expect_close(value, reference, GRAD_TOL, "%s's %s for %s" % (backward, name, describe(forward, shape)))


def check_backward_numerical(submission, rng, forward, shape):
    """The backward pass's gradients against numerical gradients of the reference."""
    args, upstream, numeric = numerical_problem(rng, forward, shape)
    grads = student_backwards(submission, forward, [(args, upstream)])[0]
    backward = LAYER_TABLE[forward].backward
    for name, value, numerical in zip(LAYER_TABLE[forward].grads, grads, numeric):
        expect_close(value, numerical, NUMERIC_TOL, "%s's %s against a numerical gradient (%s)"
                     % (backward, name, describe(forward, shape)))


def random_shapes(rng, forward, count=2):
    """Shapes of ordinary problems, drawn afresh: N 2-6, T 3-8, D 3-7, H (or M) 4-8, V
    5-12, in the layer's letters."""
    ranges = {"N": (2, 7), "T": (3, 9), "D": (3, 8), "H": (4, 9), "M": (4, 9), "V": (5, 13)}
    letters = LAYER_TABLE[forward].shape.split(", ")
    return [tuple(int(rng.integers(*ranges[letter])) for letter in letters) for _ in range(count)]


def check_forward_random(submission, rng, forward):
    check_forward(submission, rng, forward, random_shapes(rng, forward))


def check_backward_random(submission, rng, forward):
    check_backward(submission, rng, forward, random_shapes(rng, forward))


def check_backward_numerical_random(submission, rng, forward):
    """On a small shape drawn afresh, each size 1 to 4."""
    letters = LAYER_TABLE[forward].shape.split(", ")
    check_backward_numerical(submission, rng, forward, tuple(int(rng.integers(1, 5)) for _ in letters))


# How each layer is graded: its odd shapes and what they test, the raw points of its
# forward pass's checks (random shapes, odd shapes) and of its backward pass's (random
# shapes, numerical gradients, odd shapes).
LAYER_GRADING = {
    "rnn_step_forward": ([(1, 1, 1), (1, 5, 3), (4, 1, 2)], "one example, one input feature, one hidden unit",
                         (1, 1), (1, 1, 1)),
    "rnn_forward": ([(1, 1, 3, 2), (3, 1, 1, 4), (1, 6, 2, 1)],
                    "one sequence, one time step, one input feature, one hidden unit", (1, 1), (1, 1, 1)),
    "word_embedding_forward": ([(1, 1, 1, 3), (3, 5, 2, 1), (1, 7, 10, 4)],
                               "one word, a vocabulary of one or two words, words of one dimension, every word "
                               "repeated", (1, 1), (1, 1, 0.5)),
    "temporal_affine_forward": ([(1, 1, 3, 2), (2, 5, 1, 1), (1, 4, 6, 3)],
                                "one sequence, one time step, one input feature, one output", (1, 0.5), (1, 1, 1)),
    "lstm_step_forward": ([(1, 1, 1), (3, 2, 1), (1, 4, 3)], "one example, one input feature, one hidden unit",
                          (2, 1), (2, 2, 1)),
    "lstm_forward": ([(1, 1, 2, 3), (2, 1, 1, 1), (1, 5, 3, 2)],
                     "one sequence, one time step, one input feature, one hidden unit", (2, 2), (2, 2, 2)),
}


def graders_of(*forwards):
    """The graders (layer_graders) of these forward passes and their backward passes, as
    LAYER_GRADING says; a module binds them: globals().update(graders_of(...))."""
    graders = {}
    for forward in forwards:
        graders.update(layer_graders(forward, *LAYER_GRADING[forward]))
    return graders


def layer_graders(forward, odd_shapes, odd_what, forward_points, backward_points):
    """{"test_<target>_<check>": grader} of a forward pass and its backward pass: the
    forward pass's outputs on random shapes and on `odd_shapes` (described by
    `odd_what`), worth forward_points = (random, odd); the backward pass's gradients
    against the reference's on random shapes, against numerical gradients on a small
    shape drawn afresh, and on the odd shapes, worth backward_points = (random,
    numerical, odd). A module binds them: globals().update(layer_graders(...))."""
    backward = LAYER_TABLE[forward].backward
    outputs = " and ".join(LAYER_TABLE[forward].outputs)
    grads = ", ".join(LAYER_TABLE[forward].grads)
    return {
        "test_%s_values" % forward: graded(forward, forward_points[0], "%s match the reference on random shapes"
                                           % outputs, check_forward_random, forward),
        "test_%s_odd_shapes" % forward: graded(forward, forward_points[1], odd_what, check_forward, forward,
                                               odd_shapes),
        "test_%s_values" % backward: graded(backward, backward_points[0], "%s match the reference on random shapes "
                                            "(fed the cache of your forward pass)" % grads,
                                            check_backward_random, forward),
        "test_%s_numerical" % backward: graded(backward, backward_points[1], "%s match numerical gradients on a "
                                               "small shape drawn afresh" % grads,
                                               check_backward_numerical_random, forward),
        "test_%s_odd_shapes" % backward: graded(backward, backward_points[2], odd_what, check_backward, forward,
                                                odd_shapes),
    }
