"""Hidden graders of the LSTM layers (assignment 4's LSTM_Captioning notebook, 20 of 100
points).

Raw points add up to SECTION_WEIGHT, so each is worth one point of the assignment.
Inputs are drawn fresh for every grading run; the reference answers are computed here,
in the trusted process (rnn_common.py: each backward pass fed the cache of the
student's own forward pass; CS231n's tolerances). The gates' order (i, f, o, g) is
checked on its own, on biases alone, and the step on activations large enough to
overflow a naive sigmoid. The LSTM captioning model is graded with CaptioningRNN
(test_rnn_captioning.py).
"""
import numpy as np
import pytest

from autograder.trusted.expect import expect_close, wrong

from .rnn_common import VALUE_TOL, graders_of, reference_outputs, student_forwards

SECTION_WEIGHT = 20

globals().update(graders_of("lstm_step_forward", "lstm_forward"))


@pytest.mark.target("lstm_step_forward")
@pytest.mark.points(1)
def test_lstm_step_forward_gate_order(submission, rng):
    """the gates are the activations' blocks in the order i, f, o, g (checked on biases alone)"""
    N, D, H = int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 6))
    # Each gate set by its own block of biases, every weight zero: a gate read from the
    # wrong block gives another gate's value.
    i, f, o, g = rng.uniform(0.1, 0.9, size=(4, H))
    b = np.concatenate([np.log(i / (1 - i)), np.log(f / (1 - f)), np.log(o / (1 - o)), np.arctanh(2 * g - 1)])
    prev_c = rng.normal(size=(N, H)) * 2
    args = [rng.normal(size=(N, D)), rng.normal(size=(N, H)), prev_c, np.zeros((D, 4 * H)),
            np.zeros((H, 4 * H)), b]
    next_h, next_c = student_forwards(submission, "lstm_step_forward", [args])[0]
    expected_c = f * prev_c + i * (2 * g - 1)
    what = "lstm_step_forward with zero weights and biases setting i, f, o and g"
    expect_close(next_c, expected_c, VALUE_TOL, what + ": next_c = (f * prev_c) + (i * g)")
    expect_close(next_h, o * np.tanh(expected_c), VALUE_TOL, what + ": next_h = o * tanh(next_c)")


@pytest.mark.target("lstm_step_forward")
@pytest.mark.points(1)
def test_lstm_step_forward_large_activations(submission, rng):
    """finite and right where the activations reach +-800 (a sigmoid computed as exp(a) / (1 + exp(a)) gives nan there)"""
    args = [rng.normal(size=(4, 3)) * 300, rng.normal(size=(4, 5)), rng.normal(size=(4, 5)),
            rng.normal(size=(3, 20)), rng.normal(size=(5, 20)), rng.normal(size=20)]
    next_h, next_c = student_forwards(submission, "lstm_step_forward", [args])[0]
    for name, value, reference in zip(("next_h", "next_c"), (next_h, next_c),
                                      reference_outputs("lstm_step_forward", args)):
        what = "lstm_step_forward's %s for activations around +-800" % name
        if not np.all(np.isfinite(value)):
            raise wrong(value, "lstm_step_forward's %s is not finite for activations around +-800" % name,
                        what + ": finite")
        expect_close(value, reference, VALUE_TOL, what)
