"""Gradescope's autograder bundle, and the entry point that runs inside it.

    cs231n gradescope assignment1 --out autograder.zip

Gradescope extracts the zip into /autograder/source/, runs setup.sh there once (as
root, with internet) to build its image, copies run_autograder to /autograder/, and
then, once per submission, unpacks the student's upload into /autograder/submission/
and runs /autograder/run_autograder, which must leave /autograder/results/results.json.

The zip holds:

    setup.sh          apt: bubblewrap, util-linux (setpriv), python3-venv; a venv with
                      the pinned CPU-only torch and this package, installed under
                      constraints.txt; then checks that the sandbox works, and fails
                      the image's build if it does not
    run_autograder    grades /autograder/submission; always writes results.json;
                      refuses to grade (score 0, "not a verdict") without the sandbox
    constraints.txt   the versions of the package's dependencies it was tested with
    visibility.json   optional: which tests students see when (--visibility)
    package/          the sources pip installs: pyproject.toml, README.md,
                      cs231n_core/ (instructor's edition, with the reference bodies of
                      later assignments stripped), autograder/ (the grading engine, this
                      assignment's hidden graders and mistake bank; no other assignment's)

The hidden graders and reference solutions reach only the trusted process: the
sandboxed worker that runs the student's code sees an allow-list of the machine (the
Python runtime, with the installed packages hidden: trusted/submission.py, trusted_folders)
and nothing under /autograder.

Environment variables (for testing the bundle outside Gradescope):
CS231N_AUTOGRADER_ROOT (default /autograder), CS231N_VENV (default /opt/cs231n/venv),
CS231N_PYTHON (use this interpreter with the bundle's own sources on PYTHONPATH,
instead of the venv setup.sh builds).
"""
import argparse
import fnmatch
import json
import os
import stat
import sys
import tempfile
import time
import zipfile

from .trusted import intake

DEFAULT_ROOT = "/autograder"
DEFAULT_VENV = "/opt/cs231n/venv"
PACKAGE_DIR = "package"  # inside the zip, hence /autograder/source/package on Gradescope
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", "build"}
VISIBILITY_FILE = "visibility.json"
# Gradescope's visibility of a test (and its output) to the student.
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu 22.04 or newer: the course needs Python 3.10+).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${CS231N_VENV:-%(venv)s}"

missing=()
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else
    "cs231n autograder: Python %%d.%%d is too old; choose an Ubuntu 22.04 or newer base image"
    %% sys.version_info[:2])'

python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --quiet --upgrade pip
# CPU-only torch first, at the version the course was tested with, so that the
# package's torch requirement never pulls a CUDA build.
"$VENV/bin/python" -m pip install --no-cache-dir --quiet "torch==%(torch)s" --index-url https://download.pytorch.org/whl/cpu
# The package itself, not editable, its dependencies pinned; no pip cache, so no copy
# of the reference solutions stays behind outside the folders the grading sandbox hides.
"$VENV/bin/python" -m pip install --no-cache-dir --quiet -c "$HERE/constraints.txt" "$HERE/%(package)s"
"$VENV/bin/python" -c 'import torch, autograder.gradescope; print("cs231n autograder ready; torch", torch.__version__, "CUDA" if torch.version.cuda else "CPU-only")'
# Grading refuses to run without the sandbox: find out now, while the image is built.
"$VENV/bin/python" -c 'from autograder.trusted.isolation import require_sandbox, isolation_name; require_sandbox(); print("sandbox:", isolation_name())'
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this once per submission (as root, in /autograder). It always leaves
# a results.json, whatever the submission does.
ROOT="${CS231N_AUTOGRADER_ROOT:-%(root)s}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
if [ -n "${CS231N_PYTHON:-}" ]; then
    # Testing outside Gradescope: this interpreter, the bundle's own sources.
    PY="$CS231N_PYTHON"
    export PYTHONPATH="$ROOT/source/%(package)s"
else
    PY="${CS231N_VENV:-%(venv)s}/bin/python"
    unset PYTHONPATH
