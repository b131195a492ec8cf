"""Checks for ``02_logistic_regression``: bias trick, hand gradient, training, Keras model, gates, XOR."""

import numpy as np

from ..checking import Question

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_TRUTH = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def _sig(z):
    return 1 / (1 + np.exp(-z))


class BiasTrick(Question):
    """``X_b``: the inputs with a leading column of ones."""

    variables = ("X_b", "X")
    hint_text = ["Put a column of ones in front of X, so w[0] plays the role of the bias.",
                 "np.c_[np.ones(len(X)), X] or np.hstack"]
    solution_text = "X_b = np.c_[np.ones(len(X)), X]"

    def check_values(self, X_b, X):
        X_b, X = np.asarray(X_b), np.asarray(X)
        self.expect(X_b.shape == (len(X), X.shape[1] + 1), f"Expected shape {(len(X), X.shape[1] + 1)}; got {X_b.shape}.")
        self.expect(np.all(X_b[:, 0] == 1), "The first column should be all ones (the bias input).")
        self.expect(np.allclose(X_b[:, 1:], X), "After the ones column, the original inputs should follow unchanged.")


class Gradient(Question):
    """``grad_mse(w, X_b, y)``: the gradient of J(w) = ½·mean((σ(X_b w) − y)²)."""

    variables = ("grad_mse",)
    hint_text = ["ŷ = σ(X_b w); per sample the gradient is (ŷ − y)(ŷ − ŷ²)x; average over samples.",
                 "X_b.T @ ((y_hat - y) * (y_hat - y_hat**2)) / len(y)"]
    solution_text = ("def grad_mse(w, X_b, y):\n    y_hat = 1 / (1 + np.exp(-X_b @ w))\n"
                     "    return X_b.T @ ((y_hat - y) * (y_hat - y_hat**2)) / len(y)")

    def check_values(self, grad_mse):
        rng = np.random.default_rng(1)
        X_b = np.c_[np.ones(20), rng.normal(size=(20, 2))]
        y, w = (rng.random(20) > 0.5).astype(float), rng.normal(size=3)
        J = lambda v: 0.5 * np.mean((_sig(X_b @ v) - y) ** 2)  # noqa: E731
        numeric = np.array([(J(w + e) - J(w - e)) / 2e-6 for e in np.eye(3) * 1e-6])
        got = np.asarray(grad_mse(w, X_b, y), dtype=float)
        self.expect(got.shape == (3,), f"Return one partial derivative per weight: shape (3,), got {got.shape}.")
        self.expect(np.allclose(got, numeric, atol=1e-6), "The gradient does not match a finite-difference estimate: "
                                                          "check the sign and the average over samples.")


class Trained(Question):
    """``w``: weights from gradient descent that classify the points."""

    variables = ("w", "X_b", "y")
    hint_text = ["Repeat w -= lr * grad_mse(w, X_b, y) many times.", "A learning rate around 1 works here."]
    solution_text = "w = np.zeros(3)\nfor step in range(steps):\n    w -= lr * grad_mse(w, X_b, y)"

    def check_values(self, w, X_b, y):
        accuracy = float(np.mean((_sig(np.asarray(X_b) @ np.asarray(w)) > 0.5) == np.asarray(y)))
        self.expect(accuracy >= 0.9, f"Only {accuracy:.0%} of the points are classified correctly; train longer.")
        return f"Accuracy {accuracy:.0%}."


class KerasLogistic(Question):
    """``model``: one sigmoid unit with binary cross-entropy."""

    variables = ("model",)
    hint_text = ["Logistic regression is a single Dense unit with a sigmoid.",
                 "loss=\"binary_crossentropy\" for 0/1 labels and a sigmoid output."]
    solution_text = ("model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation=\"sigmoid\")])\n"
                     "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=\"binary_crossentropy\", "
                     "metrics=[\"accuracy\"])")

    def check_values(self, model):
        import keras

        self.expect(isinstance(model, keras.Model), "`model` should be a Keras model.")
        dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
        self.expect(len(dense) == 1 and model.output_shape[-1] == 1, "Logistic regression has a single unit and no hidden layer.")
        self.expect(dense[0].get_config()["activation"] == "sigmoid", "The unit should squash its output into (0, 1).")
        loss = model.loss if isinstance(model.loss, str) else getattr(model.loss, "name", "")
        self.expect(str(loss).lower() in {"binary_crossentropy", "bce"}, "Use the cross-entropy loss for two classes.")


class AndGate(Question):
    """``and_gate(x1, x2)``: σ with hand-set weights that computes AND."""

    variables = ("and_gate",)
    hint_text = ["The weighted sum must be positive only when both inputs are 1.",
                 "Large weights make σ nearly 0 or 1: try 20 per input and pick the bias."]
    solution_text = "def and_gate(x1, x2):\n    return sigmoid(20 * x1 + 20 * x2 - 30)"

    def check_values(self, and_gate):
        out = np.array([float(and_gate(a, b)) for a, b in _TRUTH])
        self.expect(np.all((out < 0.1) | (out > 0.9)), "Outputs should be close to 0 or 1: use larger weights.")
        self.expect(np.array_equal(out > 0.5, [False, False, False, True]), "The truth table is not AND's.")


class Xor(Question):
    """``xor_model``: a network with a hidden layer that has learnt XOR."""

    variables = ("xor_model",)
    hint_text = ["One line cannot separate XOR: add a hidden Dense layer.", "Train longer or raise the learning rate."]
    solution_text = ("xor_model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation=\"tanh\"),\n"
                     "                           keras.layers.Dense(1, activation=\"sigmoid\")])")

    def check_values(self, xor_model):
        import keras

        hidden = [l for l in xor_model.layers if isinstance(l, keras.layers.Dense)][:-1]
        self.expect(len(hidden) >= 1, "A single unit draws one line; XOR needs a hidden layer.")
        pred = np.asarray(xor_model.predict(_TRUTH, verbose=0)).ravel() > 0.5
        self.expect(np.array_equal(pred, [False, True, True, False]), "Not all four XOR cases are right yet: train longer.")


q1 = BiasTrick("q1", "The bias trick")
q2 = Gradient("q2", "The gradient by hand")
q3 = Trained("q3", "Gradient descent in NumPy")
q4 = KerasLogistic("q4", "Logistic regression in Keras")
q5 = AndGate("q5", "An AND gate by hand")
q6 = Xor("q6", "Learning XOR")
