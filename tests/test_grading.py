"""The grading engine end to end: scores, results.json, the command line, trust."""
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from autograder.sandboxed import protocol
from autograder.trusted.grading_session import GradingSession
from autograder.trusted.hidden_graders import GradingError
from autograder.trusted.pipeline import grade
from cs231n_core.targets import target_names, teaching_order
from conftest import GRADED_ASSIGNMENTS

from autograder.trusted.submission import Submission

ORIGINAL_RUN = Submission.run


@pytest.fixture(scope="module")
def model_report(model_report_of):
    return model_report_of("assignment1")


@pytest.mark.parametrize("assignment", GRADED_ASSIGNMENTS)
def test_model_submission_scores_100(assignment, model_report_of):
    report = model_report_of(assignment)
    failed = [(r["target"], r["message"]) for r in report.records if not r["passed"]]
    assert failed == []
    assert report.score == pytest.approx(100.0) and report.max_score == pytest.approx(100.0)
    assert set(report.by_target()) == set(target_names(assignment))


@pytest.mark.parametrize("assignment", GRADED_ASSIGNMENTS)
def test_untouched_release_scores_0_with_clear_messages(assignment, release_of):
    report = grade(release_of(assignment), assignment, seed=7)
    assert report.score == 0.0 and report.max_score == pytest.approx(100.0)
    for record in report.records:
        assert "is not implemented yet" in record["message"], record


def test_a_session_grades_submissions_one_after_another(release_of):
    """One trusted process, many submissions: each report is its own submission's."""
    only = ["svm_loss_naive", "softmax_loss_naive"]
    with GradingSession() as session:
        for _ in range(2):
            for folder, solved in ((release_of("assignment1", solutions=True), True),
                                   (release_of("assignment1"), False)):
                report = grade(folder, "assignment1", session, seed=3, only=only)
                assert report.submission == os.path.abspath(folder)
                assert set(report.by_target()) == set(only) and report.max_score > 0
                assert report.score == pytest.approx(report.max_score if solved else 0.0)


def test_points_add_to_100_per_assignment_and_split_by_target(model_report):
    report = model_report
    assert sum(r["max_score"] for r in report.records) == pytest.approx(100.0)
    table = report.by_target()  # kNN's raw points: 4, 4, 6, 6
    assert table["compute_distances_no_loops"][1] == pytest.approx(1.5 * table["compute_distances_two_loops"][1])
    assert table["predict_labels"][1] == pytest.approx(1.5 * table["compute_distances_one_loop"][1])


def test_results_json_follows_the_contract(model_submission, tmp_path):
    out = tmp_path / "results.json"
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade", model_submission,
                              "--assignment", "assignment1", "--json", str(out)],
                             capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert "total" in process.stdout and "100.00" in process.stdout
    table = process.stdout
    assert table.index("knn.ipynb") < table.index("svm.ipynb") < table.index("softmax.ipynb") \
        < table.index("two_layer_net.ipynb") < table.index("  TwoLayerNet") < table.index("features.ipynb")
    data = json.loads(out.read_text())
    assert data["score"] == pytest.approx(100.0)
    assert isinstance(data["execution_time"], float) and isinstance(data["output"], str)
    assert data["tests"]
    order = teaching_order("assignment1")  # {target: (notebook, sort key)}
    names = [test["name"].split(": ", 1)[0] for test in data["tests"]]
    assert names == sorted(names, key=lambda target: order[target][1])  # notebook, then cell order
    for test in data["tests"]:
        target = test["name"].split(": ", 1)[0]
        assert target in target_names("assignment1") and test["tags"] == [target, order[target][0]]
        assert test["status"] == "passed" and test["score"] == test["max_score"] > 0
        assert test["visibility"] == "visible" and isinstance(test["output"], str)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100.0)
    assert isinstance(data["extra_data"]["seed"], int)


def test_failure_messages_hold_no_hidden_values(model_copy):
    path = os.path.join(model_copy, "cs231n_core", "classifiers", "k_nearest_neighbor.py")
    with open(path) as handle:
        text = handle.read()
    with open(path, "w") as handle:  # every answer off by a little
        handle.write(text.replace("        return dists\n", "        return dists * 1.001\n")
                     .replace("        return y_pred\n", "        return (y_pred + 1) % 10\n"))
    knn = ["compute_distances_two_loops", "compute_distances_one_loop",
           "compute_distances_no_loops", "predict_labels"]
    report = grade(model_copy, "assignment1", seed=11, only=knn)
    assert report.score == 0.0
    for record in report.records:
        message = record["message"]
        assert any(words in message for words in ("relative error", "labels differ", "accuracy",
                                                  "the reference's vote")), message
        # no array printed: at most a handful of numbers per message
        assert len(__import__("re").findall(r"\d+\.\d+", message)) <= 4, message
        assert "[" not in message.replace("[0]", ""), message


