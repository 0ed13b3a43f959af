"""The trusted grading process, kept from one submission to the next: a GradingSession
starts pytest_server.py and asks it for one pytest run of an assignment's hidden graders
per submission (pipeline.py says when). That process never imports a submission: the
graders start a sandbox for every call into its code (plugin.py, submission.py).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from .hidden_graders import GradingError, pytest_args


class GradingSession:
    """One trusted grading process (pytest_server.py) that grades submissions one after
    another:

        with GradingSession() as session:
            for folder in folders:
                report = pipeline.grade(folder, "assignment1", session)

    Not shared between threads: give each thread its own. A process that dies or
    stops answering is replaced for the next submission. With share_zygote, the
    submissions also share one sandboxed zygote (warm_sandbox.shared): only for
    submissions the instructor made (the mistake bank's mutants), never for students'
    work."""

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
        """End the trusted process, if any (the next run of the graders starts a new one)."""
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
        """Start pytest_server.py in this session's home. Everything of a grading run lives
        under the home (TMPDIR points there), and the process holds the read end of a
        lifeline pipe whose write end only this process has: if this process dies,
        even by SIGKILL, pytest_server.py sees the pipe close, removes the home with every
        copy of student code in it, and exits, taking its sandboxes with it."""
        reply_r, reply_w = os.pipe()
        lifeline_r, self.lifeline = os.pipe()
        tmp = os.path.join(self.home, "tmp")
        os.makedirs(tmp, exist_ok=True)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=tmp)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.trusted.pytest_server", str(reply_w), str(lifeline_r)],
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

    def records(self, job, only=None):
        """The graders' records of one pytest run on `job` (pipeline.GradingJob), for
        the targets in `only` (all when None). Raises GradingError when the graders did
        not run."""
        with tempfile.TemporaryDirectory(prefix="cs231n-grade-", dir=self.home) as scratch:
            results = os.path.join(scratch, "results.json")
            work = os.path.join(scratch, "work")
            os.mkdir(work)
            args = ["-q", *pytest_args(job.assignment),
                    "--submission", job.folder, "--scratch", work, "--seed", str(job.seed),
                    "--worker-timeout", str(job.timeout_s), "--results", results]
            for path in job.hide:
                args += ["--hide", path]
            for name in only or ():
                args += ["--only-target", name]
            if self.share_zygote:
                args.append("--share-zygote")
            if job.require_sandbox:
                args.append("--require-sandbox")
            if job.diagnose:
                args.append("--diagnose")
            if job.record_failures:
                args += ["--record-failures", job.record_failures]
            code, output = self._run_pytest(args)
            # pytest exits 0 (all passed) or 1 (some failed); anything else means the
            # trusted process itself was disturbed, and its results file is not believed.
            if code not in (0, 1) or not os.path.exists(results):
                raise GradingError("the graders did not run (exit %s):\n%s" % (code, output[-3000:]))
            with open(results) as handle:
                return json.load(handle)["records"]
