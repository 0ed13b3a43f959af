"""A trusted grading process that stays up from one submission to the next.

    python -m autograder.engine.serve REPLY_FD

Each line on stdin is a JSON list: the arguments of one pytest run of the hidden graders
(as run.py builds them). The process runs them with pytest.main and answers one JSON line
{"exit": code, "output": tail} on REPLY_FD. Python, pytest and the references' torch are
imported once instead of once per submission. It never imports a submission either: a
submission's code runs only in the sandboxed workers that the graders start.
"""
import contextlib
import io
import json
import os
import sys


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


def main():
    reply = os.fdopen(int(sys.argv[1]), "w")
    for line in sys.stdin:
        if not line.strip():
            continue
        code, output = run_pytest(json.loads(line))
        reply.write(json.dumps({"exit": code, "output": output}) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
