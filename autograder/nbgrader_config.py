"""`cs231n nbgrader-config`: the nbgrader_config.py under which nbgrader's own
`nbgrader autograde` grades this course's notebooks right.

nbgrader's defaults break five ways on this course, the first two dangerously:

- nbgrader's Execute runs each handed-in notebook in a kernel that the student's code
  controls, and reads the points from what its cells leave: a student could replace
  the grading functions in that kernel, or write other students' files. The config
  replaces it with GradedExecute (nbgrader_execute.py): points graded from the
  trusted side, the notebook run in a sandboxed kernel.

- generate_assignment copies every non-notebook file of source/<assignment>/ into the
  release: an instructor's notebook source (assignments/*/*.pct.py, with the
  solutions and model answers) copied there along with the notebooks would reach the
  students. The config has nbgrader ignore such files (CourseDirectory.ignore), in
  every step.

- autograde copies every non-notebook file of source/<assignment>/ over the
  student's files; with the students' library kept there (what nbgrader needs to
  release a usable folder), everyone is graded on the instructor's copy. The config
  excludes every such file from overwriting (Autograde.exclude_overwriting), listing
  them when nbgrader reads it, so files added later are covered too.
- a full notebook trains networks: nbgrader's 30 s cell limit cuts it. The config sets Execute.timeout.
- full-size notebooks take minutes per submission; their training cells are not
  what is graded (the hidden graders train on their own data), so the config runs
  the kernels in the notebooks' small SMOKE mode (CS231N_SMOKE=1) unless asked not to.

It also quiets a false alarm: nbgrader keeps each autograded cell with its hidden
tests and, at autograde, finds the student's copy (released without them) "changed",
warning "Attribute 'checksum' for cell ... has changed!" for every such cell of every
submission, which reads like tampering. OverwriteCells below stays silent when the
only difference is the hidden tests (nbgrader restores the cell either way) and still
warns when a student did edit a locked cell.
"""
import os

from nbgrader import preprocessors as nbgrader_steps

from .release import NOTEBOOK_SOURCE_SUFFIX

CONFIG_NAME = "nbgrader_config.py"

TEMPLATE = '''"""nbgrader's settings for this course, written by `cs231n nbgrader-config`.

Under them `nbgrader autograde ASSIGNMENT` gives the same autograded points as
`cs231n grade-course COURSE_DIR ASSIGNMENT`: nbgrader's Execute step is replaced by
one that grades each notebook's targets from the trusted side with the sandboxed
hidden graders, runs the notebook in a kernel inside the same sandbox (the student's
code sees a throw-away copy of its own folder and nothing of the course), and writes
each autograded test cell's checks and points, which nbgrader records as partial
credit. Where the sandbox does not work, autograding stops and says why.
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides it)

_course = os.path.dirname(os.path.abspath(__file__))
_source = os.path.join(_course, "source")


def _library_files(assignment):
    """Every non-notebook file of source/<assignment>/ (but the notebooks' sources),
    relative to it."""
    folder = os.path.join(_source, assignment)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in (".ipynb_checkpoints", "__pycache__")]
        for name in files:
            if not name.endswith((".ipynb", "@SOURCE_SUFFIX@")):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


# The students' own library travels with each submission: never overwrite it with
# source/<assignment>/'s copy (nbgrader's default would grade the instructor's code).
c.Autograde.exclude_overwriting = {
    assignment: _library_files(assignment)
    for assignment in (sorted(os.listdir(_source)) if os.path.isdir(_source) else [])
}

# The instructor's notebook sources (solutions and model answers in them) stay out of
# every folder nbgrader makes from source/ (release/, autograded/), should they be
# copied there with the notebooks.
from nbgrader.coursedir import CourseDirectory  # noqa: E402

c.CourseDirectory.ignore = CourseDirectory.class_traits()["ignore"].default() + ["*@SOURCE_SUFFIX@"]

# nbgrader's sanitizing steps, its OverwriteCells replaced by one that does not take
# the hidden tests it removed itself for a student's edit.
from autograder.nbgrader_config import sanitize_steps  # noqa: E402

c.Autograde.sanitize_preprocessors = sanitize_steps()

# nbgrader's autograding steps, its Execute replaced by GradedExecute: the points come
# from the trusted side, the notebook runs in a sandboxed kernel. To run the kernel
# unsandboxed where the sandbox cannot work (the kernel then reaches whatever this
# account can): c.GradedExecute.require_sandbox = False
from autograder.nbgrader_execute import autograde_steps  # noqa: E402

c.Autograde.autograde_preprocessors = autograde_steps()

# Seconds per cell: a full notebook trains networks (nbgrader's default, 30 s, cuts it).
c.Execute.timeout = @TIMEOUT@

# Run the notebooks on small data (CS231N_SMOKE=1): the points come from the hidden
# graders, not from the notebooks' own training runs. Set it to False for full-size runs.
SMOKE = @SMOKE@
if SMOKE:
    os.environ.setdefault("CS231N_SMOKE", "1")
'''


class OverwriteCells(nbgrader_steps.OverwriteCells):
    """nbgrader's OverwriteCells, without the false "checksum has changed" warning for
    a locked cell that differs from the stored one only by its hidden tests."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._only_hidden_tests = _only_hidden_tests_removed(self, cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._only_hidden_tests:
            self.log.debug("cell %s: hidden tests restored", name)
            return
        super().report_change(name, attr, old, new)


def _only_hidden_tests_removed(step, cell):
    from nbgrader.api import MissingEntry
    from nbformat import NotebookNode

    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    if grade_id is None:
        return False
    try:
        stored = step.gradebook.find_source_cell(grade_id, step.notebook_id, step.assignment_id)
    except MissingEntry:
        return False
    released = NotebookNode(source=stored.source)
    if not nbgrader_steps.ClearHiddenTests()._remove_hidden_test_region(released):
        return False
    return released.source.strip() == cell.source.strip()


def sanitize_steps():
    """nbgrader Autograde's sanitize_preprocessors with OverwriteCells replaced."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["sanitize_preprocessors"].default()
    return [OverwriteCells if step is nbgrader_steps.OverwriteCells else step for step in default]


class ConfigExists(Exception):
    """The course folder already has an nbgrader_config.py (not overwritten unasked)."""


def write_config(course_dir, timeout_s=600, smoke=True, force=False):
    """Write COURSE_DIR/nbgrader_config.py; returns its path."""
    if int(timeout_s) <= 0:
        raise ValueError("the cell timeout must be a positive number of seconds, not %r" % timeout_s)
    os.makedirs(course_dir, exist_ok=True)
    path = os.path.join(os.path.abspath(course_dir), CONFIG_NAME)
    if os.path.exists(path) and not force:
        raise ConfigExists("%s exists; use --force to replace it" % path)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(TEMPLATE.replace("@TIMEOUT@", str(int(timeout_s))).replace("@SMOKE@", str(bool(smoke)))
                     .replace("@SOURCE_SUFFIX@", NOTEBOOK_SOURCE_SUFFIX))
    return path
