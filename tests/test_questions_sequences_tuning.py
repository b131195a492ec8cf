"""Checks of 08 (sequences) and 09 (hyperparameter search): for every question its solution, right answers
written another way (correct), known wrong answers (incorrect, with a reason that gives nothing away: see
``giveaways.NEVER``), learner code that raises (uncheckable) and wrong types (incorrect).

The 09 searches here are tiny (2 trials of 1 epoch on a few hundred synthetic images) and run in this process.
"""

import numpy as np
import pytest

from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED, UNCHECKABLE
from helpers.data.images import floor_for
from helpers.questions import nb08_sequences as n08
from helpers.questions import nb09_hyperparameter_search as n09
from helpers.run import state
from helpers.run.setup import Run


@pytest.fixture(scope="module")
def K(keras):
    return keras


@pytest.fixture(autouse=True)
def quick_mode():
    state.set_mode(True)


def solution_namespace(K, question, **extra):
    """The names a question's solution text defines, run as the learner would paste it."""
    import keras_tuner

    namespace = {"np": np, "keras": K, "kt": keras_tuner, **extra}
    exec(question.solution_text, namespace)  # noqa: S102 – the kit's own solution text
    return namespace


def boom(*args, **kwargs):
    raise IndexError("index 28 is out of bounds for axis 0 with size 28")


def exploding(K, *layers, shape):
    """A model whose structure is right but whose call fails, like a learner layer with a shape bug."""

    class Explode(K.layers.Layer):
        def compute_output_shape(self, input_shape):
            return input_shape

        def call(self, x):
            raise ValueError("Dimensions must be equal, but are 128 and 10")

    return K.Sequential([K.Input(shape=shape), *layers, Explode()])


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


# --- 08 q4 and 09 q4: accuracy floors ------------------------------------------------------------------------------
class Predicts:
    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def predict(self, x, verbose=0):
        return np.eye(10)[self.labels[: len(x)]]


def labels_with_accuracy(accuracy, n=1000):
    y = np.arange(n) % 10
    predicted = y.copy()
    predicted[: round(n * (1 - accuracy))] += 1
    return y, predicted % 10


@pytest.mark.parametrize("dataset", ["mnist", "fashion"])
@pytest.mark.parametrize("quick", [True, False], ids=["quick", "full"])
def test_08_q4_floor_per_dataset_and_mode(dataset, quick):
    state.set_mode(quick)
    state.activate(Run(quick=quick, seed=1, interactive=True, params={"dataset": dataset}))
    floor = floor_for("08_sequences", dataset, quick)
    x = np.zeros((1000, 28, 28))
    for accuracy, expected in ((floor + 0.002, CORRECT), (floor - 0.01, INCORRECT)):
        y, predicted = labels_with_accuracy(accuracy)
        assert outcome(n08.q4, model=Predicts(predicted), x_test=x, y_test=y) == expected, (accuracy, floor)
    assert floor_for("08_sequences", "fashion", True) < floor_for("08_sequences", "mnist", True)


def test_08_q4_raises_and_wrong_types():
    class Raises:
        def predict(self, x, verbose=0):
            raise ValueError("Input 0 of layer \"lstm\" is incompatible with the layer: expected ndim=3, found ndim=4")

    y = np.arange(40) % 10
    assert outcome(n08.q4, model=Raises(), x_test=np.zeros((40, 28, 28, 1)), y_test=y) == UNCHECKABLE
    assert outcome(n08.q4, model="lstm.keras", x_test=np.zeros((40, 28, 28)), y_test=y) == INCORRECT
    assert outcome(n08.q4, model=Predicts(y), x_test=np.zeros((40, 28, 28)), y_test=np.eye(10)[y]) == CORRECT


