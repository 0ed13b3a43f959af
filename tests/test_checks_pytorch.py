"""The public checks of the PyTorch targets: they pass on the reference without touching
torch's random numbers, and fail with one sentence on every realistic mistake of the bank
(each applied to a private copy of the module, in this process)."""
import os
import types

import pytest
import torch

from autograder.mistakes import load_bank
from cs231n_core import pytorch_models
from cs231n_core.checks import check, known_targets

TARGETS = ["flatten", "random_weight", "two_layer_fc", "three_layer_convnet", "TwoLayerFC",
           "TorchThreeLayerConvNet", "check_accuracy", "train"]
MODULE_FILE = "cs231n_core/pytorch_models.py"
BANK = [m for m in load_bank("assignment2") if m["file"] == MODULE_FILE]


def run_check(capsys, target):
    result = check(target)
    out = capsys.readouterr()
    assert out.err == ""  # nbgrader gives 0 points to a test cell that writes to stderr
    return result, out.out


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


def mutated_module(mistake):
    """pytorch_models with the mistake applied, as a new module object."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), MODULE_FILE)
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    assert source.count(mistake["find"]) == 1
    module = types.ModuleType("mutated_pytorch_models")
    module.__file__ = path
    exec(compile(source.replace(mistake["find"], mistake["replace"]), path, "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_public_check(mistake, capsys, monkeypatch):
    mutated = mutated_module(mistake)
    for name in pytorch_models.__all__:
        monkeypatch.setattr(pytorch_models, name, getattr(mutated, name))
    result, out = run_check(capsys, mistake["target"])
    assert result is False, "%s passes the public checks of %s" % (mistake["id"], mistake["target"])
    fails = [line for line in out.splitlines() if line.startswith("[FAIL] %s: " % mistake["target"])]
    assert len(fails) == 1 and len(fails[0]) < 400, out
