"""The public checks: those of every graded target pass on the reference, and (shown on the
k-nearest neighbor classifier) they fail with a useful sentence on realistic mistakes and
report targets that are not implemented yet."""
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from check_replay import Mistakes, failure_line, function_targets, not_implemented, run_check
from cs231n_core import checks, layers
from cs231n_core.checks import check, check_all, known_targets
from cs231n_core.classifiers.k_nearest_neighbor import KNearestNeighbor
from cs231n_core.targets import SECTIONS, section_targets

KNN_TARGETS = ["compute_distances_two_loops", "compute_distances_one_loop",
               "compute_distances_no_loops", "predict_labels"]
DISTANCES = KNN_TARGETS[:3]

FUNCTION_TARGETS = function_targets()
EVERY_TARGET = [(section.key, target) for section in SECTIONS
                for target in section_targets(section)]
# The sections whose targets have many checks: the least number of lines each target's
# reference run prints (every other target: at least one check and the count).
MIN_LINES = {"knn": 5, "svm": 4, "softmax": 4, "two_layer_net": 4, "batchnorm": 4, "cnn": 4,
             "spatial_norm": 4}
NOTED = {"batchnorm_backward_alt"}  # its checks time it against batchnorm_backward: a note
# Targets whose checks seed numpy's global generator for what the reference draws from it
# (minibatches, initial weights, dropout masks), and leave it so.
DRAWS_NUMPY_RANDOM_NUMBERS = {"LinearClassifier.train", "features_net_setup", "FullyConnectedNet",
                              "fc_challenge_setup", "dropout_forward", "dropout_backward"}


def same_numpy_state(state, other):
    """Whether two np.random.get_state() tuples are the same state."""
    return all(np.array_equal(a, b) for a, b in zip(state, other))


# ---- realistic mistakes, each with what its check must say --------------------------------

DISTANCE_MISTAKES, LABEL_MISTAKES = Mistakes(), Mistakes()


@DISTANCE_MISTAKES.of(DISTANCES,
                      r"the expected distances: relative error \d\.\d\de[+-]\d\d is above the "
                      r"tolerance 1e-06 \(shape \(5, 7\)\); did you forget the square root")
def squared_distances(self, X):
    return np.sum((X[:, None, :] - self.X_train[None, :, :]) ** 2, axis=2)


@DISTANCE_MISTAKES.of(DISTANCES,
                      r"the expected distances: relative error \d\.\d\de[+-]\d\d is above the "
                      r"tolerance 1e-06 \(shape \(5, 7\)\)")
def l1_distances(self, X):
    return np.sum(np.abs(X[:, None, :] - self.X_train[None, :, :]), axis=2)


@DISTANCE_MISTAKES.of(DISTANCES, r"shape \(7, 5\), expected \(5, 7\); rows and columns are swapped")
def transposed_distances(self, X):
    return np.sqrt(np.sum((self.X_train[:, None, :] - X[None, :, :]) ** 2, axis=2))


def unclipped_no_loops(self, X):
    sq = (np.sum(X * X, axis=1, keepdims=True) - 2.0 * X @ self.X_train.T
          + np.sum(self.X_train * self.X_train, axis=1))
    return np.sqrt(sq)


@DISTANCE_MISTAKES.of(DISTANCES, r"dtype int64, expected a floating dtype")
def integer_distances(self, X):
    return np.sqrt(np.sum((X[:, None, :] - self.X_train[None, :, :]) ** 2, axis=2)).astype(int)


@DISTANCE_MISTAKES.of(DISTANCES, r"returned None; did you forget the return statement")
def forgot_return(self, X):
    np.sqrt(np.sum((X[:, None, :] - self.X_train[None, :, :]) ** 2, axis=2))


@DISTANCE_MISTAKES.of(DISTANCES, r"raised ValueError: .*\(at test_checks.py line \d+\)")
def crashes(self, X):
    return X[:, :, None] @ self.X_train  # shapes do not fit


@LABEL_MISTAKES.of("predict_labels",
                   r"a hand-made vote with ties .*labels differ .*ties must go to the "
                   r"smallest label")
def most_common_first(self, dists, k=1):
    """Counter.most_common: ties go to the label met first (the nearest), not the smallest."""
    y = np.asarray(self.y_train)
    return np.array([Counter(y[np.argsort(row)[:k]].tolist()).most_common(1)[0][0]
                     for row in dists], dtype=np.int64)


@LABEL_MISTAKES.of("predict_labels", r"a hand-made vote with ties .*labels differ")
def ignores_k(self, dists, k=1):
    return np.asarray(self.y_train)[np.argmin(dists, axis=1)].astype(np.int64)


