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
    for heading in ("## Solutions", "## CNN", "## FNN references", "## Abalone", "## Sequences: 08's recurrent",
                    "## Hyperparameter search (09", "## Start-up", "## Targets"):
        assert heading in report
    # 08 beside 04's CNN (trained inside 08's run, and 04's own run), and 09's search, from the suite's runs
    seq = res["sequences"]
    assert [row["model"][:4] for row in seq["rows"]] == ["08 r", "04's", "04's"] and seq["ratio"] > 0
    for row in seq["rows"]:
        assert row["epochs"] >= 1 and row["seconds_per_epoch"] > 0 and 0 < row["test_accuracy"] <= 1
    assert seq["rows"][0]["test_accuracy"] == runs["08_sequences"].summary["metrics"]["test_accuracy"]
    assert seq["rows"][2]["epochs"] == runs["04_cnn_mnist"].summary["epochs_run"]
    search = res["search"]
    assert search["trials"] == 8 and search["search_seconds"] > 0 and 0 < search["best_val_accuracy"] <= 1
    assert search["test_accuracy"] == runs["09_hyperparameter_search"].summary["metrics"]["test_accuracy"]
    machine = res["machine"]
    assert machine["cpus"] >= 1 and machine["versions"]["keras"] and machine["device"]
    assert "keras" in report and str(machine["cpus"]) in report


def test_time_to_reach_counts_epochs_until_the_target():
    from benchmarks.__main__ import time_to_reach

    assert time_to_reach(0.9, [0.5, 0.91, 0.95], [2.0, 1.5, 1.5]) == (3.5, 2)
    assert time_to_reach(0.99, [0.5, 0.91], [2.0, 1.5]) == (None, None)


@pytest.mark.slow
def test_tiny_scale_benchmark_covers_the_full_mode_report(tmp_path, tmp_path_factory):
    # `--full --dataset fashion` in miniature: 03 and 04 on Fashion-MNIST (03 from the suite's own script run,
    # shared with test_fashion_dataset.py; 04 for 1 epoch by the benchmark), references on a few hundred
    # images, published figures, and the cost growth of the CNN on 256 and 512 images in fresh processes.
    saved = tmp_path / "runs"
    saved.mkdir()
    fnn = script_run(tmp_path_factory, ROOT / "solutions" / "03_fnn_mnist.ipynb", ["--quick", "--dataset", "fashion"])
    (saved / "03_fnn_mnist.json").write_text(fnn.to_json())
    env = dict(os.environ, WORKSHOP_QUICK="1")
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--dataset", "fashion", "--out", str(tmp_path),
                           "--solution-runs", str(saved)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    res = json.loads((tmp_path / "results-tiny-fashion.json").read_text())
    report = (tmp_path / "results-tiny-fashion.md").read_text()
    assert report in proc.stdout and res["dataset"] == "fashion"

    assert sorted(res["solutions"]) == ["03_fnn_mnist", "04_cnn_mnist"]
    assert res["solutions"]["03_fnn_mnist"]["wall_seconds"] == fnn.wall_seconds  # the suite's run, not a new one
    cnn = res["solutions"]["04_cnn_mnist"]
    assert cnn["epochs_run"] == 1 and cnn["params"]["dataset"] == "fashion" and cnn["peak_memory_mib"] > 100
    for name, sol in res["solutions"].items():
        assert sol["params"]["dataset"] == "fashion" and 0 < sol["metrics"]["test_accuracy"] <= 1
        assert f"| {name} |" in report
    assert len(res["cnn"]["reference"]["epoch_seconds"]) == 1
    (logistic,) = res["sklearn"].values()
    assert logistic["train_images"] == 300 and 0.1 < logistic["test_accuracy"] <= 1
    assert res["published"]["2 conv CNN, under 100K parameters"] == 0.925 and "92.5%" in report

    growth = res["growth"]
    assert [r["size"] for r in growth["rows"]] == [256, 512]
    for row in growth["rows"]:
        assert len(row["epoch_seconds"]) == len(row["epoch_cpu_seconds"]) == 2 and row["steady_epoch_seconds"] > 0
        assert row["steady_epoch_cpu_seconds"] > 0 and row["images_mib"] == round(row["size"] * 784 / 2**20, 1)
        # TensorFlow alone needs more than 100 MiB; the training peak is at least what was resident before it
        assert row["peak_memory_mib"] >= row["rss_before_training_mib"] > 100
        assert row["process_peak_memory_mib"] >= row["peak_memory_mib"]
        assert f"| {row['size']:,} |" in report
    summary = growth["summary"]
    assert summary["size_ratio"] == 2 and summary["images_growth_mib"] >= 0
    assert "## Cost growth" in report and "From 256 to 512 training images (2×)" in report
    assert len(res["targets"]) == 5 and "## Targets (full-mode targets" in report
    assert set(res["load"]) >= {"start", "03_fnn_mnist", "04_cnn_mnist", "references", "growth", "end"}
    assert all(len(load["loadavg"]) == 3 for load in res["load"].values())


