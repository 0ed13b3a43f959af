"""What the tests of the public checks share: the targets of the manifest's sections, run
a target's public checks and read what they printed, and replay a mistake of the hidden
graders' bank on a private copy of the reference source (the reference module itself is
left as it is)."""
import types
from pathlib import Path

from cs231n_core.checks import check
from cs231n_core.targets import SECTIONS, section_targets

ROOT = Path(__file__).resolve().parent.parent


def targets_of(*keys):
    """The target names of the manifest's sections with these keys, in the manifest's order."""
    chosen = [section for section in SECTIONS if section.key in keys]
    assert len(chosen) == len(keys), "unknown section in %s" % (keys,)
    return [name for section in chosen for name in section_targets(section)]


def run_check(capsys, target):
    """check(target)'s result and what it printed to stdout (it prints nothing to stderr)."""
    result = check(target)
    out = capsys.readouterr()
    assert out.err == ""  # nbgrader gives 0 points to a test cell that writes to stderr
    return result, out.out


def failure_line(out, target):
    """The one [FAIL] line of target in the printed text."""
    fails = [line for line in out.splitlines() if line.startswith("[FAIL] %s: " % target)]
    assert len(fails) == 1, out
    return fails[0]


def mutated_module(mistake, name=None):
    """The reference file of a mistake of the bank (its "file", relative to the project)
    with the mistake applied, run as a new module object (named mutated_<file name>
    unless a name is given)."""
    path = ROOT / mistake["file"]
    source = path.read_text(encoding="utf-8")
    assert source.count(mistake["find"]) == 1, mistake["id"]
    module = types.ModuleType(name or "mutated_" + path.stem)
    module.__file__ = str(path)
    module.__package__ = ".".join(Path(mistake["file"]).parent.parts)
    exec(compile(source.replace(mistake["find"], mistake["replace"]), str(path), "exec"),
         module.__dict__)
    return module
