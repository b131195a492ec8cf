"""Threads that fit the seat (issue 21): the CPUs a process may use, TensorFlow and BLAS sized to them, GPU caps.

The cgroup files are fed from a folder of fake files; real children run under ``taskset -c 0`` and with
``WORKSHOP_THREADS=1`` and report what TensorFlow, threadpoolctl and ``/proc`` say after a training step.
No GPU is available here: the GPU cap is tested with a fake ``tf`` that records its calls, and with the
real TensorFlow on this CPU (the variable is checked and then has nothing to apply).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import config
from helpers.errors import ConfigError, DeviceConfigError
from helpers.run import device, threads

ROOT = Path(__file__).resolve().parent.parent


def fake_cgroups(tmp_path, v2=None, v1=None, own="0::/\n"):
    """A cgroup root with ``cpu.max`` (v2) and/or ``cpu/cpu.cfs_quota_us`` + period (v1), and a /proc/self/cgroup."""
    root = tmp_path / "cgroup"
    root.mkdir(parents=True)
    if v2 is not None:
        (root / "cpu.max").write_text(v2 + "\n")
    if v1 is not None:
        (root / "cpu").mkdir()
        (root / "cpu" / "cpu.cfs_quota_us").write_text(f"{v1[0]}\n")
        (root / "cpu" / "cpu.cfs_period_us").write_text(f"{v1[1]}\n")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(own)
    return {"cgroup_root": root, "proc_cgroup": proc}


@pytest.fixture
def no_threads_env(monkeypatch):
    monkeypatch.delenv("WORKSHOP_THREADS", raising=False)
    return monkeypatch


@pytest.mark.parametrize("cpu_max, affinity, expected, source", [
    ("max 100000", 8, 8, "CPU affinity"),          # no quota: the affinity mask decides
    ("100000 100000", 64, 1, "cgroup quota"),      # a 1-CPU container on a 64-core node
    ("150000 100000", 64, 2, "cgroup quota"),      # 1.5 CPUs: 2 threads can use all of it
    ("50000 100000", 64, 1, "cgroup quota"),       # half a CPU: still at least one thread
    ("400000 100000", 2, 2, "CPU affinity"),       # a quota larger than the mask changes nothing
    ("garbage", 4, 4, "CPU affinity"),             # an unreadable file is no quota
])
def test_cgroup_v2_cpu_max_and_affinity_give_the_smaller(tmp_path, no_threads_env, cpu_max, affinity, expected,
                                                          source):
    budget = threads.cpu_budget(**fake_cgroups(tmp_path, v2=cpu_max), affinity=affinity)
    assert (budget.threads, budget.source, budget.affinity) == (expected, source, affinity)
    if source == "cgroup quota":
        assert f"cgroup quota: {budget.quota:g} CPU" in budget.reason and "cpu.max" in budget.reason


def test_cgroup_v1_cfs_quota_and_a_nested_cgroup_with_a_tighter_parent(tmp_path, no_threads_env):
    budget = threads.cpu_budget(**fake_cgroups(tmp_path, v1=(-1, 100000)), affinity=16)
    assert (budget.threads, budget.quota) == (16, None) and "no cgroup CPU quota" in budget.reason
    paths = fake_cgroups(tmp_path / "v1", v1=(200000, 100000), own="3:cpu,cpuacct:/kubepods/pod1\n0::/\n")
    child = paths["cgroup_root"] / "cpu" / "kubepods" / "pod1"
    child.mkdir(parents=True)
    (child / "cpu.cfs_quota_us").write_text("300000\n")  # the pod may use 3, its parent only 2
    (child / "cpu.cfs_period_us").write_text("100000\n")
    budget = threads.cpu_budget(**paths, affinity=16)
    assert (budget.threads, budget.quota, budget.source) == (2, 2.0, "cgroup quota")
    assert budget.quota_file == str(paths["cgroup_root"] / "cpu" / "cpu.cfs_quota_us")


def test_v2_path_from_proc_self_cgroup_and_the_unified_mount_of_hybrid_hosts(tmp_path, no_threads_env):
    paths = fake_cgroups(tmp_path, own="0::/user.slice/learner.scope\n")
    scope = paths["cgroup_root"] / "unified" / "user.slice" / "learner.scope"
    scope.mkdir(parents=True)
    (scope / "cpu.max").write_text("200000 100000\n")
    budget = threads.cpu_budget(**paths, affinity=64)
    assert (budget.threads, budget.quota_file) == (2, str(scope / "cpu.max"))


def test_workshop_threads_overrides_and_is_checked(tmp_path, monkeypatch):
    paths = fake_cgroups(tmp_path, v2="100000 100000")
    monkeypatch.setenv("WORKSHOP_THREADS", "3")
    budget = threads.cpu_budget(**paths, affinity=2)
    assert (budget.threads, budget.source) == (3, "WORKSHOP_THREADS") and budget.reason.startswith("3 (WORKSHOP_THREADS=3;")
    monkeypatch.setenv("WORKSHOP_THREADS", "0")  # 0: TensorFlow's and BLAS's own defaults, nothing is sized
    budget = threads.cpu_budget(**paths, affinity=2)
    assert budget.threads is None and budget.reason.startswith("TensorFlow's own defaults (WORKSHOP_THREADS=0;")
    assert threads.limit_environment(budget, environ={}) == {}
    for bad in ("-1", "1.5", "abc", "nan", "2000"):
        monkeypatch.setenv("WORKSHOP_THREADS", bad)
        with pytest.raises(ConfigError) as info:
            threads.cpu_budget(**paths)
        assert isinstance(info.value, ValueError)
        assert f"WORKSHOP_THREADS={bad!r} is not valid: expected a whole number between 0 and 1024" in str(info.value)
        assert "Fix: e.g. `export WORKSHOP_THREADS=2`, or unset it." in str(info.value)


def test_environment_variables_for_native_pools_respect_what_is_already_set():
    budget = threads.CpuBudget(3, "CPU affinity", 3)
    environ = {"OMP_NUM_THREADS": "5"}
    done = threads.limit_environment(budget, environ)
    assert environ["OMP_NUM_THREADS"] == "5" and "OMP_NUM_THREADS" not in done
    assert done["OPENBLAS_NUM_THREADS"] == done["MKL_NUM_THREADS"] == "3"
    assert [threads.inter_op_threads(n) for n in (1, 2, 3, 64)] == [1, 2, 2, 2]


def test_a_real_cgroup_of_this_machine_is_read_without_error(no_threads_env):
    budget = threads.cpu_budget()
    assert 1 <= budget.threads <= len(os.sched_getaffinity(0)) and budget.affinity == len(os.sched_getaffinity(0))


# --- real children: what TensorFlow and the process say after a training step --------------------------------------
CHILD = """
import json, os, sys
import numpy as np
if sys.argv[1] == "kit":
    import helpers
    helpers.setup("threads_probe", quick=True, announce=False)
