"""The public checks of the PyTorch targets: they pass on the reference without touching
torch's random numbers, and fail with one sentence on every realistic mistake of the bank
(each applied to a private copy of the module, in this process)."""
import pytest
import torch

from autograder.mistakes import load_bank
from check_replay import failure_line, mutated_module, run_check
from cs231n_core import pytorch_models
from cs231n_core.checks import known_targets

TARGETS = ["flatten", "random_weight", "two_layer_fc", "three_layer_convnet", "TwoLayerFC",
           "TorchThreeLayerConvNet", "check_accuracy", "train"]
MODULE_FILE = "cs231n_core/pytorch_models.py"
BANK = [m for m in load_bank("assignment2") if m["file"] == MODULE_FILE]


def test_targets_are_registered():
    assert set(TARGETS) <= set(known_targets())


@pytest.mark.parametrize("target", TARGETS)
def test_reference_passes_and_keeps_torch_rng(capsys, target):
    state = torch.random.get_rng_state()
    result, out = run_check(capsys, target)
    assert result is True, out
    lines = out.strip().splitlines()
    assert all(line.startswith("[ok]   %s: " % target) for line in lines), out
    assert "public checks pass" in lines[-1]
    assert torch.equal(torch.random.get_rng_state(), state)


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    mutated = mutated_module(mistake)
    for name in pytorch_models.__all__:
        monkeypatch.setattr(pytorch_models, name, getattr(mutated, name))
    result, out = run_check(capsys, mistake["target"])
    assert result is False, "%s passes the public checks of %s" % (mistake["id"], mistake["target"])
    assert len(failure_line(out, mistake["target"])) < 400, out
