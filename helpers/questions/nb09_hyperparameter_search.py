"""Checks for ``09_hyperparameter_search``: the search space, the tuner, the search, the retrained model.

Every check accepts what the rest of the notebook works with: ``build_model(hp)`` must return a
compiled model whose ``accuracy`` metric gives the tuner its ``val_accuracy`` objective, and must
register ``units``, ``dropout`` and ``learning_rate`` (the trials table reads them), with the learning
rate on a log scale (``hp.Float(..., sampling="log")``, or a ``hp.Choice`` spanning powers of ten);
``hp.Int`` or ``hp.Choice`` for the units, Sequential or Functional models are all accepted.  The tuner
must be a ``RandomSearch`` keeping its files under ``tuner_dir`` (the notebook removes that folder at the
end), and the search must score its trials on the validation split, never on the test images.

How the accuracy floors in :data:`helpers.data.images.IMAGE_SETS` were measured: Quick mode: the notebook run
as a script with seeds 1–5 (each seed draws other trials) gave 94.3–96.6 % on MNIST and, with seeds 1–3,
82.3–83.8 % on Fashion-MNIST; the floors sit about two points below the lowest.  Full mode: not measured (full
MNIST has no offline copy here), set at notebook 03's full-mode floors.
"""

import warnings
from pathlib import Path

import numpy as np

from ..checks import model_facts as ins
from ..checks.kinds import AccuracyQuestion
from ..checks.question import Question, describe_value

__all__ = ["q1", "q2", "q3", "q4"]

#: The hyperparameters the question asks for, by name.
NAMES = ("units", "dropout", "learning_rate")


def _hp_of(space, name):
    return next((hp for hp in space if hp.name == name), None)


def _other_value(hp):
    """A value of ``hp`` other than its default (to see whether the model uses it), or None."""
    if _is_choice(hp):
        return next((v for v in hp.values if v != hp.default), None)
    top = getattr(hp, "max_value", None)
    low = getattr(hp, "min_value", None)
    if top is None:
        return None
    return top if top != hp.default else low


def _lr_is_log_scale(hp):
    """True for a log-sampled range, or a list of choices spanning at least a factor 10."""
    if _is_choice(hp):
        positive = [float(v) for v in hp.values if float(v) > 0]
        return len(positive) >= 2 and max(positive) / min(positive) >= 10
    return getattr(hp, "sampling", None) == "log"


def _is_choice(hp):
    """True for ``hp.Choice`` (numerical hyperparameters have a ``values`` property too: a sample grid)."""
    return type(hp).__name__ == "Choice"


