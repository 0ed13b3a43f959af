"""Build the assignments' notebooks from their sources.

Each notebook is built from the jupytext percent file beside it, which holds its cells
as real code (and markdown in `# %% [markdown]` cells) and the instructor's solutions:
assignments/assignment1/knn.ipynb from assignments/assignment1/knn.pct.py. Open the
source in JupyterLab (jupytext installed: right-click > Open With > Jupytext Notebook) or
in any editor, edit it, then build:

    python assignments/build_notebooks.py           # write every notebook from its source
    python assignments/build_notebooks.py --check   # exit 1 naming each notebook that differs
    python assignments/build_notebooks.py assignments/assignment1/knn.pct.py   # just these

The notebooks are stored exactly as built (outputs cleared, cell ids "<prefix>-00",
"<prefix>-01"... from the source header's cs231n.cell_id_prefix), and the tests run
--check, so a notebook edited by hand, or a source edited without building, fails CI.

The build adds three things to the source, and nothing else:

1. The line `%run ../common_setup.ipy` of a set-up cell (the .py file shows it as the
   comment `# %run ...`; JupyterLab runs it, so a source runs as it stands) becomes the
   lines of assignments/common_setup.ipy: plotting defaults, autoreload and the SMOKE
   flag, the same in every notebook that has it.
2. Cell tags name nbgrader's cells, and become nbgrader's metadata:
   - `solution:<grade_id>`: a code cell with `### BEGIN SOLUTION` ... `### END SOLUTION`,
     which nbgrader's release replaces by a stub;
   - `written:<grade_id>`: a markdown cell holding the model answer to an inline
     question; it becomes "Your answer: <model answer>", graded by hand (WRITTEN_POINTS,
     on top of the autograded 100), and the release replaces the answer by
     "YOUR ANSWER HERE";
   - `autograded:<target>`: an empty code cell, which becomes the locked cell whose
     hidden tests run the target's hidden graders, worth the points those graders give
     the target (so that the autograded cells of an assignment add up to 100).
   Any other tag is an error: a mistyped tag would leave a model answer in an ordinary
   cell, which the release would hand to the students.
3. The notebook's metadata (kernelspec, language_info). Other cell metadata of the
   source (what JupyterLab records about collapsed cells...) is not carried.

The sources stay on the instructor's side: `cs231n release` takes only the notebooks,
and refuses to finish if a source (SOURCE_SUFFIX) is in its output; the nbgrader_config.py
that `cs231n nbgrader-config` writes has nbgrader ignore them in source/<assignment>/.
"""
import argparse
import copy
import functools
import sys
from pathlib import Path

import jupytext
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from autograder.release import NOTEBOOK_SOURCE_SUFFIX as SOURCE_SUFFIX  # noqa: E402

COMMON_SETUP = "%run ../common_setup.ipy"
WRITTEN_POINTS = 2  # each inline question, graded by hand
ANSWER_PREFIX = "$\\color{blue}{\\textit{Your answer:}}$ "
AUTOGRADED_SOURCE = (
    "# Autograded: the hidden graders of this target run when your instructor grades.\n"
    'check("{target}")\n'
    "### BEGIN HIDDEN TESTS\n"
    "from autograder.notebook import grade_target\n"
    'grade_target("{target}")\n'
    "### END HIDDEN TESTS")
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


class BuildError(Exception):
    """A source that cannot be built, with the file and cell to fix."""


def all_sources():
    return sorted(HERE.glob("assignment*/*" + SOURCE_SUFFIX))


def notebook_of(source):
    return source.with_name(source.name[:-len(SOURCE_SUFFIX)] + ".ipynb")


@functools.lru_cache(maxsize=None)
def target_points(assignment):
    """{target: points} from the hidden graders' markers."""
    from autograder.trusted.hidden_graders import target_max_points
    return target_max_points(assignment)


