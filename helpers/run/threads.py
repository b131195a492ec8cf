"""How many CPUs this process may really use, and TensorFlow's and BLAS's thread pools sized to it.

TensorFlow sizes its pools from the CPUs it can schedule on (the affinity mask) and ignores the
cgroup CPU quota that containers and hubs use (``cpu.max``; Kubernetes' CPU limit), so one kernel
in a 1-CPU container on a 64-core node starts 64 compute threads, and 30 kernels on one node
start thousands.  :func:`cpu_budget` takes the smaller of the affinity mask and the quota (at
least 1); ``WORKSHOP_THREADS`` overrides it (``0``: leave every library's own default).
:func:`limit_environment` sets ``OMP_NUM_THREADS`` and friends before the libraries load, and
:func:`apply` sizes TensorFlow (before it runs any op) and the BLAS/OpenMP pools already loaded
(``threadpoolctl``).  ``helpers.setup()`` calls both; ``python -m helpers doctor`` prints the budget.
"""

import math
import os
from dataclasses import dataclass
from pathlib import Path

from .. import config

__all__ = ["CpuBudget", "cpu_budget", "cgroup_cpu_limit", "parse_cpu_max", "parse_cfs", "inter_op_threads",
           "limit_environment", "apply", "NATIVE_POOL_VARIABLES"]

#: Read by OpenMP, OpenBLAS, MKL, BLIS and Apple's Accelerate when they load.
NATIVE_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")


@dataclass(frozen=True)
class CpuBudget:
    """The CPU threads one process should use, and why.

    Attributes:
        threads: Threads for TensorFlow's intra-op pool and the BLAS pools; ``None`` when
            ``WORKSHOP_THREADS=0`` asks for every library's own default.
        source: ``"WORKSHOP_THREADS"``, ``"cgroup quota"`` or ``"CPU affinity"``.
        affinity: CPUs in this process's affinity mask.
        quota: CPUs granted by the cgroup quota (e.g. 1.5), or None when there is none.
        quota_file: The file the quota came from, or None.
    """

    threads: int
    source: str
    affinity: int
    quota: float = None
    quota_file: str = None

    @property
    def reason(self):
        """One line for people: how many, and why (``doctor`` prints it), e.g.
        ``1 (cgroup quota: 1 CPU in /sys/fs/cgroup/cpu.max; CPU affinity: 64 CPUs)``."""
        affinity = f"CPU affinity: {self.affinity} CPU{'s' if self.affinity != 1 else ''}"
        quota = (f"cgroup quota: {self.quota:g} CPU{'s' if self.quota != 1 else ''} in {self.quota_file}"
                 if self.quota is not None else "no cgroup CPU quota")
        if self.source == "WORKSHOP_THREADS":
            what = "TensorFlow's own defaults" if self.threads is None else f"{self.threads}"
            return f"{what} (WORKSHOP_THREADS={self.threads or 0}; {affinity}, {quota})"
        if self.source == "cgroup quota":
            return f"{self.threads} ({quota}; {affinity})"
        return f"{self.threads} ({affinity}; {quota})"


def parse_cpu_max(text):
    """CPUs granted by a cgroup v2 ``cpu.max`` (``"max 100000"`` or ``"<quota> <period>"``), or None."""
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def parse_cfs(quota_text, period_text):
    """CPUs granted by cgroup v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (``-1``: none), or None."""
    try:
        quota, period = int(quota_text.strip()), int(period_text.strip())
    except ValueError:
        return None
    return quota / period if quota > 0 and period > 0 else None


def _own_cgroups(proc_cgroup):
    """``{controller: path}`` from ``/proc/self/cgroup`` (v2 is the controller ``""``)."""
    found = {}
    try:
        lines = Path(proc_cgroup).read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(","):
                found.setdefault(controller, parts[2])
    return found


def _upwards(root, path):
    """``root/path`` and each folder above it up to ``root``: limits of a parent cgroup apply too.

    Inside a container the process's cgroup path often does not exist under the mounted root
    (the container sees only its own cgroup, mounted as the root), so ``root`` itself is included.
    """
    folder = Path(root, *[p for p in (path or "/").split("/") if p])
    seen = []
    while True:
        seen.append(folder)
        if folder == Path(root) or folder == folder.parent:
            break
        folder = folder.parent
    return seen


