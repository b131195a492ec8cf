"""Checks for ``06_distributed``: global batch, the model in ``strategy.scope()``, batch-job callbacks,
the per-replica loss of the custom loop, and the accuracy."""

import math

import numpy as np

from ..checks.question import Question
from ..checks.kinds import AccuracyQuestion

__all__ = ["q1", "q2", "q3", "q4", "q5"]


class GlobalBatch(Question):
    """``global_batch_size`` and ``scaled_learning_rate`` from the per-replica values and the strategy."""

    variables = ("global_batch_size", "scaled_learning_rate", "batch_size", "learning_rate", "strategy")
    hint_text = ["Each replica takes `batch_size` examples per step; `strategy.num_replicas_in_sync` says how many "
                 "replicas step together.",
                 "A bigger batch gives a less noisy gradient, so the learning rate grows in proportion "
                 "(the linear scaling rule)."]
    solution_text = ("global_batch_size = batch_size * strategy.num_replicas_in_sync\n"
                     "scaled_learning_rate = learning_rate * strategy.num_replicas_in_sync")

    def check_values(self, global_batch_size, scaled_learning_rate, batch_size, learning_rate, strategy):
        replicas = strategy.num_replicas_in_sync
        self.expect(isinstance(global_batch_size, (int, np.integer)) and not isinstance(global_batch_size, bool),
                    f"`global_batch_size` should be a whole number; got {type(global_batch_size).__name__}.")
        self.expect(global_batch_size == batch_size * replicas,
                    f"`global_batch_size` should count the examples of one step on all {replicas} replicas together, "
                    f"each taking `batch_size` of them.")
        self.expect(isinstance(scaled_learning_rate, (int, float, np.floating)) and
                    math.isclose(float(scaled_learning_rate), learning_rate * replicas, rel_tol=1e-9),
                    "`scaled_learning_rate` should grow in the same proportion as the batch did.")
        return f"{replicas} replica(s) × {batch_size} = a global batch of {global_batch_size}."


class ModelInScope(Question):
    """``model``: built and compiled inside ``strategy.scope()``, 10-way output."""

    variables = ("model", "strategy")
    hint_text = ["Variables are placed when they are created: everything that creates them (building the model, "
                 "compile's optimizer) goes inside `with strategy.scope():`.",
                 "build_model() makes the network; compile it with keras.optimizers.Adam(scaled_learning_rate)."]
    solution_text = ("with strategy.scope():\n    model = build_model()\n"
                     "    model.compile(optimizer=keras.optimizers.Adam(scaled_learning_rate),\n"
                     "                  loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])")

    def check_values(self, model, strategy):
        import keras

        self.expect(isinstance(model, keras.Model), "`model` should be a Keras model.")
        self.expect(model.output_shape[-1] == 10, "The output should have one unit per class.")
        in_scope = strategy.extended.variable_created_in_scope
        self.expect(all(in_scope(w.value) for w in model.weights),
                    "The model's weights were created outside the strategy: build the model inside its scope.")
        optimizer = getattr(model, "optimizer", None)
        self.expect(optimizer is not None and getattr(model, "compiled", False), "Compile the model too.")
        self.expect(in_scope(optimizer.iterations.value),
                    "The optimizer was created outside the strategy: compile inside its scope as well.")


class BatchJobCallbacks(Question):
    """``callbacks``: backup for resuming, best-model checkpoint, TensorBoard logs."""

    variables = ("callbacks",)
    hint_text = ["Three problems of a batch job: it may be killed (resume), it may overfit late (keep the best "
                 "model), nobody watches it (log for later).",
                 "keras.callbacks has BackupAndRestore, ModelCheckpoint and TensorBoard; each takes a path in "
                 "run_dir."]
    solution_text = ("callbacks = [\n    keras.callbacks.BackupAndRestore(run_dir / \"backup\"),\n"
                     "    keras.callbacks.ModelCheckpoint(run_dir / \"best.keras\", monitor=\"val_accuracy\", "
                     "save_best_only=True),\n    keras.callbacks.TensorBoard(run_dir / \"logs\"),\n"
                     "    keras.callbacks.ReduceLROnPlateau(monitor=\"val_loss\", factor=0.5, patience=2),\n]")

    def check_values(self, callbacks):
        import keras

        self.expect(isinstance(callbacks, (list, tuple)), "`callbacks` should be a list of Keras callbacks.")
        kinds = keras.callbacks

        def find(kind):
            return [c for c in callbacks if isinstance(c, kind)]

        self.expect(find(kinds.BackupAndRestore), "A killed or preempted job would start again from epoch 1: "
                                                  "add the callback that backs up the training state.")
        self.expect(find(kinds.ModelCheckpoint), "The last epoch is not always the best: keep the best model in a file.")
        self.expect(all(c.save_best_only for c in find(kinds.ModelCheckpoint)),
                    "The model file should only be replaced when the monitored metric improves.")
        self.expect(find(kinds.TensorBoard), "Nobody watches a batch job: write logs to look at afterwards.")


class TestAccuracy(AccuracyQuestion):
    """The model trained with ``MirroredStrategy`` reaches the single-device floor of notebook 04."""

    hint_text = ["Train a few more epochs, and check the pixels are scaled to [0, 1] with a channel axis.",
                 "A much larger global batch needs the scaled learning rate: did you compile with it?"]
    solution_text = ("history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,\n"
                     "                    batch_size=global_batch_size, callbacks=callbacks, verbose=2)")
    advice = "The single-device CNN of notebook 04 reaches it."


class ReplicaLoss(Question):
    """``compute_loss(labels, predictions)``: one replica's share of the loss, over the global batch."""

    variables = ("compute_loss", "global_batch_size")
    hint_text = ["The replicas' gradients are summed. If each replica averaged over its own examples, the sum "
                 "would be too large by the number of replicas.",
                 "tf.nn.compute_average_loss(per_example_loss, global_batch_size=...) sums and divides."]
    solution_text = ("def compute_loss(labels, predictions):\n    per_example_loss = loss_object(labels, predictions)\n"
                     "    return tf.nn.compute_average_loss(per_example_loss, global_batch_size=global_batch_size)")

    def check_values(self, compute_loss, global_batch_size):
        self.expect(callable(compute_loss), "`compute_loss` should be a function (labels, predictions) -> loss.")
        rng = np.random.default_rng(6)
        local = max(1, int(global_batch_size) // 2)  # one of two replicas
        logits = rng.normal(size=(local, 10))
        probs = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype("float32")
        labels = rng.integers(0, 10, local)
        per_example = -np.log(probs[np.arange(local), labels])
        got = np.asarray(compute_loss(labels, probs), dtype=float)
        self.expect(got.shape == (), f"`compute_loss` should return one number; got shape {got.shape}.")
        want = per_example.sum() / global_batch_size
        if math.isclose(float(got), per_example.mean(), rel_tol=1e-4) and local != global_batch_size:
            self.expect(False, "That is the mean over this replica's examples only: with several replicas the "
                               "summed gradients would be too large.")
        self.expect(math.isclose(float(got), want, rel_tol=1e-4),
                    "The value is wrong: use the cross-entropy of each example, summed and divided by the "
                    "global batch size.")


q1 = GlobalBatch("q1", "Global batch size and learning rate")
q2 = ModelInScope("q2", "The model in strategy.scope()")
q3 = BatchJobCallbacks("q3", "Callbacks for a batch job")
q4 = ReplicaLoss("q4", "One replica's loss in the custom loop")
q5 = TestAccuracy("q5", "Test accuracy with MirroredStrategy")
