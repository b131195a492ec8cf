"""Benchmark: wall time and accuracy of every notebook, and data-load time.

Usage (from the repo root, with the data reachable)::

    .venv/bin/python benchmarks/run.py               # quick mode, all notebooks
    .venv/bin/python benchmarks/run.py --full 03 04  # full mode, notebooks whose name starts 03/04
    .venv/bin/python benchmarks/run.py --data-only   # just the loader timings

Each notebook runs top to bottom in a fresh kernel (kernel start included in
the time) on a copy, so stored outputs are not touched.  After the run, a cell
computes the test metric from the notebook's fixed names (``model``,
``x_test``, ``y_test``, ``y_train``).  Prints a Markdown table for the README
and writes ``benchmarks/results-<mode>.json``.
"""

import argparse
import json
import os
import platform
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_ACCURACY = """
import json as _json, numpy as _np
_y = _np.asarray(y_test)
_y = _y if _y.ndim == 1 else _y.argmax(-1)
_p = _np.asarray(model.predict(x_test, verbose=0)).argmax(-1)
print("BENCH " + _json.dumps({"test accuracy": round(float((_p == _y).mean()), 4)}))
"""
_MAE = """
import json as _json, numpy as _np
_pred = _np.asarray(model.predict(x_test, verbose=0)).ravel()
_yt = _np.asarray(y_test, dtype=float).ravel()
_base = float(_np.mean(_np.abs(_np.mean(_np.asarray(y_train, dtype=float)) - _yt)))
_mae = float(_np.mean(_np.abs(_pred - _yt)))
print("BENCH " + _json.dumps({"test MAE (years)": round(_mae, 3), "baseline MAE": round(_base, 3),
                              "better than baseline": f"{1 - _mae / _base:.0%}"}))
"""
METRICS = {"03": _ACCURACY, "04": _ACCURACY, "05": _MAE}


def run_notebook(path, quick):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    probe = METRICS.get(path.name[:2])
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    os.environ["WORKSHOP_QUICK"] = "1" if quick else "0"
    start = time.perf_counter()
    NotebookClient(nb, timeout=3600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    metrics = {}
    if probe:
        for out in nb.cells[-1].outputs:
            for line in out.get("text", "").splitlines():
                if line.startswith("BENCH "):
                    metrics = json.loads(line[6:])
    return seconds, metrics


def data_timings():
    setup = "import helpers.data as d"
    return {
        "load_mnist(quick=True), cached": min(timeit.repeat("d.load_mnist(quick=True)", setup, number=1, repeat=5)),
        "load_abalone(), cached": min(timeit.repeat("d.load_abalone()", setup, number=1, repeat=5)),
    }


def machine():
    import keras
    import tensorflow as tf

    from helpers.device import device_report

    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {device_report(tf)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only notebooks whose name starts with one of these")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--data-only", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("WORKSHOP_STRICT", "1")
    mode = "full" if args.full else "quick"
    from helpers.runtime import import_tensorflow

    import_tensorflow()
    results = {"machine": machine(), "mode": mode, "data": data_timings(), "notebooks": {}}
    print(f"Machine: {results['machine']}\n")
    for name, seconds in results["data"].items():
        print(f"- {name}: {seconds * 1000:.0f} ms")
    if not args.data_only:
        paths = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
        paths = [p for p in paths if not args.prefixes or any(p.name.startswith(x) for x in args.prefixes)]
        print(f"\n| notebook | {mode} mode wall time (s) | result |\n|---|---|---|")
        for path in paths:
            seconds, metrics = run_notebook(path, quick=not args.full)
            results["notebooks"][f"{path.parent.name}/{path.name}"] = {"seconds": round(seconds, 1), **metrics}
            shown = ", ".join(f"{k} {v}" for k, v in metrics.items()) or "runs clean"
            print(f"| {path.parent.name}/{path.stem} | {seconds:.1f} | {shown} |", flush=True)
    out = ROOT / "benchmarks" / f"results-{mode}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten: benchmarks/{out.name}")


if __name__ == "__main__":
    main()
