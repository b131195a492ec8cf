"""Cost growth: the 04 CNN trained on more and more images, one fresh process per size.

Each size runs in its own Python process (``python -m benchmarks.growth --size N ...``), so its peak
memory is its own and not the high-water mark of a larger run before it.  The worker builds what
the notebook builds, from the notebook's own cells: the Setup section (with the ``dataset`` and
``epochs`` parameters), then every cell from ``## Model`` up to the one that calls ``model.fit``
(the model, the ``tf.data`` pipeline, the compiled optimizer), with the first ``N`` training
images of the full set in place of the notebook's split.  It then trains for ``epochs`` epochs
without validation and prints one JSON line: the wall and CPU seconds of every epoch, and the peak
memory while training (Linux: ``VmHWM`` after resetting it through ``/proc/self/clear_refs`` just
before ``fit``, so loading the full data set, the same for every size, does not mask the growth).
Time is judged on CPU seconds as well as wall seconds: on a shared machine other processes stretch
the wall time of some sizes more than others.
"""

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "04_cnn_mnist"
_CHECK_LINE = re.compile(r"^\s*q\d+\.(check|hint|solution)\(\)\s*(#.*)?$", re.MULTILINE)

__all__ = ["SIZES", "TINY_SIZES", "cost_growth", "growth_summary", "measure_size"]

SIZES = (7500, 15000, 30000, 60000)
TINY_SIZES = (256, 512)


def _model_and_pipeline_cells(notebook=NOTEBOOK):
    """The code cells from the ``## Model`` heading up to (not including) the first one that calls ``model.fit``."""
    from helpers.checks.catch_up import code_cells

    cells = code_cells(notebook)
    start = next(i for i, (_, kind, src, _) in enumerate(cells)
                 if kind == "markdown" and any(line.strip() == "## Model" for line in src.splitlines()))
    stop = next(i for i, (_, kind, src, _) in enumerate(cells) if i > start and kind == "code" and "model.fit(" in src)
    return [(index, src) for index, kind, src, tags in cells[start:stop] if kind == "code" and "test-only" not in tags]


def _worker(size, epochs, dataset, quick):
    """Train the notebook's CNN on the first ``size`` training images; return the measurements."""
    import numpy as np

    import helpers
    from helpers.run import state
    from helpers.checks.catch_up import run_solution_cells
    from helpers.run.summary import epoch_timer

    ns = run_solution_cells(NOTEBOOK, until="## Data", params={"dataset": dataset, "epochs": epochs}, quick=quick)
    (x, y), _ = helpers.load_images(dataset, quick=quick)
    if size > len(x):
        raise SystemExit(f"--size {size} is more than the {len(x)} training images of {dataset} "
                         f"({'quick' if quick else 'full'} mode). Fix: pick a size up to {len(x)}.")
    x_train, y_train = x[:size, ..., np.newaxis], y[:size]
    ns.update(x_train=x_train, y_train=y_train, x_val=x_train[:0], y_val=y_train[:0])
    with state.muted(), contextlib.redirect_stdout(io.StringIO()):
        for index, source in _model_and_pipeline_cells():
            exec(compile(_CHECK_LINE.sub("pass", source), f"<{NOTEBOOK}, cell {index}>", "exec"), ns)  # noqa: S102
    seconds, cpu_seconds = [], []
    model, train_ds = ns["model"], ns["train_ds"]
    before = _memory()
    reset = _reset_peak()
    model.fit(train_ds, epochs=epochs, verbose=0, shuffle=False,
              callbacks=[epoch_timer(seconds, cpu_seconds)])
    after = _memory()
    return {"size": size, "epochs": epochs, "epoch_seconds": seconds, "epoch_cpu_seconds": cpu_seconds,
            "batch_size": ns["batch_size"], "images_mib": round(x_train.nbytes / 2**20, 1),
            "rss_before_training_mib": before["VmRSS"],
            "peak_memory_mib": after["VmHWM"] if reset else None,  # the peak while training
            # the whole process, loading the full data set included (VmHWM: ru_maxrss starts at the parent's peak)
            "process_peak_memory_mib": max(before["VmHWM"], after["VmHWM"])}


