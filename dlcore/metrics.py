"""Accuracy metrics with Keras's names; ``get("accuracy", loss)`` picks the one Keras would."""
import numpy as np

from ._checks import as_float_array, integer_labels, same_shape


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of entries where ``y_pred > threshold`` equals the 0/1 label."""
    y_true, y_pred = as_float_array(y_true, "y_true"), as_float_array(y_pred, "y_pred")
    same_shape(y_true, y_pred)
    return float(np.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max matches the arg-max of the one-hot label."""
    y_true, y_pred = as_float_array(y_true, "y_true"), as_float_array(y_pred, "y_pred")
    same_shape(y_true, y_pred)
    return float(np.mean(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max equals the integer label (labels of shape (N,) or (N, 1))."""
    y_pred = as_float_array(y_pred, "y_pred", ndim=2)
    labels = integer_labels(y_true, "y_true", num_classes=y_pred.shape[1])
    if labels.shape not in ((len(y_pred),), (len(y_pred), 1)):
        raise ValueError(f"y_true must hold one label per row of y_pred {y_pred.shape}, got shape {labels.shape}")
    return float(np.mean(np.argmax(y_pred, axis=-1) == labels.reshape(-1)))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``cm[i, j]`` of samples whose true class is ``i`` and predicted class is ``j``.

    Rows are true classes, columns predicted classes (as in ``tf.math.confusion_matrix``);
    the diagonal holds the correct predictions. ``num_classes`` defaults to the largest label
    plus one. Labels must be integers in ``[0, num_classes)``.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of class labels, got shape {arr.shape}")
        if arr.dtype.kind not in "iu" and not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels (take argmax of "
                             "probabilities first)")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise ValueError(f"{name} has labels outside [0, {num_classes}): "
                             f"min {arr.min()}, max {arr.max()}")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2)
    return counts.reshape(num_classes, num_classes)


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
