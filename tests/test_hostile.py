"""Hostile submissions: whatever one target's code does, it loses only its own points.

Each test copies the model submission, replaces the body of ONE graded method of
KNearestNeighbor with hostile code, grades it with a short worker time limit and checks
the engine's promises (ARCHITECTURE.md): the hostile target loses its points with a clear message, every
other target keeps full marks, grading ends in bounded time, and neither the submission
folder nor the project is changed.
"""
import hashlib
import os
import re
import shutil
import textwrap
import time
import uuid

import pytest

from autograder.trusted.isolation import bubblewrap_available
from autograder.trusted.pipeline import grade

pytestmark = pytest.mark.slow

ASSIGNMENT = "assignment1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(REPO, "cs231n_core")
KNN_FILE = os.path.join("cs231n_core", "classifiers", "k_nearest_neighbor.py")
KNN_TARGETS = ["compute_distances_two_loops", "compute_distances_one_loop",
               "compute_distances_no_loops", "predict_labels"]
GRADER_FILE = os.path.join(REPO, "autograder", "graders", "assignment1", "test_knn.py")
TIMEOUT_S = 10          # per worker run
BASE_S = 60             # a whole grading run of a well-behaved submission, with room
SEED = 4321
ZEROS = "return np.zeros((X.shape[0], self.X_train.shape[0]))"
ZERO_LABELS = "return np.zeros(dists.shape[0], dtype=np.int64)"

requires_bwrap = pytest.mark.skipif(
    not bubblewrap_available(),
    reason="only bubblewrap hides the project and keeps the worker off other processes")


# --- helpers -----------------------------------------------------------------------

def replace_method(source, name, body, prelude=""):
    """`source` with the body of KNearestNeighbor.`name` replaced by `body`, and
    `prelude` inserted after the module's imports."""
    header = re.search(r"^    def %s\(self.*?\):\n" % re.escape(name), source, re.M)
    if header is None:
        raise ValueError("no method %s" % name)
    following = re.compile(r"^    def ", re.M).search(source, header.end())
    end = following.start() if following else len(source)
    new_body = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8) + "\n\n"
    source = source[:header.end()] + new_body + source[end:]
    if prelude:
        source = source.replace("import numpy as np\n", "import numpy as np\n" + prelude + "\n", 1)
    return source


