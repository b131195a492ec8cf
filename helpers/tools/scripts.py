"""Run a notebook as a plain script, the way a batch job does, and read what it left behind.

One function serves the test suite, the benchmark and ``python -m helpers run``::

    result = run_as_script("solutions/04_cnn_mnist.ipynb", ["--quick", "--epochs", "3"], workdir="runs/try")
    result.returncode, result.summary["metrics"], result.figures

The notebook is converted with nbconvert's ``ScriptExporter`` into ``<workdir>/<name>.py`` and run in a
fresh Python process from ``workdir``; figures go to ``<workdir>/figures`` and the JSON summary to
``<workdir>/outputs`` unless the environment or the arguments say otherwise.
"""

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import NotebookSourceError

__all__ = ["ScriptRun", "convert", "run_as_script"]


@dataclass
class ScriptRun:
    """What one script run did.

    Attributes:
        notebook: The notebook's name (file stem).
        workdir: The folder the script ran in.
        args: Its command-line arguments.
        returncode: The exit status (0 = success).
        stdout, stderr: Everything it printed.
        wall_seconds: Wall time of the process, Python start and TensorFlow import included.
        peak_memory_mib: Peak resident memory of the process.
    """

    notebook: str
    workdir: str
    args: list = field(default_factory=list)
    returncode: int = 0
    stdout: str = ""
    stderr: str = ""
    wall_seconds: float = 0.0
    peak_memory_mib: float = 0.0

    @property
    def summaries(self):
        """Paths of the JSON summaries this run wrote (``outputs/<notebook>*.json``), oldest first."""
        folder = Path(self.workdir) / "outputs"
        return sorted(folder.glob(f"{self.notebook}*.json"), key=lambda p: p.stat().st_mtime)

    @property
    def summary(self):
        """The run's JSON summary as a dict, or ``None`` when it wrote none."""
        paths = self.summaries
        return json.loads(paths[-1].read_text(encoding="utf-8")) if paths else None

    @property
    def figures(self):
        """The PNG files in ``<workdir>/figures``, sorted by name."""
        return sorted((Path(self.workdir) / "figures").glob("*.png"))

    def to_json(self):
        """The run as a JSON text (for caching between test workers)."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text):
        """The inverse of :meth:`to_json`."""
        return cls(**json.loads(text))


def convert(notebook, folder):
    """Write ``<folder>/<name>.py`` from ``notebook`` with nbconvert; return its path.

    Raises:
        NotebookSourceError: the notebook is missing or is not a notebook.
    """
    from nbconvert import ScriptExporter

    notebook = Path(notebook)
    try:
        body, _ = ScriptExporter().from_filename(str(notebook))
    except (OSError, ValueError) as err:  # missing file, or not JSON / not a notebook
        raise NotebookSourceError(f"Cannot convert {notebook} to a script: {err}. "
                                  f"Fix: give the path of a .ipynb notebook, e.g. solutions/04_cnn_mnist.ipynb.") from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / f"{notebook.stem}.py"
    script.write_text(body, encoding="utf-8")
    return script


def run_as_script(notebook, args=(), *, workdir, env=None, timeout=None, clean_env=True):
    """Convert ``notebook`` and run it as a script in a fresh process.

    Args:
        notebook: Path of the ``.ipynb``.
        args: Command-line arguments for the script, e.g. ``["--quick", "--epochs", "3"]``.
        workdir: Folder to run in (created); the script, ``figures/`` and ``outputs/`` land here.
        env: Extra environment variables (``None`` values remove a variable).
        timeout: Seconds before the process is killed (``subprocess.TimeoutExpired`` is raised).
        clean_env: Drop ``WORKSHOP_STRICT``, the output folders and the notebook parameters from
            the inherited environment first, so the run behaves like a plain batch job.

    Returns:
        ScriptRun
    """
    workdir = Path(workdir).resolve()
    script = convert(notebook, workdir)
    full_env = dict(os.environ)
    if clean_env:
        for key in ("WORKSHOP_STRICT", "WORKSHOP_FIGURES_DIR", "WORKSHOP_OUTPUT_DIR", "WORKSHOP_EPOCHS",
                    "WORKSHOP_BATCH_SIZE", "WORKSHOP_SEED", "WORKSHOP_LEARNING_RATE", "WORKSHOP_DATASET",
                    "WORKSHOP_MAX_TRIALS"):
            full_env.pop(key, None)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = str(value)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    out_path, err_path = workdir / ".stdout.txt", workdir / ".stderr.txt"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, script.name, *map(str, args)], cwd=workdir, env=full_env,
                                stdout=out, stderr=err)
        try:
            code, peak = _wait_with_memory(proc, timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        wall = time.perf_counter() - start
    result = ScriptRun(notebook=Path(notebook).stem, workdir=str(workdir), args=[str(a) for a in args],
                       returncode=code, stdout=out_path.read_text(errors="replace"),
                       stderr=err_path.read_text(errors="replace"), wall_seconds=round(wall, 2),
                       peak_memory_mib=round(peak))
    out_path.unlink()
    err_path.unlink()
    return result


def _wait_with_memory(proc, timeout):
    """Wait for ``proc`` (at most ``timeout`` seconds); return (exit code, its peak resident memory in MiB).

    The peak is the child's own ``VmHWM`` (``/proc/<pid>/status``), read every 50 ms while it runs: the
    ``ru_maxrss`` that ``wait4`` reports starts at the *parent's* peak on Linux (it is inherited through
    fork and exec), so a large parent such as the benchmark would inflate every child's figure.  Where
    ``/proc`` is missing (macOS) ``ru_maxrss`` is used.

    Raises:
        subprocess.TimeoutExpired: the process outlived ``timeout``.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    peak = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            maxrss = usage.ru_maxrss / (1024 if sys.platform != "darwin" else 2**20)  # KiB on Linux, bytes on macOS
            return proc.returncode, peak if peak is not None else maxrss
        peak = max(peak or 0, _hiwater_mib(proc.pid) or 0) or peak
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.05)


def _hiwater_mib(pid):
    """The peak resident memory (``VmHWM``) of process ``pid`` in MiB, or None where ``/proc`` cannot tell."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
