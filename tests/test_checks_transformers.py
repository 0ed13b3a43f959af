"""The public checks of the transformers (that they pass on the reference without
touching torch's random numbers: tests/test_checks.py): they fail with one sentence on the
realistic mistakes of the bank (each applied to a private copy of the module, in this
process), but for the few listed below, which only the hidden graders can see."""
import pytest

from autograder.mistakes import load_bank
from check_replay import assert_bank_mistake_fails, patch_in_mistake, run_check
from cs231n_core import transformer_layers
from cs231n_core.classifiers import transformer

MODULES = {"cs231n_core/transformer_layers.py": transformer_layers,
           "cs231n_core/classifiers/transformer.py": transformer}
BANK = [m for m in load_bank("assignment4") if m["file"] in MODULES]
# Mistakes that quick public checks do not see: the hidden graders do. The public checks
# build the layers with CS231n's seeded weights, whose layer norms are all the identity,
# so one layer norm passes for another.
ONLY_HIDDEN = {"decoder_cross_normalized_by_norm_self", "encoder_feed_forward_normalized_by_norm_self"}


@pytest.mark.parametrize("mistake", [m for m in BANK if m["id"] not in ONLY_HIDDEN],
                         ids=[m["id"] for m in BANK if m["id"] not in ONLY_HIDDEN])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    module = MODULES[mistake["file"]]
    assert_bank_mistake_fails(capsys, monkeypatch, mistake, module, module.__all__)


@pytest.mark.parametrize("mistake", [m for m in BANK if m["id"] in ONLY_HIDDEN],
                         ids=[m["id"] for m in BANK if m["id"] in ONLY_HIDDEN])
def test_mistakes_only_the_hidden_graders_see_pass_the_public_checks(mistake, capsys, monkeypatch):
    """Kept honest: a mistake listed here that the public checks start to catch moves out."""
    module = MODULES[mistake["file"]]
    patch_in_mistake(monkeypatch, mistake, module, module.__all__)
    assert run_check(capsys, mistake["target"])[0] is True
