r"""Optimizers, written exactly as Keras 3 writes them.

``opt.apply(grads, params)`` updates each array of ``params`` in place, in order, and keeps
one set of slots (momentum, accumulators) per position. ``opt.iterations`` counts the calls.
Where Keras differs from the textbook, the class docstring says so. ``learning_rate`` may be a
schedule from :mod:`dlcore.schedules` (evaluated once per ``apply``), and every optimizer takes
Keras 3's ``weight_decay`` (decoupled: ``w -= lr * weight_decay * w`` before the update).

The updates are written with in-place NumPy operations into a scratch array (``out=``,
``*=``), each line commented with the formula it computes, in as few passes over the weights
as the formula needs (Adam: 12). An expression such as ``w -= lr * m / (np.sqrt(v) + eps)``
allocates a new array the size of ``w`` for every operation in it: for MNIST's 784 x 128
float32 kernel Adam's step written that way takes 169 us against 126 us in place, which made
a whole epoch of the MNIST network (batch size 128) 0.02 s slower, 0.458 s against 0.439 s.
"""
import math

import numpy as np

from ._checks import all_finite, in_unit_interval, non_negative, positive, scalar


def _positive(value, name):
    return positive(scalar(value, name, "a positive number"), name)


def _non_negative(value, name):
    return non_negative(scalar(value, name, "a number >= 0"), name)


def _unit(value, name):
    return in_unit_interval(scalar(value, name, "a number in [0, 1)"), name)


__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adadelta", "get"]


