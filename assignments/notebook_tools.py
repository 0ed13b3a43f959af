"""Shared pieces of the notebook generators (assignments/build_*_notebook.py).

Each notebook is generated so that it stays reviewable (every cell is a Python string
in its generator) and re-buildable; edit the generator, not the notebook, then run

    python assignments/build_knn_notebook.py          # writes the notebook
    python assignments/build_knn_notebook.py --check  # exit 1 if the stored one differs

Notebooks are written with cleared outputs. nbgrader metadata goes only on nbgrader
cells: solution cells, inline-question answer cells (graded by hand in formgrader,
WRITTEN_POINTS each, on top of the autograded 100; the instructor's edition holds a
model answer, which nbgrader's release replaces by "YOUR ANSWER HERE") and one
autograded test cell per graded target, worth what the hidden graders give that
target, so that the autograded cells of an assignment add up to 100.
"""
import argparse
import functools
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(source):
    return new_markdown_cell(source.strip("\n"))


def code(source):
    return new_code_cell(source.strip("\n"))


SETUP_TEMPLATE = """
# Setup cell.
{imports}

# Show matplotlib figures inside the notebook rather than in a new window.
%matplotlib inline
plt.rcParams["figure.figsize"] = (10.0, 8.0)  # default size of plots
plt.rcParams["image.interpolation"] = "nearest"
plt.rcParams["image.cmap"] = "gray"

# Reload edited Python modules automatically, so that your changes to cs231n_core
# take effect without restarting the kernel.
%load_ext autoreload
%autoreload 2

# CS231N_SMOKE=1 runs the whole notebook quickly on small data (used by the tests).
SMOKE = os.environ.get("CS231N_SMOKE") == "1"
print("Using cs231n_core from", os.path.dirname(cs231n_core.__file__)){after}
if SMOKE:
    print("SMOKE mode: small data, quick run")
"""

REL_ERROR = """

def rel_error(x, y):
    \"\"\"The largest relative error between x and y (arrays of one shape).\"\"\"
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))
"""


def setup_cell(imports, rel_error=False, after="", extra=""):
    """Every notebook's first code cell: `imports` (which must import os, numpy as np,
    matplotlib.pyplot as plt and cs231n_core), plotting defaults, autoreload, the SMOKE
    flag, then `after` (more lines to print), `rel_error` if asked, and `extra` code."""
    source = SETUP_TEMPLATE.format(imports=imports.strip("\n"),
                                   after=("\n" + after.strip("\n")) if after.strip() else "")
    if rel_error:
        source += REL_ERROR
    if extra.strip():
        source += "\n\n" + extra.strip("\n") + "\n"
    return code(source)


def nbgrader(cell, grade_id, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def public_check(target):
    return code('check("%s")' % target)


@functools.lru_cache(maxsize=None)
def target_points(assignment):
    """{target: points} from the hidden graders' markers."""
    sys.path.insert(0, str(HERE.parent))
    from autograder.trusted.hidden_graders import target_max_points
    return target_max_points(assignment)


WRITTEN_POINTS = 2  # each inline question, graded by hand


def autograded_test(target, assignment="assignment1"):
    """The locked cell whose hidden part runs the graders of `target`.

    The public check prints its verdict without raising (an error would make nbgrader
    give the cell 0); the hidden part's result, the points the hidden graders gave,
    is what nbgrader records as the cell's (partial) credit."""
    from cs231n_core.targets import grade_cell_id

    source = (
        "# Autograded: the hidden graders of this target run when your instructor grades.\n"
        'check("{t}")\n'
        "### BEGIN HIDDEN TESTS\n"
        "from autograder.notebook import grade_target\n"
        'grade_target("{t}")\n'
        "### END HIDDEN TESTS"
    ).format(t=target)
    return nbgrader(code(source), grade_cell_id(target), grade=True, locked=True,
                    points=target_points(assignment)[target])


def inline_answer(name, model_answer, points=WRITTEN_POINTS):
    """A manually graded answer cell; nbgrader's release replaces the model answer by
    "YOUR ANSWER HERE"."""
    cell = md("$\\color{blue}{\\textit{Your answer:}}$ " + model_answer.strip())
    return nbgrader(cell, name, grade=True, solution=True, points=points)


def build(cells, prefix):
    """The notebook, as a NotebookNode, with cleared outputs and deterministic ids."""
    nb = new_notebook(cells=[c.copy() for c in cells])
    for i, cell in enumerate(nb.cells):
        cell["id"] = "%s-%02d" % (prefix, i)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(nb)  # unique grade ids, points on grade cells, ...
    return nb


def render(nb):
    return nbformat.writes(nb) + "\n"


def main(cells, out, prefix, description, argv=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true",
                        help="only compare with the stored notebook; exit 1 if it differs")
    parser.add_argument("--out", type=Path, default=out, help="where to write the notebook")
    args = parser.parse_args(argv)
    text = render(build(cells, prefix))
    if args.check:
        stored = args.out.read_text(encoding="utf-8") if args.out.exists() else None
        if stored != text:
            print("%s is out of date; run python %s" % (args.out, Path(sys.argv[0]).name))
            return 1
        print("%s is up to date" % args.out)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("wrote %s (%d cells)" % (args.out, len(cells)))
    return 0
