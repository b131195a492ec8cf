"""Run a solution notebook's own cells into a namespace: the engine behind catching up.

A learner who falls behind, or restarted the kernel, can have the solution's cells run in their
namespace up to a question; the benchmark takes the notebooks' data splits the same way, so it
can never compare on different data than the notebook::

    ns = run_solution_cells("05_abalone_regression", until="## Model", quick=True)
    ns["x_train"].shape

Cells run with the notebook's own ``parameters`` cell, then the given ``params`` (as papermill
injects them); checks (``qN.check()``), the run summary (``run.finish``) and cells tagged
``test-only`` are skipped, figures are neither shown nor saved, and printed output is kept back.
"""

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

from . import context
from .errors import NotebookSourceError

__all__ = ["SOLUTIONS", "solution_path", "code_cells", "run_solution_cells"]

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
_CHECK_LINE = re.compile(r"^\s*q\d+\.(check|hint|solution)\(\)\s*(#.*)?$", re.MULTILINE)


def solution_path(notebook):
    """The solution notebook for ``"04"``, ``"04_cnn_mnist"`` or ``"04_cnn_mnist.ipynb"``.

    Raises:
        NotebookSourceError: no solution notebook matches; the message lists the valid names.
    """
    stem = Path(str(notebook)).stem
    matches = sorted(p for p in SOLUTIONS.glob("*.ipynb") if p.stem == stem or p.stem.split("_")[0] == stem)
    if len(matches) != 1:
        names = ", ".join(p.stem for p in sorted(SOLUTIONS.glob("*.ipynb"))) or f"none in {SOLUTIONS}"
        raise NotebookSourceError(f"No single solution notebook matches {notebook!r}. Valid names: {names}. "
                                  f"Fix: use one of them, e.g. catch_up(\"04\", \"q3\").")
    return matches[0]


def code_cells(notebook):
    """``[(index, kind, source, tags)]`` for every cell of the solution notebook (kind: code/markdown)."""
    path = solution_path(notebook)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    out = []
    for i, cell in enumerate(cells):
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        out.append((i, cell["cell_type"], source, cell.get("metadata", {}).get("tags", [])))
    return out


def _stop_index(cells, until, name):
    """Index of the first cell NOT to run for ``until`` ("q3", a Markdown heading, or None = all)."""
    if until is None:
        return len(cells)
    if re.fullmatch(r"q\d+", str(until)):
        pattern = re.compile(rf"\b{until}\.check\(\)")
        hits = [i for i, (_, kind, src, _) in enumerate(cells) if kind == "code" and pattern.search(src)]
        if hits:
            return hits[-1] + 1
    else:
        hits = [i for i, (_, kind, src, _) in enumerate(cells)
                if kind == "markdown" and any(line.strip() == until.strip() for line in src.splitlines())]
        if hits:
            return hits[0]
    raise NotebookSourceError(f"{name} has no {until!r} to stop at. Fix: name a question (\"q3\") that the "
                              f"notebook checks, or a Markdown heading line such as \"## Model\".")


def run_solution_cells(notebook, until=None, namespace=None, params=None, quick=True):
    """Execute the solution's code cells, in order, into ``namespace`` up to ``until``.

    Args:
        notebook: ``"04"``, ``"04_cnn_mnist"`` or a file name.
        until: ``"q3"`` (through the cell that checks q3), a Markdown heading line (stop before it),
            or None (every cell).
        namespace: The dict to run in (a learner's ``get_ipython().user_ns``); a new one if None.
        params: Values that replace the ``parameters`` cell's, e.g. ``{"epochs": 2}``.
        quick: Run in quick mode (True) or full mode (False), whatever the environment says.

    Returns:
        dict: the namespace.

    Raises:
        NotebookSourceError: unknown notebook or stopping point.
        Exception: whatever a cell raised, with the cell's number in its traceback (``<04_cnn_mnist, cell 9>``).
    """
    name = solution_path(notebook).stem
    cells = code_cells(notebook)
    stop = _stop_index(cells, until, name)
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    saved_env, saved_argv = os.environ.get("WORKSHOP_QUICK"), sys.argv
    os.environ["WORKSHOP_QUICK"] = "1" if quick else "0"
    sys.argv = [f"{name}.py"]  # a plain process must not read the caller's command line as parameters
    try:
        with context.muted(), contextlib.redirect_stdout(io.StringIO()):
            for index, kind, source, tags in cells[:stop]:
                if kind != "code" or "test-only" in tags or "run.finish(" in source:
                    continue
                code = compile(_CHECK_LINE.sub("pass", source), f"<{name}, cell {index}>", "exec")
                exec(code, namespace)  # noqa: S102  (the kit's own solution notebook)
                if "parameters" in tags and params:
                    namespace.update(params)
    finally:
        sys.argv = saved_argv
        if saved_env is None:
            os.environ.pop("WORKSHOP_QUICK", None)
        else:
            os.environ["WORKSHOP_QUICK"] = saved_env
    return namespace
