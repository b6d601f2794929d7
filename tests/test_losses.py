"""dlcore.losses: values by hand, gradients by finite differences (no TensorFlow needed).

Parity with keras.losses (values and GradientTape gradients) is in test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import activations, losses
from dlcore.gradcheck import numerical_gradient, relative_error


# --- numbers by hand ---------------------------------------------------------------------
def test_mse_by_hand_has_no_half():
    y, y_hat = np.array([[1.0], [2.0]]), np.array([[1.5], [1.5]])
    assert losses.mse(y, y_hat) == pytest.approx(0.25)           # (0.25 + 0.25) / 2, no 1/2 in front
    np.testing.assert_allclose(losses.mse.grad(y, y_hat), [[0.5], [-0.5]])  # 2 (y_hat - y) / N


def test_mse_averages_over_the_last_axis_then_the_batch():
    assert losses.mse(np.zeros((1, 2)), np.array([[1.0, 3.0]])) == pytest.approx(5.0)  # (1 + 9) / 2
    np.testing.assert_allclose(losses.mse.grad(np.zeros((1, 2)), np.array([[1.0, 3.0]])), [[1.0, 3.0]])


def test_mae_by_hand():
    y, y_hat = np.zeros((1, 2)), np.array([[1.0, -3.0]])
    assert losses.mae(y, y_hat) == pytest.approx(2.0)
    np.testing.assert_allclose(losses.mae.grad(y, y_hat), [[0.5, -0.5]])


@pytest.mark.parametrize("delta, expected", [(1.0, (0.125 + 2.5) / 2), (2.0, (0.125 + 4.0) / 2)])
def test_huber_by_hand(delta, expected):
    # errors 0.5 (quadratic: 0.5 * 0.25) and 3 (linear: delta * 3 - delta^2 / 2)
    y, y_hat = np.zeros((2, 1)), np.array([[0.5], [3.0]])
    assert losses.Huber(delta)(y, y_hat) == pytest.approx(expected)
    np.testing.assert_allclose(losses.Huber(delta).grad(y, y_hat), [[0.25], [delta / 2]])


def test_huber_default_delta_is_one():
    assert losses.huber.delta == 1.0


def test_binary_crossentropy_by_hand():
    y, p = np.array([[1.0], [0.0]]), np.array([[0.8], [0.4]])
    assert losses.binary_crossentropy(y, p) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    np.testing.assert_allclose(losses.binary_crossentropy.grad(y, p), [[-1 / 0.8 / 2], [1 / 0.6 / 2]])


def test_binary_crossentropy_clips_at_1e_minus_7():
    y, p = np.array([[1.0]]), np.array([[0.0]])
    assert losses.binary_crossentropy(y, p) == pytest.approx(-math.log(1e-7))  # 16.118, not inf
    assert losses.binary_crossentropy.grad(y, p)[0, 0] == 0.0                 # the clip is flat there


def test_binary_crossentropy_from_logits_by_hand():
    y, z = np.array([[1.0], [0.0]]), np.array([[0.0], [math.log(3.0)]])
    # sigmoid(0) = 1/2, sigmoid(ln 3) = 3/4: -(log 1/2 + log 1/4) / 2
    assert losses.BinaryCrossentropy(from_logits=True)(y, z) == pytest.approx(math.log(8) / 2)
    np.testing.assert_allclose(losses.binary_crossentropy.grad(y, z, from_logits=True), [[-0.25], [0.375]])


def test_binary_crossentropy_from_logits_is_stable_at_extreme_logits():
    y, z = np.array([[0.0], [1.0]]), np.array([[800.0], [-800.0]])
    assert losses.binary_crossentropy(y, z, from_logits=True) == pytest.approx(800.0)


def test_categorical_and_sparse_crossentropy_by_hand():
    p = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    labels = np.array([1, 2])
    expected = -(math.log(0.5) + math.log(0.8)) / 2
    assert losses.categorical_crossentropy(np.eye(3)[labels], p) == pytest.approx(expected)
    assert losses.sparse_categorical_crossentropy(labels, p) == pytest.approx(expected)
    assert losses.sparse_categorical_crossentropy(labels.reshape(-1, 1), p) == pytest.approx(expected)


def test_categorical_crossentropy_rescales_rows_like_keras():
    """Keras divides p by its row sum first: [0.1, 0.25, 0.15] is read as [0.2, 0.5, 0.3]."""
    y = np.array([[0.0, 1.0, 0.0]])
    assert losses.categorical_crossentropy(y, np.array([[0.1, 0.25, 0.15]])) == pytest.approx(-math.log(0.5))


def test_crossentropy_through_softmax_is_p_minus_y_over_n():
    """dL/dz = (softmax(z) - y) / N whichever route: the logits, or probabilities then softmax.backward."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(5, 4))
    labels = rng.integers(0, 4, 5)
    y = np.eye(4)[labels]
    e = np.exp(z)
    expected = (e / e.sum(axis=1, keepdims=True) - y) / 5  # by hand
    p = activations.softmax(z)
    for grad_z in (losses.categorical_crossentropy.grad(y, z, from_logits=True),
                   losses.sparse_categorical_crossentropy.grad(labels, z, from_logits=True),
                   activations.softmax.backward(z, losses.categorical_crossentropy.grad(y, p)),
                   activations.softmax.backward(z, losses.sparse_categorical_crossentropy.grad(labels, p))):
        np.testing.assert_allclose(grad_z, expected, atol=1e-15)


