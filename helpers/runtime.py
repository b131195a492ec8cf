"""Kernel-or-script detection, quick mode, seeding and the one setup call.

Every notebook starts with::

    import helpers
    run = helpers.setup(quick=quick, seed=seed, epochs=epochs)   # values from the parameters cell

``setup`` works the same in JupyterLab, under papermill, and in a script made
with ``jupyter nbconvert --to script``.  Each parameter can be overridden by
``WORKSHOP_<NAME>`` and, in a script, by ``--<name>`` (see :mod:`helpers.params`;
``python notebook.py --help`` lists them).  The last cell calls ``run.finish(...)``,
which writes the JSON run summary in a script (see :mod:`helpers.summary`).
"""

import argparse
import contextlib
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import config

__all__ = ["Run", "in_kernel", "notebook_name", "quick_mode", "is_quick", "setup", "quiet_stderr",
           "import_tensorflow"]

_announced = set()
_last = {}


def in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbval, papermill), False in a plain script."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def notebook_name():
    """The running notebook's name: the script's stem, else Jupyter's session name, else ``"notebook"``."""
    if not in_kernel():
        script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
        if script is not None and script.suffix == ".py" and script.stem not in ("__main__", "pytest"):
            return script.stem
        return "notebook"
    session = os.environ.get("JPY_SESSION_NAME", "")
    return Path(session).stem if session.endswith(".ipynb") else "notebook"


def _script_args():
    """Parse ``--quick/--full/--seed`` from ``sys.argv`` in scripts; ignore unknown arguments."""
    if in_kernel():  # a kernel's argv holds "-f <connection file>"
        return argparse.Namespace(quick=None, seed=None)
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", dest="quick", action="store_true", default=None)
    group.add_argument("--full", dest="quick", action="store_false")
    parser.add_argument("--seed", type=int, default=None)
    args, _unknown = parser.parse_known_args(sys.argv[1:])
    return args


def quick_mode(quick=None):
    """Decide quick or full mode.

    Precedence: the ``quick`` argument (e.g. from a papermill parameter), then
    ``--quick``/``--full`` on a script's command line, then ``WORKSHOP_QUICK``,
    then full mode.

    Args:
        quick: ``True``/``False`` to force a mode, ``None`` to look further.

    Returns:
        bool: True for quick mode.
    """
    if quick is not None:
        return bool(quick)
    cli = _script_args().quick
    if cli is not None:
        return cli
    env = config.quick_from_env()
    return bool(env) if env is not None else False


