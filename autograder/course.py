"""Grade a whole nbgrader course folder the way `nbgrader autograde` leaves it.

    COURSE_DIR/submitted/<student>/<assignment>/        what students handed in (timestamp.txt)
    COURSE_DIR/autograded/<student>/<assignment>/       nbgrader's autograded copy: notebooks
                                                        with each hidden test cell's result
    COURSE_DIR/feedback/<student>/<assignment>/         nbgrader's feedback (one HTML per
                                                        notebook) and autograder.html
    COURSE_DIR/autograded_results/<assignment>/<student>.json   results.json per student
    COURSE_DIR/gradebook.db                             nbgrader's gradebook

Pipeline: find the submissions; make sure the gradebook knows the assignment (nbgrader
generate_assignment, in a folder of its own so that the course gets no source/ or
release/ it did not ask for); grade each submission in its own sandboxed run, several
at once, located in what the student handed in as every entry point locates it
(trusted/pipeline.py, grade_handed_in); then, from this one thread (SQLite wants one
writer), record each student as soon as they are graded. Recording is nbgrader's own Autograde converter with its
kernel run replaced by the sandbox's results: each autograded test cell gets the hidden
checks' printout and its points as the cell's result, which nbgrader reads as partial
credit. So nbgrader writes the gradebook itself: auto scores only (a manual grade or
comment is never touched), the submission's timestamp, the course's late penalty.
Then nbgrader's GenerateFeedback writes the feedback folder, and the results file is
written last: a student whose results file is newer than every file of the submission
is complete and not graded again, so an interrupted run resumes where it stopped.
"""
import glob
import json
import os
import queue
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed

from cs231n_core.targets import grade_cell_id

from . import release as release_module
from .trusted import report as report_module
from .trusted import pipeline
from .trusted.grade_report import GradeReport
from .trusted.grading_session import GradingSession
from .trusted.hidden_graders import GradingError
from .nbgrader_config import sanitize_steps
from .notebook import cell_outputs

RESULTS = "autograded_results"
FEEDBACK_NAME = "autograder.html"
READABLE = 0o644  # results and feedback: readable by the course's graders, as nbgrader's


def find_submissions(course_dir, assignment):
    """{student: what they handed in} for every COURSE_DIR/submitted/<student>/<assignment>;
    grading locates the submission in it as every entry point does
    (pipeline.grade_handed_in)."""
    submitted = os.path.join(course_dir, "submitted")
    if not os.path.isdir(submitted):
        raise GradingError("%s has no submitted/ folder (nbgrader's layout: "
                           "submitted/<student>/<assignment>/)" % course_dir)
    found = {}
    for student in sorted(os.listdir(submitted)):
        folder = os.path.join(submitted, student, assignment)
        if os.path.isdir(folder):
            found[student] = folder
    return found


def course_config(course_dir):
    """The course's nbgrader_config.py as a traitlets Config (empty if it has none), so
    that the late-penalty plugin and the rest of the instructor's settings apply."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not os.path.exists(os.path.join(course_dir, "nbgrader_config.py")):
        return Config()
    return PyFileConfigLoader("nbgrader_config.py", path=course_dir).load_config()


def _coursedir(course_dir, config=None, **traits):
    from nbgrader.coursedir import CourseDirectory

    release_module.nbgrader_tools_on_path()
    return CourseDirectory(config=config, root=os.path.abspath(course_dir), **traits)


def ensure_gradebook_assignment(course_dir, assignment):
    """Register the assignment's notebooks and grade cells in nbgrader's gradebook.

    nbgrader generate_assignment runs in a private folder that writes into the course's
    gradebook: the course's own source/<assignment>/ notebooks if it has them, else the
    project's. The course folder gets no source/ or release/ from this."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI

    db_url = _coursedir(course_dir).db_url
    with Gradebook(db_url) as gradebook:
        try:
            if gradebook.find_assignment(assignment).notebooks:
                return
        except MissingEntry:
            pass
    own = os.path.join(course_dir, "source", assignment)
    notebooks = (sorted(os.path.join(own, n) for n in os.listdir(own) if n.endswith(".ipynb"))
                 if os.path.isdir(own) else [])
    notebooks = notebooks or release_module._source_notebooks(assignment)
    if not notebooks:
        raise GradingError("no notebooks for %s: the gradebook needs the assignment's "
                           "autograded cells" % assignment)
    with tempfile.TemporaryDirectory(prefix="cs231n-gradebook-") as private:
        source = os.path.join(private, "source", assignment)
        os.makedirs(source)
        for path in notebooks:
            shutil.copy(path, source)
        api = NbGraderAPI(coursedir=_coursedir(private, db_url=db_url))
        result = api.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        raise GradingError("nbgrader generate_assignment failed:\n%s" % result.get("error", ""))


def _newest_mtime(folder):
    newest = os.path.getmtime(folder)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            try:
                newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
            except OSError:
                pass
    return newest