def nbgrader(cell, grade_id, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def with_common_setup(code, folder):
    """The cell's code with the line COMMON_SETUP replaced by common_setup.ipy's lines."""
    if COMMON_SETUP not in code.splitlines():
        return code
    common = (folder / COMMON_SETUP.split()[-1]).read_text(encoding="utf-8").rstrip("\n")
    return "\n".join(common if line == COMMON_SETUP else line for line in code.splitlines())


def build_cell(cell, assignment, folder, where):
    """The notebook cell of one source cell."""
    tags = list(cell.metadata.get("tags", []))
    kinds = [tag.partition(":") for tag in tags]
    for kind, colon, name in kinds:
        if kind not in ("solution", "written", "autograded") or not colon or not name:
            raise BuildError("%s: unknown tag %r (known: solution:<grade_id>, written:<grade_id>, "
                             "autograded:<target>)" % (where, kind + colon + name))
    if len(kinds) > 1:
        raise BuildError("%s: one cell, one nbgrader tag (found %s)" % (where, ", ".join(tags)))
    kind, _, name = kinds[0] if kinds else ("", "", "")
    if cell.cell_type == "markdown":
        if kind == "written":
            answer = new_markdown_cell(ANSWER_PREFIX + cell.source.strip())
            return nbgrader(answer, name, grade=True, solution=True, points=WRITTEN_POINTS)
        if kind:
            raise BuildError("%s: a %s: tag belongs on a code cell" % (where, kind))
        return new_markdown_cell(cell.source)
    if cell.cell_type != "code":
        raise BuildError("%s: a %s cell (the notebooks have code and markdown cells only)"
                         % (where, cell.cell_type))
    if kind == "written":
        raise BuildError("%s: a written: tag belongs on a markdown cell" % where)
    if kind == "solution":
        if "### BEGIN SOLUTION" not in cell.source or "### END SOLUTION" not in cell.source:
            raise BuildError("%s: a solution cell needs ### BEGIN SOLUTION and ### END SOLUTION" % where)
        return nbgrader(new_code_cell(cell.source), name, solution=True)
    if kind == "autograded":
        return autograded_cell(name, assignment, where, cell.source)
    return new_code_cell(with_common_setup(cell.source, folder))


def autograded_cell(target, assignment, where, source=""):
    """The locked cell whose hidden part runs the graders of `target`.

    The public check prints its verdict without raising (an error would make nbgrader
    give the cell 0); the hidden part's result, the points the hidden graders gave,
    is what nbgrader records as the cell's (partial) credit."""
    from cs231n_core.targets import grade_cell_id

    if source.strip():
        raise BuildError("%s: an autograded cell stays empty in the source (the build writes "
                         "it); put code in a cell of its own" % where)
    points = target_points(assignment)
    if target not in points:
        raise BuildError("%s: the hidden graders of %s have no target %r (theirs: %s)"
                         % (where, assignment, target, ", ".join(sorted(points))))
    cell = new_code_cell(AUTOGRADED_SOURCE.replace("{target}", target))
    return nbgrader(cell, grade_cell_id(target), grade=True, locked=True, points=points[target])


def build(source):
    """The notebook of one source, as a NotebookNode."""
    source = Path(source)
    assignment = source.parent.name
    text = jupytext.read(source, fmt="py:percent")
    prefix = text.metadata.get("cs231n", {}).get("cell_id_prefix")
    if not prefix:
        raise BuildError("%s: its header names no cs231n.cell_id_prefix" % source)
    cells = [build_cell(cell, assignment, source.parent, "%s, cell %d" % (source, i))
             for i, cell in enumerate(text.cells)]
    nb = new_notebook(cells=cells, metadata=copy.deepcopy(NOTEBOOK_METADATA))
    for i, cell in enumerate(nb.cells):
        cell["id"] = "%s-%02d" % (prefix, i)
    nbformat.validate(nb)
    from nbgrader.nbgraderformat import MetadataValidator
    MetadataValidator().validate_nb(nb)  # unique grade ids, points on grade cells, ...
    return nb


def render(nb):
    return nbformat.writes(nb) + "\n"


def drift(source):
    """None if the stored notebook is what its source builds, else why it is not."""
    notebook = notebook_of(source)
    if not notebook.exists():
        return "%s does not exist" % notebook
    if notebook.read_text(encoding="utf-8") != render(build(source)):
        return "%s differs from what %s builds" % (notebook, source.name)
    return None


def orphans(folder=HERE):
    """Stored notebooks that no source builds."""
    built = {notebook_of(s) for s in sorted(folder.glob("assignment*/*" + SOURCE_SUFFIX))}
    return sorted(p for p in folder.glob("assignment*/*.ipynb") if p not in built)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path,
                        help="sources to build (default: every assignments/assignment*/*%s)" % SOURCE_SUFFIX)
    parser.add_argument("--check", action="store_true",
                        help="only compare with the stored notebooks; exit 1 if one differs")
    args = parser.parse_args(argv)
    sources = [s.resolve() for s in args.sources] or all_sources()
    for source in sources:
        if not source.name.endswith(SOURCE_SUFFIX) or not source.is_file():
            parser.error("%s is no notebook source (a *%s file)" % (source, SOURCE_SUFFIX))
    try:
        if args.check:
            problems = [p for p in map(drift, sources) if p]
            if not args.sources:
                problems += ["%s has no source %s" % (p, p.stem + SOURCE_SUFFIX) for p in orphans()]
            for problem in problems:
                print("out of date: %s" % problem)
            if problems:
                print("run: python assignments/build_notebooks.py")
                return 1
            print("%d notebooks up to date" % len(sources))
            return 0
        for source in sources:
            nb = build(source)
            notebook_of(source).write_text(render(nb), encoding="utf-8")
            print("wrote %s (%d cells)" % (notebook_of(source), len(nb.cells)))
    except BuildError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
