"""Checks of ``helpers.questions.nb08_sequences`` (08_sequences): for every question its solution, right answers
written another way (correct), known wrong answers (incorrect, with a reason that gives nothing away: see ``NEVER``),
learner code that raises (uncheckable) and wrong types (incorrect).  Its tables (``NEVER``, ``HINT_NEVER``,
``ANSWERS``: see ``tests/giveaways.py``) are at the end."""

import numpy as np
import pytest

from checks.fakes import DIGITS, FakeModel, PredictRaises, boom, exploding, labels_with_accuracy, solution_namespace
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.data.images import floor_for
from helpers.questions import nb08_sequences as n08
from helpers.run import state
from helpers.run.setup import Run


@pytest.fixture(autouse=True)
def quick_mode():
    state.set_mode(True)


# --- 08 q1: the last hidden state by hand -------------------------------------------------------------------------
def _states(sequence, W_x, W_h, b, step=lambda z: np.tanh(z), start=None, transpose=False):
    h = np.zeros(W_h.shape[0]) if start is None else start(W_h.shape[0])
    out = []
    for x_t in sequence:
        h = step(x_t @ W_x + (W_h @ h if transpose else h @ W_h) + b)
        out.append(h)
    return np.array(out)


def _last_by_index(sequence, W_x, W_h, b):
    h = np.zeros(len(b))
    for t in range(len(sequence)):
        h = np.tanh(np.dot(sequence[t], W_x) + np.dot(h, W_h) + b)
    return h


@pytest.mark.parametrize("answer", [
    lambda s, W_x, W_h, b: _states(s, W_x, W_h, b)[-1],
    _last_by_index,
    lambda s, W_x, W_h, b: _states(s, W_x, W_h, b)[-1].astype("float32"),
], ids=["states then last", "index loop with np.dot", "float32 result"])
def test_08_q1_right_answers(answer, K):
    assert outcome(n08.q1, last_hidden_state=solution_namespace(K, n08.q1)["last_hidden_state"]) == CORRECT
    assert outcome(n08.q1, last_hidden_state=answer) == CORRECT


@pytest.mark.parametrize("answer, says", [
    (lambda s, W_x, W_h, b: _states(s, W_x, W_h, b), "one state per step"),
    (lambda s, W_x, W_h, b: np.tanh(s[-1] @ W_x + b), "last row only"),
    (lambda s, W_x, W_h, b: _states(s, W_x, W_h, b, step=lambda z: np.maximum(z, 0))[-1], "tanh"),
    (lambda s, W_x, W_h, b: _states(s, W_x, W_h, b, transpose=True)[-1], "Rows are samples"),
    (lambda s, W_x, W_h, b: _states(s, W_x, W_h, b)[0], "after the first row"),
    (lambda s, W_x, W_h, b: _states(s, W_x, W_h, b, start=np.ones)[-1], "state of zeros"),
], ids=["every state", "no recurrence", "relu", "W_h on the left", "first state", "starts at ones"])
def test_08_q1_wrong_answers(answer, says):
    result = n08.q1.evaluate(last_hidden_state=answer)
    assert result.outcome == INCORRECT and says in result.message, result.message
    assert outcome(n08.q1, last_hidden_state=answer) == INCORRECT


def test_08_q1_raises_and_wrong_types():
    import tensorflow as tf

    assert outcome(n08.q1, last_hidden_state=boom) == UNCHECKABLE
    assert outcome(n08.q1, last_hidden_state=lambda s, W_x, W_h, b: None) == INCORRECT
    assert outcome(n08.q1, last_hidden_state=lambda s, W_x, W_h, b: list(_states(s, W_x, W_h, b)[-1])) == INCORRECT
    as_tensor = lambda s, W_x, W_h, b: tf.constant(_states(s, W_x, W_h, b)[-1])  # noqa: E731
    assert outcome(n08.q1, last_hidden_state=as_tensor) == INCORRECT
    assert outcome(n08.q1, last_hidden_state=np.zeros(4)) == INCORRECT  # not a function


# --- 08 q2: the recurrent model -----------------------------------------------------------------------------------
def rnn(K, *middle, head=None, shape=(28, 28), rescale=True):
    L = K.layers
    head = head if head is not None else [L.Dense(10, activation="softmax")]
    return K.Sequential([K.Input(shape=shape), *([L.Rescaling(1 / 255)] if rescale else []), *middle, *head])


