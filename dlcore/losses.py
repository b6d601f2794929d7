r"""Loss functions with their gradients, reduced the way Keras reduces them.

``L = loss(y_true, y_pred)`` is a float: the per-sample loss (a mean or sum over the last
axis) averaged over the batch, Keras's ``"sum_over_batch_size"`` reduction.
``loss.grad(y_true, y_pred)`` is :math:`\partial L/\partial \hat y`, an array shaped like
``y_pred``: the number backpropagation starts from. ``y_true`` and ``y_pred`` must have the
same shape (the sparse cross-entropy takes integer labels of shape ``(N,)``), with at least
one axis (Keras refuses scalars too: there is no last axis to reduce) and at least one entry.
float16 input is computed in float32, as Keras's loss objects do (see ``_checks.as_compute_array``).
"""
import numpy as np

from . import activations
from ._checks import as_compute_array, class_labels, paired_arrays, positive

EPSILON = 1e-7  # keras.config.epsilon(): probabilities are clipped to [EPSILON, 1 - EPSILON]


class Loss:
    """A loss ``L(y_true, y_pred) -> float`` with its gradient ``grad(y_true, y_pred)``."""

    name = "loss"

    def __call__(self, y_true, y_pred):
        y_true, y_pred = self._check(y_true, y_pred)
        return float(np.mean(self._per_sample(y_true, y_pred)))

    def per_sample(self, y_true, y_pred):
        """The loss of each sample (reduced over the last axis only): shape ``y_pred.shape[:-1]``."""
        return self._per_sample(*self._check(y_true, y_pred))

    def grad(self, y_true, y_pred):
        """dL/dy_pred, the same shape as ``y_pred``."""
        y_true, y_pred = self._check(y_true, y_pred)
        return self._grad(y_true, y_pred)

    def _check(self, y_true, y_pred):
        """Both arrays checked and in the form the loss computes with; returns the pair."""
        return paired_arrays(y_true, y_pred, min_ndim=1, what=f"the {self.name} loss")

    def _value_and_grad(self, y_true, y_pred):
        """The loss and dL/dy_pred for arrays already checked: the training loop's one call per batch."""
        return float(np.mean(self._per_sample(y_true, y_pred))), self._grad(y_true, y_pred)

    @staticmethod
    def _n_samples(y_pred):
        """How many per-sample losses are averaged: every entry but the last axis."""
        return y_pred.size // y_pred.shape[-1]

    def __repr__(self):
        return f"<loss {self.name}>"


class MeanSquaredError(Loss):
    r""":math:`L = \frac{1}{N}\sum_n \frac{1}{K}\sum_k (y_{nk} - \hat y_{nk})^2` (no ½, as in Keras).

    Gradient: :math:`\partial L/\partial \hat y = \frac{2}{NK}(\hat y - y)`.
    """

    name = "mean_squared_error"

    def _per_sample(self, y_true, y_pred):
        return np.mean((y_pred - y_true) ** 2, axis=-1)

    def _grad(self, y_true, y_pred):
        return 2.0 * (y_pred - y_true) / y_pred.size


class MeanAbsoluteError(Loss):
    r""":math:`L = \frac{1}{NK}\sum |y - \hat y|`; gradient :math:`\mathrm{sign}(\hat y - y)/(NK)`."""

    name = "mean_absolute_error"

    def _per_sample(self, y_true, y_pred):
        return np.mean(np.abs(y_pred - y_true), axis=-1)

    def _grad(self, y_true, y_pred):
        return np.sign(y_pred - y_true) / y_pred.size


