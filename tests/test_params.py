"""Parameters (cell < WORKSHOP_<NAME> < --name), the Run object, and the JSON run summary."""

import json
import sys

import pytest

from helpers import plotting
from helpers.run import params
from helpers.run import setup as runtime
from helpers.run import summary
from helpers.errors import ConfigError, MetricTypeError, OutputNotWritableError, WorkshopError

CELL = {"quick": None, "seed": 42, "epochs": None, "batch_size": 128, "learning_rate": 0.001, "name": "run"}


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(CELL) + list(params.ALWAYS):
        monkeypatch.delenv(params.env_name(name), raising=False)
    return monkeypatch


def test_cell_then_environment_then_command_line(clean_env):
    values, sources = params.resolve(CELL, argv=[])
    assert values["batch_size"] == 128 and values["epochs"] is None and sources["batch_size"] == "cell"
    clean_env.setenv("WORKSHOP_BATCH_SIZE", "64")
    clean_env.setenv("WORKSHOP_EPOCHS", "4")
    clean_env.setenv("WORKSHOP_QUICK", "1")
    values, sources = params.resolve(CELL, argv=[])
    assert (values["batch_size"], values["epochs"], values["quick"]) == (64, 4, True)
    assert sources["epochs"] == "env"
    values, sources = params.resolve(CELL, argv=["--batch-size", "32", "--full", "--learning-rate", "0.1",
                                                 "--name", "other"])
    assert (values["batch_size"], values["epochs"], values["quick"]) == (32, 4, False)
    assert values["learning_rate"] == 0.1 and values["name"] == "other" and sources["batch_size"] == "cli"


def test_a_kernel_never_reads_the_command_line(clean_env):
    values, _ = params.resolve(CELL, argv=["-f", "/run/kernel-1.json", "--epochs", "9"], use_cli=False)
    assert values["epochs"] is None


@pytest.mark.parametrize("name, raw", [("WORKSHOP_EPOCHS", "three"), ("WORKSHOP_EPOCHS", "-2"),
                                       ("WORKSHOP_LEARNING_RATE", "fast"), ("WORKSHOP_QUICK", "maybe"),
                                       ("WORKSHOP_SEED", "1.5")])
def test_bad_environment_values_name_the_variable_and_the_fix(clean_env, name, raw):
    clean_env.setenv(name, raw)
    with pytest.raises(ConfigError) as err:
        params.resolve(CELL, argv=[])
    assert name in str(err.value) and isinstance(err.value, ValueError)


def test_bad_command_line_value_exits_like_argparse(clean_env, capsys):
    with pytest.raises(SystemExit) as exit_:
        params.resolve(CELL, argv=["--epochs", "many"])
    assert exit_.value.code == 2 and "--epochs" in capsys.readouterr().err


def test_help_lists_every_parameter_with_its_variable(clean_env, capsys):
    with pytest.raises(SystemExit) as exit_:
        params.resolve(CELL, argv=["--help"], prog="04_cnn_mnist.py")
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and out.startswith("usage: 04_cnn_mnist.py")
    for option in ("--epochs", "--batch-size", "--learning-rate", "--figures-dir", "--output-dir",
                   "WORKSHOP_BATCH_SIZE", "cell: 128"):
        assert option in out


def test_unknown_arguments_are_reported_not_fatal(clean_env, capsys):
    values, _ = params.resolve(CELL, argv=["--epoch", "3"])  # a typo: --epoch
    assert values["epochs"] is None and "--epoch" in capsys.readouterr().err


def test_setup_returns_parameters_as_attributes(clean_env, tmp_path):
    clean_env.setattr(sys, "argv", ["lesson.py", "--epochs", "7", "--figures-dir", str(tmp_path / "f")])
    run = runtime.setup(quick=True, seed=3, epochs=None, batch_size=128, announce=False)
    assert (run.epochs, run.batch_size, run.seed, run.notebook) == (7, 128, 3, "lesson")
    assert (run.epochs or run.pick(quick=5, full=12)) == 7
    with pytest.raises(AttributeError, match="learning_rate=learning_rate"):
        run.learning_rate
    import os

    assert os.environ["WORKSHOP_FIGURES_DIR"] == str(tmp_path / "f")


def test_finish_writes_the_summary_atomically(clean_env, tmp_path):
    import keras

    clean_env.setattr(sys, "argv", ["lesson.py"])
    clean_env.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path / "out"))
    run = runtime.setup(quick=True, seed=1, epochs=2, announce=False)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    import numpy as np

    history = model.fit(np.ones((8, 3)), np.ones(8), epochs=run.epochs, verbose=0, callbacks=[run.track()])

    path = run.finish(history=history, final_loss=np.float32(history.history["loss"][-1]), nothing=float("nan"))
    assert path == tmp_path / "out" / f"{run.run_id}.json" and run.run_id.startswith("lesson-quick-")
    data = json.loads(path.read_text())
    assert data["metrics"]["final_loss"] == pytest.approx(history.history["loss"][-1], rel=1e-6)
    assert data["metrics"]["nothing"] is None  # NaN is recorded as null, the file stays valid JSON
    assert data["epochs_run"] == 2 and len(data["epoch_seconds"]) == 2 and data["train_seconds"] > 0
    assert data["params"]["epochs"] == 2 and data["mode"] == "quick" and data["seed"] == 1
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left behind


