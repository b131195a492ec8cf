"""Checks of ``helpers.questions.nb04_cnn_mnist`` (04_cnn_mnist): each question gets its solution (correct),
known-wrong answers (incorrect, without giving the answer away), other right answers and the wrong answers that
issue 22 found; learner code that raises is feedback in a kernel and raises in a script; its tables (``NEVER``,
``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at the end."""

import numpy as np
import pytest

from checks.fakes import DIGITS, PredictRaises, Predicts, accuracy_floor_cases, boom, exploding, seq, tf
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.errors import CheckFailedError
from helpers.questions import nb04_cnn_mnist as cnn_mnist


def test_uncheckable_is_feedback_in_a_kernel_and_raises_chained_in_a_script(monkeypatch, capsys):
    def conv2d_valid(image, kernel):
        return image[10, 10]  # indexes out of range

    result = cnn_mnist.q1.evaluate(conv2d_valid=conv2d_valid)
    assert result.outcome == UNCHECKABLE
    assert "conv2d_valid(" in result.message and "(5, 6)" in result.message and "IndexError" in result.message
    assert "Traceback" not in result.message and "\n" not in result.message
    monkeypatch.setenv("WORKSHOP_STRICT", "0")
    cnn_mnist.q1.check(conv2d_valid=conv2d_valid)
    assert "uncheckable" in capsys.readouterr().out.lower()
    monkeypatch.setenv("WORKSHOP_STRICT", "1")
    with pytest.raises(CheckFailedError) as info:
        cnn_mnist.q1.check(conv2d_valid=conv2d_valid)
    assert isinstance(info.value.__cause__, IndexError)  # the learner's own exception, chained


def test_cnn_conv_and_pool():
    from helpers.questions.nb04_cnn_mnist import _reference_conv, _reference_pool

    assert outcome(cnn_mnist.q1, conv2d_valid=_reference_conv) == CORRECT
    assert outcome(cnn_mnist.q1, conv2d_valid=lambda im, k: _reference_conv(im, k[::-1, ::-1])) == INCORRECT  # flipped
    assert outcome(cnn_mnist.q1, conv2d_valid=lambda im, k: _reference_conv(np.pad(im, 1), k)) == INCORRECT  # 'same'
    assert outcome(cnn_mnist.q2, max_pool=_reference_pool) == CORRECT
    assert outcome(cnn_mnist.q2, max_pool=lambda f, size=2, stride=1: _reference_pool(f, size, 1)) == INCORRECT
    assert outcome(cnn_mnist.q2, max_pool=lambda f, size=2, stride=1: -_reference_pool(-f, size, stride)) == INCORRECT
    # issue 22: the window size hard-coded to 2 (`size` ignored) once passed
    assert outcome(cnn_mnist.q2, max_pool=lambda f, size=2, stride=1: _reference_pool(f, 2, stride)) == INCORRECT
    assert "size 3" in cnn_mnist.q2.evaluate(max_pool=lambda f, size=2, stride=1: _reference_pool(f, 2, stride)).message


