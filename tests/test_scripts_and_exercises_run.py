"""Every notebook runs as a plain script; every unfilled exercise says "not attempted".

Both run real kernels/processes in the current mode (quick on CI).
"""

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
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


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


@pytest.mark.slow
@pytest.mark.parametrize("path", EXERCISES, ids=ids)
def test_unfilled_exercise_runs_and_checks_say_not_attempted(path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("WORKSHOP_STRICT", "0")  # a learner's kernel: checks report, never raise
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    check_cells = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "error":
                assert out.ename == "BlankNotFilledError" or "blank you have not filled in" in out.evalue, \
                    f"cell {i} crashed with a confusing {out.ename}: {out.evalue[:300]}"
        if re.search(r"\bq\d\.check\(\)", cell.source):
            check_cells += 1
            text = " ".join(str(o.get("data", {}).get("text/html", "")) + o.get("text", "") for o in cell.outputs)
            assert "Not attempted" in text, f"cell {i} ({cell.source.strip()}) should say not attempted: {text[:300]}"
            assert all(o.output_type != "error" for o in cell.outputs)
    assert check_cells >= 3
