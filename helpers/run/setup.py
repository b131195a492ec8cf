"""The one setup call and the run it starts: the top floor of the package.

Every notebook starts with::

    import helpers
    run = helpers.setup("04_cnn_mnist", quick=quick, seed=seed, epochs=epochs)   # values from the parameters cell

``setup`` works the same in JupyterLab, under papermill, and in a script made
with ``jupyter nbconvert --to script``.  Each parameter can be overridden by
``WORKSHOP_<NAME>`` and, in a script, by ``--<name>`` (see :mod:`helpers.run.params`;
``python notebook.py --help`` lists them).  The last cell calls ``run.finish(...)``,
which writes the JSON run summary in a script (see :mod:`helpers.run.summary`).

This is the only module that brings together the context, the device, figures,
the summary and the parameters; nothing below it imports it.
"""

import hashlib
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field

from . import state, device, threads
from .params import resolve as resolve_params

__all__ = ["Run", "setup", "run_id"]


@dataclass(frozen=True)
class Run:
    """What :func:`setup` decided for this run, and what the run has recorded so far.

    Attributes:
        quick: True in quick mode (small data, few epochs).
        seed: The random seed used for Python, NumPy and Keras.
        interactive: True inside a Jupyter kernel, False in a script.
        params: Every parameter after overrides, e.g. ``run.params["epochs"]``;
            each is also an attribute: ``run.epochs``.
        notebook: The notebook's name, as it named itself in ``setup``.
        started: ``time.perf_counter()`` at setup, for the summary's duration.
        figures: One record per ``helpers.show()`` of this run (file, alt text, titles, axis labels).
        run_id: The name of this run's files, ``<notebook>-<mode>-<6 hex digits of its parameters>``
            (see :func:`run_id`); ``None`` (a ``Run`` made by hand) uses the notebook's name.
    """

    quick: bool
    seed: int
    interactive: bool
    params: dict = field(default_factory=dict)
    notebook: str = "notebook"
    started: float = field(default_factory=time.perf_counter)
    figures: list = field(default_factory=list, repr=False, compare=False)
    _epoch_seconds: list = field(default_factory=list, repr=False, compare=False)
    run_id: str = None

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
    def name(self):
        """The stem of this run's files: the summary ``<name>.json`` and the figures ``<name>-<figure>.png``."""
        return self.run_id or self.notebook

    @property
    def mode(self):
        """``"quick"`` or ``"full"``."""
        return "quick" if self.quick else "full"

    def record_figure(self, record):
        """Remember a figure that ``helpers.show()`` displayed or saved (called by :mod:`helpers.plotting`)."""
        self.figures.append(record)

    def track(self):
        """A Keras callback recording each epoch's time for the run summary.

        Example::

            history = model.fit(..., callbacks=[run.track()])
        """
        from .summary import epoch_timer

        return epoch_timer(self._epoch_seconds)

    @property
    def epoch_seconds(self):
        """The wall-clock seconds of each epoch that :meth:`track` has recorded so far (a copy).

        Example::

            print(f"the last epoch took {run.epoch_seconds[-1]:.1f} s")
        """
        return list(self._epoch_seconds)

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
        from .summary import summary_dict, write_summary

        summary = summary_dict(self, metrics, history, self.figures, self._epoch_seconds)
        if not _writes_summary(self.interactive):
            return None
        path = write_summary(summary)
        print(f"[summary saved: {path}]")
        return path


#: Parameters that say where a run writes, not what it computes: they do not change its name.
_WHERE = ("figures_dir", "output_dir")


def run_id(notebook, quick, seed, params):
    """The name of a run's files: ``<notebook>-<quick|full>-<6 hex digits>``, e.g. ``04_cnn_mnist-quick-3f9a2c``.

    The digits are the start of the SHA-256 of every parameter's final value (the ``parameters``
    cell, papermill's ``-p``, ``WORKSHOP_<NAME>`` and ``--<name>`` all end up there), so runs of
    different notebooks, or of one notebook with different parameters, never share a file even
    when they write into the same folder at the same time; the same parameters give the same name,
    so running again replaces the earlier run's files instead of piling up copies.  The folders
    a run writes to are not part of its name.
    """
    values = {"quick": bool(quick), "seed": seed,
              **{k: v for k, v in params.items() if k not in _WHERE}}
    digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:6]
    return f"{notebook}-{'quick' if quick else 'full'}-{digest}"


