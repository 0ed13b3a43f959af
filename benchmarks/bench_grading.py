"""Wall time of grading one assignment-1 submission (model and untouched release).

    python benchmarks/bench_grading.py
Each figure is one full `grade()`: the trusted pytest process, one sandboxed worker per
check, the reference computed alongside; measured on this machine in this run.
"""
import os
import tempfile
import time

from autograder.engine.run import grade
from autograder.engine.sandbox import isolation_name
from autograder.release import release


def main():
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        students = os.path.join(tmp, "release")
        release("assignment1", model, solutions=True)
        release("assignment1", students)
        print("grading one assignment-1 submission (%s, %d CPUs)" % (isolation_name(), os.cpu_count()))
        for name, folder in (("model solution", model), ("untouched release", students)):
            start = time.perf_counter()
            report = grade(folder, "assignment1", seed=0)
            elapsed = time.perf_counter() - start
            print("  %-18s score %6.2f   %5.1f s wall, %d checks, %d worker runs"
                  % (name, report.score, elapsed, len(report.records), len(report.records)))


if __name__ == "__main__":
    main()
