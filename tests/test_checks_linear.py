"""The public checks of the linear classifiers (cs231n_core/checks/svm.py, softmax.py):
they fail (they pass on the reference: tests/test_checks.py), with a sentence that says
why, on every realistic mistake of the hidden graders' bank that a public check can see
(the bank's mistakes are applied to the reference source and the broken function is
patched in)."""
import types

import numpy as np
import pytest

from autograder.mistakes import load_bank
from check_replay import (ROOT, assert_fails_saying, failure_line, mutated_module, not_implemented,
                          run_check, targets_of)
from cs231n_core.classifiers import linear_classifier, linear_svm, softmax

TARGETS = targets_of("svm", "softmax")
MODULES = {"cs231n_core/classifiers/linear_svm.py": linear_svm,
           "cs231n_core/classifiers/softmax.py": softmax,
           "cs231n_core/classifiers/linear_classifier.py": linear_classifier}

# Mistakes whose values are right: the hidden graders' speed checks see them, the public
# checks by the loop's reads of one example at a time.
SPEED_ONLY = {"svm_vec_loop_over_examples", "softmax_vec_loop_over_examples"}
BANK = [m for m in load_bank("assignment1") if m["target"] in TARGETS]


def broken(mistake):
    """The target's function (or method) from the reference source with the mistake in it."""
    module = MODULES[mistake["file"]]
    mutated = mutated_module(mistake, name=module.__name__ + "_broken")
    if "." in mistake["target"]:
        cls, method = mistake["target"].split(".")
        return types.SimpleNamespace(owner=getattr(module, cls), name=method,
                                     value=getattr(getattr(mutated, cls), method))
    return types.SimpleNamespace(owner=module, name=mistake["target"],
                                 value=getattr(mutated, mistake["target"]))


# ---- every mistake of the bank that changes values fails its public check ---------------

def test_the_bank_has_mistakes_for_every_target():
    assert {m["target"] for m in BANK} == set(TARGETS)
    assert SPEED_ONLY <= {m["id"] for m in BANK}


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_bank_mistake_fails_its_check(monkeypatch, capsys, mistake):
    bug = broken(mistake)
    monkeypatch.setattr(bug.owner, bug.name, bug.value)
    result, out = run_check(capsys, mistake["target"])
    assert result is False, out
    line = failure_line(out, mistake["target"])
    if mistake["id"] in SPEED_ONLY:
        assert "is a Python loop over the examples left?" in line, out


# ---- the sentences of the common mistakes -------------------------------------------------

def bank_mistake(mistake_id):
    return next(m for m in BANK if m["id"] == mistake_id)


@pytest.mark.parametrize("mistake_id, expected", [
    ("svm_naive_counts_correct_class", r"1 too large: skip the correct class"),
    ("svm_vec_counts_correct_class", r"1 too large: skip the correct class"),
    ("svm_naive_no_delta", r"forget the margin delta = 1"),
    ("svm_vec_loss_not_averaged", r"forget to divide by the number of examples"),
    ("svm_naive_gradient_not_averaged", r"gradient of the small example.*divide by the number"),
    ("svm_naive_no_correct_class_gradient", r"subtracts X\[i\] from column y\[i\]"),
    ("svm_naive_reg_gradient_no_two", r"is 2 \* reg \* W, not reg \* W"),
    ("svm_vec_no_reg_gradient", r"forget the regularization's gradient"),
    ("svm_naive_reg_half", r"without a factor 0.5"),
    ("softmax_vec_no_reg_in_loss", r"forget to add the regularization to the loss"),
    ("softmax_naive_no_shift", r"NaN or inf for scores around 1000.*subtract each example's "
                               r"largest score"),
    ("softmax_vec_no_shift", r"NaN or inf for scores around 1000"),
    ("softmax_vec_no_minus_one", r"did you subtract 1 at the correct class"),
    ("svm_train_wrong_sign", r"W moved up the gradient"),
    ("svm_train_ignores_learning_rate", r"ignores the learning rate"),
    ("svm_train_reinitializes_w", r"must keep the weights it was given"),
    ("svm_train_without_replacement", r"raised ValueError"),
    ("svm_train_labels_not_batched", r"did not go down .*the same random indices"),
    ("svm_predict_returns_scores", r"returned the \(5, 3\) scores"),
    ("svm_predict_argmax_axis0", r"argmax over the classes \(axis 1\)"),
    ("svm_predict_max_not_argmax", r"expected an integer dtype"),
])
def test_mistake_sentences(monkeypatch, capsys, mistake_id, expected):
    mistake = bank_mistake(mistake_id)
    bug = broken(mistake)
    monkeypatch.setattr(bug.owner, bug.name, bug.value)
    assert_fails_saying(capsys, mistake["target"], expected)


# ---- a loss not written yet, changed inputs, wrong returns --------------------------------

def test_train_needs_the_svm_loss(monkeypatch, capsys):
    monkeypatch.setattr(linear_classifier.LinearSVM, "loss", not_implemented)
    result, out = run_check(capsys, "LinearClassifier.train")
    assert result is False
    assert 'run check("svm_loss_vectorized") first' in failure_line(out, "LinearClassifier.train")


def test_loss_that_changes_its_inputs(monkeypatch, capsys):
    reference = softmax.softmax_loss_naive

    def in_place(W, X, y, reg):
        X -= np.mean(X, axis=0)
        return reference(W, X, y, reg)

    monkeypatch.setattr(softmax, "softmax_loss_naive", in_place)
    result, out = run_check(capsys, "softmax_loss_naive")
    assert result is False
    assert "changed its inputs" in failure_line(out, "softmax_loss_naive")


@pytest.mark.parametrize("returned, expected", [
    (lambda W: 1.0, r"should return a pair \(loss, dW\), got a float"),
    (lambda W: (1.0, W, W), r"should return a pair \(loss, dW\), got 3 values"),
    (lambda W: (None, W), r"the loss is None"),
    (lambda W: (np.ones(3), W), r"single number"),
    (lambda W: (1.0, W.T), r"dW: shape \(3, 2\), expected \(2, 3\)"),
    (lambda W: (1.0, None), r"dW: returned None"),
])
def test_wrong_returns(monkeypatch, capsys, returned, expected):
    monkeypatch.setattr(linear_svm, "svm_loss_naive", lambda W, X, y, reg: returned(W))
    assert_fails_saying(capsys, "svm_loss_naive", expected)


def test_other_implementation_only_a_note(monkeypatch, capsys):
    """A loss that matches the stored values passes even if the other one is wrong."""
    bug = broken(bank_mistake("svm_vec_no_delta"))
    monkeypatch.setattr(bug.owner, bug.name, bug.value)
    result, out = run_check(capsys, "svm_loss_naive")
    assert result is True
    assert "[note] svm_loss_naive: differs from svm_loss_vectorized" in out
    monkeypatch.setattr(linear_svm, "svm_loss_vectorized", not_implemented)
    result, out = run_check(capsys, "svm_loss_naive")
    assert result is True
    assert "[note] svm_loss_naive: skipped the comparison" in out


@pytest.mark.parametrize("module", ["svm.py", "softmax.py", "linear_tools.py"])
def test_no_solution_in_the_linear_checks(module):
    source = (ROOT / "cs231n_core" / "checks" / module).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in source
    assert "@ " not in source and "np.exp(" not in source and "np.maximum(" not in source