class Optimizer:
    r"""Base class: validates the learning rate, keeps per-variable slots and the step counter.

    ``learning_rate`` is a number or a schedule, a callable ``schedule(step) -> rate`` such as
    :class:`dlcore.schedules.ExponentialDecay`. A schedule is evaluated once per ``apply`` at
    ``step = iterations`` (before the counter moves, as in Keras), and reading
    ``opt.learning_rate`` gives that rate as a float. A schedule's rate cannot be overwritten with
    a number (``TypeError``, as in Keras 3): build the optimizer with a float for that.

    ``weight_decay`` (Keras 3's decoupled weight decay, off by default): before each update every
    parameter shrinks by :math:`w \leftarrow w - \eta\,\lambda\,w` with the step's learning rate
    :math:`\eta`; then the optimizer's own update runs with the unchanged gradient.
    """

    def __init__(self, learning_rate, weight_decay=None):
        self.learning_rate = learning_rate
        self.weight_decay = None if weight_decay is None else _non_negative(weight_decay, "weight_decay")
        self.iterations = 0
        self._slots = None
        self._built_for = None  # [(shape, dtype)] of the parameters the slots were built for

    @property
    def learning_rate(self):
        """The rate of the next update: the number given, or ``schedule(iterations)``."""
        if self._schedule is None:
            return self._learning_rate
        if self._rate_step != self.iterations:  # one evaluation per step, however often it is read
            rate = self._schedule(self.iterations)
            self._rate = _non_negative(rate, f"learning_rate schedule at step {self.iterations}")
            self._rate_step = self.iterations
        return self._rate

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            self._schedule, self._learning_rate, self._rate_step = value, None, None
            return
        if getattr(self, "_schedule", None) is not None:
            raise TypeError(
                "this optimizer was built with a learning-rate schedule as its learning_rate, so its "
                f"learning rate cannot be set to {value!r}; build it with a float learning_rate instead")
        self._schedule, self._learning_rate = None, _positive(value, "learning_rate")

    def apply(self, grads, params):
        """One update of every array in ``params`` with the matching gradient in ``grads``.

        All or nothing: every gradient and parameter is checked (count, shape, dtype, NaN/inf, the
        shapes the optimizer was built for) and a schedule's rate is evaluated before the first
        parameter or slot changes, so a refused call leaves the parameters, the slots and
        ``iterations`` exactly as they were.
        """
        grads, params = self._check_apply(grads, params)
        self._apply(grads, params)

    def _apply(self, grads, params):
        """``apply`` for checked ``grads`` and ``params`` (``Sequential.fit`` checks the parameters
        once, with :meth:`_check_params`, and each step's gradients for NaN and inf)."""
        lr = self.learning_rate  # a schedule is evaluated here, before any parameter changes
        if self._slots is None:
            self._slots = [self.build(w) for w in params]
            self._built_for = [(w.shape, w.dtype) for w in params]
        self._begin_step(lr)
        decay = bool(self.weight_decay)
        for g, w, slot in zip(grads, params, self._slots):
            if decay:
                tmp = np.multiply(w, self.weight_decay, out=slot["tmp"])  # w = w - w * weight_decay * lr
                tmp *= lr
                w -= tmp
            self.update_step(g, w, slot)
        self.iterations += 1

    def _check_apply(self, grads, params):
        """Everything ``apply`` needs, checked before it changes anything; returns the two lists."""
        grads, params = list(grads), list(params)
        if len(grads) != len(params):
            raise ValueError(f"got {len(grads)} gradients for {len(params)} parameters")
        self._check_params(params)
        with np.errstate(over="ignore", invalid="ignore"):  # all_finite's g.g may overflow: no warning
            for i, (g, w) in enumerate(zip(grads, params)):
                g = grads[i] = np.asarray(g)
                if g.shape != w.shape:
                    raise ValueError(f"gradient of shape {g.shape} for a parameter of shape {w.shape} "
                                     f"(grads[{i}], params[{i}])")
                if g.dtype.kind not in "fiu":
                    raise ValueError(f"grads[{i}] must hold real numbers, got dtype {g.dtype}")
                if g.dtype.kind == "f" and not all_finite(g):
                    raise ValueError(f"a gradient contains NaN or inf (grads[{i}]): the step would destroy "
                                     "the weights, and no parameter has been changed")
        return grads, params

    def _check_params(self, params):
        """The parameters can be updated in place by this optimizer: arrays of floats, writeable,
        and the ones its slots were built for (or, before the first step, of a dtype that can hold
        its epsilon)."""
        for i, w in enumerate(params):
            if not isinstance(w, np.ndarray):
                raise ValueError(f"params[{i}] must be a NumPy array (it is updated in place), "
                                 f"got {type(w).__name__}")
            if w.dtype.kind != "f":
                raise ValueError(f"params[{i}] has dtype {w.dtype}; the optimizer updates parameters in "
                                 "place and needs floating-point arrays (cast with .astype(np.float64))")
            if not w.flags.writeable:
                raise ValueError(f"params[{i}] is read-only; the optimizer updates parameters in place")
        if self._built_for is not None:
            if len(params) != len(self._built_for) or any(
                    w.shape != shape or w.dtype != dtype for w, (shape, dtype) in zip(params, self._built_for)):
                raise ValueError(
                    f"this optimizer was built for {len(self._built_for)} parameters of shapes "
                    f"{[shape for shape, _ in self._built_for]} "
                    f"({', '.join(sorted({str(d) for _, d in self._built_for}))}) and keeps their slots "
                    f"(momentum, accumulators); it cannot update a different list of parameters: "
                    f"{len(params)} of shapes "
                    f"{[w.shape for w in params]} ({', '.join(sorted({str(w.dtype) for w in params}))}). "
                    "Use a new optimizer for a new model, as Keras requires")
        else:
            for name in ("epsilon", "initial_accumulator_value"):  # checked once, when the slots are built
                value = getattr(self, name, None)
                for w in params if value is not None else ():
                    with np.errstate(over="ignore", under="ignore"):
                        in_dtype = w.dtype.type(value)
                    if not np.isfinite(in_dtype) or (name == "epsilon" and in_dtype == 0):
                        raise ValueError(f"{name}={value} is {in_dtype} in {w.dtype}, the parameters' dtype: "
                                         "the update would give 0/0, inf*0 (NaN) or steps of 0; use a "
                                         f"{name} that {w.dtype} can hold")

    def _begin_step(self, lr):
        """Per-step scalars computed once before the loop over parameters (Adam's alpha_t)."""

    def build(self, w):
        """The state kept for one parameter: a scratch array for the in-place arithmetic."""
        return {"tmp": np.empty_like(w)}

    def update_step(self, g, w, slot):
        raise NotImplementedError