# --- 09 q1: the search space ----------------------------------------------------------------------------------------
def fnn_builder(K, units=None, dropout=None, lr=None, compile_kw=None, functional=False, ret=True):
    """A build_model(hp) with each hyperparameter drawn the way the arguments say (None: the solution's way)."""
    L = K.layers

    def build_model(hp):
        n = units(hp) if units else hp.Int("units", 32, 512, step=32)
        rate = dropout(hp) if dropout else hp.Float("dropout", 0.0, 0.5, step=0.1)
        eta = lr(hp) if lr else hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
        if functional:
            inputs = K.Input(shape=(28, 28))
            x = L.Dropout(rate)(L.Dense(n, activation="relu")(L.Flatten()(inputs)))
            model = K.Model(inputs, L.Softmax()(L.Dense(10)(x)))
        else:
            model = K.Sequential([K.Input(shape=(28, 28)), L.Flatten(), L.Dense(n, activation="relu"),
                                  L.Dropout(rate), L.Dense(10, activation="softmax")])
        kw = dict(optimizer=K.optimizers.Adam(eta), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        kw.update(compile_kw or {})
        if kw.get("optimizer") is not None:
            model.compile(**kw)
        return model if ret else None

    return build_model


@pytest.mark.parametrize("build", [
    lambda K: solution_namespace(K, n09.q1)["build_model"],
    lambda K: fnn_builder(K, units=lambda hp: hp.Choice("units", [64, 128, 256])),
    lambda K: fnn_builder(K, lr=lambda hp: hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])),
    lambda K: fnn_builder(K, dropout=lambda hp: hp.Choice("dropout", [0.0, 0.2, 0.4]), functional=True),
    lambda K: fnn_builder(K, compile_kw={"loss": K.losses.SparseCategoricalCrossentropy()}),
], ids=["solution", "units by Choice", "learning rate by Choice of powers of ten", "Functional, dropout by Choice",
        "loss object"])
def test_09_q1_right_answers(K, build):
    assert outcome(n09.q1, build_model=build(K)) == CORRECT


@pytest.mark.parametrize("build, says", [
    (lambda K: fnn_builder(K, lr=lambda hp: hp.Float("learning_rate", 1e-4, 1e-2)), "log scale"),
    (lambda K: fnn_builder(K, units=lambda hp: (hp.Int("units", 32, 512, step=32), 256)[1]), "`units` does not"),
    (lambda K: fnn_builder(K, lr=lambda hp: hp.Float("learning_rate", 1e-4, 1e-2, sampling="log"),
                           compile_kw={"optimizer": "adam"}), "`learning_rate` does not"),
    (lambda K: fnn_builder(K, dropout=lambda hp: 0.2), "missing: `dropout`"),
    (lambda K: fnn_builder(K, lr=lambda hp: hp.Float("lr", 1e-4, 1e-2, sampling="log")), "missing: `learning_rate`"),
    (lambda K: fnn_builder(K, compile_kw={"optimizer": None}), "not compiled"),
    (lambda K: fnn_builder(K, compile_kw={"loss": "categorical_crossentropy"}), "integers"),
    (lambda K: fnn_builder(K, compile_kw={"metrics": []}), "accuracy metric"),
    (lambda K: fnn_builder(K, ret=False), "without `return`"),
], ids=["learning rate sampled evenly", "units drawn but not used", "learning rate drawn but not used",
        "dropout not a hyperparameter", "learning rate under another name", "not compiled", "one-hot loss",
        "no accuracy metric", "no return"])
def test_09_q1_wrong_answers(K, build, says):
    build_model = build(K)
    result = n09.q1.evaluate(build_model=build_model)
    assert result.outcome == INCORRECT and says in result.message, result.message
    assert outcome(n09.q1, build_model=build_model) == INCORRECT


def test_09_q1_raises_and_wrong_types(K):
    def build_model(hp):
        hp.Int("units", 32, 512, step=32)
        raise ValueError("Could not interpret optimizer identifier: 0.001")

    assert outcome(n09.q1, build_model=build_model) == UNCHECKABLE
    assert outcome(n09.q1, build_model=solution_namespace(K, n09.q1)["build_model"](__import__("keras_tuner")
                                                                                   .HyperParameters())) == INCORRECT
    assert outcome(n09.q1, build_model=None) == INCORRECT


# --- 09 q2: the tuner -----------------------------------------------------------------------------------------------
class _Seed:
    seed = 42


def tuner_of(K, directory, **kwargs):
    import keras_tuner as kt

    build_model = solution_namespace(K, n09.q1)["build_model"]
    settings = dict(objective="val_accuracy", max_trials=2, seed=1, directory=directory, project_name="p",
                    overwrite=True)
    settings.update(kwargs)
    kind = settings.pop("kind", kt.RandomSearch)
    return kind(build_model, **settings), build_model


