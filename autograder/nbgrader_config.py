"""`cs231n nbgrader-config`: the nbgrader_config.py under which nbgrader's own
`nbgrader autograde` grades this course's notebooks right.

nbgrader's defaults break three ways on this course, silently:

- autograde copies every non-notebook file of source/<assignment>/ over the
  student's files; with the students' library kept there (what nbgrader needs to
  release a usable folder), everyone is graded on the instructor's copy. The config
  excludes every such file from overwriting (Autograde.exclude_overwriting), listing
  them when nbgrader reads it, so files added later are covered too.
- a hidden test cell grades its target in a sandbox, and a full notebook trains
  networks: nbgrader's 30 s cell limit cuts both. The config sets Execute.timeout.
- full-size notebooks take minutes per submission; their training cells are not
  what is graded (the hidden graders train on their own data), so the config runs
  the kernels in the notebooks' small SMOKE mode (CS231N_SMOKE=1) unless asked not to.
"""
import os

CONFIG_NAME = "nbgrader_config.py"

TEMPLATE = '''"""nbgrader's settings for this course, written by `cs231n nbgrader-config`.

Under them `nbgrader autograde ASSIGNMENT` gives the same autograded points as
`cs231n grade-course COURSE_DIR ASSIGNMENT`: each hidden test cell grades its target
of the student's cs231n_core with the sandboxed hidden graders and leaves the points
earned as the cell's result, which nbgrader records as partial credit. nbgrader runs
the student's notebooks in a kernel the student's code controls, so only
grade-course is tamper-proof; use this path where nbgrader must run the notebooks.
"""
import os

c = get_config()  # noqa: F821 (nbgrader provides it)

_course = os.path.dirname(os.path.abspath(__file__))
_source = os.path.join(_course, "source")


def _library_files(assignment):
    """Every non-notebook file of source/<assignment>/, relative to it."""
    folder = os.path.join(_source, assignment)
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in (".ipynb_checkpoints", "__pycache__")]
        for name in files:
            if not name.endswith(".ipynb"):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


# The students' own library travels with each submission: never overwrite it with
# source/<assignment>/'s copy (nbgrader's default would grade the instructor's code).
c.Autograde.exclude_overwriting = {
    assignment: _library_files(assignment)
    for assignment in (sorted(os.listdir(_source)) if os.path.isdir(_source) else [])
}

# Seconds per cell: a hidden test cell grades its target in a sandbox (nbgrader's
# default, 30 s, cuts it).
c.Execute.timeout = @TIMEOUT@

# Run the notebooks on small data (CS231N_SMOKE=1): the points come from the hidden
# graders, not from the notebooks' own training runs. Set it to False for full-size runs.
SMOKE = @SMOKE@
if SMOKE:
    os.environ.setdefault("CS231N_SMOKE", "1")
'''


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
        handle.write(TEMPLATE.replace("@TIMEOUT@", str(int(timeout_s))).replace("@SMOKE@", str(bool(smoke))))
    return path
