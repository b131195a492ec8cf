"""Checks for ``03_fnn_mnist``: one-hot labels, the network, its loss, and test accuracy."""

import numpy as np

from ..checking import Question
from ..runtime import is_quick

__all__ = ["q1", "q2", "q3", "q4"]


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


class OneHot(Question):
    """``y_train_onehot``: the training labels as one-hot rows."""

    variables = ("y_train_onehot", "y_train")
    hint_text = ["Each label becomes a row of 10 numbers with a single 1.",
                 "keras.utils.to_categorical(labels, num_classes) does it."]
    solution_text = "y_train_onehot = keras.utils.to_categorical(y_train, 10)"

    def check_values(self, y_train_onehot, y_train):
        onehot = np.asarray(y_train_onehot)
        self.expect(onehot.ndim == 2 and len(onehot) == len(y_train),
                    f"Expected one row per training label; got shape {onehot.shape}.")
        self.expect(onehot.shape[1] == 10, f"Each row should have one column per digit class; got {onehot.shape[1]}.")
        self.expect(np.all(onehot.sum(axis=1) == 1) and set(np.unique(onehot)) <= {0, 1},
                    "Each row should hold a single 1 and zeros elsewhere.")
        self.expect(np.array_equal(onehot.argmax(axis=1), np.asarray(y_train)),
                    "The 1 is in the wrong column for some labels: argmax of a row should give back the label.")


class BuildModel(Question):
    """``model``: Flatten → hidden Dense (relu) → 10-way softmax."""

    variables = ("model",)
    hint_text = ["Images are 28×28: flatten them into vectors before the Dense layers.",
                 "keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(..., "
                 "activation=...), keras.layers.Dense(..., activation=...)])"]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28)),\n    keras.layers.Flatten(),\n"
                     "    keras.layers.Dense(256, activation=\"relu\"),\n    keras.layers.Dropout(0.2),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        import keras

        self.expect(isinstance(model, keras.Model), "`model` should be a Keras model (keras.Sequential).")
        self.expect(tuple(model.input_shape[1:]) == (28, 28), "The model should take 28×28 images as input.")
        self.expect("Flatten" in _layer_types(model), "Dense layers need vectors: flatten the images first.")
        dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
        self.expect(len(dense) >= 2, "Add at least one hidden Dense layer before the output layer.")
        self.expect(all(l.get_config()["activation"] == "relu" for l in dense[:-1]),
                    "Hidden layers should use the ReLU activation.")
        self.expect(model.output_shape[-1] == 10, f"The output should have one unit per class; it has {model.output_shape[-1]}.")
        self.expect(dense[-1].get_config()["activation"] == "softmax",
                    "The output layer should turn scores into probabilities that sum to 1.")


class Compile(Question):
    """``model`` compiled with categorical cross-entropy and accuracy."""

    variables = ("model",)
    hint_text = ["The labels are one-hot, and the output is a probability distribution over 10 classes.",
                 "model.compile(optimizer=\"adam\", loss=..., metrics=[\"accuracy\"])"]
    solution_text = 'model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])'

    def check_values(self, model):
        import keras

        loss = getattr(model, "loss", None)
        self.expect(loss is not None, "Compile the model first: model.compile(...).")
        name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
        name = str(name).lower()
        self.expect("categorical" in name and "sparse" not in name and "binary" not in name,
                    "With one-hot labels and a softmax output, use the cross-entropy loss for one-hot targets.")
        self.expect(isinstance(model.optimizer, keras.optimizers.Optimizer), "Give compile() an optimizer.")


class TestAccuracy(Question):
    """The trained ``model`` reaches the accuracy floor on the held-out test digits."""

    variables = ("model", "x_test", "y_test")
    hint_text = ["Train for a few more epochs, or give the hidden layer more units.",
                 "Did you scale the pixels to [0, 1] for both training and test images?"]
    solution_text = "history = model.fit(x_train, y_train_onehot, validation_data=(x_val, y_val_onehot), epochs=epochs, batch_size=batch_size)"

    def check_values(self, model, x_test, y_test):
        floor = 0.93 if is_quick() else 0.97
        labels = np.asarray(y_test)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
        predicted = np.asarray(model.predict(x_test, verbose=0)).argmax(axis=1)
        accuracy = float(np.mean(predicted == labels))
        self.expect(accuracy >= floor, f"Test accuracy is {accuracy:.1%}; it should be at least {floor:.0%}. "
                                       "Train longer or check your preprocessing.")
        return f"Test accuracy {accuracy:.1%} (floor {floor:.0%})."


q1 = OneHot("q1", "One-hot labels")
q2 = BuildModel("q2", "A fully connected network")
q3 = Compile("q3", "Loss and optimizer")
q4 = TestAccuracy("q4", "Test accuracy")
