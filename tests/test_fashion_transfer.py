"""Checks of ``helpers.questions.nb07_transfer_learning`` (07_transfer_learning): each question gets its
solution (correct), known-wrong answers (incorrect, without giving the answer away) and the blank."""

import pytest

from helpers import ____
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED
from helpers.questions.nb07_transfer_learning import q1, q2, q3


def make_base(keras):
    L = keras.layers
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Rescaling(1 / 255), L.Conv2D(4, 3, padding="same",
                             use_bias=False), L.MaxPooling2D(2), L.BatchNormalization(), L.ReLU()], name="base")


def head(keras, x, units=10, activation="softmax"):
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.4)(x)
    return keras.layers.Dense(units, activation=activation)(x)


def transfer(keras, base, **kw):
    inputs = keras.Input(shape=(28, 28, 1))
    return keras.Model(inputs, head(keras, base(inputs, training=False), **kw))


def scratch(keras):
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), make_base(keras), keras.layers.Flatten(),
                             keras.layers.Dropout(0.4), keras.layers.Dense(10, activation="softmax")])


def outcome(q, **values):
    result = q.evaluate(**values)
    if result.outcome == INCORRECT:
        assert q.solution_text.strip() not in result.message and result.message.strip()
        assert "trainable = False" not in result.message and "Adam(1e-4)" not in result.message
    return result.outcome


def test_q1_frozen_base_with_a_new_head(keras):
    base = make_base(keras)
    base.trainable = False
    assert outcome(q1, transfer_model=transfer(keras, base), base=base) == CORRECT
    assert outcome(q1, transfer_model=____, base=base) == NOT_ATTEMPTED
    assert outcome(q1, transfer_model=transfer(keras, base, units=5), base=base) == INCORRECT  # wrong classes
    assert outcome(q1, transfer_model=transfer(keras, base, activation="relu"), base=base) == INCORRECT
    copy = make_base(keras)
    copy.trainable = False
    assert outcome(q1, transfer_model=transfer(keras, copy), base=base) == INCORRECT  # not the trained base
    unfrozen = make_base(keras)
    assert outcome(q1, transfer_model=transfer(keras, unfrozen), base=unfrozen) == INCORRECT  # base not frozen
    assert outcome(q1, transfer_model="model", base=base) == INCORRECT


def test_q2_same_network_from_scratch(keras):
    base = make_base(keras)
    base.trainable = False
    model = transfer(keras, base)
    assert outcome(q2, scratch_model=scratch(keras), transfer_model=model, base=base) == CORRECT
    assert outcome(q2, scratch_model=____, transfer_model=model, base=base) == NOT_ATTEMPTED
    assert outcome(q2, scratch_model=model, transfer_model=model, base=base) == INCORRECT  # shares the trained base
    smaller = keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                                keras.layers.Dense(10, activation="softmax")])
    assert outcome(q2, scratch_model=smaller, transfer_model=model, base=base) == INCORRECT  # another architecture
    frozen = scratch(keras)
    frozen.layers[0].trainable = False
    assert outcome(q2, scratch_model=frozen, transfer_model=model, base=base) == INCORRECT  # part of it frozen


def test_q3_unfreeze_and_compile_with_a_small_learning_rate(keras):
    base = make_base(keras)
    model = transfer(keras, base)

    def compiled(rate):
        optimizer = keras.optimizers.Adam(rate)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return dict(transfer_model=model, base=base, optimizer=optimizer)

    base.trainable = True
    assert outcome(q3, **compiled(1e-4)) == CORRECT
    assert outcome(q3, **compiled(1e-3)) == INCORRECT  # as large as for the head
    assert outcome(q3, **compiled(1e-9)) == INCORRECT  # too small to move
    assert outcome(q3, **dict(compiled(1e-4), optimizer=keras.optimizers.Adam(1e-4))) == INCORRECT  # not compiled with it
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    by_name = q3.evaluate(transfer_model=model, base=base, optimizer="adam")
    assert by_name.outcome == INCORRECT and "default learning rate" in by_name.message  # the reason, not a wrong one
    base.trainable = False
    assert outcome(q3, **compiled(1e-4)) == INCORRECT  # still frozen
    base.trainable = True
    fresh = transfer(keras, base)
    assert outcome(q3, transfer_model=fresh, base=base, optimizer=keras.optimizers.Adam(1e-4)) == INCORRECT  # not compiled
    assert outcome(q3, transfer_model=model, base=base, optimizer=____) == NOT_ATTEMPTED


@pytest.mark.parametrize("q", [q1, q2, q3], ids=lambda q: q.title)
def test_every_question_is_not_attempted_with_blanks_and_has_hint_and_solution(q):
    assert q.evaluate(**{v: ____ for v in q.variables}).outcome == NOT_ATTEMPTED
    assert q.evaluate().outcome == NOT_ATTEMPTED
    assert q.hint_text and q.solution_text