def tree_digest(root):
    """{relative path: sha256} of every file under root, links and folders included."""
    digest = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root)
            if os.path.islink(path):
                digest[relative] = "link:" + os.readlink(path)
            elif os.path.isdir(path):
                digest[relative] = "dir"
            else:
                with open(path, "rb") as handle:
                    digest[relative] = hashlib.sha256(handle.read()).hexdigest()
    return digest


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """One pristine copy of the model submission per module (and per xdist worker)."""
    root = tmp_path_factory.mktemp("model")
    shutil.copytree(REFERENCE, os.path.join(root, "cs231n_core"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return str(root)


class Hostile:
    """A graded hostile submission: its report, elapsed time and folder."""

    def __init__(self, model, tmp_path, target, body, prelude="", extra_files=None, **fmt):
        self.root = str(tmp_path / "submission")
        self.target = target
        shutil.copytree(model, self.root)
        path = os.path.join(self.root, KNN_FILE)
        with open(path) as handle:
            source = handle.read()
        body = body.format(root=self.root, **fmt) if fmt or "{root}" in body else body
        with open(path, "w") as handle:
            handle.write(replace_method(source, target, body, prelude))
        for relative, text in (extra_files or {}).items():
            with open(os.path.join(self.root, relative), "w") as handle:
                handle.write(textwrap.dedent(text))
        before = tree_digest(self.root)
        started = time.monotonic()
        # Only modules that import the kNN file can be disturbed by its code, and no
        # other module imports it: the kNN targets are all that can change.
        self.report = grade(self.root, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED, only=KNN_TARGETS)
        self.elapsed = time.monotonic() - started
        self.unchanged = tree_digest(self.root) == before

    def failures(self):
        return [r for r in self.report.records if r["target"] == self.target and not r["passed"]]

    def check(self, pattern, hanging_runs=0):
        """The hostile target lost all its points, each with a message that matches
        `pattern` (a regular expression, case ignored); the others kept theirs;
        grading took bounded time; the submission's files are unchanged."""
        table = self.report.by_target()
        score, maximum = table[self.target]
        assert maximum > 0 and score == 0, "%s kept %s of %s points" % (self.target, score, maximum)
        messages = [r["message"] for r in self.failures()]
        assert messages and all(re.search(pattern, m, re.I) for m in messages), messages
        assert all(len(m) < 5000 for m in messages), "a message too long for a student"
        for target, (other, other_max) in table.items():
            if target != self.target:
                lost = [r["message"] for r in self.report.records
                        if r["target"] == target and not r["passed"]]
                assert other == pytest.approx(other_max), "%s lost points too: %s" % (target, lost)
        assert self.elapsed < BASE_S + hanging_runs * TIMEOUT_S, "grading took %.1f s" % self.elapsed
        assert self.unchanged, "grading changed the submission's files"


# --- runaway code --------------------------------------------------------------------

def test_infinite_loop(model, tmp_path):
    run = Hostile(model, tmp_path, "compute_distances_two_loops", "while True:\n    pass")
    run.check("time limit", hanging_runs=len(run.failures()))


@pytest.mark.parametrize("body", [
    # np.empty: the address space runs out at once (filling pages is slow on some VMs)
    "chunks = []\nwhile True:\n    chunks.append(np.empty(1 << 24))",
    "return np.ones((10 ** 6, 10 ** 6)) @ np.ones((10 ** 6, 1))",
], ids=["append-loop", "huge-array"])
def test_unbounded_allocation(model, tmp_path, body):
    target = "compute_distances_one_loop" if "append" in body else "compute_distances_two_loops"
    Hostile(model, tmp_path, target, body).check("MemoryError")


def test_flood_of_output(model, tmp_path):
    body = """
    import sys
    for _ in range(50):
        sys.stdout.write("x" * (1 << 20) + "\\n")
        sys.stderr.write("y" * (1 << 20) + "\\n")
    raise ValueError("gave up after 100 MB of output")
    """
    Hostile(model, tmp_path, "compute_distances_one_loop", body).check("gave up after 100 MB")


@requires_bwrap
def test_daemonized_child_does_not_survive(model, tmp_path):
    token = "cs231n-hostile-" + uuid.uuid4().hex
    body = """
    import os, sys
    if os.fork() == 0:
        os.setsid()
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{token}"])
    """ + ZEROS
    run = Hostile(model, tmp_path, "compute_distances_two_loops", body, token=token)
    run.check("relative error")
    deadline = time.monotonic() + 10
    while True:
        alive = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    if token.encode() in handle.read():
                        alive.append(int(pid))
            except OSError:
                pass
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not alive, "a process forked by the submission outlived grading: %s" % alive


def test_fork_bomb_is_capped_and_cleaned_up(model, tmp_path):
    from autograder.trusted.isolation import cgroups_available
    token = "cs231n-bomb-" + uuid.uuid4().hex
    body = """
    import os, sys
    sys.argv.append("{token}")
    forked = 0
    while True:
        try:
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", "while True: pass", "{token}"])
            forked += 1
        except OSError:
            raise RuntimeError("fork refused after %d children" % forked)
    """
    run = Hostile(model, tmp_path, "compute_distances_one_loop", body, token=token)
    # With a pids cgroup, fork fails after a few dozen children; without one, the
    # time limit ends it. Either way, nothing of it outlives grading.
    run.check("fork refused after|time limit", hanging_runs=len(run.failures()))
    if cgroups_available():
        assert all("fork refused after" in r["message"] for r in run.failures())
    time.sleep(1.0)
    survivors = [pid for pid in filter(str.isdigit, os.listdir("/proc")) if _cmdline_has(pid, token)]
    assert survivors == [], "processes of the fork bomb survived: %s" % survivors


def _cmdline_has(pid, token):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            return token.encode() in handle.read()
    except OSError:
        return False


# --- exits and signals -------------------------------------------------------------------

def test_sys_exit(model, tmp_path):
    Hostile(model, tmp_path, "predict_labels", "import sys\nsys.exit(0)").check("raised SystemExit")


def test_os_exit(model, tmp_path):
    Hostile(model, tmp_path, "compute_distances_one_loop",
            "import os\nos._exit(3)").check("exited with status 3")


@requires_bwrap
def test_kill_parent(model, tmp_path):
    body = "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(0.5)\n" + ZEROS
    Hostile(model, tmp_path, "compute_distances_two_loops", body).check("relative error")


def test_kill_own_process_group(model, tmp_path):
    body = "import os, signal, time\nos.killpg(0, signal.SIGKILL)\ntime.sleep(5)\n" + ZEROS
    # Under bubblewrap the worker is its PID namespace's init, which ignores SIGKILL
    # sent from inside: it lives on and its zeros are marked wrong.
    Hostile(model, tmp_path, "compute_distances_two_loops", body).check("killed by SIGKILL|relative error")


@requires_bwrap
def test_kill_every_process(model, tmp_path):
    body = """
    import os, signal, time
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.5)
    """ + ZEROS
    Hostile(model, tmp_path, "compute_distances_one_loop", body).check("relative error")


def test_kill_parent_without_bubblewrap(model, tmp_path, monkeypatch):
    # Without bubblewrap the worker runs as the grader's own user. Its parent is the
    # zygote, not the grader: killing it costs this check, and the next check gets a
    # new zygote. (Code that hunts the grader down through /proc still could kill it
    # there: bubblewrap's PID namespace is what closes that.)
    monkeypatch.setenv("CS231N_NO_BWRAP", "1")
    body = "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(0.5)\n" + ZEROS
    Hostile(model, tmp_path, "compute_distances_two_loops", body).check("stopped the sandbox")


# --- faking correctness ---------------------------------------------------------------------

EVIL_MODULE = '''
"""Tries to make every comparison succeed (what works in nbgrader and Otter)."""
import builtins
import numpy as np
import numpy.testing

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
builtins.abs = lambda value: 0 * value
try:
    np.ndarray.__eq__ = lambda self, other: np.ones(self.shape, dtype=bool)
except TypeError:
    pass
'''


def test_monkeypatching_numpy_and_builtins_at_import(model, tmp_path):
    run = Hostile(model, tmp_path, "predict_labels", ZERO_LABELS,
                  prelude="from cs231n_core import evil  # noqa: F401",
                  extra_files={"cs231n_core/evil.py": EVIL_MODULE})
    run.check("labels differ|below the required")


def test_faking_the_clock(model, tmp_path):
    """The speed check uses the CPU time the kernel accounts, not a clock the worker reads."""
    body = """
    import time
    time.perf_counter = lambda: 0.0
    time.process_time = lambda: 0.0
    sq = np.sum(X * X, axis=1, keepdims=True) - 2.0 * X @ self.X_train.T \\
        + np.sum(self.X_train * self.X_train, axis=1)
    if X.shape[0] >= 100:   # only the timed call is slow: ~2 s of CPU instead of ~30 ms
        busy = 0
        for i in range(30_000_000):
            busy += i
    return np.sqrt(np.maximum(sq, 0.0))
    """
    run = Hostile(model, tmp_path, "compute_distances_no_loops", body)
    score, maximum = run.report.by_target()["compute_distances_no_loops"]
    assert score < maximum, "a slow no_loops passed the speed check by faking the clock"


# --- reading and writing outside the submission --------------------------------------------

@requires_bwrap
def test_reading_the_graders_and_the_reference(model, tmp_path):
    secrets = [GRADER_FILE, os.path.join(REFERENCE, "classifiers", "k_nearest_neighbor.py"),
               os.path.join(REPO, "pyproject.toml")]
    body = """
    import os
    readable = []
    for path in {secrets!r} + [os.path.join({root!r}, {knn!r})]:
        try:
            with open(path) as handle:
                handle.read(1)
            readable.append(path)
        except OSError:
            pass
    if readable:   # a leak: behave as if the stolen reference gave the answer
        diff = X[:, None, :] - self.X_train[None, :, :]
        return np.sqrt(np.sum(diff * diff, axis=2))
    return np.full((X.shape[0], self.X_train.shape[0]), -1.0)
    """
    run = Hostile(model, tmp_path, "compute_distances_one_loop", body, secrets=secrets,
                  knn=KNN_FILE)
    run.check("relative error")


@requires_bwrap
def test_writing_outside_the_working_copy(model, tmp_path):
    token = uuid.uuid4().hex
    planted = [os.path.join(REPO, "pwned-%s.txt" % token),
               os.path.join(REPO, "autograder", "graders", "assignment1", "test_pwned_%s.py" % token),
               os.path.join(REPO, "cs231n_core", "pwned_%s.py" % token)]
    broken = replace_method(replace_method(replace_method(
        open(os.path.join(REFERENCE, "..", KNN_FILE)).read(),
        "compute_distances_one_loop", ZEROS), "compute_distances_no_loops", ZEROS),
        "predict_labels", ZERO_LABELS)
    body = """
    import json, os
    root = {root!r}
    for path in {planted!r} + [os.path.join(root, "pwned.txt"),
                               os.path.join(root, "cs231n_core", "pwned.py")]:
        try:
            with open(path, "w") as handle:
                handle.write("pwned")
        except OSError:
            pass
    for path in [os.path.join(root, {knn!r}), os.path.join(root, "cs231n_core", "__init__.py")]:
        try:
            with open(path, "a") as handle:
                handle.write("\\nraise SystemExit('pwned')\\n")
        except OSError:
            pass
        try:
            os.remove(path)
        except OSError:
            pass
    # the worker's copy, the grader's pristine copy and the results file, relative
    # to the working folder (scratch/work/run-N): later runs must not see any of it
    here = os.getcwd()
    for path in [os.path.join(here, {knn!r}),
                 os.path.join(here, "..", "pristine", {knn!r})]:
        try:
            with open(path, "w") as handle:
                handle.write({broken!r})
        except OSError:
            pass
    try:
        with open(os.path.join(here, "..", "..", "results.json"), "w") as handle:
            json.dump({{"records": [], "exitstatus": 0}}, handle)
    except OSError:
        pass
    """ + ZEROS
    try:
        run = Hostile(model, tmp_path, "compute_distances_two_loops", body, planted=planted,
                      knn=KNN_FILE, broken=broken)
        leaked = [path for path in planted if os.path.exists(path)]
    finally:
        for path in planted:
            if os.path.exists(path):
                os.remove(path)
    assert not leaked, "the worker wrote into the project: %s" % leaked
    run.check("relative error")


# --- answers that are not plain arrays -----------------------------------------------------

LIARS = {
    "list-of-strings": ('return ["%d" % i for i in range(dists.shape[0])]', r"is a str, expected a numpy array"),
    "dict": ("return {'labels': np.zeros(dists.shape[0], dtype=np.int64)}", "expected an array, got dict"),
    "custom-class": ("""
        class Labels:
            def __array__(self, *args, **kwargs):
                return np.zeros(dists.shape[0], dtype=np.int64)
            def __eq__(self, other):
                return True
            def __len__(self):
                return dists.shape[0]
        return Labels()""", "is a Labels, expected a numpy array"),
    "ndarray-subclass": ("""
        class LyingArray(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), dtype=bool)
            __ne__ = lambda self, other: np.zeros(np.shape(other), dtype=bool)
            def __array__(self, *args, **kwargs):
                return np.asarray(self.view(np.ndarray))
        return np.full(dists.shape[0], -7, dtype=np.int64).view(LyingArray)""", "is a LyingArray, expected a numpy array"),
    "object-array": ("return np.array([object() for _ in range(dists.shape[0])])", "dtype object"),
}


@pytest.mark.parametrize("name", sorted(LIARS))
def test_answers_that_are_not_plain_arrays(model, tmp_path, name):
    body, fragment = LIARS[name]
    Hostile(model, tmp_path, "predict_labels", body).check(fragment)


# --- the allow-list sandbox: what the worker may see, and as whom --------------------------

REFERENCE_DISTANCES = """
squares = np.sum(X ** 2, axis=1)[:, None] + np.sum(self.X_train ** 2, axis=1)[None, :]
return np.sqrt(np.maximum(squares - 2.0 * X @ self.X_train.T, 0.0))
"""


@pytest.fixture
def instructor_clone():
    """A second copy of the course elsewhere on the machine (an instructor's clone),
    world-readable, outside every folder the grader hides: only the allow-list keeps it
    out of the worker's sight."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    import tempfile
    root = tempfile.mkdtemp(prefix="cs231n-instructor-clone-", dir=base)
    shutil.copytree(os.path.join(REPO, "autograder", "graders"), os.path.join(root, "graders"))
    shutil.copytree(REFERENCE, os.path.join(root, "cs231n_core"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@requires_bwrap
def test_the_worker_sees_an_allow_list_and_is_not_root(model, tmp_path, instructor_clone):
    """Issue: the worker was root outside its user namespace and saw every file that
    was not hidden: /etc/shadow, an instructor's clone of the course (exec'ing its kNN
    took 0 to 20/20), another student's folder. Each probe below would hand the target
    the reference answer; none may succeed."""
    other_student = tmp_path / "other-student"
    shutil.copytree(model, other_student)
    os.chmod(tmp_path, 0o755)
    secrets = ["/etc/shadow", "/etc/passwd", "/etc/hostname", "/root/.bashrc", "/root/.profile",
               os.path.join(instructor_clone, KNN_FILE),
               os.path.join(instructor_clone, "graders", "assignment1", "test_knn.py"),
               os.path.join(str(other_student), KNN_FILE), GRADER_FILE]
    body = """
    import os
    readable = []
    for path in {secrets!r}:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            readable.append(path)
        except OSError:
            pass
    with open("/proc/self/uid_map") as handle:
        outside = [int(line.split()[1]) for line in handle if line.split()[0] == str(os.getuid())]
    privileged = os.getuid() == 0 or os.geteuid() == 0 or 0 in outside or os.getgroups()
    with open("/proc/self/status") as handle:
        caps = [l.split()[1] for l in handle if l.startswith(("CapEff", "CapPrm", "CapBnd"))]
    privileged = privileged or any(int(c, 16) for c in caps)
    import sys
    runtime = [os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.executable)]
    visible = []  # anything in these folders but the way to the Python runtime
    for top in ("/work", "/home", "/var", "/opt", "/srv", "/mnt", "/root", "/media", "/boot"):
        try:
            names = os.listdir(top)
        except OSError:
            continue
        visible += [os.path.join(top, n) for n in names
                    if not any(r.startswith(os.path.join(top, n) + "/") for r in runtime)]
    if readable or privileged or visible:   # a leak: behave as if it had helped
