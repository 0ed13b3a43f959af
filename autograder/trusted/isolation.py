"""Run one process under the strongest isolation this machine offers: a cold worker
(cold_sandbox.py runs each check this way), a zygote (warm_sandbox.py) or a kernel
(kernel.py).

With bubblewrap (Debian's `bwrap`) the worker sees an allow-list of the host, nothing
else: the Python runtime and its libraries and /usr, read-only; its trusted runtime
files and the submission's pristine copy, read-only; an empty /tmp (where it makes its
own working copy) and /dev/shm, both tmpfs of a fixed size, so that its disk quota is
its own and nobody else's; /dev, /proc of its own PID namespace, and no network, no
IPC objects, no hostname of the host's. Its uid outside the sandbox is 65534, truly
unprivileged: run by root, bubblewrap makes no user namespace and the worker drops to
uid/gid 65534 with `setpriv` (no capabilities, no supplementary groups, no new
privileges), so a file the allow-list forgot is still guarded by its permissions. Run
by another user, bubblewrap maps that user's uid to 65534 in a user namespace; so it
does for root too where root may not make mount namespaces without one (some
containers), and then the allow-list alone protects the host (isolation_name says so).

Always, bubblewrap or not: resource limits (CPU seconds, address space, file size,
processes), its own session and process group, a wall-clock timeout that kills the
whole group, and stdout/stderr drained through a pipe of which only the tail is kept
(a flood costs nothing but time). Without bubblewrap none of the filesystem isolation
holds; `sandbox_problem()` says why, and graders that must not run unsandboxed
(require_sandbox) refuse.
"""
import functools
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from .. import sandboxed
from ..sandboxed import protocol
from . import cgroups

GiB = 1 << 30
MiB = 1 << 20

SANDBOX_UID = 65534                    # "nobody": owns nothing on the host
INSIDE_RUNTIME = "/sandbox/runtime"    # where the runtime folder appears in the sandbox
INSIDE_INBOX = "/sandbox/in"           # where the pristine copies appear (read-only)
INSIDE_WORK = "/tmp/work"              # each check's working copy, on the sandbox's /tmp
# Files of /etc the dynamic linker and Python's libraries read; nothing else of /etc.
ETC_ALLOWED = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
               "/etc/localtime")


# What a worker runs from: the sandboxed side's folder, every file of it and nothing
# else, copied next to each other into a runtime folder.
RUNTIME_SOURCE = os.path.dirname(os.path.abspath(sandboxed.__file__))


def runtime_files():
    """The names of the files install_runtime copies: every file of RUNTIME_SOURCE
    (its __pycache__ is a folder, not a file)."""
    return sorted(name for name in os.listdir(RUNTIME_SOURCE)
                  if os.path.isfile(os.path.join(RUNTIME_SOURCE, name)))


def install_runtime(folder):
    """Copy the sandboxed side's files (runtime_files) into `folder`, readable by the
    sandbox's unprivileged uid."""
    os.chmod(folder, 0o755)
    for name in runtime_files():
        shutil.copy(os.path.join(RUNTIME_SOURCE, name), folder)
        os.chmod(os.path.join(folder, name), 0o644)


def make_world_readable(root):
    """Let the sandbox's uid read a tree the trusted side copied (a submission's file
    may have been handed in with mode 600): folders 755, files 644, nothing writable
    but by its owner."""
    os.chmod(root, 0o755)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


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
    disk_bytes: int = 256 * MiB       # size of the sandbox's /tmp (working copy included)
    shm_bytes: int = 64 * MiB         # size of the sandbox's /dev/shm
    max_files: int = 10000            # files and folders a check may leave in /tmp, /dev/shm

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
    host_failure: bool = False        # the problem is the grading host's, not the submission's
    zygote_lost: bool = False         # the zygote died under the check (the check or the host?)


class SandboxUnavailable(Exception):
    """Grading was asked to refuse unsandboxed runs, and this machine cannot sandbox."""


@functools.lru_cache(maxsize=1)
def _probe():
    """(mode, None) for the first sandbox mode that works here, or (None, why not).

    "setpriv" (graded as root): bubblewrap without a user namespace, then setpriv to
    uid 65534: the worker is unprivileged on the host too. "userns": bubblewrap maps
    the grader's uid to 65534 in a user namespace; graded as root (a container that
    lets root make user namespaces but not mount namespaces), that uid is root
    outside, and only the allow-list protects the host's files."""
    if os.environ.get("CS231N_NO_BWRAP"):
        return None, "CS231N_NO_BWRAP is set"
    if not shutil.which("bwrap"):
        return None, "bubblewrap (bwrap) is not installed"
    problems = []
    for mode in (("setpriv", "userns") if os.geteuid() == 0 else ("userns",)):
        problem = _try_mode(mode)
        if problem is None:
            return mode, None
        problems.append("%s mode: %s" % (mode, problem))
    return None, "; ".join(problems)


