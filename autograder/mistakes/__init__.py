"""The mistake bank: realistic student mistakes that the hidden graders must catch.

Each section of an assignment has a JSON file ``autograder/mistakes/<assignment>/<section>.json``,
a list of mistakes::

    {"id": "two_loops_squared",                      # unique within the bank
     "target": "compute_distances_two_loops",         # the graded target it breaks
     "file": "cs231n_core/classifiers/k_nearest_neighbor.py",  # relative to the root
     "find": "dists[i, j] = np.sqrt(np.sum(diff * diff))",     # exact reference text
     "replace": "dists[i, j] = np.sum(diff * diff)",           # the buggy version
     "why": "Forgets the square root: squared distances rank neighbours the same.",
     "affects": []}                                   # optional: targets that call this one

A mistake may cost points on its own target and on the targets listed in "affects"
(those that call it, e.g. TwoLayerNet calls the layers), and on no other.

``find`` must occur exactly once in the instructor's edition of ``file`` and
``replace`` keeps its indentation, so that applying a mistake to a copy of the model
submission yields exactly one realistic bug. tests/test_mistake_bank.py grades every
mutant and checks that the mistake's own target loses points while every other target
keeps full marks: a mistake the graders let through is a gap in the graders.

    bank = load_bank("assignment1")
    shutil.copytree("cs231n_core", tmp / "cs231n_core")
    apply_mistake(tmp, bank[0])          # edits the copy in place
    pipeline.grade(tmp, "assignment1")
"""
import json
import os
import types

BANK_DIR = os.path.dirname(os.path.abspath(__file__))  # the JSON files sit beside this
FIELDS = ("id", "target", "file", "find", "replace", "why")


def load_bank(assignment):
    """The list of mistakes (dicts with FIELDS) of `assignment`: every JSON list in
    mistakes/<assignment>/ (one file per section), in file-name order; [] if none."""
    folder = os.path.join(BANK_DIR, assignment)
    if not os.path.isdir(folder):
        return []
    bank = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        with open(path, encoding="utf-8") as handle:
            section = json.load(handle)
        if not isinstance(section, list):
            raise ValueError("%s: the bank must be a JSON list" % path)
        bank += section
    path = folder
    seen = set()
    for index, mistake in enumerate(bank):
        missing = [name for name in FIELDS if not isinstance(mistake.get(name), str)]
        if missing:
            raise ValueError("%s: mistake #%d lacks %s" % (path, index, ", ".join(missing)))
        affects = mistake.get("affects", [])
        if not (isinstance(affects, list) and all(isinstance(t, str) for t in affects)):
            raise ValueError("%s: mistake %r: affects must be a list of target names" % (path, mistake["id"]))
        if mistake["id"] in seen:
            raise ValueError("%s: duplicate mistake id %r" % (path, mistake["id"]))
        seen.add(mistake["id"])
    return bank


def apply_mistake(submission_root, mistake):
    """Apply `mistake` to the submission under `submission_root`, in place.

    The caller passes a COPY of a submission (never the instructor's edition).
    Raises ValueError when the mistake's "find" snippet does not occur exactly once
    in its file (the reference changed and the bank must follow).
    """
    relative = os.path.normpath(mistake["file"])
    if os.path.isabs(relative) or relative.startswith(os.pardir):
        raise ValueError("mistake %r: file %r is not relative to the submission root"
                         % (mistake.get("id"), mistake["file"]))
    path = os.path.join(submission_root, relative)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    count = text.count(mistake["find"])
    if count != 1:
        raise ValueError("mistake %r: its snippet occurs %d times in %s, expected exactly once"
                         % (mistake.get("id"), count, mistake["file"]))
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text.replace(mistake["find"], mistake["replace"]))
    return path


def mutated_module(mistake, root, name=None):
    """The file of `mistake` under `root` (the instructor's edition) with the mistake
    applied, run as a new module object, named `name` (default: the file's own module
    name) in the file's package; the module on disk is left as it is."""
    path = os.path.join(root, mistake["file"])
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    if source.count(mistake["find"]) != 1:
        raise ValueError("mistake %r: its snippet does not occur once in %s" % (mistake["id"], mistake["file"]))
    dotted = mistake["file"][:-3].replace("/", ".")
    module = types.ModuleType(name or dotted)
    module.__file__, module.__package__ = path, dotted.rpartition(".")[0]
    exec(compile(source.replace(mistake["find"], mistake["replace"]), path, "exec"), module.__dict__)
    return module