def _report_from_file(path):
    with open(path) as handle:
        data = json.load(handle)
    return GradeReport(**data["report"])


def grade_course(course_dir, assignment, workers=1, timeout_s=60.0, progress=True, regrade=False,
                 require_sandbox=True):
    """Grade every submission of `assignment`; returns {student: GradeReport}.

    Submissions are graded `workers` at a time, each in its own trusted process; this
    thread alone records them (autograded notebooks, gradebook, feedback), one student
    as soon as they are graded, so an interrupted run keeps everything it finished.
    Raises GradingError at the end when some submission could not be graded at all
    (everyone else is graded and recorded).
    """
    course_dir = os.path.abspath(course_dir)
    submissions = find_submissions(course_dir, assignment)
    ensure_gradebook_assignment(course_dir, assignment)
    results_dir = os.path.join(course_dir, RESULTS, assignment)
    reports, todo = {}, {}
    for student, folder in submissions.items():
        path = os.path.join(results_dir, student + ".json")
        report = None
        if not regrade and os.path.exists(path) and os.path.getmtime(path) > _newest_mtime(folder):
            try:
                report = _report_from_file(path)
            except (OSError, ValueError, KeyError, TypeError):
                report = None  # unreadable or from an older version: grade again
        if report is None:
            todo[student] = folder
        else:
            reports[student] = report

    # One trusted grading process per thread, kept from one student to the next (each
    # student still gets a zygote of their own).
    sessions, every_session = queue.SimpleQueue(), []
    for _ in range(max(1, int(workers))):
        every_session.append(GradingSession())
        sessions.put(every_session[-1])

    def grade_one(student):
        session = sessions.get()
        try:
            report = pipeline.grade_handed_in(todo[student], assignment, session, timeout_s=timeout_s,
                                              hide=[course_dir], require_sandbox=require_sandbox)
        finally:
            sessions.put(session)
        if report.grader_errors:  # no silent 0: not recorded, named at the end
            raise GradingError("%d check(s) failed for a reason of the grader, not of the "
                               "submission (%s); grade again" % (len(report.grader_errors), ", ".join(
                                   sorted({r["target"] for r in report.grader_errors}))))
        return report

    failures = {}
    recorder = CourseRecorder(course_dir, assignment)
    bar = None
    if progress and todo:
        from tqdm import tqdm
        bar = tqdm(total=len(todo), desc="grading %s" % assignment, unit="submission")
    pool = ThreadPoolExecutor(max_workers=max(1, int(workers)))
    try:
        futures = {pool.submit(grade_one, student): student for student in todo}
        for future in as_completed(futures):
            student = futures[future]
            try:
                reports[student] = future.result()
                recorder.record(student, reports[student])
            except GradingError as exc:
                reports.pop(student, None)
                failures[student] = str(exc).splitlines()[0]
            if bar:
                bar.update(1)
    except BaseException:
        # Interrupted (Ctrl-C): stop the submissions being graded now rather than
        # after their run; what was recorded stays, and the next run grades the rest.
        for session in every_session:
            session.abort()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for session in every_session:
            session.close()
        if bar:
            bar.close()
    if failures:
        raise GradingError("%d submission(s) could not be graded (the others are in the gradebook):\n%s"
                           % (len(failures), "\n".join("  %s: %s" % item for item in sorted(failures.items()))))
    return dict(sorted(reports.items()))


def write_readable(path, text, mode=READABLE):
    """write_atomic, then the file's mode set as nbgrader sets its own outputs'."""
    report_module.write_atomic(path, text)
    os.chmod(path, mode)


def feedback_path(course_dir, assignment, student):
    return os.path.join(course_dir, "feedback", student, assignment, FEEDBACK_NAME)


