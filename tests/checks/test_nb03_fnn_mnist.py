"""Checks of ``helpers.questions.nb03_fnn_mnist`` (03_fnn_mnist): every question gets its correct answer,
known-wrong answers (incorrect, without giving the answer away) and the ``____`` blank (not attempted); its tables
(``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at the end."""

import numpy as np
import pytest

from checks.fakes import DIGITS, Broken, ModelLikeBroken, PredictRaises, Predicts, accuracy_floor_cases, compiled
from checks.fakes import exploding, tf
from giveaways import outcome
from helpers import ____
from helpers.run.state import set_mode
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED, UNCHECKABLE
from helpers.questions import nb03_fnn_mnist as fnn_mnist
from helpers.questions.nb03_fnn_mnist import q1, q2, q3, q4, q5


@pytest.fixture
def quick(monkeypatch):
    """Pretend the last setup() chose quick mode (the checker's floor depends on it)."""
    set_mode(True)


def classifier(keras, hidden=(256,), hidden_activation="relu", units=10, output="softmax", flatten=True,
               dropout=0.2, l2=None, bias_l2=None, output_l2=None, dropout_after_output=False, l2_layers=None):
    """A small Sequential model for 28×28 inputs, varied one way at a time."""
    layers = [keras.Input(shape=(28, 28))] + ([keras.layers.Flatten()] if flatten else [])
    for k, n in enumerate(hidden):
        reg = keras.regularizers.l2(l2) if l2 and (l2_layers is None or k in l2_layers) else None
        layers.append(keras.layers.Dense(n, activation=hidden_activation, kernel_regularizer=reg,
                                         bias_regularizer=keras.regularizers.l2(bias_l2) if bias_l2 else None))
        if dropout is not None:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(units, activation=output,
                                     kernel_regularizer=keras.regularizers.l2(output_l2) if output_l2 else None))
    if dropout_after_output:
        layers.append(keras.layers.Dropout(0.5))
    return keras.Sequential(layers)


