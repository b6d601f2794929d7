"""Tests of dlcore.data: the CSV data sets, the MNIST loader and the preprocessing helpers.

No test touches the network or the real ~/.keras: KERAS_HOME points into tmp_path and
urllib.request.urlopen is replaced by fakes.
"""
import gzip
import hashlib
import io
import subprocess
import sys
import urllib.error
import urllib.request
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from dlcore import data
from dlcore.data import (ChecksumError, list_datasets, load_dataset, load_frame, load_mnist,
                         min_max_scale, minibatches, one_hot, read_idx, standardize,
                         train_val_split)

REPO = Path(__file__).parents[1]
DATA_DIR = REPO / "data"
SHARED_MNIST = Path(__file__).parents[1].parent / "shared/data/mnist"
# Class counts of the MNIST test and training sets, from ../shared/data/mnist/README.md.
MNIST_TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

# The shapes and headers documented in data/README.md.
DOCUMENTED = {
    "pass_fail": (5, ["x1", "x2", "passed"]),
    "productivity": (4, ["sleep_hours", "coffee_cups", "travel_time", "productivity"]),
    "salary": (4, ["cgpa", "profile_score", "salary"]),
    "placement": (4, ["cgpa", "profile_score", "placed"]),
    "iq_gpa_salary": (3, ["iq", "gpa", "salary"]),
    "ewma_temperature": (5, ["day", "temperature"]),
    "perceptron_2d": (40, ["x1", "x2", "y"]),
    "xor": (4, ["x1", "x2", "y"]),
    "xor_noisy": (200, ["x1", "x2", "y"]),
    "sine_train": (30, ["x", "y"]),
    "sine_val": (60, ["x", "y"]),
    "moons": (200, ["x1", "x2", "y"]),
}


# --------------------------------------------------------------------------------------
# CSV data sets
# --------------------------------------------------------------------------------------

def test_list_datasets_is_every_committed_csv_and_the_readme_table():
    assert list_datasets() == sorted(p.stem for p in DATA_DIR.glob("*.csv"))
    assert list_datasets() == sorted(DOCUMENTED)
    readme = (DATA_DIR / "README.md").read_text()
    for name in DOCUMENTED:
        assert f"`{name}.csv`" in readme, f"{name}.csv is not documented in data/README.md"


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_dataset_loads_with_documented_shape(name):
    rows, header = DOCUMENTED[name]
    columns, table = load_frame(name)
    X, y = load_dataset(name)
    assert columns == header
    assert table.shape == (rows, len(header)) and table.dtype == np.float64
    assert X.shape == (rows, len(header) - 1) and y.shape == (rows,)
    np.testing.assert_array_equal(np.column_stack([X, y]), table)


def test_make_datasets_reproduces_the_committed_csvs_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(DATA_DIR / "make_datasets.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    written = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert written == sorted(p.name for p in DATA_DIR.glob("*.csv"))
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_format_number_rounds_to_six_decimals_and_drops_zeros():
    from dlcore.datasets.make_datasets import format_number
    assert [format_number(v) for v in (2.0, 0.5, 1 / 3, -1e-9, -2.25, 1e-6)] == \
        ["2", "0.5", "0.333333", "0", "-2.25", "0.000001"]


def test_worked_example_values_from_the_notes():
    X, y = load_dataset("salary")
    np.testing.assert_array_equal(np.column_stack([X, y]), [[8, 8, 4], [7, 9, 5], [6, 10, 6], [5, 12, 7]])
    X, y = load_dataset("placement")
    np.testing.assert_array_equal(np.column_stack([X, y]), [[8, 8, 1], [7, 9, 1], [6, 10, 0], [5, 5, 0]])
    _, table = load_frame("iq_gpa_salary")
    np.testing.assert_array_equal(table, [[80, 3.5, 1.8], [60, 4, 2.5], [70, 3.2, 2]])
    _, table = load_frame("ewma_temperature")
    np.testing.assert_array_equal(table[:, 1], [28, 13, 17, 31, 43])
    _, table = load_frame("pass_fail")
    np.testing.assert_array_equal(table[:, 2], [1, 0, 1, 1, 1])


def test_productivity_keeps_travel_time_25_of_the_worked_example():
    X, y = load_dataset("productivity")
    np.testing.assert_array_equal(X[0], [7, 2, 25])
    z2 = 0.16 * X[0, 0] + 0.5 * X[0, 1] + 0.6 * X[0, 2] - 4  # notes 003: z2 = 13.12
    assert z2 == pytest.approx(13.12)
    np.testing.assert_array_equal(y, [85, 65, 92, 95])


def test_xor_is_the_truth_table():
    X, y = load_dataset("xor")
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]))


