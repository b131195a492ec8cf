"""Checks of ``helpers.questions.nb07_transfer_learning`` (07_transfer_learning): each question gets its
solution (correct), known-wrong answers (incorrect, without giving the answer away) and the blank; the Keras behaviour
that q3 relies on is pinned.  Its tables (``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at
the end."""

from checks.fakes import exploding
from giveaways import outcome
from helpers import ____
from helpers.checks.question import CORRECT, INCORRECT, NOT_ATTEMPTED, UNCHECKABLE
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


def unfreeze(keras, base, batch_norm=False):
    """``base.trainable = True``; its BatchNormalization layers stay frozen unless ``batch_norm``."""
    base.trainable = True
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = batch_norm


def test_q3_unfreeze_and_compile_with_a_small_learning_rate(keras):
    base = make_base(keras)
    model = transfer(keras, base)

    def compiled(rate, kind=None):
        optimizer = (kind or keras.optimizers.Adam)(rate)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return dict(transfer_model=model, base=base, optimizer=optimizer)

    unfreeze(keras, base)
    assert outcome(q3, **compiled(1e-4)) == CORRECT
    assert outcome(q3, **compiled(1e-3)) == INCORRECT  # as large as for the head
    assert outcome(q3, **compiled(1e-9)) == INCORRECT  # too small to move
    assert outcome(q3, **dict(compiled(1e-4), optimizer=keras.optimizers.Adam(1e-4))) == INCORRECT  # not compiled with it
    assert outcome(q3, **compiled(1e-4, keras.optimizers.SGD)) == INCORRECT  # the task asks for Adam (issue 22)
    assert outcome(q3, **compiled(1e-4, keras.optimizers.RMSprop)) == INCORRECT
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    by_name = q3.evaluate(transfer_model=model, base=base, optimizer="adam")
    assert by_name.outcome == INCORRECT and "default learning rate" in by_name.message  # the reason, not a wrong one
    unfreeze(keras, base, batch_norm=True)  # the whole base, batch normalisation included (issue 22: the point)
    everything = q3.evaluate(**compiled(1e-4))
    assert everything.outcome == INCORRECT and "statistics" in everything.message, everything
    base.trainable = False
    assert outcome(q3, **compiled(1e-4)) == INCORRECT  # still frozen
    unfreeze(keras, base)
    fresh = transfer(keras, base)
    assert outcome(q3, transfer_model=fresh, base=base, optimizer=keras.optimizers.Adam(1e-4)) == INCORRECT  # not compiled
    assert outcome(q3, transfer_model=model, base=base, optimizer=____) == NOT_ATTEMPTED
    namespace = {"keras": keras, "base": base}
    base.trainable = False
    exec(q3.solution_text, namespace)  # noqa: S102 – our own constant: pasted into the blank, it runs
    model.compile(optimizer=namespace["optimizer"], loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert outcome(q3, transfer_model=model, base=base, optimizer=namespace["optimizer"]) == CORRECT


def test_fit_overrides_training_false_upstream(keras):
    """Keras 3.15: ``base(inputs, training=False)`` in a Functional model does not keep batch normalisation in
    inference mode once the base is unfrozen, because ``fit`` passes ``training=True`` to every layer
    (keras-team/keras#20285). So notebook 07 freezes the BatchNormalization layers instead (q3). When this test
    fails, Keras honours ``training=False`` again: notebook 07 may go back to teaching the argument alone."""
    import numpy as np

    base = make_base(keras)
    model = transfer(keras, base)  # calls base(inputs, training=False)
    base.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    bn = next(layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization))
    before = keras.ops.convert_to_numpy(bn.moving_mean).copy()
    x = np.random.default_rng(0).integers(0, 256, (16, 28, 28, 1)).astype("float32")
    model.fit(x, np.arange(16) % 10, epochs=1, batch_size=16, verbose=0)
    assert not np.array_equal(before, keras.ops.convert_to_numpy(bn.moving_mean)), (
        "fit no longer updates the statistics of a base called with training=False (keras-team/keras#20285 changed): "
        "update notebook 07's question 1 and 3 text and tests/checks/test_nb07_transfer_learning.py")
    unfreeze(keras, base)  # what 07 teaches: the statistics stay
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    kept = keras.ops.convert_to_numpy(bn.moving_mean).copy()
    model.fit(x, np.arange(16) % 10, epochs=1, batch_size=16, verbose=0)
    assert np.array_equal(kept, keras.ops.convert_to_numpy(bn.moving_mean))


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    q1: ("trainable = False", "training=False", "Dropout(0.4)", "Adam(1e-4)"),
    q2: ("make_base()", "Dropout(0.4)", "trainable = False", "Adam(1e-4)"),
    q3: ("trainable = True", "Adam(1e-4)", "1e-4", "trainable = False"),
}