def _memory():
    """``VmRSS`` and ``VmHWM`` (peak) of this process in MiB, from ``/proc/self/status`` (Linux)."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(value.split()[0]) / 1024)
    return out


def _reset_peak():
    """Reset this process's peak resident memory (``VmHWM``) to its current size; False where Linux refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def measure_size(size, epochs=3, dataset="fashion", quick=False, timeout=1800):
    """Run the worker for one size in a fresh process; return its measurements.

    Returns:
        dict: ``size``, ``epoch_seconds`` (every epoch), ``steady_epoch_seconds`` (median of the epochs
        after the first, which also builds the graph; the first when there is only one),
        ``seconds_per_1000_images``, ``peak_memory_mib``, ``images_mib`` and ``wall_seconds``.

    Raises:
        RuntimeError: the worker failed; the tail of its output is in the message.
    """
    cmd = [sys.executable, "-m", "benchmarks.growth", "--size", str(size), "--epochs", str(epochs),
           "--dataset", dataset, "--quick" if quick else "--full"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_") or k in (
        "WORKSHOP_DATA_DIR", "WORKSHOP_CACHE_DIR", "WORKSHOP_OFFLINE", "WORKSHOP_MIRROR")}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"cost growth, size {size}: exit {proc.returncode}\n{(proc.stdout + proc.stderr)[-3000:]}")
    row = json.loads(lines[-1])
    later = row["epoch_seconds"][1:] or row["epoch_seconds"]
    row["steady_epoch_seconds"] = round(statistics.median(later), 3)
    row["seconds_per_1000_images"] = round(1000 * row["steady_epoch_seconds"] / size, 4)
    later = row["epoch_cpu_seconds"][1:] or row["epoch_cpu_seconds"]
    row["steady_epoch_cpu_seconds"] = round(statistics.median(later), 3)
    row["cpu_seconds_per_1000_images"] = round(1000 * row["steady_epoch_cpu_seconds"] / size, 4)
    if row["peak_memory_mib"] is None:  # no way to reset the peak here: the whole process's peak
        row["peak_memory_mib"] = row["process_peak_memory_mib"]
    row["wall_seconds"] = round(wall, 1)
    return row


def cost_growth(sizes=SIZES, epochs=3, dataset="fashion", quick=False):
    """:func:`measure_size` for every size, smallest first, and :func:`growth_summary` of them."""
    rows = []
    for size in sizes:
        print(f"  cost growth: {size} images", flush=True)
        rows.append(measure_size(size, epochs, dataset, quick))
    return {"dataset": dataset, "mode": "quick" if quick else "full", "epochs": epochs, "rows": rows,
            "summary": growth_summary(rows)}


def growth_summary(rows):
    """How time per epoch and peak memory grow from the smallest to the largest size.

    Time is linear in the number of images when the seconds per 1,000 images stay the same: their
    spread (largest minus smallest, over the mean) is reported for CPU seconds, which other processes
    on the machine hardly change, and for wall seconds, which they do.  Memory is the peak while
    training, compared with the images themselves: ``memory_growth_mib`` against ``images_growth_mib``.
    """
    first, last = rows[0], rows[-1]

    def spread(key):
        values = [r[key] for r in rows]
        return round((max(values) - min(values)) / statistics.mean(values), 2)

    return {
        "size_ratio": round(last["size"] / first["size"], 2),
        "epoch_time_ratio": round(last["steady_epoch_seconds"] / first["steady_epoch_seconds"], 2),
        "epoch_cpu_ratio": round(last["steady_epoch_cpu_seconds"] / first["steady_epoch_cpu_seconds"], 2),
        "per_image_time_spread": spread("seconds_per_1000_images"),
        "per_image_cpu_spread": spread("cpu_seconds_per_1000_images"),
        "memory_growth_mib": last["peak_memory_mib"] - first["peak_memory_mib"],
        "memory_growth_fraction": round((last["peak_memory_mib"] - first["peak_memory_mib"])
                                        / first["peak_memory_mib"], 3),
        "images_growth_mib": round(last["images_mib"] - first["images_mib"], 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="number of training images")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dataset", choices=("mnist", "fashion"), default="fashion")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=False)
    mode.add_argument("--full", dest="quick", action="store_false")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    print(json.dumps(_worker(args.size, args.epochs, args.dataset, args.quick)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