def is_quick():
    """The mode chosen by the last :func:`setup` call, else :func:`quick_mode`.

    Checks use this to pick quick- or full-mode metric floors.
    """
    return _last["quick"] if "quick" in _last else quick_mode()


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to ``/dev/null`` for the duration of the block.

    TensorFlow writes C-level log lines (CUDA stubs, absl) straight to fd 2,
    which ``TF_CPP_MIN_LOG_LEVEL`` does not fully silence and which a Jupyter
    kernel would store in the notebook.  Python exceptions still propagate.
    """
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ else 2
    except (AttributeError, OSError, ValueError):
        fd = 2
    for stream in (sys.stderr, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Import and return TensorFlow without its C-level start-up noise."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        import tensorflow as tf
        import keras  # noqa: F401  (its backend import is noisy too)

        tf.config.list_physical_devices("GPU")  # first device query logs CUDA probing to fd 2
    return tf


@dataclass(frozen=True)
class Run:
    """What :func:`setup` decided for this run.

    Attributes:
        quick: True in quick mode (small data, few epochs).
        seed: The random seed used for Python, NumPy and Keras.
        interactive: True inside a Jupyter kernel, False in a script.
        params: Every parameter after overrides, e.g. ``run.params["epochs"]``;
            each is also an attribute: ``run.epochs``.
        notebook: The notebook's name (a script's file stem).
        started: ``time.perf_counter()`` at setup, for the summary's duration.
    """

    quick: bool
    seed: int
    interactive: bool
    params: dict = field(default_factory=dict)
    notebook: str = "notebook"
    started: float = field(default_factory=time.perf_counter)
    _epoch_seconds: list = field(default_factory=list, repr=False, compare=False)

    def __getattr__(self, name):
        params = self.__dict__.get("params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"run has no parameter {name!r}; it has {sorted(params)}. "
                             f"Fix: pass {name}={name} to helpers.setup() from the parameters cell.")

    def pick(self, *, quick, full):
        """Return ``quick`` in quick mode and ``full`` otherwise.

        Example::

            epochs = run.epochs or run.pick(quick=3, full=15)
        """
        return quick if self.quick else full

    @property
    def mode(self):
        """``"quick"`` or ``"full"``."""
        return "quick" if self.quick else "full"

    def track(self):
        """A Keras callback recording each epoch's time for the run summary.

        Example::

            history = model.fit(..., callbacks=[run.track()])
        """
        from .summary import epoch_timer

        return epoch_timer(self._epoch_seconds)

    def finish(self, history=None, **metrics):
        """End the run: in a script, write the JSON summary; in Jupyter, only if ``WORKSHOP_OUTPUT_DIR`` is set.

        Args:
            history: Optional ``model.fit`` History, stored epoch by epoch.
            **metrics: Final numbers, e.g. ``test_accuracy=0.98``.

        Returns:
            pathlib.Path | None: the summary file, or None when nothing was written.

        Raises:
            MetricTypeError: a metric is not a number.
            OutputNotWritableError: the output folder cannot be written.
        """
        from .plotting import saved_figures
        from .summary import summary_dict, write_summary

        summary = summary_dict(self, metrics, history, saved_figures(), self._epoch_seconds)
        if in_kernel() and not os.environ.get("WORKSHOP_OUTPUT_DIR", "").strip():
            return None
        path = write_summary(summary)
        print(f"[summary saved: {path}]")
        return path


def setup(quick=None, seed=42, deterministic=False, announce=True, **params):
    """Prepare a notebook or script: parameters, mode, quiet TensorFlow, seeds, GPU memory growth.

    Each parameter is taken from the ``parameters`` cell (the arguments here),
    overridden by ``WORKSHOP_<NAME>``, overridden in a script by ``--<name>``.
    In a script, ``--help`` lists them and exits.

    Args:
        quick: The cell's choice: True (quick), False (full) or None (full unless
            overridden). ``WORKSHOP_QUICK`` overrides it, ``--quick``/``--full`` override both.
        seed: Seed for Python, NumPy and Keras (``keras.utils.set_random_seed``).
        deterministic: Also enable TensorFlow op determinism (slower on GPU).
        announce: Print the one-line mode banner (once per process and mode).
        **params: Further parameters from the cell, e.g. ``epochs=None, batch_size=128``;
            read them back as ``run.epochs``.

    Returns:
        Run: the decisions, with ``run.pick(quick=..., full=...)``.

    Raises:
        ConfigError: an environment variable holds a value of the wrong type.
    """
    from .params import resolve

    interactive = in_kernel()
    name = notebook_name()
    values, _sources = resolve({"quick": quick, "seed": seed, **params}, use_cli=not interactive,
                               prog=f"{name}.py")
    is_quick = bool(values.pop("quick"))
    seed = values.pop("seed")
    seed = 42 if seed is None else seed
    for key, var in (("figures_dir", "WORKSHOP_FIGURES_DIR"), ("output_dir", "WORKSHOP_OUTPUT_DIR")):
        if values.get(key) is not None:
            os.environ[var] = str(values[key])  # the folders are read from the environment on each use
    if not interactive:
        _use_agg()
    if announce and is_quick not in _announced:
        _announced.add(is_quick)
        if is_quick:
            print("QUICK MODE: small data and few epochs. These numbers are not the full-run results "
                  "(unset WORKSHOP_QUICK or pass --full for the real thing).")
        else:
            print("Full mode: complete data sets and full training (WORKSHOP_QUICK=1 for a fast smoke run).")
    tf = import_tensorflow()
    import keras

    from .device import enable_memory_growth

    enable_memory_growth(tf)
    random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds NumPy and the backend
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    _last["quick"] = is_quick
    return Run(quick=is_quick, seed=seed, interactive=interactive, params=values, notebook=name)


def _use_agg():
    """Scripts draw off-screen: select matplotlib's Agg backend (a batch node has no display)."""
    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"
