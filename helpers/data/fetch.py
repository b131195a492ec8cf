"""Find a data file offline first, else download it safely: decide, stream, verify and replace.

The steps, each small (the way ``pooch`` splits them):

1. **decide** (:func:`locate`): is a good copy already here?  Search order, re-read on every call:
   an explicit ``data_dir`` argument, then ``WORKSHOP_DATA_DIR`` (both read-only, never written to),
   then the user cache (``WORKSHOP_CACHE_DIR`` or the platform cache directory).
2. **stream** (:func:`download`): unless ``WORKSHOP_OFFLINE=1``, fetch from each mirror in turn through a
   *transport* (:func:`helpers.data.transport.urllib_transport`; tests pass their own) into a temporary file
   made by :func:`helpers.files.atomic_write`, under a deadline and the registered size.
3. **verify and replace**: check the SHA-256 (:func:`helpers.data.verify.problem`) and only then rename the
   temporary file over the target.  A failure of any kind leaves no partial file behind; two processes
   fetching the same file both end with an intact copy; temporary files left by a killed download are
   removed by the next attempt (only those no living process holds, see
:func:`helpers.data.transport.clean_stale`).

Only failures that can recover (timeouts, 5xx answers, resets, short bodies) are retried on the same
mirror, ``WORKSHOP_RETRIES`` times; the others move on to the next mirror.
"""

import errno
import os
import tempfile
import time
from http.client import HTTPException
from pathlib import Path

from .. import config
from ..errors import (CacheNotWritableError, ChecksumError, DataNotFoundError, DataNotReadableError, DownloadError,
                     WorkshopError)
from ..files import atomic_write
from .registry import get_dataset
from .transport import TransferError, clean_stale, copy_stream, deadline_for, hold, transient, urllib_transport
from .verify import current_user, describe, problem, sha256sum

__all__ = ["sha256sum", "locate", "mirror_urls", "download", "fetch_file", "fetch", "dataset_status"]

_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _places(data_dir):
    """(label, directory, read_only) in search order; directory may be None (not set)."""
    return [
        ("data_dir argument", config.absolute_path(str(data_dir)) if data_dir else None, True),
        ("WORKSHOP_DATA_DIR", config.data_dir(), True),
        ("cache (WORKSHOP_CACHE_DIR)", config.cache_dir(), False),
    ]


def _unreadable(path, label, text, directory, read_only):
    if read_only:
        fix = (f"ask the owner of {directory} to run `chmod -R a+rX {directory}` (files that `python -m helpers "
               f"prefetch --dest` writes are readable by all unless the umask forbids it), or point {label} at a "
               f"folder you can read")
    else:
        fix = (f"delete it (`rm -f {path}`) or use a cache of your own: `export WORKSHOP_CACHE_DIR="
               f"$HOME/.cache/keras-workshop`")
    return DataNotReadableError(f"{label}: {path} {text}. Fix: {fix}.")


def locate(remote, data_dir=None):
    """Decide: look for a verified copy of ``remote`` without touching the network.

    Args:
        remote: A :class:`~helpers.data.registry.RemoteFile`.
        data_dir: Optional directory searched first.

    Returns:
        tuple[Path | None, list[str]]: the verified path (or None) and one line per place searched,
        saying what was found there (missing, a folder, a dangling link, corrupt, ...).

    Raises:
        ChecksumError: A read-only directory holds the file with a wrong SHA-256 (left untouched).
        DataNotReadableError: A read-only directory, or (offline) the cache, holds the file but this
            user may not read it.
    """
    searched = []
    for label, directory, read_only in _places(data_dir):
        if directory is None:
            searched.append(f"{label}: not set")
            continue
        kind, text = describe(directory, want="folder")
        if kind == "denied" and read_only:
            raise _unreadable(directory, label, text, directory, read_only)
        if kind != "ok":
            searched.append(f"{label}: {directory} {text}")
            continue
        path = directory / remote.filename
        kind, text = describe(path)
        if kind == "ok":
            try:
                bad = problem(path, remote)
            except PermissionError as exc:
                kind, text = "denied", f"is not readable by user {current_user()} ({exc.strerror})"
            except OSError as exc:
                kind, text = "wrong", f"cannot be read ({exc.strerror or exc})"
        if kind == "denied":
            if read_only or config.offline():
                raise _unreadable(path, label, text, directory, read_only)
            searched.append(f"{label}: {path} {text}; it will be downloaded again")
            continue
        if kind != "ok":
            searched.append(f"{label}: {path} ({'missing' if kind == 'missing' else text})")
            continue
        if bad is None:
            searched.append(f"{label}: {path} (ok)")
            return path, searched
        if read_only:
            raise ChecksumError(
                f"{path}: {bad}. The file was left untouched ({label} is read-only). Fix: replace it with a good "
                f"copy, e.g. `python -m helpers prefetch --dest {directory}` on a machine with internet, "
                f"or remove it from {directory}.")
        searched.append(f"{label}: {path} (corrupt: {bad}; will be downloaded again)")
    return None, searched


