"""Regularizers, callbacks, the perceptron, utils, gradcheck and metrics: numbers by hand.

EarlyStopping is also run side by side with keras.callbacks.EarlyStopping in test_parity_keras.py.
"""

import numpy as np
import pytest
from _fakes import FakeModel

import dlcore
from dlcore import gradcheck, layers, losses, metrics, regularizers
from dlcore.callbacks import EarlyStopping, History
from dlcore.perceptron import Perceptron, step


# --- regularizers --------------------------------------------------------------------------
W = np.array([[1.0, -2.0], [0.0, 3.0]])


def test_l1_by_hand():
    r = regularizers.L1(0.1)
    assert r(W) == pytest.approx(0.6)
    np.testing.assert_allclose(r.grad(W), [[0.1, -0.1], [0.0, 0.1]])


def test_l2_by_hand_has_no_half():
    r = regularizers.L2(0.1)
    assert r(W) == pytest.approx(1.4)                  # 0.1 * (1 + 4 + 9)
    np.testing.assert_allclose(r.grad(W), 0.2 * W)     # 2 lambda w


def test_regularizer_names_use_keras_default_0_01():
    assert regularizers.get("l2").l2 == 0.01 and regularizers.get("l1").l1 == 0.01
    assert regularizers.get(None) is None


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.3)], ids=["L1", "L2"])
def test_regularizer_gradient_passes_gradcheck(reg):
    w = np.random.default_rng(0).normal(size=(3, 4))
    w = np.where(np.abs(w) < 1e-3, 0.1, w)  # away from L1's kink
    assert gradcheck.relative_error(reg.grad(w), gradcheck.numerical_gradient(reg, w.copy())) < 1e-6


def test_l2_with_sgd_is_weight_decay_by_hand():
    """w - lr (g + 2 lambda w) = (1 - 2 lr lambda) w - lr g."""
    d = layers.Dense(1, 1, kernel_regularizer=regularizers.L2(0.25))
    d.set_weights([np.array([[2.0]]), np.array([0.0])])
    model = dlcore.Sequential([d])
    model.compile(dlcore.optimizers.SGD(0.1), "mse")
    model.train_on_batch(np.array([[0.0]]), np.array([[0.0]]))  # data gradient 0
    assert d.W[0, 0] == pytest.approx((1 - 2 * 0.1 * 0.25) * 2.0)


# --- EarlyStopping and History, by hand ------------------------------------------------------
def run_callback(cb, values, monitor="val_loss"):
    model = FakeModel()
    cb.model = model
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        cb.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            break
    cb.on_train_end()
    return epoch, model


def test_early_stopping_defaults_are_keras_defaults():
    cb = EarlyStopping()
    assert (cb.monitor, cb.patience, cb.min_delta, cb.restore_best_weights) == ("val_loss", 0, 0, False)
    assert cb.mode == "min" and EarlyStopping(monitor="val_accuracy").mode == "max"


def test_early_stopping_patience_0_stops_at_the_first_worse_epoch():
    cb = EarlyStopping(patience=0)
    last, _ = run_callback(cb, [1.0, 0.8, 0.9, 0.5])
    assert last == 2 and cb.stopped_epoch == 2 and cb.best == 0.8


def test_early_stopping_patience_2_waits_two_epochs():
    cb = EarlyStopping(patience=2)
    last, _ = run_callback(cb, [1.0, 0.8, 0.9, 0.7, 0.75, 0.76, 0.1])
    assert last == 5 and cb.stopped_epoch == 5 and cb.best == 0.7


def test_early_stopping_min_delta_ignores_small_improvements():
    cb = EarlyStopping(patience=1, min_delta=0.1)
    last, _ = run_callback(cb, [1.0, 0.95, 0.5])  # 0.95 is better, but not by more than 0.1
    assert last == 1 and cb.stopped_epoch == 1


