"""The machine-readable run summary a script writes at its end.

A notebook's last cell calls ``run.finish(test_accuracy=acc, history=history)``.
In a script (``jupyter nbconvert --to script``) that writes
``<WORKSHOP_OUTPUT_DIR or ./outputs>/<run id>.json`` with the metrics, the
parameters, the per-epoch history and times, the figures saved and the
duration.  The run id is ``<notebook>-<quick|full>-<6 hex digits of the parameters>``
(:func:`helpers.run.setup.run_id`), so parallel runs into one folder never overwrite each
other.  Inside Jupyter it writes only when ``WORKSHOP_OUTPUT_DIR`` is set (e.g. for
papermill batch runs), so a live workshop leaves no files behind.
"""

import datetime
import json
import math
import os
import time
from pathlib import Path

from .. import config
from ..errors import MetricTypeError, OutputNotWritableError
from ..files import atomic_write

__all__ = ["epoch_timer", "summary_dict", "write_summary"]


def epoch_timer(seconds, cpu_seconds=None, training_only=False):
    """The kit's one epoch timer: a Keras callback appending each epoch's seconds to ``seconds``.

    ``run.track()`` returns one for the run summary; the benchmarks and ``hpc/train_distributed.py`` use it
    too, so every figure of "seconds per epoch" is measured the same way.

    Args:
        seconds: A list; each epoch's wall-clock seconds are appended.
        cpu_seconds: Optional list; each epoch's CPU seconds of this process (all threads) are appended.
        training_only: Stop the clock at the last training batch, so the validation pass is not counted.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        """Records wall-clock (and CPU) seconds per epoch."""

        def on_epoch_begin(self, epoch, logs=None):
            self._start = self._end = time.perf_counter()
            self._cpu = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            if training_only:
                self._end = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            end = self._end if training_only else time.perf_counter()
            seconds.append(round(end - self._start, 4))
            if cpu_seconds is not None:
                cpu_seconds.append(round(time.process_time() - self._cpu, 3))

    return EpochTimer()


def _number(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetricTypeError(f"run.finish(): metric {name}={value!r} is not a number. "
                              f"Fix: pass a plain number, e.g. {name}=float(...).") from None
    if not math.isfinite(number):
        return None  # JSON has no NaN/inf; record it as null rather than write invalid JSON
    return number


def summary_dict(run, metrics, history=None, figures=(), epoch_seconds=()):
    """Build the summary as a JSON-ready dict (see :func:`write_summary`)."""
    from .device import device_report, versions

    clean = {name: _number(name, value) for name, value in metrics.items()}
    hist = getattr(history, "history", history) or {}
    curves = {key: [_number(key, v) for v in values] for key, values in hist.items()}
    epochs_run = max((len(v) for v in curves.values()), default=None)
    return {
        "notebook": run.notebook,
        "run_id": getattr(run, "name", run.notebook),
        "mode": run.mode,
        "seed": run.seed,
        "params": {k: v for k, v in run.params.items()},
        "metrics": clean,
        "epochs_run": epochs_run,
        "history": curves,
        "epoch_seconds": list(epoch_seconds),
        "train_seconds": round(sum(epoch_seconds), 3) if epoch_seconds else None,
        "duration_seconds": round(time.perf_counter() - run.started, 3),
        "figures": [dict(f) for f in figures],
        "device": device_report(),
        "threads": os.cpu_count(),
        "versions": versions(("tensorflow", "keras", "numpy")),
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def write_summary(summary, directory=None):
    """Write ``summary`` to ``<directory>/<run id>.json`` atomically (temp file, then rename).

    Returns:
        pathlib.Path: the file written.

    Raises:
        OutputNotWritableError: the directory cannot be created or written.
    """
    directory = Path(directory) if directory is not None else config.output_dir()
    path = directory / f"{summary.get('run_id') or summary['notebook']}.json"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w") as fh:
            json.dump(summary, fh, indent=2)
            fh.write("\n")
    except OSError as err:
        raise OutputNotWritableError(f"Could not write the run summary to {path}: {err.strerror or err}. "
                                     f"Fix: point WORKSHOP_OUTPUT_DIR (or --output-dir) at a writable folder.") from None
    return path
