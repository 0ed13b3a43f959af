"""Process-count and memory limits for a worker's whole process tree, via cgroups.

RLIMIT_NPROC does not bind root, and RLIMIT_AS binds one process at a time, so a
fork bomb run as root would escape both. A cgroup caps the tree. Used where the
machine lets this process create cgroups (cgroup v1's pids and memory hierarchies,
or cgroup v2 with those controllers); elsewhere the worker keeps its rlimits alone.
"""
import os
import time
import uuid

V1_ROOT = "/sys/fs/cgroup"
V2_ROOT = "/sys/fs/cgroup"


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


class WorkerCgroup:
    """One cgroup per worker run: create, let the child join, remove."""

    def __init__(self, processes, memory_bytes):
        self.folders = []
        name = "cs231n-worker-%s" % uuid.uuid4().hex[:12]
        try:
            if os.path.isdir(os.path.join(V1_ROOT, "pids")) and os.path.isdir(os.path.join(V1_ROOT, "memory")):
                pids = os.path.join(V1_ROOT, "pids", name)
                memory = os.path.join(V1_ROOT, "memory", name)
                os.mkdir(pids)
                self.folders.append(pids)
                _write(os.path.join(pids, "pids.max"), str(processes))
                os.mkdir(memory)
                self.folders.append(memory)
                _write(os.path.join(memory, "memory.limit_in_bytes"), str(memory_bytes))
            elif "pids" in _read(os.path.join(V2_ROOT, "cgroup.subtree_control")).split():
                folder = os.path.join(V2_ROOT, name)
                os.mkdir(folder)
                self.folders.append(folder)
                _write(os.path.join(folder, "pids.max"), str(processes))
                if os.path.exists(os.path.join(folder, "memory.max")):
                    _write(os.path.join(folder, "memory.max"), str(memory_bytes))
            else:
                return
        except OSError:
            self.close()

    @property
    def active(self):
        return bool(self.folders)

    def join(self):
        """Run in the child before exec: move it into the cgroup(s)."""
        for folder in self.folders:
            _write(os.path.join(folder, "cgroup.procs"), str(os.getpid()))

    def kill_all(self):
        """SIGKILL every process in the cgroup(s), those that left their session too."""
        for _ in range(20):
            pids = set()
            for folder in self.folders:
                pids |= set(_read(os.path.join(folder, "cgroup.procs")).split())
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (OSError, ValueError):
                    pass
            time.sleep(0.01)

    def close(self):
        """Remove the cgroup(s) once their processes are gone (retrying briefly)."""
        for folder in reversed(self.folders):
            for _ in range(50):
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.folders = []


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def available():
    """True when a worker cgroup can be made here."""
    probe = WorkerCgroup(processes=64, memory_bytes=1 << 30)
    ok = probe.active
    probe.close()
    return ok
