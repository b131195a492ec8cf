"""Learners' work lives outside tracked files (mywork/), `python -m helpers lab` opens it, `run` runs a notebook."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.errors import ConfigError, NotebookSourceError
from helpers.tools import workspace

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))


def test_prepare_copies_the_exercises_once_and_never_overwrites_a_learners_copy(tmp_path):
    work = tmp_path / "mywork"
    assert workspace.prepare(work) == [(name, "new") for name in EXERCISES]
    mine = work / EXERCISES[0]
    mine.write_text(mine.read_text().replace("____", "my answer", 1))  # the learner's autosaved work
    edited = mine.read_bytes()
    rows = dict(workspace.prepare(work))
    assert rows[EXERCISES[0]] == "yours" and mine.read_bytes() == edited
    (work / EXERCISES[1]).unlink()  # a deleted notebook comes back, the others stay
    assert dict(workspace.prepare(work))[EXERCISES[1]] == "new"


def test_a_kit_update_is_announced_not_forced(tmp_path):
    exercises, work = tmp_path / "exercises", tmp_path / "mywork"
    exercises.mkdir()
    (exercises / "01_a.ipynb").write_text("v1")
    workspace.prepare(work, exercises)
    (work / "01_a.ipynb").write_text("v1 + my answers")
    os.utime(work / "01_a.ipynb", (1, 1))  # the learner last saved before the update
    (exercises / "01_a.ipynb").write_text("v2")
    assert workspace.prepare(work, exercises) == [("01_a.ipynb", "yours; the kit's exercise changed after your last save")]
    assert (work / "01_a.ipynb").read_text() == "v1 + my answers"


def test_reset_keeps_a_backup_and_refuses_unknown_names(tmp_path):
    work = tmp_path / "mywork"
    workspace.prepare(work)
    target = work / EXERCISES[3]
    target.write_text("my broken notebook")
    ((fresh, backup),) = workspace.reset([EXERCISES[3][:2]], work)
    assert fresh == target and target.read_bytes() == (ROOT / "exercises" / EXERCISES[3]).read_bytes()
    assert backup.parent == work / ".backup" and backup.read_text() == "my broken notebook"
    with pytest.raises(NotebookSourceError, match="--reset 04"):
        workspace.reset(["99"], work)


def test_a_file_in_the_way_of_the_workspace_is_a_typed_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="WORKSHOP_WORKSPACE") as err:
        workspace.prepare(blocker / "mywork")
    assert isinstance(err.value, ValueError)


def test_lab_command_opens_the_workspace_inside_the_kit(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_WORKSPACE", raising=False)
    cmd = workspace.lab_command(port=9123, extra=["--no-browser"])
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"] and f"--ServerApp.root_dir={ROOT}" in cmd
    assert "--LabApp.default_url=/lab/tree/mywork" in cmd and "--port=9123" in cmd and cmd[-1] == "--no-browser"
    outside = workspace.lab_command(tmp_path / "elsewhere")
    assert f"--ServerApp.root_dir={tmp_path / 'elsewhere'}" in outside and "--LabApp.default_url=/lab/tree" in outside


def test_make_lab_and_git_keep_away_from_the_workspace():
    assert "mywork/" in (ROOT / ".gitignore").read_text().splitlines()
    makefile = (ROOT / "Makefile").read_text()
    assert "-m helpers lab" in makefile


def test_helpers_lab_dry_run_prepares_and_prints_the_command(tmp_path):
    env = dict(os.environ, WORKSHOP_WORKSPACE=str(tmp_path / "w"))
    proc = subprocess.run([sys.executable, "-m", "helpers", "lab", "--dry-run", "--port", "9001", "--no-browser",
                           "--IdentityProvider.token=abc"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "--port=9001" in proc.stdout and "--IdentityProvider.token=abc" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "w").glob("*.ipynb")) == EXERCISES


@pytest.mark.slow
def test_helpers_run_runs_a_notebook_as_a_script(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "helpers", "run", "notebooks/L4_convolutions.ipynb", "--workdir",
                           str(tmp_path / "r"), "--quick", "--seed", "3"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (written,) = (tmp_path / "r" / "outputs").glob("L4_convolutions-quick-*.json")
    summary = json.loads(written.read_text())
    assert summary["seed"] == 3 and summary["mode"] == "quick" and "exit 0" in proc.stdout
    missing = subprocess.run([sys.executable, "-m", "helpers", "run", "nowhere.ipynb", "--workdir", str(tmp_path)],
                             cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and "error:" in missing.stderr and "nowhere.ipynb" in missing.stderr
    assert "Traceback" not in missing.stderr