def test_perceptron_2d_is_separable_with_the_documented_margin():
    X, y = load_dataset("perceptron_2d")
    score = X[:, 0] + 2 * X[:, 1] - 1
    np.testing.assert_array_equal(y, score > 0)
    assert np.abs(score).min() / np.sqrt(5) >= 0.25 - 1e-6  # 1e-6: the CSV rounds to 6 decimals
    assert y.sum() == 20


@pytest.mark.parametrize("name", ["xor_noisy", "moons"])
def test_two_class_clouds_are_balanced(name):
    _, y = load_dataset(name)
    assert set(np.unique(y)) == {0.0, 1.0} and y.sum() == len(y) / 2


def test_sine_sets_follow_the_curve_with_noise_of_std_about_025():
    # Weak check: sample std of the residuals, 90 points, so only a loose band.
    for name in ("sine_train", "sine_val"):
        X, y = load_dataset(name)
        assert np.all(np.diff(X[:, 0]) >= 0) and 0 <= X.min() and X.max() <= 1
        assert 0.15 < np.std(y - np.sin(2 * np.pi * X[:, 0])) < 0.35


def test_load_frame_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown data set 'salaries'.*salary"):
        load_frame("salaries")


# --------------------------------------------------------------------------------------
# MNIST: IDX files
# --------------------------------------------------------------------------------------

