"""The release: solutions stripped, nothing hidden leaks (nor the instructor's notebook
sources, in a release, an nbgrader release folder or a submission), notebooks stop at
the first unimplemented function with a clear message."""
import os
import re
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder import release as release_module
from autograder.release import NOTEBOOK_SOURCE_SUFFIX, ReleaseError, strip_source
from cs231n_core.targets import ASSIGNMENT_TARGETS

PROJECT = release_module.PROJECT_ROOT
GRADERS = os.path.join(PROJECT, "autograder", "graders")


def all_files(root):
    for folder, _, names in os.walk(root):
        for name in names:
            yield os.path.join(folder, name)


RELEASED_ASSIGNMENTS = sorted(name for name in os.listdir(os.path.join(PROJECT, "assignments"))
                              if name.startswith("assignment"))  # those with notebooks


def reference_solution_lines(assignment):
    """Distinctive lines of every solution block of the targets of `assignment` and of
    every later one (the earlier assignments' targets ship as reference code)."""
    lines = []
    later = [name for name in ASSIGNMENT_TARGETS if name >= assignment]
    for relative in {path for name in later for path in ASSIGNMENT_TARGETS[name]}:
        with open(os.path.join(PROJECT, relative)) as handle:
            text = handle.read()
        # only the blocks of these assignments' targets: a file may hold earlier ones too
        lines += strip_source(text, relative, set(later))[2]
    return release_module.distinctive(lines)


def earlier_solution_lines(assignment):
    """The solution lines of the earlier assignments' targets: a release of `assignment`
    ships them as reference code, so a grader may share a line with them."""
    lines = set()
    earlier = {name for name in ASSIGNMENT_TARGETS if name < assignment}
    for relative in {path for name in earlier for path in ASSIGNMENT_TARGETS[name]}:
        with open(os.path.join(PROJECT, relative)) as handle:
            lines |= set(strip_source(handle.read(), relative, earlier)[2])
    return lines


def hidden_test_lines():
    """Distinctive lines of the hidden graders and of the notebooks' hidden test cells."""
    lines = set()
    for path in all_files(GRADERS):
        if path.endswith(".py"):
            with open(path) as handle:
                lines |= {l.strip() for l in handle if len(l.strip()) >= 24 and not l.strip().startswith("#")}
    for path in all_files(os.path.join(PROJECT, "assignments")):
        if path.endswith(".ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                    lines |= {l.strip() for l in block.splitlines() if l.strip()}
    return release_module.distinctive(lines)  # minus what the public library also says


def notebook_sources(assignment):
    folder = os.path.join(PROJECT, "assignments", assignment)
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(NOTEBOOK_SOURCE_SUFFIX))


def source_only_lines(assignment):
    """Distinctive lines that only the instructor's notebook sources hold: the model
    answers of the written questions and the notebooks' own solution blocks (less any
    line the students' part of the notebooks also says)."""
    import jupytext

    secret, public = set(), []
    for path in notebook_sources(assignment):
        for cell in jupytext.read(path).cells:
            tags = " ".join(cell.metadata.get("tags", []))
            text, shown = cell.source, ""
            if tags.startswith("solution:"):
                before, rest = text.split("### BEGIN SOLUTION", 1)
                text, after = rest.split("### END SOLUTION", 1)
                shown = before + after
            elif not tags.startswith("written:"):
                text, shown = "", text
            secret |= {l.strip() for l in text.splitlines() if len(l.strip()) >= 24}
            public.append(shown)
    public = "\n".join(public)
    return {line for line in secret if line not in public}


def test_release_contains_notebooks_and_library(released):
    names = os.listdir(released)
    assert "cs231n_core" in names
    assert any(n.endswith(".ipynb") for n in names), names
    assert not os.path.exists(os.path.join(released, "autograder"))


