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
