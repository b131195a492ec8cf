"""What learners hand to the checks, shared by the notebooks' checker tests: fake models, code that raises,
objects whose every use fails, and small builders.  Notebook-specific builders live in that notebook's file."""

import numpy as np

from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT
from helpers.run.state import set_mode

__all__ = ["DIGITS", "tf", "seq", "FakeModel", "Predicts", "PredictRaises", "boom", "Broken", "ModelLikeBroken",
           "exploding", "compiled", "solution_namespace", "labels_with_accuracy", "accuracy_floor_cases"]

#: 40 digit labels, each class four times.
DIGITS = np.arange(40) % 10


def tf():
    """TensorFlow, imported when a builder needs it (not at collection)."""
    import tensorflow

    return tensorflow


def seq(keras, shape, *layers):
    """``keras.Sequential`` on an input of ``shape``."""
    return keras.Sequential([keras.Input(shape=shape), *layers])


class FakeModel:
    """Predicts from a fixed table: one-hot of the given labels (perfect or wrong)."""

    def __init__(self, labels, classes=10):
        self.out = np.eye(classes)[np.asarray(labels)] if classes > 1 else np.asarray(labels, float)[:, None]

    def predict(self, x, verbose=0):
        return self.out[: len(x)]


class Predicts:
    """Predicts ``out`` whatever the input."""

    def __init__(self, out):
        self.out = out

    def predict(self, x, verbose=0):
        return self.out


class PredictRaises:
    """A model whose ``predict`` fails, as a model does when fed images of another shape."""

    def predict(self, x, verbose=0):
        raise ValueError("Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 to have "
                         "value 784, but received input with shape (None, 28)")


def boom(*args, **kwargs):
    """Learner code that indexes out of range."""
    raise IndexError("index 7 is out of bounds for axis 0 with size 5")


class Broken:
    """A learner object whose every use fails (an array-like built wrongly)."""

    shape = (1, 2)

    def numpy(self):
        raise RuntimeError("this tensor was deleted")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("this tensor was deleted")


class ModelLikeBroken:
    """A Keras model whose every property that a check reads fails, as in a half-built learner model."""

    def __new__(cls):
        from helpers.run.device import import_tensorflow

        import_tensorflow()
        import keras

        class Model(keras.Sequential):
            """Once built, every property a check reads fails, as in a half-built learner model."""

            def _fail(self, fallback):
                if self.__dict__.get("_armed"):
                    raise RuntimeError("The layer sequential has never been called and thus has no defined input.")
                return fallback

            loss = property(lambda self: self._fail(None), lambda self, value: None)
            input_shape = property(lambda self: self._fail(None))
            layers = property(lambda self: self._fail([]))

        model = Model()
        object.__setattr__(model, "_armed", True)
        return model


def exploding(K, *layers, shape):
    """A model whose structure is right but whose call fails, like a learner layer with a shape bug."""

    class Explode(K.layers.Layer):
        def compute_output_shape(self, input_shape):
            return input_shape

        def call(self, x):
            raise ValueError("Dimensions must be equal, but are 3 and 10")

    return K.Sequential([K.Input(shape=shape), *layers, Explode()])


def compiled(model, **kwargs):
    """``model``, compiled with ``kwargs``."""
    model.compile(**kwargs)
    return model


def solution_namespace(K, question, **extra):
    """The names a question's solution text defines, run as the learner would paste it."""
    import keras_tuner

    namespace = {"np": np, "keras": K, "kt": keras_tuner, **extra}
    exec(question.solution_text, namespace)  # noqa: S102 – the kit's own solution text
    return namespace


def labels_with_accuracy(accuracy, n=1000):
    """``(labels, predictions)``: ``n`` digit labels and predictions right for a fraction ``accuracy`` of them."""
    y = np.arange(n) % 10
    predicted = y.copy()
    predicted[: round(n * (1 - accuracy))] += 1
    return y, predicted % 10


def accuracy_floor_cases(q, quick_floor, keras):
    """An accuracy check (03 q4, 04 q4) at its quick-mode floor, just under it, untrained, and in full mode."""
    set_mode(True)
    y = np.arange(200) % 10
    x = np.zeros((200, 28, 28, 1))
    assert outcome(q, model=FakeModel(y), x_test=x, y_test=y) == CORRECT
    assert outcome(q, model=FakeModel(y), x_test=x, y_test=np.eye(10)[y]) == CORRECT  # one-hot labels too
    wrong = y.copy()
    wrong[: int(200 * (1 - quick_floor)) + 2] += 1
    assert outcome(q, model=FakeModel(wrong % 10), x_test=x, y_test=y) == INCORRECT  # just under the floor
    untrained = seq(keras, (28, 28, 1), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax"))
    digits = np.random.default_rng(0).random((200, 28, 28, 1))
    assert outcome(q, model=untrained, x_test=digits, y_test=y) == INCORRECT
    set_mode(False)
    just_quick = y.copy()
    just_quick[: int(200 * (1 - quick_floor)) - 1] += 1
    assert outcome(q, model=FakeModel(just_quick % 10), x_test=x, y_test=y) == INCORRECT  # full floor is higher
