"""Checks of ``helpers.questions.nb02_logistic_regression`` (02_logistic_regression): each question gets its
solution (correct), known-wrong answers (incorrect, without giving the answer away), other right answers and the
wrong answers that issue 22 found; its tables (``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``)
are at the end."""

import numpy as np

from checks.fakes import Broken, ModelLikeBroken, boom, compiled, exploding, seq, tf
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.questions import nb02_logistic_regression as logistic


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_logistic_numpy_parts(keras):
    import tensorflow as tf

    X = np.random.default_rng(0).normal(size=(10, 2))
    assert outcome(logistic.q1, X_b=np.c_[np.ones(10), X], X=X) == CORRECT
    assert outcome(logistic.q1, X_b=np.c_[X, np.ones(10)], X=X) == INCORRECT  # ones at the end
    assert outcome(logistic.q1, X_b=X, X=X) == INCORRECT
    assert outcome(logistic.q1, X_b=tf.constant(np.c_[np.ones(10), X]), X=X) == INCORRECT  # a tensor
    good = lambda w, X_b, y: X_b.T @ (2 * (_sig(X_b @ w) - y) * (_sig(X_b @ w) - _sig(X_b @ w) ** 2)) / len(y)  # noqa
    assert outcome(logistic.q2, grad_mse=good) == CORRECT
    assert outcome(logistic.q2, grad_mse=lambda w, X_b, y: -good(w, X_b, y)) == INCORRECT  # sign error
    assert outcome(logistic.q2, grad_mse=lambda w, X_b, y: X_b.T @ (_sig(X_b @ w) - y) / len(y)) == INCORRECT
    # issue 22: the loss is the real MSE (Keras's "mse"), so the gradient of ½·MSE is half of it: said so
    half = logistic.q2.evaluate(grad_mse=lambda w, X_b, y: good(w, X_b, y) / 2)
    assert half.outcome == INCORRECT and "half" in half.message and "factor 2" in half.message
    assert outcome(logistic.q2, grad_mse=lambda w, X_b, y: good(w, X_b, y) / 2) == INCORRECT
    X_b = np.c_[np.ones(4), [[0, 0], [0, 1], [3, 3], [3, 4]]]
    y = np.array([0, 0, 1, 1])
    assert outcome(logistic.q3, w=np.array([-3.0, 1, 1]), X_b=X_b, y=y) == CORRECT
    assert outcome(logistic.q3, w=np.zeros(3), X_b=X_b, y=y) == INCORRECT  # untrained
    assert "train longer" not in logistic.q3.evaluate(w=np.zeros(3), X_b=X_b, y=y).message
    assert "(1.0)" in " ".join(logistic.q3.hint_text)  # the learning rate the cell sets, not another one


def test_logistic_gates():
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(20 * a + 20 * b - 30)) == CORRECT
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(20 * a + 20 * b - 10)) == INCORRECT  # that is OR
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(a + b - 1.5)) == INCORRECT  # too soft


def _logreg(keras, *layers, shape=(2,), loss="binary_crossentropy", optimizer=None, metrics=("accuracy",)):
    model = seq(keras, shape, *(layers or (keras.layers.Dense(1, activation="sigmoid"),)))
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.5), loss=loss, metrics=list(metrics))
    return model


def test_logistic_keras_model_right_answers(keras):
    L = keras.layers
    assert outcome(logistic.q4, model=_logreg(keras)) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(1), L.Activation("sigmoid"))) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, loss=keras.losses.binary_crossentropy)) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, loss=keras.losses.BinaryCrossentropy())) == CORRECT
    inputs = keras.Input(shape=(2,))
    functional = keras.Model(inputs, L.Dense(1, activation="sigmoid")(inputs))
    functional.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="bce", metrics=["accuracy"])
    assert outcome(logistic.q4, model=functional) == CORRECT


