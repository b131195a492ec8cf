"""Every notebook runs as a plain script after `jupyter nbconvert --to script` (current mode; quick on CI)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))


def ids(p):
    return f"{p.parent.name}/{p.stem}"


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS + LECTURES, ids=ids)
def test_runs_as_plain_script_after_nbconvert(path, tmp_path):
    from nbconvert import ScriptExporter

    body, _ = ScriptExporter().from_filename(str(path))
    assert "get_ipython" not in body
    script = tmp_path / f"{path.stem}.py"
    script.write_text(body, encoding="utf-8")
    figures = tmp_path / "figures"
    env = dict(os.environ, WORKSHOP_FIGURES_DIR=str(figures), WORKSHOP_STRICT="0")  # scripts raise on their own
    proc = subprocess.run([sys.executable, script.name], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout[-4000:], proc.stderr[-4000:])
    assert "QUICK MODE" in proc.stdout or "Full mode" in proc.stdout
    assert list(figures.glob("*.png")), "figures should be saved as PNG files in a script"
    checks = set(re.findall(r"\b(q\d)\.check\(\)", body))
    for name in checks:
        assert f"{name}: Correct" in proc.stdout, f"{name} did not report Correct"