def test_early_stopping_restores_the_best_weights_when_it_stops():
    cb = EarlyStopping(patience=1, restore_best_weights=True)
    last, model = run_callback(cb, [1.0, 0.6, 0.7, 0.8])
    assert last == 2 and model.weights[0][0] == 1.0  # the weights of epoch 1


def test_early_stopping_never_stops_while_improving():
    cb = EarlyStopping(patience=0)
    last, model = run_callback(cb, [5.0, 4.0, 3.0, 2.0])
    assert last == 3 and cb.stopped_epoch == 0 and not model.stop_training


def test_history_collects_logs_per_epoch():
    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 2.0, "val_loss": 3.0})
    h.on_epoch_end(1, {"loss": 1.0, "val_loss": 2.5})
    assert h.history == {"loss": [2.0, 1.0], "val_loss": [3.0, 2.5]} and h.epoch == [0, 1]


# --- perceptron ------------------------------------------------------------------------------
def test_step_is_one_at_zero():
    np.testing.assert_array_equal(step(np.array([-0.1, 0.0, 2.0])), [0, 1, 1])


def test_perceptron_trick_two_updates_by_hand():
    X, y = np.array([[1.0, 2.0], [2.0, -1.0]]), np.array([0, 1])
    p = Perceptron(learning_rate=0.1, epochs=1).fit(X, y)
    # point 0: z = 0 -> predicts 1, label 0: w = -0.1 [1, 2] = [-0.1, -0.2], b = -0.1
    # point 1: z = -0.2 + 0.2 - 0.1 = -0.1 -> predicts 0, label 1: w += 0.1 [2, -1], b += 0.1
    (w0, b0), (w1, b1), (w2, b2) = p.history_
    np.testing.assert_array_equal(w0, [0.0, 0.0])
    np.testing.assert_allclose(w1, [-0.1, -0.2])
    assert b1 == pytest.approx(-0.1)
    np.testing.assert_allclose(w2, [0.1, -0.3])
    assert b2 == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(p.coef_, [0.1, -0.3])


def test_perceptron_criterion_first_step_by_hand():
    """From w = 0 every point lies on the line, so every point pushes: w = lr/N * sum s_i x_i."""
    X, y = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([1, 0, 1])
    p = Perceptron(learning_rate=0.3, epochs=1, rule="criterion").fit(X, y)
    s = 2 * y - 1
    np.testing.assert_allclose(p.coef_, 0.3 / 3 * (s[:, None] * X).sum(axis=0))
    assert p.intercept_ == pytest.approx(0.3 / 3 * s.sum())


@pytest.mark.parametrize("rule", ["trick", "criterion"])
def test_perceptron_learns_and(rule):
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 0, 0, 1])
    assert Perceptron(epochs=200, rule=rule).fit(X, y).score(X, y) == 1.0


@pytest.mark.parametrize("rule, seed", [("trick", None), ("trick", 0), ("trick", 1), ("criterion", None)])
def test_perceptron_cannot_exceed_75_percent_on_xor(rule, seed):
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])
    rng = None if seed is None else np.random.default_rng(seed)
    p = Perceptron(epochs=100, rule=rule, rng=rng).fit(X, y)
    assert p.score(X, y) <= 0.75
    assert all(np.mean(step(X @ w + b) == y) <= 0.75 for w, b in p.history_)  # no line ever does better


# --- utils -----------------------------------------------------------------------------------
def test_count_params_by_hand():
    assert dlcore.count_params([4, 3, 2, 1]) == 26      # 15 + 8 + 3
    assert dlcore.count_params([5, 4, 3, 2, 1]) == 50   # 24 + 15 + 8 + 3
    assert dlcore.count_params([784, 128, 10]) == 784 * 128 + 128 + 128 * 10 + 10


