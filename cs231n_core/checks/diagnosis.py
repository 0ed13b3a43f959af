"""Naming the mistake behind a failed public check.

The course keeps a bank of realistic mistakes per target, each with the misconception
behind it in one sentence. For each mistake, the instructor's tools ran this package's
public checks on the mistaken code once and stored where the check failed and a
fingerprint of the wrong answer there (fingerprint.py), in ``signatures/<section>.json``:

    {"<target>": [{"site": "1:the expected distances",
                   "print": [...], "why": "Forgets the square root, ..."}, ...]}

A site is the expectation that failed (its description, after how many answers of the
student's code). When a student's check fails at a site with an answer whose fingerprint
matches one stored there, the check names that misconception. Two mistakes that give the
same answer on these inputs are both named. Only wrong answers are stored, never the
mistaken code, and a match must hold to a relative 1e-5 on every sampled entry and
weighted sum: an unrelated bug does not reproduce another's answer that closely.
"""
import json
import os

from ..targets import SECTIONS
from .fingerprint import fingerprint, is_informative, matches

SIGNATURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "signatures")
_loaded = {}


def section_of(target):
    """The key of the section whose targets include `target`, or None."""
    for section in SECTIONS:
        if any(target in names for names in section.files.values()):
            return section.key
    return None


def signatures(target):
    """The stored signatures of `target`'s known mistakes ([] when there are none)."""
    key = section_of(target)
    if key not in _loaded:
        path = os.path.join(SIGNATURES_DIR, "%s.json" % key)
        try:
            with open(path, encoding="utf-8") as handle:
                _loaded[key] = json.load(handle)
        except (OSError, ValueError):
            _loaded[key] = {}
    return _loaded[key].get(target, [])


def matching_mistakes(target, failure):
    """The misconceptions of the known mistakes whose answer at the failing site
    matches the student's. `failure` is (site, answer) or None."""
    if failure is None:
        return []
    site, answer = failure
    print_ = fingerprint(answer)
    if not is_informative(print_):
        return []
    return whys_matching(site, print_, signatures(target))


def whys_matching(site, print_, stored):
    """The sentences (in stored order, without repeats) of the signatures in `stored`
    at `site` whose fingerprint matches `print_`."""
    whys = []
    for signature in stored:
        if signature["site"] == site and matches(signature["print"], print_):
            if signature["why"] not in whys:
                whys.append(signature["why"])
    return whys


def name_mistakes(target, failure):
    """One sentence naming the matching misconceptions, or "" when none matches."""
    try:
        whys = matching_mistakes(target, failure)
    except Exception:  # noqa: BLE001 - an answer no fingerprint can read: no diagnosis
        return ""
    return naming(whys)


def naming(whys):
    """The sentence that names these misconceptions (the graders' too), or ""."""
    if not whys:
        return ""
    if len(whys) == 1:
        return "your answer is exactly what this known mistake gives: " + whys[0]
    return ("your answer is exactly what each of these known mistakes gives: "
            + " ".join("(%d) %s" % (i + 1, why) for i, why in enumerate(whys)))
