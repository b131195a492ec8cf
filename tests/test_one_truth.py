"""One truth for each fact: the table of image data sets, the run a check judges by, forced parameters, the kit's
folders, versions and the epoch timer each live in one place, and everything else reads them from there."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import helpers
from helpers import paths
from helpers.checks.question import CORRECT, INCORRECT
from helpers.run.state import RunFacts, run_facts
from helpers.data import images, loaders
from helpers.errors import ConfigError, UnknownDatasetError
from helpers.questions import (nb03_fnn_mnist, nb04_cnn_mnist, nb06_distributed, nb08_sequences,
                               nb09_hyperparameter_search)
from helpers.run import params, state
from helpers.run.setup import Run

ROOT = Path(__file__).resolve().parent.parent


# -- the table of image data sets ------------------------------------------------------------------------------
def test_dataset_choices_class_names_and_loaders_come_from_the_table():
    assert params.CHOICES["dataset"] == tuple(images.IMAGE_SETS)
    assert loaders.CLASS_NAMES == {name: list(row.class_names) for name, row in images.IMAGE_SETS.items()}
    assert helpers.CLASS_NAMES is loaders.CLASS_NAMES
    for row in images.IMAGE_SETS.values():
        assert callable(getattr(loaders, row.loader)), row
        assert len(row.class_names) == 10, row
        assert f"{row.name} ({row.about})" in params.KNOWN["dataset"][1]
    with pytest.raises(UnknownDatasetError, match="Valid names: mnist, fashion"):
        helpers.load_images("cifar10")


def test_every_accuracy_check_has_a_floor_in_the_table():
    for question in (nb03_fnn_mnist.q4, nb04_cnn_mnist.q4, nb06_distributed.q5, nb08_sequences.q4,
                     nb09_hyperparameter_search.q4):
        for quick in (True, False):
            floor = images.floor_for(question.notebook, "mnist", quick)
            assert 0.5 < floor < 1, (question, floor)
        assert images.floor_for(question.notebook, "mnist", True) <= images.floor_for(question.notebook, "mnist", False)
    modules = (nb03_fnn_mnist, nb04_cnn_mnist, nb06_distributed, nb08_sequences, nb09_hyperparameter_search)
    assert not any(hasattr(module, "FLOORS") for module in modules)


# -- checks receive the run -------------------------------------------------------------------------------------
class _Model:
    def __init__(self, predicted):
        self.out = np.eye(10)[predicted]

    def predict(self, x, verbose=0):
        return self.out[: len(x)]


def _model_with_accuracy(accuracy, n=1000):
    y = np.arange(n) % 10
    predicted = y.copy()
    predicted[: int(round((1 - accuracy) * n))] += 1
    return y, _Model(predicted % 10)


def test_a_check_judges_by_the_run_it_is_given_not_by_process_state():
    q4 = nb04_cnn_mnist.q4
    x = np.zeros((1000, 28, 28, 1))
    between = (images.floor_for("04_cnn_mnist", "fashion", False) + images.floor_for("04_cnn_mnist", "mnist", False)) / 2
    y, model = _model_with_accuracy(between)
    state.reset()
    state.set_mode(True)  # process state says quick MNIST; the run given says full Fashion-MNIST
    state.activate(Run(quick=True, seed=1, interactive=True, params={"dataset": "mnist"}))
    try:
        given = q4.evaluate(run=RunFacts(quick=False, dataset="fashion"), model=model, x_test=x, y_test=y)
        assert given.outcome == CORRECT and "Fashion-MNIST, full mode" in given.message, given
        as_mnist = q4.evaluate(run=Run(quick=False, seed=1, interactive=True, params={"dataset": "mnist"}),
                               model=model, x_test=x, y_test=y)
        assert as_mnist.outcome == INCORRECT and "MNIST, full mode" in as_mnist.message, as_mnist
        default = q4.evaluate(model=model, x_test=x, y_test=y)  # no run given: the current one (quick MNIST)
        assert "MNIST, quick mode" in default.message, default
    finally:
        state.reset()


def test_run_facts_without_a_run_use_the_resolved_mode(monkeypatch):
    state.reset()
    monkeypatch.setenv("WORKSHOP_QUICK", "0")
    assert run_facts() == RunFacts(quick=False, dataset="mnist")
    monkeypatch.setenv("WORKSHOP_QUICK", "1")
    assert run_facts().quick is True
    assert run_facts(RunFacts(quick=False, dataset="fashion")).dataset == "fashion"


# -- forced parameters (catching up) -----------------------------------------------------------------------------
def test_forced_values_beat_every_source_and_leave_the_environment_and_argv_alone(monkeypatch):
    monkeypatch.setenv("WORKSHOP_QUICK", "0")
    monkeypatch.setenv("WORKSHOP_EPOCHS", "7")
    argv = ["--full", "--epochs", "9"]
    env_before = dict(os.environ)
    with params.forced(quick=True):
        values, sources = params.resolve({"quick": None, "epochs": None}, argv=argv, warn_unknown=False)
        assert dict(os.environ) == env_before
    assert values["quick"] is True and sources["quick"] == "forced"
    assert values["epochs"] == 7 and sources["epochs"] == "env"  # not forced: the environment; no command line
    values, sources = params.resolve({"quick": None, "epochs": None}, argv=argv, warn_unknown=False)
    assert values["quick"] is False and values["epochs"] == 9 and sources["epochs"] == "cli"  # the block has ended


def test_catching_up_forces_quick_mode_through_the_resolver(monkeypatch):
    source = (ROOT / "helpers" / "checks" / "catch_up.py").read_text()
    assert "os.environ" not in source and "sys.argv" not in source
    monkeypatch.setenv("WORKSHOP_QUICK", "0")
    monkeypatch.setattr(sys, "argv", ["script.py", "--full"])
    from helpers.checks.catch_up import run_solution_cells

    try:
        ns = run_solution_cells("01", until="q1")
        assert ns["run"].quick is True
    finally:
        state.reset()
    assert os.environ["WORKSHOP_QUICK"] == "0" and sys.argv == ["script.py", "--full"]


# -- the kit's folders ---------------------------------------------------------------------------------------------
def test_kit_dir_is_the_clone_and_a_wrong_override_is_a_typed_error(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.KIT_ENV, raising=False)
    assert paths.kit_dir() == ROOT
    assert paths.solutions_dir() == ROOT / "solutions"
    monkeypatch.setenv(paths.KIT_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match=f"{paths.KIT_ENV}=.*holds no solutions/.*Fix: `export {paths.KIT_ENV}="):
        paths.kit_dir()


def test_no_module_walks_up_from_its_own_file_to_find_the_kit():
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        if path.name == "paths.py":
            continue
        for line in path.read_text().splitlines():
            walks = "__file__" in line and (".parent.parent" in line or "parents[" in line)
            assert not walks, f"{path}: {line.strip()} -- find the kit's folders with helpers.paths instead"


def test_an_installed_package_works_outside_a_clone(tmp_path):
    """``pip install`` (not editable) puts helpers in site-packages; with WORKSHOP_KIT_DIR it finds the kit."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                    "--target", str(target), str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    code = ("import helpers, sys; from helpers.checks.catch_up import solution_path; "
            "from helpers.data.registry import DATASETS; from helpers import distribute; "
            "assert helpers.__file__.startswith(sys.argv[1]), helpers.__file__; "
            "print(solution_path('04').name, len(DATASETS), distribute.trainer_script().name)")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", paths.KIT_ENV)}
    env["PYTHONPATH"] = str(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = subprocess.run([sys.executable, "-c", code, str(target)], env=env, cwd=elsewhere,
                             capture_output=True, text=True)
    assert missing.returncode != 0 and "ConfigError" in missing.stderr and paths.KIT_ENV in missing.stderr
    found = subprocess.run([sys.executable, "-c", code, str(target)], env={**env, paths.KIT_ENV: str(ROOT)},
                           cwd=elsewhere, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == ["04_cnn_mnist.ipynb", "4", "train_distributed.py"]


# -- versions and the epoch timer ------------------------------------------------------------------------------------
def _defines(path, names):
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))} & names


