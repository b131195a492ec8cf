"""Checks for ``03_fnn_mnist``: one-hot labels, the network, its loss, test accuracy and regularisation.

* ``q1`` ``y_train_onehot`` and ``y_val_onehot``: the labels one-hot encoded (and decodable with ``argmax``).
* ``q2`` ``model``: 28×28 input, flattened, Dense(256, ReLU), Dropout(0.2), a probability for each of the 10 digits.
* ``q3`` ``model`` compiled with Adam, the accuracy metric and the cross-entropy that fits one-hot labels.
* ``q4`` the trained ``model`` reaches an accuracy floor on ``x_test``/``y_test`` (measured here; the floor
  depends on the mode and the run's ``dataset``: the table :data:`helpers.data.images.IMAGE_SETS`).
* ``q5`` ``regularized_model``: ``big_model``'s layers with an L2 weight penalty and Dropout on *each* hidden layer.

Every check accepts what the rest of the notebook can work with: a Functional model, an
activation given as its own layer (``Dense(10)`` + ``Softmax()``), ``Reshape((784,))`` for
``Flatten()``, a loss as a string, function or object, one-hot labels as an array or a tensor.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value
from ..checks.kinds import AccuracyQuestion

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _expect_model(question, model, name="model"):
    question.expect(ins.is_model(model), f"`{name}` should be a Keras model, e.g. built with "
                                         f"`keras.Sequential([...])`; it is {describe_value(model)}.")


def _check_classifier(question, model, name="model"):
    """Shared: a Keras model from 28×28 images, flattened, hidden ReLU layers, 10 probabilities out."""
    _expect_model(question, model, name)
    question.expect(ins.input_shape(model) == (28, 28),
                    f"`{name}` should take 28×28 images as input; its input shape is {ins.input_shape(model)}.")
    layers = ins.layers_of(model)
    dense = ins.dense_indices(layers)
    question.expect(dense and ins.flattens(model),
                    "Dense layers work on vectors: turn each 28×28 image into a vector of 784 pixels before them.")
    question.expect(len(dense) >= 2, "There is no hidden layer: put at least one Dense layer before the output layer.")
    for i, activation in zip(dense[:-1], ins.hidden_activations(model)):
        question.expect(activation == "relu", f"The hidden Dense layer `{layers[i].name}` should use the ReLU "
                                              f"activation; it uses {activation}.")
    shape = model.output_shape
    question.expect(len(shape) == 2 and shape[-1] == 10, f"The output should be one number per digit class "
                                                         f"(10 of them) for each image; the model outputs {shape}.")
    images = np.random.default_rng(0).random((4, 28, 28)).astype("float32")
    out = question.call(lambda x: ins.run_model(model, x), images, what=f"{name}(images)")
    question.expect(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3),
                    "The outputs are not probabilities: for every image they should be ≥ 0 and add up to 1 "
                    "across the 10 classes. Check the output layer's activation.")
    return layers, dense


def _onehot(question, value, name, labels):
    question.expect(value is not None and hasattr(value, "shape") and not isinstance(value, (list, tuple)),
                    f"`{name}` should be an array (one row per label); it is {describe_value(value)}.")
    onehot = np.asarray(value)
    question.expect(onehot.ndim == 2 and len(onehot) == len(labels),
                    f"`{name}`: expected one row per label ({len(labels)} rows); got shape {onehot.shape}.")
    question.expect(onehot.shape[1] == 10, f"`{name}`: each row should have one column per digit class; "
                                           f"got {onehot.shape[1]}.")
    question.expect(np.all(np.isin(onehot, (0, 1))) and np.all(onehot.sum(axis=1) == 1),
                    f"`{name}`: each row should hold a single 1 and zeros elsewhere.")
    question.expect(np.array_equal(onehot.argmax(axis=1), np.asarray(labels)),
                    f"`{name}`: the 1 is in the wrong column for some labels; np.argmax of a row should give "
                    f"back its label.")
    return onehot


class OneHot(Question):
    """``y_train_onehot``, ``y_val_onehot``: the training and validation labels as one-hot rows."""

    variables = ("y_train_onehot", "y_val_onehot", "y_train", "y_val")
    hint_text = ["Each label becomes a row of 10 numbers: zeros everywhere except a 1 in the column of the label "
                 "(label 3 → [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]). Do it for both `y_train` and `y_val`.",
                 "Keras has a utility for this in `keras.utils`; give it the labels and the number of classes."]
    solution_text = ("y_train_onehot = keras.utils.to_categorical(y_train, 10)\n"
                     "y_val_onehot = keras.utils.to_categorical(y_val, 10)")

    def check_values(self, y_train_onehot, y_val_onehot, y_train, y_val):
        onehot = _onehot(self, y_train_onehot, "y_train_onehot", y_train)
        _onehot(self, y_val_onehot, "y_val_onehot", y_val)
        return f"{onehot.shape[0]} training labels → shape {onehot.shape}, and argmax gives them back."


class BuildModel(Question):
    """``model``: 28×28 in, flattened, Dense(256, ReLU), Dropout(0.2), 10 class probabilities."""

    variables = ("model",)
    hint_text = ["After the input that the question gives, Dense layers need vectors, not images: which layer of "
                 "`keras.layers` turns each 28×28 image into one long vector?",
                 "The output layer needs one unit per class and an activation that turns 10 scores into "
                 "probabilities that add up to 1.",
                 "`keras.Sequential` takes a list of layers, in the order of the question's four parts; a Dense "
                 "layer takes its number of units first and its activation by name."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28)),\n    keras.layers.Flatten(),\n"
                     "    keras.layers.Dense(256, activation=\"relu\"),\n    keras.layers.Dropout(0.2),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        import keras

        layers, dense = _check_classifier(self, model)
        self.expect(len(dense) == 2, f"Use exactly one hidden Dense layer (the model has {len(dense) - 1}).")
        self.expect(layers[dense[0]].units == 256, f"The hidden Dense layer should have 256 units; it has "
                                                   f"{layers[dense[0]].units}.")
        drops = [layer for layer in layers[dense[0] + 1:dense[1]] if isinstance(layer, keras.layers.Dropout)]
        self.expect(drops, "Put a Dropout layer with rate 0.2 right after the hidden layer.")
        self.expect(abs(drops[0].rate - 0.2) < 1e-9, f"The Dropout rate should be 0.2; it is {drops[0].rate:g}.")
        return f"{len(layers)} layers, {model.count_params():,} parameters, 10 probabilities out."


class Compile(Question):
    """``model`` compiled with Adam, the accuracy metric and the cross-entropy for one-hot labels."""

    variables = ("model",)
    hint_text = ["The labels are one-hot rows and the output is a probability for each of 10 classes: "
                 "which cross-entropy compares two such distributions?",
                 "Keras has three cross-entropies: binary (one yes/no output), sparse categorical (integer "
                 "labels) and one for one-hot labels."]
    solution_text = 'model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])'

    def check_values(self, model):
        _expect_model(self, model)
        name = ins.loss_name(model)
        self.expect(name is not None, "The model is not compiled yet: run the cell with `model.compile(...)`.")
        self.expect(not name.startswith("sparse"),
                    "Sparse cross-entropy expects integer labels (0–9), but the labels here are one-hot rows.")
        self.expect("binary" not in name,
                    "Binary cross-entropy is for a single yes/no output; here there are 10 exclusive classes.")
        self.expect(name == "categorical_crossentropy",
                    "For class probabilities the loss should be a cross-entropy (not an error between numbers, "
                    "like mean squared error), and the one that fits one-hot labels.")
        self.expect(not ins.loss_from_logits(model),
                    "from_logits=True expects raw scores, but the model already outputs probabilities.")
        self.expect(ins.optimizer_name(model) == "adam", "Keep the Adam optimizer (`optimizer=\"adam\"`).")
        self.expect("accuracy" in ins.metric_names(model),
                    "Keep `metrics=[\"accuracy\"]`: the cells below plot and print the accuracy under that name.")
        return "Cross-entropy for one-hot labels, optimizer Adam."


class TestAccuracy(AccuracyQuestion):
    """The trained ``model`` reaches the accuracy floor on the held-out test digits."""

    variables = ("model", "x_test", "y_test")
    hint_text = ["Did you scale the pixels to [0, 1] for both the training and the test images?",
                 "Look at the training curves: if both accuracies are still climbing, train for more epochs; if "
                 "training accuracy is low too, give the hidden layer more units.",
                 "Run the training cell to its end after your last change to the model: a model built again "
                 "starts from random weights."]
    solution_text = ("history = model.fit(x_train, y_train_onehot, validation_data=(x_val, y_val_onehot),\n"
                     "                    epochs=epochs, batch_size=batch_size, verbose=2)")

    advice = "Train longer, or check the preprocessing of the test images."

class Regularized(Question):
    """``regularized_model``: big_model's layers, an L2 kernel penalty and Dropout on each hidden layer."""

    variables = ("regularized_model",)
    hint_text = ["A weight penalty is an argument of the layer whose weights it penalises; dropout is a layer of "
                 "its own that goes after the layer whose outputs it drops.",
                 "Look at `keras.regularizers` and at the `kernel_regularizer` argument of `keras.layers.Dense`; "
                 "and at `keras.layers.Dropout(rate)`.",
                 "Start from a copy of big_model's layer list: each of its two hidden layers gets a penalty and a "
                 "Dropout layer of its own; the input, the flattening and the output layer stay as they are."]
    solution_text = ("regularized_model = keras.Sequential([\n    keras.Input(shape=(28, 28)),\n"
                     "    keras.layers.Flatten(),\n"
                     "    keras.layers.Dense(128, activation=\"relu\", kernel_regularizer=keras.regularizers.l2(1e-4)),\n"
                     "    keras.layers.Dropout(0.5),\n"
                     "    keras.layers.Dense(128, activation=\"relu\", kernel_regularizer=keras.regularizers.l2(1e-4)),\n"
                     "    keras.layers.Dropout(0.5),\n    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, regularized_model):
        import keras

        layers, dense = _check_classifier(self, regularized_model, "regularized_model")
        hidden = [layers[i] for i in dense[:-1]]
        self.expect(len(hidden) == 2 and all(layer.units == 128 for layer in hidden),
                    "Keep `big_model`'s layers: two hidden Dense layers of 128 ReLU units, then the output layer.")
        penalties = [layer.kernel_regularizer for layer in hidden]
        if not any(penalties):
            self.expect(all(layer.bias_regularizer is None for layer in hidden),
                        "The penalty is on the biases; overfitting comes from large weights (the kernel).")
            self.expect(layers[dense[-1]].kernel_regularizer is None,
                        "Put the weight penalty on the hidden Dense layers, which hold most of the weights.")
        self.expect(any(penalties), "No weight penalty found on the weights (kernel) of a hidden Dense layer.")
        self.expect(all(penalties), "Only one hidden layer has a weight penalty: give each hidden layer one.")
        factors = [float(p.get_config().get("l2", 0.0)) for p in penalties]
        self.expect(all(f > 0 for f in factors),
                    "The weight penalty should be L2 (on squared weights) with a factor above 0.")
        self.expect(all(f <= 0.1 for f in factors),
                    "The L2 factor is so large that the penalty would swamp the loss; try values around 1e-4–1e-3.")
        bounds = dense + [len(layers)]
        for k, i in enumerate(dense[:-1]):
            drops = [layer for layer in layers[i + 1:bounds[k + 1]] if isinstance(layer, keras.layers.Dropout)]
            self.expect(drops, f"No Dropout after hidden layer {k + 1}: put one right after each hidden Dense layer.")
            self.expect(all(0 < d.rate < 1 for d in drops), "A Dropout rate must be between 0 and 1 (e.g. 0.2–0.5).")
        self.expect(not any(isinstance(layer, keras.layers.Dropout) for layer in layers[dense[-1]:]),
                    "Dropout after the output layer would drop probabilities: keep it between hidden layers.")
        return f"L2 factor {max(factors):g} on both hidden layers, with dropout after each."


q1 = OneHot("q1", "One-hot labels")
q2 = BuildModel("q2", "A fully connected network")
q3 = Compile("q3", "Loss and optimizer")
q4 = TestAccuracy("q4", "Test accuracy")
q5 = Regularized("q5", "L2 and dropout")
