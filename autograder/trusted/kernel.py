"""A Jupyter kernel in the grading sandbox, for the notebooks `nbgrader autograde` runs.

nbgrader executes each handed-in notebook in a kernel, and a notebook imports the
student's own code: unsandboxed, that code could rewrite another student's files or
read the instructor's. SandboxedKernelManager starts the kernel under the same
allow-list sandbox as the graders' workers (isolation.sandbox_prefix): the Python runtime
read-only, the instructor's folders hidden, no network, uid 65534, and its notebook
folder as a throw-away copy:

    host                                      inside the sandbox
    <scratch>/pristine  (trusted copy of      /sandbox/in     read-only
                         the notebook folder)
    (nothing)                                 /tmp/work       the kernel's folder: a copy
                                                              of /sandbox/in on the
                                                              sandbox's size-capped /tmp
    <scratch>/sockets                         same path       the kernel's ZeroMQ sockets
                                                              (Unix sockets: no network)

So the kernel can write where a notebook writes (checkpoints/, figures) and nothing it
writes outlives it; the student's files, the course folder and every other student's
folder are out of its reach. Interrupts travel as messages (the kernel is in a session
of its own, out of reach of signals), and the kernel's own stdout/stderr go to a
capped log in the scratch folder, never to the instructor's terminal.
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Float, Integer

from . import intake, isolation
from .text import clean_tail

INSIDE_COPY = "/sandbox/in"
INSIDE_FOLDER = "/tmp/work"
INSIDE_HOME = "/tmp/home"
# Copied into the kernel's environment when the grader has them (nothing else is).
PASSED_SETTINGS = ("CS231N_SMOKE", "NBGRADER_EXECUTION") + isolation.KERNEL_SETTINGS
GiB = 1 << 30


class KernelBox:
    """The scratch folder of one sandboxed kernel: the trusted copy of its notebook
    folder, its socket folder and its output log; `command()` is the kernel's command
    line, `close()` removes everything."""

    def __init__(self, folder, limits, hide=()):
        self.folder = os.path.realpath(folder)
        self.limits = limits
        self.hide = list(hide)
        self.mode = isolation.sandbox_mode()
        self.root = tempfile.mkdtemp(prefix="cs231n-kernel-")
        os.chmod(self.root, 0o755)
        self.pristine = os.path.join(self.root, "pristine")
        self.sockets = os.path.join(self.root, "sockets")
        self.log = os.path.join(self.root, "kernel-output.log")
        try:
            copy_folder(self.folder, self.pristine)
            isolation.make_world_readable(self.pristine)
            os.makedirs(self.sockets, mode=0o700)
            self.give_to_sandbox(self.sockets)
        except BaseException:
            self.close()
            raise

    def give_to_sandbox(self, path):
        """Make `path` the sandbox uid's (graded as root: the kernel runs as 65534)."""
        if self.mode == "setpriv":
            os.chown(path, isolation.SANDBOX_UID, isolation.SANDBOX_UID)

    def command(self):
        """The kernel's command line; `{connection_file}` is filled in by jupyter_client."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": INSIDE_HOME, "LANG": "C.UTF-8",
               "MPLCONFIGDIR": os.path.join(INSIDE_HOME, ".matplotlib"), "PYTHONDONTWRITEBYTECODE": "1"}
        env.update({key: os.environ[key] for key in PASSED_SETTINGS if key in os.environ})
        # The shell copies the pristine folder onto the sandbox's /tmp, then becomes the
        # kernel; `env -i` leaves the grader's environment behind.
        script = ("mkdir -p %s %s && cp -R %s/. %s/ && cd %s && exec env -i %s %s -m ipykernel_launcher -f \"$1\""
                  % (INSIDE_FOLDER, INSIDE_HOME, INSIDE_COPY, INSIDE_FOLDER, INSIDE_FOLDER,
                     " ".join(shlex.quote("%s=%s" % item) for item in sorted(env.items())),
                     shlex.quote(sys.executable)))
        binds = [("--ro-bind", self.pristine, INSIDE_COPY), ("--bind", self.sockets, self.sockets)]
        prefix = isolation.sandbox_prefix(self.limits, self.hide, binds, chdir="/tmp", mode=self.mode)
        limits = ["prlimit", "--as=%d" % self.limits.memory_bytes, "--fsize=%d" % self.limits.file_bytes,
                  "--core=0", "--nproc=%d" % self.limits.processes, "--"]
        return limits + prefix + ["/bin/sh", "-c", script, "sh", "{connection_file}"]

    def output_tail(self, keep=2000):
        try:
            with open(self.log, "rb") as handle:
                handle.seek(max(0, os.path.getsize(self.log) - keep))
                return clean_tail(handle.read().decode("utf-8", "replace"))
        except OSError:
            return ""

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def copy_folder(source, dest):
    """Copy a notebook folder for the kernel, links not followed, within the intake's
    limits on files and bytes (it is copied by the trusted side: nothing bounds that
    work but these). Raises intake.SubmissionRefused."""
    count, total = 0, 0
    for parent, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".ipynb_checkpoints")]
        for name in dirs + files:
            count += 1
            path = os.path.join(parent, name)
            if os.path.isfile(path) and not os.path.islink(path):
                total += os.lstat(path).st_size
        if count > intake.MAX_ZIP_MEMBERS or total > intake.MAX_UNZIPPED_BYTES:
            raise intake.SubmissionRefused(
                "the notebook folder %s holds more than %d files or %d MiB; the kernel was not started"
                % (source, intake.MAX_ZIP_MEMBERS, intake.MAX_UNZIPPED_BYTES // intake.MiB))
    # Links are dropped, not copied: one could point at another student's folder.
    shutil.copytree(source, dest, symlinks=True, ignore=_links_and_caches)


def _links_and_caches(folder, names):
    return {n for n in names if n in ("__pycache__", ".ipynb_checkpoints")
            or os.path.islink(os.path.join(folder, n))}


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs in the grading sandbox (see the module's
    docstring). The folder it is started in (`cwd`) is what the kernel gets a copy of."""

    memory_gib = Float(8.0, help="address space of the kernel, GiB").tag(config=True)
    disk_mib = Integer(1024, help="size of the kernel's /tmp (its folder's copy included), MiB").tag(config=True)

    def __init__(self, **kwargs):
        self.hide = list(kwargs.pop("hide", ()))
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.box = None
        self._log_handle = None

    def _limits(self):
        return isolation.Limits(memory_bytes=int(self.memory_gib * GiB), disk_bytes=self.disk_mib << 20,
                              shm_bytes=256 << 20, file_bytes=256 << 20, processes=256)

    async def _async_pre_start_kernel(self, **kw):
        if self.box is None:
            self.box = KernelBox(kw.get("cwd") or os.getcwd(), self._limits(), self.hide)
            self.connection_file = os.path.join(self.box.sockets, "kernel.json")
            self.ip = os.path.join(self.box.sockets, "kernel-ipc")
            self._kernel_spec = KernelSpec(argv=self.box.command(), language="python",
                                           display_name="Python 3 (grading sandbox)",
                                           interrupt_mode="message", env={})
        kw["cwd"] = self.box.root
        return await super()._async_pre_start_kernel(**kw)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        self.box.give_to_sandbox(self.connection_file)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._log_handle is None:
            self._log_handle = open(self.box.log, "wb")
        kw.update(stdin=subprocess.DEVNULL, stdout=self._log_handle, stderr=self._log_handle)
        return await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self.dispose()

    def dispose(self):
        """Remove the kernel's scratch folder (its copy, sockets and log)."""
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        if self.box is not None:
            self.box.close()
            self.box = None
