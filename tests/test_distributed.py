"""Data-parallel training on this CPU: logical devices, SLURM, the sbatch scripts, the fit trap, mixed precision.

Everything that configures TensorFlow's devices or starts a strategy runs in a fresh process
(``hpc/train_distributed.py``): devices are fixed once TensorFlow initialises them.
Two-worker training and kill-and-resume are in test_distributed_workers.py (xdist spreads the files).
"""

import json
import os
import subprocess
import sys

import pytest

from distributed_tools import ROOT, clean_env, summary, trainer, wait_all, workers
from helpers import distribute
from helpers.errors import ConfigError
from helpers.questions import nb06_distributed

SBATCH = {"multinode": ROOT / "hpc" / "slurm-multinode.sbatch", "multigpu": ROOT / "hpc" / "slurm-multigpu.sbatch"}


# --- one process, MirroredStrategy over 2 logical CPU devices, model.fit ------------------------------------------
@pytest.mark.slow
def test_mirrored_fit_on_two_logical_cpus_reaches_the_single_device_floor(tmp_path):
    proc = trainer("--quick", "--epochs", 3, "--run-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    s = summary(tmp_path, "single")
    assert s["replicas"] == 2 and s["loop"] == "fit" and s["global_batch_size"] == 128 and s["first_epoch"] == 0
    assert s["test_accuracy"] >= nb06_distributed.QUICK_FLOOR, s  # the floor notebook 04's single-device CNN meets
    assert len(s["losses"]) == 3 and s["losses"][-1] < s["losses"][0]
    assert (tmp_path / "best.keras").is_file()  # ModelCheckpoint
    assert list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))  # TensorBoard
    assert not (tmp_path / "backup").exists()  # BackupAndRestore deletes its backup after a finished run


@pytest.mark.slow
def test_fit_under_multiworker_strategy_still_fails_upstream(tmp_path):
    """keras-team/keras#20585. When this test fails because both workers succeed, upstream is fixed:
    teach fit for several processes too (notebook 06, README "Scaling out", the trainer's --loop auto)."""
    procs = workers(["--quick", "--loop", "fit", "--epochs", 1, "--limit", 256, "--run-dir", tmp_path / "run"],
                    tmp_path / "logs")
    results = wait_all(procs, tmp_path / "logs")
    if all(rc == 0 for rc, _, _ in results):
        pytest.fail("model.fit under MultiWorkerMirroredStrategy works now (keras-team/keras#20585 fixed): "
                    "update notebook 06, the README's 'Scaling out' and hpc/train_distributed.py's --loop auto")
    for rc, _, err in results:
        assert rc == 1, err[-2000:]
        assert "Attempt to convert a value (PerReplica" in err and "unsupported type" in err, err[-2000:]
        assert "keras-team/keras#20585" in err and "--loop custom" in err


# --- devices ----------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_logical_devices_must_come_before_tensorflow_starts():
    code = ("from helpers import distribute\n"
            "print(distribute.training_devices(2)); print(distribute.training_devices(2))\n"
            "try:\n    distribute.training_devices(3)\n"
            "except distribute.DeviceConfigError as err:\n    print('refused:', err)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == lines[1] == "['/device:CPU:0', '/device:CPU:1']"  # a re-run cell is fine
    assert lines[2].startswith("refused: TensorFlow already runs on 2 logical CPU device(s)") and "restart" in lines[2]


def test_training_devices_refuses_a_bad_count():
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ConfigError, match="cpu_devices"):
            distribute.training_devices(bad)


