"""Checks for ``05_abalone_regression``: encoding, baseline, the regression network, test MAE.

Accepted as the rest of the notebook can use them: one-hot columns under any names (``sex_F`` or
``F``), 0/1 as numbers or booleans (``features.to_numpy("float32")`` converts both); the loss as
a string, function or object; a Functional model.  The metric must be reported as ``"mae"``
because the training curves read ``history.history["mae"]``.
"""

import numpy as np

from ..checks import model_facts as ins
from ..checks.question import Question, describe_value
from ..checks.kinds import ValueQuestion

__all__ = ["q1", "q2", "q3", "q4"]

MEASUREMENTS = ("length", "diameter", "height", "whole_weight", "shucked_weight", "viscera_weight", "shell_weight")


_CODES = ("`{column}` holds one number per category (integer codes). A network reads numbers as an order and a "
          "distance, as if one sex lay between the other two, which the categories do not have: replace the column "
          "by one 0/1 column per category.")


def _numeric(column):
    """True when a DataFrame column holds numbers (integer codes), not text."""
    return np.issubdtype(np.asarray(column).dtype, np.number)


class Encode(Question):
    """``features``: every column of ``df`` but ``rings``, with ``sex`` as three 0/1 columns."""

    variables = ("features", "df")
    hint_text = ["A network needs numbers: turn the M/F/I column into three 0/1 columns, one per category.",
                 "pd.get_dummies(df, columns=[...], dtype=\"float32\")"]
    solution_text = 'features = pd.get_dummies(df.drop(columns="rings"), columns=["sex"], dtype="float32")'

    def check_values(self, features, df):
        self.expect(hasattr(features, "columns") and hasattr(features, "to_numpy"),
                    f"`features` should be a pandas DataFrame (the next cells call `features.to_numpy`); it is "
                    f"{describe_value(features)}.")
        cols = [str(c) for c in features.columns]
        self.expect("rings" not in cols, "The target (rings) must not be among the features.")
        if "sex" in cols:
            self.expect(not _numeric(features["sex"]), _CODES.format(column="sex"))
            self.expect(False, "The text column `sex` is still there: replace it by one 0/1 column per category.")
        missing = [c for c in MEASUREMENTS if c not in cols]
        self.expect(not missing, f"The measurement columns should stay as they are; missing: {', '.join(missing)}.")
        self.expect(len(features) == len(df), f"Keep every row: expected {len(df)}, got {len(features)}.")
        others = [c for c in features.columns if str(c) not in MEASUREMENTS]
        self.expect(not (len(others) == 1 and _numeric(features[others[0]])), _CODES.format(column=others[0]))
        self.expect(len(others) == 3, f"Sex has three categories (M, F, I): expect three extra columns besides the "
                                      f"measurements; found {len(others)}.")
        try:
            onehot = features[others].to_numpy("float32")
        except (TypeError, ValueError):
            onehot = None
        self.expect(onehot is not None and np.all(np.isin(onehot, (0, 1))) and np.all(onehot.sum(axis=1) == 1),
                    "The three sex columns should hold 0 or 1, with exactly one 1 per row.")
        sex = np.asarray(df["sex"])
        self.expect(all(len(set(sex[onehot[:, k] == 1])) == 1 for k in range(3)),
                    "Each of the three columns should mark one category of `sex` (M, F or I).")
        self.expect(np.allclose(features[list(MEASUREMENTS)].to_numpy(float), df[list(MEASUREMENTS)].to_numpy(float)),
                    "The measurement columns should stay unchanged.")


class Baseline(ValueQuestion):
    """``baseline_mae``: MAE on the test set of always predicting the training mean."""

    variables = ("baseline_mae", "y_train", "y_test")
    atol = 1e-3
    hint_text = ["The baseline ignores the features: it always predicts one number learnt from the training targets.",
                 "MAE is the mean of the absolute errors."]
    solution_text = "baseline_mae = float(np.mean(np.abs(y_test - y_train.mean())))"
    wrong_message = ("Not the expected value: predict the *training* mean, and average the *absolute* errors on the "
                     "test set.")

    def expected(self, baseline_mae, y_train, y_test):
        return float(np.mean(np.abs(np.asarray(y_test) - np.mean(y_train))))


