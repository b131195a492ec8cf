"""Issue 17, environment values that used to pass validation and break later: each is refused where it is
read, with a ConfigError (a ValueError) that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import config
from helpers.run import params
from helpers.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "0.05", "1e9", "abc"])
def test_bad_timeout_is_refused_where_it_is_read(env, value):
    env.setenv("WORKSHOP_TIMEOUT", value)
    with pytest.raises(ConfigError) as info:
        config.timeout()
    assert isinstance(info.value, ValueError) and "WORKSHOP_TIMEOUT" in str(info.value)
    assert "between 0.1 and 3600" in str(info.value)


@pytest.mark.parametrize("value", ["inf", "nan", "1e9", "21", "0", "2.5", "-1"])
def test_bad_retries_are_refused_where_they_are_read(env, value):
    env.setenv("WORKSHOP_RETRIES", value)
    with pytest.raises(ConfigError, match="WORKSHOP_RETRIES=.*whole number between 1 and 20"):
        config.retries()


def test_good_values_at_the_bounds_are_accepted(env):
    for var, value, read, expected in (("WORKSHOP_TIMEOUT", "0.1", config.timeout, 0.1),
                                       ("WORKSHOP_TIMEOUT", "3600", config.timeout, 3600.0),
                                       ("WORKSHOP_RETRIES", "20", config.retries, 20),
                                       ("WORKSHOP_RETRIES", "1.0", config.retries, 1)):
        env.setenv(var, value)
        assert read() == expected and type(read()) is type(expected)


@pytest.mark.parametrize("var, value, wanted", [
    ("WORKSHOP_SEED", "99999999999", "0 to 4294967295"),
    ("WORKSHOP_SEED", "4294967296", "0 to 4294967295"),
    ("WORKSHOP_BATCH_SIZE", "0", "from 1 to 1048576"),
    ("WORKSHOP_EPOCHS", "0", "from 1 to 10000"),
    ("WORKSHOP_LEARNING_RATE", "nan", "> 0"),
    ("WORKSHOP_LEARNING_RATE", "inf", "> 0"),
    ("WORKSHOP_LEARNING_RATE", "0", "> 0"),
])
def test_parameters_out_of_range_are_refused_naming_the_variable(monkeypatch, var, value, wanted):
    monkeypatch.setenv(var, value)
    cell = {"seed": 42, "epochs": None, "batch_size": 128, "learning_rate": 1e-3}
    with pytest.raises(ConfigError) as info:
        params.resolve(cell, use_cli=False)
    assert f"{var}=" in str(info.value) and wanted in str(info.value)


def test_seed_at_the_top_of_numpys_range_is_accepted(monkeypatch):
    monkeypatch.setenv("WORKSHOP_SEED", str(2**32 - 1))
    values, sources = params.resolve({"seed": 42}, use_cli=False)
    assert values["seed"] == 2**32 - 1 and sources["seed"] == "env"


def test_out_of_range_on_the_command_line_and_in_the_cell(monkeypatch, capsys):
    for name in ("WORKSHOP_EPOCHS", "WORKSHOP_BATCH_SIZE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as info:
        params.resolve({"epochs": None}, argv=["--epochs", "0"])
    assert info.value.code == 2 and "--epochs=0 is out of range: expected a whole number from 1 to 10000" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="parameters cell: batch_size=0 is out of range"):
        params.resolve({"batch_size": 0}, use_cli=False)


def test_setup_refuses_a_bad_seed_before_importing_tensorflow(tmp_path):
    script = tmp_path / "seed_check.py"
    script.write_text("import sys\nimport helpers\ntry:\n    helpers.setup('seed_check')\nexcept helpers.ConfigError as e:\n"
                      "    print('ConfigError:', e)\n    print('tensorflow imported:', 'tensorflow' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(WORKSHOP_SEED="99999999999", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert "ConfigError: WORKSHOP_SEED=99999999999 is out of range" in proc.stdout, proc.stdout + proc.stderr
    assert "tensorflow imported: False" in proc.stdout
