"""Calibrate the bars of assignment 2's two open challenges.

    python benchmarks/calibrate_challenges.py {fc,pytorch} [FIRST-LAST] [--mistake ID]

Grades this project's own cs231n_core (the reference set-up) on the challenge's problem
of each grading seed (default 0-9), through the sandboxed worker as a grading run does,
and prints the held-out accuracy (scored in this process) and the worker's CPU time per
seed, then their min, mean and max: the figures behind the graders' FLOOR and BAR.
`--mistake ID` grades the reference with one mistake of the bank applied instead (e.g.
a set-up that does not learn).
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograder.engine.shared_runs import SharedRuns  # noqa: E402
from autograder.engine.submission import Submission  # noqa: E402
from autograder.graders.assignment2 import test_fc_challenge, test_pytorch_challenge  # noqa: E402
from autograder.mistakes import apply_mistake, load_bank  # noqa: E402

CHALLENGES = {
    "fc": (test_fc_challenge, "fc_challenge_setup", test_fc_challenge.fc_challenge_problem,
           lambda result, context: test_fc_challenge.accuracy_of(
               test_fc_challenge.rebuilt_net(result["exported"], "net").loss(context["X_test"]),
               context["y_test"], "net")),
    "pytorch": (test_pytorch_challenge, "challenge_setup", test_pytorch_challenge.challenge_problem,
                test_pytorch_challenge.held_out_accuracy),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenge", choices=sorted(CHALLENGES))
    parser.add_argument("seeds", nargs="?", default="0-9")
    parser.add_argument("--mistake", help="the id of a mistake of assignment 2's bank to apply first")
    args = parser.parse_args()
    first, _, last = args.seeds.partition("-")
    module, key, problem, accuracy = CHALLENGES[args.challenge]
    rows = []
    with tempfile.TemporaryDirectory() as scratch_root:
        root = ROOT
        if args.mistake:
            root = os.path.join(scratch_root, "mutant")
            shutil.copytree(os.path.join(ROOT, "cs231n_core"), os.path.join(root, "cs231n_core"))
            apply_mistake(root, next(m for m in load_bank("assignment2") if m["id"] == args.mistake))
        submission = Submission(root, os.path.join(scratch_root, "work"),
                                preload=getattr(module, "WORKER_PRELOAD", ()))
        for seed in range(int(first), int(last or first) + 1):
            result, context = SharedRuns(submission, seed).get(key, problem, cpu_budget_s=module.CPU_BUDGET_S)
            rows.append((accuracy(result, context), submission.last_outcome.cpu_s))
            print("seed %3d: held-out accuracy %.3f, worker CPU %.1f s" % ((seed,) + rows[-1]), flush=True)
        submission.close()
    rows = np.array(rows)
    for column, name in enumerate(("accuracy", "worker CPU s")):
        print("%-12s min %.3f  mean %.3f  max %.3f" % (name, rows[:, column].min(), rows[:, column].mean(),
                                                       rows[:, column].max()))


if __name__ == "__main__":
    main()