class Network(Question):
    """``model``: normalizer, two hidden ReLU layers, one linear output; MSE loss, reporting ``"mae"``."""

    variables = ("model", "normalizer")
    hint_text = ["A regression output is one number with no squashing activation.",
                 "keras.Input, then `normalizer`, then hidden Dense layers with relu, then Dense(1); compile with "
                 "loss=\"mse\", metrics=[\"mae\"]."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(x_train.shape[1],)),\n    normalizer,\n"
                     "    keras.layers.Dense(64, activation=\"relu\"),\n    keras.layers.Dense(32, activation=\"relu\"),\n"
                     "    keras.layers.Dense(1),\n])\n"
                     "model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=\"mse\", metrics=[\"mae\"])")

    def check_values(self, model, normalizer):
        self.expect(ins.is_model(model), f"`model` should be a Keras model; it is {describe_value(model)}.")
        layers = ins.layers_of(model)
        self.expect(any(layer is normalizer for layer in layers),
                    "Put the adapted `normalizer` right after the input: it scales each column with the statistics "
                    "of the training set.")
        hidden = ins.hidden_activations(model)
        self.expect(len(hidden) >= 1, "Use hidden Dense layers: this is the neural network, not the linear model.")
        self.expect(len(hidden) == 2 and all(a == "relu" for a in hidden),
                    f"Use two hidden Dense layers with the ReLU activation (found {len(hidden)}: {', '.join(hidden)}).")
        self.expect(ins.output_units(model) == 1, f"Predict one number (the age); the output has "
                                                  f"{ins.output_units(model)} units.")
        self.expect(ins.output_activation(model) == "linear",
                    "The output activation limits the range of predictions: a regression output should have none.")
        name = ins.loss_name(model)
        self.expect(name is not None, "The model is not compiled yet: call `model.compile(...)`.")
        self.expect(name == "mean_squared_error", "Compile with the squared-error loss used for regression.")
        self.expect("mae" in ins.metric_names(model),
                    "Report the mean absolute error as `metrics=[\"mae\"]`: the curves below read it under that name.")


class TestMAE(Question):
    """The trained network's test MAE beats the mean baseline by at least 30%."""

    variables = ("model", "x_test", "y_test", "y_train")
    hint_text = ["Normalise the inputs and let early stopping pick the epoch.",
                 "Check that x_test went through the same preprocessing as x_train."]
    solution_text = ("history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,\n"
                     "                    batch_size=batch_size, callbacks=[early_stopping], verbose=0)")

    def check_values(self, model, x_test, y_test, y_train):
        self.expect(hasattr(model, "predict"), f"`model` should be your trained Keras model; it is "
                                               f"{describe_value(model)}.")
        y_test = np.asarray(y_test, dtype=float).ravel()
        predicted = np.asarray(self.call(model.predict, x_test, verbose=0, what="model.predict(x_test)")).ravel()
        self.expect(predicted.shape == y_test.shape, f"Expected one prediction per test sample ({len(y_test)}); "
                                                     f"got {predicted.shape[0]}.")
        mae = float(np.mean(np.abs(predicted - y_test)))
        base = float(np.mean(np.abs(y_test - np.mean(y_train))))
        self.expect(mae <= 0.7 * base, f"Test MAE is {mae:.2f} years, only {1 - mae / base:.0%} better than the "
                                       f"mean baseline ({base:.2f}); aim for at least 30%.")
        return f"Test MAE {mae:.2f} years, {1 - mae / base:.0%} better than the baseline ({base:.2f})."


q1 = Encode("q1", "One-hot encode Sex")
q2 = Baseline("q2", "The mean baseline")
q3 = Network("q3", "A regression network")
q4 = TestMAE("q4", "Beat the baseline")
