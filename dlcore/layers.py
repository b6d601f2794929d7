r"""Layers with a forward pass that caches what the backward pass needs.

Rows are samples: a batch ``X`` has shape ``(N, n_in)``. ``forward(X, training)`` returns the
layer's output; ``backward(grad_out)`` takes :math:`\partial L/\partial\,\text{output}`, stores
the parameter gradients beside the parameters (``dW`` beside ``W``) and returns
:math:`\partial L/\partial X` for the layer below. Upstream gradients are never modified in place.

Checks happen once, where data enters. ``forward`` and ``backward`` check their argument (finite
numbers of the right shape) and hand it to ``_forward`` / ``_backward``, which only compute.
``Sequential.fit``, ``predict`` and ``evaluate`` check the data once, on entry, and then run
the layers' unchecked ``_forward`` and ``_backward`` on every batch: the arrays passed between
the layers are the layers' own, and checking them again for every batch cost 3% of an MNIST
epoch at batch size 128 and 4% at 32 (measured with the fast finiteness test of
``_checks.all_finite``; more with ``np.isfinite``).
"""
import numpy as np

from . import activations as _activations
from . import initializers, regularizers
from ._checks import as_float_array, as_generator, float_dtype, in_unit_interval, integer, positive


class Layer:
    """Base class: no parameters, identity ``get_weights``; subclasses override what they need.

    A new layer implements ``_forward(X, training)`` (cache what backward needs, return the
    output), ``_backward(grad_out, input_grad)`` and ``_output_shape()``, and sets ``input_width``
    if it takes a fixed number of features; the public ``forward`` and ``backward`` add the checks.
    """

    trainable_names = ()       # attribute names of the trainable arrays, in Keras's order
    non_trainable_names = ()   # e.g. BatchNormalization's moving statistics
    input_width = None         # features per sample the layer expects (None: any shape)

    def forward(self, X, training=False):
        """The layer's output for the batch ``X``, after checking ``X`` (finite numbers, ``(N, input_width)``)."""
        return self._forward(self._check_input(X, self.input_width), training)

    def backward(self, grad_out, input_grad=True):
        r""":math:`\partial L/\partial X` from :math:`\partial L/\partial\,\text{output}` (checked to have the
        shape of the last output); parameter gradients are stored beside the parameters."""
        try:
            shape = self._output_shape()
        except AttributeError:  # nothing cached yet
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass first") from None
        return self._backward(self._check_grad(grad_out, shape), input_grad)

    @property
    def params(self):
        """The trainable arrays (the optimizer updates these in place)."""
        return [getattr(self, n) for n in self.trainable_names]

    @property
    def grads(self):
        """The gradients of the loss with respect to ``params``, in the same order."""
        return [getattr(self, "d" + n) for n in self.trainable_names]

    def get_weights(self):
        """Copies of all weights in Keras's order: trainable first, then non-trainable."""
        return [getattr(self, n).copy() for n in self.trainable_names + self.non_trainable_names]

    def set_weights(self, weights):
        """Copy ``weights`` into the layer's arrays, checking count, shapes and values first.

        All or nothing: every array is checked (count, shape, numbers, no NaN or inf, also after
        the cast to the layer's dtype) before the first one is written, so a bad array anywhere
        in the list leaves every weight as it was.
        """
        for target, value in self._checked_weights(weights):
            target[...] = value

    def _n_weights(self):
        """How many arrays ``get_weights`` returns."""
        return len(self.trainable_names + self.non_trainable_names)

    def _checked_weights(self, weights, where=None):
        """``[(target array, value to copy into it), ...]`` after checking all of ``weights``; writes nothing."""
        names = self.trainable_names + self.non_trainable_names
        where = where or type(self).__name__
        try:
            weights = list(weights)
        except TypeError:
            raise ValueError(f"{where}.set_weights expects a list of {len(names)} arrays, got {weights!r}") from None
        if len(weights) != len(names):
            raise ValueError(f"{where} expects {len(names)} arrays, got {len(weights)}")
        pairs = []
        for name, value in zip(names, weights):
            target = getattr(self, name)
            value = as_float_array(value, f"{where}.{name}")
            if value.shape != target.shape:
                raise ValueError(f"{where}.{name} has shape {target.shape}, got {value.shape}")
            with np.errstate(over="ignore"):
                value = value.astype(target.dtype)
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{where}.{name} overflows the layer's dtype {target.dtype} (inf)")
            pairs.append((target, value))
        return pairs

    def count_params(self):
        """Number of scalars in all weights (trainable and not), like Keras's ``count_params``."""
        return sum(getattr(self, n).size for n in self.trainable_names + self.non_trainable_names)

    def regularization_loss(self):
        """Penalty this layer adds to the loss (0 unless it has a regularizer)."""
        return 0.0

    def _check_input(self, X, n_features=None):
        """Finite numbers, and shape (N, n_features) when the layer has a fixed width."""
        X = as_float_array(X, f"the input of {type(self).__name__}")
        if n_features is not None and (X.ndim != 2 or X.shape[1] != n_features):
            raise ValueError(f"{type(self).__name__} expects input of shape (N, {n_features}), got {X.shape}")
        return X

    def _check_grad(self, grad_out, shape):
        """The upstream gradient must have exactly the shape of this layer's last output."""
        grad_out = as_float_array(grad_out, f"the gradient reaching {type(self).__name__}")
        if grad_out.shape != shape:
            raise ValueError(f"{type(self).__name__}.backward expects a gradient of shape {shape} "
                             f"(the shape of its output), got {grad_out.shape}")
        return grad_out


