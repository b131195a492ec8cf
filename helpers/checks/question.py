"""Answer checks in the style of Kaggle's learntools: ``q1.check()``, ``q1.hint()``, ``q1.solution()``.

A question reads the learner's variables from the namespace it is called from
(the notebook, or a converted script's module), so a learner just writes
``q1.check()``.  Tests pass values explicitly: ``q1.check(model=m)``.

Outcomes:

* *correct*;
* *incorrect*, with a reason that never reveals the answer;
* *not attempted*: a variable is still the ``____`` blank (named, with the cell it was left in),
  or is not defined in this kernel yet (then: run the cells above, or catch up);
* *uncheckable*: the learner's own code raised while being checked (which call, on what input,
  and the exception's one-line message; no traceback wall).

Inside a Jupyter kernel a failed check only reports; in a script, or with
``WORKSHOP_STRICT=1``, it raises :class:`~helpers.errors.CheckFailedError`, chained to the
learner's exception when there was one.

Writing a question::

    class BuildModel(Question):
        variables = ("model",)
        hint_text = "Start with keras.Input(shape=(28, 28)) and Flatten()."
        solution_text = "model = keras.Sequential([...])"

        def check_values(self, model):
            self.expect(model.output_shape[-1] == 10, "The last layer should have one unit per class.")

    q1 = BuildModel("q1", "Build the model")

Helpers for authors: :meth:`Question.call` runs learner code (an exception becomes *uncheckable*),
:meth:`Question.expect_array` / :meth:`Question.expect_tensor` / :meth:`Question.expect_function`
turn a wrong type into *incorrect*.  Declarative bases are in :mod:`helpers.checks.kinds`.
"""

import inspect
import re
from dataclasses import dataclass, field

import numpy as np

from .. import config
from ..run import state
from ..run.state import run_facts
from ..blanks import ____, Placeholder, blank_names, describe, where
from ..errors import BlankNotFilledError, CheckFailedError, WorkshopError

__all__ = ["Placeholder", "____", "Question", "Incorrect", "Result",
           "CORRECT", "INCORRECT", "NOT_ATTEMPTED", "UNCHECKABLE", "one_line", "describe_value"]

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"
UNCHECKABLE = "uncheckable"


class Incorrect(WorkshopError, AssertionError):
    """Raised inside :meth:`Question.check_values` to report a wrong answer."""


class _LearnerCodeRaised(WorkshopError, RuntimeError):
    """Internal: the learner's code raised while a check called it (never escapes :meth:`Question.evaluate`)."""

    def __init__(self, what, error):
        super().__init__(what)
        self.what, self.error = what, error


@dataclass(frozen=True)
class Result:
    """The outcome of one check: correct / incorrect / not attempted / uncheckable, and why."""

    outcome: str
    message: str
    error: BaseException = field(default=None, compare=False, repr=False)  # the learner's exception, if any

    @property
    def correct(self):
        return self.outcome == CORRECT


