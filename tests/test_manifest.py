"""Every section of the manifest (cs231n_core/targets.py) resolves in every tree under its
one key: its targets in the library, their public checks, its hidden grader, its bank of
mistakes and its notebook's autograded cells; and no tree holds a file the manifest does
not list."""
import ast
import contextlib
import io
import json
from pathlib import Path

import pytest

from autograder.trusted.hidden_graders import GRADERS_DIR
from autograder.mistakes import BANK_DIR
from cs231n_core.checks import registered_by
from cs231n_core.targets import (ASSIGNMENTS, CHECK_HELPERS, NOTEBOOK_TARGETS, SECTIONS, grade_cell_id,
                                 section_targets, sections)

ROOT = Path(__file__).resolve().parent.parent
CHECKS_DIR = ROOT / "cs231n_core" / "checks"
GRADERS, BANK = Path(GRADERS_DIR), Path(BANK_DIR)

# Targets without public checks, each with the reason (none today: every target has some).
NO_PUBLIC_CHECK = {}


def section_id(section):
    return section.key


def defined_qualnames(path):
    """The qualified names of every function and class defined in a Python file."""
    names = set()

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(prefix + child.name)
                visit(child, prefix + child.name + ".")
    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return names


class GraderModules:
    """A pytest plugin that collects (never runs) the hidden graders: per module, its
    SECTION_WEIGHT and the targets its tests are marked with."""

    def pytest_collection_modifyitems(self, items):
        self.modules = {}
        for item in items:
            module = self.modules.setdefault(Path(item.module.__file__).name, {
                "weight": getattr(item.module, "SECTION_WEIGHT", None), "targets": set()})
            marker = item.get_closest_marker("target")
            module["targets"].add(marker.args[0] if marker and marker.args else None)


@pytest.fixture(scope="module")
def grader_modules():
    """{assignment: {grader file name: {"weight": ..., "targets": {...}}}}."""
    collected = {}
    for assignment in ASSIGNMENTS:
        plugin = GraderModules()
        with contextlib.redirect_stdout(io.StringIO()):
            code = pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-c",
                                str(GRADERS / "pytest.ini"), "--rootdir", str(GRADERS),
                                str(GRADERS / assignment)], plugins=[plugin])
        assert code == 0, "the graders of %s do not collect" % assignment
        collected[assignment] = plugin.modules
    return collected


def test_keys_are_unique_and_each_assignment_has_100_points():
    assert len({s.key for s in SECTIONS}) == len(SECTIONS)
    for assignment in ASSIGNMENTS:
        assert sum(s.points for s in sections(assignment)) == 100, assignment


def test_a_target_belongs_to_one_section_of_its_assignment():
    for assignment in ASSIGNMENTS:
        names = [t for s in sections(assignment) for t in section_targets(s)]
        assert len(names) == len(set(names)), assignment


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_each_target_is_defined_in_its_library_file(section):
    for path, targets in section.files.items():
        defined = defined_qualnames(ROOT / path)
        missing = [q for q in targets.values() if q not in defined]
        assert not missing, "%s does not define %s" % (path, missing)


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_each_target_has_public_checks_in_its_sections_module(section):
    assert (CHECKS_DIR / (section.key + ".py")).is_file()
    for target in section_targets(section):
        if target in NO_PUBLIC_CHECK:
            assert registered_by(target) is None, target
            continue
        assert registered_by(target) == "cs231n_core.checks." + section.key, target


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_each_section_has_a_grader_of_its_targets_worth_its_points(section, grader_modules):
    grader = grader_modules[section.assignment].get("test_%s.py" % section.key)
    assert grader is not None, "no grader test_%s.py in %s" % (section.key, section.assignment)
    assert grader["targets"] == set(section_targets(section))
    assert grader["weight"] == section.points


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_each_section_has_mistakes_of_each_of_its_targets(section):
    path = BANK / section.assignment / (section.key + ".json")
    mistakes = json.loads(path.read_text(encoding="utf-8"))
    assert {m["target"] for m in mistakes} == set(section_targets(section))


@pytest.mark.parametrize("section", SECTIONS, ids=section_id)
def test_each_target_has_an_autograded_cell_in_its_sections_notebook(section):
    notebook = json.loads((ROOT / "assignments" / section.assignment / section.notebook).read_text())
    grade_ids = {cell["metadata"]["nbgrader"]["grade_id"] for cell in notebook["cells"]
                 if cell["metadata"].get("nbgrader", {}).get("grade")
                 and not cell["metadata"]["nbgrader"].get("solution")}
    missing = [t for t in section_targets(section) if grade_cell_id(t) not in grade_ids]
    assert not missing, "%s has no autograded cell of %s" % (section.notebook, missing)


def test_each_notebooks_cell_order_lists_exactly_its_sections_targets():
    for assignment in ASSIGNMENTS:
        by_notebook = {}
        for section in sections(assignment):
            by_notebook.setdefault(section.notebook, set()).update(section_targets(section))
        assert list(by_notebook) == list(NOTEBOOK_TARGETS[assignment])  # teaching order
        assert by_notebook == {n: set(ts) for n, ts in NOTEBOOK_TARGETS[assignment].items()}


def test_no_check_grader_or_mistakes_file_lies_outside_the_manifest():
    keys = {s.key for s in SECTIONS}
    assert {p.stem for p in CHECKS_DIR.glob("*.py")} == keys | set(CHECK_HELPERS)
    assert {p.stem for p in (CHECKS_DIR / "signatures").glob("*.json")} == keys
    assert sorted(p.name for p in GRADERS.iterdir() if p.name.startswith("assignment")) == ASSIGNMENTS
    assert sorted(p.name for p in BANK.iterdir() if p.name.startswith("assignment")) == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        own = {s.key for s in sections(assignment)}
        modules = {p.stem for p in (GRADERS / assignment).glob("*.py")}
        helpers = {m for m in modules if m == "__init__" or m.endswith("_common")}
        assert modules - helpers == {"test_" + key for key in own}, assignment
        assert {p.stem for p in (BANK / assignment).glob("*.json")} == own, assignment