def functional_gru(K):
    L = K.layers
    inputs = K.Input(shape=(28, 28))
    x = L.GRU(32)(L.Rescaling(1 / 255)(inputs))
    return K.Model(inputs, L.Softmax()(L.Dense(10)(x)))


@pytest.mark.parametrize("build", [
    lambda K: solution_namespace(K, n08.q2)["model"],
    lambda K: rnn(K, K.layers.GRU(32)),
    functional_gru,
    lambda K: rnn(K, K.layers.Bidirectional(K.layers.LSTM(16))),
    lambda K: rnn(K, K.layers.LSTM(16, return_sequences=True), K.layers.LSTM(16)),
    lambda K: rnn(K, K.layers.LSTM(16), head=[K.layers.Dense(10), K.layers.Activation("softmax")]),
], ids=["solution", "GRU", "Functional GRU + Softmax", "Bidirectional", "stacked", "Dense + Activation"])
def test_08_q2_right_answers(K, build):
    assert outcome(n08.q2, model=build(K)) == CORRECT


@pytest.mark.parametrize("build, says", [
    (lambda K: rnn(K, K.layers.LSTM(16), rescale=False), "Rescaling"),
    (lambda K: rnn(K, K.layers.SimpleRNN(16)), "SimpleRNN"),
    (lambda K: rnn(K, K.layers.Flatten(), K.layers.Dense(32, activation="relu")), "recurrent layer"),
    (lambda K: rnn(K, K.layers.LSTM(16, return_sequences=True)), "one row per time step"),
    (lambda K: rnn(K, K.layers.Reshape((784, 1)), K.layers.LSTM(4), shape=(784,)), "28 time steps"),
    (lambda K: rnn(K, K.layers.LSTM(16), head=[K.layers.Dense(10, activation="sigmoid")]), "add up to 1"),
    (lambda K: rnn(K, K.layers.LSTM(16), head=[K.layers.Dense(1, activation="sigmoid")]), "10 class"),
], ids=["no Rescaling", "SimpleRNN", "no recurrent layer", "return_sequences on the last", "pixel by pixel",
        "sigmoid output", "one output unit"])
def test_08_q2_wrong_answers(K, build, says):
    model = build(K)
    result = n08.q2.evaluate(model=model)
    assert result.outcome == INCORRECT and says in result.message, result.message
    assert outcome(n08.q2, model=model) == INCORRECT


def test_08_q2_raises_and_wrong_types(K):
    broken = exploding(K, K.layers.Rescaling(1 / 255), K.layers.LSTM(8), K.layers.Dense(10, activation="softmax"),
                       shape=(28, 28))
    assert outcome(n08.q2, model=broken) == UNCHECKABLE
    assert outcome(n08.q2, model=None) == INCORRECT
    assert outcome(n08.q2, model=[K.layers.LSTM(8)]) == INCORRECT


# --- 08 q3: an LSTM's parameters -------------------------------------------------------------------------------------
def test_08_q3_right_answers_agree_with_keras(K):
    solution = solution_namespace(K, n08.q3)["lstm_parameters"]
    assert outcome(n08.q3, lstm_parameters=solution) == CORRECT
    closed_form = lambda features, units: 4 * units * (features + units + 1)  # noqa: E731
    assert outcome(n08.q3, lstm_parameters=closed_form) == CORRECT
    assert outcome(n08.q3, lstm_parameters=lambda f, u: float(closed_form(f, u))) == CORRECT
    for features, units in ((28, 128), (3, 10)):  # the solution is Keras' own count
        layer = K.layers.LSTM(units)
        layer.build((None, 5, features))
        assert solution(features, units) == layer.count_params()


@pytest.mark.parametrize("answer, says", [
    (lambda f, u: f * u + u * u + u, "one set of weights"),
    (lambda f, u: 4 * (f * u + u * u), "biases are missing"),
    (lambda f, u: 4 * (f * u + u), "recurrent weights are missing"),
    (lambda f, u: 3 * (f * u + u * u + 2 * u), "not right"),  # Keras' GRU
], ids=["SimpleRNN's count", "no biases", "no recurrent weights", "GRU's count"])
def test_08_q3_wrong_answers(answer, says):
    result = n08.q3.evaluate(lstm_parameters=answer)
    assert result.outcome == INCORRECT and says in result.message, result.message
    assert outcome(n08.q3, lstm_parameters=answer) == INCORRECT


