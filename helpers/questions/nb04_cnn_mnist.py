"""Checks for ``04_cnn_mnist``: convolution and pooling by hand, the CNN, its accuracy, save/reload."""

import numpy as np

from ..checking import Question
from ..context import is_quick

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _reference_conv(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


class Conv(Question):
    """``conv2d_valid(image, kernel)``: a 'valid' 2-D convolution (cross-correlation, as Keras does)."""

    variables = ("conv2d_valid",)
    hint_text = ["The output has (H − kh + 1) × (W − kw + 1) cells.",
                 "Each output cell is the sum of the element-wise product of the kernel and the patch under it."]
    solution_text = ("def conv2d_valid(image, kernel):\n    kh, kw = kernel.shape\n"
                     "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
                     "    for i in range(out.shape[0]):\n        for j in range(out.shape[1]):\n"
                     "            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\n    return out")

    def check_values(self, conv2d_valid):
        rng = np.random.default_rng(0)
        for shape, kshape in (((5, 6), (3, 3)), ((7, 4), (2, 3))):
            image, kernel = rng.integers(-5, 6, shape).astype(float), rng.integers(-2, 3, kshape).astype(float)
            got = np.asarray(conv2d_valid(image, kernel))
            want = _reference_conv(image, kernel)
            self.expect(got.shape == want.shape, f"For a {shape} image and {kshape} kernel the output should be "
                                                 f"{want.shape[0]}×{want.shape[1]}; got {got.shape}.")
            self.expect(np.allclose(got, want), "The shape is right but some values are wrong. Keras does not flip "
                                                "the kernel: multiply it with the patch as it is.")


class Pool(Question):
    """``max_pool(fmap, size, stride)``: max pooling."""

    variables = ("max_pool",)
    hint_text = ["With stride s the window starts at rows 0, s, 2s, … as long as it fits.",
                 "Output size per axis: (n − size) // stride + 1."]
    solution_text = ("def max_pool(fmap, size=2, stride=1):\n    rows = (fmap.shape[0] - size) // stride + 1\n"
                     "    cols = (fmap.shape[1] - size) // stride + 1\n    out = np.zeros((rows, cols))\n"
                     "    for i in range(rows):\n        for j in range(cols):\n"
                     "            out[i, j] = fmap[i * stride:i * stride + size, j * stride:j * stride + size].max()\n"
                     "    return out")

    def check_values(self, max_pool):
        fmap = np.array([[1, 1, 3, 4], [3, 2, 1, 0], [4, 6, 7, 8], [1, 1, 2, 4]], dtype=float)
        for stride, want in ((2, [[3, 4], [6, 8]]), (1, [[3, 3, 4], [6, 7, 8], [6, 7, 8]])):
            got = np.asarray(max_pool(fmap, size=2, stride=stride))
            self.expect(got.shape == np.shape(want), f"With size 2 and stride {stride} a 4×4 map should give "
                                                     f"{np.shape(want)}; got {got.shape}.")
            self.expect(np.array_equal(got, want), f"Values are wrong with stride {stride}: each cell is the "
                                                   "largest value in its window.")


class BuildCNN(Question):
    """``model``: convolution, pooling and batch normalisation, 10-way softmax."""

    variables = ("model",)
    hint_text = ["Stack Conv2D → BatchNormalization → MaxPooling2D blocks, then flatten and classify.",
                 "The input is (28, 28, 1): height, width, one grey channel."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28, 1)),\n"
                     "    keras.layers.Conv2D(32, 3, activation=\"relu\"),\n    keras.layers.BatchNormalization(momentum=0.9),\n"
                     "    keras.layers.MaxPooling2D(2),\n    keras.layers.Conv2D(64, 3, activation=\"relu\"),\n"
                     "    keras.layers.BatchNormalization(momentum=0.9),\n    keras.layers.MaxPooling2D(2),\n"
                     "    keras.layers.Flatten(),\n    keras.layers.Dropout(0.3),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        import keras

        self.expect(isinstance(model, keras.Model), "`model` should be a Keras model.")
        self.expect(tuple(model.input_shape[1:]) == (28, 28, 1), "The input should be 28×28 images with one channel.")
        kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.BatchNormalization)
        for kind in kinds:
            self.expect(any(isinstance(l, kind) for l in model.layers), f"The network needs a {kind.__name__} layer.")
        self.expect(model.output_shape[-1] == 10, f"The output should have one unit per class; it has {model.output_shape[-1]}.")
        self.expect(model.layers[-1].get_config().get("activation") == "softmax",
                    "The output layer should turn scores into probabilities that sum to 1.")


class TestAccuracy(Question):
    """The trained CNN reaches the accuracy floor on the held-out test digits."""

    variables = ("model", "x_test", "y_test")
    hint_text = ["Train a few more epochs, and scale the pixels to [0, 1].",
                 "x_test needs the channel axis too: shape (n, 28, 28, 1)."]
    solution_text = "history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=batch_size)"

    def check_values(self, model, x_test, y_test):
        floor = 0.97 if is_quick() else 0.99
        labels = np.asarray(y_test)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels
        accuracy = float(np.mean(np.asarray(model.predict(x_test, verbose=0)).argmax(axis=1) == labels))
        self.expect(accuracy >= floor, f"Test accuracy is {accuracy:.1%}; it should be at least {floor:.0%}.")
        return f"Test accuracy {accuracy:.2%} (floor {floor:.0%})."


class Reload(Question):
    """``reloaded``: the model saved as ``.keras`` and loaded back predicts exactly the same."""

    variables = ("model", "reloaded", "x_test")
    hint_text = ["model.save(path) with a path ending in .keras, then keras.models.load_model(path)."]
    solution_text = "model.save(path)\nreloaded = keras.models.load_model(path)"

    def check_values(self, model, reloaded, x_test):
        self.expect(reloaded is not model, "`reloaded` should be a new model loaded from the file, not `model` itself.")
        sample = x_test[:64]
        same = np.allclose(model.predict(sample, verbose=0), reloaded.predict(sample, verbose=0), atol=1e-6)
        self.expect(same, "The reloaded model predicts differently: save the trained model, then load that file.")


q1 = Conv("q1", "Convolution by hand")
q2 = Pool("q2", "Max pooling by hand")
q3 = BuildCNN("q3", "A convolutional network")
q4 = TestAccuracy("q4", "Test accuracy")
q5 = Reload("q5", "Save and reload")
