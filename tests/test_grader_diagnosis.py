"""The hidden graders' feedback names a known mistake when the submission's answer is
that mistake's answer on the same fresh inputs (autograder/trusted/diagnosis.py), and
only then: an unrelated bug gets no mistake's sentence, and no input, reference value
or fingerprint reaches results.json."""
import json
import shutil

import pytest

from autograder.mistakes import apply_mistake, load_bank
from autograder.trusted import report
from autograder.trusted.grading_session import GradingSession
from autograder.trusted.pipeline import grade

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader_diagnosis")]

KNOWN = "known mistake gives"
CASES = [("assignment1", "two_loops_squared"), ("assignment1", "svm_vec_no_reg_gradient"),
         ("assignment3", "gram_divides_by_positions"), ("assignment3", "reparam_sqrt_of_logvar")]


@pytest.fixture(scope="module")
def session():
    with GradingSession() as running:
        yield running


def _mutant(release_of, tmp_path, assignment, mistake_id):
    mistake = next(m for m in load_bank(assignment) if m["id"] == mistake_id)
    root = tmp_path / mistake_id
    shutil.copytree(release_of(assignment, solutions=True), root)
    apply_mistake(root, mistake)
    return root, mistake


@pytest.mark.parametrize("assignment, mistake_id", CASES, ids=[c[1] for c in CASES])
def test_a_failed_check_names_the_mistake_made(session, release_of, tmp_path, assignment, mistake_id):
    root, mistake = _mutant(release_of, tmp_path, assignment, mistake_id)
    result = grade(root, assignment, session, seed=11, only=[mistake["target"]])
    failed = [r for r in result.records if not r["passed"]]
    assert failed
    named = [r["message"] for r in failed if KNOWN in r["message"]]
    assert named, failed
    others = {m["why"] for m in load_bank(assignment) if m["target"] == mistake["target"]} - {mistake["why"]}
    for message in named:
        assert mistake["why"] in message, message
        assert not any(why in message for why in others), message
    path = tmp_path / "results.json"
    report.write_results_json(result, str(path))
    text = path.read_text()
    assert mistake["why"] in json.loads(text)["tests"][0]["output"] or mistake["why"] in text
    assert '"samples"' not in text and '"sums"' not in text


def test_an_unrelated_bug_gets_no_mistakes_sentence(session, release_of, tmp_path):
    """Distances three times too large: no known mistake gives that answer."""
    root = tmp_path / "scaled"
    shutil.copytree(release_of("assignment1", solutions=True), root)
    path = root / "cs231n_core" / "classifiers" / "k_nearest_neighbor.py"
    source = path.read_text()
    find = "dists[i, j] = np.sqrt(np.sum(diff * diff))"
    assert source.count(find) == 1
    path.write_text(source.replace(find, "dists[i, j] = 3 * np.sqrt(np.sum(diff * diff))"))
    result = grade(root, "assignment1", session, seed=11, only=["compute_distances_two_loops"])
    failed = [r for r in result.records if not r["passed"]]
    assert failed and not any(KNOWN in r["message"] for r in failed)
    assert any("times 3" in r["message"] for r in failed)   # the generic probe still speaks


def test_the_bank_grades_without_diagnosis(session, release_of, tmp_path):
    root, mistake = _mutant(release_of, tmp_path, "assignment1", "two_loops_squared")
    result = grade(root, "assignment1", session, seed=11, only=[mistake["target"]], diagnose=False)
    assert not any(KNOWN in r["message"] for r in result.records)
