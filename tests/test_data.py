"""Loaders (helpers.data.loaders) on the real offline data, and their failure modes."""

import dataclasses
import gzip
import hashlib
import io
import shutil

import numpy as np
import pytest

from helpers.data import loaders as data
from helpers.data import registry
from helpers.errors import ChecksumError, CorruptDataError, UnknownDatasetError
from test_download import snapshot

COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def offline_data(env, shared_data):
    env.setenv("WORKSHOP_DATA_DIR", str(shared_data))
    env.setenv("WORKSHOP_OFFLINE", "1")
    return shared_data


def test_official_test_split_reads_as_published(offline_data):
    labels = data.read_idx(offline_data / "t10k-labels-idx1-ubyte.gz")
    images = data.read_idx(offline_data / "t10k-images-idx3-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == COUNTS


def test_quick_mnist_is_a_deterministic_stratified_split(offline_data):
    (x_train, y_train), (x_test, y_test) = data.load_mnist(quick=True)
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert 0 <= x_train.min() and x_train.max() == 255
    for y, share in ((y_test, 0.2), (y_train, 0.8)):
        assert sorted(set(y.tolist())) == list(range(10))
        assert np.all(np.abs(np.bincount(y) - np.array(COUNTS) * share) <= 1)
    (x2, y2), (x3, y3) = data.load_mnist(quick=True)
    assert np.array_equal(x_train, x2) and np.array_equal(y_test, y3)
    labels = data.read_idx(offline_data / "t10k-labels-idx1-ubyte.gz")
    a, b = data.quick_split(labels), data.quick_split(labels)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not set(a[0]) & set(a[1])


def test_quick_mode_follows_the_environment(offline_data, env):
    env.setenv("WORKSHOP_QUICK", "1")
    assert data.load_mnist()[0][0].shape[0] == 8000


def _npz_dataset(env, tmp_path, arrays, **savez):
    folder = tmp_path / "npz"
    folder.mkdir()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    (folder / "mnist.npz").write_bytes(buf.getvalue())
    import hashlib

    entry = registry.DATASETS["mnist"]
    fake = dataclasses.replace(entry, files=(registry.RemoteFile("mnist.npz", hashlib.sha256(buf.getvalue()).hexdigest(), ()),))
    env.setitem(registry.DATASETS, "mnist", fake)
    env.setenv("WORKSHOP_OFFLINE", "1")
    return folder


def test_full_mnist_reads_the_npz(env, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), "y_train": np.arange(6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.arange(2, dtype=np.uint8)}
    folder = _npz_dataset(env, tmp_path, arrays)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(quick=False, data_dir=folder)
    assert np.array_equal(x_train, arrays["x_train"]) and np.array_equal(y_test, arrays["y_test"])


def test_full_mnist_never_unpickles(env, tmp_path):
    arrays = {"x_train": np.array([{"evil": 1}], dtype=object), "y_train": np.zeros(1), "x_test": np.zeros(1),
              "y_test": np.zeros(1)}
    folder = _npz_dataset(env, tmp_path, arrays)
    with pytest.raises(ValueError, match="(?i)pickle"):
        data.load_mnist(quick=False, data_dir=folder)


def test_truncated_gzip_bad_magic_and_short_payload_are_corrupt(tmp_path, offline_data):
    good = (offline_data / "t10k-labels-idx1-ubyte.gz").read_bytes()
    cases = {
        "truncated.gz": good[: len(good) // 2],
        "magic.gz": gzip.compress(b"\x01\x02\x03\x04" + bytes(10)),
        "short.gz": gzip.compress(b"\x00\x00\x08\x01" + (100).to_bytes(4, "big") + bytes(50)),
    }
    for name, blob in cases.items():
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(CorruptDataError) as info:
            data.read_idx(tmp_path / name)
        assert isinstance(info.value, ValueError) and "prefetch" in str(info.value)


def test_abalone_dataframe(offline_data):
    df = data.load_abalone()
    assert df.shape == (4177, 9) and list(df.columns) == data.ABALONE_COLUMNS
    assert set(df["sex"]) == {"M", "F", "I"}
    assert round(df["rings"].mean(), 3) == 9.934 and df["rings"].min() == 1 and df["rings"].max() == 29


def test_abalone_with_wrong_columns_is_corrupt(env, tmp_path):
    import hashlib

    blob = b"M,0.1,0.2\nF,0.3,0.4\n"
    entry = registry.DATASETS["abalone"]
    env.setitem(registry.DATASETS, "abalone", dataclasses.replace(
        entry, files=(registry.RemoteFile("abalone.data", hashlib.sha256(blob).hexdigest(), ()),)))
    (tmp_path / "abalone.data").write_bytes(blob)
    with pytest.raises(CorruptDataError, match="3 columns"):
        data.load_abalone(data_dir=tmp_path)


# ---- Fashion-MNIST (issue 14) and the full-mode MNIST path ----

FASHION = "fashion-mnist"
T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
TRAIN = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


def test_fashion_mnist_full_reads_as_published(offline_data):
    before = snapshot(offline_data)
    (x_train, y_train), (x_test, y_test) = data.load_images("fashion", quick=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert y_test[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert round(float(x_train.mean()), 2) == 72.94 and round(float(x_test.mean()), 2) == 73.15
    assert data.CLASS_NAMES["fashion"][y_train[0]] == "Ankle boot" and len(data.CLASS_NAMES["fashion"]) == 10
    assert snapshot(offline_data) == before  # the read-only folder, subfolders included, is untouched


def test_fashion_mnist_quick_is_a_stratified_seeded_sample_of_the_test_split(offline_data):
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(quick=True)
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28) and y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [800] * 10 and np.bincount(y_test).tolist() == [200] * 10
    full_test = data.read_idx(offline_data / FASHION / "t10k-images-idx3-ubyte.gz")
    train_idx, test_idx = data.quick_split(data.read_idx(offline_data / FASHION / "t10k-labels-idx1-ubyte.gz"))
    assert np.array_equal(x_train, full_test[train_idx]) and np.array_equal(x_test, full_test[test_idx])
    again = data.load_images("fashion", quick=True)
    assert np.array_equal(again[0][1], y_train) and np.array_equal(again[1][0], x_test)


def test_load_images_names_and_the_mnist_alias(offline_data):
    a, b = data.load_images("mnist", quick=True), data.load_mnist(quick=True)
    assert np.array_equal(a[0][0], b[0][0]) and np.array_equal(a[1][1], b[1][1])
    assert data.CLASS_NAMES["mnist"] == [str(d) for d in range(10)]
    with pytest.raises(UnknownDatasetError, match="'cifar'.*mnist, fashion"):
        data.load_images("cifar")


def test_a_quick_run_downloads_only_the_small_t10k_files_into_the_subfolder(mirror, shared_data, tmp_path):
    for name in T10K + TRAIN:
        mirror.add(f"{FASHION}/{name}", (shared_data / FASHION / name).read_bytes())
    (x_train, _), (x_test, _) = data.load_fashion_mnist(quick=True)
    assert x_train.shape[0] == 8000 and x_test.shape[0] == 2000
    assert sorted(mirror.hits) == sorted(f"{FASHION}/{n}" for n in T10K)
    assert sorted(p.name for p in (tmp_path / "cache" / FASHION).iterdir()) == sorted(T10K)


def _gzip(raw, mtime, filename=None):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=filename or "", mode="wb", fileobj=buf, mtime=mtime) as fh:
        fh.write(raw)
    return buf.getvalue()


@pytest.fixture
def fashion_copy(env, shared_data, tmp_path):
    """A writable data folder holding Fashion-MNIST's test split, and the decompressed bytes of its labels."""
    folder = tmp_path / "site-data"
    (folder / FASHION).mkdir(parents=True)
    for name in T10K:
        (folder / FASHION / name).write_bytes((shared_data / FASHION / name).read_bytes())
    env.setenv("WORKSHOP_DATA_DIR", str(folder))
    env.setenv("WORKSHOP_OFFLINE", "1")
    raw = gzip.decompress((shared_data / FASHION / "t10k-labels-idx1-ubyte.gz").read_bytes())
    return folder, raw


@pytest.mark.parametrize("form", ["official-style", "recompressed"])
def test_fashion_files_are_checked_by_content_so_other_gzip_copies_are_accepted(fashion_copy, shared_data, form):
    folder, raw = fashion_copy
    labels = folder / FASHION / "t10k-labels-idx1-ubyte.gz"
    # the official file carries its name in the gzip header; a recompressed copy another time stamp
    blob = _gzip(raw, 1504000000, "t10k-labels-idx1-ubyte") if form == "official-style" else _gzip(raw, 1234567)
    labels.write_bytes(blob)
    assert blob != (shared_data / FASHION / labels.name).read_bytes()  # other bytes, same content
    (_, y_train), (_, y_test) = data.load_fashion_mnist(quick=True)
    assert len(y_train) == 8000 and np.bincount(y_test).tolist() == [200] * 10


@pytest.mark.parametrize("damage", ["one label changed", "foreign file", "truncated", "bigger than the real file"])
def test_corrupt_or_foreign_fashion_file_is_a_checksum_error_naming_file_and_fix(fashion_copy, shared_data, damage):
    folder, raw = fashion_copy
    labels = folder / FASHION / "t10k-labels-idx1-ubyte.gz"
    if damage == "one label changed":
        changed = bytearray(raw)
        changed[8] = (changed[8] + 1) % 10
        labels.write_bytes(_gzip(bytes(changed), 0))
    elif damage == "foreign file":  # MNIST's labels under Fashion-MNIST's name
        labels.write_bytes((shared_data / "t10k-labels-idx1-ubyte.gz").read_bytes())
    elif damage == "truncated":
        labels.write_bytes(labels.read_bytes()[:2000])
    else:  # a "gzip bomb" is cut off after the registered size, never unpacked whole
        labels.write_bytes(_gzip(raw + bytes(10_000_000), 0))
    before = snapshot(folder)
    with pytest.raises(ChecksumError) as info:
        data.load_fashion_mnist(quick=True)
    msg = str(info.value)
    assert str(labels) in msg and "left untouched" in msg and f"python -m helpers prefetch --dest {folder}" in msg
    said = {"truncated": "not a complete gzip file", "bigger than the real file": "decompresses to more than the 10,008"}
    assert said.get(damage, "its decompressed content has SHA-256") in msg
    assert snapshot(folder) == before


def test_full_mode_mnist_is_downloaded_verified_and_loaded_through_the_same_code(env, mirror, tmp_path):
    """mnist.npz is not on these machines: a small file of the same structure, with a test-only registry entry."""
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (60, 28, 28), dtype=np.uint8), "y_train": np.arange(60, dtype=np.uint8) % 10,
              "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), "y_test": np.arange(10, dtype=np.uint8)}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    blob = buf.getvalue()
    real = registry.DATASETS["mnist"].files[0]
    test_only = dataclasses.replace(real, sha256=hashlib.sha256(blob).hexdigest(), size=len(blob), urls=())
    env.setitem(registry.DATASETS, "mnist", dataclasses.replace(registry.DATASETS["mnist"], files=(test_only,)))
    mirror.add("mnist.npz", blob)
    (x_train, y_train), (x_test, y_test) = data.load_images("mnist", quick=False)
    assert np.array_equal(x_train, arrays["x_train"]) and np.array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == y_train.dtype == np.uint8 and x_test.shape == (10, 28, 28)
    assert (tmp_path / "cache" / "mnist.npz").read_bytes() == blob and mirror.hits["mnist.npz"] == 1
    env.setenv("WORKSHOP_OFFLINE", "1")  # second run: from the cache, verified, no request
    assert np.array_equal(data.load_mnist(quick=False)[0][0], arrays["x_train"]) and mirror.hits["mnist.npz"] == 1


def test_full_mode_mnist_with_the_wrong_structure_is_corrupt(env, tmp_path):
    folder = _npz_dataset(env, tmp_path, {"x_train": np.zeros((2, 28, 28), np.uint8), "y_train": np.zeros(2, np.uint8)})
    with pytest.raises(CorruptDataError, match=r"not \['x_train', 'y_train', 'x_test', 'y_test'\]"):
        data.load_mnist(quick=False, data_dir=folder)
    arrays = {k: np.zeros((2, 28, 28), np.float32) if k.startswith("x") else np.zeros(2, np.uint8)
              for k in ("x_train", "y_train", "x_test", "y_test")}
    shutil.rmtree(folder)  # _npz_dataset writes into tmp_path / "npz" again
    folder = _npz_dataset(env, tmp_path, arrays)
    with pytest.raises(CorruptDataError, match="are not n 28x28 uint8 images"):
        data.load_mnist(quick=False, data_dir=folder)
