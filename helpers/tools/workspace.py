"""The learners' own copies of the exercises, and the command that opens them in JupyterLab.

Learners never edit tracked files: ``python -m helpers lab`` (what ``make lab`` runs) first copies
every exercise notebook that is not there yet into the *workspace* and never overwrites a copy.
JupyterLab's autosave then writes there, so ``make test``, ``python -m helpers exercises --check``
and ``git pull`` never touch a learner's answers.  ``python -m helpers workspace --reset 04``
starts one notebook over on purpose, after keeping the old copy in ``<workspace>/.backup/``.

The workspace belongs to the learner (:func:`workspace_dir`): ``WORKSHOP_WORKSPACE`` when set; else
``mywork/`` in the kit's folder when that folder is the learner's own (or ``mywork/`` already is);
else ``~/keras-workshop`` in the learner's home, so on one shared read-only install every learner
works in their own home and never sees another user's notebooks.

Writes are safe: each copy goes through :func:`helpers.files.atomic_write` (a full disk leaves the
old file, never half a notebook); backups get unique names, made with ``O_EXCL`` so no backup ever
overwrites another; nothing is written through a symbolic link in the workspace.
"""

import datetime
import json
import os
import stat
import sys
import tempfile
from pathlib import Path

from ..data.verify import current_user, describe
from ..errors import ConfigError, NotebookSourceError, WorkspaceError
from ..files import atomic_write, default_file_mode
from ..paths import exercises_dir, kit_dir

__all__ = ["HOME_WORKSPACE", "workspace_dir", "prepare", "reset", "lab_command"]

