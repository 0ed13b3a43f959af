"""The outputs of a grading run list grades as the assignment teaches them: each notebook
in the assignment's order with its points, then its targets in the order of its
autograded cells (results.json, the score table, the feedback HTML).

The reports here are made by hand, with records in the graders' order (their modules
alphabetically: test_features.py first, whose checks grade features.ipynb's
features_net_setup, the last notebook's), so no grading runs."""
import re

import pytest

from autograder.trusted import report as report_module
from autograder.trusted.grade_report import GradeReport
from cs231n_core.targets import NOTEBOOK_TARGETS

# (grader module, target, points, passed), in the graders' order
GRADERS_ORDER = [
    ("test_features", "features_net_setup", 2.5, True),
    ("test_features", "features_net_setup", 2.5, True),
    ("test_features", "features_net_setup", 5.0, False),
    ("test_knn", "compute_distances_two_loops", 4.0, True),
    ("test_knn", "compute_distances_one_loop", 4.0, True),
    ("test_knn", "compute_distances_no_loops", 6.0, False),
    ("test_knn", "predict_labels", 6.0, True),
    ("test_softmax", "softmax_loss_naive", 8.0, True),
    ("test_softmax", "softmax_loss_vectorized", 12.0, True),
    ("test_svm", "svm_loss_naive", 5.0, True),
    ("test_svm", "svm_loss_vectorized", 5.0, True),
    ("test_svm", "LinearClassifier.train", 8.0, True),
    ("test_svm", "LinearClassifier.predict", 7.0, True),
    ("test_two_layer_net", "affine_forward", 2.0, True),
    ("test_two_layer_net", "affine_backward", 2.0, True),
    ("test_two_layer_net", "relu_forward", 2.0, True),
    ("test_two_layer_net", "relu_backward", 2.0, True),
    ("test_two_layer_net", "svm_loss", 2.0, True),
    ("test_two_layer_net", "softmax_loss", 2.0, True),
    ("test_two_layer_net", "TwoLayerNet", 13.0, True),
]
TEACHING_ORDER = ["knn.ipynb", "svm.ipynb", "softmax.ipynb", "two_layer_net.ipynb", "features.ipynb"]


def record(number, module, target, points, passed):
    return {"nodeid": "assignment1/%s.py::test_%d" % (module, number), "target": target,
            "description": "check %d of %s" % (number, target), "raw_points": points,
            "max_score": points, "score": points if passed else 0.0, "passed": passed,
            "message": "" if passed else "relative error %d too large" % number, "detail": "",
            "grader_error": False, "duration": 0.1}


@pytest.fixture
def report():
    records = [record(n, *row) for n, row in enumerate(GRADERS_ORDER)]
    return GradeReport(assignment="assignment1", submission="/sub", seed=1,
                       isolation="bubblewrap", records=records, execution_time=1.0)


def expected_target_order():
    return [t for notebook in TEACHING_ORDER for t in NOTEBOOK_TARGETS["assignment1"][notebook]]


def test_by_notebook_lists_notebooks_then_targets_in_teaching_order(report):
    groups = report.by_notebook()
    assert [notebook for notebook, _ in groups] == TEACHING_ORDER
    assert [t for _, targets in groups for t in targets] == expected_target_order()
    assert dict(groups)["features.ipynb"] == {"features_net_setup": (5.0, 10.0)}


def test_a_targets_points_sit_under_the_notebook_of_its_autograded_cell(report):
    """The features grader's checks (10 points) count under features.ipynb's own cell,
    not under TwoLayerNet's cell of two_layer_net.ipynb, which grades before it."""
    groups = dict(report.by_notebook())
    assert groups["two_layer_net.ipynb"]["TwoLayerNet"] == (13.0, 13.0)
    assert sum(m for _, m in groups["two_layer_net.ipynb"].values()) == pytest.approx(25.0)
    assert sum(m for _, m in groups["features.ipynb"].values()) == pytest.approx(10.0)
    assert sum(m for _, m in groups["knn.ipynb"].values()) == pytest.approx(20.0)


