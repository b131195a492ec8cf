"""Checks for ``04_cnn_mnist``: convolution and pooling by hand, the CNN, its accuracy, save/reload.

Every check accepts what the rest of the notebook works with: the hand-written functions must
return NumPy arrays (the cells below call ``.shape`` and ``.astype`` on them); the CNN may be
Sequential or Functional, with ``Dense(10)`` + ``Softmax()`` or global pooling instead of
``Flatten`` (the filter and feature-map cells find the first ``Conv2D`` layer by type), and must
scale the 0–255 bytes the notebook feeds it once, before the first convolution (a ``Rescaling``
layer, to 0–1 or to −1–1), and every convolution block needs an activation (its own, or an
activation layer before the next convolution), since a stack of linear blocks is one linear map.
The accuracy floor depends on the mode and on the ``dataset`` parameter of the run
(:data:`helpers.data.images.IMAGE_SETS`).
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value
from ..checks.kinds import AccuracyQuestion, FunctionQuestion

__all__ = ["q1", "q2", "q3", "q4", "q5"]


def _reference_conv(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def _reference_pool(fmap, size=2, stride=1):
    rows, cols = (fmap.shape[0] - size) // stride + 1, (fmap.shape[1] - size) // stride + 1
    return np.array([[fmap[i * stride:i * stride + size, j * stride:j * stride + size].max() for j in range(cols)]
                     for i in range(rows)])


_RNG = np.random.default_rng(0)
_CONV_CASES = [((_RNG.integers(-5, 6, shape).astype(float), _RNG.integers(-2, 3, kshape).astype(float)), {})
               for shape, kshape in (((5, 6), (3, 3)), ((7, 4), (2, 3)))]
_FMAP = np.array([[1, 1, 3, 4], [3, 2, 1, 0], [4, 6, 7, 8], [1, 1, 2, 4]], dtype=float)


class Conv(FunctionQuestion):
    """``conv2d_valid(image, kernel)``: a 'valid' 2-D convolution (cross-correlation, as Keras does)."""

    function = "conv2d_valid"
    signature = "def conv2d_valid(image, kernel):"
    cases = _CONV_CASES
    hint_text = ["The output has (H − kh + 1) × (W − kw + 1) cells.",
                 "Each output cell is the sum of the element-wise product of the kernel and the patch under it."]
    solution_text = ("def conv2d_valid(image, kernel):\n    kh, kw = kernel.shape\n"
                     "    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))\n"
                     "    for i in range(out.shape[0]):\n        for j in range(out.shape[1]):\n"
                     "            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)\n    return out")

    def reference(self, image, kernel):
        return _reference_conv(image, kernel)

    def wrong_values(self, args, kwargs, got, want):
        return ("The shape is right but some values are wrong. Keras does not flip the kernel: multiply it with "
                "the patch as it is.")


class Pool(FunctionQuestion):
    """``max_pool(fmap, size, stride)``: max pooling."""

    function = "max_pool"
    signature = "def max_pool(fmap, size=2, stride=1):"
    cases = [((_FMAP,), {"size": 2, "stride": 2}), ((_FMAP,), {"size": 2, "stride": 1}),
             ((_FMAP[:3],), {"size": 2, "stride": 1}), ((_FMAP,), {"size": 3, "stride": 1}),
             ((_FMAP,), {"size": 3, "stride": 2})]
    hint_text = ["With stride s the window starts at rows 0, s, 2s, … as long as it fits.",
                 "Output size per axis: (n − size) // stride + 1."]
    solution_text = ("def max_pool(fmap, size=2, stride=1):\n    rows = (fmap.shape[0] - size) // stride + 1\n"
                     "    cols = (fmap.shape[1] - size) // stride + 1\n    out = np.zeros((rows, cols))\n"
                     "    for i in range(rows):\n        for j in range(cols):\n"
                     "            out[i, j] = fmap[i * stride:i * stride + size, j * stride:j * stride + size].max()\n"
                     "    return out")

    def reference(self, fmap, size=2, stride=1):
        return _reference_pool(fmap, size, stride)

    def wrong_values(self, args, kwargs, got, want):
        return (f"Values are wrong with size {kwargs['size']} and stride {kwargs['stride']}: each cell is the largest "
                f"value in its size × size window.")

    def wrong_shape(self, args, kwargs, got, want):
        return (f"With size {kwargs['size']} and stride {kwargs['stride']} a {args[0].shape[0]}×{args[0].shape[1]} map "
                f"pools to shape {want.shape}; got {got.shape}. Use both arguments: the window is size × size.")


class BuildCNN(Question):
    """``model``: convolution, batch normalisation and pooling, 10 class probabilities."""

    variables = ("model",)
    hint_text = ["Start by scaling the bytes to 0–1 with a Rescaling layer; then stack blocks of Conv2D, "
                 "MaxPooling2D, BatchNormalization and an activation; then turn the feature maps into one vector "
                 "and classify.",
                 "The input is (28, 28, 1): height, width, one grey channel. The output layer needs one unit per "
                 "class and an activation that turns scores into probabilities."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28, 1)),\n"
                     "    keras.layers.Rescaling(1 / 255),\n"
                     "    keras.layers.Conv2D(32, 3, padding=\"same\", use_bias=False),\n    keras.layers.MaxPooling2D(2),\n"
                     "    keras.layers.BatchNormalization(momentum=0.9),\n    keras.layers.ReLU(),\n"
                     "    keras.layers.Conv2D(64, 3, padding=\"same\", use_bias=False),\n    keras.layers.MaxPooling2D(2),\n"
                     "    keras.layers.BatchNormalization(momentum=0.9),\n    keras.layers.ReLU(),\n"
                     "    keras.layers.Flatten(),\n    keras.layers.Dropout(0.4),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        import keras

        self.expect(ins.is_model(model), f"`model` should be a Keras model; it is {describe_value(model)}.")
        self.expect(ins.input_shape(model) == (28, 28, 1),
                    f"The input should be 28×28 images with one channel; it is {ins.input_shape(model)}.")
        layers = ins.layers_of(model)
        for kind in (keras.layers.Conv2D, keras.layers.BatchNormalization, keras.layers.MaxPooling2D):
            self.expect(any(isinstance(layer, kind) for layer in layers), f"The network needs a {kind.__name__} layer.")
        self._scales_once(layers)
        missing = _blocks_without_activation(layers)
        self.expect(not missing, f"Convolution block {missing[0] if missing else ''} has no activation. A "
                                 f"convolution and a batch normalisation are both linear, so without an activation "
                                 f"the block passes on linear combinations of its inputs (the pooling only picks "
                                 f"among them). Give every block an activation after its convolution.")
        shape = model.output_shape
        self.expect(len(shape) == 2 and shape[-1] == 10,
                    f"The output should be one row of 10 class probabilities per image; the model outputs shape "
                    f"{shape}. Turn the feature maps into one vector before the Dense output layer."
                    if len(shape) != 2 else f"The output should have one unit per class; it has {shape[-1]}.")
        images = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
        out = self.call(lambda x: ins.run_model(model, x), images, what="model(images)")
        self.expect(np.all(out >= 0) and np.allclose(out.sum(axis=1), 1, atol=1e-3),
                    "The output layer should turn scores into probabilities that add up to 1.")
        convs = sum(isinstance(layer, keras.layers.Conv2D) for layer in layers)
        return f"{convs} convolution layer{'s' if convs > 1 else ''}, {model.count_params():,} parameters."

    def _scales_once(self, layers):
        """Incorrect unless the layers before the first convolution map the bytes 0–255 onto a range of about 1 or 2."""
        import keras

        first = next(i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D))
        scalings = [layer for layer in layers[:first] if isinstance(layer, keras.layers.Rescaling)]
        self.expect(scalings, "The images arrive as bytes 0–255: the network should scale them to 0–1 itself, with a "
                              "keras.layers.Rescaling layer before the first convolution.")
        ends = np.array([0.0, 255.0])
        for layer in scalings:
            ends = ends * float(np.mean(layer.scale)) + float(np.mean(layer.offset))
        low, high = ends.min(), ends.max()
        self.expect(len(scalings) == 1 or high - low > 0.5,
                    f"The bytes are scaled more than once: after your {len(scalings)} Rescaling layers the pixel "
                    f"values 0–255 end up between {low:.3g} and {high:.3g}. Scale them once, to 0–1.")
        self.expect(high - low > 0.5 and max(abs(low), abs(high)) < 1.01,
                    f"Your Rescaling maps the bytes 0–255 to {low:.3g}–{high:.3g}; the network learns best on 0–1.")


def _blocks_without_activation(layers):
    """Numbers (1, 2, ...) of the convolution blocks whose convolution is followed by no activation.

    A block runs from a ``Conv2D`` up to the next ``Conv2D`` or the layer that turns the maps into a vector;
    the convolution's own ``activation=`` counts, and so does any activation layer inside the block.
    """
    import keras

    ends = (keras.layers.Conv2D, keras.layers.Flatten, keras.layers.GlobalAveragePooling2D,
            keras.layers.GlobalMaxPooling2D, keras.layers.Reshape, keras.layers.Dense)
    convs = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)]
    missing = []
    for number, i in enumerate(convs, 1):
        end = next((j for j in range(i + 1, len(layers)) if isinstance(layers[j], ends)), len(layers))
        own = ins.activation_name(layers[i]) not in (None, "linear")
        later = any(ins.is_activation_layer(layer) and ins.activation_name(layer) != "linear"
                    for layer in layers[i + 1:end])
        if not (own or later):
            missing.append(number)
    return missing


class TestAccuracy(AccuracyQuestion):
    """The trained CNN reaches the accuracy floor (the table of image data sets) on the held-out test images."""

    variables = ("model", "x_test", "y_test")
    hint_text = ["Train a few more epochs, and let the model scale the bytes to [0, 1] (a Rescaling layer).",
                 "x_test needs the channel axis too: shape (n, 28, 28, 1)."]
    solution_text = ("history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, "
                     "batch_size=batch_size)")
    advice = ""


class Reload(Question):
    """``reloaded``: the model saved as ``.keras`` and loaded back predicts exactly the same."""

    variables = ("model", "reloaded", "x_test")
    hint_text = ["A model saves itself to a file with one of its own methods (the file name ends in .keras); a "
                 "function in `keras.models` loads such a file into a new model."]
    solution_text = "model.save(path)\nreloaded = keras.models.load_model(path)"

    def check_values(self, model, reloaded, x_test):
        self.expect(ins.is_model(reloaded), f"`reloaded` should be the Keras model loaded back from the file; "
                                            f"it is {describe_value(reloaded)}.")
        self.expect(reloaded is not model, "`reloaded` should be a new model loaded from the file, not `model` itself.")
        sample = x_test[:64]
        ours = self.call(model.predict, sample, verbose=0, what="model.predict(x_test[:64])")
        theirs = self.call(reloaded.predict, sample, verbose=0, what="reloaded.predict(x_test[:64])")
        self.expect(np.shape(ours) == np.shape(theirs) and np.allclose(ours, theirs, atol=1e-6),
                    "The reloaded model predicts differently: save the trained model, then load that file.")


q1 = Conv("q1", "Convolution by hand")
q2 = Pool("q2", "Max pooling by hand")
q3 = BuildCNN("q3", "A convolutional network")
q4 = TestAccuracy("q4", "Test accuracy")
q5 = Reload("q5", "Save and reload")
