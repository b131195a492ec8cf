"""The kit's one way to write a file: a unique temporary file beside the target, then one rename.

Downloads, run summaries, figures, generated exercises and executed notebooks all go through
:func:`atomic_write`, so a reader never sees a half-written file, two writers of the same target
never mix their bytes (each has its own temporary name, the last rename wins whole), and the file
gets the mode any new file would get (``0o666`` less the umask): others can read what an
instructor pre-fetches into a shared folder.
"""

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputNotWritableError

__all__ = ["atomic_write", "default_file_mode", "ensure_writable_dir", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".part"


def default_file_mode():
    """The mode ``open()`` would give a new file: ``0o666`` less the process umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_write(path, mode="w", encoding="utf-8"):
    """Write ``path`` all at once, or not at all.

    The block writes into ``.<name>.<random>.part`` in the target's folder; when it ends without
    an exception the file is flushed to disk, given the default mode and renamed over ``path``.
    If the block raises, the temporary file is removed and ``path`` is left as it was.

    Args:
        path: The target file; its folder must exist.
        mode: ``"w"`` (text) or ``"wb"`` (bytes).
        encoding: Text encoding for ``"w"``.

    Yields:
        The open temporary file; its path is ``fh.temp_path``.

    Raises:
        OSError: the folder is missing or not writable (callers turn this into their typed error).

    Example::

        with atomic_write(target, "wb") as fh:
            fh.write(payload)
            verify(fh.temp_path)     # raising here keeps the old target untouched
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as fh:
            fh.temp_path = Path(tmp)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def ensure_writable_dir(directory, what, setting):
    """Check, without creating anything, that ``directory`` exists writable or could be created.

    Args:
        directory: The folder a run will write into.
        what: What goes there, for the message (``"figures"``).
        setting: How the user changes it, for the message (``"WORKSHOP_FIGURES_DIR (or --figures-dir)"``).

    Raises:
        OutputNotWritableError: a file is in the way, or the folder (or its nearest existing
            parent) cannot be written.
    """
    directory = Path(directory)
    probe = directory
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():  # a dangling link in the way
            break
        probe = probe.parent
    problem = None
    if not probe.is_dir():
        problem = f"{probe} is not a folder"
    else:
        try:
            with tempfile.TemporaryFile(dir=probe, prefix=".workshop-probe-"):
                pass
        except OSError as err:
            problem = f"{probe} is not writable ({err.strerror or err})"
    if problem:
        raise OutputNotWritableError(
            f"This run could not save its {what} in {directory.resolve()}: {problem}. Nothing was trained yet. "
            f"Fix: point {setting} at a writable folder, e.g. `export {setting.split()[0]}=$HOME/workshop-{what.split()[-1]}`.")
