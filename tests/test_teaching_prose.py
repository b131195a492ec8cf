"""Numbers in prose come from the run: a number typed into Markdown, or into a sentence that a code cell
prints, must be a constant of the lesson, listed with its reason in ``tests/prose_numbers/<notebook>.json``.

A result that a run can change (a loss, an accuracy, "it started near 2,000") must be printed by code
(``print(f"... {value:.3g}")``), never typed.  Each notebook has its own allow-list file, so the lectures'
lists can be added without touching the hands-on ones.  Small counts (0–10) are allowed everywhere.
"""

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ROOT / "tests" / "prose_numbers"
NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
NUMBER = re.compile(r"(?<![A-Za-z_\d.,/\\#])[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?(?![A-Za-z_\d])"
                    r"|(?<![A-Za-z_\d.,\\#])[-−]?\d+(?:\.\d+)?(?:e-?\d+)?%?(?![A-Za-z_\d])")
STRIP = [re.compile(p, re.DOTALL) for p in (
    r"```.*?```", r"`[^`\n]*`", r"\$\$.*?\$\$", r"\$[^$\n]*\$", r"\]\([^)]*\)", r"https?://\S+", r"<!--.*?-->")]
STRIP += [re.compile(p, re.MULTILINE) for p in (
    r"^#+ .*$", r"^\s*(?:\d+\.|[-*])\s", r"\b[qQ]uestion \d+", r"\bq\d+\b", r"\bL\d\b", r"\b0\d_\w+",
    r"\bnotebook 0\d\b", r"\bepoch \d+\b")]


def normalise(token):
    return token.replace(",", "").replace("−", "-")


def numbers_in(text):
    for pattern in STRIP:
        text = pattern.sub(" ", text)
    return [normalise(m.group(0)) for m in NUMBER.finditer(text)]


def printed_strings(source):
    """The constant text of every ``print(...)`` call in a code cell (f-string pieces included)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            for arg in node.args:
                parts = arg.values if isinstance(arg, ast.JoinedStr) else [arg]
                out += [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return out


def prose_numbers(nb):
    """``[(cell index, number)]`` typed into Markdown or into printed sentences."""
    found = []
    for i, cell in enumerate(nb.cells):
        texts = [cell.source] if cell.cell_type == "markdown" else printed_strings(cell.source)
        for text in texts:
            found += [(i, n) for n in numbers_in(text)]
    return found


def small(token):
    try:
        value = float(token)
    except ValueError:
        return False
    return value == int(value) and 0 <= value <= 10 and "%" not in token


def allowed_for(stem):
    path = ALLOWED / f"{stem}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_numbers_in_prose_are_lesson_constants(path):
    allowed = allowed_for(path.stem)
    if allowed is None:
        if path.stem[:2] in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "L6"):
            pytest.fail(f"no allow-list: create tests/prose_numbers/{path.stem}.json")
        pytest.skip(f"no tests/prose_numbers/{path.stem}.json yet (the notebook's author adds it)")
    assert all(isinstance(reason, str) and reason.strip() for reason in allowed.values()), "give every constant a reason"
    nb = nbformat.read(path, as_version=4)
    unexplained = sorted({(i, n) for i, n in prose_numbers(nb) if not small(n) and n not in allowed})
    assert not unexplained, (
        f"{path.name}: numbers typed in prose that are not lesson constants: {unexplained}. If a run can change it, "
        f"print it from code; if it is a constant of the lesson, add it with its reason to "
        f"tests/prose_numbers/{path.stem}.json")


def test_the_scanner_finds_typed_results():
    """The scanner catches what issue 11 found, and leaves identifiers and code alone."""
    md = nbformat.v4.new_markdown_cell("Loss 0.0413 after training; about 118,000 weights; 93% accuracy; "
                                       "`model.fit(x, epochs=20)`, Conv2D, float32, q3, L2, 01_warmup, 1e-4.")
    code = nbformat.v4.new_code_cell('print("loss after 10 steps:", 3, "(it started near 2,000)")\nx = "9,999"')
    nb = nbformat.v4.new_notebook(cells=[md, code])
    assert [n for _, n in prose_numbers(nb)] == ["0.0413", "118000", "93%", "1e-4", "10", "2000"]
