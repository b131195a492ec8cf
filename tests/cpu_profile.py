"""``pytest --cpu-profile``: the CPU seconds each work unit of the suite costs, and the floor they set.

The suite's time on the 2-core machine is bounded below by the CPU work it does: however the tests are scheduled,
two cores cannot finish C CPU-seconds in less than C / 2 seconds.  With ``--cpu-profile`` every test's CPU time is
measured, from the start of its setup to the end of its teardown, as the worker's own CPU plus that of the
processes it started and waited for (``getrusage``: a script run, a kernel, a JupyterLab or JupyterHub server and
what they waited for in turn; a server stopped at a module's end counts for the module's last test; a process
nobody waits for is not counted, so the total is a lower bound).  The numbers travel with the test reports to
the controller under ``pytest -n N``, which prints them per work unit (``tests/scheduling.py``'s units: a file,
or one notebook of the files that run notebooks) with the total and the floor it sets::

    .venv/bin/python -m pytest -n 3 --dist loadscope --cpu-profile

Nothing is asserted on the numbers; they show where a change to the suite's time has to come from.
"""

import resource
import time
from collections import defaultdict

import pytest

__all__ = ["cpu_seconds", "CpuProfile", "table"]

_KEY = "cpu_seconds"
_START = pytest.StashKey[float]()  # CPU seconds when a test's setup began


def cpu_seconds():
    """CPU seconds (user + system) of this process and of the children it has waited for, so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def table(units, cores, wall_seconds, shown=25):
    """The report's lines: the ``shown`` costliest units, the files they belong to, the total and its floor.

    Args:
        units: ``{unit: [cpu seconds, wall seconds of its tests, number of tests]}``.
        cores: CPU cores the floor is computed for.
        wall_seconds: The session's wall time.
        shown: How many units to list.
    """
    total = sum(cpu for cpu, _, _ in units.values())
    ranked = sorted(units.items(), key=lambda kv: -kv[1][0])
    lines = [f"{'work unit':58s} {'CPU s':>8s} {'test s':>8s} {'tests':>6s}"]
    for unit, (cpu, wall, count) in ranked[:shown]:
        lines.append(f"{unit[:58]:58s} {cpu:8.1f} {wall:8.1f} {count:6d}")
    if ranked[shown:]:
        rest = ranked[shown:]
        lines.append(f"{f'{len(rest)} other units':58s} {sum(cpu for _, (cpu, _, _) in rest):8.1f}")
    files = defaultdict(float)
    for unit, (cpu, _, _) in units.items():
        name = unit.split("[", 1)[0]
        files["nbval, all lectures" if name.endswith(".ipynb") else name] += cpu
    costliest = sorted(files.items(), key=lambda kv: -kv[1])[:shown // 2]
    lines.append("by file: " + ", ".join(f"{name} {cpu:.0f}" for name, cpu in costliest))
    lines.append(f"total: {total:.0f} CPU-seconds in {wall_seconds:.0f} s of wall time "
                 f"({total / max(wall_seconds, 1e-9) / cores:.0%} of {cores} cores); "
                 f"no schedule can finish this work in under {total / cores:.0f} s on {cores} cores")
    return lines


class CpuProfile:
    """The plugin: measures in the process that runs a test, adds up in the one that reports (xdist's controller)."""

    def __init__(self, unit_of, cores):
        self.unit_of, self.cores = unit_of, cores
        self.units = defaultdict(lambda: [0.0, 0.0, 0])
        self.started = time.perf_counter()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        item.stash[_START] = cpu_seconds()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "teardown" and _START in item.stash:
            report.user_properties.append((_KEY, round(cpu_seconds() - item.stash[_START], 3)))

    def pytest_runtest_logreport(self, report):
        unit = self.units[self.unit_of(report.nodeid)]
        unit[1] += report.duration
        for key, value in report.user_properties:
            if key == _KEY:
                unit[0] += value
                unit[2] += 1

    def pytest_terminal_summary(self, terminalreporter):
        if self.units:
            terminalreporter.write_sep("=", "CPU seconds per work unit (--cpu-profile)")
            for line in table(self.units, self.cores, time.perf_counter() - self.started):
                terminalreporter.write_line(line)

