"""cs231n_core: the reference library of the CS231n-style course.

Import the submodules you need directly, for example::

    from cs231n_core.gradient_check import eval_numerical_gradient, rel_error
    from cs231n_core.solver import Solver
    from cs231n_core import optim

This package deliberately imports nothing on its own, so that ``import
cs231n_core`` stays fast (no NumPy, torch or matplotlib until a submodule asks).
"""

__version__ = "0.1.0"