def test_score_table_reads_like_the_assignment(report):
    lines = report_module.score_table(report).splitlines()
    labels = [line.split()[0] for line in lines[3:lines.index(lines[2], 3)]]
    names = [label for label in labels if label.endswith(".ipynb")]
    assert names == TEACHING_ORDER
    assert [label for label in labels if not label.endswith(".ipynb")] == expected_target_order()
    row = {line.split()[0]: line for line in lines if line.strip()}
    assert row["knn.ipynb"].split()[1:] == ["14.00", "20.00"]  # the notebook's points
    assert row["two_layer_net.ipynb"].split()[1:] == ["25.00", "25.00"]
    assert row["TwoLayerNet"].startswith("  TwoLayerNet") and row["TwoLayerNet"].split()[1:] == ["13.00", "13.00"]
    assert row["features.ipynb"].split()[1:] == ["5.00", "10.00"]
    assert row["features_net_setup"].split()[1:] == ["5.00", "10.00"]
    # a target's row follows its own notebook's row
    position = {line.split()[0]: i for i, line in enumerate(lines) if line.strip()}
    assert position["two_layer_net.ipynb"] < position["TwoLayerNet"] < position["features.ipynb"] \
        < position["features_net_setup"]
    assert position["knn.ipynb"] < position["predict_labels"] < position["svm.ipynb"]
    failed = lines[lines.index("Failed checks:"):]
    assert failed[1].startswith("  compute_distances_no_loops") and failed[3].startswith("  features_net_setup")


def test_results_json_orders_tests_by_notebook_and_tags_the_notebook(report):
    data = report_module.results_json(report)
    assert [t["name"].split(": ", 1)[0] for t in data["tests"]] == [
        t for t in expected_target_order() for _ in range(sum(row[1] == t for row in GRADERS_ORDER))]
    for test in data["tests"]:
        target = test["name"].split(": ", 1)[0]
        notebook = next(n for n, ts in NOTEBOOK_TARGETS["assignment1"].items() if target in ts)
        assert test["tags"] == [target, notebook]
        assert set(test) == {"name", "score", "max_score", "status", "output", "tags", "visibility"}
    # one target's checks stay in the graders' order
    features = [t["name"] for t in data["tests"] if t["tags"][0] == "features_net_setup"]
    assert features == ["features_net_setup: check %d of features_net_setup" % n for n in (0, 1, 2)]
    assert data["tests"][-1]["tags"] == ["features_net_setup", "features.ipynb"]
    first, summary = data["output"].split("\n\n", 1)
    assert first == "assignment1: 89.00 / 100.00 points. Isolation: bubblewrap."
    assert re.findall(r"(\S+\.ipynb)", summary) == TEACHING_ORDER
    assert re.search(r"knn\.ipynb\s+14\.00 / 20\.00", summary)
    assert re.search(r"features\.ipynb\s+5\.00 / 10\.00", summary)
    assert data["score"] == report.score == pytest.approx(89.0)


def test_feedback_html_lists_notebooks_then_targets_then_checks(report):
    page = report_module.feedback_html(report, "ada")
    summary, checks = page.split("<h2>Checks</h2>")
    headings = re.findall(r"<tr class='notebook'><th[^>]*>([^<]+)</th>", summary)
    assert headings == TEACHING_ORDER
    assert re.findall(r"<td class='target'>([^<]+)</td>", summary) == expected_target_order()
    assert re.search(r"<th>knn\.ipynb</th><th>14\.00</th><th>20\.00</th>", summary)
    sections = re.findall(r"<tr class='notebook'><th colspan='3'>([^<]+)</th>", checks)
    assert sections == TEACHING_ORDER
    rows = re.findall(r"<tr><td>([^:<]+): check", checks)
    assert rows == [t["tags"][0] for t in report_module.results_json(report)["tests"]]


def test_a_target_of_no_notebook_comes_last_without_a_notebook_tag(report):
    report.records.insert(0, record(99, "test_extra", "not_a_taught_target", 1.0, True))
    groups = report.by_notebook()
    assert groups[-1] == (None, {"not_a_taught_target": (1.0, 1.0)})
    tests = report_module.results_json(report)["tests"]
    assert tests[-1]["tags"] == ["not_a_taught_target"]
    lines = report_module.score_table(report).splitlines()
    at = [(line.split() or [""])[0] for line in lines].index("other")
    assert lines[at - 1].startswith("  features_net_setup") and lines[at + 1].startswith("  not_a_taught_target")


def test_a_notebook_without_an_autograded_cell_says_so(report, monkeypatch):
    """Every notebook of assignment 1 has its cell; one with none (written answers only)
    keeps its place in the reports and says so."""
    monkeypatch.setitem(NOTEBOOK_TARGETS["assignment1"], "written_only.ipynb", [])
    assert dict(report.by_notebook())["written_only.ipynb"] == {}
    row = {line.split()[0]: line for line in report_module.score_table(report).splitlines() if line.strip()}
    assert "no autograded cell" in row["written_only.ipynb"]
    summary = report_module.results_json(report)["output"]
    assert re.search(r"written_only\.ipynb\s+no autograded cell", summary)
