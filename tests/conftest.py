"""Shared fixtures: the students' release and the model submission of assignment 1,
built once per test session (and once per xdist worker)."""
import os
import shutil

import pytest

from autograder.release import release


@pytest.fixture(scope="session")
def released(tmp_path_factory):
    """The students' release of assignment 1 (targets stripped)."""
    out = str(tmp_path_factory.mktemp("release") / "assignment1")
    release("assignment1", out)
    return out


@pytest.fixture(scope="session")
def model_submission(tmp_path_factory):
    """The model submission of assignment 1 (cs231n release --solutions)."""
    out = str(tmp_path_factory.mktemp("model") / "assignment1")
    release("assignment1", out, solutions=True)
    return out


@pytest.fixture
def model_copy(model_submission, tmp_path):
    """A private copy of the model submission that a test may edit."""
    out = str(tmp_path / "submission")
    shutil.copytree(model_submission, out)
    return out


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
