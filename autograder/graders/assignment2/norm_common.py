"""Shared pieces of the graders of the normalization layers (test_batchnorm.py and
test_spatial_norm.py): running a forward pass and its backward pass in the worker, the
random problems, and the comparisons with the reference.

Not a test module (pytest collects only test_*.py). A backward pass is always fed the
cache of the student's own forward pass, as in CS231n, where the cache's layout is the
student's choice: so a forward pass that is wrong in training mode also costs the
backward passes their points (the mistake bank says so with "affects").
"""

from autograder.trusted.expect import expect_close, wrong
from cs231n_core.gradient_check import rel_error
from autograder.trusted.submission import call, saved
from autograder.graders.answers import unpack
from cs231n_core import gradient_check

LAYERS = "cs231n_core.layers:"
VALUE_TOL = 1e-8    # CS231n's tolerance for the normalization layers (1e-8 or better)
GRAD_TOL = 1e-8     # against the reference, whose formulas agree to rounding
NUMERIC_TOL = 1e-5  # against centred differences (h = 1e-5), as assignment 1's layers


def forward_steps(name, args, tag):
    """Steps that call layers.<name>(*args) and save its out as "out<tag>", its cache as
    "cache<tag>" and the number of values it returned as "count<tag>"."""
    return [call(LAYERS + name, *args, save="result" + tag),
            call("builtins:len", saved("result" + tag), save="count" + tag),
            call("operator:getitem", saved("result" + tag), 0, save="out" + tag),
            call("operator:getitem", saved("result" + tag), -1, save="cache" + tag)]


def expect_pair(result, tag, name):
    if int(result["count" + tag]) != 2:
        raise wrong(result["count" + tag], "%s must return a pair (out, cache), got %d values"
                    % (name, int(result["count" + tag])), name + ": the pair")


def student_forwards(submission, name, arg_lists):
    """The `out` of the student's forward pass for each list of arguments, in one run."""
    steps, returns = [], []
    for i, args in enumerate(arg_lists):
        steps += forward_steps(name, args, str(i))
        returns += ["count%d" % i, "out%d" % i]
    result = submission.run(steps, returns=returns)
    for i in range(len(arg_lists)):
        expect_pair(result, str(i), name)
    return [result["out%d" % i] for i in range(len(arg_lists))]


def student_backwards(submission, forward, backward, problems, repeat=1):
    """(dx, dgamma, dbeta) of the student's backward pass, fed the cache of the student's
    forward pass, for each (forward_args, dout), all in one run."""
    steps, returns = [], []
    for i, (args, dout) in enumerate(problems):
        steps += forward_steps(forward, args, str(i))
        steps.append(call(LAYERS + backward, dout, saved("cache%d" % i), save="grads%d" % i,
                          repeat=repeat))
        returns += ["count%d" % i, "grads%d" % i]
    result = submission.run(steps, returns=returns)
    grads = []
    for i in range(len(problems)):
        expect_pair(result, str(i), forward)
        grads.append(unpack(result["grads%d" % i], 3, backward))
    return grads


def expect_grads(got, expected, tol, what):
    for name, value, reference in zip(("dx", "dgamma", "dbeta"), got, expected):
        expect_close(value, reference, tol, "%s: %s" % (what, name))


def numerical_grads(forward, args, dout):
    """Centred-difference gradients of forward(*args)[0] with respect to args[0:3]
    (x, gamma, beta), the reference's forward pass."""
    grads = []
    for i in range(3):
        def f(value, i=i):
            return forward(*(args[:i] + [value] + args[i + 1:]))[0]
        grads.append(gradient_check.eval_numerical_gradient_array(f, args[i].copy(), dout))
    return grads


def numerical_problem(draw, forward, backward, tries=20):
    """(args, dout, reference grads, numerical grads) of a problem drawn by draw() ->
    ([x, gamma, beta], dout) on which the reference passes its own numerical check.
    Redraws the rare inputs where some true gradient entry is so small that centred
    differences cannot resolve it to NUMERIC_TOL."""
    for _ in range(tries):
        args, dout = draw()
        expected = backward(dout, forward(*args)[1])
        numeric = numerical_grads(forward, args, dout)
        if all(rel_error(e, n) <= NUMERIC_TOL for e, n in zip(expected, numeric)):
            return args, dout, expected, numeric
    raise RuntimeError("the reference fails its own numerical check on %d draws" % tries)


def expect_numeric_grads(got, numeric, what):
    """The student's gradients against numerical ones (of a numerical_problem)."""
    for name, value, numerical in zip(("dx", "dgamma", "dbeta"), got, numeric):
        expect_close(value, numerical, NUMERIC_TOL, "%s: %s against a numerical gradient"
                     % (what, name))


def features(rng, N, D, scale=(0.5, 5.0), shift=10.0):
    """x of shape (N, D) whose columns have their own scale and centre, so that
    statistics over the wrong axis, or forgotten ones, show."""
    return (rng.normal(size=(N, D)) * rng.uniform(*scale, size=D)
            + rng.uniform(-shift, shift, size=D))
