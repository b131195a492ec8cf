"""Test-session settings shared by tests/, solutions/ and notebooks/ (nbval).

* ``WORKSHOP_STRICT=1``: a failed ``qN.check()`` inside a solution raises, so
  the solutions' own checks are the metric floors.
* ``WORKSHOP_QUICK`` defaults to quick mode on a machine without a GPU and to
  full mode with one; set it explicitly to choose.
* ``WORKSHOP_THREADS``: under ``pytest -n N`` every TensorFlow process the suite starts (a worker, a kernel, a
  script) gets ``CPUs // N`` threads (at least 1), as the instructor guide sizes a room: on two cores, workers
  each running a 2-thread TensorFlow kept more busy threads than cores (measured: two 04 runs at once took
  18.9 s with the default threads, 16.0 s with one each; 08 29.3 s vs 26.4 s; 06 36.7 s vs 31.7 s).  Tests of
  the thread sizing set or remove the variable themselves.
* pytest's header says which mode and device the run used.
* ``--cpu-profile`` prints the CPU seconds of each work unit and the floor they set (``tests/cpu_profile.py``).
"""

import os

from helpers import config as kit_config


def _cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


os.environ.setdefault("WORKSHOP_STRICT", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):  # an xdist worker; the controller runs no test
    os.environ.setdefault("WORKSHOP_THREADS",
                          str(max(1, _cores() // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))


def _gpus():
    from helpers.run.device import nvidia_smi

    return nvidia_smi()


if kit_config.quick_from_env() is None:  # unset or empty: the kit's one yes/no parser decides what counts as set
    os.environ["WORKSHOP_QUICK"] = "0" if _gpus() else "1"


def pytest_addoption(parser):
    parser.addoption("--cpu-profile", action="store_true",
                     help="print the CPU seconds of each work unit and the floor they set on this machine's cores")


def pytest_configure(config):
    if config.getoption("cpu_profile"):
        from cpu_profile import CpuProfile
        from scheduling import scope_of

        config.pluginmanager.register(CpuProfile(scope_of, _cores()), "workshop-cpu-profile")


def pytest_report_header(config):
    gpus = _gpus()
    device = "; ".join(f"{g['name']} ({g['memory_mib']} MiB)" for g in gpus) or f"CPU only ({os.cpu_count()} cores)"
    mode = "quick" if kit_config.quick_from_env() else "full"
    return [f"workshop: {mode} mode, device: {device}, "
            f"WORKSHOP_DATA_DIR={os.environ.get('WORKSHOP_DATA_DIR') or '(unset)'}, "
            f"WORKSHOP_OFFLINE={os.environ.get('WORKSHOP_OFFLINE') or '0'}"]


def pytest_collection_modifyitems(config, items):
    """Lectures run by nbval count as slow (a kernel each); longest work first, readers of the shared script
    runs after them (tests/scheduling.py)."""
    import pytest
    from scheduling import order

    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
    order(items)


def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadscope``: one unit per test file, per notebook in the files that run notebooks."""
    if config.getvalue("dist") == "loadscope":
        from scheduling import WorkshopScheduling

        return WorkshopScheduling(config, log)
    return None
