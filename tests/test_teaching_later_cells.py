"""Later cells work with every answer a check accepts (issue 12: a Functional CNN once passed q3 of 04 and
then broke the filter plot).  The solution's own later cells run here, in this process, on alternative
right answers: no kernel, figures muted."""

import json
from pathlib import Path

import numpy as np
import pytest

from helpers.run import state
from helpers.checks.question import CORRECT

ROOT = Path(__file__).resolve().parent.parent


def cells(notebook, *starts):
    """The sources of the solution's code cells that start with (or contain) each fragment, in order."""
    nb = json.loads((ROOT / "solutions" / f"{notebook}.ipynb").read_text())
    sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return [next(s for s in sources if fragment in s) for fragment in starts]


@pytest.fixture
def namespace(keras, monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import helpers

    monkeypatch.setenv("WORKSHOP_FIGURES_DIR", str(tmp_path))
    with state.muted():
        yield {"keras": keras, "np": np, "plt": plt, "helpers": helpers}
    plt.close("all")


def test_04_filters_and_feature_maps_work_for_a_functional_cnn_with_a_softmax_layer(keras, namespace):
    from helpers.questions.nb04_cnn_mnist import q3

    L = keras.layers
    inputs = keras.Input(shape=(28, 28, 1))
    x = L.MaxPooling2D(2)(L.BatchNormalization()(L.Conv2D(12, 5, activation="relu")(L.Rescaling(1 / 255)(inputs))))
    model = keras.Model(inputs, L.Softmax()(L.Dense(10)(L.GlobalAveragePooling2D()(x))))
    assert q3.evaluate(model=model).outcome == CORRECT
    namespace.update(model=model, x_test=np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32"),
                     y_test=np.array([7, 2, 1]), class_names=[str(digit) for digit in range(10)])
    for source in cells("04_cnn_mnist", "first_conv = next(", "feature_extractor = keras.Model("):
        exec(source, namespace)  # noqa: S102 – the kit's own solution cells
    assert namespace["filters"].shape == (5, 5, 12) and namespace["maps"].shape[-1] == 12


def test_02_training_and_plots_work_for_a_functional_dense_plus_activation_answer(keras, namespace):
    from helpers.questions.nb02_logistic_regression import q4

    inputs = keras.Input(shape=(2,))
    model = keras.Model(inputs, keras.layers.Activation("sigmoid")(keras.layers.Dense(1)(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=keras.losses.binary_crossentropy,
                  metrics=["accuracy"])
    assert q4.evaluate(model=model).outcome == CORRECT
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(1, 0.6, (50, 2)), rng.normal(3, 0.6, (50, 2))]
    namespace.update(model=model, X=X, y=np.r_[np.zeros(50), np.ones(50)], run=_Run())
    train, plot, evaluate = cells("02_logistic_regression", "mse_model = keras.Sequential(", "ax1.plot(epoch, loss / loss[0]",
                                  "accuracy = model.evaluate(")
    for source in (train, plot, evaluate):
        exec(source, namespace)  # noqa: S102
    assert 0 <= namespace["accuracy"] <= 1


@pytest.mark.parametrize("answer", ["scores with from_logits", "two softmax units"])
def test_02_training_and_plots_work_for_the_other_outputs_and_losses_q4_accepts(keras, namespace, answer):
    """Issue 22: q4 accepts a linear unit with from_logits=True and two softmax units with the integer-label loss;
    the comparison with MSE, its plot and the accuracy cell must run on them, and the cross-entropy model must
    still learn at least as fast as the MSE one (the notebook's lesson)."""
    from helpers.questions.nb02_logistic_regression import q4

    keras.utils.set_random_seed(0)
    if answer == "two softmax units":
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(2, activation="softmax")])
        loss = "sparse_categorical_crossentropy"
    else:
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss=loss, metrics=["accuracy"])
    assert q4.evaluate(model=model).outcome == CORRECT
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(1, 0.6, (100, 2)), rng.normal(3, 0.6, (100, 2))]
    namespace.update(model=model, X=X, y=np.r_[np.zeros(100), np.ones(100)], run=_Run(epochs=12))
    train, plot, evaluate = cells("02_logistic_regression", "mse_model = keras.Sequential(", "ax1.plot(epoch, loss / loss[0]",
                                  "accuracy = model.evaluate(")
    for source in (train, plot, evaluate):
        exec(source, namespace)  # noqa: S102
    assert namespace["accuracy"] > 0.9
    first = namespace["first_95"]
    assert first["cross-entropy"] is not None and first["cross-entropy"] <= (first["MSE"] or 13), first


class _Run:
    """The bits of ``run`` the 02 training cell reads."""

    batch_size, quick = 32, True

    def __init__(self, epochs=3):
        self.epochs = epochs

    def pick(self, quick, full):
        return quick