@pytest.mark.parametrize("assignment", RELEASED_ASSIGNMENTS)
def test_no_solution_and_no_hidden_test_anywhere_in_release(assignment, release_of):
    released = release_of(assignment)
    # a line the earlier assignments' shipped reference code also holds is no leak (a
    # grader's line may be part of one of theirs: `- inter` of `- intersection`)
    earlier = earlier_solution_lines(assignment)
    solution_lines = reference_solution_lines(assignment) - earlier
    hidden_lines = {line for line in hidden_test_lines() if not any(line in shipped for shipped in earlier)}
    answer_lines = source_only_lines(assignment)
    assert len(solution_lines) >= 6 and len(hidden_lines) >= 20 and len(answer_lines) >= 10  # teeth
    for path in all_files(released):
        assert "__pycache__" not in path and ".ipynb_checkpoints" not in path, path
        assert not path.endswith(NOTEBOOK_SOURCE_SUFFIX), path
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        assert "BEGIN SOLUTION" not in text, path
        assert "BEGIN HIDDEN TESTS" not in text, path
        for line in solution_lines:
            assert line not in text, (path, "reference line")
        for line in hidden_lines:
            assert line not in text, (path, "hidden test line")
        for line in answer_lines:
            assert line not in text, (path, "model answer or notebook solution line")
        if path.endswith(".ipynb"):
            assert "autograder" not in text, path


def test_release_strips_every_assignment1_target(released):
    with open(os.path.join(released, "cs231n_core", "classifiers", "k_nearest_neighbor.py")) as handle:
        text = handle.read()
    for qualname in ASSIGNMENT_TARGETS["assignment1"]["cs231n_core/classifiers/k_nearest_neighbor.py"].values():
        assert 'raise NotImplementedError("%s:' % qualname in text


def test_model_submission_keeps_bodies_without_markers(model_submission):
    with open(os.path.join(model_submission, "cs231n_core", "classifiers", "k_nearest_neighbor.py")) as handle:
        text = handle.read()
    assert "NotImplementedError(\"KNearestNeighbor" not in text
    assert "SOLUTION" not in text
    for path in all_files(model_submission):
        if path.endswith(".ipynb"):
            with open(path) as handle:
                assert "BEGIN HIDDEN TESTS" not in handle.read()


def test_release_refuses_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(ReleaseError, match="not empty"):
        release_module.release("assignment1", str(tmp_path))
    assert (tmp_path / "x").read_text() == "keep me"


def test_release_refuses_unknown_assignment(tmp_path):
    with pytest.raises(ReleaseError, match="unknown assignment"):
        release_module.release("assignment9", str(tmp_path / "out"))


SOURCE = '''class A:
    def f(self):
        # TODO: do it
        # BEGIN SOLUTION
        secret_value = 42
        # END SOLUTION
        return secret_value

def g():
    # BEGIN SOLUTION
    return "other secret"
    # END SOLUTION
'''


def test_strip_source_replaces_block_by_raise(monkeypatch):
    monkeypatch.setitem(ASSIGNMENT_TARGETS, "assignment1", {"m.py": {"f": "A.f"}})
    monkeypatch.setitem(ASSIGNMENT_TARGETS, "assignment2", {"m.py": {"g": "g"}})
    text, stripped, removed = strip_source(SOURCE, "m.py", {"assignment1", "assignment2"})
    assert "= 42" not in text and "other secret" not in text and "SOLUTION" not in text
    assert stripped == ["A.f", "g"]
    assert '        raise NotImplementedError("A.f: write your code in m.py' in text
    compile(text, "m.py", "exec")
    # Releasing assignment 2 only: assignment 1's body ships as reference code.
    text, stripped, _ = strip_source(SOURCE, "m.py", {"assignment2"})
    assert "secret_value = 42" in text and "other secret" not in text and stripped == ["g"]


def test_strip_source_refuses_unregistered_or_unbalanced_blocks(monkeypatch):
    monkeypatch.setitem(ASSIGNMENT_TARGETS, "assignment1", {"m.py": {"f": "A.f"}})
    with pytest.raises(ReleaseError, match="no registered target"):
        strip_source(SOURCE, "m.py", {"assignment1"})
    with pytest.raises(ReleaseError, match="without a matching END"):
        strip_source("def f():\n    # BEGIN SOLUTION\n    pass\n", "m.py", {"assignment1"})


