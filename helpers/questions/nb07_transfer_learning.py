"""Checks for ``07_transfer_learning``: a frozen base with a new head, a network from scratch, fine-tuning.

* ``q1`` ``transfer_model``: the trained ``base``, frozen, inside a new model with a new 10-class head.
* ``q2`` ``scratch_model``: the same architecture with fresh weights, all trainable, sharing nothing with ``base``.
* ``q3`` fine-tuning: ``base`` unfrozen but for its BatchNormalization layers, and ``transfer_model`` compiled again
  with Adam at a smaller learning rate.

Why q3 freezes the batch normalisation instead of q1 calling the base with ``training=False`` (the Keras guide's
advice): in Keras 3.15 ``fit`` passes ``training=True`` to every layer of a Functional model, overriding that
argument (keras-team/keras#20285; ``tests/checks/test_nb07_transfer_learning.py`` pins it), while a
BatchNormalization layer whose ``trainable`` is False always runs in inference mode and keeps the source's statistics.

Every check accepts a Sequential or a Functional model, and any head that ends in 10 probabilities.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value

__all__ = ["q1", "q2", "q3"]

HEAD_LEARNING_RATE = 1e-3  # the rate the notebook trains the new head with


def _weight_ids(layer):
    return {id(w) for w in layer.weights}


def _expect_classifier(question, model, name):
    question.expect(ins.is_model(model), f"`{name}` should be a Keras model; it is {describe_value(model)}.")
    question.expect(ins.input_shape(model) == (28, 28, 1),
                    f"`{name}` should take 28×28 images with one channel; its input shape is {ins.input_shape(model)}.")
    shape = model.output_shape
    question.expect(len(shape) == 2 and shape[-1] == 10,
                    f"`{name}` should output one row of 10 class probabilities per image; it outputs {shape}.")
    out = question.call(ins.run_model, model, np.random.default_rng(0).integers(0, 256, (2, 28, 28, 1)).astype("float32"),
                        what=f"{name}(images)")
    question.expect(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1, atol=1e-3),
                    f"`{name}`'s outputs are not probabilities that add up to 1: check its output layer.")


class TransferModel(Question):
    """``transfer_model``: the trained, frozen ``base`` and a new head for the target's 10 classes."""

    variables = ("transfer_model", "base")
    hint_text = ["Freeze the base first (one attribute of the layer), then build a model that calls `base` on its "
                 "input and puts a new head on top: flatten, dropout, 10 probabilities.",
                 "`base` is a layer like any other: call it on a `keras.Input` of the image shape, put the head's "
                 "layers on its result and make a `keras.Model` from the input to the output (or list `base` first "
                 "in a `keras.Sequential`). Set its `trainable` attribute before the model is compiled."]
    solution_text = ("base.trainable = False\n"
                     "inputs = keras.Input(shape=(28, 28, 1))\n"
                     "x = base(inputs)\n"
                     "x = keras.layers.Flatten()(x)\n"
                     "x = keras.layers.Dropout(0.4)(x)\n"
                     "outputs = keras.layers.Dense(10, activation=\"softmax\")(x)\n"
                     "transfer_model = keras.Model(inputs, outputs)")

    def check_values(self, transfer_model, base):
        self.expect(ins.is_model(base), f"`base` should be the trained convolutional base; it is {describe_value(base)}.")
        _expect_classifier(self, transfer_model, "transfer_model")
        self.expect(any(layer is base for layer in transfer_model.layers),
                    "`transfer_model` should reuse the trained `base` itself (call it on the input), not a new copy.")
        self.expect(not base.trainable, "The base is still trainable: freeze it before training the new head, or the "
                                        "first large steps of the random head would wreck its learned filters.")
        frozen = _weight_ids(base)
        trainable = [w for w in transfer_model.trainable_weights if id(w) not in frozen]
        self.expect(trainable and len(trainable) == len(transfer_model.trainable_weights),
                    "Only the new head should be trainable.")
        n_train = sum(int(np.prod(w.shape)) for w in trainable)
        return f"{n_train:,} trainable parameters in the new head, {base.count_params():,} frozen in the base."


