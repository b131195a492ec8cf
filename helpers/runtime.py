"""Kernel-or-script detection, quick mode, seeding and the one setup call.

Every notebook starts with::

    import helpers
    run = helpers.setup(quick=quick, seed=seed)   # values from the parameters cell

``setup`` works the same in JupyterLab, under papermill, and in a script made
with ``jupyter nbconvert --to script`` (there ``--quick``/``--full``/``--seed``
on the command line are honoured too).
"""

import argparse
import contextlib
import os
import random
import sys
from dataclasses import dataclass

from . import config

__all__ = ["Run", "in_kernel", "quick_mode", "is_quick", "setup", "quiet_stderr", "import_tensorflow"]

_announced = set()
_last = {}


def in_kernel():
    """True inside a Jupyter kernel (JupyterLab, nbval, papermill), False in a plain script."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


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
    """

    quick: bool
    seed: int
    interactive: bool

    def pick(self, *, quick, full):
        """Return ``quick`` in quick mode and ``full`` otherwise.

        Example::

            epochs = run.pick(quick=3, full=15)
        """
        return quick if self.quick else full

    @property
    def mode(self):
        """``"quick"`` or ``"full"``."""
        return "quick" if self.quick else "full"


def setup(quick=None, seed=42, deterministic=False, announce=True):
    """Prepare a notebook or script: mode, quiet TensorFlow, seeds, GPU memory growth.

    Args:
        quick: Force quick (True) or full (False) mode; ``None`` = ``--quick``
            on a script's command line, else ``WORKSHOP_QUICK``.
        seed: Seed for Python, NumPy and Keras (``keras.utils.set_random_seed``).
            A script's ``--seed N`` overrides the default 42.
        deterministic: Also enable TensorFlow op determinism (slower on GPU).
        announce: Print the one-line mode banner (once per process and mode).

    Returns:
        Run: the decisions, with ``run.pick(quick=..., full=...)``.
    """
    is_quick = quick_mode(quick)
    cli_seed = _script_args().seed
    if cli_seed is not None and seed == 42:
        seed = cli_seed
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
    return Run(quick=is_quick, seed=seed, interactive=in_kernel())