def cgroup_cpu_limit(cgroup_root=CGROUP_ROOT, proc_cgroup=PROC_CGROUP):
    """The tightest cgroup CPU quota of this process (v2 ``cpu.max``, or v1 CFS quota), or ``(None, None)``.

    Args:
        cgroup_root: Where the cgroup file systems are mounted (a test passes a folder of fake files).
        proc_cgroup: This process's ``/proc/self/cgroup``.

    Returns:
        tuple[float | None, str | None]: CPUs granted and the file that grants them.
    """
    root = Path(cgroup_root)
    own = _own_cgroups(proc_cgroup)
    candidates = []
    for v2_root in (root, root / "unified"):  # cgroup v2; hybrid hosts mount it at <root>/unified
        for folder in _upwards(v2_root, own.get("", "/")):
            candidates.append((folder / "cpu.max", None))
    for v1_root in (root / "cpu", root / "cpu,cpuacct"):
        for folder in _upwards(v1_root, own.get("cpu", "/")):
            candidates.append((folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us"))
    best = (None, None)
    for first, second in candidates:
        try:
            cpus = parse_cpu_max(first.read_text()) if second is None else parse_cfs(first.read_text(),
                                                                                     second.read_text())
        except OSError:
            continue
        if cpus is not None and (best[0] is None or cpus < best[0]):
            best = (cpus, str(first))
    return best


def cpu_budget(cgroup_root=CGROUP_ROOT, proc_cgroup=PROC_CGROUP, affinity=None):
    """The threads this process should use: ``WORKSHOP_THREADS``, else min(affinity, cgroup quota), at least 1.

    A fractional quota is rounded up (1.5 CPUs: 2 threads, which can use the whole quota).

    Args:
        cgroup_root, proc_cgroup: See :func:`cgroup_cpu_limit` (injectable for tests).
        affinity: CPUs to assume in the affinity mask (default: ``os.sched_getaffinity(0)``).

    Returns:
        CpuBudget

    Raises:
        ConfigError: ``WORKSHOP_THREADS`` is not a whole number from 0 to 1024.
    """
    forced = config.threads()
    if affinity is None:
        affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota, quota_file = cgroup_cpu_limit(cgroup_root, proc_cgroup)
    if forced is not None:
        return CpuBudget(forced or None, "WORKSHOP_THREADS", affinity, quota, quota_file)
    if quota is not None and math.ceil(quota) < affinity:
        return CpuBudget(max(1, math.ceil(quota)), "cgroup quota", affinity, quota, quota_file)
    return CpuBudget(max(1, affinity), "CPU affinity", affinity, quota, quota_file)


def inter_op_threads(threads):
    """TensorFlow's inter-op pool for ``threads`` intra-op threads: ``min(2, threads)``.

    The inter-op pool runs independent ops of a step side by side; each of them takes its compute
    threads from the intra-op pool.  The workshop's models are chains of layers, with little
    to run side by side, so two threads keep an input-pipeline op and a compute op overlapping,
    and TensorFlow's default (one per CPU) only adds waiting threads to a crowded node.
    """
    return max(1, min(2, threads))


def limit_environment(budget, environ=None):
    """Set ``OMP_NUM_THREADS`` and the other BLAS/OpenMP variables, unless already set, before they load.

    Returns:
        dict: the variables this call set.
    """
    environ = os.environ if environ is None else environ
    if budget.threads is None:
        return {}
    done = {}
    for name in NATIVE_POOL_VARIABLES:
        if not environ.get(name, "").strip():
            environ[name] = done[name] = str(budget.threads)
    return done


def apply(budget, tf):
    """Size TensorFlow's pools and the BLAS/OpenMP pools already loaded to ``budget``.

    TensorFlow accepts new sizes only before it runs its first op; after that (a second
    ``setup()`` in one kernel, or ops run before it) the sizes it already has are kept.

    Args:
        budget: From :func:`cpu_budget`.
        tf: The imported ``tensorflow`` module.

    Returns:
        dict: ``intra_op``, ``inter_op`` (what TensorFlow reports afterwards; 0 = its default) and
        ``applied`` (False when TensorFlow had already started with other sizes).
    """
    applied = True
    if budget.threads is not None:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(budget.threads)
            tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads(budget.threads))
        except RuntimeError:  # "cannot be modified after initialization": keep what it runs with
            applied = False
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=budget.threads)
        except ImportError:  # threadpoolctl comes with scikit-learn; without it only the variables apply
            pass
    return {"intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op": tf.config.threading.get_inter_op_parallelism_threads(), "applied": applied}