class CourseRecorder:
    """Records one graded student in the course folder, through nbgrader's own
    converters: Autograde (autograded/ notebooks, gradebook, timestamp, late penalty)
    with the sandbox's results in place of a kernel, then GenerateFeedback."""

    def __init__(self, course_dir, assignment):
        self.course_dir, self.assignment = os.path.abspath(course_dir), assignment
        self.config = course_config(self.course_dir)

    def record(self, student, report):
        from nbgrader.apps import NbGraderAPI

        autograded = os.path.join(self.course_dir, "autograded", student, self.assignment)
        config = self.config.copy()
        config.merge(_autograde_config(report))
        links = _linked_files(os.path.join(self.course_dir, "submitted", student, self.assignment))
        if links:
            # nbgrader copies a submission's other files by following links: a link to
            # an instructor's file would land in autograded/ and in released feedback.
            ignore = list(config.CourseDirectory.get("ignore", _coursedir(self.course_dir).ignore))
            config.CourseDirectory.ignore = ignore + [glob.escape(name) for name in links]
        api = NbGraderAPI(coursedir=_coursedir(self.course_dir, config=config), config=config)
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy's autoflush warning (harmless)
            warnings.simplefilter("ignore", category=Warning)
            result = api.autograde(self.assignment, student, force=True, create=True)
        # The gradebook holds every target's points even where nbgrader skipped a
        # notebook the student did not hand in (the library was graded all the same),
        # or could not read one: then the student is named at the end, and graded again
        # by the next run, but their points are in the gradebook meanwhile.
        write_auto_scores(self.course_dir, self.assignment, student, report)
        html = report_module.feedback_html(report, student)
        if not result.get("success"):
            write_readable(feedback_path(self.course_dir, self.assignment, student), html)
        _check(result, "graded (points in the gradebook), but nbgrader could not write the "
                       "autograded notebooks")
        # In autograded/ too, so that `nbgrader generate_feedback --force` keeps it.
        write_readable(os.path.join(autograded, FEEDBACK_NAME), html, 0o444)
        result = api.generate_feedback(self.assignment, student, force=True)
        _check(result, "nbgrader generate_feedback failed")
        write_readable(feedback_path(self.course_dir, self.assignment, student), html)
        data = report_module.results_json(report)
        data["report"] = vars(report)  # for resuming; stays on the instructor's side
        write_readable(os.path.join(self.course_dir, RESULTS, self.assignment, student + ".json"),
                       json.dumps(data, indent=1))


def _linked_files(folder):
    """Names of the symbolic links among a submission's files."""
    return sorted({name for root, _, files in os.walk(folder) for name in files
                   if os.path.islink(os.path.join(root, name))})


def _check(result, what):
    """Raise unless an NbGraderAPI call succeeded. The API catches everything, Ctrl-C
    too: an interruption is raised again as one."""
    if result.get("success"):
        return
    text = (result.get("error") or result.get("log") or "").strip()
    if "KeyboardInterrupt" in text:
        raise KeyboardInterrupt
    raise GradingError("%s: %s" % (what, text.splitlines()[-1] if text else "no detail"))


def _autograde_config(report):
    """Config for nbgrader's Autograde: its Execute step replaced by the sandbox's
    results, everything else (saving auto grades, late penalties) as nbgrader has it."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    config = Config()
    steps = [SandboxResults if step is Execute else step
             for step in Autograde.class_traits()["autograde_preprocessors"].default()]
    config.Autograde.autograde_preprocessors = steps
    config.Autograde.sanitize_preprocessors = sanitize_steps()
    by_cell = {}
    for record in report.records:
        by_cell.setdefault(grade_cell_id(record["target"]), []).append(record)
    config.SandboxResults.outputs = {cell: cell_outputs(records) for cell, records in by_cell.items()}
    return config


def _sandbox_results_class():
    from nbformat import from_dict
    from nbgrader.preprocessors import NbGraderPreprocessor
    from traitlets import Dict

    class SandboxResults(NbGraderPreprocessor):
        """In place of nbgrader's Execute: each autograded test cell gets the outputs
        its hidden part gives in a kernel (the checks' printout, the points earned),
        from the sandboxed run; other cells stay as submitted, unexecuted."""

        outputs = Dict({}, help="{grade_id: [nbformat outputs]}").tag(config=True)

        def preprocess_cell(self, cell, resources, index):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id in self.outputs:
                cell.outputs = [from_dict(output) for output in self.outputs[grade_id]]
            return cell, resources

    return SandboxResults


SandboxResults = _sandbox_results_class()


def write_auto_scores(course_dir, assignment, student, report):
    """Each target's points into the auto score of the autograded cell named after it,
    scaled to the cell's points; manual scores and comments are left as they are."""
    from nbgrader.api import Gradebook

    with Gradebook(_coursedir(course_dir).db_url) as gradebook:
        cells = {}
        for notebook in gradebook.find_assignment(assignment).notebooks:
            for cell in notebook.grade_cells:
                cells[cell.name] = (notebook.name, cell.max_score)
        try:
            gradebook.update_or_create_student(student)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=Warning)
                gradebook.update_or_create_submission(assignment, student)
            for target, (score, maximum) in report.by_target().items():
                cell_id = grade_cell_id(target)
                if cell_id not in cells:
                    continue
                notebook_name, cell_points = cells[cell_id]
                grade_row = gradebook.find_grade(cell_id, notebook_name, assignment, student)
                grade_row.auto_score = cell_points * (score / maximum if maximum else 0.0)
                grade_row.needs_manual_grade = grade_row.manual_score is not None
            gradebook.db.commit()
        except BaseException:
            gradebook.db.rollback()
            raise


def gradebook_scores(course_dir, assignment):
    """{student: total score} as nbgrader's gradebook reports it."""
    from nbgrader.api import Gradebook

    with Gradebook(_coursedir(course_dir).db_url) as gradebook:
        return {s.student.id: float(s.score) for s in gradebook.find_assignment(assignment).submissions}