class SGD(Optimizer):
    r"""Gradient descent, optionally with momentum.

    Keras: :math:`m \leftarrow \mu m - \eta g`, then :math:`w \leftarrow w + m`; Nesterov:
    :math:`w \leftarrow w + \mu m - \eta g` (the look-ahead written without a second gradient).
    The textbook's :math:`v \leftarrow \mu v + \eta g,\; w \leftarrow w - v` is the same with :math:`v = -m`.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None):
        super().__init__(learning_rate, weight_decay)
        self.momentum = _unit(momentum, "momentum")
        self.nesterov = bool(nesterov)

    def build(self, w):
        slot = super().build(w)
        if self.momentum > 0:
            slot["m"] = np.zeros_like(w)
        return slot

    def update_step(self, g, w, slot):
        step = np.multiply(g, self.learning_rate, out=slot["tmp"])  # step = lr * g
        if self.momentum == 0:
            w -= step                                                # w = w - lr * g
            return
        m = slot["m"]
        m *= self.momentum                                           # m = momentum * m - lr * g
        m -= step
        if self.nesterov:
            w -= step                                                # w = w + momentum * m - lr * g
            step = np.multiply(m, self.momentum, out=step)
            w += step
        else:
            w += m                                                   # w = w + m


class Adagrad(Optimizer):
    r""":math:`G \leftarrow G + g^2`, :math:`w \leftarrow w - \eta g/\sqrt{G + \epsilon}`.

    Keras starts the accumulator at 0.1 (``initial_accumulator_value``) and puts
    :math:`\epsilon` inside the root; the textbook starts at 0 with :math:`\epsilon` outside.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None):
        super().__init__(learning_rate, weight_decay)
        self.initial_accumulator_value = _non_negative(initial_accumulator_value, "initial_accumulator_value")
        self.epsilon = _positive(epsilon, "epsilon")

    def build(self, w):
        return {**super().build(w), "acc": np.full_like(w, self.initial_accumulator_value)}

    def update_step(self, g, w, slot):
        acc, tmp = slot["acc"], slot["tmp"]
        acc += np.multiply(g, g, out=tmp)                 # acc = acc + g^2
        np.add(acc, self.epsilon, out=tmp)                # w = w - lr * g / sqrt(acc + eps)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate
        w -= tmp


