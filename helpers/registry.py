"""The one registry of data files: filename, mirror URLs and SHA-256.

``python -m helpers prefetch`` and every loader read from here; nothing else
in the kit names a URL or a checksum.
"""

from dataclasses import dataclass

from .errors import UnknownDatasetError

__all__ = ["RemoteFile", "Dataset", "DATASETS", "get_dataset", "needed_datasets"]


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file.

    Attributes:
        filename: Name on disk (in the data directory and the cache).
        sha256: Expected SHA-256, lowercase hex.
        urls: Public mirrors, tried in order after ``WORKSHOP_MIRROR``.
    """

    filename: str
    sha256: str
    urls: tuple


@dataclass(frozen=True)
class Dataset:
    """A named data set made of one or more files."""

    name: str
    title: str
    files: tuple
    modes: tuple  # which modes ("quick", "full") need it


_MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

DATASETS = {
    "mnist": Dataset(
        name="mnist",
        title="MNIST full (keras mnist.npz, 60,000 train + 10,000 test digits)",
        files=(
            RemoteFile(
                "mnist.npz",
                "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
                ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",),
            ),
        ),
        modes=("full",),
    ),
    "mnist-quick": Dataset(
        name="mnist-quick",
        title="MNIST quick sample (official 10,000-digit test split, IDX format)",
        files=(
            RemoteFile(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                tuple(m + "t10k-images-idx3-ubyte.gz" for m in _MNIST_MIRRORS),
            ),
            RemoteFile(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                tuple(m + "t10k-labels-idx1-ubyte.gz" for m in _MNIST_MIRRORS),
            ),
        ),
        modes=("quick",),
    ),
    "abalone": Dataset(
        name="abalone",
        title="UCI Abalone (4,177 rows: sex, seven measurements, rings)",
        files=(
            RemoteFile(
                "abalone.data",
                "de37cdcdcaaa50c309d514f248f7c2302a5f1f88c168905eba23fe2fbc78449f",
                ("https://archive.ics.uci.edu/ml/machine-learning-databases/abalone/abalone.data",),
            ),
        ),
        modes=("quick", "full"),
    ),
}


def get_dataset(name):
    """Look a data set up by name.

    Raises:
        UnknownDatasetError: ``name`` is not registered; the message lists the valid names.
    """
    try:
        return DATASETS[name]
    except KeyError:
        raise UnknownDatasetError(
            f"Unknown data set {name!r}. Valid names: {', '.join(DATASETS)}. "
            f"Fix: e.g. `python -m helpers prefetch {next(iter(DATASETS))}`."
        ) from None


def needed_datasets(quick):
    """Names of the data sets the notebooks need in quick (True) or full (False) mode."""
    mode = "quick" if quick else "full"
    return [d.name for d in DATASETS.values() if mode in d.modes]