class BuildModel(Question):
    """``build_model(hp)``: 03's network, with the hidden units, the dropout rate and the learning rate drawn from ``hp``."""

    variables = ("build_model",)
    hint_text = ["Inside build_model, ask hp for each value instead of writing a number: an integer range for the "
                 "units, a float range for the dropout rate and for the learning rate. Compile the model before "
                 "returning it.",
                 "Learning rates that make sense span several powers of ten (1e-4 to 1e-2): sample them on a "
                 "log scale (the sampling argument of hp.Float)."]
    solution_text = ("def build_model(hp):\n    model = keras.Sequential([\n        keras.Input(shape=(28, 28)),\n"
                     "        keras.layers.Flatten(),\n"
                     "        keras.layers.Dense(hp.Int(\"units\", 32, 512, step=32), activation=\"relu\"),\n"
                     "        keras.layers.Dropout(hp.Float(\"dropout\", 0.0, 0.5, step=0.1)),\n"
                     "        keras.layers.Dense(10, activation=\"softmax\"),\n    ])\n"
                     "    learning_rate = hp.Float(\"learning_rate\", 1e-4, 1e-2, sampling=\"log\")\n"
                     "    model.compile(optimizer=keras.optimizers.Adam(learning_rate),\n"
                     "                  loss=\"sparse_categorical_crossentropy\", metrics=[\"accuracy\"])\n"
                     "    return model")

    def check_values(self, build_model):
        import keras_tuner as kt

        self.expect(not ins.is_model(build_model), "`build_model` should be the function that builds a model from "
                                                   "`hp` (the tuner calls it once per trial), not a model.")
        self.expect_function(build_model, "build_model", "def build_model(hp):")
        hp = kt.HyperParameters()
        model = self.call(build_model, hp, what="build_model(hp)")
        self.expect(ins.is_model(model), f"`build_model(hp)` should return a Keras model; it returned "
                                         f"{describe_value(model)}" + (" (a function without `return` gives None)."
                                                                       if model is None else "."))
        self.expect(ins.input_shape(model) == (28, 28),
                    f"The input should be 28×28 images; the model's input is {ins.input_shape(model)}.")
        self.expect(ins.output_units(model) == 10 and ins.output_activation(model) == "softmax",
                    "The output should be 10 class probabilities that add up to 1, as in notebook 03.")
        self.expect(getattr(model, "optimizer", None) is not None and getattr(model, "loss", None) is not None,
                    "The model is not compiled: the tuner trains the model that build_model returns as it is, so "
                    "compile it inside build_model.")
        self.expect(ins.loss_name(model) == "sparse_categorical_crossentropy",
                    "The labels are integers 0–9 (not one-hot rows): pick the cross-entropy that fits them.")
        self.expect("accuracy" in ins.metric_kinds(model),
                    "Compile with the accuracy metric: the search maximises the validation accuracy, which Keras "
                    "reports only for a metric named accuracy.")
        space = list(hp.space)
        missing = [name for name in NAMES if _hp_of(space, name) is None]
        self.expect(not missing, f"build_model should draw {', '.join(f'`{n}`' for n in NAMES)} from hp, under "
                                 f"these names (the trials table reads them); missing: "
                                 f"{', '.join(f'`{n}`' for n in missing)}.")
        self.expect(_lr_is_log_scale(_hp_of(space, "learning_rate")),
                    "Learning rates that make sense span several powers of ten: drawn evenly between 1e-4 and "
                    "1e-2, nine in ten would be above 1e-3. Sample the learning rate on a log scale.")
        other = kt.HyperParameters()
        self.call(build_model, other, what="build_model(hp)")
        changed = {name: _other_value(_hp_of(list(other.space), name)) for name in NAMES}
        for name, value in changed.items():
            if value is not None:
                other.values[name] = value
        varied = self.call(build_model, other, what="build_model(hp) with other values")
        self._expect_used(varied, changed)
        return "3 hyperparameters: " + ", ".join(NAMES) + "."

    def _expect_used(self, model, changed):
        import keras

        layers = ins.layers_of(model)
        checks = {
            "units": lambda v: any(isinstance(la, keras.layers.Dense) and la.units == v for la in layers[:-1]),
            "dropout": lambda v: any(isinstance(la, keras.layers.Dropout) and np.isclose(la.rate, v) for la in layers),
            "learning_rate": lambda v: ins.learning_rate(model) is not None and np.isclose(ins.learning_rate(model), v,
                                                                                             rtol=1e-5),
        }
        for name, value in changed.items():
            if value is not None:
                self.expect(checks[name](value), f"Changing the hyperparameter `{name}` does not change the model: "
                                                 f"use the value that hp returns where the model needs it, instead "
                                                 f"of a fixed number.")


class MakeTuner(Question):
    """``tuner``: a ``RandomSearch`` over ``build_model`` maximising the validation accuracy, files under ``tuner_dir``."""

    variables = ("tuner", "build_model", "max_trials", "tuner_dir")
    hint_text = ["keras_tuner (imported as kt) has a random-search tuner. It takes the function that builds a "
                 "model, the objective to maximise, how many trials, and where to keep its files.",
                 "The objective is the accuracy on the validation split: Keras reports it as val_accuracy. Keep the "
                 "files in tuner_dir (directory=...), and pass the run's seed so the trials can be repeated."]
    solution_text = ("tuner = kt.RandomSearch(build_model, objective=\"val_accuracy\", max_trials=max_trials,\n"
                     "                        seed=run.seed, directory=tuner_dir, project_name=\"fnn\", "
                     "overwrite=True)")

    def check_values(self, tuner, build_model, max_trials, tuner_dir):
        import keras_tuner as kt

        self.expect(isinstance(tuner, kt.Tuner), f"`tuner` should be a KerasTuner tuner; it is "
                                                 f"{describe_value(tuner)}.")
        self.expect(isinstance(tuner, kt.RandomSearch), f"The question asks for a random search; `tuner` is a "
                                                        f"{type(tuner).__name__}.")
        objective = tuner.oracle.objective
        name, direction = getattr(objective, "name", None), getattr(objective, "direction", None)
        self.expect(name != "accuracy", "The training accuracy rewards memorising the training images: score each "
                                        "trial on the validation split instead.")
        self.expect(name == "val_accuracy", f"The objective should be the validation accuracy; it is {name!r}.")
        self.expect(direction == "max", "A higher accuracy is better: the objective's direction should be 'max'.")
        self.expect(tuner.oracle.max_trials == max_trials,
                    f"The tuner should try `max_trials` ({max_trials}) combinations; it will try "
                    f"{tuner.oracle.max_trials}.")
        hypermodel = tuner.hypermodel
        if type(hypermodel).__name__ == "DefaultHyperModel":  # made from a function (a HyperModel class is fine too)
            self.expect(hypermodel.build is build_model,
                        "The tuner should build its models with your `build_model` (if you ran the build_model cell "
                        "again since, run this cell again too).")
        project = Path(tuner.project_dir).resolve()
        self.expect(Path(tuner_dir).resolve() in project.parents,
                    "The tuner keeps a folder of files for every trial: put it under `tuner_dir`, the temporary "
                    "folder this notebook removes at its end, so that nothing is left behind.")
        return f"RandomSearch, {max_trials} trials, maximising val_accuracy."


