"""Shared fixtures: releases and model submissions of each assignment, built once per
test session (and once per xdist worker), and the model submission's grade report,
computed once per test run and shared by every xdist worker."""
import dataclasses
import fcntl
import json
import os
import shutil

import pytest

from autograder.trusted.grade_report import GradeReport
from autograder.trusted.hidden_graders import assignments
from autograder.trusted.pipeline import grade
from autograder.release import release

MODEL_SEED = 7


@pytest.fixture(scope="session")
def release_of(tmp_path_factory):
    """release_of(assignment, solutions=False): the students' release (targets stripped)
    or, with solutions, the model submission; built once per worker and cached."""
    built = {}

    def build(assignment, solutions=False):
        key = (assignment, solutions)
        if key not in built:
            kind = "model" if solutions else "release"
            out = str(tmp_path_factory.mktemp("%s-%s" % (kind, assignment)) / assignment)
            release(assignment, out, solutions=solutions)
            built[key] = out
        return built[key]
    return build


@pytest.fixture(scope="session")
def released(release_of):
    """The students' release of assignment 1 (targets stripped)."""
    return release_of("assignment1")


@pytest.fixture(scope="session")
def model_submission(release_of):
    """The model submission of assignment 1 (cs231n release --solutions)."""
    return release_of("assignment1", solutions=True)


@pytest.fixture
def model_copy(model_submission, tmp_path):
    """A private copy of the model submission that a test may edit."""
    out = str(tmp_path / "submission")
    shutil.copytree(model_submission, out)
    return out


def once_per_run(tmp_path_factory, name, produce):
    """produce()'s JSON-able value, computed by the first xdist worker that asks and read
    back by the others (a file lock orders them), so that costly set-up runs once."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    path = root / (name + ".json")
    with open(root / (name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text())
        value = produce()
        path.write_text(json.dumps(value))
        return value


@pytest.fixture(scope="session")
def model_report_of(release_of, tmp_path_factory):
    """model_report_of(assignment): the GradeReport of the model submission (seed 7),
    graded once per test run; the submission is checked to be left unchanged."""
    cache = {}

    def report(assignment):
        if assignment not in cache:
            def produce():
                submission = release_of(assignment, solutions=True)
                before = tree_digest(submission)
                graded = grade(submission, assignment, seed=MODEL_SEED)
                assert tree_digest(submission) == before, "grading changed the submission"
                return dataclasses.asdict(graded)
            cache[assignment] = GradeReport(**once_per_run(
                tmp_path_factory, "model-report-" + assignment, produce))
        return cache[assignment]
    return report


GRADED_ASSIGNMENTS = assignments()  # those with hidden graders


def tree_digest(root):
    """{relative path: bytes} of every file under root (to prove nothing changed)."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, root)] = handle.read()
    return files


# --- gpu-marked tests: deselected (not skipped) where no CUDA device is present ---------

def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if not gpu_items:
        return
    import torch  # only when some collected test needs a GPU

    if torch.cuda.is_available():
        return
    config.hook.pytest_deselected(items=gpu_items)
    items[:] = [item for item in items if not item.get_closest_marker("gpu")]
    config._cs231n_gpu_deselected = len(gpu_items)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    count = getattr(config, "_cs231n_gpu_deselected", 0)
    if count:
        terminalreporter.write_line("note: %d gpu-marked test(s) deselected: no CUDA device here "
                                    "(run them on a GPU machine)" % count)


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)  # an xdist worker
    if workeroutput is not None:
        workeroutput["cs231n_gpu_deselected"] = getattr(session.config, "_cs231n_gpu_deselected", 0)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist's controller collects nothing itself: it learns the count from its workers."""
    count = getattr(node, "workeroutput", {}).get("cs231n_gpu_deselected", 0)
    config = node.config
    config._cs231n_gpu_deselected = max(getattr(config, "_cs231n_gpu_deselected", 0), count)
