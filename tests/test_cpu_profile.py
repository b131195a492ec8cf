"""``pytest --cpu-profile`` (tests/cpu_profile.py) counts the CPU a test spends, its children's included."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cpu_profile import cpu_seconds, table

ROOT = Path(__file__).resolve().parent.parent
BUSY = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\n"


def test_a_waited_for_child_counts():
    before = cpu_seconds()
    subprocess.run([sys.executable, "-c", BUSY], check=True)
    assert cpu_seconds() - before >= 0.5


def test_busy_for_the_profile():
    """The test the next one profiles: 0.6 s of CPU in a child process and 0.3 s in this one."""
    subprocess.run([sys.executable, "-c", BUSY], check=True)
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass


@pytest.mark.slow
def test_the_profile_reaches_the_controller_under_xdist_and_states_the_floor(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pytest", "--cpu-profile", "-n", "2", "-q",
                           "-o", "addopts=", f"--basetemp={tmp_path / 'base'}",
                           "tests/test_cpu_profile.py::test_busy_for_the_profile"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "CPU seconds per work unit (--cpu-profile)" in proc.stdout, proc.stdout[-3000:]
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("tests/test_cpu_profile.py ")]
    cpu, _, count = row.split()[1:]
    assert float(cpu) >= 0.85 and int(count) == 1, row
    assert "no schedule can finish this work in under" in proc.stdout


def test_the_table_lists_the_costliest_units_first_and_divides_the_total_by_the_cores():
    units = {"a.py": [10.0, 5.0, 2], "b.py[06]": [90.0, 60.0, 1], "c.py": [20.0, 30.0, 4]}
    lines = table(units, cores=2, wall_seconds=100, shown=2)
    assert lines[1].startswith("b.py[06]") and lines[2].startswith("c.py")
    assert lines[3].split()[:3] == ["1", "other", "units"] and lines[3].split()[-1] == "10.0"
    assert lines[-2] == "by file: b.py 90"  # shown // 2 files
    assert lines[-1] == ("total: 120 CPU-seconds in 100 s of wall time (60% of 2 cores); "
                         "no schedule can finish this work in under 60 s on 2 cores")


def test_the_file_line_adds_up_a_files_notebooks_and_puts_the_lectures_nbval_runs_together():
    units = {"t.py[01]": [1.0, 1, 1], "t.py[02]": [2.5, 1, 1], "u.py": [3.0, 1, 1], "notebooks/L1.ipynb": [0.6, 1, 9],
             "notebooks/L2.ipynb": [1.5, 1, 9]}
    assert table(units, 2, 10)[-2] == "by file: t.py 4, u.py 3, nbval, all lectures 2"
