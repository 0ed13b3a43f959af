"""The warm variant of a Sandbox (sandbox.py): the trusted side's handle on one
sandboxed zygote (autograder/sandboxed/zygote.py) per grading run.

Every check still runs in a fresh process, forked for it alone, in a fresh working
copy, under the isolation and limits of isolation.py; only the start-up (Python, numpy,
torch) is paid once per grading run instead of once per check. A zygote that does not
answer in time, dies, or answers nonsense is killed with everything it started, and
the next check gets a new one.

    warm = WarmSandbox(limits, preload=("torch",), hide=[...])
    folder = warm.new_pristine()          # fill it with the submission's pristine copy
    outcome = warm.run(os.path.basename(folder), request_bytes, limits)  # a WorkerOutcome
    warm.dispose()

The zygote sees the pristine copies read-only (its inbox); each check's child copies
one into the sandbox's own /tmp as its working folder, so the trusted side copies and
deletes nothing per check.

A grading process that grades many submissions made by the instructor (the mistake
bank's mutants of the model solution) may share one zygote among them: shared(...). A
course's students never share one: each submission gets its own.
"""
import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from ..sandboxed import protocol
from . import cgroups, isolation

START_TIMEOUT_S = 120.0      # importing torch on a loaded machine
ZYGOTE_CPU_S = 24 * 3600     # the zygote's own limit; each child sets its check's limit


class ZygoteUnavailable(Exception):
    """The zygote could not be started here (the caller falls back to cold workers)."""


class _Gone(Exception):
    """The zygote closed its reply pipe."""


class _Late(Exception):
    """The zygote did not answer before the deadline."""


def _read_frame(fd, deadline, cap):
    """The next frame from the zygote: _Late when it is not whole by `deadline`
    (time.monotonic()), _Gone when the pipe closes first or the frame is larger than
    anything the zygote may send (`cap` bytes)."""
    def wait():
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise _Late

    try:
        return protocol.read_frame(fd, cap, wait)
    except (EOFError, protocol.ProtocolError):
        raise _Gone from None


