"""One shared install, many learners (issue 21): the "Keras workshop" kernel spec, `lab` inside a hub, `doctor`.

The kernel spec is installed into a temporary prefix, found there by jupyter_client's KernelSpecManager
through JUPYTER_PATH, and started with jupyter_client from an environment without any WORKSHOP_* variable:
everything the kernel knows about the kit comes from the spec.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.errors import ConfigError
from helpers.tools import hub, kernel

ROOT = Path(__file__).resolve().parent.parent


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "JUPYTERHUB_", "JUPYTER_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def cli(*args, cwd, **extra):
    return subprocess.run([sys.executable, "-m", "helpers", *args], env=clean_env(**extra), cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_installed_kernel_spec_is_found_started_and_carries_the_kits_settings(tmp_path, shared_data, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    prefix = tmp_path / "prefix"
    proc = cli("kernel", "install", "--prefix", str(prefix), "--data-dir", str(shared_data), "--offline",
               "--threads", "1", "--gpu-memory", "4096", cwd=tmp_path, WORKSHOP_QUICK="1")
    assert proc.returncode == 0, proc.stderr
    assert f"installed kernel 'keras-workshop' (\"Keras workshop\") in {prefix}" in proc.stdout
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))  # how Jupyter finds a prefix's kernels
    ksm = KernelSpecManager()
    assert ksm.find_kernel_specs()["keras-workshop"] == str(prefix / "share" / "jupyter" / "kernels" / "keras-workshop")
    spec = ksm.get_kernel_spec("keras-workshop")
    assert spec.display_name == "Keras workshop" and spec.argv[0] == sys.executable
    expected = {"WORKSHOP_KIT_DIR": str(ROOT), "WORKSHOP_DATA_DIR": str(shared_data), "WORKSHOP_OFFLINE": "1",
                "WORKSHOP_QUICK": "1", "WORKSHOP_THREADS": "1", "WORKSHOP_GPU_MEMORY": "4096"}
    assert spec.env == expected  # WORKSHOP_QUICK from the installer's environment, the rest from flags

    km = KernelManager(kernel_name="keras-workshop", kernel_spec_manager=ksm)
    km.start_kernel(env=clean_env(), cwd=str(tmp_path))  # no WORKSHOP_* here: the kernel gets them from its spec
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        seen = []
        code = ("import json, os, helpers\nfrom helpers.paths import kit_dir\nfrom helpers.run.threads import cpu_budget\n"
                "print(json.dumps({'env': {k: v for k, v in os.environ.items() if k.startswith('WORKSHOP_')},"
                " 'kit': str(kit_dir()), 'threads': cpu_budget().threads, 'helpers': helpers.__file__,"
                " 'rows': len(helpers.load_abalone())}))")
        reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: seen.append(msg))
        assert reply["content"]["status"] == "ok", reply["content"]
        text = "".join(m["content"].get("text", "") for m in seen if m["msg_type"] == "stream")
        inside = json.loads(text.strip().splitlines()[-1])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert inside["env"] == expected and inside["kit"] == str(ROOT) and inside["threads"] == 1
    assert inside["rows"] == 4177  # the data folder and offline mode of the spec, from a folder outside the kit
    assert Path(inside["helpers"]).is_relative_to(ROOT)


def test_kernel_install_refuses_bad_settings_and_writes_nothing(tmp_path):
    prefix = tmp_path / "prefix"
    for args, said in ((["--threads", "-1"], "--threads -1 is not valid: expected a whole number between 0 and 1024. "
                                             "Fix: e.g. `--threads 2`, or leave it out."),
                       (["--gpu-memory", "10"], "--gpu-memory 10 is not valid: expected a whole number between 256 "
                                                "and 1048576. Fix: e.g. `--gpu-memory 4096`"),
                       (["--data-dir", str(tmp_path / "nowhere")], f"The data folder {tmp_path / 'nowhere'} does not "
                                                                   f"exist. Fix: fill it first with `python -m "
                                                                   f"helpers prefetch --dest"),
                       (["--kit-dir", str(tmp_path)], f"{tmp_path} holds no solutions/ folder"),
                       (["--quick", "perhaps"], "--quick perhaps is not a yes/no value")):
        proc = cli("kernel", "install", "--prefix", str(prefix), *args, cwd=tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith("error: " + said), proc.stderr
    assert not prefix.exists()
    (tmp_path / "file").write_text("in the way")
    proc = cli("kernel", "install", "--prefix", str(tmp_path / "file" / "x"), cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "Cannot write the kernel spec into" in proc.stderr and "--user (only you), --sys-prefix" in proc.stderr
    with pytest.raises(ConfigError) as info:  # the settings of the installer's shell are checked the same way
        kernel.spec_env(environ={"WORKSHOP_THREADS": "lots"})
    assert isinstance(info.value, ValueError) and "export WORKSHOP_THREADS=2" in str(info.value)


def test_spec_env_takes_flags_over_the_shell_and_leaves_out_what_is_unset(tmp_path, shared_data):
    env = kernel.spec_env({"WORKSHOP_THREADS": "2", "WORKSHOP_OFFLINE": None},
                          environ={"WORKSHOP_THREADS": "8", "WORKSHOP_OFFLINE": "yes", "WORKSHOP_DATA_DIR": ""})
    assert env == {"WORKSHOP_KIT_DIR": str(ROOT), "WORKSHOP_OFFLINE": "1", "WORKSHOP_THREADS": "2"}
    relative = os.path.relpath(shared_data)
    env = kernel.spec_env({"WORKSHOP_DATA_DIR": relative}, environ={})
    assert env["WORKSHOP_DATA_DIR"] == str(shared_data)  # made absolute once, at install time


# --- `python -m helpers lab` inside a JupyterHub single-user server ----------------------------------------------
def test_lab_inside_a_hub_prepares_the_workspace_and_says_where_instead_of_starting_a_server(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    hub_env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ada/", "JUPYTERHUB_USER": "ada", "JUPYTER_SERVER_ROOT": str(home),
               "WORKSHOP_WORKSPACE": str(home / "keras-workshop"), "HOME": str(home)}
    proc = cli("lab", cwd=tmp_path, **hub_env)
    assert proc.returncode == 0, proc.stderr
    assert "no second JupyterLab is started" in proc.stdout
    assert "Open your notebooks at /user/ada/lab/tree/keras-workshop" in proc.stdout
    assert sorted(p.name for p in (home / "keras-workshop").glob("*.ipynb")) == \
        sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))
    outside = cli("lab", cwd=tmp_path, **{**hub_env, "WORKSHOP_WORKSPACE": str(tmp_path / "elsewhere")})
    assert outside.returncode == 0 and "lies outside this server's folder" in outside.stdout
    assert f"Fix: `export WORKSHOP_WORKSPACE={home}/keras-workshop`" in outside.stdout


def test_hub_detection_and_the_server_root_fall_back_in_order(tmp_path):
    assert not hub.in_hub({}) and hub.in_hub({"JUPYTERHUB_API_URL": "http://127.0.0.1:8081/hub/api"})
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/bo/", "HOME": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    assert hub.server_root({**env, "JUPYTERHUB_ROOT_DIR": str(tmp_path / "nb")}) == (tmp_path / "nb",
                                                                                     "JUPYTERHUB_ROOT_DIR")
    assert hub.server_root(env) == (tmp_path, "the home folder")
    lines = hub.where_to_open(tmp_path, {**env, "JUPYTERHUB_PUBLIC_URL": "https://hub.example.org/user/bo/"})
    assert lines[-2] == "Open your notebooks at https://hub.example.org/user/bo/lab/tree"


# --- doctor: the Threads and Workspace lines ------------------------------------------------------------------------
@pytest.mark.slow
def test_doctor_reports_threads_and_workspace_and_their_problems(tmp_path, shared_data):
    base = {"WORKSHOP_DATA_DIR": str(shared_data), "WORKSHOP_OFFLINE": "1", "WORKSHOP_QUICK": "1",
            "WORKSHOP_CACHE_DIR": str(tmp_path / "cache")}
    proc = cli("doctor", "--no-network", cwd=tmp_path, WORKSHOP_THREADS="1",
               WORKSHOP_WORKSPACE=str(tmp_path / "work"), **base)
    assert proc.returncode == 0, proc.stdout
    affinity = len(os.sched_getaffinity(0))
    assert f"  Threads     1 (WORKSHOP_THREADS=1; CPU affinity: {affinity} CPU" in proc.stdout
    assert f"  Workspace   {tmp_path / 'work'} (writable, will be created; from WORKSHOP_WORKSPACE)" in proc.stdout
    (tmp_path / "file").write_text("in the way")
    proc = cli("doctor", "--no-network", cwd=tmp_path, WORKSHOP_THREADS="x",
               WORKSHOP_WORKSPACE=str(tmp_path / "file" / "work"), **base)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "  Threads     (WORKSHOP_THREADS is not valid, see below)" in proc.stdout
    assert "  - WORKSHOP_THREADS='x' is not valid: expected a whole number between 0 and 1024." in proc.stdout
    assert (f"  - WORKSHOP_WORKSPACE={tmp_path / 'file' / 'work'}: {tmp_path / 'file'} is not a folder. Fix: "
            f"`export WORKSHOP_WORKSPACE=$HOME/keras-workshop`") in proc.stdout