def test_cnn_model_and_reload(keras):
    L = keras.layers

    def cnn(out=10, act="softmax", conv=True, rescale=True, flatten=True):
        body = [L.Conv2D(4, 3), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(2)] if conv else [L.MaxPooling2D(2)]
        return seq(keras, (28, 28, 1), *([L.Rescaling(1 / 255)] if rescale else []), *body,
                   *([L.Flatten()] if flatten else []), L.Dense(out, activation=act))

    assert outcome(cnn_mnist.q3, model=cnn()) == CORRECT
    assert outcome(cnn_mnist.q3, model=seq(keras, (28, 28, 1), L.Rescaling(1 / 255), L.Conv2D(4, 3, activation="relu"),
                                           L.BatchNormalization(), L.MaxPooling2D(2), L.GlobalAveragePooling2D(),
                                           L.Dense(10), L.Softmax())) == CORRECT
    assert outcome(cnn_mnist.q3, model=cnn(rescale=False)) == INCORRECT  # the notebook feeds it bytes 0–255
    assert outcome(cnn_mnist.q3, model=cnn(conv=False)) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(flatten=False)) == INCORRECT  # once passed, then broke the training cell
    assert outcome(cnn_mnist.q3, model=cnn(out=1)) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(act="sigmoid")) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(act=None)) == INCORRECT  # scores, not probabilities
    assert outcome(cnn_mnist.q3, model=seq(keras, (28, 28), L.Flatten(), L.Dense(10, activation="softmax"))) == INCORRECT
    model = cnn()
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    assert outcome(cnn_mnist.q5, model=model, reloaded=clone, x_test=x) == CORRECT
    assert outcome(cnn_mnist.q5, model=model, reloaded=model, x_test=x) == INCORRECT  # not reloaded
    assert outcome(cnn_mnist.q5, model=model, reloaded=cnn(), x_test=x) == INCORRECT  # other weights


def test_cnn_model_needs_an_activation_in_every_block_and_one_rescaling(keras):
    """Issue 22: convolution blocks without any activation, and Rescaling(1/255) applied twice, once passed."""
    L = keras.layers

    def cnn(*blocks, rescaling=(L.Rescaling(1 / 255),)):
        return seq(keras, (28, 28, 1), *rescaling, *blocks, L.Flatten(), L.Dense(10, activation="softmax"))

    def block(*activation, filters=8):
        return [L.Conv2D(filters, 3, padding="same", use_bias=False), L.MaxPooling2D(2), L.BatchNormalization(),
                *activation]

    assert outcome(cnn_mnist.q3, model=cnn(*block(L.ReLU()), *block(L.ReLU()))) == CORRECT
    assert outcome(cnn_mnist.q3, model=cnn(*block(L.Activation("relu")), *block(L.LeakyReLU()))) == CORRECT
    assert outcome(cnn_mnist.q3, model=cnn(L.Conv2D(8, 3, activation="relu"), L.BatchNormalization(),
                                           L.MaxPooling2D(2))) == CORRECT
    assert outcome(cnn_mnist.q3, model=cnn(*block(L.ELU()), rescaling=(L.Rescaling(1 / 127.5, offset=-1),))) \
        == CORRECT  # bytes scaled to [-1, 1] instead of [0, 1]: just as good for the network
    no_activation = cnn(*block(), *block())
    result = cnn_mnist.q3.evaluate(model=no_activation)
    assert result.outcome == INCORRECT and "activation" in result.message
    assert outcome(cnn_mnist.q3, model=no_activation) == INCORRECT
    assert outcome(cnn_mnist.q3, model=cnn(*block(L.ReLU()), *block())) == INCORRECT  # the second block has none
    stacked = cnn(L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3, padding="same", activation="relu"),
                  L.MaxPooling2D(2), L.BatchNormalization())  # two convolutions with nothing between them
    assert "activation" in cnn_mnist.q3.evaluate(model=stacked).message
    assert outcome(cnn_mnist.q3, model=stacked) == INCORRECT
    twice = cnn(*block(L.ReLU()), rescaling=(L.Rescaling(1 / 255), L.Rescaling(1 / 255)))
    result = cnn_mnist.q3.evaluate(model=twice)
    assert result.outcome == INCORRECT and "more than once" in result.message
    assert outcome(cnn_mnist.q3, model=twice) == INCORRECT
    late = seq(keras, (28, 28, 1), *block(L.ReLU()), L.Rescaling(1 / 255), L.Flatten(), L.Dense(10, activation="softmax"))
    assert outcome(cnn_mnist.q3, model=late) == INCORRECT  # scaled after the first convolution