fi
export PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 CS231N_AUTOGRADER_ROOT="$ROOT"
"$PY" -m autograder.gradescope --assignment %(assignment)s --root "$ROOT" --timeout %(timeout)s --require-sandbox
status=$?
if [ ! -s "$RESULTS" ]; then
    echo "cs231n autograder: the grader exited with status $status without results; writing score 0"
    cat > "$RESULTS" <<'EOF'
{"score": 0.0, "output": "The autograder failed before it could grade this submission (not a verdict on your code). Please tell your instructor.", "tests": []}
EOF
fi
exit 0
"""


# --- building the bundle ------------------------------------------------------------

def _package_files(assignment):
    """(path on disk, path in the zip) for every source file pip needs to install the
    package: pyproject.toml, README.md, cs231n_core/, autograder/ with this
    assignment's graders and mistake bank only."""
    files = [(os.path.join(PROJECT_ROOT, name), name) for name in ("pyproject.toml", "README.md")]
    for package in ("cs231n_core", "autograder"):
        top = os.path.join(PROJECT_ROOT, package)
        for folder, dirs, names in os.walk(top):
            relative = os.path.relpath(folder, PROJECT_ROOT)
            parts = relative.split(os.sep)
            dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
            # Another assignment's graders, or its mistakes (the graders name this
            # assignment's known mistakes in their feedback: trusted/diagnosis.py).
            if parts[:2] in (["autograder", "graders"], ["autograder", "mistakes"]) \
                    and len(parts) >= 3 and parts[2] != assignment:
                dirs[:] = []
                continue
            for name in sorted(names):
                if name.endswith((".pyc", ".pyo")) or name.startswith("."):
                    continue
                files.append((os.path.join(folder, name), os.path.join(relative, name)))
    return files


def _package_text(path, arcname, assignment):
    """The bytes of one file of the bundle: cs231n_core's sources without the reference
    bodies of assignments after `assignment` (its graders need its own and the earlier
    ones, which students already hold)."""
    with open(path, "rb") as stream:
        data = stream.read()
    if not (arcname.startswith("cs231n_core" + os.sep) and arcname.endswith(".py")):
        return data
    from cs231n_core.targets import ASSIGNMENTS

    from .release import BEGIN, strip_source
    text = data.decode("utf-8")
    if BEGIN not in text:
        return data
    later = set(ASSIGNMENTS[ASSIGNMENTS.index(assignment) + 1:]) if assignment in ASSIGNMENTS else set()
    stripped, _, _ = strip_source(text, arcname.replace(os.sep, "/"), later)
    return stripped.encode("utf-8")


def constraints():
    """constraints.txt: the installed version of each of the package's dependencies."""
    from importlib import metadata
    lines = []
    for requirement in metadata.requires("cs231n-course") or ():
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].strip()
        for mark in "<>=!~[ ":
            name = name.split(mark)[0]
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        lines.append("%s==%s" % (name, version.split("+")[0]))
    return "\n".join(lines) + "\n"


