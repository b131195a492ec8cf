"""What a Keras model is, read the same way by every check (Keras 3 public API only).

One place decides that ``loss="mse"``, ``loss=keras.losses.mean_squared_error`` and
``loss=keras.losses.MeanSquaredError()`` are the same loss; that ``Dense(1)`` followed by
``Activation("sigmoid")`` is a sigmoid unit; that ``Reshape((784,))`` flattens like
``Flatten()``; and that a Functional model is as good as a Sequential one.

Examples::

    loss_name(model)            # "mean_squared_error", or None before compile
    output_activation(model)    # "softmax" for Dense(10, activation="softmax") or Dense(10) + Softmax()
    metric_names(model)         # ["accuracy"]: the names under which fit() reports them
"""

import re

import numpy as np

from ..blanks import is_blank
from ..errors import BlankNotFilledError

__all__ = ["is_model", "layers_of", "dense_indices", "activation_name", "dense_activation", "output_activation",
           "output_activations", "is_activation_layer", "hidden_activations", "output_units", "input_shape", "flattens",
           "loss_name", "loss_from_logits", "metric_names", "metric_kinds", "optimizer_name", "learning_rate",
           "momentum", "run_model", "first_layer_of", "LOSS_ALIASES"]

#: every spelling of a loss (strings, function names, class names in snake case) → one name
LOSS_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error", "bce": "binary_crossentropy",
    "cce": "categorical_crossentropy", "scce": "sparse_categorical_crossentropy",
    "binary_cross_entropy": "binary_crossentropy", "categorical_cross_entropy": "categorical_crossentropy",
    "sparse_categorical_cross_entropy": "sparse_categorical_crossentropy", "kld": "kl_divergence",
}
_METRIC_ALIASES = {"acc": "accuracy", "mae": "mean_absolute_error", "mse": "mean_squared_error"}
_PASS_THROUGH = ("Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
                 "SpatialDropout2D", "ActivityRegularization")


def is_model(obj):
    """True for any Keras model (Sequential, Functional or subclassed)."""
    import keras

    return isinstance(obj, keras.Model)


