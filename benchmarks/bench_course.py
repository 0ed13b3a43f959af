"""Throughput of grading a whole class: `cs231n grade-course` with 1 and 2 workers
against nbgrader's own `nbgrader autograde`, on the same simulated submissions.

    python benchmarks/bench_course.py [--num 40] [--workers 1,2] [--no-nbgrader]

The class: N submissions of assignment 1, cycling through the model submission, the
untouched release and the model with one mistake of the bank applied. Each run gets a
fresh copy of the course folder whose gradebook already knows the assignment (both
tools need that), and is timed end to end as a command line, as an instructor runs it.
nbgrader autograde executes every notebook (CS231N_SMOKE=1) and its hidden test cells
grade each target through the same sandboxed engine, one submission at a time.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograder import course  # noqa: E402
from autograder.trusted.isolation import isolation_name  # noqa: E402
from autograder.mistakes import apply_mistake, load_bank  # noqa: E402
from autograder.release import release  # noqa: E402

ASSIGNMENT = "assignment1"
BIN = os.path.dirname(sys.executable)


def build_class(folder, num):
    """folder/submitted/<student>/assignment1 for `num` students; returns their kinds."""
    model = os.path.join(folder, "_model")
    students = os.path.join(folder, "_release")
    release(ASSIGNMENT, model, solutions=True)
    release(ASSIGNMENT, students)
    bank = load_bank(ASSIGNMENT)
    kinds = {}
    for index in range(num):
        student = "student%03d" % index
        target = os.path.join(folder, "course", "submitted", student, ASSIGNMENT)
        kind = ("model", "release", "mistake")[index % 3] if bank else ("model", "release")[index % 2]
        shutil.copytree(students if kind == "release" else model, target)
        if kind == "mistake":
            mistake = bank[(index // 3) % len(bank)]
            apply_mistake(target, mistake)
            kind = "mistake " + mistake["id"]
        kinds[student] = kind
    course.ensure_gradebook_assignment(os.path.join(folder, "course"), ASSIGNMENT)
    return os.path.join(folder, "course"), kinds


def fresh_copy(template, folder):
    shutil.copytree(template, folder)
    return folder


def timed(command, cwd):
    env = dict(os.environ, CS231N_SMOKE="1", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    start = time.perf_counter()
    process = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit("%s failed (exit %d):\n%s%s" % (" ".join(command), process.returncode,
                                                 process.stdout[-3000:], process.stderr[-3000:]))
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=40, help="simulated submissions (default 40)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time (default 1,2)")
    parser.add_argument("--no-nbgrader", action="store_true", help="skip nbgrader autograde")
    args = parser.parse_args(argv)
    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-course-") as tmp:
        template, kinds = build_class(tmp, args.num)
        print("grading %d submissions of %s (%s; %d CPUs)"
              % (args.num, ASSIGNMENT, isolation_name(), os.cpu_count()), flush=True)
        rows, scores = [], {}
        for workers in worker_counts:
            folder = fresh_copy(template, os.path.join(tmp, "grade-course-%d" % workers))
            seconds = timed([os.path.join(BIN, "cs231n"), "grade-course", folder, ASSIGNMENT,
                             "--workers", str(workers)], cwd=tmp)
            rows.append(("cs231n grade-course", workers, seconds))
            scores[workers] = course.gradebook_scores(folder, ASSIGNMENT)
            print("  grade-course --workers %d: %.1f s" % (workers, seconds), flush=True)
        if not args.no_nbgrader:
            folder = fresh_copy(template, os.path.join(tmp, "nbgrader"))
            seconds = timed([os.path.join(BIN, "nbgrader"), "autograde", ASSIGNMENT], cwd=folder)
            rows.append(("nbgrader autograde", 1, seconds))
            scores["nbgrader"] = course.gradebook_scores(folder, ASSIGNMENT)
            print("  nbgrader autograde: %.1f s" % seconds, flush=True)

    reference = rows[-1][2] if not args.no_nbgrader else None
    print()
    print("| tool | workers | submissions | seconds | submissions/min | throughput vs nbgrader autograde |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, workers, seconds in rows:
        ratio = "%.2fx" % (reference / seconds) if reference else "n/a"
        print("| %s | %d | %d | %.1f | %.1f | %s |"
              % (name, workers, args.num, seconds, 60.0 * args.num / seconds, ratio))
    # The same class graded by each tool: do the gradebook totals agree?
    base = scores[worker_counts[0]] if worker_counts else None
    for key, table in scores.items():
        if base is None or table is base:
            continue
        agree = sum(abs(table.get(s, -1) - base.get(s, -2)) < 1e-6 for s in kinds)
        print("gradebook totals of %s agree with grade-course --workers %d for %d of %d students"
              % ("nbgrader autograde" if key == "nbgrader" else "grade-course --workers %s" % key,
                 worker_counts[0], agree, len(kinds)))


if __name__ == "__main__":
    main()
