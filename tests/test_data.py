"""Loaders (helpers.data) on the real offline data, and their failure modes."""

import dataclasses
import gzip
import io

import numpy as np
import pytest

from helpers import data, registry
from helpers.errors import CorruptDataError

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
