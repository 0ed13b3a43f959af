"""Run one worker process under the strongest isolation this machine offers.

With bubblewrap (Debian's `bwrap`): a read-only view of the system, the trusted
project, the hidden graders, the original submission and the course folder hidden
under empty tmpfs mounts, no network, its own PID namespace, an unprivileged uid, and
only the throw-away work folder writable. Always, bubblewrap or not: resource limits
(CPU seconds, address space, file size, processes), its own session and process
group, a wall-clock timeout that kills the whole group, and stdout/stderr drained
through a pipe of which only the tail is kept (a flood costs nothing but time).
"""
import functools
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from . import cgroups, protocol

GiB = 1 << 30
MiB = 1 << 20


# The trusted files a worker runs from, copied next to each other into a runtime folder.
RUNTIME_FILES = ("worker.py", "protocol.py", "zygote.py")


def install_runtime(folder):
    """Copy the worker's runtime files (this folder's RUNTIME_FILES) into `folder`."""
    engine_dir = os.path.dirname(os.path.abspath(__file__))
    for name in RUNTIME_FILES:
        shutil.copy(os.path.join(engine_dir, name), folder)


@dataclass
class Limits:
    # The budget of one worker run is CPU time, counted by the kernel (RLIMIT_CPU): the
    # same work costs the same CPU seconds on an idle machine and on one loaded by other
    # jobs, which only stretch the wall clock. The wall clock is a backstop for a worker
    # that sleeps or blocks: wall_factor times the budget, plus a few seconds.
    timeout_s: float = 60.0           # CPU seconds for one worker run
    wall_factor: float = 3.0          # wall-clock limit = wall_factor * timeout_s + WALL_SLACK_S
    memory_bytes: int = 3 * GiB       # address space (RLIMIT_AS)
    file_bytes: int = 64 * MiB        # largest file the worker may write
    processes: int = 64               # RLIMIT_NPROC (not enforced for root)
    output_tail_bytes: int = 8000     # how much of stdout/stderr is kept
    result_bytes: int = 512 * MiB     # largest response accepted

    @property
    def cpu_limit_s(self):
        """RLIMIT_CPU in whole seconds (the kernel's granularity), at least 1."""
        return max(1, int(math.ceil(self.timeout_s)))

    @property
    def wall_s(self):
        return self.wall_factor * self.timeout_s + WALL_SLACK_S


WALL_SLACK_S = 5.0


@dataclass
class WorkerOutcome:
    response: dict = None             # the decoded header, when one arrived
    arrays: dict = field(default_factory=dict)
    returncode: int = None
    timed_out: bool = False
    output_tail: str = ""
    elapsed_s: float = 0.0
    cpu_s: float = 0.0                # CPU seconds of the whole worker, measured outside it
    isolation: str = ""
    problem: str = ""                 # why no response arrived, in a sentence


@functools.lru_cache(maxsize=1)
def bubblewrap_available():
    """True when bwrap exists and can actually create its namespaces here."""
    bwrap = shutil.which("bwrap")
    if not bwrap or os.environ.get("CS231N_NO_BWRAP"):
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--uid", "65534",
             "--gid", "65534", "--die-with-parent", "--dev", "/dev", "--proc", "/proc", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@functools.lru_cache(maxsize=1)
def cgroups_available():
    return not os.environ.get("CS231N_NO_CGROUPS") and cgroups.available()


def isolation_name():
    limits = "rlimits" + (" + cgroup (processes, memory)" if cgroups_available() else "")
    if bubblewrap_available():
        return "bubblewrap (no network, read-only system, hidden graders, uid 65534) + " + limits
    return limits + " and process group only (bubblewrap unavailable)"


def _set_limits(limits, cgroup=None):
    """Runs in the child between fork and exec."""
    if cgroup is not None:
        cgroup.join()
    cpu = limits.cpu_limit_s
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    except (ValueError, OSError):
        pass


def _within(path, folder):
    return path == folder or path.startswith(folder + os.sep)


def _bwrap_prefix(workdir, runtime_dir, hide, scratch_root):
    """The bubblewrap command line that wraps the worker.

    Mounts, in order: empty tmpfs over /tmp, the scratch folder and every hidden
    folder outside the interpreter; the interpreter's folders again, read-only, where
    those tmpfs mounts covered them (a venv inside the project, or under /tmp); then
    tmpfs over hidden folders inside the interpreter (an installed autograder); last,
    the worker's runtime (read-only) and its working copy (writable)."""
    keep = sorted({os.path.realpath(p) for p in
                   (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)))})
    hidden = sorted({os.path.realpath(p) for p in hide if os.path.isdir(p)})
    inside_keep = [h for h in hidden if any(_within(h, k) for k in keep)]
    masked = ["/tmp", os.path.realpath(scratch_root)] + [h for h in hidden if h not in inside_keep]
    args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for path in masked:
        args += ["--tmpfs", path]
    for kept in keep:
        if any(_within(kept, m) for m in masked):
            args += ["--ro-bind", kept, kept]
    for path in inside_keep:
        args += ["--tmpfs", path]
    args += ["--ro-bind", runtime_dir, runtime_dir, "--bind", workdir, workdir,
             "--chdir", workdir, "--unshare-all", "--as-pid-1", "--uid", "65534", "--gid", "65534",
             "--die-with-parent", "--new-session", "--setenv", "HOME", workdir]
    return args


# Settings that choose the numeric kernels (the BLAS's CPU type, PyTorch's vector
# width, MKL's instruction set): needed on some CPUs, and how benchmarks/grading_matrix.py
# makes this machine round like another one.
KERNEL_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ATEN_CPU_CAPABILITY",
                   "MKL_ENABLE_INSTRUCTIONS", "MKL_DEBUG_CPU_TYPE")