class Dense(Layer):
    r"""A fully connected layer: :math:`Z = XW + b`, :math:`A = f(Z)`.

    ``W`` has shape ``(n_in, n_out)`` (Keras's kernel layout): ``W[i, j]`` is the course's
    :math:`w^k_{ij}`, from node i of the layer below to node j of this one. Backward, with
    :math:`G = \partial L/\partial Z = f'(Z)\odot\partial L/\partial A`:
    :math:`\partial L/\partial W = X^\top G`, :math:`\partial L/\partial b = \sum_n G_n`,
    :math:`\partial L/\partial X = G W^\top`.
    """

    trainable_names = ("W", "b")

    def __init__(self, n_in, n_out, activation="linear", kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, rng=None, dtype=np.float64):
        self.n_in, self.n_out = integer(n_in, "n_in", 1), integer(n_out, "n_out", 1)
        dtype = float_dtype(dtype)
        self.activation = _activations.get(activation)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        rng = as_generator(rng)
        kernel_init = initializers.get(kernel_initializer) or initializers.glorot_uniform  # None: the default
        bias_init = initializers.get(bias_initializer) or initializers.zeros
        self.W = kernel_init((self.n_in, self.n_out), rng).astype(dtype)
        self.b = bias_init((self.n_out,), rng).astype(dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    @property
    def input_width(self):
        return self.n_in

    def _forward(self, X, training=False):
        self.X = X
        self.Z = X @ self.W + self.b
        return self.activation.forward(self.Z)

    def _output_shape(self):
        return self.Z.shape

    def _backward(self, grad_out, input_grad=True):
        """Backward through the activation, then through the affine map (see the class docstring)."""
        return self._backward_from_z(self.activation._backward(self.Z, grad_out), input_grad)

    def backward_from_z(self, grad_z, input_grad=True):
        """Backward from :math:`\\partial L/\\partial Z` (checked to have Z's shape); skip the input
        gradient when nobody needs it."""
        return self._backward_from_z(self._check_grad(grad_z, self._output_shape()), input_grad)

    def _backward_from_z(self, grad_z, input_grad=True):
        self.dW = self.X.T @ grad_z
        if self.kernel_regularizer is not None:
            self.dW += self.kernel_regularizer.grad(self.W)
        self.db = grad_z.sum(axis=0)
        return grad_z @ self.W.T if input_grad else None

    def regularization_loss(self):
        return 0.0 if self.kernel_regularizer is None else self.kernel_regularizer(self.W)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r})"


