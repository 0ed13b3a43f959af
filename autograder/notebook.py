"""The bridge between nbgrader's autograded test cells and the hidden graders.

A notebook's hidden test cell calls ``grade_target("compute_distances_no_loops")``.
Under ``nbgrader autograde`` the kernel runs in the student's autograded folder; this
grades that folder's cs231n_core on the one target, through the same sandboxed
engine as ``cs231n grade``, and fails the cell unless every check passed. The
kernel itself is the student's, so ``cs231n grade-course`` remains the tamper-proof
path; both write the same gradebook.
"""
import os

from .engine.run import grade
from cs231n_core.targets import ASSIGNMENT_TARGETS, target_names


def assignment_of_target(target):
    for assignment in ASSIGNMENT_TARGETS:
        if target in target_names(assignment):
            return assignment
    raise ValueError("no assignment has a target named %r" % target)


def grade_target(target, submission_dir=None, timeout_s=60.0):
    """Grade one target of the submission in submission_dir (default: the current
    folder); print the result; raise AssertionError unless it earned every point."""
    report = grade(submission_dir or os.getcwd(), assignment_of_target(target),
                   timeout_s=timeout_s, only=[target])
    failed = [r for r in report.records if not r["passed"]]
    for record in report.records:
        print("%s %s: %s" % ("PASS" if record["passed"] else "FAIL", target, record["description"]))
        if record["message"]:
            print("    " + record["message"].replace("\n", "\n    "))
    if failed:
        raise AssertionError("%s: %d of %d hidden checks failed (%.2f of %.2f points)"
                             % (target, len(failed), len(report.records), report.score, report.max_score))
    # Returns None on purpose: nbgrader would read a number left as the cell's output
    # as partial credit.
