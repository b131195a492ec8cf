"""Checks of ``helpers.questions.nb09_hyperparameter_search`` (09_hyperparameter_search): for every question its
solution, right answers written another way (correct), known wrong answers (incorrect, with a reason that gives
nothing away: see ``NEVER``), learner code that raises (uncheckable) and wrong types (incorrect).  Its tables
(``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at the end.

The searches here are tiny (2 trials of 1 epoch on a few hundred synthetic images) and run in this process.
"""

from pathlib import Path

import numpy as np
import pytest

from checks.fakes import Broken, boom, labels_with_accuracy, solution_namespace
from giveaways import outcome, slow
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.data.images import floor_for
from helpers.questions import nb09_hyperparameter_search as n09
from helpers.run import state


@pytest.fixture(autouse=True)
def quick_mode():
    state.set_mode(True)


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


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    n09.q1: ("sampling=\"log\"", "hp.Int(", "hp.Float(", "hp.Choice("),
    n09.q2: ("RandomSearch(", "directory=tuner_dir", "objective=\"val_accuracy\""),
    n09.q3: ("x_val, y_val", "validation_data=("), n09.q4: ("hypermodel.build", "build_model(best_hp)"),
}

#: 09 q4's first hint once was its solution line.
HINT_NEVER = {
    n09.q1: ("hp.Int(\"units\"", "hp.Float(\"learning_rate\"", "sampling=\"log\""),
    n09.q2: ("kt.RandomSearch(build_model", "directory=tuner_dir", "objective=\"val_accuracy\""),
    n09.q3: ("x_val, y_val", "= x_val"),
    n09.q4: ("tuner.hypermodel.build(best_hp)", "hypermodel.build(", "build_model(best_hp)"),
}


def _raising_build_model(hp):
    hp.Int("units", 32, 512, step=32)
    raise ValueError("Could not interpret optimizer identifier: 0.001")


def _tuner(K, **values):
    """q2's values: a tuner made in ``tuner/`` of the working folder, with ``values`` changed."""
    tuner, build_model = tuner_of(K, str(Path("tuner").resolve() / "fnn"), **values.pop("tuner_kwargs", {}))
    return dict(dict(tuner=tuner, build_model=build_model, max_trials=2, tuner_dir=str(Path("tuner").resolve())),
                **values)


def _small_splits():
    return {"train": synthetic(400, 0.5, 1), "val": synthetic(200, 0.5, 2), "test": synthetic(300, 2.0, 3)}


@slow
def _searched_on_a_split_of_the_training_data(K):
    splits = _small_splits()
    return q3_values(searched(K, Path("search").resolve(), splits, validation_split=0.25), splits)


@slow
def _best_model_fed_flat_images(K):
    values = _searched_on_a_split_of_the_training_data(K)
    return dict(values, x_val=values["x_val"].reshape(len(values["x_val"]), -1))  # (n, 784): predict fails


def _retrained(K, units=96, accuracy=0.99, predict=None):
    model, y = retrained(K, units, accuracy)
    if predict:
        model.predict = predict
    return dict(model=model, best_hp=best_hp_with(96), x_test=np.zeros((1000, 28, 28)), y_test=y)


ANSWERS = {
    n09.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(build_model=_raising_build_model)),
        ("wrong type: None", INCORRECT, lambda K: dict(build_model=None)),
        ("wrong type: a model, not the function", INCORRECT, lambda K: dict(
            build_model=solution_namespace(K, n09.q1)["build_model"](__import__("keras_tuner").HyperParameters()))),
        ("alternative: Functional, dropout by Choice", CORRECT, lambda K: dict(build_model=fnn_builder(
            K, dropout=lambda hp: hp.Choice("dropout", [0.0, 0.2, 0.4]), functional=True))),
    ],
    n09.q2: [
        ("raises", UNCHECKABLE, lambda K: _tuner(K, tuner_dir=Broken())),
        ("wrong type: None", INCORRECT, lambda K: _tuner(K, tuner=None)),
        ("wrong type: the tuner's name", INCORRECT, lambda K: _tuner(K, tuner="RandomSearch")),
        ("alternative: a kt.Objective", CORRECT, lambda K: _tuner(K, tuner_kwargs=dict(
            objective=__import__("keras_tuner").Objective("val_accuracy", direction="max")))),
    ],
    n09.q3: [
        ("raises", UNCHECKABLE, _best_model_fed_flat_images),
        ("wrong type: None", INCORRECT, lambda K: dict(q3_values(None, _small_splits()))),
        ("alternative: validation_split instead of the validation set", CORRECT,
         _searched_on_a_split_of_the_training_data),
    ],
    n09.q4: [
        ("raises", UNCHECKABLE, lambda K: _retrained(K, predict=boom)),
        ("wrong type: None", INCORRECT, lambda K: dict(_retrained(K), model=None)),
        ("alternative: build_model(best_hp) instead of the tuner's hypermodel", CORRECT, lambda K: _retrained(K)),
    ],
}
