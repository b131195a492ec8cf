"""The exercise generator and the sync between solutions/ and exercises/."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.errors import NotebookSourceError
from helpers.tools.exercises import generate, stale, to_exercise

ROOT = Path(__file__).resolve().parent.parent


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(src, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.v4.new_output("stream", text=t) for t in outputs]
    cell.execution_count = 3 if outputs else None
    return cell


def test_solution_region_becomes_indented_stub():
    src = ("def f(x):\n"
           "    # BEGIN SOLUTION: return ____  # square x\n"
           "    y = x * x\n"
           "    return y\n"
           "    # END SOLUTION\n"
           "print(f(2))")
    ex = to_exercise(_nb(_code(src)))
    assert ex.cells[0].source == "def f(x):\n    return ____  # square x\nprint(f(2))"


def test_outputs_cleared_nbval_comments_and_test_only_cells_dropped():
    nb = _nb(_code("# NBVAL_CHECK_OUTPUT\nprint(1)", outputs=["1\n"]),
             _code("assert secret == 42", tags=["test-only"]),
             nbformat.v4.new_markdown_cell("Why?\n<!-- BEGIN SOLUTION -->Because.<!-- END SOLUTION -->"))
    ex = to_exercise(nb)
    assert len(ex.cells) == 2
    assert ex.cells[0].source == "print(1)"
    assert ex.cells[0].outputs == [] and ex.cells[0].execution_count is None
    assert ex.cells[1].source == "Why?\n*Your answer here.*"
    assert nb.cells[0].outputs, "the solution notebook itself must not be modified"


@pytest.mark.parametrize("src, fragment", [
    ("# BEGIN SOLUTION: a = ____\na = 1", "never closed"),
    ("a = 1\n# END SOLUTION", "without a BEGIN"),
    ("# BEGIN SOLUTION\na = 1\n# END SOLUTION", "needs a stub"),
    ("# BEGIN SOLUTION: a = ____\n# BEGIN SOLUTION: b = ____\n# END SOLUTION", "inside another"),
])
def test_malformed_markers_raise_typed_error_naming_the_fix(src, fragment):
    with pytest.raises(NotebookSourceError, match=fragment) as info:
        to_exercise(_nb(_code(src)), "bad.ipynb")
    assert isinstance(info.value, ValueError)
    assert "bad.ipynb, cell 0" in str(info.value) and "Fix:" in str(info.value)


def test_bad_solution_writes_nothing(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_nb(_code("# BEGIN SOLUTION: a = ____\na = 1\n# END SOLUTION")), sol / "a.ipynb")
    nbformat.write(_nb(_code("# BEGIN SOLUTION: b = ____\nb = 1")), sol / "b.ipynb")
    with pytest.raises(NotebookSourceError):
        generate(sol, ex)
    assert not ex.exists() or not list(ex.iterdir())


def test_stale_detects_edits_missing_and_orphans(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_nb(_code("# BEGIN SOLUTION: a = ____\na = 1\n# END SOLUTION")), sol / "a.ipynb")
    assert stale(sol, ex) == [f"{ex / 'a.ipynb'} is missing"]
    assert generate(sol, ex) == [ex / "a.ipynb"]
    assert stale(sol, ex) == [] and generate(sol, ex) == []
    (ex / "a.ipynb").write_text((ex / "a.ipynb").read_text().replace("a = ____", "a = 2"))
    assert "out of date" in stale(sol, ex)[0]
    (ex / "zz.ipynb").write_text("{}")
    assert any("no solution notebook" in p for p in stale(sol, ex))


def test_check_command_fails_when_out_of_date(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    sol.mkdir()
    nbformat.write(_nb(_code("# BEGIN SOLUTION: a = ____\na = 1\n# END SOLUTION")), sol / "a.ipynb")
    proc = subprocess.run([sys.executable, "-m", "helpers", "exercises", "--check", "--solutions", str(sol),
                           "--exercises", str(ex)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "python -m helpers exercises" in proc.stderr
