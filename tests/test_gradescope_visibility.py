"""Gradescope per-test visibility, as instructors set it: e.g. the held-out accuracy
checks shown only after the due date."""
import json
import zipfile

import pytest

from autograder import gradescope


def test_bundle_carries_the_rules_and_run_autograder_applies_them(tmp_path, monkeypatch):
    bundle = gradescope.build_bundle("assignment1", str(tmp_path / "autograder.zip"),
                                     visibility=["*held-out*=after_due_date", "svm_loss_naive: *=hidden"])
    root = tmp_path / "root"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    assert json.loads((root / "source" / gradescope.VISIBILITY_FILE).read_text()) == [
        ["*held-out*", "after_due_date"], ["svm_loss_naive: *", "hidden"]]

    tests = [{"name": "LinearClassifier.predict: held-out digits with weights trained by the reference",
              "score": 4.0, "max_score": 4.0, "visibility": "visible"},
             {"name": "svm_loss_naive: loss matches the reference", "score": 1.0, "max_score": 1.0,
              "visibility": "visible"},
             {"name": "affine_forward: output matches the reference", "score": 1.0, "max_score": 1.0,
              "visibility": "visible"}]
    monkeypatch.setattr(gradescope, "grade_upload",
                        lambda *args: {"score": 6.0, "execution_time": 1.0, "output": "", "tests": tests})
    assert gradescope.main(["--assignment", "assignment1", "--root", str(root)]) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    assert [t["visibility"] for t in results["tests"]] == ["after_due_date", "hidden", "visible"]


def test_without_rules_every_test_stays_visible(tmp_path):
    bundle = gradescope.build_bundle("assignment1", str(tmp_path / "autograder.zip"))
    with zipfile.ZipFile(bundle) as archive:
        assert gradescope.VISIBILITY_FILE not in archive.namelist()


@pytest.mark.parametrize("rule, words", [("*held-out*", "PATTERN=VISIBILITY"),
                                         ("*held-out*=later", "'later' is none of"),
                                         ("=hidden", "PATTERN=VISIBILITY")])
def test_a_bad_rule_is_refused_clearly(rule, words):
    with pytest.raises(ValueError, match=words):
        gradescope.parse_visibility([rule])
