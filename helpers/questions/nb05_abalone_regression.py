"""Checks for ``05_abalone_regression``: encoding, baseline, the regression network, test MAE."""

import numpy as np

from ..checking import Question

__all__ = ["q1", "q2", "q3", "q4"]


class Encode(Question):
    """``features``: numeric table with Sex one-hot encoded."""

    variables = ("features",)
    hint_text = ["A network needs numbers: turn the M/F/I column into three 0/1 columns.",
                 "pd.get_dummies(df, columns=[...], dtype=\"float32\")"]
    solution_text = 'features = pd.get_dummies(df.drop(columns="rings"), columns=["sex"], dtype="float32")'

    def check_values(self, features):
        cols = [str(c) for c in getattr(features, "columns", [])]
        self.expect(len(cols) > 0, "`features` should be a pandas DataFrame.")
        self.expect("rings" not in cols, "The target (rings) must not be among the features.")
        self.expect("sex" not in cols, "The text column is still there: replace it by one column per category.")
        self.expect(sum(c.startswith("sex") for c in cols) == 3, "Sex has three categories (M, F, I): expect three columns.")
        self.expect(features.shape == (4177, 10), f"Expected 4177 rows and 10 feature columns; got {features.shape}.")
        self.expect(all(np.issubdtype(t, np.number) for t in features.dtypes), "Every column should be numeric.")


class Baseline(Question):
    """``baseline_mae``: MAE on the test set of always predicting the training mean."""

    variables = ("baseline_mae", "y_train", "y_test")
    hint_text = ["The baseline ignores the features: it always predicts one number learnt from the training targets.",
                 "MAE is the mean of the absolute errors."]
    solution_text = "baseline_mae = np.mean(np.abs(y_test - y_train.mean()))"

    def check_values(self, baseline_mae, y_train, y_test):
        want = float(np.mean(np.abs(np.asarray(y_test) - np.mean(y_train))))
        self.expect(np.isscalar(baseline_mae) or np.ndim(baseline_mae) == 0, "`baseline_mae` should be one number.")
        self.expect(abs(float(baseline_mae) - want) < 1e-3,
                    "Not the expected value: predict the *training* mean, and average the *absolute* errors on the test set.")


class Network(Question):
    """``model``: a small regression network, compiled with MSE and reporting MAE."""

    variables = ("model",)
    hint_text = ["A regression output is one number with no squashing activation.",
                 "Hidden Dense layers with relu, then Dense(1); compile with loss=\"mse\", metrics=[\"mae\"]."]
    solution_text = ("model = keras.Sequential([\n    keras.Input(shape=(x_train.shape[1],)),\n    normalizer,\n"
                     "    keras.layers.Dense(64, activation=\"relu\"),\n    keras.layers.Dense(32, activation=\"relu\"),\n"
                     "    keras.layers.Dense(1),\n])\nmodel.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=\"mse\", metrics=[\"mae\"])")

    def check_values(self, model):
        import keras

        self.expect(isinstance(model, keras.Model), "`model` should be a Keras model.")
        dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
        self.expect(len(dense) >= 2, "Use at least one hidden Dense layer: this is the neural network, not the linear model.")
        self.expect(model.output_shape[-1] == 1, f"Predict one number (the age); the output has {model.output_shape[-1]} units.")
        self.expect(dense[-1].get_config()["activation"] == "linear",
                    "The output activation limits the range of predictions: a regression output should have none.")
        loss = getattr(model, "loss", None)
        name = str(loss if isinstance(loss, str) else getattr(loss, "name", loss)).lower()
        self.expect(loss is not None and name in {"mse", "mean_squared_error"},
                    "Compile with the squared-error loss used for regression.")


class TestMAE(Question):
    """The trained network's test MAE beats the mean baseline by at least 30%."""

    variables = ("model", "x_test", "y_test", "y_train")
    hint_text = ["Normalise the inputs and let early stopping pick the epoch.",
                 "Check that x_test went through the same preprocessing as x_train."]
    solution_text = "history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, callbacks=[early_stopping])"

    def check_values(self, model, x_test, y_test, y_train):
        y_test = np.asarray(y_test, dtype=float).ravel()
        mae = float(np.mean(np.abs(np.asarray(model.predict(x_test, verbose=0)).ravel() - y_test)))
        base = float(np.mean(np.abs(y_test - np.mean(y_train))))
        self.expect(mae <= 0.7 * base, f"Test MAE is {mae:.2f} years, only {1 - mae / base:.0%} better than the "
                                       f"mean baseline ({base:.2f}); aim for at least 30%.")
        return f"Test MAE {mae:.2f} years, {1 - mae / base:.0%} better than the baseline ({base:.2f})."


q1 = Encode("q1", "One-hot encode Sex")
q2 = Baseline("q2", "The mean baseline")
q3 = Network("q3", "A regression network")
q4 = TestMAE("q4", "Beat the baseline")