class FakeModel:
    """Duck-typed model whose ``predict`` returns a fixed table of probabilities."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype="float32")

    def predict(self, x, verbose=0):
        assert verbose == 0
        return self.probabilities[: len(x)]


# --- q1: one-hot labels ---------------------------------------------------------------------------------------------
def test_q1_one_hot(keras):
    y = np.array([3, 0, 9, 1, 1, 7], dtype="uint8")
    v = np.array([2, 2, 5], dtype="uint8")
    good_val = dict(y_val_onehot=np.eye(10)[v], y_val=v)
    assert outcome(q1, y_train_onehot=keras.utils.to_categorical(y, 10), y_train=y, **good_val) == CORRECT
    assert outcome(q1, y_train_onehot=np.eye(10, dtype=int)[y], y_train=y, **good_val) == CORRECT
    assert outcome(q1, y_train_onehot=y, y_train=y, **good_val) == INCORRECT  # still integer labels
    assert outcome(q1, y_train_onehot=np.eye(10)[y][:-1], y_train=y, **good_val) == INCORRECT  # a row missing
    assert outcome(q1, y_train_onehot=np.eye(12)[y], y_train=y, **good_val) == INCORRECT  # wrong number of columns
    assert outcome(q1, y_train_onehot=np.eye(10)[(y + 1) % 10], y_train=y, **good_val) == INCORRECT  # shifted
    assert outcome(q1, y_train_onehot=np.eye(10)[y] * 2, y_train=y, **good_val) == INCORRECT  # not 0/1
    # the second blank counts too: 03 q1's solution once forgot y_val_onehot and model.fit crashed later
    assert outcome(q1, y_train_onehot=np.eye(10)[y], y_train=y, y_val_onehot=____, y_val=v) == NOT_ATTEMPTED
    assert outcome(q1, y_train_onehot=np.eye(10)[y], y_train=y, y_val_onehot=v, y_val=v) == INCORRECT
    result = q1.evaluate(y_train_onehot=np.eye(10)[y], y_train=y, **good_val)
    assert "argmax" in result.message  # the note reminds of the way back


# --- q2: the network --------------------------------------------------------------------------------------------------
def test_q2_correct_models(keras):
    assert outcome(q2, model=classifier(keras)) == CORRECT
    # Activation given as a separate layer, softmax as its own layer, Reshape for Flatten: fine too.
    separate = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Reshape((784,)), keras.layers.Dense(256),
                                 keras.layers.ReLU(), keras.layers.Dropout(0.2), keras.layers.Dense(10),
                                 keras.layers.Softmax()])
    assert outcome(q2, model=separate) == CORRECT
    functional_in = keras.Input(shape=(28, 28))
    hidden = keras.layers.Dense(256, activation=keras.activations.relu)(keras.layers.Flatten()(functional_in))
    functional = keras.Model(functional_in, keras.layers.Dense(10, activation="softmax")(keras.layers.Dropout(0.2)(hidden)))
    assert outcome(q2, model=functional) == CORRECT


@pytest.mark.parametrize("change", [
    dict(units=1), dict(units=9),  # wrong output size
    dict(output="sigmoid"), dict(output="relu"), dict(output=None),  # not probabilities over the classes
    dict(hidden=()),  # no hidden layer
    dict(hidden_activation="sigmoid"), dict(hidden_activation=None),  # hidden layer not ReLU
    dict(flatten=False),  # Dense layers on 28×28 images
    dict(dropout=None), dict(dropout=0.5),  # the required Dropout(0.2) missing or another rate
    dict(hidden=(128,)), dict(hidden=(256, 256)),  # not the asked hidden layer
])
def test_q2_wrong_models(keras, change):
    assert outcome(q2, model=classifier(keras, **change)) == INCORRECT


def test_q2_wrong_input_and_non_models(keras):
    other_input = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(16, activation="relu"),
                                    keras.layers.Dense(10, activation="softmax")])
    assert outcome(q2, model=other_input) == INCORRECT
    assert outcome(q2, model="a model") == INCORRECT
    assert outcome(q2, model=None) == INCORRECT


# --- q3: compile ------------------------------------------------------------------------------------------------------
def test_q3_correct_losses(keras):
    for loss in ("categorical_crossentropy", keras.losses.CategoricalCrossentropy(),
                 keras.losses.categorical_crossentropy):
        model = classifier(keras)
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        assert outcome(q3, model=model) == CORRECT, loss
    model = classifier(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["acc", "accuracy"])
    assert outcome(q3, model=model) == CORRECT
    model = classifier(keras)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    assert outcome(q3, model=model) == INCORRECT  # the stub asks to keep Adam
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    assert outcome(q3, model=model) == INCORRECT  # the cells below plot history["accuracy"]


@pytest.mark.parametrize("loss", ["mse", "mean_absolute_error", "sparse_categorical_crossentropy",
                                  "binary_crossentropy", "categorical_hinge", "kl_divergence"])
def test_q3_wrong_losses(keras, loss):
    model = classifier(keras)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    assert outcome(q3, model=model) == INCORRECT


def test_q3_wrong_loss_objects_and_uncompiled(keras):
    for loss in (keras.losses.SparseCategoricalCrossentropy(), keras.losses.CategoricalCrossentropy(from_logits=True),
                 keras.losses.MeanSquaredError()):
        model = classifier(keras)
        model.compile(optimizer="adam", loss=loss)
        assert outcome(q3, model=model) == INCORRECT, loss
    assert outcome(q3, model=classifier(keras)) == INCORRECT  # not compiled
    model = classifier(keras)
    model.compile(optimizer="adam", loss=____)
    assert outcome(q3, model=model) == NOT_ATTEMPTED  # the exercise stub, unfilled


# --- q4: accuracy floor -------------------------------------------------------------------------------------------------
Y = np.arange(200) % 10
X = np.zeros((200, 28, 28), dtype="float32")


def with_errors(labels, n_wrong):
    """One-hot predictions with the first ``n_wrong`` labels shifted to another class."""
    predicted = labels.copy()
    predicted[:n_wrong] = (predicted[:n_wrong] + 1) % 10
    return np.eye(10)[predicted]


def test_q4_perfect_and_just_above_the_floor(quick):
    assert outcome(q4, model=FakeModel(np.eye(10)[Y]), x_test=X, y_test=Y) == CORRECT
    assert outcome(q4, model=FakeModel(np.eye(10)[Y]), x_test=X, y_test=np.eye(10)[Y]) == CORRECT  # one-hot y_test
    assert outcome(q4, model=FakeModel(with_errors(Y, 14)), x_test=X, y_test=Y) == CORRECT  # 93.0%
    assert "93.0%" in q4.evaluate(model=FakeModel(with_errors(Y, 14)), x_test=X, y_test=Y).message


def test_q4_wrong_models_fail(quick):
    assert outcome(q4, model=FakeModel(with_errors(Y, 15)), x_test=X, y_test=Y) == INCORRECT  # 92.5%
    uniform = np.full((200, 10), 0.1)
    assert outcome(q4, model=FakeModel(uniform), x_test=X, y_test=Y) == INCORRECT  # argmax is always class 0
    random = np.random.default_rng(0).dirichlet(np.ones(10), size=200)
    assert outcome(q4, model=FakeModel(random), x_test=X, y_test=Y) == INCORRECT
    assert outcome(q4, model=FakeModel(np.eye(10)[Y][:100]), x_test=X, y_test=Y) == INCORRECT  # too few rows


def test_q4_full_mode_floor_is_higher(monkeypatch):
    set_mode(False)
    assert outcome(q4, model=FakeModel(with_errors(Y, 10)), x_test=X, y_test=Y) == INCORRECT  # 95% < 97%
    assert outcome(q4, model=FakeModel(with_errors(Y, 6)), x_test=X, y_test=Y) == CORRECT  # 97%


def test_q4_untrained_keras_model_fails(keras, quick):
    untrained = classifier(keras)
    untrained.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    digits = np.random.default_rng(1).random((200, 28, 28)).astype("float32")
    assert outcome(q4, model=untrained, x_test=digits, y_test=Y) == INCORRECT


def test_accuracy_floors(keras):
    """The accuracy floor in quick and full mode (the same cases as 04 q4's)."""
    accuracy_floor_cases(fnn_mnist.q4, 0.93, keras)


# --- q5: L2 and dropout -------------------------------------------------------------------------------------------------
def test_q5_correct(keras):
    assert outcome(q5, regularized_model=classifier(keras, hidden=(128, 128), l2=1e-4, dropout=0.5)) == CORRECT
    assert outcome(q5, regularized_model=classifier(keras, hidden=(128, 128), l2=1e-3, dropout=0.2)) == CORRECT
    reg = lambda: keras.regularizers.L1L2(l1=1e-5, l2=1e-4)  # noqa: E731
    l1l2 = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(128, activation="relu", kernel_regularizer=reg()),
                             keras.layers.Dropout(0.3), keras.layers.Dense(128, kernel_regularizer=reg()),
                             keras.layers.Activation("relu"), keras.layers.Dropout(0.3),
                             keras.layers.Dense(10, activation="softmax")])
    assert outcome(q5, regularized_model=l1l2) == CORRECT


