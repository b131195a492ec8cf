"""Data loaders: MNIST and Fashion-MNIST (full, or a quick sample), and UCI Abalone.

Loaders find files through :mod:`helpers.data.fetch` (offline first) and return plain NumPy arrays / a
pandas DataFrame, the same shapes and dtypes in quick and full mode, so notebooks run one code path::

    (x_train, y_train), (x_test, y_test) = helpers.load_images(dataset)   # "mnist" or "fashion"
    print(helpers.CLASS_NAMES[dataset][y_train[0]])

Quick mode, for both image sets, reads only the official 10,000-image test split (the small ``t10k``
files) and splits it, stratified and seeded, into 8,000 training and 2,000 test images.
"""

import gzip
import math
import zlib

import numpy as np

from ..run import state
from .fetch import fetch
from .images import IMAGE_SETS, image_set
from ..errors import CorruptDataError

__all__ = ["load_images", "load_mnist", "load_fashion_mnist", "load_abalone", "read_idx", "quick_split",
           "CLASS_NAMES", "ABALONE_COLUMNS", "QUICK_TRAIN", "QUICK_TEST", "QUICK_SEED"]

QUICK_TRAIN = 8000
QUICK_TEST = 2000
QUICK_SEED = 2024

#: Class names by image data set, indexed by label (from the one table, :data:`helpers.data.images.IMAGE_SETS`).
CLASS_NAMES = {name: list(row.class_names) for name, row in IMAGE_SETS.items()}

ABALONE_COLUMNS = [
    "sex", "length", "diameter", "height",
    "whole_weight", "shucked_weight", "viscera_weight", "shell_weight", "rings",
]

_IDX_DTYPES = {0x08: np.uint8}
_FASHION = "fashion-mnist/"


def read_idx(path, dataset="mnist-quick"):
    """Read a gzipped IDX file (the original MNIST format) into a NumPy array.

    Args:
        path: The ``.gz`` file.
        dataset: Registry name, for the fix in error messages.

    Raises:
        CorruptDataError: truncated or damaged gzip, bad magic number, or a
            payload that does not match the header's dimensions.
    """
    fix = f"Fix: delete it and run `python -m helpers prefetch {dataset}` to fetch a verified copy."
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (EOFError, OSError, zlib.error) as exc:
        raise CorruptDataError(f"{path} is not a complete gzip file ({type(exc).__name__}: {exc}). {fix}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES or len(raw) < 4 + 4 * raw[3]:
        raise CorruptDataError(f"{path} does not start with an IDX header. {fix}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape)  # Python integers: no overflow for absurd dimensions
    if len(raw) != expected:
        raise CorruptDataError(
            f"{path}: header says shape {shape} ({expected:,} bytes) but the file holds {len(raw):,} bytes. {fix}")
    return np.frombuffer(raw, dtype=_IDX_DTYPES[raw[2]], offset=header).reshape(shape).copy()


def quick_split(labels, n_train=QUICK_TRAIN, n_test=QUICK_TEST, seed=QUICK_SEED):
    """Seeded, stratified train/test indices (the quick-mode split of MNIST and Fashion-MNIST).

    Each class keeps its share of the test set (largest-remainder rounding),
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


def _idx_pair(dataset, images_path, labels_path):
    """Images (n, 28, 28) and labels (n,) from two IDX files that must agree."""
    images, labels = read_idx(images_path, dataset), read_idx(labels_path, dataset)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise CorruptDataError(f"{images_path} {images.shape} and {labels_path} {labels.shape} are not n 28x28 images "
                               f"with n labels. Fix: `python -m helpers prefetch {dataset}`.")
    return images, labels


def _quick(images, labels):
    train, test = quick_split(labels)
    return (images[train], labels[train]), (images[test], labels[test])


def _is_quick(quick):
    return state.is_quick() if quick is None else bool(quick)


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

    Raises:
        CorruptDataError: a file passed its checksum but does not hold what MNIST holds.
    """
    row = IMAGE_SETS["mnist"]
    if _is_quick(quick):
        return _quick(*_idx_pair(row.quick_source, *fetch(row.quick_source, data_dir)))
    (path,) = fetch(row.full_source, data_dir)
    keys = ("x_train", "y_train", "x_test", "y_test")
    with np.load(path, allow_pickle=False) as npz:
        if set(keys) - set(npz.files):
            raise CorruptDataError(f"{path} holds {sorted(npz.files)}, not {list(keys)}. "
                                   f"Fix: `python -m helpers prefetch mnist`.")
        x_train, y_train, x_test, y_test = (npz[k] for k in keys)
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != x.shape[:1]:
            raise CorruptDataError(f"{path}: arrays {x.dtype}{x.shape} / {y.shape} are not n 28x28 uint8 images "
                                   f"with n labels. Fix: `python -m helpers prefetch mnist`.")
    return (x_train, y_train.astype(np.uint8)), (x_test, y_test.astype(np.uint8))


def load_fashion_mnist(quick=None, data_dir=None):
    """Load Fashion-MNIST (Zalando, MIT licence) as ``(x_train, y_train), (x_test, y_test)``.

    Full mode: the official 60,000 training and 10,000 test images.  Quick mode: only the official test
    split is read (and downloaded), and split like MNIST's into 8,000 training and 2,000 test images.
    Files live in the ``fashion-mnist/`` subfolder of the data directory or cache, under MNIST's file names.
    Class names: :data:`CLASS_NAMES` ``["fashion"]``.

    Args:
        quick: True/False to choose the mode; None = the mode of the run (:func:`helpers.is_quick`).
        data_dir: Optional read-only directory searched first (holding a ``fashion-mnist/`` subfolder).

    Returns:
        Images as uint8 arrays of shape (n, 28, 28), labels as uint8 arrays of shape (n,) with values 0–9.
    """
    row = IMAGE_SETS["fashion"]
    test = fetch(row.quick_source, data_dir, files=[_FASHION + "t10k-images-idx3-ubyte.gz",
                                                    _FASHION + "t10k-labels-idx1-ubyte.gz"])
    if _is_quick(quick):
        return _quick(*_idx_pair(row.quick_source, *test))
    train = fetch(row.full_source, data_dir, files=[_FASHION + "train-images-idx3-ubyte.gz",
                                                    _FASHION + "train-labels-idx1-ubyte.gz"])
    return _idx_pair(row.full_source, *train), _idx_pair(row.full_source, *test)


def load_images(name, quick=None, data_dir=None):
    """Load an image data set by name, a row of :data:`helpers.data.images.IMAGE_SETS`: ``"mnist"`` or ``"fashion"``.

    Both give ``(x_train, y_train), (x_test, y_test)`` with uint8 images (n, 28, 28) and uint8 labels 0–9,
    the same in quick and full mode; ``CLASS_NAMES[name]`` names the labels.

    Raises:
        UnknownDatasetError: ``name`` is not one of them.
    """
    return globals()[image_set(name).loader](quick=quick, data_dir=data_dir)


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
