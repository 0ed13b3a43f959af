"""Public checks: quick feedback on your implementation, in your own Python process.

    from cs231n_core.checks import check
    check("compute_distances_no_loops")      # prints one line per check, returns True/False

Each graded target has a few public checks: small fixed inputs whose expected values
are stored below as numbers (computed once with the reference solution), plus property
checks (shapes, dtypes, symmetry, agreement between implementations). They catch most
mistakes early, but they are not the grade: the hidden graders use other, randomized
inputs. ``check`` never raises for a wrong answer; it prints why and returns False.
``check("anything")`` with an unknown name lists the known targets, and
``check_all()`` runs them all.

Adding the checks of a new target (later assignments): write one small function that
takes a :class:`Checker` and decorate it::

    @public_check("svm_loss_naive")
    def _check_svm_loss_naive(t):
        loss, dW = t.call(svm_loss_naive, W, X, y, 0.1)   # the target itself
        t.expect_close("the expected loss", loss, 9.012345, tol=1e-6)

Import the student's code inside the function (so the current code is checked), call
the target through ``t.call`` (it turns NotImplementedError into "not implemented
yet"), and use the ``t.expect_*`` helpers, each of which prints one line.
"""
import difflib
import os
import traceback
import warnings

import numpy as np

__all__ = ["check", "check_all", "known_targets", "public_check", "Checker"]

_CHECKS = {}  # target name -> function(Checker)


def public_check(target):
    """Decorator: register ``fn(checker)`` as the public checks of ``target``."""
    def register(fn):
        if target in _CHECKS:
            raise ValueError("public checks of %r are registered twice" % target)
        _CHECKS[target] = fn
        return fn
    return register


def known_targets():
    """Names of the targets that have public checks, in registration order."""
    return list(_CHECKS)


# --------------------------------------------------------------------------------------
# Running checks
# --------------------------------------------------------------------------------------

class CheckFailed(Exception):
    """A check did not pass; its message is the one sentence shown to the student."""


class NotImplementedYet(Exception):
    """The target (not one of its helpers) raised NotImplementedError."""


def rel_error(x, y):
    """Max over entries of |x - y| / max(1e-8, |x| + |y|) (CS231n's relative error)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)), initial=0.0))


def _where(exc):
    """' (at file.py line N)' for the innermost frame outside this module, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) != os.path.abspath(__file__)]
    if not frames:
        return ""
    return " (at %s line %d)" % (os.path.basename(frames[-1].filename), frames[-1].lineno)


