"""The public checks of the recurrent layers and CaptioningRNN (that they pass on the
reference: tests/test_checks.py): they fail with one sentence on the realistic mistakes of
the bank (each applied to a private copy of its module, in this process), every one of
them, in a sentence shorter than 400 characters."""
import pytest

from autograder.mistakes import load_bank
from check_replay import assert_bank_mistake_fails, targets_of
from cs231n_core import rnn_layers
from cs231n_core.classifiers import rnn

BANK = [m for m in load_bank("assignment4") if m["target"] in targets_of("rnn_captioning", "lstm_captioning")]
MODULES = {"cs231n_core/rnn_layers.py": (rnn_layers, [name for name in dir(rnn_layers) if not name.startswith("_")]),
           "cs231n_core/classifiers/rnn.py": (rnn, ["CaptioningRNN"])}


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    module, names = MODULES[mistake["file"]]
    assert_bank_mistake_fails(capsys, monkeypatch, mistake, module, names, max_line=400)
