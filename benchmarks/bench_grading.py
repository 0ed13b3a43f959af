"""Wall time of grading each assignment's model submission, workers warm and cold.

    python benchmarks/bench_grading.py [assignment ...]

Each figure is one full `grade()`: the trusted pytest process, one sandboxed worker per
check, the reference computed alongside. "warm" forks every worker from one sandboxed
zygote that imported numpy (and torch, where the graders need it) once; "cold" starts
every worker from nothing (CS231N_COLD_WORKERS=1), as the engine did before. Both are
measured on this machine in this run; the ratio is what the zygote saves.
"""
import os
import sys
import tempfile
import time

from autograder.trusted.hidden_graders import assignments
from autograder.trusted.pipeline import grade
from autograder.trusted.isolation import isolation_name
from autograder.release import release


def timed_grade(folder, assignment, cold):
    os.environ.pop("CS231N_COLD_WORKERS", None)
    if cold:
        os.environ["CS231N_COLD_WORKERS"] = "1"
    try:
        start = time.perf_counter()
        report = grade(folder, assignment, seed=0)
        return report, time.perf_counter() - start
    finally:
        os.environ.pop("CS231N_COLD_WORKERS", None)


def main(names):
    print("grading each model submission (%s, %d CPUs)" % (isolation_name(), os.cpu_count()))
    print("  %-12s %6s %7s %9s %9s %6s" % ("assignment", "score", "checks", "warm (s)", "cold (s)", "ratio"))
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in names:
            model = os.path.join(tmp, assignment)
            release(assignment, model, solutions=True)
            report, warm_s = timed_grade(model, assignment, cold=False)
            cold_report, cold_s = timed_grade(model, assignment, cold=True)
            print("  %-12s %6.1f %7d %9.1f %9.1f %5.1fx%s"
                  % (assignment, report.score, len(report.records), warm_s, cold_s, cold_s / warm_s,
                     "" if cold_report.score == report.score else
                     "  (cold scored %.1f: a timing check on a busy machine?)" % cold_report.score))


if __name__ == "__main__":
    main(sys.argv[1:] or assignments())