_ON_TEST = ("The trials were scored on the test images. Choosing hyperparameters by their test score makes that "
            "score optimistic, and leaves nothing for an honest final measurement: score the trials on the "
            "validation split.")


def _accuracy(model, x, y):
    predicted = np.asarray(model.predict(x, verbose=0))
    return float(np.mean(predicted.argmax(axis=1) == np.asarray(y)))


class Search(Question):
    """The search ran every trial and scored them on the validation split, not on the test images."""

    variables = ("tuner", "max_trials", "score_images", "score_labels", "x_val", "y_val", "x_test", "y_test")
    hint_text = ["Three splits, three jobs (lecture L5): the weights are fitted on the training split, our choices "
                 "are made on the validation split, and the test split measures the one model we pick, once.",
                 "A search is a series of choices: which images and labels may score them? Not the test images: they "
                 "are kept for the one final measurement."]
    solution_text = "score_images, score_labels = x_val, y_val"

    def check_values(self, tuner, max_trials, score_images, score_labels, x_val, y_val, x_test, y_test):
        import keras_tuner as kt

        self.expect(score_images is not x_test and score_labels is not y_test, _ON_TEST)

        self.expect(isinstance(tuner, kt.Tuner), f"`tuner` should be the KerasTuner tuner of question 2; it is "
                                                 f"{describe_value(tuner)}.")
        trials = list(tuner.oracle.trials.values())
        done = [t for t in trials if t.status == "COMPLETED" and t.score is not None]
        failed = [t for t in trials if t.status in ("FAILED", "INVALID")]
        self.expect(not failed, f"{len(failed)} trial(s) failed: read the error above the search cell's output "
                                f"(build_model raised, or fit did).")
        self.expect(done, "No trial has finished yet: run the search first.")
        self.expect(len(done) >= max_trials, f"{len(done)} of {max_trials} trials finished: let the search run to "
                                             f"its end.")
        best = tuner.oracle.get_best_trials(1)[0]
        with warnings.catch_warnings():  # loading a checkpoint warns that the optimizer's state is not restored
            warnings.simplefilter("ignore")
            model = self.call(lambda: tuner.get_best_models(1)[0], what="tuner.get_best_models(1)")
        on_val = self.call(_accuracy, model, x_val, y_val, what="the best model's predict(x_val)")
        on_test = self.call(_accuracy, model, x_test, y_test, what="the best model's predict(x_test)")
        scored_on_val = abs(best.score - on_val) <= 1.5 / len(y_val)
        scored_on_test = abs(best.score - on_test) <= 1.5 / len(y_test)
        self.expect(scored_on_val or not scored_on_test, _ON_TEST)
        return f"{len(done)} trials; the best scored {best.score:.1%} on the validation split."


class RetrainedAccuracy(AccuracyQuestion):
    """The network rebuilt with the best hyperparameters and retrained reaches the floor on the test images."""

    variables = ("model", "best_hp", "x_test", "y_test")
    hint_text = ["The tuner keeps what builds its networks as `tuner.hypermodel`, which has a `build` method: given "
                 "the best hyperparameters, `best_hp`, it makes a fresh, compiled network. The cell after this one "
                 "trains it.",
                 "best_hp.values holds the winning values, if you prefer to build the network yourself."]
    solution_text = "model = tuner.hypermodel.build(best_hp)"
    advice = "Train the rebuilt network for the planned number of epochs before measuring it."

    def check_values(self, model, best_hp, x_test, y_test):
        import keras

        self.expect(ins.is_model(model), f"`model` should be the network rebuilt with the best hyperparameters; it "
                                         f"is {describe_value(model)}.")
        units = best_hp.values.get("units")
        hidden = [la.units for la in ins.layers_of(model)[:-1] if isinstance(la, keras.layers.Dense)]
        self.expect(units is None or units in hidden,
                    "`model` should have the best trial's number of hidden units (best_hp.values); it has "
                    f"{', '.join(map(str, hidden)) or 'no hidden Dense layer'}.")
        return super().check_values(model, x_test, y_test)


q1 = BuildModel("q1", "The search space")
q2 = MakeTuner("q2", "A random-search tuner")
q3 = Search("q3", "The search, on the validation split")
q4 = RetrainedAccuracy("q4", "The best hyperparameters, retrained and tested once")
