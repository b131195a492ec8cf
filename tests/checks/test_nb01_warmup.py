"""Checks of ``helpers.questions.nb01_warmup`` (01_warmup): each question gets its solution (correct), known-wrong
answers (incorrect, without giving the answer away) and the wrong answers that issue 22 found; its tables
(``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at the end."""

import numpy as np
import pytest

from checks.fakes import Broken, ModelLikeBroken, boom, seq, tf
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.questions import nb01_warmup as warmup

W, B = warmup.W_TRUE, warmup.B_TRUE


def test_warmup_tensor_and_data(keras):
    import tensorflow as tf

    z = np.ones((1, 5)) @ W + B
    assert outcome(warmup.q1, z=tf.constant(z)) == CORRECT
    assert outcome(warmup.q1, z=tf.constant(np.ones((1, 5)) @ W)) == INCORRECT  # bias forgotten
    assert outcome(warmup.q1, z=tf.constant(z.T)) == INCORRECT  # wrong shape
    assert outcome(warmup.q1, z=z) == INCORRECT  # a NumPy array: the next line calls z.numpy()
    rng = np.random.default_rng(0)
    x = (5 + 5 * rng.uniform(size=(500, 5))).astype("float32")
    y = (x @ W + B + 0.2 * rng.normal(size=(500, 2))).astype("float32")
    assert outcome(warmup.q2, x=x, y=y) == CORRECT
    assert outcome(warmup.q2, x=x, y=(x @ W + B).astype("float32")) == INCORRECT  # no noise
    assert outcome(warmup.q2, x=rng.uniform(size=(500, 5)).astype("float32"), y=y) == INCORRECT  # wrong range
    assert outcome(warmup.q2, x=x.astype(float), y=y.astype(float)) == INCORRECT  # float64: a later MatMul fails
    assert outcome(warmup.q2, x=tf.constant(x), y=tf.constant(y)) == INCORRECT  # tensors: no .mean(axis=0)


def test_warmup_tape_loop_and_logistic():
    assert outcome(warmup.q3, W_hat=W + 0.01, b_hat=B + 0.05, losses=list(range(200, 0, -1))) == CORRECT
    assert outcome(warmup.q3, W_hat=np.zeros((5, 2)), b_hat=B, losses=list(range(200, 0, -1))) == INCORRECT
    assert outcome(warmup.q3, W_hat=W.T, b_hat=B, losses=list(range(200, 0, -1))) == INCORRECT  # (outputs, inputs)
    assert outcome(warmup.q3, W_hat=W, b_hat=B, losses=[1.0]) == INCORRECT  # losses not recorded
    assert outcome(warmup.q5, logistic=lambda x, w, b: 1 / (1 + np.exp(-(b + w * x)))) == CORRECT
    assert outcome(warmup.q5, logistic=lambda x, w, b: 1 / (1 + np.exp(b + w * x))) == INCORRECT


def test_warmup_tape_loop_gives_the_real_reason_when_the_loss_does_not_fall():
    """Issue 22: "Record the loss at every step; it should fall" was said for an exploded loss and for weights
    that never moved, and sent the learner to the wrong line."""
    exploded = [1.2e4 * 10.0 ** k for k in range(30)] + [float("inf")] + [float("nan")] * 369
    result = warmup.q3.evaluate(W_hat=np.full((5, 2), np.nan), b_hat=np.full(2, np.nan), losses=exploded)
    assert result.outcome == INCORRECT and "it should fall" not in result.message
    assert "nan" in result.message and "exploded" in result.message and "learning rate" in result.message
    assert outcome(warmup.q3, W_hat=np.full((5, 2), np.nan), b_hat=np.full(2, np.nan), losses=exploded) == INCORRECT
    frozen = [171.3] * 400  # the loss was computed every step, but the weights never changed
    result = warmup.q3.evaluate(W_hat=np.zeros((5, 2)), b_hat=np.zeros(2), losses=frozen)
    assert result.outcome == INCORRECT and "it should fall" not in result.message
    assert "never changed" in result.message and "W" in result.message and "b_c" in result.message
    assert outcome(warmup.q3, W_hat=np.zeros((5, 2)), b_hat=np.zeros(2), losses=frozen) == INCORRECT
    rising = list(np.linspace(10, 50, 400))  # uphill: the gradient added instead of subtracted
    result = warmup.q3.evaluate(W_hat=-W, b_hat=B, losses=rising)
    assert result.outcome == INCORRECT and "rose" in result.message and "uphill" in result.message
    short = list(np.linspace(10, 1, 40))  # recorded once per ten steps, or the loop cut short
    result = warmup.q3.evaluate(W_hat=W, b_hat=B, losses=short)
    assert result.outcome == INCORRECT and "40" in result.message and "every step" in result.message