def inputs_of_a_run(submission_dir, seed, scratch, monkeypatch):
    """The arrays the graders send to the worker in one in-process grading run."""
    from autograder.trusted.hidden_graders import GRADERS_DIR

    seen, real_run = [], ORIGINAL_RUN

    def spy(self, steps, returns=(), timeout_s=None):
        seen.extend(np.array(a) for step in steps for a in step.get("args", ()) if isinstance(a, np.ndarray))
        return real_run(self, steps, returns, timeout_s)

    monkeypatch.setattr(Submission, "run", spy)
    os.makedirs(scratch)
    code = pytest.main(["-q", "-c", os.path.join(GRADERS_DIR, "pytest.ini"), "--rootdir", GRADERS_DIR,
                        os.path.join(GRADERS_DIR, "assignment1"), "--submission", submission_dir,
                        "--scratch", scratch, "--seed", str(seed), "--only-target",
                        "compute_distances_two_loops", "-p", "no:xdist"])
    assert code == 0
    return seen


def test_inputs_are_fresh_per_run_and_reproducible_from_the_seed(model_submission, tmp_path, monkeypatch):
    first = inputs_of_a_run(model_submission, 5, str(tmp_path / "a"), monkeypatch)
    again = inputs_of_a_run(model_submission, 5, str(tmp_path / "b"), monkeypatch)
    other = inputs_of_a_run(model_submission, 6, str(tmp_path / "c"), monkeypatch)
    assert len(first) >= 4 and len(first) == len(again) == len(other)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not any(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(first, other) if x.size > 1)
    seeds = {grade(model_submission, "assignment1", only=["compute_distances_two_loops"]).seed
             for _ in range(2)}
    assert len(seeds) == 2  # no seed given: a fresh one every run


def test_only_target_grades_one_target_at_full_weight(model_submission):
    from autograder.trusted.hidden_graders import target_max_points

    report = grade(model_submission, "assignment1", only=["predict_labels"])
    assert {r["target"] for r in report.records} == {"predict_labels"}
    weight = target_max_points("assignment1")["predict_labels"]  # its share of all 100 points
    assert weight == pytest.approx(6.0)  # kNN's 20 points, of which predict_labels has 6 of 20 raw
    assert report.max_score == pytest.approx(weight) and report.score == pytest.approx(weight)


def test_grader_never_imports_the_submission(model_copy, tmp_path):
    marker = tmp_path / "imported"
    with open(os.path.join(model_copy, "cs231n_core", "__init__.py"), "a") as handle:
        # the trusted process would create the marker; the worker cannot reach the folder
        handle.write("\ntry:\n    open(%r, 'w').write('x')\nexcept OSError:\n    pass\n" % str(marker))
    report = grade(model_copy, "assignment1", seed=1)
    assert report.score == pytest.approx(100.0)
    assert not marker.exists()  # the worker's writes outside its folder vanish too


def test_missing_library_costs_every_point_but_grading_runs(tmp_path):
    (tmp_path / "knn.ipynb").write_text("{}")
    report = grade(str(tmp_path), "assignment1", seed=1)
    assert report.score == 0.0
    assert all("no cs231n_core" in r["message"] for r in report.records)


def test_grader_errors_are_reported_as_such(tmp_path):
    with pytest.raises(GradingError, match="does not exist"):
        grade(str(tmp_path / "nope"), "assignment1")
    with pytest.raises(GradingError, match="unknown assignment"):
        grade(str(tmp_path), "assignment7")
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade", str(tmp_path / "nope"),
                              "--assignment", "assignment1"], capture_output=True, text=True)
    assert process.returncode == 2 and "could not run" in process.stderr


def test_grade_accepts_a_zip_and_refuses_path_traversal(model_submission, tmp_path):
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for folder, _, names in os.walk(model_submission):
            for name in names:
                full = os.path.join(folder, name)
                handle.write(full, os.path.relpath(full, model_submission))
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade", str(archive),
                              "--assignment", "assignment1"], capture_output=True, text=True)
    assert process.returncode == 0 and "100.00" in process.stdout, process.stderr
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as handle:
        handle.writestr("../escaped.py", "x = 1")
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade", str(evil),
                              "--assignment", "assignment1"], capture_output=True, text=True)
    assert process.returncode == 2 and "outside the archive" in process.stderr
    assert not (tmp_path / "escaped.py").exists()


def test_protocol_refuses_pickled_objects():
    buffer = io.BytesIO()
    np.savez(buffer, __header__=np.array(json.dumps({"ok": True})), x=np.array([object()], dtype=object))
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(buffer.getvalue())
    header, arrays = protocol.decode(protocol.encode({"a": 1}, {"x": np.arange(3)}))
    assert header == {"a": 1} and arrays["x"].tolist() == [0, 1, 2]
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(b"not a zip")
