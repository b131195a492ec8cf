"""For every question of 01–05 and 07, three kinds of learner answer, all answered with feedback and never a traceback:

* ``raises``: learner code that raises while being checked (a function that indexes out of range, a model whose
  call fails, an object whose use fails) → *uncheckable*, naming what failed, with the one-line message;
* ``wrong type``: ``None``, a list, a tensor where an array is expected and the reverse → *incorrect*, saying
  what was expected and what it got;
* ``alternative``: a right answer written another way (Functional instead of Sequential, a loss function or
  object instead of a string, an activation as its own layer, other column names) → *correct*.
"""

import numpy as np
import pandas as pd
import pytest

from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.run.state import set_mode
from helpers.questions import nb01_warmup as n01
from helpers.questions import nb02_logistic_regression as n02
from helpers.questions import nb03_fnn_mnist as n03
from helpers.questions import nb04_cnn_mnist as n04
from helpers.questions import nb05_abalone_regression as n05
from helpers.questions import nb07_transfer_learning as n07


@pytest.fixture(scope="module")
def K(keras):
    """The ``keras`` fixture under a short name: these answers are built with ``K.layers...``."""
    return keras


def tf():
    import tensorflow

    return tensorflow


def boom(*args, **kwargs):
    raise IndexError("index 7 is out of bounds for axis 0 with size 5")


class Broken:
    """A learner object whose every use fails (an array-like built wrongly)."""

    shape = (1, 2)

    def numpy(self):
        raise RuntimeError("this tensor was deleted")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("this tensor was deleted")


def exploding(K, *layers, shape):
    """A model whose structure is right but whose call fails, like a learner layer with a shape bug."""

    class Explode(K.layers.Layer):
        def compute_output_shape(self, input_shape):
            return input_shape

        def call(self, x):
            raise ValueError("Dimensions must be equal, but are 3 and 10")

    return K.Sequential([K.Input(shape=shape), *layers, Explode()])


# --- the per-question answers: name -> (kind, expected outcome, values builder) --------------------------------
W, B = n01.W_TRUE, n01.B_TRUE
X2 = np.random.default_rng(0).normal(size=(10, 2))
XB = np.c_[np.ones(10), X2]
Y2 = (X2.sum(axis=1) > 0).astype(float)
DIGITS = np.arange(40) % 10


def cnn(K, *head, fun=False):
    L = K.layers
    body = [L.Rescaling(1 / 255), L.Conv2D(4, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(2)]
    if fun:
        inputs = K.Input(shape=(28, 28, 1))
        x = inputs
        for layer in body + [L.Flatten(), L.Dense(10), L.Softmax()]:
            x = layer(x)
        return K.Model(inputs, x)
    return K.Sequential([K.Input(shape=(28, 28, 1)), *body, L.Flatten(), *head])


def fnn(K, hidden=(256,), dropout=0.2, l2=None):
    L = K.layers
    layers = [K.Input(shape=(28, 28)), L.Reshape((784,))]
    for n in hidden:
        layers += [L.Dense(n, kernel_regularizer=K.regularizers.l2(l2) if l2 else None), L.Activation("relu"),
                   L.Dropout(dropout)]
    return K.Sequential(layers + [L.Dense(10), L.Softmax()])


def fnn_functional(K):
    L = K.layers
    inputs = K.Input(shape=(28, 28))
    x = L.Dropout(0.2)(L.Dense(256, activation="relu")(L.Flatten()(inputs)))
    return K.Model(inputs, L.Dense(10, activation="softmax")(x))


def compiled(model, **kwargs):
    model.compile(**kwargs)
    return model


def logreg(K):
    inputs = K.Input(shape=(2,))
    model = K.Model(inputs, K.layers.Activation("sigmoid")(K.layers.Dense(1)(inputs)))
    return compiled(model, optimizer=K.optimizers.SGD(learning_rate=0.5), loss=K.losses.BinaryCrossentropy(),
                    metrics=["accuracy"])


def abalone_df():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((60, 7)), columns=list(n05.MEASUREMENTS))
    df.insert(0, "sex", np.array(["M", "F", "I"])[np.arange(60) % 3])
    df["rings"] = rng.integers(1, 29, 60)
    return df


