"""Answer checks in the style of Kaggle's learntools: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

A question reads the learner's variables from the namespace it is called from
(the notebook, or a converted script's module), so a learner just writes
``q1.check()``.  Tests pass values explicitly: ``q1.check(model=m)``.

Outcomes are *correct*, *incorrect* (with a reason that never reveals the
answer) or *not attempted* (a variable is missing or still the ``____`` blank).
Inside a Jupyter kernel a failed check only reports; in a script, or with
``WORKSHOP_STRICT=1``, it raises :class:`~helpers.errors.CheckFailedError`.

Writing a question::

    class BuildModel(Question):
        variables = ("model",)
        hint_text = "Start with keras.Input(shape=(28, 28)) and Flatten()."
        solution_text = "model = keras.Sequential([...])"

        def check_values(self, model):
            self.expect(model.output_shape[-1] == 10, "The last layer should have one unit per class.")

    q1 = BuildModel("q1", "Build the model")
"""

import inspect
from dataclasses import dataclass

from . import config, context
from .errors import BlankNotFilledError, CheckFailedError, WorkshopError

__all__ = ["Placeholder", "____", "Question", "Incorrect", "Result", "CORRECT", "INCORRECT", "NOT_ATTEMPTED"]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"


class Placeholder:
    """The ``____`` blank in exercise notebooks.

    Any use of it (calling, attributes, arithmetic, converting to an array)
    raises :class:`~helpers.errors.BlankNotFilledError` naming the fix, instead
    of a confusing traceback deep inside Keras.
    """

    _MESSAGE = ("This code still contains a ____ blank. Fix: replace ____ in the cell above with "
                "your answer and run it again (qN.hint() helps).")

    def __repr__(self):
        return "____ (a blank you have not filled in yet)"

    def _fail(self, *args, **kwargs):
        raise BlankNotFilledError(self._MESSAGE)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        self._fail()

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = __float__ = __int__ = __index__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __pow__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __array__ = __format__ = _fail


____ = Placeholder()


class Incorrect(WorkshopError, AssertionError):
    """Raised inside :meth:`Question.check_values` to report a wrong answer."""


@dataclass(frozen=True)
class Result:
    """The outcome of one check: ``outcome`` is correct / incorrect / not attempted."""

    outcome: str
    message: str

    @property
    def correct(self):
        return self.outcome == CORRECT


class Question:
    """One exercise question.  Subclass it; see the module docstring.

    Class attributes:
        variables: names read from the caller's namespace (or keyword arguments).
        hint_text: a nudge; may be a list for several hints.
        solution_text: the answer as code (shown by :meth:`solution`).
    """

    variables = ()
    hint_text = ""
    solution_text = ""

    def __init__(self, name, title=""):
        self.name = name
        self.title = title
        self.last_result = None

    def __repr__(self):
        return f"<{self.name}: {self.title}. Use {self.name}.check(), {self.name}.hint(), {self.name}.solution()>"

    # -- for question authors -------------------------------------------------
    def check_values(self, **values):
        """Raise :class:`Incorrect` with a reason when an answer is wrong; return an optional note."""
        raise NotImplementedError(f"{type(self).__name__} must implement check_values")

    @staticmethod
    def expect(condition, reason):
        """Raise :class:`Incorrect` with ``reason`` unless ``condition`` holds."""
        if not condition:
            raise Incorrect(reason)

    # -- for learners ---------------------------------------------------------
    def evaluate(self, namespace=None, **values):
        """Check without displaying or raising; returns a :class:`Result`."""
        namespace = dict(namespace or {})
        namespace.update(values)
        missing = [v for v in self.variables if v not in namespace or isinstance(namespace[v], Placeholder)]
        if missing:
            names = ", ".join(f"`{v}`" for v in missing)
            return Result(NOT_ATTEMPTED, f"Not attempted yet: fill in {names} (replace ____) and run that cell, "
                                         f"then call {self.name}.check() again.")
        try:
            note = self.check_values(**{v: namespace[v] for v in self.variables})
        except Incorrect as exc:
            return Result(INCORRECT, str(exc))
        except BlankNotFilledError:
            return Result(NOT_ATTEMPTED, f"Not attempted yet: a ____ blank is still in use. Fill it in, "
                                         f"then call {self.name}.check() again.")
        return Result(CORRECT, note or "Well done.")

    def check(self, **values):
        """Check your answer, read from your notebook's variables (or passed as keywords)."""
        caller = inspect.currentframe().f_back
        namespace = {**caller.f_globals, **caller.f_locals} if caller else {}
        result = self.evaluate(namespace, **values)
        self.last_result = result
        _show(self.name, result.outcome, result.message)
        if not result.correct and _must_raise():
            raise CheckFailedError(f"{self.name} {result.outcome}: {result.message}")

    def hint(self, n=1):
        """Show hint number ``n`` (1 = gentlest)."""
        hints = self.hint_text if isinstance(self.hint_text, (list, tuple)) else [self.hint_text]
        n = max(1, min(n, len(hints)))
        more = f" (hint {n} of {len(hints)}; {self.name}.hint({n + 1}) for the next)" if n < len(hints) else ""
        _show(self.name, "hint", hints[n - 1] + more)

    def solution(self):
        """Show the solution code."""
        _show(self.name, "solution", self.solution_text, code=True)


def _must_raise():
    strict = config.strict()
    return (not context.in_kernel()) if strict is None else strict


def _show(name, kind, message, code=False):
    from .feedback import show

    show(name, kind, message, code=code)