class Activation(Layer):
    """An activation as a layer of its own (Keras's ``layers.Activation``): no parameters."""

    def __init__(self, activation):
        self.activation = _activations.get(activation)

    def _forward(self, X, training=False):
        self.Z = X
        return self.activation.forward(X)

    def _output_shape(self):
        return self.Z.shape

    def _backward(self, grad_out, input_grad=True):
        return self.activation._backward(self.Z, grad_out)

    def __repr__(self):
        return f"Activation({self.activation.name!r})"


class Flatten(Layer):
    """Reshape each sample to a vector: ``(N, 28, 28) -> (N, 784)``; backward reshapes back."""

    def _forward(self, X, training=False):
        self.input_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def _output_shape(self):
        return (self.input_shape[0], int(np.prod(self.input_shape[1:])))

    def _backward(self, grad_out, input_grad=True):
        return grad_out.reshape(self.input_shape)


class Dropout(Layer):
    r"""Inverted dropout. In training each unit is kept with probability :math:`1 - r` and scaled by
    :math:`1/(1 - r)`, so :math:`E[\text{output}] = \text{input}`; at inference it is the identity.

    ``rate`` is the probability of *dropping* a unit (Keras's meaning). A new mask is drawn at
    every training step from ``rng`` (a ``numpy.random.Generator``, an int seed, or None).
    """

    def __init__(self, rate, rng=None):
        self.rate = in_unit_interval(rate, "rate")
        self.rng = as_generator(rng)

    def _forward(self, X, training=False):
        self.output_shape = X.shape
        if not training or self.rate == 0:
            self.mask = None
            return X
        keep = self.rng.random(X.shape) >= self.rate
        self.mask = keep.astype(X.dtype) / (1.0 - self.rate)
        return X * self.mask

    def _output_shape(self):
        return self.output_shape

    def _backward(self, grad_out, input_grad=True):
        return grad_out if self.mask is None else grad_out * self.mask

    def __repr__(self):
        return f"Dropout({self.rate})"


class BatchNormalization(Layer):
    r"""Normalise each feature over the batch, then scale and shift:

    :math:`\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}`, :math:`y = \gamma\hat x + \beta`,
    with the biased batch variance. Training also updates the moving statistics used at
    inference: :math:`m \leftarrow \text{momentum}\cdot m + (1 - \text{momentum})\cdot\mu_B` (same for the
    variance). Keras's defaults: momentum 0.99, epsilon 1e-3, moving mean 0, moving variance 1.
    Weights in Keras's order: gamma, beta, moving_mean, moving_variance.

    Training needs at least 2 samples per batch (as in PyTorch): on one sample the batch
    variance is 0 and the output is beta whatever X is; on none the statistics are NaN.
    """

    trainable_names = ("gamma", "beta")
    non_trainable_names = ("moving_mean", "moving_variance")

    def __init__(self, n_features, momentum=0.99, epsilon=1e-3, dtype=np.float64):
        self.n_features = integer(n_features, "n_features", 1)
        self.momentum = in_unit_interval(momentum, "momentum", closed_right=True)
        self.epsilon = positive(epsilon, "epsilon")
        dtype = float_dtype(dtype)
        self.gamma = np.ones(self.n_features, dtype)
        self.beta = np.zeros(self.n_features, dtype)
        self.moving_mean = np.zeros(self.n_features, dtype)
        self.moving_variance = np.ones(self.n_features, dtype)
        self.dgamma = np.zeros_like(self.gamma)
        self.dbeta = np.zeros_like(self.beta)

    @property
    def input_width(self):
        return self.n_features

    def _forward(self, X, training=False):
        if training:
            if len(X) < 2:
                raise ValueError(
                    f"BatchNormalization cannot train on a batch of {len(X)} sample(s) (input of shape "
                    f"{X.shape}): it needs at least 2, or the batch statistics are "
                    f"{'NaN' if len(X) == 0 else 'degenerate (variance 0: the output would be beta whatever X is)'}")
            mean, var = X.mean(axis=0), X.var(axis=0)
            self.moving_mean[...] = self.momentum * self.moving_mean + (1 - self.momentum) * mean
            self.moving_variance[...] = self.momentum * self.moving_variance + (1 - self.momentum) * var
        else:
            mean, var = self.moving_mean, self.moving_variance
        self.training = training
        self.inv_std = 1.0 / np.sqrt(var + self.epsilon)
        self.x_hat = (X - mean) * self.inv_std
        return self.gamma * self.x_hat + self.beta

    def _output_shape(self):
        return self.x_hat.shape

    def _backward(self, grad_out, input_grad=True):
        r"""In training the batch statistics depend on every sample, which gives
        :math:`\partial L/\partial x = \frac{1}{\sqrt{\sigma^2+\epsilon}}\big(g - \overline{g} - \hat x\,\overline{g\hat x}\big)`
        with :math:`g = \gamma\,\partial L/\partial y` and bars meaning batch means."""
        self.dgamma = np.sum(grad_out * self.x_hat, axis=0)
        self.dbeta = np.sum(grad_out, axis=0)
        g = grad_out * self.gamma
        if not self.training:
            return g * self.inv_std
        return self.inv_std * (g - g.mean(axis=0) - self.x_hat * np.mean(g * self.x_hat, axis=0))

    def __repr__(self):
        return f"BatchNormalization({self.n_features}, momentum={self.momentum}, epsilon={self.epsilon})"