@pytest.mark.parametrize("change", [
    dict(dropout=0.5),  # no L2 penalty
    dict(l2=1e-4, dropout=None),  # no Dropout
    dict(l2=1e-4, dropout=0.5, l2_layers=(0,)),  # only one of the two hidden layers regularised
    dict(l2=1e-4, dropout=0.5, hidden=(128,)),  # not big_model's layers
    dict(bias_l2=1e-4, dropout=0.5),  # penalty on the biases instead of the weights
    dict(output_l2=1e-4, dropout=0.5),  # penalty only on the output layer
    dict(l2=1e-4, dropout=0.0),  # dropout that drops nothing
    dict(l2=1e-4, dropout_after_output=True),  # dropout after the probabilities
    dict(l2=1.0, dropout=0.5),  # penalty swamps the loss
    dict(l2=1e-4, dropout=0.5, units=1),  # no longer a 10-class classifier
    dict(l2=1e-4, dropout=0.5, output="sigmoid"),
    dict(l2=1e-4, dropout=0.5, hidden=()),  # no hidden layer
])
def test_q5_wrong(keras, change):
    assert outcome(q5, regularized_model=classifier(keras, **{"hidden": (128, 128), **change})) == INCORRECT


def test_q5_l1_is_not_l2(keras):
    l1 = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()] + [
        layer for _ in range(2) for layer in (
            keras.layers.Dense(128, activation="relu", kernel_regularizer=keras.regularizers.l1(1e-4)),
            keras.layers.Dropout(0.5))] + [keras.layers.Dense(10, activation="softmax")])
    assert outcome(q5, regularized_model=l1) == INCORRECT


