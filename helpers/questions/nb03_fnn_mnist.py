"""Checks for ``03_fnn_mnist``: one-hot labels, the network, its loss, test accuracy and regularisation.

* ``q1`` ``y_train_onehot``: the training labels one-hot encoded (and decodable with ``argmax``).
* ``q2`` ``model``: Flatten → hidden Dense (ReLU) → a probability for each of the 10 digits.
* ``q3`` ``model`` compiled with the cross-entropy that fits one-hot labels and probabilities.
* ``q4`` the trained ``model`` reaches an accuracy floor on ``x_test``/``y_test`` (measured here).
* ``q5`` ``regularized_model``: the over-sized network with an L2 weight penalty and Dropout on hidden layers.

All checks use the public Keras 3 API only (``model.layers``, ``layer.get_config()``,
``model.output_shape``, ``model.loss``, calling the model).
"""

import numpy as np

from ..checking import Question
from ..context import is_quick

__all__ = ["q1", "q2", "q3", "q4", "q5"]

QUICK_FLOOR = 0.93
FULL_FLOOR = 0.97


def _is_keras_model(obj):
    import keras

    return isinstance(obj, keras.Model)


def _activation_name(layer):
    """The activation a layer applies, as a lower-case name ("linear" when none)."""
    import keras

    if isinstance(layer, keras.layers.ReLU):
        return "relu"
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    activation = layer.get_config().get("activation", "linear")
    if callable(activation):
        activation = keras.activations.serialize(activation)
    if isinstance(activation, dict):
        activation = activation.get("config", activation.get("class_name", "linear"))
    return str(activation).lower()


def _hidden_activation(layers, i):
    """The activation of Dense layer ``layers[i]``, or of an activation layer right after a linear one."""
    import keras

    name = _activation_name(layers[i])
    if name == "linear" and i + 1 < len(layers) and isinstance(
            layers[i + 1], (keras.layers.Activation, keras.layers.ReLU)):
        name = _activation_name(layers[i + 1])
    return name


def _outputs(model, n=4, seed=0):
    """Run ``model`` on a few random 28×28 images and return its outputs as a NumPy array."""
    import keras

    x = np.random.default_rng(seed).random((n, 28, 28)).astype("float32")
    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))


def _check_classifier(question, model):
    """Shared checks: a Keras model from 28×28 images, flattened, to 10 probabilities."""
    import keras

    question.expect(_is_keras_model(model), "This should be a Keras model, e.g. built with keras.Sequential([...]).")
    question.expect(tuple(model.input_shape[1:]) == (28, 28),
                    f"The model should take 28×28 images as input; its input shape is {model.input_shape}.")
    layers = model.layers
    kinds = [type(layer) for layer in layers]
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
    question.expect(keras.layers.Flatten in kinds and dense and kinds.index(keras.layers.Flatten) < dense[0],
                    "Dense layers work on vectors: turn each 28×28 image into a vector of 784 pixels before them.")
    question.expect(len(dense) >= 2, "There is no hidden layer: put at least one Dense layer before the output layer.")
    for i in dense[:-1]:
        question.expect(_hidden_activation(layers, i) == "relu",
                        f"The hidden Dense layer '{layers[i].name}' should use the ReLU activation.")
    question.expect(len(model.output_shape) == 2 and model.output_shape[-1] == 10,
                    f"The output should be one number per digit class (10 of them); the model outputs shape "
                    f"{model.output_shape}.")
    out = _outputs(model)
    question.expect(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1.0, atol=1e-3),
                    "The outputs are not probabilities: for every image they should be ≥ 0 and add up to 1 "
                    "across the 10 classes. Check the output layer's activation.")
    return layers, dense