""" + textwrap.indent(REFERENCE_DISTANCES, "        ") + """
    return np.full((X.shape[0], self.X_train.shape[0]), -1.0)
    """
    run = Hostile(model, tmp_path, "compute_distances_one_loop", body, secrets=secrets)
    run.check("relative error")


@requires_bwrap
def test_the_worker_cannot_exec_an_instructors_copy(model, tmp_path, instructor_clone):
    """The issue's three-line kNN: exec the instructor's file, wherever it is."""
    path = os.path.join(instructor_clone, KNN_FILE)
    body = """
    namespace = {{}}
    exec(open({path!r}).read(), namespace)
    return namespace["KNearestNeighbor"].compute_distances_no_loops(self, X)
    """
    Hostile(model, tmp_path, "compute_distances_no_loops", body, path=path).check(
        "FileNotFoundError|PermissionError")


def test_a_disk_filler_keeps_its_quota_and_a_classmate_keeps_100(model, tmp_path):
    """Issue: writing 64 MiB files until the disk was full, then answering correctly,
    kept 100 while a classmate graded at the same time dropped to 80. Each check now
    writes into its own size-capped /tmp: the filler runs out of quota (here: a wrong
    answer if it could write more than its quota), the classmate keeps everything, and
    the machine's disk does not fill."""
    import tempfile
    import threading
    from autograder.trusted.isolation import Limits, bubblewrap_available
    quota = Limits().disk_bytes + Limits().shm_bytes
    body = """
    import os
    written = 0
    for number, folder in enumerate((os.getcwd(), "/tmp", "/dev/shm", os.path.expanduser("~"))):
        for i in range(64):
            try:
                with open(os.path.join(folder, "fill-%d-%d" % (number, i)), "wb", buffering=0) as handle:
                    for _ in range(64):
                        written += handle.write(b"x" * (1 << 20))  # what the kernel took
            except OSError:
                break
    if written > {quota}:      # more than the quota: behave as if it had hurt no one
        return np.full((X.shape[0], self.X_train.shape[0]), -1.0)
""" + textwrap.indent(REFERENCE_DISTANCES, "    ")
    classmate = {}
    free_before = shutil.disk_usage(tempfile.gettempdir()).free

    def grade_classmate():
        classmate["report"] = grade(model, ASSIGNMENT, timeout_s=TIMEOUT_S, seed=SEED, only=KNN_TARGETS)

    thread = threading.Thread(target=grade_classmate)
    thread.start()
    run = Hostile(model, tmp_path, "compute_distances_two_loops", body, quota=quota)
    thread.join()
    if not bubblewrap_available():
        pytest.skip("without bubblewrap the checks share the machine's disk")
    table = run.report.by_target()
    assert table["compute_distances_two_loops"][0] == table["compute_distances_two_loops"][1] > 0, \
        "the filler wrote more than its quota: %s" % run.failures()
    report = classmate["report"]
    assert report.score == pytest.approx(report.max_score), [r["message"] for r in report.records if not r["passed"]]
    assert not report.grader_errors
    assert free_before - shutil.disk_usage(tempfile.gettempdir()).free < 256 << 20