def worker_threads():
    """Threads of the worker's numeric libraries: 1 (the grade must not depend on the
    machine's core count), unless CS231N_WORKER_THREADS asks otherwise (the grading
    matrix proves that it does not)."""
    value = os.environ.get("CS231N_WORKER_THREADS", "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError("CS231N_WORKER_THREADS must be a whole number of threads, not %r" % value)
    return value


def _worker_env(workdir):
    threads = worker_threads()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
           # Idle OpenMP threads sleep instead of spinning: a spinning thread burns the
           # worker's CPU budget while waiting, the more so on a loaded machine.
           "OMP_WAIT_POLICY": "PASSIVE"}
    for key in KERNEL_SETTINGS:
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _drain_tail(stream, keep, sink):
    """Read a stream to its end, keeping only its last `keep` bytes."""
    tail = b""
    while True:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        tail = (tail + chunk)[-keep:]
    sink.append(tail)


def _drain_capped(stream, cap, sink):
    data, size = [], 0
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        size += len(chunk)
        if size <= cap:
            data.append(chunk)
    sink.append(b"".join(data) if size <= cap else None)


def _feed(stream, data):
    try:
        stream.write(data)
    except (BrokenPipeError, OSError):
        pass  # the worker died before reading its request: reported by its exit
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _feed_open(stream, data):
    """Write to a stream that stays open (the zygote's request pipe)."""
    try:
        stream.write(data)
        stream.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the zygote died: reported by its missing answer


def run_worker(workdir, runtime_dir, request, limits, hide=(), scratch_root=None):
    """Run runtime_dir/worker.py on `request` (bytes) in `workdir`; never raises for
    anything the submission does."""
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result_read, result_write = os.pipe()
    command = [sys.executable, "-I", os.path.join(runtime_dir, "worker.py"), workdir, str(result_write)]
    # -I keeps PYTHON* variables and the user's site out; we add workdir ourselves.
    use_bwrap = bubblewrap_available()
    if use_bwrap:
        command = _bwrap_prefix(workdir, runtime_dir, hide, scratch_root or workdir) + command
    cgroup = cgroups.WorkerCgroup(limits.processes, limits.memory_bytes) if cgroups_available() else None
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=workdir, env=_worker_env(workdir), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(result_write,),
        preexec_fn=lambda: _set_limits(limits, cgroup),
        start_new_session=True)
    os.close(result_write)
    tails, results = [], []
    result_stream = os.fdopen(result_read, "rb")
    threads = [threading.Thread(target=_feed, args=(process.stdin, request), daemon=True),
               threading.Thread(target=_drain_tail, args=(process.stdout, limits.output_tail_bytes, tails), daemon=True),
               threading.Thread(target=_drain_capped, args=(result_stream, limits.result_bytes, results), daemon=True)]
    for thread in threads:
        thread.start()
    outcome = WorkerOutcome(isolation=isolation_name())
    try:
        process.wait(timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
    _kill_group(process)
    for thread in threads:
        thread.join(timeout=5)
    if cgroup is not None:
        cgroup.close()
    result_stream.close()
    outcome.elapsed_s = time.monotonic() - started
    # The kernel's account of the reaped worker (with --as-pid-1, bwrap reaps the
    # sandboxed process itself, so its CPU time reaches us):
    # code inside the sandbox cannot fake it, unlike a clock it reads itself. Exact
    # as long as one worker at a time runs per grading process, as the graders do.
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    outcome.cpu_s = ((children_after.ru_utime + children_after.ru_stime)
                     - (children_before.ru_utime + children_before.ru_stime))
    outcome.returncode = process.returncode
    outcome.output_tail = (tails[0] if tails else b"").decode("utf-8", "replace")
    data = results[0] if results else None
    if outcome.timed_out:
        outcome.problem = wall_clock_problem(limits)
    else:
        read_answer(outcome, data, data is None and bool(results), limits, wrapped=use_bwrap)
    return outcome


def read_answer(outcome, data, too_large, limits, wrapped):
    """Fill outcome.response and .arrays from the worker's answer, or say in
    outcome.problem why there is none."""
    if too_large:
        outcome.problem = "its answer was larger than %d MiB" % (limits.result_bytes // MiB)
    elif not data:
        outcome.problem = _describe_exit(outcome.returncode, wrapped=wrapped, limits=limits)
    else:
        try:
            outcome.response, outcome.arrays = protocol.decode(data)
        except protocol.ProtocolError as exc:
            outcome.problem = "its answer could not be read (%s)" % exc


def _kill_group(process):
    """Kill the worker's whole process group (and with bwrap, its PID namespace)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def wall_clock_problem(limits):
    return ("it ran past the time limit (%g s of wall-clock time, for %g s of CPU time) "
            "and was stopped; is it waiting for something?" % (limits.wall_s, limits.timeout_s))


def _describe_exit(code, wrapped=False, limits=None):
    if code is None:
        return "it did not exit"
    if wrapped and code > 128 and (code - 128) in signal.Signals._value2member_map_:
        code = 128 - code  # bwrap reports a child killed by signal N as status 128 + N
    if code == -signal.SIGXCPU and limits is not None:
        return ("it ran past the time limit of %g s of CPU time and was stopped; is there an "
                "endless loop, or a loop where vectorized code belongs?" % limits.cpu_limit_s)
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hints = {"SIGKILL": " (often: memory or CPU limit)", "SIGXCPU": " (CPU time limit)",
                 "SIGXFSZ": " (file size limit)", "SIGSEGV": " (crash)"}
        return "it was killed by %s%s before answering" % (name, hints.get(name, ""))
    return "it exited with status %d before answering (sys.exit or os._exit?)" % code
