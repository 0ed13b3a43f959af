"""pytest plugin that turns hidden grader modules into a score sheet.

A grader is an ordinary test function with two markers and the fixtures below:

    SECTION_WEIGHT = 20          # this module's share of the assignment's 100 points

    @pytest.mark.target("compute_distances_no_loops")
    @pytest.mark.points(3)
    def test_no_loops_values(submission, rng):
        '''distances match the reference on random inputs'''

Checks that should share one worker run per target (PyTorch code: importing torch costs
a worker a second) take the module-scoped fixture `shared` instead (shared_runs.py):

    result, context = shared.get("two_layer_fc", two_layer_fc_problem)

Raw points are scaled so that each module gets its SECTION_WEIGHT and the assignment
adds up to 100. What a student sees of a failure is only a GradingFailure's or a
SubmissionError's message; any other exception is a fault of the grader itself and
its traceback goes to the instructor's record only, and the record says
`grader_error`: such a check failed for a reason of the grader or the host (a full
disk, a sandbox that could not be made), not of the submission, and pipeline.py grades it
again or reports it. Every message is cleaned (text.py) before it is recorded.
"""
import json
import os
import zlib

import numpy as np
import pytest

from .diagnosis import Diagnosis, failure_of, log_failure
from .expect import GradingFailure, Trace
from .isolation import Limits
from .shared_runs import SharedRuns
from .submission import Submission, SubmissionError
from .text import clean, clean_tail

DETAIL_CHARS = 20000  # an internal error's traceback, for the instructor


def pytest_addoption(parser):
    group = parser.getgroup("cs231n grading")
    group.addoption("--submission", help="folder holding the submission's cs231n_core/")
    group.addoption("--scratch", help="empty folder for throw-away copies")
    group.addoption("--seed", type=int, default=0, help="seed of this grading run")
    group.addoption("--worker-timeout", type=float, default=60.0, help="seconds per worker run")
    group.addoption("--hide", action="append", default=[], help="folder the worker must not see")
    group.addoption("--results", help="where to write the per-test results (JSON)")
    group.addoption("--only-target", action="append", default=[],
                    help="grade only this target (repeatable)")
    group.addoption("--require-sandbox", action="store_true",
                    help="refuse to run a worker where the sandbox does not work")
    group.addoption("--diagnose", action="store_true",
                    help="name the known mistake behind a failed check (diagnosis.py)")
    group.addoption("--record-failures",
                    help="folder where each failed check's site and answer are logged (the "
                         "instructor's measure of the diagnosis; never a student's grading)")
    group.addoption("--share-zygote", action="store_true",
                    help="let submissions graded by this process share a zygote (the "
                         "instructor's own mutants only, never students')")


def pytest_configure(config):
    config.addinivalue_line("markers", "target(name): the graded target this test belongs to")
    config.addinivalue_line("markers", "points(n): raw points of this test")
    config._cs231n_records = []


@pytest.fixture(scope="session")
def submission(request):
    """The submission under grading. Its workers are forked from a zygote that has
    imported numpy and whatever the collected grader modules list in WORKER_PRELOAD."""
    config = request.config
    if config.getoption("--require-sandbox"):
        from .isolation import require_sandbox
        require_sandbox()
    preload = sorted({name for item in request.session.items
                      for name in getattr(item.module, "WORKER_PRELOAD", ())})
    config._cs231n_preload = preload
    handle = Submission(config.getoption("--submission"), config.getoption("--scratch"),
                        Limits(timeout_s=config.getoption("--worker-timeout")),
                        hide=config.getoption("--hide"), preload=preload,
                        share_zygote=config.getoption("--share-zygote"))
    yield handle
    handle.close()


@pytest.fixture(scope="session")
def seed(request):
    return request.config.getoption("--seed")


@pytest.fixture(scope="module")
def shared(submission, seed):
    """One SharedRuns per grader module: the checks of a target share its worker run."""
    return SharedRuns(submission, seed)


@pytest.fixture
def rng(request, seed):
    """A generator fresh for each test and each grading run, reproducible from the seed."""
    return np.random.default_rng([seed, zlib.crc32(request.node.nodeid.encode())])


