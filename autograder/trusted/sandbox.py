"""Where one submission's code runs: a Sandbox, whose every run() is a fresh sandboxed
process on a fresh working copy of the submission's pristine copy.

    sandbox = Sandbox(scratch, limits, preload=("torch",), hide=[...])
    sandbox.load(folder_holding_cs231n_core)    # the pristine copy, made once
    outcome = sandbox.run(request_bytes, limits)  # an isolation.WorkerOutcome
    sandbox.close()

Two variants sit behind it, and no caller picks between them: warm (warm_sandbox.py, the
default), where a sandboxed zygote that imported numpy and `preload` once forks each
run, and cold (cold_sandbox.py), where each run starts a sandboxed Python from nothing:
with CS231N_COLD_WORKERS=1, or from the first run on which no zygote can start here.
Both isolate each run alike (isolation.py).

A grading process that grades many submissions the instructor made (the mistake bank's
mutants) may serve them from one shared zygote (share_zygote): the caller grants it only
where the submission's original is hidden from every sandbox anyway.
"""
import os
import shutil

from . import isolation, warm_sandbox
from .cold_sandbox import ColdSandbox
from .intake import IGNORED_NAMES

IGNORED = shutil.ignore_patterns(*IGNORED_NAMES)


class Sandbox:
    def __init__(self, scratch, limits, preload=(), hide=(), share_zygote=False):
        self.scratch, self.hide = scratch, list(hide)
        self.shared = False
        if os.environ.get("CS231N_COLD_WORKERS"):
            self.variant = ColdSandbox(scratch, self.hide)
        elif share_zygote:
            self.variant, self.shared = warm_sandbox.shared(limits, preload, hide=self.hide), True
        else:
            self.variant = warm_sandbox.WarmSandbox(limits, preload, hide=self.hide)
        self.pristine = self.variant.new_pristine()

    def load(self, folder):
        """Make the pristine copy of folder/cs231n_core (caches and notebooks left out),
        readable by the sandbox's uid. The folder must be within the intake's limits."""
        shutil.copytree(os.path.join(folder, "cs231n_core"),
                        os.path.join(self.pristine, "cs231n_core"), ignore=IGNORED)
        isolation.make_world_readable(self.pristine)

    def run(self, request, limits):
        """One run; never raises for anything the submission does."""
        try:
            return self.variant.run(os.path.basename(self.pristine), request, limits)
        except warm_sandbox.ZygoteUnavailable:
            self._go_cold()
            return self.variant.run(os.path.basename(self.pristine), request, limits)

    def _go_cold(self):
        """This machine cannot keep a zygote: cold runs from now on, from a pristine copy
        of their own."""
        cold = ColdSandbox(self.scratch, self.hide)
        cold_pristine = cold.new_pristine()
        if os.path.exists(self.pristine):
            shutil.copytree(self.pristine, cold_pristine, symlinks=True)
        self.close()
        self.variant, self.pristine, self.shared = cold, cold_pristine, False

    def close(self):
        """Stop the variant and everything it started, unless its zygote is shared (then
        only this submission's pristine copy leaves the shared inbox)."""
        if self.shared:
            shutil.rmtree(self.pristine, ignore_errors=True)
        else:
            self.variant.dispose()