@LABEL_MISTAKES.of("predict_labels",
                   r"a hand-made vote with ties \(k = 1..6\): 1 of 6 labels differ|"
                   r"k=1 on random distances: \d of 6 labels differ")
def farthest(self, dists, k=1):
    y = np.asarray(self.y_train)
    return np.array([np.argmax(np.bincount(y[np.argsort(-row)[:k]])) for row in dists])


@LABEL_MISTAKES.of("predict_labels", r"changed the dists array")
def sorts_in_place(self, dists, k=1):
    y = np.asarray(self.y_train)
    order = np.argsort(dists, axis=1, kind="stable")
    dists.sort(axis=1)
    return np.array([np.argmax(np.bincount(y[o[:k]])) for o in order], dtype=np.int64)


@LABEL_MISTAKES.of("predict_labels", r"dtype float64, expected an integer dtype")
def float_labels(self, dists, k=1):
    y = np.asarray(self.y_train)
    return np.array([np.argmax(np.bincount(y[np.argsort(row)[:k]])) for row in dists],
                    dtype=np.float64)


@LABEL_MISTAKES.of("predict_labels", r"returned None")
def forgot_return_labels(self, dists, k=1):
    np.zeros(dists.shape[0], dtype=np.int64)


# ---- the reference passes ----------------------------------------------------------------

def test_targets_are_registered():
    assert known_targets()[:4] == KNN_TARGETS  # the later sections' targets follow


@pytest.mark.parametrize("section, target", EVERY_TARGET,
                         ids=[target for _, target in EVERY_TARGET])
