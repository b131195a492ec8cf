"""The benchmark runs end to end in its tiny configuration and reports every number (no timed assertions)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from runs import script_run

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.slow
def test_tiny_benchmark_writes_a_complete_table_and_json(tmp_path, tmp_path_factory):
    # The solutions' numbers come from the suite's own script runs (one per notebook, shared with
    # test_scripts.py); the benchmark measures the references, start-up and loads itself.
    saved = tmp_path / "runs"
    saved.mkdir()
    runs = {}
    for path in SOLUTIONS:
        runs[path.stem] = script_run(tmp_path_factory, path)
        (saved / f"{path.stem}.json").write_text(runs[path.stem].to_json())
    env = dict(os.environ, WORKSHOP_QUICK="1")
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--out", str(tmp_path),
                           "--solution-runs", str(saved)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    res = json.loads((tmp_path / "results-tiny.json").read_text())
    report = (tmp_path / "results-tiny.md").read_text()
    assert report in proc.stdout  # printed and written

    solutions = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
    assert sorted(res["solutions"]) == solutions
    for name, sol in res["solutions"].items():
        assert sol["wall_seconds"] > 0 and sol["peak_memory_mib"] > 100, name  # TensorFlow alone needs more
        assert sol["metrics"] and all(v is None or math.isfinite(v) for v in sol["metrics"].values())
        assert f"| {name} |" in report
    for name, run in runs.items():  # the benchmark reported the suite's runs, not runs of its own
        assert res["solutions"][name]["wall_seconds"] == run.wall_seconds
        assert res["solutions"][name]["epochs_run"] == run.summary["epochs_run"]
    ref = res["cnn"]["reference"]
    assert len(ref["val_accuracy_per_epoch"]) == len(ref["epoch_seconds"]) == 1 and 0 <= ref["test_accuracy"] <= 1
    assert set(res["fnn"]) == {"softmax regression (SGD 0.01, batch 128)", "784-40-10 sigmoid (Adam, batch 128)"}
    assert set(res["abalone"]) == {"mean baseline", "LinearRegression", "HistGradientBoostingRegressor"}
    assert res["abalone"]["HistGradientBoostingRegressor"]["mae"] < res["abalone"]["mean baseline"]["mae"]
    assert set(res["startup"]) == {"import helpers", "import helpers + TensorFlow", "kernel start + first cell"}
    assert res["startup"]["import helpers"] < res["startup"]["import helpers + TensorFlow"]
    assert len(res["data_loads"]) == 2
    assert len(res["targets"]) == len(solutions) + 5
    for heading in ("## Solutions", "## CNN", "## FNN references", "## Abalone", "## Start-up", "## Targets"):
        assert heading in report
    machine = res["machine"]
    assert machine["cpus"] >= 1 and machine["versions"]["keras"] and machine["device"]
    assert "keras" in report and str(machine["cpus"]) in report


def test_time_to_reach_counts_epochs_until_the_target():
    from benchmarks.__main__ import time_to_reach

    assert time_to_reach(0.9, [0.5, 0.91, 0.95], [2.0, 1.5, 1.5]) == (3.5, 2)
    assert time_to_reach(0.99, [0.5, 0.91], [2.0, 1.5]) == (None, None)
