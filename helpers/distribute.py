"""Plumbing for data-parallel training with ``tf.distribute``: devices, clusters, who writes where.

The lesson itself (``strategy.scope()``, ``fit``, the custom loop) lives in
notebook 06 and ``hpc/train_distributed.py``; this module holds what they share::

    devices = helpers.training_devices(cpu_devices=2)    # right after helpers.setup(), before any op
    strategy = tf.distribute.MirroredStrategy(devices)

    resolver = cluster_resolver()                         # TF_CONFIG, else SLURM's environment, else None
    strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=resolver)
    folder = write_dir("runs/42/backup", strategy)        # the chief's folder, or a throw-away one

``start_local_workers`` runs several worker processes on loopback ports, as a
multi-node job would, for the notebook, the tests and the benchmark.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from .cluster import parse_tf_config
from .paths import KIT_ENV, hpc_dir
from .run.device import import_tensorflow, quiet_stderr
from .errors import ConfigError, DeviceConfigError, TrainerNotFoundError, WorkerFailedError

__all__ = ["tensorflow", "training_devices",
           "cluster_resolver", "slurm_port_base", "is_chief", "write_dir", "discard_write_dir", "free_ports",
           "local_tf_config", "trainer_script", "start_local_workers", "run_local_workers"]


def tensorflow():
    """Import TensorFlow quietly (no C-level start-up noise) and return it."""
    return import_tensorflow()


def training_devices(cpu_devices=2):
    """The devices to mirror a model over: every GPU, else the CPU split into ``cpu_devices`` logical devices.

    Call it right after :func:`helpers.setup`, before any TensorFlow operation runs:
    logical devices can only be configured before TensorFlow initialises its
    devices.  Calling it again with the same number (re-running the cell) is fine.
    Logical CPU devices share the same cores: they show the API, not a speed-up.
    It also turns off TensorFlow's INFO log lines, which a strategy writes for every all-reduce.

    Args:
        cpu_devices: How many logical CPU devices to make when no GPU is visible (≥ 1).

    Returns:
        list[str]: device names for ``tf.distribute.MirroredStrategy(devices)``,
        e.g. ``["/device:GPU:0", "/device:GPU:1"]`` or ``["/device:CPU:0", "/device:CPU:1"]``.

    Raises:
        ConfigError: ``cpu_devices`` is not a whole number ≥ 1.
        DeviceConfigError: TensorFlow already initialised its devices with another split.
    """
    if isinstance(cpu_devices, bool) or not isinstance(cpu_devices, int) or cpu_devices < 1:
        raise ConfigError(f"training_devices(cpu_devices={cpu_devices!r}): expected a whole number ≥ 1. "
                          f"Fix: pass e.g. cpu_devices=2.")
    tf = tensorflow()
    tf.get_logger().setLevel("WARNING")  # in Jupyter TensorFlow logs every all-reduce of a strategy (INFO)
    if tf.config.list_physical_devices("GPU"):
        return [d.name for d in tf.config.list_logical_devices("GPU")]
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * cpu_devices)
    except RuntimeError:  # devices already initialised: fine if they are split as asked
        have = tf.config.list_logical_devices("CPU")
        if len(have) != cpu_devices:
            raise DeviceConfigError(
                f"TensorFlow already runs on {len(have)} logical CPU device(s), so it cannot make {cpu_devices}: "
                f"devices are fixed once the first operation runs. Fix: restart the kernel (or script) and call "
                f"training_devices() right after helpers.setup(), before any other TensorFlow code.") from None
    with quiet_stderr():  # the first float16 op on a CPU logs a oneDNN line to fd 2 (notebook 06's mixed precision)
        tf.constant(0, dtype=tf.float16)
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def slurm_port_base():
    """First port for this SLURM job's workers: 20000 + job id mod 20000, so two jobs on a node rarely clash."""
    job = os.environ.get("SLURM_JOB_ID", "")
    return 20000 + (int(job) % 20000 if job.isdigit() else 0)


