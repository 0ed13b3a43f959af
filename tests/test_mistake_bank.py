"""Every mistake of the bank must cost its own target points, and only its own.

Each assignment's model submission (`cs231n release --solutions`) is graded once per test
run and must score 100; each mistake is then applied to a fresh copy of it and graded. A mistake
that the graders let through means a gap in the hidden graders, not in the bank.
"""
import ast
import os
import shutil
from collections import Counter

import numpy as np
import pytest

from autograder import diagnosis
from autograder.mistakes import apply_mistake, load_bank
from autograder.trusted.grading_session import GradingSession
from autograder.trusted.pipeline import grade
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
NAMED_SHARE = 0.9   # of a target's mistakes with a wrong answer, named by the graders' diagnosis


def _mentions(node):
    """(free names, attribute names) a function or class uses: names it reads but never
    binds itself (locals such as `loss` are not references), and every `x.attr`."""
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
              for a in n.posonlyargs + n.args + n.kwonlyargs + [n.vararg, n.kwarg] if a}
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    attributes = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    return read - bound, attributes


def _code_units():
    """Every function, method and class of cs231n_core as a unit of code:
    {(file, qualname): (first line, last line, is a method, free names, attribute names)}."""
    units = {}
    for folder, _, names in os.walk(REFERENCE):
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, REPO).replace(os.sep, "/")
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read())

            def visit(node, prefix, in_class):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        qualname = prefix + child.name
                        units[(relative, qualname)] = (child.lineno, child.end_lineno, in_class,
                                                       *_mentions(child))
                        visit(child, qualname + ".", isinstance(child, ast.ClassDef))
            visit(tree, "", False)
    return units


UNITS = _code_units()


def targets_that_may_change(mistake, assignment):
    """The targets whose code can run the edited lines: the innermost function holding
    the mistake and the classes around it, then, transitively, every function or class
    that uses a changed one: by its free name, or, for a method, by its name as an
    attribute (`x.loss(...)`). A name-level call graph, an over-approximation of the
    callers inside cs231n_core. Dunder methods are reached through their class instead:
    `super().__init__()` names the base class's __init__, not every class's. Grading only
    these keeps the bank fast: a mistake in one layer need not regrade the other twenty."""
    with open(os.path.join(REPO, mistake["file"]), encoding="utf-8") as handle:
        text = handle.read()
    line = text[:text.index(mistake["find"])].count("\n") + 1
    enclosing = [key for key, unit in UNITS.items()
                 if key[0] == mistake["file"] and unit[0] <= line <= unit[1]]
    if not enclosing:
        raise AssertionError("%s edits no function or class" % mistake["id"])
    changed = set()

    def change(key):
        """`key` changes, and with it every class that encloses it."""
        relative, qualname = key
        changed.update((relative, part) for part in _prefixes(qualname) if (relative, part) in UNITS)

    change(max(enclosing, key=lambda key: key[1].count(".")))  # the innermost one
    grown = True
    while grown:
        grown = False
        for key, (_, _, _, free, attributes) in UNITS.items():
            if key in changed:
                continue
            for relative, qualname in list(changed):
                name = qualname.split(".")[-1]
                is_method = UNITS[(relative, qualname)][2]
                dunder = name.startswith("__") and name.endswith("__")
                if (is_method and not dunder and name in attributes) or (not is_method and name in free):
                    change(key)
                    grown = True
                    break
    return {name for relative, targets in ASSIGNMENT_TARGETS[assignment].items()
            for name, qualname in targets.items() if (relative, qualname) in changed}


def _prefixes(qualname):
    """"A.b.c" -> "A", "A.b", "A.b.c": a class target changes when one of its methods does."""
    parts = qualname.split(".")
    return [".".join(parts[:depth]) for depth in range(1, len(parts) + 1)]


@pytest.fixture(scope="session")  # not "module": xdist interleaves other modules
def grading_session():
    """One trusted grading process and one zygote for all the mutants this test process
    grades: they are the instructor's own, so sharing is safe, and it saves each
    mutant the start-up of Python, pytest and torch twice."""
    with GradingSession(share_zygote=True) as session:
        yield session


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
        # the model submission has no markers: a snippet must sit inside one solution body
        assert "SOLUTION" not in mistake["find"] + mistake["replace"], mistake["id"]
        assert mistake["find"] != mistake["replace"], mistake["id"]
        assert mistake["why"].strip().endswith("."), mistake["id"]


def test_apply_mistake_refuses_a_missing_snippet(model_copy_of, tmp_path):
    root = str(tmp_path / "sub")
    shutil.copytree(model_copy_of("assignment1"), root)
    knn = next(m for m in BANK if m["file"].endswith("k_nearest_neighbor.py"))
    target_file = os.path.join(root, knn["file"])
    before = open(target_file, "rb").read()
    missing = dict(knn, id="missing", find="this text is not in the reference")
    with pytest.raises(ValueError, match="exactly once"):
        apply_mistake(root, missing)
    duplicated = dict(knn, id="twice", find="dists = np.zeros((num_test, num_train))")
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