def mirror_urls(remote):
    """The URLs a download of ``remote`` tries, in order: ``WORKSHOP_MIRROR`` first, then the registry's."""
    base = config.mirror()
    return ([f"{base}/{remote.filename}"] if base else []) + list(remote.urls)


def _not_writable(target, why, fix=None):
    fix = fix or ("point `export WORKSHOP_CACHE_DIR=/a/writable/dir` (or another --dest), or pre-fetch the data "
                  "elsewhere and set `export WORKSHOP_DATA_DIR=DIR`")
    return CacheNotWritableError(f"Cannot save {target}: {why}. Fix: {fix}.")


def _transfer(url, remote, target, transport, timeout):
    """One attempt: open, stream into a locked temporary file, verify, rename.  Raises on any failure."""
    started = time.monotonic()
    with transport(url, timeout) as response:
        deadline = deadline_for(remote.size or response.length, timeout)
        lock = None
        try:
            with atomic_write(target, "wb") as fh:
                lock = hold(fh.temp_path)
                copy_stream(response, fh, label=remote.filename, deadline=deadline, started=started,
                            expected=remote.size if remote.content == "raw" else None, limit=remote.max_bytes)
                fh.flush()
                bad = problem(fh.temp_path, remote)
                if bad:
                    raise TransferError(f"{bad} (the same mirror would send the same bytes again)")
        except FileNotFoundError as exc:  # our temporary file vanished (removed by hand?): try again
            raise TransferError(f"temporary file vanished: {exc}", transient=True) from exc
        finally:
            if lock is not None:
                os.close(lock)


def download(remote, dest_dir, transport=None):
    """Download ``remote`` into ``dest_dir`` atomically and verify it.

    Args:
        remote: The file to fetch; its ``filename`` may hold a subfolder (created as needed).
        dest_dir: A writable directory (created if needed).
        transport: ``transport(url, timeout)``, see :mod:`helpers.data.transport`; default urllib.

    Returns:
        Path: the verified file.

    Raises:
        CacheNotWritableError: ``dest_dir`` cannot be created or written, or a folder stands where
            the file should go.
        DownloadError: every URL failed (refused, 404, timeouts after ``WORKSHOP_RETRIES`` attempts,
            too slow, too long, bad checksum); the message lists each attempt.
    """
    transport = transport or urllib_transport
    target = Path(dest_dir) / remote.filename
    timeout, attempts = config.timeout(), config.retries()
    kind, text = describe(target)
    if kind == "wrong" and os.path.isdir(target):
        raise _not_writable(target, f"it {text}; nothing was changed",
                            fix=f"move it away (`mv {target} {target}.old`) and run again")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=target.parent, prefix=".workshop-probe-"):
            pass
    except OSError as exc:
        raise _not_writable(target, f"{exc.strerror or exc} (user {current_user()})") from exc
    clean_stale(target)
    failures = []
    for url in mirror_urls(remote):
        for attempt in range(1, attempts + 1):
            try:
                _transfer(url, remote, target, transport, timeout)
                return target
            except (OSError, ValueError, HTTPException) as exc:  # collected into one DownloadError
                if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                    raise _not_writable(target, exc.strerror) from exc
                reason = getattr(exc, "reason", None) or exc
                failures.append(f"{url} (attempt {attempt}): {type(exc).__name__}: {reason}")
                if not transient(exc):
                    break
                if attempt < attempts:
                    time.sleep(min(0.2 * attempt, 1.0))
    raise DownloadError(
        f"Could not download {remote.filename} into {dest_dir}:\n  - " + "\n  - ".join(failures)
        + f"\nFix: check the network (timeout {timeout:g}s: WORKSHOP_TIMEOUT; a transfer slower than 16 KiB/s "
        f"stops at its deadline, 2 x timeout + size / 16 KiB/s), set WORKSHOP_MIRROR to a reachable mirror, "
        f"or on a machine with internet run `python -m helpers prefetch --dest DIR` and then "
        f"`export WORKSHOP_DATA_DIR=DIR` here.")