@requires_bwrap
def test_too_many_files_cost_only_the_check_that_made_them(model, tmp_path):
    """Issue: 20,000 files made the trusted side copy and delete them for every check
    (1,944 s instead of 22 s). A check's files now live in its sandbox's /tmp: the
    trusted side never walks them, and a check that leaves more than the limit fails
    and gets its sandbox replaced."""
    body = """
    import os
    os.mkdir("/tmp/many")
    for i in range(30000):
        open("/tmp/many/%d" % i, "w").close()
""" + textwrap.indent(REFERENCE_DISTANCES, "    ")
    run = Hostile(model, tmp_path, "compute_distances_two_loops", body)
    run.check("left \\d+ files in the sandbox, more than the limit")


# --- the result channel ------------------------------------------------------------------

INFLATING_ANSWER = """
import io, sys, zipfile
protocol = sys.modules["protocol"]     # the worker's own copy: the submission may replace it
honest = protocol.encode

def deflated(header, arrays=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(honest(header, arrays))) as real:
            for info in real.infolist():
                archive.writestr(info.filename, real.read(info))
        with archive.open("big.npy", "w", force_zip64=True) as member:
            npy = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                npy, {{"descr": "<f8", "fortran_order": False, "shape": ({chunks} << 21,)}})
            member.write(npy.getvalue())
            chunk = bytes(1 << 24)
            for _ in range({chunks}):
                member.write(chunk)
    return buffer.getvalue()

protocol.encode = deflated
"""