def idx_bytes(array):
    """The IDX encoding of a uint8 array with 1 or 3 dimensions."""
    magic = 2048 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fake_split(folder, prefix, n, seed=0):
    """Write gzipped synthetic <prefix>-images/labels files; return the arrays and file hashes."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    hashes = {}
    for stem, array in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        path = folder / f"{stem}.gz"
        path.write_bytes(gzip.compress(idx_bytes(array), mtime=0))
        hashes[path.name] = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return images, labels, hashes


def test_read_idx_reads_raw_and_gzipped_files(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint64).reshape(2, 28, 28) % 256
    (tmp_path / "a").write_bytes(idx_bytes(images))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(images)))
    for name in ("a", "a.gz"):
        out = read_idx(tmp_path / name)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, images)


def test_read_idx_names_the_file_and_both_sizes_when_truncated(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.arange(10, dtype=np.uint8))[:-3])
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte.*18 bytes.*15 bytes \(truncated\)"):
        read_idx(path)


def test_read_idx_rejects_a_wrong_magic_number(tmp_path):
    path = tmp_path / "x"
    path.write_bytes((1234).to_bytes(4, "big") + bytes(10))
    with pytest.raises(ValueError, match="magic number 1234, expected 2049"):
        read_idx(path)


@pytest.fixture
def no_network(monkeypatch):
    """Fail any download attempt loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("the test tried to use the network")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    """An empty Keras home in tmp_path, and no $DLCORE_MNIST_DIR."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("DLCORE_MNIST_DIR", raising=False)
    return tmp_path / "keras"


@pytest.fixture
def shared_mnist():
    """The folder of the four canonical MNIST files next to the repository (see README)."""
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    missing = [name for name in names if not (SHARED_MNIST / name).exists()]
    if missing:
        pytest.skip(f"the shared MNIST files {missing} are not in {SHARED_MNIST}")
    return SHARED_MNIST


def test_the_shared_files_give_the_standard_mnist_split(shared_mnist, monkeypatch, recwarn, no_network):
    """What keras.datasets.mnist.load_data() returns: 60,000 / 10,000 uint8 images, in order."""
    monkeypatch.setenv("DLCORE_MNIST_DIR", str(shared_mnist))
    ((x_train, y_train), (x_test, y_test)), info = load_mnist(verbose=False, return_info=True)
    assert info.source == "idx-full" and (info.n_train, info.n_test) == (60_000, 10_000)
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert y_train.shape == (60_000,) and y_test.shape == (10_000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_CLASS_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_CLASS_COUNTS
    # the published mean and standard deviation of the training pixels: 0.1307 and 0.3081 of 255
    np.testing.assert_allclose([x_train.mean() / 255, x_train.std() / 255], [0.1307, 0.3081], atol=5e-5)
    assert not recwarn.list


def test_offline_mnist_from_the_test_files_alone_says_so_loudly(shared_mnist, tmp_path, monkeypatch,
                                                                capsys, no_network):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).symlink_to(shared_mnist / name)
    monkeypatch.setenv("DLCORE_MNIST_DIR", str(tmp_path))
    with pytest.warns(UserWarning, match="OFFLINE STAND-IN"):
        ((x_train, y_train), (x_test, y_test)), info = load_mnist(return_info=True)
    assert "OFFLINE STAND-IN" in capsys.readouterr().out
    assert info.source == "idx-test-split" and (info.n_train, info.n_test) == (8000, 2000)
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert y_train.shape == (8000,) and y_test.shape == (2000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    counts = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    assert counts.tolist() == MNIST_TEST_CLASS_COUNTS
    all_images = read_idx(shared_mnist / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(x_test, all_images[4::5])  # every 5th image is a test image


def test_a_wrong_hash_names_the_file_and_both_hashes(tmp_path, no_network):
    write_fake_split(tmp_path, "t10k", 5)
    actual = hashlib.sha256((tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes()).hexdigest()
    published = data._MNIST_IDX["t10k-images-idx3-ubyte.gz"][1]
    with pytest.raises(ChecksumError) as err:
        load_mnist(tmp_path, verbose=False)
    message = str(err.value)
    assert "t10k-images-idx3-ubyte.gz" in message and published in message and actual in message


def test_a_truncated_file_fails_its_hash_and_the_sizes_say_truncated(tmp_path, monkeypatch, no_network):
    _, _, hashes = write_fake_split(tmp_path, "t10k", 50)
    monkeypatch.setattr(data, "_MNIST_IDX", {**data._MNIST_IDX, **hashes})
    images = tmp_path / "t10k-images-idx3-ubyte.gz"
    complete = images.read_bytes()
    images.write_bytes(complete[:1000])
    with pytest.raises(ChecksumError, match=rf"1,000 bytes; the published file has {len(complete):,} bytes \(truncated\?\)"):
        load_mnist(tmp_path, verbose=False)


def test_four_idx_files_give_the_full_split_without_a_warning(tmp_path, monkeypatch, recwarn, no_network):
    x_tr, y_tr, h_tr = write_fake_split(tmp_path, "train", 12, seed=1)
    x_te, y_te, h_te = write_fake_split(tmp_path, "t10k", 5, seed=2)
    monkeypatch.setattr(data, "_MNIST_IDX", {**data._MNIST_IDX, **h_tr, **h_te})
    ((a, b), (c, d)), info = load_mnist(tmp_path, verbose=False, return_info=True)
    assert info.source == "idx-full" and (info.n_train, info.n_test) == (12, 5)
    for got, want in ((a, x_tr), (b, y_tr), (c, x_te), (d, y_te)):
        np.testing.assert_array_equal(got, want)
    assert not [w for w in recwarn if "OFFLINE" in str(w.message)]


def test_a_folder_without_the_test_files_is_an_error(tmp_path, no_network):
    write_fake_split(tmp_path, "train", 3)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path)


# --------------------------------------------------------------------------------------
# MNIST: Keras cache and download
# --------------------------------------------------------------------------------------

def fake_npz_bytes(n_train=6, n_test=3):
    rng = np.random.default_rng(7)
    buffer = io.BytesIO()
    np.savez(buffer,
             x_train=rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
             x_test=rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, n_test, dtype=np.uint8))
    return buffer.getvalue()


def test_our_npz_hash_is_the_one_keras_checks():
    spec = find_spec("keras")
    if spec is None:
        pytest.skip("keras is not installed")
    source = Path(spec.origin).parent / "src" / "datasets" / "mnist.py"
    text = source.read_text()
    assert data.MNIST_NPZ_SHA256 in text and data.MNIST_NPZ_URL.rsplit("/", 1)[0] in text


def test_keras_cache_path_honours_keras_home(keras_home):
    assert data.keras_cache_path() == keras_home / "datasets" / "mnist.npz"


def test_a_cached_npz_with_the_wrong_hash_raises_and_is_not_overwritten(keras_home, no_network):
    cache = keras_home / "datasets" / "mnist.npz"
    cache.parent.mkdir(parents=True)
    content = fake_npz_bytes()
    cache.write_bytes(content)
    with pytest.raises(ChecksumError) as err:
        load_mnist()
    message = str(err.value)
    assert str(cache) in message and data.MNIST_NPZ_SHA256 in message
    assert hashlib.sha256(content).hexdigest() in message
    assert cache.read_bytes() == content


def test_a_cached_npz_with_the_right_hash_is_read_without_downloading(keras_home, monkeypatch, no_network):
    content = fake_npz_bytes()
    cache = keras_home / "datasets" / "mnist.npz"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(content)
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", hashlib.sha256(content).hexdigest())
    ((x_train, y_train), (x_test, _)), info = load_mnist(verbose=False, return_info=True)
    assert info.source == "keras-cache" and x_train.shape == (6, 28, 28) and x_test.dtype == np.uint8


class FakeResponse(io.BytesIO):
    """What urlopen returns; on every read it checks that the target file is not there yet."""

    def __init__(self, content, target):
        super().__init__(content)
        self.target = target

    def read(self, *args):
        assert not self.target.exists(), "the download wrote into the cache file before its hash was checked"
        return super().read(*args)


def fake_urlopen(content, target, calls):
    def urlopen(url, timeout=None):
        calls.append(url)
        return FakeResponse(content, target)
    return urlopen


def test_download_writes_atomically_after_checking_the_hash(keras_home, monkeypatch):
    content, calls = fake_npz_bytes(), []
    cache = keras_home / "datasets" / "mnist.npz"
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(content, cache, calls))
    monkeypatch.setattr(data, "MNIST_NPZ_SHA256", hashlib.sha256(content).hexdigest())
    _, info = load_mnist(verbose=False, return_info=True)
    assert calls == [data.MNIST_NPZ_URL] and info.source == "download"
    assert cache.read_bytes() == content
    assert sorted(p.name for p in cache.parent.iterdir()) == ["mnist.npz"]  # no temp file left
    _, info = load_mnist(verbose=False, return_info=True)  # second call: the cache, no download
    assert calls == [data.MNIST_NPZ_URL] and info.source == "keras-cache"


def test_a_download_with_the_wrong_hash_leaves_nothing_behind(keras_home, monkeypatch):
    content, calls = b"<html>not mnist</html>", []
    cache = keras_home / "datasets" / "mnist.npz"
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen(content, cache, calls))
    with pytest.raises(ChecksumError) as err:
        load_mnist(verbose=False)
    assert data.MNIST_NPZ_URL in str(err.value) and hashlib.sha256(content).hexdigest() in str(err.value)
    assert list(cache.parent.iterdir()) == []


def test_offline_without_a_folder_says_how_to_name_one(keras_home, monkeypatch):
    def unreachable(url, timeout=None):
        raise urllib.error.URLError("no network")
    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    with pytest.raises(OSError, match="DLCORE_MNIST_DIR"):
        load_mnist(verbose=False)
    assert list((keras_home / "datasets").iterdir()) == []


# --------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------

def test_standardize_by_hand():
    Z, mean, std = standardize([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_array_equal(mean, [2, 4])
    np.testing.assert_array_equal(std, [1, 2])
    np.testing.assert_array_equal(Z, [[-1, -1], [1, 1]])


def test_standardize_gives_mean_0_std_1_and_inverts():
    X = np.random.default_rng(0).normal(5.0, 3.0, (50, 3))
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(Z * std + mean, X, rtol=1e-12)
    Z_val, _, _ = standardize(X[:5] + 1.0, mean, std)  # validation data with the training stats
    np.testing.assert_allclose(Z_val, Z[:5] + 1.0 / std, rtol=1e-12)


def test_standardize_only_centres_a_constant_column():
    Z, _, std = standardize([[1.0, 7.0], [3.0, 7.0]])
    assert std[1] == 0
    np.testing.assert_array_equal(Z[:, 1], [0, 0])


@pytest.mark.parametrize("kwargs, match", [
    ({"X": [1.0, 2.0]}, "ndim"),
    ({"X": [[1.0, np.nan]]}, "NaN"),
    ({"X": [[1.0, np.inf]]}, "NaN or inf"),
    ({"X": np.zeros((0, 2))}, "no rows"),
    ({"X": [[1.0, 2.0]], "mean": [0.0, 0.0, 0.0]}, r"mean must have shape \(2,\)"),
    ({"X": [[1.0, 2.0]], "std": [1.0, -1.0]}, "std must be >= 0"),
])
def test_standardize_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        standardize(**kwargs)


def test_min_max_scale_by_hand_and_inverse():
    X = np.array([[0.0, 10.0], [5.0, 20.0], [10.0, 30.0]])
    S, lo, hi = min_max_scale(X)
    np.testing.assert_array_equal(S, [[0, 0], [0.5, 0.5], [1, 1]])
    S, lo, hi = min_max_scale(X, feature_range=(-1, 1))
    np.testing.assert_array_equal(S, [[-1, -1], [0, 0], [1, 1]])
    np.testing.assert_allclose((S + 1) / 2 * (hi - lo) + lo, X)


def test_min_max_scale_with_0_and_255_is_dividing_pixels_by_255():
    pixels = np.random.default_rng(1).integers(0, 256, (4, 784)).astype(np.uint8)
    S, _, _ = min_max_scale(pixels, 0, 255)
    np.testing.assert_allclose(S, pixels / 255.0, rtol=1e-15)


def test_min_max_scale_maps_a_constant_column_to_lo():
    S, _, _ = min_max_scale([[3.0, 1.0], [3.0, 2.0]], feature_range=(-1, 1))
    np.testing.assert_array_equal(S[:, 0], [-1, -1])


@pytest.mark.parametrize("kwargs, match", [
    ({"X": [[1.0], [2.0]], "feature_range": (1, 0)}, "lo < hi"),
    ({"X": [[1.0], [2.0]], "data_min": 3.0, "data_max": 2.0}, "data_max must be >= data_min"),
    ({"X": [[np.nan], [2.0]]}, "NaN"),
    ({"X": np.ones((2, 2, 2))}, "ndim"),
])
def test_min_max_scale_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        min_max_scale(**kwargs)


def test_one_hot_matches_rows_of_the_identity():
    y = np.array([2, 0, 1, 2])
    np.testing.assert_array_equal(one_hot(y), np.eye(3)[y])
    np.testing.assert_array_equal(one_hot(y, num_classes=5), np.eye(5)[y])
    np.testing.assert_array_equal(one_hot(y.astype(float).reshape(-1, 1)), np.eye(3)[y])
    assert one_hot(y).dtype == np.float64


@pytest.mark.parametrize("y, num_classes, match", [
    ([0, 0.5], None, "non-integers"),
    ([0, -1], None, "negative"),
    ([0, 3], 3, "only 3 classes"),
    ([0, 1], 0, "num_classes must be a positive integer"),
    ([0, 1], 2.0, "num_classes must be a positive integer"),
    ([[0, 1], [1, 0]], None, r"shape \(N,\) or \(N, 1\)"),
    ([], None, "non-empty"),
    ([0, np.nan], None, "non-integers"),
])
def test_one_hot_rejects_bad_labels(y, num_classes, match):
    with pytest.raises(ValueError, match=match):
        one_hot(y, num_classes)


def test_train_val_split_takes_the_last_fraction_like_keras():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    (X_tr, y_tr), (X_val, y_val) = train_val_split(X, y, 0.2)
    np.testing.assert_array_equal(y_tr, np.arange(8))
    np.testing.assert_array_equal(y_val, [8, 9])
    np.testing.assert_array_equal(X_val, X[8:])
    (_, y_tr), _ = train_val_split(np.zeros((7, 1)), np.arange(7), 0.3)
    assert len(y_tr) == 4  # floor(7 * 0.7) = floor(4.9) = 4, as in Keras


def test_train_val_split_shuffled_is_a_seeded_permutation():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    (X_tr, y_tr), (X_val, y_val) = train_val_split(X, y, 0.3, shuffle=True, rng=3)
    assert sorted(np.concatenate([y_tr, y_val])) == list(range(10))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)  # rows stay paired
    (_, again), _ = train_val_split(X, y, 0.3, shuffle=True, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(y_tr, again)


@pytest.mark.parametrize("X, y, split, match", [
    (np.zeros((4, 1)), np.zeros(4), 0.0, r"in \(0, 1\)"),
    (np.zeros((4, 1)), np.zeros(4), 1.0, r"in \(0, 1\)"),
    (np.zeros((4, 1)), np.zeros(3), 0.5, "4 samples but y has 3"),
    (np.zeros((1, 1)), np.zeros(1), 0.5, "empty part"),
])
def test_train_val_split_rejects_bad_input(X, y, split, match):
    with pytest.raises(ValueError, match=match):
        train_val_split(X, y, split)


def test_minibatches_in_order_with_a_smaller_last_batch():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(minibatches(X, y, batch_size=4, shuffle=False))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in batches]), y)


def test_minibatches_shuffled_cover_each_sample_once_and_keep_pairs():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    first = list(minibatches(X, y, batch_size=3, rng=5))
    ys = np.concatenate([yb for _, yb in first])
    assert sorted(ys) == list(range(10)) and not np.array_equal(ys, y)
    for xb, yb in first:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)
    again = np.concatenate([yb for _, yb in minibatches(X, y, batch_size=3, rng=5)])
    np.testing.assert_array_equal(ys, again)


@pytest.mark.parametrize("X, y, batch_size, match", [
    (np.zeros((4, 1)), np.zeros(4), 0, "batch_size must be a positive integer"),
    (np.zeros((4, 1)), np.zeros(4), -2, "batch_size must be a positive integer"),
    (np.zeros((4, 1)), np.zeros(4), 2.5, "batch_size must be a positive integer"),
    (np.zeros((4, 1)), np.zeros(4), True, "batch_size must be a positive integer"),
    (np.zeros((4, 1)), np.zeros(3), 2, "4 samples but y has 3"),
    (np.full((4, 1), np.nan), np.zeros(4), 2, "NaN"),
    (np.float64(1.0), np.zeros(1), 2, "samples along axis 0"),
])
def test_minibatches_reject_bad_input_before_the_first_batch(X, y, batch_size, match):
    with pytest.raises(ValueError, match=match):
        minibatches(X, y, batch_size)  # no next(): the check happens at the call
