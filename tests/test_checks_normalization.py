"""The public checks of the normalization layers: they pass on the reference, and fail
with one sentence on the realistic mistakes of the hidden graders' bank (applied to a
copy of layers.py loaded as a module), except for the few that only timing can see."""
import numpy as np
import pytest

from autograder.mistakes import load_bank
from check_replay import failure_line, mutated_module, run_check
from cs231n_core import layers
from cs231n_core.checks import known_targets

TARGETS = ["batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
           "layernorm_forward", "layernorm_backward", "spatial_batchnorm_forward",
           "spatial_batchnorm_backward", "spatial_groupnorm_forward", "spatial_groupnorm_backward"]
BANK = [m for m in load_bank("assignment2") if m["target"] in TARGETS]
ONLY_TIMING_SEES = {"alt_loops_over_features", "alt_loops_over_examples"}


def test_targets_are_registered():
    assert set(TARGETS) <= set(known_targets())


@pytest.mark.parametrize("target", TARGETS)
def test_reference_passes(capsys, target):
    state = np.random.get_state()
    result, out = run_check(capsys, target)
    assert result is True, out
    lines = out.strip().splitlines()
    assert len(lines) >= 4
    assert all(line.startswith(("[ok]   %s: " % target, "[note] %s: " % target)) for line in lines), out
    after = np.random.get_state()
    assert np.array_equal(state[1], after[1]) and state[2] == after[2]  # global RNG untouched


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_check(capsys, monkeypatch, mistake):
    mutated = mutated_module(mistake)
    for name in TARGETS:
        monkeypatch.setattr(layers, name, getattr(mutated, name))
    result, out = run_check(capsys, mistake["target"])
    if mistake["id"] in ONLY_TIMING_SEES:
        assert result is True, out
        return
    assert result is False, out
    assert len(failure_line(out, mistake["target"])) < 400, out


def test_not_implemented_is_reported(capsys, monkeypatch):
    def missing(*args):
        raise NotImplementedError("batchnorm_forward: write your code in cs231n_core/layers.py")
    monkeypatch.setattr(layers, "batchnorm_forward", missing)
    result, out = run_check(capsys, "batchnorm_forward")
    assert result is False and out.startswith("[todo] batchnorm_forward: not implemented yet"), out
