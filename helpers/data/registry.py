"""The one registry of data files: name, mirrors, size, and the SHA-256 they must have.

``python -m helpers prefetch`` and every loader read from here; nothing else in the kit names a URL,
a size or a checksum.  The checksums themselves live in one text file beside this module,
``helpers/data/SHA256SUMS``, in the format of coreutils ``sha256sum`` (``<hex>  <path>``), with paths
relative to a data folder (``fashion-mnist/...`` lives in a subfolder).  It is the same format a site's
pre-fetched folder or ``../shared/data`` publishes, so the tests compare the two files line by line and
a person can check a folder with ``sha256sum -c --ignore-missing helpers/data/SHA256SUMS``.

Most files are checked byte for byte.  A file registered with ``content="gzip"`` is checked by the
SHA-256 of its *decompressed* bytes, listed under its name without ``.gz`` (what
``zcat f.gz | sha256sum`` prints): the official Fashion-MNIST ``.gz`` files and recompressed copies of
the same data (Debian's ``dataset-fashion-mnist``) are then both accepted.

The table is built on first use (no work at import).
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownDatasetError

__all__ = ["RemoteFile", "Dataset", "DATASETS", "SUMS_FILE", "checksums", "get_dataset", "needed_datasets"]

#: The registry's checksums, in ``sha256sum`` format.
SUMS_FILE = Path(__file__).with_name("SHA256SUMS")


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file.

    Attributes:
        filename: Path relative to a data folder (the data directory, the cache, a ``--dest``),
            e.g. ``"abalone.data"`` or ``"fashion-mnist/t10k-images-idx3-ubyte.gz"``.
        sha256: Expected SHA-256, lowercase hex: of the bytes as stored, or with ``content="gzip"``
            of the decompressed bytes.
        urls: Public mirrors, tried in order after ``WORKSHOP_MIRROR`` (``<mirror>/<filename>``).
        size: The file's size in bytes as the official mirror serves it, or None when unknown.  A
            download stops reading past it (see :attr:`max_bytes`).
        content: ``"raw"`` (check the bytes) or ``"gzip"`` (check the decompressed bytes).
        content_size: With ``content="gzip"``: the decompressed size, the most bytes ever unpacked.
    """

    filename: str
    sha256: str
    urls: tuple
    size: int = None
    content: str = "raw"
    content_size: int = None

    @property
    def max_bytes(self):
        """The most bytes a download may hold before it is cut off as wrong (None: no limit known).

        A raw file must be exactly :attr:`size`.  A gzip-checked file may be recompressed, so it may
        be up to the size of its content stored uncompressed inside gzip (1/1000 plus a header).
        """
        if self.content == "gzip" and self.content_size:
            return max(self.size or 0, self.content_size + self.content_size // 1000 + 1024)
        return self.size

    @property
    def sums_name(self):
        """The name this file has in ``SHA256SUMS`` (without ``.gz`` when its content is checked)."""
        return _sums_name(self.filename, self.content)


def _sums_name(filename, content):
    return filename[:-3] if content == "gzip" and filename.endswith(".gz") else filename


@dataclass(frozen=True)
class Dataset:
    """A named data set made of one or more files.

    Attributes:
        modes: Which modes (``"quick"``, ``"full"``) the notebooks need it in; empty = optional.
        note: Shown by ``doctor`` next to an optional data set.
    """

    name: str
    title: str
    files: tuple
    modes: tuple
    note: str = ""

    def file(self, filename):
        """The :class:`RemoteFile` called ``filename`` (e.g. ``"fashion-mnist/t10k-labels-idx1-ubyte.gz"``)."""
        for remote in self.files:
            if remote.filename == filename:
                return remote
        raise UnknownDatasetError(f"{self.name} has no file {filename!r}; it has "
                                  f"{', '.join(f.filename for f in self.files)}.")


@functools.lru_cache(maxsize=None)
def checksums(path=SUMS_FILE):
    """``{path: sha256}`` read from a ``sha256sum``-format file (``*`` binary markers allowed)."""
    sums = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*").strip()] = digest.lower()
    return sums


_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")
# keras.datasets.fashion_mnist.load_data() reads the first; the second is Zalando's own repository.
_FASHION_MIRRORS = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
                    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/")
# (file name, official .gz size, decompressed size)
_FASHION_FILES = (("train-images-idx3-ubyte.gz", 26421880, 47040016), ("train-labels-idx1-ubyte.gz", 29515, 60008),
                  ("t10k-images-idx3-ubyte.gz", 4422102, 7840016), ("t10k-labels-idx1-ubyte.gz", 5148, 10008))


def _file(filename, urls, size, content="raw", content_size=None):
    return RemoteFile(filename, checksums()[_sums_name(filename, content)], tuple(urls), size, content, content_size)


def _build():
    return {
        "mnist": Dataset(
            "mnist", "MNIST full (keras mnist.npz, 60,000 train + 10,000 test digits)",
            (_file("mnist.npz", ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"], 11490434),),
            modes=("full",)),
        "mnist-quick": Dataset(
            "mnist-quick", "MNIST quick sample (official 10,000-digit test split, IDX format)",
            (_file("t10k-images-idx3-ubyte.gz", [m + "t10k-images-idx3-ubyte.gz" for m in _MNIST_MIRRORS], 1648877),
             _file("t10k-labels-idx1-ubyte.gz", [m + "t10k-labels-idx1-ubyte.gz" for m in _MNIST_MIRRORS], 4542)),
            modes=("quick",)),
        "abalone": Dataset(
            "abalone", "UCI Abalone (4,177 rows: sex, seven measurements, rings)",
            (_file("abalone.data", ["https://archive.ics.uci.edu/ml/machine-learning-databases/abalone/abalone.data"],
                   191873),),
            modes=("quick", "full")),
        "fashion-mnist": Dataset(
            "fashion-mnist", "Fashion-MNIST (Zalando, MIT licence: 60,000 train + 10,000 test clothing images, IDX)",
            tuple(_file(f"fashion-mnist/{name}", [m + name for m in _FASHION_MIRRORS], size, content="gzip",
                        content_size=unpacked) for name, size, unpacked in _FASHION_FILES),
            modes=(), note='optional: only for notebooks run with dataset "fashion" (quick mode reads the t10k files)'),
    }


def __getattr__(name):
    if name == "DATASETS":  # built on first use, then an ordinary dict (tests may patch entries)
        globals()["DATASETS"] = _build()
        return globals()["DATASETS"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _datasets():
    return globals()["DATASETS"] if "DATASETS" in globals() else __getattr__("DATASETS")


def get_dataset(name):
    """Look a data set up by name.

    Raises:
        UnknownDatasetError: ``name`` is not registered; the message lists the valid names.
    """
    datasets = _datasets()
    try:
        return datasets[name]
    except KeyError:
        raise UnknownDatasetError(
            f"Unknown data set {name!r}. Valid names: {', '.join(datasets)}. "
            f"Fix: e.g. `python -m helpers prefetch {next(iter(datasets))}`."
        ) from None


def needed_datasets(quick):
    """Names of the data sets the notebooks need in quick (True) or full (False) mode (optional ones excluded)."""
    mode = "quick" if quick else "full"
    return [d.name for d in _datasets().values() if mode in d.modes]
