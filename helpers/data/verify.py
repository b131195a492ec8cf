"""Is this a good copy of a registered file?  And what is at this path, for whom?

* :func:`problem` checks a file against its :class:`~helpers.data.registry.RemoteFile`: the SHA-256 of its
  bytes, or of its decompressed bytes for ``content="gzip"`` (unpacking never more than the registered
  size, so a "gzip bomb" cannot fill memory).
* :func:`describe` says what is at a path without opening it: a file, missing, a folder, a symbolic
  link loop, a dangling link, a device or FIFO, or something this user may not look at, naming the user,
  the owner and the mode.  Loaders and ``doctor`` use it to say what is wrong instead of "missing".
"""

import errno
import gzip
import hashlib
import os
import stat
import zlib
from pathlib import Path

__all__ = ["sha256sum", "content_sha256", "problem", "describe", "current_user", "blocker"]

_BLOCK = 1 << 20


def sha256sum(path):
    """SHA-256 of a file's bytes, as lowercase hex.

    Raises:
        OSError: the file cannot be read (``PermissionError`` included).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(path, limit=None):
    """SHA-256 of a gzip file's decompressed bytes, and their count.

    Args:
        path: The ``.gz`` file.
        limit: Stop after ``limit + 1`` decompressed bytes (the count then tells the caller it is too big).

    Returns:
        tuple[str, int]: hex digest and number of decompressed bytes read.

    Raises:
        ValueError: not a valid or complete gzip stream.
        OSError: the file cannot be read.
    """
    digest, count = hashlib.sha256(), 0
    try:
        with gzip.open(path, "rb") as fh:
            while limit is None or count <= limit:
                block = fh.read(_BLOCK if limit is None else min(_BLOCK, limit + 1 - count))
                if not block:
                    break
                digest.update(block)
                count += len(block)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(f"not a complete gzip file ({type(exc).__name__}: {exc})") from None
    return digest.hexdigest(), count


def problem(path, remote):
    """What is wrong with ``path`` as a copy of ``remote``, or None when it is a good copy.

    Raises:
        OSError: the file cannot be read (``PermissionError`` included): the caller decides what that means.
    """
    if remote.content == "gzip":
        try:
            actual, count = content_sha256(path, remote.content_size)
        except ValueError as exc:
            return str(exc)
        if remote.content_size is not None and count > remote.content_size:
            return f"decompresses to more than the {remote.content_size:,} bytes of the real file"
        return None if actual == remote.sha256 else (
            f"its decompressed content has SHA-256 {actual}, expected {remote.sha256}")
    actual = sha256sum(path)
    return None if actual == remote.sha256 else f"SHA-256 {actual}, expected {remote.sha256}"


def current_user():
    """The name of the user this process runs as (from the user database, not from ``$USER``)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        import getpass

        return getpass.getuser()


def _owner(info):
    try:
        import pwd

        return pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        return str(info.st_uid)


def _who(path):
    """``"owner root, mode 0600"`` for ``path``, or ``""`` when even that cannot be seen."""
    try:
        info = os.lstat(path)
    except OSError:
        return ""
    return f"owner {_owner(info)}, mode {stat.S_IMODE(info.st_mode):04o}"


def blocker(path):
    """The first folder on the way to ``path`` that this user may not enter, else ``path`` itself."""
    path = Path(os.path.abspath(path))
    for parent in reversed(path.parents):
        if parent.is_dir() and not os.access(parent, os.X_OK):
            return parent
    return path


def describe(path, want="file"):
    """What is at ``path``, for this user, as ``(kind, text)``.

    Args:
        path: The path.
        want: ``"file"`` (a data file should be there) or ``"folder"`` (a data folder should be there).

    Returns:
        tuple[str, str]: ``kind`` is ``"ok"`` (a readable file, or a readable and searchable folder),
        ``"missing"``, ``"wrong"`` (a folder instead of a file, a file instead of a folder, a device),
        ``"loop"``, ``"dangling"`` or ``"denied"``; ``text`` says it in words, naming user, owner and mode.
    """
    user = current_user()
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return "dangling", f"a dangling symbolic link (to {os.readlink(path)}, which does not exist)"
        return "missing", "does not exist"
    except NotADirectoryError:
        return "missing", "does not exist (a file stands where a folder on its way should be)"
    except PermissionError:
        where = blocker(path)
        return "denied", f"cannot be looked at by user {user}: folder {where} is not searchable ({_who(where)})"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "loop", "a symbolic link loop (the link points, directly or not, back to itself)"
        return "denied", f"cannot be examined ({exc.strerror or exc})"
    if want == "folder":
        if not stat.S_ISDIR(info.st_mode):
            return "wrong", "is a file, not a folder"
        if not os.access(path, os.R_OK | os.X_OK):
            return "denied", f"is a folder that user {user} may not read ({_who(path)})"
        return "ok", "a folder"
    if stat.S_ISDIR(info.st_mode):
        return "wrong", "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "wrong", "is not a regular file (a device, FIFO or socket)"
    if not os.access(path, os.R_OK):
        return "denied", f"is not readable by user {user} ({_who(path)})"
    return "ok", "a file"
