"""A compact, comparable record of an answer: enough to tell whether two answers are the
same, without storing either in full.

A public check that fails is diagnosed by comparing the student's wrong answer with the
wrong answers the known mistakes give on the same fixed inputs (diagnosis.py). Those
answers are stored as fingerprints: for each array of the answer (a tuple's items, a
dict's values by key, a model's parameters) its shape, dtype family, count of NaN or
infinite entries, largest magnitude, a few fixed weighted sums and a sample of its
entries. Two answers match when every part agrees to MATCH_RTOL of their magnitude:
far tighter than two different bugs agree by chance, far looser than the rounding
differences of float32 between two machines.

Nothing here is secret: fingerprints are taken of wrong answers to public inputs.
"""
import hashlib
import math

import numpy as np

MATCH_RTOL = 1e-5   # relative to the largest magnitude of the two arrays
SUMS = 4            # weighted sums per array
SAMPLES = 24        # entries stored per array (all of them when it has no more)
DIGITS = 7          # significant digits kept in the stored numbers
MAX_LEAVES = 16     # arrays per answer


def _as_array(value):
    """An ndarray for a number, a NumPy value or a torch tensor; None for anything else."""
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        return np.asarray(value)
    if type(value).__name__ in ("Tensor", "Parameter") and hasattr(value, "detach"):
        try:
            return value.detach().cpu().double().numpy()
        except Exception:  # noqa: BLE001 - a tensor without data (device "meta")
            return None
    return None


def leaves(value, depth=0):
    """The parts of an answer in a fixed order: arrays, or a type name for anything else."""
    array = _as_array(value)
    if array is not None:
        return [array]
    if depth >= 3 or value is None or isinstance(value, str):
        return ["None" if value is None else type(value).__name__]
    if isinstance(value, (tuple, list)):
        items = list(value)
    elif isinstance(value, dict):
        items = [value[k] for k in sorted(value, key=str)]
    elif isinstance(getattr(value, "params", None), dict):      # a CS231n model
        return leaves(value.params, depth + 1)
    elif hasattr(value, "state_dict") and callable(value.state_dict):   # a torch module
        state = dict(value.state_dict())
        return [_layout(state)] + leaves(state, depth + 1)
    else:
        return [type(value).__name__]
    found = []
    for item in items:
        found += leaves(item, depth + 1)
    return found[:MAX_LEAVES]


def _layout(state):
    """A module's architecture in one string: a digest of its parameters' and buffers'
    names and shapes (models built on the "meta" device have no values, only these)."""
    names = ";".join("%s%s" % (k, tuple(getattr(v, "shape", ()))) for k, v in state.items())
    return "layout:" + hashlib.sha256(names.encode()).hexdigest()[:16]


def _round(x):
    return float("%.*g" % (DIGITS, x))


def _weights(size, j):
    """Fixed, well-spread weights (no random state is touched)."""
    return np.cos(np.arange(size) * (0.6180339887 + j) + 1.0 + j)


def _leaf_print(part):
    if isinstance(part, str):
        return part
    kind = part.dtype.kind
    if kind not in "biuf":
        return "dtype " + str(part.dtype)
    x = part.astype(np.float64).ravel()
    finite = np.isfinite(x)
    x = np.where(finite, x, 0.0)
    size = x.size
    stride = max(1, size // SAMPLES)
    return {"shape": list(part.shape), "kind": "f" if kind == "f" else "i",
                "nonfinite": int(size - np.count_nonzero(finite)),
                "max": _round(float(np.max(np.abs(x), initial=0.0))),
                "sums": [_round(float(np.dot(_weights(size, j), x)) / math.sqrt(max(size, 1)))
                         for j in range(SUMS)],
                "samples": [_round(v) for v in x[::stride][:SAMPLES]]}


def fingerprint(value):
    """The JSON-ready fingerprint of an answer (see the module's docstring); a string
    (the message of an exception the code raised) is its own fingerprint."""
    if isinstance(value, str):
        return ["text:" + value]
    return [_leaf_print(part) for part in leaves(value)]


def _numbers_match(a, b, scale):
    return len(a) == len(b) and all(abs(x - y) <= MATCH_RTOL * scale for x, y in zip(a, b))


def _leaves_match(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if (a["shape"], a["kind"], a["nonfinite"]) != (b["shape"], b["kind"], b["nonfinite"]):
        return False
    scale = max(a["max"], b["max"])
    if scale == 0:
        return True
    if not math.isclose(a["max"], b["max"], rel_tol=MATCH_RTOL):
        return False
    return _numbers_match(a["sums"], b["sums"], scale) and _numbers_match(a["samples"], b["samples"], scale)


def matches(a, b):
    """Whether two fingerprints are of the same answer (to MATCH_RTOL)."""
    return len(a) == len(b) and all(_leaves_match(x, y) for x, y in zip(a, b))


def is_informative(print_):
    """Whether a fingerprint holds at least one numeric array with a nonzero entry, so
    that a match says something about how the answer was computed."""
    return any((isinstance(p, dict) and p["max"] > 0) or str(p).startswith(("text:", "layout:"))
               for p in print_)


def telling_answer(value):
    """`value` itself, or, when its fingerprint tells nothing (no finite entry but 0),
    what does: with NaN or infinite entries (an overflow makes a whole answer NaN, and a
    fingerprint reads them as 0), where they lie, each array as 1 at NaN, 2 at +inf, -2
    at -inf and 0 elsewhere; with an empty array (a slice such as pad:-pad with pad 0),
    the shapes of the arrays."""
    if is_informative(fingerprint(value)):
        return value
    parts = leaves(value)
    arrays = [p for p in parts if not isinstance(p, str)]
    if any(p.dtype.kind == "f" and np.any(~np.isfinite(p)) for p in arrays):
        return [np.where(np.isnan(p), 1.0, np.where(np.isinf(p), 2.0 * np.sign(p), 0.0))
                if not isinstance(p, str) and p.dtype.kind == "f" else p for p in parts]
    if any(p.size == 0 for p in arrays):
        return [p if isinstance(p, str) else np.array(p.shape, dtype=np.float64) for p in parts]
    return value
