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

__all__ = ["run_solution", "startup_costs", "data_loads", "machine_load"]


def machine_load():
    """What else the machine was doing: load averages and the busiest other processes (``ps``).

    Returns:
        dict: ``loadavg`` (1, 5, 15 minutes) and ``busiest``: up to 5 ``"<%CPU> <command>"`` lines
        of processes other than this one and its children.
    """
    out = {"loadavg": [round(v, 2) for v in os.getloadavg()], "busiest": []}
    try:
        ps = subprocess.run(["ps", "-eo", "pid,ppid,pcpu,args", "--sort=-pcpu"], capture_output=True, text=True,
                            timeout=10).stdout.splitlines()[1:]
    except (OSError, subprocess.SubprocessError):
        return out
    me = os.getpid()
    for line in ps:
        pid, ppid, cpu, *args = line.split(None, 3)
        if int(pid) in (me,) or int(ppid) == me or not args or float(cpu) < 5:
            continue
        out["busiest"].append(f"{cpu}% {args[0][:90]}")
        if len(out["busiest"]) == 5:
            break
    return out


def run_solution(path, quick, epochs=None, reuse=None, dataset=None):
    """Run a solution as a script (``helpers.tools.scripts.run_as_script``) and read its JSON summary.

    Args:
        path: The solution notebook.
        quick: Quick mode (True) or full mode (False).
        epochs: Override the notebook's epochs (a smoke test).
        reuse: A ``ScriptRun`` already made with the same settings (e.g. by the test suite): its
            numbers are used instead of running again.
        dataset: ``--dataset`` for the notebooks that take it (03, 04); None: the notebook's default.

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
        args += ["--dataset", dataset] if dataset is not None else []
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
            "metrics": summary["metrics"], "history": summary["history"], "epochs_run": summary["epochs_run"],
            "params": summary["params"], "mode": summary["mode"], "run_id": summary.get("run_id")}


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


def data_loads(quick, dataset=None):
    """Best of 5 cached loads of each data set (checksums verified on every load).

    Args:
        quick: Quick-mode or full-mode data.
        dataset: ``"mnist"`` or ``"fashion"``: time ``load_images`` of that set only; None: MNIST and abalone.
    """
    import helpers

    setup = "import helpers"
    calls = ([f"load_images({dataset!r}, quick={bool(quick)})"] if dataset is not None
             else [f"load_mnist(quick={bool(quick)})", "load_abalone()"])
    out = {}
    for call in calls:
        eval(f"helpers.{call}", {"helpers": helpers})  # noqa: S307  (our own call: make sure it is cached)
        out[call] = round(min(timeit.repeat(f"helpers.{call}", setup, number=1, repeat=5)), 3)
    return out