#: The workspace's name in the learner's home when the kit's folder is not theirs.
HOME_WORKSPACE = "keras-workshop"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _mine(path):
    """True when ``path`` is a real folder (not a link) that this user owns and may write."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid()
            and os.access(path, os.W_OK | os.X_OK))


def workspace_dir():
    """The learner's workspace.

    ``WORKSHOP_WORKSPACE`` (made absolute) when set; else ``<kit>/mywork`` when ``mywork/`` is this
    user's own folder, or does not exist yet and the kit's folder is this user's and writable; else
    ``~/keras-workshop`` (``$HOME``), the learner's own folder on a shared install.
    """
    raw = os.environ.get("WORKSHOP_WORKSPACE", "").strip()
    if raw:
        return Path(raw).expanduser().resolve()
    kit = kit_dir()
    mywork = kit / "mywork"
    if _mine(mywork) or (not os.path.lexists(mywork) and _mine(kit)):
        return mywork
    return Path.home() / HOME_WORKSPACE


def _fix_elsewhere():
    return f"`export WORKSHOP_WORKSPACE=$HOME/{HOME_WORKSPACE}` (any folder of your own), then run again"


def _usable(workspace):
    """Create the workspace if needed and check that this user can write in it."""
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ConfigError(f"Cannot use {workspace} as the learners' workspace: {err.strerror or err}. "
                          f"Fix: {_fix_elsewhere()}.") from None
    kind, text = describe(workspace, want="folder")
    problem = None if kind == "ok" else text
    if problem is None:
        try:
            with tempfile.TemporaryFile(dir=workspace, prefix=".workshop-probe-"):
                pass
        except OSError as err:
            info = os.stat(workspace)
            problem = (f"user {current_user()} may not write there ({err.strerror or err}; owner uid "
                       f"{info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o})")
    if problem:
        raise WorkspaceError(f"Cannot write in your workspace {workspace}: {problem}. Nothing was changed. "
                             f"Fix: {_fix_elsewhere()}.")


def _exercises(exercises):
    exercises = Path(exercises) if exercises else exercises_dir()
    found = sorted(exercises.glob("*.ipynb"))
    if not found:
        raise NotebookSourceError(f"No exercise notebooks in {exercises}. Fix: run this from a complete "
                                  f"checkout of the kit, or regenerate them with `python -m helpers exercises`.")
    return found


def _copy(source, target, learner_copy=None):
    """Write the exercise ``source`` over ``target`` at once (never through a link), or raise WorkspaceError."""
    try:
        payload = source.read_bytes()
        with atomic_write(target, "wb") as fh:
            fh.write(payload)
    except OSError as err:
        kept = (f"your notebook is unchanged, and a copy of it is in {learner_copy}" if learner_copy
                else "nothing was written")
        raise WorkspaceError(f"Could not write {target}: {err.strerror or err}; {kept}. Fix: free some space "
                             f"(`df -h {target.parent}`) or {_fix_elsewhere()}.") from None


def _status(source, target, workspace):
    """What ``target`` is to this learner: ``"yours"``, or a word and a sentence saying what to do."""
    info = os.lstat(target)
    short = source.name[:2]
    if stat.S_ISLNK(info.st_mode):
        return (f"link; {target} is a symbolic link to {os.readlink(target)}: the kit never writes through "
                f"links. Fix: `rm {target}` (what it points to stays), then run again for a fresh copy")
    if not stat.S_ISREG(info.st_mode):
        return (f"blocked; {target} is not a notebook file (a folder, FIFO or device). Fix: move it away "
                f"(`mv {target} {target}.old`), then run again")
    if info.st_uid != os.geteuid() or not os.access(target, os.R_OK | os.W_OK):
        folder = os.stat(workspace)
        sticky = folder.st_mode & stat.S_ISVTX and os.geteuid() not in (folder.st_uid, info.st_uid)  # like /tmp
        replaceable = os.access(workspace, os.W_OK | os.X_OK) and os.access(target, os.R_OK) and not sticky
        fix = (f"`python -m helpers workspace --reset {short}` replaces it with a copy of your own (this one is "
               f"kept in .backup/)" if replaceable else _fix_elsewhere())
        return (f"not yours; {target} belongs to uid {info.st_uid} (mode {stat.S_IMODE(info.st_mode):04o}), so "
                f"you cannot save it. Fix: {fix}")
    data = target.read_bytes()
    try:
        if "cells" not in json.loads(data):
            raise ValueError("it has no cells")
    except (ValueError, UnicodeDecodeError) as err:
        return (f"damaged; {target} is not a whole notebook ({str(err)[:80]}). Fix: "
                f"`python -m helpers workspace --reset {short}` starts it over (this copy is kept in .backup/)")
    if source.stat().st_mtime > info.st_mtime and source.read_bytes() != data:
        return "yours; the kit's exercise changed after your last save"
    return "yours"


def prepare(workspace=None, exercises=None):
    """Copy every exercise that the workspace does not have yet; never overwrite a learner's copy.

    Returns:
        list[tuple[str, str]]: ``(notebook, status)`` with status ``"new"``, ``"yours"``, or a word and
        a sentence after ``"; "``: ``"yours; the kit's exercise changed after your last save"`` (a kit
        update; ``--reset`` takes it), ``"not yours; ..."`` (a copy this user cannot save),
        ``"damaged; ..."`` (not a whole notebook), ``"link; ..."`` or ``"blocked; ..."`` (left alone).

    Raises:
        ConfigError: the workspace path is a file or cannot be created.
        WorkspaceError: the workspace cannot be written, or a copy could not be written (disk full).
    """
    workspace = Path(workspace) if workspace else workspace_dir()
    _usable(workspace)
    rows = []
    for source in _exercises(exercises):
        target = workspace / source.name
        if not os.path.lexists(target):
            _copy(source, target)
            rows.append((source.name, "new"))
        else:
            rows.append((source.name, _status(source, target, workspace)))
    return rows


def _stamp():
    """Local time to the microsecond, for backup names (uniqueness comes from ``O_EXCL``, not from this)."""
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def _backup(target, folder):
    """Copy ``target`` into ``folder`` under a new name that no file had; return that name."""
    if os.path.lexists(folder) and (os.path.islink(folder) or not os.path.isdir(folder)):
        raise WorkspaceError(f"Cannot keep a backup of {target}: {folder} is a file or a link, not a folder, and the "
                             f"kit never writes through links. Nothing was changed. Fix: move it away "
                             f"(`mv {folder} {folder}.old`), then run again.")
    try:
        folder.mkdir(exist_ok=True)
        source = os.open(target, os.O_RDONLY | _NOFOLLOW)
    except OSError as err:
        raise WorkspaceError(f"Cannot keep a backup of {target} in {folder}: {err.strerror or err}. Nothing was "
                             f"changed. Fix: {_fix_elsewhere()}.") from None
    with os.fdopen(source, "rb") as fh:
        data = fh.read()
    stamp = _stamp()
    for count in range(1, 10_000):
        path = folder / f"{target.stem}-{stamp}{'' if count == 1 else f'-{count}'}.ipynb"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, default_file_mode())
        except FileExistsError:
            continue
        except OSError as err:
            raise WorkspaceError(f"Cannot keep a backup of {target} in {folder}: {err.strerror or err}. Nothing "
                                 f"was changed. Fix: {_fix_elsewhere()}.") from None
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError as err:
            path.unlink(missing_ok=True)
            raise WorkspaceError(f"Cannot keep a backup of {target}: {err.strerror or err}; your notebook is "
                                 f"unchanged. Fix: free some space (`df -h {folder}`), then run again.") from None
        return path
    raise WorkspaceError(f"Cannot find a free backup name in {folder}. Fix: tidy up {folder}, then run again.")


def reset(names, workspace=None, exercises=None):
    """Start notebooks over: keep the learner's copy in ``.backup/``, then copy the exercise afresh.

    Args:
        names: Notebooks as ``"04"``, ``"04_cnn_mnist"`` or ``"04_cnn_mnist.ipynb"``; a notebook named
            twice is reset once.

    Returns:
        list[tuple[Path, Path | None]]: (fresh copy, backup of the old one or None).

    Raises:
        NotebookSourceError: a name matches no exercise.
        WorkspaceError: the notebook or ``.backup`` is a link or in the way, or a write failed; the
            learner's copy is then unchanged (or already safe in its backup, named in the message).
    """
    workspace = Path(workspace) if workspace else workspace_dir()
    available = _exercises(exercises)
    sources = []
    for name in names:
        stem = Path(name).stem
        match = [p for p in available if p.stem == stem or p.stem.split("_")[0] == stem]
        if len(match) != 1:
            raise NotebookSourceError(f"No single exercise matches {name!r}; they are "
                                      f"{', '.join(p.stem for p in available)}. Fix: e.g. `--reset 04`.")
        if match[0] not in sources:
            sources.append(match[0])
    _usable(workspace)
    done = []
    for source in sources:
        target, backup = workspace / source.name, None
        if os.path.islink(target):
            raise WorkspaceError(f"{target} is a symbolic link (to {os.readlink(target)}): the kit never writes "
                                 f"through links in your workspace. Nothing was changed. Fix: `rm {target}` (what "
                                 f"it points to stays), then run again.")
        if os.path.lexists(target):
            if not os.path.isfile(target):
                raise WorkspaceError(f"{target} is not a notebook file (a folder, FIFO or device). Nothing was "
                                     f"changed. Fix: move it away (`mv {target} {target}.old`), then run again.")
            backup = _backup(target, workspace / ".backup")
        _copy(source, target, learner_copy=backup)
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