class ScratchModel(Question):
    """``scratch_model``: the same architecture as ``transfer_model``, with fresh weights, all trainable."""

    variables = ("scratch_model", "transfer_model", "base")
    hint_text = ["The fair comparison is the same network that starts from random weights: build a new base with "
                 "`make_base()` and the same head.",
                 "Only the base is new; the head is the one of question 1, layer for layer. A `keras.Sequential` "
                 "of the input, the fresh base and the head's three layers is the shortest way to write it."]
    solution_text = ("scratch_model = keras.Sequential([\n    keras.Input(shape=(28, 28, 1)),\n    make_base(),\n"
                     "    keras.layers.Flatten(),\n    keras.layers.Dropout(0.4),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, scratch_model, transfer_model, base):
        _expect_classifier(self, scratch_model, "scratch_model")
        self.expect(not (_weight_ids(scratch_model) & _weight_ids(base)),
                    "`scratch_model` shares weights with the trained `base`: it should start from fresh random "
                    "weights (a new base), or it is not trained from scratch.")
        self.expect(scratch_model.count_params() == transfer_model.count_params(),
                    f"`scratch_model` has {scratch_model.count_params():,} parameters and `transfer_model` "
                    f"{transfer_model.count_params():,}: for a fair comparison use the same architecture.")
        self.expect(scratch_model.trainable and all(layer.trainable for layer in ins.layers_of(scratch_model)),
                    "Every layer of `scratch_model` should be trainable: nothing is frozen when training from scratch.")
        return f"{scratch_model.count_params():,} parameters, the same architecture, all to be learned."


class FineTune(Question):
    """Fine-tuning: ``base`` unfrozen but its batch normalisation, ``transfer_model`` compiled again with a smaller rate."""

    variables = ("transfer_model", "base", "optimizer")
    hint_text = ["Make the base trainable again (the attribute you set to freeze it), then set the same attribute "
                 "back on each of its BatchNormalization layers; pick the same optimizer as before with a learning "
                 "rate about ten times smaller.",
                 "`base.trainable` takes a bool, and so does each layer's in `base.layers` (test it with "
                 "`isinstance(layer, keras.layers.BatchNormalization)`); the head trained with "
                 "`keras.optimizers.Adam(1e-3)`: divide that rate by ten."]
    solution_text = ("base.trainable = True\n"
                     "for layer in base.layers:\n"
                     "    if isinstance(layer, keras.layers.BatchNormalization):\n"
                     "        layer.trainable = False  # runs in inference mode: the source's statistics stay\n"
                     "optimizer = keras.optimizers.Adam(1e-4)")

    def check_values(self, transfer_model, base, optimizer):
        import keras

        _expect_classifier(self, transfer_model, "transfer_model")
        self.expect(base.trainable is True, "The base is still frozen: fine-tuning trains its weights too.")
        norms = [layer for layer in ins.layers_of(base) if isinstance(layer, keras.layers.BatchNormalization)]
        self.expect(not any(layer.trainable for layer in norms),
                    "The base's batch-normalisation layers are trainable again: while fine-tuning they would replace "
                    "the source's statistics with those of a few small batches of the target. Keep them frozen; "
                    "the rest of the base trains.")
        base_ids = _weight_ids(base)
        self.expect(any(id(w) in base_ids for w in transfer_model.trainable_weights),
                    "`transfer_model` trains none of the base's weights: unfreeze the base that the model uses.")
        self.expect(getattr(transfer_model, "optimizer", None) is not None and ins.loss_name(transfer_model),
                    "Compile `transfer_model` again after unfreezing the base (run the whole cell).")
        self.expect(not isinstance(optimizer, str),
                    "`optimizer` is a name, which means the optimizer's default learning rate, the one the head "
                    "trained with: create the optimizer object with a smaller rate.")
        self.expect(transfer_model.optimizer is optimizer,
                    "`transfer_model` was not compiled with your `optimizer`: run the whole cell again.")
        self.expect(isinstance(optimizer, keras.optimizers.Adam),
                    f"The question asks for the optimizer the head trained with, Adam, at a smaller rate; "
                    f"`optimizer` is {type(optimizer).__name__}.")
        rate = ins.learning_rate(transfer_model)
        self.expect(rate is not None, "Give the optimizer a fixed learning rate, e.g. `keras.optimizers.Adam(...)`.")
        self.expect(rate < HEAD_LEARNING_RATE / 2,
                    f"The learning rate is {rate:g}: fine-tuning should take small steps, well below the "
                    f"{HEAD_LEARNING_RATE:g} the head trained with, so the learned filters are adjusted, not overwritten.")
        self.expect(rate >= 1e-6, f"The learning rate is {rate:g}: so small that the weights would hardly move.")
        return f"Learning rate {rate:g}, {len(transfer_model.trainable_weights)} trainable weight tensors."


q1 = TransferModel("q1", "Freeze the base, add a new head")
q2 = ScratchModel("q2", "The same network from scratch")
q3 = FineTune("q3", "Unfreeze and fine-tune")
