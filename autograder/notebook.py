"""The bridge between nbgrader's autograded test cells and the hidden graders.

A notebook's hidden test cell calls ``grade_target("compute_distances_no_loops")``.
Under ``nbgrader autograde`` the kernel runs in the student's autograded folder; this
grades that folder's cs231n_core on the one target, through the same sandboxed
engine as ``cs231n grade``, prints one line per hidden check and returns the points
earned: nbgrader takes a number left as an autograded cell's result as the cell's
partial credit, so both paths give the same points. The kernel itself is the
student's, so ``cs231n grade-course`` remains the tamper-proof path; both write the
same gradebook, and grade-course writes the same lines and number into the
autograded notebooks (:func:`cell_outputs`).
"""
import os

from .engine.run import grade
from cs231n_core.targets import ASSIGNMENT_TARGETS, target_names


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
    return round(min(max(score, 0.0), maximum), 6)  # as the cells' points (run.target_max_points)


def cell_outputs(records):
    """The outputs of an autograded test cell after its hidden part ran: the printout
    and the points as the cell's result (nbformat dicts)."""
    score = cell_score(records)
    return [{"output_type": "stream", "name": "stdout", "text": target_lines(records) + "\n"},
            {"output_type": "execute_result", "execution_count": None, "metadata": {},
             "data": {"text/plain": repr(score)}}]


def grade_target(target, submission_dir=None, timeout_s=60.0):
    """Grade one target of the submission in submission_dir (default: the current
    folder); print its checks and return the points earned (partial credit).

    The cell's earlier output (the public check's lines, and anything the student's
    code wrote to stderr, which nbgrader would count as an error) is cleared first, so
    that only the hidden graders decide the cell's points."""
    report = grade(submission_dir or os.getcwd(), assignment_of_target(target),
                   timeout_s=timeout_s, only=[target])
    try:
        from IPython.display import clear_output
        clear_output()
    except ImportError:  # outside IPython: nothing to clear
        pass
    print(target_lines(report.records))
    return cell_score(report.records)