class PReLU(Layer):
    r"""Parametric ReLU: :math:`f(x) = x` for :math:`x > 0`, :math:`\alpha_j x` otherwise, with one
    learned slope :math:`\alpha_j` per feature (Keras starts them at 0, i.e. at ReLU).
    :math:`\partial L/\partial\alpha_j = \sum_n g_{nj}\,x_{nj}\,[x_{nj} \le 0]`.
    """

    trainable_names = ("alpha",)

    def __init__(self, n_features, alpha_initializer="zeros", rng=None, dtype=np.float64):
        self.n_features = integer(n_features, "n_features", 1)
        dtype = float_dtype(dtype)
        alpha_init = initializers.get(alpha_initializer) or initializers.zeros  # None: the default
        self.alpha = alpha_init((self.n_features,), as_generator(rng)).astype(dtype)
        self.dalpha = np.zeros_like(self.alpha)

    @property
    def input_width(self):
        return self.n_features

    def _forward(self, X, training=False):
        self.X = X
        return np.where(X > 0, X, self.alpha.astype(X.dtype, copy=False) * X)

    def _output_shape(self):
        return self.X.shape

    def _backward(self, grad_out, input_grad=True):
        negative = self.X <= 0
        self.dalpha = np.sum(grad_out * self.X * negative, axis=0)
        return grad_out * np.where(negative, self.alpha.astype(self.X.dtype, copy=False), 1)


