"""Public checks of assignment 1's k-nearest-neighbour targets."""
import numpy as np

from . import public_check
from .numpy_tools import _expect_no_loop, _traced

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
    dists = t.expect_array(dists, (5, 7), "distances of 5 test to 7 training points", "float")
    t.expect_close(dists, np.sqrt(KNN_INT_SQUARED), 1e-6, "the expected distances",
                   hint=_distance_hint)

    # 2. Random floats: row sums, column sums and a few entries.
    rs = np.random.RandomState(0)
    X_train, X_test = rs.randn(30, 12), rs.randn(20, 12)
    knn = _knn(X_train, np.zeros(30, dtype=np.int64))
    dists = np.asarray(t.call(getattr(knn, method), X_test.copy()))
    t.expect_array(dists, (20, 30), "the distances of 20 random test to 30 training points",
                   "float", report=False)
    t.expect_close(dists.sum(axis=1), KNN_RAND_ROW_SUMS, 1e-6,
                   "the expected row sums of random distances")
    t.expect_close(dists.sum(axis=0), KNN_RAND_COL_SUMS, 1e-6,
                   "the expected column sums of random distances")
    t.expect_close([dists[ij] for ij in KNN_RAND_ENTRIES], list(KNN_RAND_ENTRIES.values()), 1e-6,
                   "a few expected entries of random distances")

    # 3. Distances of a set to itself: symmetric, zero diagonal, no NaN, even for data far
    #    from the origin, where rounding makes some expanded squared distances negative.
    X = np.random.RandomState(1).randn(40, 8) + 1000.0
    knn = _knn(X.copy(), np.zeros(40, dtype=np.int64))
    self_dists = np.asarray(t.call(getattr(knn, method), X.copy()), dtype=np.float64)
    t.expect_array(self_dists, (40, 40), "the distances of 40 points to themselves", "float",
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

    if method == "compute_distances_no_loops":
        _no_loops_checks(t, X_train, X_test)

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


def _no_loops_checks(t, X_train, X_test):
    """compute_distances_no_loops reads no point at a time and builds no array larger
    than the (num_test, num_train) distances: a (num_test, num_train, D) difference of
    every pair is right on small inputs, but takes gigabytes on real ones."""
    (train, test), record = _traced(X_train, X_test)
    t.call(_knn(train, np.zeros(len(train), dtype=np.int64)).compute_distances_no_loops, test)
    _expect_no_loop(t, record, len(test), "compute_distances_no_loops", "test points")
    if np.prod(record["largest"]) > len(test) * len(train):
        t.wrong(np.array(record["largest"], dtype=np.float64),
                "compute_distances_no_loops built an array of shape %s from %d test and %d training "
                "points, larger than the (%d, %d) distances: on real data it takes gigabytes; expand "
                "||x - t||^2 = ||x||^2 - 2 x.t + ||t||^2 instead"
                % (record["largest"], len(test), len(train), len(test), len(train)),
                "no array larger than the distances")
    t.ok("no array larger than the (%d, %d) distances" % (len(test), len(train)))


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

# A clear majority: the training labels sorted by distance are 0, 1, 0, 2, 0, 0; with k=3
# the vote is 0 (the nearest, the smallest and the most common label; the label 1 is
# second).
KNN_MAJORITY_LABELS = np.array([0, 1, 0, 2, 0, 0])
KNN_MAJORITY_DISTS = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]])

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
    y_pred = t.expect_array(y_pred, (6,), "labels of 6 test points", "int")
    if not np.array_equal(given, dists):
        t.fail("predict_labels changed the dists array it was given; sort a copy "
               "(np.argsort) instead of sorting in place")
    majority = t.call(_knn(np.zeros((6, 1)), KNN_MAJORITY_LABELS.copy()).predict_labels,
                      KNN_MAJORITY_DISTS.copy(), k=3)
    t.expect_labels(majority, [0], "a clear majority among the 3 nearest (labels 0, 1, 0)",
                    hint="the label is the most common one, not its position among the k nearest")
    t.expect_labels(y_pred, KNN_RAND_PREDICTIONS[1], "k=1 on random distances",
                    hint="with k=1 the label is that of the nearest training point")
    knn = _knn(np.zeros((6, 1)), KNN_VOTE_LABELS.copy())
    got = [np.asarray(t.call(knn.predict_labels, KNN_VOTE_DISTS.copy(), k=k)).ravel()[:1]
           for k in KNN_VOTE_EXPECTED]
    got = np.concatenate(got) if all(g.size for g in got) else np.array([])
    expected = np.array(list(KNN_VOTE_EXPECTED.values()))
    only_ties_wrong = got.shape == expected.shape and set(
        np.array(list(KNN_VOTE_EXPECTED))[got != expected].tolist()) <= {2, 3, 5, 6}
    t.expect_labels(got, expected, "a hand-made vote with ties (k = 1..6)",
                    hint="ties must go to the smallest label (np.bincount + np.argmax does that)"
                    if only_ties_wrong else "take the k smallest distances and the most common label")

    knn = _knn(np.zeros((15, 1)), KNN_RAND_LABELS.copy())
    for k in (3, 5, 8, 15):
        y_pred = t.call(knn.predict_labels, dists.copy(), k=k)
        t.expect_labels(y_pred, KNN_RAND_PREDICTIONS[k], "k=%d on random distances" % k,
                        hint="take the k smallest distances and the most common label")
