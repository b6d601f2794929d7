r"""Learning-rate schedules, with Keras 3's names and formulas (``keras.optimizers.schedules``).

A schedule is a callable ``schedule(step) -> rate``. ``step`` counts optimizer updates from 0:
an optimizer given a schedule as its ``learning_rate`` evaluates it at ``optimizer.iterations``
before the update (as Keras does), so the first update uses ``schedule(0)``. ``step`` may also
be an array of steps (for plotting); a single step gives a Python float.

With :math:`\eta_0` = ``initial_learning_rate`` and :math:`s` = ``step``:

* ``ExponentialDecay``: :math:`\eta_0\, r^{s/T}` with :math:`r` = ``decay_rate`` and
  :math:`T` = ``decay_steps``; with ``staircase=True`` the exponent is :math:`\lfloor s/T \rfloor`
  (the rate drops by :math:`r` every :math:`T` steps).
* ``CosineDecay``: :math:`\eta_0\,\big((1-\alpha)\,\tfrac12(1 + \cos(\pi \min(s, T)/T)) + \alpha\big)`,
  from :math:`\eta_0` down to :math:`\alpha\eta_0` at step :math:`T`, then flat. With
  ``warmup_target`` :math:`\eta_1` and ``warmup_steps`` :math:`W`: a straight line
  :math:`\eta_0 + (\eta_1 - \eta_0)\, s/W` for :math:`s < W`, then the cosine from :math:`\eta_1`
  at step :math:`s - W` (flat at :math:`\alpha\eta_1` from :math:`s = W + T` on).
* ``PiecewiseConstantDecay``: ``values[0]`` while :math:`s \le` ``boundaries[0]``, ``values[i]``
  while ``boundaries[i-1]`` :math:`< s \le` ``boundaries[i]``, ``values[-1]`` after the last
  boundary. The rate changes one step *after* a boundary (Keras's convention: ``step == boundary``
  still gets the earlier value).

Keras computes a schedule in the dtype of ``initial_learning_rate`` (float32 for a Python float,
a relative difference of ~1e-8); dlcore computes in float64.
"""
import math

import numpy as np

from ._checks import in_unit_interval, non_negative, positive

__all__ = ["LearningRateSchedule", "ExponentialDecay", "CosineDecay", "PiecewiseConstantDecay"]


def _steps(step):
    """``step`` as a float64 array of counts >= 0."""
    s = np.asarray(step, dtype=np.float64)
    if not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"step must be a count of updates >= 0, got {step!r}")
    return s


def _result(rate):
    """A Python float for a single step, the array for an array of steps."""
    return float(rate) if np.ndim(rate) == 0 else rate


def _count(value, name):
    """An integer >= 0 (a number of steps), accepting 3.0 but not 2.5."""
    value = non_negative(value, name)
    if value != int(value):
        raise ValueError(f"{name} must be a whole number of steps, got {value}")
    return int(value)


class LearningRateSchedule:
    """Base class: ``schedule(step)`` returns the learning rate for update number ``step`` (from 0)."""

    def __call__(self, step):
        return _result(self.rate(_steps(step)))

    def rate(self, s):
        raise NotImplementedError


class ExponentialDecay(LearningRateSchedule):
    r""":math:`\eta_0\, r^{s/T}`, or :math:`\eta_0\, r^{\lfloor s/T\rfloor}` with ``staircase=True``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = positive(decay_steps, "decay_steps")
        self.decay_rate = positive(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = name or "ExponentialDecay"

    def rate(self, s):
        p = s / self.decay_steps
        if self.staircase:
            p = np.floor(p)
        return self.initial_learning_rate * self.decay_rate**p


class CosineDecay(LearningRateSchedule):
    r"""Half a cosine from :math:`\eta_0` down to :math:`\alpha\eta_0` over ``decay_steps``, after an optional
    linear warm-up.

    Without warm-up: :math:`\eta_0\,((1-\alpha)\tfrac12(1+\cos(\pi\min(s,T)/T)) + \alpha)`.
    With ``warmup_target`` :math:`\eta_1`: :math:`\eta_0 + (\eta_1-\eta_0)s/W` for :math:`s < W`, then
    the same cosine starting from :math:`\eta_1` at step :math:`s - W`
    (Loshchilov & Hutter, SGDR, without the restarts).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = non_negative(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = positive(decay_steps, "decay_steps")
        self.alpha = in_unit_interval(alpha, "alpha", closed_right=True)
        self.name = name or "CosineDecay"
        self.warmup_target = None if warmup_target is None else positive(warmup_target, "warmup_target")
        self.warmup_steps = _count(warmup_steps, "warmup_steps")

    def _cosine(self, s, start):
        """``start`` decayed by half a cosine over ``decay_steps`` steps, down to ``alpha * start``."""
        cosine = 0.5 * (1.0 + np.cos(math.pi * (s / self.decay_steps)))
        return start * ((1 - self.alpha) * cosine + self.alpha)

    def rate(self, s):
        if self.warmup_target is None:
            return self._cosine(np.minimum(s, self.decay_steps), self.initial_learning_rate)
        W = self.warmup_steps
        s = np.minimum(s, self.decay_steps + W)
        decayed = self._cosine(np.maximum(s - W, 0.0), self.warmup_target)
        if W == 0:
            return decayed
        warm = (self.warmup_target - self.initial_learning_rate) * (s / W) + self.initial_learning_rate
        return np.where(s < W, warm, decayed)


class PiecewiseConstantDecay(LearningRateSchedule):
    r"""``values[i]`` for ``boundaries[i-1] < step <= boundaries[i]`` (a step on a boundary keeps the earlier value).

    ``boundaries`` are strictly increasing step counts; ``values`` has one entry more. Example:
    ``PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])`` gives 0.1 for steps 0..100,
    0.01 for 101..200 and 0.001 from 201 on.
    """

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if not boundaries:
            raise ValueError("boundaries must hold at least one step count, got []")
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"values must have one entry more than boundaries: got {len(boundaries)} "
                             f"boundaries and {len(values)} values")
        self.boundaries = np.array([_count(b, "boundaries") for b in boundaries], dtype=np.float64)
        if np.any(np.diff(self.boundaries) <= 0):
            raise ValueError(f"boundaries must be strictly increasing, got {boundaries}")
        self.values = np.array([non_negative(v, "values") for v in values])
        self.name = name or "PiecewiseConstant"

    def rate(self, s):
        # side="left": the index of the first boundary >= s, so s == boundaries[i] gives values[i]
        return self.values[np.searchsorted(self.boundaries, s, side="left")]