def test_an_answer_that_inflates_is_refused_before_inflating(model, tmp_path):
    """Issue: a DEFLATE'd member of 16 GiB of zeros (16 MB on the wire) was inflated
    by the trusted side, which was OOM-killed. Compressed members are refused unread."""
    body = INFLATING_ANSWER + REFERENCE_DISTANCES
    # 128 MiB of zeros, 128 kB on the wire (the unit test below declares 16 GiB)
    run = Hostile(model, tmp_path, "compute_distances_no_loops", body, chunks=8)
    run.check("could not be read .*compressed")


def test_the_result_channel_is_bounded_in_the_trusted_process():
    """decode() refuses what it would have to inflate, and a member whose .npy header
    declares more than it holds, in bounded time and memory."""
    import io
    import tracemalloc
    import zipfile

    import numpy as np

    from autograder.sandboxed import protocol

    def npy_header(shape):
        stream = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            stream, {"descr": "<f8", "fortran_order": False, "shape": shape})
        return stream.getvalue()

    honest = protocol.encode({"ok": True}, {"small": np.zeros(3)})
    lying, bomb = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(honest)) as real:
        with zipfile.ZipFile(lying, "w") as archive:   # stored, but 16 GiB declared
            for info in real.infolist():
                archive.writestr(info.filename, real.read(info))
            archive.writestr("big.npy", npy_header((1 << 31,)) + bytes(64))
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:  # 1 GiB inflated
            for info in real.infolist():
                archive.writestr(info.filename, real.read(info))
            with archive.open("big.npy", "w", force_zip64=True) as member:
                member.write(npy_header((1 << 27,)))
                for _ in range(64):
                    member.write(bytes(1 << 24))
    lying, bomb = lying.getvalue(), bomb.getvalue()
    assert protocol.decode(honest)[0] == {"ok": True}
    tracemalloc.start()
    started = time.monotonic()
    for data, fragment in ((lying, "declares shape"), (bomb, "compressed|more than")):
        with pytest.raises(protocol.ProtocolError, match=fragment):
            protocol.decode(data, max_bytes=64 << 20)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 5 and peak < 64 << 20, (time.monotonic() - started, peak)