def regression(K, normalizer):
    L = K.layers
    inputs = K.Input(shape=(10,))
    x = normalizer(inputs)
    for units in (16, 8):
        x = L.Dense(units, activation="relu")(x)
    model = K.Model(inputs, L.Dense(1)(x))
    return compiled(model, optimizer="adam", loss=K.losses.mean_squared_error, metrics=["mae"])


def trained_dense2(K):
    inputs = K.Input(shape=(5,))
    model = K.Model(inputs, K.layers.Dense(2)(inputs))
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.01), loss=K.losses.MeanSquaredError())
    model.layers[-1].set_weights([W, np.zeros(2)])
    return model


def normalizer_of(K):
    layer = K.layers.Normalization()
    layer.adapt(np.random.default_rng(0).random((20, 10)).astype("float32"))
    return layer


class Predicts:
    def __init__(self, out):
        self.out = out

    def predict(self, x, verbose=0):
        return self.out


ANSWERS = {
    (n01, "q1"): [
        ("raises", UNCHECKABLE, lambda K: dict(z=Broken())),
        ("wrong type: array for a tensor", INCORRECT, lambda K: dict(z=np.ones((1, 5)) @ W + B)),
        ("wrong type: None", INCORRECT, lambda K: dict(z=None)),
        ("alternative: @ on tensors", CORRECT, lambda K: dict(z=tf().ones((1, 5)) @ tf().constant(W, "float32") + B)),
    ],
    (n01, "q2"): [
        ("raises", UNCHECKABLE, lambda K: dict(x=_recipe_float32()["x"][:9], y=_BrokenArray())),
        ("wrong type: tensors", INCORRECT, lambda K: dict(x=tf().ones((9, 5)), y=tf().ones((9, 2)))),
        ("wrong type: lists", INCORRECT, lambda K: dict(x=[[5.0] * 5], y=[[1.0, 2.0]])),
        ("alternative: generated in float32 directly", CORRECT, lambda K: _recipe_float32()),
    ],
    (n01, "q3"): [
        ("raises", UNCHECKABLE, lambda K: dict(W_hat=Broken(), b_hat=B, losses=list(range(200, 0, -1)))),
        ("wrong type: losses None", INCORRECT, lambda K: dict(W_hat=W, b_hat=B, losses=None)),
        ("wrong type: losses of tensors that are not numbers", INCORRECT,
         lambda K: dict(W_hat=W, b_hat=B, losses=[tf().ones(3)] * 200)),
        ("alternative: losses as a NumPy array, tensors for W and b", CORRECT,
         lambda K: dict(W_hat=tf().constant(W), b_hat=tf().constant(B), losses=np.linspace(9, 1, 150))),
    ],
    (n01, "q4"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_ModelLikeBroken(), x_mean=np.zeros(5), y_mean=np.zeros(2))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_mean=np.zeros(5), y_mean=np.zeros(2))),
        ("alternative: Functional, loss object", CORRECT,
         lambda K: dict(model=trained_dense2(K), x_mean=np.full(5, 7.5), y_mean=np.full(5, 7.5) @ W + B)),
    ],
    (n01, "q5"): [
        ("raises", UNCHECKABLE, lambda K: dict(logistic=boom)),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(logistic=lambda x, w, b: list(x))),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(logistic=lambda x, w, b: tf().sigmoid(tf().constant(b + w * x)))),
        ("alternative: written with exp(z) / (1 + exp(z))", CORRECT,
         lambda K: dict(logistic=lambda x, w, b: np.exp(b + w * x) / (1 + np.exp(b + w * x)))),
    ],
    (n02, "q1"): [
        ("raises", UNCHECKABLE, lambda K: dict(X_b=np.c_[np.ones(10), X2], X=Broken())),
        ("wrong type: tensor", INCORRECT, lambda K: dict(X_b=tf().constant(XB), X=X2)),
        ("wrong type: None", INCORRECT, lambda K: dict(X_b=None, X=X2)),
        ("alternative: np.hstack", CORRECT, lambda K: dict(X_b=np.hstack([np.ones((10, 1)), X2]), X=X2)),
    ],
    (n02, "q2"): [
        ("raises", UNCHECKABLE, lambda K: dict(grad_mse=boom)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(grad_mse=lambda w, X_b, y: None)),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(grad_mse=lambda w, X_b, y: tf().constant(n02.q2.reference(w, X_b, y)))),
        ("alternative: a loop over samples", CORRECT, lambda K: dict(grad_mse=_grad_loop)),
    ],
    (n02, "q3"): [
        ("raises", UNCHECKABLE, lambda K: dict(w=np.array([-3.0, 1, 1]), X_b=Broken(), y=Y2)),
        ("wrong type: a list", INCORRECT, lambda K: dict(w=[0.0, 1.0, 1.0], X_b=XB, y=Y2)),
        ("wrong type: None", INCORRECT, lambda K: dict(w=None, X_b=XB, y=Y2)),
        ("alternative: any separating weights", CORRECT, lambda K: dict(w=np.array([0.0, 5.0, 5.0]), X_b=XB, y=Y2)),
    ],
    (n02, "q4"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_ModelLikeBroken())),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("alternative: Functional, Dense + Activation, loss object", CORRECT, lambda K: dict(model=logreg(K))),
        ("alternative: scores with from_logits=True", CORRECT, lambda K: dict(model=compiled(
            K.Sequential([K.Input(shape=(2,)), K.layers.Dense(1)]), optimizer=K.optimizers.SGD(learning_rate=0.5),
            loss=K.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"]))),
        ("alternative: two softmax units, integer-label loss", CORRECT, lambda K: dict(model=compiled(
            K.Sequential([K.Input(shape=(2,)), K.layers.Dense(2), K.layers.Softmax()]),
            optimizer=K.optimizers.SGD(learning_rate=0.5), loss="sparse_categorical_crossentropy",
            metrics=["accuracy"]))),
    ],
    (n02, "q5"): [
        ("raises", UNCHECKABLE, lambda K: dict(and_gate=boom)),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(and_gate=lambda a, b: [a, b])),
        ("wrong type: returns None", INCORRECT, lambda K: dict(and_gate=lambda a, b: None)),
        ("alternative: returns a tensor, other weights", CORRECT,
         lambda K: dict(and_gate=lambda a, b: tf().sigmoid(10.0 * a + 10.0 * b - 15.0))),
    ],
    (n02, "q6"): [
        ("raises", UNCHECKABLE,
         lambda K: dict(xor_model=exploding(K, K.layers.Dense(4, activation="tanh"),
                                            K.layers.Dense(1, activation="sigmoid"), shape=(2,)))),
        ("wrong type: a list of layers", INCORRECT, lambda K: dict(xor_model=[K.layers.Dense(1)])),
        ("alternative: Functional with relu and a separate sigmoid", CORRECT, lambda K: dict(xor_model=_xor_functional(K))),
    ],
    (n03, "q1"): [
        ("raises", UNCHECKABLE, lambda K: dict(y_train_onehot=Broken(), y_val_onehot=np.eye(10)[DIGITS],
                                              y_train=DIGITS, y_val=DIGITS)),
        ("wrong type: lists", INCORRECT, lambda K: dict(y_train_onehot=np.eye(10)[DIGITS].tolist(),
                                                        y_val_onehot=np.eye(10)[DIGITS], y_train=DIGITS, y_val=DIGITS)),
        ("wrong type: None", INCORRECT, lambda K: dict(y_train_onehot=None, y_val_onehot=None,
                                                       y_train=DIGITS, y_val=DIGITS)),
        ("alternative: tf.one_hot tensors", CORRECT, lambda K: dict(y_train_onehot=tf().one_hot(DIGITS, 10),
                                                                   y_val_onehot=tf().one_hot(DIGITS, 10),
                                                                   y_train=DIGITS, y_val=DIGITS)),
    ],
    (n03, "q2"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=exploding(
            K, K.layers.Flatten(), K.layers.Dense(256, activation="relu"), K.layers.Dropout(0.2),
            K.layers.Dense(10, activation="softmax"), shape=(28, 28)))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("wrong type: a list of layers", INCORRECT, lambda K: dict(model=[K.layers.Flatten()])),
        ("alternative: Reshape, Activation and Softmax layers", CORRECT, lambda K: dict(model=fnn(K))),
        ("alternative: Functional", CORRECT, lambda K: dict(model=fnn_functional(K))),
    ],
    (n03, "q3"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_ModelLikeBroken())),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("alternative: loss object, Adam object", CORRECT, lambda K: dict(model=compiled(
            fnn(K), optimizer=K.optimizers.Adam(), loss=K.losses.CategoricalCrossentropy(), metrics=["accuracy"]))),
    ],
    (n03, "q4"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_PredictRaises(),
                                              x_test=np.zeros((40, 28, 28)), y_test=DIGITS)),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_test=np.zeros((40, 28, 28)), y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT, lambda K: dict(model=Predicts(np.eye(10)[DIGITS]),
                                                               x_test=np.zeros((40, 28, 28)), y_test=np.eye(10)[DIGITS])),
    ],
    (n03, "q5"): [
        ("raises", UNCHECKABLE, lambda K: dict(regularized_model=exploding(
            K, *fnn(K, hidden=(128, 128), dropout=0.5, l2=1e-4).layers, shape=(28, 28)))),
        ("wrong type: None", INCORRECT, lambda K: dict(regularized_model=None)),
        ("alternative: Activation layers, rate 0.3", CORRECT,
         lambda K: dict(regularized_model=fnn(K, hidden=(128, 128), dropout=0.3, l2=1e-3))),
    ],
    (n04, "q1"): [
        ("raises", UNCHECKABLE, lambda K: dict(conv2d_valid=boom)),
        ("wrong type: returns a tensor", INCORRECT, lambda K: dict(conv2d_valid=lambda im, k: tf().constant(
            n04._reference_conv(im, k)))),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(conv2d_valid=lambda im, k: n04._reference_conv(im, k).tolist())),
        ("alternative: vectorised with sliding_window_view", CORRECT, lambda K: dict(conv2d_valid=_conv_vectorised)),
    ],
    (n04, "q2"): [
        ("raises", UNCHECKABLE, lambda K: dict(max_pool=boom)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(max_pool=lambda fmap, size=2, stride=1: None)),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(max_pool=lambda f, size=2, stride=1: tf().constant(n04._reference_pool(f, size, stride)))),
        ("alternative: integer result", CORRECT,
         lambda K: dict(max_pool=lambda f, size=2, stride=1: n04._reference_pool(f, size, stride).astype(int))),
    ],
    (n04, "q3"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=exploding(
            K, K.layers.Rescaling(1 / 255), K.layers.Conv2D(4, 3), K.layers.BatchNormalization(), K.layers.ReLU(),
            K.layers.MaxPooling2D(),
            K.layers.Flatten(), K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1)))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("alternative: Functional with Softmax layer", CORRECT, lambda K: dict(model=cnn(K, fun=True))),
    ],
    (n04, "q4"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_PredictRaises(),
                                              x_test=np.zeros((40, 28, 28, 1)), y_test=DIGITS)),
        ("wrong type: a string", INCORRECT, lambda K: dict(model="cnn.keras", x_test=np.zeros((40, 28, 28, 1)),
                                                           y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT, lambda K: dict(model=Predicts(np.eye(10)[DIGITS]),
                                                               x_test=np.zeros((40, 28, 28, 1)), y_test=np.eye(10)[DIGITS])),
    ],
    (n04, "q5"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=cnn(K, K.layers.Dense(10, activation="softmax")),
                                              reloaded=exploding(K, K.layers.Flatten(), K.layers.Dense(10),
                                                                 shape=(28, 28, 1)),
                                              x_test=np.zeros((4, 28, 28, 1), "float32"))),
        ("wrong type: a path", INCORRECT, lambda K: dict(model=cnn(K, K.layers.Dense(10, activation="softmax")),
                                                         reloaded="cnn.keras", x_test=np.zeros((4, 28, 28, 1)))),
        ("alternative: a Functional model reloaded", CORRECT, lambda K: _reloaded_functional(K)),
    ],
    (n05, "q1"): [
        ("raises", UNCHECKABLE, lambda K: dict(features=_BrokenFrame(), df=abalone_df())),
        ("wrong type: a NumPy array", INCORRECT, lambda K: dict(features=np.zeros((60, 10)), df=abalone_df())),
        ("wrong type: None", INCORRECT, lambda K: dict(features=None, df=abalone_df())),
        ("alternative: columns F, I, M as booleans", CORRECT, lambda K: _plain_dummies()),
    ],
    (n05, "q2"): [
        ("raises", UNCHECKABLE, lambda K: dict(baseline_mae=2.0, y_train=Broken(), y_test=np.ones(5))),
        ("wrong type: a list", INCORRECT, lambda K: dict(baseline_mae=[2.0, 2.1], y_train=np.ones(5), y_test=np.ones(5))),
        ("wrong type: None", INCORRECT, lambda K: dict(baseline_mae=None, y_train=np.ones(5), y_test=np.ones(5))),
        ("alternative: a 0-d tensor", CORRECT, lambda K: dict(baseline_mae=tf().constant(1.0),
                                                             y_train=np.zeros(5), y_test=np.ones(5))),
    ],
    (n05, "q3"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_ModelLikeBroken(), normalizer=None)),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, normalizer=None)),
        ("alternative: Functional, loss function", CORRECT, lambda K: _regression_answer(K)),
    ],
    (n05, "q4"): [
        ("raises", UNCHECKABLE, lambda K: dict(model=_PredictRaises(), x_test=np.zeros((5, 10)),
                                              y_test=np.ones(5), y_train=np.ones(5))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_test=np.zeros((5, 10)), y_test=np.ones(5),
                                                       y_train=np.ones(5))),
        ("alternative: predictions as a column", CORRECT, lambda K: dict(
            model=Predicts(np.arange(5.0)[:, None]), x_test=np.zeros((5, 10)), y_test=np.arange(5.0),
            y_train=np.full(5, 10.0))),
    ],
}


