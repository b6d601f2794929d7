r"""Weight penalties added to the loss, as Keras adds them.

* ``L1(l1)``: penalty :math:`\lambda\sum|w|`, gradient :math:`\lambda\,\mathrm{sign}(w)`; pushes
  small weights to exactly zero (sparsity).
* ``L2(l2)``: penalty :math:`\lambda\sum w^2` (no ½ in Keras), gradient :math:`2\lambda w`. With plain
  SGD the update :math:`w - \eta(g + 2\lambda w) = (1 - 2\eta\lambda)w - \eta g` shrinks every weight by
  a constant factor first: "weight decay". Textbooks that write :math:`\frac{\lambda}{2}\sum w^2` get
  the factor :math:`(1 - \eta\lambda)`.
"""
import numpy as np

from ._checks import as_float_array, non_negative, scalar


def _factor(value, name):
    """Keras's rule for a penalty factor: ``None`` means the default 0.01; otherwise one number >= 0.

    Anything else, a list ``[0.1]`` included, is a ``ValueError`` naming the argument, as in Keras.
    """
    if value is None:
        return 0.01
    return non_negative(scalar(value, name, "a number >= 0"), name)


class Regularizer:
    """A penalty ``R(W) -> float`` with its gradient ``grad(W)``."""

    def __call__(self, W):
        return float(self._penalty(as_float_array(W, "W")))

    def grad(self, W):
        """dR/dW, shaped like W."""
        return self._grad(as_float_array(W, "W"))


class L1(Regularizer):
    r""":math:`R(W) = \lambda\sum|w|`, :math:`\partial R/\partial w = \lambda\,\mathrm{sign}(w)` (0 at w = 0)."""

    def __init__(self, l1=0.01):
        self.l1 = _factor(l1, "l1")

    def _penalty(self, W):
        return self.l1 * np.sum(np.abs(W))

    def _grad(self, W):
        return self.l1 * np.sign(W)

    def __repr__(self):
        return f"L1(l1={self.l1})"


class L2(Regularizer):
    r""":math:`R(W) = \lambda\sum w^2`, :math:`\partial R/\partial w = 2\lambda w`."""

    def __init__(self, l2=0.01):
        self.l2 = _factor(l2, "l2")

    def _penalty(self, W):
        return self.l2 * np.sum(W * W)

    def _grad(self, W):
        return 2.0 * self.l2 * W

    def __repr__(self):
        return f"L2(l2={self.l2})"


def get(identifier):
    """``None`` -> None, ``"l1"``/``"l2"`` -> L1()/L2() with Keras's default 0.01, or a Regularizer."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if identifier in ("l1", "l2"):
        return {"l1": L1, "l2": L2}[identifier]()
    raise ValueError(f"unknown regularizer {identifier!r}; use 'l1', 'l2', L1(...) or L2(...)")