# --- SLURM and TF_CONFIG ------------------------------------------------------------------------------------------
def fake_slurm(monkeypatch, procid, tasks, nodelist, tasks_per_node, gpus=None, job="123456"):
    for name in [k for k in os.environ if k.startswith("SLURM_")] + ["TF_CONFIG", "CUDA_VISIBLE_DEVICES"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", job)
    monkeypatch.setenv("SLURM_PROCID", str(procid))
    monkeypatch.setenv("SLURM_STEP_NUM_TASKS", str(tasks))
    monkeypatch.setenv("SLURM_STEP_NODELIST", nodelist)
    monkeypatch.setenv("SLURM_STEP_TASKS_PER_NODE", tasks_per_node)
    if gpus is not None:
        monkeypatch.setenv("SLURM_GPUS_ON_NODE", str(gpus))


def test_slurm_resolver_builds_the_cluster_of_a_two_node_job(monkeypatch):
    port = 20000 + 123456 % 20000
    fake_slurm(monkeypatch, procid=1, tasks=2, nodelist="gpu[017-018]", tasks_per_node="1(x2)", gpus=4)
    resolver = distribute.cluster_resolver()
    assert type(resolver).__name__ == "SlurmClusterResolver"
    assert resolver.cluster_spec().as_dict() == {"worker": [f"gpu017:{port}", f"gpu018:{port}"]}
    assert resolver.get_task_info() == ("worker", 1) and not distribute.is_chief(resolver)
    assert resolver.num_accelerators() == {"GPU": 4}  # one worker per node uses all four GPUs
    assert "CUDA_VISIBLE_DEVICES" not in os.environ  # left to SLURM
    fake_slurm(monkeypatch, procid=0, tasks=2, nodelist="gpu[017-018]", tasks_per_node="1(x2)", gpus=4)
    assert distribute.is_chief(distribute.cluster_resolver())


def test_slurm_resolver_one_task_per_gpu_and_cpu_only_nodes(monkeypatch):
    fake_slurm(monkeypatch, procid=3, tasks=4, nodelist="cn[1-2]", tasks_per_node="2(x2)", gpus=2, job="7")
    resolver = distribute.cluster_resolver()
    assert resolver.cluster_spec().as_dict() == {"worker": ["cn1:20007", "cn1:20008", "cn2:20007", "cn2:20008"]}
    assert resolver.get_task_info() == ("worker", 3) and resolver.num_accelerators() == {"GPU": 1}
    fake_slurm(monkeypatch, procid=1, tasks=2, nodelist="cpu[01,05]", tasks_per_node="1(x2)", job="7")  # no GPUs
    resolver = distribute.cluster_resolver()
    assert resolver.cluster_spec().as_dict() == {"worker": ["cpu01:20007", "cpu05:20007"]}
    assert (resolver.task_type, resolver.task_id) == ("worker", 1)
    assert resolver.num_accelerators() == {"GPU": 0}


def test_cluster_resolver_tf_config_wins_single_process_is_none_bad_values_are_refused(monkeypatch):
    fake_slurm(monkeypatch, procid=0, tasks=1, nodelist="n1", tasks_per_node="1")
    assert distribute.cluster_resolver() is None  # one SLURM task: MirroredStrategy
    fake_slurm(monkeypatch, procid=0, tasks=2, nodelist="n[1-2]", tasks_per_node="1(x2)")
    monkeypatch.setenv("TF_CONFIG", distribute.local_tf_config([30001, 30002], 1))
    resolver = distribute.cluster_resolver()
    assert type(resolver).__name__ == "TFConfigClusterResolver"
    assert resolver.cluster_spec().as_dict() == {"worker": ["localhost:30001", "localhost:30002"]}
    assert not distribute.is_chief(resolver)
    for bad in ("{not json", '{"cluster": {}}', '{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}'):
        monkeypatch.setenv("TF_CONFIG", bad)
        with pytest.raises(ConfigError, match="TF_CONFIG"):
            distribute.cluster_resolver()
    monkeypatch.delenv("TF_CONFIG")
    monkeypatch.setenv("SLURM_GPUS_ON_NODE", "four")
    with pytest.raises(ConfigError, match="SLURM_GPUS_ON_NODE"):
        distribute.cluster_resolver()


def test_write_dir_chief_keeps_the_folder_others_write_a_throwaway_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CONFIG", distribute.local_tf_config([30001, 30002], 1))
    for name in [k for k in os.environ if k.startswith("SLURM_")]:
        monkeypatch.delenv(name)
    other = distribute.cluster_resolver()
    assert distribute.write_dir(tmp_path / "backup", other) == tmp_path / ".backup-worker-1"
    distribute.discard_write_dir(tmp_path / "backup", other)
    assert not (tmp_path / ".backup-worker-1").exists()
    assert distribute.write_dir(tmp_path / "backup") == tmp_path / "backup"  # a single process is the chief
    distribute.discard_write_dir(tmp_path / "backup")
    assert (tmp_path / "backup").is_dir()


# --- the sbatch scripts --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SBATCH)
def test_sbatch_scripts_parse_and_document_every_setting(name):
    path = SBATCH[name]
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    lines = path.read_text().splitlines()
    settings = [line for line in lines if line.startswith("#SBATCH")]
    assert settings, "no #SBATCH lines"
    undocumented = [line for line in settings if "#" not in line[len("#SBATCH"):] and "--job-name" not in line]
    assert not undocumented, f"explain these #SBATCH lines: {undocumented}"
    text = path.read_text()
    for needed in ("--requeue", "--signal=B:USR1@", "scontrol requeue", "runs/${SLURM_JOB_ID", "DRY_RUN",
                   "hpc/train_distributed.py", "prefetch"):
        assert needed in text, needed


@pytest.mark.slow
def test_multinode_sbatch_dry_run_resolves_a_faked_two_node_job(tmp_path):
    env = clean_env(DRY_RUN="1", PYTHON=sys.executable, SLURM_JOB_ID="123456", SLURM_NTASKS="2", SLURM_NNODES="2",
                    SLURM_JOB_NODELIST="gpu[017-018]", SLURM_TASKS_PER_NODE="1(x2)", SLURM_SUBMIT_DIR=str(ROOT))
    proc = subprocess.run(["bash", str(SBATCH["multinode"]), "--epochs", "5"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"srun --kill-on-bad-exit=1 {sys.executable} hpc/train_distributed.py --run-dir runs/123456 --epochs 5" \
        in proc.stdout
    plan = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert plan["cluster"] == {"worker": ["gpu017:23456", "gpu018:23456"]} and plan["task"] == "worker-0"
    assert plan["strategy"] == "MultiWorkerMirroredStrategy" and plan["loop"] == "custom" and plan["chief"]
    assert plan["epochs"] == 5 and plan["resume_from"] == "runs/123456/backup"
    assert not (ROOT / "runs" / "123456").exists()  # a dry run writes nothing


@pytest.mark.slow
def test_multigpu_sbatch_dry_run_plans_one_mirrored_process(tmp_path):
    env = clean_env(DRY_RUN="1", PYTHON=sys.executable, SLURM_JOB_ID="99", SLURM_SUBMIT_DIR=str(ROOT))
    env.pop("WORKSHOP_QUICK")
    proc = subprocess.run(["bash", str(SBATCH["multigpu"])], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert plan["strategy"] == "MirroredStrategy" and plan["loop"] == "fit" and plan["cluster"] is None
    assert plan["run_dir"] == "runs/99" and plan["mode"] == "full"  # a GPU job trains on all of MNIST


# --- the notebook's model under mixed precision (runs on CPU, slowly; the notebook skips it there) ----------------
def test_notebook_model_under_mixed_precision_keeps_a_float32_output():
    import nbformat

    distribute.tensorflow()
    import keras
    import numpy as np

    nb = nbformat.read(ROOT / "solutions" / "06_distributed.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and "def build_model" in c.source)
    namespace = {"keras": keras}
    exec(source, namespace)  # noqa: S102 – the notebook's own cell
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = namespace["build_model"]()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.layers[0].compute_dtype == "float16" and model.layers[0].variable_dtype == "float32"
    assert model.layers[-1].compute_dtype == "float32"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)  # added by compile
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    probs = keras.ops.convert_to_numpy(model(x))
    assert probs.dtype == np.float32 and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    loss = model.train_on_batch(x, np.arange(16) % 10)
    assert np.isfinite(loss)


@pytest.mark.slow
def test_trainer_custom_loop_runs_under_mixed_precision(tmp_path):
    """On a GPU this is the fast path; on this CPU it only shows the loss scaling and float32 output work."""
    proc = trainer("--quick", "--mixed-precision", "--loop", "custom", "--epochs", 2, "--limit", 512,
                   "--run-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mixed precision on a CPU is slower" in proc.stdout
    s = summary(tmp_path, "single")
    assert s["mixed_precision"] and s["replicas"] == 2 and len(s["losses"]) == 2
    assert all(0 < loss < 10 for loss in s["losses"]) and s["losses"][1] < s["losses"][0]
