"""The public checks' diagnosis from the mistake bank: build its signatures, measure it.

    python -m autograder.diagnosis build            # write cs231n_core/checks/signatures/
    python -m autograder.diagnosis build --check    # fail when they are out of date
    python -m autograder.diagnosis measure          # how often a check names the mistake

`build` applies each mistake of the bank, in this process, to the instructor's edition
of cs231n_core (`installed`), runs its target's public checks, and stores where they
failed and a fingerprint of the wrong answer, or of the exception it raised
(cs231n_core/checks/diagnosis.py). A mistake the public checks miss gets no signature;
nor does one whose answer at a failure the check wrote itself equals the reference's
there (the failure is about something else, such as a changed input), one whose answer
holds nothing but zeros, or one whose answer changes when the global random generators
are reseeded.

`measure` reports, per assignment, the share of the mistakes caught by a public check
whose [hint] names their own misconception, and, honestly, what a mistake that is not in
the bank gets: it builds the signatures from four fifths of the bank and applies the
held-out fifth, counting those that get a sentence (a known mistake's, or a generic
probe's) beyond the bare error. Neither ever names another mistake's misconception
unless the two give the same answer (tests/test_diagnosis.py).
"""
import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import types

from autograder.mistakes import load_bank, mutated_module
from cs231n_core.checks import Checker, _run, known_targets
from cs231n_core.checks.diagnosis import SIGNATURES_DIR, section_of, whys_matching
from cs231n_core.checks.fingerprint import fingerprint, is_informative, matches
from cs231n_core.targets import ASSIGNMENT_TARGETS, SECTIONS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELD_OUT = 5   # one mistake in HELD_OUT is held out of the signatures by `measure`


# ---- a mistake, applied in this process ---------------------------------------------------

@contextlib.contextmanager
def installed(mistake):
    """The instructor's cs231n_core with `mistake` applied, for the duration of the
    block: its file runs again, patched, as a new module, and each function and class
    it defines replaces the original wherever a loaded cs231n_core module holds it."""
    mutated = mutated_module(mistake, ROOT)
    name = mutated.__name__
    original = __import__(name, fromlist=["_"])
    replaced = []
    for attr, new in vars(mutated).items():
        old = getattr(original, attr, None)
        if not isinstance(new, (type, types.FunctionType)) or getattr(new, "__module__", None) != name or old is None:
            continue
        for module in [m for n, m in list(sys.modules.items()) if n.split(".")[0] == "cs231n_core" and m]:
            for key, value in list(vars(module).items()):
                if value is old:
                    replaced.append((module, key, old))
                    setattr(module, key, new)
    try:
        yield
    finally:
        for module, key, old in reversed(replaced):
            setattr(module, key, old)


def run_check(target, record=False):
    """(passed, checker, printed text) of target's public checks on the code installed now."""
    checker = Checker(target)
    checker.record = record
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        passed = _run(target, checker)
    return passed, checker, out.getvalue()


# ---- one pass over the bank ---------------------------------------------------------------

def reference_answers(target):
    """Every answer of the instructor's code during target's public checks."""
    passed, checker, printed = run_check(target, record=True)
    if not passed:
        raise RuntimeError("the reference fails the public checks of %s:\n%s" % (target, printed))
    return checker.answers


def checked_bank(assignments=None):
    """The bank's mistakes whose target has public checks, with their assignment."""
    names = set(known_targets())
    return [dict(m, assignment=a) for a in (assignments or ASSIGNMENT_TARGETS)
            for m in load_bank(a) if m["target"] in names]


