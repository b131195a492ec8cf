"""Measurements that need a fresh process: solution scripts, imports, kernel start, data loads."""

import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["run_solution", "startup_costs", "data_loads"]


def run_solution(path, quick, epochs=None, reuse=None):
    """Run a solution as a script (``helpers.tools.scripts.run_as_script``) and read its JSON summary.

    Args:
        path: The solution notebook.
        quick: Quick mode (True) or full mode (False).
        epochs: Override the notebook's epochs (a smoke test).
        reuse: A ``ScriptRun`` already made with the same settings (e.g. by the test suite): its
            numbers are used instead of running again.

    Returns:
        dict: ``wall_seconds`` (whole script, Python start and TensorFlow import included),
        ``train_seconds`` and ``epoch_seconds`` (from the notebook's ``run.track()``),
        ``peak_memory_mib``, ``metrics``, ``history``, ``epochs_run``.

    Raises:
        RuntimeError: the script failed; its output tail is in the message.
    """
    from helpers.tools.scripts import run_as_script

    result = reuse
    if result is None:
        args = ["--quick" if quick else "--full"] + (["--epochs", str(epochs)] if epochs is not None else [])
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            # a 1-epoch smoke run misses the floors: report the checks, don't stop
            result = run_as_script(path, args, workdir=tmp, env={"WORKSHOP_STRICT": "0" if epochs else None})
            summary = result.summary
    else:
        summary = result.summary
    if result.returncode != 0 or summary is None:
        raise RuntimeError(f"{path.name} as a script exited with {result.returncode}:\n"
                           f"{(result.stdout + result.stderr)[-3000:]}")
    return {"wall_seconds": result.wall_seconds, "train_seconds": summary["train_seconds"],
            "epoch_seconds": summary["epoch_seconds"], "peak_memory_mib": result.peak_memory_mib,
            "metrics": summary["metrics"], "history": summary["history"], "epochs_run": summary["epochs_run"]}


def _fresh(code, repeat=3):
    """Best of ``repeat`` fresh interpreters: the seconds ``code`` prints."""
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def startup_costs(repeat=3):
    """Import times in fresh interpreters, and a Jupyter kernel's start plus its first cell."""
    import nbformat
    from nbclient import NotebookClient

    timer = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
    out = {
        "import helpers": _fresh(timer.format("import helpers"), repeat),
        "import helpers + TensorFlow": _fresh(
            timer.format("import helpers; helpers.setup(quick=True, announce=False)"), repeat),
    }
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import helpers\nprint(helpers.__version__)")])
    starts = []
    for _ in range(repeat):
        start = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        starts.append(time.perf_counter() - start)
    out["kernel start + first cell"] = min(starts)
    return {k: round(v, 3) for k, v in out.items()}


def data_loads(quick):
    """Best of 5 cached loads of each data set (checksums verified on every load)."""
    import helpers

    helpers.load_mnist(quick=quick)  # make sure it is cached
    helpers.load_abalone()
    setup = "import helpers"
    name = "load_mnist(quick=True)" if quick else "load_mnist(quick=False)"
    return {
        name: round(min(timeit.repeat(f"helpers.{name}", setup, number=1, repeat=5)), 3),
        "load_abalone()": round(min(timeit.repeat("helpers.load_abalone()", setup, number=1, repeat=5)), 3),
    }
