"""`python -m helpers doctor` and `prefetch`, run as processes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env_extra, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(WORKSHOP_CACHE_DIR=str(tmp_path / "cache"), **env_extra)
    return subprocess.run([sys.executable, "-m", "helpers", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_doctor_offline_quick_mode_is_ready(shared_data, tmp_path):
    proc = run("doctor", env_extra={"WORKSHOP_DATA_DIR": str(shared_data), "WORKSHOP_OFFLINE": "1",
                                    "WORKSHOP_QUICK": "1"}, tmp_path=tmp_path)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    for text in ("Python", "TensorFlow  2.", "Keras       3.", "helpers", "Device", "Mode        quick", "writable",
                 "READY"):
        assert text in out
    lines = {l.split()[1] + " " + l.split()[2]: l for l in out.splitlines() if l.strip().startswith("[")}
    assert lines["mnist-quick t10k-images-idx3-ubyte.gz"].strip().startswith("[ok]")
    assert lines["abalone abalone.data"].strip().startswith("[ok]")
    assert lines["mnist mnist.npz"].strip().startswith("[missing]")
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):  # optional, present in the shared folder
        assert lines[f"fashion-mnist fashion-mnist/{name}"].strip().startswith("[ok]")
    assert "python -m helpers prefetch mnist" in out


@pytest.mark.slow
def test_doctor_full_mode_without_full_mnist_fails_with_fix(shared_data, tmp_path):
    proc = run("doctor", "--full", "--no-network",
               env_extra={"WORKSHOP_DATA_DIR": str(shared_data), "WORKSHOP_OFFLINE": "1"}, tmp_path=tmp_path)
    assert proc.returncode == 1
    assert "NOT READY" in proc.stdout and "python -m helpers prefetch mnist --dest DIR" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("setting", ["missing", "file"])
def test_doctor_with_no_data_reachable_fails_and_says_what_the_data_dir_is(tmp_path, setting):
    data_dir = tmp_path / "empty"
    if setting == "file":
        data_dir.write_text("a file, not a folder")
    proc = run("doctor", env_extra={"WORKSHOP_DATA_DIR": str(data_dir), "WORKSHOP_OFFLINE": "1",
                                    "WORKSHOP_QUICK": "1"}, tmp_path=tmp_path)
    out = proc.stdout
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    said = "does not exist" if setting == "missing" else "is a file, not a folder"
    assert f"Data dir    {data_dir} ({said})" in out and f"- WORKSHOP_DATA_DIR={data_dir} {said}. Fix:" in out
    assert "[MISSING] mnist-quick" in out and "[MISSING] abalone" in out
    assert re.search(r"\[missing\] fashion-mnist fashion-mnist/t10k-images-idx3-ubyte\.gz +\(optional: only for "
                     r"notebooks run with dataset \"fashion\"", out), out
    assert "python -m helpers prefetch mnist-quick abalone --dest DIR" in out


def test_prefetch_into_dest_from_mirror(tmp_path, shared_data):
    from mirror import Mirror

    server = Mirror()
    try:
        server.add("abalone.data", (shared_data / "abalone.data").read_bytes())
        data_dir = tmp_path / "readonly"
        data_dir.mkdir()
        proc = run("prefetch", "abalone", "--dest", str(tmp_path / "dest"),
                   env_extra={"WORKSHOP_MIRROR": server.url, "WORKSHOP_DATA_DIR": str(data_dir)}, tmp_path=tmp_path)
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr
    assert "SHA-256 verified" in proc.stdout and f"WORKSHOP_DATA_DIR={tmp_path / 'dest'}" in proc.stdout
    assert (tmp_path / "dest" / "abalone.data").read_bytes() == (shared_data / "abalone.data").read_bytes()
    assert list(data_dir.iterdir()) == []


def test_prefetch_offline_and_unknown_names_fail_clearly(tmp_path):
    proc = run("prefetch", "abalone", env_extra={"WORKSHOP_OFFLINE": "1"}, tmp_path=tmp_path)
    assert proc.returncode == 1 and "WORKSHOP_OFFLINE=1" in proc.stderr and "abalone.data" in proc.stderr
    proc = run("prefetch", "nosuchset", env_extra={"WORKSHOP_OFFLINE": "1"}, tmp_path=tmp_path)
    assert proc.returncode == 1 and "mnist-quick" in proc.stderr and "nosuchset" in proc.stderr


def test_prefetch_fashion_mnist_into_its_subfolder(tmp_path, shared_data):
    from mirror import Mirror

    server = Mirror()
    try:
        for path in (shared_data / "fashion-mnist").glob("*.gz"):
            server.add(f"fashion-mnist/{path.name}", path.read_bytes())
        proc = run("prefetch", "fashion-mnist", "--dest", str(tmp_path / "dest"),
                   env_extra={"WORKSHOP_MIRROR": server.url}, tmp_path=tmp_path)
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("SHA-256 verified") == 4 and "fashion-mnist/train-images-idx3-ubyte.gz" in proc.stdout
    for path in (shared_data / "fashion-mnist").glob("*.gz"):
        assert (tmp_path / "dest" / "fashion-mnist" / path.name).read_bytes() == path.read_bytes()


# Issue 23 §2: doctor checks what one notebook needs, and never promises READY for a download it did not check.

@pytest.fixture
def no_tensorflow_report(monkeypatch):
    from helpers.run import device

    monkeypatch.setattr(device, "device_report", lambda: "CPU (stubbed for this test)")


def _report(quick, probe, **kwargs):
    from helpers.tools import doctor

    lines = []
    status = doctor.report(quick, probe_network=probe, out=lines.append, **kwargs)
    return status, "\n".join(lines)


def test_doctor_without_a_network_check_says_what_it_will_do_not_plain_ready(env, tmp_path, no_tensorflow_report):
    env.setenv("WORKSHOP_OFFLINE", "0")  # what `make lab` sees on a laptop without a data folder
    status, out = _report(True, probe=False)
    assert status == 0 and "READY: every notebook can run in quick mode." not in out, out
    assert "READY if the download works" in out and "not checked (--no-network)" in out
    assert "mnist-quick, abalone will be downloaded into" in out


def test_doctor_probes_the_mirror_the_download_would_use(env, tmp_path, no_tensorflow_report, shared_data):
    from mirror import Mirror

    server = Mirror()
    try:
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "abalone.data"):
            server.add(name, (shared_data / name).read_bytes())
        env.setenv("WORKSHOP_OFFLINE", "0")
        env.setenv("WORKSHOP_MIRROR", server.url)
        status, out = _report(True, probe=True)
    finally:
        server.close()
    assert status == 0, out
    assert f"{server.url}/t10k-images-idx3-ubyte.gz answered" in out and "will be downloaded into" in out


def test_doctor_for_one_notebook_checks_only_its_data(env, tmp_path, no_tensorflow_report, shared_data):
    from helpers.tools.doctor import notebook_datasets

    nb = lambda name: ROOT / "solutions" / f"{name}.ipynb"
    assert notebook_datasets(nb("01_warmup"), True) == []
    assert notebook_datasets(nb("05_abalone_regression"), True) == ["abalone"]
    assert notebook_datasets(nb("04_cnn_mnist"), True) == ["mnist-quick"]
    assert notebook_datasets(nb("04_cnn_mnist"), False) == ["mnist"]
    assert notebook_datasets(nb("07_transfer_learning"), False) == ["fashion-mnist", "mnist-quick"]
    assert notebook_datasets(ROOT / "hpc" / "train_distributed.py", True) == ["mnist-quick"]
    env.setenv("WORKSHOP_DATASET", "fashion")
    assert notebook_datasets(nb("04_cnn_mnist"), True) == ["fashion-mnist"]
    env.delenv("WORKSHOP_DATASET")
    data = tmp_path / "data"
    data.mkdir()
    (data / "abalone.data").symlink_to(shared_data / "abalone.data")
    env.setenv("WORKSHOP_DATA_DIR", str(data))
    env.setenv("WORKSHOP_OFFLINE", "1")
    status, out = _report(True, probe=False, notebook=nb("05_abalone_regression"))
    assert status == 0 and "READY: 05_abalone_regression can run in quick mode." in out, out
    assert "[missing] mnist-quick" in out and "not needed by 05_abalone_regression" in out
    status, out = _report(True, probe=False, notebook=nb("04_cnn_mnist"))
    assert status == 1 and "[MISSING] mnist-quick" in out and "prefetch mnist-quick --dest DIR" in out
