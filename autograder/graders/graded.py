"""Graders built from a check and its arguments, for the checks that several targets share.

A grader is a test function with two markers and a docstring (autograder/trusted/plugin.py).
Where several targets, or several checks of one target, run the same check with other
arguments (the naive and the vectorized losses, the three distance functions, the update
rules), a module binds the functions that `graded` builds to their names instead of
writing the same five lines for each:

    test_two_loops_values = graded("compute_distances_two_loops", 3,
                                   "distances match the reference on random data",
                                   check_distances, "compute_distances_two_loops", 23, 11, 7)

pytest collects such a function under the module-level name it is bound to, exactly as a
`def` of that name: the name makes the node id, hence the check's random inputs (the
`rng` fixture) and its place among the module's tests, which is the order of binding.

Not a test module (pytest collects only test_*.py). It sits beside the assignments'
folders, as speed.py does, so that the graders of every assignment and every
assignment's Gradescope bundle have it; it runs in the trusted grading process.
"""
import pytest


def graded(target, points, what, check, *args):
    """A grader of `target`, worth `points` raw points, that runs
    `check(submission, rng, *args)`. `what` is its docstring: what the check tests, as
    the reports name it."""
    def grader(submission, rng):
        check(submission, rng, *args)
    return _marked(grader, target, points, what)


def graded_on_shared(target, points, what, check, *args):
    """A grader like `graded`'s for a check of the module's shared worker runs (the
    `shared` fixture): it runs `check(shared, *args)`."""
    def grader(shared):
        check(shared, *args)
    return _marked(grader, target, points, what)


def graders_on_shared(targets, checks):
    """{"test_<target>_<name>": grader} for targets that get the same checks of the shared
    worker runs: `checks` lists each check as (name, points, check), and `targets` maps
    each target to the descriptions of its checks, in that order; a grader runs
    `check(shared, target)`. A module binds them: globals().update(graders_on_shared(...))."""
    graders = {}
    for target, whats in targets.items():
        for (name, points, check), what in zip(checks, whats):
            graders["test_%s_%s" % (target, name)] = graded_on_shared(target, points, what, check, target)
    return graders


def _marked(grader, target, points, what):
    grader.__doc__ = what
    return pytest.mark.target(target)(pytest.mark.points(points)(grader))