class Checker:
    """What a check function gets: calls the student's code and prints one line per check."""

    def __init__(self, target):
        self.target = target
        self.passed = 0

    # ---- calling the student's code ----------------------------------------------------

    def call(self, fn, *args, **kwargs):
        """Call the target ``fn``; NotImplementedError means it is not implemented yet,
        any other exception fails the check with its type, message and line."""
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return fn(*args, **kwargs)
        except NotImplementedError as e:
            hint = str(e).strip()
            raise NotImplementedYet("%s raises NotImplementedError%s"
                                    % (name, " (%s)" % hint if hint else "")) from None
        except (Exception, SystemExit) as e:
            raise CheckFailed("%s raised %s: %s%s" % (name, type(e).__name__, e, _where(e))) from None

    def call_other(self, fn, *args, **kwargs):
        """Call some other function (not the target); return None when it is not
        implemented or crashes, so that a check can skip a comparison with it."""
        try:
            return self.call(fn, *args, **kwargs)
        except (NotImplementedYet, CheckFailed):
            return None

    # ---- reporting ---------------------------------------------------------------------

    def ok(self, what):
        """Print the line of a passed check."""
        self.passed += 1
        print("[ok]   %s: %s" % (self.target, what))

    def note(self, what):
        """Print an informational line that does not fail the target."""
        print("[note] %s: %s" % (self.target, what))

    def fail(self, sentence):
        """Fail the target with one explaining sentence."""
        raise CheckFailed(sentence)

    # ---- assertions --------------------------------------------------------------------

    def expect_array(self, what, got, shape, kind, report=True):
        """``got`` is an array of ``shape`` whose dtype is floating (kind "float") or
        integer (kind "int"); returns it as an array. ``report=False`` prints nothing
        when it passes (for a shape that is only a precondition of later checks)."""
        if got is None:
            self.fail("returned None for %s; did you forget the return statement?" % what)
        try:
            arr = np.asarray(got)
        except Exception as e:  # noqa: BLE001 - anything a student returns
            self.fail("returned a %s for %s, not an array (%s)" % (type(got).__name__, what, e))
        if arr.shape != tuple(shape):
            extra = ""
            if arr.shape == tuple(shape)[::-1]:
                extra = "; rows should index the test points, columns the training points"
            self.fail("got shape %s for %s, expected %s%s" % (arr.shape, what, tuple(shape), extra))
        ok_kind = (np.issubdtype(arr.dtype, np.floating) if kind == "float"
                   else np.issubdtype(arr.dtype, np.integer))
        if not ok_kind:
            self.fail("got dtype %s for %s, expected %s" % (
                arr.dtype, what, "a floating dtype" if kind == "float" else "an integer dtype"))
        if report:
            self.ok("shape %s and dtype %s (%s)" % (arr.shape, arr.dtype, what))
        return arr

    def expect_close(self, what, got, expected, tol=1e-6, hint=None):
        """Relative error of ``got`` against ``expected`` at most ``tol``. ``hint`` may be
        a function (got, expected) -> sentence or None, asked only on failure."""
        got = np.asarray(got, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        if got.shape != expected.shape:
            self.fail("got shape %s for %s, expected %s" % (got.shape, what, expected.shape))
        err = rel_error(got, expected) if np.all(np.isfinite(got)) else float("inf")
        if not err <= tol:
            sentence = "relative error %.1e against %s (got shape %s, expected %s)" % (
                err, what, got.shape, expected.shape)
            if not np.all(np.isfinite(got)):
                sentence = "got NaN or inf for %s (shape %s)" % (what, got.shape)
            extra = hint(got, expected) if hint else None
            self.fail(sentence + ("; " + extra if extra else ""))
        self.ok("matches %s (relative error %.1e)" % (what, err))

    def expect_labels(self, what, got, expected, hint=None):
        """Integer labels ``got`` equal ``expected`` exactly."""
        got = np.asarray(got)
        expected = np.asarray(expected)
        if got.shape != expected.shape:
            self.fail("got shape %s for %s, expected %s" % (got.shape, what, expected.shape))
        wrong = int(np.sum(got != expected))
        if wrong:
            self.fail("%d of %d labels differ for %s (got %s, expected %s)%s" % (
                wrong, expected.size, what, got.tolist(), expected.tolist(),
                "; " + hint if hint else ""))
        self.ok("right labels for %s" % what)


def _run(target):
    """Run the public checks of one registered target; True when all pass."""
    t = Checker(target)
    try:
        _CHECKS[target](t)
    except NotImplementedYet as e:
        print("[todo] %s: not implemented yet: %s" % (target, e))
        return False
    except CheckFailed as e:
        print("[FAIL] %s: %s" % (target, e))
        return False
    except (Exception, SystemExit) as e:  # a crash outside t.call, e.g. in an import
        print("[FAIL] %s: the check crashed with %s: %s%s" % (target, type(e).__name__, e, _where(e)))
        return False
    print("[ok]   %s: all %d public checks pass" % (target, t.passed))
    return True


def _graded_target_names():
    try:
        from .targets import ASSIGNMENT_TARGETS, target_names
        return {n for a in ASSIGNMENT_TARGETS for n in target_names(a)}
    except Exception:  # noqa: BLE001 - a broken or missing registry only loses a nicety
        return set()


def check(name):
    """Run the public checks of target ``name`` (e.g. "compute_distances_no_loops"),
    printing one line per check. Returns True when all pass, False otherwise; never
    raises for a wrong or missing implementation (KeyboardInterrupt still stops it)."""
    name = str(name).split(".")[-1]  # "KNearestNeighbor.predict_labels" works too
    if name not in _CHECKS:
        if name in _graded_target_names():
            print("[note] %s: no public checks yet; only the hidden graders check it" % name)
            return True
        close = difflib.get_close_matches(name, list(_CHECKS), n=1)
        print("check: unknown target %r%s. Known targets: %s" % (
            name, " (did you mean %r?)" % close[0] if close else "", ", ".join(_CHECKS)))
        return False
    return _run(name)


def check_all(names=None):
    """Run the public checks of several targets (default: all); True when all pass."""
    names = known_targets() if names is None else list(names)
    results = [check(n) for n in names]
    print("%d of %d targets pass their public checks" % (sum(results), len(results)))
    return all(results)


# --------------------------------------------------------------------------------------
# Assignment 1: k-nearest neighbours
# --------------------------------------------------------------------------------------

def _knn(X_train, y_train):
    from cs231n_core.classifiers.k_nearest_neighbor import KNearestNeighbor

    classifier = KNearestNeighbor()
    classifier.train(X_train, y_train)
    return classifier


# A small example with integer coordinates, so that every squared distance is an integer.
KNN_INT_TRAIN = np.array([[-3, 1, -2, 0], [3, -1, 3, 1], [-1, -2, -1, -1], [1, -1, -2, 0],
                          [-2, 1, 0, -2], [-2, -2, 2, 0], [2, 1, -1, 0]], dtype=np.float64)
KNN_INT_TEST = np.array([[1, 1, 3, 1], [0, -3, -1, -1], [3, -2, -2, 1], [2, 3, -3, 2],
                         [3, 1, 3, -2]], dtype=np.float64)
KNN_INT_SQUARED = np.array([[42, 8, 33, 30, 27, 20, 18],  # squared distances, test x train
                            [27, 33, 2, 7, 22, 15, 21],
                            [46, 26, 21, 6, 47, 42, 12],
                            [34, 54, 47, 22, 45, 70, 12],
                            [65, 13, 42, 37, 34, 39, 21]], dtype=np.float64)

# Random floats: RandomState(0).randn(30, 12) for training, then .randn(20, 12) for test.
KNN_RAND_ROW_SUMS = [
    117.74253087, 137.00791122, 144.27017864, 136.20762546, 148.87428293,
    161.74267086, 116.67551748, 132.31468117, 148.65701576, 168.50432125,
    146.14705261, 148.72599298, 158.60308463, 143.59652573, 151.57309090,
    156.49387926, 168.24429522, 131.69275689, 133.74662455, 142.44192398]
KNN_RAND_COL_SUMS = [
    105.96995703, 97.54153070, 106.94021837, 103.57360082, 81.34247771,
    91.98517708, 90.08383654, 104.37756572, 110.04490307, 112.75349928,
    90.02543287, 82.01734892, 100.21642124, 102.57332399, 85.46659067,
    105.51344256, 97.30947832, 84.21075266, 92.41821859, 97.04614204,
    87.11120102, 86.08662660, 106.70843467, 104.35030981, 98.21719786,
    97.95453006, 76.90353139, 109.33567434, 91.30386164, 93.88067682]
KNN_RAND_ENTRIES = {(0, 0): 4.41743945, (3, 17): 4.97530531, (19, 29): 4.99847140,
                    (11, 5): 4.92474113}

DISTANCE_FUNCTIONS = ("compute_distances_two_loops", "compute_distances_one_loop",
                      "compute_distances_no_loops")


def _distance_hint(got, expected):
    if np.all(got == 0):
        return "the distances are all zero; did you fill in dists?"
    if np.allclose(got, expected ** 2, rtol=1e-6):
        return "did you forget the square root?"
    if np.allclose(got ** 2, expected, rtol=1e-6):
        return "did you take the square root twice?"
    return None


def _distance_checks(t, method):
    """The public checks shared by the three distance functions."""
    # 1. A small integer example, checked entry by entry.
    knn = _knn(KNN_INT_TRAIN.copy(), np.arange(7))
    dists = t.call(getattr(knn, method), KNN_INT_TEST.copy())
    dists = t.expect_array("distances of 5 test to 7 training points", dists, (5, 7), "float")
    t.expect_close("the expected distances", dists, np.sqrt(KNN_INT_SQUARED), hint=_distance_hint)

    # 2. Random floats: row sums, column sums and a few entries.
    rs = np.random.RandomState(0)
    X_train, X_test = rs.randn(30, 12), rs.randn(20, 12)
    knn = _knn(X_train, np.zeros(30, dtype=np.int64))
    dists = np.asarray(t.call(getattr(knn, method), X_test.copy()))
    t.expect_array("the distances of 20 random test to 30 training points", dists, (20, 30),
                   "float", report=False)
    t.expect_close("the expected row sums of random distances", dists.sum(axis=1),
                   KNN_RAND_ROW_SUMS)
    t.expect_close("the expected column sums of random distances", dists.sum(axis=0),
                   KNN_RAND_COL_SUMS)
    t.expect_close("a few expected entries of random distances",
                   [dists[ij] for ij in KNN_RAND_ENTRIES], list(KNN_RAND_ENTRIES.values()))

    # 3. Distances of a set to itself: symmetric, zero diagonal, no NaN, even for data far
    #    from the origin, where rounding makes some expanded squared distances negative.
    X = np.random.RandomState(1).randn(40, 8) + 1000.0
    knn = _knn(X.copy(), np.zeros(40, dtype=np.int64))
    self_dists = np.asarray(t.call(getattr(knn, method), X.copy()), dtype=np.float64)
    t.expect_array("the distances of 40 points to themselves", self_dists, (40, 40), "float",
                   report=False)
    if not np.all(np.isfinite(self_dists)):
        t.fail("got %d NaN or inf among the distances of 40 points (around 1000) to themselves;"
               " rounding can make a squared distance slightly negative: clip it at 0 before the"
               " square root" % np.sum(~np.isfinite(self_dists)))
    asym = float(np.max(np.abs(self_dists - self_dists.T)))
    if asym > 1e-6 * max(1.0, float(np.max(self_dists))):
        t.fail("the distances of 40 points to themselves are not symmetric (largest "
               "|d[i, j] - d[j, i]| is %.1e)" % asym)
    diag = float(np.max(np.abs(np.diag(self_dists))))
    if diag > 1e-3 or np.min(self_dists) < 0:
        t.fail("the distance of a point to itself should be 0 and no distance negative "
               "(largest |d[i, i]| is %.1e, smallest distance %.1e)" % (diag, np.min(self_dists)))
    t.ok("self-distances are symmetric with a zero diagonal (largest |d[i, i]| %.1e)" % diag)

    # 4. Agreement with the other two implementations (when they are implemented), on
    #    the random example. A difference is only a note: this target already matched
    #    the stored values above, so the other one is likely wrong.
    knn = _knn(X_train, np.zeros(30, dtype=np.int64))
    for other in DISTANCE_FUNCTIONS:
        if other == method:
            continue
        theirs = t.call_other(getattr(knn, other), X_test.copy())
        if theirs is None:
            t.note("skipped the comparison with %s (not implemented yet, or it crashes)" % other)
            continue
        theirs = np.asarray(theirs, dtype=np.float64)
        if theirs.shape != dists.shape:
            t.note("%s gives shape %s instead of %s; run check(%r)"
                   % (other, theirs.shape, dists.shape, other))
            continue
        difference = np.linalg.norm(dists - theirs, ord="fro")
        if not difference < 1e-6:
            t.note("differs from %s (Frobenius norm of the difference %.1e); run check(%r)"
                   % (other, difference, other))
        else:
            t.ok("agrees with %s (Frobenius norm of the difference %.1e)" % (other, difference))


@public_check("compute_distances_two_loops")
def _check_two_loops(t):
    _distance_checks(t, "compute_distances_two_loops")


@public_check("compute_distances_one_loop")
def _check_one_loop(t):
    _distance_checks(t, "compute_distances_one_loop")


@public_check("compute_distances_no_loops")
def _check_no_loops(t):
    _distance_checks(t, "compute_distances_no_loops")


# A hand-made vote: the training labels sorted by distance are 3, 2, 1, 3, 1, 0.
KNN_VOTE_LABELS = np.array([3, 1, 2, 1, 3, 0])
KNN_VOTE_DISTS = np.array([[0.1, 0.3, 0.2, 0.5, 0.4, 0.6]])
KNN_VOTE_EXPECTED = {1: 3, 2: 2, 3: 1, 4: 3, 5: 1, 6: 1}  # k=2, 3, 5, 6 are ties

# Random distances: RandomState(3).uniform(size=(6, 15)), training labels below.
KNN_RAND_LABELS = np.array([3, 0, 0, 0, 1, 0, 2, 1, 2, 3, 1, 2, 3, 1, 3])
KNN_RAND_PREDICTIONS = {1: [1, 0, 0, 2, 2, 3], 3: [2, 0, 3, 2, 1, 0], 5: [1, 0, 3, 0, 1, 0],
                        8: [1, 0, 1, 0, 1, 0], 15: [0, 0, 0, 0, 0, 0]}


@public_check("predict_labels")
def _check_predict_labels(t):
    dists = np.random.RandomState(3).uniform(size=(6, 15))
    knn = _knn(np.zeros((15, 1)), KNN_RAND_LABELS.copy())
    given = dists.copy()
    y_pred = t.call(knn.predict_labels, given, k=1)
    y_pred = t.expect_array("labels of 6 test points", y_pred, (6,), "int")
    if not np.array_equal(given, dists):
        t.fail("predict_labels changed the dists array it was given; sort a copy "
               "(np.argsort) instead of sorting in place")
    t.expect_labels("k=1 on random distances", y_pred, KNN_RAND_PREDICTIONS[1],
                    hint="with k=1 the label is that of the nearest training point")
    knn = _knn(np.zeros((6, 1)), KNN_VOTE_LABELS.copy())
    got = [np.asarray(t.call(knn.predict_labels, KNN_VOTE_DISTS.copy(), k=k)).ravel()[:1]
           for k in KNN_VOTE_EXPECTED]
    got = np.concatenate(got) if all(g.size for g in got) else np.array([])
    expected = np.array(list(KNN_VOTE_EXPECTED.values()))
    only_ties_wrong = got.shape == expected.shape and set(
        np.array(list(KNN_VOTE_EXPECTED))[got != expected].tolist()) <= {2, 3, 5, 6}
    t.expect_labels("a hand-made vote with ties (k = 1..6)", got, expected,
                    hint="ties must go to the smallest label (np.bincount + np.argmax does that)"
                    if only_ties_wrong else "take the k smallest distances and the most common label")

    knn = _knn(np.zeros((15, 1)), KNN_RAND_LABELS.copy())
    for k in (3, 5, 8, 15):
        y_pred = t.call(knn.predict_labels, dists.copy(), k=k)
        t.expect_labels("k=%d on random distances" % k, y_pred,
                        KNN_RAND_PREDICTIONS[k],
                        hint="take the k smallest distances and the most common label")
