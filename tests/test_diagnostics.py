"""Tests of dlcore.diagnostics: gradient norms, layer outputs and dead ReLU units."""
import numpy as np
import pytest

from dlcore import Sequential, diagnostics, initializers, optimizers
from dlcore.gradcheck import numerical_gradient
from dlcore.layers import Activation, BatchNormalization, Dense, Residual


def _data(n=16, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(n, 1))


def _model(activation="tanh", seed=1, loss="mse"):
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(3, 4, activation, rng=rng),
                        Residual(Dense(4, 4, activation, rng=rng)),
                        Dense(4, 1, rng=rng)])
    model.compile(optimizers.SGD(0.1), loss)
    return model


def test_dense_layers_descend_into_residual_blocks():
    model = _model()
    found = diagnostics.dense_layers(model)
    assert found == [model.layers[0], model.layers[1].layers[0], model.layers[2]]


def test_gradient_norms_match_finite_differences():
    X, y = _data()
    model = _model()
    loss = diagnostics.compute_gradients(model, X, y)
    assert loss == pytest.approx(model.evaluate(X, y))
    norms = diagnostics.gradient_norms(model)
    expected = [np.linalg.norm(numerical_gradient(lambda: model.evaluate(X, y), layer.W))
                for layer in diagnostics.dense_layers(model)]
    np.testing.assert_allclose(norms, expected, rtol=1e-6)


def test_compute_gradients_updates_nothing():
    X, y = _data()
    model = _model()
    before = model.get_weights()
    diagnostics.compute_gradients(model, X, y)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_compute_gradients_gives_the_gradient_fit_applies():
    X, y = _data()
    model = _model()
    diagnostics.compute_gradients(model, X, y)
    expected = [w - 0.1 * g for w, g in zip(model.get_weights(), model.grads)]
    model.fit(X, y, epochs=1, batch_size=len(X), shuffle=False)
    for a, b in zip(expected, model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_sigmoid_stack_has_vanishing_gradient():
    """Each sigmoid layer scales the backward signal by at most 0.25 * ||W||_2."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 8)), rng.normal(size=(32, 1))
    model = Sequential([Dense(8, 8, "sigmoid", rng=rng) for _ in range(10)] + [Dense(8, 1, rng=rng)])
    model.compile("sgd", "mse")
    diagnostics.compute_gradients(model, X, y)
    norms = diagnostics.gradient_norms(model)
    assert norms[0] / norms[-1] < 1e-4


def test_layer_activations_are_each_layers_output():
    X, _ = _data()
    model = _model()
    outputs = diagnostics.layer_activations(model, X)
    assert [o.shape for o in outputs] == [(16, 4), (16, 4), (16, 1)]
    W, b = model.layers[0].W, model.layers[0].b
    np.testing.assert_allclose(outputs[0], np.tanh(X @ W + b))
    np.testing.assert_allclose(outputs[-1], model.predict(X))


def test_dead_relu_fraction_counts_units_negative_on_every_sample():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    layer = Dense(2, 4, "relu", kernel_initializer="zeros")
    layer.W[...] = [[1.0, -1.0, 1.0, 0.0], [1.0, -1.0, -1.0, 0.0]]
    # unit 0: z > 0 everywhere (alive); unit 1: z < 0 everywhere (dead);
    # unit 2: positive on one sample (alive); unit 3: z = 0 everywhere (dead: slope 0)
    model = Sequential([layer, Dense(4, 1)])
    masks = diagnostics.dead_relu_units(model, X)
    np.testing.assert_array_equal(masks[0], [False, True, False, True])
    assert diagnostics.dead_relu_fraction(model, X) == 0.5


def test_dead_units_get_exactly_zero_gradient():
    rng = np.random.default_rng(3)
    X, y = _data(seed=3)
    model = Sequential([Dense(3, 8, "relu", bias_initializer=initializers.constant(-100.0), rng=rng),
                        Dense(8, 1, rng=rng)])
    model.compile("sgd", "mse")
    assert diagnostics.dead_relu_fraction(model, X) == 1.0
    diagnostics.compute_gradients(model, X, y)
    assert np.all(model.layers[0].dW == 0) and np.all(model.layers[0].db == 0)


def test_dead_relu_counts_activation_layers_and_ignores_leaky():
    rng = np.random.default_rng(4)
    X, _ = _data(seed=4)
    model = Sequential([Dense(3, 5, rng=rng), BatchNormalization(5), Activation("relu"),
                        Dense(5, 6, "leaky_relu", bias_initializer=initializers.constant(-100.0), rng=rng)])
    masks = diagnostics.dead_relu_units(model, X)
    assert len(masks) == 1 and masks[0].shape == (5,)


def test_bad_input_is_rejected():
    model = _model()
    X, y = _data()
    with pytest.raises(ValueError, match="no Dense"):
        diagnostics.gradient_norms(Sequential([Activation("relu")]))
    with pytest.raises(ValueError, match="no ReLU"):
        diagnostics.dead_relu_fraction(model, X)
    with pytest.raises(ValueError, match="samples"):
        diagnostics.compute_gradients(model, X, y[:3])
    with pytest.raises(ValueError, match="compile"):
        diagnostics.compute_gradients(Sequential([Dense(3, 1)]), X, y)
    with pytest.raises(ValueError, match="NaN"):
        diagnostics.layer_activations(model, np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="one row each"):
        diagnostics.layer_activations(model, np.ones(3))