def test_logistic_keras_model_accepts_every_matching_output_and_loss(keras):
    """Issue 22: "you decide the output layer and the loss": scores (logits) with a loss told so, and two
    softmax probabilities with the loss for integer labels, are right too; the later cells train and evaluate
    them on the 0/1 labels (tests/test_teaching_later_cells.py)."""
    L, losses = keras.layers, keras.losses
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(1), loss=losses.BinaryCrossentropy(from_logits=True))) \
        == CORRECT
    note = logistic.q4.evaluate(model=_logreg(keras, L.Dense(1), loss=losses.BinaryCrossentropy(from_logits=True)))
    assert "threshold" in note.message  # the "accuracy" metric of a logit model compares the scores with 0.5
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(1), loss=losses.BinaryCrossentropy(from_logits=True),
                                              metrics=(keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy"),))
                   ) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(2, activation="softmax"),
                                              loss="sparse_categorical_crossentropy")) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(2), L.Softmax(),
                                              loss=losses.SparseCategoricalCrossentropy())) == CORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(2),
                                              loss=losses.SparseCategoricalCrossentropy(from_logits=True))) == CORRECT


def test_logistic_keras_model_rejects_the_sigmoid_applied_twice(keras):
    """Issue 22: a second sigmoid (a layer after the sigmoid unit, or a loss that applies its own) once passed, and
    then reversed the notebook's lesson in its own output: cross-entropy learnt more slowly than MSE."""
    L, losses = keras.layers, keras.losses
    for twice in (_logreg(keras, L.Dense(1, activation="sigmoid"), L.Activation("sigmoid")),
                  _logreg(keras, L.Dense(1), L.Activation("sigmoid"), L.Activation("sigmoid")),
                  _logreg(keras, L.Dense(1, activation="sigmoid"), loss=losses.BinaryCrossentropy(from_logits=True))):
        result = logistic.q4.evaluate(model=twice)
        assert result.outcome == INCORRECT and "twice" in result.message, result
        assert outcome(logistic.q4, model=twice) == INCORRECT
    softmax_twice = _logreg(keras, L.Dense(2, activation="softmax"),
                            loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "twice" in logistic.q4.evaluate(model=softmax_twice).message
    assert outcome(logistic.q4, model=softmax_twice) == INCORRECT


def test_logistic_keras_model_rejects_an_output_and_loss_that_do_not_match(keras):
    L = keras.layers
    scores = _logreg(keras, L.Dense(1))  # scores fed to a loss that expects probabilities
    assert "from_logits" in logistic.q4.evaluate(model=scores).message
    assert outcome(logistic.q4, model=scores) == INCORRECT
    one_hot = _logreg(keras, L.Dense(2, activation="softmax"), loss="categorical_crossentropy")  # fit on y fails
    assert "one-hot" in logistic.q4.evaluate(model=one_hot).message
    assert outcome(logistic.q4, model=one_hot) == INCORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(2, activation="softmax"))) == INCORRECT  # two-class loss
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(3, activation="softmax"),
                                              loss="sparse_categorical_crossentropy")) == INCORRECT
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(2, activation="sigmoid"),
                                              loss="sparse_categorical_crossentropy")) == INCORRECT


def test_logistic_keras_model_wrong_answers_that_once_passed(keras):
    L = keras.layers
    assert outcome(logistic.q4, model=_logreg(keras, shape=(3,))) == INCORRECT  # X_b's shape: the fit on X fails
    assert outcome(logistic.q4, model=_logreg(keras, metrics=())) == INCORRECT  # history["accuracy"] missing
    assert outcome(logistic.q4, model=_logreg(keras, optimizer="adam")) == INCORRECT  # the asked SGD
    assert outcome(logistic.q4, model=_logreg(keras, L.Dense(1, activation="relu"))) == INCORRECT
    assert outcome(logistic.q4, model=_logreg(keras, loss="mse")) == INCORRECT
    assert outcome(logistic.q4, model=_logreg(keras, loss=keras.losses.BinaryCrossentropy(from_logits=True))) == INCORRECT


