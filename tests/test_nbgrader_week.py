"""The instructor's nbgrader week on one course folder: grade-course leaves it as
`nbgrader autograde` would, formgrader lists it, manual grades survive a regrade, the
late penalty applies, feedback is generated and released, export adds auto + manual.

One course folder is graded once for the module (assignment 1, four students:
the model, the untouched release, a submission with three bank mistakes, and a late
model submission), in nbgrader's layout with the exchange's timestamp.txt and
submission_secret.txt.
"""
import csv
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from autograder import course
from autograder.mistakes import apply_mistake, load_bank
from conftest import tree_digest

pytestmark = pytest.mark.xdist_group("nbgrader_week")

ASSIGNMENT = "assignment1"
DUE = "2026-01-05 12:00:00.000000 UTC"
ON_TIME = "2026-01-04 09:30:00.000000 UTC"
LATE = "2026-01-07 12:00:00.000000 UTC"  # 172800 s late
SECRET = "instructor-only: reference values"
MISTAKES = ("svm_naive_no_reg_gradient", "no_loops_sign", "softmax_vec_no_reg_in_loss")
BIN = os.path.dirname(sys.executable)
ENV = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])


def nbgrader(course_dir, *args, timeout=600):
    process = subprocess.run([os.path.join(BIN, "nbgrader"), *args], cwd=course_dir, env=ENV,
                             capture_output=True, text=True, timeout=timeout)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return process


def grade_course(course_dir, *args):
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade-course", course_dir, ASSIGNMENT,
                              "--workers", "2", *args], capture_output=True, text=True, timeout=900)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return process


def hand_in(root, student, source, timestamp, mistakes=()):
    """A submission as nbgrader's exchange collects it."""
    folder = root / "submitted" / student / ASSIGNMENT
    shutil.copytree(source, folder)
    bank = {m["id"]: m for m in load_bank(ASSIGNMENT)}
    for mistake in mistakes:
        apply_mistake(str(folder), bank[mistake])
    (folder / "timestamp.txt").write_text(timestamp)
    (folder / "submission_secret.txt").write_text("secret-of-" + student)
    return str(folder)


def auto_scores(gradebook, student):
    """{grade cell: auto score} of a student's autograded cells."""
    scores = {}
    for notebook in gradebook.find_submission(ASSIGNMENT, student).notebooks:
        for grade in notebook.grades:
            if grade.cell.cell_type != "code":
                continue  # written answers are graded by hand
            scores[grade.name] = grade.auto_score
    return scores


def open_gradebook(course_dir):
    from nbgrader.api import Gradebook
    return Gradebook("sqlite:///" + os.path.join(course_dir, "gradebook.db"))