def _try_mode(mode):
    """None when the sandbox runs in `mode` here, with all the checks will need (the
    allow-list, the uid, a child's own IPC namespace: zygote.py --probe); else why not."""
    if mode == "setpriv" and not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    runtime = tempfile.mkdtemp(prefix="cs231n-probe-")
    try:
        install_runtime(runtime)
        command = sandbox_command(runtime, runtime, Limits(), (),
                                  ["zygote.py", "--probe", str(SANDBOX_UID)], mode=mode)
        try:
            done = subprocess.run(command, capture_output=True, timeout=60, env=_worker_env(INSIDE_WORK))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return "bubblewrap could not be started (%s)" % exc
        if done.returncode != 0:
            text = (done.stdout + done.stderr).decode("utf-8", "replace").strip()
            return "bubblewrap could not build the sandbox (%s)" % (
                text.splitlines() or ["status %d" % done.returncode])[-1][:300]
        return None
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def sandbox_problem():
    """None when the sandbox works here; else why not, in a sentence."""
    return _probe()[1]


def sandbox_mode():
    """"setpriv", "userns", or None when the sandbox does not work here (see _probe)."""
    return _probe()[0]


def bubblewrap_available():
    """True when the sandbox works here (see sandbox_problem)."""
    return sandbox_problem() is None


bubblewrap_available.cache_clear = _probe.cache_clear


def require_sandbox():
    """Raise SandboxUnavailable, with the reason, unless the sandbox works here."""
    problem = sandbox_problem()
    if problem:
        raise SandboxUnavailable(
            "grading stopped: the sandbox is required but unavailable here: %s. Install "
            "bubblewrap and util-linux's setpriv (Debian/Ubuntu: apt-get install bubblewrap "
            "util-linux), run where it may create namespaces, or grade without "
            "--require-sandbox only submissions you trust." % problem)


@functools.lru_cache(maxsize=1)
def cgroups_available():
    return not os.environ.get("CS231N_NO_CGROUPS") and cgroups.available()


def isolation_name():
    limits = "rlimits" + (" + cgroup (processes, memory)" if cgroups_available() else "")
    if bubblewrap_available():
        uid = ("uid 65534" if sandbox_mode() == "setpriv" or os.geteuid() != 0
               else "uid 65534 in a user namespace, root outside")
        return ("bubblewrap allow-list (Python runtime read-only, own copy, size-capped /tmp; "
                "no network; own PID and IPC namespaces; %s) + %s" % (uid, limits))
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
    if cgroup is None or not cgroup.active:
        # RLIMIT_NPROC counts every process of the uid on the machine: under the sandbox's
        # shared uid 65534, one submission's fork bomb would starve another's. A cgroup
        # caps this tree alone, so it replaces the rlimit where there is one.
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        except (ValueError, OSError):
            pass


def _within(path, folder):
    return path == folder or path.startswith(folder + os.sep)


def _runtime_roots():
    """The folders the interpreter needs: its prefixes and the folder of its binary."""
    return sorted({os.path.realpath(p) for p in
                   (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)))})


class _Mounts:
    """bubblewrap mount arguments; the folders above each mount point are made with
    mode 755 first (bubblewrap would make them 700, which uid 65534 cannot cross: the
    interpreter lives under /root/.pyenv on some machines)."""

    def __init__(self):
        self.args, self.made = [], {"/", "/tmp", "/dev"}

    def _parents(self, path):
        parent, todo = os.path.dirname(path), []
        while parent not in self.made:
            todo.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(todo):
            self.args += ["--perms", "0755", "--dir", folder]
            self.made.add(folder)

    def add(self, option, source, dest):
        self._parents(dest)
        self.args += [option, source, dest] if source is not None else [option, dest]


def _system_mounts(mounts):
    """/usr read-only; /bin, /lib, /lib64, /sbin as the host has them (links into /usr
    on merged-/usr systems); the few files of /etc in ETC_ALLOWED."""
    mounts.add("--ro-bind", "/usr", "/usr")
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            mounts.add("--symlink", os.readlink(top), top)
        elif os.path.isdir(top):
            mounts.add("--ro-bind", top, top)
    for path in ETC_ALLOWED:
        if os.path.exists(path):
            mounts.add("--ro-bind", path, path)


