"""Every checker gets its solution (correct), known-wrong answers (incorrect, without giving the answer away),
and the ``____`` blank (not attempted)."""

import numpy as np
import pytest

from helpers import ____
from helpers.context import set_mode
from helpers.checking import CORRECT, INCORRECT, NOT_ATTEMPTED
from helpers.questions import nb01_warmup as warmup
from helpers.questions import nb02_logistic_regression as logistic
from helpers.questions import nb03_fnn_mnist as fnn_mnist
from helpers.questions import nb04_cnn_mnist as cnn_mnist
from helpers.questions import nb05_abalone_regression as abalone


@pytest.fixture(scope="module")
def keras():
    from helpers.device import import_tensorflow

    import_tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    return keras


def outcome(q, **values):
    result = q.evaluate(**values)
    if result.outcome == INCORRECT:
        assert q.solution_text.strip() not in result.message
    return result.outcome


def seq(keras, shape, *layers):
    return keras.Sequential([keras.Input(shape=shape), *layers])


class FakeModel:
    """Predicts from a fixed table: one-hot of the given labels (perfect or wrong)."""

    def __init__(self, labels, classes=10):
        self.out = np.eye(classes)[np.asarray(labels)] if classes > 1 else np.asarray(labels, float)[:, None]

    def predict(self, x, verbose=0):
        return self.out[: len(x)]


@pytest.mark.parametrize("q", [q for m in (warmup, logistic, fnn_mnist, cnn_mnist, abalone)
                               for q in (getattr(m, n) for n in m.__all__)], ids=lambda q: q.title)
def test_every_question_is_not_attempted_with_blanks_and_has_hint_and_solution(q):
    assert outcome(q, **{v: ____ for v in q.variables}) == NOT_ATTEMPTED
    assert outcome(q) == NOT_ATTEMPTED
    assert q.hint_text and q.solution_text


# --- 01 warm-up ---------------------------------------------------------------------------------------------------
W, B = warmup.W_TRUE, warmup.B_TRUE


def test_warmup_tensor_and_data():
    assert outcome(warmup.q1, z=np.ones((1, 5)) @ W.T + B) == CORRECT
    assert outcome(warmup.q1, z=np.ones((1, 5)) @ W.T) == INCORRECT  # bias forgotten
    assert outcome(warmup.q1, z=(np.ones((1, 5)) @ W.T + B).T) == INCORRECT  # wrong shape
    rng = np.random.default_rng(0)
    x = 5 + 5 * rng.uniform(size=(500, 5))
    assert outcome(warmup.q2, x=x, y=x @ W.T + B + 0.2 * rng.normal(size=(500, 2))) == CORRECT
    assert outcome(warmup.q2, x=x, y=x @ W.T + B) == INCORRECT  # no noise
    assert outcome(warmup.q2, x=rng.uniform(size=(500, 5)), y=x @ W.T + B) == INCORRECT  # wrong range


def test_warmup_tape_loop_and_logistic():
    assert outcome(warmup.q3, W_hat=W + 0.01, b_hat=B + 0.05, losses=list(range(200, 0, -1))) == CORRECT
    assert outcome(warmup.q3, W_hat=np.zeros((2, 5)), b_hat=B, losses=list(range(200, 0, -1))) == INCORRECT
    assert outcome(warmup.q3, W_hat=W, b_hat=B, losses=[1.0]) == INCORRECT  # losses not recorded
    assert outcome(warmup.q5, logistic=lambda x, w, b: 1 / (1 + np.exp(-(b + w * x)))) == CORRECT
    assert outcome(warmup.q5, logistic=lambda x, w, b: 1 / (1 + np.exp(b + w * x))) == INCORRECT


def test_warmup_keras_fit(keras):
    x_mean = np.full(5, 7.5)
    y_mean = W @ x_mean + B
    model = seq(keras, (5,), keras.layers.Dense(2))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    model.layers[-1].set_weights([W.T, np.zeros(2)])  # the trained solution, centred data
    assert outcome(warmup.q4, model=model, x_mean=x_mean, y_mean=y_mean) == CORRECT
    untrained = seq(keras, (5,), keras.layers.Dense(2))
    untrained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    assert outcome(warmup.q4, model=untrained, x_mean=x_mean, y_mean=y_mean) == INCORRECT
    adam = seq(keras, (5,), keras.layers.Dense(2))
    adam.compile(optimizer="adam", loss="mse")
    adam.layers[-1].set_weights([W.T, np.zeros(2)])
    assert outcome(warmup.q4, model=adam, x_mean=x_mean, y_mean=y_mean) == INCORRECT  # not plain GD
    mae = seq(keras, (5,), keras.layers.Dense(2))
    mae.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mae")
    mae.layers[-1].set_weights([W.T, np.zeros(2)])
    assert outcome(warmup.q4, model=mae, x_mean=x_mean, y_mean=y_mean) == INCORRECT  # wrong loss


