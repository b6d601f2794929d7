"""Input checks shared by every public function of dlcore.

Bad input must fail loudly with a message that names what was expected and what arrived,
never broadcast silently: ``mse(y, y_hat)`` with ``y`` of shape ``(N,)`` and ``y_hat`` of
shape ``(N, 1)`` would otherwise build an ``(N, N)`` matrix of differences.
"""
import numpy as np


def as_float_array(x, name, ndim=None, allow_nonfinite=False):
    """Return ``x`` as a float ndarray (float32 stays float32), checking ndim and finiteness."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim not in np.atleast_1d(ndim):
        raise ValueError(f"{name} must have ndim {ndim}, got shape {arr.shape}")
    if not allow_nonfinite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def same_shape(a, b, name_a="y_true", name_b="y_pred"):
    """Raise unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; "
            "they must match exactly (reshape one of them: no silent broadcasting)"
        )


def positive(value, name):
    """Return ``value`` as a float after checking it is a finite number > 0."""
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value


def non_negative(value, name):
    """Return ``value`` as a float after checking it is a finite number >= 0."""
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, got {value}")
    return value


def in_unit_interval(value, name, closed_right=False):
    """Return ``value`` after checking ``0 <= value < 1`` (or ``<= 1`` when ``closed_right``)."""
    value = float(value)
    ok = 0 <= value <= 1 if closed_right else 0 <= value < 1
    if not ok:
        interval = "[0, 1]" if closed_right else "[0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def integer_labels(y, name="y_true", num_classes=None):
    """Return integer class labels as an int64 array, checking range ``0 <= y < num_classes``."""
    arr = np.asarray(y)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, got non-integers")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} has a negative label {arr.min()}")
    if num_classes is not None and arr.size and arr.max() >= num_classes:
        raise ValueError(f"{name} has label {arr.max()} but there are only {num_classes} classes")
    return arr
