"""Hidden graders of the softmax loss (assignment 1, 20 of 100 points).

Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process, by the instructor's edition of cs231n_core.

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.

The naive and the vectorized loss share the SVM loss's checks (linear_common.py's
LOSS_CHECKS) and one of their own, large scores: their tests are
test_<naive|vectorized>_<check>, worth the points of NAIVE_POINTS and VECTORIZED_POINTS.
"""

from cs231n_core.classifiers.softmax import softmax_loss_vectorized as reference

from .linear_common import LOSS_CHECKS, LinearLoss, check_against_reference, loss_graders, random_problem

SECTION_WEIGHT = 20
MODULE = "cs231n_core.classifiers.softmax"
NAIVE = LinearLoss(MODULE + ":softmax_loss_naive", reference, w_scale=0.3)
VECTORIZED = LinearLoss(MODULE + ":softmax_loss_vectorized", reference, w_scale=0.3)


def check_large_scores(submission, rng, loss):
    """Scores of about 1000 (exp overflows above about 709): the bias trick's constant
    input 1 times a large bias shared by every class, plus a spread of a few units. The
    probabilities are ordinary numbers; only an unshifted exp overflows."""
    W, X, y = random_problem(rng, 23, 12, 7, w_scale=0.4)
    X[:, -1] = 1.0
    W[-1, :] = float(rng.uniform(900.0, 1100.0)) + rng.normal(size=W.shape[1])
    check_against_reference(submission, loss.path, loss.reference, W, X, y, 0.0,
                            "with scores around 1000 (reg=0)")


CHECKS = dict(LOSS_CHECKS, large_scores=("numerically stable: finite and right for scores around 1000",
                                         check_large_scores))
NAIVE_POINTS = {"loss": 2, "gradient": 2, "regularization": 1.5, "edge_shapes": 1, "large_scores": 1.5}
VECTORIZED_POINTS = dict(NAIVE_POINTS, large_scores=2, is_fast=3.5)

globals().update(loss_graders("naive", NAIVE, NAIVE_POINTS, CHECKS))
globals().update(loss_graders("vectorized", VECTORIZED, VECTORIZED_POINTS, CHECKS))
