"""The public checks of the PyTorch targets (that they pass on the reference without
touching torch's random numbers: tests/test_checks.py): they fail with one sentence on
every realistic mistake of the bank (each applied to a private copy of the module, in this
process)."""
import pytest

from autograder.mistakes import load_bank
from check_replay import failure_line, patch_in_mistake, run_check
from cs231n_core import pytorch_models

MODULE_FILE = "cs231n_core/pytorch_models.py"
BANK = [m for m in load_bank("assignment2") if m["file"] == MODULE_FILE]


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    patch_in_mistake(monkeypatch, mistake, pytorch_models, pytorch_models.__all__)
    result, out = run_check(capsys, mistake["target"])
    assert result is False, "%s passes the public checks of %s" % (mistake["id"], mistake["target"])
    assert len(failure_line(out, mistake["target"])) < 400, out
