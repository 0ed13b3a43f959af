"""A student's first week, from the release alone: a fresh venv built only from the
release's own requirements.txt, every notebook of the assignment run top to bottom in
it (smoke mode, by nbconvert's executor, as Jupyter runs it), then the hand-in with
the command the notebooks name.

The release is the students' edition; "the work" is the model submission's library
and notebooks copied over it, as a student who finished would have them. The one
concession to this offline machine: pip does not retry PyTorch's CPU wheel index,
which it cannot reach here (the CPU wheel comes from the machine's local files).
"""
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder.release import release

pytestmark = pytest.mark.xdist_group("student_setup")

ASSIGNMENT = "assignment1"
INSTRUCTOR_TOOLS = ("nbgrader", "pytest", "autograder", "cs231n-course")


def student_env(venv):
    """The environment of a shell where only the student's venv is active."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "CS231N_", "PIP_REQUIRE", "JUPYTER"))}
    course_bin = os.path.dirname(sys.executable)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and os.path.realpath(p) != os.path.realpath(course_bin)]
    env["PATH"] = os.pathsep.join([str(venv / "bin")] + path)
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_RETRIES"] = "0"  # offline here: PyTorch's index is unreachable, do not wait on it
    return env


def run(command, cwd, env, timeout=900):
    done = subprocess.run(command, cwd=str(cwd), env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, "%s\n%s\n%s" % (command, done.stdout[-3000:], done.stderr[-3000:])
    return done


def test_the_release_sets_itself_up_and_every_notebook_runs_and_hands_in(tmp_path, release_of):
    folder = tmp_path / ASSIGNMENT
    release(ASSIGNMENT, str(folder))
    for name in ("README.md", "requirements.txt", "environment.yml", "pyproject.toml"):
        assert (folder / name).is_file(), name
    requirements = (folder / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in requirements
    assert "ipywidgets" in requirements and "-e ." in requirements
    assert not any(tool in requirements for tool in INSTRUCTOR_TOOLS)
    assert "-r requirements.txt" in (folder / "environment.yml").read_text()
    guide = (folder / "README.md").read_text()
    assert "cs231n submit %s" % ASSIGNMENT in guide and "pip install -r requirements.txt" in guide

    # the set-up, as the release's README says, in a fresh venv
    venv = tmp_path / "venv"
    env = student_env(venv)
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", "requirements.txt"], folder, env)
    installed = run([str(venv / "bin" / "pip"), "list", "--format=freeze"], folder, env).stdout.lower()
    assert "torch==2.13.0+cpu" in installed  # the CPU build, not PyPI's CUDA one
    assert not any(line.split("==")[0] in INSTRUCTOR_TOOLS for line in installed.splitlines())
    no_autograder = subprocess.run([str(venv / "bin" / "python"), "-c", "import autograder"],
                                   cwd=str(tmp_path), env=env, capture_output=True, text=True)
    assert no_autograder.returncode != 0 and "No module named 'autograder'" in no_autograder.stderr

    # the work: the model's library and notebooks over the release
    model = release_of(ASSIGNMENT, solutions=True)
    shutil.rmtree(folder / "cs231n_core")
    shutil.copytree(os.path.join(model, "cs231n_core"), folder / "cs231n_core")
    notebooks = sorted(n for n in os.listdir(model) if n.endswith(".ipynb"))
    assert notebooks == sorted(n for n in os.listdir(folder) if n.endswith(".ipynb"))
    for name in notebooks:
        shutil.copy(os.path.join(model, name), folder / name)

    # every notebook, top to bottom, in the student's kernel (quick mode)
    run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--inplace",
         "--ExecutePreprocessor.timeout=600", *notebooks], folder, dict(env, CS231N_SMOKE="1"), timeout=1200)

    # the hand-in, with the command the notebooks name
    handed = run(["cs231n", "submit", ASSIGNMENT], folder, env)
    assert "[FAIL]" not in handed.stdout and "warning:" not in handed.stdout, handed.stdout
    with zipfile.ZipFile(folder / ("%s_submission.zip" % ASSIGNMENT)) as archive:
        names = archive.namelist()
    assert set(notebooks) <= set(names) and "cs231n_core/classifiers/k_nearest_neighbor.py" in names
    page = (folder / ("%s_notebooks.html" % ASSIGNMENT)).read_text(encoding="utf-8")
    assert all(name in page for name in notebooks)
