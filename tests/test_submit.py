"""`cs231n submit`: public checks, run-order warnings, a zip that the graders accept,
one HTML page of the notebooks with their outputs."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from autograder.trusted.pipeline import grade
from cs231n_core.submit import notebook_warnings


def run_submit(folder, *extra):
    return subprocess.run([sys.executable, "-m", "cs231n_core", "submit", "assignment1", *extra],
                          cwd=folder, capture_output=True, text=True, timeout=300)


def test_submit_writes_a_zip_that_grades_like_the_folder(model_copy, tmp_path):
    process = run_submit(model_copy)
    assert process.returncode == 0, process.stderr
    assert "[ok]" in process.stdout and "[FAIL]" not in process.stdout
    assert "were never run" in process.stdout  # the model's notebooks were not executed
    archive = os.path.join(model_copy, "assignment1_submission.zip")
    with zipfile.ZipFile(archive) as handle:
        names = handle.namelist()
    assert "knn.ipynb" in names and "cs231n_core/classifiers/k_nearest_neighbor.py" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(archive).extractall(unpacked)
    assert grade(str(unpacked), "assignment1", seed=2).score == pytest.approx(100.0)


def test_submit_reports_failing_checks_of_the_release(released, tmp_path):
    out = tmp_path / "hand_in.zip"
    process = run_submit(released, "--out", str(out))
    assert process.returncode == 0 and out.exists()
    assert "not implemented yet" in process.stdout
    assert "hidden graders will take points" in process.stdout


def test_submit_refuses_a_folder_without_the_library(tmp_path):
    process = run_submit(str(tmp_path))
    assert process.returncode != 0 and "no cs231n_core/" in process.stderr


def _notebook(path, counts):
    cells = [{"cell_type": "code", "source": "x = %d" % i, "execution_count": c, "outputs": [], "metadata": {}}
             for i, c in enumerate(counts)]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return str(path)


def test_notebook_run_order_warnings(tmp_path):
    assert notebook_warnings(_notebook(tmp_path / "a.ipynb", [1, 2, 3])) == []
    assert "never run" in notebook_warnings(_notebook(tmp_path / "b.ipynb", [1, None, 3]))[0]
    assert "top to bottom" in notebook_warnings(_notebook(tmp_path / "c.ipynb", [3, 1, 2]))[0]
    assert "top to bottom" in notebook_warnings(_notebook(tmp_path / "d.ipynb", [5, 6, 7]))[0]


def test_submit_writes_one_html_page_of_every_notebook_with_its_outputs(model_copy):
    """The written part, for courses that grade it apart (as a PDF printed from it)."""
    import nbformat

    knn = os.path.join(model_copy, "knn.ipynb")
    notebook = nbformat.read(knn, as_version=4)
    first = next(cell for cell in notebook.cells if cell.cell_type == "code")
    first.outputs = [nbformat.v4.new_output("stream", name="stdout", text="distance matrix ready: 4242\n")]
    nbformat.write(notebook, knn)
    process = run_submit(model_copy)
    assert process.returncode == 0, process.stderr
    page = os.path.join(model_copy, "assignment1_notebooks.html")
    assert "assignment1_notebooks.html" in process.stdout
    with open(page, encoding="utf-8") as handle:
        text = handle.read()
    notebooks = sorted(n for n in os.listdir(model_copy) if n.endswith(".ipynb"))
    assert len(notebooks) == 5
    for name in notebooks:  # each notebook under its own heading, in one page
        assert ">%s<" % name in text or ">%s<a" % name in text, name
    assert "distance matrix ready: 4242" in text  # outputs are kept
    positions = [text.index(">%s<" % name) for name in ("knn.ipynb", "svm.ipynb", "softmax.ipynb",
                                                       "two_layer_net.ipynb", "features.ipynb")]
    assert positions == sorted(positions)  # in the order the assignment teaches them
    with zipfile.ZipFile(os.path.join(model_copy, "assignment1_submission.zip")) as handle:
        assert not any(n.endswith(".html") for n in handle.namelist())