def test_growth_summary_calls_time_linear_and_memory_flat_from_the_numbers():
    from benchmarks.growth import growth_summary
    from benchmarks.scale import growth_sentence

    def row(size, secs, mem):
        return {"size": size, "steady_epoch_seconds": secs, "seconds_per_1000_images": 1000 * secs / size,
                "steady_epoch_cpu_seconds": 2 * secs, "cpu_seconds_per_1000_images": 2000 * secs / size,
                "peak_memory_mib": mem, "images_mib": round(size * 784 / 2**20, 1)}

    linear = [row(1000, 1.0, 900), row(2000, 2.1, 910), row(4000, 3.9, 920)]
    summary = growth_summary(linear)
    assert summary["size_ratio"] == 4 and summary["epoch_time_ratio"] == 3.9 and summary["memory_growth_mib"] == 20
    assert summary["epoch_cpu_ratio"] == 3.9 and summary["per_image_cpu_spread"] == summary["per_image_time_spread"]
    sentence = growth_sentence({"rows": linear, "summary": summary})
    assert "time grows linearly" in sentence and "memory stays flat" in sentence
    quadratic = [row(1000, 1.0, 900), row(2000, 4.0, 1400), row(4000, 16.0, 2400)]
    sentence = growth_sentence({"rows": quadratic, "summary": growth_summary(quadratic)})
    assert "does not grow linearly" in sentence and "does not stay flat" in sentence


def test_sequence_and_search_sections_read_the_runs_summaries():
    from benchmarks import sequences

    def run(epochs, times, metrics, params=None):
        return {"epochs_run": epochs, "epoch_seconds": times, "train_seconds": sum(times), "metrics": metrics,
                "params": params or {}, "wall_seconds": 40.0}

    solutions = {
        "04_cnn_mnist": run(3, [4.0, 2.0, 2.2], {"test_accuracy": 0.985}),
        "08_sequences": run(2, [3.0, 1.5], {"test_accuracy": 0.97, "seconds_per_epoch": 1.5,
                                             "cnn_test_accuracy": 0.985, "cnn_seconds_per_epoch": 2.0,
                                             "cnn_train_seconds": 8.0, "cnn_epochs": 3.0}, {"dataset": "fashion"}),
        "09_hyperparameter_search": run(5, [1.0] * 5, {"test_accuracy": 0.95, "best_val_accuracy": 0.96,
                                                       "search_seconds": 20.0, "trials": 8.0}),
    }
    seq = sequences.sequence_comparison(solutions)
    assert seq["ratio"] == 0.75 and seq["dataset"] == "fashion"
    assert seq["rows"][2]["seconds_per_epoch"] == 2.2 and seq["rows"][2]["train_seconds"] == 8.2
    report = "\n".join(sequences.markdown({"sequences": seq, "search": sequences.search_summary(solutions)}))
    assert "| 08 recurrent network (LSTM), in 08's run | 2 | 1.50 | 4.5 | 97.00% |" in report
    assert "took 0.75× one epoch of the CNN" in report and "| 8 | 5 | 20.0 | 0.9600 | 5.0 | 95.00% | 40.0 |" in report
    assert sequences.sequence_comparison({}) is None and sequences.markdown({}) == []
