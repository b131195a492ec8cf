"""Learners' work lives outside tracked files (mywork/), `python -m helpers lab` opens it, `run` runs a notebook."""

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.errors import ConfigError, NotebookSourceError, WorkspaceError
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
    (exercises / "01_a.ipynb").write_text('{"cells": [], "v": 1}')
    workspace.prepare(work, exercises)
    (work / "01_a.ipynb").write_text('{"cells": ["my answers"], "v": 1}')
    os.utime(work / "01_a.ipynb", (1, 1))  # the learner last saved before the update
    (exercises / "01_a.ipynb").write_text('{"cells": [], "v": 2}')
    assert workspace.prepare(work, exercises) == [("01_a.ipynb", "yours; the kit's exercise changed after your last save")]
    assert (work / "01_a.ipynb").read_text() == '{"cells": ["my answers"], "v": 1}'


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


# Issue 23, section 1: the learner's work is never lost, and nothing is written through a link.

def _cli(capsys, *argv):
    from helpers.__main__ import main

    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_two_resets_in_one_second_keep_both_old_copies_under_unique_names(tmp_path, monkeypatch, capsys):
    work = tmp_path / "mywork"
    monkeypatch.setenv("WORKSHOP_WORKSPACE", str(work))
    workspace.prepare(work)
    target = work / EXERCISES[3]
    target.write_text("first attempt")
    ((_, first),) = workspace.reset(["04"], work)
    target.write_text("second attempt")
    ((_, second),) = workspace.reset(["04"], work)  # within the same second as the first
    assert first != second and first.read_text() == "first attempt" and second.read_text() == "second attempt"
    target.write_text("third attempt")
    status, out, _ = _cli(capsys, "workspace", "--reset", "04", "04_cnn_mnist")  # the same notebook twice
    assert status == 0
    pointed = [Path(p) for p in re.findall(r"\(your old copy: (\S+)\)", out)]
    assert pointed and all(p.read_text() == "third attempt" for p in pointed), out
    backups = sorted((work / ".backup").iterdir())
    assert sorted(p.read_text() for p in backups).count("third attempt") >= 1
    assert {"first attempt", "second attempt", "third attempt"} <= {p.read_text() for p in backups}


def test_a_backup_never_overwrites_an_existing_file(tmp_path, monkeypatch):
    work = tmp_path / "mywork"
    workspace.prepare(work)
    monkeypatch.setattr(workspace, "_stamp", lambda: "20260101-000000-000000", raising=False)  # a frozen clock
    seen = set()
    for attempt in range(3):  # the same stamp every time: the names must still differ
        (work / EXERCISES[0]).write_text(f"mine {attempt}")
        ((_, backup),) = workspace.reset(["01"], work)
        assert backup not in seen and backup.read_text() == f"mine {attempt}"
        seen.add(backup)
    assert {p.read_text() for p in seen} == {"mine 0", "mine 1", "mine 2"}


def _limited(code, limit):
    """Run ``code`` in a Python whose files may not grow past ``limit`` bytes (what a full disk does to a write)."""
    prelude = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
               f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n")
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)


def test_a_full_disk_leaves_no_half_written_notebook_and_says_what_happened(tmp_path):
    work = tmp_path / "mywork"
    code = (f"from helpers.tools import workspace\nfrom helpers.errors import WorkspaceError\n"
            f"try:\n    workspace.prepare({str(work)!r})\nexcept WorkspaceError as e:\n"
            f"    print('TYPED', isinstance(e, OSError), e)\n")
    proc = _limited(code, 12000)  # every exercise is larger than this
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.stdout.startswith("TYPED True") and "File too large" in proc.stdout and "Fix:" in proc.stdout
    assert str(work / EXERCISES[0]) in proc.stdout
    for path in work.iterdir():  # nothing half-written: every file there is a whole notebook
        json.loads(path.read_text())
    assert dict(workspace.prepare(work))[EXERCISES[0]] == "new"


