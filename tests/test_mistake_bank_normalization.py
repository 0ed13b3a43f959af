"""The normalization mistakes of assignment 2's bank each cost points on their own target,
and only on it (or on the targets they declare in "affects").

Every mistake is graded in this process (tests/inprocess_grading.py: the graders' own
requests and the worker's own step runner, without the sandbox), on the targets whose
graders can reach the edited function: the target itself, the backward passes that get
its forward pass's cache, the spatial layers built on it. One real, sandboxed grading
of a submission with two mistakes checks that the shortcut grades alike.
"""
import ast
import os
import shutil

import pytest

from autograder.engine.run import grade
from autograder.mistakes import apply_mistake, load_bank
from inprocess_grading import InProcessSubmission, grader_tests, mutant_modules, passes

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS_FILE = "cs231n_core/layers.py"
SOURCE = open(os.path.join(REPO, LAYERS_FILE), encoding="utf-8").read()
GRADERS = ["autograder.graders.assignment2.test_batchnorm",
           "autograder.graders.assignment2.test_spatial_norm",
           "autograder.graders.assignment2.test_fc_nets"]
# The functions of layers.py that each target's graders can run: the target, the forward
# pass whose cache its backward pass gets, and the layers its reference code calls.
REACHES = {
    "batchnorm_forward": {"batchnorm_forward"},
    "batchnorm_backward": {"batchnorm_forward", "batchnorm_backward"},
    "batchnorm_backward_alt": {"batchnorm_forward", "batchnorm_backward_alt"},
    "layernorm_forward": {"layernorm_forward"},
    "layernorm_backward": {"layernorm_forward", "layernorm_backward"},
    "spatial_batchnorm_forward": {"spatial_batchnorm_forward", "batchnorm_forward"},
    "spatial_batchnorm_backward": {"spatial_batchnorm_forward", "spatial_batchnorm_backward",
                                   "batchnorm_forward", "batchnorm_backward_alt"},
    "spatial_groupnorm_forward": {"spatial_groupnorm_forward"},
    "spatial_groupnorm_backward": {"spatial_groupnorm_forward", "spatial_groupnorm_backward"},
    # built on the student's layers (fc_net.py): those of this bank that it calls
    "FullyConnectedNet": {"batchnorm_forward", "batchnorm_backward", "layernorm_forward",
                          "layernorm_backward"},
}
TESTS = {target: tests for target, tests in grader_tests(GRADERS).items() if target in REACHES}
NET_FILE = "cs231n_core/classifiers/fc_net.py"
BANK = [m for m in load_bank("assignment2") if m["file"] == LAYERS_FILE and m["target"] in REACHES]
MIN_MISTAKES = 5


def _functions():
    """{name: (first line, last line, names it calls)} of layers.py's top-level functions."""
    found = {}
    for node in ast.parse(SOURCE).body:
        if isinstance(node, ast.FunctionDef):
            calls = {n.func.id for n in ast.walk(node)
                     if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            found[node.name] = (node.lineno, node.end_lineno, calls)
    return found


FUNCTIONS = _functions()


def test_every_target_has_graders_and_mistakes():
    assert set(TESTS) == set(REACHES)
    counts = {target: sum(m["target"] == target for m in BANK) for target in FUNCTIONS
              if target in REACHES}
    assert min(counts.values()) >= MIN_MISTAKES, counts


def test_reaches_holds_what_the_reference_calls():
    for target, reached in REACHES.items():
        if target in FUNCTIONS:
            called = FUNCTIONS[target][2] & set(FUNCTIONS)
        else:  # the net calls layers.<name>
            net = open(os.path.join(REPO, NET_FILE), encoding="utf-8").read()
            called = {name for name in REACHES if "layers.%s(" % name in net}
        assert called <= reached | {"_norm_mode"}, target


def test_the_model_passes_every_grader_in_process():
    submission = InProcessSubmission(mutant_modules())
    failed = [test_id for tests in TESTS.values() for test_id, fn in tests
              if not passes(test_id, fn, submission)]
    assert not failed


def _edited_function(mistake):
    line = SOURCE[:SOURCE.index(mistake["find"])].count("\n") + 1
    return next(name for name, (first, last, _) in FUNCTIONS.items() if first <= line <= last)


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_loses_points_on_its_own_target_only(mistake):
    assert mistake["file"] == LAYERS_FILE and SOURCE.count(mistake["find"]) == 1
    edited = _edited_function(mistake)
    assert edited == mistake["target"], "the mistake edits %s" % edited
    reached_by = {target for target, reached in REACHES.items() if edited in reached}
    affects = set(mistake.get("affects", []))
    assert affects <= reached_by, "affects names targets whose graders cannot reach %s" % edited

    submission = InProcessSubmission(mutant_modules(mistake))
    own = TESTS[mistake["target"]]
    assert not all(passes(test_id, fn, submission) for test_id, fn in own), \
        "the graders let %s through (%s)" % (mistake["id"], mistake["why"])
    for target in sorted(reached_by - affects - {mistake["target"]}):
        failed = [test_id for test_id, fn in TESTS[target] if not passes(test_id, fn, submission)]
        assert not failed, "%s also costs %s points" % (mistake["id"], target)


@pytest.mark.slow
def test_sandboxed_grading_agrees(tmp_path):
    """Two mistakes in one real submission, graded through the sandbox: the slow loop of
    batchnorm_backward_alt (only the CPU-time check sees it) and layer norm's wrong axis."""
    by_id = {m["id"]: m for m in BANK}
    root = str(tmp_path / "submission")
    shutil.copytree(os.path.join(REPO, "cs231n_core"), os.path.join(root, "cs231n_core"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for mistake_id in ("alt_loops_over_features", "ln_forward_wrong_axis"):
        apply_mistake(root, by_id[mistake_id])
    report = grade(root, "assignment2", timeout_s=60, seed=5,
                   only=["batchnorm_backward_alt", "layernorm_forward", "batchnorm_forward"])
    table = report.by_target()
    lost = {target for target, (score, maximum) in table.items() if score < maximum - 1e-9}
    assert lost == {"batchnorm_backward_alt", "layernorm_forward"}, report.records
    failed = [r["nodeid"] for r in report.records
              if not r["passed"] and r["target"] == "batchnorm_backward_alt"]
    assert failed and all(nodeid.endswith("test_batchnorm_backward_alt_is_fast") for nodeid in failed)
