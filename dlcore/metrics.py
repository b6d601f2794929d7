"""Accuracy metrics with Keras's names; ``get("accuracy", loss)`` picks the one Keras would."""
import numpy as np


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of entries where ``y_pred > threshold`` equals the 0/1 label."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max matches the arg-max of the one-hot label."""
    return float(np.mean(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max equals the integer label."""
    y_true = np.asarray(y_true).reshape(len(y_pred))
    return float(np.mean(np.argmax(y_pred, axis=-1) == y_true))


_FOR_LOSS = {
    "binary_crossentropy": binary_accuracy,
    "hinge": binary_accuracy,
    "categorical_crossentropy": categorical_accuracy,
    "sparse_categorical_crossentropy": sparse_categorical_accuracy,
}
_BY_NAME = {f.__name__: f for f in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy)}


def get(identifier, loss=None):
    """A metric function from its name; ``"accuracy"``/``"acc"`` resolves from the loss like Keras."""
    if callable(identifier):
        return identifier
    if identifier in ("accuracy", "acc"):
        name = getattr(loss, "name", None)
        if name not in _FOR_LOSS:
            raise ValueError(f"'accuracy' needs a classification loss, got {name!r}")
        return _FOR_LOSS[name]
    if identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"unknown metric {identifier!r}; known: accuracy, {sorted(_BY_NAME)}")
