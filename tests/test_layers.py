"""dlcore.layers: forward passes by hand, every backward pass against finite differences.

Parity with keras.layers (BatchNormalization, Dropout, Dense inside a model) is in
test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import activations, layers, regularizers
from dlcore.gradcheck import numerical_gradient, relative_error

TOL = 1e-6  # relative error of backprop against central differences, float64


def gradcheck_layer(layer, X, param_names=(), training=False, rng=None, before_forward=None):
    """Relative errors of dL/dX and of each parameter gradient, for L = sum(R * layer(X)).

    ``before_forward`` runs before every forward pass (e.g. to re-seed Dropout's mask).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    prepare = before_forward or (lambda: None)
    prepare()
    R = rng.normal(size=layer.forward(X, training).shape)

    def loss():
        prepare()
        return float(np.sum(layer.forward(X, training) * R))

    prepare()
    layer.forward(X, training)
    analytic = {"X": layer.backward(R)}
    owners = {}
    for owner, name in param_names:
        analytic[name] = getattr(owner, "d" + name).copy()
        owners[name] = owner
    errors = {"X": relative_error(analytic["X"], numerical_gradient(loss, X))}
    for name, owner in owners.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, getattr(owner, name)))
    return errors


# --- Dense -------------------------------------------------------------------------------
def test_dense_forward_and_backward_by_hand():
    d = layers.Dense(2, 3, activation="relu")
    d.set_weights([np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]), np.array([0.5, 0.0, -1.0])])
    X = np.array([[1.0, 2.0]])
    np.testing.assert_allclose(d.forward(X), [[5.5, 2.0, 0.0]])   # Z = [5.5, 2, -2]
    dX = d.backward(np.ones((1, 3)))                               # G = [1, 1, 0]
    np.testing.assert_allclose(d.dW, [[1.0, 1.0, 0.0], [2.0, 2.0, 0.0]])  # X^T G
    np.testing.assert_allclose(d.db, [1.0, 1.0, 0.0])
    np.testing.assert_allclose(dX, [[1.0, 3.0]])                   # G W^T


def test_dense_kernel_layout_and_default_initialisation():
    d = layers.Dense(30, 20, rng=np.random.default_rng(0))
    assert d.W.shape == (30, 20) and d.b.shape == (20,)
    assert np.all(d.b == 0)
    limit = math.sqrt(6 / (30 + 20))  # glorot_uniform, Keras's Dense default
    assert np.abs(d.W).max() <= limit and np.abs(d.W).max() > 0.9 * limit


def test_dense_same_seed_same_weights():
    a = layers.Dense(4, 3, rng=np.random.default_rng(7))
    b = layers.Dense(4, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.W, b.W)


DENSE_ACTIVATIONS = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softmax",
                     activations.LeakyReLU()]


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS, ids=lambda a: a if isinstance(a, str) else "LeakyReLU()")
def test_dense_backward_passes_gradcheck(activation):
    rng = np.random.default_rng(1)
    d = layers.Dense(4, 3, activation=activation, bias_initializer="random_normal", rng=rng)
    errors = gradcheck_layer(d, rng.normal(size=(5, 4)), [(d, "W"), (d, "b")], rng=rng)
    assert max(errors.values()) < TOL, errors


def test_dense_with_l2_regularizer_adds_2_lambda_w_to_dW():
    rng = np.random.default_rng(2)
    d = layers.Dense(3, 2, activation="tanh", kernel_regularizer=regularizers.L2(0.1), rng=rng)
    X, R = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))

    def loss():
        return float(np.sum(d.forward(X) * R)) + d.regularization_loss()

    d.forward(X)
    d.backward(R)
    assert relative_error(d.dW, numerical_gradient(loss, d.W)) < TOL
    assert d.regularization_loss() == pytest.approx(0.1 * np.sum(d.W ** 2))


# --- Activation, Flatten, PReLU, Residual -----------------------------------------------------
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "elu", "selu", "softmax"])
def test_activation_layer_passes_gradcheck(name):
    rng = np.random.default_rng(3)
    assert gradcheck_layer(layers.Activation(name), rng.normal(size=(4, 5)), rng=rng)["X"] < TOL


def test_flatten_reshapes_and_passes_gradcheck():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3, 2, 4))
    f = layers.Flatten()
    np.testing.assert_array_equal(f.forward(X), X.reshape(3, 8))
    assert f.backward(np.ones((3, 8))).shape == (3, 2, 4)
    assert gradcheck_layer(f, X, rng=rng)["X"] < TOL


def test_prelu_by_hand_and_gradcheck():
    p = layers.PReLU(2)
    np.testing.assert_array_equal(p.alpha, [0.0, 0.0])  # Keras starts at 0: ReLU
    p.set_weights([np.array([0.25, 0.5])])
    X = np.array([[-2.0, 1.0], [3.0, -4.0]])
    np.testing.assert_allclose(p.forward(X), [[-0.5, 1.0], [3.0, -2.0]])
    p.backward(np.ones((2, 2)))
    np.testing.assert_allclose(p.dalpha, [-2.0, -4.0])  # sum of x over the negative entries
    rng = np.random.default_rng(5)
    errors = gradcheck_layer(p, rng.normal(size=(6, 2)), [(p, "alpha")], rng=rng)
    assert max(errors.values()) < TOL, errors


def test_residual_passes_gradcheck():
    rng = np.random.default_rng(6)
    inner = [layers.Dense(4, 4, "tanh", bias_initializer="random_normal", rng=rng), layers.Dense(4, 4, rng=rng)]
    block = layers.Residual(*inner)
    errors = gradcheck_layer(block, rng.normal(size=(5, 4)),
                             [(inner[0], "W"), (inner[0], "b"), (inner[1], "W"), (inner[1], "b")], rng=rng)
    assert max(errors.values()) < TOL, errors


