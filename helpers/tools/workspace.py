"""The learners' own copies of the exercises, and the command that opens them in JupyterLab.

Learners never edit tracked files: ``python -m helpers lab`` (what ``make lab`` runs) first copies
every exercise notebook that is not there yet into the workspace, ``mywork/`` in the kit's folder
(git-ignored; ``WORKSHOP_WORKSPACE`` moves it), and never overwrites a copy.  JupyterLab's autosave
then writes there, so ``make test``, ``python -m helpers exercises --check`` and ``git pull`` never
touch a learner's answers.  ``python -m helpers workspace --reset 04`` starts one notebook over on
purpose, after keeping the old copy in ``mywork/.backup/``.
"""

import datetime
import os
import shutil
import sys
from pathlib import Path

from ..errors import ConfigError, NotebookSourceError
from ..paths import exercises_dir, kit_dir

__all__ = ["workspace_dir", "prepare", "reset", "lab_command"]


def workspace_dir():
    """The learner's workspace: ``WORKSHOP_WORKSPACE`` (made absolute) or ``<kit>/mywork``."""
    raw = os.environ.get("WORKSHOP_WORKSPACE", "").strip()
    return Path(raw).expanduser().resolve() if raw else kit_dir() / "mywork"


def _exercises(exercises):
    exercises = Path(exercises) if exercises else exercises_dir()
    found = sorted(exercises.glob("*.ipynb"))
    if not found:
        raise NotebookSourceError(f"No exercise notebooks in {exercises}. Fix: run this from a complete "
                                  f"checkout of the kit, or regenerate them with `python -m helpers exercises`.")
    return found


def prepare(workspace=None, exercises=None):
    """Copy every exercise that the workspace does not have yet; never overwrite a learner's copy.

    Returns:
        list[tuple[str, str]]: ``(notebook, status)`` with status ``"new"``, ``"yours"`` or
        ``"yours; the kit's exercise changed after your last save"`` (a kit update; ``--reset`` takes it).

    Raises:
        ConfigError: the workspace path is a file or cannot be created.
    """
    workspace = Path(workspace) if workspace else workspace_dir()
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"Cannot use {workspace} as the learners' workspace: {err.strerror or err}. "
                          f"Fix: `export WORKSHOP_WORKSPACE=$HOME/keras-workshop-work` (any writable folder).") from None
    rows = []
    for source in _exercises(exercises):
        target = workspace / source.name
        if not target.exists():
            shutil.copyfile(source, target)
            rows.append((source.name, "new"))
        elif source.stat().st_mtime > target.stat().st_mtime and source.read_bytes() != target.read_bytes():
            rows.append((source.name, "yours; the kit's exercise changed after your last save"))
        else:
            rows.append((source.name, "yours"))
    return rows


def reset(names, workspace=None, exercises=None):
    """Start notebooks over: keep the learner's copy in ``.backup/``, then copy the exercise afresh.

    Args:
        names: Notebooks as ``"04"``, ``"04_cnn_mnist"`` or ``"04_cnn_mnist.ipynb"``.

    Returns:
        list[tuple[Path, Path | None]]: (fresh copy, backup of the old one or None).

    Raises:
        NotebookSourceError: a name matches no exercise.
    """
    workspace = Path(workspace) if workspace else workspace_dir()
    available = _exercises(exercises)
    done = []
    for name in names:
        stem = Path(name).stem
        match = [p for p in available if p.stem == stem or p.stem.split("_")[0] == stem]
        if len(match) != 1:
            raise NotebookSourceError(f"No single exercise matches {name!r}; they are "
                                      f"{', '.join(p.stem for p in available)}. Fix: e.g. `--reset 04`.")
        source, target = match[0], workspace / match[0].name
        backup = None
        if target.exists():
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = workspace / ".backup" / f"{target.stem}-{stamp}.ipynb"
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(target, backup)
        workspace.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        done.append((target, backup))
    return done


def lab_command(workspace=None, port=None, extra=()):
    """The ``jupyter lab`` command line that ``python -m helpers lab`` runs.

    The server's root is the kit's folder (learners can also open ``notebooks/`` and ``solutions/``),
    or the workspace itself when it lies outside the kit; the browser opens on the workspace.
    """
    workspace = Path(workspace) if workspace else workspace_dir()
    try:
        root = kit_dir()
        start = workspace.relative_to(root).as_posix()
    except ValueError:
        root, start = workspace, ""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
           f"--LabApp.default_url=/lab/tree/{start}".rstrip("/")]
    if port:
        cmd.append(f"--port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses to start as root without it (containers, CI)
    return cmd + list(extra)