def layers_of(model):
    """The model's layers in order, nested models expanded, without the ``InputLayer``."""
    import keras

    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.extend(layers_of(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            out.append(layer)
    return out


def first_layer_of(model, kind):
    """The first layer of class ``kind`` (e.g. ``keras.layers.Conv2D``), or None."""
    return next((layer for layer in layers_of(model) if isinstance(layer, kind)), None)


def dense_indices(layers):
    """Positions of the ``Dense`` layers in ``layers``."""
    import keras

    return [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def activation_name(layer):
    """The activation a layer applies, lower case; ``"linear"`` for none, ``None`` for non-activation layers."""
    import keras

    if isinstance(layer, keras.layers.ReLU):
        return "relu"
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    if isinstance(layer, keras.layers.LeakyReLU):
        return "leaky_relu"
    if isinstance(layer, keras.layers.ELU):
        return "elu"
    if isinstance(layer, keras.layers.PReLU):
        return "prelu"
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    if isinstance(activation, keras.layers.Layer):
        return activation_name(activation)
    name = getattr(activation, "__name__", None) or keras.activations.serialize(activation)
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name", "linear"))
    return str(name).lower()


def is_activation_layer(layer):
    """True for a layer that only applies an activation: ``Activation``, ``ReLU``, ``Softmax``, ``LeakyReLU``, ..."""
    import keras

    return isinstance(layer, (keras.layers.Activation, keras.layers.ReLU, keras.layers.Softmax,
                              keras.layers.LeakyReLU, keras.layers.ELU, keras.layers.PReLU))


def dense_activation(layers, i):
    """The activation after ``layers[i]``: its own, or that of activation layers right after a linear one.

    ``Dense(10)`` then ``Softmax()`` is "softmax"; Dropout-like layers in between are skipped.
    """
    import keras

    name = activation_name(layers[i]) or "linear"
    j = i + 1
    while name == "linear" and j < len(layers):
        layer = layers[j]
        if isinstance(layer, (keras.layers.Activation, keras.layers.ReLU, keras.layers.Softmax,
                              keras.layers.LeakyReLU)):
            name = activation_name(layer)
        elif type(layer).__name__ not in _PASS_THROUGH:
            break
        j += 1
    return name


def output_activation(model):
    """The activation applied to the last ``Dense`` layer's output (see :func:`dense_activation`)."""
    layers = layers_of(model)
    dense = dense_indices(layers)
    return dense_activation(layers, dense[-1]) if dense else None


def output_activations(model):
    """Every activation applied to the last ``Dense`` layer's output, in order, ``"linear"`` left out.

    ``Dense(1, activation="sigmoid")`` gives ``["sigmoid"]``; the same followed by ``Activation("sigmoid")``
    gives ``["sigmoid", "sigmoid"]`` (the sigmoid applied twice); ``Dense(1)`` alone gives ``[]`` (scores).
    Dropout-like layers in between are skipped; any other layer ends the list.
    """
    layers = layers_of(model)
    dense = dense_indices(layers)
    if not dense:
        return []
    found = [activation_name(layers[dense[-1]]) or "linear"]
    for layer in layers[dense[-1] + 1:]:
        if is_activation_layer(layer):
            found.append(activation_name(layer))
        elif type(layer).__name__ not in _PASS_THROUGH:
            break
    return [name for name in found if name != "linear"]


def hidden_activations(model):
    """The activation of every ``Dense`` layer except the last."""
    layers = layers_of(model)
    return [dense_activation(layers, i) for i in dense_indices(layers)[:-1]]


def output_units(model):
    """The size of the model's last output axis (``None`` if the model has no fixed output shape)."""
    shape = _shape(model, "output")
    return shape[-1] if shape else None


def input_shape(model):
    """The input shape without the batch axis, e.g. ``(28, 28)``."""
    shape = _shape(model, "input")
    return tuple(shape[1:]) if shape else None


def _shape(model, which):
    try:
        shape = getattr(model, f"{which}_shape")
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(shape) if shape is not None else None


def flattens(model):
    """True if every ``Dense`` layer sees vectors: a Flatten (or a Reshape to one axis, or global pooling) before it."""
    import keras

    layers = layers_of(model)
    dense = dense_indices(layers)
    if not dense:
        return False
    for layer in layers[:dense[0]]:
        if isinstance(layer, (keras.layers.Flatten, keras.layers.GlobalAveragePooling2D,
                              keras.layers.GlobalMaxPooling2D)):
            return True
        if isinstance(layer, keras.layers.Reshape) and len(layer.target_shape) == 1:
            return True
    shape = input_shape(model)
    return shape is not None and len(shape) == 1


def _loss_object(model_or_loss):
    return getattr(model_or_loss, "loss", None) if is_model(model_or_loss) else model_or_loss


def loss_name(model_or_loss):
    """One name for a loss however it was given (string, function, Loss object); ``None`` before compile."""
    import keras

    loss = _loss_object(model_or_loss)
    if loss is None:
        return None
    if is_blank(loss):
        raise BlankNotFilledError("The loss is still the `____` blank.")
    if isinstance(loss, str):
        key = loss.strip()
        try:
            key = keras.losses.get(key).__name__
        except (ValueError, TypeError, AttributeError):
            key = _snake(key) if key[:1].isupper() else key.lower()
        return LOSS_ALIASES.get(key, key)
    if isinstance(loss, keras.losses.Loss):
        key = _snake(type(loss).__name__)
    else:
        key = getattr(loss, "__name__", type(loss).__name__)
    key = LOSS_ALIASES.get(key, key)
    return "kl_divergence" if key == "k_l_divergence" else key


def loss_from_logits(model_or_loss):
    """True when the loss object was made with ``from_logits=True``."""
    loss = _loss_object(model_or_loss)
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(config.get("from_logits", False))


def metric_names(model):
    """The names under which ``fit``/``evaluate`` report the compiled metrics, e.g. ``["accuracy"]``.

    Empty before compile or with no metrics.
    """
    try:
        config = model.get_compile_config() or {}
    except (AttributeError, ValueError):
        return []
    metrics = config.get("metrics") or []
    if isinstance(metrics, dict):
        metrics = [m for ms in metrics.values() for m in (ms if isinstance(ms, list) else [ms])]
    names = []
    for metric in metrics:
        if isinstance(metric, str):
            names.append(metric)
        elif isinstance(metric, dict):
            names.append((metric.get("config") or {}).get("name") or _snake(metric.get("class_name", "")))
        else:
            names.append(getattr(metric, "name", None) or getattr(metric, "__name__", str(metric)))
    return names


def metric_kinds(model):
    """Like :func:`metric_names` but canonical (``"acc"`` → ``"accuracy"``, ``"mae"`` → ``"mean_absolute_error"``)."""
    return [_METRIC_ALIASES.get(n, n) for n in metric_names(model)]


def optimizer_name(model):
    """The optimizer's class name in lower case (``"sgd"``, ``"adam"``), or ``None`` before compile."""
    optimizer = getattr(model, "optimizer", None)
    return type(optimizer).__name__.lower() if optimizer is not None else None


def learning_rate(model):
    """The optimizer's learning rate as a float (``None`` if it has none or uses a schedule)."""
    try:
        return float(model.optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return None


def momentum(model):
    """The optimizer's momentum (0.0 for plain SGD); ``None`` for optimizers without one."""
    value = getattr(getattr(model, "optimizer", None), "momentum", None)
    return float(value) if value is not None else None


def run_model(model, x):
    """The model's outputs on ``x`` (inference mode) as a NumPy array."""
    import keras

    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)))
