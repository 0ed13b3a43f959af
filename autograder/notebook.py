"""The bridge between nbgrader's autograded test cells and the hidden graders.

A notebook's hidden test cell calls ``grade_target("compute_distances_no_loops")``.
Under ``nbgrader autograde`` that call is never what decides the points: the course's
nbgrader_config.py replaces nbgrader's Execute step with
:class:`autograder.nbgrader_execute.GradedExecute`, which grades the targets from the
trusted process and writes :func:`cell_outputs` (one line per hidden check, and the
points earned, which nbgrader reads as the cell's partial credit) over whatever the
student's kernel left in the cell; ``cs231n grade-course`` writes the same outputs.
In an instructor's own kernel (the source notebooks, ``nbgrader validate``)
``grade_target`` grades the folder's cs231n_core itself; in a kernel that nbgrader
autograde runs without GradedExecute it refuses, since the student's code controls
that kernel.
"""
import atexit
import os

from .trusted.grading_session import GradingSession
from .trusted.pipeline import grade_handed_in
from cs231n_core.targets import ASSIGNMENT_TARGETS, target_names


def known_targets():
    """Every graded target of every assignment."""
    return [target for assignment in ASSIGNMENT_TARGETS for target in target_names(assignment)]


def assignment_of_target(target):
    for assignment in ASSIGNMENT_TARGETS:
        if target in target_names(assignment):
            return assignment
    raise ValueError("no assignment has a target named %r" % target)


def target_lines(records):
    """The printout of one target's hidden checks: PASS/FAIL and the student-facing
    message of each (never hidden inputs or reference values)."""
    lines = []
    for record in records:
        lines.append("%s %s: %s" % ("PASS" if record["passed"] else "FAIL", record["target"],
                                    record["description"]))
        if record["message"]:
            lines.append("    " + record["message"].replace("\n", "\n    "))
    return "\n".join(lines)


def cell_score(records):
    """The points a target's cell earns, as nbgrader reads them from the cell's result
    (rounded, and never above the maximum: nbgrader rejects more)."""
    score = sum(r["score"] for r in records)
    maximum = sum(r["max_score"] for r in records)
    return round(min(max(score, 0.0), maximum), 6)  # as the cells' points (hidden_graders.target_max_points)


def cell_outputs(records):
    """The outputs of an autograded test cell after its hidden part ran: the printout
    and the points as the cell's result (nbformat dicts)."""
    score = cell_score(records)
    return [{"output_type": "stream", "name": "stdout", "text": target_lines(records) + "\n"},
            {"output_type": "execute_result", "execution_count": None, "metadata": {},
             "data": {"text/plain": repr(score)}}]


_SESSION = None


def kernel_session():
    """One trusted grading process for all the autograded cells this kernel runs (the
    instructor's: a student's kernel has no autograder): each cell then grades without
    starting Python, pytest and the graders' imports again. It ends with the kernel
    (atexit, or the end of its stdin if the kernel is killed)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = GradingSession()
        atexit.register(_SESSION.close)
    return _SESSION


def grade_target(target, submission_dir=None, timeout_s=60.0):
    """Grade one target of the submission in submission_dir (default: the current
    folder); print its checks and return the points earned (partial credit).

    The cell's earlier output (the public check's lines, and anything the student's
    code wrote to stderr, which nbgrader would count as an error) is cleared first, so
    that only the hidden graders decide the cell's points."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        raise RuntimeError(
            "the hidden tests are graded by the trusted side of nbgrader autograde, not in a "
            "kernel that runs the student's code: write the course's nbgrader_config.py with "
            "`cs231n nbgrader-config COURSE_DIR` and autograde again")
    report = grade_handed_in(submission_dir or os.getcwd(), assignment_of_target(target),
                             kernel_session(), timeout_s=timeout_s, only=[target])
    try:
        from IPython.display import clear_output
        clear_output()
    except ImportError:  # outside IPython: nothing to clear
        pass
    print(target_lines(report.records))
    return cell_score(report.records)
