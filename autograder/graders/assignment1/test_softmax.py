"""Hidden graders of the softmax loss (assignment 1, 20 of 100 points).

Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process, by the instructor's edition of cs231n_core.

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
"""
import numpy as np
import pytest

from cs231n_core.classifiers.softmax import softmax_loss_vectorized as reference

from .linear_common import check_against_reference, check_speed, random_problem

SECTION_WEIGHT = 20
MODULE = "cs231n_core.classifiers.softmax"
NAIVE = MODULE + ":softmax_loss_naive"
VECTORIZED = MODULE + ":softmax_loss_vectorized"


def check_no_reg(submission, rng, path, part):
    W, X, y = random_problem(rng, 37, 23, 6, w_scale=0.3)
    check_against_reference(submission, path, reference, W, X, y, 0.0,
                            "(random data, reg=0)", parts=(part,))


def check_reg(submission, rng, path):
    W, X, y = random_problem(rng, 29, 17, 5, w_scale=0.5)
    reg = float(rng.uniform(0.5, 3.0))
    check_against_reference(submission, path, reference, W, X, y, reg, "(random data, reg > 0)")


def check_edge_shapes(submission, rng, path):
    W, X, y = random_problem(rng, 1, 3, 2)
    check_against_reference(submission, path, reference, W, X, y, 0.25,
                            "(one example, two classes)")
    W, X, y = random_problem(rng, 4, 2, 11)  # more classes than examples or dimensions
    check_against_reference(submission, path, reference, W, X, y, 0.25,
                            "(4 examples, 11 classes)")


def check_large_scores(submission, rng, path):
    """Scores of about 1000 (exp overflows above about 709): the bias trick's constant
    input 1 times a large bias shared by every class, plus a spread of a few units. The
    probabilities are ordinary numbers; only an unshifted exp overflows."""
    W, X, y = random_problem(rng, 23, 12, 7, w_scale=0.4)
    X[:, -1] = 1.0
    W[-1, :] = float(rng.uniform(900.0, 1100.0)) + rng.normal(size=W.shape[1])
    check_against_reference(submission, path, reference, W, X, y, 0.0,
                            "with scores around 1000 (reg=0)")


@pytest.mark.target("softmax_loss_naive")
@pytest.mark.points(2)
def test_naive_loss(submission, rng):
    """the loss matches the reference (random data, no regularization)"""
    check_no_reg(submission, rng, NAIVE, "loss")


@pytest.mark.target("softmax_loss_naive")
@pytest.mark.points(2)
def test_naive_gradient(submission, rng):
    """the gradient matches the reference (random data, no regularization)"""
    check_no_reg(submission, rng, NAIVE, "dW")


@pytest.mark.target("softmax_loss_naive")
@pytest.mark.points(1.5)
def test_naive_regularization(submission, rng):
    """regularization reg * sum(W * W) in the loss and 2 * reg * W in the gradient"""
    check_reg(submission, rng, NAIVE)


@pytest.mark.target("softmax_loss_naive")
@pytest.mark.points(1)
def test_naive_edge_shapes(submission, rng):
    """one example and two classes; more classes than examples"""
    check_edge_shapes(submission, rng, NAIVE)


@pytest.mark.target("softmax_loss_naive")
@pytest.mark.points(1.5)
def test_naive_large_scores(submission, rng):
    """numerically stable: finite and right for scores around 1000"""
    check_large_scores(submission, rng, NAIVE)


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(2)
def test_vectorized_loss(submission, rng):
    """the loss matches the reference (random data, no regularization)"""
    check_no_reg(submission, rng, VECTORIZED, "loss")


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(2)
def test_vectorized_gradient(submission, rng):
    """the gradient matches the reference (random data, no regularization)"""
    check_no_reg(submission, rng, VECTORIZED, "dW")


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(1.5)
def test_vectorized_regularization(submission, rng):
    """regularization reg * sum(W * W) in the loss and 2 * reg * W in the gradient"""
    check_reg(submission, rng, VECTORIZED)


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(1)
def test_vectorized_edge_shapes(submission, rng):
    """one example and two classes; more classes than examples"""
    check_edge_shapes(submission, rng, VECTORIZED)


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(2)
def test_vectorized_large_scores(submission, rng):
    """numerically stable: finite and right for scores around 1000"""
    check_large_scores(submission, rng, VECTORIZED)


@pytest.mark.target("softmax_loss_vectorized")
@pytest.mark.points(3.5)
def test_vectorized_is_fast(submission, rng):
    """as fast as a vectorized implementation (within 10x of the reference) and right"""
    check_speed(submission, VECTORIZED, reference, rng)