class _BrokenArray(np.ndarray):
    """An array whose arithmetic fails (a learner subclass gone wrong)."""

    def __new__(cls):
        return np.full((9, 2), 1.0, "float32").view(cls)

    def __sub__(self, other):
        raise ValueError("operands could not be broadcast together with shapes (9,2) (9,5)")

    __rsub__ = __add__ = __radd__ = __sub__


class _ModelLikeBroken:
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


class _PredictRaises:
    def predict(self, x, verbose=0):
        raise ValueError("Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 to have "
                         "value 784, but received input with shape (None, 28)")


class _BrokenFrame:
    columns = list(n05.MEASUREMENTS) + ["F", "I", "M"]

    def to_numpy(self, *args):
        raise TypeError("cannot convert the series to float")

    def __len__(self):
        raise TypeError("object of type '_BrokenFrame' has no len()")


def _recipe_float32():
    rng = np.random.default_rng(1)
    x = rng.uniform(5, 10, size=(400, 5)).astype(np.float32)
    y = (x @ W.astype(np.float32) + B.astype(np.float32) + rng.normal(0, 0.2, (400, 2)).astype(np.float32))
    return dict(x=x, y=y)


def _grad_loop(w, X_b, y):
    total = np.zeros_like(w, dtype=float)
    for row, target in zip(X_b, y):
        y_hat = 1 / (1 + np.exp(-row @ w))
        total += 2 * (y_hat - target) * y_hat * (1 - y_hat) * row
    return total / len(y)