HUGE_NAME = "E" * 2_000_000
ESCAPES = "\x1b[2J\x1b[H\x1b[32mtotal 100.00\x1b[0m\x1b]0;pwned\x07\u202e"


def test_worker_strings_are_capped_and_cleaned_everywhere(model, tmp_path):
    """Issue: exception type names and %r of returned keys were copied uncapped into
    messages (results.json reached 220 MB), and ANSI escapes in a student's text were
    printed raw (the terminal cleared and showed "total 100.00" while results.json said
    94). Every string from the worker is capped and has no control character left, in
    the messages, the score table, results.json and the feedback HTML."""
    import json

    from autograder.trusted import report as report_module
    body = """
    raise type({name!r} + "\\x1b[2J", (Exception,), {{}})({escapes!r} * 200000)
    """
    run = Hostile(model, tmp_path, "compute_distances_one_loop", body, name=HUGE_NAME, escapes=ESCAPES)
    run.check("raised E+")
    labels = """
    return {{{escapes!r} + "k" * 1000000 + str(i): np.zeros(3) for i in range(50)}}
    """
    second = Hostile(model, tmp_path / "second", "predict_labels", labels, escapes=ESCAPES)
    second.check(".")
    for report in (run.report, second.report):
        outputs = [json.dumps(report_module.results_json(report)), report_module.score_table(report),
                   report_module.feedback_html(report)]
        for text in outputs:
            assert len(text) < 200_000, "a report of %d characters" % len(text)
            assert "\x1b" not in text and "\\u001b" not in text and "\u202e" not in text
            assert "\\u202e" not in text


