"""Hidden graders of spatial batch normalization and spatial group normalization (6 of
the ConvolutionalNetworks section's 30 points of assignment 2).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process. Each backward pass gets the cache of the student's own forward
pass. In CS231n spatial batch norm reuses the student's batchnorm_forward and backward:
a mistake there costs these points too.
"""
import pytest

from autograder.trusted.expect import expect_close
from autograder.trusted.submission import call, saved
from cs231n_core import layers

from .norm_common import (GRAD_TOL, VALUE_TOL, expect_grads, expect_numeric_grads,
                          expect_pair, forward_steps, numerical_problem, student_backwards,
                          student_forwards)

SECTION_WEIGHT = 6


def images(rng, shape, scale=(0.5, 5.0)):
    """x of shape (N, C, H, W) whose channels have their own scale and centre."""
    C = shape[1]
    return (rng.normal(size=shape) * rng.uniform(*scale, size=(1, C, 1, 1))
            + rng.uniform(-10, 10, size=(1, C, 1, 1)))


# --- spatial batch norm --------------------------------------------------------------

@pytest.mark.target("spatial_batchnorm_forward")
@pytest.mark.points(1)
def test_spatial_batchnorm_forward_train(submission, rng):
    """training mode: output and running averages match the reference, over two batches"""
    shape = (int(rng.integers(2, 5)), 3, int(rng.integers(3, 6)), int(rng.integers(3, 6)))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    batches = [images(rng, shape) for _ in range(2)]
    bn_param = {"mode": "train", "momentum": float(rng.uniform(0.5, 0.9))}
    steps = [call("builtins:dict", save="bn", **bn_param)]
    for i, x in enumerate(batches):
        steps += forward_steps("spatial_batchnorm_forward", (x, gamma, beta, saved("bn")), str(i))
    for key in ("running_mean", "running_var"):
        steps.append(call("operator:getitem", saved("bn"), key, save=key))
    result = submission.run(steps, returns=["count0", "out0", "count1", "out1",
                                            "running_mean", "running_var"])
    reference = dict(bn_param)
    for i, x in enumerate(batches):
        expect_pair(result, str(i), "spatial_batchnorm_forward")
        expected = layers.spatial_batchnorm_forward(x, gamma, beta, reference)[0]
        expect_close(result["out%d" % i], expected, VALUE_TOL,
                     "spatial_batchnorm_forward's training-mode output for x of shape %s" % (shape,))
    for key in ("running_mean", "running_var"):
        expect_close(result[key], reference[key], VALUE_TOL,
                     "spatial_batchnorm_forward: bn_param[%r] after two training batches" % key)


@pytest.mark.target("spatial_batchnorm_forward")
@pytest.mark.points(1)
def test_spatial_batchnorm_forward_test_mode(submission, rng):
    """test mode: normalizes each channel with the running averages"""
    C = 4
    x = images(rng, (int(rng.integers(2, 5)), C, 3, 5))
    gamma, beta = rng.normal(size=C), rng.normal(size=C)
    bn_param = {"mode": "test", "running_mean": rng.normal(size=C) * 3,
                "running_var": rng.uniform(0.1, 10.0, size=C), "eps": 1e-2}
    out = student_forwards(submission, "spatial_batchnorm_forward", [(x, gamma, beta, bn_param)])[0]
    expected = layers.spatial_batchnorm_forward(x, gamma, beta, dict(bn_param))[0]
    expect_close(out, expected, VALUE_TOL,
                 "spatial_batchnorm_forward's test-mode output for x of shape %s" % (x.shape,))


def sbn_train(x, gamma, beta):
    return layers.spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})