def test_versions_and_the_epoch_timer_are_defined_once():
    sources = sorted((ROOT / "helpers").rglob("*.py")) + sorted((ROOT / "benchmarks").glob("*.py")) + \
        sorted((ROOT / "hpc").glob("*.py"))
    owners = {}
    for path in sources:
        for name in _defines(path, {"versions", "_versions", "epoch_timer", "_epoch_timer", "EpochTimer",
                                     "_cpu_timer", "CpuTimer"}):
            owners.setdefault(name, []).append(path.relative_to(ROOT).as_posix())
    assert owners == {"versions": ["helpers/run/device.py"], "epoch_timer": ["helpers/run/summary.py"],
                      "EpochTimer": ["helpers/run/summary.py"]}, owners
    from helpers.run.device import versions

    found = versions()
    assert found["python"] == ".".join(map(str, sys.version_info[:3])) and "keras" in found and "tensorflow" in found


def test_the_epoch_timer_records_wall_and_cpu_seconds_per_epoch(keras):
    from helpers.run.summary import epoch_timer

    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((32, 4)), np.zeros((32, 1))
    wall, cpu, training = [], [], []
    model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
              callbacks=[epoch_timer(wall, cpu), epoch_timer(training, training_only=True)])
    assert len(wall) == len(cpu) == len(training) == 3
    assert all(w > 0 and c >= 0 for w, c in zip(wall, cpu))
    assert all(t <= w for t, w in zip(training, wall))  # the validation pass is not in the training time


def test_the_root_conftest_uses_the_kits_yes_no_parser():
    text = (ROOT / "conftest.py").read_text()
    assert "kit_config.quick_from_env()" in text and '{"1", "true", "yes", "on"}' not in text