def test_bce_through_sigmoid_is_p_minus_y_over_n():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(6, 1)), (rng.random((6, 1)) > 0.5).astype(float)
    expected = (1 / (1 + np.exp(-z)) - y) / 6  # by hand
    np.testing.assert_allclose(losses.binary_crossentropy.grad(y, z, from_logits=True), expected, atol=1e-15)
    through = activations.sigmoid.backward(z, losses.binary_crossentropy.grad(y, activations.sigmoid(z)))
    np.testing.assert_allclose(through, expected, atol=1e-15)


def test_hinge_converts_zero_one_labels_by_hand():
    y_hat = np.array([[0.3], [-2.0]])
    # labels {0, 1} -> {-1, +1}: max(0, 1 - 0.3) = 0.7 and max(0, 1 - (-1)(-2)) = 0
    for y in (np.array([[1.0], [0.0]]), np.array([[1.0], [-1.0]])):
        assert losses.hinge(y, y_hat) == pytest.approx(0.35)
        np.testing.assert_allclose(losses.hinge.grad(y, y_hat), [[-0.5], [0.0]])


def test_perceptron_criterion_by_hand():
    signs, f = np.array([[1.0], [-1.0], [1.0]]), np.array([[-0.5], [-2.0], [0.0]])
    # max(0, -y f): 0.5, 0 (right side), 0 (on the line: counted as wrong by the gradient)
    assert losses.perceptron_criterion(signs, f) == pytest.approx(0.5 / 3)
    np.testing.assert_allclose(losses.perceptron_criterion.grad(signs, f), [[-1 / 3], [0.0], [-1 / 3]])


def test_get_knows_keras_names():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    assert losses.get(losses.hinge) is losses.hinge


# --- gradient checks: every loss against central differences (relative error < 1e-6) -----
def gradcheck_cases(seed):
    """(name, loss, y_true, y_pred), with y_pred away from kinks (|e| vs delta, margins, clips)."""
    rng = np.random.default_rng(seed)
    n, k = 6, 3
    y = rng.normal(size=(n, k))
    e = rng.choice([-1, 1], (n, k)) * rng.uniform(0.1, 3.0, (n, k))
    for delta in (0.5, 1.0, 2.5):  # keep every |e| at least 0.05 from delta
        e = np.where(np.abs(np.abs(e) - delta) < 0.05, e * 1.1, e)
    y_bin = (rng.random((n, k)) > 0.5).astype(float)
    p = rng.uniform(0.05, 0.95, (n, k))
    labels = rng.integers(0, k, n)
    rows = rng.dirichlet(np.ones(k) * 3, n)
    margins = rng.choice([-1, 1], (n, k)) * rng.uniform(0.1, 2, (n, k))  # y * y_hat - 1 away from 0
    pm = 2 * y_bin - 1
    z = rng.normal(0, 3, (n, k))
    return [
        ("mse", losses.mse, y, y + e),
        ("mae", losses.mae, y, y + e),
        ("huber 0.5", losses.Huber(0.5), y, y + e),
        ("huber 1", losses.huber, y, y + e),
        ("huber 2.5", losses.Huber(2.5), y, y + e),
        ("bce", losses.binary_crossentropy, y_bin, p),
        ("bce soft labels", losses.binary_crossentropy, rng.random((n, k)), p),
        ("bce logits", losses.BinaryCrossentropy(from_logits=True), y_bin, z),
        ("cce", losses.categorical_crossentropy, np.eye(k)[labels], rows),
        ("cce unnormalised rows", losses.categorical_crossentropy, np.eye(k)[labels], p),
        ("cce logits", losses.CategoricalCrossentropy(from_logits=True), np.eye(k)[labels], z),
        ("sparse cce", losses.sparse_categorical_crossentropy, labels, rows),
        ("sparse cce logits", losses.SparseCategoricalCrossentropy(from_logits=True), labels, z),
        ("hinge", losses.hinge, y_bin, pm * (1 + margins)),
        ("perceptron criterion", losses.perceptron_criterion, pm, margins),
    ]


GRADCHECK_NAMES = [c[0] for c in gradcheck_cases(0)]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", GRADCHECK_NAMES)
def test_loss_gradient_passes_gradcheck(name, seed):
    _, loss, y_true, y_pred = {c[0]: c for c in gradcheck_cases(seed)}[name]
    numeric = numerical_gradient(lambda x: loss(y_true, x), y_pred.copy())
    assert relative_error(loss.grad(y_true, y_pred), numeric) < 1e-6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", GRADCHECK_NAMES)
def test_the_training_loops_value_and_grad_are_the_public_ones_bit_for_bit(name, seed, dtype):
    """fit calls _value_and_grad once per batch (fused for softmax from logits); it must give
    exactly loss(y, p) and loss.grad(y, p), not numbers that differ in the last bits."""
    _, loss, y_true, y_pred = {c[0]: c for c in gradcheck_cases(seed)}[name]
    y_pred = y_pred.astype(dtype)
    value, grad = loss._value_and_grad(*loss._check(y_true, y_pred))
    assert value == loss(y_true, y_pred)
    assert grad.dtype == loss.grad(y_true, y_pred).dtype
    assert grad.tobytes() == loss.grad(y_true, y_pred).tobytes()


def test_loss_grad_keeps_the_shape_of_y_pred():
    y = np.eye(3)[[0, 1]]
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    for loss in (losses.mse, losses.mae, losses.huber, losses.binary_crossentropy,
                 losses.categorical_crossentropy, losses.hinge):
        assert loss.grad(y, p).shape == p.shape
    assert losses.sparse_categorical_crossentropy.grad([0, 1], p).shape == p.shape
