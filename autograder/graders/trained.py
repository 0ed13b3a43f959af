"""Nets trained on handwritten digits by the Solver, in the worker and here: the digits
in a form that no file holds, and the held-out accuracy of the student's net and of the
reference's after the same training. Shared by the graders of TwoLayerNet (assignment 1),
FullyConnectedNet and ThreeLayerConvNet (assignment 2), which calibrate and document their
own settings and margins.

Not a test module (pytest collects only test_*.py). It sits beside the assignments'
folders, as speed.py does, so that the graders of every assignment and every
assignment's Gradescope bundle have it; it runs in the trusted grading process.
"""
import numpy as np
from threadpoolctl import threadpool_limits

from autograder.trusted.digits import load_digits
from autograder.trusted.expect import expect_array
from autograder.trusted.held_out import augment_images, secret_rotation
from autograder.trusted.submission import call, saved

SOLVER = "cs231n_core.solver:Solver"


def rotated_digits_split(rng, num_train, num_val, num_test=None, distortion=0.5):
    """(data for the Solver, X_test (num_test, 64), y_test): scikit-learn's 8x8 digits,
    split at random (num_test None: all the others held out), every image distorted
    afresh (held_out.augment_images) and the pixels, less the training mean, rotated by
    a secret orthogonal matrix (held_out.secret_rotation), so that no input is in a file
    the worker can read; a fully connected net learns them as well as plain pixels."""
    pixels, y = load_digits()
    order = rng.permutation(len(y))
    end = None if num_test is None else num_train + num_val + num_test
    rows = {"train": order[:num_train], "val": order[num_train:num_train + num_val],
            "test": order[num_train + num_val:end]}
    X = {name: augment_images(rng, pixels[index], 8, 16.0, distortion) / 16.0
         for name, index in rows.items()}
    mean = X["train"].mean(axis=0)
    rotation = secret_rotation(rng, pixels.shape[1])
    X = {name: (value - mean) @ rotation for name, value in X.items()}
    data = {"X_train": X["train"], "y_train": y[rows["train"]], "X_val": X["val"], "y_val": y[rows["val"]]}
    return data, X["test"], y[rows["test"]]


def trained_accuracies(submission, net_path, reference_class, net_args, data, solver_config,
                       X_test, y_test, seed, held_out="data"):
    """(student's, reference's) accuracy on (X_test, y_test) of a 10-class net built with
    `net_args` after np.random.seed(seed) and trained by the Solver with `solver_config` on
    `data`: the student's net (at `net_path`, with the student's Solver) in the worker,
    `reference_class` here. The held-out labels never leave this process; `held_out`
    names the held-out inputs in a failure."""
    from cs231n_core.solver import Solver

    with threadpool_limits(1):  # small arrays: threads only cost time, as in the worker
        np.random.seed(seed)
        reference = reference_class(**net_args)
        Solver(reference, data, **solver_config).train()
        reference_accuracy = float(np.mean(np.argmax(reference.loss(X_test), axis=1) == y_test))
    result = submission.run([
        call("numpy.random:seed", seed),
        call(net_path, save="net", **net_args),
        call(SOLVER, saved("net"), data, save="solver", **solver_config),
        call("solver.train"),
        call("net.loss", X_test, save="scores")], returns=["scores"])
    expect_array(result["scores"], (len(y_test), 10), "the scores of the trained net on held-out " + held_out)
    accuracy = float(np.mean(np.argmax(result["scores"], axis=1) == y_test))
    return accuracy, reference_accuracy
