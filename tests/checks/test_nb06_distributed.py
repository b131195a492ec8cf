"""Checks of ``helpers.questions.nb06_distributed`` (06_distributed): its solutions are correct, known-wrong answers
are not (without giving the answer away), and every solution text runs when pasted into its blank; the teaching text
states what Keras does.  Its tables (``NEVER``, ``HINT_NEVER``, ``ANSWERS``: see ``tests/giveaways.py``) are at
the end."""

import math
import types
from pathlib import Path

import numpy as np
import pytest

from checks.fakes import DIGITS, Broken, ModelLikeBroken, PredictRaises, Predicts
from giveaways import outcome
from helpers.checks.question import CORRECT, INCORRECT, UNCHECKABLE
from helpers.data.images import floor_for
from helpers.run.state import set_mode
from helpers.questions import nb06_distributed as n06
from helpers.questions.nb06_distributed import q1, q2, q3, q4, q5

ROOT = Path(__file__).resolve().parents[2]


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


def small_model(keras):
    L = keras.layers
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), L.Conv2D(2, 3), L.Flatten(),
                             L.Dense(10, activation="softmax")])


def test_global_batch_and_learning_rate():
    """The notebook trains with Adam: the square-root rule. The linear rule (SGD's) and no scaling are wrong here."""
    two = types.SimpleNamespace(num_replicas_in_sync=2)
    base = {"batch_size": 64, "learning_rate": 0.002, "strategy": two}
    root = 0.002 * math.sqrt(2)
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=root, **base) == CORRECT
    assert outcome(q1, global_batch_size=np.int64(128), scaled_learning_rate=np.float32(root), **base) == CORRECT
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.002 * 2 ** 0.5, **base) == CORRECT
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.002 * np.sqrt(2), **base) == CORRECT
    assert outcome(q1, global_batch_size=64, scaled_learning_rate=root, **base) == INCORRECT  # one replica's share
    assert outcome(q1, global_batch_size=32, scaled_learning_rate=root, **base) == INCORRECT  # divided
    assert outcome(q1, global_batch_size=128.0, scaled_learning_rate=root, **base) == INCORRECT  # not a count
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.002, **base) == INCORRECT  # not scaled
    assert outcome(q1, global_batch_size=128, scaled_learning_rate=0.002 / math.sqrt(2), **base) == INCORRECT  # wrong way
    linear = q1.evaluate(global_batch_size=128, scaled_learning_rate=0.004, **base)  # SGD's rule, applied to Adam
    assert linear.outcome == INCORRECT and "SGD" in linear.message, linear
    one = types.SimpleNamespace(num_replicas_in_sync=1)  # one GPU: nothing to scale
    assert outcome(q1, global_batch_size=64, scaled_learning_rate=0.002, batch_size=64, learning_rate=0.002,
                   strategy=one) == CORRECT
    namespace = {"batch_size": 64, "learning_rate": 0.002, "strategy": two}
    exec(q1.solution_text, namespace)  # noqa: S102 – our own constant
    assert outcome(q1, **{v: namespace[v] for v in q1.variables}) == CORRECT


class Replicas:
    """A strategy as q2 sees it: the real one-replica strategy of this process, reporting ``n`` replicas."""

    def __init__(self, strategy, n):
        self.extended, self.num_replicas_in_sync, self.scope = strategy.extended, n, strategy.scope


