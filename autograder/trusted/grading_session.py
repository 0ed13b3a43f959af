"""Grade one submission: run the hidden graders of an assignment in a trusted process.

The graders run in their own pytest process (never importing the submission), which
starts one sandboxed worker per check; a GradingSession keeps that process for many
submissions. The outcome is a GradeReport, from which
report.py writes Gradescope's results.json, a score table and feedback HTML.
"""
import contextlib
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

from cs231n_core.targets import notebooks, teaching_order

GRADERS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "graders")


class GradingError(Exception):
    """The grader itself could not run (not the submission's fault)."""


@dataclass
class GradeReport:
    assignment: str
    submission: str
    seed: int
    isolation: str
    records: list = field(default_factory=list)  # one dict per test, see plugin.py
    execution_time: float = 0.0

    @property
    def score(self):
        return round(sum(r["score"] for r in self.records), 4)

    @property
    def grader_errors(self):
        """The records of checks that failed for a reason of the grader or the host
        (after one more try), not of the submission: their 0 is no verdict."""
        return [r for r in self.records if r.get("grader_error")]

    @property
    def max_score(self):
        return round(sum(r["max_score"] for r in self.records), 4)

    def by_target(self):
        """{target: (score, max_score)} in the graders' order."""
        table = {}
        for record in self.records:
            score, maximum = table.get(record["target"], (0.0, 0.0))
            table[record["target"]] = (score + record["score"], maximum + record["max_score"])
        return table

    def _position(self, target):
        """Where the assignment teaches `target`: (notebook or None, sort key). A target
        of no notebook (none, in a consistent course) sorts after every notebook."""
        return teaching_order(self.assignment).get(target, (None, (len(notebooks(self.assignment)), 0)))

    def by_notebook(self):
        """[(notebook, {target: (score, max_score)})] in the order the assignment teaches
        them: its notebooks in order (cs231n_core.targets.NOTEBOOK_TARGETS), each with its
        targets in the order of its autograded cells. A notebook with no autograded cell
        comes with {}; targets of no notebook come last, under None."""
        table = self.by_target()
        groups = {notebook: {} for notebook in notebooks(self.assignment)}
        for target in sorted(table, key=lambda t: self._position(t)[1]):
            groups.setdefault(self._position(target)[0], {})[target] = table[target]
        return list(groups.items())

    def notebook_of(self, target):
        """The notebook whose autograded cell grades `target`, or None."""
        return self._position(target)[0]

    def ordered_records(self):
        """The records in the order of by_notebook; one target's checks stay in the
        graders' order (sorted() is stable)."""
        return sorted(self.records, key=lambda r: self._position(r["target"])[1])


def assignments():
    return sorted(name for name in os.listdir(GRADERS_DIR)
                  if os.path.isdir(os.path.join(GRADERS_DIR, name)) and name.startswith("assignment"))


def grade(submission_dir, assignment, timeout_s=60.0, seed=None, hide=(), only=None,
          require_sandbox=False):
    """Grade `submission_dir` on `assignment`; return a GradeReport.

    `only` restricts grading to some targets (a list of names), for the notebooks'
    hidden test cells. Raises GradingError when the graders cannot run at all, and,
    with require_sandbox, when the sandbox does not work here. Checks that fail for a
    reason of the grader are graded once more; those that fail again are in the
    report's grader_errors. To grade many submissions, a GradingSession saves each one
    the trusted process's start-up.
    """
    with GradingSession() as session:
        return session.grade(submission_dir, assignment, timeout_s=timeout_s, seed=seed,
                             hide=hide, only=only, require_sandbox=require_sandbox)


