"""Build the students' edition of an assignment from the instructor's.

    release("assignment1", out_dir)                  # the students' release
    release("assignment1", out_dir, solutions=True)  # a model submission

Four steps, one job each:
1. strip_library: copy cs231n_core/, replacing every solution body of this and later
   assignments by `raise NotImplementedError(...)` (earlier ones ship as reference code);
2. release_notebooks: nbgrader's own generate_assignment on a private course folder
   holding only the notebooks (nbgrader copies every other file of source/ into the
   release, a leak: nbgrader issue 1432);
3. write_student_setup: the folder's own README.md, requirements.txt, environment.yml
   and pyproject.toml (autograder/student_files/): the students' environment, CPU
   PyTorch by default and no instructor tools, and the `cs231n` command;
4. check_no_leak: refuse to finish if any stripped line, hidden test or notebook
   source (assignments/*/*.pct.py, which hold the model answers) is anywhere in the
   output tree.
"""
import ast
import json
import os
import re
import shutil
import sys
import tempfile

from cs231n_core.targets import ASSIGNMENTS, assignment_of

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARY = os.path.join(PROJECT_ROOT, "cs231n_core")
NOTEBOOKS = os.path.join(PROJECT_ROOT, "assignments")
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
NB_BEGIN, NB_END = "### BEGIN SOLUTION", "### END SOLUTION"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
# The instructor's notebook sources (jupytext percent files, solutions and model answers
# in them) beside the notebooks they build: assignments/assignment1/knn.pct.py. A cell
# header line with a graded tag gives one away under any name.
NOTEBOOK_SOURCE_SUFFIX = ".pct.py"
NOTEBOOK_SOURCE_CELL = re.compile(r'^# %%.*\btags=\[[^\]]*"(solution|written|autograded):', re.M)


class ReleaseError(Exception):
    pass


def release(assignment, out_dir, solutions=False, strip_earlier=False):
    """Write the students' edition of `assignment` into out_dir (which must not exist
    or be empty). Returns the list of stripped (file, qualname) targets."""
    if assignment not in ASSIGNMENTS:
        raise ReleaseError("unknown assignment %r (known: %s)" % (assignment, ", ".join(ASSIGNMENTS)))
    if os.path.exists(out_dir) and os.listdir(out_dir):
        raise ReleaseError("%s exists and is not empty; choose a new folder" % out_dir)
    os.makedirs(out_dir, exist_ok=True)
    first = 0 if strip_earlier else ASSIGNMENTS.index(assignment)
    strip = set(ASSIGNMENTS[first:]) if not solutions else set()
    stripped, removed_lines = strip_library(os.path.join(out_dir, "cs231n_core"), strip)
    if solutions:
        copy_solution_notebooks(assignment, out_dir)
    else:
        release_notebooks(assignment, out_dir)
    write_student_setup(assignment, out_dir)
    check_no_leak(out_dir, removed_lines, shipped=shipped_solution_lines(set(ASSIGNMENTS) - strip))
    return stripped


# --- 1. the library ----------------------------------------------------------------

def strip_library(dest, strip_assignments):
    """Copy cs231n_core to dest; returns (stripped targets, the solution lines removed)."""
    shutil.copytree(LIBRARY, dest, ignore=IGNORED)
    stripped, removed = [], []
    for folder, _, files in os.walk(dest):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, os.path.dirname(dest)).replace(os.sep, "/")
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            if BEGIN not in text:
                continue
            new_text, targets, lines = strip_source(text, relative, strip_assignments)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(new_text)
            stripped += [(relative, t) for t in targets]
            removed += lines
    return stripped, removed


def shipped_solution_lines(kept_assignments):
    """The lines of the solution blocks a release keeps (earlier assignments' reference
    code): shipped on purpose, so never a leak of a stripped block that shares one."""
    lines = set()
    for folder, _, files in os.walk(LIBRARY):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                if BEGIN in text:
                    relative = os.path.relpath(path, os.path.dirname(LIBRARY)).replace(os.sep, "/")
                    lines.update(strip_source(text, relative, kept_assignments)[2])
    return lines


def strip_source(text, relative, strip_assignments):
    """Strip the solution blocks of `text` whose target belongs to strip_assignments.

    Returns (new text, qualnames stripped, lines removed)."""
    enclosing = _enclosing_qualnames(text)
    lines = text.splitlines(keepends=True)
    out, stripped, removed = [], [], []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() != BEGIN:
            if line.strip() == END:
                raise ReleaseError("%s:%d: END SOLUTION without BEGIN" % (relative, index + 1))
            out.append(line)
            index += 1
            continue
        end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() in (BEGIN, END)), None)
        if end is None or lines[end].strip() != END:
            raise ReleaseError("%s:%d: BEGIN SOLUTION without a matching END" % (relative, index + 1))
        qualname = enclosing.get(index + 1)
        owner = assignment_of(relative, qualname or "")
        if owner is None:
            raise ReleaseError("%s:%d: solution block in %s, which is no registered target "
                               "(autograder/targets.py)" % (relative, index + 1, qualname or "module scope"))
        body = lines[index + 1:end]
        if owner in strip_assignments:
            indent = line[:len(line) - len(line.lstrip())]
            out.append('%sraise NotImplementedError("%s: write your code in %s (see the TODO above)")\n'
                       % (indent, qualname, relative))
            stripped.append(qualname)
            removed += [b.strip() for b in body]
        else:
            out.extend(body)
        index = end + 1
    return "".join(out), stripped, removed


