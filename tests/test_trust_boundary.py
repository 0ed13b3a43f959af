"""The trust boundary as the folders draw it: what runs in the sandbox is exactly
autograder/sandboxed/, and nothing there reaches into autograder/trusted/."""
import ast
import os

import autograder.sandboxed
from autograder.trusted import isolation
from autograder.trusted.cold_sandbox import ColdSandbox

SANDBOXED = os.path.dirname(os.path.abspath(autograder.sandboxed.__file__))


def files_of(folder):
    return sorted(name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name)))


def test_the_sandbox_runtime_is_exactly_the_sandboxed_folder(tmp_path):
    assert isolation.RUNTIME_SOURCE == SANDBOXED
    assert {"worker.py", "zygote.py", "protocol.py"} <= set(files_of(SANDBOXED))
    cold = ColdSandbox(str(tmp_path))
    assert files_of(cold.runtime_dir) == files_of(SANDBOXED)
    for name in files_of(SANDBOXED):
        with open(os.path.join(SANDBOXED, name), "rb") as source, \
                open(os.path.join(cold.runtime_dir, name), "rb") as copy:
            assert source.read() == copy.read(), name


def imported_modules(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) \
                in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            yield str(node.args[0].value)


def test_no_sandboxed_file_imports_the_trusted_side():
    """Inside the sandbox the runtime folder stands alone (python -I, no autograder
    package): its files import the standard library, numpy and one another only."""
    neighbours = {name[:-3] for name in files_of(SANDBOXED) if name.endswith(".py")}
    for name in files_of(SANDBOXED):
        if not name.endswith(".py"):
            continue
        for module in imported_modules(os.path.join(SANDBOXED, name)):
            top = module.split(".")[0]
            assert not module.startswith("."), "%s imports %s relatively" % (name, module)
            assert top not in ("autograder", "cs231n_core"), "%s imports %s" % (name, module)
            assert "trusted" not in module, "%s imports %s" % (name, module)
            assert top in neighbours or top in ("numpy",) or top in _stdlib(), \
                "%s imports %s, which the sandbox's runtime folder does not hold" % (name, module)


def _stdlib():
    import sys
    return sys.stdlib_module_names