# --- 02 logistic regression ---------------------------------------------------------------------------------------
def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_logistic_numpy_parts():
    X = np.random.default_rng(0).normal(size=(10, 2))
    assert outcome(logistic.q1, X_b=np.c_[np.ones(10), X], X=X) == CORRECT
    assert outcome(logistic.q1, X_b=np.c_[X, np.ones(10)], X=X) == INCORRECT  # ones at the end
    assert outcome(logistic.q1, X_b=X, X=X) == INCORRECT
    good = lambda w, X_b, y: X_b.T @ ((_sig(X_b @ w) - y) * (_sig(X_b @ w) - _sig(X_b @ w) ** 2)) / len(y)  # noqa
    assert outcome(logistic.q2, grad_mse=good) == CORRECT
    assert outcome(logistic.q2, grad_mse=lambda w, X_b, y: -good(w, X_b, y)) == INCORRECT  # sign error
    assert outcome(logistic.q2, grad_mse=lambda w, X_b, y: X_b.T @ (_sig(X_b @ w) - y) / len(y)) == INCORRECT
    X_b = np.c_[np.ones(4), [[0, 0], [0, 1], [3, 3], [3, 4]]]
    y = np.array([0, 0, 1, 1])
    assert outcome(logistic.q3, w=np.array([-3.0, 1, 1]), X_b=X_b, y=y) == CORRECT
    assert outcome(logistic.q3, w=np.zeros(3), X_b=X_b, y=y) == INCORRECT  # untrained


def test_logistic_gates():
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(20 * a + 20 * b - 30)) == CORRECT
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(20 * a + 20 * b - 10)) == INCORRECT  # that is OR
    assert outcome(logistic.q5, and_gate=lambda a, b: _sig(a + b - 1.5)) == INCORRECT  # too soft


def test_logistic_keras_models(keras):
    good = seq(keras, (2,), keras.layers.Dense(1, activation="sigmoid"))
    good.compile(optimizer="sgd", loss="binary_crossentropy")
    assert outcome(logistic.q4, model=good) == CORRECT
    relu = seq(keras, (2,), keras.layers.Dense(1, activation="relu"))
    relu.compile(optimizer="sgd", loss="binary_crossentropy")
    assert outcome(logistic.q4, model=relu) == INCORRECT  # wrong activation
    mse = seq(keras, (2,), keras.layers.Dense(1, activation="sigmoid"))
    mse.compile(optimizer="sgd", loss="mse")
    assert outcome(logistic.q4, model=mse) == INCORRECT  # wrong loss
    xor = seq(keras, (2,), keras.layers.Dense(2, activation="sigmoid"), keras.layers.Dense(1, activation="sigmoid"))
    xor.layers[0].set_weights([np.array([[20.0, -20.0], [20.0, -20.0]]), np.array([-10.0, 30.0])])  # OR, NAND
    xor.layers[1].set_weights([np.array([[20.0], [20.0]]), np.array([-30.0])])  # AND
    assert outcome(logistic.q6, xor_model=xor) == CORRECT
    single = seq(keras, (2,), keras.layers.Dense(1, activation="sigmoid"))
    assert outcome(logistic.q6, xor_model=single) == INCORRECT  # no hidden layer
    xor.layers[1].set_weights([np.array([[0.0], [0.0]]), np.array([-1.0])])
    assert outcome(logistic.q6, xor_model=xor) == INCORRECT  # wrong predictions


# --- 03 FNN: q1-q5 in detail in test_questions_fnn_mnist.py; the shared accuracy floor here --------------------
@pytest.mark.parametrize("q, quick_floor", [(fnn_mnist.q4, 0.93), (cnn_mnist.q4, 0.97)])
def test_accuracy_floors(q, quick_floor, keras, monkeypatch):
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


# --- 04 CNN -------------------------------------------------------------------------------------------------------
def test_cnn_conv_and_pool():
    from helpers.questions.nb04_cnn_mnist import _reference_conv

    assert outcome(cnn_mnist.q1, conv2d_valid=_reference_conv) == CORRECT
    assert outcome(cnn_mnist.q1, conv2d_valid=lambda im, k: _reference_conv(im, k[::-1, ::-1])) == INCORRECT  # flipped
    assert outcome(cnn_mnist.q1, conv2d_valid=lambda im, k: _reference_conv(np.pad(im, 1), k)) == INCORRECT  # 'same'

    def pool(fmap, size=2, stride=1):
        r, c = (fmap.shape[0] - size) // stride + 1, (fmap.shape[1] - size) // stride + 1
        return np.array([[fmap[i * stride:i * stride + size, j * stride:j * stride + size].max() for j in range(c)]
                         for i in range(r)])

    assert outcome(cnn_mnist.q2, max_pool=pool) == CORRECT
    assert outcome(cnn_mnist.q2, max_pool=lambda f, size=2, stride=1: pool(f, size, 1)) == INCORRECT  # ignores stride
    assert outcome(cnn_mnist.q2, max_pool=lambda f, size=2, stride=1: -pool(-f, size, stride)) == INCORRECT  # min


