"""Grade a whole nbgrader course folder and fill nbgrader's own gradebook.

    COURSE_DIR/submitted/<student>/<assignment>/        what students handed in
    COURSE_DIR/autograded_results/<assignment>/<student>.json   results.json per student
    COURSE_DIR/feedback/<student>/<assignment>/autograder.html  feedback per student
    COURSE_DIR/gradebook.db                             nbgrader's gradebook

Pipeline, one job per step: find the submissions; make sure the gradebook knows the
assignment (nbgrader generate_assignment on our notebooks); grade each submission in
its own sandboxed run, several at once; write each student's results and feedback
atomically; write each student's scores into the gradebook as soon as they are graded,
from this one thread (SQLite wants one writer). A student whose results file is newer
than every file of the submission is not graded again, so an interrupted run resumes
where it stopped and loses nothing it had finished.
"""
import json
import os
import queue
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed

from cs231n_core.targets import grade_cell_id

from . import release as release_module
from .engine import report as report_module
from .engine.run import GradeReport, GradingError, GradingSession

RESULTS = "autograded_results"
FEEDBACK_NAME = "autograder.html"


def find_submissions(course_dir, assignment):
    """{student: submission folder} for every COURSE_DIR/submitted/<student>/<assignment>."""
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


def ensure_gradebook_assignment(course_dir, assignment):
    """Register the assignment's notebooks and grade cells in nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    release_module.nbgrader_tools_on_path()
    coursedir = CourseDirectory(root=os.path.abspath(course_dir))
    with Gradebook(coursedir.db_url) as gradebook:
        try:
            if gradebook.find_assignment(assignment).notebooks:
                return
        except Exception:  # nbgrader raises MissingEntry
            pass
    source = os.path.join(course_dir, "source", assignment)
    if not os.path.isdir(source) or not any(n.endswith(".ipynb") for n in os.listdir(source)):
        os.makedirs(source, exist_ok=True)
        for path in release_module._source_notebooks(assignment):
            shutil.copy(path, source)
    if not any(n.endswith(".ipynb") for n in os.listdir(source)):
        raise GradingError("%s has no notebooks: the gradebook needs the assignment's "
                           "autograded cells" % source)
    result = NbGraderAPI(coursedir=coursedir).generate_assignment(assignment, force=True, create=True)
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
    thread alone writes the gradebook, one student as soon as they are graded, so an
    interrupted run keeps everything it finished. Raises GradingError at the end when
    some submission could not be graded at all (everyone else is graded and recorded).
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
    sessions = queue.SimpleQueue()
    for _ in range(max(1, int(workers))):
        sessions.put(GradingSession())

    def grade_one(student):
        session = sessions.get()
        try:
            report = session.grade(todo[student], assignment, timeout_s=timeout_s, hide=[course_dir],
                                   require_sandbox=require_sandbox)
        finally:
            sessions.put(session)
        if report.grader_errors:  # no silent 0: not recorded, named at the end
            raise GradingError("%d check(s) failed for a reason of the grader, not of the "
                               "submission (%s); grade again" % (len(report.grader_errors), ", ".join(
                                   sorted({r["target"] for r in report.grader_errors}))))
        _write_student_outputs(course_dir, assignment, student, report)
        return report

    failures = {}
    with GradebookWriter(course_dir, assignment) as gradebook:
        # Students graded by an earlier run: their gradebook rows may be missing if that
        # run stopped between writing their results file and the gradebook.
        for student, report in reports.items():
            gradebook.write(student, report)
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
                except GradingError as exc:
                    failures[student] = str(exc).splitlines()[0]
                else:
                    gradebook.write(student, reports[student])
                if bar:
                    bar.update(1)
        finally:
            # On an interruption, start nothing new; what was finished is recorded.
            pool.shutdown(wait=True, cancel_futures=True)
            while not sessions.empty():
                sessions.get().close()
            if bar:
                bar.close()
    if failures:
        raise GradingError("%d submission(s) could not be graded (the others are in the gradebook):\n%s"
                           % (len(failures), "\n".join("  %s: %s" % item for item in sorted(failures.items()))))
    return dict(sorted(reports.items()))


def _write_student_outputs(course_dir, assignment, student, report):
    data = report_module.results_json(report)
    data["report"] = vars(report)  # for resuming; stays on the instructor's side
    report_module.write_atomic(os.path.join(course_dir, RESULTS, assignment, student + ".json"),
                               json.dumps(data, indent=1))
    report_module.write_atomic(feedback_path(course_dir, assignment, student),
                               report_module.feedback_html(report, student))


def feedback_path(course_dir, assignment, student):
    return os.path.join(course_dir, "feedback", student, assignment, FEEDBACK_NAME)


class GradebookWriter:
    """nbgrader's gradebook, open for one writer: each target's score goes into the
    autograded cell whose grade_id names that target, scaled to the cell's points;
    nbgrader's totals follow by themselves. Each student is committed on its own."""

    def __init__(self, course_dir, assignment):
        self.course_dir, self.assignment = os.path.abspath(course_dir), assignment

    def __enter__(self):
        from nbgrader.api import Gradebook
        from nbgrader.coursedir import CourseDirectory

        release_module.nbgrader_tools_on_path()
        self.gradebook = Gradebook(CourseDirectory(root=self.course_dir).db_url)
        self.cells = {}
        for notebook in self.gradebook.find_assignment(self.assignment).notebooks:
            for cell in notebook.grade_cells:
                self.cells[cell.name] = (notebook.name, cell.max_score)
        return self

    def write(self, student, report):
        gradebook = self.gradebook
        try:
            gradebook.update_or_create_student(student)
            with warnings.catch_warnings():
                # nbgrader's add_submission trips SQLAlchemy's autoflush warning (harmless)
                warnings.simplefilter("ignore", category=Warning)
                gradebook.update_or_create_submission(self.assignment, student)
            for target, (score, maximum) in report.by_target().items():
                cell_id = grade_cell_id(target)
                if cell_id not in self.cells:
                    continue
                notebook_name, cell_points = self.cells[cell_id]
                grade_row = gradebook.find_grade(cell_id, notebook_name, self.assignment, student)
                grade_row.auto_score = cell_points * (score / maximum if maximum else 0.0)
                grade_row.manual_score = None
            gradebook.db.commit()
        except BaseException:
            gradebook.db.rollback()
            raise

    def __exit__(self, *exc):
        self.gradebook.close()


def write_gradebook(course_dir, assignment, reports):
    """Write every student's scores into nbgrader's gradebook."""
    with GradebookWriter(course_dir, assignment) as gradebook:
        for student, report in reports.items():
            gradebook.write(student, report)


def gradebook_scores(course_dir, assignment):
    """{student: total score} as nbgrader's gradebook reports it."""
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    release_module.nbgrader_tools_on_path()
    coursedir = CourseDirectory(root=os.path.abspath(course_dir))
    with Gradebook(coursedir.db_url) as gradebook:
        return {s.student.id: float(s.score) for s in gradebook.find_assignment(assignment).submissions}