def cluster_resolver(port_base=None):
    """Find the cluster this process belongs to: ``TF_CONFIG``, else a SLURM job step, else none.

    In a SLURM step of several tasks (``srun``), TensorFlow's ``SlurmClusterResolver``
    builds the cluster from ``SLURM_PROCID``, ``SLURM_STEP_NUM_TASKS``,
    ``SLURM_STEP_NODELIST`` and ``SLURM_STEP_TASKS_PER_NODE``; the GPUs per node come
    from ``SLURM_GPUS_ON_NODE`` (0 when unset).  SLURM already sets
    ``CUDA_VISIBLE_DEVICES`` for each task, so the resolver leaves it alone.

    Args:
        port_base: First port on each node (default :func:`slurm_port_base`).

    Returns:
        A ``tf.distribute.cluster_resolver.ClusterResolver``, or None for a single process.

    Raises:
        ConfigError: ``TF_CONFIG`` or a SLURM variable holds an unusable value.
    """
    raw = os.environ.get("TF_CONFIG", "").strip()
    tasks = os.environ.get("SLURM_STEP_NUM_TASKS", "1").strip()
    if not raw and (not tasks.isdigit() or int(tasks) < 2):
        if not tasks.isdigit():
            raise ConfigError(f"SLURM_STEP_NUM_TASKS={tasks!r} is not a whole number. Fix: start the workers with "
                              f"srun inside the job, which sets it.")
        return None
    if raw:
        parse_tf_config(raw)  # strictly, before TensorFlow starts
    tf = tensorflow()
    resolvers = tf.distribute.cluster_resolver
    if raw:
        return resolvers.TFConfigClusterResolver()
    gpus = os.environ.get("SLURM_GPUS_ON_NODE", "0").strip() or "0"
    if not gpus.isdigit():
        raise ConfigError(f"SLURM_GPUS_ON_NODE={gpus!r} is not a whole number. Fix: unset it, or request GPUs "
                          f"with --gres=gpu:N / --gpus-per-node=N so SLURM sets it.")
    port_base = slurm_port_base() if port_base is None else port_base
    try:
        if int(gpus):
            return resolvers.SlurmClusterResolver(port_base=port_base, gpus_per_node=int(gpus), auto_set_gpu=False)
        # TensorFlow's resolver hands GPUs out to tasks and fails on nodes without any (a range of step 0):
        # give it one placeholder slot per task, then report no GPUs.
        slurm = resolvers.SlurmClusterResolver(port_base=port_base, gpus_per_node=int(tasks), gpus_per_task=1,
                                               auto_set_gpu=False)
        spec = slurm.cluster_spec()
        task_type, task_id = slurm.get_task_info()
        return resolvers.SimpleClusterResolver(spec, task_type=task_type, task_id=task_id,
                                               num_accelerators={"GPU": 0}, rpc_layer="grpc")
    except (RuntimeError, ValueError) as err:
        raise ConfigError(f"SLURM's environment does not describe a usable cluster ({err}). Fix: start one task "
                          f"per node (or per GPU) with srun inside an sbatch job.") from err


def is_chief(strategy=None):
    """True for the process that writes checkpoints and logs: the chief, worker 0, or a lone process.

    Args:
        strategy: A ``tf.distribute`` strategy or cluster resolver (None: a single process).
    """
    resolver = getattr(strategy, "cluster_resolver", strategy)
    task_type = getattr(resolver, "task_type", None)
    if task_type is None:
        return True
    if "chief" in resolver.cluster_spec().as_dict():
        return task_type == "chief"
    return task_type == "worker" and resolver.task_id == 0


