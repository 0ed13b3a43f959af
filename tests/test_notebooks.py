"""The notebooks under assignments/: each is what its jupytext source builds
(assignments/build_notebooks.py), runs top to bottom (CS231N_SMOKE=1), is stored with
cleared outputs, carries valid nbgrader metadata, and its autograded cells are worth
what the hidden graders give each target. New notebooks are picked up automatically."""
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
NOTEBOOKS = sorted(p for p in ASSIGNMENTS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
ASSIGNMENT_DIRS = sorted({p.parent for p in NOTEBOOKS if p.parent.name.startswith("assignment")})
BUILD = ASSIGNMENTS / "build_notebooks.py"

KNN_RAW_POINTS = {"compute_distances_two_loops": 4, "compute_distances_one_loop": 4,
                  "compute_distances_no_loops": 6, "predict_labels": 6}


def _target_of_grade_id():
    """{grade_id: target}: a dotted target ("LinearClassifier.train") has an nbgrader-safe
    grade_id ("LinearClassifier-train")."""
    from cs231n_core.targets import ASSIGNMENT_TARGETS, grade_cell_id, target_names

    return {grade_cell_id(t): t for a in ASSIGNMENT_TARGETS for t in target_names(a)}


TARGET_OF_GRADE_ID = _target_of_grade_id()


def nb_id(path):
    return str(path.relative_to(ASSIGNMENTS))


def read(path):
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def is_autograded_test(cell):
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def autograded_points(paths):
    """{grade_id: points} of the autograded test cells of some notebooks."""
    points = {}
    for path in paths:
        for cell in read(path).cells:
            if is_autograded_test(cell):
                grade_id = nbgrader_meta(cell)["grade_id"]
                assert grade_id not in points, "grade_id %s appears twice" % grade_id
                points[grade_id] = nbgrader_meta(cell)["points"]
    return points


def test_notebooks_are_found():
    assert ASSIGNMENTS / "assignment1" / "knn.ipynb" in NOTEBOOKS


# ---- stored form --------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_stored_with_cleared_outputs(path):
    nb = read(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], "cell %d of %s has outputs" % (i, path.name)
            assert cell.execution_count is None, "cell %d of %s was run" % (i, path.name)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_nbgrader_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = read(path)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)  # unique grade ids, points on grade cells, ...
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta:
            continue
        # nbgrader metadata only on nbgrader cells, never an empty marker
        assert meta["grade"] or meta["solution"] or meta["locked"], cell.source[:80]
        if is_autograded_test(cell):
            assert meta["locked"], "autograded test %s must be locked" % meta["grade_id"]
            assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
            target = TARGET_OF_GRADE_ID.get(meta["grade_id"], meta["grade_id"])
            assert 'check("%s")' % target in cell.source
        if meta["solution"] and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def _build_module():
    spec = importlib.util.spec_from_file_location("build_notebooks", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_notebooks = _build_module()
SOURCES = build_notebooks.all_sources()


def check(*sources):
    """`build_notebooks.py --check [sources]` in this process: (exit status, printout)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = build_notebooks.main(["--check", *map(str, sources)])
    return status, out.getvalue()


def test_every_notebook_is_what_its_source_builds():
    """CI's drift check: every stored notebook, byte for byte, and no notebook without a
    source."""
    assert len(SOURCES) == len(NOTEBOOKS) == 20
    result = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def knn_copy(tmp_path):
    """A copy of the kNN notebook and its source, laid out as under assignments/."""
    folder = tmp_path / "assignments" / "assignment1"
    folder.mkdir(parents=True)
    shutil.copy(ASSIGNMENTS / "common_setup.ipy", folder.parent)
    for name in ("knn.pct.py", "knn.ipynb"):
        shutil.copy(ASSIGNMENTS / "assignment1" / name, folder)
    return folder


def test_check_fails_on_a_drifted_notebook(knn_copy):
    source, notebook = knn_copy / "knn.pct.py", knn_copy / "knn.ipynb"
    assert check(source)[0] == 0  # the copy builds as the original
    text = notebook.read_text(encoding="utf-8")
    edit = "# Autograded: the hidden graders"
    assert edit in text
    notebook.write_text(text.replace(edit, "# Autograded: hidden graders", 1), encoding="utf-8")
    status, printout = check(source)
    assert status == 1 and str(notebook) in printout, printout
    notebook.unlink()
    status, printout = check(source)
    assert status == 1 and "%s does not exist" % notebook in printout, printout


def test_check_fails_on_a_source_edited_without_building(knn_copy):
    source = knn_copy / "knn.pct.py"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "best_k = int(k_choices", "best_k = int(sorted(k_choices)"), encoding="utf-8")
    status, printout = check(source)
    assert status == 1 and str(knn_copy / "knn.ipynb") in printout, printout
    assert build_notebooks.main([str(source)]) == 0  # the build writes it
    assert "sorted(k_choices)" in (knn_copy / "knn.ipynb").read_text(encoding="utf-8")
    assert check(source)[0] == 0


def test_a_notebook_without_a_source_is_named(tmp_path):
    (tmp_path / "assignment1").mkdir()
    (tmp_path / "assignment1" / "stray.ipynb").write_text("{}")
    assert build_notebooks.orphans(tmp_path) == [tmp_path / "assignment1" / "stray.ipynb"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_jupyterlab_save_leaves_the_source_as_it_is(source):
    """jupytext writes back what it read: opening a source as a notebook in JupyterLab
    and saving it changes nothing (the source is in jupytext's own layout)."""
    import jupytext

    text = source.read_text(encoding="utf-8")
    assert jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent") == text
    compile(text, str(source), "exec")  # plain Python for an editor and a linter


def _source_cells(*cells):
    from nbformat.v4 import new_code_cell, new_markdown_cell

    return [new_markdown_cell(text, metadata={"tags": tags}) if kind == "md"
            else new_code_cell(text, metadata={"tags": tags}) for kind, text, tags in cells]


@pytest.mark.parametrize("cell, error", [
    (("md", "A model answer.", ["writen:inline_question_1"]), "unknown tag 'writen:inline_question_1'"),
    (("md", "A model answer.", ["written"]), "unknown tag 'written'"),
    (("code", "x = 1", ["written:q"]), "belongs on a markdown cell"),
    (("code", "x = 1", ["autograded:compute_distances_two_loops"]), "stays empty"),
    (("code", "", ["autograded:no_such_target"]), "no target 'no_such_target'"),
    (("code", "best_k = 1", ["solution:choose_best_k"]), "BEGIN SOLUTION"),
])
def test_a_wrong_tag_stops_the_build(cell, error):
    """A mistyped tag would leave a model answer in an ordinary cell, which the release
    hands to students: the build refuses it, naming the cell."""
    [source_cell] = _source_cells(cell)
    with pytest.raises(build_notebooks.BuildError, match=error):
        build_notebooks.build_cell(source_cell, "assignment1", ASSIGNMENTS / "assignment1",
                                   "x.pct.py, cell 3")


def test_tags_become_nbgrader_metadata():
    """Each tag becomes the nbgrader metadata the notebooks carry: the model answer
    behind "Your answer:", the solution cell, the locked autograded cell with the
    graders' points."""
    from autograder.trusted.hidden_graders import target_max_points

    written, solution, graded = [
        build_notebooks.build_cell(c, "assignment1", ASSIGNMENTS / "assignment1", "x")
        for c in _source_cells(
            ("md", "A model answer.\n", ["written:q1"]),
            ("code", "### BEGIN SOLUTION\nbest_k = 1\n### END SOLUTION", ["solution:choose_best_k"]),
            ("code", "", ["autograded:LinearClassifier.train"]))]
    assert written.source == "$\\color{blue}{\\textit{Your answer:}}$ A model answer."
    assert written.metadata.nbgrader == {"grade": True, "grade_id": "q1", "locked": False, "points": 2,
                                         "schema_version": 3, "solution": True, "task": False}
    assert solution.metadata.nbgrader == {"grade": False, "grade_id": "choose_best_k", "locked": False,
                                          "schema_version": 3, "solution": True, "task": False}
    points = target_max_points("assignment1")["LinearClassifier.train"]
    assert graded.metadata.nbgrader == {"grade": True, "grade_id": "LinearClassifier-train",
                                        "locked": True, "points": points, "schema_version": 3,
                                        "solution": False, "task": False}
    assert 'check("LinearClassifier.train")' in graded.source
    assert 'grade_target("LinearClassifier.train")' in graded.source


def test_the_common_setup_is_spliced_in():
    """The source's `%run ../common_setup.ipy` becomes the lines of that file."""
    [cell] = _source_cells(("code", "import os\n\n%run ../common_setup.ipy\nprint(1)", []))
    built = build_notebooks.build_cell(cell, "assignment1", ASSIGNMENTS / "assignment1", "x")
    common = (ASSIGNMENTS / "common_setup.ipy").read_text(encoding="utf-8").rstrip("\n")
    assert built.source == "import os\n\n" + common + "\nprint(1)"
    assert 'SMOKE = os.environ.get("CS231N_SMOKE") == "1"' in common


# ---- points -------------------------------------------------------------------------------

def test_knn_points_follow_the_graders_raw_points():
    """kNN's cells weigh 4 : 4 : 6 : 6, like the graders' raw points."""
    points = autograded_points([ASSIGNMENTS / "assignment1" / "knn.ipynb"])
    unit = points["compute_distances_two_loops"] / 4
    assert points == pytest.approx({target: unit * raw for target, raw in KNN_RAW_POINTS.items()})


@pytest.mark.parametrize("folder", ASSIGNMENT_DIRS, ids=lambda p: p.name)
def test_autograded_cells_cover_the_targets(folder):
    """One autograded cell per graded target of the assignment, 100 points in all."""
    from cs231n_core.targets import grade_cell_id, target_names

    notebooks = [p for p in NOTEBOOKS if p.parent == folder]
    points = autograded_points(notebooks)
    assert sorted(points) == sorted(grade_cell_id(t) for t in target_names(folder.name))
    assert sum(points.values()) == pytest.approx(100)


@pytest.mark.parametrize("folder", ASSIGNMENT_DIRS, ids=lambda p: p.name)
def test_teaching_order_agrees_with_the_autograded_cells(folder):
    """cs231n_core.targets.NOTEBOOK_TARGETS, the order in which reports list grades, names
    every notebook of the assignment and, for each, the targets of its autograded cells
    in cell order."""
    from cs231n_core.targets import NOTEBOOK_TARGETS

    cells = {p.name: [TARGET_OF_GRADE_ID[nbgrader_meta(c)["grade_id"]] for c in read(p).cells
                      if is_autograded_test(c)]
             for p in NOTEBOOKS if p.parent == folder}
    assert NOTEBOOK_TARGETS[folder.name] == {name: cells[name] for name in NOTEBOOK_TARGETS[folder.name]}
    assert sorted(NOTEBOOK_TARGETS[folder.name]) == sorted(cells)


@pytest.mark.parametrize("folder", ASSIGNMENT_DIRS, ids=lambda p: p.name)
def test_teaching_order_is_the_readmes(folder):
    """The README presents each assignment's notebooks in the order the reports use."""
    from cs231n_core.targets import notebooks

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("Assignment %s" % folder.name[-1])
    positions = [readme.index("`%s`" % name, start) for name in notebooks(folder.name)]
    assert positions == sorted(positions), notebooks(folder.name)


@pytest.mark.parametrize("folder", ASSIGNMENT_DIRS, ids=lambda p: p.name)
def test_written_answers_are_graded_by_hand_with_points(folder):
    """Every inline question is a manually graded answer cell with points, on top of the
    autograded 100, and holds a model answer in the instructor's edition."""
    written = [c for p in NOTEBOOKS if p.parent == folder for c in read(p).cells
               if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
    questions = sum(c.source.count("Inline Question") for p in NOTEBOOKS if p.parent == folder
                    for c in read(p).cells if c.cell_type == "markdown")
    assert len(written) >= questions
    for cell in written:
        assert cell.cell_type == "markdown" and nbgrader_meta(cell)["points"] > 0
        answer = cell.source.split("$", 2)[-1].strip()
        assert len(answer) > 20 and "YOUR ANSWER HERE" not in answer, cell.source[:80]


@pytest.mark.parametrize("folder", ASSIGNMENT_DIRS, ids=lambda p: p.name)
def test_points_match_the_hidden_graders(folder):
    """The hidden graders' maximum per target (scaled to 100) is the cell's points."""
    from autograder.trusted.hidden_graders import target_max_points
    from cs231n_core.targets import grade_cell_id

    maxima = {grade_cell_id(target): maximum
              for target, maximum in target_max_points(folder.name).items()}
    points = autograded_points([p for p in NOTEBOOKS if p.parent == folder])
    assert maxima.keys() == points.keys()
    for target, maximum in maxima.items():
        assert maximum == pytest.approx(points[target]), target


# ---- running ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=nb_id)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    """Execute a copy of the notebook's folder with cs231n_core/ beside the notebook."""
    from nbclient import NotebookClient

    work = tmp_path / path.parent.name
    shutil.copytree(path.parent, work, ignore=shutil.ignore_patterns(
        ".ipynb_checkpoints", "__pycache__"))
    shutil.rmtree(work / "cs231n_core", ignore_errors=True)
    shutil.copytree(ROOT / "cs231n_core", work / "cs231n_core",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("CS231N_SMOKE", "1")
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "no-downloads"))  # embedded data only
    monkeypatch.setenv("MPLBACKEND", "agg")

    nb = read(work / path.name)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(work)}})
    client.execute()

    errors = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                errors.append("cell %d (%s): %s: %s\n%s" % (
                    i, cell.get("id"), output.ename, output.evalue, cell.source[:300]))
            # nbgrader gives 0 points to an autograded cell that writes to stderr
            elif (is_autograded_test(cell) and output.output_type == "stream"
                  and output.name == "stderr"):
                errors.append("autograded cell %d wrote to stderr: %s" % (i, output.text[:300]))
        if is_autograded_test(cell):
            # the hidden part's result is the cell's points under nbgrader: all of them here
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            points = nbgrader_meta(cell)["points"]
            earned = float(results[-1]["data"]["text/plain"]) if results else None
            if earned is None or abs(earned - points) > 1e-6:
                errors.append("autograded cell %d (%s) earned %s of %s points"
                              % (i, nbgrader_meta(cell)["grade_id"], earned, points))
    assert not errors, "\n\n".join(errors)
    assert all(cell.execution_count is not None for cell in nb.cells if cell.cell_type == "code")
