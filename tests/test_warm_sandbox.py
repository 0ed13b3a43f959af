"""The zygote that forks the grading workers: each check still starts clean.

A tiny stand-in submission (a cs231n_core package with one probe module) is run through
autograder.trusted.submission.Submission, its Sandbox warm (the default) and cold.
"""
import os
import textwrap
import uuid

import pytest

from autograder.trusted.isolation import Limits, bubblewrap_available
from autograder.trusted.submission import Submission, WorkerFailure, call

PROBE = '''
import os, subprocess, sys, time
import numpy as np


def leave_traces(token):
    """Leave state behind in every way a check could: the next check must see none."""
    for folder in ("/tmp", "/dev/shm"):
        with open(os.path.join(folder, "trace-" + token), "w") as handle:
            handle.write("x")
    np.cs231n_trace = token
    os.environ["CS231N_TRACE"] = token
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", token],
                     start_new_session=True)
    return 1


def traces(token):
    alive = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                alive += token.encode() in handle.read()
        except OSError:
            pass
    left = os.path.exists("/tmp/trace-" + token) or os.path.exists("/dev/shm/trace-" + token)
    return np.array([left, hasattr(np, "cs231n_trace"),
                     "CS231N_TRACE" in os.environ, alive > 0])


def preloaded():
    return np.array(["torch" in sys.modules])


def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return 1


def kill_parent():
    import signal
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(0.5)
    return 1


def hang():
    while True:
        pass


def sleep_forever():
    import time
    while True:
        time.sleep(60)


def peek_at_parent():
    """Try to reach the zygote's pipes and memory, as code that wants to forge its reply would."""
    parent, reached = os.getppid(), []
    def open_its_pipes():
        for name in os.listdir("/proc/%d/fd" % parent):  # the numbers alone may be listed
            os.close(os.open("/proc/%d/fd/%s" % (parent, name), os.O_WRONLY))

    for attempt in (open_its_pipes,
                    lambda: open("/proc/%d/mem" % parent, "rb").close(),
                    lambda: open("/proc/%d/environ" % parent, "rb").read()):
        try:
            attempt()
            reached.append(True)
        except OSError:
            reached.append(False)
    return np.array(reached)


def random_draw():
    return np.random.rand(3)


IPC_CREAT = 0o1000


def leave_ipc_objects(key):
    """A SysV shared-memory segment and message queue, holding a message, left behind."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(key, 4096, IPC_CREAT | 0o666)
    queue = libc.msgget(key, IPC_CREAT | 0o666)
    if segment < 0 or queue < 0:
        raise OSError(ctypes.get_errno(), "shmget/msgget")
    libc.shmat.restype = ctypes.c_void_p
    address = libc.shmat(segment, None, 0)
    ctypes.memmove(address, b"secret of an earlier check", 26)
    return 1


def ipc_objects_seen(key):
    """[segments, queues] of the key this check can see (and /proc's lists of all)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    seen = [libc.shmget(key, 0, 0) >= 0, libc.msgget(key, 0) >= 0]
    for name in ("shm", "msg"):
        with open("/proc/sysvipc/" + name) as handle:
            seen.append(len(handle.read().splitlines()) > 1)
    return np.array(seen)
'''


@pytest.fixture
def stand_in(tmp_path):
    package = tmp_path / "submission" / "cs231n_core"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "probe.py").write_text(textwrap.dedent(PROBE))
    return str(tmp_path / "submission")


def make(stand_in, tmp_path, monkeypatch, cold=False, timeout_s=20.0, preload=()):
    if cold:
        monkeypatch.setenv("CS231N_COLD_WORKERS", "1")
    scratch = tmp_path / ("scratch-%s" % uuid.uuid4().hex[:8])
    scratch.mkdir()
    return Submission(stand_in, str(scratch), Limits(timeout_s=timeout_s), preload=preload)


def probe(submission, name, *args):
    return submission.run([call("cs231n_core.probe:%s" % name, *args, save="out")], returns=["out"])["out"]


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_no_check_sees_what_an_earlier_one_left(stand_in, tmp_path, monkeypatch, cold):
    submission = make(stand_in, tmp_path, monkeypatch, cold=cold)
    token = "cs231n-trace-" + uuid.uuid4().hex
    try:
        assert probe(submission, "leave_traces", token) == 1
        in_tmp, in_module, in_environ, alive = probe(submission, "traces", token)
    finally:
        submission.close()
    assert not in_module and not in_environ, "a module or the environment kept an earlier check's change"
    if bubblewrap_available() or not cold:  # a cold worker without it kills its group only
        assert not alive, "a process started by an earlier check was still running"
    if bubblewrap_available():  # without it, /tmp is the machine's own
        assert not in_tmp, "a file an earlier check left in /tmp or /dev/shm was still there"


def test_each_check_has_its_own_ipc_namespace(stand_in, tmp_path, monkeypatch):
    """Issue: checks forked from one zygote shared its SysV IPC namespace (a segment
    written by one check was read by a later one). Each check unshares its own."""
    if not bubblewrap_available():
        pytest.skip("without bubblewrap the checks share the machine's IPC namespace")
    submission = make(stand_in, tmp_path, monkeypatch)
    key = 0x5CA1AB1E
    try:
        assert probe(submission, "leave_ipc_objects", key) == 1
        seen = probe(submission, "ipc_objects_seen", key)
    finally:
        submission.close()
    assert not seen.any(), "a later check saw IPC objects of an earlier one: %s" % seen


