"""Data loaders: MNIST (full or quick sample) and UCI Abalone.

Loaders find files through :mod:`helpers.download` (offline first) and return
plain NumPy arrays / a pandas DataFrame, the same shapes and dtypes in quick
and full mode, so notebooks run one code path.
"""

import gzip
import zlib

import numpy as np

from . import context
from .download import fetch
from .errors import CorruptDataError

__all__ = ["load_mnist", "load_abalone", "read_idx", "quick_split", "ABALONE_COLUMNS",
           "QUICK_TRAIN", "QUICK_TEST", "QUICK_SEED"]

QUICK_TRAIN = 8000
QUICK_TEST = 2000
QUICK_SEED = 2024

ABALONE_COLUMNS = [
    "sex", "length", "diameter", "height",
    "whole_weight", "shucked_weight", "viscera_weight", "shell_weight", "rings",
]

_IDX_DTYPES = {0x08: np.uint8}


def read_idx(path):
    """Read a gzipped IDX file (the original MNIST format) into a NumPy array.

    Raises:
        CorruptDataError: truncated or damaged gzip, bad magic number, or a
            payload that does not match the header's dimensions.
    """
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (EOFError, OSError, zlib.error) as exc:
        raise CorruptDataError(
            f"{path} is not a complete gzip file ({type(exc).__name__}: {exc}). Fix: delete it and run "
            f"`python -m helpers prefetch mnist-quick` to fetch a verified copy."
        ) from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise CorruptDataError(f"{path} does not start with an IDX header. Fix: `python -m helpers prefetch mnist-quick`.")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise CorruptDataError(
            f"{path}: header says shape {shape} ({expected} bytes) but the file holds {len(raw)} bytes. "
            f"Fix: `python -m helpers prefetch mnist-quick`."
        )
    return np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=header).reshape(shape).copy()


def quick_split(labels, n_train=QUICK_TRAIN, n_test=QUICK_TEST, seed=QUICK_SEED):
    """Seeded, stratified train/test indices (the quick-mode MNIST split).

    Each digit keeps its share of the test set (largest-remainder rounding),
    and indices are drawn with ``numpy.random.RandomState(seed)``, whose stream
    NumPy keeps stable across versions, so the split is identical everywhere.

    Returns:
        tuple[np.ndarray, np.ndarray]: sorted train indices, sorted test indices.
    """
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    if n_train + n_test > len(labels):
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the {len(labels)} samples available")
    share = counts * n_test / len(labels)
    n_test_per = np.floor(share).astype(int)
    for i in np.argsort(-(share - n_test_per), kind="stable")[: n_test - n_test_per.sum()]:
        n_test_per[i] += 1
    n_train_per = np.floor(counts * n_train / len(labels)).astype(int)
    spare = n_train - n_train_per.sum()
    room = counts - n_test_per - n_train_per
    for i in np.argsort(-room, kind="stable")[:spare]:
        n_train_per[i] += 1
    rng = np.random.RandomState(seed)
    train, test = [], []
    for cls, k_test, k_train in zip(classes, n_test_per, n_train_per):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        test.append(idx[:k_test])
        train.append(idx[k_test:k_test + k_train])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_mnist(quick=None, data_dir=None):
    """Load MNIST as ``(x_train, y_train), (x_test, y_test)``.

    Full mode reads keras's ``mnist.npz`` (60,000 + 10,000 digits).  Quick mode
    reads the official 10,000-digit test split and splits it, stratified and
    seeded, into 8,000 training and 2,000 test digits.

    Args:
        quick: True/False to choose the mode; None = the mode of the run (:func:`helpers.is_quick`).
        data_dir: Optional read-only directory searched first.

    Returns:
        Images as uint8 arrays of shape (n, 28, 28) with values 0–255, labels
        as uint8 arrays of shape (n,) with values 0–9.
    """
    if context.is_quick() if quick is None else quick:
        images_path, labels_path = fetch("mnist-quick", data_dir)
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.shape[0] != labels.shape[0]:
            raise CorruptDataError(f"{images_path} and {labels_path} hold different numbers of digits.")
        train, test = quick_split(labels)
        return (images[train], labels[train]), (images[test], labels[test])
    (path,) = fetch("mnist", data_dir)
    with np.load(path, allow_pickle=False) as npz:
        return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])


def load_abalone(data_dir=None):
    """Load UCI Abalone as a DataFrame with columns :data:`ABALONE_COLUMNS`.

    ``sex`` is M, F or I (infant); ``rings`` + 1.5 gives the age in years.

    Raises:
        CorruptDataError: the file does not have 9 columns.
    """
    import pandas as pd

    (path,) = fetch("abalone", data_dir)
    df = pd.read_csv(path, header=None)
    if df.shape[1] != len(ABALONE_COLUMNS):
        raise CorruptDataError(f"{path} has {df.shape[1]} columns, expected {len(ABALONE_COLUMNS)}. "
                               f"Fix: `python -m helpers prefetch abalone`.")
    df.columns = ABALONE_COLUMNS
    return df
