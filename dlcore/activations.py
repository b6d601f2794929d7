r"""Activation functions, each with its derivative beside it.

Every activation is a callable object: ``a = sigmoid(z)``. Element-wise activations also give
``sigmoid.derivative(z)`` (the slope :math:`f'(z)`), and every activation, softmax included,
gives ``backward(z, grad_a)``: the chain rule :math:`\partial L/\partial z` from
:math:`\partial L/\partial a`. Formulas and defaults follow ``keras.activations``.
"""
import numpy as np

from ._checks import as_float_array, same_shape


class Activation:
    """An element-wise activation ``a = f(z)`` with ``derivative`` and ``backward``."""

    name = "activation"

    def __call__(self, z):
        return self.forward(as_float_array(z, "z"))

    def derivative(self, z):
        """The slope f'(z), element by element."""
        return self._derivative(as_float_array(z, "z"))

    def backward(self, z, grad_a):
        r"""Chain rule through the activation: :math:`\partial L/\partial z = f'(z)\,\partial L/\partial a`."""
        return self._backward(*_check_backward(z, grad_a))

    def _backward(self, z, grad_a):
        """``backward`` without the checks, for layers passing their own arrays."""
        return grad_a * self._derivative(z)

    def __repr__(self):
        return f"<activation {self.name}>"


class Linear(Activation):
    r""":math:`f(z) = z`, :math:`f'(z) = 1` (Keras's ``"linear"``: no activation)."""

    name = "linear"

    def forward(self, z):
        return z

    def _derivative(self, z):
        return np.ones_like(z)


class Sigmoid(Activation):
    r""":math:`\sigma(z) = 1/(1 + e^{-z})`, :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`.

    Written so that neither branch overflows: for negative z we use :math:`e^{z}/(1 + e^{z})`.
    """

    name = "sigmoid"

    def forward(self, z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def _derivative(self, z):
        s = self.forward(z)
        return s * (1.0 - s)


class Tanh(Activation):
    r""":math:`\tanh(z) = (e^{z} - e^{-z})/(e^{z} + e^{-z})`, :math:`\tanh'(z) = 1 - \tanh^2(z)`."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def _derivative(self, z):
        return 1.0 - np.tanh(z) ** 2


class ReLU(Activation):
    r""":math:`\mathrm{relu}(z) = \max(0, z)`; slope 1 for :math:`z > 0`, 0 otherwise (0 at z = 0, as in TF)."""

    name = "relu"

    def forward(self, z):
        return np.maximum(z, 0.0)

    def _derivative(self, z):
        return (z > 0).astype(z.dtype)


class LeakyReLU(Activation):
    r""":math:`f(z) = z` for :math:`z > 0`, :math:`\alpha z` otherwise; slope 1 or :math:`\alpha`.

    The default ``alpha=0.3`` is the default of the Keras *layer* ``keras.layers.LeakyReLU``
    (``negative_slope=0.3``), so a model built from these classes matches a Keras model.
    The ready-made function :data:`leaky_relu` uses 0.2, the default of the Keras *function*
    ``keras.activations.leaky_relu``. Many textbooks use 0.01: pass it explicitly.
    """

    name = "leaky_relu"

    def __init__(self, alpha=0.3):
        self.alpha = float(alpha)

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def _derivative(self, z):
        return np.where(z > 0, 1.0, self.alpha).astype(z.dtype)


class ELU(Activation):
    r""":math:`f(z) = z` for :math:`z > 0`, :math:`\alpha(e^{z} - 1)` otherwise.

    Derivative: **1** for :math:`z > 0` (not :math:`\alpha` and not :math:`e^z`), and
    :math:`\alpha e^{z} = f(z) + \alpha` for :math:`z \le 0`. Keras's default ``alpha=1.0``.
    """

    name = "elu"

    def __init__(self, alpha=1.0):
        self.alpha = float(alpha)

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def _derivative(self, z):
        return np.where(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype)


class SELU(Activation):
    r""":math:`\mathrm{selu}(z) = \lambda\,z` for :math:`z > 0`, :math:`\lambda\alpha(e^{z} - 1)` otherwise.

    :math:`\alpha \approx 1.6733` and the scale :math:`\lambda \approx 1.0507` are fixed
    (the values that keep mean 0 / variance 1 across layers with LeCun-normal weights).
    Derivative: :math:`\lambda` for :math:`z \ge 0`, :math:`\lambda\alpha e^{z}` for :math:`z < 0`
    (at exactly 0 the two one-sided slopes differ; we take :math:`\lambda`, as TensorFlow does).
    """

    name = "selu"
    alpha = 1.6732632423543772
    scale = 1.0507009873554805

    def forward(self, z):
        return self.scale * np.where(z > 0, z, self.alpha * np.expm1(np.minimum(z, 0.0)))

    def _derivative(self, z):
        return self.scale * np.where(z >= 0, 1.0, self.alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype)


class Softmax(Activation):
    r""":math:`\mathrm{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}` over the last axis.

    Not element-wise: each output depends on every input of its row, so there is no
    ``derivative(z)``; :meth:`jacobian` gives :math:`J = \mathrm{diag}(a) - a a^\top` for one row and
    :meth:`backward` applies it to every row at once: :math:`g_z = a \odot (g_a - \sum_k g_{a,k} a_k)`.
    """

    name = "softmax"

    def forward(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def derivative(self, z):
        raise TypeError("softmax is not element-wise: use softmax.jacobian(z) or softmax.backward(z, grad_a)")

    def jacobian(self, z):
        """The Jacobian da_i/dz_j of one row z (shape (K,)) as a (K, K) matrix."""
        z = as_float_array(z, "z", ndim=1)
        a = self.forward(z)
        return np.diag(a) - np.outer(a, a)

    def _backward(self, z, grad_a):
        a = self.forward(z)
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


def _check_backward(z, grad_a):
    """Both arrays finite and of the same shape: a (4, 1) z with a (4,) gradient must not broadcast."""
    z, grad_a = as_float_array(z, "z"), as_float_array(grad_a, "grad_a")
    same_shape(z, grad_a, "z", "grad_a")
    return z, grad_a


linear = Linear()
sigmoid = Sigmoid()
tanh = Tanh()
relu = ReLU()
leaky_relu = LeakyReLU(alpha=0.2)  # keras.activations.leaky_relu's default slope
elu = ELU()
selu = SELU()
softmax = Softmax()

_BY_NAME = {f.name: f for f in (linear, sigmoid, tanh, relu, leaky_relu, elu, selu, softmax)}


def get(identifier):
    """Return an activation from its Keras name (``"relu"``), an activation object, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"unknown activation {identifier!r}; known: {sorted(_BY_NAME)}")
