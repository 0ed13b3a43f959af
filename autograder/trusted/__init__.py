"""The trusted side of grading: files that run only in the instructor's processes and
never reach a sandbox. The flow starts in pipeline.py; ARCHITECTURE.md draws the rest."""