def _enclosing_qualnames(text):
    """{line number: qualname of the innermost def/class containing it}."""
    result = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                for line in range(child.lineno, child.end_lineno + 1):
                    result[line] = name
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(text), "")
    return result


# --- 2. the notebooks --------------------------------------------------------------

def _source_notebooks(assignment):
    folder = os.path.join(NOTEBOOKS, assignment)
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".ipynb"))


def nbgrader_tools_on_path():
    """nbgrader's Gradebook runs the `alembic` command: make the one installed beside
    this interpreter findable even when its bin/ folder is not on PATH."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def release_notebooks(assignment, out_dir):
    """nbgrader generate_assignment on a private course folder holding only notebooks."""
    notebooks = _source_notebooks(assignment)
    if not notebooks:
        return
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    nbgrader_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="cs231n-release-") as course:
        source = os.path.join(course, "source", assignment)
        os.makedirs(source)
        for path in notebooks:
            shutil.copy(path, source)
        coursedir = CourseDirectory(root=course)
        api = NbGraderAPI(coursedir=coursedir)
        result = api.generate_assignment(assignment, force=True, create=True)
        if not result.get("success"):
            raise ReleaseError("nbgrader generate_assignment failed:\n%s\n%s"
                               % (result.get("error", ""), result.get("log", "")))
        released = os.path.join(course, "release", assignment)
        for name in sorted(os.listdir(released)):
            if name.endswith(".ipynb"):
                shutil.copy(os.path.join(released, name), out_dir)


def copy_solution_notebooks(assignment, out_dir):
    """The model submission's notebooks: solutions kept, markers and hidden tests removed."""
    import nbformat

    for path in _source_notebooks(assignment):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            cell.source = _without_markers(_without_hidden_tests(cell.source))
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(notebook, os.path.join(out_dir, os.path.basename(path)))


def _without_hidden_tests(source):
    pattern = re.compile(r"[ \t]*%s.*?%s[^\n]*\n?" % (re.escape(HIDDEN_BEGIN), re.escape(HIDDEN_END)), re.S)
    return pattern.sub("", source)


def _without_markers(source):
    return "".join(line for line in source.splitlines(keepends=True)
                   if line.strip() not in (NB_BEGIN, NB_END))


# --- 3. the students' set-up -------------------------------------------------------

STUDENT_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "student_files")


def write_student_setup(assignment, out_dir):
    """The release's own README.md, requirements.txt, environment.yml and pyproject.toml."""
    from cs231n_core.submit import in_teaching_order

    notebooks = in_teaching_order(assignment, os.listdir(out_dir))
    listing = "\n".join("- `%s`" % name for name in notebooks) or "- (none)"
    for name in sorted(os.listdir(STUDENT_FILES)):
        with open(os.path.join(STUDENT_FILES, name), encoding="utf-8") as handle:
            text = handle.read()
        text = text.replace("@ASSIGNMENT@", assignment).replace("@NOTEBOOKS@", listing)
        target = name[:-len(".in")] if name.endswith(".in") else name
        with open(os.path.join(out_dir, target), "w", encoding="utf-8") as handle:
            handle.write(text)


# --- 4. the leak check -------------------------------------------------------------

# "model = nn.Sequential(" alone, its arguments on the next lines: it shows no solution,
# and the notebooks use the same words.
BARE_CALL_OPENING = re.compile(r"(return\s+|[\w.]+\s*=\s*)?[\w.]+\($")


def distinctive(lines, library_root=LIBRARY):
    """The removed lines that would identify a reference solution: long enough, and
    not also present in the instructor's code outside solution blocks."""
    public = set()
    for folder, _, files in os.walk(library_root):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                inside = False
                for line in text.splitlines():
                    stripped = line.strip()
                    if stripped == BEGIN:
                        inside = True
                    elif stripped == END:
                        inside = False
                    elif not inside:
                        public.add(stripped)
    return {line for line in lines if len(line) >= 16 and not line.startswith("#")
            and line not in public and not BARE_CALL_OPENING.fullmatch(line)}


def check_no_leak(out_dir, removed_lines, shipped=()):
    """Fail if a stripped solution line, a solution marker, a hidden test or a notebook
    source survives (`shipped`: lines the release keeps on purpose, which are no leak)."""
    needles = distinctive(removed_lines) - set(shipped)
    for folder, _, files in os.walk(out_dir):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                data = handle.read().decode("utf-8", "replace")
            if name.endswith(".ipynb"):
                data = "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                                 else c.get("source", "") for c in json.loads(data).get("cells", []))
            if name.endswith(NOTEBOOK_SOURCE_SUFFIX) or NOTEBOOK_SOURCE_CELL.search(data):
                raise ReleaseError("leak: %s is an instructor's notebook source (solutions, "
                                   "model answers)" % path)
            # The hidden test cells are the only place notebooks name the autograder.
            markers = (BEGIN, HIDDEN_BEGIN) + (("autograder",) if name.endswith(".ipynb") else ())
            for marker in markers:
                if marker in data:
                    raise ReleaseError("leak: %r found in %s" % (marker, path))
            for needle in needles:
                if needle in data:
                    raise ReleaseError("leak: a reference solution line found in %s" % path)