def test_08_q3_raises_and_wrong_types():
    assert outcome(n08.q3, lstm_parameters=boom) == UNCHECKABLE
    assert outcome(n08.q3, lstm_parameters=lambda f, u: None) == INCORRECT
    assert outcome(n08.q3, lstm_parameters=80384) == INCORRECT  # a number, not a function


# --- 08 q4: accuracy floors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_08_q4_floor_per_dataset_and_mode(dataset, quick):
    state.set_mode(quick)
    state.activate(Run(quick=quick, seed=1, interactive=True, params={"dataset": dataset}))
    floor = floor_for("08_sequences", dataset, quick)
    x = np.zeros((1000, 28, 28))
    for accuracy, expected in ((floor + 0.002, CORRECT), (floor - 0.01, INCORRECT)):
        y, predicted = labels_with_accuracy(accuracy)
        assert outcome(n08.q4, model=FakeModel(predicted), x_test=x, y_test=y) == expected, (accuracy, floor)
    assert floor_for("08_sequences", "fashion", True) < floor_for("08_sequences", "mnist", True)


def test_08_q4_raises_and_wrong_types():
    class Raises:
        def predict(self, x, verbose=0):
            raise ValueError("Input 0 of layer \"lstm\" is incompatible with the layer: expected ndim=3, found ndim=4")

    y = np.arange(40) % 10
    assert outcome(n08.q4, model=Raises(), x_test=np.zeros((40, 28, 28, 1)), y_test=y) == UNCHECKABLE
    assert outcome(n08.q4, model="lstm.keras", x_test=np.zeros((40, 28, 28)), y_test=y) == INCORRECT
    assert outcome(n08.q4, model=FakeModel(y), x_test=np.zeros((40, 28, 28)), y_test=np.eye(10)[y]) == CORRECT


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    n08.q1: ("np.tanh(x_t", "h @ W_h", "x_t @ W_x", "np.zeros(W_h"), n08.q2: ("LSTM(128", "Dense(10", "softmax"),
    n08.q3: ("4 *", "4 ×", "one_set", "units + 1"), n08.q4: ("model.fit",),
}

#: 08 q3's second hint once gave the count in words: four sets of (features × units) + (units × units) + units.
HINT_NEVER = {
    n08.q1: ("np.tanh(x_t @ W_x", "h @ W_h", "np.zeros(W_h.shape"),
    n08.q2: ("keras.layers.LSTM(128)", "Rescaling(1 / 255)", "Dense(10, activation=\"softmax\")"),
    n08.q3: ("4 *", "4 ×", "four sets of", "(features × units) + (units × units)", "features * units"),
    n08.q4: ("model.fit(train_ds",),
}

ANSWERS = {
    n08.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(last_hidden_state=boom)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(last_hidden_state=lambda s, W_x, W_h, b: None)),
        ("wrong type: returns a list", INCORRECT,
         lambda K: dict(last_hidden_state=lambda s, W_x, W_h, b: list(_states(s, W_x, W_h, b)[-1]))),
        ("alternative: an index loop with np.dot", CORRECT, lambda K: dict(last_hidden_state=_last_by_index)),
    ],
    n08.q2: [
        ("raises", UNCHECKABLE, lambda K: dict(model=exploding(
            K, K.layers.Rescaling(1 / 255), K.layers.LSTM(8), K.layers.Dense(10, activation="softmax"),
            shape=(28, 28)))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("wrong type: a list of layers", INCORRECT, lambda K: dict(model=[K.layers.LSTM(8)])),
        ("alternative: Functional GRU with a Softmax layer", CORRECT, lambda K: dict(model=functional_gru(K))),
    ],
    n08.q3: [
        ("raises", UNCHECKABLE, lambda K: dict(lstm_parameters=boom)),
        ("wrong type: a number, not a function", INCORRECT, lambda K: dict(lstm_parameters=80384)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(lstm_parameters=lambda f, u: None)),
        ("alternative: the closed form", CORRECT,
         lambda K: dict(lstm_parameters=lambda features, units: 4 * units * (features + units + 1))),
    ],
    n08.q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=PredictRaises(), x_test=np.zeros((40, 28, 28, 1)), y_test=DIGITS)),
        ("wrong type: a file name", INCORRECT,
         lambda K: dict(model="lstm.keras", x_test=np.zeros((40, 28, 28)), y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT,
         lambda K: dict(model=FakeModel(DIGITS), x_test=np.zeros((40, 28, 28)), y_test=np.eye(10)[DIGITS])),
    ],
}
