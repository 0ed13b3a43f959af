"""The generic probes that name what a wrong array answer gets wrong, and their
silence where nothing simple explains the difference."""
import numpy as np
import pytest

from cs231n_core.checks.mismatch import describe_mismatch

rng = np.random.default_rng(0)
A = rng.normal(size=(6, 5))
SQUARE = rng.normal(size=(5, 5))
POSITIVE = rng.uniform(0.5, 3.0, size=(4, 7))
SYMMETRIC = SQUARE + SQUARE.T


@pytest.mark.parametrize("got, expected, words", [
    (np.zeros_like(A), A, "every entry is 0"),
    (-A, A, "negative"),
    (SQUARE.T, SQUARE, "transpose"),
    (POSITIVE ** 2, POSITIVE, "square of the expected"),
    (np.sqrt(POSITIVE), POSITIVE, "square root of the expected"),
    (2 * A, A, "times 2:"),
    (A / 6, A, "times 1/6:"),
    (A + 0.75, A, "same constant (0.75) everywhere"),
    (A + np.arange(5.0)[None, :], A, "same in every row"),
    (A - np.arange(6.0)[:, None], A, "same in every column"),
    (np.roll(A, 1, axis=0), A, "shifted by one along axis 0"),
    (np.vstack([A[:4], np.zeros((2, 5))]), A, "4 of 6 entries along the first axis are right; the wrong ones are 4, 5"),
    (SYMMETRIC + np.triu(rng.normal(size=(5, 5)), 1) + np.tril(rng.normal(size=(5, 5)), -1),
     SYMMETRIC, "symmetric"),
])
def test_each_probe_names_its_mismatch(got, expected, words):
    sentence = describe_mismatch(got, expected)
    assert sentence is not None and words in sentence, sentence


def test_no_sentence_for_a_right_answer_or_an_unexplained_error():
    assert describe_mismatch(A + 1e-12, A) is None
    for seed in range(100, 150):  # noise everywhere: nothing simple explains it
        noise = np.random.default_rng(seed).normal(size=A.shape) * 0.1
        assert describe_mismatch(A + noise, A) is None
    assert describe_mismatch(A[:, :4], A) is None  # shapes differ: said elsewhere
    assert describe_mismatch(np.full_like(A, np.nan), A) is None


def test_hidden_values_stay_out_when_asked():
    assert "0.75" not in describe_mismatch(A + 0.75, A, reveal=False)
