r"""Numerical gradient checking: compare backpropagation with finite differences.

The central difference :math:`\frac{f(x + \epsilon) - f(x - \epsilon)}{2\epsilon}` has an error of order
:math:`\epsilon^2`; in float64 with :math:`\epsilon = 10^{-6}` a correct analytic gradient agrees to a
relative error of about :math:`10^{-8}` or better, while a wrong one is off by far more.
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored; ``f`` takes no arguments
    (a closure that reads ``x``) or one argument (``x`` itself).
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("x must be a float64 ndarray (finite differences need double precision)")
    call = (lambda: f(x)) if _takes_argument(f) else f
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + eps
        up = call()
        x[idx] = original - eps
        down = call()
        x[idx] = original
        grad[idx] = (up - down) / (2 * eps)
    return grad


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
    """
    def total_loss():
        return model.loss(y, model.forward(X, training=False)) + model.regularization_loss()

    model.loss_and_backward(y, model.forward(X, training=False))
    analytic = [g.copy() for g in model.grads]
    return [relative_error(a, numerical_gradient(total_loss, p, eps)) for a, p in zip(analytic, model.params)]