# --- intake: one set of limits for every grading path ------------------------------------

def _zip_of(folder, out, extra=()):
    import zipfile
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for parent, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(parent, name)
                archive.write(path, os.path.relpath(path, folder))
        for name, data in extra:
            archive.writestr(name, data)
    return out


def _cli(*args, env=None):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "cs231n_core"] + list(args), capture_output=True,
                          text=True, timeout=600, env=dict(os.environ, **(env or {})))


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(model, tmp_path):
    """Issue: a 4.5 MB zip filled the temp disk and crashed `cs231n grade`."""
    import tempfile
    bomb = _zip_of(model, str(tmp_path / "bomb.zip"),
                   extra=[("cs231n_core/data%d.bin" % i, b"\0" * (100 << 20)) for i in range(3)])
    assert os.path.getsize(bomb) < 5 << 20
    free_before = shutil.disk_usage(tempfile.gettempdir()).free
    started = time.monotonic()
    process = _cli("grade", bomb, "--assignment", ASSIGNMENT)
    assert process.returncode == 2, process.stdout[-2000:] + process.stderr[-2000:]
    assert "unpacks to more than 200 MiB" in process.stderr
    assert time.monotonic() - started < 60
    assert free_before - shutil.disk_usage(tempfile.gettempdir()).free < 100 << 20


def test_intake_limits_hold_for_every_path(model, tmp_path):
    """The same limits for `cs231n grade` (folder or zip), grade-course and Gradescope
    (trusted/intake.py, locate_submission): too many files, a link, too many zip members, a member that
    leaves the folder."""
    from autograder import gradescope
    from autograder.trusted import intake
    many = tmp_path / "many"
    shutil.copytree(model, many)
    for i in range(intake.MAX_FILES + 1):
        (many / "cs231n_core" / ("empty_%d.py" % i)).write_text("")
    linked = tmp_path / "linked"
    shutil.copytree(model, linked)
    os.symlink(str(tmp_path / "other-student"), str(linked / "cs231n_core" / "peek"))
    members = _zip_of(model, str(tmp_path / "members.zip"),
                      extra=[("cs231n_core/f%d.txt" % i, b"") for i in range(intake.MAX_ZIP_MEMBERS)])
    slip = _zip_of(model, str(tmp_path / "slip.zip"), extra=[("../../escaped.txt", b"x")])
    cases = [(str(many), "more than %d files" % intake.MAX_FILES), (str(linked), "symbolic link"),
             (members, "members, more than"), (slip, "points outside")]
    for path, fragment in cases:
        scratch = tmp_path / ("scratch-" + uuid.uuid4().hex[:6])
        scratch.mkdir()
        with pytest.raises(intake.SubmissionRefused, match=fragment):
            intake.locate_submission(path, str(scratch))
        # Gradescope's upload folder is located alike: score 0, the reason said
        upload = tmp_path / ("gradescope-" + uuid.uuid4().hex[:6]) / "submission"
        if os.path.isdir(path):
            shutil.copytree(path, str(upload), symlinks=True)
        else:
            upload.mkdir(parents=True)
            shutil.copy(path, str(upload))
        data = gradescope.grade_upload(ASSIGNMENT, str(upload.parent), require_sandbox=False)
        assert data["score"] == 0 and re.search(fragment, data["output"]), data["output"]
    started = time.monotonic()
    report = grade(str(many), ASSIGNMENT, timeout_s=TIMEOUT_S, only=["predict_labels"])
    assert report.score == 0 and all("more than %d files" % intake.MAX_FILES in r["message"]
                                     for r in report.records)
    assert time.monotonic() - started < BASE_S
    assert not os.path.exists(str(tmp_path.parent / "escaped.txt"))


