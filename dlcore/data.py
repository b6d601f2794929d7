"""Data: the book's small CSV data sets, MNIST, and preprocessing.

Three parts, read top to bottom:

1. **Small data sets.** The worked examples of the notes and a few seeded synthetic sets
   ship inside the package as CSV files (the package ``dlcore.datasets`` is the repository's
   ``data/`` folder; ``data/README.md`` documents every column). ``load_dataset(name)``
   returns ``(X, y)``: the last column is always the target.
2. **MNIST.** ``load_mnist()`` returns ``(x_train, y_train), (x_test, y_test)`` as uint8
   arrays, like ``keras.datasets.mnist.load_data()``, with every file checked against its
   published SHA-256 before it is read.
3. **Preprocessing.** ``standardize``, ``min_max_scale``, ``one_hot``, ``train_val_split``
   and ``minibatches``: each short, with its formula in the docstring.
"""
import gzip
import hashlib
import io
import math
import os
import shutil
import tempfile
import textwrap
import warnings
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ._checks import as_compute_array, class_labels, positive_integer

__all__ = [
    "list_datasets", "load_dataset", "load_frame",
    "load_mnist", "MnistInfo", "ChecksumError", "read_idx", "verify_sha256", "keras_cache_path",
    "standardize", "min_max_scale", "one_hot", "train_val_split", "minibatches",
]


# ======================================================================================
# 1. Small data sets (CSV files inside the package dlcore.datasets)
# ======================================================================================

_DATASETS_PACKAGE = "dlcore.datasets"


def _csv_files():
    """Map each data set's name to its CSV file inside the installed package."""
    folder = resources.files(_DATASETS_PACKAGE)
    return {entry.name[:-4]: entry for entry in folder.iterdir() if entry.name.endswith(".csv")}


def list_datasets():
    """Names of the CSV data sets that ship with dlcore, sorted (``data/README.md`` has each)."""
    return sorted(_csv_files())


def load_frame(name):
    """Read the data set ``name`` as ``(columns, table)``.

    Returns
    -------
    columns : list of str
        The CSV header, e.g. ``['cgpa', 'profile_score', 'salary']``.
    table : ndarray of float64, shape (N, len(columns))
    """
    files = _csv_files()
    if name not in files:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(files)}")
    header, _, body = files[name].read_text(encoding="utf-8").partition("\n")
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    return header.split(","), table


def load_dataset(name):
    """Read the data set ``name`` as ``(X, y)``: every column but the last, and the last.

    Returns
    -------
    X : ndarray of float64, shape (N, D)
    y : ndarray of float64, shape (N,)
        Class labels (0., 1.) for classification sets, the target value for regression.
    """
    _, table = load_frame(name)
    return table[:, :-1], table[:, -1]


# ======================================================================================
# 2. MNIST
# ======================================================================================
# Where it looks, in this order:
#   a. a folder of IDX files named by path= or by $DLCORE_MNIST_DIR;
#   b. Keras's cache file mnist.npz ($KERAS_HOME/datasets or ~/.keras/datasets);
#   c. a download of mnist.npz into that cache (temp file, SHA-256 check, os.replace).
# Because b and c use Keras's own file, name and hash, dlcore and Keras never download twice.

