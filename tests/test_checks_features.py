"""The public checks of features_net_setup (cs231n_core/checks/features.py), which pass on
the reference (tests/test_checks.py), fail, with a sentence that says why, on the bank's
set-up that a public check can see (zero epochs) and on set-ups the hidden grader cannot
read. The other mistakes of the bank (a tiny or huge learning rate, one hidden unit, ...)
are valid set-ups that train badly: only the hidden grader's accuracy sees them."""
import pytest

from autograder.mistakes import load_bank
from check_replay import failure_line, mutated_module, run_check
from cs231n_core import features_setup

TARGET = "features_net_setup"
BANK = {m["id"]: m for m in load_bank("assignment1") if m["target"] == TARGET}


def test_zero_epochs_fails(monkeypatch, capsys):
    mutated = mutated_module(BANK["features_net_zero_epochs"])
    monkeypatch.setattr(features_setup, TARGET, mutated.features_net_setup)
    result, out = run_check(capsys, TARGET)
    assert result is False
    assert "num_epochs must be a whole number of at least 1" in failure_line(out, TARGET)


def reference_with(change):
    setup = features_setup.features_net_setup()
    change(setup)
    return lambda: setup


@pytest.mark.parametrize("change, sentence", [
    (lambda s: s["solver"].update({"update_rule": "sgd"}), "must have exactly the keys"),
    (lambda s: s["model"].pop("reg"), "must have exactly the keys"),
    (lambda s: s["model"].update(hidden_dim="500"), "hidden_dim must be a finite number"),
    (lambda s: s["solver"].update(num_epochs=500), "at most 50 epochs"),
    (lambda s: s["solver"].update(optim_config={"learning_rate": 0.0}), "must be positive"),
], ids=["string update rule", "missing reg", "string size", "too many epochs", "zero learning rate"])
def test_set_ups_the_grader_cannot_use_fail(monkeypatch, capsys, change, sentence):
    monkeypatch.setattr(features_setup, TARGET, reference_with(change))
    result, out = run_check(capsys, TARGET)
    assert result is False
    assert sentence in failure_line(out, TARGET)