def fetch_file(remote, data_dir=None, *, dataset="", dest=None, transport=None):
    """Return a verified local path for ``remote``, downloading only if needed.

    Args:
        remote: The file wanted.
        data_dir: Optional read-only directory searched first.
        dataset: Data set name, used in error messages.
        dest: Download into this directory instead of the user cache (``prefetch --dest``).
        transport: See :func:`download`.

    Raises:
        DataNotFoundError: not found anywhere and ``WORKSHOP_OFFLINE=1``.
        ChecksumError: a read-only directory holds a bad copy.
        DataNotReadableError: a copy exists that this user may not read (see :func:`locate`).
        DownloadError, CacheNotWritableError: see :func:`download`.
    """
    if dest is not None:
        path = config.absolute_path(str(dest)) / remote.filename
        kind, text = describe(path)
        searched = [f"--dest: {path} ({'missing' if kind == 'missing' else text})"]
        try:
            if kind == "ok" and problem(path, remote) is None:
                return path
        except PermissionError:
            pass  # replaced by a fresh, readable download below
    else:
        path, searched = locate(remote, data_dir)
        if path is not None:
            return path
    if config.offline():
        name = dataset or "the data set"
        raise DataNotFoundError(
            f"{name}: file {remote.filename!r} not found, and WORKSHOP_OFFLINE=1 forbids downloading.\n"
            "Looked in:\n  - " + "\n  - ".join(searched)
            + f"\nFix: on a machine with internet run `python -m helpers prefetch {dataset} --dest DIR`, "
            f"copy DIR here and `export WORKSHOP_DATA_DIR=DIR`; or `export WORKSHOP_OFFLINE=0` to download.")
    return download(remote, dest if dest is not None else config.cache_dir(), transport=transport)


def fetch(name, data_dir=None, dest=None, files=None):
    """Fetch the files of a registered data set.

    Args:
        name: ``"mnist"``, ``"mnist-quick"``, ``"abalone"`` or ``"fashion-mnist"``.
        data_dir: Optional read-only directory searched first.
        dest: Download into this directory instead of the cache (``prefetch --dest``).
        files: Only these file names (default: all), e.g. the two t10k files in quick mode.

    Returns:
        list[Path]: verified local files, in registry order.
    """
    ds = get_dataset(name)
    wanted = [ds.file(f) for f in files] if files is not None else ds.files
    return [fetch_file(f, data_dir, dataset=name, dest=dest) for f in wanted]


def dataset_status(name, data_dir=None):
    """Where each file of a data set is, without downloading (for ``doctor``); never raises for one file.

    Returns:
        list[tuple[str, Path | None, str, str | None]]: (filename, path or None, where it was searched,
        the problem as a sentence with its fix, or None).
    """
    rows = []
    for remote in get_dataset(name).files:
        try:
            path, searched = locate(remote, data_dir)
        except WorkshopError as exc:  # ChecksumError, DataNotReadableError, ConfigError: reported, not raised
            rows.append((remote.filename, None, "", str(exc)))
            continue
        rows.append((remote.filename, path, "; ".join(searched), None))
    return rows
