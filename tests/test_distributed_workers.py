"""Jobs killed with SIGKILL that resume where they stopped: one process with ``fit``, and two worker processes on
loopback ports (MultiWorkerMirroredStrategy, the custom loop) that must also agree on every weight.

Tiny on purpose: 256 training examples (2 global batches of 128 per epoch), 3 epochs, killed as soon as the first
epoch's backup is complete (polled, never slept for). Each process costs a TensorFlow start (~5 s of CPU).
"""

import json
import re
import signal
import subprocess
import sys

import pytest

from distributed_tools import (ROOT, TRAINER, clean_env, finished_epochs, kill, latest_epoch, summary, trainer,
                               wait_all, wait_for, workers)

EPOCHS = 3
TINY = ["--quick", "--epochs", EPOCHS, "--limit", 256]


@pytest.mark.slow
def test_killed_fit_job_resumes_from_its_backup(tmp_path):
    args = [*TINY, "--run-dir", tmp_path]
    metadata = tmp_path / "backup" / "training_metadata.json"
    with open(tmp_path / "first.err", "w") as err:
        first = subprocess.Popen([sys.executable, str(TRAINER), *map(str, args)], cwd=ROOT, env=clean_env(),
                                 stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(finished_epochs(lambda: json.loads(metadata.read_text())["epoch"]), [first])
    finally:
        codes = kill([first])
    assert codes == [-signal.SIGKILL], ("the job ended before it could be killed", codes,
                                        (tmp_path / "first.err").read_text()[-3000:])
    done = json.loads(metadata.read_text())["epoch"]  # epochs finished when the job died
    assert 1 <= done < EPOCHS
    proc = trainer(*args)  # the same command again, as a requeued job runs it
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-3000:])
    s = summary(tmp_path, "single")
    assert s["first_epoch"] == done and len(s["losses"]) == EPOCHS - done, (done, s)  # resumed, not restarted
    assert s["replicas"] == 2 and s["loop"] == "fit" and s["global_batch_size"] == 128
    assert s["seed"] == 42  # the summary says how to repeat the run (issue 23 §2)
    assert not (tmp_path / "backup").exists()  # BackupAndRestore deletes its backup after a finished run
    assert (tmp_path / "best.keras").is_file()  # ModelCheckpoint
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))  # TensorBoard


@pytest.mark.slow
def test_two_loopback_workers_killed_and_restarted_resume_from_the_chiefs_checkpoint_and_agree(tmp_path):
    """Two processes configured by TF_CONFIG train together; killed after the chief's first checkpoint and started
    again with the same command, they resume there, both finish, agree on every weight, and the chief's checkpoint
    is the one kept."""
    run_dir = tmp_path / "run"
    args = [*TINY, "--run-dir", run_dir]
    procs = workers(args, tmp_path / "first")
    try:
        wait_for(finished_epochs(lambda: latest_epoch(run_dir / "backup")), procs)
    finally:
        codes = kill(procs)
    assert codes == [-signal.SIGKILL] * 2, ("the job ended before it could be killed", codes,
                                            [(tmp_path / "first" / f"worker-{i}.err").read_text()[-2000:]
                                             for i in (0, 1)])
    done = latest_epoch(run_dir / "backup")
    assert 1 <= done < EPOCHS
    first_out = (tmp_path / "first" / "worker-0.out").read_text()
    first_loss = float(re.search(r"^epoch 1/\d+: loss ([\d.]+)", first_out, re.MULTILINE).group(1))

    results = wait_all(workers(args, tmp_path / "second"), tmp_path / "second")
    assert [r[0] for r in results] == [0, 0], [(r[0], r[2][-2000:]) for r in results]
    for _, out, _ in results:
        assert f"{done} epoch(s) done" in out
    chief, other = summary(run_dir, "worker-0"), summary(run_dir, "worker-1")
    assert chief["chief"] and not other["chief"] and chief["loop"] == other["loop"] == "custom"
    assert chief["replicas"] == other["replicas"] == 2 and chief["global_batch_size"] == 128
    assert chief["first_epoch"] == other["first_epoch"] == done and len(chief["losses"]) == EPOCHS - done
    assert chief["losses"][0] < first_loss, (first_loss, chief["losses"])  # trained weights came back, not new ones
    assert chief["weights_sha256"] == other["weights_sha256"]  # every weight, batch-norm statistics included
    assert chief["losses"] == other["losses"]
    assert latest_epoch(run_dir / "backup") == EPOCHS  # the chief's checkpoint
    assert (run_dir / "final.keras").is_file()
    assert not [p.name for p in run_dir.iterdir() if p.name.startswith(".") and not p.name.startswith(".lock-")]  # the
    # other worker's copies are gone; each task's lock file (.lock-worker-N) stays, unlocked