def _xor_functional(K):
    inputs = K.Input(shape=(2,))
    hidden = K.layers.Dense(2, activation="relu")(inputs)
    model = K.Model(inputs, K.layers.Activation("sigmoid")(K.layers.Dense(1)(hidden)))
    model.layers[1].set_weights([np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0])])  # h1 = a+b, h2 = a+b-1
    model.layers[2].set_weights([np.array([[10.0], [-20.0]]), np.array([-5.0])])  # 10 h1 - 20 h2 - 5
    return model


def _conv_vectorised(image, kernel):
    from numpy.lib.stride_tricks import sliding_window_view

    return np.einsum("ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel)


def _reloaded_functional(K):
    model = cnn(K, fun=True)
    clone = K.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return dict(model=model, reloaded=clone, x_test=np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32"))


def _plain_dummies():
    df = abalone_df()
    return dict(features=pd.concat([df[list(n05.MEASUREMENTS)], pd.get_dummies(df["sex"])], axis=1), df=df)


def _regression_answer(K):
    normalizer = normalizer_of(K)
    return dict(model=regression(K, normalizer), normalizer=normalizer)


def frozen_base(K, trainable=False):
    L = K.layers
    base = K.Sequential([K.Input(shape=(28, 28, 1)), L.Rescaling(1 / 255), L.Conv2D(4, 3, padding="same"),
                         L.MaxPooling2D(2), L.BatchNormalization(), L.ReLU()], name="base")
    base.trainable = trainable
    return base


def transfer_sequential(K, base, *extra):
    """07's transfer model written as a Sequential (an alternative to the Functional solution)."""
    L = K.layers
    return K.Sequential([K.Input(shape=(28, 28, 1)), base, L.Flatten(), L.Dropout(0.4), *extra,
                         L.Dense(10, activation="softmax")])


def _transfer(K, trainable=False, explode=False):
    base = frozen_base(K, trainable)
    model = transfer_sequential(K, base)
    if explode:
        model = exploding(K, base, K.layers.Flatten(), K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1))
    return dict(transfer_model=model, base=base)


def _fine_tuned(K, explode=False):
    values = _transfer(K, trainable=True, explode=explode)
    for layer in values["base"].layers:  # 07 q3: the batch normalisation stays frozen while fine-tuning
        if isinstance(layer, K.layers.BatchNormalization):
            layer.trainable = False
    values["optimizer"] = K.optimizers.Adam(1e-4)
    values["transfer_model"].compile(optimizer=values["optimizer"], loss=K.losses.SparseCategoricalCrossentropy(),
                                     metrics=["accuracy"])
    return values


def _scratch(K, explode=False):
    values = _transfer(K)
    fresh = frozen_base(K, trainable=True)
    values["scratch_model"] = (exploding(K, fresh, K.layers.Flatten(), K.layers.Dropout(0.4),
                                         K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1))
                               if explode else transfer_sequential(K, fresh))
    return values


