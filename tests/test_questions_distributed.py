"""Checks of notebook 06: its solutions are correct, known-wrong answers are not (without giving the answer away),
blanks are "not attempted", and every solution text runs when pasted into its blank."""

import types

import numpy as np
import pytest

from helpers import ____
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED
from helpers.data.images import floor_for
from helpers.run.state import set_mode
from helpers.questions.nb06_distributed import q1, q2, q3, q4, q5

QUESTIONS = [q1, q2, q3, q4, q5]


@pytest.fixture(scope="module")
def tf():
    from helpers.distribute import tensorflow

    return tensorflow()


@pytest.fixture(scope="module")
def keras(tf):
    import keras

    keras.utils.set_random_seed(0)
    return keras


@pytest.fixture(scope="module")
def strategy(tf):
    return tf.distribute.MirroredStrategy(["/cpu:0"])  # one replica: same API, no device split in this process


def outcome(q, **values):
    result = q.evaluate(**values)
    if result.outcome == INCORRECT:
        assert q.solution_text.strip() not in result.message
        for line in q.solution_text.splitlines():
            assert len(line.strip()) < 25 or line.strip() not in result.message, line
    return result.outcome


def small_model(keras):
    L = keras.layers
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Conv2D(2, 3), L.Flatten(),
                             L.Dense(10, activation="softmax")])


@pytest.mark.parametrize("q", QUESTIONS, ids=lambda q: q.title)
def test_blanks_are_not_attempted_and_hints_exist(q):
    assert outcome(q, **{v: ____ for v in q.variables}) == NOT_ATTEMPTED
    assert outcome(q) == NOT_ATTEMPTED
    assert q.hint_text and q.solution_text and q.variables


def test_global_batch_and_learning_rate():
    two = types.SimpleNamespace(num_replicas_in_sync=2)
    base = {"batch_size": 64, "learning_rate": 0.001, "strategy": two}
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.002, **base) == CORRECT
    assert outcome(q1, global_batch_size=64, scaled_learning_rate=0.002, **base) == INCORRECT  # one replica's share
    assert outcome(q1, global_batch_size=32, scaled_learning_rate=0.002, **base) == INCORRECT  # divided
    assert outcome(q1, global_batch_size=128.0, scaled_learning_rate=0.002, **base) == INCORRECT  # not a count
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.001, **base) == INCORRECT  # not scaled
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.0005, **base) == INCORRECT  # wrong way
    namespace = {"batch_size": 64, "learning_rate": 0.001, "strategy": two}
    exec(q1.solution_text, namespace)  # noqa: S102 – our own constant
    assert outcome(q1, **{v: namespace[v] for v in q1.variables}) == CORRECT


def test_model_built_and_compiled_in_scope(keras, strategy):
    def compiled(model):
        model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy")
        return model

    with strategy.scope():
        good = compiled(small_model(keras))
    assert outcome(q2, model=good, strategy=strategy) == CORRECT
    outside = compiled(small_model(keras))
    assert outcome(q2, model=outside, strategy=strategy) == INCORRECT  # weights outside the scope
    with strategy.scope():
        built_only = small_model(keras)
    compiled(built_only)
    assert outcome(q2, model=built_only, strategy=strategy) == INCORRECT  # optimizer outside the scope
    with strategy.scope():
        uncompiled = small_model(keras)
    assert outcome(q2, model=uncompiled, strategy=strategy) == INCORRECT
    with strategy.scope():
        binary = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
    assert outcome(q2, model=compiled(binary), strategy=strategy) == INCORRECT
    namespace = {"keras": keras, "strategy": strategy, "scaled_learning_rate": 0.002,
                 "build_model": lambda: small_model(keras)}
    exec(q2.solution_text, namespace)  # noqa: S102
    assert outcome(q2, model=namespace["model"], strategy=strategy) == CORRECT


def test_batch_job_callbacks(keras, tmp_path):
    from pathlib import Path

    cb = keras.callbacks
    backup, best = cb.BackupAndRestore(tmp_path / "b"), cb.ModelCheckpoint(tmp_path / "m.keras", save_best_only=True)
    board = cb.TensorBoard(tmp_path / "logs")
    assert outcome(q3, callbacks=[backup, best, board]) == CORRECT
    assert outcome(q3, callbacks=[best, board]) == INCORRECT  # no resume
    assert outcome(q3, callbacks=[backup, cb.ModelCheckpoint(tmp_path / "m.keras"), board]) == INCORRECT  # every epoch
    assert outcome(q3, callbacks=[backup, board]) == INCORRECT  # no best model
    assert outcome(q3, callbacks=[backup, best]) == INCORRECT  # no logs
    assert outcome(q3, callbacks=backup) == INCORRECT  # not a list
    namespace = {"keras": keras, "run_dir": Path(tmp_path)}
    exec(q3.solution_text, namespace)  # noqa: S102
    assert outcome(q3, callbacks=namespace["callbacks"]) == CORRECT


def test_replica_loss_divides_by_the_global_batch(tf, keras):
    loss_object = keras.losses.SparseCategoricalCrossentropy(reduction=None)

    def good(labels, predictions):
        return tf.nn.compute_average_loss(loss_object(labels, predictions), global_batch_size=128)

    assert outcome(q4, compute_loss=good, global_batch_size=128) == CORRECT
    mean = lambda labels, predictions: tf.reduce_mean(loss_object(labels, predictions))  # noqa: E731
    assert outcome(q4, compute_loss=mean, global_batch_size=128) == INCORRECT  # this replica's mean
    total = lambda labels, predictions: tf.reduce_sum(loss_object(labels, predictions))  # noqa: E731
    assert outcome(q4, compute_loss=total, global_batch_size=128) == INCORRECT  # not divided
    per_example = lambda labels, predictions: loss_object(labels, predictions)  # noqa: E731
    assert outcome(q4, compute_loss=per_example, global_batch_size=128) == INCORRECT  # not one number
    assert outcome(q4, compute_loss=good, global_batch_size=64) == INCORRECT  # a stale global batch size
    namespace = {"tf": tf, "loss_object": loss_object, "global_batch_size": 256}
    exec(q4.solution_text, namespace)  # noqa: S102
    assert outcome(q4, compute_loss=namespace["compute_loss"], global_batch_size=256) == CORRECT


class FakeModel:
    def __init__(self, labels):
        self.out = np.eye(10)[np.asarray(labels)]

    def predict(self, x, verbose=0):
        return self.out[: len(x)]


def test_accuracy_floor_is_the_single_device_one(monkeypatch):
    set_mode(True)
    y = np.arange(200) % 10
    x = np.zeros((200, 28, 28, 1))
    assert floor_for("06_distributed", "mnist", True) == floor_for("04_cnn_mnist", "mnist", True)  # 04's floor
    assert floor_for("06_distributed", "mnist", False) == floor_for("04_cnn_mnist", "mnist", False)
    assert outcome(q5, model=FakeModel(y), x_test=x, y_test=y) == CORRECT
    wrong = y.copy()
    wrong[:8] += 1  # 96 %
    assert outcome(q5, model=FakeModel(wrong % 10), x_test=x, y_test=y) == INCORRECT
    set_mode(False)
    wrong = y.copy()
    wrong[:4] += 1  # 98 %: enough in quick mode, not in full mode
    assert outcome(q5, model=FakeModel(wrong % 10), x_test=x, y_test=y) == INCORRECT
