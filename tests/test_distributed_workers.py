"""Two worker processes on loopback ports, and jobs killed with SIGKILL that resume where they stopped."""

import json
import signal
import subprocess
import sys

import pytest

from distributed_tools import ROOT, TRAINER, clean_env, kill, latest_epoch, summary, trainer, wait_all, wait_for, workers


@pytest.mark.slow
def test_killed_fit_job_resumes_from_its_backup(tmp_path):
    args = ["--quick", "--epochs", 8, "--limit", 512, "--run-dir", tmp_path]
    first = subprocess.Popen([sys.executable, str(TRAINER), *map(str, args)], cwd=ROOT, env=clean_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metadata = tmp_path / "backup" / "training_metadata.json"
    try:
        wait_for(metadata, [first])
    finally:
        assert kill([first]) == [-signal.SIGKILL], "the job finished before it could be killed"
    done = json.loads(metadata.read_text())["epoch"]  # epochs finished when the job died
    assert 1 <= done < 8
    proc = trainer(*args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = summary(tmp_path, "single")
    assert s["first_epoch"] == done and len(s["losses"]) == 8 - done, (done, s)  # resumed, not restarted


# --- two processes on loopback ports, MultiWorkerMirroredStrategy, custom loop -------------------------------------
@pytest.mark.slow
def test_two_loopback_workers_train_together_and_agree_on_the_weights(tmp_path):
    run_dir = tmp_path / "run"
    procs = workers(["--quick", "--epochs", 2, "--limit", 1024, "--run-dir", run_dir], tmp_path / "logs")
    results = wait_all(procs, tmp_path / "logs")
    assert [r[0] for r in results] == [0, 0], [r[2][-2000:] for r in results]
    chief, other = summary(run_dir, "worker-0"), summary(run_dir, "worker-1")
    assert chief["chief"] and not other["chief"]
    assert chief["replicas"] == other["replicas"] == 2 and chief["loop"] == "custom"
    assert chief["weights_sha256"] == other["weights_sha256"]  # every weight, batch-norm statistics included
    assert chief["losses"] == other["losses"] and chief["losses"][1] < chief["losses"][0]
    assert latest_epoch(run_dir / "backup") == 2  # the chief's checkpoint
    assert (run_dir / "final.keras").is_file()
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".")]  # the other worker's copies are gone


@pytest.mark.slow
def test_killed_multiworker_job_resumes_from_the_chiefs_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    args = ["--quick", "--epochs", 8, "--limit", 512, "--run-dir", run_dir]
    procs = workers(args, tmp_path / "first")
    try:
        wait_for(run_dir / "backup" / "checkpoint", procs)
    finally:
        assert kill(procs) == [-signal.SIGKILL] * 2, "the job finished before it could be killed"
    done = latest_epoch(run_dir / "backup")
    assert 1 <= done < 8
    results = wait_all(workers(args, tmp_path / "second"), tmp_path / "second")
    assert [r[0] for r in results] == [0, 0], [r[2][-2000:] for r in results]
    for rc, out, _ in results:
        assert f"{done} epoch(s) done" in out
    chief, other = summary(run_dir, "worker-0"), summary(run_dir, "worker-1")
    assert chief["first_epoch"] == other["first_epoch"] == done and len(chief["losses"]) == 8 - done
    assert chief["weights_sha256"] == other["weights_sha256"]
    assert latest_epoch(run_dir / "backup") == 8


