"""nbgrader's Execute step for this course: the points from the trusted side, the
notebook run in the grading sandbox.

nbgrader's own Execute runs each handed-in notebook in a kernel and reads an autograded
test cell's points from what the cell leaves. That kernel runs the student's code, so a
student could replace the grading functions in it, or write other students' files.
GradedExecute does three small steps instead:

1. grade: the notebook's graded targets (its autograded test cells, named after them)
   are graded from this trusted process, on the submission located in the notebook's
   folder as every entry point locates it, by the same sandboxed hidden graders as
   `cs231n grade` (trusted/pipeline.py, grade_handed_in);
2. run: the notebook runs as nbgrader runs it, in a kernel started in the grading
   sandbox (trusted/kernel.py), so that instructors see its outputs when grading by hand;
3. record: each autograded test cell's outputs become step 1's printout and points,
   whatever the kernel left there; nbgrader's next steps save them as partial credit.

Where the sandbox does not work, `require_sandbox` (the default) stops autograding with
the reason; set it to False to run the kernel unsandboxed (the points still come from
step 1, but the kernel can reach whatever the grading account can).
"""
import atexit
import os
import threading

from nbformat import from_dict
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float

from cs231n_core.targets import grade_cell_id

from .trusted import isolation, pipeline
from .trusted.grading_session import GradingSession
from .trusted.hidden_graders import GradingError
from .trusted.intake import SubmissionRefused
from .trusted.kernel import SandboxedKernelManager
from .notebook import assignment_of_target, cell_outputs, known_targets


class GradedExecute(Execute):
    require_sandbox = Bool(True, help="refuse to autograde where the sandbox does not work").tag(config=True)
    grade_timeout = Float(60.0, help="CPU seconds of one hidden check").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        folder = os.path.abspath(resources.get("metadata", {}).get("path") or os.getcwd())
        hide = _course_folder(resources)
        if self.require_sandbox:
            isolation.require_sandbox()
        outputs = self.grade_cells(nb, folder, hide)
        self._sandboxed, self._hide = isolation.bubblewrap_available(), hide
        if not self._sandboxed:
            self.log.warning("the notebook runs in an unsandboxed kernel: %s", isolation.sandbox_problem())
        try:
            nb, resources = super().preprocess(nb, resources, km=km)
        except SubmissionRefused as exc:  # the points of step 1 are recorded all the same
            self.log.error("%s was not run: %s", resources["nbgrader"].get("notebook", "the notebook"), exc)
        finally:
            if isinstance(self.km, SandboxedKernelManager):
                self.km.dispose()
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id in outputs:
                cell.outputs = [from_dict(output) for output in outputs[grade_id]]
        return nb, resources

    def grade_cells(self, nb, folder, hide):
        """{grade_id: outputs} for each autograded test cell of a graded target."""
        by_cell = {grade_cell_id(target): target for target in known_targets()}
        targets = {}
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and meta.get("grade_id") in by_cell:
                target = by_cell[meta["grade_id"]]
                targets.setdefault(assignment_of_target(target), []).append(target)
        records = []
        for assignment, names in sorted(targets.items()):
            self.log.info("grading %s of %s in the sandbox", ", ".join(names), folder)
            with _SESSION_LOCK:
                report = pipeline.grade_handed_in(folder, assignment, _session(),
                                                  timeout_s=self.grade_timeout, hide=hide, only=names,
                                                  require_sandbox=self.require_sandbox)
            if report.grader_errors:  # no silent 0: the instructor grades this one again
                raise GradingError("%d check(s) of %s failed for a reason of the grader, not of "
                                   "the submission; autograde it again"
                                   % (len(report.grader_errors), folder))
            records += report.records
        by_grade_id = {}
        for record in records:
            by_grade_id.setdefault(grade_cell_id(record["target"]), []).append(record)
        return {grade_id: cell_outputs(cell_records) for grade_id, cell_records in by_grade_id.items()}

    def create_kernel_manager(self):
        if not getattr(self, "_sandboxed", False):
            return super().create_kernel_manager()
        self.km = SandboxedKernelManager(config=self.config, hide=self._hide)
        return self.km


# One trusted grading process for every notebook this process autogrades (each start
# costs seconds); it is replaced when it dies and stopped when the process exits.
_SESSION = None
_SESSION_LOCK = threading.Lock()


def _session():
    global _SESSION
    if _SESSION is None:
        _SESSION = GradingSession()
        atexit.register(_SESSION.close)
    return _SESSION


def _course_folder(resources):
    """[the course folder], from the gradebook's place (nbgrader keeps it there), so
    that no worker sees it even where it lies inside the Python runtime's folders."""
    url = resources.get("nbgrader", {}).get("db_url", "")
    if url.startswith("sqlite:///"):
        return [os.path.dirname(os.path.abspath(url[len("sqlite:///"):]))]
    return []


def autograde_steps():
    """nbgrader Autograde's autograde_preprocessors with Execute replaced by GradedExecute."""
    from nbgrader.converters import Autograde

    default = Autograde.class_traits()["autograde_preprocessors"].default()
    return [GradedExecute if step is Execute else step for step in default]
