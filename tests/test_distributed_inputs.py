"""Issue 23 §2: hpc/train_distributed.py trusts none of its input.

Bad numbers exit 2 like any argparse error; a file as ``--run-dir``, a second trainer on the same folder and a
port already in use are typed errors naming the fix, all before TensorFlow starts (cheap); a strict TF_CONFIG
check; a worker whose peers never come gives up at its rendezvous deadline (one TensorFlow start).
"""

import fcntl
import importlib.util
import json
import socket
import subprocess
import sys
import time

import pytest

from distributed_tools import ROOT, TRAINER, clean_env, trainer
from helpers import distribute
from helpers.errors import ConfigError


def load_trainer():
    spec = importlib.util.spec_from_file_location("train_distributed", TRAINER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv, option", [
    (["--epochs", "-1"], "--epochs"), (["--epochs", "0"], "--epochs"), (["--batch-size", "0"], "--batch-size"),
    (["--limit", "-5"], "--limit"), (["--learning-rate", "nan"], "--learning-rate"),
    (["--learning-rate", "-0.1"], "--learning-rate"), (["--learning-rate", "inf"], "--learning-rate"),
    (["--cpu-devices", "0"], "--cpu-devices"), (["--seed", "-3"], "--seed"), (["--epochs", "2.5"], "--epochs"),
])
def test_bad_numbers_exit_2_with_a_message(argv, option, capsys):
    with pytest.raises(SystemExit) as info:
        load_trainer().parse_args(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and f"argument {option}" in err and argv[1] in err, err


def test_good_numbers_still_parse():
    args = load_trainer().parse_args(["--epochs", "1", "--limit", "0", "--learning-rate", "1e-3", "--seed", "0"])
    assert (args.epochs, args.limit, args.learning_rate, args.seed) == (1, 0, 1e-3, 0)


def test_a_file_as_run_dir_is_a_typed_error_before_tensorflow_starts(tmp_path):
    blocker = tmp_path / "run"
    blocker.write_text("not a folder")
    proc = trainer("--quick", "--run-dir", blocker, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"--run-dir {blocker} is a file, not a folder" in proc.stderr and "Fix:" in proc.stderr


def test_a_second_trainer_on_the_same_run_dir_refuses(tmp_path):
    run_dir = tmp_path / "run"
    held = load_trainer().lock_run_dir(run_dir, "single")  # what a running trainer holds
    try:
        proc = trainer("--quick", "--run-dir", run_dir, timeout=120)
    finally:
        held.close()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"{run_dir} is in use by another trainer" in proc.stderr and "--run-dir" in proc.stderr
    again = load_trainer().lock_run_dir(run_dir, "single")  # released with the process (and by close())
    again.close()


@pytest.mark.parametrize("config, what", [
    ({"cluster": {"worker": "localhost:1"}, "task": {"type": "worker", "index": 0}}, "must be a list"),
    ({"cluster": {"worker": {"a": "localhost:1"}}, "task": {"type": "worker", "index": 0}}, "must be a list"),
    ({"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": 0.7}}, "index"),
    ({"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": "1"}}, "index"),
    ({"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", "index": True}}, "index"),
    ({"cluster": {"worker": ["localhost:abc"]}, "task": {"type": "worker", "index": 0}}, "'localhost:abc'"),
    ({"cluster": {"worker": ["localhost:70000"]}, "task": {"type": "worker", "index": 0}}, "'localhost:70000'"),
    ({"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}}, "'localhost'"),
    ({"cluster": {"worker": ["localhost:1"]}, "task": {"type": "chief", "index": 0}}, "chief"),
    ({"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 1}}, "index"),
])
def test_tf_config_is_validated_strictly(monkeypatch, config, what):
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    with pytest.raises(ConfigError, match="TF_CONFIG") as info:
        distribute.cluster_resolver()
    assert what in str(info.value) and "Fix:" in str(info.value), str(info.value)


def test_a_port_in_use_is_named_with_the_fix(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port, other = busy.getsockname()[1], distribute.free_ports(1)[0]
    try:
        env = clean_env(TF_CONFIG=distribute.local_tf_config([port, other], 0))
        proc = trainer("--quick", "--run-dir", tmp_path / "run", env=env, timeout=120)
    finally:
        busy.close()
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert f"port {port}" in proc.stderr and "in use" in proc.stderr and "Fix:" in proc.stderr, proc.stderr[-2000:]


@pytest.mark.slow
def test_a_worker_whose_peers_never_come_gives_up_at_its_rendezvous_deadline(tmp_path):
    ports = distribute.free_ports(2)
    env = clean_env(TF_CONFIG=distribute.local_tf_config(ports, 0))  # worker 1 never starts
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(TRAINER), "--quick", "--run-dir", str(tmp_path / "run"),
                           "--rendezvous-timeout", "3"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode != 0, proc.stderr[-2000:]  # ended by its watcher (SIGKILL)
    assert "waited 3 s for the other workers" in proc.stderr and f"localhost:{ports[1]}" in proc.stderr
    assert "--rendezvous-timeout" in proc.stderr and time.monotonic() - start < 200