def test_residual_adds_the_input_by_hand():
    d = layers.Dense(2, 2)
    d.set_weights([np.eye(2) * 2, np.array([1.0, -1.0])])
    np.testing.assert_allclose(layers.Residual(d).forward(np.array([[1.0, 2.0]])), [[4.0, 5.0]])  # x + (2x + b)


def test_residual_weights_are_its_layers_weights_in_order():
    inner = [layers.Dense(3, 3, rng=np.random.default_rng(0)), layers.Dense(3, 3, rng=np.random.default_rng(1))]
    block = layers.Residual(*inner)
    got = block.get_weights()
    assert [w.shape for w in got] == [(3, 3), (3,), (3, 3), (3,)]
    np.testing.assert_array_equal(got[2], inner[1].W)
    assert block.count_params() == 24


# --- Dropout -----------------------------------------------------------------------------
def test_dropout_backward_with_a_fixed_mask_passes_gradcheck():
    rng = np.random.default_rng(7)
    drop = layers.Dropout(0.5)

    def fixed_mask():
        drop.rng = np.random.default_rng(123)  # the same mask at every forward pass

    assert gradcheck_layer(drop, rng.normal(size=(4, 6)), training=True, rng=rng,
                           before_forward=fixed_mask)["X"] < TOL


def test_dropout_scales_kept_units_by_one_over_keep_probability():
    X = np.full((50, 40), 2.0)
    out = layers.Dropout(0.25, rng=np.random.default_rng(0)).forward(X, training=True)
    assert set(np.unique(out)) == {0.0, 2.0 / 0.75}


def test_dropout_mean_preserved_and_zero_fraction_weak_statistical():
    """Statistical (weak): 6 standard errors for n = 100 000; fails by chance with p ~ 1e-9."""
    rate, n = 0.3, 100_000
    X = np.ones((n // 100, 100))
    out = layers.Dropout(rate, rng=np.random.default_rng(1)).forward(X, training=True)
    assert abs((out == 0).mean() - rate) < 6 * math.sqrt(rate * (1 - rate) / n)
    # each output is 0 or 1/(1-rate): its std is sqrt(rate/(1-rate))
    assert abs(out.mean() - 1.0) < 6 * math.sqrt(rate / (1 - rate) / n)


def test_dropout_is_the_identity_at_inference_and_for_rate_zero():
    X = np.random.default_rng(2).normal(size=(5, 4))
    drop = layers.Dropout(0.5)
    assert drop.forward(X, training=False) is X
    np.testing.assert_array_equal(drop.backward(np.ones_like(X)), np.ones_like(X))
    np.testing.assert_array_equal(layers.Dropout(0.0).forward(X, training=True), X)


def test_dropout_draws_a_new_mask_each_step():
    drop = layers.Dropout(0.5, rng=np.random.default_rng(3))
    X = np.ones((10, 10))
    assert not np.array_equal(drop.forward(X, training=True), drop.forward(X, training=True))


# --- BatchNormalization ------------------------------------------------------------------------
def test_batchnorm_training_step_by_hand():
    bn = layers.BatchNormalization(1)
    X = np.array([[0.0], [4.0]])  # batch mean 2, biased variance 4
    out = bn.forward(X, training=True)
    np.testing.assert_allclose(out, [[-2 / math.sqrt(4.001)], [2 / math.sqrt(4.001)]])
    np.testing.assert_allclose(bn.moving_mean, [0.01 * 2])            # 0.99 * 0 + 0.01 * 2
    np.testing.assert_allclose(bn.moving_variance, [0.99 + 0.01 * 4])  # 0.99 * 1 + 0.01 * 4
    out = bn.forward(np.array([[1.0]]), training=False)
    np.testing.assert_allclose(out, [[(1 - 0.02) / math.sqrt(1.03 + 1e-3)]])


def test_batchnorm_defaults_are_keras_defaults():
    bn = layers.BatchNormalization(3)
    assert bn.momentum == 0.99 and bn.epsilon == 1e-3
    np.testing.assert_array_equal(bn.get_weights(), [np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)])
    assert bn.count_params() == 12 and len(bn.params) == 2  # gamma, beta trainable


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_passes_gradcheck(training):
    rng = np.random.default_rng(8)
    bn = layers.BatchNormalization(3)
    bn.set_weights([rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)])
    errors = gradcheck_layer(bn, rng.normal(1, 2, (6, 3)), [(bn, "gamma"), (bn, "beta")],
                             training=training, rng=rng)
    assert max(errors.values()) < TOL, errors


# --- weights ---------------------------------------------------------------------------------
def test_get_weights_returns_copies_and_set_weights_copies_in():
    d = layers.Dense(2, 2, rng=np.random.default_rng(0))
    w = d.get_weights()
    w[0][...] = 99.0
    assert not np.any(d.W == 99.0)
    new = [np.ones((2, 2)), np.full(2, 3.0)]
    d.set_weights(new)
    new[0][...] = 5.0
    np.testing.assert_array_equal(d.W, np.ones((2, 2)))
    np.testing.assert_array_equal(d.b, [3.0, 3.0])


def test_count_params_of_layers_by_hand():
    assert layers.Dense(784, 128).count_params() == 784 * 128 + 128
    assert layers.Dropout(0.5).count_params() == 0
    assert layers.PReLU(7).count_params() == 7
