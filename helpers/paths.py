"""Where the kit's folders are: found in one place, from a clone or from an installed package.

The notebooks, solutions and scripts are not part of the Python package: they live in the kit's
folder (a git clone, or a shared read-only copy on a hub).  :func:`kit_dir` finds that folder:

1. ``WORKSHOP_KIT_DIR``, when set (a shared install's kernel spec sets it);
2. else the folder above the ``helpers`` package, when it holds ``solutions/`` (a clone, or an
   editable install of one);
3. else the current folder, when it holds ``solutions/``.

Files that ship inside the package (the registry's ``SHA256SUMS``, the slide template) are found
next to their module instead and need none of this.
"""

import os
from pathlib import Path

from .errors import ConfigError

__all__ = ["KIT_ENV", "PACKAGE_DIR", "kit_dir", "solutions_dir", "exercises_dir", "notebooks_dir", "hpc_dir"]

KIT_ENV = "WORKSHOP_KIT_DIR"
#: The installed ``helpers`` package itself.
PACKAGE_DIR = Path(__file__).resolve().parent
_MARKER = "solutions"


def _is_kit(folder):
    return (folder / _MARKER).is_dir()


def kit_dir():
    """The kit's folder (the one holding ``solutions/``, ``exercises/``, ``notebooks/`` and ``hpc/``).

    Returns:
        pathlib.Path: an absolute path.

    Raises:
        ConfigError: ``WORKSHOP_KIT_DIR`` names no kit folder, or none was found; the message names the fix.
    """
    raw = os.environ.get(KIT_ENV, "").strip()
    if raw:
        folder = Path(os.path.abspath(os.path.expanduser(raw)))
        if not _is_kit(folder):
            raise ConfigError(f"{KIT_ENV}={raw!r} holds no {_MARKER}/ folder, so it is not the kit's folder. "
                              f"Fix: `export {KIT_ENV}=/path/to/keras-workshop` (the folder with solutions/ and "
                              f"exercises/), or unset it.")
        return folder
    for folder in (PACKAGE_DIR.parent, Path.cwd()):
        if _is_kit(folder):
            return folder
    raise ConfigError(f"Cannot find the kit's folder (with {_MARKER}/): the helpers package is installed at "
                      f"{PACKAGE_DIR}, outside a clone of the kit. Fix: `export {KIT_ENV}=/path/to/keras-workshop`, "
                      f"or run from the kit's folder.")


def solutions_dir():
    """``<kit>/solutions``: the single source of the hands-on notebooks."""
    return kit_dir() / "solutions"


def exercises_dir():
    """``<kit>/exercises``: generated from the solutions."""
    return kit_dir() / "exercises"


def notebooks_dir():
    """``<kit>/notebooks``: the lectures."""
    return kit_dir() / "notebooks"


def hpc_dir():
    """``<kit>/hpc``: batch scripts and the distributed trainer."""
    return kit_dir() / "hpc"