def test_finish_refuses_a_non_number_and_writes_nothing(clean_env, tmp_path):
    clean_env.setattr(sys, "argv", ["lesson.py"])
    clean_env.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path / "out"))
    run = runtime.setup(quick=True, announce=False)
    with pytest.raises(MetricTypeError, match="accuracy='high'") as err:
        run.finish(accuracy="high")
    assert isinstance(err.value, TypeError) and isinstance(err.value, WorkshopError)
    assert not (tmp_path / "out").exists()


def test_unwritable_output_folder_is_a_typed_error(clean_env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")  # a file where the folder should be (chmod does not stop root)
    clean_env.setattr(sys, "argv", ["lesson.py"])
    run = runtime.setup(quick=True, announce=False)
    clean_env.setenv("WORKSHOP_OUTPUT_DIR", str(blocker / "out"))
    with pytest.raises(OutputNotWritableError, match="WORKSHOP_OUTPUT_DIR") as err:
        run.finish(accuracy=0.5)
    assert isinstance(err.value, PermissionError) and blocker.read_text() == "in the way"
    clean_env.setenv("WORKSHOP_FIGURES_DIR", str(blocker / "figs"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.plot([1, 2])
    with pytest.raises(OutputNotWritableError, match="WORKSHOP_FIGURES_DIR"):
        plotting.show("curve")


def test_summary_is_skipped_in_a_kernel_without_an_output_dir(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    run = runtime.Run(quick=True, seed=1, interactive=True, params={}, notebook="n")
    assert run.finish(accuracy=1.0) is None and not (tmp_path / "outputs").exists()
    clean_env.setenv("WORKSHOP_OUTPUT_DIR", str(tmp_path / "pm"))  # e.g. a papermill batch run
    assert run.finish(accuracy=1.0) == tmp_path / "pm" / "n.json"


def test_summary_dict_is_json_ready(clean_env):
    run = runtime.Run(quick=False, seed=1, interactive=False, params={"epochs": 3}, notebook="x")
    data = summary.summary_dict(run, {"a": 1}, {"loss": [1.0, 0.5]}, [], [0.1, 0.2])
    json.dumps(data)
    assert data["mode"] == "full" and data["epochs_run"] == 2 and data["train_seconds"] == pytest.approx(0.3)


# Issue 23 §2: every parameter is parsed and typed by the one resolver, the parameters cell (papermill -p) included.

@pytest.mark.parametrize("name, value, wanted", [
    ("epochs", 2.5, "a whole number"), ("epochs", 1e12, "from 1 to 10000"), ("epochs", float("nan"), "a whole number"),
    ("batch_size", "lots", "a whole number"), ("batch_size", 10**9, "from 1 to 1048576"), ("seed", True, "a whole number"),
    ("learning_rate", "fast", "a number"), ("quick", "maybe", "yes/no"), ("quick", 2, "1 or 0"),
])
def test_cell_values_are_typed_and_range_checked_whatever_their_source(clean_env, name, value, wanted):
    with pytest.raises(ConfigError) as err:
        params.resolve({**CELL, name: value}, argv=[])
    message = str(err.value)
    assert f"cell" in message and name in message and wanted in message and "Fix:" in message, message


def test_cell_values_given_as_text_or_whole_floats_are_parsed(clean_env):
    cell = {**CELL, "quick": "false", "epochs": "3", "batch_size": 64.0, "learning_rate": "0.01", "seed": 7}
    values, sources = params.resolve(cell, argv=[])
    assert values["quick"] is False and sources["quick"] == "cell"
    assert values["epochs"] == 3 and type(values["epochs"]) is int
    assert values["batch_size"] == 64 and type(values["batch_size"]) is int
    assert values["learning_rate"] == 0.01 and values["seed"] == 7
    assert params.resolve({**CELL, "quick": "yes"}, argv=[])[0]["quick"] is True
    assert params.resolve({**CELL, "quick": 0}, argv=[])[0]["quick"] is False


def test_quick_mode_parses_a_text_flag(clean_env):
    from helpers.run.state import quick_mode

    assert quick_mode("false") is False and quick_mode("0") is False and quick_mode("true") is True
    with pytest.raises(ConfigError, match="quick"):
        quick_mode("sometimes")


def test_setup_refuses_a_fractional_epochs_before_any_training(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"epochs.*2\.5.*a whole number"):
        runtime.setup("x", quick=True, epochs=2.5, announce=False)
