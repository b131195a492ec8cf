"""Notebooks 08 (sequences) and 09 (hyperparameter search) keep the promises their text makes.

* 08 compares its recurrent network with "the CNN of notebook 04, trained as there": the copy in 08 must stay
  the network, the epochs, the batch size and the schedule of 04's own solution;
* 08 and 09 report what the benchmark reads (time per epoch and accuracy of both networks; the search);
* 09 keeps KerasTuner's files in a temporary folder and removes it: nothing is left behind, in the run's
  folder or in its temporary folder;
* ``max_trials`` is checked like every parameter.

The script runs are the suite's shared ones (``tests/runs.py``), so nothing here runs a notebook again.
"""

import json
import re
from pathlib import Path

import pytest
from runs import script_run, tmp_leftovers

from helpers.errors import ConfigError, WorkshopError
from helpers.run import params

ROOT = Path(__file__).resolve().parent.parent


def code_cells(stem):
    nb = json.loads((ROOT / "solutions" / f"{stem}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def layer_configs(model):
    """Each layer's class and settings, without its (generated) name."""
    out = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name",)}
        out.append((type(layer).__name__, json.dumps(config, sort_keys=True, default=str)))
    return out


def test_08_compares_with_the_cnn_of_04_trained_as_in_04(keras):
    from helpers.questions.nb04_cnn_mnist import q3

    ours = {"keras": keras}
    exec(q3.solution_text, ours)  # noqa: S102 – 04's CNN, as its solution builds it
    cell = next(c for c in code_cells("08_sequences") if "cnn = keras.Sequential(" in c)
    copy = re.search(r"cnn = keras\.Sequential\(\[.*?\n\]\)", cell, re.DOTALL).group(0)
    theirs = {"keras": keras}
    exec(copy, theirs)  # noqa: S102
    assert layer_configs(theirs["cnn"]) == layer_configs(ours["model"])
    cells_04 = "\n".join(code_cells("04_cnn_mnist"))
    # 04's epochs, learning-rate schedule, batch size (its parameters cell) and validation split
    assert "run.pick(quick=5, full=15)" in cells_04 and "cnn_epochs = run.pick(quick=5, full=15)" in cell
    assert "CosineDecay(3e-3" in cells_04 and "CosineDecay(3e-3" in cell
    assert re.search(r"^batch_size = 64\b", code_cells("04_cnn_mnist")[0], re.MULTILINE) and ".batch(64)" in cell
    split = "n_val = run.pick(quick=1000, full=5000)"
    assert split in cells_04 and split in "\n".join(code_cells("08_sequences"))


@pytest.mark.slow
def test_08_reports_both_networks_for_the_benchmark(tmp_path_factory):
    run = script_run(tmp_path_factory, ROOT / "solutions" / "08_sequences.ipynb")  # shared with test_scripts
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = run.summary["metrics"]
    for name in ("test_accuracy", "seconds_per_epoch", "cnn_test_accuracy", "cnn_seconds_per_epoch",
                 "cnn_train_seconds", "cnn_epochs"):
        assert metrics[name] > 0, name
    assert run.summary["train_seconds"] > 0 and len(run.summary["epoch_seconds"]) == run.summary["epochs_run"]
    assert "More accurate on the test images: the " in run.stdout


@pytest.mark.slow
def test_09_leaves_no_tuner_folder_behind(tmp_path_factory):
    run = script_run(tmp_path_factory, ROOT / "solutions" / "09_hyperparameter_search.ipynb")  # shared run
    assert run.returncode == 0, run.stderr[-3000:]
    assert "tuner folder removed: True" in run.stdout
    assert [name for name in tmp_leftovers(run) if "tuner" in name] == []  # TMPDIR: nothing of the tuner's left
    left = sorted(p.name for p in Path(run.workdir).iterdir())
    assert left == ["09_hyperparameter_search.py", "figures", "outputs"], left  # no project folder in the workdir
    metrics = run.summary["metrics"]
    assert metrics["trials"] == 8 and metrics["search_seconds"] > 0 and 0 < metrics["best_val_accuracy"] <= 1


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_max_trials_is_checked_like_every_parameter(value, monkeypatch):
    monkeypatch.setenv("WORKSHOP_MAX_TRIALS", value)
    with pytest.raises(ConfigError) as err:
        params.resolve({"max_trials": None}, argv=[])
    assert isinstance(err.value, WorkshopError) and isinstance(err.value, ValueError)
    assert "WORKSHOP_MAX_TRIALS" in str(err.value)
    monkeypatch.setenv("WORKSHOP_MAX_TRIALS", "3")
    assert params.resolve({"max_trials": None}, argv=[])[0]["max_trials"] == 3
    assert params.resolve({"max_trials": None}, argv=["--max-trials", "5"])[0]["max_trials"] == 5


def test_doctor_reports_a_missing_keras_tuner_with_the_fix(monkeypatch, env, shared_data):
    from helpers.tools import doctor

    env.setenv("WORKSHOP_DATA_DIR", str(shared_data))
    env.setenv("WORKSHOP_OFFLINE", "1")
    real = doctor.versions
    monkeypatch.setattr(doctor, "versions", lambda dists: {k: v for k, v in real(dists).items() if k != "keras-tuner"})
    lines = []
    status = doctor.report(quick=True, probe_network=False, out=lines.append)
    said = "\n".join(lines)
    assert "keras-tuner is missing" in said and "pip install -r requirements.txt" in said, said
    assert status == 1