# --- refusing rather than grading unsafely -------------------------------------------------

def test_require_sandbox_stops_grading_with_a_clear_message(model, tmp_path):
    """Issue: without working namespaces the worker could read everything, and nothing
    refused to grade. `--require-sandbox` (grade) and grade-course's default stop."""
    env = {"CS231N_NO_BWRAP": "1"}
    process = _cli("grade", model, "--assignment", ASSIGNMENT, "--require-sandbox", env=env)
    assert process.returncode == 2
    assert "sandbox is required but unavailable" in process.stderr and "CS231N_NO_BWRAP" in process.stderr
    course = tmp_path / "course"
    (course / "submitted" / "alice" / ASSIGNMENT).mkdir(parents=True)
    process = _cli("grade-course", str(course), ASSIGNMENT, env=env)
    assert process.returncode != 0 and "sandbox is required but unavailable" in process.stderr
    assert not (course / "gradebook.db").exists(), "grade-course started before refusing"


# --- faults of the host are the grader's, never a silent 0 ---------------------------------

def test_a_grader_fault_is_retried_then_reported(monkeypatch, model):
    """A check that fails for a reason of the host is graded once more; if it fails
    again, the report, results.json, the score table and `cs231n grade`'s exit status
    say so, and grade-course names the submission and exits non-zero."""
    from autograder import course as course_module
    from autograder.trusted import report as report_module
    from autograder.trusted import pipeline
    from autograder.trusted.grading_session import GradingSession

    def record(passed, error):
        return {"nodeid": "n1", "target": "predict_labels", "description": "d", "raw_points": 1.0,
                "max_score": 10.0, "score": 10.0 if passed else 0.0, "passed": passed,
                "message": "" if passed else "internal grader error (OSError)", "detail": "disk full",
                "grader_error": error, "duration": 0.1}

    answers = [[record(False, True)], [record(True, False)]]
    monkeypatch.setattr(GradingSession, "records", lambda self, *args: answers.pop(0))
    with GradingSession() as session:
        report = pipeline.grade(model, ASSIGNMENT, session, seed=1)
    assert report.score == 10.0 and not report.grader_errors and not answers

    answers = [[record(False, True)], [record(False, True)]]
    with GradingSession() as session:
        report = pipeline.grade(model, ASSIGNMENT, session, seed=1)
    assert len(report.grader_errors) == 1
    assert "fault of the grader" in report_module.results_json(report)["output"]
    assert "GRADER ERROR" in report_module.score_table(report)

    monkeypatch.setattr(pipeline, "grade_handed_in", lambda *args, **kwargs: report)
    course = os.path.join(os.path.dirname(model), "course-" + uuid.uuid4().hex[:6])
    shutil.copytree(model, os.path.join(course, "submitted", "alice", ASSIGNMENT))
    from autograder.trusted.hidden_graders import GradingError
    with pytest.raises(GradingError, match="alice: 1 check\\(s\\) failed for a reason of the grader"):
        course_module.grade_course(course, ASSIGNMENT, progress=False)
    assert course_module.gradebook_scores(course, ASSIGNMENT).get("alice") is None