class Stack(Layer):
    """Layers held in order; their weights read as one list (shared by Residual and Sequential).

    ``forward`` runs every layer's checked ``forward``, so a stack assembled wrongly (a layer
    of the wrong width) is named in the message; ``_forward``, used by ``Sequential``'s
    training and inference loops once the data has been checked, runs the unchecked ones.
    """

    described_as = "the stack"  # used in error messages

    def __init__(self, layers=()):
        self.layers = list(layers)

    @property
    def input_width(self):
        return self.layers[0].input_width if self.layers else None

    def forward(self, X, training=False):
        """Each layer's output feeds the next, each checked by the layer; returns the last one's."""
        out = X
        for layer in self.layers:
            out = layer.forward(out, training)
        return out

    def _forward(self, X, training=False):
        for layer in self.layers:
            X = layer._forward(X, training)
        return X

    def _output_shape(self):
        if not self.layers:
            raise AttributeError("an empty stack has no output")
        return self.layers[-1]._output_shape()

    def _backward(self, grad_out, input_grad=True):
        """Backpropagate dL/d(output) through the layers in reverse; returns dL/dX."""
        return backward_through(self.layers, grad_out, input_grad)

    @property
    def params(self):
        """All trainable arrays, layer by layer ([W1, b1, W2, b2, ...] for Dense layers)."""
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self):
        """Gradients matching ``params`` (filled by ``backward``)."""
        return [g for layer in self.layers for g in layer.grads]

    def get_weights(self):
        """Copies of every weight in Keras's order ([W1, b1, W2, b2, ...])."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        """Copy weights in Keras's order (e.g. ``keras_model.get_weights()``) into the layers.

        All or nothing: every array of every layer is checked before the first one is written.
        """
        for target, value in self._checked_weights(weights):
            target[...] = value

    def _checked_weights(self, weights, where=None):
        try:
            weights = list(weights)
        except TypeError:
            raise ValueError(f"set_weights expects a list of arrays, got {weights!r}") from None
        expected = self._n_weights()
        if len(weights) != expected:
            raise ValueError(f"{self.described_as} has {expected} weight arrays, got {len(weights)}")
        pairs = []
        for k, layer in enumerate(self.layers):
            n = layer._n_weights()
            prefix = f"{where}.layers[{k}]" if where else f"layers[{k}] ({type(layer).__name__})"
            pairs += layer._checked_weights(weights[:n], prefix)
            weights = weights[n:]
        return pairs

    def _n_weights(self):
        return sum(layer._n_weights() for layer in self.layers)

    def count_params(self):
        """Total number of scalars in all weights, as Keras's ``count_params()``."""
        return sum(layer.count_params() for layer in self.layers)

    def regularization_loss(self):
        """Sum of the layers' weight penalties (added to the loss, as Keras does)."""
        return sum(layer.regularization_loss() for layer in self.layers)


class Residual(Stack):
    r"""A skip connection around a stack of layers: :math:`y = x + F(x)`.

    Backward adds the two paths: :math:`\partial L/\partial x = g + \partial F^\top g`, so the gradient
    reaches the layer below undiminished even when :math:`F`'s own gradient vanishes.
    """

    described_as = "the residual block"

    def __init__(self, *layers):
        super().__init__(layers)

    def forward(self, X, training=False):
        X = self._check_input(X)
        return self._add_skip(X, super().forward(X, training))

    def _forward(self, X, training=False):
        return self._add_skip(X, super()._forward(X, training))

    @staticmethod
    def _add_skip(X, out):
        if out.shape != X.shape:
            raise ValueError(f"a residual block must keep the shape {X.shape}, got {out.shape}")
        return X + out

    def _backward(self, grad_out, input_grad=True):
        return grad_out + super()._backward(grad_out)


def backward_through(layers, grad, input_grad=True):
    """Run each layer's unchecked ``_backward`` from the last layer to the first (the gradients
    passed between them are the layers' own). With ``input_grad=False`` the first layer skips
    dL/dX (training never needs it: that saves one matrix product per step)."""
    for i, layer in enumerate(reversed(layers)):
        grad = layer._backward(grad, input_grad=input_grad or i < len(layers) - 1)
    return grad


def leaf_layers(layers):
    """The layers in forward order, with every Stack (a Residual block...) replaced by the layers inside it."""
    for layer in layers:
        if isinstance(layer, Stack):
            yield from leaf_layers(layer.layers)
        else:
            yield layer


def state_snapshot(layers):
    """Copies of the non-trainable arrays (BatchNormalization's moving statistics) under ``layers``.

    A training forward pass updates them in place; :func:`restore_state` puts the copies back, so
    a call that fails half-way (or must not change anything, like ``compute_gradients``) leaves
    them as they were. Empty, and free, for a model without such layers.
    """
    return [(arr, arr.copy()) for layer in leaf_layers(layers)
            for arr in (getattr(layer, name) for name in layer.non_trainable_names)]


def restore_state(snapshot):
    """Write back the arrays saved by :func:`state_snapshot`."""
    for arr, saved in snapshot:
        arr[...] = saved