def test_model_built_and_compiled_in_scope(keras, strategy):
    rate = 0.002 * math.sqrt(2)  # learning_rate 0.002 on two replicas: the square-root rule
    two = Replicas(strategy, 2)

    def compiled(model, optimizer=None, **kwargs):
        options = dict(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        options.update(kwargs)
        model.compile(optimizer=optimizer() if optimizer else keras.optimizers.Adam(rate), **options)  # made here
        return model

    def judged(model):
        return outcome(q2, model=model, strategy=two, learning_rate=0.002)

    def in_scope(**kwargs):
        with strategy.scope():
            return compiled(small_model(keras), **kwargs)

    assert judged(in_scope()) == CORRECT
    assert judged(in_scope(loss=keras.losses.SparseCategoricalCrossentropy())) == CORRECT  # a loss object
    assert judged(in_scope(metrics=["accuracy", "sparse_top_k_categorical_accuracy"])) == CORRECT  # more metrics
    assert judged(compiled(small_model(keras))) == INCORRECT  # weights outside the scope
    with strategy.scope():
        built_only = small_model(keras)
    assert judged(compiled(built_only)) == INCORRECT  # optimizer outside the scope
    with strategy.scope():
        uncompiled = small_model(keras)
    assert judged(uncompiled) == INCORRECT
    with strategy.scope():
        binary = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
    assert judged(compiled(binary)) == INCORRECT
    # what a later cell needs and what the task text asks (issue 22):
    assert judged(in_scope(loss="categorical_crossentropy")) == INCORRECT  # integer labels: fit would fail
    assert judged(in_scope(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))) == INCORRECT
    assert judged(in_scope(metrics=None)) == INCORRECT  # the curves and evaluate read the accuracy
    assert judged(in_scope(metrics=["sparse_categorical_accuracy"])) == INCORRECT  # reported under another name
    assert judged(in_scope(optimizer=lambda: keras.optimizers.Adam(0.002))) == INCORRECT  # the unscaled rate: q1's point
    assert judged(in_scope(optimizer=lambda: keras.optimizers.Adam(0.004))) == INCORRECT  # SGD's linear rule
    assert judged(in_scope(optimizer=lambda: keras.optimizers.SGD(rate))) == INCORRECT  # the task asks for Adam
    unscaled = q2.evaluate(model=in_scope(optimizer=lambda: keras.optimizers.Adam(0.002)), strategy=two,
                           learning_rate=0.002)
    assert "question 1" in unscaled.message, unscaled
    namespace = {"keras": keras, "strategy": two, "scaled_learning_rate": rate,
                 "build_model": lambda: small_model(keras)}
    exec(q2.solution_text, namespace)  # noqa: S102
    assert judged(namespace["model"]) == CORRECT


def test_batch_job_callbacks(keras, tmp_path):
    import os
    from pathlib import Path

    cb = keras.callbacks
    run_dir = tmp_path / "run"
    backup = cb.BackupAndRestore(run_dir / "backup")
    best = cb.ModelCheckpoint(run_dir / "best.keras", monitor="val_accuracy", save_best_only=True)
    board = cb.TensorBoard(run_dir / "logs")
    plateau = cb.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)

    def judged(callbacks):
        return outcome(q3, callbacks=callbacks, run_dir=run_dir)

    assert judged([backup, best, board, plateau]) == CORRECT
    assert judged([plateau, board, best, backup]) == CORRECT  # any order
    assert judged([backup, best, board, plateau, cb.EarlyStopping(patience=3)]) == CORRECT  # one more
    as_text = [cb.BackupAndRestore(str(run_dir / "backup")),
               cb.ModelCheckpoint(os.path.join(str(run_dir), "best.keras"), monitor="val_accuracy",
                                  save_best_only=True, mode="max"),
               cb.TensorBoard(log_dir=f"{run_dir}/logs"), cb.ReduceLROnPlateau(factor=0.5, patience=2)]
    assert judged(as_text) == CORRECT  # paths as strings; ReduceLROnPlateau's default monitor
    assert judged([best, board, plateau]) == INCORRECT  # no resume
    every_epoch = cb.ModelCheckpoint(run_dir / "best.keras", monitor="val_accuracy")
    assert judged([backup, every_epoch, board, plateau]) == INCORRECT  # saves every epoch
    assert judged([backup, board, plateau]) == INCORRECT  # no best model
    assert judged([backup, best, plateau]) == INCORRECT  # no logs
    assert judged(backup) == INCORRECT  # not a list
    # what a later cell needs and what the task text asks (issue 22):
    elsewhere = cb.ModelCheckpoint(tmp_path / "model.keras", monitor="val_accuracy", save_best_only=True)
    assert judged([backup, elsewhere, board, plateau]) == INCORRECT  # the later cell loads run_dir / "best.keras"
    by_loss = cb.ModelCheckpoint(run_dir / "best.keras", save_best_only=True)  # monitor val_loss
    assert judged([backup, by_loss, board, plateau]) == INCORRECT  # the task says by validation accuracy
    assert judged([cb.BackupAndRestore(tmp_path / "b"), best, board, plateau]) == INCORRECT
    assert judged([backup, best, cb.TensorBoard(tmp_path / "tb"), plateau]) == INCORRECT
    assert judged([backup, best, board]) == INCORRECT  # no ReduceLROnPlateau
    assert judged([backup, best, board, cb.ReduceLROnPlateau()]) == INCORRECT  # defaults: × 0.1 after 10 epochs
    assert judged([backup, best, board, cb.ReduceLROnPlateau(factor=0.5)]) == INCORRECT  # patience 10
    assert judged([backup, best, board, cb.ReduceLROnPlateau(patience=2)]) == INCORRECT  # factor 0.1
    namespace = {"keras": keras, "run_dir": Path(run_dir)}
    exec(q3.solution_text, namespace)  # noqa: S102
    assert judged(namespace["callbacks"]) == CORRECT
    hints = " ".join(q3.hint_text)
    for name in ("BackupAndRestore", "ModelCheckpoint", "TensorBoard", "ReduceLROnPlateau"):
        assert name in hints, f"q3's hints name the four callbacks the task asks for: {name} missing"


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