def test_a_reset_on_a_full_disk_keeps_the_learners_notebook(tmp_path):
    work = tmp_path / "mywork"
    workspace.prepare(work)
    mine = work / EXERCISES[3]
    mine.write_text("x" * 100)  # the learner's (small) notebook
    code = (f"from helpers.tools import workspace\nfrom helpers.errors import WorkspaceError\n"
            f"try:\n    workspace.reset(['04'], {str(work)!r})\nexcept WorkspaceError as e:\n"
            f"    print('TYPED', e)\n")
    proc = _limited(code, 12000)
    assert "Traceback" not in proc.stderr and proc.stdout.startswith("TYPED"), proc.stdout + proc.stderr[-2000:]
    assert mine.read_text() == "x" * 100 or any(p.read_text() == "x" * 100 for p in (work / ".backup").iterdir())
    assert not [p for p in work.iterdir() if p.name.endswith(".part")]


def test_a_damaged_copy_is_not_called_yours(tmp_path):
    work = tmp_path / "mywork"
    workspace.prepare(work)
    (work / EXERCISES[2]).write_text('{"cells": [')  # half-written by an old version on a full disk
    status = dict(workspace.prepare(work))[EXERCISES[2]]
    assert status.startswith("damaged;") and "--reset 03" in status


def test_reset_never_writes_through_a_symlinked_notebook(tmp_path):
    work, outside = tmp_path / "mywork", tmp_path / "precious.txt"
    workspace.prepare(work)
    outside.write_text("not a notebook: someone's thesis")
    target = work / EXERCISES[3]
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(WorkspaceError, match="symbolic link") as err:
        workspace.reset(["04"], work)
    assert f"rm {target}" in str(err.value)
    assert outside.read_text() == "not a notebook: someone's thesis" and target.is_symlink()


def test_prepare_never_creates_the_target_of_a_dangling_link(tmp_path):
    work, outside = tmp_path / "mywork", tmp_path / "elsewhere" / "planted.ipynb"
    work.mkdir()
    outside.parent.mkdir()
    (work / EXERCISES[0]).symlink_to(outside)
    rows = dict(workspace.prepare(work))
    assert not outside.exists() and rows[EXERCISES[0]].startswith("link;") and "rm " in rows[EXERCISES[0]]
    assert rows[EXERCISES[1]] == "new"


def test_a_backup_folder_that_is_a_link_or_a_file_is_a_typed_error(tmp_path):
    work, outside = tmp_path / "mywork", tmp_path / "outside"
    workspace.prepare(work)
    outside.mkdir()
    (work / ".backup").symlink_to(outside)
    with pytest.raises(WorkspaceError, match=r"\.backup"):
        workspace.reset(["01"], work)
    assert not list(outside.iterdir())
    (work / ".backup").unlink()
    (work / ".backup").write_text("a file")
    with pytest.raises(WorkspaceError, match=r"\.backup.*Fix:") as err:
        workspace.reset(["01"], work)
    assert isinstance(err.value, OSError) and (work / ".backup").read_text() == "a file"


def test_an_unwritable_workspace_is_a_typed_error_with_the_fix(monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_WORKSPACE", "/proc/sys")
    status, out, err = _cli(capsys, "workspace")
    assert status == 1 and "Traceback" not in err and err.startswith("error: ") and "/proc/sys" in err
    assert "export WORKSHOP_WORKSPACE=" in err
    with pytest.raises(WorkspaceError):
        workspace.prepare(Path("/proc/sys"))


def test_workspace_is_the_kits_mywork_when_it_is_ours_else_one_in_the_home(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_WORKSPACE", raising=False)
    kit = tmp_path / "kit"
    (kit / "solutions").mkdir(parents=True)
    monkeypatch.setenv("WORKSHOP_KIT_DIR", str(kit))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert workspace.workspace_dir() == kit / "mywork"  # our own writable kit
    monkeypatch.setattr(workspace.os, "geteuid", lambda: os.stat(kit).st_uid + 4242)  # someone else's kit
    assert workspace.workspace_dir() == tmp_path / "home" / "keras-workshop"
    monkeypatch.setenv("WORKSHOP_WORKSPACE", str(tmp_path / "w"))
    assert workspace.workspace_dir() == tmp_path / "w"


def test_a_copy_owned_by_someone_else_is_not_yours(tmp_path, monkeypatch):
    work = tmp_path / "mywork"
    workspace.prepare(work)
    monkeypatch.setattr(workspace.os, "geteuid", lambda: os.stat(work).st_uid + 4242)
    rows = dict(workspace.prepare(work))
    assert all(status.startswith("not yours;") for status in rows.values()), rows
    assert "you cannot save it" in rows[EXERCISES[0]]
