"""The ``dataset`` parameter of notebooks 03 and 04: resolved like every parameter, checked, and in effect.

The kernel and papermill clients are covered by tests/test_papermill.py (one papermill run of 04 with
``-p dataset fashion``); here: the resolver, the per-data-set floors of the checks, and one script run
of 03 with ``--dataset fashion``.
"""

from pathlib import Path

import numpy as np
import pytest
from runs import script_run

from helpers.run import state
from helpers.run import params
from helpers.checks.question import CORRECT, INCORRECT
from helpers.data.images import floor_for
from helpers.errors import ConfigError, WorkshopError
from helpers.questions import nb03_fnn_mnist, nb04_cnn_mnist
from helpers.run.setup import Run

ROOT = Path(__file__).resolve().parent.parent
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_dataset_comes_from_cell_then_environment_then_command_line(monkeypatch):
    monkeypatch.delenv("WORKSHOP_DATASET", raising=False)
    cell = {"dataset": "mnist", "epochs": None}
    assert params.resolve(cell, argv=[])[0]["dataset"] == "mnist"
    monkeypatch.setenv("WORKSHOP_DATASET", "fashion")
    values, sources = params.resolve(cell, argv=[])
    assert (values["dataset"], sources["dataset"]) == ("fashion", "env")
    monkeypatch.setenv("WORKSHOP_DATASET", "fashion")
    values, sources = params.resolve({"dataset": "fashion"}, argv=["--dataset", "mnist"])
    assert (values["dataset"], sources["dataset"]) == ("mnist", "cli")
    assert "mnist (handwritten digits) or fashion" in " ".join(params.build_parser(cell).format_help().split())


@pytest.mark.parametrize("where", ["cell", "env"])
def test_an_unknown_dataset_is_a_typed_error_naming_its_source_and_the_fix(where, monkeypatch):
    monkeypatch.delenv("WORKSHOP_DATASET", raising=False)
    cell = {"dataset": "cifar10" if where == "cell" else "mnist"}
    if where == "env":
        monkeypatch.setenv("WORKSHOP_DATASET", "Fashion")
    with pytest.raises(ConfigError) as err:
        params.resolve(cell, argv=[])
    assert isinstance(err.value, ValueError) and isinstance(err.value, WorkshopError)
    message = str(err.value)
    assert ("WORKSHOP_DATASET='Fashion'" if where == "env" else "parameters cell's dataset='cifar10'") in message
    assert "'mnist' or 'fashion'" in message and "Fix:" in message


def test_an_unknown_dataset_on_the_command_line_exits_like_any_bad_option(monkeypatch, capsys):
    monkeypatch.delenv("WORKSHOP_DATASET", raising=False)
    with pytest.raises(SystemExit) as stop:
        params.resolve({"dataset": "mnist"}, argv=["--dataset", "kmnist"], prog="04_cnn_mnist.py")
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "usage: 04_cnn_mnist.py" in err and "--dataset='kmnist'" in err and "'fashion'" in err


class FakeModel:
    """Predicts one-hot rows of fixed labels."""

    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def predict(self, x, verbose=0):
        return np.eye(10)[self.labels[: len(x)]]


def with_accuracy(accuracy, n=1000):
    y = np.arange(n) % 10
    predicted = y.copy()
    predicted[: round(n * (1 - accuracy))] += 1
    return y, FakeModel(predicted % 10)


@pytest.mark.parametrize("module", [nb03_fnn_mnist, nb04_cnn_mnist], ids=["03", "04"])
def test_accuracy_floors_depend_on_the_dataset_of_the_run(module):
    q4 = module.q4
    full = {name: {"quick": floor_for(q4.notebook, name, True), "full": floor_for(q4.notebook, name, False)}
            for name in ("mnist", "fashion")}
    assert full["fashion"]["full"] < full["mnist"]["full"] and full["fashion"]["quick"] < full["mnist"]["quick"]
    x = np.zeros((1000, 28, 28, 1))
    for mode, quick in (("quick", True), ("full", False)):
        state.set_mode(quick)
        between = (full["fashion"][mode] + full["mnist"][mode]) / 2  # enough for Fashion-MNIST, not for MNIST
        y, model = with_accuracy(between)
        for dataset, expected in (("fashion", CORRECT), ("mnist", INCORRECT)):
            state.activate(Run(quick=quick, seed=1, interactive=True, params={"dataset": dataset}))
            result = q4.evaluate(model=model, x_test=x, y_test=y)
            assert result.outcome == expected, (mode, dataset, result.message)
        y, model = with_accuracy(full["fashion"][mode] - 0.02)  # below even Fashion-MNIST's floor
        result = q4.evaluate(model=model, x_test=x, y_test=y)
        assert result.outcome == INCORRECT and "Fashion-MNIST" not in result.message  # the run is on MNIST now
        state.activate(Run(quick=quick, seed=1, interactive=True, params={"dataset": "fashion"}))
        result = q4.evaluate(model=model, x_test=x, y_test=y)
        assert result.outcome == INCORRECT and "Fashion-MNIST" in result.message
        state.activate(Run(quick=quick, seed=1, interactive=True, params={}))  # a run without the parameter
        y, model = with_accuracy(between)
        assert q4.evaluate(model=model, x_test=x, y_test=y).outcome == INCORRECT  # MNIST's floor applies


@pytest.mark.slow
def test_fnn_script_runs_on_fashion_mnist_with_dataset_option(tmp_path_factory):
    notebook = ROOT / "solutions" / "03_fnn_mnist.ipynb"
    run = script_run(tmp_path_factory, notebook, ["--quick", "--dataset", "fashion"])
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    summary = run.summary
    assert summary["params"]["dataset"] == "fashion" and summary["mode"] == "quick"
    assert summary["run_id"].startswith("03_fnn_mnist-quick-") and run.summaries[0].name == f"{summary['run_id']}.json"
    assert "q4 · Correct" in run.stdout and "Fashion-MNIST" in run.stdout  # the Fashion-MNIST floor was checked
    accuracy = summary["metrics"]["test_accuracy"]
    floor = floor_for("03_fnn_mnist", "fashion", True)
    assert floor <= accuracy < floor_for("03_fnn_mnist", "mnist", True), accuracy  # clothing is harder than digits
    figures = {f["name"]: f for f in summary["figures"]}
    assert "fashion" in figures["digits"]["suptitle"]
    # class names, not label numbers, in the one-prediction panel and on the confusion matrix
    (image, bars) = figures["one_prediction"]["axes"]
    assert any(image["title"].endswith(name) for name in FASHION) and bars["xlabel"] == "class"
    assert any(a["ylabel"] == "True label" for a in figures["confusion_matrix"]["axes"])
    assert {f.name for f in run.figures} == {f["file"] for f in summary["figures"]}


@pytest.mark.slow
def test_script_lists_the_dataset_option_and_refuses_an_unknown_one_before_training(tmp_path):
    from helpers.tools.scripts import run_as_script

    notebook = ROOT / "solutions" / "04_cnn_mnist.ipynb"
    proc = run_as_script(notebook, ["--help"], workdir=tmp_path)
    assert proc.returncode == 0 and "--dataset" in proc.stdout and "WORKSHOP_DATASET" in proc.stdout
    bad = run_as_script(notebook, ["--quick"], workdir=tmp_path / "bad", env={"WORKSHOP_DATASET": "cifar"})
    assert bad.returncode == 1 and "ConfigError" in bad.stderr and "WORKSHOP_DATASET='cifar'" in bad.stderr
    assert "Epoch 1" not in bad.stdout and not (tmp_path / "bad" / "outputs").exists()  # refused before training