class GradingSession:
    """One trusted grading process (serve.py) that grades submissions one after another:

        with GradingSession() as session:
            for folder in folders:
                report = session.grade(folder, "assignment1")

    Not shared between threads: give each thread its own. A process that dies or
    stops answering is replaced for the next submission. With share_zygote, the
    submissions also share one sandboxed zygote (warm.shared): only for submissions
    the instructor made (the mistake bank's mutants), never for students' work."""

    def __init__(self, share_zygote=False):
        self.process = None
        self.share_zygote = share_zygote
        self.home = tempfile.mkdtemp(prefix="cs231n-grader-")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        self._stop()
        shutil.rmtree(self.home, ignore_errors=True)

    def abort(self):
        """Kill the trusted process now (an interrupted run): its sandboxes die with it
        and the thread waiting on it gets a GradingError at once."""
        process = self.process
        if process is not None and process.poll() is None:
            process.kill()

    def _stop(self):
        """End the trusted process, if any (the next grade() starts a new one)."""
        if self.process is not None:
            process, self.process = self.process, None
            try:
                process.stdin.close()
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()
            self.replies.close()
            os.close(self.lifeline)

    def _start(self):
        """Start serve.py in this session's home. Everything of a grading run lives
        under the home (TMPDIR points there), and the process holds the read end of a
        lifeline pipe whose write end only this process has: if this process dies,
        even by SIGKILL, serve.py sees the pipe close, removes the home with every
        copy of student code in it, and exits, taking its sandboxes with it."""
        reply_r, reply_w = os.pipe()
        lifeline_r, self.lifeline = os.pipe()
        tmp = os.path.join(self.home, "tmp")
        os.makedirs(tmp, exist_ok=True)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=tmp)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.engine.serve", str(reply_w), str(lifeline_r)],
                cwd=self.home, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, pass_fds=(reply_w, lifeline_r), text=True)
        except BaseException:
            os.close(self.lifeline)
            raise
        finally:
            os.close(reply_w)
            os.close(lifeline_r)
        self.replies = os.fdopen(reply_r, "r")

    def _run_pytest(self, args):
        """(exit code, output tail) of one pytest run of the graders in the process."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        try:
            self.process.stdin.write(json.dumps(args) + "\n")
            self.process.stdin.flush()
            line = self.replies.readline()
            answer = json.loads(line)
            return int(answer["exit"]), str(answer["output"])
        except (OSError, ValueError, KeyError, TypeError):
            self._stop()
            return None, "the trusted grading process stopped"

    def grade(self, submission_dir, assignment, timeout_s=60.0, seed=None, hide=(), only=None,
              require_sandbox=False):
        """Grade one submission; see grade()."""
        from .sandbox import SandboxUnavailable, isolation_name
        from .sandbox import require_sandbox as check_sandbox

        if assignment not in assignments():
            raise GradingError("unknown assignment %r; graders exist for: %s"
                               % (assignment, ", ".join(assignments())))
        if not os.path.isdir(submission_dir):
            raise GradingError("submission folder %s does not exist" % submission_dir)
        if require_sandbox:
            try:
                check_sandbox()
            except SandboxUnavailable as exc:
                raise GradingError(str(exc)) from None
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        started = time.monotonic()
        records = self._records(submission_dir, assignment, timeout_s, seed, hide, only,
                                require_sandbox)
        if not records:
            raise GradingError("no grader was collected for %s" % assignment)
        again = sorted({r["target"] for r in records if r.get("grader_error")})
        if again:
            # A fault of the host (a full disk, a sandbox that could not be made) is
            # often passing: grade those targets once more, with the same inputs.
            retried = {r["nodeid"]: r for r in self._records(
                submission_dir, assignment, timeout_s, seed, hide, again, require_sandbox)}
            records = [retried.get(r["nodeid"], r) if r["target"] in again else r for r in records]
        return GradeReport(assignment=assignment, submission=os.path.abspath(submission_dir),
                           seed=seed, isolation=isolation_name(), records=records,
                           execution_time=round(time.monotonic() - started, 2))

    def _records(self, submission_dir, assignment, timeout_s, seed, hide, only, require_sandbox):
        """The graders' records of one pytest run."""
        with tempfile.TemporaryDirectory(prefix="cs231n-grade-", dir=self.home) as scratch:
            results = os.path.join(scratch, "results.json")
            work = os.path.join(scratch, "work")
            os.mkdir(work)
            args = ["-q", "-c", os.path.join(GRADERS_DIR, "pytest.ini"),
                    "--rootdir", GRADERS_DIR, os.path.join(GRADERS_DIR, assignment),
                    "--submission", os.path.abspath(submission_dir), "--scratch", work,
                    "--seed", str(seed), "--worker-timeout", str(timeout_s), "--results", results]
            for path in hide:
                args += ["--hide", os.path.abspath(path)]
            for name in only or ():
                args += ["--only-target", name]
            if self.share_zygote:
                args.append("--share-zygote")
            if require_sandbox:
                args.append("--require-sandbox")
            code, output = self._run_pytest(args)
            # pytest exits 0 (all passed) or 1 (some failed); anything else means the
            # trusted process itself was disturbed, and its results file is not believed.
            if code not in (0, 1) or not os.path.exists(results):
                raise GradingError("the graders did not run (exit %s):\n%s" % (code, output[-3000:]))
            with open(results) as handle:
                return json.load(handle)["records"]


def target_max_points(assignment):
    """{target: points} of one assignment, from the graders' markers (no grading):
    what each notebook's autograded cell is worth."""
    import pytest

    from .plugin import _marker_arg, scaled_points

    class Collector:
        def pytest_collection_modifyitems(self, items):
            self.table = {}
            for item, points in zip(items, scaled_points(items)):
                target = _marker_arg(item, "target")
                self.table[target] = round(self.table.get(target, 0.0) + points, 6)

    collector = Collector()
    with contextlib.redirect_stdout(io.StringIO()):  # the listing is not wanted
        code = pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-p", "no:warnings",
                            "-c", os.path.join(GRADERS_DIR, "pytest.ini"), "--rootdir", GRADERS_DIR,
                            os.path.join(GRADERS_DIR, assignment)], plugins=[collector])
    if code != 0:
        raise GradingError("the graders of %s could not be collected (pytest exit %d)" % (assignment, code))
    return collector.table
