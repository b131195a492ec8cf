"""Reference models trained on the same data splits the solutions use.

Each function returns a dict of plain numbers.  The splits are not copied from the notebooks: they
are *made by* the notebooks, whose own cells (Setup and Data sections, up to ``## Model``) run
through :func:`helpers.checks.catch_up.run_solution_cells`, so the comparison is always on identical data.
"""

import time

import numpy as np

__all__ = ["PUBLISHED", "notebook_split", "cnn_split", "fnn_split", "abalone_split", "keras_io_convnet",
           "fnn_references", "sklearn_references", "abalone_references"]

#: Published test accuracies on the official Fashion-MNIST test split (the Fashion-MNIST benchmark
#: table, as quoted in the offline data folder's README): not measured here, for comparison only.
PUBLISHED = {
    "fashion": {
        "2 conv + pooling CNN": 0.916,
        "2 conv CNN, under 100K parameters": 0.925,
        "2 conv + pooling + batch norm CNN": 0.934,
        "ResNet18": 0.949,
        "scikit-learn MLPClassifier": 0.87,
    },
}


def notebook_split(notebook, quick, seed=42, limit=None, dataset=None):
    """``(x_train, y_train), (x_val, y_val), (x_test, y_test)`` as the solution notebook makes them.

    Args:
        notebook: e.g. ``"04_cnn_mnist"``.
        quick: Quick-mode (True) or full-mode (False) data.
        seed: The notebook's ``seed`` parameter.
        limit: Keep only the first ``limit`` training samples (a smoke test).
        dataset: The notebook's ``dataset`` parameter (03 and 04: ``"mnist"`` or ``"fashion"``);
            None keeps the notebook's default.
    """
    from helpers.checks.catch_up import run_solution_cells

    params = {"seed": seed} if dataset is None else {"seed": seed, "dataset": dataset}
    ns = run_solution_cells(notebook, until="## Model", params=params, quick=quick)
    x_train, y_train = ns["x_train"], ns["y_train"]
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return (x_train, y_train), (ns["x_val"], ns["y_val"]), (ns["x_test"], ns["y_test"])


def cnn_split(quick, seed=42, limit=None, dataset=None):
    """04's data: images (n, 28, 28, 1) in [0, 1] (04 keeps 0–255 bytes and scales in the model), integer labels."""
    splits = notebook_split("04_cnn_mnist", quick, seed, limit, dataset)
    return tuple((_unit_scale(x), y) for x, y in splits)


def fnn_split(quick, seed=42, limit=None, dataset=None):
    """03's data: images (n, 28, 28) in [0, 1], integer labels, stratified validation split."""
    return notebook_split("03_fnn_mnist", quick, seed, limit, dataset)


def _unit_scale(x):
    """Pixels in [0, 1] as float32, whether the notebook kept 0–255 bytes or scaled them already."""
    x = np.asarray(x)
    return x.astype("float32") / 255 if x.dtype == np.uint8 else x.astype("float32")


def abalone_split(seed=42):
    """05's data: one-hot sex, age = rings + 1.5, 70/15/15 split."""
    return notebook_split("05_abalone_regression", True, seed)


def _fit_timed(model, x, y, val, epochs, batch_size):
    """Fit with a per-epoch timer (the same callback the solutions use); returns history and epoch times."""
    from helpers.run.summary import epoch_timer

    times = []
    history = model.fit(x, y, validation_data=val, epochs=epochs, batch_size=batch_size, verbose=0,
                        callbacks=[epoch_timer(times)])
    return history.history, times


def keras_io_convnet(quick, epochs=15, limit=None, seed=42, dataset=None):
    """keras.io "Simple MNIST convnet": Conv32 → pool → Conv64 → pool → Flatten → Dropout 0.5 → Dense 10.

    Adam, batch 128, ``epochs`` epochs, on 04's split (pixels scaled to [0, 1] as keras.io does).
    """
    import keras

    keras.utils.set_random_seed(seed)
    (x_train, y_train), val, (x_test, y_test) = cnn_split(quick, seed, limit, dataset)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    history, times = _fit_timed(model, x_train, y_train, val, epochs, 128)
    train_seconds = time.perf_counter() - start
    return {
        "val_accuracy_per_epoch": [round(float(v), 4) for v in history["val_accuracy"]],
        "epoch_seconds": [round(t, 3) for t in times],
        "train_seconds": round(train_seconds, 2),
        "final_val_accuracy": round(float(history["val_accuracy"][-1]), 4),
        "test_accuracy": round(float(model.evaluate(x_test, y_test, verbose=0)[1]), 4),
    }


def fnn_references(quick, epochs=5, hidden_epochs=8, limit=None, seed=42, dataset=None):
    """Softmax regression (Flatten → Dense 10, SGD 0.01, batch 128) and the lecture's 784-40-10 network."""
    import keras

    (x_train, y_train), val, (x_test, y_test) = fnn_split(quick, seed, limit, dataset)
    out = {}
    configs = {
        "softmax regression (SGD 0.01, batch 128)": (
            lambda: [keras.layers.Dense(10, activation="softmax")],
            lambda: keras.optimizers.SGD(learning_rate=0.01), epochs),
        "784-40-10 sigmoid (Adam, batch 128)": (
            lambda: [keras.layers.Dense(40, activation="sigmoid"), keras.layers.Dense(10, activation="softmax")],
            lambda: keras.optimizers.Adam(), hidden_epochs),
    }
    for name, (layers, optimizer, n_epochs) in configs.items():
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), *layers()])
        model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        _fit_timed(model, x_train, y_train, val, n_epochs, 128)
        out[name] = {"epochs": n_epochs, "train_seconds": round(time.perf_counter() - start, 2),
                     "test_accuracy": round(float(model.evaluate(x_test, y_test, verbose=0)[1]), 4)}
    return out


def sklearn_references(quick, limit=None, seed=42, dataset=None, max_iter=200):
    """scikit-learn's ``LogisticRegression`` on 03's split (784 pixels in [0, 1]): training time and test accuracy.

    It trains on the training part only (03's validation images are left out, as for the networks).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    (x_train, y_train), _val, (x_test, y_test) = fnn_split(quick, seed, limit, dataset)
    flat = lambda x: np.asarray(x, dtype="float32").reshape(len(x), -1)  # noqa: E731
    model = LogisticRegression(max_iter=max_iter)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(flat(x_train), y_train)
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {f"LogisticRegression (lbfgs, max_iter={max_iter})": {
        "train_seconds": round(seconds, 2), "converged": converged, "train_images": len(x_train),
        "test_accuracy": round(float(model.score(flat(x_test), y_test)), 4)}}


def abalone_references(seed=42):
    """Mean baseline, LinearRegression and HistGradientBoostingRegressor on 05's split: MAE and RMSE (years = rings)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import LinearRegression

    (x_train, y_train), _val, (x_test, y_test) = abalone_split(seed)

    def scores(pred, seconds):
        err = np.asarray(pred, dtype=float) - y_test
        return {"mae": round(float(np.mean(np.abs(err))), 3), "rmse": round(float(np.sqrt(np.mean(err ** 2))), 3),
                "train_seconds": round(seconds, 3)}

    out = {"mean baseline": scores(np.full_like(y_test, y_train.mean()), 0.0)}
    for name, model in (("LinearRegression", LinearRegression()),
                        ("HistGradientBoostingRegressor", HistGradientBoostingRegressor(random_state=seed))):
        start = time.perf_counter()
        model.fit(x_train, y_train)
        out[name] = scores(model.predict(x_test), time.perf_counter() - start)
    return out
