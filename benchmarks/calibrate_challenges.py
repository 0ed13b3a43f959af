"""Calibrate the bars of the graded set-ups: assignment 1's net on image features,
assignment 2's two open challenges and assignment 3's trained Mask R-CNN.

    python benchmarks/calibrate_challenges.py {features,fc,pytorch,mask_rcnn} [FIRST-LAST] [--mistake ID]

Grades this project's own cs231n_core (the reference set-up) on the grader's problem
of each grading seed (default 0-9), through the sandboxed worker as a grading run does,
and prints the held-out figures (scored in this process: an accuracy, or the Mask
R-CNN's box mAP and mask AP) and the worker's CPU time per seed (of its last run, the
training), then their min, mean, standard deviation and max: the figures behind the
graders' FLOOR and BAR (TRAINED_*_RANGE for the Mask R-CNN). `--mistake ID` grades the reference with one mistake of the
assignment's bank applied instead (e.g. a set-up that does not learn).
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from autograder.trusted.shared_runs import SharedRuns  # noqa: E402
from autograder.trusted.submission import Submission  # noqa: E402
from autograder.graders.assignment1 import test_features  # noqa: E402
from autograder.graders.assignment2 import test_fc_challenge, test_pytorch_challenge  # noqa: E402
from autograder.graders.assignment3 import test_two_stage  # noqa: E402
from autograder.mistakes import apply_mistake, load_bank  # noqa: E402

# name: (grader module, its assignment, {figure: figure(shared) as the grader measures it})
CHALLENGES = {
    "features": (test_features, "assignment1", {"accuracy": test_features.features_net_accuracy}),
    "fc": (test_fc_challenge, "assignment2", {"accuracy": test_fc_challenge.fc_challenge_accuracy}),
    "pytorch": (test_pytorch_challenge, "assignment2", {"accuracy": test_pytorch_challenge.challenge_accuracy}),
    "mask_rcnn": (test_two_stage, "assignment3", {"box mAP": test_two_stage.trained_box_map,
                                                  "mask AP": test_two_stage.trained_mask_ap}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenge", choices=sorted(CHALLENGES))
    parser.add_argument("seeds", nargs="?", default="0-9")
    parser.add_argument("--mistake", help="the id of a mistake of the assignment's bank to apply first")
    args = parser.parse_args()
    first, _, last = args.seeds.partition("-")
    module, assignment, figures = CHALLENGES[args.challenge]
    rows = []
    with tempfile.TemporaryDirectory() as scratch_root:
        root = ROOT
        if args.mistake:
            root = os.path.join(scratch_root, "mutant")
            shutil.copytree(os.path.join(ROOT, "cs231n_core"), os.path.join(root, "cs231n_core"))
            apply_mistake(root, next(m for m in load_bank(assignment) if m["id"] == args.mistake))
        submission = Submission(root, os.path.join(scratch_root, "work"),
                                preload=getattr(module, "WORKER_PRELOAD", ()))
        for seed in range(int(first), int(last or first) + 1):
            shared = SharedRuns(submission, seed)
            rows.append([figure(shared) for figure in figures.values()] + [submission.last_outcome.cpu_s])
            print("seed %3d: %s, worker CPU %.1f s" % (seed, ", ".join(
                "held-out %s %.3f" % pair for pair in zip(figures, rows[-1])), rows[-1][-1]), flush=True)
        submission.close()
    rows = np.array(rows)
    for column, name in enumerate(list(figures) + ["worker CPU s"]):
        print("%-12s min %.3f  mean %.3f  sd %.3f  max %.3f" % (
            name, rows[:, column].min(), rows[:, column].mean(), rows[:, column].std(), rows[:, column].max()))


if __name__ == "__main__":
    main()