@pytest.mark.target("spatial_batchnorm_backward")
@pytest.mark.points(1)
def test_spatial_batchnorm_backward(submission, rng):
    """dx, dgamma, dbeta match the reference (two shapes) and numerical gradients"""
    def draw():
        shape = (int(rng.integers(2, 6)), 3, int(rng.integers(2, 6)), int(rng.integers(2, 6)))
        return [images(rng, shape), rng.normal(size=3), rng.normal(size=3)], rng.normal(size=shape)

    args, dout, _, numeric = numerical_problem(draw, sbn_train, layers.spatial_batchnorm_backward)
    x = images(rng, (1, 2, 3, 1))
    problems = [(tuple(args) + ({"mode": "train"},), dout),
                ((x, rng.normal(size=2), rng.normal(size=2), {"mode": "train"}),
                 rng.normal(size=x.shape))]
    got = student_backwards(submission, "spatial_batchnorm_forward", "spatial_batchnorm_backward",
                            problems)
    for ((x, gamma, beta, _), dout), grads in zip(problems, got):
        expected = layers.spatial_batchnorm_backward(dout, sbn_train(x, gamma, beta)[1])
        expect_grads(grads, expected, GRAD_TOL,
                     "spatial_batchnorm_backward for x of shape %s" % (x.shape,))
    expect_numeric_grads(got[0], numeric, "spatial_batchnorm_backward")


# --- spatial group norm --------------------------------------------------------------

def gn_problem(rng, shape, G):
    C = shape[1]
    x = images(rng, shape)
    return (x, rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1)), G,
            rng.normal(size=shape))


def check_gn_forward(submission, cases):
    """cases: (x, gamma, beta, G, gn_param)."""
    outs = student_forwards(submission, "spatial_groupnorm_forward", cases)
    for (x, gamma, beta, G, gn_param), out in zip(cases, outs):
        expected = layers.spatial_groupnorm_forward(x, gamma, beta, G, dict(gn_param))[0]
        expect_close(out, expected, VALUE_TOL, "spatial_groupnorm_forward's output for x of "
                     "shape %s, G=%d%s" % (x.shape, G, ", eps=%g" % gn_param["eps"] if gn_param else ""))


@pytest.mark.target("spatial_groupnorm_forward")
@pytest.mark.points(1)
def test_spatial_groupnorm_forward_values(submission, rng):
    """output matches the reference for 2 and 3 groups of 6 channels"""
    shape = (int(rng.integers(2, 5)), 6, int(rng.integers(3, 6)), int(rng.integers(3, 6)))
    cases = [gn_problem(rng, shape, G)[:4] + ({},) for G in (2, 3)]
    check_gn_forward(submission, cases)


@pytest.mark.target("spatial_groupnorm_forward")
@pytest.mark.points(1)
def test_spatial_groupnorm_forward_extremes(submission, rng):
    """one group (layer norm), one channel per group, a given eps, one example of one row"""
    cases = [gn_problem(rng, (3, 4, 2, 3), 1)[:4] + ({},),
             gn_problem(rng, (2, 4, 3, 2), 4)[:4] + ({"eps": 1e-1},),
             gn_problem(rng, (1, 6, 1, 5), 2)[:4] + ({},)]
    check_gn_forward(submission, cases)


def gn_forward(G):
    def forward(x, gamma, beta):
        return layers.spatial_groupnorm_forward(x, gamma, beta, G, {})
    return forward


@pytest.mark.target("spatial_groupnorm_backward")
@pytest.mark.points(1)
def test_spatial_groupnorm_backward(submission, rng):
    """dx, dgamma, dbeta (of shape (1, C, 1, 1)) match the reference and numerical gradients"""
    def draw():
        x, gamma, beta, _, dout = gn_problem(rng, (int(rng.integers(2, 4)), 6, 3, 4), 3)
        return [x, gamma, beta], dout

    args, dout, _, numeric = numerical_problem(draw, gn_forward(3), layers.spatial_groupnorm_backward)
    problems = [tuple(args) + (3, dout), gn_problem(rng, (2, 4, 2, 2), 1),
                gn_problem(rng, (1, 4, 3, 1), 4)]
    got = student_backwards(submission, "spatial_groupnorm_forward", "spatial_groupnorm_backward",
                            [((x, gamma, beta, G, {}), dout) for x, gamma, beta, G, dout in problems])
    for (x, gamma, beta, G, dout), grads in zip(problems, got):
        expected = layers.spatial_groupnorm_backward(dout, gn_forward(G)(x, gamma, beta)[1])
        expect_grads(grads, expected, GRAD_TOL,
                     "spatial_groupnorm_backward for x of shape %s, G=%d" % (x.shape, G))
    expect_numeric_grads(got[0], numeric, "spatial_groupnorm_backward")