@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", "MeanSquaredError", "function", "object"])
def test_warmup_keras_fit_accepts_every_form_of_the_loss(keras, loss):
    form = {"function": keras.losses.mean_squared_error, "object": keras.losses.MeanSquaredError()}.get(loss, loss)
    x_mean = np.full(5, 7.5)
    y_mean = x_mean @ W + B
    model = seq(keras, (5,), keras.layers.Dense(2))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=form)
    model.layers[-1].set_weights([W, np.zeros(2)])  # the trained solution, centred data
    assert outcome(warmup.q4, model=model, x_mean=x_mean, y_mean=y_mean) == CORRECT


def test_warmup_keras_fit_rejects(keras):
    x_mean = np.full(5, 7.5)
    y_mean = x_mean @ W + B

    def trained(optimizer, loss="mse"):
        model = seq(keras, (5,), keras.layers.Dense(2))
        model.compile(optimizer=optimizer, loss=loss)
        model.layers[-1].set_weights([W, np.zeros(2)])
        return model

    untrained = seq(keras, (5,), keras.layers.Dense(2))
    untrained.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    assert outcome(warmup.q4, model=untrained, x_mean=x_mean, y_mean=y_mean) == INCORRECT
    uncompiled = seq(keras, (5,), keras.layers.Dense(2))  # issue 22: the message must say "compile", as 02 q4 does
    uncompiled.layers[-1].set_weights([W, np.zeros(2)])
    result = warmup.q4.evaluate(model=uncompiled, x_mean=x_mean, y_mean=y_mean)
    assert result.outcome == INCORRECT and "compile" in result.message
    assert outcome(warmup.q4, model=uncompiled, x_mean=x_mean, y_mean=y_mean) == INCORRECT
    assert outcome(warmup.q4, model=trained("adam"), x_mean=x_mean, y_mean=y_mean) == INCORRECT  # not plain GD
    assert outcome(warmup.q4, model=trained(keras.optimizers.SGD(0.01, momentum=0.9)), x_mean=x_mean,
                   y_mean=y_mean) == INCORRECT
    assert outcome(warmup.q4, model=trained(keras.optimizers.SGD(0.01), "mae"), x_mean=x_mean,
                   y_mean=y_mean) == INCORRECT  # wrong loss


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    warmup.q1: ("matmul(x0", "+ b_true"), warmup.q2: ("rng.uniform", "rng.normal", "@ W_np"),
    warmup.q3: ("apply_gradients", "reduce_mean"), warmup.q4: ("Dense(2", "model.fit("),
    warmup.q5: ("np.exp(-", "1 / (1 +"),
}

HINT_NEVER = {
    warmup.q1: ("matmul(x0, W_true) + b_true", "x0 @ W_true + b_true"),
    warmup.q2: ("5 + 5 * rng.uniform(", "x @ W_np + b_np"),
    warmup.q3: ("apply_gradients(zip(",), warmup.q4: ("Dense(2)])", "SGD(learning_rate=learning_rate)"),
    warmup.q5: ("1 / (1 + np.exp",),
}


