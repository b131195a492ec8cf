"""What a check's failure message and its hints must never say, and where each notebook's tables are.

The checks of each hands-on notebook (``helpers/questions/nbXX_name.py``) are tested in
``tests/checks/test_nbXX_name.py``, which holds that notebook's tables beside the tests that share their fakes:

* ``NEVER``: ``{question: tokens}`` that a failure message must never contain (they would give the answer away);
* ``HINT_NEVER``: ``{question: tokens}`` that a *hint* must never spell out: the answer's line (issue 22 found
  hints that were the whole solution).  A hint may name a function or a concept; it leaves the writing to the
  learner;
* ``ANSWERS``: ``{question: [(kind, expected outcome, build), ...]}``: learner answers that raise, have the wrong
  type, or are right written another way; ``build(K)`` returns the values to check (``tests/checks/test_contract.py``
  runs them, in a fresh working folder; :func:`slow` marks a builder that runs a real search).

This module discovers the questions (every ``Question`` in the ``__all__`` of every ``helpers.questions.nb*``
module) and gathers the tables (``NEVER`` and ``HINT_NEVER`` here are gathered over all notebooks).
``outcome(q, **values)`` evaluates a question and, whenever the result is not *correct*, asserts that the message
has a reason and gives nothing away: not the solution, no line of it (25 characters or longer; a ``def f(...):``
line is the form the question asks for, and messages may show it), none of the question's ``NEVER`` tokens, and no
traceback.
"""

import importlib
import pkgutil

from helpers.checks.question import CORRECT, Question

__all__ = ["modules", "questions", "tables", "never", "hint_never", "hints_of", "hint_giveaways", "outcome",
           "label", "slow"]


def modules():
    """Every question module, ``helpers.questions.nb01_warmup`` ..., imported, in order."""
    import helpers.questions as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("nb"))
    return [importlib.import_module(f"{package.__name__}.{name}") for name in names]


def questions(module=None):
    """Every ``Question`` in the ``__all__`` of ``module`` (default: of every question module)."""
    if module is None:
        return [q for m in modules() for q in questions(m)]
    return [q for q in (getattr(module, name) for name in module.__all__) if isinstance(q, Question)]


def tables(module):
    """The test module of a question module (or of a question's): it holds ``NEVER``, ``HINT_NEVER``, ``ANSWERS``."""
    name = (type(module).__module__ if isinstance(module, Question) else module.__name__).rsplit(".", 1)[-1]
    return importlib.import_module(f"checks.test_{name}")


def never(q):
    """The tokens a failure message of ``q`` must never contain."""
    return tables(q).NEVER[q]


def hint_never(q):
    """The tokens a hint of ``q`` must never spell out."""
    return tables(q).HINT_NEVER.get(q, ())


def __getattr__(name):
    """``NEVER`` and ``HINT_NEVER``: the tables of every notebook, gathered (on first use: no import cycle)."""
    if name in ("NEVER", "HINT_NEVER"):
        gathered = {}
        for module in modules():
            gathered.update(getattr(tables(module), name))
        return gathered
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def label(q):
    """``"06-q2"``: a question as test ids name it."""
    return f"{q.notebook[:2]}-{q.name}"


def slow(build):
    """Mark a learner-answer builder as slow (it runs a real search): the contract test marks its case ``slow``."""
    build.slow = True
    return build


def hints_of(q):
    """Every hint text of ``q``, gentlest first."""
    return list(q.hint_text) if isinstance(q.hint_text, (list, tuple)) else [q.hint_text]


def hint_giveaways(q):
    """``[(hint number, what it gives away)]``: the solution itself, or a token of ``HINT_NEVER``."""
    found = []
    solution = " ".join(q.solution_text.split())
    for n, hint in enumerate(hints_of(q), 1):
        flat = " ".join(hint.split())
        found += [(n, "the whole solution")] if solution in flat else []
        found += [(n, token) for token in hint_never(q) if token in flat]
    return found


def outcome(q, **values):
    """``q``'s outcome for ``values``; a failure message is checked for giveaways first."""
    result = q.evaluate(**values)
    if result.outcome != CORRECT:
        assert result.message.strip(), "a failure needs a reason"
        assert q.solution_text.strip() not in result.message
        for line in (ln.strip() for ln in q.solution_text.splitlines()):  # a `def f(...):` line is the question's
            assert len(line) < 25 or line.startswith("def ") or line not in result.message, (q.name, line,
                                                                                              result.message)
        for token in never(q):
            assert token not in result.message, (q.name, token, result.message)
        assert "Traceback" not in result.message and "File \"" not in result.message, result.message
    return result.outcome
