"""grade-course on an nbgrader course folder: gradebook, feedback, resume, the demo."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder import course
from autograder.mistakes import apply_mistake, load_bank
from conftest import tree_digest


@pytest.fixture
def course_dir(tmp_path, model_submission, released):
    root = tmp_path / "course"
    for student, source in (("alice", model_submission), ("bob", released), ("carol", model_submission)):
        shutil.copytree(source, root / "submitted" / student / "assignment1")
    bank = {m["id"]: m for m in load_bank("assignment1")}
    apply_mistake(str(root / "submitted" / "carol" / "assignment1"), bank["no_loops_sign"])
    return str(root)


def test_grade_course_fills_gradebook_results_and_feedback(course_dir):
    before = tree_digest(os.path.join(course_dir, "submitted"))
    reports = course.grade_course(course_dir, "assignment1", workers=2, progress=False)
    assert reports["alice"].score == pytest.approx(100.0)
    assert reports["bob"].score == 0.0
    carol = reports["carol"].by_target()
    assert carol["compute_distances_no_loops"][0] < carol["compute_distances_no_loops"][1]
    assert all(score == maximum for target, (score, maximum) in carol.items()
               if target != "compute_distances_no_loops")
    # nbgrader's own gradebook holds the same totals
    scores = course.gradebook_scores(course_dir, "assignment1")
    assert scores == pytest.approx({s: r.score for s, r in reports.items()})
    for student, report in reports.items():
        with open(os.path.join(course_dir, course.RESULTS, "assignment1", student + ".json")) as handle:
            assert json.load(handle)["score"] == pytest.approx(report.score)
        with open(course.feedback_path(course_dir, "assignment1", student)) as handle:
            html = handle.read()
        assert "%.2f / %.2f" % (report.score, 100.0) in html
        # notebooks in the assignment's order, each before its targets
        assert html.index(">knn.ipynb<") < html.index(">compute_distances_two_loops<") \
            < html.index(">svm.ipynb<") < html.index(">two_layer_net.ipynb<") \
            < html.index(">TwoLayerNet<") < html.index(">features.ipynb<")
    with open(course.feedback_path(course_dir, "assignment1", "carol")) as handle:
        assert "relative error" in handle.read()
    assert tree_digest(os.path.join(course_dir, "submitted")) == before


def test_grade_course_resumes_without_regrading(course_dir, monkeypatch):
    course.grade_course(course_dir, "assignment1", progress=False)
    graded = []
    real_grade = course.pipeline.grade_handed_in
    monkeypatch.setattr(course.pipeline, "grade_handed_in",
                        lambda folder, *a, **k: graded.append(folder) or real_grade(folder, *a, **k))
    # bob edits his submission after grading: only he is graded again
    path = os.path.join(course_dir, "submitted", "bob", "assignment1", "cs231n_core", "extra.py")
    with open(path, "w") as handle:
        handle.write("# later edit\n")
    reports = course.grade_course(course_dir, "assignment1", progress=False)
    assert [os.path.basename(os.path.dirname(g)) for g in graded] == ["bob"]
    assert reports["alice"].score == pytest.approx(100.0)
    assert course.gradebook_scores(course_dir, "assignment1")["alice"] == pytest.approx(100.0)


def test_grade_course_explains_a_folder_that_is_no_course(tmp_path):
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "grade-course", str(tmp_path), "assignment1"],
                             capture_output=True, text=True)
    assert process.returncode == 2 and "submitted/" in process.stderr


def test_demo_runs_end_to_end(tmp_path):
    out = tmp_path / "demo"
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "demo", "--out", str(out)],
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    for words in ("students' release", "gradebook", "feedback", "ada_model", "cho_mistakes"):
        assert words in process.stdout
    assert (out / "course" / "gradebook.db").exists()
    # a second run replaces its own folder, but never a folder it did not make
    assert subprocess.run([sys.executable, "-m", "cs231n_core", "demo", "--out", str(out)],
                          capture_output=True).returncode == 0
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "demo", "--out", str(foreign)],
                             capture_output=True, text=True)
    assert process.returncode != 0 and (foreign / "keep.txt").read_text() == "mine"


def processes_using(folder):
    """Pids of the processes whose working folder or command line is inside folder."""
    folder = os.path.realpath(folder)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.path.realpath(os.readlink("/proc/%s/cwd" % pid))
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                command = handle.read().decode("utf-8", "replace")
        except OSError:
            continue
        if cwd == folder or cwd.startswith(folder + os.sep) or folder + os.sep in command:
            found.append(int(pid))
    return found


def interrupt_after_one_more(command, results, temp, signum):
    """Start grade-course, send signum to that process alone (Ctrl-C reaches it as
    SIGINT; `kill -9` or the OOM killer as SIGKILL) once one more student is graded;
    then check that 10 s later no grading process is left and no copy of student code
    stays in the temp folder. Returns (exit status, stderr)."""
    def graded():
        return len([p for p in results.iterdir() if p.suffix == ".json"]) if results.is_dir() else 0

    before = graded()
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True, env=dict(os.environ, TMPDIR=str(temp)))
    try:
        deadline = time.monotonic() + 300
        while graded() <= before:
            assert run.poll() is None, "grade-course ended before it was interrupted"
            assert time.monotonic() < deadline, "no student was graded in time"
            time.sleep(0.05)
    finally:
        os.kill(run.pid, signum)
        try:
            _, stderr = run.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            run.kill()
            _, stderr = run.communicate()
    time.sleep(10)
    left = processes_using(temp)
    for pid in left:  # do not leave them to the other tests
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == [], "grading processes still alive 10 s after grade-course was stopped"
    leftovers = [os.path.join(folder, name) for folder, _, names in os.walk(temp) for name in names]
    assert leftovers == [], "student files left in the temp folder: %s" % leftovers[:5]
    return run.returncode, stderr


def test_grade_course_interrupted_or_killed_midway_resumes_and_keeps_the_gradebook(
        tmp_path, model_submission, released):
    """Ctrl-C, then SIGKILL, of `cs231n grade-course --workers 2`, each once one more
    student is graded: nothing keeps running, nothing of the students' is left in the
    temp folder, Ctrl-C says so in one line; a last run grades only the rest, and
    nbgrader's gradebook holds everyone."""
    root = tmp_path / "course"
    temp = tmp_path / "temp"  # the runs' temp folder, watched for leftovers
    temp.mkdir()
    expected = {}
    for index in range(6):
        student = "student%d" % index
        model = index % 2 == 0
        shutil.copytree(model_submission if model else released, root / "submitted" / student / "assignment1")
        expected[student] = 100.0 if model else 0.0
    results = root / course.RESULTS / "assignment1"
    command = [sys.executable, "-m", "cs231n_core", "grade-course", str(root), "assignment1", "--workers", "2"]

    code, stderr = interrupt_after_one_more(command, results, temp, signal.SIGINT)
    assert code == 130 and "Traceback" not in stderr, (code, stderr[-3000:])
    assert stderr.strip().splitlines()[-1].startswith("cs231n grade-course: interrupted")
    code, _ = interrupt_after_one_more(command, results, temp, signal.SIGKILL)
    assert code == -signal.SIGKILL
    graded_before = {p.stem: p.stat().st_mtime_ns for p in results.iterdir() if p.suffix == ".json"}
    assert 2 <= len(graded_before) < len(expected)
    course.gradebook_scores(str(root), "assignment1")  # the gradebook still opens

    last = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert last.returncode == 0, last.stdout[-2000:] + last.stderr[-2000:]
    after = {p.stem: p.stat().st_mtime_ns for p in results.iterdir() if p.suffix == ".json"}
    assert set(after) == set(expected)
    assert {s: after[s] for s in graded_before} == graded_before  # not graded again
    for student, score in expected.items():
        with open(results / (student + ".json")) as handle:
            assert json.load(handle)["score"] == pytest.approx(score)
    assert course.gradebook_scores(str(root), "assignment1") == pytest.approx(expected)