def sandbox_prefix(limits, hide, binds=(), chdir="/tmp", mode=None):
    """The bubblewrap command line up to the sandboxed program: the allow-list of
    mounts described at the top of this module, hidden folders inside the runtime's own
    folders covered by empty tmpfs (an installed autograder, a public dataset), then
    `binds` ((option, host path, path inside) triples, e.g. a read-only copy), then the
    drop to uid 65534 as `mode` (default: the one that works here, see _probe) does it."""
    keep = _runtime_roots()
    hidden = sorted({os.path.realpath(p) for p in hide if os.path.isdir(p)})
    args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--as-pid-1"]
    mounts = _Mounts()
    _system_mounts(mounts)
    # /tmp first: the interpreter's folders may live under it (a venv in a project in /tmp)
    mounts.args += ["--dev", "/dev", "--proc", "/proc", "--mqueue", "/dev/mqueue",
                    "--size", str(int(limits.disk_bytes)), "--perms", "1777", "--tmpfs", "/tmp",
                    "--size", str(int(limits.shm_bytes)), "--perms", "1777", "--tmpfs", "/dev/shm"]
    for kept in keep:
        if not any(_within(kept, other) for other in keep if other != kept):
            mounts.add("--ro-bind", kept, kept)
    for path in hidden:
        if any(_within(path, k) for k in keep):
            mounts.add("--tmpfs", None, path)
    for option, source, dest in binds:
        mounts.add(option, source, dest)
    args += mounts.args + ["--remount-ro", "/", "--chdir", chdir]
    if (mode or sandbox_mode()) == "setpriv":
        # No user namespace: bubblewrap keeps only the capabilities setpriv needs to
        # change uid, and setpriv drops them all before the program starts.
        return args + ["--cap-add", "CAP_SETUID,CAP_SETGID,CAP_SETPCAP", "setpriv",
                       "--reuid", str(SANDBOX_UID), "--regid", str(SANDBOX_UID), "--clear-groups",
                       "--inh-caps=-all", "--bounding-set=-all", "--"]
    args[1:1] = ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    return args


def sandbox_command(runtime_dir, inbox_dir, limits, hide, argv, mode=None):
    """The command line that runs `python -I INSIDE_RUNTIME/argv[0] argv[1:]` in the
    sandbox, with the runtime folder and the pristine copies read-only inside."""
    binds = [("--ro-bind", runtime_dir, INSIDE_RUNTIME), ("--ro-bind", inbox_dir, INSIDE_INBOX)]
    python = [sys.executable, "-I", os.path.join(INSIDE_RUNTIME, argv[0])] + list(argv[1:])
    return sandbox_prefix(limits, hide, binds, mode=mode) + python


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


def worker_paths(runtime_dir, inbox_dir, name, host_workdir, wrapped):
    """(runtime, pristine copy, working copy) as the worker sees them."""
    if wrapped:
        return INSIDE_RUNTIME, os.path.join(INSIDE_INBOX, name), INSIDE_WORK
    return runtime_dir, os.path.join(inbox_dir, name), host_workdir


def run_worker(runtime_dir, inbox_dir, name, request, limits, hide=(), host_workdir=None):
    """Run worker.py on `request` (bytes) in a fresh working copy of inbox_dir/name
    (made by the worker: in the sandbox's /tmp, or at host_workdir without bubblewrap,
    which the caller removes); never raises for anything the submission does."""
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result_read, result_write = os.pipe()
    use_bwrap = bubblewrap_available()
    runtime, pristine, workdir = worker_paths(runtime_dir, inbox_dir, name, host_workdir, use_bwrap)
    argv = ["worker.py", pristine, workdir, str(result_write)]
    # -I keeps PYTHON* variables and the user's site out; the worker adds workdir itself.
    if use_bwrap:
        command = sandbox_command(runtime_dir, inbox_dir, limits, hide, argv)
    else:
        command = [sys.executable, "-I", os.path.join(runtime, argv[0])] + argv[1:]
    cgroup = cgroups.WorkerCgroup(limits.processes, limits.memory_bytes) if cgroups_available() else None
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=runtime_dir, env=_worker_env(workdir), stdin=subprocess.PIPE,
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
            outcome.response, outcome.arrays = protocol.decode(data, max_bytes=limits.result_bytes)
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