def _reseed(seed):
    """Put the global random generators in another state (a check's answer must not
    depend on what ran before it to be a signature)."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def survey(bank, stable=None):
    """What the public checks say about each mistake, as a student would see it: one
    record per mistake with "printed" (the check's output), "caught", "answer" (at the
    failure), "signature" ({"id", "site", "print", "why"}, or None) and "reason" (why
    it has none).

    A signature must not depend on the global random generators' state: with `stable`
    None each check runs a second time after reseeding them and keeps its signature
    only when both runs agree; otherwise `stable` is the set of ids known to agree."""
    references, records = {}, []
    for mistake in bank:
        target = mistake["target"]
        if target not in references:
            references[target] = reference_answers(target)
        with installed(mistake):
            passed, checker, printed = run_check(target)
            again = None
            if stable is None and not passed:
                _reseed(len(records) + 1)
                again = run_check(target)[1].failure_signature()
        record = {"mistake": mistake, "printed": printed, "caught": not passed,
                  "signature": None, "reason": None}
        records.append(record)
        if passed:
            record["reason"] = "passes the public checks"
            continue
        site, answer = checker.failure_signature()
        record["answer"] = answer
        print_ = fingerprint(answer)
        answers = references[target]
        if not is_informative(print_):
            record["reason"] = "its answer holds nothing but zeros"
        elif (mistake["id"] not in stable if stable is not None
              else again[0] != site or not matches(fingerprint(again[1]), print_)):
            record["reason"] = "its answer varies from run to run"
        elif (checker.failed_at is None and not checker.crashed and 0 < checker.calls <= len(answers)
              and matches(fingerprint(answers[checker.calls - 1]), print_)):
            record["reason"] = "its answer is right; the check failed on something else"
        else:
            record["signature"] = {"id": mistake["id"], "site": site, "print": print_,
                                   "why": mistake["why"]}
    return records


def tables(records, keep=lambda mistake: True):
    """{section: {target: [signature, ...]}} of the records whose mistake `keep`s."""
    found = {}
    for record in records:
        if record["signature"] and keep(record["mistake"]):
            target = record["mistake"]["target"]
            found.setdefault(section_of(target), {}).setdefault(target, []).append(record["signature"])
    return found


def _dumps(table):
    """Compact JSON, one signature a line (files ship with the release)."""
    lines = []
    for target in sorted(table):
        items = ",\n  ".join(json.dumps(s, sort_keys=True, separators=(",", ":")) for s in table[target])
        lines.append(" %s: [\n  %s]" % (json.dumps(target), items))
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write(found, folder=SIGNATURES_DIR, check=False):
    """Write one file per section; with check, write nothing. Returns the sections
    whose file was (or would be) changed."""
    stale = []
    for section in SECTIONS:
        path = os.path.join(folder, "%s.json" % section.key)
        text = _dumps(found.get(section.key, {}))
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except OSError:
            current = None
        if current != text:
            stale.append(section.key)
            if not check:
                os.makedirs(folder, exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
    return stale


# ---- measuring ----------------------------------------------------------------------------

def held_out(mistake):
    """Whether `mistake` is in the fifth of the bank that `measure` holds out (stable:
    by a hash of its id)."""
    return int(hashlib.sha256(mistake["id"].encode()).hexdigest(), 16) % HELD_OUT == 0


def named(record, found):
    """The misconceptions the check names for a record's mistake when `found` holds
    the signatures (the matching of cs231n_core.checks.diagnosis, on the same answer)."""
    signature = record["signature"]
    if signature is None:
        return []
    target = record["mistake"]["target"]
    return whys_matching(signature["site"], signature["print"],
                         found.get(section_of(target), {}).get(target, []))


def fail_line(record):
    return next(line for line in record["printed"].splitlines() if line.startswith("[FAIL]"))


def explained(fail):
    """Whether a [FAIL] line says more than a bare error: "<what>: relative error 3.2e-01
    is above the tolerance 1e-06 (shape (5, 7))" says only that the answer is off;
    a hand-written hint, a generic probe, a crash's message or a failure the check
    wrote itself say what is wrong."""
    body = fail.split(": ", 2)[-1]
    if "is above the tolerance" not in body:
        return True
    return "; " in body.split("is above the tolerance", 1)[1]


def measure(records):
    """Per assignment: mistakes caught by a public check, those whose check names their
    own misconception, those named with another's (only when the two give the same
    answer), and of the held-out fifth (signatures built without it), those caught
    and those given a sentence (a known mistake's or a generic one)."""
    everything = tables(records)
    without_held_out = tables(records, keep=lambda m: not held_out(m))
    report = {}
    for record in records:
        mistake = record["mistake"]
        row = report.setdefault(mistake["assignment"], dict.fromkeys(
            ("mistakes", "caught", "named", "also_named", "held_out", "held_out_explained"), 0))
        row["mistakes"] += 1
        if not record["caught"]:
            continue
        row["caught"] += 1
        whys = named(record, everything)
        row["named"] += mistake["why"] in whys
        row["also_named"] += any(why != mistake["why"] for why in whys)
        if held_out(mistake):
            row["held_out"] += 1
            row["held_out_explained"] += bool(named(record, without_held_out)) or explained(fail_line(record))
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.diagnosis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    built = sub.add_parser("build", help="write the public checks' signatures of the bank's mistakes")
    built.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is out of date")
    sub.add_parser("measure", help="the share of mistakes whose public check names them, per assignment")
    args = parser.parse_args(argv)
    records = survey(checked_bank())
    if args.command == "build":
        stale = write(tables(records), check=args.check)
        count = sum(1 for r in records if r["signature"])
        print("%d of %d mistakes have a signature; %s" % (
            count, len(records), ("out of date: " + ", ".join(stale)) if args.check and stale
            else "written: " + ", ".join(stale) if stale else "up to date"))
        return 1 if args.check and stale else 0
    print("%-12s %8s %7s %7s %7s %9s %10s" % ("assignment", "mistakes", "caught", "named", "share",
                                               "held-out", "explained"))
    for assignment, row in measure(records).items():
        print("%-12s %8d %7d %7d %6.0f%% %9d %9.0f%%" % (
            assignment, row["mistakes"], row["caught"], row["named"],
            100.0 * row["named"] / max(row["caught"], 1), row["held_out"],
            100.0 * row["held_out_explained"] / max(row["held_out"], 1)))
    return 0

if __name__ == "__main__":
    sys.exit(main())
