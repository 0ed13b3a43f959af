"""nbgrader's own commands on a course folder: autograde and export give the same
points as `cs231n grade`, through the notebooks' hidden test cells."""
import csv
import os
import shutil
import subprocess
import sys

from autograder.course import ensure_gradebook_assignment


def test_nbgrader_autograde_and_export(tmp_path, model_submission, released):
    course = tmp_path / "course"
    shutil.copytree(model_submission, course / "submitted" / "alice" / "assignment1")
    shutil.copytree(released, course / "submitted" / "bob" / "assignment1")
    ensure_gradebook_assignment(str(course), "assignment1")
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, CS231N_SMOKE="1", PATH=bin_dir + os.pathsep + os.environ["PATH"])
    # nbgrader stops a cell after 30 s by default; a loaded CI machine needs more.
    for command in (["autograde", "assignment1", "--Execute.timeout=600"], ["export"]):
        process = subprocess.run([os.path.join(bin_dir, "nbgrader"), *command], cwd=course, env=env,
                                 capture_output=True, text=True, timeout=600)
        assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    with open(course / "grades.csv") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert scores == {"alice": 100.0, "bob": 0.0}
    # the hidden cells ran the graders in the kernel: their printout is in the notebook
    with open(course / "autograded" / "alice" / "assignment1" / "knn.ipynb") as handle:
        assert "PASS compute_distances_no_loops" in handle.read()