import tensorflow as tf, keras
keras.utils.set_random_seed(0)
x, y = np.random.rand(256, 28, 28, 1).astype("float32"), np.arange(256) % 10
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, y, epochs=1, batch_size=64, verbose=0)
from threadpoolctl import threadpool_info
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
print(json.dumps({"intra": tf.config.threading.get_intra_op_parallelism_threads(),
                  "inter": tf.config.threading.get_inter_op_parallelism_threads(),
                  "threads": int(status["Threads"]), "affinity": len(os.sched_getaffinity(0)),
                  "blas": sorted({p["num_threads"] for p in threadpool_info()}),
                  "omp": os.environ.get("OMP_NUM_THREADS")}))
"""


@pytest.mark.slow
def test_children_under_taskset_and_with_workshop_threads_run_one_thread_per_pool(tmp_path):
    if shutil.which("taskset") is None:
        pytest.fail("taskset (util-linux) is needed for this test. Fix: apt-get install -y util-linux")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("WORKSHOP_", "OMP_", "OPENBLAS_", "MKL_"))}
    base.update(PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", WORKSHOP_OUTPUT_DIR=str(tmp_path / "out"),
                WORKSHOP_FIGURES_DIR=str(tmp_path / "fig"))
    cases = {"taskset": (["taskset", "-c", "0", sys.executable, str(script), "kit"], {}),
             "env": ([sys.executable, str(script), "kit"], {"WORKSHOP_THREADS": "1"}),
             "default": ([sys.executable, str(script), "plain"], {})}
    procs = {name: subprocess.Popen(cmd, env={**base, **extra}, cwd=tmp_path, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for name, (cmd, extra) in cases.items()}
    seen = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}: {err[-3000:]}"
        seen[name] = json.loads(out.strip().splitlines()[-1])
    for name in ("taskset", "env"):
        got = seen[name]
        assert (got["intra"], got["inter"], got["blas"], got["omp"]) == (1, 1, [1], "1"), (name, got)
    assert seen["taskset"]["affinity"] == 1 and seen["default"]["intra"] == 0  # 0 = TensorFlow picks its own
    # on the same CPUs, TensorFlow's own pools hold more threads than one per pool (equal only on a 1-CPU machine)
    if seen["default"]["affinity"] > 1:
        assert seen["env"]["threads"] < seen["default"]["threads"], seen
    else:
        assert seen["env"]["threads"] <= seen["default"]["threads"], seen


# --- GPU memory per kernel: the configuration path with a fake tf, then the real one on this CPU ---------------------
class FakeTF:
    """Just enough of ``tf.config`` to record what :func:`device.configure_gpu_memory` asks for."""

    def __init__(self, gpus=2, initialised_with=None):
        self.calls, self.initialised_with = [], initialised_with
        self.gpus = [SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU") for i in range(gpus)]
        test = self

        class Config:
            LogicalDeviceConfiguration = staticmethod(lambda memory_limit: SimpleNamespace(memory_limit=memory_limit))

            @staticmethod
            def list_physical_devices(kind):
                return list(test.gpus) if kind == "GPU" else []

            @staticmethod
            def set_logical_device_configuration(gpu, configs):
                if test.initialised_with is not None:
                    raise RuntimeError("Virtual devices cannot be modified after being initialized")
                test.calls.append(("logical", gpu.name, [c.memory_limit for c in configs]))

            @staticmethod
            def get_logical_device_configuration(gpu):
                limit = test.initialised_with
                return None if limit is None else [SimpleNamespace(memory_limit=limit)]

            class experimental:  # noqa: N801 – tf's own name
                @staticmethod
                def set_memory_growth(gpu, value):
                    test.calls.append(("growth", gpu.name, value))

        self.config = Config


def test_gpu_cap_gives_each_gpu_one_logical_device_and_no_memory_growth():
    tf = FakeTF(gpus=2)
    done = device.configure_gpu_memory(tf, 3072)
    assert tf.calls == [("logical", "/physical_device:GPU:0", [3072]), ("logical", "/physical_device:GPU:1", [3072])]
    assert done == ["/physical_device:GPU:0: capped at 3072 MiB", "/physical_device:GPU:1: capped at 3072 MiB"]
    tf = FakeTF(gpus=2)
    assert device.configure_gpu_memory(tf, None) == ["/physical_device:GPU:0: memory growth",
                                                     "/physical_device:GPU:1: memory growth"]
    assert tf.calls == [("growth", "/physical_device:GPU:0", True), ("growth", "/physical_device:GPU:1", True)]
    assert device.configure_gpu_memory(FakeTF(gpus=0), 3072) == []


def test_gpu_cap_after_the_gpu_started_is_kept_when_equal_and_a_typed_error_otherwise():
    assert device.configure_gpu_memory(FakeTF(gpus=1, initialised_with=3072), 3072) == [
        "/physical_device:GPU:0: capped at 3072 MiB"]  # a second setup() in one kernel
    with pytest.raises(DeviceConfigError) as info:
        device.configure_gpu_memory(FakeTF(gpus=1, initialised_with=1024), 3072)
    assert isinstance(info.value, RuntimeError)
    assert "WORKSHOP_GPU_MEMORY=3072 cannot be applied to /physical_device:GPU:0" in str(info.value)
    assert "Fix: restart the kernel and run the setup cell before anything else uses TensorFlow." in str(info.value)


@pytest.mark.parametrize("bad", ["12", "1.5", "lots", "inf", "2000000"])
def test_gpu_memory_is_checked_where_it_is_read(monkeypatch, bad):
    monkeypatch.setenv("WORKSHOP_GPU_MEMORY", bad)
    with pytest.raises(ConfigError, match=r"WORKSHOP_GPU_MEMORY=.* whole number between 256 and 1048576. "
                                          r"Fix: e.g. `export WORKSHOP_GPU_MEMORY=4096`"):
        config.gpu_memory()


def test_setup_with_a_gpu_cap_on_this_cpu_machine_checks_it_and_has_nothing_to_cap(monkeypatch, keras):
    """Real TensorFlow, no GPU here: a valid cap is accepted and changes nothing; a bad one stops setup()."""
    from helpers.run import setup as runtime

    monkeypatch.setattr(sys, "argv", ["x.py"])
    monkeypatch.setenv("WORKSHOP_GPU_MEMORY", "2048")
    tf = device.import_tensorflow()
    assert tf.config.list_physical_devices("GPU") == [], "this test expects a machine without a GPU"
    run = runtime.setup("gpu_cap_probe", quick=True, announce=False)
    assert run.notebook == "gpu_cap_probe" and tf.config.list_logical_devices("GPU") == []
    assert device.configure_gpu_memory(tf, 2048) == []
    monkeypatch.setenv("WORKSHOP_GPU_MEMORY", "100")
    with pytest.raises(ConfigError, match="WORKSHOP_GPU_MEMORY='100'"):
        runtime.setup("gpu_cap_probe", quick=True, announce=False)


def test_setup_refuses_bad_thread_and_gpu_settings_before_importing_tensorflow(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text("import sys\nimport helpers\ntry:\n    helpers.setup('probe')\nexcept helpers.ConfigError as e:\n"
                      "    print('ConfigError:', e)\nprint('tensorflow imported:', 'tensorflow' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    env.update(PYTHONPATH=str(ROOT), WORKSHOP_OUTPUT_DIR=str(tmp_path / "o"), WORKSHOP_FIGURES_DIR=str(tmp_path / "f"))
    for var, value in (("WORKSHOP_THREADS", "many"), ("WORKSHOP_GPU_MEMORY", "-5")):
        proc = subprocess.run([sys.executable, str(script)], env={**env, var: value}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert f"ConfigError: {var}='{value}' is not valid" in proc.stdout, proc.stdout + proc.stderr
        assert "tensorflow imported: False" in proc.stdout