def test_ewma_by_hand():
    np.testing.assert_allclose(dlcore.ewma([1.0, 2.0, 3.0], beta=0.5), [0.5, 1.25, 2.125])
    np.testing.assert_allclose(dlcore.ewma([1.0, 2.0, 3.0], beta=0.5, bias_correction=True),
                               [0.5 / 0.5, 1.25 / 0.75, 2.125 / 0.875])
    np.testing.assert_allclose(dlcore.ewma([3.0, 3.0], beta=0.9, v0=3.0), [3.0, 3.0])


def test_ewma_beta_zero_is_the_series_itself():
    np.testing.assert_array_equal(dlcore.ewma([4.0, -1.0, 2.0], beta=0.0), [4.0, -1.0, 2.0])


# --- gradcheck -----------------------------------------------------------------------------
def test_numerical_gradient_of_a_cubic_and_x_is_restored():
    x = np.array([1.0, -2.0, 0.5])
    before = x.copy()
    g = gradcheck.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_relative_error_by_hand():
    assert gradcheck.relative_error([3.0, 4.0], [0.0, 0.0]) == pytest.approx(1.0)
    assert gradcheck.relative_error([1.0, 1.0], [1.0, 1.0]) == 0.0
    assert gradcheck.relative_error([0.0], [0.0]) == 0.0
    assert gradcheck.relative_error([1.0], [3.0]) == pytest.approx(0.5)


def test_check_model_passes_a_correct_model():
    rng = np.random.default_rng(0)
    model = dlcore.Sequential([layers.Dense(3, 4, "tanh", rng=rng, kernel_regularizer=regularizers.L2(0.05)),
                               layers.Dense(4, 2, "softmax", rng=rng, bias_initializer="random_normal")])
    model.compile("sgd", "categorical_crossentropy")
    errors = gradcheck.check_model(model, rng.normal(size=(5, 3)), np.eye(2)[rng.integers(0, 2, 5)])
    assert len(errors) == 4 and max(errors) < 1e-6


def test_check_model_catches_a_wrong_backward():
    """The check can fail: a Dense layer that forgets its activation's derivative is caught."""

    class ForgetfulDense(layers.Dense):
        def _backward(self, grad_out, input_grad=True):  # the computation a layer overrides
            return self._backward_from_z(grad_out, input_grad)

    rng = np.random.default_rng(1)
    model = dlcore.Sequential([ForgetfulDense(3, 4, "tanh", rng=rng), layers.Dense(4, 1, rng=rng)])
    model.compile("sgd", "mse")
    errors = gradcheck.check_model(model, rng.normal(size=(6, 3)), rng.normal(size=(6, 1)))
    assert errors[0] > 1e-3


# --- metrics -------------------------------------------------------------------------------
def test_binary_accuracy_by_hand_threshold_is_strict():
    y, p = np.array([[1.0], [0.0], [1.0], [0.0]]), np.array([[0.7], [0.6], [0.4], [0.5]])
    assert metrics.binary_accuracy(y, p) == pytest.approx(0.5)  # right: 0.7 -> 1 and 0.5 -> 0


def test_categorical_and_sparse_accuracy_by_hand():
    p = np.array([[0.1, 0.8, 0.1], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]])
    labels = np.array([1, 1, 2])
    assert metrics.sparse_categorical_accuracy(labels, p) == pytest.approx(2 / 3)
    assert metrics.categorical_accuracy(np.eye(3)[labels], p) == pytest.approx(2 / 3)


@pytest.mark.parametrize("loss, metric", [
    ("binary_crossentropy", metrics.binary_accuracy), ("hinge", metrics.binary_accuracy),
    ("categorical_crossentropy", metrics.categorical_accuracy),
    ("sparse_categorical_crossentropy", metrics.sparse_categorical_accuracy),
])
def test_accuracy_resolves_from_the_loss_like_keras(loss, metric):
    assert metrics.get("accuracy", losses.get(loss)) is metric
    assert metrics.get("acc", losses.get(loss)) is metric


def test_accuracy_needs_a_classification_loss():
    with pytest.raises(ValueError, match="classification loss"):
        metrics.get("accuracy", losses.mse)