def _writes_summary(interactive):
    """Scripts always write a summary; a kernel only when ``WORKSHOP_OUTPUT_DIR`` is set (papermill)."""
    return not interactive or bool(os.environ.get("WORKSHOP_OUTPUT_DIR", "").strip())


def setup(notebook=None, quick=None, seed=42, deterministic=False, announce=True, **params):
    """Prepare a notebook or script: its name, parameters, mode, quiet TensorFlow, threads, GPU memory, seeds.

    Each parameter is taken from the ``parameters`` cell (the arguments here),
    overridden by ``WORKSHOP_<NAME>``, overridden in a script by ``--<name>``
    (:func:`helpers.run.params.resolve`, the kit's one resolver).
    In a script, ``--help`` lists them and exits.  Folders that the run will write
    to (figures and summary in a script) are checked now, before any training.

    TensorFlow's and the BLAS libraries' thread pools are sized to the CPUs this process may use
    (affinity and cgroup quota, or ``WORKSHOP_THREADS``; :mod:`helpers.run.threads`) before
    TensorFlow runs any op.  Each GPU either grows its memory on demand or, with
    ``WORKSHOP_GPU_MEMORY``, is capped at that many MiB for this process.

    Args:
        notebook: The notebook's own name, e.g. ``"04_cnn_mnist"``: summaries and figures are
            named after it in JupyterLab, papermill, nbclient, nbval and scripts alike.
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
        ConfigError: an environment variable holds a value of the wrong type or range.
        OutputNotWritableError: the figures or summary folder cannot be written.
        DeviceConfigError: ``WORKSHOP_GPU_MEMORY`` is set but TensorFlow already uses the GPU otherwise.
    """
    from .. import config

    state.set_notebook(notebook)
    interactive = state.in_kernel()
    name = state.notebook_name()
    values, _sources = resolve_params({"quick": quick, "seed": seed, **params}, use_cli=not interactive,
                                     prog=f"{name}.py")
    is_quick = bool(values.pop("quick"))
    seed = values.pop("seed")
    seed = 42 if seed is None else seed
    for key, var in (("figures_dir", "WORKSHOP_FIGURES_DIR"), ("output_dir", "WORKSHOP_OUTPUT_DIR")):
        if values.get(key) is not None:
            os.environ[var] = str(values[key])  # the folders are read from the environment on each use
    _check_output_folders(interactive)
    budget = threads.cpu_budget()  # WORKSHOP_THREADS and WORKSHOP_GPU_MEMORY are checked before any work
    gpu_memory = config.gpu_memory()
    if not interactive:
        _use_agg()
    if announce and state.first_time(("mode banner", is_quick)):
        if is_quick:
            print("QUICK MODE: small data and few epochs. These numbers are not the full-run results "
                  "(unset WORKSHOP_QUICK or pass --full for the real thing).")
        else:
            print("Full mode: complete data sets and full training (WORKSHOP_QUICK=1 for a fast smoke run).")
    threads.limit_environment(budget)
    tf = device.import_tensorflow()
    import keras

    threads.apply(budget, tf)
    device.configure_gpu_memory(tf, gpu_memory)
    random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds NumPy and the backend
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    state.set_mode(is_quick)
    if interactive:  # blanks that speak up, one-line messages for blanks, NameErrors and interrupts
        from . import kernel

        kernel.install()
    run = Run(quick=is_quick, seed=seed, interactive=interactive, params=values, notebook=name,
              run_id=run_id(name, is_quick, seed, values))
    state.activate(run)
    return run


def _check_output_folders(interactive):
    """Fail before training, not after it, when the run could not save its figures or summary."""
    from .. import config
    from ..files import ensure_writable_dir

    if not interactive:
        ensure_writable_dir(config.figures_dir(), "figures", "WORKSHOP_FIGURES_DIR (or --figures-dir)")
    if _writes_summary(interactive):
        ensure_writable_dir(config.output_dir(), "run summary", "WORKSHOP_OUTPUT_DIR (or --output-dir)")


def _use_agg():
    """Scripts draw off-screen: select matplotlib's Agg backend (a batch node has no display)."""
    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"