def test_graded_as_root_the_worker_is_not_root_outside():
    """Issue: with `--unshare-user --uid 65534` started by root, the worker was root
    outside its namespace. Graded as root, the sandbox drops to uid 65534 with setpriv
    and no user namespace wherever that works; the isolation named in every report
    says which applied."""
    from autograder.trusted.isolation import isolation_name, sandbox_mode
    if os.geteuid() != 0 or not bubblewrap_available():
        pytest.skip("graded as root with a working sandbox only")
    assert sandbox_mode() == "setpriv"
    assert "uid 65534)" in isolation_name() and "root outside" not in isolation_name()


def test_preloaded_modules_are_imported_in_the_zygote(stand_in, tmp_path, monkeypatch):
    plain = make(stand_in, tmp_path, monkeypatch)
    with_torch = make(stand_in, tmp_path, monkeypatch, preload=("torch",))
    try:
        assert not probe(plain, "preloaded")[0]
        assert probe(with_torch, "preloaded")[0]
    finally:
        plain.close()
        with_torch.close()


@pytest.mark.parametrize("cold", [False, True], ids=["warm", "cold"])
def test_cpu_time_is_measured_outside_the_worker(stand_in, tmp_path, monkeypatch, cold):
    submission = make(stand_in, tmp_path, monkeypatch, cold=cold)
    try:
        probe(submission, "burn", 0.0)
        idle = submission.last_outcome.cpu_s
        probe(submission, "burn", 0.4)
        busy = submission.last_outcome.cpu_s
    finally:
        submission.close()
    assert busy - idle >= 0.35, "0.4 s of CPU measured as %.3f s" % (busy - idle)


def test_a_check_cannot_reach_into_the_zygote(stand_in, tmp_path, monkeypatch):
    submission = make(stand_in, tmp_path, monkeypatch)
    try:
        reached = probe(submission, "peek_at_parent")
    finally:
        submission.close()
    # Without bubblewrap, a worker run as root may read any process: only the sandbox's
    # unprivileged uid (or a non-root grader) makes the zygote's non-dumpable flag bind.
    if bubblewrap_available() or os.geteuid() != 0:
        assert not reached.any(), "a worker reached its zygote's pipes or memory: %s" % reached


def test_each_check_draws_its_own_random_numbers(stand_in, tmp_path, monkeypatch):
    submission = make(stand_in, tmp_path, monkeypatch)
    try:
        first, second = probe(submission, "random_draw"), probe(submission, "random_draw")
    finally:
        submission.close()
    assert not (first == second).all(), "two forked workers drew the same numbers"


@pytest.mark.parametrize("how", ["kill-parent", "wall-clock-limit"])
def test_a_check_that_breaks_the_zygote_costs_only_itself(stand_in, tmp_path, monkeypatch, how):
    if how == "kill-parent":
        monkeypatch.setenv("CS231N_NO_BWRAP", "1")  # under bubblewrap the zygote cannot be killed
        bubblewrap_available.cache_clear()
    submission = make(stand_in, tmp_path, monkeypatch, timeout_s=2.0)
    try:
        with pytest.raises(WorkerFailure, match="stopped the sandbox|time limit"):
            probe(submission, "kill_parent" if how == "kill-parent" else "sleep_forever")
        assert probe(submission, "burn", 0.0) == 1
        # A zygote that dies under a check may have been killed from outside (the
        # machine's OOM killer): the check runs once more on a new one before it fails.
        expected = 3 if how == "kill-parent" else 2
        assert submission.sandbox.variant.started_count == expected, "the next check did not get a new zygote"
    finally:
        submission.close()
        bubblewrap_available.cache_clear()  # computed again once the variable is gone


def test_the_time_limit_is_cpu_time(stand_in, tmp_path, monkeypatch):
    """An endless loop is stopped by its CPU budget (the kernel's RLIMIT_CPU), which a
    loaded machine does not shorten, and the zygote that forked it lives on."""
    submission = make(stand_in, tmp_path, monkeypatch, timeout_s=2.0)
    try:
        with pytest.raises(WorkerFailure, match="time limit of 2 s of CPU time"):
            probe(submission, "hang")
        assert probe(submission, "burn", 0.0) == 1
        assert submission.sandbox.variant.started_count == 1
    finally:
        submission.close()


def test_only_hidden_submissions_share_a_zygote(stand_in, tmp_path, monkeypatch):
    """Sharing is asked for by the mistake bank; it is granted only where the
    submission's original lies in a folder the sandbox hides anyway (/tmp here)."""
    from autograder.trusted import submission as submission_module
    handles = []
    try:
        for masked in (("/tmp",), ("/tmp",), ()):
            monkeypatch.setattr(submission_module, "ALWAYS_MASKED", masked)
            scratch = tmp_path / ("scratch-%d" % len(handles))
            scratch.mkdir()
            handles.append(Submission(stand_in, str(scratch), Limits(timeout_s=20.0), share_zygote=True))
        first, second, exposed = handles
        assert first.sandbox.variant is second.sandbox.variant and first.sandbox.shared
        assert exposed.sandbox.variant is not first.sandbox.variant and not exposed.sandbox.shared
        assert probe(first, "burn", 0.0) == 1 and probe(second, "burn", 0.0) == 1
        assert first.sandbox.variant.started_count == 1, "the second submission started its own zygote"
        assert probe(exposed, "burn", 0.0) == 1
    finally:
        for handle in handles:
            handle.close()
