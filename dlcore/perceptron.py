r"""The perceptron: a weighted sum and a step, trained by the trick or by the criterion.

Prediction: :math:`\hat y = \mathrm{step}(w\cdot x + b)` with :math:`\mathrm{step}(z) = 1` for
:math:`z \ge 0`, else 0. Labels are 0/1.

* ``rule="trick"``: visit the points one at a time and nudge the line towards each misclassified
  one: :math:`w \leftarrow w + \eta(y - \hat y)x`, :math:`b \leftarrow b + \eta(y - \hat y)`.
  The four cases (y, ŷ) = (1, 1), (0, 0): no change; (1, 0): add :math:`\eta x`; (0, 1): subtract it.
* ``rule="criterion"``: batch gradient descent on the perceptron criterion
  :math:`L = \frac1N\sum\max(0, -s\,f(x))` with :math:`s = 2y - 1 \in \{-1, +1\}`.
"""
import numpy as np

from . import losses
from ._checks import as_compute_array, paired_arrays, positive, positive_integer


class NotFittedError(ValueError, AttributeError):
    """Raised by ``predict``, ``decision_function`` and ``score`` before ``fit`` (as in scikit-learn)."""


def step(z):
    """Heaviside step: 1 where z >= 0, else 0."""
    return (np.asarray(z) >= 0).astype(np.int64)


class Perceptron:
    """A single-layer perceptron with scikit-learn-style ``coef_`` and ``intercept_``.

    ``history_`` holds ``(coef_, intercept_)`` after every change, so the moving boundary can be drawn.
    With an ``rng`` the trick visits the points in a new random order each epoch; without one, in order.
    """

    def __init__(self, learning_rate=0.1, epochs=100, rule="trick", rng=None):
        self.learning_rate = positive(learning_rate, "learning_rate")
        self.epochs = positive_integer(epochs, "epochs")  # 2.7 or -5 are refused, not truncated
        if rule not in ("trick", "criterion"):
            raise ValueError(f"rule must be 'trick' or 'criterion', got {rule!r}")
        self.rule = rule
        # a seed (scikit-learn's random_state, Keras's seed) or a Generator; None: visit in order
        self.rng = None if rng is None else np.random.default_rng(rng)

    def decision_function(self, X):
        """The weighted sum :math:`z = Xw + b`."""
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                "This Perceptron instance is not fitted yet: call fit(X, y) before predict, "
                "decision_function or score"
            )
        X = as_compute_array(X, "X", ndim=2)
        if X.shape[1] != len(self.coef_):
            raise ValueError(f"X must have {len(self.coef_)} features (columns), got shape {X.shape}")
        return X @ self.coef_ + self.intercept_

    def predict(self, X):
        """0/1 predictions: step(z)."""
        return step(self.decision_function(X))

    def fit(self, X, y):
        """Train from all-zero weights; returns self. Bad input is refused before anything changes."""
        X = as_compute_array(X, "X", ndim=2)
        if X.shape[0] == 0:
            raise ValueError(f"X has no rows (shape {X.shape}): fit needs at least one sample")
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must be {len(X)} labels in {{0, 1}}, got shape {y.shape} (one per row of X)")
        _check_01(y, "y")
        self.coef_ = np.zeros(X.shape[1])
        self.intercept_ = 0.0
        self.history_ = [(self.coef_.copy(), self.intercept_)]
        train = self._fit_trick if self.rule == "trick" else self._fit_criterion
        train(X, y)
        return self

    def _fit_trick(self, X, y):
        for _ in range(self.epochs):
            order = self.rng.permutation(len(X)) if self.rng is not None else range(len(X))
            changed = False
            for i in order:
                error = y[i] - step(X[i] @ self.coef_ + self.intercept_)
                if error != 0:
                    self.coef_ = self.coef_ + self.learning_rate * error * X[i]
                    self.intercept_ = self.intercept_ + self.learning_rate * error
                    self.history_.append((self.coef_.copy(), self.intercept_))
                    changed = True
            if not changed:  # every point is on its side: the trick has converged
                break

    def _fit_criterion(self, X, y):
        signs = 2.0 * y - 1.0
        for _ in range(self.epochs):
            grad_z = losses.perceptron_criterion.grad(signs, self.decision_function(X))
            self.coef_ = self.coef_ - self.learning_rate * (X.T @ grad_z)
            self.intercept_ = self.intercept_ - self.learning_rate * float(grad_z.sum())
            self.history_.append((self.coef_.copy(), self.intercept_))

    def score(self, X, y):
        """Accuracy on (X, y); ``y`` must have the shape of ``predict(X)``, ``(N,)``: no broadcasting."""
        y_true, y_pred = paired_arrays(y, self.predict(X), "y", "predict(X)", what="the accuracy")
        _check_01(y_true, "y")
        return float(np.mean(y_pred == y_true))


def _check_01(y, name):
    """Refuse labels other than 0 and 1."""
    if y.dtype.kind not in "fiub" or not np.all(np.isin(y, (0, 1))):
        bad = y[~np.isin(y, (0, 1))] if y.dtype.kind in "fiub" else y
        raise ValueError(f"{name} must hold labels in {{0, 1}}, got {bad[:5]!r}")