class _BrokenArray(np.ndarray):
    """An array whose arithmetic fails (a learner subclass gone wrong)."""

    def __new__(cls):
        return np.full((9, 2), 1.0, "float32").view(cls)

    def __sub__(self, other):
        raise ValueError("operands could not be broadcast together with shapes (9,2) (9,5)")

    __rsub__ = __add__ = __radd__ = __sub__


def _recipe_float32():
    rng = np.random.default_rng(1)
    x = rng.uniform(5, 10, size=(400, 5)).astype(np.float32)
    y = (x @ W.astype(np.float32) + B.astype(np.float32) + rng.normal(0, 0.2, (400, 2)).astype(np.float32))
    return dict(x=x, y=y)


def trained_dense2(K):
    inputs = K.Input(shape=(5,))
    model = K.Model(inputs, K.layers.Dense(2)(inputs))
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.01), loss=K.losses.MeanSquaredError())
    model.layers[-1].set_weights([W, np.zeros(2)])
    return model


ANSWERS = {
    warmup.q1: [
        ("raises", UNCHECKABLE, lambda K: dict(z=Broken())),
        ("wrong type: array for a tensor", INCORRECT, lambda K: dict(z=np.ones((1, 5)) @ W + B)),
        ("wrong type: None", INCORRECT, lambda K: dict(z=None)),
        ("alternative: @ on tensors", CORRECT, lambda K: dict(z=tf().ones((1, 5)) @ tf().constant(W, "float32") + B)),
    ],
    warmup.q2: [
        ("raises", UNCHECKABLE, lambda K: dict(x=_recipe_float32()["x"][:9], y=_BrokenArray())),
        ("wrong type: tensors", INCORRECT, lambda K: dict(x=tf().ones((9, 5)), y=tf().ones((9, 2)))),
        ("wrong type: lists", INCORRECT, lambda K: dict(x=[[5.0] * 5], y=[[1.0, 2.0]])),
        ("alternative: generated in float32 directly", CORRECT, lambda K: _recipe_float32()),
    ],
    warmup.q3: [
        ("raises", UNCHECKABLE, lambda K: dict(W_hat=Broken(), b_hat=B, losses=list(range(200, 0, -1)))),
        ("wrong type: losses None", INCORRECT, lambda K: dict(W_hat=W, b_hat=B, losses=None)),
        ("wrong type: losses of tensors that are not numbers", INCORRECT,
         lambda K: dict(W_hat=W, b_hat=B, losses=[tf().ones(3)] * 200)),
        ("alternative: losses as a NumPy array, tensors for W and b", CORRECT,
         lambda K: dict(W_hat=tf().constant(W), b_hat=tf().constant(B), losses=np.linspace(9, 1, 150))),
    ],
    warmup.q4: [
        ("raises", UNCHECKABLE, lambda K: dict(model=ModelLikeBroken(), x_mean=np.zeros(5), y_mean=np.zeros(2))),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, x_mean=np.zeros(5), y_mean=np.zeros(2))),
        ("alternative: Functional, loss object", CORRECT,
         lambda K: dict(model=trained_dense2(K), x_mean=np.full(5, 7.5), y_mean=np.full(5, 7.5) @ W + B)),
    ],
    warmup.q5: [
        ("raises", UNCHECKABLE, lambda K: dict(logistic=boom)),
        ("wrong type: returns a list", INCORRECT, lambda K: dict(logistic=lambda x, w, b: list(x))),
        ("wrong type: returns a tensor", INCORRECT,
         lambda K: dict(logistic=lambda x, w, b: tf().sigmoid(tf().constant(b + w * x)))),
        ("alternative: written with exp(z) / (1 + exp(z))", CORRECT,
         lambda K: dict(logistic=lambda x, w, b: np.exp(b + w * x) / (1 + np.exp(b + w * x)))),
    ],
}
