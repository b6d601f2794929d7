r"""Numerical gradient checking: compare backpropagation with finite differences.

The central difference :math:`\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}` has an error of order
:math:`\epsilon^2`; in float64 with :math:`\epsilon = 10^{-6}` a correct analytic gradient agrees to a
relative error of about :math:`10^{-8}` or better, while a wrong one is off by far more.
"""
import numpy as np

from ._checks import positive


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored, also when ``f`` raises:
    the caller's array (often a model's weights) is never left off by ``eps``. ``f`` takes no
    arguments (a closure that reads ``x``) or one argument (``x`` itself) and must return one
    finite number; ``eps`` must be a positive number.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("x must be a float64 ndarray (finite differences need double precision)")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place (and restored)")
    eps = _eps(eps)
    if not callable(f):
        raise ValueError(f"f must be a function returning a number, got {type(f).__name__}")
    call = (lambda: f(x)) if _takes_argument(f) else f
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        try:
            x[idx] = original + eps
            up = _value(call(), idx, "+")
            x[idx] = original - eps
            down = _value(call(), idx, "-")
        finally:
            x[idx] = original
        grad[idx] = (up - down) / (2 * eps)
    return grad


def _eps(eps):
    """``eps`` as a positive float (0 would divide by zero; a negative one flips the sign)."""
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return positive(eps, "eps")


def _value(value, idx, sign):
    """``f``'s value as a float: one finite number, else an error naming where it was evaluated."""
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "fiub":
        raise ValueError(f"f must return a single number, got {type(value).__name__} of shape {arr.shape}")
    number = float(arr)
    if not np.isfinite(number):
        raise ValueError(f"f returned {number} at x[{', '.join(map(str, idx))}] {sign} eps")
    return number


def _takes_argument(f):
    import inspect
    try:
        return len(inspect.signature(f).parameters) >= 1
    except (TypeError, ValueError):
        return True


def relative_error(a, b):
    r""":math:`\|a - b\| / \max(\|a\| + \|b\|, 10^{-12})` (0 when both are zero)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def check_model(model, X, y, eps=1e-6):
    """Relative error between ``model``'s backprop gradients and numerical ones, per parameter.

    ``model`` is a compiled :class:`dlcore.Sequential` in float64 without dropout.
    Returns a list with one relative error per array of ``model.params`` (W1, b1, W2, ...).
    The parameters are restored after each perturbation, even when the loss raises.
    """
    eps = _eps(eps)
    def total_loss():
        return model.loss(y, model.forward(X, training=False)) + model.regularization_loss()

    model.loss_and_backward(y, model.forward(X, training=False))
    analytic = [g.copy() for g in model.grads]
    return [relative_error(a, numerical_gradient(total_loss, p, eps)) for a, p in zip(analytic, model.params)]
