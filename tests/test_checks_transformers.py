"""The public checks of the transformers (that they pass on the reference without
touching torch's random numbers: tests/test_checks.py): they fail with one sentence on the
realistic mistakes of the bank (each applied to a private copy of the module, in this
process), every one of them: a layer norm used in place of another is seen by giving
each norm weights of its own."""
import pytest

from autograder.mistakes import load_bank
from check_replay import assert_bank_mistake_fails
from cs231n_core import transformer_layers
from cs231n_core.classifiers import transformer

MODULES = {"cs231n_core/transformer_layers.py": transformer_layers,
           "cs231n_core/classifiers/transformer.py": transformer}
BANK = [m for m in load_bank("assignment4") if m["file"] in MODULES]


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    module = MODULES[mistake["file"]]
    assert_bank_mistake_fails(capsys, monkeypatch, mistake, module, module.__all__)
