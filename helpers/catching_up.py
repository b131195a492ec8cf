"""Catching up: bring a learner's kernel to the state just after a question, and say what changed.

A learner who fell behind, or whose kernel restarted, runs the Setup cell and then::

    q3.catch_up()                    # or: helpers.catch_up("04", "q3")

The solution notebook's cells run, up to and including the cell that checks ``q3``, in the
learner's own namespace and in quick mode (:func:`helpers.catchup.run_solution_cells`: checks,
figures and printed output stay quiet).  Then one message lists the variables it defined or
replaced, so the learner can carry on from the next cell.
"""

import inspect

from . import blanks, context
from .catchup import run_solution_cells, solution_path

__all__ = ["catch_up", "changed_names", "summary"]

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
    return None if context.in_kernel() else names


def _learner_namespace(frame):
    if context.in_kernel():
        from IPython import get_ipython

        return get_ipython().user_ns
    return frame.f_globals if frame is not None else {}


def _say(message):
    if context.in_kernel():
        from IPython.display import display

        display({"text/markdown": message, "text/plain": message}, raw=True)
    else:
        print(message)