def test_accuracy_floor_is_measured_for_this_notebook():
    """06 trains 2 epochs in quick mode, not 04's 5: its floor is its own, below the lowest measured accuracy."""
    from helpers.data.images import IMAGE_SETS

    set_mode(True)
    floor = floor_for("06_distributed", "mnist", True)
    assert IMAGE_SETS["mnist"].floors["06_distributed"].quick == floor
    assert "taskset" in n06.__doc__ and "seeds" in n06.__doc__, "the module says how the floor was measured"
    y = np.arange(1000) % 10
    x = np.zeros((1000, 28, 28, 1))
    just = y.copy()
    just[: int(round(1000 * (1 - floor)))] += 1  # exactly at the floor
    assert outcome(q5, model=FakeModel(just % 10), x_test=x, y_test=y) == CORRECT
    below = y.copy()
    below[: int(round(1000 * (1 - floor))) + 5] += 1  # half a point under it
    assert outcome(q5, model=FakeModel(below % 10), x_test=x, y_test=y) == INCORRECT
    set_mode(False)
    assert floor_for("06_distributed", "mnist", False) > floor  # full mode trains longer, on all of MNIST


def _solution_cell(path, *markers):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if c.cell_type == "code" and all(m in c.source for m in markers))


def test_the_model_is_notebook_04s_cnn_with_two_changes(keras):
    """06 says "the CNN of notebook 04, with two changes": every layer and setting the same, but synchronised batch
    normalisation and a float32 output layer."""
    root = ROOT
    namespace = {"keras": keras}
    keras.mixed_precision.set_global_policy("mixed_float16")  # where a float32 output layer differs
    try:
        exec(_solution_cell(root / "solutions" / "04_cnn_mnist.ipynb", "BEGIN SOLUTION", "Conv2D("), namespace)  # noqa
        cnn04 = namespace["model"]
        exec(_solution_cell(root / "solutions" / "06_distributed.ipynb", "def build_model"), namespace)  # noqa: S102
        cnn06 = namespace["build_model"]()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert cnn06.count_params() == cnn04.count_params()
    assert [type(a).__name__ for a in cnn06.layers] == [type(b).__name__ for b in cnn04.layers]
    changes = []
    for a, b in zip(cnn06.layers, cnn04.layers):
        ca, cb = a.get_config(), b.get_config()
        for key in sorted(set(ca) | set(cb) - {"name"}):
            if key != "name" and ca.get(key) != cb.get(key):
                changes.append((type(a).__name__, key, ca.get(key)))
    dtypes = [c for c in changes if c[1] == "dtype"]
    assert len(dtypes) == 1 and dtypes[0][0] == "Dense", changes  # the output layer computes in float32
    assert "float32" in str(dtypes[0][2])
    others = [c for c in changes if c[1] != "dtype"]
    assert others and all(c[:2] == ("BatchNormalization", "synchronized") and c[2] is True for c in others), changes