def test_logistic_xor(keras):
    xor = seq(keras, (2,), keras.layers.Dense(2, activation="sigmoid"), keras.layers.Dense(1, activation="sigmoid"))
    xor.layers[0].set_weights([np.array([[20.0, -20.0], [20.0, -20.0]]), np.array([-10.0, 30.0])])  # OR, NAND
    xor.layers[1].set_weights([np.array([[20.0], [20.0]]), np.array([-30.0])])  # AND
    assert outcome(logistic.q6, xor_model=xor) == CORRECT
    single = seq(keras, (2,), keras.layers.Dense(1, activation="sigmoid"))
    assert outcome(logistic.q6, xor_model=single) == INCORRECT  # no hidden layer
    xor.layers[1].set_weights([np.array([[0.0], [0.0]]), np.array([-1.0])])
    assert outcome(logistic.q6, xor_model=xor) == INCORRECT  # wrong predictions


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    logistic.q1: ("np.c_", "np.ones(len(X))", "hstack"), logistic.q2: ("y_hat**2", "X_b.T @"),
    logistic.q3: ("learning_rate * grad_mse",), logistic.q4: ("binary_crossentropy", "\"sigmoid\"", "Dense(1"),
    logistic.q5: ("- 30", "20 * x1"), logistic.q6: ("tanh", "Dense(8"),
}

HINT_NEVER = {
    logistic.q1: ("np.c_[np.ones", "hstack([np.ones"), logistic.q2: ("X_b.T @", "y_hat - y_hat**2"),
    logistic.q3: ("learning_rate * grad_mse(", "w -= "), logistic.q4: ("Dense(1, activation",),
    logistic.q5: ("20 * x1 + 20 * x2 - 30",), logistic.q6: ("keras.layers.Dense(8, activation",),
}

X2 = np.random.default_rng(0).normal(size=(10, 2))
XB = np.c_[np.ones(10), X2]
Y2 = (X2.sum(axis=1) > 0).astype(float)


def logreg(K):
    inputs = K.Input(shape=(2,))
    model = K.Model(inputs, K.layers.Activation("sigmoid")(K.layers.Dense(1)(inputs)))
    return compiled(model, optimizer=K.optimizers.SGD(learning_rate=0.5), loss=K.losses.BinaryCrossentropy(),
                    metrics=["accuracy"])


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


ANSWERS = {
    logistic.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(X_b=np.c_[np.ones(10), X2], X=Broken())),
        ("wrong type: tensor", INCORRECT, lambda K: dict(X_b=tf().constant(XB), X=X2)),
        ("wrong type: None", INCORRECT, lambda K: dict(X_b=None, X=X2)),
        ("alternative: np.hstack", CORRECT, lambda K: dict(X_b=np.hstack([np.ones((10, 1)), X2]), X=X2)),
    ],
    logistic.q2: [
        ("raises", UNCHECKABLE, lambda K: dict(grad_mse=boom)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(grad_mse=lambda w, X_b, y: None)),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(grad_mse=lambda w, X_b, y: tf().constant(logistic.q2.reference(w, X_b, y)))),
        ("alternative: a loop over samples", CORRECT, lambda K: dict(grad_mse=_grad_loop)),
    ],
    logistic.q3: [
        ("raises", UNCHECKABLE, lambda K: dict(w=np.array([-3.0, 1, 1]), X_b=Broken(), y=Y2)),
        ("wrong type: a list", INCORRECT, lambda K: dict(w=[0.0, 1.0, 1.0], X_b=XB, y=Y2)),
        ("wrong type: None", INCORRECT, lambda K: dict(w=None, X_b=XB, y=Y2)),
        ("alternative: any separating weights", CORRECT, lambda K: dict(w=np.array([0.0, 5.0, 5.0]), X_b=XB, y=Y2)),
    ],
    logistic.q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=ModelLikeBroken())),
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
    logistic.q5: [
        ("raises", UNCHECKABLE, lambda K: dict(and_gate=boom)),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(and_gate=lambda a, b: [a, b])),
        ("wrong type: returns None", INCORRECT, lambda K: dict(and_gate=lambda a, b: None)),
        ("alternative: returns a tensor, other weights", CORRECT,
         lambda K: dict(and_gate=lambda a, b: tf().sigmoid(10.0 * a + 10.0 * b - 15.0))),
    ],
    logistic.q6: [
        ("raises", UNCHECKABLE,
         lambda K: dict(xor_model=exploding(K, K.layers.Dense(4, activation="tanh"),
                                            K.layers.Dense(1, activation="sigmoid"), shape=(2,)))),
        ("wrong type: a list of layers", INCORRECT, lambda K: dict(xor_model=[K.layers.Dense(1)])),
        ("alternative: Functional with relu and a separate sigmoid", CORRECT, lambda K: dict(xor_model=_xor_functional(K))),
    ],
}
