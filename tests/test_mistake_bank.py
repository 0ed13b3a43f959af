"""Every mistake of the bank must cost its own target points, and only its own.

Each assignment's model submission (`cs231n release --solutions`) is graded once per test
run and must score 100; each mistake is then applied to a fresh copy of it and graded. A mistake
that the graders let through means a gap in the hidden graders, not in the bank.
"""
import ast
import os
import shutil
from collections import Counter

import pytest

from autograder.engine.run import grade
from autograder.mistakes import apply_mistake, load_bank
from cs231n_core.targets import ASSIGNMENT_TARGETS
from conftest import GRADED_ASSIGNMENTS

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(REPO, "cs231n_core")
KNN_TARGETS = ["compute_distances_two_loops", "compute_distances_one_loop",
               "compute_distances_no_loops", "predict_labels"]
MIN_MISTAKES = 5      # per graded target
MIN_MISTAKES_KNN = 3  # the kNN pilot's targets
BANKS = {assignment: load_bank(assignment) for assignment in GRADED_ASSIGNMENTS}
BANK = [dict(mistake, assignment=assignment)
        for assignment, bank in BANKS.items() for mistake in bank]
TIMEOUT_S = 30
SEED = 1234


def _module_imports(path):
    """Files of cs231n_core that the module at `path` imports (relative or absolute)."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = os.path.dirname(path)
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(0, node.level - 1)):
                base = os.path.dirname(base)
            if node.level == 0:
                if not (node.module or "").startswith("cs231n_core"):
                    continue
                base = REPO
                parts = node.module.split(".")
            else:
                parts = node.module.split(".") if node.module else []
            stem = os.path.join(base, *parts)
            names = [stem] + [os.path.join(stem, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [os.path.join(REPO, *a.name.split(".")) for a in node.names
                     if a.name.startswith("cs231n_core")]
        for stem in names:
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                if os.path.exists(candidate):
                    found.add(os.path.relpath(candidate, REPO).replace(os.sep, "/"))
    return found


def targets_that_may_change(edited, assignment):
    """Targets defined in `edited` or in a module that imports it, directly or not."""
    graph = {}
    for folder, _, names in os.walk(REFERENCE):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                graph[os.path.relpath(path, REPO).replace(os.sep, "/")] = _module_imports(path)
    reached, changed = {edited}, True
    while changed:
        changed = False
        for module, imports in graph.items():
            if module not in reached and imports & reached:
                reached.add(module)
                changed = True
    return {name for relative, targets in ASSIGNMENT_TARGETS[assignment].items()
            if relative in reached for name in targets}


@pytest.fixture(scope="module")
def model_copy_of(release_of):
    """model_copy_of(assignment): the model submission, for mutants to be copied from."""
    return lambda assignment: release_of(assignment, solutions=True)


@pytest.mark.parametrize("assignment", sorted(BANKS))
def test_model_submission_scores_100(assignment, model_report_of):
    report = model_report_of(assignment)
    assert report.score == pytest.approx(100.0)
    failed = [(r["target"], r["description"], r["message"]) for r in report.records
              if not r["passed"]]
    assert not failed


@pytest.mark.parametrize("assignment", sorted(BANKS))
def test_bank_covers_every_graded_target(assignment, model_report_of):
    """Every target that the hidden graders check has its share of realistic mistakes:
    at least MIN_MISTAKES, and at least MIN_MISTAKES_KNN for the kNN pilot's targets."""
    counts = Counter(mistake["target"] for mistake in BANKS[assignment])
    graded = set(model_report_of(assignment).by_target())
    short = {target: counts[target] for target in graded
             if counts[target] < (MIN_MISTAKES_KNN if target in KNN_TARGETS else MIN_MISTAKES)}
    assert not short, "too few mistakes in the bank (target: count): %s" % short
    assert set(counts) <= graded, "a mistake names a target that no grader checks"


def test_bank_ids_are_unique_across_assignments():
    ids = Counter(mistake["id"] for mistake in BANK)
    assert not [name for name, count in ids.items() if count > 1]


def test_bank_snippets_match_the_reference_exactly_once():
    for mistake in BANK:
        with open(os.path.join(REPO, mistake["file"]), encoding="utf-8") as handle:
            text = handle.read()
        assert text.count(mistake["find"]) == 1, mistake["id"]
        assert mistake["find"] != mistake["replace"], mistake["id"]
        assert mistake["why"].strip().endswith("."), mistake["id"]


def test_apply_mistake_refuses_a_missing_snippet(model_copy_of, tmp_path):
    root = str(tmp_path / "sub")
    shutil.copytree(model_copy_of("assignment1"), root)
    target_file = os.path.join(root, BANK[0]["file"])
    before = open(target_file, "rb").read()
    missing = dict(BANK[0], id="missing", find="this text is not in the reference")
    with pytest.raises(ValueError, match="exactly once"):
        apply_mistake(root, missing)
    duplicated = dict(BANK[0], id="twice", find="dists = np.zeros((num_test, num_train))")
    with pytest.raises(ValueError, match="2 times"):
        apply_mistake(root, duplicated)
    assert open(target_file, "rb").read() == before  # a refused mistake edits nothing


def test_apply_mistake_changes_only_its_snippet(model_copy_of, tmp_path):
    root = str(tmp_path / "sub")
    shutil.copytree(model_copy_of("assignment1"), root)
    mistake = BANK[0]
    path = apply_mistake(root, mistake)
    with open(os.path.join(model_copy_of("assignment1"), mistake["file"]), encoding="utf-8") as handle:
        original = handle.read()
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == original.replace(mistake["find"], mistake["replace"])


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_loses_points_on_its_own_target_only(mistake, model_copy_of, model_report_of,
                                                     tmp_path):
    assignment = mistake["assignment"]
    assert model_report_of(assignment).score == pytest.approx(100.0), \
        "the model submission must score 100 first"
    root = str(tmp_path / "sub")
    shutil.copytree(model_copy_of(assignment), root)
    apply_mistake(root, mistake)
    # Only targets whose module imports the edited file can change; grading just those
    # keeps the bank fast. Targets that call the broken one may lose points too, when
    # the mistake says so ("affects"): a TwoLayerNet is only as right as its layers.
    candidates = targets_that_may_change(mistake["file"], assignment) | {mistake["target"]}
    report = grade(root, assignment, timeout_s=TIMEOUT_S, seed=SEED, only=sorted(candidates))
    table = report.by_target()
    score, maximum = table[mistake["target"]]
    assert score < maximum - 1e-9, "the graders let %s through (%s)" % (mistake["id"], mistake["why"])
    messages = [r["message"] for r in report.records
                if r["target"] == mistake["target"] and not r["passed"]]
    assert all(message.strip() for message in messages), "a failure without a message"
    allowed = {mistake["target"], *mistake.get("affects", [])}
    for target, (other_score, other_max) in table.items():
        if target not in allowed:
            assert other_score == pytest.approx(other_max), \
                "%s also cost %s points: %s" % (mistake["id"], target, [
                    r["message"] for r in report.records if r["target"] == target and not r["passed"]])
