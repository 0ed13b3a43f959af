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
    """Whether a [FAIL] line (or a grader's message) says more than a bare error:
    "<what>: relative error 3.2e-01 is above the tolerance 1e-06 (shape (5, 7))" says
    only that the answer is off; a hand-written hint, a generic probe, a crash's message
    or a failure the check wrote itself say what is wrong."""
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


# ---- the hidden graders' diagnosis, from the failures the bank's gradings logged -------------

def read_failures(folder):
    """The failures a grading logged (pipeline.grade(..., record_failures=folder)), in
    the order the checks ran: dicts with nodeid, target, site, print and npz (the
    answer's parts)."""
    log = os.path.join(folder, "failures.jsonl")
    if not os.path.exists(log):
        return []
    with open(log) as handle:
        rows = [json.loads(line) for line in handle]
    return [dict(row, npz=os.path.join(folder, "%d.npz" % n)) for n, row in enumerate(rows)]


def graders_naming(failures, bank, durations=None):
    """What the hidden graders' diagnosis (autograder/trusted/diagnosis.py) says about
    each mistake of one target, worked out from the failures each mistake's grading
    logged on the same seed: a failed check of mistake X names mistake Y when Y's
    grading failed the same check at the same site with a matching fingerprint, which
    is what the diagnosis finds when it reruns Y's mutant on those inputs. As there,
    only the first CHECKS_PER_TARGET informative failures of the target are diagnosed.
    With `durations` ({mistake id: {nodeid: seconds of that check in its grading}}),
    the diagnosis's time budget is applied too: rerunning Y costs what Y's check took,
    and once BUDGET_S is spent no further mutant is run.

    failures: {mistake id: [failure, ...]}; bank: the target's mistakes. Returns {mistake
    id: [(failure, [(named mistake id, its failure), ...]), ...]}."""
    from autograder.trusted.diagnosis import BUDGET_S, CHECKS_PER_TARGET

    said = {}
    for mistake in bank:
        own = [f for f in failures.get(mistake["id"], [])
               if f["target"] == mistake["target"] and f["site"] != "slow" and is_informative(f["print"])]
        spent, said[mistake["id"]] = 0.0, []
        for failure in own[:CHECKS_PER_TARGET]:
            named = []
            for other in bank:
                if durations is not None:
                    if spent > BUDGET_S:
                        continue
                    spent += durations.get(other["id"], {}).get(failure["nodeid"], 0.0)
                named += [(other["id"], theirs) for theirs in failures.get(other["id"], [])
                          if (theirs["nodeid"], theirs["site"]) == (failure["nodeid"], failure["site"])
                          and matches(theirs["print"], failure["print"])]
            said[mistake["id"]].append((failure, named))
    return said


def is_only_slow(failures, target, failed_checks):
    """Whether each of target's failed checks (failed_checks of them) is a speed
    check's: the mistake's values are right."""
    slow = sum(f["site"] == "slow" and f["target"] == target for f in failures)
    return failed_checks > 0 and slow == failed_checks


def graders_row(said, bank, messages, failures_of):
    """One target's figures from graders_naming: mistakes caught, named by their own
    sentence, named with another's too; of the held-out fifth (named as if it were not
    in the bank), those given a sentence: another mistake's with the very same answer,
    or a message that says more than a bare error (`messages`: {id: failed checks'
    messages of the target}; `failures_of`: {id: the failures its grading logged}).
    A mistake whose values are right and only its speed fails is counted apart ("slow"):
    there is no wrong answer to match, and the speed check's message says what to look
    for."""
    row = dict.fromkeys(("mistakes", "caught", "slow", "named", "also_named", "held_out",
                         "held_out_explained"), 0)
    whys = {m["id"]: m["why"] for m in bank}
    for mistake in bank:
        row["mistakes"] += 1
        if not messages.get(mistake["id"]):
            continue
        if is_only_slow(failures_of.get(mistake["id"], []), mistake["target"], len(messages[mistake["id"]])):
            row["slow"] += 1    # right values, too slow: the speed check says so, no answer to match
            continue
        row["caught"] += 1
        named = {whys[other] for _, found in said[mistake["id"]] for other, _ in found}
        row["named"] += mistake["why"] in named
        if mistake["why"] not in named:
            row.setdefault("unnamed", []).append(mistake["id"])
        row["also_named"] += bool(named - {mistake["why"]})
        if held_out(mistake):
            row["held_out"] += 1
            row["held_out_explained"] += bool(named - {mistake["why"]}) or any(
                explained(message) for message in messages[mistake["id"]])
    return row