MNIST_DIR_ENV = "DLCORE_MNIST_DIR"
MNIST_NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# The hash keras.datasets.mnist.load_data() checks (read in keras/src/datasets/mnist.py, Keras 3.15).
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# (size in bytes, SHA-256) of the canonical IDX files, gzipped and raw: the published
# checksums, and the ones measured on the copies in ../shared/data/mnist (all eight agree).
_MNIST_IDX = {
    "train-images-idx3-ubyte.gz": (9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": (28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": (1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": (4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    "train-images-idx3-ubyte": (47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}

# Offline stand-in: with only the 10k test files, every 5th image (index 4, 9, 14, ...) becomes
# a test image and the rest train: 8,000 / 2,000. Interleaving (not first 8,000 / last 2,000)
# keeps both halves of the MNIST test set, which differ in difficulty, in both parts.
OFFLINE_TEST_EVERY = 5


class ChecksumError(ValueError):
    """A file's SHA-256 differs from the published one (corrupt, truncated or a different file)."""


@dataclass(frozen=True)
class MnistInfo:
    """Where ``load_mnist`` found its data (returned with ``return_info=True``).

    ``source`` is ``'idx-full'`` (the four canonical IDX files), ``'idx-test-split'`` (the
    offline stand-in: the 10k test set split 8,000 / 2,000), ``'keras-cache'`` (Keras's
    mnist.npz) or ``'download'``; ``path`` is the folder or file read; ``n_train`` and
    ``n_test`` count the images; ``note`` says it all in one sentence.
    """

    source: str
    path: str
    n_train: int
    n_test: int
    note: str


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_sha256(path, expected_sha256, expected_size=None, name=None):
    """Raise ``ChecksumError`` unless the SHA-256 of the file ``path`` is ``expected_sha256``.

    The message names the file (``name``, default ``path``) and both hashes; with
    ``expected_size`` it also compares the sizes, which tells a truncated file at a glance.
    """
    actual = _sha256(path)
    if actual == expected_sha256:
        return
    size = os.path.getsize(path)
    sizes = f"it has {size:,} bytes"
    if expected_size is not None:
        sizes += f"; the published file has {expected_size:,} bytes"
        if size < expected_size:
            sizes += " (truncated?)"
    raise ChecksumError(
        f"{name or path}: SHA-256 does not match the published value\n"
        f"  expected {expected_sha256}\n  found    {actual}\n  ({sizes})"
    )


def read_idx(path):
    """Read one IDX file (raw or ``.gz``) into a uint8 array.

    The layout: a 4-byte big-endian magic number, 2049 for a 1-D label file and 2051 for a
    3-D image file (its last byte is the number of dimensions); then one 4-byte big-endian
    size per dimension; then prod(sizes) unsigned bytes, row after row.
    """
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: not a complete gzip file ({err})") from err
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (2049, 2051):
        raise ValueError(f"{path}: magic number {magic}, expected 2049 (labels) or 2051 (images)")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: {len(raw)} bytes, too short for the {header}-byte IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape)  # Python ints: np.prod would wrap around past 2**63
    if len(raw) != expected:
        raise ValueError(
            f"{path}: the header announces shape {shape}, i.e. {expected:,} bytes, "
            f"but the data has {len(raw):,} bytes" + (" (truncated)" if len(raw) < expected else "")
        )
    try:
        return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()
    except ValueError as err:  # e.g. (0, 3e9, 3e9): no bytes, yet too large a shape for NumPy
        raise ValueError(f"{path}: the header announces shape {shape}, which NumPy cannot hold ({err})") from None


def _find_idx(folder, stem):
    """The file ``stem.gz`` or ``stem`` in ``folder`` (gzipped first), or None."""
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_idx_pair(folder, prefix):
    """Verified images and labels of one canonical split ('train' or 't10k')."""
    arrays = []
    for stem in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
        path = _find_idx(folder, stem)
        size, sha256 = _MNIST_IDX[path.name]
        verify_sha256(path, sha256, size)
        arrays.append(read_idx(path))
    images, labels = arrays
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise ValueError(f"{folder}: {prefix} images {images.shape} do not match labels {labels.shape}")
    return images, labels


def _load_from_folder(folder, origin):
    """Read MNIST from a folder of canonical IDX files (all four, or the two t10k ones)."""
    folder = Path(folder)
    present = {prefix: [_find_idx(folder, f"{prefix}-{kind}") is not None
                        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
               for prefix in ("train", "t10k")}
    if not all(present["t10k"]) or (any(present["train"]) and not all(present["train"])):
        raise FileNotFoundError(
            f"{origin} ({folder}) must hold t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
            "(raw or .gz), and optionally both train-* files; found "
            f"{sorted(p.name for p in folder.iterdir()) if folder.is_dir() else 'no such folder'}"
        )
    x_test, y_test = _read_idx_pair(folder, "t10k")
    if all(present["train"]):
        x_train, y_train = _read_idx_pair(folder, "train")
        note = f"the four canonical MNIST IDX files in {origin}, SHA-256 verified"
        info = MnistInfo("idx-full", str(folder), len(y_train), len(y_test), note)
        return ((x_train, y_train), (x_test, y_test)), info
    is_test = np.arange(len(y_test)) % OFFLINE_TEST_EVERY == OFFLINE_TEST_EVERY - 1
    train, test = (x_test[~is_test], y_test[~is_test]), (x_test[is_test], y_test[is_test])
    note = (
        f"OFFLINE STAND-IN: only the 10,000-image MNIST *test* set was found ({origin}). "
        f"It is split into {len(train[1]):,} train and {len(test[1]):,} test images (every "
        f"{OFFLINE_TEST_EVERY}th image is a test image). These are not Keras's 60,000 / 10,000 "
        "splits: accuracies are not comparable with published MNIST results."
    )
    return (train, test), MnistInfo("idx-test-split", str(folder), len(train[1]), len(test[1]), note)


def keras_cache_path():
    """Where ``keras.datasets.mnist.load_data()`` keeps its file: ``<keras home>/datasets/mnist.npz``.

    Keras home is ``$KERAS_HOME`` if set, else ``~/.keras`` (``/tmp/.keras`` when the home
    folder is not writable), as in ``keras/src/backend/config.py``.
    """
    home = os.environ.get("KERAS_HOME")
    if home is None:
        user = os.path.expanduser("~")
        home = os.path.join(user if os.access(user, os.W_OK) else "/tmp", ".keras")
    return Path(home) / "datasets" / "mnist.npz"


def _download(url, target, expected_sha256):
    """Fetch ``url`` into a temp file beside ``target``, check its SHA-256, then rename it.

    ``os.replace`` is atomic on one file system: ``target`` is either absent or complete.
    """
    import urllib.error  # only here: importing urllib costs time every `import dlcore` would pay
    import urllib.request

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, part = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out)
        verify_sha256(part, expected_sha256, name=f"{url} (downloaded to {part}, now deleted)")
        os.replace(part, target)
    except urllib.error.URLError as err:
        raise OSError(
            f"could not download {url} ({err.reason}). Offline? Point ${MNIST_DIR_ENV} "
            "(or path=) at a folder holding the MNIST IDX files."
        ) from err
    finally:
        if os.path.exists(part):
            os.remove(part)


def _load_npz(path):
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def load_mnist(path=None, *, verbose=True, return_info=False):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``, like ``keras.datasets.mnist.load_data()``.

    x arrays are uint8 of shape (N, 28, 28) (28 * 28 = 784 pixels, 0-255); y arrays are
    uint8 of shape (N,) (digits 0-9).

    Sources, in this order:

    1. ``path`` or else ``$DLCORE_MNIST_DIR``: a folder of canonical IDX files (raw or .gz),
       each checked against its published SHA-256. With all four files: 60,000 / 10,000.
       With only the two ``t10k-*`` files (the offline case): the 10,000 test images are
       split into 8,000 train / 2,000 test (every 5th image is a test image), and the
       function says so loudly: a printed banner and a ``UserWarning``.
    2. Keras's cache file ``mnist.npz`` (see ``keras_cache_path``), checked against the
       SHA-256 that Keras checks.
    3. A download of that file into Keras's cache: written to a temp file, checked, then
       renamed, so a failed download leaves nothing behind.

    A file whose hash differs raises ``ChecksumError`` naming the file and both hashes;
    nothing is deleted or overwritten (Keras would silently download again).

    Parameters
    ----------
    path : str or Path, optional
        Folder of IDX files; overrides ``$DLCORE_MNIST_DIR``.
    verbose : bool
        Print one line (a banner for the offline stand-in) saying where the data came from.
    return_info : bool
        Also return an ``MnistInfo`` (source, path, n_train, n_test, note).
    """
    if path is not None:
        data, info = _load_from_folder(path, "the folder passed as path=")
    elif os.environ.get(MNIST_DIR_ENV):
        data, info = _load_from_folder(os.environ[MNIST_DIR_ENV], f"the folder named by ${MNIST_DIR_ENV}")
    else:
        cache = keras_cache_path()
        if cache.exists():
            try:
                verify_sha256(cache, MNIST_NPZ_SHA256)
            except ChecksumError as err:
                raise ChecksumError(f"{err}\n  Keras's cached MNIST file is not the published "
                                    "one; move or delete it and load_mnist will download it again") from None
            source, note = "keras-cache", f"Keras's cached mnist.npz ({cache}), SHA-256 verified"
        else:
            if verbose:
                print(f"Downloading {MNIST_NPZ_URL} into {cache.parent}")
            _download(MNIST_NPZ_URL, cache, MNIST_NPZ_SHA256)
            source, note = "download", f"downloaded mnist.npz into Keras's cache ({cache}), SHA-256 verified"
        data = _load_npz(cache)
        info = MnistInfo(source, str(cache), len(data[0][1]), len(data[1][1]), note)
    if info.source == "idx-test-split":
        if verbose:
            print("!" * 72, textwrap.fill(info.note, 72), "!" * 72, sep="\n")
        warnings.warn(info.note, UserWarning, stacklevel=2)
    elif verbose:
        print(f"MNIST: {info.n_train:,} train / {info.n_test:,} test images from {info.note}")
    return (data, info) if return_info else data


# ======================================================================================
# 3. Preprocessing
# ======================================================================================

def _features(X, name="X"):
    """``X`` as a finite float array of shape (N, D) with N >= 1 (float16 computed in float32)."""
    X = as_compute_array(X, name, ndim=2)
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no rows (shape {X.shape})")
    return X


def _per_feature(value, name, n_features):
    """A finite float statistic: a scalar or one value per feature, shape (D,)."""
    value = as_compute_array(value, name, ndim=(0, 1))
    if value.ndim == 1 and value.shape != (n_features,):
        raise ValueError(f"{name} must have shape ({n_features},), one value per feature, got {value.shape}")
    return value


def _finite_result(result, name):
    """Refuse an inf or NaN made from finite input (an overflow), instead of returning it."""
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{name} overflows in {result.dtype} (values too large for it): "
                         "rescale it or pass float64")
    return result


def _samples(a, name):
    """``a`` as an array of samples along axis 0: numeric, ndim >= 1, finite."""
    a = np.asarray(a)
    if a.dtype.kind not in "fiub" or a.ndim == 0:
        raise ValueError(f"{name} must be a numeric array with samples along axis 0, got {a.dtype} {a.shape}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


def _paired(X, y):
    X, y = _samples(X, "X"), _samples(y, "y")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    return X, y


def standardize(X, mean=None, std=None):
    """Z-score each feature: z = (x - mean) / std.

    ``mean`` and ``std`` default to the column means and standard deviations of ``X``
    (population std, ddof=0, as Keras's ``Normalization`` layer); pass the training set's
    to scale validation and test data the same way. A column with std 0 is only centred
    (divided by 1), as scikit-learn's ``StandardScaler`` does.

    Returns ``(Z, mean, std)``; ``X == Z * std + mean`` wherever std > 0. Computed in the dtype
    of ``X`` (float16 in float32); a result that overflows it is refused, never returned as inf.
    """
    X = _features(X)
    mean = X.mean(axis=0) if mean is None else _per_feature(mean, "mean", X.shape[1])
    std = X.std(axis=0) if std is None else _per_feature(std, "std", X.shape[1])
    if np.any(std < 0):
        raise ValueError(f"std must be >= 0, got {std}")
    _finite_result(np.stack(np.broadcast_arrays(mean, std)), "X's mean or std")
    return _finite_result((X - mean) / np.where(std == 0, 1.0, std), "X, standardized,"), mean, std


def min_max_scale(X, data_min=None, data_max=None, feature_range=(0.0, 1.0)):
    """Scale each feature linearly so data_min -> lo and data_max -> hi.

    x' = lo + (x - data_min) * (hi - lo) / (data_max - data_min),  (lo, hi) = feature_range.

    ``data_min``/``data_max`` default to the column minima/maxima of ``X``; pass the training
    set's for validation and test data (values outside the range then land outside
    ``feature_range``). A constant column (data_max == data_min) maps to lo.
    MNIST pixels: ``min_max_scale(X, 0, 255)`` is the usual ``X / 255``.

    Returns ``(X_scaled, data_min, data_max)``. ``feature_range`` must be finite: an infinite
    ``hi`` would map every value above ``data_min`` to inf. A result that overflows is refused.
    """
    X = _features(X)
    data_min = X.min(axis=0) if data_min is None else _per_feature(data_min, "data_min", X.shape[1])
    data_max = X.max(axis=0) if data_max is None else _per_feature(data_max, "data_max", X.shape[1])
    try:
        lo, hi = (float(v) for v in feature_range)
    except (TypeError, ValueError):
        raise ValueError(f"feature_range must be a pair (lo, hi) of numbers, got {feature_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"feature_range must be (lo, hi) with finite lo < hi, got {feature_range}")
    span = data_max - data_min
    if np.any(span < 0):
        raise ValueError("data_max must be >= data_min for every feature")
    _finite_result(span, "X's range data_max - data_min")
    scaled = lo + (X - data_min) * (hi - lo) / np.where(span == 0, 1.0, span)
    return _finite_result(scaled, "X, scaled to feature_range,"), data_min, data_max


def one_hot(y, num_classes=None):
    """One-hot encode integer labels, like ``keras.utils.to_categorical``.

    Y[i, k] = 1 if y[i] == k else 0; shape (N, num_classes), float64. ``num_classes``
    defaults to max(y) + 1. Labels may be ints or integral floats (1.0); shape (N,) or (N, 1).
    """
    if num_classes is not None:
        num_classes = positive_integer(num_classes, "num_classes")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y must be a non-empty label vector of shape (N,) or (N, 1), got shape {y.shape}")
    labels = class_labels(y, "y", num_classes)
    num_classes = int(labels.max()) + 1 if num_classes is None else num_classes
    try:
        Y = np.zeros((len(labels), num_classes))
    except (MemoryError, ValueError):
        raise ValueError(f"y has label {num_classes - 1}: a one-hot array of shape "
                         f"({len(labels)}, {num_classes}) is too large; pass num_classes") from None
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def train_val_split(X, y, validation_split=0.2, *, shuffle=False, rng=None):
    """Split off the last ``validation_split`` of the samples, as Keras's ``fit(validation_split=...)``.

    split_at = floor(N * (1 - validation_split)); train = [:split_at], validation = [split_at:].
    Keras does not shuffle first (so sorted data gives a biased split); ``shuffle=True``
    permutes the rows with ``rng`` (a ``numpy.random.Generator`` or a seed) before splitting.

    Returns ``(X_train, y_train), (X_val, y_val)``.
    """
    X, y = _paired(X, y)
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must lie in (0, 1), got {validation_split}")
    split_at = int(np.floor(len(X) * (1.0 - validation_split)))
    if split_at in (0, len(X)):
        raise ValueError(f"validation_split={validation_split} leaves an empty part of {len(X)} samples")
    if shuffle:
        order = np.random.default_rng(rng).permutation(len(X))
        X, y = X[order], y[order]
    return (X[:split_at], y[:split_at]), (X[split_at:], y[split_at:])


def minibatches(X, y, batch_size=32, *, shuffle=True, rng=None):
    """Iterate over ``(X_batch, y_batch)`` pairs that cover the data once (one epoch).

    Batches hold ``batch_size`` samples; the last one holds the N mod batch_size left over,
    as in Keras (ceil(N / batch_size) batches). With ``shuffle=False`` the samples come in
    their stored order; with ``shuffle=True`` in the order ``rng.permutation(N)``, where
    ``rng`` is a ``numpy.random.Generator`` or a seed (None: a fresh unseeded generator,
    so pass one for a reproducible order). Bad input fails here, before the first batch.
    """
    X, y = _paired(X, y)
    batch_size = positive_integer(batch_size, "batch_size")
    order = np.random.default_rng(rng).permutation(len(X)) if shuffle else np.arange(len(X))

    def batches():
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            yield X[index], y[index]

    return batches()
