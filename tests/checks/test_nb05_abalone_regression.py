"""Checks of ``helpers.questions.nb05_abalone_regression`` (05_abalone_regression): each question gets its
solution (correct), known-wrong answers (incorrect, without giving the answer away), other right answers and the
wrong answers that issue 22 found; its tables (``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``)
are at the end."""

import numpy as np
import pandas as pd
import pytest

from checks.fakes import Broken, FakeModel, ModelLikeBroken, PredictRaises, Predicts, compiled, seq, tf
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.questions import nb05_abalone_regression as abalone


@pytest.fixture(scope="module")
def abalone_df():
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((300, 7)), columns=list(abalone.MEASUREMENTS))
    df.insert(0, "sex", np.array(["M", "F", "I"])[np.arange(300) % 3])
    df["rings"] = rng.integers(1, 29, 300)
    return df


def test_abalone_encoding(abalone_df):
    import pandas as pd

    df = abalone_df
    good = pd.get_dummies(df.drop(columns="rings"), columns=["sex"], dtype="float32")
    assert outcome(abalone.q1, features=good, df=df) == CORRECT
    plain = pd.concat([df[list(abalone.MEASUREMENTS)], pd.get_dummies(df["sex"])], axis=1)  # columns F, I, M; bool
    assert outcome(abalone.q1, features=plain, df=df) == CORRECT
    assert outcome(abalone.q1, features=df.drop(columns="rings"), df=df) == INCORRECT  # text column left
    # issue 22: integer codes were called "the text column"; say what is wrong with them
    codes = df.drop(columns="rings").assign(sex=df["sex"].map({"M": 0, "F": 1, "I": 2}))
    for coded in (codes, codes.rename(columns={"sex": "sex_code"}),
                  codes.assign(sex=pd.Categorical(df["sex"]).codes.astype("float32"))):
        result = abalone.q1.evaluate(features=coded, df=df)
        assert result.outcome == INCORRECT and "text column" not in result.message, result
        assert "order" in result.message and "one 0/1 column per category" in result.message, result
        assert outcome(abalone.q1, features=coded, df=df) == INCORRECT
    assert "text column" in abalone.q1.evaluate(features=df.drop(columns="rings"), df=df).message
    assert outcome(abalone.q1, features=good.assign(rings=1.0), df=df) == INCORRECT  # target leaked
    assert outcome(abalone.q1, features=good.iloc[:, :-1], df=df) == INCORRECT  # only two sex columns
    shuffled = good.copy()
    shuffled["sex_F"] = shuffled["sex_F"].sample(frac=1, random_state=0).to_numpy()
    assert outcome(abalone.q1, features=shuffled, df=df) == INCORRECT
    assert outcome(abalone.q1, features=good.to_numpy(), df=df) == INCORRECT  # no .to_numpy / columns


def test_abalone_baseline():
    rng = np.random.default_rng(0)
    y_train, y_test = rng.random(100) * 20, rng.random(30) * 20
    right = np.mean(np.abs(y_test - y_train.mean()))
    assert outcome(abalone.q2, baseline_mae=right, y_train=y_train, y_test=y_test) == CORRECT
    assert outcome(abalone.q2, baseline_mae=float(right), y_train=y_train, y_test=y_test) == CORRECT
    assert outcome(abalone.q2, baseline_mae=np.mean(np.abs(y_test - y_test.mean())), y_train=y_train,
                   y_test=y_test) == INCORRECT
    assert outcome(abalone.q2, baseline_mae=np.mean((y_test - y_train.mean()) ** 2), y_train=y_train,
                   y_test=y_test) == INCORRECT
    assert outcome(abalone.q2, baseline_mae=np.abs(y_test - y_train.mean()), y_train=y_train,
                   y_test=y_test) == INCORRECT  # one number per sample, not their mean


@pytest.fixture
def normalizer(keras):
    layer = keras.layers.Normalization()
    layer.adapt(np.random.default_rng(0).random((50, 10)).astype("float32"))
    return layer


def _net(keras, normalizer, out=1, act=None, loss="mse", hidden=2, metrics=("mae",), norm=True):
    L = keras.layers
    layers = ([normalizer] if norm else []) + [L.Dense(8, activation="relu") for _ in range(hidden)]
    model = seq(keras, (10,), *layers, L.Dense(out, activation=act))
    model.compile(optimizer="adam", loss=loss, metrics=list(metrics))
    return model


def test_abalone_network_right_answers(keras, normalizer):
    for loss in ("mse", "mean_squared_error", keras.losses.mean_squared_error, keras.losses.MeanSquaredError()):
        assert outcome(abalone.q3, model=_net(keras, normalizer, loss=loss), normalizer=normalizer) == CORRECT, loss
    assert outcome(abalone.q3, model=_net(keras, normalizer, metrics=("mae", "mse")), normalizer=normalizer) == CORRECT


