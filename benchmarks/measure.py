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


def _wait_with_memory(proc):
    """Wait for ``proc``; return (exit code, peak resident memory of that child in MiB)."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def run_solution(path, quick, epochs=None):
    """Convert a solution with nbconvert, run it as a script, read its JSON summary.

    Returns:
        dict: ``wall_seconds`` (whole script, Python start and TensorFlow import included),
        ``train_seconds`` and ``epoch_seconds`` (from the notebook's ``run.track()``),
        ``peak_memory_mib``, ``metrics``, ``history``.

    Raises:
        RuntimeError: the script failed; its output tail is in the message.
    """
    from nbconvert import ScriptExporter

    body, _ = ScriptExporter().from_filename(str(path))
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        script = Path(tmp) / f"{path.stem}.py"
        script.write_text(body, encoding="utf-8")
        env = dict(os.environ, WORKSHOP_OUTPUT_DIR=str(Path(tmp) / "outputs"),
                   WORKSHOP_FIGURES_DIR=str(Path(tmp) / "figures"),
                   WORKSHOP_STRICT="0" if epochs is not None else "")  # a 1-epoch smoke run misses the floors
        args = [sys.executable, script.name, "--quick" if quick else "--full"]
        if epochs is not None:
            args += ["--epochs", str(epochs)]
        log = Path(tmp) / "log.txt"
        with open(log, "w") as fh:
            start = time.perf_counter()
            proc = subprocess.Popen(args, cwd=tmp, env=env, stdout=fh, stderr=subprocess.STDOUT)
            code, peak = _wait_with_memory(proc)
            wall = time.perf_counter() - start
        if code != 0:
            raise RuntimeError(f"{path.name} as a script exited with {code}:\n{log.read_text()[-3000:]}")
        summary = json.loads((Path(tmp) / "outputs" / f"{path.stem}.json").read_text())
    return {"wall_seconds": round(wall, 2), "train_seconds": summary["train_seconds"],
            "epoch_seconds": summary["epoch_seconds"], "peak_memory_mib": round(peak),
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
