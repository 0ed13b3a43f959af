"""The notebooks under assignments/: each runs top to bottom (CS231N_SMOKE=1), is
stored with cleared outputs, carries valid nbgrader metadata, and its autograded cells
are worth what the hidden graders give each target. New notebooks are picked up
automatically."""
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
BUILDERS = sorted(ASSIGNMENTS.glob("build_*_notebook.py"))

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


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda p: p.name)
def test_generated_notebook_is_up_to_date(builder):
    result = subprocess.run([sys.executable, str(builder), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


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
