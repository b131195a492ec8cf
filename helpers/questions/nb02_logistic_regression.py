"""Checks for ``02_logistic_regression``: bias trick, hand gradient, training, Keras model, gates, XOR.

Notation (docs/notation.md): rows are samples; ``ŷ = σ(X_b w)`` with the bias trick, targets ``y``.  The
hand-written loss is the mean squared error J(w) = mean((ŷ − y)²), the same loss as Keras's ``"mse"``.

q4 ("you decide the output layer and the loss") accepts every output that matches its loss: one sigmoid
unit with binary cross-entropy, one linear unit (scores, logits) with ``from_logits=True``, two softmax
units with the sparse categorical cross-entropy (the labels are 0/1 integers), or two linear units with
that loss and ``from_logits=True``.  It refuses a squashing applied twice (a sigmoid layer after the
sigmoid unit, or a probability fed to a loss made with ``from_logits=True``): the cross-entropy model
then learns more slowly than the MSE model and the notebook's own output reverses its lesson.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value
from ..checks.kinds import FunctionQuestion

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6"]

_TRUTH = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def _sig(z):
    return 1 / (1 + np.exp(-z))


class BiasTrick(Question):
    """``X_b``: the inputs with a leading column of ones."""

    variables = ("X_b", "X")
    hint_text = ["Put a column of ones in front of X, so w[0] plays the role of the bias.",
                 "`np.ones(n)` makes n ones; `np.c_[...]` (or `np.hstack`) puts columns side by side, in the order "
                 "you list them."]
    solution_text = "X_b = np.c_[np.ones(len(X)), X]"

    def check_values(self, X_b, X):
        X_b, X = self.expect_array(X_b, "X_b", "the cells below multiply it with NumPy weights"), np.asarray(X)
        self.expect(X_b.shape == (len(X), X.shape[1] + 1), f"Expected shape {(len(X), X.shape[1] + 1)}; got {X_b.shape}.")
        self.expect(np.all(X_b[:, 0] == 1), "The first column should be all ones (the bias input).")
        self.expect(np.allclose(X_b[:, 1:], X), "After the ones column, the original inputs should follow unchanged.")


_RNG = np.random.default_rng(1)
_XB = np.c_[np.ones(20), _RNG.normal(size=(20, 2))]
_Y, _W = (_RNG.random(20) > 0.5).astype(float), _RNG.normal(size=3)


class Gradient(FunctionQuestion):
    """``grad_mse(w, X_b, y)``: the gradient of the mean squared error J(w) = mean((σ(X_b w) − y)²)."""

    function = "grad_mse"
    signature = "def grad_mse(w, X_b, y):"
    cases = [((_W, _XB, _Y), {}), ((np.zeros(3), _XB[:7], _Y[:7]), {})]
    hint_text = ["ŷ = σ(X_b w); per sample the gradient is 2(ŷ − y)(ŷ − ŷ²)x; average over samples.",
                 "Without a loop: compute ŷ for all samples at once; the per-sample factors 2(ŷ − y)(ŷ − ŷ²) then "
                 "form one vector of length m, and the transpose of X_b times that vector adds up the samples for "
                 "each weight. Divide by m."]
    solution_text = ("def grad_mse(w, X_b, y):\n    y_hat = sigmoid(X_b @ w)\n"
                     "    return X_b.T @ (2 * (y_hat - y) * (y_hat - y_hat**2)) / len(y)")

    def reference(self, w, X_b, y):
        y_hat = _sig(X_b @ w)
        return X_b.T @ (2 * (y_hat - y) * (y_hat - y_hat ** 2)) / len(y)

    def wrong_values(self, args, kwargs, got, want):
        if np.allclose(np.asarray(got, dtype=float) * 2, want, atol=self.atol):
            return ("Your gradient is half the expected one: the derivative of the square (ŷ − y)² brings down a "
                    "factor 2.")
        return "The gradient does not match a finite-difference estimate: check the sign and the average over samples."


class Trained(Question):
    """``w``: weights from gradient descent that classify the points."""

    variables = ("w", "X_b", "y")
    hint_text = ["Gradient descent repeats one update, `steps` times: move the weights a small step (the learning "
                 "rate times the gradient that `grad_mse` returns) *against* the gradient.",
                 "Use the `learning_rate` (1.0) and `steps` set at the top of the cell; if the points are still "
                 "misclassified, check the sign of the update."]
    solution_text = "w = np.zeros(3)\nfor step in range(steps):\n    w -= learning_rate * grad_mse(w, X_b, y)"

    def check_values(self, w, X_b, y):
        w = self.expect_array(w, "w", "the boundary plot below uses it")
        self.expect(w.shape == (3,), f"`w` should hold 3 weights (bias first); it has shape {w.shape}.")
        accuracy = float(np.mean((_sig(np.asarray(X_b) @ w) > 0.5) == np.asarray(y)))
        self.expect(accuracy >= 0.9, f"Only {accuracy:.0%} of the points are classified correctly: did the loop "
                                     "run all its steps, and does each step go downhill?")
        return f"Accuracy {accuracy:.0%}."


class KerasLogistic(Question):
    """``model``: logistic regression on the 2 inputs, an output and a loss that match, SGD(0.5), the accuracy metric."""

    variables = ("model",)
    hint_text = ["Logistic regression is a single Dense layer on the 2 inputs of X (Keras adds the bias itself), "
                 "whose output is squashed into a probability, by the layer or by the loss.",
                 "Which Keras loss compares a probability with a 0/1 label? If your layer outputs scores instead, "
                 "the same loss can squash them itself: look at its `from_logits` argument."]
    solution_text = ("model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation=\"sigmoid\")])\n"
                     "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=\"binary_crossentropy\", "
                     "metrics=[\"accuracy\"])")

    def check_values(self, model):
        self.expect(ins.is_model(model), f"`model` should be a Keras model; it is {describe_value(model)}.")
        self.expect(ins.input_shape(model) == (2,), f"The model takes X, with 2 inputs per point (Keras adds the bias "
                                                    f"itself); its input shape is {ins.input_shape(model)}.")
        units = ins.output_units(model)
        self.expect(len(ins.dense_indices(ins.layers_of(model))) == 1,
                    "Logistic regression is a single Dense layer, with no hidden layer.")
        self.expect(units in (1, 2), f"Two classes need one output unit (the probability of class 1) or two (one "
                                     f"per class); the model has {units}.")
        name = ins.loss_name(model)
        self.expect(name is not None, "The model is not compiled yet: call `model.compile(...)`.")
        note = self._output_matches_loss(model, units, name)
        self.expect(ins.optimizer_name(model) == "sgd" and abs((ins.learning_rate(model) or 0) - 0.5) < 1e-9,
                    "Use plain SGD with learning rate 0.5, as the MSE model below does (a fair comparison).")
        self.expect("accuracy" in ins.metric_names(model),
                    "Add `metrics=[\"accuracy\"]`: the cells below plot and print the accuracy under that name.")
        return note

    def _output_matches_loss(self, model, units, name):
        """Incorrect unless the output layer and the loss squash the scores exactly once; a note for logits."""
        squash = "sigmoid" if units == 1 else "softmax"
        applied = ins.output_activations(model)
        logits = ins.loss_from_logits(model)
        self.expect(len(applied) < 2 and not (applied and logits),
                    f"The {squash} is applied twice: "
                    + ("a second activation layer squashes the output of the first once more. "
                       if len(applied) >= 2 else
                       f"the layer already outputs probabilities, and a loss made with from_logits=True applies "
                       f"the {squash} to them again. ")
                    + "Probabilities squashed twice stay in a narrow band around the middle, and the cross-entropy "
                      "model then learns more slowly than the MSE one.")
        self.expect(applied in ([], [squash]),
                    "With one output unit, squash its output into a probability between 0 and 1 (or leave it a "
                    "score and let the loss do it)." if units == 1 else
                    "With two output units, turn their scores into two probabilities that add up to 1 (or leave "
                    "them scores and let the loss do it).")
        self.expect(applied or logits,
                    "Your output layer gives scores (any real number), but the loss expects probabilities: squash "
                    "the output in the layer, or make the loss with from_logits=True so that it squashes the "
                    "scores itself.")
        if units == 1:
            self.expect(name == "binary_crossentropy",
                        "Use the cross-entropy loss for two classes and one output, the probability of class 1.")
            return (self._threshold_note(model) if logits else None)
        self.expect(name != "categorical_crossentropy",
                    "That loss expects one-hot rows, but the labels y are 0 and 1, one integer per point, and the "
                    "fit below uses them as they are: take the cross-entropy loss for integer labels.")
        self.expect(name == "sparse_categorical_crossentropy",
                    "With two output units, one probability per class, use the categorical cross-entropy for "
                    "integer labels.")
        return None

    @staticmethod
    def _threshold_note(model):
        """The Correct note for a logit output measured by the default accuracy (threshold 0.5 on scores)."""
        config = (model.get_compile_config() or {}).get("metrics") or []
        for metric in config if isinstance(config, list) else []:
            threshold = (metric.get("config") or {}).get("threshold") if isinstance(metric, dict) else None
            if threshold is not None and abs(float(threshold)) < 1e-9:
                return None
        return ("Correct: a score (logit) with a loss that applies the sigmoid itself. Mind that `model.predict` now "
                "gives scores, not probabilities, and that the \"accuracy\" metric compares them with its threshold "
                "0.5, while σ(z) = 0.5 at z = 0; keras.metrics.BinaryAccuracy(threshold=0.0, name=\"accuracy\") "
                "counts exactly.")


class AndGate(Question):
    """``and_gate(x1, x2)``: σ with hand-set weights that computes AND."""

    variables = ("and_gate",)
    hint_text = ["The weighted sum must be positive only when both inputs are 1.",
                 "Large weights make σ nearly 0 or 1: try 20 per input and pick the bias."]
    solution_text = "def and_gate(x1, x2):\n    return sigmoid(20 * x1 + 20 * x2 - 30)"

    def check_values(self, and_gate):
        self.expect_function(and_gate, "and_gate", "def and_gate(x1, x2):")
        out = []
        for a, b in _TRUTH:
            value = self.call(and_gate, a, b, what=f"and_gate({a:g}, {b:g})")
            self.expect(np.ndim(value) == 0 and value is not None and not isinstance(value, str),
                        f"`and_gate({a:g}, {b:g})` should return one number; it returned {describe_value(value)}.")
            out.append(float(value))
        out = np.array(out)
        self.expect(np.all((out < 0.1) | (out > 0.9)), "Outputs should be close to 0 or 1: use larger weights.")
        self.expect(np.array_equal(out > 0.5, [False, False, False, True]), "The truth table is not AND's.")


class Xor(Question):
    """``xor_model``: a network with a hidden layer that has learnt XOR."""

    variables = ("xor_model",)
    hint_text = ["One line cannot separate XOR: add a hidden Dense layer with a nonlinear activation.",
                 "The output is one probability, as in logistic regression."]
    solution_text = ("xor_model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(8, activation=\"tanh\"),\n"
                     "                           keras.layers.Dense(1, activation=\"sigmoid\")])")

    def check_values(self, xor_model):
        self.expect(ins.is_model(xor_model), f"`xor_model` should be a Keras model; it is {describe_value(xor_model)}.")
        self.expect(ins.input_shape(xor_model) == (2,), "The model should take the 2 inputs of a gate.")
        self.expect(len(ins.hidden_activations(xor_model)) >= 1, "A single unit draws one line; XOR needs a hidden layer.")
        self.expect(ins.output_units(xor_model) == 1 and ins.output_activation(xor_model) == "sigmoid",
                    "The output should be one probability (0 or 1 for XOR), as in logistic regression.")
        pred = np.asarray(self.call(xor_model.predict, _TRUTH, verbose=0, what="xor_model.predict(...)")).ravel() > 0.5
        self.expect(np.array_equal(pred, [False, True, True, False]),
                    "Not all four XOR cases are right yet: a nonlinear hidden activation and a few more units help.")


q1 = BiasTrick("q1", "The bias trick")
q2 = Gradient("q2", "The gradient by hand")
q3 = Trained("q3", "Gradient descent in NumPy")
q4 = KerasLogistic("q4", "Logistic regression in Keras")
q5 = AndGate("q5", "An AND gate by hand")
q6 = Xor("q6", "Learning XOR")