def _marker_arg(item, name):
    marker = item.get_closest_marker(name)
    if marker is None or not marker.args:
        raise pytest.UsageError("grader %s lacks @pytest.mark.%s(...)" % (item.nodeid, name))
    return marker.args[0]


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        _marker_arg(item, "target")
        _marker_arg(item, "points")
        if getattr(item.module, "SECTION_WEIGHT", None) is None:
            raise pytest.UsageError("grader module %s lacks SECTION_WEIGHT" % item.module.__name__)
    # Points are scaled over the whole assignment before any deselection, so that a
    # test is worth the same whether it runs alone or with all the others.
    for item, max_score in zip(items, scaled_points(items)):
        item._cs231n_max_score = max_score
    only = config.getoption("--only-target")
    if only:
        unknown = set(only) - {_marker_arg(item, "target") for item in items}
        if unknown:
            raise pytest.UsageError("no grader for target(s): %s" % ", ".join(sorted(unknown)))
        kept = [item for item in items if _marker_arg(item, "target") in only]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Count the test's checks; when one fails on the submission's answer and the run
    diagnoses, name the known mistakes that give that answer (diagnosis.py)."""
    Trace.start()
    outcome = yield
    exc = outcome.excinfo[1] if outcome.excinfo else None
    failure = failure_of(exc) if exc is not None else None
    config, target = item.config, _marker_arg(item, "target")
    if config.getoption("--record-failures") and (failure or getattr(exc, "slow", False)):
        log_failure(config.getoption("--record-failures"), item.nodeid, target, failure or ("slow", None))
    if failure is None:
        return
    if not config.getoption("--diagnose"):
        return
    if getattr(config, "_cs231n_diagnosis", None) is None:
        config._cs231n_diagnosis = Diagnosis(
            config.getoption("--scratch"), Limits(timeout_s=config.getoption("--worker-timeout")),
            config.getoption("--hide"), getattr(config, "_cs231n_preload", ()), config.getoption("--seed"))
    assignment = os.path.basename(os.path.dirname(str(item.fspath)))
    try:
        exc.diagnosis = config._cs231n_diagnosis.sentence(item, assignment, target, failure)
    except Exception:  # noqa: BLE001 - a diagnosis that cannot be made never touches the grade
        exc.diagnosis = ""


def _student_message(excinfo):
    """(message for the student, detail for the instructor) of a failed test."""
    exc = excinfo.value
    if isinstance(exc, GradingFailure):
        diagnosis = getattr(exc, "diagnosis", "")
        return str(exc) + ("; " + diagnosis if diagnosis else ""), ""
    if isinstance(exc, SubmissionError):
        detail = getattr(exc, "traceback_text", "")
        diagnosis = getattr(exc, "diagnosis", "")
        shown = str(exc) + ("; " + diagnosis if diagnosis else "")
        if detail:
            shown += "\n" + _student_frames(detail)
        return shown, detail
    return ("internal grader error (%s); the instructor has the details" % type(exc).__name__,
            excinfo.getrepr(style="long", showlocals=False).__str__())


def _student_frames(traceback_text, keep=1800):
    """The end of the submission's own traceback: frames in cs231n_core only."""
    lines = traceback_text.strip().splitlines()
    return "\n".join(lines[-12:])[-keep:]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    records = item.config._cs231n_records
    if report.when == "setup" and report.passed:
        return
    if report.when == "teardown" and report.passed:
        return
    if report.when == "call" or report.failed or report.skipped:
        doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
        grader_error = False
        if report.passed:
            message, detail = "", ""
        elif call.excinfo is not None and report.failed:
            message, detail = _student_message(call.excinfo)
            grader_error = not isinstance(call.excinfo.value, (GradingFailure, SubmissionError))
        else:
            message, detail = "not run", ""
        message, detail = clean(message), clean_tail(detail, DETAIL_CHARS)
        existing = [r for r in records if r["nodeid"] == item.nodeid]
        if existing:  # a teardown failure after a pass: count it as failed
            if not report.passed:
                existing[0].update(passed=False, score=0.0, message=message, detail=detail,
                                   grader_error=grader_error)
            return
        records.append({
            "nodeid": item.nodeid, "target": _marker_arg(item, "target"),
            "description": doc, "raw_points": float(_marker_arg(item, "points")),
            "max_score": item._cs231n_max_score,
            "score": item._cs231n_max_score if report.passed else 0.0,
            "passed": bool(report.passed), "message": message, "detail": detail,
            "grader_error": grader_error, "duration": float(report.duration)})


def pytest_sessionfinish(session, exitstatus):
    diagnosis = getattr(session.config, "_cs231n_diagnosis", None)
    if diagnosis is not None:
        diagnosis.close()
    path = session.config.getoption("--results")
    if not path:
        return
    with open(path + ".tmp", "w") as handle:
        json.dump({"records": session.config._cs231n_records, "exitstatus": int(exitstatus)},
                  handle, indent=1)
    os.replace(path + ".tmp", path)


def scaled_points(items):
    """Each item's share of 100 points: its module gets SECTION_WEIGHT of the
    assignment's total weight, split among the module's tests by raw points."""
    raw, weights = {}, {}
    for item in items:
        name = item.module.__name__
        raw[name] = raw.get(name, 0.0) + float(_marker_arg(item, "points"))
        weights[name] = float(item.module.SECTION_WEIGHT)
    total_weight = sum(weights.values()) or 1.0
    return [round(float(_marker_arg(item, "points")) / raw[item.module.__name__]
                  * weights[item.module.__name__] / total_weight * 100.0, 6)
            for item in items]
