"""Runs never overwrite each other: two runs at once into one output folder keep both summaries and all figures.

Each run names its files ``<notebook>-<mode>-<6 hex digits of its parameters>`` (helpers.run.setup.run_id).
"""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers.run.setup import run_id
from helpers.tools.scripts import run_as_script

ROOT = Path(__file__).resolve().parent.parent
WARMUP = ROOT / "solutions" / "01_warmup.ipynb"


def test_run_id_starts_with_the_notebook_and_depends_on_every_parameter_but_the_folders():
    base = run_id("04_cnn_mnist", True, 42, {"epochs": None, "batch_size": 128, "dataset": "mnist"})
    assert re.fullmatch(r"04_cnn_mnist-quick-[0-9a-f]{6}", base)
    assert base == run_id("04_cnn_mnist", True, 42, {"dataset": "mnist", "batch_size": 128, "epochs": None})
    others = {run_id("04_cnn_mnist", True, 42, {"epochs": None, "batch_size": 128, "dataset": "fashion"}),
              run_id("04_cnn_mnist", True, 7, {"epochs": None, "batch_size": 128, "dataset": "mnist"}),
              run_id("04_cnn_mnist", True, 42, {"epochs": 3, "batch_size": 128, "dataset": "mnist"}),
              run_id("03_fnn_mnist", True, 42, {"epochs": None, "batch_size": 128, "dataset": "mnist"})}
    assert base not in others and len(others) == 4
    assert run_id("04_cnn_mnist", False, 42, {"epochs": None}).startswith("04_cnn_mnist-full-")
    where = {"epochs": None, "batch_size": 128, "dataset": "mnist", "figures_dir": "f", "output_dir": "o"}
    assert run_id("04_cnn_mnist", True, 42, where) == base  # where a run writes is not what it computes


@pytest.mark.slow
def test_two_runs_at_once_into_one_folder_keep_both_summaries_and_all_figures(tmp_path):
    shared = {"WORKSHOP_OUTPUT_DIR": str(tmp_path / "outputs"), "WORKSHOP_FIGURES_DIR": str(tmp_path / "figures"),
              "WORKSHOP_STRICT": "0"}  # 2 epochs miss 01's floors: the checks report and the script goes on
    settings = {"a": ["--quick", "--epochs", "2"], "b": ["--quick", "--epochs", "2", "--seed", "7"]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {key: pool.submit(run_as_script, WARMUP, args, workdir=tmp_path / key, env=shared)
                   for key, args in settings.items()}
        runs = {key: future.result() for key, future in futures.items()}
    for key, run in runs.items():
        assert run.returncode == 0, (key, run.stderr[-3000:])
    summaries = sorted((tmp_path / "outputs").glob("*.json"))
    assert len(summaries) == 2 and all(p.name.startswith("01_warmup-quick-") for p in summaries)
    loaded = {json.loads(p.read_text())["seed"]: json.loads(p.read_text()) for p in summaries}
    assert sorted(loaded) == [7, 42]  # one summary per run, each with its own parameters
    figures = {p.name for p in (tmp_path / "figures").glob("*.png")}
    for summary in loaded.values():
        assert summary["params"]["epochs"] == 2 and summary["epochs_run"] == 2
        names = {f["file"] for f in summary["figures"]}
        assert names and all(n.startswith(summary["run_id"] + "-") for n in names)
        assert names <= figures  # every figure of this run is still there
    assert len(figures) == sum(len(s["figures"]) for s in loaded.values())
