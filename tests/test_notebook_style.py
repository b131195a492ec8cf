"""House rules every notebook follows (solutions/, exercises/, notebooks/)."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.tools.exercises import render
from helpers.tools.execute import output_problems

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALL = SOLUTIONS + LECTURES + sorted((ROOT / "exercises").glob("*.ipynb"))
STORED = SOLUTIONS + LECTURES
MAGIC = re.compile(r"^\s*[%!]|get_ipython\(", re.MULTILINE)
TIMING = re.compile(r"\d+ms/step|\d+s/step| - \d+s - ")


def ids(p):
    return f"{p.parent.name}/{p.stem}"


def _read(path):
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", ALL, ids=ids)
def test_valid_no_magics_parameters_and_title(path):
    nb = _read(path)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not MAGIC.search(cell.source), f"magic or get_ipython() in: {cell.source[:80]!r}"
    title = nb.cells[0]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    for word in ("Objectives", "Time"):
        assert word in title.source, f"title cell lacks {word}"
    assert re.search(r"GPU|CPU|Accelerator", title.source), "title cell lacks CPU/GPU notes"
    assert "(../docs/notation.md)" in title.source, "title cell lacks the link to docs/notation.md"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "quick = None" in params[0].source and "seed = " in params[0].source
    setup = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.search(r"helpers\.setup\(\"\w+\", quick=quick, seed=seed[,)]", setup)


@pytest.mark.parametrize("path", SOLUTIONS, ids=ids)
def test_hands_on_sections_in_order_and_three_to_six_questions(path):
    nb = _read(path)
    heads = [line[3:].strip().split()[0] for c in nb.cells if c.cell_type == "markdown"
             for line in c.source.splitlines() if line.startswith("## ")]
    order = [h for h in heads if h in ("Setup", "Data", "Model", "Train", "Evaluate")]
    assert order == ["Setup", "Data", "Model", "Train", "Evaluate"], heads
    checks = sorted(set(re.findall(r"\b(q\d)\.check\(\)", "\n".join(c.source for c in nb.cells))))
    assert 3 <= len(checks) <= 6, checks
    module = re.search(r"from helpers\.questions\.(\w+) import", "\n".join(c.source for c in nb.cells)).group(1)
    questions = importlib.import_module(f"helpers.questions.{module}")
    for name in checks:
        q = getattr(questions, name)
        assert q.hint_text and q.solution_text and q.variables, f"{module}.{name} lacks hint/solution/variables"


@pytest.mark.parametrize("path", STORED, ids=ids)
def test_stored_outputs_are_complete_and_clean(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count is not None for c in code), "run `python -m helpers execute` on it"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "not a clean top-to-bottom run"
    assert output_problems(nb) == []
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error"
            assert not TIMING.search(out.get("text", "")), "Keras timings in stored output"


def test_check_command_passes_on_the_repo():
    proc = subprocess.run([sys.executable, "-m", "helpers", "exercises", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "in sync" in proc.stdout


def test_hands_on_notebooks_are_numbered_01_to_09():
    # 01-05 are the workshop day; 06 (distributed), 07 (transfer learning), 08 (sequences) and
    # 09 (hyperparameter search) extend it
    assert [p.stem[:2] for p in SOLUTIONS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"]
    assert [p.name for p in SOLUTIONS] == sorted(p.name for p in (ROOT / "exercises").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=ids)
def test_exercise_has_blanks_and_no_solution_code(path):
    text = render(path)
    ex = nbformat.reads(text, as_version=4)
    code = "\n".join(c.source for c in ex.cells if c.cell_type == "code")
    assert "____" in code
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert all(not c.get("outputs") for c in ex.cells if c.cell_type == "code")


DISPLAY_ONLY = {"head", "tail", "describe", "round", "value_counts", "sample", "info"}


@pytest.mark.parametrize("path", STORED, ids=ids)
def test_no_cell_relies_on_its_last_expression_being_displayed(path):
    """A script made by nbconvert prints nothing for a bare last expression: use print() or helpers.show()."""
    import ast

    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        last = ast.parse(cell.source).body[-1]
        if not isinstance(last, ast.Expr):
            continue
        value = last.value
        assert isinstance(value, ast.Call), f"cell {i} ends in a bare expression: {ast.unparse(value)[:60]}"
        name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        assert name not in DISPLAY_ONLY, f"cell {i} shows a value only in Jupyter: {ast.unparse(value)[:60]}"
