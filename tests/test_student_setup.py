"""A student's first week, from the release alone: a fresh venv built only from the
release's own requirements.txt, every notebook of the assignment run top to bottom in
it (smoke mode, by nbconvert's executor, as Jupyter runs it), then the hand-in with
the command the notebooks name; and the student's JupyterLab in a real browser
(Debian's Chromium driven by Playwright).

The release is the students' edition; "the work" is the model submission's library
and notebooks copied over it, as a student who finished would have them. The one
concession to this offline machine: pip does not retry PyTorch's CPU wheel index,
which it cannot reach here (the CPU wheel comes from the machine's local files).
"""
import fcntl
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile

import nbformat
import pytest

from autograder.release import release

pytestmark = pytest.mark.xdist_group("student_setup")

ASSIGNMENT = "assignment1"
INSTRUCTOR_TOOLS = ("nbgrader", "pytest", "autograder", "cs231n-course", "jupytext")
CHROMIUM = "/usr/bin/chromium"  # Debian's (make browser); no browser is downloaded
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


@pytest.fixture(scope="session")
def student(tmp_path_factory, release_of):
    """The release set up as its README says, in a fresh venv, with the work done:
    (assignment folder, venv, environment of the student's shell). Built once per test
    run, whichever xdist worker asks first (a file lock orders them)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    root = root / "student"
    root.mkdir(exist_ok=True)
    folder, venv = root / ASSIGNMENT, root / "venv"
    env = student_env(venv)
    with open(root / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "built").exists():
            release(ASSIGNMENT, str(folder))
            run([sys.executable, "-m", "venv", str(venv)], root, env)
            run([str(venv / "bin" / "pip"), "install", "--quiet", "-r", "requirements.txt"], folder, env)
            # the work: the model's library and notebooks over the release
            model = release_of(ASSIGNMENT, solutions=True)
            shutil.rmtree(folder / "cs231n_core")
            shutil.copytree(os.path.join(model, "cs231n_core"), folder / "cs231n_core")
            for name in os.listdir(model):
                if name.endswith(".ipynb"):
                    shutil.copy(os.path.join(model, name), folder / name)
            (root / "built").write_text("")
    return folder, venv, env


def test_the_release_carries_its_own_small_setup(tmp_path):
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


def test_the_fresh_venv_has_cpu_torch_and_no_instructor_tools(student):
    folder, venv, env = student
    installed = run([str(venv / "bin" / "pip"), "list", "--format=freeze"], folder, env).stdout.lower()
    assert "torch==2.13.0+cpu" in installed  # the CPU build, not PyPI's CUDA one
    assert not any(line.split("==")[0] in INSTRUCTOR_TOOLS for line in installed.splitlines())
    no_autograder = subprocess.run([str(venv / "bin" / "python"), "-c", "import autograder"],
                                   cwd=str(folder.parent), env=env, capture_output=True, text=True)
    assert no_autograder.returncode != 0 and "No module named 'autograder'" in no_autograder.stderr


def test_every_notebook_runs_in_the_students_kernel_and_the_hand_in_works(student):
    folder, venv, env = student
    notebooks = sorted(n for n in os.listdir(folder) if n.endswith(".ipynb"))
    assert len(notebooks) == 5
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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tracebacks(page):
    """The error outputs of the notebook in view (JupyterLab renders them as stderr)."""
    stderr = page.locator(".jp-NotebookPanel:visible [data-mime-type='application/vnd.jupyter.stderr']")
    return [text for text in stderr.all_inner_texts() if "Traceback" in text]


def run_all_cells(page, base, token, root, path, timeout_s=300):
    """Open the notebook at `path` (under the server's `root`) in JupyterLab, Run > Run
    All Cells, wait until each of its non-empty code cells has run; returns the
    notebook's element."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    code_cells = sum(1 for cell in nbformat.read(str(path), as_version=4).cells
                     if cell.cell_type == "code" and cell.source.strip())
    page.goto("%s/lab/tree/%s?token=%s" % (base, path.relative_to(root).as_posix(), token))
    panel = ".jp-NotebookPanel:visible "
    page.locator(panel + ".jp-Notebook").wait_for(timeout=120_000)
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    try:  # a fresh JupyterLab may ask which kernel to start: the notebook's own
        select.wait_for(timeout=10_000)
        select.click()
    except PlaywrightTimeout:
        pass
    page.locator(panel + ".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompts = [p.strip() for p in page.locator(panel + ".jp-CodeCell .jp-InputPrompt").all_inner_texts()]
        if sum(bool(re.fullmatch(r"\[\d+\]:", p)) for p in prompts) >= code_cells and "[*]:" not in prompts:
            return page.locator(panel + ".jp-Notebook")
        errors = tracebacks(page)
        if errors and "[*]:" not in prompts:  # Run All stops at an error
            raise AssertionError("%s stopped at an error: %s" % (path.name, errors[0][-2000:]))
        time.sleep(1)
    raise AssertionError("%s did not finish within %d s: prompts %s" % (path.name, timeout_s, prompts[:30]))


def test_jupyterlab_in_a_browser_runs_a_notebook_and_draws_progress_bars(student):
    """The student's JupyterLab, in Chromium: kNN's notebook runs top to bottom with its
    public checks passing, and tqdm draws a widget bar (ipywidgets), not a warning."""
    from playwright.sync_api import sync_playwright

    folder, venv, env = student
    scratch = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    scratch.cells = [nbformat.v4.new_code_cell(
        "from tqdm.auto import tqdm\nfor _ in tqdm(range(3), desc='progress check'):\n    pass")]
    # in a folder of its own: the assignment's notebooks stay the release's five
    (folder / "scratch").mkdir(exist_ok=True)
    nbformat.write(scratch, str(folder / "scratch" / "progress_check.ipynb"))
    port, token = free_port(), secrets.token_hex(16)
    log = open(folder.parent / "jupyterlab.log", "wb")
    home = folder.parent / "home"  # JupyterLab's settings and workspaces: a fresh user's,
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    # but with every cell in the page (JupyterLab leaves cells out of view unrendered)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    # and no autosave: another test executes the same notebooks on disk meanwhile
    docmanager = settings.parent / "docmanager-extension"
    docmanager.mkdir(exist_ok=True)
    (docmanager / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    server = subprocess.Popen(
        [str(venv / "bin" / "jupyter"), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         "--port=%d" % port, "--ServerApp.token=" + token, "--ServerApp.root_dir=" + str(folder)],
        cwd=str(folder), env=dict(env, CS231N_SMOKE="1", HOME=str(home)), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen("%s/api/status?token=%s" % (base, token), timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            notebook = run_all_cells(page, base, token, folder, folder / "knn.ipynb")
            text = notebook.inner_text()
            assert "[ok]" in text and "[FAIL]" not in text
            assert tracebacks(page) == []
            notebook = run_all_cells(page, base, token, folder, folder / "scratch" / "progress_check.ipynb", 120)
            page.locator(".jp-NotebookPanel:visible .jupyter-widgets").first.wait_for(timeout=30_000)
            assert "IProgress not found" not in notebook.inner_text()
            assert "progress check" in notebook.inner_text()
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