def test_leak_check_catches_a_planted_leak(released, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(released, copy)
    with open(os.path.join(PROJECT, "cs231n_core", "classifiers", "k_nearest_neighbor.py")) as handle:
        reference = handle.read()
    (copy / "notes.py").write_text(reference.replace("# BEGIN SOLUTION\n", "").replace("# END SOLUTION\n", ""))
    removed = [l.strip() for b in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", reference, re.S)
               for l in b.splitlines()]
    with pytest.raises(ReleaseError, match="reference solution line"):
        release_module.check_no_leak(str(copy), removed)


def test_leak_check_refuses_a_notebook_source(released, tmp_path):
    """A notebook source in a release is refused by its name, and by its tagged cells
    under any other name."""
    source = os.path.join(PROJECT, "assignments", "assignment1", "knn" + NOTEBOOK_SOURCE_SUFFIX)
    for name in ("knn" + NOTEBOOK_SOURCE_SUFFIX, "notes.py"):
        copy = tmp_path / name
        shutil.copytree(released, copy)
        release_module.check_no_leak(str(copy), [])  # the release alone is fine
        shutil.copy(source, copy / name)
        with pytest.raises(ReleaseError, match="notebook source"):
            release_module.check_no_leak(str(copy), [])


def _generate_assignment(course):
    bin_dir = os.path.dirname(sys.executable)
    process = subprocess.run([os.path.join(bin_dir, "nbgrader"), "generate_assignment", "assignment1"],
                             cwd=str(course), capture_output=True, text=True, timeout=600,
                             env=dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"]))
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    return sorted(os.listdir(course / "release" / "assignment1"))


def test_nbgrader_release_folder_carries_no_notebook_source(tmp_path):
    """nbgrader's generate_assignment copies every other file of source/<assignment>/
    into release/: a source copied there with its notebook would reach the students.
    Under the nbgrader_config.py that `cs231n nbgrader-config` writes, it does not."""
    from autograder.nbgrader_config import write_config

    released = {}
    for course_name, configured in (("plain", False), ("configured", True)):
        course = tmp_path / course_name
        source = course / "source" / "assignment1"
        source.mkdir(parents=True)
        for name in ("knn.ipynb", "knn" + NOTEBOOK_SOURCE_SUFFIX):
            shutil.copy(os.path.join(PROJECT, "assignments", "assignment1", name), source)
        if configured:
            write_config(str(course))
        released[course_name] = _generate_assignment(course)
    assert released["plain"] == ["knn.ipynb", "knn" + NOTEBOOK_SOURCE_SUFFIX]  # nbgrader's default
    assert released["configured"] == ["knn.ipynb"]


def test_submission_zip_carries_no_notebook_source(tmp_path):
    """`cs231n submit` zips the notebooks and cs231n_core/ only, even from a folder
    where a notebook source lies."""
    from cs231n_core.submit import write_zip

    folder = tmp_path / "assignment1"
    shutil.copytree(os.path.join(PROJECT, "assignments", "assignment1"), folder)
    (folder / "cs231n_core").mkdir()
    (folder / "cs231n_core" / "__init__.py").write_text("")
    assert any(n.endswith(NOTEBOOK_SOURCE_SUFFIX) for n in os.listdir(folder))
    out = str(tmp_path / "submission.zip")
    write_zip(str(folder), out)
    names = zipfile.ZipFile(out).namelist()
    assert "knn.ipynb" in names and "cs231n_core/__init__.py" in names
    assert not any(n.endswith(NOTEBOOK_SOURCE_SUFFIX) for n in names), names


@pytest.mark.parametrize("notebook", ["knn.ipynb"])
def test_release_notebook_stops_at_first_unimplemented_function(released, notebook):
    path = os.path.join(released, notebook)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": released}})
    os.environ["CS231N_SMOKE"] = "1"
    try:
        with pytest.raises(CellExecutionError) as info:
            client.execute()
    finally:
        os.environ.pop("CS231N_SMOKE", None)
    message = str(info.value)
    assert "NotImplementedError" in message
    assert "compute_distances_two_loops" in message and "write your code in" in message
    ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
    assert len(ran) >= 3  # the set-up and data cells ran before it


def test_leak_check_ignores_a_bare_call_opening():
    lines = ["model = nn.Sequential(", "return nn.Sequential(", "scores = X.dot(self.W) + self.b"]
    assert release_module.distinctive(lines) == {"scores = X.dot(self.W) + self.b"}