class Huber(Loss):
    r"""Quadratic for small errors, linear for large ones (error :math:`e = \hat y - y`):

    :math:`\ell(e) = \frac12 e^2` if :math:`|e| \le \delta`, else :math:`\delta|e| - \frac12\delta^2`;
    averaged like MSE. Gradient: :math:`e` inside, :math:`\delta\,\mathrm{sign}(e)` outside, over :math:`NK`.
    Keras's default ``delta=1.0``.
    """

    name = "huber"

    def __init__(self, delta=1.0):
        self.delta = positive(delta, "delta")

    def _per_sample(self, y_true, y_pred):
        e = np.abs(y_pred - y_true)
        d = self.delta
        return np.mean(np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d**2), axis=-1)

    def _grad(self, y_true, y_pred):
        e = y_pred - y_true
        return np.clip(e, -self.delta, self.delta) / y_pred.size


class _CrossEntropy(Loss):
    """Shared by the cross-entropies: a ``from_logits`` switch, set once or per call."""

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def __call__(self, y_true, y_pred, from_logits=None):
        return Loss.__call__(self._variant(from_logits), y_true, y_pred)

    def per_sample(self, y_true, y_pred, from_logits=None):
        """The loss of each sample: shape ``y_pred.shape[:-1]``."""
        return Loss.per_sample(self._variant(from_logits), y_true, y_pred)

    def grad(self, y_true, y_pred, from_logits=None):
        """dL/dy_pred (dL/dz when ``from_logits``), the same shape as ``y_pred``."""
        return Loss.grad(self._variant(from_logits), y_true, y_pred)

    def _variant(self, from_logits):
        if from_logits is None or bool(from_logits) == self.from_logits:
            return self
        return type(self)(from_logits=from_logits)

    def _check_probabilities(self, y_pred):
        if not self.from_logits and np.any((y_pred < 0) | (y_pred > 1)):
            raise ValueError("y_pred must be probabilities in [0, 1]; pass from_logits=True for logits")


class BinaryCrossentropy(_CrossEntropy):
    r""":math:`L = -\frac{1}{NK}\sum [\,y\log p + (1-y)\log(1-p)\,]`, with ``p`` clipped to
    :math:`[\epsilon, 1-\epsilon]`, :math:`\epsilon = 10^{-7}` (note the minus sign in front).

    With ``from_logits=True`` ``y_pred`` holds :math:`z` and :math:`p = \sigma(z)` is never formed:
    :math:`\ell = \max(z, 0) - zy + \log(1 + e^{-|z|})`, whose gradient is :math:`(\sigma(z) - y)/(NK)`.
    """

    name = "binary_crossentropy"

    def _check(self, y_true, y_pred):
        y_true, y_pred = super()._check(y_true, y_pred)
        if np.any((y_true < 0) | (y_true > 1)):
            raise ValueError("binary_crossentropy needs y_true in [0, 1]")
        self._check_probabilities(y_pred)
        return y_true, y_pred

    def _per_sample(self, y_true, y_pred):
        if self.from_logits:
            z = y_pred
            ell = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        else:
            p = np.clip(y_pred, EPSILON, 1 - EPSILON)
            ell = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        return np.mean(ell, axis=-1)

    def _grad(self, y_true, y_pred):
        if self.from_logits:
            return (activations.sigmoid.forward(y_pred) - y_true) / y_pred.size
        inside = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)  # clipping kills the gradient outside
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return inside * (-(y_true / p) + (1 - y_true) / (1 - p)) / y_pred.size


def _row_sums(y_pred):
    """Each row's total ``sum_k p_k`` (keepdims), refusing an all-zero row, which cannot be rescaled."""
    total = y_pred.sum(axis=-1, keepdims=True)
    if np.any(total == 0):  # the entries are >= 0, so only an all-zero row sums to 0
        row = tuple(int(i) for i in np.argwhere(total[..., 0] == 0)[0])
        raise ValueError(
            f"y_pred row {row[0] if len(row) == 1 else row} is all zeros: probabilities cannot be "
            "rescaled to sum to 1 (Keras returns NaN here); pass from_logits=True for logits"
        )
    return total


