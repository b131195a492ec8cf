"""Shared by the distributed-training tests: run hpc/train_distributed.py as one process or as loopback workers."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import distribute
ROOT = Path(__file__).resolve().parent.parent
TRAINER = ROOT / "hpc" / "train_distributed.py"


def clean_env(**extra):
    """This process's environment without cluster variables, plus ``extra``.

    ``PYTHONFAULTHANDLER``: should a process crash (SIGSEGV in TensorFlow's C++ threads), its error output,
    which the tests' messages show, holds the Python stack of every thread.
    """
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG" and not k.startswith("SLURM_")}
    env.update(WORKSHOP_QUICK="1", PYTHONFAULTHANDLER="1", **extra)
    return env


def trainer(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, str(TRAINER), *map(str, args)], cwd=ROOT, env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout)


def summary(run_dir, task):
    return json.loads((run_dir / f"summary-{task}.json").read_text())


def workers(args, log_dir, n=2):
    log_dir.mkdir(parents=True, exist_ok=True)
    return distribute.start_local_workers([TRAINER, *args], log_dir, workers=n, env=clean_env(), cwd=ROOT)


def wait_all(procs, log_dir, timeout=300):
    deadline = time.monotonic() + timeout
    try:
        for proc in procs:
            proc.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [(p.returncode, (log_dir / f"worker-{i}.out").read_text(), (log_dir / f"worker-{i}.err").read_text())
            for i, p in enumerate(procs)]


def wait_for(ready, procs, timeout=180):
    """Poll until ``ready()`` returns a true value, and return it; fail early if a process died.

    ``ready`` may also be a path: then wait until it exists.
    """
    if not callable(ready):
        path = ready
        ready = path.exists
    deadline = time.monotonic() + timeout
    while not (value := ready()):
        dead = [p.returncode for p in procs if p.poll() is not None]
        assert not dead, f"a process exited ({dead}) before it was ready to be killed"
        assert time.monotonic() < deadline, f"not ready within {timeout} s"
        time.sleep(0.02)
    return value


def finished_epochs(read):
    """A poll for :func:`wait_for`: the number ``read()`` returns once it is ≥ 1, else 0 (file missing or
    half-written: a process writes it while we look)."""
    def ready():
        try:
            return max(read(), 0)
        except (OSError, ValueError, KeyError, AttributeError):
            return 0
    return ready


def kill(procs):
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    for proc in procs:
        proc.wait()
    return [p.returncode for p in procs]


def latest_epoch(backup):
    """The epoch number of the latest custom-loop checkpoint, from CheckpointManager's state file."""
    state = (backup / "checkpoint").read_text()
    return int(re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', state, re.MULTILINE).group(1))