def one_line(error):
    """An exception as ``Type: first informative line`` (Keras' framing lines and colour codes removed)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    skip = ("exception encountered when calling", "arguments received by", "traceback")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().lower().startswith(skip)]
    line = lines[0] if lines else ""
    line = line if len(line) <= 220 else line[:217] + "..."
    return f"{type(error).__name__}: {line}" if line else type(error).__name__


def describe_value(value):
    """A short description of a value for messages: its kind and shape, never its contents."""
    shape = getattr(value, "shape", None)
    if value is None:
        return "`None`"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)}"
    if shape is not None and type(value).__module__.startswith(("tensorflow", "keras")):
        return f"a TensorFlow tensor of shape {tuple(shape)}"
    if isinstance(value, (int, float, np.number)):
        return repr(value.item() if isinstance(value, np.number) else value)
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a `{type(value).__name__}`"


class Question:
    """One exercise question.  Subclass it; see the module docstring.

    Class attributes:
        variables: names read from the caller's namespace (or keyword arguments).
        hint_text: a nudge; may be a list for several hints.
        solution_text: the answer as code (shown by :meth:`solution`); it must run when pasted
            in place of the question's blank line(s).
    """

    variables = ()
    hint_text = ""
    solution_text = ""

    def __init__(self, name, title=""):
        self.name = name
        self.title = title
        self.last_result = None
        self.run = None  # the RunFacts of the evaluation in progress (set by evaluate)

    def __repr__(self):
        return (f"<{self.name}: {self.title}. Use {self.name}.check(), {self.name}.hint(), {self.name}.solution(), "
                f"{self.name}.catch_up()>")

    @property
    def notebook(self):
        """The notebook this question belongs to, from its module: ``nb04_cnn_mnist`` → ``"04_cnn_mnist"``."""
        module = type(self).__module__.rsplit(".", 1)[-1]
        return module[2:] if module.startswith("nb") else module

    # -- for question authors -------------------------------------------------
    def check_values(self, **values):
        """Raise :class:`Incorrect` with a reason when an answer is wrong; return an optional note."""
        raise NotImplementedError(f"{type(self).__name__} must implement check_values")

    @staticmethod
    def expect(condition, reason):
        """Raise :class:`Incorrect` with ``reason`` unless ``condition`` holds."""
        if not condition:
            raise Incorrect(reason)

    @staticmethod
    def call(function, *args, what=None, **kwargs):
        """Call learner code; if it raises, the check becomes *uncheckable* naming the call and its input.

        Args:
            function: The learner's function (or a bound method of the learner's model).
            *args, **kwargs: The inputs.
            what: How to name the call in the message, e.g. ``"conv2d_valid(image, kernel)"``.
        """
        try:
            return function(*args, **kwargs)
        except BlankNotFilledError:
            raise
        except Exception as error:  # noqa: BLE001 – any learner error becomes feedback
            name = what or f"{getattr(function, '__name__', 'your function')}(...)"
            inputs = [describe_value(a) for a in args]
            inputs = ", ".join(inputs[:-1]) + " and " + inputs[-1] if len(inputs) > 1 else "".join(inputs)
            raise _LearnerCodeRaised(f"`{name}` on {inputs}" if inputs else f"`{name}`", error) from error

    def expect_function(self, value, name, signature):
        """Incorrect unless ``value`` is callable; ``signature`` shows the expected form, e.g. ``"def f(x, w, b):"``."""
        self.expect(callable(value) and not isinstance(value, type),
                    f"`{name}` should be a function (`{signature} ...`); it is {describe_value(value)}.")

    def expect_array(self, value, name, what="the cells below use NumPy on it"):
        """Incorrect unless ``value`` is a NumPy array (not None, a list, or a TensorFlow tensor).

        ``name`` is a variable name (``"x"``) or a phrase with its own backticks (``"The result of `f(...)`"``).
        """
        label = name if "`" in name else f"`{name}`"
        if isinstance(value, np.ndarray):
            return value
        if value is None:
            self.expect(False, f"{label} is `None`: a function that only prints, or forgets `return`, gives `None`.")
        if hasattr(value, "numpy") and hasattr(value, "shape"):
            self.expect(False, f"{label} is a TensorFlow tensor, but a NumPy array is expected here ({what}). "
                               "Compute it with NumPy, or convert with `.numpy()`.")
        self.expect(False, f"{label} should be a NumPy array ({what}); it is {describe_value(value)}.")

    def expect_tensor(self, value, name):
        """Incorrect unless ``value`` is a TensorFlow tensor (the question asks for TensorFlow operations)."""
        ok = hasattr(value, "numpy") and hasattr(value, "shape") and not isinstance(value, np.ndarray)
        self.expect(ok, f"`{name}` should be the TensorFlow tensor that TensorFlow operations return; "
                        f"it is {describe_value(value)}.")
        return value

    # -- for learners ---------------------------------------------------------
    def evaluate(self, namespace=None, run=None, **values):
        """Check without displaying or raising; returns a :class:`Result`.

        Args:
            namespace: Where the learner's variables are (a notebook's globals).
            run: What the check may depend on, the mode and the ``dataset`` parameter: a ``Run`` from
                ``helpers.setup`` or a :class:`RunFacts`; default the current run (:func:`run_facts`).
            **values: Variables given directly; they win over ``namespace``.
        """
        self.run = run_facts(run)
        namespace = dict(namespace or {})
        namespace.update(values)
        blanks = blank_names(namespace, self.variables)
        if blanks:
            verb = "is" if len(blanks) == 1 else "are"
            return Result(NOT_ATTEMPTED, f"{describe(blanks)} {verb} still `____`. Replace the blank with your "
                                         f"answer, run that cell, then `{self.name}.check()` again.")
        missing = [v for v in self.variables if v not in namespace]
        if missing:
            names = ", ".join(f"`{v}`" for v in missing)
            return Result(NOT_ATTEMPTED, f"{names} {'is' if len(missing) == 1 else 'are'} not defined in this kernel "
                                         f"(an earlier cell has not run, or failed, or the kernel restarted). Run the "
                                         f"cells above first (Run → Run All Above Selected Cell), or catch up with "
                                         f"`{self.name}.catch_up()`.")
        try:
            note = self.check_values(**{v: namespace[v] for v in self.variables})
        except Incorrect as exc:
            return Result(INCORRECT, str(exc))
        except BlankNotFilledError as exc:
            place = where("____")
            return Result(NOT_ATTEMPTED, f"A `____` blank is still part of your answer"
                                         f"{f' ({place})' if place else ''}. Fill it in, run that cell, then "
                                         f"`{self.name}.check()` again.", exc)
        except _LearnerCodeRaised as exc:
            return Result(UNCHECKABLE, f"Your code raised an error, so it could not be checked: {exc.what} "
                                       f"raised `{one_line(exc.error)}`", exc.error)
        except Exception as exc:  # noqa: BLE001 – e.g. a learner object of a kind no check foresaw
            names = ", ".join(f"`{v}`" for v in self.variables)
            return Result(UNCHECKABLE, f"Using your answer ({names}) raised `{one_line(exc)}`: is it what the "
                                       f"question asks for? (`{self.name}.hint()` helps.)", exc)
        return Result(CORRECT, note or "Well done.")

    def check(self, run=None, **values):
        """Check your answer, read from your notebook's variables (or passed as keywords).

        ``run`` says which mode and data set to judge by (default: the run that ``helpers.setup`` started).
        """
        caller = inspect.currentframe().f_back
        namespace = {**caller.f_globals, **caller.f_locals} if caller else {}
        result = self.evaluate(namespace, run=run, **values)
        self.last_result = result
        _show(self.name, result.outcome, result.message)
        if not result.correct and _must_raise():
            raise CheckFailedError(f"{self.name} {result.outcome}: {result.message}") from result.error

    def hint(self, n=1):
        """Show hint number ``n`` (1 = gentlest)."""
        hints = self.hint_text if isinstance(self.hint_text, (list, tuple)) else [self.hint_text]
        n = max(1, min(n, len(hints)))
        more = f" (hint {n} of {len(hints)}; {self.name}.hint({n + 1}) for the next)" if n < len(hints) else ""
        _show(self.name, "hint", hints[n - 1] + more)

    def solution(self):
        """Show the solution code: paste it in place of the blank line(s) of this question."""
        _show(self.name, "solution", self.solution_text, code=True)

    def catch_up(self):
        """Run the solution up to and including this question in your kernel, quick mode (see ``helpers.catch_up``)."""
        from .catch_up import catch_up

        caller = inspect.currentframe().f_back
        return catch_up(self.notebook, self.name, namespace=caller.f_globals if caller else None)


def _must_raise():
    strict = config.strict()
    return (not state.in_kernel()) if strict is None else strict


def _show(name, kind, message, code=False):
    from .feedback import show

    show(name, kind, message, code=code)
