"""A trusted grading process that stays up from one submission to the next.

    python -m autograder.trusted.pytest_server REPLY_FD [LIFELINE_FD]

Each line on stdin is a JSON list: the arguments of one pytest run of the hidden graders
(as grading_session.py builds them). The process runs them with pytest.main and answers
one JSON line {"exit": code, "output": tail} on REPLY_FD. Python, pytest and the references' torch are
imported once instead of once per submission. It never imports a submission either: a
submission's code runs only in the sandboxed workers that the graders start.

LIFELINE_FD is the read end of a pipe that only the parent can write: it closes when
the parent dies, however it dies. Then this process kills its children (the sandboxes
die with them), removes its working folder (the grading session's home, holding every
throw-away copy of the submission) and exits, instead of grading on for nobody.
"""
import contextlib
import io
import json
import os
import shutil
import signal
import sys
import threading
import time


def run_pytest(args):
    import pytest

    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            code = int(pytest.main(args))
        except BaseException as exc:  # a broken grader must not end the session
            print("pytest failed: %r" % exc)
            code = 3
    return code, output.getvalue()[-6000:]


def _children():
    pids = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/children" % task) as handle:
                pids += [int(p) for p in handle.read().split()]
        except OSError:
            pass
    return pids


def _watch_parent(lifeline_fd, home):
    """Block until the parent is gone; then stop everything and clean up."""
    while os.read(lifeline_fd, 1):
        pass
    for pid in _children():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.2)  # let the killed sandboxes release their folders
    shutil.rmtree(home, ignore_errors=True)
    os._exit(1)


def main():
    reply = os.fdopen(int(sys.argv[1]), "w")
    if len(sys.argv) > 2:
        threading.Thread(target=_watch_parent, args=(int(sys.argv[2]), os.getcwd()),
                         daemon=True).start()
    for line in sys.stdin:
        if not line.strip():
            continue
        code, output = run_pytest(json.loads(line))
        reply.write(json.dumps({"exit": code, "output": output}) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
