"""The public checks of the generative models (that they pass on the reference without
touching torch's random numbers: tests/test_checks.py): they fail with one sentence on the
realistic mistakes of the bank (each applied to a private copy of the module, in this
process), but for the few listed below, which only the hidden graders' statistics or
training runs can see."""
import pytest

from autograder.mistakes import load_bank
from check_replay import assert_bank_mistake_fails
from cs231n_core import generative

MODULE_FILE = "cs231n_core/generative.py"
BANK = [m for m in load_bank("assignment3") if m["file"] == MODULE_FILE]
# Mistakes that quick public checks do not see: the hidden graders do.
ONLY_HIDDEN = {"pixelcnn_sample_column_major"}  # its effect on 4x4 samples is too faint


@pytest.mark.parametrize("mistake", [m for m in BANK if m["id"] not in ONLY_HIDDEN],
                         ids=[m["id"] for m in BANK if m["id"] not in ONLY_HIDDEN])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    assert_bank_mistake_fails(capsys, monkeypatch, mistake, generative, generative.__all__)