def test_09_q2_solution_and_right_answers(K, tmp_path):
    import keras_tuner as kt

    namespace = solution_namespace(K, n09.q1, run=_Seed(), tuner_dir=str(tmp_path), max_trials=3)
    exec(n09.q2.solution_text, namespace)  # noqa: S102
    values = {k: namespace[k] for k in ("tuner", "build_model", "max_trials", "tuner_dir")}
    assert outcome(n09.q2, **values) == CORRECT
    tuner, build_model = tuner_of(K, str(tmp_path / "sub"), objective=kt.Objective("val_accuracy", direction="max"))
    assert outcome(n09.q2, tuner=tuner, build_model=build_model, max_trials=2, tuner_dir=tmp_path) == CORRECT


@pytest.mark.parametrize("change, says", [
    ({"objective": "accuracy"}, "training accuracy"),
    ({"objective": "val_loss"}, "validation accuracy"),
    ({"max_trials": 5}, "`max_trials` (2)"),
    ({"kind": "BayesianOptimization"}, "random search"),
    ({"directory": "elsewhere"}, "`tuner_dir`"),
], ids=["training accuracy", "validation loss", "other number of trials", "Bayesian optimisation",
        "files outside tuner_dir"])
def test_09_q2_wrong_answers(K, tmp_path, change, says):
    import keras_tuner as kt

    change = dict(change)
    if change.get("kind"):
        change["kind"] = getattr(kt, change["kind"])
    if change.get("directory"):
        change["directory"] = str(tmp_path / "elsewhere")
    folder = tmp_path / "tuner_dir"
    folder.mkdir()
    tuner, build_model = tuner_of(K, change.pop("directory", str(folder)), **change)
    values = dict(tuner=tuner, build_model=build_model, max_trials=2, tuner_dir=str(folder))
    result = n09.q2.evaluate(**values)
    assert result.outcome == INCORRECT and says in result.message, result.message
    assert outcome(n09.q2, **values) == INCORRECT


def test_09_q2_wrong_types_and_a_stale_build_model(K, tmp_path):
    tuner, _ = tuner_of(K, str(tmp_path))
    redefined = solution_namespace(K, n09.q1)["build_model"]  # the build_model cell was run again since
    result = n09.q2.evaluate(tuner=tuner, build_model=redefined, max_trials=2, tuner_dir=str(tmp_path))
    assert result.outcome == INCORRECT and "run this cell again" in result.message
    assert outcome(n09.q2, tuner=None, build_model=redefined, max_trials=2, tuner_dir=str(tmp_path)) == INCORRECT
    assert outcome(n09.q2, tuner="RandomSearch", build_model=redefined, max_trials=2,
                   tuner_dir=str(tmp_path)) == INCORRECT


