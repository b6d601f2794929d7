"""Accuracy metrics with Keras's names; ``get("accuracy", loss)`` picks the one Keras would.

``y_true`` and ``y_pred`` must agree exactly in shape (no broadcasting) and hold at least one
sample: the accuracy of nothing is undefined, so it is refused rather than returned as NaN.
"""
import numpy as np

from ._checks import as_compute_array, class_labels, paired_arrays


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of entries where ``y_pred > threshold`` equals the 0/1 label."""
    y_true, y_pred = paired_arrays(y_true, y_pred, what="binary_accuracy")
    return float(np.mean((y_pred > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max matches the arg-max of the one-hot label."""
    y_true, y_pred = paired_arrays(y_true, y_pred, min_ndim=1, what="categorical_accuracy")
    return float(np.mean(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose arg-max equals the integer label (labels of shape (N,) or (N, 1))."""
    y_pred = as_compute_array(y_pred, "y_pred", ndim=2)
    if y_pred.size == 0:
        raise ValueError(f"y_pred is empty (shape {y_pred.shape}): sparse_categorical_accuracy "
                         "of no samples is undefined (it would be NaN)")
    labels = class_labels(y_true, "y_true", num_classes=y_pred.shape[1])
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
    if num_classes is not None and (isinstance(num_classes, (bool, np.bool_))
                                    or not isinstance(num_classes, (int, np.integer)) or num_classes < 1):
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    # ranges as Python ints, before any cast: a uint64 2**64 - 1 is reported as itself, not as -1
    ranges = {name: (int(arr.min()), int(arr.max())) if arr.size else None
              for name, arr in (("y_true", y_true), ("y_pred", y_pred))}
    if num_classes is None:
        num_classes = max([hi for _, hi in filter(None, ranges.values())], default=-1) + 1
    for name, span in ranges.items():
        if span and (span[0] < 0 or span[1] >= num_classes):
            raise ValueError(f"{name} has labels outside [0, {num_classes}): min {span[0]}, max {span[1]}")
    if num_classes > 2**31:
        raise ValueError(f"labels up to {num_classes - 1} would need a {num_classes} x {num_classes} matrix")
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
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
