"""Every mistake of the bank must cost its own target points, and only its own.

The model submission (the instructor's edition of cs231n_core, copied) is graded once
and must score 100; each mistake is then applied to a fresh copy and graded. A mistake
that the graders let through means a gap in the hidden graders, not in the bank.
"""
import os
import shutil
from collections import Counter

import pytest

from autograder.engine.run import grade
from autograder.mistakes import apply_mistake, load_bank

pytestmark = pytest.mark.slow

ASSIGNMENT = "assignment1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(REPO, "cs231n_core")
KNN_TARGETS = ["compute_distances_two_loops", "compute_distances_one_loop",
               "compute_distances_no_loops", "predict_labels"]
BANK = load_bank(ASSIGNMENT)
TIMEOUT_S = 30
SEED = 1234


def _copy_submission(destination):
    os.makedirs(destination, exist_ok=True)
    shutil.copytree(REFERENCE, os.path.join(destination, "cs231n_core"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return str(destination)


@pytest.fixture(scope="module")
def reference_copy(tmp_path_factory):
    """A pristine copy of the model submission, built once per module (and per xdist worker)."""
    return _copy_submission(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def model_report(reference_copy):
    return grade(reference_copy, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED)


def test_model_submission_scores_100(model_report):
    assert model_report.score == pytest.approx(100.0)
    failed = [(r["target"], r["description"], r["message"]) for r in model_report.records
              if not r["passed"]]
    assert not failed


def test_bank_covers_every_knn_target(model_report):
    counts = Counter(mistake["target"] for mistake in BANK)
    graded = set(model_report.by_target())
    assert set(KNN_TARGETS) <= graded
    for target in KNN_TARGETS:
        assert counts[target] >= 3, "only %d mistakes for %s" % (counts[target], target)
    assert len(BANK) >= 12
    assert set(counts) <= graded, "a mistake names a target that no grader checks"


def test_bank_snippets_match_the_reference_exactly_once():
    for mistake in BANK:
        with open(os.path.join(REPO, mistake["file"]), encoding="utf-8") as handle:
            text = handle.read()
        assert text.count(mistake["find"]) == 1, mistake["id"]
        assert mistake["find"] != mistake["replace"], mistake["id"]
        assert mistake["why"].strip().endswith("."), mistake["id"]


def test_apply_mistake_refuses_a_missing_snippet(reference_copy, tmp_path):
    root = str(tmp_path / "sub")
    shutil.copytree(reference_copy, root)
    target_file = os.path.join(root, BANK[0]["file"])
    before = open(target_file, "rb").read()
    missing = dict(BANK[0], id="missing", find="this text is not in the reference")
    with pytest.raises(ValueError, match="exactly once"):
        apply_mistake(root, missing)
    duplicated = dict(BANK[0], id="twice", find="dists = np.zeros((num_test, num_train))")
    with pytest.raises(ValueError, match="2 times"):
        apply_mistake(root, duplicated)
    assert open(target_file, "rb").read() == before  # a refused mistake edits nothing


def test_apply_mistake_changes_only_its_snippet(reference_copy, tmp_path):
    root = str(tmp_path / "sub")
    shutil.copytree(reference_copy, root)
    mistake = BANK[0]
    path = apply_mistake(root, mistake)
    with open(os.path.join(reference_copy, mistake["file"]), encoding="utf-8") as handle:
        original = handle.read()
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == original.replace(mistake["find"], mistake["replace"])


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_loses_points_on_its_own_target_only(mistake, reference_copy, model_report,
                                                     tmp_path):
    assert model_report.score == pytest.approx(100.0), "the model submission must score 100 first"
    root = str(tmp_path / "sub")
    shutil.copytree(reference_copy, root)
    apply_mistake(root, mistake)
    report = grade(root, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED)
    table = report.by_target()
    score, maximum = table[mistake["target"]]
    assert score < maximum - 1e-9, "the graders let %s through (%s)" % (mistake["id"], mistake["why"])
    messages = [r["message"] for r in report.records
                if r["target"] == mistake["target"] and not r["passed"]]
    assert all(message.strip() for message in messages), "a failure without a message"
    for target, (other_score, other_max) in table.items():
        if target != mistake["target"]:
            assert other_score == pytest.approx(other_max), \
                "%s also cost %s points: %s" % (mistake["id"], target, [
                    r["message"] for r in report.records if r["target"] == target and not r["passed"]])