class OneHot(Question):
    """``y_train_onehot``: the training labels as one-hot rows."""

    variables = ("y_train_onehot", "y_train")
    hint_text = ["Each label becomes a row of 10 numbers: zeros everywhere except a 1 in the column of the label "
                 "(label 3 → [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]).",
                 "Keras has a utility for this in keras.utils; give it the labels and the number of classes."]
    solution_text = "y_train_onehot = keras.utils.to_categorical(y_train, 10)"

    def check_values(self, y_train_onehot, y_train):
        onehot, labels = np.asarray(y_train_onehot), np.asarray(y_train)
        self.expect(onehot.ndim == 2 and len(onehot) == len(labels),
                    f"Expected one row per training label ({len(labels)} rows); got shape {onehot.shape}.")
        self.expect(onehot.shape[1] == 10, f"Each row should have one column per digit class; got {onehot.shape[1]}.")
        self.expect(np.all(np.isin(onehot, (0, 1))) and np.all(onehot.sum(axis=1) == 1),
                    "Each row should hold a single 1 and zeros elsewhere.")
        self.expect(np.array_equal(onehot.argmax(axis=1), labels),
                    "The 1 is in the wrong column for some labels: np.argmax of a row should give back its label.")
        return f"{onehot.shape[0]} labels → shape {onehot.shape}, and argmax gives them back."


class BuildModel(Question):
    """``model``: Flatten → hidden Dense (ReLU) → 10 class probabilities."""

    variables = ("model",)
    hint_text = ["Start with keras.Input(shape=(28, 28)), then a layer that turns each image into one long vector.",
                 "One hidden Dense layer with a few hundred units and the ReLU activation; the output layer needs "
                 "one unit per class and an activation that turns scores into probabilities.",
                 "keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
                 "keras.layers.Dense(..., activation=...), keras.layers.Dense(..., activation=...)])"]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28)),\n    keras.layers.Flatten(),\n"
                     "    keras.layers.Dense(256, activation=\"relu\"),\n    keras.layers.Dropout(0.2),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        _check_classifier(self, model)
        return f"{len(model.layers)} layers, {model.count_params():,} parameters, 10 probabilities out."


class Compile(Question):
    """``model`` compiled with categorical cross-entropy and an optimizer."""

    variables = ("model",)
    hint_text = ["The labels are one-hot rows and the output is a probability for each of 10 classes: "
                 "which cross-entropy compares two such distributions?",
                 "Keras has three cross-entropies: binary (one yes/no output), sparse categorical (integer "
                 "labels) and one for one-hot labels.",
                 "model.compile(optimizer=\"adam\", loss=\"...\", metrics=[\"accuracy\"])"]
    solution_text = 'model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])'

    def check_values(self, model):
        import keras

        self.expect(_is_keras_model(model), "`model` should be the Keras model from question 2.")
        loss = getattr(model, "loss", None)
        self.expect(loss is not None, "The model is not compiled yet: call model.compile(...) with a loss.")
        name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", "")
        name = str(name).lower().replace("_", "")
        self.expect(not name.startswith("sparse"),
                    "Sparse cross-entropy expects integer labels (0–9), but the labels here are one-hot rows.")
        self.expect("binary" not in name,
                    "Binary cross-entropy is for a single yes/no output; here there are 10 exclusive classes.")
        self.expect(name == "categoricalcrossentropy",
                    "For class probabilities the loss should be a cross-entropy (not an error between numbers, "
                    "like mean squared error), and the one that fits one-hot labels.")
        config = loss.get_config() if hasattr(loss, "get_config") else {}
        self.expect(not config.get("from_logits", False),
                    "from_logits=True expects raw scores, but the model already outputs probabilities.")
        optimizer = getattr(model, "optimizer", None)
        self.expect(isinstance(optimizer, keras.optimizers.Optimizer), "Give compile() an optimizer.")
        return f"Cross-entropy for one-hot labels, optimizer {type(optimizer).__name__}."