@pytest.mark.parametrize("change", [dict(act="sigmoid"), dict(out=10), dict(loss="binary_crossentropy"),
                                    dict(hidden=0), dict(hidden=1), dict(metrics=()), dict(metrics=("mse",)),
                                    dict(norm=False)])
def test_abalone_network_wrong_answers(keras, normalizer, change):
    assert outcome(abalone.q3, model=_net(keras, normalizer, **change), normalizer=normalizer) == INCORRECT


def test_abalone_test_mae(keras, normalizer):
    rng = np.random.default_rng(0)
    y_train, y_test = rng.normal(11, 3, 300), rng.normal(11, 3, 100)
    x = np.zeros((100, 10))
    assert outcome(abalone.q4, model=FakeModel(y_test + rng.normal(0, 0.5, 100), classes=1), x_test=x, y_test=y_test,
                   y_train=y_train) == CORRECT
    assert outcome(abalone.q4, model=FakeModel(np.full(100, y_train.mean()), classes=1), x_test=x, y_test=y_test,
                   y_train=y_train) == INCORRECT  # no better than the baseline
    assert outcome(abalone.q4, model=_net(keras, normalizer), x_test=rng.random((100, 10)), y_test=y_test,
                   y_train=y_train) == INCORRECT


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    abalone.q1: ("get_dummies",), abalone.q2: ("y_train.mean()", "np.abs(y_test"),
    abalone.q3: ("Dense(1)", "loss=\"mse\""), abalone.q4: ("model.fit",),
}

HINT_NEVER = {
    abalone.q1: ("columns=[\"sex\"]",), abalone.q2: ("y_test - y_train.mean()",),
    abalone.q3: ("keras.layers.Dense(64",), abalone.q4: ("model.fit(x_train", "callbacks=[early_stopping]"),
}


def small_abalone_df():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((60, 7)), columns=list(abalone.MEASUREMENTS))
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


def normalizer_of(K):
    layer = K.layers.Normalization()
    layer.adapt(np.random.default_rng(0).random((20, 10)).astype("float32"))
    return layer


class _BrokenFrame:
    columns = list(abalone.MEASUREMENTS) + ["F", "I", "M"]

    def to_numpy(self, *args):
        raise TypeError("cannot convert the series to float")

    def __len__(self):
        raise TypeError("object of type '_BrokenFrame' has no len()")


def _plain_dummies():
    df = small_abalone_df()
    return dict(features=pd.concat([df[list(abalone.MEASUREMENTS)], pd.get_dummies(df["sex"])], axis=1), df=df)


def _regression_answer(K):
    normalizer = normalizer_of(K)
    return dict(model=regression(K, normalizer), normalizer=normalizer)


ANSWERS = {
    abalone.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(features=_BrokenFrame(), df=small_abalone_df())),
        ("wrong type: a NumPy array", INCORRECT, lambda K: dict(features=np.zeros((60, 10)), df=small_abalone_df())),
        ("wrong type: None", INCORRECT, lambda K: dict(features=None, df=small_abalone_df())),
        ("alternative: columns F, I, M as booleans", CORRECT, lambda K: _plain_dummies()),
    ],
    abalone.q2: [
        ("raises", UNCHECKABLE, lambda K: dict(baseline_mae=2.0, y_train=Broken(), y_test=np.ones(5))),
        ("wrong type: a list", INCORRECT, lambda K: dict(baseline_mae=[2.0, 2.1], y_train=np.ones(5), y_test=np.ones(5))),
        ("wrong type: None", INCORRECT, lambda K: dict(baseline_mae=None, y_train=np.ones(5), y_test=np.ones(5))),
        ("alternative: a 0-d tensor", CORRECT, lambda K: dict(baseline_mae=tf().constant(1.0),
                                                             y_train=np.zeros(5), y_test=np.ones(5))),
    ],
    abalone.q3: [
        ("raises", UNCHECKABLE, lambda K: dict(model=ModelLikeBroken(), normalizer=None)),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, normalizer=None)),
        ("alternative: Functional, loss function", CORRECT, lambda K: _regression_answer(K)),
    ],
    abalone.q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=PredictRaises(), x_test=np.zeros((5, 10)),
                                              y_test=np.ones(5), y_train=np.ones(5))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_test=np.zeros((5, 10)), y_test=np.ones(5),
                                                       y_train=np.ones(5))),
        ("alternative: predictions as a column", CORRECT, lambda K: dict(
            model=Predicts(np.arange(5.0)[:, None]), x_test=np.zeros((5, 10)), y_test=np.arange(5.0),
            y_train=np.full(5, 10.0))),
    ],
}
