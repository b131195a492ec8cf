"""A learner's walk through each exercise notebook, in ONE fresh kernel per notebook.

The cells run in order.  At each cell with a blank:

1. it runs unfilled: it must say in a line or two that a blank is left (no traceback wall);
2. its question's check runs: it must say *Not attempted*;
3. the question's ``solution()`` text replaces the blank's stub line and the cell runs again: no error.

Every ``qN.check()`` cell then runs in its place and must say *Correct*, and no other cell may fail.
So this is both the unfilled-exercise test and the pasted-solution test, for every question of every hands-on
notebook (01–09).

It is also the suite's nbval run of the hands-on notebooks: each cell that the solution marks
``# NBVAL_CHECK_OUTPUT`` (the exercise has the same cell, by id, without the marker) must print
what the solution's stored outputs say, as ``pytest --nbval-lax`` compares them: streams and
``text/plain``, not images.  So every hands-on notebook is executed once by nbclient per suite
(and once as a script, ``tests/test_scripts.py``), not a third time by nbval.
"""

import importlib
import re
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: every hands-on notebook: this walk-through is also their nbval run, so none may be left out
HANDS_ON = tuple(p.stem[:2] for p in sorted((ROOT / "solutions").glob("0*.ipynb")))
EXERCISES = sorted(p for p in (ROOT / "exercises").glob("0*.ipynb") if p.stem[:2] in HANDS_ON)
CHECK = re.compile(r"^\s*(q\d)\.check\(\)\s*$", re.MULTILINE)
STUB = re.compile(r"^(\s*).*\b____\b.*$", re.MULTILINE)
TIMES = {}


def ids(p):
    return p.stem


def text_of(cell):
    """Everything a learner reads in a cell's output, as plain text."""
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append("\n".join(out.traceback))
        else:
            data = out.get("data", {})
            parts += [str(data.get(k, "")) for k in ("text/markdown", "text/html", "text/plain")]
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(parts))


def errors(cell):
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def comparable(outputs):
    """What nbval compares of a cell's outputs: stream texts by stream, ``text/plain`` of results, error names."""
    seen = []
    for out in outputs:
        if out["output_type"] == "stream":
            if seen and seen[-1][0] == out["name"]:  # a kernel may split one print into several messages
                seen[-1] = (out["name"], seen[-1][1] + out["text"])
            else:
                seen.append((out["name"], out["text"]))
        elif out["output_type"] == "error":
            seen.append(("error", out["ename"]))
        elif "text/plain" in out.get("data", {}):
            seen.append(("data", out["data"]["text/plain"]))
    return [(kind, text.rstrip()) for kind, text in seen]


def checked_outputs(exercise):
    """``{cell id: stored outputs}`` of the solution's ``# NBVAL_CHECK_OUTPUT`` cells."""
    solution = nbformat.read(ROOT / "solutions" / exercise.name, as_version=4)
    return {c.id: c.outputs for c in solution.cells
            if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source}


def blank_lines(source):
    return [m for m in STUB.finditer(source) if "import ____" not in m.group(0)]


def questions_of(nb):
    module = re.search(r"from helpers\.questions\.(\w+) import", "\n".join(c.source for c in nb.cells)).group(1)
    return importlib.import_module(f"helpers.questions.{module}")


def paste(source, stub, solution):
    """Replace the stub line by the solution text, indented like the stub."""
    indent = stub.group(1)
    block = "\n".join(indent + line if line else line for line in solution.splitlines())
    return source[:stub.start()] + block + source[stub.end():]


@pytest.mark.slow
@pytest.mark.parametrize("path", EXERCISES, ids=ids)
def test_learner_walks_through_the_exercise(path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("WORKSHOP_STRICT", "0")  # a learner's kernel: checks report, never raise
    started = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    questions = questions_of(nb)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    check_of = {}  # cell index -> the question whose check comes next
    for i in code:
        for j in code:
            if j > i and CHECK.search(nb.cells[j].source):
                check_of[i] = (j, CHECK.search(nb.cells[j].source).group(1))
                break
    client = NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    seen_blanks, correct = [], set()
    stored = checked_outputs(path)
    with client.setup_kernel():
        for i in code:
            cell = nb.cells[i]
            stubs = blank_lines(cell.source)
            if stubs:
                assert len(stubs) == 1, f"cell {i}: one stub line per question, found {len(stubs)}"
                j, name = check_of[i]
                client.execute_cell(cell, i)
                said = text_of(cell)
                assert "____" in said and ("blank" in said.lower()), f"cell {i} ran unfilled without a word:\n{said}"
                for err in errors(cell):
                    assert len(err.traceback) <= 2, f"cell {i}: a traceback wall for a blank:\n{said[:2000]}"
                check = nbformat.v4.new_code_cell(f"{name}.check()")
                client.execute_cell(check, i)
                assert "not attempted" in text_of(check).lower(), f"{name} with its blank: {text_of(check)}"
                assert not errors(check)
                solution = getattr(questions, name).solution_text
                cell.source = paste(cell.source, stubs[0], solution)
                seen_blanks.append(name)
            client.execute_cell(cell, i)
            assert not errors(cell), f"cell {i} failed:\n{cell.source}\n---\n{text_of(cell)[-3000:]}"
            if cell.id in stored:
                assert comparable(cell.outputs) == comparable(stored.pop(cell.id)), (
                    f"cell {i} ({cell.id}) no longer prints what solutions/{path.name} stores for it: re-run "
                    f"`python -m helpers execute solutions/{path.name}` if the change is intended")
            match = CHECK.search(cell.source)
            if match:
                assert re.search(r"correct", text_of(cell), re.IGNORECASE) and \
                    "incorrect" not in text_of(cell).lower(), f"{match.group(1)}: {text_of(cell)}"
                correct.add(match.group(1))
    assert correct == set(questions.__all__), f"checks that said Correct: {sorted(correct)}"
    assert not stored, f"NBVAL_CHECK_OUTPUT cells of the solution missing from the exercise: {sorted(stored)}"
    assert seen_blanks, "an exercise without blanks"
    TIMES[path.stem] = time.perf_counter() - started
    print(f"{path.stem}: walk-through {TIMES[path.stem]:.1f} s, blanks {seen_blanks}")
