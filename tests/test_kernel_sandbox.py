"""The sandboxed Jupyter kernel that `nbgrader autograde` runs notebooks in
(autograder/trusted/kernel.py), driven by nbclient as nbgrader drives it: the kernel
imports its folder's code and writes where a notebook writes, but sees nothing of the
host beyond the Python runtime, has no network, is unprivileged, can be interrupted,
and leaves nothing behind."""
import os
import stat
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.trusted import isolation as sandbox
from autograder.trusted.kernel import SandboxedKernelManager, copy_folder
from autograder.trusted.intake import SubmissionRefused


def run_cells(folder, sources, timeout=60):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    client = NotebookClient(notebook, timeout=timeout, kernel_manager_class=SandboxedKernelManager,
                            allow_errors=True, interrupt_on_timeout=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return ["".join(o.get("text", "") or "%s: %s" % (o.get("ename"), o.get("evalue"))
                    for o in cell.outputs) for cell in notebook.cells]


@pytest.fixture
def scratch(tmp_path_factory, monkeypatch):
    """The folder where kernels keep their scratch folders, private to the test (not
    inside the course: its socket folder's parents appear, empty, in the sandbox)."""
    folder = tmp_path_factory.mktemp("kernel-scratch")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def course(tmp_path, scratch):
    folder = tmp_path / "autograded" / "eve" / "assignment1"
    folder.mkdir(parents=True)
    (folder / "helper.py").write_text("ANSWER = 42\n")
    (folder / "private.txt").write_text("eve's own file")
    os.chmod(folder / "private.txt", 0o600)  # as handed in: readable by its owner only
    other = tmp_path / "submitted" / "ada" / "assignment1"
    other.mkdir(parents=True)
    (other / "solution.py").write_text("ADA'S WORK\n")
    return tmp_path, folder, other


def test_the_kernel_runs_its_folder_and_reaches_nothing_else(course, scratch):
    assert sandbox.bubblewrap_available(), sandbox.sandbox_problem()
    root, folder, other = course
    outputs = run_cells(folder, [
        "import os, helper; print(helper.ANSWER, open('private.txt').read(), os.getuid())",
        "print(os.path.exists(%r), os.path.exists(%r))" % (str(other), str(root)),
        "try:\n    open(%r, 'a').write('x')\nexcept OSError as e:\n    print('refused', type(e).__name__)"
        % str(other / "solution.py"),
        "import autograder",
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
        "except OSError as e:\n    print('no network', type(e).__name__)",
        "os.makedirs('checkpoints'); open('checkpoints/model.pt', 'w').write('w'); print(sorted(os.listdir('.')))",
        "print(open('/etc/shadow').read() if os.path.exists('/etc/shadow') else 'no shadow')",
    ])
    assert outputs[0].split() == ["42", "eve's", "own", "file", str(sandbox.SANDBOX_UID)]
    assert outputs[1].strip() == "False False"
    assert outputs[2].startswith("refused")
    assert "ModuleNotFoundError" in outputs[3]
    assert outputs[4].startswith("no network")
    assert outputs[5].strip() == "['checkpoints', 'helper.py', 'private.txt']"
    assert outputs[6].strip() == "no shadow"
    # nothing the kernel wrote outlives it, the student's files are as they were
    assert sorted(os.listdir(folder)) == ["helper.py", "private.txt"]
    assert stat.S_IMODE(os.stat(folder / "private.txt").st_mode) == 0o600
    assert (other / "solution.py").read_text() == "ADA'S WORK\n"
    assert os.listdir(scratch) == []


def test_a_cell_past_the_time_limit_is_interrupted_and_the_next_runs(course):
    _, folder, _ = course
    outputs = run_cells(folder, ["import time; time.sleep(60)", "print('next')"], timeout=5)
    assert "KeyboardInterrupt" in outputs[0] or "CellTimeoutError" in outputs[0]
    assert outputs[1].strip() == "next"


def test_a_folder_past_the_limits_is_refused_and_links_are_dropped(tmp_path, monkeypatch):
    source = tmp_path / "nb"
    source.mkdir()
    (source / "a.py").write_text("x")
    os.symlink("/etc/hostname", source / "link.txt")
    copy_folder(str(source), str(tmp_path / "copy"))
    assert sorted(os.listdir(tmp_path / "copy")) == ["a.py"]
    monkeypatch.setattr("autograder.trusted.intake.MAX_ZIP_MEMBERS", 5)
    for i in range(6):
        (source / ("f%d" % i)).write_text("")
    with pytest.raises(SubmissionRefused, match="more than 5 files"):
        copy_folder(str(source), str(tmp_path / "copy2"))
