"""Checks for ``01_warmup``: tensors, the data recipe, gradient descent by hand and with Keras, the logistic function."""

import numpy as np

from ..checking import Question

__all__ = ["q1", "q2", "q3", "q4", "q5"]

W_TRUE = np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], dtype=float)
B_TRUE = np.array([-1, -2], dtype=float)


class TensorOp(Question):
    """``z``: W_true · x0 + b_true for x0 = five ones, computed with TensorFlow."""

    variables = ("z",)
    hint_text = ["x0 is a row (1×5): multiply it by the transpose of W_true.",
                 "tf.matmul(x0, W_true, transpose_b=True) + b_true"]
    solution_text = "z = tf.matmul(x0, W_true, transpose_b=True) + b_true"

    def check_values(self, z):
        z = np.asarray(z, dtype=float)
        self.expect(z.shape == (1, 2), f"Expected shape (1, 2): one sample, two outputs; got {z.shape}.")
        self.expect(np.allclose(z, np.ones((1, 5)) @ W_TRUE.T + B_TRUE),
                    "Right shape, wrong numbers: each output is a row of W_true times x0, plus its bias.")


class MakeData(Question):
    """``x``, ``y``: N samples following the recipe."""

    variables = ("x", "y")
    hint_text = ["x = 5 + 5u with u uniform on [0, 1); y = x W_trueᵀ + b_true + 0.2 v with v standard normal.",
                 "rng.uniform(size=(N, 5)) and rng.normal(size=(N, 2))"]
    solution_text = "x = 5 + 5 * rng.uniform(size=(N, 5))\ny = x @ W_true.T + b_true + 0.2 * rng.normal(size=(N, 2))"

    def check_values(self, x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.expect(x.ndim == 2 and x.shape[1] == 5, f"x should have 5 columns (features); got shape {x.shape}.")
        self.expect(y.shape == (len(x), 2), f"y should have one row per sample and 2 columns; got {y.shape}.")
        self.expect(x.min() >= 5 and x.max() <= 10 and x.std() > 1, "x should be spread uniformly between 5 and 10.")
        noise = y - (x @ W_TRUE.T + B_TRUE)
        self.expect(abs(noise.mean()) < 0.05 and 0.15 < noise.std() < 0.25,
                    "y is not W_true x + b_true plus noise of standard deviation 0.2.")


class _CloseToTruth(Question):
    def _weights_close(self, W, b, what):
        W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float).ravel()
        self.expect(W.shape == (2, 5), f"{what}: W should be 2×5; got {W.shape}.")
        self.expect(np.allclose(W, W_TRUE, atol=0.05), f"{what}: W is still far from W_true; train more steps.")
        self.expect(np.allclose(b, B_TRUE, atol=0.2), f"{what}: b is still far from b_true; train more steps, "
                                                      "and remember the data were centred.")


class TapeLoop(_CloseToTruth):
    """``W_hat``, ``b_hat``: recovered by the hand-written GradientTape loop."""

    variables = ("W_hat", "b_hat", "losses")
    hint_text = ["Inside `with tf.GradientTape() as tape:` compute the predictions and the loss; then "
                 "tape.gradient(loss, [W, b]) and optimizer.apply_gradients(...).",
                 "Record float(loss) in `losses` at every step."]
    solution_text = ("for step in range(steps):\n    with tf.GradientTape() as tape:\n"
                     "        loss = tf.reduce_mean((tf.matmul(xc, W, transpose_b=True) + b_c - yc) ** 2)\n"
                     "    optimizer.apply_gradients(zip(tape.gradient(loss, [W, b_c]), [W, b_c]))\n"
                     "    losses.append(float(loss))")

    def check_values(self, W_hat, b_hat, losses):
        self.expect(len(losses) >= 100 and losses[-1] < losses[0], "Record the loss at every step; it should fall.")
        self._weights_close(W_hat, b_hat, "Hand-written loop")


class KerasFit(_CloseToTruth):
    """``model``: Dense(2) trained with plain gradient descent (lr 0.01) on squared error."""

    variables = ("model", "x_mean", "y_mean")
    hint_text = ["keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(2)])",
                 "compile with keras.optimizers.SGD(learning_rate=0.01) and loss=\"mse\"; fit on the centred xc, yc."]
    solution_text = ("model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(2)])\n"
                     "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=\"mse\")\n"
                     "model.fit(xc, yc, batch_size=32, epochs=epochs, verbose=0)")

    def check_values(self, model, x_mean, y_mean):
        import keras

        self.expect(isinstance(model, keras.Model) and model.output_shape[-1] == 2,
                    "`model` should be a Keras model with two outputs.")
        self.expect(isinstance(model.optimizer, keras.optimizers.SGD)
                    and abs(float(model.optimizer.learning_rate) - 0.01) < 1e-9
                    and float(model.optimizer.momentum) == 0.0, "Use plain gradient descent with learning rate 0.01.")
        loss = model.loss if isinstance(model.loss, str) else getattr(model.loss, "name", "")
        self.expect(str(loss).lower() in {"mse", "mean_squared_error"}, "Use the squared-error loss.")
        kernel, bias = (keras.ops.convert_to_numpy(w) for w in model.layers[-1].weights)
        self._weights_close(kernel.T, np.asarray(y_mean) + bias - kernel.T @ np.asarray(x_mean), "model.fit")


class Logistic(Question):
    """``logistic(x, w, b)`` = 1 / (1 + exp(−(b + w x)))."""

    variables = ("logistic",)
    hint_text = ["np.exp works element-wise on arrays.", "Mind the sign: exp(−(b + w·x))."]
    solution_text = "def logistic(x, w, b):\n    return 1 / (1 + np.exp(-(b + w * x)))"

    def check_values(self, logistic):
        x = np.linspace(-5, 5, 11)
        for w, b in ((1, 0), (3, -2), (-0.5, 1)):
            got = np.asarray(logistic(x, w, b), dtype=float)
            self.expect(got.shape == x.shape, "Return one value per x.")
            self.expect(np.allclose(got, 1 / (1 + np.exp(-(b + w * x)))),
                        f"Wrong values for w={w}, b={b}: the curve should rise from 0 to 1 as b + w·x grows.")


q1 = TensorOp("q1", "A tensor operation")
q2 = MakeData("q2", "Make the data")
q3 = TapeLoop("q3", "Gradient descent with GradientTape")
q4 = KerasFit("q4", "The same with model.fit")
q5 = Logistic("q5", "The logistic function")
