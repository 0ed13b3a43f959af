"""Gradescope's autograder bundle: built by `cs231n gradescope`, unpacked into a folder
laid out like Gradescope's /autograder/, and run on model, empty and hostile uploads.

setup.sh is not run (it needs the internet); run_autograder runs with CS231N_PYTHON set
to this interpreter, grading with the bundle's own sources.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

import pytest

import cs231n_core
from autograder import gradescope
from autograder.trusted.intake import SubmissionRefused, locate_submission
from autograder.trusted.isolation import bubblewrap_available
from autograder.trusted.pipeline import grade
from cs231n_core.submit import write_zip
from cs231n_core.targets import target_names, teaching_order

KNN_TARGETS = set(target_names("assignment1"))
ORDER = teaching_order("assignment1")  # {target: (notebook, sort key)}
KNN_FILE = os.path.join("cs231n_core", "classifiers", "k_nearest_neighbor.py")


@pytest.fixture(scope="session")  # not "module": xdist interleaves other modules
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "gradescope", "assignment1",
                              "--out", str(out)], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    return str(out)


@pytest.fixture
def gradescope_root(bundle):
    """A fresh /autograder/ look-alike: source/ (the extracted zip), run_autograder,
    submission/, results/. Made outside /tmp, which the worker's sandbox replaces
    wholesale: what it hides here it hides because the bundle asks it to."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    root = tempfile.mkdtemp(prefix="cs231n-gradescope-test-", dir=base)
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = archive.extract(info, os.path.join(root, "source"))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)
    shutil.copy2(os.path.join(root, "source", "run_autograder"), os.path.join(root, "run_autograder"))
    os.makedirs(os.path.join(root, "submission"))
    os.makedirs(os.path.join(root, "results"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def run_autograder(root, **env):
    environment = dict(os.environ, CS231N_AUTOGRADER_ROOT=root, CS231N_PYTHON=sys.executable)
    environment.update(env)
    process = subprocess.run([os.path.join(root, "run_autograder")], cwd=root, env=environment,
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    with open(os.path.join(root, "results", "results.json")) as handle:
        return json.load(handle), process.stdout


def check_contract(data):
    assert isinstance(data["score"], float) and isinstance(data["output"], str)
    assert "Traceback" not in json.dumps(data)
    if not data["tests"]:
        return {}
    by_target = {}
    names = [test["name"].split(": ", 1)[0] for test in data["tests"]]
    assert names == sorted(names, key=lambda target: ORDER[target][1])  # notebook, then cell order
    for test in data["tests"]:
        target = test["name"].split(": ", 1)[0]
        assert target in KNN_TARGETS and test["tags"] == [target, ORDER[target][0]], test
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        score, maximum = by_target.get(target, (0.0, 0.0))
        by_target[target] = (score + test["score"], maximum + test["max_score"])
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(100.0)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"])
    return by_target


def submit_into(root, folder):
    """What Gradescope does with the zip of `cs231n submit`: unpack it into submission/."""
    zip_path = os.path.join(root, "upload.zip")
    write_zip(folder, zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(os.path.join(root, "submission"))
    os.unlink(zip_path)


def test_bundle_holds_executable_scripts_and_the_package(bundle):
    with zipfile.ZipFile(bundle) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        runner = archive.read("run_autograder").decode()
        reference = archive.read("package/" + KNN_FILE.replace(os.sep, "/")).decode()
    for name in ("setup.sh", "run_autograder"):
        mode = infos[name].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, (name, oct(mode))
    for name in ("package/pyproject.toml", "package/README.md", "package/cs231n_core/__init__.py",
                 "package/autograder/trusted/pipeline.py", "package/autograder/sandboxed/worker.py",
                 "package/autograder/graders/pytest.ini",
                 "package/autograder/graders/assignment1/test_knn.py"):
        assert name in infos
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in infos)
    assert "NotImplementedError" not in reference  # the instructor's edition: graders need the reference
    assert setup.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in setup
    assert "bubblewrap" in setup and "python3-venv" in setup and "util-linux" in setup
    assert "torch==%s\" --index-url https://download.pytorch.org/whl/cpu" % torch_version() in setup
    assert " -e " not in setup and "--no-cache-dir" in setup
    assert "-c \"$HERE/constraints.txt\"" in setup and "require_sandbox()" in setup
    assert "--require-sandbox" in runner
    assert "results.json" in runner and runner.rstrip().endswith("exit 0")
    for text in (setup, runner):
        subprocess.run(["bash", "-n"], input=text, text=True, check=True)


def torch_version():
    import torch
    return torch.__version__.split("+")[0]


def test_bundle_carries_only_this_assignments_reference_and_mistakes(bundle):
    """Issue: the bundle carried the solutions of all three assignments and every mistake
    bank. An assignment 1 bundle keeps assignment 1's reference bodies (its graders
    need them) and its mistake bank (its graders' feedback names those mistakes; they
    patch only bodies the bundle holds anyway), strips the reference bodies of later
    assignments, and leaves out the other assignments' graders and mistakes; its
    dependencies are pinned."""
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        layers = archive.read("package/cs231n_core/layers.py").decode()
        svm = archive.read("package/cs231n_core/classifiers/linear_svm.py").decode()
        pins = archive.read("constraints.txt").decode().split()
    mistakes = [n for n in names if "/mistakes/" in n]
    assert "package/autograder/mistakes/assignment1/knn.json" in mistakes
    assert not [n for n in mistakes if "/mistakes/assignment" in n and "/mistakes/assignment1/" not in n], mistakes
    assert not [n for n in names if "/graders/assignment" in n and "/graders/assignment1/" not in n]
    assert "NotImplementedError" not in svm and "def svm_loss_vectorized" in svm
    assert 'raise NotImplementedError("batchnorm_forward' in layers  # assignment 2's target
    assert "torch==" + torch_version() in pins and any(p.startswith("numpy==") for p in pins)


def test_model_submission_scores_100(gradescope_root, model_submission):
    submit_into(gradescope_root, model_submission)
    data, stdout = run_autograder(gradescope_root)
    by_target = check_contract(data)
    assert data["score"] == pytest.approx(100.0), data["output"]
    assert set(by_target) == KNN_TARGETS
    assert all(t["status"] == "passed" for t in data["tests"])
    # graded by the bundle's own sources, not by this checkout
    assert os.path.join(gradescope_root, "source", "package", "autograder") in stdout


def test_a_known_mistake_is_named_in_the_feedback(gradescope_root, model_submission, tmp_path):
    """The bundle carries its assignment's mistake bank, so the feedback names the
    misconception of a submission whose answers are a known mistake's."""
    from autograder.mistakes import apply_mistake, load_bank

    mistake = next(m for m in load_bank("assignment1") if m["id"] == "two_loops_squared")
    folder = tmp_path / "mistaken"
    shutil.copytree(model_submission, folder)
    apply_mistake(folder, mistake)
    submit_into(gradescope_root, str(folder))
    data, _ = run_autograder(gradescope_root)
    check_contract(data)
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and all(t["name"].startswith("compute_distances_two_loops: ") for t in failed)
    assert any(mistake["why"] in t["output"] for t in failed), failed


def test_empty_submission_scores_0_and_says_why(gradescope_root):
    data, _ = run_autograder(gradescope_root)
    check_contract(data)
    assert data["score"] == 0.0 and data["tests"] == []
    assert "no cs231n_core/ folder was found" in data["output"] and "cs231n submit" in data["output"]


@pytest.mark.skipif(not bubblewrap_available(), reason="without bubblewrap the worker can read any file")
def test_hostile_code_cannot_read_the_bundles_graders(gradescope_root, model_submission):
    """Each of three targets reads a secret of the bundle and would pass if it could."""
    folder = os.path.join(gradescope_root, "student")
    shutil.copytree(model_submission, folder)
    package = os.path.join(gradescope_root, "source", "package")
    secrets = {"compute_distances_two_loops": os.path.join(package, "autograder", "graders", "assignment1", "test_knn.py"),
               "compute_distances_one_loop": os.path.join(package, KNN_FILE),
               # outside the package: hidden because the bundle hides its whole root (on
               # Gradescope the graders run from the venv, and source/ is not theirs)
               "compute_distances_no_loops": os.path.join(gradescope_root, "source", "setup.sh")}
    path = os.path.join(folder, KNN_FILE)
    with open(path) as handle:
        text = handle.read()
    for method, secret in secrets.items():
        head = "    def %s(self, X):\n" % method
        assert head in text
        text = text.replace(head, head + "        open(%r).read()\n" % secret)
    with open(path, "w") as handle:
        handle.write(text)
    submit_into(gradescope_root, folder)
    shutil.rmtree(folder)
    data, _ = run_autograder(gradescope_root)
    by_target = check_contract(data)
    for target in secrets:
        assert by_target[target][0] == 0.0, target
        messages = [t["output"] for t in data["tests"] if t["tags"] == [target]]
        assert all("FileNotFoundError" in m or "PermissionError" in m for m in messages), messages
    assert by_target["predict_labels"][0] == by_target["predict_labels"][1] > 0
    assert data["score"] < 100


def test_code_that_kills_its_parent_or_exits_still_gets_results(gradescope_root, model_submission):
    """The worker's parent is the zygote, never the trusted grader: every target fails
    with a reason and run_autograder writes results."""
    folder = os.path.join(gradescope_root, "submission", "hw1")
    shutil.copytree(model_submission, folder)
    with open(os.path.join(folder, "cs231n_core", "__init__.py"), "a") as handle:
        handle.write("\nimport os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos._exit(3)\n")
    data, _ = run_autograder(gradescope_root)
    check_contract(data)
    assert data["score"] == 0.0
    assert len(data["tests"]) > 1 and all("before answering" in t["output"] for t in data["tests"])


def test_without_the_sandbox_grading_is_refused(gradescope_root, model_submission):
    """Issue: without working user namespaces the worker could read everything the
    grader reads, and nothing refused to grade. The bundle requires the sandbox: no
    grading, score 0 with "not a verdict", the reason for the instructor."""
    submit_into(gradescope_root, model_submission)
    data, stdout = run_autograder(gradescope_root, CS231N_NO_BWRAP="1")
    assert data["score"] == 0.0 and data["tests"] == []
    assert "sandbox" in data["output"] and "not a verdict" in data["output"]
    assert data["extra_data"]["reason"] == "sandbox unavailable"
    assert "grading refused" in stdout


def test_a_link_to_the_reference_library_is_refused(gradescope_root, tmp_path):
    link = os.path.join(gradescope_root, "submission", "cs231n_core")
    os.symlink(os.path.join(gradescope_root, "source", "package", "cs231n_core"), link)
    data, _ = run_autograder(gradescope_root)
    check_contract(data)
    assert data["score"] == 0.0
    # the engine itself refuses it too (copying it would hand the worker the reference)
    folder = tmp_path / "linked"
    folder.mkdir()
    os.symlink(os.path.dirname(os.path.abspath(cs231n_core.__file__)), folder / "cs231n_core")
    report = grade(str(folder), "assignment1")
    assert report.score == 0.0
    assert all("symbolic link" in r["message"] for r in report.records)


def test_a_crashed_grader_still_leaves_results(gradescope_root):
    data, stdout = run_autograder(gradescope_root, CS231N_PYTHON="/bin/false")
    assert data["score"] == 0 and data["tests"] == [] and "not a verdict" in data["output"]
    assert "without results" in stdout


def test_locate_finds_the_submission_folder(tmp_path, model_submission):
    upload = tmp_path / "upload"
    shutil.copytree(model_submission, upload / "my_assignment1")
    (upload / "__MACOSX" / "cs231n_core").mkdir(parents=True)
    assert locate_submission(str(upload), str(tmp_path)) == str(upload / "my_assignment1")
    # an upload Gradescope left zipped
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    write_zip(model_submission, str(zipped / "assignment1_submission.zip"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    found = locate_submission(str(zipped), str(scratch))
    assert os.path.isfile(os.path.join(found, KNN_FILE))
    # two candidates: ambiguous, explained
    shutil.copytree(model_submission, upload / "another")
    with pytest.raises(SubmissionRefused, match="several"):
        locate_submission(str(upload), str(tmp_path))


def test_unknown_assignment_is_refused_clearly(tmp_path):
    out = tmp_path / "autograder.zip"
    process = subprocess.run([sys.executable, "-m", "cs231n_core", "gradescope", "assignment9", "--out", str(out)],
                             capture_output=True, text=True)
    assert process.returncode != 0 and "unknown assignment" in process.stderr
    assert not out.exists() and not list(tmp_path.iterdir())
