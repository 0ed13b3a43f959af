"""The hidden graders on disk (autograder/graders/<assignment>/): which assignments have
them, and what each target is worth, read from their markers without grading."""
import contextlib
import io
import os

GRADERS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "graders")
PYTEST_INI = os.path.join(GRADERS_DIR, "pytest.ini")


class GradingError(Exception):
    """The grader itself could not run (not the submission's fault)."""


def assignments():
    return sorted(name for name in os.listdir(GRADERS_DIR)
                  if os.path.isdir(os.path.join(GRADERS_DIR, name)) and name.startswith("assignment"))


def pytest_args(assignment):
    """The arguments that make pytest collect one assignment's graders with their plugin."""
    return ["-c", PYTEST_INI, "--rootdir", GRADERS_DIR, os.path.join(GRADERS_DIR, assignment)]


def target_max_points(assignment):
    """{target: points} of one assignment, from the graders' markers (no grading):
    what each notebook's autograded cell is worth."""
    import pytest

    from .plugin import _marker_arg, scaled_points

    class Collector:
        def pytest_collection_modifyitems(self, items):
            self.table = {}
            for item, points in zip(items, scaled_points(items)):
                target = _marker_arg(item, "target")
                self.table[target] = round(self.table.get(target, 0.0) + points, 6)

    collector = Collector()
    with contextlib.redirect_stdout(io.StringIO()):  # the listing is not wanted
        code = pytest.main(["-q", "--collect-only", "-p", "no:cacheprovider", "-p", "no:warnings",
                            *pytest_args(assignment)], plugins=[collector])
    if code != 0:
        raise GradingError("the graders of %s could not be collected (pytest exit %d)" % (assignment, code))
    return collector.table
