"""The trusted grading flow, one step per function, in the order they run:

    locate_submission -> stage -> run_graders -> score -> write_reports

1. locate (intake.py): the folder holding `cs231n_core/` in what was handed in, a folder
   or a zip, within one set of limits;
2. stage: the grading run fixed (assignment, folder, seed, hidden folders, limits);
3. run graders: one pytest run of the assignment's hidden graders in the trusted
   grading process (grading_session.py), which starts a sandbox for every call into
   the submission's code; checks that failed for a reason of the host run once more;
4. score: the checks' records become a GradeReport;
5. write reports: the score table and Gradescope's results.json (report.py).

Every entry point takes this path: `cs231n grade` and the Gradescope bundle through
grade_submission, a course (`grade-course`, nbgrader's GradedExecute) through
grade_handed_in, tests and benchmarks that hold a plain folder through grade.
"""
import contextlib
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass

from . import isolation, report
from .grade_report import GradeReport
from .grading_session import GradingSession
from .hidden_graders import GradingError, assignments
from .intake import SubmissionRefused, locate_submission


def grade_submission(path, assignment, session=None, **options):
    """The GradeReport of what `path` holds (a folder or a zip: locate_submission);
    raises SubmissionRefused when it holds nothing gradable or breaks a limit, and
    GradingError when the graders cannot run. `options` are grade()'s."""
    with tempfile.TemporaryDirectory(prefix="cs231n-locate-") as scratch:
        return grade(locate_submission(path, scratch), assignment, session, **options)


def grade_handed_in(path, assignment, session=None, **options):
    """grade_submission for a course, which records every student: a refused hand-in
    is graded as it is, and each of its checks fails with the reason (0 points)."""
    with tempfile.TemporaryDirectory(prefix="cs231n-locate-") as scratch:
        try:
            folder = locate_submission(path, scratch)
        except SubmissionRefused:
            folder = path
        return grade(folder, assignment, session, **options)


def grade(folder, assignment, session=None, timeout_s=60.0, seed=None, hide=(), only=None,
          require_sandbox=False, diagnose=True, record_failures=None):
    """Steps 2 to 4 on `folder` as it is: the GradeReport of its cs231n_core/.

    `session` (a GradingSession) saves each of many submissions the trusted process's
    start-up; without one, a process is started for this submission alone. `only`
    restricts grading to some targets (the notebooks' hidden test cells). With
    require_sandbox, grading refuses to run where the sandbox does not work here. With
    diagnose, a failed check names the known mistakes that give the submission's answer
    (trusted/diagnosis.py); the mistake bank's own grading turns it off and logs each
    failure's site and answer in the folder `record_failures` instead (the instructor's
    measure of the diagnosis, autograder/diagnosis.py)."""
    job = stage(folder, assignment, timeout_s, seed, hide, require_sandbox, diagnose, record_failures)
    started = time.monotonic()
    with contextlib.nullcontext(session) if session is not None else GradingSession() as running:
        records = run_graders(running, job, only)
    return score(job, records, started)


@dataclass(frozen=True)
class GradingJob:
    folder: str
    assignment: str
    seed: int
    timeout_s: float
    hide: tuple
    require_sandbox: bool
    diagnose: bool = True
    record_failures: str = None


def stage(folder, assignment, timeout_s=60.0, seed=None, hide=(), require_sandbox=False,
          diagnose=True, record_failures=None):
    """Step 2: the grading run, checked before anything starts; a fresh seed unless one
    is given. Raises GradingError."""
    if assignment not in assignments():
        raise GradingError("unknown assignment %r; graders exist for: %s"
                           % (assignment, ", ".join(assignments())))
    if not os.path.isdir(folder):
        raise GradingError("submission folder %s does not exist" % folder)
    if require_sandbox:
        try:
            isolation.require_sandbox()
        except isolation.SandboxUnavailable as exc:
            raise GradingError(str(exc)) from None
    return GradingJob(folder=os.path.abspath(folder), assignment=assignment,
                      seed=secrets.randbelow(2**31) if seed is None else int(seed),
                      timeout_s=timeout_s, hide=tuple(os.path.abspath(p) for p in hide),
                      require_sandbox=bool(require_sandbox), diagnose=bool(diagnose),
                      record_failures=os.path.abspath(record_failures) if record_failures else None)


def run_graders(session, job, only=None):
    """Step 3: the records of the graders' checks (plugin.py). A check that failed for a
    reason of the host (a full disk, a sandbox that could not be made) is often
    passing: its target is graded once more, with the same inputs; what fails again
    stays marked grader_error."""
    records = session.records(job, only)
    if not records:
        raise GradingError("no grader was collected for %s" % job.assignment)
    again = sorted({r["target"] for r in records if r.get("grader_error")})
    if again:
        retried = {r["nodeid"]: r for r in session.records(job, again)}
        records = [retried.get(r["nodeid"], r) if r["target"] in again else r for r in records]
    return records


def score(job, records, started):
    """Step 4: the GradeReport of the records (points per check were scaled by the
    plugin; the report adds them up per target and notebook)."""
    return GradeReport(assignment=job.assignment, submission=job.folder, seed=job.seed,
                       isolation=isolation.isolation_name(), records=records,
                       execution_time=round(time.monotonic() - started, 2))


def write_reports(result, json_path=None, out=sys.stdout):
    """Step 5: the score table on `out` and, given a path, Gradescope's results.json."""
    print(report.score_table(result), file=out)
    print("\nisolation: %s; seed %d; %.1f s" % (result.isolation, result.seed, result.execution_time),
          file=out)
    if json_path:
        report.write_results_json(result, json_path)
        print("results.json written to %s" % os.path.abspath(json_path), file=out)