def test_cnn_model_and_reload(keras):
    L = keras.layers

    def cnn(out=10, act="softmax", conv=True, rescale=True):
        body = [L.Conv2D(4, 3), L.BatchNormalization(), L.MaxPooling2D(2)] if conv else [L.MaxPooling2D(2)]
        return seq(keras, (28, 28, 1), *([L.Rescaling(1 / 255)] if rescale else []), *body, L.Flatten(),
                   L.Dense(out, activation=act))

    assert outcome(cnn_mnist.q3, model=cnn()) == CORRECT
    assert outcome(cnn_mnist.q3, model=cnn(rescale=False)) == INCORRECT  # the notebook feeds it bytes 0–255
    assert outcome(cnn_mnist.q3, model=cnn(conv=False)) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(out=1)) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(act="sigmoid")) == INCORRECT
    assert outcome(cnn_mnist.q3, model=seq(keras, (28, 28), L.Flatten(), L.Dense(10, activation="softmax"))) == INCORRECT
    model = cnn()
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    assert outcome(cnn_mnist.q5, model=model, reloaded=clone, x_test=x) == CORRECT
    assert outcome(cnn_mnist.q5, model=model, reloaded=model, x_test=x) == INCORRECT  # not reloaded
    assert outcome(cnn_mnist.q5, model=model, reloaded=cnn(), x_test=x) == INCORRECT  # other weights


# --- 05 abalone ---------------------------------------------------------------------------------------------------
def test_abalone_encoding_and_baseline():
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.random((4177, 7)), columns=list("abcdefg"))
    df["sex"] = np.array(["M", "F", "I"])[np.arange(4177) % 3]
    good = pd.get_dummies(df, columns=["sex"], dtype="float32")
    assert outcome(abalone.q1, features=good) == CORRECT
    assert outcome(abalone.q1, features=df) == INCORRECT  # text column left
    assert outcome(abalone.q1, features=good.assign(rings=1.0)) == INCORRECT  # target leaked
    y_train, y_test = rng.random(100) * 20, rng.random(30) * 20
    assert outcome(abalone.q2, baseline_mae=np.mean(np.abs(y_test - y_train.mean())), y_train=y_train, y_test=y_test) == CORRECT
    assert outcome(abalone.q2, baseline_mae=np.mean(np.abs(y_test - y_test.mean())), y_train=y_train, y_test=y_test) == INCORRECT
    assert outcome(abalone.q2, baseline_mae=np.mean((y_test - y_train.mean()) ** 2), y_train=y_train, y_test=y_test) == INCORRECT


def test_abalone_network_and_mae(keras):
    L = keras.layers

    def net(out=1, act=None, loss="mse", hidden=True):
        model = seq(keras, (10,), *([L.Dense(8, activation="relu")] if hidden else []), L.Dense(out, activation=act))
        model.compile(optimizer="adam", loss=loss, metrics=["mae"])
        return model

    assert outcome(abalone.q3, model=net()) == CORRECT
    assert outcome(abalone.q3, model=net(act="sigmoid")) == INCORRECT
    assert outcome(abalone.q3, model=net(out=10)) == INCORRECT
    assert outcome(abalone.q3, model=net(loss="binary_crossentropy")) == INCORRECT
    assert outcome(abalone.q3, model=net(hidden=False)) == INCORRECT  # that is the linear model
    rng = np.random.default_rng(0)
    y_train, y_test = rng.normal(11, 3, 300), rng.normal(11, 3, 100)
    x = np.zeros((100, 10))
    assert outcome(abalone.q4, model=FakeModel(y_test + rng.normal(0, 0.5, 100), classes=1), x_test=x, y_test=y_test,
                   y_train=y_train) == CORRECT
    assert outcome(abalone.q4, model=FakeModel(np.full(100, y_train.mean()), classes=1), x_test=x, y_test=y_test,
                   y_train=y_train) == INCORRECT  # no better than the baseline
    assert outcome(abalone.q4, model=net(), x_test=rng.random((100, 10)), y_test=y_test, y_train=y_train) == INCORRECT
