"""Every checker gets its solution (correct), known-wrong answers (incorrect, without giving the answer away:
see ``giveaways.NEVER``), the ``____`` blank and missing variables (not attempted), and the wrong answers and
right answers that issue 12 found.  03 is tested in detail in test_questions_fnn_mnist.py; every question's
raising / wrong-type / alternative answers are in test_questions_learner_answers.py."""

import numpy as np
import pytest

from giveaways import HINT_NEVER, QUESTIONS, hint_giveaways, outcome
from helpers import ____
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED, UNCHECKABLE
from helpers.run.state import set_mode
from helpers.errors import CheckFailedError
from helpers.questions import nb01_warmup as warmup
from helpers.questions import nb02_logistic_regression as logistic
from helpers.questions import nb03_fnn_mnist as fnn_mnist
from helpers.questions import nb04_cnn_mnist as cnn_mnist
from helpers.questions import nb05_abalone_regression as abalone


def seq(keras, shape, *layers):
    return keras.Sequential([keras.Input(shape=shape), *layers])


class FakeModel:
    """Predicts from a fixed table: one-hot of the given labels (perfect or wrong)."""

    def __init__(self, labels, classes=10):
        self.out = np.eye(classes)[np.asarray(labels)] if classes > 1 else np.asarray(labels, float)[:, None]

    def predict(self, x, verbose=0):
        return self.out[: len(x)]


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: f"{q.notebook[:2]}-{q.name}")
def test_every_question_blank_missing_hint_and_solution(q):
    blank = q.evaluate(**{v: ____ for v in q.variables})
    assert blank.outcome == NOT_ATTEMPTED and "still `____`" in blank.message
    missing = q.evaluate()
    assert missing.outcome == NOT_ATTEMPTED
    assert "run the cells above" in missing.message.lower() and "still `____`" not in missing.message
    assert f"{q.name}.catch_up()" in missing.message
    assert q.hint_text and q.solution_text


@pytest.mark.parametrize("q", list(HINT_NEVER), ids=lambda q: f"{q.notebook[:2]}-{q.name}")
def test_hints_nudge_and_never_spell_out_the_answer(q):
    """Issue 22: 01 q1 hint 2, 02 q3 hint 1 and 04 q5 hint 1 were the whole solution."""
    assert not hint_giveaways(q), hint_giveaways(q)


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


# --- 01 warm-up ---------------------------------------------------------------------------------------------------
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


# --- 02 logistic regression ---------------------------------------------------------------------------------------
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


# --- 03/04 accuracy floors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("q, quick_floor", [(fnn_mnist.q4, 0.93), (cnn_mnist.q4, 0.97)])
def test_accuracy_floors(q, quick_floor, keras):
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


# --- 05 abalone ---------------------------------------------------------------------------------------------------
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