def test_reference_passes(capsys, section, target):
    """The public checks of every graded target pass on the reference: one [ok] line a
    check (and the timing note of batchnorm_backward_alt), then the count of checks that
    passed. They leave torch's random numbers as they were, and numpy's too but where
    they seed it for the reference's own draws, so that a notebook's later random numbers
    are those it would draw without the check."""
    assert target in known_targets()
    numpy_state, torch_state = np.random.get_state(), torch.random.get_rng_state()
    result, out = run_check(capsys, target)
    assert result is True, out
    *lines, summary = out.strip().splitlines()
    kinds = ("[ok]   %s: " % target,) + (("[note] %s: " % target,) if target in NOTED else ())
    assert all(line.startswith(kinds) for line in lines), out
    passed = sum(line.startswith("[ok]") for line in lines)
    assert summary == "[ok]   %s: all %d public checks pass" % (target, passed), out
    assert len(lines) + 1 >= MIN_LINES.get(section, 2), out
    if target not in DRAWS_NUMPY_RANDOM_NUMBERS:
        assert same_numpy_state(np.random.get_state(), numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


def test_check_all_passes_on_reference(capsys):
    assert check_all() is True
    count = len(known_targets())
    assert "%d of %d targets pass" % (count, count) in capsys.readouterr().out
    assert check_all(["predict_labels"]) is True


def test_qualified_name_is_accepted(capsys):
    assert check("KNearestNeighbor.predict_labels") is True


# ---- mistakes fail, with a sentence that says why -----------------------------------------

test_wrong_distances_fail = DISTANCE_MISTAKES.test()


def test_unclipped_no_loops_fails_on_nan(monkeypatch, capsys):
    monkeypatch.setattr(KNearestNeighbor, "compute_distances_no_loops", unclipped_no_loops)
    result, out = run_check(capsys, "compute_distances_no_loops")
    assert result is False
    line = failure_line(out, "compute_distances_no_loops")
    assert "NaN" in line and "clip it at 0 before the square root" in line


def test_wrong_other_function_is_only_a_note(monkeypatch, capsys):
    """A target that matches the stored values passes even if another one is wrong."""
    monkeypatch.setattr(KNearestNeighbor, "compute_distances_two_loops", squared_distances)
    monkeypatch.setattr(KNearestNeighbor, "compute_distances_one_loop", not_implemented)
    result, out = run_check(capsys, "compute_distances_no_loops")
    assert result is True
    assert "[note] compute_distances_no_loops: differs from compute_distances_two_loops" in out
    assert "skipped the comparison with compute_distances_one_loop" in out


test_wrong_predict_labels_fails = LABEL_MISTAKES.test()


def test_most_common_passes_k1_and_fails_on_ties(monkeypatch, capsys):
    """The tie-breaking mistake passes k=1 and is caught by the hand-made vote."""
    monkeypatch.setattr(KNearestNeighbor, "predict_labels", most_common_first)
    result, out = run_check(capsys, "predict_labels")
    assert result is False
    assert "[ok]   predict_labels: right labels for k=1 on random distances" in out
    assert ("a hand-made vote with ties (k = 1..6): 4 of 6 labels differ from the expected ones "
            "(got [3, 3, 3, 3, 3, 3], expected [3, 2, 1, 3, 1, 1]); ties must go to the smallest "
            "label") in out


# ---- not implemented, unknown, interrupted -----------------------------------------------

@pytest.mark.parametrize("target, owner, name", FUNCTION_TARGETS,
                         ids=[target for target, _, _ in FUNCTION_TARGETS])
def test_not_implemented(monkeypatch, capsys, target, owner, name):
    """A function or method target not written yet (as released) is reported so, in one line."""
    monkeypatch.setattr(owner, name, not_implemented)
    result, out = run_check(capsys, target)
    assert result is False
    assert out == ("[todo] %s: not implemented yet: not_implemented raises NotImplementedError "
                   "(write your code here)\n" % target)


@pytest.mark.parametrize("forward, backward", [
    ("affine_forward", "affine_backward"), ("relu_forward", "relu_backward"),
    ("conv_forward_naive", "conv_backward_naive"),
    ("max_pool_forward_naive", "max_pool_backward_naive"), ("dropout_forward", "dropout_backward"),
])
def test_backward_checks_skip_the_numerical_check_without_a_forward_pass(monkeypatch, capsys,
                                                                         forward, backward):
    monkeypatch.setattr(layers, forward, not_implemented)
    result, out = run_check(capsys, backward)
    assert result is True, out
    assert "[note] %s: skipped the numerical gradient check" % backward in out


def test_other_function_not_implemented_does_not_matter(monkeypatch, capsys):
    for target in ("compute_distances_two_loops", "compute_distances_one_loop"):
        monkeypatch.setattr(KNearestNeighbor, target, not_implemented)
    result, out = run_check(capsys, "compute_distances_no_loops")
    assert result is True
    assert out.count("skipped the comparison") == 2


def test_unknown_target_lists_known_ones(capsys):
    result, out = run_check(capsys, "compute_distance_no_loops")
    assert result is False
    assert "unknown target 'compute_distance_no_loops'" in out
    assert "did you mean 'compute_distances_no_loops'" in out
    for target in KNN_TARGETS:
        assert target in out


def test_graded_target_without_public_checks(monkeypatch, capsys):
    monkeypatch.setattr(checks, "_graded_target_names", lambda: {"a_future_target"})
    result, out = run_check(capsys, "a_future_target")
    assert result is True
    assert "no public checks yet" in out


def test_keyboard_interrupt_is_not_swallowed(monkeypatch):
    def interrupted(self, X):
        raise KeyboardInterrupt
    monkeypatch.setattr(KNearestNeighbor, "compute_distances_two_loops", interrupted)
    with pytest.raises(KeyboardInterrupt):
        check("compute_distances_two_loops")


def test_sys_exit_is_a_failure(monkeypatch, capsys):
    def exits(self, X):
        raise SystemExit(3)
    monkeypatch.setattr(KNearestNeighbor, "compute_distances_one_loop", exits)
    result, out = run_check(capsys, "compute_distances_one_loop")
    assert result is False
    assert "raised SystemExit" in out


def test_check_all_reports_failures(monkeypatch, capsys):
    monkeypatch.setattr(KNearestNeighbor, "predict_labels", not_implemented)
    assert check_all() is False
    count = len(known_targets())
    assert "%d of %d targets pass" % (count - 1, count) in capsys.readouterr().out


# ---- the registry and what the module may not contain -------------------------------------

def test_duplicate_registration_is_refused():
    with pytest.raises(ValueError):
        checks.public_check("predict_labels")(lambda t: None)


def test_registered_new_target(monkeypatch, capsys):
    monkeypatch.setattr(checks, "_CHECKS", dict(checks._CHECKS))

    @checks.public_check("double")
    def _check_double(t):
        got = t.call(lambda x: 2 * x, np.arange(3.0))
        t.expect_close(got, [0.0, 2.0, 4.0], 1e-6, "the doubled values")

    assert check("double") is True
    out = capsys.readouterr().out
    assert "[ok]   double: matches the doubled values" in out


def test_no_solution_in_public_checks():
    source = "".join(p.read_text() for p in Path(checks.__file__).parent.glob("*.py"))
    assert "BEGIN SOLUTION" not in source
    # no distance formula or vote: only stored numbers and properties
    assert "np.bincount(" not in source.replace("np.bincount + np.argmax", "")
    assert "X_train.T" not in source and "@ " not in source
