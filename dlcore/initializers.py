r"""Weight initialisers with Keras's names, formulas and defaults.

Each initialiser is a function ``f(shape, rng=None) -> ndarray`` (float64). ``rng`` is a
``numpy.random.Generator`` or an integer seed; ``None`` draws a fresh, unseeded one. For a dense
kernel of shape ``(fan_in, fan_out)``:

* Glorot (Xavier), for tanh/sigmoid: uniform on :math:`\pm\sqrt{6/(n_{in}+n_{out})}`, or normal
  with :math:`\sigma = \sqrt{2/(n_{in}+n_{out})}`;
* He, for ReLU: uniform on :math:`\pm\sqrt{6/n_{in}}`, or normal with :math:`\sigma = \sqrt{2/n_{in}}`;
* LeCun, for SELU: normal with :math:`\sigma = \sqrt{1/n_{in}}`.

Keras's "normal" variants draw from a normal *truncated at two standard deviations*. Cutting
the tails shrinks the spread to :math:`0.8796\sigma`, so Keras draws with
:math:`\sigma / 0.87962566103423978` before truncating and the result has the target std.
"""
import numpy as np

from ._checks import as_generator, scalar

TRUNCATION_STD_FACTOR = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


def _rng(rng):
    """A ``numpy.random.Generator`` from ``None`` (fresh, unseeded), an int seed or a Generator."""
    return as_generator(rng)


def _finite(value, name):
    value = scalar(value, name, "a finite number")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


def _spread(value, name):
    value = _finite(value, name)
    if value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _shape(shape):
    dims = tuple(shape) if isinstance(shape, (tuple, list, np.ndarray)) else (shape,)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) for s in dims):
        raise ValueError(f"shape must be a tuple of positive integers, got {shape!r}")
    if any(s <= 0 for s in dims):
        raise ValueError(f"shape must have positive dimensions, got {tuple(int(s) for s in dims)}")
    return tuple(int(s) for s in dims)


def compute_fans(shape):
    """``(fan_in, fan_out)`` as Keras computes them: the kernel's last two axes times the receptive field."""
    shape = _shape(shape)
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = int(np.prod(shape[:-2]))
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def truncated_normal(shape, stddev, rng=None, mean=0.0):
    """Normal draws re-drawn until they lie within two *pre-truncation* standard deviations of the mean."""
    shape, rng = _shape(shape), _rng(rng)
    mean, stddev = _finite(mean, "mean"), _spread(stddev, "stddev")
    out = rng.normal(mean, stddev, size=shape)
    bad = np.abs(out - mean) > 2 * stddev
    while bad.any():
        out[bad] = rng.normal(mean, stddev, size=int(bad.sum()))
        bad = np.abs(out - mean) > 2 * stddev
    return out


def zeros(shape, rng=None):
    """All zeros: every unit of a layer computes the same thing (the symmetry problem)."""
    return np.zeros(_shape(shape))


def ones(shape, rng=None):
    """All ones."""
    return np.ones(_shape(shape))


def constant(value):
    """An initialiser that fills with ``value`` (``constant(0.5)(shape)``)."""
    value = _finite(value, "value")

    def init(shape, rng=None):
        return np.full(_shape(shape), value)

    init.__name__ = f"constant({value})"
    return init


def random_normal(shape, rng=None, mean=0.0, stddev=0.05):
    r""":math:`N(\mu, \sigma^2)` with Keras's defaults :math:`\mu = 0`, :math:`\sigma = 0.05`."""
    shape, rng = _shape(shape), _rng(rng)
    return rng.normal(_finite(mean, "mean"), _spread(stddev, "stddev"), size=shape)


def random_uniform(shape, rng=None, minval=-0.05, maxval=0.05):
    """U(minval, maxval) with Keras's defaults -0.05 and 0.05."""
    shape, rng = _shape(shape), _rng(rng)
    minval, maxval = _finite(minval, "minval"), _finite(maxval, "maxval")
    if minval > maxval:
        raise ValueError(f"minval must not exceed maxval, got minval={minval}, maxval={maxval}")
    return rng.uniform(minval, maxval, size=shape)


def _variance_scaling(shape, rng, scale, mode, distribution):
    """Keras's VarianceScaling: target variance ``scale / fan`` with fan = fan_in, fan_out or their mean."""
    fan_in, fan_out = compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    variance = scale / fan
    if distribution == "uniform":
        limit = np.sqrt(3.0 * variance)
        return _rng(rng).uniform(-limit, limit, size=_shape(shape))
    return truncated_normal(shape, np.sqrt(variance) / TRUNCATION_STD_FACTOR, rng)


def glorot_uniform(shape, rng=None):
    r"""Xavier uniform: U(-limit, limit), :math:`\mathrm{limit} = \sqrt{6/(n_{in} + n_{out})}` (Keras's Dense default)."""
    return _variance_scaling(shape, rng, 1.0, "fan_avg", "uniform")


def glorot_normal(shape, rng=None):
    r"""Xavier normal: truncated normal with std :math:`\sqrt{2/(n_{in} + n_{out})}`."""
    return _variance_scaling(shape, rng, 1.0, "fan_avg", "normal")


def he_uniform(shape, rng=None):
    r"""He uniform: U(-limit, limit), :math:`\mathrm{limit} = \sqrt{6/n_{in}}`."""
    return _variance_scaling(shape, rng, 2.0, "fan_in", "uniform")


def he_normal(shape, rng=None):
    r"""He normal: truncated normal with std :math:`\sqrt{2/n_{in}}`."""
    return _variance_scaling(shape, rng, 2.0, "fan_in", "normal")


def lecun_uniform(shape, rng=None):
    r"""LeCun uniform: U(-limit, limit), :math:`\mathrm{limit} = \sqrt{3/n_{in}}`."""
    return _variance_scaling(shape, rng, 1.0, "fan_in", "uniform")


def lecun_normal(shape, rng=None):
    r"""LeCun normal: truncated normal with std :math:`\sqrt{1/n_{in}}` (pairs with SELU)."""
    return _variance_scaling(shape, rng, 1.0, "fan_in", "normal")


_BY_NAME = {
    f.__name__: f
    for f in (zeros, ones, random_normal, random_uniform, glorot_uniform, glorot_normal,
              he_uniform, he_normal, lecun_uniform, lecun_normal)
}


def get(identifier):
    """Return an initialiser from its Keras name (``"he_normal"``) or a callable ``f(shape, rng)``.

    ``None`` gives ``None``, as in Keras: a layer given ``None`` uses its own default initialiser.
    """
    if identifier is None:  # as in Keras: no initializer given, the layer uses its own default
        return None
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"unknown initializer {identifier!r}; known: {sorted(_BY_NAME)}")
