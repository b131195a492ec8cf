"""Data-parallel training on this CPU: logical devices, SLURM, the sbatch scripts, the fit trap, mixed precision.

What needs its own devices runs in a fresh process (``hpc/train_distributed.py``, or notebook 06's one script
run of the suite): TensorFlow fixes its devices when it initialises them. What can, runs here: the SLURM resolver
on a faked environment, the refusal to re-split devices, mixed precision with one replica.
Two-worker training and kill-and-resume are in test_distributed_workers.py (xdist spreads the files).
"""

import json
import os
import subprocess
import sys

import pytest

from distributed_tools import ROOT, TRAINER, clean_env, wait_all, workers
from runs import script_run
from helpers import distribute
from helpers.errors import ConfigError, DeviceConfigError
from helpers.data.images import floor_for

SBATCH = {"multinode": ROOT / "hpc" / "slurm-multinode.sbatch", "multigpu": ROOT / "hpc" / "slurm-multigpu.sbatch"}


# --- one process, MirroredStrategy over 2 logical CPU devices, model.fit: the notebook's own run -------------------
@pytest.mark.slow
def test_mirrored_fit_on_two_logical_cpus_reaches_the_single_device_floor(tmp_path_factory):
    """Notebook 06 trains the CNN with MirroredStrategy and fit; the suite runs it once as a script (tests/runs.py)."""
    run = script_run(tmp_path_factory, ROOT / "solutions" / "06_distributed.ipynb")
    assert run.returncode == 0, (run.stdout[-3000:], run.stderr[-3000:])
    s = run.summary
    floor = floor_for("06_distributed", "mnist", s["mode"] == "quick")
    gpus = distribute.tensorflow().config.list_physical_devices("GPU")
    assert s["metrics"]["replicas"] == (len(gpus) or 2), s["metrics"]  # every GPU, else cpu_devices = 2
    assert s["metrics"]["test_accuracy"] >= floor, s["metrics"]  # the floor notebook 04's single-device CNN meets
    losses = s["history"]["loss"]
    assert len(losses) == s["epochs_run"] >= 1 and losses[-1] < losses[0]
    # what the callbacks left: the best model (ModelCheckpoint), TensorBoard logs, no backup (finished)
    assert "['best.keras', 'logs']\n['logs/train', 'logs/validation']" in run.stdout
    assert "restarted job trained epochs [" in run.stdout and "identical weights: True" in run.stdout
    # the TensorBoard command the notebook prints names the folder the callback really wrote (issue 22)
    import re
    from pathlib import Path

    command = re.search(r"^tensorboard --logdir (\S+) --port 6006$", run.stdout, re.MULTILINE)
    assert command, run.stdout[-3000:]
    logs = Path(command.group(1))
    assert logs.is_absolute() and logs.name == "logs", logs
    for part in ("train", "validation"):
        assert list((logs / part).glob("events.out.tfevents.*")), f"no TensorBoard events in {logs / part}"
    # loss scaling: compile wraps the optimizer for fit; the custom loop's LossScaleOptimizer unscales (issue 22)
    assert "compile made the optimizer a LossScaleOptimizer around Adam" in run.stdout
    assert "gradient of the loss itself: 0.0" in run.stdout
    assert "w after one step with learning rate 1: -1e-08" in run.stdout


@pytest.mark.slow
def test_fit_under_multiworker_strategy_still_fails_upstream(tmp_path):
    """keras-team/keras#20585. When this test fails because both workers succeed, upstream is fixed:
    teach fit for several processes too (notebook 06, README "Scaling out", the trainer's --loop auto)."""
    procs = workers(["--quick", "--loop", "fit", "--epochs", 1, "--limit", 128, "--run-dir", tmp_path / "run"],
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
def test_logical_devices_cannot_change_once_tensorflow_runs():
    """In this process TensorFlow's devices are already fixed (or fixed now): the same split is fine (a re-run
    cell), another one is refused with the fix. A fresh process gets its split: see the trainer tests."""
    tf = distribute.tensorflow()
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("with GPUs training_devices() returns them and splits no CPU")
    have = [d.name for d in tf.config.list_logical_devices("CPU")]  # initialises the devices if nothing did yet
    assert distribute.training_devices(len(have)) == have
    with pytest.raises(DeviceConfigError, match="restart") as err:
        distribute.training_devices(len(have) + 1)
    assert str(err.value).startswith(f"TensorFlow already runs on {len(have)} logical CPU device(s)")
    assert isinstance(err.value, RuntimeError)


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


# --- mixed precision: the notebook's model and the trainer's custom loop, in this process (cheap, one replica) -------
def test_model_under_mixed_precision_keeps_a_float32_output_and_the_custom_loop_trains(tmp_path):
    """On a GPU this is the fast path; on this CPU it only shows the float32 output and the loss scaling work.
    The notebook skips it without a GPU; the trainer's --mixed-precision runs the same loop."""
    import argparse
    import importlib.util

    import nbformat

    tf = distribute.tensorflow()
    import keras
    import numpy as np

    nb = nbformat.read(ROOT / "solutions" / "06_distributed.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and "def build_model" in c.source)
    namespace = {"keras": keras}
    exec(source, namespace)  # noqa: S102 – the notebook's own cell
    spec = importlib.util.spec_from_file_location("train_distributed", TRAINER)
    trainer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(trainer)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])  # the trainer's path with one replica
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope():
            model = namespace["build_model"]()
        assert model.layers[0].compute_dtype == "float16" and model.layers[0].variable_dtype == "float32"
        assert model.layers[-1].compute_dtype == "float32"
        rng = np.random.default_rng(0)
        x = rng.random((128, 28, 28, 1)).astype("float32")
        y = np.arange(128) % 10
        args = argparse.Namespace(mixed_precision=True, seed=0, run_dir=tmp_path, pipeline="prefetch")
        first, losses = trainer.train_custom(strategy, model, ((x, y), None, None), args, epochs=2, global_batch=32,
                                             learning_rate=1e-3, timer=[])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert first == 0 and len(losses) == 2 and all(np.isfinite(losses)) and losses[1] < losses[0], losses
    probs = keras.ops.convert_to_numpy(model(x[:16]))
    assert probs.dtype == np.float32 and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    reader = tf.train.load_checkpoint(str(tmp_path / "backup"))  # the loop's checkpoint holds the loss scale
    scale = "optimizer/dynamic_scale/.ATTRIBUTES/VARIABLE_VALUE"  # LossScaleOptimizer's, around the Adam one
    assert scale in reader.get_variable_to_shape_map(), sorted(reader.get_variable_to_shape_map())
    assert 0 < float(reader.get_tensor(scale)) < float("inf")
