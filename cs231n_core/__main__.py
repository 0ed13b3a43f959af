"""`python -m cs231n_core ...` is the `cs231n` command (students run it from their release)."""
import sys

from .cli import main

sys.exit(main())
