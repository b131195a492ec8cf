"""Checks for ``08_sequences``: a recurrent layer by hand, the recurrent model, an LSTM's parameters, accuracy.

Every check accepts what the rest of the notebook works with: ``last_hidden_state`` must return a
NumPy array of shape ``(units,)`` (the next cell compares it with Keras' ``SimpleRNN``); the model may
be Sequential or Functional, use an ``LSTM`` or a ``GRU`` (also inside ``Bidirectional``, or several
stacked), with ``Dense(10)`` + ``Softmax()`` or ``Dense(10, activation="softmax")``, and must scale
the 0–255 bytes the notebook feeds it (a ``Rescaling`` layer), as in 04.  The accuracy floor depends
on the mode and on the ``dataset`` parameter of the run (the table of image data sets,
:data:`helpers.data.images.IMAGE_SETS`).

How the accuracy floors in :data:`helpers.data.images.IMAGE_SETS` were measured: Quick mode: the notebook's
LSTM and training, seeds 1–5 and 42, gave 97.5–98.0 % on MNIST and 85.1–86.7 % on Fashion-MNIST (the same with
one thread as with two); the floors sit about 1.5 and 3 points below the lowest.  Full mode: Fashion-MNIST
measured once (seed 42, script): 90.5 %, floor 3.5 points below; MNIST not measured (its full training split
has no offline copy here), set below what 60,000 images add to the quick-mode results.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.kinds import AccuracyQuestion, FunctionQuestion
from ..checks.question import Question, describe_value

__all__ = ["q1", "q2", "q3", "q4"]



def _reference_last_state(sequence, W_x, W_h, b):
    h = np.zeros(W_h.shape[0])
    for x_t in sequence:
        h = np.tanh(x_t @ W_x + h @ W_h + b)
    return h


def _case(rng, steps, features, units):
    return ((rng.normal(size=(steps, features)), rng.normal(scale=0.5, size=(features, units)),
             rng.normal(scale=0.5, size=(units, units)), rng.normal(scale=0.1, size=units)), {})


_RNG = np.random.default_rng(8)
_STATE_CASES = [_case(_RNG, 5, 3, 4), _case(_RNG, 1, 2, 3), _case(_RNG, 9, 6, 2)]


class LastHiddenState(FunctionQuestion):
    """``last_hidden_state(sequence, W_x, W_h, b)``: a simple recurrent layer by hand, its last state."""

    function = "last_hidden_state"
    signature = "def last_hidden_state(sequence, W_x, W_h, b):"
    cases = _STATE_CASES
    hint_text = ["Start from a state of zeros with one entry per unit (W_h is units × units). Then, for each row "
                 "x_t of the sequence in turn, compute the new state from x_t and the state so far.",
                 "One step: h = tanh(x_t W_x + h W_h + b), with the old h on the right-hand side. Return h after "
                 "the last row."]
    solution_text = ("def last_hidden_state(sequence, W_x, W_h, b):\n"
                     "    h = np.zeros(W_h.shape[0])  # h_0: one zero per unit\n"
                     "    for x_t in sequence:  # one row of the sequence per step\n"
                     "        h = np.tanh(x_t @ W_x + h @ W_h + b)\n"
                     "    return h")

    def reference(self, sequence, W_x, W_h, b):
        return _reference_last_state(sequence, W_x, W_h, b)

    def check_values(self, **values):
        fn = values[self.function]
        self.expect_function(fn, self.function, self.signature)
        (sequence, W_x, W_h, b), _ = self.cases[0]
        got = self.call(fn, sequence, W_x, W_h, b, what="last_hidden_state(sequence, W_x, W_h, b)")
        if isinstance(got, np.ndarray) and got.shape == (len(sequence), W_h.shape[0]):
            self.expect(False, "The result holds one state per step; the question asks for the last state only "
                               "(one number per unit), as a Keras recurrent layer returns by default.")
        super().check_values(**values)

    def wrong_values(self, args, kwargs, got, want):
        sequence, W_x, W_h, b = args
        h, h_no_recurrence, h_relu, h_transposed = np.zeros(W_h.shape[0]), None, np.zeros(W_h.shape[0]), \
            np.zeros(W_h.shape[0])
        first = np.tanh(sequence[0] @ W_x + b)
        for x_t in sequence:
            h_no_recurrence = np.tanh(x_t @ W_x + b)
            h_relu = np.maximum(0, x_t @ W_x + h_relu @ W_h + b)
            h_transposed = np.tanh(x_t @ W_x + W_h @ h_transposed + b)
        if np.allclose(got, h_no_recurrence, atol=1e-6):
            return ("Your result depends on the last row only: each step must also take in the state of the step "
                    "before, so that the last state summarises the whole sequence.")
        if np.allclose(got, h_relu, atol=1e-6):
            return "The activation of a simple recurrent layer is tanh, as in the equation above."
        if np.allclose(got, h_transposed, atol=1e-6):
            return ("Rows are samples (docs/notation.md): the state is a row vector and multiplies W_h from the "
                    "left, like x_t multiplies W_x.")
        if len(sequence) > 1 and np.allclose(got, first, atol=1e-6):
            return "That is the state after the first row: go on through every row of the sequence."
        return ("The shape is right but the values are not. Start from a state of zeros, and use the previous "
                "step's state in every step.")


class BuildRNN(Question):
    """``model``: bytes → Rescaling → LSTM or GRU → 10 class probabilities, reading 28 rows of 28 pixels."""

    variables = ("model",)
    hint_text = ["The input is one image as a sequence: 28 time steps (the rows), each with 28 features (the "
                 "pixels of the row). Scale the bytes first, as in 04; then a recurrent layer; then the output "
                 "layer of notebooks 03 and 04.",
                 "keras.layers.LSTM(units) (or GRU) returns its last hidden state, one vector per image; a Dense "
                 "output layer with one unit per class and an activation that turns scores into probabilities "
                 "follows it."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(28, 28)),  # 28 steps of 28 pixels\n"
                     "    keras.layers.Rescaling(1 / 255),\n    keras.layers.LSTM(128),\n"
                     "    keras.layers.Dense(10, activation=\"softmax\"),\n])")

    def check_values(self, model):
        import keras

        self.expect(ins.is_model(model), f"`model` should be a Keras model; it is {describe_value(model)}.")
        shape = ins.input_shape(model)
        self.expect(shape == (28, 28), f"The input should be one image read row by row: 28 time steps of 28 "
                                       f"pixels each; the model's input is {shape}.")
        layers = ins.layers_of(model)
        self.expect(any(isinstance(layer, keras.layers.Rescaling) for layer in layers),
                    "The images arrive as bytes 0–255: the network should scale them to 0–1 itself, with a "
                    "keras.layers.Rescaling layer first.")
        kinds = [_recurrent_kind(layer) for layer in layers]
        self.expect(any(kinds), "The network needs a recurrent layer that reads the rows one after the other "
                                "(the question asks for an LSTM or a GRU).")
        self.expect(any(kind in ("LSTM", "GRU") for kind in kinds),
                    "A SimpleRNN forgets the top of the image by the time it reaches the bottom (its gradients "
                    "vanish over 28 steps): the question asks for an LSTM or a GRU.")
        out = model.output_shape
        self.expect(len(out) == 2 and out[-1] == 10,
                    f"The output should be one row of 10 class probabilities per image; the model outputs shape "
                    f"{out}: one row per time step. The last recurrent layer should hand on its last state only."
                    if len(out) == 3 else f"The output should be one row of 10 class probabilities per image; the "
                                          f"model outputs shape {out}.")
        images = np.random.default_rng(0).integers(0, 256, (2, 28, 28)).astype("float32")
        probs = self.call(lambda x: ins.run_model(model, x), images, what="model(images)")
        self.expect(np.all(probs >= 0) and np.allclose(probs.sum(axis=1), 1, atol=1e-3),
                    "The output layer should turn scores into probabilities that add up to 1.")
        kind = next(k for k in kinds if k in ("LSTM", "GRU"))
        return f"{kind} reading 28 rows of 28 pixels, {model.count_params():,} parameters."


def _recurrent_kind(layer):
    """``"LSTM"``, ``"GRU"`` or ``"SimpleRNN"`` for a recurrent layer (also inside ``Bidirectional``), else None."""
    import keras

    inner = getattr(layer, "forward_layer", None) if isinstance(layer, keras.layers.Bidirectional) else layer
    for kind in (keras.layers.LSTM, keras.layers.GRU, keras.layers.SimpleRNN):
        if isinstance(inner, kind):
            return kind.__name__
    return None


class LstmParameters(FunctionQuestion):
    """``lstm_parameters(features, units)``: the number of weights and biases of a Keras ``LSTM`` layer."""

    function = "lstm_parameters"
    signature = "def lstm_parameters(features, units):"
    cases = [((28, 128), {}), ((1, 1), {}), ((10, 3), {}), ((3, 10), {})]
    atol = 0.5
    hint_text = ["A simple recurrent layer has W_x (features × units), W_h (units × units) and b (units). An LSTM "
                 "computes several such vectors at every step, each with its own W_x, W_h and b: how many? (The "
                 "gates described above count them.)",
                 "Count one set first, from the shapes in the first hint; then count the sets: the three gates "
                 "(forget, input, output) and the candidate each have one."]
    solution_text = ("def lstm_parameters(features, units):\n"
                     "    one_set = features * units + units * units + units  # W_x, W_h and b of one gate\n"
                     "    return 4 * one_set  # forget, input and output gates, and the candidate")

    def reference(self, features, units):
        return 4 * (features * units + units * units + units)

    def wrong_values(self, args, kwargs, got, want):
        features, units = args
        one_set = features * units + units * units + units
        if np.isclose(got, one_set):
            return ("That is the count of one set of weights (a simple recurrent layer); an LSTM computes more than "
                    "one vector per step, each with its own weights.")
        if np.isclose(got, want - want // one_set * units):
            return "The biases are missing: every unit of every gate has one."
        if np.isclose(got, want - want // one_set * units * units):
            return "The recurrent weights are missing: every gate also reads the previous state, through its W_h."
        return f"For features={features} and units={units} the count is not right."


class TestAccuracy(AccuracyQuestion):
    """The trained recurrent network reaches the accuracy floor on the held-out test images.

    The floor is 08's row of the table of image data sets, :data:`helpers.data.images.IMAGE_SETS`.
    """

    variables = ("model", "x_test", "y_test")
    hint_text = ["Train for the planned number of epochs; the network must scale the bytes itself (Rescaling).",
                 "x_test must be sequences like x_train: shape (n, 28, 28), 28 steps of 28 pixels."]
    solution_text = ("history = model.fit(train_ds, validation_data=(x_val, y_val), epochs=epochs, verbose=2, "
                     "shuffle=False)")
    advice = ""


q1 = LastHiddenState("q1", "A recurrent layer by hand: the last hidden state")
q2 = BuildRNN("q2", "A recurrent network")
q3 = LstmParameters("q3", "The parameters of an LSTM layer")
q4 = TestAccuracy("q4", "Test accuracy")