def _descendants(root):
    """PIDs of every process below `root`, from /proc (children before their parents' death)."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as handle:
                parents[int(pid)] = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


class WarmSandbox:
    """One zygote, its runtime (the worker's trusted files), its inbox (the pristine
    copies of the submissions it serves) and, without bubblewrap only, the folder where
    each check's working copy lives: all in a private folder, of which the sandbox
    shows the runtime and the inbox alone, read-only."""

    def __init__(self, limits, preload=(), hide=()):
        self.limits = limits
        self.modules = ["numpy"] + [m for m in preload if m != "numpy"]
        self.hide = list(hide)
        self.scratch_root = tempfile.mkdtemp(prefix="cs231n-zygote-")
        self.runtime_dir = os.path.join(self.scratch_root, "runtime")
        self.inbox_dir = os.path.join(self.scratch_root, "inbox")
        self.runs_dir = os.path.join(self.scratch_root, "runs")
        for folder in (self.runtime_dir, self.inbox_dir, self.runs_dir):
            os.mkdir(folder)
        os.chmod(self.inbox_dir, 0o755)
        isolation.install_runtime(self.runtime_dir)
        self.process = self.cgroup = None
        self.wrapped = False
        self.started_count = 0

    def new_pristine(self):
        """A fresh path in the inbox for one submission's pristine copy (not yet created)."""
        return os.path.join(self.inbox_dir, "submission-" + uuid.uuid4().hex)

    def new_workdir(self):
        """A fresh path for one check's working copy without bubblewrap (not yet created)."""
        return os.path.join(self.runs_dir, "run-" + uuid.uuid4().hex)

    def _empty_runs(self):
        """Whatever a check left beside its working copy goes with it."""
        for name in os.listdir(self.runs_dir):
            path = os.path.join(self.runs_dir, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    # --- life cycle ----------------------------------------------------------------

    def _start(self):
        reply_r, reply_w = os.pipe()
        argv = ["zygote.py", "0", str(reply_w)] + self.modules
        self.wrapped = isolation.bubblewrap_available()
        if self.wrapped:
            command = isolation.sandbox_command(self.runtime_dir, self.inbox_dir, self.limits,
                                              self.hide, argv)
            home = isolation.INSIDE_WORK
        else:
            command = [sys.executable, "-I", os.path.join(self.runtime_dir, argv[0])] + argv[1:]
            home = self.runs_dir
        limits = isolation.Limits(**{**vars(self.limits), "timeout_s": ZYGOTE_CPU_S})
        self.cgroup = (cgroups.WorkerCgroup(limits.processes, limits.memory_bytes)
                       if isolation.cgroups_available() else None)
        cgroup = self.cgroup
        try:
            self.process = subprocess.Popen(
                command, cwd=self.runtime_dir, env=isolation._worker_env(home),
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(reply_w,), preexec_fn=lambda: isolation._set_limits(limits, cgroup),
                start_new_session=True)
        finally:
            os.close(reply_w)
        self.reply_fd = reply_r
        self.tail = []  # the zygote's own output (import warnings), kept for diagnosis
        threading.Thread(target=isolation._drain_tail, args=(self.process.stdout, 4000, self.tail),
                         daemon=True).start()
        try:
            ready = json.loads(_read_frame(reply_r, time.monotonic() + START_TIMEOUT_S, 1 << 16))
        except (_Gone, _Late, ValueError):
            self.close()
            raise ZygoteUnavailable("the zygote did not start") from None
        if not isinstance(ready, dict) or not ready.get("ready"):
            self.close()
            raise ZygoteUnavailable("the zygote did not start")
        self.started_count += 1

    def dispose(self):
        """Close, and remove the private folder."""
        self.close()
        shutil.rmtree(self.scratch_root, ignore_errors=True)

    def close(self):
        """Kill the zygote and everything it started; idempotent (a later run starts
        a new one)."""
        process, self.process = self.process, None
        if process is not None:
            if not self.wrapped:  # under bubblewrap the namespace dies with its init
                for pid in _descendants(process.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            if self.cgroup is not None:
                self.cgroup.kill_all()
            isolation._kill_group(process)
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            os.close(self.reply_fd)
        if self.cgroup is not None:
            self.cgroup.close()
            self.cgroup = None

    # --- one check -------------------------------------------------------------------

    def run(self, name, request, limits):
        """Run one request in a child forked for it, on a fresh working copy of the
        inbox's `name`; never raises for anything the submission does
        (ZygoteUnavailable only when no zygote can be started)."""
        if self.process is None:
            self._start()
        runtime, pristine, workdir = isolation.worker_paths(
            self.runtime_dir, self.inbox_dir, name, self.new_workdir(), self.wrapped)
        header = {"workdir": workdir, "pristine": pristine, "own_ipc": self.wrapped,
                  "cpu_limit_s": limits.cpu_limit_s, "max_files": limits.max_files,
                  "tail_bytes": limits.output_tail_bytes, "result_bytes": limits.result_bytes}
        message = protocol.frame(json.dumps(header).encode()) + protocol.frame(request)
        outcome = isolation.WorkerOutcome(isolation=isolation.isolation_name())
        started = time.monotonic()
        writer = threading.Thread(target=isolation._feed_open, args=(self.process.stdin, message),
                                  daemon=True)
        writer.start()
        deadline = started + limits.wall_s
        try:
            reply = json.loads(_read_frame(self.reply_fd, deadline, 1 << 20))
            data = _read_frame(self.reply_fd, deadline, limits.result_bytes)
        except _Late:
            outcome.timed_out = True
            outcome.problem = isolation.wall_clock_problem(limits)
        except (_Gone, ValueError):
            outcome.problem = "it stopped the sandbox's process that ran it before answering"
            outcome.zygote_lost = True
        outcome.elapsed_s = time.monotonic() - started
        if outcome.problem:
            self.close()  # a new zygote for the next check (and the writer unblocked)
        writer.join(timeout=5)
        if not self.wrapped:
            self._empty_runs()
        if outcome.problem:
            return outcome
        outcome.returncode = int(reply["returncode"])
        outcome.cpu_s = float(reply["cpu_s"])
        outcome.output_tail = str(reply["output_tail"])
        files_left = int(reply.get("files_left", 0))
        if files_left > limits.max_files:
            self.close()  # the zygote has left; the next check gets a fresh sandbox
            outcome.problem = ("it left %d files in the sandbox, more than the limit of %d"
                               % (files_left, limits.max_files))
        elif reply.get("no_isolation"):
            outcome.problem = "the grading host could not isolate it (a fault of the grader)"
            outcome.host_failure = True
        else:
            isolation.read_answer(outcome, data, bool(reply["too_large"]), limits, wrapped=False)
        return outcome


_SHARED = {}


def shared(limits, preload=(), hide=()):
    """The zygote of this process for these limits, modules and hidden folders, started
    on first use and disposed of when the process exits."""
    key = (tuple(sorted(vars(limits).items())), tuple(sorted(set(preload))), tuple(sorted(set(hide))))
    if key not in _SHARED:
        _SHARED[key] = WarmSandbox(limits, preload, hide)
    return _SHARED[key]


@atexit.register
def _dispose_shared():
    for sandbox_ in _SHARED.values():
        sandbox_.dispose()
    _SHARED.clear()
