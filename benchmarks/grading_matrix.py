"""The same grade on every machine: grade each model submission, and a sample of the
mistake bank, under settings that make this machine compute like other ones.

    python benchmarks/grading_matrix.py [--mistakes N] [--configs NAME,...] [assignment ...]

A grade must not depend on the CPU, the thread count, the BLAS's code path or the load.
Each configuration below changes one of them for the whole grading run (the trusted
process and its sandboxed workers):

    baseline         the defaults: one thread per worker, this CPU's fastest kernels
    worker-threads-2 two threads in each worker (CS231N_WORKER_THREADS=2)
    host-threads-1   the trusted side's NumPy on one thread (OMP/OPENBLAS_NUM_THREADS=1)
    host-threads-2   ... and on two
    openblas-generic NumPy's OpenBLAS on its SSE kernels, without AVX (OPENBLAS_CORETYPE=Nehalem)
    torch-generic    PyTorch's scalar kernels and MKL without AVX (ATEN_CPU_CAPABILITY=default,
                     MKL_ENABLE_INSTRUCTIONS=SSE4_2)
    other-cpu        the last three at once, with two threads per worker
    cpu-hog          one busy process per core running beside the grader

For each configuration and assignment it prints the model's score (it must be 100) and,
for each sampled mistake, whether it lost points on its own target and whether it cost
points anywhere else than on its target and the targets it declares (`affects`): the
mistake bank's promise, which must hold on every machine too. It exits non-zero when
any cell breaks the promise. The whole matrix takes 15-30 minutes on 2 cores; the
`make test` suite runs one corner of it: assignment 3's model under other-cpu
(tests/test_grading_stability.py).
"""
import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from autograder.trusted.grading_session import GradingSession  # noqa: E402
from autograder.trusted.hidden_graders import assignments  # noqa: E402
from autograder.trusted.pipeline import grade  # noqa: E402
from autograder.mistakes import apply_mistake, load_bank  # noqa: E402
from autograder.release import release  # noqa: E402

CONFIGS = {
    "baseline": {},
    "worker-threads-2": {"CS231N_WORKER_THREADS": "2"},
    "host-threads-1": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    "host-threads-2": {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"},
    "openblas-generic": {"OPENBLAS_CORETYPE": "Nehalem"},
    "torch-generic": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "cpu-hog": {},
}
CONFIGS["other-cpu"] = {**CONFIGS["openblas-generic"], **CONFIGS["torch-generic"],
                        **CONFIGS["worker-threads-2"]}
SEED = 4321
TIMEOUT_S = 60.0


@contextlib.contextmanager
def configured(name):
    """The environment of configuration `name` for what starts inside (the trusted
    process and its workers inherit it), and for cpu-hog the busy processes beside."""
    saved = dict(os.environ)
    os.environ.update(CONFIGS[name])
    hogs = []
    if name == "cpu-hog":
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
        os.environ.clear()
        os.environ.update(saved)


def sample(bank, count):
    """`count` mistakes spread evenly over the bank (every section gets its turn)."""
    if count <= 0 or not bank:
        return []
    step = max(1, len(bank) // count)
    return bank[::step][:count]


def lost_points(report, mistake):
    """(own target lost points, {other target: points lost}) for a mutant's report."""
    table = report.by_target()
    score, maximum = table.get(mistake["target"], (0.0, 0.0))
    allowed = {mistake["target"], *mistake.get("affects", [])}
    collateral = {target: round(top - got, 3) for target, (got, top) in table.items()
                  if target not in allowed and got < top - 1e-9}
    return score < maximum - 1e-9, collateral


def run(configs, names, mistakes_per_assignment, out=print):
    """Grade the matrix; return the list of broken promises (empty when all hold)."""
    broken = []
    with tempfile.TemporaryDirectory() as tmp:
        models = {}
        for assignment in names:
            models[assignment] = os.path.join(tmp, "model", assignment)
            release(assignment, models[assignment], solutions=True)
        out("%-17s %-12s %6s %8s %7s  %s" % ("configuration", "assignment", "model", "mistakes", "time", "broken"))
        for config in configs:
            with configured(config), GradingSession() as session:
                for assignment in names:
                    started = time.monotonic()
                    report = grade(models[assignment], assignment, session, timeout_s=TIMEOUT_S, seed=SEED)
                    problems = ["model: %s: %s (%s)" % (r["target"], r["description"], r["message"][:160])
                                for r in report.records if not r["passed"]]
                    chosen = sample(load_bank(assignment), mistakes_per_assignment)
                    caught = 0
                    for mistake in chosen:
                        root = os.path.join(tmp, "mutant")
                        shutil.rmtree(root, ignore_errors=True)
                        shutil.copytree(models[assignment], root)
                        apply_mistake(root, mistake)
                        mutant = grade(root, assignment, session, timeout_s=TIMEOUT_S, seed=SEED,
                                       diagnose=False)
                        own, collateral = lost_points(mutant, mistake)
                        caught += own
                        if not own:
                            problems.append("%s: let through" % mistake["id"])
                        if collateral:
                            problems.append("%s: also cost %s" % (mistake["id"], collateral))
                    out("%-17s %-12s %6.1f %5d/%-2d %6.0fs  %s"
                        % (config, assignment, report.score, caught, len(chosen),
                           time.monotonic() - started, "; ".join(problems) or "-"))
                    if report.score != 100.0:
                        problems.insert(0, "model scored %.2f" % report.score)
                    broken += ["%s %s: %s" % (config, assignment, p) for p in problems]
    return broken


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="default: every graded assignment")
    parser.add_argument("--mistakes", type=int, default=2, help="bank mistakes per assignment and configuration")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, from: " + ", ".join(CONFIGS))
    args = parser.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error("unknown configuration(s) %s; choose from %s" % (", ".join(unknown), ", ".join(CONFIGS)))
    print("grading matrix on %d CPUs, seed %d" % (os.cpu_count(), SEED))
    broken = run(configs, args.assignments or assignments(), args.mistakes)
    print("\n%s" % ("every model scored 100 and every sampled mistake kept to its targets" if not broken
                    else "%d broken promise(s):\n  " % len(broken) + "\n  ".join(broken)))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
