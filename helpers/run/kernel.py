"""Learner-friendly kernel: blanks that speak up, short messages instead of traceback walls.

``helpers.setup`` calls :func:`install` inside a Jupyter kernel (never in a script).  It adds:

* an IPython ``post_run_cell`` hook that reads the cell just run (its syntax tree) and the
  kernel's namespace: every variable the cell left bound to the ``____`` blank is remembered
  with its cell and line (:mod:`helpers.blanks`), and a cell that ran *without error* but still
  holds a blank says so at once (``model = ____`` does not pass silently);
* a handler for errors raised by a cell, which replaces three tracebacks by one line:

  - a blank used (``BlankNotFilledError``, also when a library wrapped it): which variable is
    still blank and the cell and line where it was left;
  - ``NameError`` in the cell itself: the name, the line, and "run the cells above first, or
    catch up" (what a learner sees after a kernel restart);
  - ``KeyboardInterrupt`` (Kernel → Interrupt): where it stopped (the epoch of ``model.fit``),
    and that the model keeps the weights learnt so far.

  Every other error is shown exactly as IPython shows it.

Why a hook and the syntax tree rather than checking values later: the blank is one shared
object, so only the cell's source says *which* variable holds it and *where*; the hook sees
each cell once, right after it ran, at the cost of parsing one cell.
"""

import ast
import linecache

from ..blanks import blank_names, describe, forget, is_blank, remember, where
from ..errors import BlankNotFilledError

__all__ = ["install", "uninstall", "after_cell", "short_error", "assigned_names", "blank_lines"]

_CATCH_UP = "run the cells above first (Run → Run All Above Selected Cell), or catch up with `qN.catch_up()`"


def install(shell=None):
    """Install the hook and the error handler in the running IPython kernel; returns False outside one."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "events"):
        return False
    if not getattr(shell, "_workshop_learner", False):
        shell.events.register("post_run_cell", after_cell)
        shell.set_custom_exc((Exception, KeyboardInterrupt), _handler)
        shell._workshop_learner = True
    return True


def uninstall(shell):
    """Remove what :func:`install` added (tests)."""
    if getattr(shell, "_workshop_learner", False):
        shell.events.unregister("post_run_cell", after_cell)
        shell.set_custom_exc((), None)
        shell._workshop_learner = False


def _tree(shell, source):
    try:
        return ast.parse(shell.transform_cell(source) if shell is not None else source)
    except (SyntaxError, ValueError):
        return None


def assigned_names(tree):
    """``{name: line}`` for names the cell assigns at its top level (``a = ``, ``a, b = ``, ``def a``)."""
    found = {}

    def targets(node, line):
        if isinstance(node, ast.Name):
            found.setdefault(node.id, line)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element, line)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets(target, node.lineno)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets(node.target, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.setdefault(node.name, node.lineno)
    return found


def blank_lines(tree):
    """Line numbers where the cell reads ``____`` (the import ``from helpers import ____`` does not count)."""
    return sorted({node.lineno for node in ast.walk(tree)
                   if isinstance(node, ast.Name) and node.id == "____" and isinstance(node.ctx, ast.Load)})


def after_cell(result, shell=None):
    """``post_run_cell`` hook: remember blanks left by the cell; say so when the cell ran with one."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    info = getattr(result, "info", None)
    tree = _tree(shell, getattr(info, "raw_cell", "") or "")
    if tree is None or shell is None:
        return
    count = getattr(result, "execution_count", None)
    namespace = shell.user_ns
    assigned = assigned_names(tree)
    for name in assigned:
        if not is_blank(namespace.get(name)):
            forget(name)
    lines = blank_lines(tree)
    if not lines:
        return
    cell = f"cell [{count}]" if count is not None else "this cell"
    left = [n for n in blank_names(namespace, assigned)]
    for name in left:
        remember(name, f"{cell}, line {assigned[name]}")
    remember("____", f"{cell}, line {lines[0]}")
    if getattr(result, "success", False):
        if left:
            message = (f"Still a blank: {', '.join(f'`{n}`' for n in left)} "
                       f"{'is' if len(left) == 1 else 'are'} `____` (line {assigned[left[0]]} of this cell). "
                       f"Replace `____` with your answer and run this cell again.")
        else:
            message = (f"Line {lines[0]} of this cell still has a `____` blank. "
                       f"Replace it with your answer and run this cell again.")
        _notice(message)


def _notice(message):
    from IPython.display import display

    display({"text/markdown": message, "text/plain": message}, raw=True)


def _chain(error):
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _cell_frame(tb):
    """The traceback entry of the cell's own code (the first one outside IPython's machinery)."""
    entry = tb
    while entry is not None:
        if "/IPython/" not in entry.tb_frame.f_code.co_filename.replace("\\", "/"):
            return entry
        entry = entry.tb_next
    return None


def short_error(shell, etype, value, tb):
    """One line for a blank, a NameError in the cell, or an interrupt; ``None`` for every other error."""
    cell = _cell_frame(tb)
    line = cell.tb_lineno if cell is not None else None
    at = f"line {line} of this cell" if line else "this cell"
    if issubclass(etype, KeyboardInterrupt):
        return _interrupted(tb, at)
    source = "".join(linecache.getlines(cell.tb_frame.f_code.co_filename)) if cell is not None else ""
    tree = _tree(None, source) if source else None
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} if tree is not None else set()
    chain = _chain(value)
    blanks = blank_names(shell.user_ns, sorted(loaded)) if shell is not None else []
    if any(isinstance(e, BlankNotFilledError) for e in chain) or (blanks and "____" in str(value)):
        if blanks:
            return (f"Not filled in yet: {describe(blanks)} still `____` (used in {at}). Fill in the blank, "
                    f"run that cell, then run this one again.")
        place = where("____")
        return f"Not filled in yet: {at} uses a `____` blank{f' (left in {place})' if place else ''}. " \
               f"Replace it with your answer and run the cell again."
    if issubclass(etype, NameError) and cell is not None and cell.tb_next is None:
        name = getattr(value, "name", None) or str(value)
        return (f"NameError in {at}: `{name}` is not defined in this kernel. Check the spelling; if it is made in "
                f"a cell above (or the kernel restarted), {_CATCH_UP}.")
    return None


def _interrupted(tb, at):
    epoch = None
    entry = tb
    while entry is not None:
        frame = entry.tb_frame
        if frame.f_code.co_name == "fit" and "keras" in frame.f_code.co_filename and "epochs" in frame.f_locals:
            epoch = (frame.f_locals.get("epoch"), frame.f_locals.get("epochs"))
        entry = entry.tb_next
    during = (f" during `fit`, epoch {epoch[0] + 1} of {epoch[1]}," if epoch and isinstance(epoch[0], int)
              else "")
    return (f"Interrupted (Kernel → Interrupt){during} in {at}. A model keeps the weights it has learnt so far; "
            f"variables this cell had not assigned yet keep their old values.")


def _handler(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: a one-line message where we have one, IPython's own otherwise."""
    try:
        text = short_error(shell, etype, value, tb)
    except Exception:  # noqa: BLE001 – never let the helper hide the learner's error
        text = None
    if text is not None:
        try:
            value._render_traceback_ = lambda: [text]
        except (AttributeError, TypeError):
            shell._showtraceback(etype, value, [text])
            return None
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return None
