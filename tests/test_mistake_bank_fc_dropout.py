"""Assignment 2's mistakes of FullyConnectedNet, the update rules and dropout
(autograder/mistakes/assignment2/fc_nets.json and dropout.json): each costs points on its
own target, and on no other target that its edit can reach.

Reach is narrowed by name rather than by import: an edit inside function f can change
only f and the targets whose code names f (e.g. FullyConnectedNet names
layers.dropout_forward). The model submission must score full marks on these targets
first. (tests/test_mistake_bank.py does the same for assignment 1 by imports.)
"""
import ast
import os
import shutil

import pytest

from autograder.engine.run import grade
from autograder.mistakes import apply_mistake, load_bank
from cs231n_core.targets import ASSIGNMENT_TARGETS

pytestmark = pytest.mark.slow

ASSIGNMENT = "assignment2"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["FullyConnectedNet", "sgd_momentum", "rmsprop", "adam", "dropout_forward",
           "dropout_backward"]
BANK = [m for m in load_bank(ASSIGNMENT) if m["target"] in TARGETS]
MIN_MISTAKES = 5
SEED = 4321
TIMEOUT_S = 30


def _definitions():
    """{(file, qualname): source} of every target of the assignment."""
    out = {}
    for relative, targets in ASSIGNMENT_TARGETS[ASSIGNMENT].items():
        text = open(os.path.join(REPO, relative), encoding="utf-8").read()
        for node in ast.parse(text).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in targets.values():
                out[relative, node.name] = ast.get_source_segment(text, node)
    return out


def reachable_targets(mistake):
    """The mistake's target, and the targets whose code names the function it edits."""
    edited = next(name for (relative, name), source in _definitions().items()
                  if relative == mistake["file"] and mistake["find"] in source)
    names = {n: q for targets in ASSIGNMENT_TARGETS[ASSIGNMENT].values() for n, q in targets.items()}
    reached = {mistake["target"], *mistake.get("affects", [])}
    for (relative, qualname), source in _definitions().items():
        if qualname != edited and edited in source:
            reached |= {n for n, q in names.items() if q == qualname}
    return sorted(reached)


@pytest.fixture(scope="module")
def reference_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    shutil.copytree(os.path.join(REPO, "cs231n_core"), root / "cs231n_core",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return str(root)


@pytest.fixture(scope="module")
def model_report(reference_copy):
    return grade(reference_copy, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED, only=TARGETS)


def test_model_scores_full_marks(model_report):
    failed = [(r["target"], r["description"], r["message"]) for r in model_report.records
              if not r["passed"]]
    assert not failed


def test_every_target_has_five_mistakes():
    counts = {t: sum(m["target"] == t for m in BANK) for t in TARGETS}
    assert all(c >= MIN_MISTAKES for c in counts.values()), counts


def test_reach_is_narrowed_by_name():
    by_id = {m["id"]: m for m in BANK}
    assert reachable_targets(by_id["adam_t_after_use"]) == ["adam"]
    # dropout_backward names dropout_forward (its docstring): a conservative reach
    assert reachable_targets(by_id["dropout_not_inverted"]) == ["FullyConnectedNet", "dropout_backward",
                                                                "dropout_forward"]


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_loses_points_on_its_own_target_only(mistake, reference_copy, model_report, tmp_path):
    assert all(r["passed"] for r in model_report.records)
    root = str(tmp_path / "sub")
    shutil.copytree(reference_copy, root)
    apply_mistake(root, mistake)
    report = grade(root, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED, only=reachable_targets(mistake))
    table = report.by_target()
    score, maximum = table[mistake["target"]]
    assert score < maximum - 1e-9, "the graders let %s through (%s)" % (mistake["id"], mistake["why"])
    allowed = {mistake["target"], *mistake.get("affects", [])}
    for target, (other, other_max) in table.items():
        if target not in allowed:
            assert other == pytest.approx(other_max), "%s also cost %s points: %s" % (
                mistake["id"], target, [r["message"] for r in report.records
                                        if r["target"] == target and not r["passed"]])
