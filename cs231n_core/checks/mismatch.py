"""What a wrong array answer gets wrong, in one sentence: cheap generic probes.

When an answer is not close to the expected array, a relative error alone does not say
what to look for. These probes compare the answer with simple transformations of the
expected array (its negative, transpose, square, a multiple, a shift by one, ...) and
name the first one the answer equals. Each probe asks for a match far tighter than any
unrelated bug would give by chance (relative 1e-6), so that a sentence is given only
when it is true; otherwise describe_mismatch returns None.

Used by the public checks (cs231n_core.checks) and by the hidden graders' messages,
where `reveal=False` leaves out numbers that come from the expected values.
"""
import numpy as np

RTOL = 1e-6


def _close(a, b, scale):
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= RTOL * scale))


def _number(c):
    """c as a person would write it: 2, 1/2, -1/10, or 0.0374."""
    if abs(c - round(c)) <= 1e-6 * max(1.0, abs(c)) and round(c) != 0:
        return "%d" % round(c)
    inverse = 1.0 / c
    if abs(inverse - round(inverse)) <= 1e-6 * abs(inverse):
        return "%s1/%d" % ("-" if inverse < 0 else "", abs(round(inverse)))
    return "%.4g" % c


def describe_mismatch(got, expected, reveal=True):
    """One sentence naming how `got` differs from `expected` (arrays of one shape, both
    finite), or None when no probe matches. `reveal` allows numbers computed from the
    expected values (a constant offset) in the sentence."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape or got.size == 0:
        return None
    if not (np.all(np.isfinite(got)) and np.all(np.isfinite(expected))):
        return None
    scale = max(float(np.max(np.abs(expected))), float(np.max(np.abs(got))), 1e-300)
    if _close(got, expected, scale):
        return None
    for probe in PROBES:
        sentence = probe(got, expected, scale, reveal)
        if sentence:
            return sentence
    return None


def _zeros(got, expected, scale, reveal):
    if not np.any(got):
        return "every entry is 0: is the result ever filled in?"


def _negative(got, expected, scale, reveal):
    if _close(got, -expected, scale):
        return "it is the negative of the expected value: a sign is flipped"


def _transposed(got, expected, scale, reveal):
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and _close(got, expected.T, scale):
        return "it is the transpose of the expected value: rows and columns are swapped"


def _squared(got, expected, scale, reveal):
    if np.all(expected >= 0) and np.any(expected != expected ** 2):
        if _close(got, expected ** 2, max(scale, scale ** 2)):
            return "each entry is the square of the expected one: a square root is missing"
        if np.all(got >= 0) and _close(got ** 2, expected, scale):
            return "each entry is the square root of the expected one: one square root too many"


def _multiple(got, expected, scale, reveal):
    norm = float(np.sum(expected * expected))
    if norm == 0:
        return None
    c = float(np.sum(got * expected)) / norm
    if c != 0 and abs(c - 1) > 1e-6 and _close(got, c * expected, scale):
        return ("it is the expected value times %s: a constant factor is missing or extra "
                "(a 1/N, a 2, a scale?)" % _number(c))


def _offset(got, expected, scale, reveal):
    d = float(np.mean(got - expected))
    if got.size > 1 and d != 0 and _close(got, expected + d, scale):
        return ("it differs from the expected value by the same constant%s everywhere: a "
                "constant term is missing or extra" % (" (%.4g)" % d if reveal else ""))


def _one_axis_term(got, expected, scale, reveal):
    """got - expected varies along one axis of a matrix only: a term of the other is off."""
    if got.ndim != 2 or min(got.shape) < 2:
        return None
    diff = got - expected
    if _close(diff, np.broadcast_to(diff[:1, :], diff.shape), scale):
        return ("its difference from the expected value is the same in every row: a term "
                "that depends only on the column is missing or extra")
    if _close(diff, np.broadcast_to(diff[:, :1], diff.shape), scale):
        return ("its difference from the expected value is the same in every column: a term "
                "that depends only on the row is missing or extra")


def _shifted(got, expected, scale, reveal):
    for axis in range(got.ndim):
        if got.shape[axis] < 3:
            continue
        for shift in (1, -1):
            if _close(got, np.roll(expected, shift, axis=axis), scale):
                return ("it is the expected value shifted by one along axis %d: an index is "
                        "off by one" % axis)


def _some_rows(got, expected, scale, reveal):
    if got.ndim == 0 or got.shape[0] < 2:
        return None
    right = [_close(got[i], expected[i], scale) for i in range(got.shape[0])]
    if any(right) and not all(right):
        wrong = [i for i, ok in enumerate(right) if not ok]
        return ("%d of %d entries along the first axis are right; the wrong ones are %s: a "
                "loop's range or an index?" % (sum(right), len(right), _indices(wrong)))


def _indices(indices):
    shown = ", ".join(str(i) for i in indices[:5])
    return shown + (", ..." if len(indices) > 5 else "")


def _symmetry(got, expected, scale, reveal):
    if (got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and _close(expected, expected.T, scale)
            and not _close(got, got.T, scale)):
        return "the expected value is symmetric and yours is not"


PROBES = (_zeros, _negative, _transposed, _squared, _multiple, _offset, _one_axis_term,
          _shifted, _some_rows, _symmetry)