@pytest.fixture(scope="session")  # not "module": xdist interleaves other modules
def week(tmp_path_factory, model_submission, released):
    root = tmp_path_factory.mktemp("week") / "course"
    hand_in(root, "ada", model_submission, ON_TIME)
    bob = hand_in(root, "bob", released, ON_TIME)
    # a link to an instructor's file must not be copied into autograded/ or feedback/
    secret = root.parent / "instructor_notes.txt"
    secret.write_text(SECRET)
    os.symlink(secret, os.path.join(bob, "notes.txt"))
    hand_in(root, "cho", model_submission, ON_TIME, MISTAKES)
    hand_in(root, "dan", model_submission, LATE)
    course_dir = str(root)
    written = subprocess.run([sys.executable, "-m", "cs231n_core", "nbgrader-config", course_dir],
                             capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    with open(root / "nbgrader_config.py", "a") as handle:
        handle.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    # the instructor's due date, as formgrader's "edit due date" sets it
    course.ensure_gradebook_assignment(course_dir, ASSIGNMENT)
    with open_gradebook(course_dir) as gradebook:
        gradebook.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    digest = tree_digest(str(root / "submitted"))
    grade_course(course_dir)
    assert tree_digest(str(root / "submitted")) == digest  # submissions never change
    with open(root / course.RESULTS / ASSIGNMENT / "cho.json") as handle:
        cho = json.load(handle)
    return {"dir": course_dir, "cho_report": cho["report"]}


def test_grade_course_leaves_the_course_as_nbgrader_autograde_would(week):
    root = week["dir"]
    # nothing the instructor did not ask for
    assert not os.path.exists(os.path.join(root, "source"))
    assert not os.path.exists(os.path.join(root, "release"))
    for student in ("ada", "bob", "cho", "dan"):
        autograded = os.path.join(root, "autograded", student, ASSIGNMENT)
        submitted = os.path.join(root, "submitted", student, ASSIGNMENT)
        for name in ("knn", "svm", "softmax", "two_layer_net", "features"):
            assert os.path.exists(os.path.join(autograded, name + ".ipynb"))
        with open(os.path.join(autograded, "timestamp.txt")) as a, open(os.path.join(submitted, "timestamp.txt")) as s:
            assert a.read() == s.read()
        for path in (os.path.join(root, course.RESULTS, ASSIGNMENT, student + ".json"),
                     course.feedback_path(root, ASSIGNMENT, student)):
            assert os.stat(path).st_mode & stat.S_IROTH, "%s is not readable" % path

    # written answers: the release asks for one, the model submission carries the model answer
    for student, words in (("bob", "YOUR ANSWER HERE"), ("ada", "bright row is a test image")):
        written = nbformat.read(os.path.join(root, "submitted", student, ASSIGNMENT, "knn.ipynb"), as_version=4)
        answer = next(c for c in written.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") == "inline_question_1")
        assert words in answer.source and answer.metadata["nbgrader"]["points"] > 0

    for step in ("autograded", "feedback"):
        for folder, _, names in os.walk(os.path.join(root, step)):
            for name in names:
                with open(os.path.join(folder, name), "rb") as handle:
                    assert SECRET.encode() not in handle.read(), os.path.join(folder, name)

    # the autograded notebook's test cells hold the hidden checks' lines and the points
    notebook = nbformat.read(os.path.join(root, "autograded", "cho", ASSIGNMENT, "knn.ipynb"), as_version=4)
    cell = next(c for c in notebook.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "compute_distances_no_loops")
    assert "FAIL compute_distances_no_loops" in cell.outputs[0]["text"]
    cho_no_loops = sum(r["score"] for r in week["cho_report"]["records"]
                       if r["target"] == "compute_distances_no_loops")
    assert float(cell.outputs[-1]["data"]["text/plain"]) == pytest.approx(cho_no_loops)

    with open_gradebook(root) as gradebook:
        # each of cho's cells holds the grader's points for its target
        by_target = {}
        for record in week["cho_report"]["records"]:
            by_target[record["target"]] = by_target.get(record["target"], 0.0) + record["score"]
        scores = auto_scores(gradebook, "cho")
        from cs231n_core.targets import grade_cell_id
        for target, score in by_target.items():
            assert scores[grade_cell_id(target)] == pytest.approx(score, abs=1e-4), target
        for mistake in MISTAKES:
            target = next(m["target"] for m in load_bank(ASSIGNMENT) if m["id"] == mistake)
            assert 0 <= scores[grade_cell_id(target)] < gradebook.find_grade_cell(
                grade_cell_id(target), _notebook_of(gradebook, grade_cell_id(target)), ASSIGNMENT).max_score
        # the submission's timestamp and the course's late penalty (zero for late work)
        ada, dan = gradebook.find_submission(ASSIGNMENT, "ada"), gradebook.find_submission(ASSIGNMENT, "dan")
        assert ada.total_seconds_late == 0 and ada.late_submission_penalty == 0
        assert dan.total_seconds_late == pytest.approx(172800)
        assert dan.score == pytest.approx(100.0)
        assert dan.late_submission_penalty == pytest.approx(dan.score)


def _notebook_of(gradebook, grade_id):
    for notebook in gradebook.find_assignment(ASSIGNMENT).notebooks:
        if any(cell.name == grade_id for cell in notebook.grade_cells):
            return notebook.name
    raise KeyError(grade_id)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_formgrader_lists_every_graded_submission_with_its_score(week):
    """formgrader's own API, served by a Jupyter server on the course folder."""
    root, port, token = week["dir"], _free_port(), "week-token"
    server = subprocess.Popen([os.path.join(BIN, "jupyter-server"), "--no-browser", "--port=%d" % port,
                               "--ServerApp.ip=127.0.0.1", "--ServerApp.token=" + token,
                               "--ServerApp.root_dir=" + root] + (["--allow-root"] if os.geteuid() == 0 else []),
                              cwd=root, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = "http://127.0.0.1:%d/formgrader/api/submissions/%s?token=%s" % (port, ASSIGNMENT, token)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    listed = json.loads(response.read())
                break
            except OSError:
                assert server.poll() is None, "the Jupyter server stopped"
                assert time.monotonic() < deadline, "formgrader did not answer"
                time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    scores = course.gradebook_scores(root, ASSIGNMENT)
    by_student = {s["student"]: s for s in listed}
    assert set(by_student) == {"ada", "bob", "cho", "dan"}
    for student, submission in by_student.items():
        assert submission["autograded"] and submission["submitted"], submission
        assert submission["score"] == pytest.approx(scores[student])
    assert by_student["ada"]["score"] >= 100.0 and by_student["bob"]["score"] == 0.0


def test_manual_grades_survive_a_regrade_and_export_adds_them(week, tmp_path):
    root = week["dir"]
    with open_gradebook(root) as gradebook:
        # a written answer graded by hand, and an autograded cell overridden with a comment
        answer = gradebook.find_grade("inline_question_1", "knn", ASSIGNMENT, "ada")
        answer.manual_score = 2.0
        override = gradebook.find_grade("svm_loss_naive", "svm", ASSIGNMENT, "cho")
        override.manual_score = override.max_score - 0.5
        comment = gradebook.find_comment("inline_question_1", "knn", ASSIGNMENT, "ada")
        comment.manual_comment = "Right: a bright row is an unusual test image."
        gradebook.db.commit()
        cho_auto = auto_scores(gradebook, "cho")
        cho_raw = gradebook.find_submission(ASSIGNMENT, "cho").score

    grade_course(root, "--regrade")

    with open_gradebook(root) as gradebook:
        answer = gradebook.find_grade("inline_question_1", "knn", ASSIGNMENT, "ada")
        override = gradebook.find_grade("svm_loss_naive", "svm", ASSIGNMENT, "cho")
        assert answer.manual_score == 2.0
        assert override.manual_score == override.max_score - 0.5
        assert gradebook.find_comment("inline_question_1", "knn", ASSIGNMENT, "ada").manual_comment \
            == "Right: a bright row is an unusual test image."
        assert auto_scores(gradebook, "cho") == pytest.approx(cho_auto, abs=1e-4)
        assert gradebook.find_submission(ASSIGNMENT, "cho").score == pytest.approx(cho_raw, abs=1e-4)
        ada_total = gradebook.find_submission(ASSIGNMENT, "ada").score
        max_score = gradebook.find_assignment(ASSIGNMENT).max_score
    assert ada_total == pytest.approx(102.0)  # 100 autograded + 2 written
    assert max_score > 100.0  # the written answers' points on top

    # nbgrader's feedback, then released through the exchange
    nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    for student in ("ada", "bob", "cho", "dan"):
        feedback = os.path.join(root, "feedback", student, ASSIGNMENT)
        assert os.path.exists(os.path.join(feedback, "knn.html"))
        assert os.path.exists(os.path.join(feedback, course.FEEDBACK_NAME))  # kept by --force
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    nbgrader(root, "release_feedback", ASSIGNMENT, "--Exchange.root=%s" % exchange,
             "--CourseDirectory.course_id=cs231n")
    released = list((exchange / "cs231n" / "feedback").iterdir())
    assert len(released) >= 4 * 6  # five notebooks and autograder.html per student

    nbgrader(root, "export")
    with open(os.path.join(root, "grades.csv")) as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["ada"]["score"]) == pytest.approx(102.0)
    assert float(rows["bob"]["score"]) == pytest.approx(0.0)
    assert float(rows["cho"]["raw_score"]) == pytest.approx(cho_raw, abs=1e-3)
    assert float(rows["dan"]["raw_score"]) == pytest.approx(100.0)
    assert float(rows["dan"]["score"]) == pytest.approx(0.0)  # late: the course's penalty


def test_nbgrader_autograde_under_the_written_config_gives_the_same_points(week, tmp_path):
    """nbgrader's own path, in nbgrader's usual layout (the students' library in
    source/assignment1/ beside the instructor's notebooks), under the nbgrader_config.py
    that `cs231n nbgrader-config` writes: per cell, the same autograded points as
    grade-course for the model, the bank's mistakes (partial credit) and the untouched
    release, and no false "checksum has changed" alarm."""
    from autograder.release import _source_notebooks, release

    native = tmp_path / "native"
    source = native / "source" / ASSIGNMENT
    release(ASSIGNMENT, str(source))
    for path in _source_notebooks(ASSIGNMENT):
        shutil.copy(path, source)
    for student in ("ada", "bob", "cho"):
        shutil.copytree(os.path.join(week["dir"], "submitted", student, ASSIGNMENT),
                        native / "submitted" / student / ASSIGNMENT)
    written = subprocess.run([sys.executable, "-m", "cs231n_core", "nbgrader-config", str(native)],
                             capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    nbgrader(str(native), "generate_assignment", ASSIGNMENT)
    process = nbgrader(str(native), "autograde", ASSIGNMENT, timeout=1200)
    assert "has changed" not in process.stdout + process.stderr
    with open_gradebook(str(native)) as gradebook:
        by_nbgrader = {s: auto_scores(gradebook, s) for s in ("ada", "bob", "cho")}
    with open_gradebook(week["dir"]) as gradebook:
        by_grade_course = {s: auto_scores(gradebook, s) for s in ("ada", "bob", "cho")}
    for student in ("ada", "bob", "cho"):
        assert by_nbgrader[student] == pytest.approx(by_grade_course[student], abs=1e-3), student
    assert sum(by_nbgrader["ada"].values()) == pytest.approx(100.0)
    assert 0 < sum(by_nbgrader["cho"].values()) < 100 and sum(by_nbgrader["bob"].values()) == 0
