"""The public checks of the recurrent layers and CaptioningRNN (that they pass on the
reference: tests/test_checks.py): they fail with one sentence on the realistic mistakes of
the bank (each applied to a private copy of its module, in this process), but for the
few listed below, which only the hidden graders see."""
import pytest

from autograder.mistakes import load_bank
from check_replay import patch_in_mistake, run_check, targets_of
from cs231n_core import rnn_layers
from cs231n_core.classifiers import rnn

BANK = [m for m in load_bank("assignment4") if m["target"] in targets_of("rnn_captioning", "lstm_captioning")]
MODULES = {"cs231n_core/rnn_layers.py": (rnn_layers, [name for name in dir(rnn_layers) if not name.startswith("_")]),
           "cs231n_core/classifiers/rnn.py": (rnn, ["CaptioningRNN"])}
# Mistakes that the quick public checks do not see: the hidden graders do.
ONLY_HIDDEN = set()


@pytest.mark.parametrize("mistake", [m for m in BANK if m["id"] not in ONLY_HIDDEN],
                         ids=[m["id"] for m in BANK if m["id"] not in ONLY_HIDDEN])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    module, names = MODULES[mistake["file"]]
    patch_in_mistake(monkeypatch, mistake, module, names)
    result, out = run_check(capsys, mistake["target"])
    assert result is False, "%s passes the public checks of %s" % (mistake["id"], mistake["target"])
    lines = out.strip().splitlines()
    if lines[-1].startswith("[hint]"):  # a known mistake named after the failure
        lines.pop()
    assert lines[-1].startswith("[FAIL]") and len(lines[-1]) < 400, lines[-1]
