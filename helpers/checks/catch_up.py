"""Catching up: run a solution notebook's own cells into a namespace, up to a question.

A learner who fell behind, or whose kernel restarted, runs the Setup cell and then::

    q3.catch_up()                    # or: helpers.catch_up("04", "q3")

The solution's cells run, up to and including the cell that checks ``q3``, in the learner's own
namespace and in quick mode; then one message lists the variables it defined or replaced, so the
learner can carry on from the next cell.  The benchmark takes the notebooks' data splits with the
same engine, :func:`run_solution_cells`, so it never compares on other data than the notebook::

    ns = run_solution_cells("05_abalone_regression", until="## Model", quick=True)
    ns["x_train"].shape

Cells run with the notebook's own ``parameters`` cell, then the given ``params`` (as papermill
injects them); checks (``qN.check()``), the run summary (``run.finish``) and cells tagged
``test-only`` are skipped, figures are neither shown nor saved, and printed output is kept back.
"""

import contextlib
import inspect
import io
import json
import re
from pathlib import Path

from .. import blanks
from ..errors import NotebookSourceError
from ..paths import solutions_dir
from ..run import params as run_params, state

__all__ = ["solution_path", "code_cells", "run_solution_cells", "catch_up", "changed_names", "summary"]

_CHECK_LINE = re.compile(r"^\s*q\d+\.(check|hint|solution)\(\)\s*(#.*)?$", re.MULTILINE)


def solution_path(notebook):
    """The solution notebook for ``"04"``, ``"04_cnn_mnist"`` or ``"04_cnn_mnist.ipynb"``.

    Raises:
        NotebookSourceError: no solution notebook matches; the message lists the valid names.
    """
    stem = Path(str(notebook)).stem
    folder = solutions_dir()
    matches = sorted(p for p in folder.glob("*.ipynb") if p.stem == stem or p.stem.split("_")[0] == stem)
    if len(matches) != 1:
        names = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or f"none in {folder}"
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


def run_solution_cells(notebook, until=None, namespace=None, params=None, quick=True, after=None):
    """Execute the solution's code cells, in order, into ``namespace`` up to ``until``.

    Args:
        notebook: ``"04"``, ``"04_cnn_mnist"`` or a file name.
        until: ``"q3"`` (through the cell that checks q3), a Markdown heading line (stop before it),
            or None (every cell).
        after: Continue a namespace that already ran up to this stopping point (``"q2"``): only the cells
            after it run.  None runs from the first cell.
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
    start = 0 if after is None else _stop_index(cells, after, name)
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    with run_params.forced(quick=bool(quick)), state.muted(), contextlib.redirect_stdout(io.StringIO()):
        for index, kind, source, tags in cells[start:stop]:
            if kind != "code" or "test-only" in tags or "run.finish(" in source:
                continue
            code = compile(_CHECK_LINE.sub("pass", source), f"<{name}, cell {index}>", "exec")
            exec(code, namespace)  # noqa: S102  (the kit's own solution notebook)
            if "parameters" in tags and params:
                namespace.update(params)
    return namespace


_SHOWN = 24


def _is_data(name, value):
    return not name.startswith("_") and type(value).__name__ != "module" and name not in ("In", "Out", "exit", "quit")


def changed_names(before, namespace):
    """Names that are new in ``namespace`` or bound to another object than in ``before`` (a dict of ids)."""
    return [name for name, value in namespace.items()
            if _is_data(name, value) and before.get(name) != id(value)]


def summary(notebook, question, names):
    """The one message shown after catching up, in Markdown."""
    shown = ", ".join(f"`{n}`" for n in names[:_SHOWN]) or "nothing"
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    if question is None:
        return f"Caught up: ran the whole solution of {notebook} in quick mode. Defined or replaced: {shown}{more}."
    return (f"Caught up: ran the solution of {notebook} up to and including `{question}`, in quick mode. "
            f"Defined or replaced: {shown}{more}. Carry on with the cell after `{question}.check()`.")


def catch_up(notebook, question=None, namespace=None, params=None):
    """Run the solution of ``notebook`` up to and including ``question`` in your kernel (quick mode).

    Your variables of the same names (e.g. your own ``model``) are replaced by the solution's.

    Args:
        notebook: ``"04"`` or ``"04_cnn_mnist"``.
        question: ``"q3"`` (through the cell that checks it), or None for the whole notebook.
        namespace: Where to run; default the Jupyter kernel's namespace (or the caller's globals in
            a script or test).
        params: Values replacing the parameters cell's, e.g. ``{"epochs": 2}``.

    Returns:
        list[str]: the names defined or replaced (None in a Jupyter kernel, so nothing extra is printed).

    Raises:
        NotebookSourceError: an unknown notebook or question; the message lists the valid ones.
    """
    if namespace is None:
        namespace = _learner_namespace(inspect.currentframe().f_back)
    name = solution_path(notebook).stem
    before = {key: id(value) for key, value in namespace.items()}
    _say(f"Catching up: running the solution of {name} up to {question or 'the end'} in quick mode…")
    run_solution_cells(name, until=question, namespace=namespace, params=params, quick=True)
    names = changed_names(before, namespace)
    for defined in names:
        blanks.forget(defined)
    _say(summary(name, question, names))
    return None if state.in_kernel() else names


def _learner_namespace(frame):
    if state.in_kernel():
        from IPython import get_ipython

        return get_ipython().user_ns
    return frame.f_globals if frame is not None else {}


def _say(message):
    if state.in_kernel():
        from IPython.display import display

        display({"text/markdown": message, "text/plain": message}, raw=True)
    else:
        print(message)
