"""The cold variant of a Sandbox (sandbox.py): every run starts a sandboxed Python from
nothing (isolation.run_worker), on a fresh working copy of its pristine copy. It costs
numpy's and torch's import once per check; it serves where the warm variant cannot
(no zygote can start here) or is not wanted (CS231N_COLD_WORKERS=1).

Its folders (the worker's runtime, the inbox the sandbox shows read-only, and, without
bubblewrap only, each run's working copy) live in one folder given by the caller.
"""
import itertools
import os
import shutil

from . import isolation


class ColdSandbox:
    def __init__(self, root, hide=()):
        self.hide = list(hide)
        self.runtime_dir = os.path.join(root, "runtime")
        self.inbox_dir = os.path.join(root, "inbox")
        self.runs_dir = os.path.join(root, "runs")
        for folder in (self.runtime_dir, self.inbox_dir, self.runs_dir):
            os.makedirs(folder)
        os.chmod(self.inbox_dir, 0o755)
        isolation.install_runtime(self.runtime_dir)
        self._counter = itertools.count()

    def new_pristine(self):
        """The path of the one submission's pristine copy in the inbox (not yet created)."""
        return os.path.join(self.inbox_dir, "submission")

    def run(self, name, request, limits):
        """Run one request in a fresh worker on a fresh working copy of the inbox's `name`;
        never raises for anything the submission does."""
        workdir = os.path.join(self.runs_dir, "run-%d" % next(self._counter))
        try:
            return isolation.run_worker(self.runtime_dir, self.inbox_dir, name, request, limits,
                                        hide=self.hide, host_workdir=workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def dispose(self):
        """Remove the folders (no process outlives a cold run)."""
        for folder in (self.runtime_dir, self.inbox_dir, self.runs_dir):
            shutil.rmtree(folder, ignore_errors=True)