ANSWERS.update({
    (n07, "q1"): [
        ("raises", UNCHECKABLE, lambda K: _transfer(K, explode=True)),
        ("wrong type: None", INCORRECT, lambda K: dict(_transfer(K), transfer_model=None)),
        ("alternative: Sequential around the base", CORRECT, lambda K: _transfer(K)),
    ],
    (n07, "q2"): [
        ("raises", UNCHECKABLE, lambda K: _scratch(K, explode=True)),
        ("wrong type: a path", INCORRECT, lambda K: dict(_scratch(K), scratch_model="scratch.keras")),
        ("alternative: the same network written out", CORRECT, lambda K: _scratch(K)),
    ],
    (n07, "q3"): [
        ("raises", UNCHECKABLE, lambda K: _fine_tuned(K, explode=True)),
        ("wrong type: a learning rate for the optimizer", INCORRECT, lambda K: dict(_fine_tuned(K), optimizer=1e-4)),
        ("alternative: a loss object", CORRECT, lambda K: _fine_tuned(K)),
    ],
})

CASES = [(module, name, kind, expected, build) for (module, name), answers in ANSWERS.items()
         for kind, expected, build in answers]


def test_every_question_has_all_three_kinds():
    for module in (n01, n02, n03, n04, n05, n07):
        for name in module.__all__:
            kinds = [kind.split(":")[0] for kind, _, _ in ANSWERS[(module, name)]]
            assert {"raises", "wrong type", "alternative"} <= set(kinds), (module.__name__, name, kinds)


@pytest.mark.parametrize("module, name, kind, expected, build", CASES,
                         ids=[f"{m.__name__.split('.nb')[1][:2]}-{n}-{k}" for m, n, k, _, _ in CASES])
def test_learner_answer_gets_feedback_not_a_traceback(K, module, name, kind, expected, build):
    set_mode(True)
    question = getattr(module, name)
    values = build(K)
    result = question.evaluate(**values)
    assert result.outcome == expected, (kind, result)
    assert outcome(question, **values) == expected  # and the message gives nothing away
    assert "Traceback" not in result.message and len(result.message) < 600
    if expected == UNCHECKABLE:
        assert "raised" in result.message and result.error is not None