def write_dir(path, strategy=None):
    """Where this process writes a checkpoint or log folder: ``path`` on the chief, a throw-away twin elsewhere.

    Every worker of ``MultiWorkerMirroredStrategy`` must take part in saving, but
    only the chief's copy is kept; the others write to ``<path>-<type>-<id>`` beside it
    (remove it afterwards with :func:`discard_write_dir`).

    Returns:
        pathlib.Path: the folder (created).
    """
    path = Path(path)
    if not is_chief(strategy):
        resolver = getattr(strategy, "cluster_resolver", strategy)
        path = path.with_name(f".{path.name}-{resolver.task_type}-{resolver.task_id}")
    path.mkdir(parents=True, exist_ok=True)
    return path


def discard_write_dir(path, strategy=None):
    """Delete this worker's throw-away folder made by :func:`write_dir`; keep the chief's."""
    import shutil

    if not is_chief(strategy):
        shutil.rmtree(write_dir(path, strategy), ignore_errors=True)


def free_ports(n):
    """``n`` distinct free TCP ports on the loopback interface (free when asked; taken by the workers next)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def local_tf_config(ports, index):
    """``TF_CONFIG`` for worker ``index`` of a cluster of loopback workers on ``ports``."""
    return json.dumps({"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                       "task": {"type": "worker", "index": index}})


def trainer_script():
    """The path of ``hpc/train_distributed.py`` in this kit.

    Raises:
        TrainerNotFoundError: the kit's folder has no ``hpc/train_distributed.py``.
        ConfigError: the kit's folder cannot be found (:func:`helpers.paths.kit_dir`).
    """
    path = hpc_dir() / "train_distributed.py"
    if not path.is_file():
        raise TrainerNotFoundError(f"{path} not found. Fix: point {KIT_ENV} at a complete copy of the workshop "
                                   f"kit (a git clone, with hpc/ in it).")
    return path


def start_local_workers(args, log_dir, workers=2, env=None, cwd=None):
    """Start ``workers`` Python processes running ``args``, one cluster on loopback ports (``TF_CONFIG``).

    Each process writes ``worker-<i>.out`` and ``worker-<i>.err`` in ``log_dir`` (files, not
    pipes: a full pipe would stall one worker and, through the collectives, all of them).

    Args:
        args: Command-line arguments after ``python``, e.g. ``[trainer_script(), "--epochs", "2"]``.
        log_dir: An existing folder for the output files.
        workers: How many processes.
        env: Extra environment variables for all of them.
        cwd: Their working folder.

    Returns:
        list[subprocess.Popen]: the processes, worker 0 (the chief) first.
    """
    ports = free_ports(workers)
    procs = []
    for i in range(workers):
        full_env = {**os.environ, **(env or {}), "TF_CONFIG": local_tf_config(ports, i)}
        with open(Path(log_dir) / f"worker-{i}.out", "w") as out, open(Path(log_dir) / f"worker-{i}.err", "w") as err:
            procs.append(subprocess.Popen([sys.executable, *map(str, args)], cwd=cwd, env=full_env,
                                          stdout=out, stderr=err))
    return procs


def run_local_workers(args, workers=2, env=None, cwd=None, timeout=600):
    """Run :func:`start_local_workers` to the end; return each worker's standard output.

    Raises:
        WorkerFailedError: a worker exited with an error or the run took longer than ``timeout`` seconds;
            the message holds the end of its error output.
    """
    import tempfile
    import time

    with tempfile.TemporaryDirectory(prefix="workers-") as logs:
        procs = start_local_workers(args, logs, workers, env, cwd)
        deadline = time.monotonic() + timeout
        try:
            for i, proc in enumerate(procs):
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    raise WorkerFailedError(f"worker {i} did not finish within {timeout} s. Fix: train fewer "
                                            f"steps, or raise the timeout.") from None
                if proc.returncode != 0:
                    err = (Path(logs) / f"worker-{i}.err").read_text(errors="replace")
                    raise WorkerFailedError(f"worker {i} exited with code {proc.returncode}:\n{err[-2000:]}\n"
                                            f"Fix: see the error above; run the same command by hand to debug it.")
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        return [(Path(logs) / f"worker-{i}.out").read_text(errors="replace") for i in range(workers)]
