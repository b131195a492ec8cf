"""Where the code runs, for which notebook, in which mode: the ground floor, with no TensorFlow.

* :func:`in_kernel`: a Jupyter kernel (JupyterLab, nbval, papermill, nbclient) or a plain script.
* :func:`notebook_name`: the name the notebook gave itself in ``helpers.setup("04_cnn_mnist", ...)``,
  else a script's file stem, else Jupyter's session name, else ``"notebook"``.
* :func:`quick_mode` resolves the mode with the one parameter resolver (:mod:`helpers.run.params`);
  :func:`is_quick` returns what ``setup`` decided; :func:`set_mode` sets it (setup and tests use it).
* :func:`run_facts` is what a check judges by (mode and ``dataset``), from a given run or the current one.
* :func:`active_run` is the run that ``helpers.setup`` started, so lower modules (figures) can record
  into it without importing :mod:`helpers.run.setup`.
"""

import contextlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import params

__all__ = ["in_kernel", "notebook_name", "set_notebook", "quick_mode", "set_mode", "is_quick",
           "activate", "active_run", "first_time", "muted", "is_muted", "reset", "RunFacts", "run_facts"]

_state = {"quick": None, "notebook": None, "run": None, "seen": set(), "muted": 0}


def in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbval, papermill, nbclient), False in a plain script."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def set_notebook(name):
    """Record the running notebook's own name (``helpers.setup`` does this); ``None`` forgets it."""
    _state["notebook"] = Path(str(name)).stem if name else None


def notebook_name():
    """The running notebook's name.

    In order: the name given to ``helpers.setup(name, ...)``; in a script, the script's file stem;
    in a kernel, Jupyter's session name (JupyterLab sets it, papermill and nbclient do not); else
    ``"notebook"``.  Every notebook of the kit names itself, so its outputs are named right everywhere.
    """
    if _state["notebook"]:
        return _state["notebook"]
    if not in_kernel():
        script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
        if script is not None and script.suffix == ".py" and script.stem not in ("__main__", "pytest"):
            return script.stem
        return "notebook"
    session = os.environ.get("JPY_SESSION_NAME", "")
    return Path(session).stem if session.endswith(".ipynb") else "notebook"


def quick_mode(quick=None):
    """Resolve quick or full mode with the kit's one order: ``quick`` < ``WORKSHOP_QUICK`` < ``--quick/--full``.

    ``quick`` plays the part of the ``parameters`` cell; the command line is read only in a script.

    Args:
        quick: The cell's value: True, False, or None (no preference).

    Returns:
        bool: True for quick mode (full mode when nothing says otherwise).

    Raises:
        ConfigError: ``WORKSHOP_QUICK`` is not a yes/no value.
    """
    values, _ = params.resolve({"quick": quick}, use_cli=not in_kernel(), warn_unknown=False)
    return bool(values["quick"])


def set_mode(quick):
    """Fix the mode for this process: True (quick), False (full), None (resolve again on each call)."""
    _state["quick"] = None if quick is None else bool(quick)


def is_quick():
    """The mode fixed by ``helpers.setup`` (or :func:`set_mode`), else :func:`quick_mode`.

    Loaders and checks (quick- or full-mode metric floors) use this.
    """
    return _state["quick"] if _state["quick"] is not None else quick_mode()


def activate(run):
    """Make ``run`` the current run (``helpers.setup`` calls this); ``None`` ends it."""
    _state["run"] = run


def active_run():
    """The run started by the last ``helpers.setup`` call, or ``None``."""
    return _state["run"]


def first_time(key):
    """True the first time ``key`` is seen in this process (e.g. to print the mode banner once)."""
    if key in _state["seen"]:
        return False
    _state["seen"].add(key)
    return True


@contextlib.contextmanager
def muted():
    """While active, ``helpers.show()`` neither displays nor saves figures (catching up runs cells this way)."""
    _state["muted"] += 1
    try:
        yield
    finally:
        _state["muted"] -= 1


def is_muted():
    """True inside :func:`muted`."""
    return _state["muted"] > 0


def reset():
    """Forget the notebook name, the fixed mode, the current run and what was announced (a fresh start)."""
    _state.update(quick=None, notebook=None, run=None, seen=set(), muted=0)


@dataclass(frozen=True)
class RunFacts:
    """What a check may depend on: the mode and the image data set of the run it judges.

    Attributes:
        quick: True in quick mode (smaller data, fewer epochs: lower accuracy floors).
        dataset: The run's ``dataset`` parameter (``"mnist"`` when the notebook has none).
    """

    quick: bool
    dataset: str = "mnist"

    @property
    def mode(self):
        """``"quick"`` or ``"full"``."""
        return "quick" if self.quick else "full"


def run_facts(run=None):
    """The :class:`RunFacts` of ``run`` (a ``Run``, a ``RunFacts``, or None for the current run).

    Without a run (a check called before ``helpers.setup``), the mode is resolved as ``helpers.quick_mode``
    does and the data set is MNIST.
    """
    if isinstance(run, RunFacts):
        return run
    run = active_run() if run is None else run
    if run is None:
        return RunFacts(quick=is_quick())
    params = getattr(run, "params", None) or {}
    return RunFacts(quick=bool(run.quick), dataset=params.get("dataset") or "mnist")