def test_accuracy_floors(keras):
    """The accuracy floor in quick and full mode (the same cases as 03 q4's)."""
    accuracy_floor_cases(cnn_mnist.q4, 0.97, keras)


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    cnn_mnist.q1: ("np.sum(image", "image[i:i + kh"), cnn_mnist.q2: ("fmap[i * stride",),
    cnn_mnist.q3: ("softmax", "Flatten()", "Dense(10"), cnn_mnist.q4: ("model.fit",),
    cnn_mnist.q5: ("load_model", "model.save("),
}

HINT_NEVER = {
    cnn_mnist.q1: ("image[i:i + kh, j:j + kw] * kernel",), cnn_mnist.q2: ("fmap[i * stride:i * stride + size",),
    cnn_mnist.q3: ("keras.layers.Conv2D(32, 3",), cnn_mnist.q4: ("model.fit(x_train",),
    cnn_mnist.q5: ("model.save(path)", "load_model(path)"),
}


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


def _conv_vectorised(image, kernel):
    from numpy.lib.stride_tricks import sliding_window_view

    return np.einsum("ijkl,kl->ij", sliding_window_view(image, kernel.shape), kernel)


def _reloaded_functional(K):
    model = cnn(K, fun=True)
    clone = K.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return dict(model=model, reloaded=clone, x_test=np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32"))


ANSWERS = {
    cnn_mnist.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(conv2d_valid=boom)),
        ("wrong type: returns a tensor", INCORRECT, lambda K: dict(conv2d_valid=lambda im, k: tf().constant(
            cnn_mnist._reference_conv(im, k)))),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(conv2d_valid=lambda im, k: cnn_mnist._reference_conv(im, k).tolist())),
        ("alternative: vectorised with sliding_window_view", CORRECT, lambda K: dict(conv2d_valid=_conv_vectorised)),
    ],
    cnn_mnist.q2: [
        ("raises", UNCHECKABLE, lambda K: dict(max_pool=boom)),
        ("wrong type: returns None", INCORRECT, lambda K: dict(max_pool=lambda fmap, size=2, stride=1: None)),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(max_pool=lambda f, size=2, stride=1: tf().constant(cnn_mnist._reference_pool(f, size, stride)))),
        ("alternative: integer result", CORRECT,
         lambda K: dict(max_pool=lambda f, size=2, stride=1: cnn_mnist._reference_pool(f, size, stride).astype(int))),
    ],
    cnn_mnist.q3: [
        ("raises", UNCHECKABLE, lambda K: dict(model=exploding(
            K, K.layers.Rescaling(1 / 255), K.layers.Conv2D(4, 3), K.layers.BatchNormalization(), K.layers.ReLU(),
            K.layers.MaxPooling2D(),
            K.layers.Flatten(), K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1)))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None)),
        ("alternative: Functional with Softmax layer", CORRECT, lambda K: dict(model=cnn(K, fun=True))),
    ],
    cnn_mnist.q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=PredictRaises(),
                                              x_test=np.zeros((40, 28, 28, 1)), y_test=DIGITS)),
        ("wrong type: a string", INCORRECT, lambda K: dict(model="cnn.keras", x_test=np.zeros((40, 28, 28, 1)),
                                                           y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT, lambda K: dict(model=Predicts(np.eye(10)[DIGITS]),
                                                               x_test=np.zeros((40, 28, 28, 1)), y_test=np.eye(10)[DIGITS])),
    ],
    cnn_mnist.q5: [
        ("raises", UNCHECKABLE, lambda K: dict(model=cnn(K, K.layers.Dense(10, activation="softmax")),
                                              reloaded=exploding(K, K.layers.Flatten(), K.layers.Dense(10),
                                                                 shape=(28, 28, 1)),
                                              x_test=np.zeros((4, 28, 28, 1), "float32"))),
        ("wrong type: a path", INCORRECT, lambda K: dict(model=cnn(K, K.layers.Dense(10, activation="softmax")),
                                                         reloaded="cnn.keras", x_test=np.zeros((4, 28, 28, 1)))),
        ("alternative: a Functional model reloaded", CORRECT, lambda K: _reloaded_functional(K)),
    ],
}
