"""The public checks name a known mistake only when the student's answer is that
mistake's answer (cs231n_core/checks/diagnosis.py, autograder/diagnosis.py).

One pass over the whole bank, each mistake applied as a student would make it and its
target's check() run with the stored signatures: what it prints is what a student sees.
"""
import numpy as np
import pytest

from autograder import diagnosis
from cs231n_core.checks import check
from cs231n_core.checks.diagnosis import signatures
from cs231n_core.checks.fingerprint import fingerprint, leaves, matches

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("diagnosis")]

IN_BANK_SHARE = 0.90    # of the mistakes a public check catches, named by their own sentence
HELD_OUT_SHARE = 0.50   # of the held-out fifth, given a sentence beyond the bare error


@pytest.fixture(scope="session")
def records():
    """The bank as students would meet it; the signatures `build` found reproducible
    (the same answer whatever ran before) count as such."""
    bank = diagnosis.checked_bank()
    return diagnosis.survey(bank, stable={s["id"] for m in bank for s in signatures(m["target"])})


def _hint_line(record):
    lines = [line for line in record["printed"].splitlines() if line.startswith("[hint]")]
    assert len(lines) <= 1, record["printed"]
    return lines[0] if lines else ""


def test_the_stored_signatures_are_those_of_the_bank(records):
    """Every mistake with a signature has it stored, and nothing else is stored; compared
    by matching, so that rounding on another machine does not count as a change."""
    fresh = {r["mistake"]["id"]: r["signature"] for r in records if r["signature"]}
    stored = {}
    for record in records:
        for signature in signatures(record["mistake"]["target"]):
            stored[signature["id"]] = signature
    assert stored.keys() == fresh.keys(), "run: python -m autograder.diagnosis build"
    for key, signature in fresh.items():
        assert stored[key]["site"] == signature["site"], key
        assert stored[key]["why"] == signature["why"], key
        assert matches(stored[key]["print"], signature["print"]), key


def _same_answer(a, b):
    """The two answers themselves, not their fingerprints, agree (to float32 rounding)."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    a, b = leaves(a), leaves(b)
    return len(a) == len(b) and all(
        x == y if isinstance(x, str) or isinstance(y, str)
        else x.shape == y.shape and np.allclose(x, y, rtol=1e-5, atol=1e-8, equal_nan=True)
        for x, y in zip(a, b))


def test_a_check_names_its_own_mistake_and_no_other(records):
    """The [hint] a student sees names the mistake they made, and another mistake's
    sentence only when that mistake gives the very same answer at the same place: the
    answers themselves are compared, so a fingerprint that matched two different
    answers would fail here."""
    by_id = {r["mistake"]["id"]: r for r in records}
    for record in records:
        hint, mistake, own = _hint_line(record), record["mistake"], record["signature"]
        if own is not None:
            assert mistake["why"] in hint, (mistake["id"], record["printed"])
        for other in records:
            why = other["mistake"]["why"]
            if why == mistake["why"] or why not in hint:
                continue
            theirs = by_id[other["mistake"]["id"]]
            assert own and theirs["signature"] and theirs["signature"]["site"] == own["site"] \
                and _same_answer(theirs["answer"], record["answer"]), \
                (mistake["id"], "is named as", other["mistake"]["id"])


def test_the_reference_gets_no_hint(capsys):
    for target in ("compute_distances_no_loops", "svm_loss_vectorized", "batchnorm_forward",
                   "conv_forward_naive", "box_iou", "vgg16"):
        assert check(target) is True
        assert "[hint]" not in capsys.readouterr().out


def test_the_shares_hold_per_assignment(records):
    """The figures the README gives (python -m autograder.diagnosis measure)."""
    report = diagnosis.measure(records)
    assert set(report) == {"assignment1", "assignment2", "assignment3", "assignment4"}
    for assignment, row in report.items():
        assert row["named"] >= IN_BANK_SHARE * row["caught"], (assignment, row)
        assert row["held_out"] >= 10, (assignment, row)
        assert row["held_out_explained"] >= HELD_OUT_SHARE * row["held_out"], (assignment, row)


# ---- fingerprints ------------------------------------------------------------------------

def test_a_fingerprint_matches_through_rounding_and_nothing_else():
    rng = np.random.RandomState(0)
    answer = rng.randn(12, 9)
    print_ = fingerprint(answer)
    assert matches(print_, fingerprint(answer * (1 + 1e-7)))                     # float32-like noise
    assert matches(print_, fingerprint(answer.astype(np.float32)))
    assert not matches(print_, fingerprint(answer * (1 + 1e-3)))                # a scale
    one_entry = answer.copy()
    one_entry[7, 6] += 1e-2 * np.abs(answer).max()                              # not a sampled one
    assert not matches(print_, fingerprint(one_entry))
    assert not matches(print_, fingerprint(answer.T.copy()))                    # a shape
    assert not matches(print_, fingerprint(answer[:, ::-1].copy()))             # an order
    assert matches(fingerprint((answer, {"b": 1.5, "a": 2})), fingerprint((answer, {"a": 2, "b": 1.5})))


def test_a_fingerprint_reads_what_students_return():
    import torch

    assert fingerprint(None) == ["None"]
    assert fingerprint("ValueError: bad shape") == ["text:ValueError: bad shape"]
    tensor = torch.arange(6.0).reshape(2, 3)
    assert matches(fingerprint(tensor), fingerprint(tensor.numpy()))
    model = torch.nn.Linear(3, 2, device="meta")
    print_ = fingerprint(model)
    assert print_[0].startswith("layout:")
    assert print_ != fingerprint(torch.nn.Linear(3, 4, device="meta"))
    nan = np.array([1.0, np.nan, 3.0])
    assert not matches(fingerprint(nan), fingerprint(np.array([1.0, 2.0, 3.0])))