def _zip_add(archive, arcname, data, mode):
    info = zipfile.ZipInfo(arcname, date_time=time.localtime()[:6])
    info.create_system = 3  # Unix, so that the permission bits below are honoured
    info.external_attr = (stat.S_IFREG | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def parse_visibility(rules):
    """["PATTERN=VISIBILITY", ...] -> [(PATTERN, VISIBILITY)]: the first rule whose
    shell-style PATTERN matches a test's name ("target: description") sets its
    Gradescope visibility, e.g. "*held-out*=after_due_date"; unmatched tests stay visible."""
    parsed = []
    for rule in rules or ():
        pattern, sep, visibility = str(rule).rpartition("=")
        if not sep or not pattern.strip():
            raise ValueError("visibility rule %r is not PATTERN=VISIBILITY" % rule)
        if visibility not in VISIBILITIES:
            raise ValueError("visibility rule %r: %r is none of Gradescope's %s"
                             % (rule, visibility, ", ".join(VISIBILITIES)))
        parsed.append((pattern.strip(), visibility))
    return parsed


def apply_visibility(data, rules):
    """Set each test's visibility in a results.json dict by the first matching rule."""
    for test in data.get("tests", []):
        for pattern, visibility in rules:
            if fnmatch.fnmatchcase(test["name"], pattern):
                test["visibility"] = visibility
                break
    return data


def build_bundle(assignment, out_zip, timeout_s=60.0, visibility=()):
    """Write Gradescope's autograder zip for `assignment` to out_zip; returns out_zip.
    `visibility`: rules as parse_visibility takes them, applied to every results.json."""
    from .trusted.hidden_graders import GradingError, assignments

    if assignment not in assignments():
        raise GradingError("unknown assignment %r; graders exist for: %s"
                           % (assignment, ", ".join(assignments())))
    rules = parse_visibility(visibility)
    import torch
    values = {"venv": DEFAULT_VENV, "root": DEFAULT_ROOT, "package": PACKAGE_DIR,
              "assignment": assignment, "timeout": "%g" % float(timeout_s),
              "torch": torch.__version__.split("+")[0]}
    out_zip = os.path.abspath(out_zip)
    os.makedirs(os.path.dirname(out_zip), exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(out_zip), prefix=".tmp-", suffix=".zip")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            _zip_add(archive, "setup.sh", SETUP_SH % values, 0o755)
            _zip_add(archive, "run_autograder", RUN_AUTOGRADER % values, 0o755)
            _zip_add(archive, "constraints.txt", constraints(), 0o644)
            if rules:
                _zip_add(archive, VISIBILITY_FILE, json.dumps([list(r) for r in rules], indent=1), 0o644)
            for path, arcname in _package_files(assignment):
                _zip_add(archive, PACKAGE_DIR + "/" + arcname.replace(os.sep, "/"),
                         _package_text(path, arcname, assignment), 0o644)
        os.replace(temporary, out_zip)
    except BaseException:
        os.unlink(temporary)
        raise
    return out_zip


# --- inside Gradescope's container ----------------------------------------------------

def _log(text):
    """Print for the instructor (Gradescope's stdout); a closed stdout changes nothing."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        pass


def failure_results(message, started, extra=None):
    """A results.json for a submission that could not be graded: score 0, a reason."""
    return {"score": 0.0, "execution_time": round(time.monotonic() - started, 2),
            "output": message, "tests": [], "extra_data": dict(extra or {})}


def grade_upload(assignment, root, timeout_s=60.0, require_sandbox=True):
    """Grade root/submission; return the results.json dict (never raises)."""
    from .trusted import report as report_module
    from .trusted.hidden_graders import GradingError
    from .trusted.isolation import sandbox_problem
    from .trusted.pipeline import grade_submission

    started = time.monotonic()
    upload = os.path.join(root, "submission")
    problem = sandbox_problem() if require_sandbox else None
    if problem:
        _log("cs231n autograder: grading refused: the sandbox does not work here: %s" % problem)
        return failure_results(
            "%s: the autograder cannot grade safely on this machine (its sandbox is unavailable), "
            "so this submission was not graded and scores 0 for now. This is not a verdict on your "
            "code; please tell your instructor." % assignment, started,
            {"reason": "sandbox unavailable", "problem": problem})
    try:
        _log("cs231n autograder: grading %s (%s) with graders from %s"
             % (upload, assignment, os.path.dirname(os.path.abspath(__file__))))
        # Gradescope unpacks the upload into root/submission: located there like any
        # hand-in. The whole bundle root (sources, upload, results) stays out of the
        # worker's sight, on top of what the engine hides itself.
        report = grade_submission(upload, assignment, timeout_s=timeout_s, hide=[root],
                                  require_sandbox=require_sandbox)
        _log(report_module.score_table(report))
        return report_module.results_json(report)
    except intake.SubmissionRefused as exc:
        return failure_results("%s: score 0: %s" % (assignment, exc), started, {"reason": "no submission"})
    except GradingError as exc:
        # The instructor sees the details in Gradescope's stdout; the student sees a sentence.
        _log("cs231n autograder: grading failed:\n%s" % exc)
        return failure_results(
            "%s: the autograder could not finish grading this submission, so it scores 0. "
            "This happens when the submitted code disturbs the grader itself (for example by "
            "killing processes it does not own); check that your code only computes its answers, "
            "then submit again, or ask your instructor." % assignment,
            started, {"reason": "grading failed"})
    except Exception as exc:  # a fault of the grader: never show its traceback to students
        import traceback
        _log(traceback.format_exc())
        return failure_results("%s: the autograder failed (%s), so this submission scores 0 for "
                               "now. This is not a verdict on your code; please tell your instructor."
                               % (assignment, type(exc).__name__), started, {"reason": "internal error"})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope",
                                     description="grade a Gradescope submission (run_autograder calls this)")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--root", default=os.environ.get("CS231N_AUTOGRADER_ROOT", DEFAULT_ROOT))
    parser.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per sandboxed check (the wall clock allows three times as much)")
    parser.add_argument("--require-sandbox", action=argparse.BooleanOptionalAction, default=True,
                        help="refuse to grade where the sandbox does not work (default: on)")
    args = parser.parse_args(argv)
    from .trusted.report import write_atomic

    root = os.path.abspath(args.root)
    data = grade_upload(args.assignment, root, args.timeout, args.require_sandbox)
    rules_path = os.path.join(root, "source", VISIBILITY_FILE)
    if os.path.exists(rules_path):
        with open(rules_path) as handle:
            apply_visibility(data, [tuple(rule) for rule in json.load(handle)])
    write_atomic(os.path.join(root, "results", "results.json"), json.dumps(data, indent=2) + "\n")
    _log("cs231n autograder: score %.2f written to %s"
         % (data["score"], os.path.join(root, "results", "results.json")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
