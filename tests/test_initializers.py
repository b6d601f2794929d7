"""dlcore.initializers: formulas, bounds and sample statistics (no TensorFlow needed).

The statistical tests are weak by nature: their bounds are 6 standard errors for the sample
size, so a correct initialiser fails by chance with probability ~1e-8 (seeded, so in practice
never), while a wrong fan or a missing truncation correction misses by far more.
The same statistics are compared with Keras's own samples in test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import initializers

SHAPE = (300, 500)  # fan_in 300, fan_out 500, n = 150 000


def std_tolerance(std, n):
    """6 standard errors of a sample std (kurtosis <= 3 for every distribution here)."""
    return 6 * std * math.sqrt(2 / (4 * n))


def normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_truncation_factor_is_the_std_of_a_normal_cut_at_two_sigma():
    """Var of N(0,1) restricted to [-2, 2] is 1 - 2*2*phi(2) / (Phi(2) - Phi(-2)); computed here from erf."""
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    mass = normal_cdf(2) - normal_cdf(-2)
    assert initializers.TRUNCATION_STD_FACTOR == pytest.approx(math.sqrt(1 - 4 * phi2 / mass), rel=1e-12)


@pytest.mark.parametrize("shape, fans", [
    ((3, 5), (3, 5)), ((7,), (7, 7)), ((3, 3, 16, 32), (9 * 16, 9 * 32)), ((5, 2, 4), (10, 20)),
])
def test_compute_fans_like_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


UNIFORM = {
    "glorot_uniform": math.sqrt(6 / (300 + 500)),
    "he_uniform": math.sqrt(6 / 300),
    "lecun_uniform": math.sqrt(3 / 300),
    "random_uniform": 0.05,
}


@pytest.mark.parametrize("name", list(UNIFORM))
def test_uniform_initializers_limits_and_statistics_weak_statistical(name):
    limit = UNIFORM[name]
    x = getattr(initializers, name)(SHAPE, np.random.default_rng(0))
    n, std = x.size, limit / math.sqrt(3)
    assert x.shape == SHAPE and x.dtype == np.float64
    assert np.abs(x).max() <= limit
    assert x.max() > limit * (1 - 40 / n) and x.min() < -limit * (1 - 40 / n)  # miss chance e^-20
    assert abs(x.mean()) < 6 * std / math.sqrt(n)
    assert abs(x.std() - std) < std_tolerance(std, n)


TRUNCATED = {
    "glorot_normal": math.sqrt(2 / (300 + 500)),
    "he_normal": math.sqrt(2 / 300),
    "lecun_normal": math.sqrt(1 / 300),
}


@pytest.mark.parametrize("name", list(TRUNCATED))
def test_truncated_normal_initializers_bounds_and_statistics_weak_statistical(name):
    target = TRUNCATED[name]
    x = getattr(initializers, name)(SHAPE, np.random.default_rng(1))
    n = x.size
    sigma_before = target / initializers.TRUNCATION_STD_FACTOR  # Keras draws with this, then truncates
    edge = 2 * sigma_before
    assert np.abs(x).max() <= edge
    density_at_edge = math.exp(-2) / math.sqrt(2 * math.pi) / (normal_cdf(2) - normal_cdf(-2)) / sigma_before
    slack = 20 / (density_at_edge * n)  # P(no draw within slack of the edge) ~ e^-20
    assert x.max() > edge - slack and x.min() < -edge + slack
    assert abs(x.mean()) < 6 * target / math.sqrt(n)
    assert abs(x.std() - target) < std_tolerance(target, n)  # the target std, not 0.88 of it


def test_random_normal_statistics_weak_statistical():
    x = initializers.random_normal(SHAPE, np.random.default_rng(2))
    assert abs(x.mean()) < 6 * 0.05 / math.sqrt(x.size)
    assert abs(x.std() - 0.05) < std_tolerance(0.05, x.size)
    assert np.abs(x).max() > 4 * 0.05  # not truncated


def test_truncated_normal_helper_cuts_at_two_of_its_own_stddev():
    x = initializers.truncated_normal((200_000,), stddev=3.0, rng=np.random.default_rng(3), mean=10.0)
    assert np.all(np.abs(x - 10) <= 6.0)
    assert abs(x.std() - 3.0 * initializers.TRUNCATION_STD_FACTOR) < std_tolerance(3.0, x.size)


def test_constant_initializers():
    np.testing.assert_array_equal(initializers.zeros((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.ones(4), np.ones(4))
    np.testing.assert_array_equal(initializers.constant(0.5)((2,)), [0.5, 0.5])


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal", "random_normal", "random_uniform"])
def test_same_generator_seed_gives_the_same_weights(name):
    f = initializers.get(name)
    np.testing.assert_array_equal(f((4, 3), np.random.default_rng(5)), f((4, 3), np.random.default_rng(5)))
    assert not np.array_equal(f((4, 3), np.random.default_rng(5)), f((4, 3), np.random.default_rng(6)))


def test_get_accepts_a_callable():
    def mine(shape, rng=None):
        return np.full(shape, 2.0)

    assert initializers.get(mine) is mine
    assert initializers.get("he_normal") is initializers.he_normal
