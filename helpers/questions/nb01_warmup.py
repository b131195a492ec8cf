"""Checks for ``01_warmup``: tensors, the data recipe, gradient descent by hand and with Keras, the logistic function.

Notation as in the whole kit (docs/notation.md): rows are samples and ``W`` is stored as Keras
stores a Dense kernel, shape (inputs, outputs), so a layer computes ``z = x W + b``.  Here
``W_true`` is 5×2 and ``b_true`` has 2 entries.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value
from ..checks.kinds import FunctionQuestion

__all__ = ["q1", "q2", "q3", "q4", "q5"]

W_TRUE = np.array([[1, 5], [2, 4], [3, 3], [4, 2], [5, 1]], dtype=float)
B_TRUE = np.array([-1, -2], dtype=float)


class TensorOp(Question):
    """``z``: x0 W_true + b_true for x0 = one sample of five ones, computed with TensorFlow."""

    variables = ("z",)
    hint_text = ["x0 is one sample, a row of shape (1, 5); W_true has shape (5, 2): multiply them with `tf.matmul`.",
                 "The product has shape (1, 2), one value per output; then add the bias, which TensorFlow adds to the "
                 "row as in the broadcasting example above."]
    solution_text = "z = tf.matmul(x0, W_true) + b_true"

    def check_values(self, z):
        self.expect_tensor(z, "z")
        z = np.asarray(z, dtype=float)
        self.expect(z.shape == (1, 2), f"Expected shape (1, 2): one sample, two outputs; got {z.shape}.")
        self.expect(np.allclose(z, np.ones((1, 5)) @ W_TRUE + B_TRUE),
                    "Right shape, wrong numbers: each output is x0 times a column of W_true, plus its bias.")


class MakeData(Question):
    """``x``, ``y``: N samples following the recipe, as float32 NumPy arrays."""

    variables = ("x", "y")
    hint_text = ["x = 5 + 5u with u uniform on [0, 1); y = x W_true + b_true + 0.2 v with v standard normal. "
                 "Use the NumPy copies W_np and b_np.",
                 "rng.uniform(size=(N, 5)) and rng.normal(size=(N, 2)); finish each with .astype(\"float32\")."]
    solution_text = ("x = (5 + 5 * rng.uniform(size=(N, 5))).astype(\"float32\")\n"
                     "y = (x @ W_np + b_np + 0.2 * rng.normal(size=(N, 2))).astype(\"float32\")")

    def check_values(self, x, y):
        for name, value in (("x", x), ("y", y)):
            self.expect_array(value, name, "the cells below use NumPy methods such as `.mean(axis=0)` on it")
            self.expect(value.dtype == np.float32, f"`{name}` has dtype {value.dtype}; TensorFlow computes in "
                                                   f"float32 and refuses to mix it with {value.dtype} in the cells "
                                                   f"below. Finish with `.astype(\"float32\")`.")
        self.expect(x.ndim == 2 and x.shape[1] == 5, f"x should have 5 columns (features); got shape {x.shape}.")
        self.expect(y.shape == (len(x), 2), f"y should have one row per sample and 2 columns; got {y.shape}.")
        self.expect(x.min() >= 5 and x.max() <= 10 and x.std() > 1, "x should be spread uniformly between 5 and 10.")
        noise = y - (x @ W_TRUE + B_TRUE)
        self.expect(abs(noise.mean()) < 0.05 and 0.15 < noise.std() < 0.25,
                    "y is not x W_true + b_true plus noise of standard deviation 0.2.")


class _CloseToTruth(Question):
    def _weights_close(self, W, b, what):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float).ravel()
        self.expect(W.shape == (5, 2), f"{what}: W should be 5×2 (inputs × outputs); got {W.shape}.")
        self.expect(np.allclose(W, W_TRUE, atol=0.05), f"{what}: W is still far from W_true; train more steps.")
        self.expect(np.allclose(b, B_TRUE, atol=0.2), f"{what}: b is still far from b_true; train more steps, "
                                                      "and remember the data were centred.")


class TapeLoop(_CloseToTruth):
    """``W_hat``, ``b_hat``: recovered by the hand-written GradientTape loop; ``losses`` recorded."""

    variables = ("W_hat", "b_hat", "losses")
    hint_text = ["Start with `losses = []`. Inside `with tf.GradientTape() as tape:` compute the predictions "
                 "`tf.matmul(xc, W) + b_c` and the mean squared error; then `tape.gradient(loss, [W, b_c])` and "
                 "`optimizer.apply_gradients(...)`.",
                 "Record `float(loss)` in `losses` at every step."]
    solution_text = ("losses = []\nfor step in range(steps):\n    with tf.GradientTape() as tape:\n"
                     "        loss = tf.reduce_mean((tf.matmul(xc, W) + b_c - yc) ** 2)\n"
                     "    optimizer.apply_gradients(zip(tape.gradient(loss, [W, b_c]), [W, b_c]))\n"
                     "    losses.append(float(loss))")

    def check_values(self, W_hat, b_hat, losses):
        self.expect(isinstance(losses, (list, tuple, np.ndarray)),
                    f"`losses` should be a list with one loss per step; it is {describe_value(losses)}.")
        try:
            values = [float(v) for v in losses]
        except (TypeError, ValueError):
            values = None
        self.expect(values is not None, "`losses` should hold one number per step: append `float(loss)`.")
        self._loss_fell(values)
        self._weights_close(W_hat, b_hat, "Hand-written loop")

    def _loss_fell(self, values):
        """Incorrect, with the reason that fits, unless the loss was recorded at every step and fell."""
        values = np.asarray(values, dtype=float)
        self.expect(np.all(np.isfinite(values)),
                    "The loss exploded: it became nan or inf, each step overshooting further than the last. That "
                    "happens with a learning rate too large for the data, as on the raw inputs above: use the "
                    "centred `xc`, `yc` and the learning rate 0.01 of the cell above.")
        self.expect(len(values) >= 100, f"`losses` has {len(values)} entries: append the loss once at every step, "
                                        f"inside the loop, so that it has one per step.")
        self.expect(np.ptp(values) > 1e-9 * max(1.0, abs(values[0])),
                    f"The loss never changed (it stayed at {values[0]:.4g}), so the weights W and b_c never changed "
                    f"either: at every step the optimizer must receive the gradients together with the variables "
                    f"W and b_c they belong to.")
        self.expect(values[-1] < values[0], f"The loss rose, from {values[0]:.4g} to {values[-1]:.4g}: the steps "
                                            f"went uphill. Let the optimizer step against the gradient of this "
                                            f"loss with respect to W and b_c.")


class KerasFit(_CloseToTruth):
    """``model``: Dense(2) trained with plain gradient descent (learning rate 0.01) on squared error."""

    variables = ("model", "x_mean", "y_mean")
    hint_text = ["The model `x W + b`, 5 inputs to 2 outputs, is one Dense layer: how many units does it need? "
                 "A Sequential model starts with `keras.Input(shape=(5,))`.",
                 "`model.compile(optimizer=..., loss=...)` takes an optimizer object from `keras.optimizers` (plain "
                 "gradient descent, at our `learning_rate`) and the loss's name; `fit` on the centred `xc`, `yc` "
                 "returns the history."]
    solution_text = ("model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(2)])\n"
                     "model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss=\"mse\")\n"
                     "history = model.fit(xc, yc, batch_size=batch_size, epochs=epochs, verbose=0)")

    def check_values(self, model, x_mean, y_mean):
        import keras

        self.expect(ins.is_model(model), f"`model` should be a Keras model; it is {describe_value(model)}.")
        self.expect(ins.input_shape(model) == (5,) and ins.output_units(model) == 2,
                    "`model` should take 5 inputs and give 2 outputs.")
        self.expect(ins.loss_name(model) is not None, "The model is not compiled yet: call `model.compile(...)` with "
                                                      "the optimizer and the loss, then train it.")
        self.expect(ins.optimizer_name(model) == "sgd" and ins.momentum(model) == 0.0
                    and abs((ins.learning_rate(model) or 0) - 0.01) < 1e-9,
                    "Use plain gradient descent (SGD without momentum) with learning rate 0.01.")
        self.expect(ins.loss_name(model) == "mean_squared_error", "Use the squared-error loss.")
        dense = ins.first_layer_of(model, keras.layers.Dense)
        kernel, bias = (keras.ops.convert_to_numpy(w) for w in dense.weights)
        self._weights_close(kernel, np.asarray(y_mean) + bias - np.asarray(x_mean) @ kernel, "model.fit")


class Logistic(FunctionQuestion):
    """``logistic(x, w, b)`` = 1 / (1 + exp(−(b + w x))), computed with NumPy."""

    function = "logistic"
    signature = "def logistic(x, w, b):"
    cases = [((np.linspace(-5, 5, 11), w, b), {}) for w, b in ((1, 0), (3, -2), (-0.5, 1))]
    hint_text = ["np.exp works element-wise on arrays.", "Mind the sign: exp(−(b + w·x))."]
    solution_text = "def logistic(x, w, b):\n    return 1 / (1 + np.exp(-(b + w * x)))"

    def reference(self, x, w, b):
        return 1 / (1 + np.exp(-(b + w * x)))

    def wrong_values(self, args, kwargs, got, want):
        return (f"Wrong values for w={args[1]}, b={args[2]}: the curve should rise from 0 to 1 as b + w·x grows, "
                f"and be 0.5 where b + w·x = 0.")


q1 = TensorOp("q1", "A tensor operation")
q2 = MakeData("q2", "Make the data")
q3 = TapeLoop("q3", "Gradient descent with GradientTape")
q4 = KerasFit("q4", "The same with model.fit")
q5 = Logistic("q5", "The logistic function")