def test_solution_texts_build_passing_models(keras):
    """The code shown by q2.solution() and q5.solution() passes its own check."""
    namespace = {"keras": keras}
    exec(q2.solution_text, namespace)  # noqa: S102 – our own constant
    assert outcome(q2, model=namespace["model"]) == CORRECT
    exec(q3.solution_text, namespace)  # noqa: S102
    assert outcome(q3, model=namespace["model"]) == CORRECT
    exec(q5.solution_text, namespace)  # noqa: S102
    assert outcome(q5, regularized_model=namespace["regularized_model"]) == CORRECT
    y = np.array([2, 5, 5, 0])
    exec(q1.solution_text, {"keras": keras, "y_train": y, "y_val": y[:2], **namespace}, scope := {})  # noqa: S102
    assert outcome(q1, y_train_onehot=scope["y_train_onehot"], y_val_onehot=scope["y_val_onehot"], y_train=y,
                   y_val=y[:2]) == CORRECT


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    q1: ("to_categorical",), q2: ("softmax", "Dense(10", "Flatten()"),
    q3: ("categorical_crossentropy", "CategoricalCrossentropy"), q4: ("model.fit",),
    q5: ("l2(1e-4)", "Dropout(0.5)", "kernel_regularizer="),
}

#: 03's hints once spelled out q2's layer list (h1, h3), q4's training line (h3) and q5's layers (h3).
HINT_NEVER = {
    q1: ("to_categorical(y_train, 10)",),
    q2: ("keras.Input(shape=(28, 28))", "keras.layers.Flatten()", "Dense(256, activation=\"relu\")",
         "Dense(10, activation=\"softmax\")", "Dense(<units>"),
    q3: ("loss=\"categorical_crossentropy\"",),
    q4: ("model.fit(x_train, y_train_onehot", "validation_data=(x_val, y_val_onehot)"),
    q5: ("kernel_regularizer=keras.regularizers.l2(", "kernel_regularizer=...", "Dropout(0.5)",
         "Dense(128, activation=\"relu\""),
}


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


ANSWERS = {
    q1: [
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
    q2: [
        ("raises", UNCHECKABLE, lambda K: dict(model=exploding(
            K, K.layers.Flatten(), K.layers.Dense(256, activation="relu"), K.layers.Dropout(0.2),
            K.layers.Dense(10, activation="softmax"), shape=(28, 28)))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("wrong type: a list of layers", INCORRECT, lambda K: dict(model=[K.layers.Flatten()])),
        ("alternative: Reshape, Activation and Softmax layers", CORRECT, lambda K: dict(model=fnn(K))),
        ("alternative: Functional", CORRECT, lambda K: dict(model=fnn_functional(K))),
    ],
    q3: [
        ("raises", UNCHECKABLE, lambda K: dict(model=ModelLikeBroken())),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("alternative: loss object, Adam object", CORRECT, lambda K: dict(model=compiled(
            fnn(K), optimizer=K.optimizers.Adam(), loss=K.losses.CategoricalCrossentropy(), metrics=["accuracy"]))),
    ],
    q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=PredictRaises(),
                                              x_test=np.zeros((40, 28, 28)), y_test=DIGITS)),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_test=np.zeros((40, 28, 28)), y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT, lambda K: dict(model=Predicts(np.eye(10)[DIGITS]),
                                                               x_test=np.zeros((40, 28, 28)), y_test=np.eye(10)[DIGITS])),
    ],
    q5: [
        ("raises", UNCHECKABLE, lambda K: dict(regularized_model=exploding(
            K, *fnn(K, hidden=(128, 128), dropout=0.5, l2=1e-4).layers, shape=(28, 28)))),
        ("wrong type: None", INCORRECT, lambda K: dict(regularized_model=None)),
        ("alternative: Activation layers, rate 0.3", CORRECT,
         lambda K: dict(regularized_model=fnn(K, hidden=(128, 128), dropout=0.3, l2=1e-3))),
    ],
}