def _graded(mistake, model_copy_of, grading_session, folder):
    """The GradeReport of the model submission with `mistake` applied, its failures
    logged in folder/log (diagnosis off, as in the bank's gradings: the naming is worked
    out from the logs of all the target's mistakes)."""
    assignment = mistake["assignment"]
    root = os.path.join(folder, "sub")
    shutil.copytree(model_copy_of(assignment), root)
    apply_mistake(root, mistake)
    # Only the targets whose code can run the edited lines can change; grading just those
    # keeps the bank fast. Targets that call the broken one may lose points too, when
    # the mistake says so ("affects"): a TwoLayerNet is only as right as its layers.
    # A target the mistake declares in "affects" may lose points or keep them: grading it
    # proves nothing, so it is left out (each regraded target costs a worker, about a
    # second of CPU time where the submission imports torch).
    candidates = ((targets_that_may_change(mistake, assignment) - set(mistake.get("affects", [])))
                  | {mistake["target"]})
    return grade(root, assignment, grading_session, timeout_s=TIMEOUT_S, seed=SEED,
                 only=sorted(candidates), diagnose=False, record_failures=os.path.join(folder, "log"))


def _points_problems(mistake, report):
    """What is wrong with the points `mistake` cost: none on its target, a failure without
    a message, or points lost on another target."""
    table = report.by_target()
    score, maximum = table[mistake["target"]]
    if score >= maximum - 1e-9:
        return ["the graders let %s through (%s)" % (mistake["id"], mistake["why"])]
    problems = []
    if not all(r["message"].strip() for r in report.records
               if r["target"] == mistake["target"] and not r["passed"]):
        problems.append("%s: a failure without a message" % mistake["id"])
    allowed = {mistake["target"], *mistake.get("affects", [])}
    for target, (other_score, other_max) in table.items():
        if target not in allowed and other_score != pytest.approx(other_max):
            problems.append("%s also cost %s points: %s" % (mistake["id"], target, [
                r["message"] for r in report.records if r["target"] == target and not r["passed"]]))
    return problems


def _same_answer(a, b):
    """Two logged answers agree in full (to float32 rounding), not just by fingerprint."""
    with np.load(a["npz"]) as x, np.load(b["npz"]) as y:
        return sorted(x.files) == sorted(y.files) and all(
            x[k].shape == y[k].shape and (np.array_equal(x[k], y[k]) if x[k].dtype.kind in "OSU"
                                          else np.allclose(x[k], y[k], rtol=1e-5, atol=1e-8, equal_nan=True))
            for k in x.files)


def _accusations(said, by_id):
    """Each failed check that names another mistake whose answer is not the same."""
    return ["%s is named as %s at %s" % (mistake_id, other_id, failure["nodeid"])
            for mistake_id, diagnosed in said.items() for failure, named in diagnosed
            for other_id, theirs in named
            if by_id[other_id]["why"] != by_id[mistake_id]["why"] and not _same_answer(failure, theirs)]


BANK_TARGETS = list(dict.fromkeys((m["assignment"], m["target"]) for m in BANK))


@pytest.mark.parametrize("assignment, target", BANK_TARGETS, ids=["-".join(t) for t in BANK_TARGETS])
def test_each_mistake_loses_points_on_its_own_target_only_and_is_named(
        assignment, target, model_copy_of, model_report_of, grading_session, tmp_path):
    """Every mistake of the target costs it points and no other target any; the hidden
    graders' diagnosis names it (its own sentence on one of its diagnosed failures)
    and never names another mistake whose answer differs from its own."""
    assert model_report_of(assignment).score == pytest.approx(100.0), \
        "the model submission must score 100 first"
    mistakes = [m for m in BANK if (m["assignment"], m["target"]) == (assignment, target)]
    problems, failures, messages = [], {}, {}
    for mistake in mistakes:
        folder = str(tmp_path / mistake["id"])
        report = _graded(mistake, model_copy_of, grading_session, folder)
        problems += _points_problems(mistake, report)
        failures[mistake["id"]] = diagnosis.read_failures(os.path.join(folder, "log"))
        messages[mistake["id"]] = [r["message"] for r in report.records
                                   if r["target"] == target and not r["passed"]]
    said = diagnosis.graders_naming(failures, mistakes)
    problems += _accusations(said, {m["id"]: m for m in mistakes})
    assert not problems, problems
    row = diagnosis.graders_row(said, mistakes, messages, failures)
    assert row["named"] >= NAMED_SHARE * row["caught"], ("not named by the graders", row)
