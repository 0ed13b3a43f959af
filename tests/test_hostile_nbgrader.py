"""A hostile student on nbgrader's own path: `nbgrader autograde` under the
nbgrader_config.py that `cs231n nbgrader-config` writes.

Eve hands in the release with nothing implemented and a cs231n_core/__init__.py that,
once the notebook's set-up cell imports it in nbgrader's kernel, replaces the grading
functions in sys.modules, appends a line to a classmate's submitted and autograded
kNN file, and reads the hidden graders and the instructor's notebook. Ada hands in
the model solution. Under the course's config the points come from the trusted side
and the kernel runs sandboxed: Eve's code runs (the notebook shows it), gets no point
and reaches nothing; Ada keeps every point and her files; without a working sandbox
autograde refuses rather than run Eve's code unsandboxed.
"""
import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.release import _source_notebooks, release
from conftest import tree_digest

pytestmark = pytest.mark.xdist_group("hostile_nbgrader")

ASSIGNMENT = "assignment1"
NOTEBOOK = "knn"
BIN = os.path.dirname(sys.executable)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN_GRADER = os.path.join(REPO, "autograder", "graders", ASSIGNMENT, "test_knn.py")
KNN_FILE = os.path.join("cs231n_core", "classifiers", "k_nearest_neighbor.py")

ATTACK = '''

# --- what a hostile student appends to their library ---
def _attack():
    import sys, types
    lines = []
    fake = types.ModuleType("autograder.notebook")
    fake.grade_target = lambda target, *args, **kwargs: print("PASS " + target) or 1.0
    package = types.ModuleType("autograder")
    package.__path__, package.notebook = [], fake
    sys.modules["autograder"], sys.modules["autograder.notebook"] = package, fake
    lines.append("hostile: replaced grade_target")
    for path in %(victims)r:
        try:
            with open(path, "a") as handle:
                handle.write("\\nraise SystemExit('sabotaged by eve')\\n")
            lines.append("hostile: WROTE " + path)
        except OSError as exc:
            lines.append("hostile: write refused (%%s)" %% type(exc).__name__)
    for path in %(secrets)r:
        try:
            with open(path) as handle:
                lines.append("hostile: READ " + handle.read())
        except OSError as exc:
            lines.append("hostile: read refused (%%s)" %% type(exc).__name__)
    print("\\n".join(lines))


_attack()
'''


def nbgrader(course_dir, *args, env=None, timeout=900):
    environment = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"], **(env or {}))
    return subprocess.run([os.path.join(BIN, "nbgrader"), *args], cwd=course_dir, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def make_course(root, model_submission, released):
    """A course in nbgrader's layout with the kNN notebook alone: ada hands in the
    model, eve the hostile release."""
    source = root / "source" / ASSIGNMENT
    release(ASSIGNMENT, str(source))
    shutil.copy([p for p in _source_notebooks(ASSIGNMENT) if p.endswith(NOTEBOOK + ".ipynb")][0], source)
    for notebook in source.glob("*.ipynb"):
        if notebook.stem != NOTEBOOK:
            notebook.unlink()
    ada = root / "submitted" / "ada" / ASSIGNMENT
    eve = root / "submitted" / "eve" / ASSIGNMENT
    shutil.copytree(model_submission, ada)
    shutil.copytree(released, eve)
    for folder in (ada, eve):
        for notebook in folder.glob("*.ipynb"):
            if notebook.stem != NOTEBOOK:
                notebook.unlink()
    victims = [str(ada / KNN_FILE), str(root / "autograded" / "ada" / ASSIGNMENT / KNN_FILE)]
    secrets = [HIDDEN_GRADER, str(source / (NOTEBOOK + ".ipynb"))]
    with open(eve / "cs231n_core" / "__init__.py", "a") as handle:
        handle.write(ATTACK % {"victims": victims, "secrets": secrets})
    written = subprocess.run([sys.executable, "-m", "cs231n_core", "nbgrader-config", str(root)],
                             capture_output=True, text=True)
    assert written.returncode == 0, written.stderr
    generated = nbgrader(str(root), "generate_assignment", ASSIGNMENT)
    assert generated.returncode == 0, generated.stdout[-3000:] + generated.stderr[-3000:]
    return ada, eve


def scores(root, student):
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "gradebook.db")) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, student)
        return {grade.name: (grade.auto_score, grade.max_score) for notebook in submission.notebooks
                for grade in notebook.grades if grade.cell.cell_type == "code"}


def notebook_text(path):
    notebook = nbformat.read(str(path), as_version=4)
    return "\n".join(json.dumps(cell.get("outputs", [])) for cell in notebook.cells)


def test_a_hostile_kernel_gets_no_points_and_touches_no_one_under_nbgrader_autograde(
        tmp_path, model_submission, released):
    root = tmp_path / "course"
    ada, eve = make_course(root, model_submission, released)
    submitted = tree_digest(str(root / "submitted"))
    done = nbgrader(str(root), "autograde", ASSIGNMENT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    # Eve's code did run in the kernel (the set-up cell shows it), and failed at each step
    eve_notebook = notebook_text(root / "autograded" / "eve" / ASSIGNMENT / (NOTEBOOK + ".ipynb"))
    assert "hostile: replaced grade_target" in eve_notebook
    assert eve_notebook.count("hostile: write refused") == 2 and "hostile: WROTE" not in eve_notebook
    assert eve_notebook.count("hostile: read refused") == 2 and "hostile: READ" not in eve_notebook
    with open(HIDDEN_GRADER) as handle:
        grader_text = handle.read()
    assert max(grader_text.splitlines(), key=len) not in eve_notebook
    # ... and earned nothing: the points are the trusted side's
    eve_scores = scores(root, "eve")
    assert eve_scores and sum(auto for auto, _ in eve_scores.values()) == 0, eve_scores
    assert "FAIL compute_distances_two_loops" in eve_notebook

    # Ada keeps every point of the notebook, her files are untouched
    ada_scores = scores(root, "ada")
    assert all(auto == pytest.approx(maximum) for auto, maximum in ada_scores.values()), ada_scores
    assert sum(maximum for _, maximum in ada_scores.values()) >= 10
    assert tree_digest(str(root / "submitted")) == submitted
    with open(root / "autograded" / "ada" / ASSIGNMENT / KNN_FILE) as handle:
        assert "sabotaged" not in handle.read()


def test_without_a_working_sandbox_autograde_refuses_and_says_why(tmp_path, model_submission, released):
    root = tmp_path / "course"
    make_course(root, model_submission, released)
    done = nbgrader(str(root), "autograde", ASSIGNMENT, "--student", "eve", env={"CS231N_NO_BWRAP": "1"})
    text = done.stdout + done.stderr
    assert done.returncode != 0
    assert "the sandbox is required but unavailable here: CS231N_NO_BWRAP is set" in text
    assert "hostile:" not in text
    assert not (root / "autograded" / "eve" / ASSIGNMENT / (NOTEBOOK + ".ipynb")).exists() or \
        "hostile:" not in notebook_text(root / "autograded" / "eve" / ASSIGNMENT / (NOTEBOOK + ".ipynb"))


def test_grade_target_refuses_in_a_kernel_that_nbgrader_autograde_runs(monkeypatch, model_submission):
    """A course still on nbgrader's plain Execute would let the student's kernel decide
    the points: the hidden cell's grading refuses there, with the fix, rather than run."""
    from autograder.notebook import grade_target

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(RuntimeError, match="cs231n nbgrader-config"):
        grade_target("compute_distances_two_loops", model_submission)