class RMSprop(Optimizer):
    r""":math:`v \leftarrow \rho v + (1-\rho) g^2`, :math:`w \leftarrow w - \eta g/\sqrt{v + \epsilon}`.

    AdaGrad's sum becomes a moving average, so the step size stops shrinking to zero.
    Keras puts :math:`\epsilon` inside the root (textbooks: :math:`\sqrt{v} + \epsilon`).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, weight_decay=None):
        super().__init__(learning_rate, weight_decay)
        self.rho = _unit(rho, "rho")
        self.epsilon = _positive(epsilon, "epsilon")

    def build(self, w):
        return {**super().build(w), "v": np.zeros_like(w)}

    def update_step(self, g, w, slot):
        v, tmp = slot["v"], slot["tmp"]
        v *= self.rho                                     # v = rho * v + (1 - rho) * g^2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.rho
        v += tmp
        np.add(v, self.epsilon, out=tmp)                  # w = w - lr * g / sqrt(v + eps)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate
        w -= tmp


class Adam(Optimizer):
    r"""Momentum plus RMSprop plus bias correction, in Keras's arrangement:

    :math:`m \leftarrow m + (1-\beta_1)(g - m)`, :math:`v \leftarrow v + (1-\beta_2)(g^2 - v)`,
    :math:`\alpha_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`, :math:`w \leftarrow w - \alpha_t m/(\sqrt v + \epsilon)`.

    The paper writes :math:`\hat m/(\sqrt{\hat v} + \epsilon)` with :math:`\epsilon = 10^{-8}`; folding the
    corrections into :math:`\alpha_t` moves :math:`\epsilon` by the factor :math:`\sqrt{1-\beta_2^t}`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None):
        super().__init__(learning_rate, weight_decay)
        self.beta_1 = _unit(beta_1, "beta_1")
        self.beta_2 = _unit(beta_2, "beta_2")
        self.epsilon = _positive(epsilon, "epsilon")

    def build(self, w):
        return {**super().build(w), "m": np.zeros_like(w), "v": np.zeros_like(w)}

    def _begin_step(self, lr):
        t = self.iterations + 1
        # a Python float, not np.float64: NumPy multiplies a float32 array by a Python float in
        # float32, but by an np.float64 in float64 and back (37 us more per MNIST kernel step)
        self._alpha = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)

    def update_step(self, g, w, slot):
        m, v, tmp = slot["m"], slot["v"], slot["tmp"]
        np.subtract(g, m, out=tmp)                        # m = m + (1 - beta_1) * (g - m)
        tmp *= 1 - self.beta_1
        m += tmp
        np.multiply(g, g, out=tmp)                        # v = v + (1 - beta_2) * (g^2 - v)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        np.sqrt(v, out=tmp)                               # w = w - alpha_t * m / (sqrt(v) + eps)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= self._alpha
        w -= tmp


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter), Keras 3's arrangement.

    Each step first shrinks every parameter, :math:`w \leftarrow w - \eta\,\lambda\,w`
    (:math:`\lambda` = ``weight_decay``, :math:`\eta` the step's learning rate), then takes the Adam
    step above with the gradient of the loss alone.

    L2 in the loss (:math:`\lambda\lVert w\rVert^2`, gradient :math:`2\lambda w`) is not the same under
    Adam: the penalty's gradient enters :math:`m` and :math:`v` and is divided by
    :math:`\sqrt v + \epsilon` like the rest, so weights with large gradients are hardly decayed and
    weights with tiny gradients are decayed hugely. The decoupled decay shrinks every weight by the
    same factor :math:`1 - \eta\lambda` per step. (Under plain SGD the two coincide with
    :math:`\lambda_{\text{decay}} = 2\lambda_{\text{L2}}`.) Keras's default is
    ``weight_decay=0.004``; the paper multiplies :math:`\lambda` by a schedule multiplier, not by
    :math:`\eta`.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        if weight_decay is None:
            raise ValueError("weight_decay must be a number >= 0 for AdamW, got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay=weight_decay)


class Adadelta(Optimizer):
    r"""AdaDelta: the step's size comes from a moving average of past steps, Keras 3's formula:

    :math:`G \leftarrow \rho G + (1-\rho) g^2`,
    :math:`\Delta = -\sqrt{D + \epsilon}\; g / \sqrt{G + \epsilon}`,
    :math:`D \leftarrow \rho D + (1-\rho) \Delta^2`, :math:`w \leftarrow w + \eta \Delta`
    (:math:`G`, :math:`D` start at 0; ``rho`` 0.95, ``epsilon`` 1e-7, ``learning_rate`` 0.001).

    Zeiler's paper (2012) has no learning rate at all, i.e. :math:`\eta = 1`: the ratio of the two
    root-mean-squares already carries the units of :math:`w`. Keras multiplies by ``learning_rate``
    with the default 0.001, so Keras's AdaDelta moves 1000 times less than the paper's; pass
    ``learning_rate=1.0`` for the paper's method (which used :math:`\epsilon = 10^{-6}`).
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None):
        super().__init__(learning_rate, weight_decay)
        self.rho = _unit(rho, "rho")
        self.epsilon = _positive(epsilon, "epsilon")

    def build(self, w):
        return {**super().build(w), "acc_grad": np.zeros_like(w), "acc_delta": np.zeros_like(w),
                "delta": np.empty_like(w)}

    def update_step(self, g, w, slot):
        acc_g, acc_d, d, tmp = slot["acc_grad"], slot["acc_delta"], slot["delta"], slot["tmp"]
        acc_g *= self.rho                                 # G = rho * G + (1 - rho) * g^2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.rho
        acc_g += tmp
        np.add(acc_d, self.epsilon, out=d)                # d = -Delta = sqrt(D + eps) * g / sqrt(G + eps)
        np.sqrt(d, out=d)
        d *= g
        np.add(acc_g, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        d /= tmp
        acc_d *= self.rho                                 # D = rho * D + (1 - rho) * Delta^2
        np.multiply(d, d, out=tmp)
        tmp *= 1 - self.rho
        acc_d += tmp
        np.multiply(d, self.learning_rate, out=tmp)       # w = w + lr * Delta
        w -= tmp


_BY_NAME = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW,
            "adadelta": Adadelta}


def get(identifier):
    """An optimizer from its Keras name (``"adam"``, with Keras's defaults) or an Optimizer object."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"unknown optimizer {identifier!r}; known: {sorted(_BY_NAME)}")