class TestAccuracy(Question):
    """The trained ``model`` reaches the accuracy floor on the held-out test digits."""

    variables = ("model", "x_test", "y_test")
    hint_text = ["Did you scale the pixels to [0, 1] for both the training and the test images?",
                 "Look at the training curves: if both accuracies are still climbing, train for more epochs; if "
                 "training accuracy is low too, give the hidden layer more units.",
                 "Train with model.fit(x_train, y_train_onehot, validation_data=(x_val, y_val_onehot), "
                 "epochs=epochs, batch_size=batch_size) before checking."]
    solution_text = ("history = model.fit(x_train, y_train_onehot, validation_data=(x_val, y_val_onehot),\n"
                     "                    epochs=epochs, batch_size=batch_size, verbose=2)")

    def check_values(self, model, x_test, y_test):
        floor = QUICK_FLOOR if is_quick() else FULL_FLOOR
        labels = np.asarray(y_test)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
        probabilities = np.asarray(model.predict(x_test, verbose=0))
        self.expect(probabilities.ndim == 2 and len(probabilities) == len(labels),
                    f"Expected one row of class probabilities per test image; the model gave shape "
                    f"{probabilities.shape} for {len(labels)} images.")
        accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
        self.expect(accuracy >= floor, f"Test accuracy is {accuracy:.1%}; it should be at least {floor:.0%} in "
                                       f"{'quick' if is_quick() else 'full'} mode. Train longer, or check the "
                                       "preprocessing of the test images.")
        return f"Test accuracy {accuracy:.1%} (floor {floor:.0%})."


class Regularized(Question):
    """``regularized_model``: the classifier with an L2 penalty on hidden weights and Dropout after a hidden layer."""

    variables = ("regularized_model",)
    hint_text = ["Two cures in one model: a penalty on large weights in the hidden Dense layers, and a layer "
                 "that randomly switches off some hidden outputs while training.",
                 "Dense(..., kernel_regularizer=keras.regularizers.l2(...)) adds the weight penalty; "
                 "keras.layers.Dropout(rate) goes right after a hidden layer.",
                 "keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
                 "keras.layers.Dense(128, activation=\"relu\", kernel_regularizer=...), keras.layers.Dropout(...), "
                 "(the same again for the second hidden layer), keras.layers.Dense(10, activation=\"softmax\")])"]
    solution_text = ("regularized_model = keras.Sequential([\n    keras.Input(shape=(28, 28)),\n"
                     "    keras.layers.Flatten(),\n"
                     "    keras.layers.Dense(128, activation=\"relu\", kernel_regularizer=keras.regularizers.l2(1e-4)),\n"
                     "    keras.layers.Dropout(0.5),\n"
                     "    keras.layers.Dense(128, activation=\"relu\", kernel_regularizer=keras.regularizers.l2(1e-4)),\n"
                     "    keras.layers.Dropout(0.5),\n    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, regularized_model):
        import keras

        layers, dense = _check_classifier(self, regularized_model)
        hidden = [layers[i] for i in dense[:-1]]
        penalties = [layer.kernel_regularizer.get_config() for layer in hidden if layer.kernel_regularizer is not None]
        if not penalties:
            self.expect(all(layer.bias_regularizer is None for layer in hidden),
                        "The penalty is on the biases; overfitting comes from large weights (the kernel).")
            self.expect(regularized_model.layers[dense[-1]].kernel_regularizer is None,
                        "Put the weight penalty on the hidden Dense layers, which hold most of the weights.")
        self.expect(penalties, "No weight penalty found on the weights (kernel) of a hidden Dense layer.")
        self.expect(any(float(p.get("l2", 0.0)) > 0 for p in penalties),
                    "The weight penalty should be L2 (on squared weights) with a factor above 0.")
        self.expect(all(float(p.get("l2", 0.0)) <= 0.1 for p in penalties),
                    "The L2 factor is so large that the penalty would swamp the loss; try values around 1e-4–1e-3.")
        drops = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dropout)]
        self.expect(drops, "No Dropout layer found.")
        self.expect(any(dense[0] < i < dense[-1] for i in drops),
                    "Put Dropout right after a hidden Dense layer, between it and the output layer.")
        rates = [layers[i].rate for i in drops]
        self.expect(all(0 < rate < 1 for rate in rates), "A Dropout rate must be between 0 and 1 (e.g. 0.2–0.5).")
        return f"L2 factor {max(float(p.get('l2', 0)) for p in penalties):g}, dropout rate {max(rates):g}."


q1 = OneHot("q1", "One-hot labels")
q2 = BuildModel("q2", "A fully connected network")
q3 = Compile("q3", "Loss and optimizer")
q4 = TestAccuracy("q4", "Test accuracy")
q5 = Regularized("q5", "L2 and dropout")
