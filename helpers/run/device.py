"""TensorFlow's door: the quiet import, which devices it sees, GPU memory (growth or a cap), a readable report.

This is the only module that imports TensorFlow for the kit; of the kit it imports only its errors.
"""

import contextlib
import os
import shutil
import subprocess
import sys

from ..errors import DeviceConfigError

__all__ = ["quiet_stderr", "import_tensorflow", "nvidia_smi", "gpu_info", "enable_memory_growth",
           "configure_gpu_memory", "device_report", "versions"]

#: The distributions a run summary and a benchmark report name.
VERSIONED = ("tensorflow", "keras", "numpy", "scikit-learn")


def versions(dists=VERSIONED):
    """The versions of Python and of the installed distributions among ``dists``, e.g. ``{"python": "3.11.7",
    "tensorflow": "2.21.0", ...}``; missing ones are left out, and ``tensorflow-cpu`` counts as ``tensorflow``.

    The one answer to "which versions ran this" for summaries, benchmarks and ``doctor``.
    """
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in dists:
        for name in (dist, f"{dist}-cpu") if dist == "tensorflow" else (dist,):
            try:
                out[dist] = metadata.version(name)
                break
            except metadata.PackageNotFoundError:
                continue
    return out


@contextlib.contextmanager
def quiet_stderr():
    """Send file descriptor 2 to ``/dev/null`` for the duration of the block.

    TensorFlow writes C-level log lines (CUDA stubs, absl) straight to fd 2,
    which ``TF_CPP_MIN_LOG_LEVEL`` does not fully silence and which a Jupyter
    kernel would store in the notebook.  Python exceptions still propagate.
    """
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ else 2
    except (AttributeError, OSError, ValueError):
        fd = 2
    for stream in (sys.stderr, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Import and return TensorFlow without its C-level start-up noise."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_stderr():
        import tensorflow as tf
        import keras  # noqa: F401  (its backend import is noisy too)

        tf.config.list_physical_devices("GPU")  # first device query logs CUDA probing to fd 2
    return tf


def nvidia_smi():
    """GPU names and memory from ``nvidia-smi``, or ``[]`` when it is not installed."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.strip().splitlines():
        name, _, mem = line.partition(",")
        rows.append({"name": name.strip(), "memory_mib": int(mem) if mem.strip().isdigit() else None})
    return rows


def gpu_info(tf=None):
    """List the GPUs TensorFlow can use.

    Args:
        tf: The imported ``tensorflow`` module (imported quietly when omitted).

    Returns:
        list[dict]: one ``{"name", "memory_mib"}`` per GPU (memory may be None).
    """
    if tf is None:
        tf = import_tensorflow()
    gpus = tf.config.list_physical_devices("GPU")
    smi = nvidia_smi()
    info = []
    for i, gpu in enumerate(gpus):
        details = {}
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except (ValueError, RuntimeError):
            pass
        row = {"name": details.get("device_name", gpu.name), "memory_mib": None}
        if i < len(smi):
            row["memory_mib"] = smi[i]["memory_mib"]
            row["name"] = smi[i]["name"] or row["name"]
        info.append(row)
    return info


def enable_memory_growth(tf):
    """Let TensorFlow grow GPU memory on demand instead of grabbing all of it.

    Shared workshop GPUs (JupyterHub) need this.  Does nothing without a GPU,
    and silently keeps the current setting when the GPU is already initialised.
    """
    for gpu in tf.config.list_physical_devices("GPU"):
        _grow(tf, gpu)


def configure_gpu_memory(tf, limit_mib=None):
    """Share the GPUs: cap each at ``limit_mib`` MiB for this process, or let memory grow on demand.

    Memory growth lets several kernels share a card but caps nobody: the first kernel that trains a
    big model can take the whole card.  A cap (``WORKSHOP_GPU_MEMORY``) gives each kernel one logical
    GPU of that size instead.  TensorFlow allows only one of the two per device, and only before
    the GPU is initialised.

    Args:
        tf: The imported ``tensorflow`` module (or an object with the same ``tf.config`` calls).
        limit_mib: MiB per GPU, or None for memory growth.

    Returns:
        list[str]: what was done, one line per GPU (empty without a GPU).

    Raises:
        DeviceConfigError: a cap was asked for, but this process's GPU already runs with another
            setting (TensorFlow was used before ``setup()``); the message says to restart the kernel.
    """
    done = []
    for gpu in tf.config.list_physical_devices("GPU"):
        if limit_mib is None:
            _grow(tf, gpu)
            done.append(f"{gpu.name}: memory growth")
            continue
        try:
            tf.config.set_logical_device_configuration(
                gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=limit_mib)])
        except RuntimeError as err:  # "cannot be modified after being initialized"
            current = tf.config.get_logical_device_configuration(gpu) or []
            if [getattr(c, "memory_limit", None) for c in current] != [limit_mib]:
                raise DeviceConfigError(
                    f"WORKSHOP_GPU_MEMORY={limit_mib} cannot be applied to {gpu.name}: TensorFlow already "
                    f"uses this GPU with another setting ({err}). Fix: restart the kernel and run the "
                    f"setup cell before anything else uses TensorFlow.") from None
        done.append(f"{gpu.name}: capped at {limit_mib} MiB")
    return done


def _grow(tf, gpu):
    """Memory growth for one GPU; silently keeps the current setting when the GPU is already initialised."""
    try:
        tf.config.experimental.set_memory_growth(gpu, True)
    except (RuntimeError, ValueError):
        pass


def device_report(tf=None):
    """One or more lines saying where Keras will train: the GPUs, or the CPU.

    Returns:
        str: e.g. ``"GPU 0: NVIDIA H100 80GB HBM3, 81559 MiB"`` or
        ``"CPU only: 2 cores (no GPU visible to TensorFlow)"``.
    """
    gpus = gpu_info(tf)
    if not gpus:
        return f"CPU only: {os.cpu_count()} cores (no GPU visible to TensorFlow)"
    lines = []
    for i, g in enumerate(gpus):
        mem = f", {g['memory_mib']} MiB" if g["memory_mib"] else ""
        lines.append(f"GPU {i}: {g['name']}{mem}")
    return "\n".join(lines)
