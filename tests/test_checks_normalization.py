"""The public checks of the normalization layers (that they pass on the reference:
tests/test_checks.py): they fail with one sentence on the realistic mistakes of the hidden
graders' bank (applied to a copy of layers.py loaded as a module), except for the few that
only timing can see."""
import pytest

from autograder.mistakes import load_bank
from check_replay import failure_line, patch_in_mistake, run_check, targets_of
from cs231n_core import layers

TARGETS = targets_of("batchnorm", "spatial_norm")
BANK = [m for m in load_bank("assignment2") if m["target"] in TARGETS]
# Right values: the hidden graders time them, the public check counts the loop's reads.
ONLY_TIMING_SEES = {"alt_loops_over_features", "alt_loops_over_examples"}


@pytest.mark.parametrize("mistake", BANK, ids=[m["id"] for m in BANK])
def test_mistake_fails_its_check(capsys, monkeypatch, mistake):
    patch_in_mistake(monkeypatch, mistake, layers, TARGETS)
    result, out = run_check(capsys, mistake["target"])
    assert result is False, out
    assert len(failure_line(out, mistake["target"])) < 400, out
    if mistake["id"] in ONLY_TIMING_SEES:
        assert "is a Python loop over the examples or features left?" in out, out
