"""The sandboxed side of grading: every file of this folder, and nothing else, is
copied into each sandbox's runtime folder (trusted/isolation.py, install_runtime) and
runs there next to the submission. worker.py and zygote.py run as scripts and import
their neighbours by file name; the trusted side imports protocol.py from here, as the
one module both sides speak. Nothing here imports from autograder.trusted, whose
files never reach a sandbox (tests/test_trust_boundary.py)."""
