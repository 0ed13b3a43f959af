"""The credit of an open-ended set-up that the student tunes (assignment 1's image
features net, assignment 2's two challenges): its held-out accuracy earns one raw point
for reaching a floor, which a net that does not learn stays far below (ten classes: about
0.10), and two for reaching a bar calibrated on the reference's set-up, its worst
accuracy over the grading seeds less a margin. Each grader module calibrates and
documents its own floor, worst accuracy and margin.

Not a test module (pytest collects only test_*.py). It sits beside the assignments'
folders, as speed.py does, so that the graders of every assignment and every
assignment's Gradescope bundle have it; it runs in the trusted grading process.
"""
from autograder.trusted.expect import expect_at_least
from autograder.graders.graded import graded_on_shared


def check_learns(shared, accuracy, floor, setting, learner):
    expect_at_least(accuracy(shared), floor, setting,
                    " (a %s that does not learn scores about 0.10)" % learner)


def check_reaches_the_bar(shared, accuracy, reference_worst, margin, setting):
    expect_at_least(accuracy(shared), reference_worst - margin, setting,
                    " (the reference's worst seed: %.3f; margin %.2f)" % (reference_worst, margin))


def accuracy_graders(name, target, accuracy, setting, floor, reference_worst, margin, learns, reaches,
                     learner="net"):
    """{"test_<name>_learns": grader, "test_<name>_reaches_the_bar": grader} of `target`,
    1 and 2 raw points, on accuracy(shared), the held-out accuracy the module measures
    (`setting` says how, in the students' words). `learns` and `reaches` say what each
    grader checks; `learner` names what does not learn when the floor is missed."""
    return {"test_%s_learns" % name: graded_on_shared(target, 1, learns, check_learns,
                                                      accuracy, floor, setting, learner),
            "test_%s_reaches_the_bar" % name: graded_on_shared(target, 2, reaches, check_reaches_the_bar,
                                                               accuracy, reference_worst, margin, setting)}
