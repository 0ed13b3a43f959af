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

from autograder.engine.run import grade
from autograder.engine.sandbox import bubblewrap_available

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
    from autograder.engine.sandbox import cgroups_available
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