# --- 09 q3: the search, scored on the validation split ------------------------------------------------------------------
def synthetic(n, noise, seed):
    """Learnable 28×28 'images': each class lights its own row band; ``noise`` makes a split harder."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.normal(0, noise, (n, 28, 28)).astype("float32")
    for k in range(10):
        x[y == k, 2 * k:2 * k + 3, :] += 1.0
    return x, y


@pytest.fixture(scope="module")
def splits():
    return {"train": synthetic(400, 0.5, 1), "val": synthetic(200, 0.5, 2), "test": synthetic(300, 2.0, 3)}


def searched(K, folder, splits, **search_kwargs):
    tuner, build_model = tuner_of(K, str(folder))
    x_train, y_train = splits["train"]
    tuner.search(x_train, y_train, epochs=1, batch_size=64, verbose=0, **search_kwargs)
    return tuner


def q3_values(tuner, splits, max_trials=2, scored_on="val"):
    (x_val, y_val), (x_test, y_test) = splits["val"], splits["test"]
    score_images, score_labels = splits[scored_on]
    return dict(tuner=tuner, max_trials=max_trials, score_images=score_images, score_labels=score_labels,
                x_val=x_val, y_val=y_val, x_test=x_test, y_test=y_test)


@pytest.mark.slow  # a real (tiny) search
def test_09_q3_validation_split_is_correct_test_split_is_not(K, tmp_path, splits):
    on_val = searched(K, tmp_path / "val", splits, validation_data=splits["val"])
    assert outcome(n09.q3, **q3_values(on_val, splits)) == CORRECT
    on_test = searched(K, tmp_path / "test", splits, validation_data=splits["test"])
    for scored_on in ("test", "val"):  # named as the test split, or searched on it while the names say otherwise
        result = n09.q3.evaluate(**q3_values(on_test, splits, scored_on=scored_on))
        assert result.outcome == INCORRECT and "scored on the test images" in result.message, result.message
        assert outcome(n09.q3, **q3_values(on_test, splits, scored_on=scored_on)) == INCORRECT
    split_off = searched(K, tmp_path / "split", splits, validation_split=0.25)  # another right answer
    assert outcome(n09.q3, **q3_values(split_off, splits)) == CORRECT


@pytest.mark.slow  # a real (tiny) search
def test_09_q3_before_the_search_and_too_few_trials(K, tmp_path, splits):
    fresh, _ = tuner_of(K, str(tmp_path / "fresh"))
    result = n09.q3.evaluate(**q3_values(fresh, splits))
    assert result.outcome == INCORRECT and "run the search" in result.message
    done = searched(K, tmp_path / "done", splits, validation_data=splits["val"])
    result = n09.q3.evaluate(**q3_values(done, splits, max_trials=4))
    assert result.outcome == INCORRECT and "2 of 4 trials" in result.message
    assert outcome(n09.q3, **dict(q3_values(done, splits), tuner=None)) == INCORRECT


def test_09_q3_search_text_runs_where_it_is_pasted(K, tmp_path, splits):
    (x_val, y_val), (x_test, y_test) = splits["val"], splits["test"]
    namespace = {"x_val": x_val, "y_val": y_val, "x_test": x_test, "y_test": y_test}
    exec(n09.q3.solution_text, namespace)  # noqa: S102 – the blank's line: which split scores the trials
    assert namespace["score_images"] is x_val and namespace["score_labels"] is y_val


# --- 09 q4: the retrained network -------------------------------------------------------------------------------------
def best_hp_with(units):
    import keras_tuner as kt

    hp = kt.HyperParameters()
    hp.Int("units", 32, 512, step=32)
    hp.Float("dropout", 0.0, 0.5, step=0.1)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    hp.values.update(units=units, dropout=0.1, learning_rate=1e-3)
    return hp


def retrained(K, units, accuracy):
    """A real network with ``units`` hidden units whose predictions reach ``accuracy`` on 1,000 labels."""
    model = fnn_builder(K)(best_hp_with(units))
    y, predicted = labels_with_accuracy(accuracy)
    model.predict = lambda x, verbose=0: np.eye(10)[predicted[: len(x)]]
    return model, y


def test_09_q4_solution_text_and_floors(K):
    import keras_tuner as kt

    best_hp = best_hp_with(96)

    class Tuner:
        hypermodel = kt.HyperModel()

    Tuner.hypermodel.build = solution_namespace(K, n09.q1)["build_model"]
    namespace = {"tuner": Tuner, "best_hp": best_hp}
    exec(n09.q4.solution_text, namespace)  # noqa: S102
    assert [la.units for la in namespace["model"].layers if hasattr(la, "units")] == [96, 10]
    x = np.zeros((1000, 28, 28))
    floor = floor_for("09_hyperparameter_search", "mnist", True)
    model, y = retrained(K, 96, floor + 0.002)
    assert outcome(n09.q4, model=model, best_hp=best_hp, x_test=x, y_test=y) == CORRECT
    model, y = retrained(K, 96, floor - 0.01)
    assert outcome(n09.q4, model=model, best_hp=best_hp, x_test=x, y_test=y) == INCORRECT


def test_09_q4_wrong_network_and_types(K):
    best_hp = best_hp_with(96)
    x = np.zeros((1000, 28, 28))
    model, y = retrained(K, 256, 0.99)  # accurate, but not the best trial's recipe
    result = n09.q4.evaluate(model=model, best_hp=best_hp, x_test=x, y_test=y)
    assert result.outcome == INCORRECT and "hidden units" in result.message
    assert outcome(n09.q4, model=None, best_hp=best_hp, x_test=x, y_test=y) == INCORRECT
    model, y = retrained(K, 96, 0.99)
    model.predict = boom
    assert outcome(n09.q4, model=model, best_hp=best_hp, x_test=x, y_test=y) == UNCHECKABLE


def test_every_question_of_08_and_09_is_not_attempted_with_its_blank():
    from helpers import ____

    for question in (n08.q1, n08.q2, n08.q3, n08.q4, n09.q1, n09.q2, n09.q3, n09.q4):
        assert question.evaluate(**{v: ____ for v in question.variables}).outcome == NOT_ATTEMPTED
        assert question.evaluate().outcome == NOT_ATTEMPTED