#: 07's second hints once spelled out q1's and q2's solutions.
HINT_NEVER = {
    q1: ("base.trainable = False", "x = base(inputs)", "keras.Model(inputs, outputs)", "Input(shape=(28, 28, 1))"),
    q2: ("keras.Sequential([keras.Input(shape=(28, 28, 1)), make_base()", "make_base(), keras.layers.Flatten()",
         "Dropout(0.4), keras.layers.Dense(10"),
    q3: ("Adam(1e-4)", "layer.trainable = False", "base.trainable = True"),
}


def frozen_base(K, trainable=False):
    L = K.layers
    base = K.Sequential([K.Input(shape=(28, 28, 1)), L.Rescaling(1 / 255), L.Conv2D(4, 3, padding="same"),
                         L.MaxPooling2D(2), L.BatchNormalization(), L.ReLU()], name="base")
    base.trainable = trainable
    return base


def transfer_sequential(K, base, *extra):
    """07's transfer model written as a Sequential (an alternative to the Functional solution)."""
    L = K.layers
    return K.Sequential([K.Input(shape=(28, 28, 1)), base, L.Flatten(), L.Dropout(0.4), *extra,
                         L.Dense(10, activation="softmax")])


def _transfer(K, trainable=False, explode=False):
    base = frozen_base(K, trainable)
    model = transfer_sequential(K, base)
    if explode:
        model = exploding(K, base, K.layers.Flatten(), K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1))
    return dict(transfer_model=model, base=base)


def _fine_tuned(K, explode=False):
    values = _transfer(K, trainable=True, explode=explode)
    for layer in values["base"].layers:  # 07 q3: the batch normalisation stays frozen while fine-tuning
        if isinstance(layer, K.layers.BatchNormalization):
            layer.trainable = False
    values["optimizer"] = K.optimizers.Adam(1e-4)
    values["transfer_model"].compile(optimizer=values["optimizer"], loss=K.losses.SparseCategoricalCrossentropy(),
                                     metrics=["accuracy"])
    return values


def _scratch(K, explode=False):
    values = _transfer(K)
    fresh = frozen_base(K, trainable=True)
    values["scratch_model"] = (exploding(K, fresh, K.layers.Flatten(), K.layers.Dropout(0.4),
                                         K.layers.Dense(10, activation="softmax"), shape=(28, 28, 1))
                               if explode else transfer_sequential(K, fresh))
    return values


ANSWERS = {
    q1: [
        ("raises", UNCHECKABLE, lambda K: _transfer(K, explode=True)),
        ("wrong type: None", INCORRECT, lambda K: dict(_transfer(K), transfer_model=None)),
        ("alternative: Sequential around the base", CORRECT, lambda K: _transfer(K)),
    ],
    q2: [
        ("raises", UNCHECKABLE, lambda K: _scratch(K, explode=True)),
        ("wrong type: a path", INCORRECT, lambda K: dict(_scratch(K), scratch_model="scratch.keras")),
        ("alternative: the same network written out", CORRECT, lambda K: _scratch(K)),
    ],
    q3: [
        ("raises", UNCHECKABLE, lambda K: _fine_tuned(K, explode=True)),
        ("wrong type: a learning rate for the optimizer", INCORRECT, lambda K: dict(_fine_tuned(K), optimizer=1e-4)),
        ("alternative: a loss object", CORRECT, lambda K: _fine_tuned(K)),
    ],
}
