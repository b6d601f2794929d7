"""dlcore.activations: values by hand, derivatives by finite differences (no TensorFlow needed).

Parity with keras.activations is in test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import activations
from dlcore.gradcheck import numerical_gradient, relative_error

ELEMENTWISE = [activations.linear, activations.sigmoid, activations.tanh, activations.relu,
               activations.leaky_relu, activations.LeakyReLU(), activations.LeakyReLU(alpha=0.01),
               activations.elu, activations.ELU(alpha=0.5), activations.selu]
IDS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu(0.2)", "LeakyReLU()", "LeakyReLU(0.01)",
       "elu", "ELU(0.5)", "selu"]


def away_from_kink(rng, shape, scale=3.0, gap=1e-3):
    """Random z with |z| >= gap, so that central differences never straddle the kink at 0."""
    z = rng.normal(0, scale, shape)
    return np.where(np.abs(z) < gap, np.sign(z + 1e-300) * gap * 2, z)


# --- numbers by hand ---------------------------------------------------------------------
def test_sigmoid_by_hand():
    z = np.array([0.0, math.log(3.0), -math.log(3.0)])
    np.testing.assert_allclose(activations.sigmoid(z), [0.5, 0.75, 0.25], rtol=1e-15)
    np.testing.assert_allclose(activations.sigmoid.derivative(z), [0.25, 0.1875, 0.1875], rtol=1e-15)


def test_sigmoid_does_not_overflow_at_extremes():
    with np.errstate(over="raise", invalid="raise"):  # e^-1000 underflowing to 0 is fine
        a = activations.sigmoid(np.array([-1000.0, 1000.0]))
    assert a[0] == 0.0 and a[1] == 1.0


def test_tanh_by_hand():
    z = np.array([0.0, math.log(2.0)])  # tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
    np.testing.assert_allclose(activations.tanh(z), [0.0, 0.6], atol=1e-15)
    np.testing.assert_allclose(activations.tanh.derivative(z), [1.0, 0.64], rtol=1e-14)


def test_relu_family_by_hand():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(activations.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(activations.relu.derivative(z), [0.0, 0.0, 1.0])  # 0 at 0, as TF
    np.testing.assert_allclose(activations.leaky_relu(z), [-0.4, 0.0, 3.0])
    np.testing.assert_allclose(activations.LeakyReLU()(z), [-0.6, 0.0, 3.0])
    np.testing.assert_allclose(activations.LeakyReLU(0.01).derivative(z), [0.01, 0.01, 1.0])


def test_leaky_relu_slopes_are_keras_defaults():
    """Keras: the function keras.activations.leaky_relu uses 0.2, the layer LeakyReLU 0.3."""
    assert activations.leaky_relu.alpha == 0.2
    assert activations.LeakyReLU().alpha == 0.3
    assert activations.get("leaky_relu") is activations.leaky_relu


def test_elu_by_hand():
    z = np.array([-1.0, 2.0])
    np.testing.assert_allclose(activations.elu(z), [math.exp(-1) - 1, 2.0], rtol=1e-15)
    # slope: alpha * e^z below 0 (= f(z) + alpha), exactly 1 above (not alpha, not e^z)
    np.testing.assert_allclose(activations.elu.derivative(z), [math.exp(-1), 1.0], rtol=1e-15)
    np.testing.assert_allclose(activations.ELU(0.5).derivative(z), [0.5 * math.exp(-1), 1.0], rtol=1e-15)


def test_selu_constants_and_values_by_hand():
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    assert activations.selu.alpha == alpha and activations.selu.scale == scale
    z = np.array([-1.0, 2.0])
    np.testing.assert_allclose(activations.selu(z), [scale * alpha * (math.exp(-1) - 1), 2 * scale], rtol=1e-15)
    np.testing.assert_allclose(activations.selu.derivative(z), [scale * alpha * math.exp(-1), scale], rtol=1e-15)


def test_softmax_by_hand():
    z = np.array([[0.0, math.log(2.0), math.log(5.0)], [1000.0, 1000.0, 1000.0]])
    np.testing.assert_allclose(activations.softmax(z), [[0.125, 0.25, 0.625], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-14)


def test_softmax_jacobian_by_hand():
    a = np.array([0.125, 0.25, 0.625])
    expected = np.diag(a) - np.outer(a, a)  # da_i/dz_j = a_i (delta_ij - a_j)
    z = np.log(a)
    np.testing.assert_allclose(activations.softmax.jacobian(z), expected, atol=1e-15)
    np.testing.assert_allclose(activations.softmax.jacobian(z).sum(axis=0), 0.0, atol=1e-15)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(TypeError, match="not element-wise"):
        activations.softmax.derivative(np.zeros(3))


def test_get_resolves_keras_names_and_none():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    custom = activations.ELU(0.3)
    assert activations.get(custom) is custom


# --- gradient checks: backward against central differences (relative error < 1e-6) ---------
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("act", ELEMENTWISE, ids=IDS)
def test_elementwise_backward_passes_gradcheck(act, seed):
    rng = np.random.default_rng(seed)
    z, upstream = away_from_kink(rng, (4, 5)), rng.normal(size=(4, 5))
    numeric = numerical_gradient(lambda x: float(np.sum(act(x) * upstream)), z)
    assert relative_error(act.backward(z, upstream), numeric) < 1e-6


@pytest.mark.parametrize("act", ELEMENTWISE, ids=IDS)
def test_derivative_passes_gradcheck_at_large_inputs(act):
    """Between 5 and 40 in size: the saturated tails, where a slope formula slip would show.

    Finite differences of values near 1 lose ~1e-16/1e-6 = 1e-10 absolutely, hence atol 1e-9.
    """
    z = np.array([-40.0, -12.0, -5.0, 5.0, 12.0, 40.0])
    numeric = np.array([numerical_gradient(lambda x: float(act(x)[0]), np.array([zi]))[0] for zi in z])
    np.testing.assert_allclose(act.derivative(z), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_softmax_backward_passes_gradcheck(seed):
    rng = np.random.default_rng(seed)
    z, upstream = rng.normal(0, 3, (4, 5)), rng.normal(size=(4, 5))
    numeric = numerical_gradient(lambda x: float(np.sum(activations.softmax(x) * upstream)), z)
    assert relative_error(activations.softmax.backward(z, upstream), numeric) < 1e-6


def test_softmax_jacobian_passes_gradcheck():
    z = np.array([0.3, -1.2, 2.0, 0.0])
    numeric = np.stack([numerical_gradient(lambda x: float(activations.softmax(x)[i]), z.copy())
                        for i in range(4)])
    assert relative_error(activations.softmax.jacobian(z), numeric) < 1e-6


# --- dtype -----------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ELEMENTWISE + [activations.softmax], ids=IDS + ["softmax"])
def test_float32_stays_float32(act):
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert act(z).dtype == np.float32
    assert act.backward(z, np.ones_like(z)).dtype == np.float32


def test_integers_become_float64():
    assert activations.sigmoid(np.array([0, 1])).dtype == np.float64