def log_softmax(z):
    r""":math:`\log \mathrm{softmax}(z) = z - \max z - \log\sum_k e^{z_k - \max z}` (log-sum-exp, never overflows)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


class CategoricalCrossentropy(_CrossEntropy):
    r""":math:`L = -\frac1N\sum_n\sum_k y_{nk}\log p_{nk}` for one-hot (or soft) labels ``y``.

    Like Keras, ``p`` is first rescaled to sum to 1 over the classes, :math:`q = p/\sum_k p_k`,
    then clipped to :math:`[\epsilon, 1-\epsilon]`. Because of that rescaling the gradient is
    :math:`\partial L/\partial p_j = \frac1N(-y_j/q_j + \sum_k y_k)/\sum_k p_k`, i.e.
    :math:`-y_j/p_j + 1` for probabilities that already sum to 1. Through a softmax either way
    gives :math:`\partial L/\partial z = (p - y)/N`.
    With ``from_logits=True``: :math:`\ell = -\sum_k y_k\,\mathrm{log\_softmax}(z)_k`.
    """

    name = "categorical_crossentropy"

    def _check(self, y_true, y_pred):
        y_true, y_pred = super()._check(y_true, y_pred)
        if np.any(y_true < 0):
            raise ValueError("categorical_crossentropy needs y_true >= 0 (one-hot rows)")
        self._check_probabilities(y_pred)
        return y_true, y_pred

    def _per_sample(self, y_true, y_pred):
        if self.from_logits:
            return -np.sum(y_true * log_softmax(y_pred), axis=-1)
        q = np.clip(y_pred / _row_sums(y_pred), EPSILON, 1 - EPSILON)
        return -np.sum(y_true * np.log(q), axis=-1)

    def _grad(self, y_true, y_pred):
        n = self._n_samples(y_pred)
        if self.from_logits:
            return (activations.softmax.forward(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true) / n
        total = _row_sums(y_pred)
        q = y_pred / total
        inside = (q >= EPSILON) & (q <= 1 - EPSILON)
        grad_q = inside * -(y_true / np.clip(q, EPSILON, 1 - EPSILON))
        return (grad_q - np.sum(grad_q * q, axis=-1, keepdims=True)) / total / n


class SparseCategoricalCrossentropy(_CrossEntropy):
    r"""Categorical cross-entropy with integer labels: :math:`\ell_n = -\log p_{n, y_n}`.

    ``y_true`` has shape ``(N,)`` (or ``(N, 1)``) with labels in ``0..K-1``; ``y_pred`` is ``(N, K)``.
    Same numbers as :class:`CategoricalCrossentropy` on ``one_hot(y_true)`` (Keras clips ``p``
    first and then renormalises, which differs only for probabilities below :math:`10^{-7}`).
    """

    name = "sparse_categorical_crossentropy"

    def _check(self, y_true, y_pred):
        y_pred = as_compute_array(y_pred, "y_pred", ndim=2)
        if y_pred.size == 0:
            raise ValueError(f"y_pred is empty (shape {y_pred.shape}): the {self.name} loss of no "
                             "samples or no classes is undefined (it would be NaN)")
        labels = class_labels(y_true, "y_true", num_classes=y_pred.shape[1])
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.shape != (y_pred.shape[0],):
            raise ValueError(
                f"y_true must hold one integer label per row of y_pred: got shape {np.shape(y_true)} "
                f"for y_pred of shape {y_pred.shape}"
            )
        self._check_probabilities(y_pred)
        return labels, y_pred

    def _per_sample(self, y_true, y_pred):
        rows = np.arange(len(y_true))
        if self.from_logits:
            return -log_softmax(y_pred)[rows, y_true]
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return -np.log(p[rows, y_true]) + np.log(p.sum(axis=-1))

    def _value_and_grad(self, y_true, y_pred):
        if not self.from_logits:
            return super()._value_and_grad(y_true, y_pred)
        # From logits, one exponential serves both, with the same numbers as _per_sample and _grad
        # (which exponentiate separately): log p = z - max z - log(sum_k e^(z_k - max z)) for the
        # loss, p = e^(z - max z) / sum_k e^(z_k - max z) for dL/dz = (p - onehot(y))/N.
        # 27 us against 43 us for a batch of 128 MNIST logits (18 against 27 at batch 32).
        rows, n = np.arange(len(y_true)), len(y_true)
        shifted = y_pred - y_pred.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        value = float(np.mean(-(shifted[rows, y_true] - np.log(total[:, 0]))))
        p = e / total
        p[rows, y_true] -= 1.0
        return value, p / n

    def _grad(self, y_true, y_pred):
        rows = np.arange(len(y_true))
        n = len(y_true)
        if self.from_logits:
            g = activations.softmax.forward(y_pred)
            g[rows, y_true] -= 1.0
            return g / n
        inside = (y_pred >= EPSILON) & (y_pred <= 1 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        g = np.broadcast_to(1.0 / p.sum(axis=-1, keepdims=True), p.shape).copy()
        g[rows, y_true] -= 1.0 / p[rows, y_true]
        return inside * g / n


def _plus_minus_one(y_true):
    """Labels in {0, 1} become {-1, +1}; labels already in {-1, +1} are kept."""
    if np.all(np.isin(y_true, (0.0, 1.0))):
        return 2.0 * y_true - 1.0
    if np.all(np.isin(y_true, (-1.0, 1.0))):
        return y_true
    raise ValueError("y_true must hold labels in {0, 1} or in {-1, +1}")


class Hinge(Loss):
    r""":math:`L = \frac{1}{NK}\sum \max(0, 1 - y\,\hat y)` with :math:`y \in \{-1, +1\}`.

    Labels given as {0, 1} are converted to {-1, +1}, as Keras does. The 1 is the margin:
    a point counts as right only when :math:`y\hat y \ge 1`. Gradient: :math:`-y/(NK)` where
    :math:`y\hat y < 1`, else 0.
    """

    name = "hinge"
    margin = 1.0

    def _check(self, y_true, y_pred):
        y_true, y_pred = super()._check(y_true, y_pred)
        return _plus_minus_one(y_true), y_pred

    def _per_sample(self, y_true, y_pred):
        return np.mean(np.maximum(0.0, self.margin - y_true * y_pred), axis=-1)

    def _grad(self, y_true, y_pred):
        return -y_true * (self.margin - y_true * y_pred > 0) / y_pred.size


class PerceptronCriterion(Hinge):
    r"""The perceptron's loss: :math:`L = \frac1N\sum \max(0, -y\,f(x))`, a hinge with margin 0.

    Gradient :math:`-y/N` for every misclassified point. We count a point lying exactly on the
    line (:math:`y f(x) = 0`) as misclassified, so training can start from all-zero weights.
    Not a Keras loss.
    """

    name = "perceptron_criterion"
    margin = 0.0

    def _grad(self, y_true, y_pred):
        return -y_true * (y_true * y_pred <= 0) / y_pred.size


mse = mean_squared_error = MeanSquaredError()
mae = mean_absolute_error = MeanAbsoluteError()
huber = Huber()
binary_crossentropy = BinaryCrossentropy()
categorical_crossentropy = CategoricalCrossentropy()
sparse_categorical_crossentropy = SparseCategoricalCrossentropy()
hinge = Hinge()
perceptron_criterion = PerceptronCriterion()

_BY_NAME = {
    "mse": mse, "mean_squared_error": mse, "mae": mae, "mean_absolute_error": mae,
    "huber": huber, "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "hinge": hinge, "perceptron_criterion": perceptron_criterion,
}


def get(identifier):
    """Return a loss from its Keras name (``"mse"``, ``"binary_crossentropy"``...) or a Loss object."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"unknown loss {identifier!r}; known: {sorted(_BY_NAME)}")
