"""Find a data file offline first, else download it safely.

Search order, re-read on every call:

1. an explicit ``data_dir`` argument (read-only);
2. ``WORKSHOP_DATA_DIR`` (read-only, never written to);
3. the user cache (``WORKSHOP_CACHE_DIR`` or the platform cache directory);
4. a download into the cache, unless ``WORKSHOP_OFFLINE=1``.

Downloads use a timeout and retries, stream into a temporary file next to the
target, check the SHA-256, and only then ``os.replace`` it into place, so an
interrupted or corrupt transfer never leaves a partial file behind and two
processes fetching the same file both end with an intact copy.
"""

import hashlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path

from . import config
from .errors import CacheNotWritableError, ChecksumError, DataNotFoundError, DownloadError
from .registry import get_dataset

__all__ = ["sha256sum", "locate", "download", "fetch_file", "fetch", "dataset_status"]

_CHUNK = 1 << 16


def sha256sum(path):
    """SHA-256 of a file, as lowercase hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _places(data_dir):
    """(label, directory, read_only) in search order; directory may be None (not set)."""
    return [
        ("data_dir argument", Path(data_dir) if data_dir else None, True),
        ("WORKSHOP_DATA_DIR", config.data_dir(), True),
        ("cache (WORKSHOP_CACHE_DIR)", config.cache_dir(), False),
    ]


def locate(remote, data_dir=None):
    """Look for a verified copy of ``remote`` without touching the network.

    Args:
        remote: A :class:`~helpers.registry.RemoteFile`.
        data_dir: Optional directory searched first.

    Returns:
        tuple[Path | None, list[str]]: the verified path (or None) and one line
        per place searched, for error messages and ``doctor``.

    Raises:
        ChecksumError: A read-only directory holds the file with a wrong
            SHA-256.  The file is left untouched.
    """
    searched = []
    for label, directory, read_only in _places(data_dir):
        if directory is None:
            searched.append(f"{label}: not set")
            continue
        path = directory / remote.filename
        if not path.is_file():
            searched.append(f"{label}: {path} (missing)")
            continue
        actual = sha256sum(path)
        if actual == remote.sha256:
            searched.append(f"{label}: {path} (ok)")
            return path, searched
        if read_only:
            raise ChecksumError(
                f"{path} has SHA-256 {actual}, expected {remote.sha256}. The file was left untouched "
                f"({label} is read-only). Fix: replace it with a good copy, e.g. "
                f"`python -m helpers prefetch --dest {directory}` on a machine with internet, "
                f"or remove it from {directory}."
            )
        searched.append(f"{label}: {path} (corrupt: SHA-256 mismatch, will be downloaded again)")
    return None, searched


def _urls(remote):
    base = config.mirror()
    return ([f"{base}/{remote.filename}"] if base else []) + list(remote.urls)


def _stream(url, out, timeout, label):
    """Copy ``url`` into the open file ``out``; raise on short reads."""
    from tqdm import tqdm

    request = urllib.request.Request(url, headers={"User-Agent": "keras-workshop-helpers"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = response.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        received = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr,
                  disable=False, mininterval=0.5, leave=False) as bar:
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                received += len(block)
                bar.update(len(block))
        if total is not None and received != total:
            raise HTTPException(f"connection closed after {received} of {total} bytes")


def download(remote, dest_dir):
    """Download ``remote`` into ``dest_dir`` atomically and verify it.

    Args:
        remote: The file to fetch.
        dest_dir: A writable directory (created if needed).

    Returns:
        Path: the verified file.

    Raises:
        CacheNotWritableError: ``dest_dir`` cannot be created or written.
        DownloadError: every URL failed after ``WORKSHOP_RETRIES`` attempts
            each (timeouts, refused connections, short reads, bad checksums).
    """
    dest_dir = Path(dest_dir)
    target = dest_dir / remote.filename
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{remote.filename}.", suffix=".part")
    except OSError as exc:
        raise CacheNotWritableError(
            f"Cannot write {remote.filename} to {dest_dir}: {exc.strerror or exc}. Fix: point "
            f"`export WORKSHOP_CACHE_DIR=/a/writable/dir`, or pre-fetch the data elsewhere and set "
            f"`export WORKSHOP_DATA_DIR=DIR`."
        ) from exc
    tmp = Path(tmp_name)
    timeout, attempts = config.timeout(), config.retries()
    failures = []
    try:
        with os.fdopen(fd, "wb") as out:
            for url in _urls(remote):
                for attempt in range(1, attempts + 1):
                    out.seek(0)
                    out.truncate()
                    try:
                        _stream(url, out, timeout, remote.filename)
                        out.flush()
                    except (urllib.error.URLError, HTTPException, OSError, ValueError) as exc:
                        reason = getattr(exc, "reason", None) or exc
                        failures.append(f"{url} (attempt {attempt}): {type(exc).__name__}: {reason}")
                        if attempt < attempts:
                            time.sleep(min(0.2 * attempt, 1.0))
                        continue
                    actual = sha256sum(tmp)
                    if actual == remote.sha256:
                        os.replace(tmp, target)
                        return target
                    failures.append(f"{url}: SHA-256 mismatch (got {actual[:12]}…)")
                    break  # the same mirror would send the same bytes again
    finally:
        if tmp.exists():
            tmp.unlink()
    raise DownloadError(
        f"Could not download {remote.filename} into {dest_dir}:\n  - " + "\n  - ".join(failures)
        + f"\nFix: check the network (timeout {timeout:g}s: WORKSHOP_TIMEOUT), set WORKSHOP_MIRROR to a "
        f"reachable mirror, or on a machine with internet run `python -m helpers prefetch --dest DIR` "
        f"and then `export WORKSHOP_DATA_DIR=DIR` here."
    )


def fetch_file(remote, data_dir=None, *, dataset="", dest=None):
    """Return a verified local path for ``remote``, downloading only if needed.

    Args:
        remote: The file wanted.
        data_dir: Optional read-only directory searched first.
        dataset: Data set name, used in error messages.
        dest: Download into this directory instead of the user cache.

    Raises:
        DataNotFoundError: not found anywhere and ``WORKSHOP_OFFLINE=1``.
        ChecksumError: a read-only directory holds a bad copy.
        DownloadError, CacheNotWritableError: see :func:`download`.
    """
    if dest is not None:
        path = Path(dest) / remote.filename
        if path.is_file() and sha256sum(path) == remote.sha256:
            return path
    else:
        path, searched = locate(remote, data_dir)
        if path is not None:
            return path
    if config.offline():
        name = dataset or "the data set"
        raise DataNotFoundError(
            f"{name}: file {remote.filename!r} not found, and WORKSHOP_OFFLINE=1 forbids downloading.\n"
            "Looked in:\n  - " + "\n  - ".join(searched if dest is None else [f"--dest: {path}"])
            + f"\nFix: on a machine with internet run `python -m helpers prefetch {dataset} --dest DIR`, "
            f"copy DIR here and `export WORKSHOP_DATA_DIR=DIR`; or `export WORKSHOP_OFFLINE=0` to download."
        )
    return download(remote, dest if dest is not None else config.cache_dir())


def fetch(name, data_dir=None, dest=None):
    """Fetch every file of a registered data set.

    Args:
        name: ``"mnist"``, ``"mnist-quick"`` or ``"abalone"``.
        data_dir: Optional read-only directory searched first.
        dest: Download into this directory instead of the cache (``prefetch --dest``).

    Returns:
        list[Path]: verified local files, in registry order.
    """
    ds = get_dataset(name)
    return [fetch_file(f, data_dir, dataset=name, dest=dest) for f in ds.files]


def dataset_status(name, data_dir=None):
    """Where each file of a data set is, without downloading (for ``doctor``).

    Returns:
        list[tuple[str, Path | None, str]]: (filename, path or None, detail).
    """
    rows = []
    for remote in get_dataset(name).files:
        try:
            path, searched = locate(remote, data_dir)
        except ChecksumError as exc:
            rows.append((remote.filename, None, f"BAD CHECKSUM: {exc}"))
            continue
        rows.append((remote.filename, path, "; ".join(searched)))
    return rows
