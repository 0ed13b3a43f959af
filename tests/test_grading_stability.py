"""The graders' float comparisons hold on any CPU: a reference value that the last bit of
a sum can change by more than its tolerance is a false failure waiting for the machine
that rounds the other way.

The saliency and Grad-CAM checks on real digits compare torch in the worker with NumPy
here at 1e-7. Real digits have a constant background that makes exact ties in max
pooling, and the gradient of a tie goes wherever rounding sends it. These tests prove
that the digits those checks use have no such tie, that their reference survives a
rounding-sized perturbation of every pixel, and, as a control, that the plain digits do
not (so the test can fail).
"""
import ast
import glob
import os
import re
import sys

import numpy as np
import pytest

from autograder.trusted.grading_session import GradingSession
from autograder.trusted.pipeline import grade

from autograder.graders.assignment3 import test_network_visualization as vis
from autograder.graders.assignment3 import vis_common as common

SEEDS = range(12)
ROUNDING = 1e-13  # a perturbation well above what another summation order does in float64


def perturbed(values, rng):
    """`values` with each entry moved by ROUNDING relative: what rounding in another order
    does to each pixel's sum. (Moving only the weights would not do: a constant patch
    would still give the same number at every position, its ties intact.)"""
    return values * (1.0 + ROUNDING * rng.standard_normal(values.shape))


def worst_change(problem_of):
    """The largest change, relative to the map's largest entry, that a rounding-sized
    perturbation of the pixels makes to the saliency maps of the digits `problem_of`
    draws, over SEEDS."""
    worst = 0.0
    for seed in SEEDS:
        spec, params, x, y = problem_of(np.random.default_rng(seed))
        exact = vis.saliency_reference(spec, params, x, y)
        nudged = vis.saliency_reference(spec, params, perturbed(x, np.random.default_rng(1000 + seed)), y)
        worst = max(worst, float(np.abs(nudged - exact).max() / np.abs(exact).max()))
    return worst


def test_graded_digits_have_no_ties():
    spec, params, _ = common.load_held_out()
    for seed in SEEDS:
        _, _, x, _ = vis.digit_problem(np.random.default_rng(seed), 4, untied=True)
        assert common.tie_gap(spec, params, x) > common.TIE_MARGIN


def test_saliency_of_graded_digits_survives_rounding():
    assert worst_change(lambda rng: vis.digit_problem(rng, 4, untied=True)) < vis.TOL / 1000


def test_plain_digits_tie_and_their_saliency_depends_on_rounding():
    """The control: the background of a real digit ties, and its saliency then moves by far
    more than the tolerance when only the rounding changes."""
    spec, params, _ = common.load_held_out()
    x, _ = common.held_out_digits(np.random.default_rng(0), 4)
    assert common.tie_gap(spec, params, x) == 0.0
    assert worst_change(lambda rng: vis.digit_problem(rng, 4)) > vis.TOL


@pytest.mark.parametrize("layer_kind", ["relu", "pool"])
def test_tie_gap_sees_each_kind_of_tie(layer_kind):
    """tie_gap reports 0 for a ReLU input at exactly 0 and for a pooling window whose two
    largest positive values are equal, and a positive gap once they differ."""
    if layer_kind == "relu":
        spec = (("relu", "relu", ()),)
        tied, untied = np.array([[[[0.0, 1.0], [2.0, -1.0]]]]), np.array([[[[0.5, 1.0], [2.0, -1.0]]]])
    else:
        spec = (("pool", "pool", (2,)),)
        tied, untied = np.array([[[[2.0, 1.0], [2.0, -1.0]]]]), np.array([[[[2.0, 1.0], [1.5, -1.0]]]])
    assert common.tie_gap(spec, {}, tied) == 0.0
    assert common.tie_gap(spec, {}, untied) > 0.1


def test_model_scores_100_where_the_cpu_rounds_otherwise(release_of):
    """One corner of benchmarks/grading_matrix.py: assignment 3's model (its graders hold
    the tightest float comparisons of torch against NumPy) graded as on another CPU:
    NumPy's BLAS on its SSE kernels, PyTorch's scalar kernels, MKL without AVX, and two
    threads in each worker."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
    import grading_matrix

    model = release_of("assignment3", solutions=True)
    with grading_matrix.configured("other-cpu"), GradingSession() as session:
        report = grade(model, "assignment3", session, seed=grading_matrix.SEED)
    failed = ["%s: %s: %s" % (r["target"], r["description"], r["message"]) for r in report.records if not r["passed"]]
    assert report.score == pytest.approx(100.0), failed


def tolerance_constants(path):
    """[(name, value text, has a comment)] of a grader module's tolerance constants."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    lines = text.split("\n")
    found = []
    for node in ast.parse(text).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and re.fullmatch(r"([A-Z0-9]+_)?TOL", node.targets[0].id)):
            line = lines[node.lineno - 1]
            found.append((node.targets[0].id, line.split("=", 1)[1].split("#")[0].strip(), "#" in line))
    return found, ast.get_docstring(ast.parse(text)) or ""


def test_every_tolerance_of_the_graders_says_why():
    """A tolerance is a claim about the computation (float64 against float64 agrees to
    rounding, float32 to about 1e-6, a centred difference to about h^2): each constant
    carries its reason in a comment, or its module's docstring gives it in a paragraph on
    tolerances that names its value."""
    graders = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "autograder", "graders")
    unexplained, seen = [], 0
    for path in sorted(glob.glob(os.path.join(graders, "assignment*", "*.py"))):
        constants, docstring = tolerance_constants(path)
        seen += len(constants)
        for name, value, commented in constants:
            explained = "toleran" in docstring.lower() and (value in docstring or name in docstring)
            if not (commented or explained):
                unexplained.append("%s: %s = %s" % (os.path.relpath(path, graders), name, value))
    assert seen > 30, "the scan found only %d tolerance constants" % seen
    assert not unexplained, unexplained