def test_the_teaching_text_states_what_keras_does(keras):
    """Issue 22: 06's prose agrees with Keras 3 (the defaults it names are the real ones) and with its checks."""
    import inspect

    import nbformat

    nb = nbformat.read(ROOT / "solutions" / "06_distributed.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    defaults = inspect.signature(keras.callbacks.ReduceLROnPlateau).parameters
    assert f"`factor={defaults['factor'].default}` and `patience={defaults['patience'].default}`" in text
    assert "halves the learning rate" not in text  # only the notebook's own factor does
    key_points = text[text.index("## Key points"):]
    assert "is the **global** batch" in key_points and "batch_size` per replica" not in key_points
    assert "SGD" in key_points and "√*k* for Adam" in key_points  # the linear rule is SGD's
    assert "Goyal" in text and "Malladi" in text and "square-root rule" in text
    assert "LossScaleOptimizer" in key_points and "scale_loss" in text and "apply_gradients" in text
    assert "tensorboard --logdir" in text and "ssh -L 6006:localhost:6006" in text


def test_replica_loss_names_the_call_that_raised_and_a_missing_return(tf, keras):
    """A ``compute_loss`` that raises is named in the message, with its inputs; one that returns ``None`` is told so."""
    loss_object = keras.losses.SparseCategoricalCrossentropy(reduction=None)

    def swapped(labels, predictions):  # the arguments in the wrong order: Keras raises on the shapes
        return tf.nn.compute_average_loss(loss_object(predictions, labels), global_batch_size=128)

    raised = q4.evaluate(compute_loss=swapped, global_batch_size=128)
    assert raised.outcome == UNCHECKABLE and "`compute_loss(labels, predictions)` on an array" in raised.message
    assert isinstance(raised.error, ValueError), raised
    forgot = q4.evaluate(compute_loss=lambda labels, predictions: None, global_batch_size=128)
    assert forgot.outcome == INCORRECT and "`None`" in forgot.message and "return" in forgot.message, forgot
    tensor = q4.evaluate(compute_loss=tf.constant(0.5), global_batch_size=128)  # a value, not the function
    assert tensor.outcome == INCORRECT and "a TensorFlow tensor" in tensor.message, tensor
    not_a_model = q2.evaluate(model=small_model, strategy=None, learning_rate=0.002)  # build_model, not called
    assert not_a_model.outcome == INCORRECT and "`function`" in not_a_model.message, not_a_model


# --- the tables -----------------------------------------------------------------------------------------------------
NEVER = {
    q1: ("** 0.5", "sqrt", "square root", "√", "batch_size * strategy"),
    q2: ("sparse_categorical_crossentropy", "Adam(scaled_learning_rate)", "with strategy.scope()", "build_model()"),
    q3: ("save_best_only=True", "factor=0.5", "patience=2", "BackupAndRestore(", "monitor=\"val_accuracy\""),
    q4: ("compute_average_loss", "reduce_sum", "/ global_batch_size"),
    q5: ("model.fit(", "batch_size=global_batch_size"),
}

#: 06's hints once spelled out q2's lines (h1: the scope, h2: the optimizer) and q4's call (h2).
HINT_NEVER = {
    q1: ("batch_size * strategy.num_replicas_in_sync", "** 0.5", "learning_rate * strategy"),
    q2: ("with strategy.scope():", "model = build_model()", "Adam(scaled_learning_rate)",
         "loss=\"sparse_categorical_crossentropy\""),
    q3: ("BackupAndRestore(run_dir", "save_best_only=True", "factor=0.5", "patience=2", "run_dir / \""),
    q4: ("compute_average_loss(per_example_loss", "global_batch_size=global_batch_size",
         "loss_object(labels, predictions)"),
    q5: ("model.fit(x_train", "batch_size=global_batch_size"),
}


def one_replica():
    """The real strategy of this process: one replica (the same API as on several devices)."""
    from helpers.distribute import tensorflow

    return tensorflow().distribute.MirroredStrategy(["/cpu:0"])


class _StrategyGone:
    """A strategy whose cluster is gone (a worker of a multi-worker job died): asking it anything fails."""

    @property
    def num_replicas_in_sync(self):
        raise RuntimeError("worker 1 of the cluster is unavailable: Socket closed")


def _scaled(**values):
    """q1's values on two replicas, batch 64 and rate 0.002, with ``values`` changed."""
    two = types.SimpleNamespace(num_replicas_in_sync=2)
    return dict(dict(global_batch_size=128, scaled_learning_rate=0.002 * math.sqrt(2), batch_size=64,
                     learning_rate=0.002, strategy=two), **values)


def _functional_in_scope(K):
    strategy = one_replica()
    L = K.layers
    with strategy.scope():
        inputs = K.Input(shape=(28, 28, 1))
        model = K.Model(inputs, L.Dense(10, activation="softmax")(L.Flatten()(L.Conv2D(2, 3)(inputs))))
        model.compile(optimizer=K.optimizers.Adam(0.002), loss=K.losses.SparseCategoricalCrossentropy(),
                      metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    return dict(model=model, strategy=strategy, learning_rate=0.002)


def _callbacks(K, run_dir, as_text=False, container=list, extra=()):
    """The four callbacks of q3 in ``run_dir`` (paths as strings with ``as_text``), in ``container``."""
    cb = K.callbacks

    def where(name):
        return f"{run_dir}/{name}" if as_text else run_dir / name

    return container([cb.BackupAndRestore(where("backup")),
                      cb.ModelCheckpoint(where("best.keras"), monitor="val_accuracy", save_best_only=True),
                      cb.TensorBoard(where("logs")), cb.ReduceLROnPlateau(factor=0.5, patience=2), *extra])


def _replica_losses(K):
    """``(tf, per-example loss object)`` as the notebook's custom loop has them."""
    from helpers.distribute import tensorflow

    return tensorflow(), K.losses.SparseCategoricalCrossentropy(reduction=None)


def _swapped_arguments(K):
    tf, loss_object = _replica_losses(K)
    return dict(compute_loss=lambda labels, predictions: tf.nn.compute_average_loss(
        loss_object(predictions, labels), global_batch_size=128), global_batch_size=128)


def _summed_by_hand(K):
    tf, loss_object = _replica_losses(K)
    return dict(compute_loss=lambda labels, predictions: tf.reduce_sum(loss_object(labels, predictions)) / 128,
                global_batch_size=128)


ANSWERS = {
    q1: [
        ("raises", UNCHECKABLE, lambda K: _scaled(strategy=_StrategyGone())),
        ("wrong type: None", INCORRECT, lambda K: _scaled(global_batch_size=None)),
        ("wrong type: a list", INCORRECT, lambda K: _scaled(scaled_learning_rate=[0.002 * math.sqrt(2)])),
        ("alternative: math.sqrt, NumPy integers", CORRECT,
         lambda K: _scaled(global_batch_size=np.int64(64) * 2, batch_size=np.int64(64))),
    ],
    q2: [
        ("raises", UNCHECKABLE, lambda K: dict(model=ModelLikeBroken(), strategy=one_replica(), learning_rate=0.002)),
        ("wrong type: None", INCORRECT, lambda K: dict(model=None, strategy=one_replica(), learning_rate=0.002)),
        ("wrong type: the function that builds the model", INCORRECT,
         lambda K: dict(model=lambda: small_model(K), strategy=one_replica(), learning_rate=0.002)),
        ("alternative: Functional, a loss object, one more metric", CORRECT, _functional_in_scope),
    ],
    q3: [
        ("raises", UNCHECKABLE, lambda K: dict(callbacks=_callbacks(K, Path("run").resolve()), run_dir=Broken())),
        ("wrong type: one callback, not a list", INCORRECT,
         lambda K: dict(callbacks=_callbacks(K, Path("run").resolve())[0], run_dir=Path("run").resolve())),
        ("wrong type: None", INCORRECT, lambda K: dict(callbacks=None, run_dir=Path("run").resolve())),
        ("alternative: a tuple, paths as strings, one more callback", CORRECT, lambda K: dict(
            callbacks=_callbacks(K, Path("run").resolve(), as_text=True, container=tuple,
                                 extra=[K.callbacks.EarlyStopping(patience=4)]), run_dir=str(Path("run").resolve()))),
    ],
    q4: [
        ("raises", UNCHECKABLE, _swapped_arguments),
        ("wrong type: returns None", INCORRECT,
         lambda K: dict(compute_loss=lambda labels, predictions: None, global_batch_size=128)),
        ("wrong type: a loss value, not the function", INCORRECT,
         lambda K: dict(compute_loss=_replica_losses(K)[0].constant(0.5), global_batch_size=128)),
        ("alternative: the sum divided by hand", CORRECT, _summed_by_hand),
    ],
    q5: [
        ("raises", UNCHECKABLE, lambda K: dict(model=PredictRaises(), x_test=np.zeros((40, 28, 28, 1)), y_test=DIGITS)),
        ("wrong type: the path of the best model", INCORRECT,
         lambda K: dict(model="run/best.keras", x_test=np.zeros((40, 28, 28, 1)), y_test=DIGITS)),
        ("alternative: one-hot y_test", CORRECT, lambda K: dict(model=Predicts(np.eye(10)[DIGITS]),
                                                               x_test=np.zeros((40, 28, 28, 1)),
                                                               y_test=np.eye(10)[DIGITS])),
    ],
}
