"""Declarative question bases: a function judged on test cases, a value within a tolerance.

Example::

    class Logistic(FunctionQuestion):
        function = "logistic"
        signature = "def logistic(x, w, b):"
        cases = [((np.linspace(-5, 5, 11), 1, 0), {})]

        def reference(self, x, w, b):
            return 1 / (1 + np.exp(-(b + w * x)))

The learner's function is called through :meth:`~helpers.checks.question.Question.call`, so an exception
in it becomes an *uncheckable* outcome naming the call and its input shapes; a result that is
``None``, a list or a tensor is *incorrect* with a reason.
"""

import numpy as np

from ..data.images import floor_for, image_set
from .question import Question, describe_value

__all__ = ["FunctionQuestion", "ValueQuestion", "AccuracyQuestion"]


class FunctionQuestion(Question):
    """A question whose answer is a function, judged on test cases against :meth:`reference`.

    Set ``function`` (the variable's name), ``signature`` (e.g. ``"def logistic(x, w, b):"``),
    ``cases`` (a list of ``(args, kwargs)``) and implement :meth:`reference`; override
    :meth:`wrong_values` for a case-specific reason.
    """

    function = ""
    signature = ""
    cases = ()
    atol = 1e-6

    @property
    def variables(self):
        return (self.function,)

    def reference(self, *args, **kwargs):
        raise NotImplementedError

    def wrong_values(self, args, kwargs, got, want):
        return "The shape is right but some values are wrong."

    def wrong_shape(self, args, kwargs, got, want):
        """The reason when a case's result has the wrong shape; override to name what the case varies."""
        return (f"For input {', '.join(describe_value(a) for a in args)} the result should have shape {want.shape}; "
                f"got {got.shape}.")

    def check_values(self, **values):
        fn = values[self.function]
        self.expect_function(fn, self.function, self.signature)
        for args, kwargs in self.cases:
            got = self.call(fn, *args, what=f"{self.function}(...)", **kwargs)
            got = self.expect_array(got, f"The result of `{self.function}(...)`") \
                if not np.isscalar(got) else np.asarray(got)
            want = np.asarray(self.reference(*args, **kwargs))
            self.expect(got.shape == want.shape, self.wrong_shape(args, kwargs, got, want))
            self.expect(np.allclose(got.astype(float), want, atol=self.atol), self.wrong_values(args, kwargs, got, want))


class ValueQuestion(Question):
    """A question whose answer is one number (or array) close to :meth:`expected`, within ``atol``/``rtol``."""

    atol = 1e-6
    rtol = 1e-6
    wrong_message = "Not the expected value."

    def expected(self, **values):
        raise NotImplementedError

    def answer(self, values):
        return values[self.variables[0]]

    def check_values(self, **values):
        got, want = self.answer(values), np.asarray(self.expected(**values), dtype=float)
        name = self.variables[0]
        if want.ndim == 0:
            self.expect(np.ndim(got) == 0 and not isinstance(got, (str, bytes)) and got is not None,
                        f"`{name}` should be one number; it is {describe_value(got)}.")
        self.expect(np.allclose(np.asarray(got, dtype=float), want, atol=self.atol, rtol=self.rtol), self.wrong_message)


class AccuracyQuestion(Question):
    """A trained classifier reaches its test-accuracy floor, which depends on the data set and the mode.

    The floor is the notebook's row in the table of image data sets (:func:`helpers.data.images.floor_for`),
    for the run being judged (``self.run``: its mode and ``dataset``).  Subclasses may set ``advice``, a
    sentence added to the failure message.  Labels may be integers or one-hot rows.
    """

    variables = ("model", "x_test", "y_test")
    advice = ""

    def check_values(self, model, x_test, y_test):
        self.expect(hasattr(model, "predict"), f"`model` should be your trained Keras model; it is "
                                               f"{describe_value(model)}.")
        mode, dataset = self.run.mode, self.run.dataset
        floor = floor_for(self.notebook, dataset, self.run.quick)
        labels = np.asarray(y_test)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
        predicted = np.asarray(self.call(model.predict, x_test, verbose=0, what="model.predict(x_test)"))
        self.expect(predicted.ndim == 2 and len(predicted) == len(labels),
                    f"Expected one row of class probabilities per test image; the model gave shape "
                    f"{predicted.shape} for {len(labels)} images.")
        accuracy = float(np.mean(predicted.argmax(axis=1) == labels))
        where = f"{image_set(dataset).title}, {mode} mode"
        self.expect(accuracy >= floor, f"Test accuracy is {accuracy:.1%}; it should be at least {floor:.0%} "
                                       f"({where}).{' ' + self.advice if self.advice else ''}")
        return f"Test accuracy {accuracy:.1%} (floor {floor:.0%}, {where})."