def survey_graders(assignment, bank, model, session, scratch, seed=1234):
    """Grade each of `bank`'s mistakes (one assignment's) on a copy of the model
    submission `model`, its own target only, logging its failures: {target: row of
    graders_row}."""
    import shutil

    from autograder.mistakes import apply_mistake
    from autograder.trusted.pipeline import grade

    rows = {}
    for target in dict.fromkeys(m["target"] for m in bank):
        mistakes = [m for m in bank if m["target"] == target]
        failures, messages, durations = {}, {}, {}
        for mistake in mistakes:
            folder = os.path.join(scratch, mistake["id"])
            shutil.copytree(model, os.path.join(folder, "sub"))
            apply_mistake(os.path.join(folder, "sub"), mistake)
            report = grade(os.path.join(folder, "sub"), assignment, session, timeout_s=30, seed=seed,
                           only=[target], diagnose=False, record_failures=os.path.join(folder, "log"))
            failures[mistake["id"]] = read_failures(os.path.join(folder, "log"))
            messages[mistake["id"]] = [r["message"] for r in report.records
                                       if r["target"] == target and not r["passed"]]
            durations[mistake["id"]] = {r["nodeid"]: r["duration"] for r in report.records}
            shutil.rmtree(os.path.join(folder, "sub"))
        rows[target] = graders_row(graders_naming(failures, mistakes), mistakes, messages, failures)
        within = graders_row(graders_naming(failures, mistakes, durations), mistakes, messages, failures)
        rows[target]["named_within_budget"] = within["named"]
    return rows


def measure_graders(assignments, targets=None):
    """{assignment: {target: row}} of the hidden graders' diagnosis over the bank (the
    mistakes of `targets` only, when given)."""
    import tempfile

    from autograder.release import release
    from autograder.trusted.grading_session import GradingSession

    report = {}
    with tempfile.TemporaryDirectory(prefix="cs231n-measure-") as scratch, \
            GradingSession(share_zygote=True) as session:
        for assignment in assignments:
            model = os.path.join(scratch, "model-" + assignment)
            release(assignment, model, solutions=True)
            bank = [m for m in load_bank(assignment) if not targets or m["target"] in targets]
            if bank:
                report[assignment] = survey_graders(assignment, bank, model, session,
                                                    os.path.join(scratch, assignment))
    return report


def _print_rows(rows, label):
    budget = any("named_within_budget" in row for row in rows.values())
    print("%-28s %8s %7s %7s %7s %9s %10s%s" % (label, "mistakes", "caught", "named", "share",
                                                 "held-out", "explained", "  in budget" if budget else ""))
    for name, row in rows.items():
        print(("%-28s %8d %7s %7d %6.0f%% %9d %9.0f%%" + ("  %10d" if budget else "%s")) % (
            name, row["mistakes"], "%d%s" % (row["caught"], "+%d" % row["slow"] if row.get("slow") else ""),
            row["named"],
            100.0 * row["named"] / max(row["caught"], 1), row["held_out"],
            100.0 * row["held_out_explained"] / max(row["held_out"], 1),
            row.get("named_within_budget", "")))


def total(rows):
    """The sum of several rows."""
    summed = {}
    for row in rows:
        for key, value in row.items():
            summed[key] = summed.get(key, [] if isinstance(value, list) else 0) + value
    return summed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.diagnosis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    built = sub.add_parser("build", help="write the public checks' signatures of the bank's mistakes")
    built.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is out of date")
    measured = sub.add_parser("measure", help="the share of mistakes whose public check (or, with "
                                               "--graders, whose hidden graders' feedback) names them")
    measured.add_argument("--graders", action="store_true",
                          help="grade each mistake with the hidden graders instead (minutes)")
    measured.add_argument("--assignment", action="append", help="only this assignment (repeatable)")
    measured.add_argument("--target", action="append", help="with --graders: only this target's mistakes")
    measured.add_argument("--per-target", action="store_true", help="a row per target too")
    args = parser.parse_args(argv)
    if args.command == "measure" and args.graders:
        for assignment, rows in measure_graders(args.assignment or list(ASSIGNMENT_TARGETS), args.target).items():
            if args.per_target:
                _print_rows(rows, assignment)
                print("not named:", " ".join(total(rows.values()).get("unnamed", [])))
            _print_rows({assignment: total(rows.values())}, "hidden graders")
        return 0
    records = survey(checked_bank(args.assignment if args.command == "measure" else None))
    if args.command == "build":
        stale = write(tables(records), check=args.check)
        count = sum(1 for r in records if r["signature"])
        print("%d of %d mistakes have a signature; %s" % (
            count, len(records), ("out of date: " + ", ".join(stale)) if args.check and stale
            else "written: " + ", ".join(stale) if stale else "up to date"))
        return 1 if args.check and stale else 0
    if args.per_target:
        by_target = {}
        for record in records:
            by_target.setdefault(record["mistake"]["target"], []).append(record)
        _print_rows({t: measure(rs)[rs[0]["mistake"]["assignment"]] for t, rs in by_target.items()},
                    "public checks")
    _print_rows(measure(records), "public checks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