def test_one_submission_that_cannot_be_graded_does_not_stop_the_others(tmp_path, released, monkeypatch):
    root = tmp_path / "course"
    for student in ("alice", "bob"):
        shutil.copytree(released, root / "submitted" / student / "assignment1")
    real_grade = course.pipeline.grade_handed_in

    def grade(folder, *args, **kwargs):
        if os.sep + "bob" + os.sep in folder:
            raise course.GradingError("the graders did not run (exit -9):\nhidden detail")
        return real_grade(folder, *args, **kwargs)

    monkeypatch.setattr(course.pipeline, "grade_handed_in", grade)
    with pytest.raises(course.GradingError, match="(?s)1 submission.*bob: the graders did not run") as info:
        course.grade_course(str(root), "assignment1", workers=2, progress=False)
    assert "hidden detail" not in str(info.value)
    assert course.gradebook_scores(str(root), "assignment1") == {"alice": 0.0}
    assert not (root / course.RESULTS / "assignment1" / "bob.json").exists()  # tried again next run


def test_a_notebook_nbgrader_cannot_read_still_leaves_the_points(tmp_path, model_submission):
    """A corrupt notebook stops nbgrader's autograded copy, not the grade: the student is
    named at the end, and the library's points are in the gradebook all the same."""
    root = tmp_path / "course"
    folder = root / "submitted" / "dana" / "assignment1"
    shutil.copytree(model_submission, folder)
    (folder / "knn.ipynb").write_text("{ not a notebook")
    with pytest.raises(course.GradingError, match="dana: graded .points in the gradebook., but nbgrader"):
        course.grade_course(str(root), "assignment1", progress=False)
    assert course.gradebook_scores(str(root), "assignment1") == pytest.approx({"dana": 100.0})
    assert os.path.exists(course.feedback_path(str(root), "assignment1", "dana"))
    assert not (root / course.RESULTS / "assignment1" / "dana.json").exists()  # tried again next run
