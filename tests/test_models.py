"""dlcore.Sequential: weights in Keras's order, fit against training loops written by hand.

``fit`` against Keras's own ``fit`` (same initial weights, shuffle off) is in test_parity_keras.py.
"""
import numpy as np
import pytest

import dlcore
from dlcore import gradcheck, layers, optimizers, regularizers
from dlcore.models import Sequential, dense_stack


def two_layer(rng, act="tanh", out_act="linear", sizes=(3, 4, 2)):
    return Sequential([layers.Dense(sizes[0], sizes[1], act, rng=rng, bias_initializer="random_normal"),
                       layers.Dense(sizes[1], sizes[2], out_act, rng=rng, bias_initializer="random_normal")])


# --- weights ---------------------------------------------------------------------------------
def test_get_weights_order_is_w1_b1_w2_b2():
    model = two_layer(np.random.default_rng(0))
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2), (2,)]
    for got, expected in zip(weights, [model.layers[0].W, model.layers[0].b, model.layers[1].W, model.layers[1].b]):
        np.testing.assert_array_equal(got, expected)
    assert [p.shape for p in model.params] == [(3, 4), (4,), (4, 2), (2,)]
    assert model.params[2] is model.layers[1].W  # params are the live arrays the optimizer updates


def test_set_weights_round_trip_between_models():
    a, b = two_layer(np.random.default_rng(0)), two_layer(np.random.default_rng(1))
    b.set_weights(a.get_weights())
    X = np.random.default_rng(2).normal(size=(5, 3))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_weights_with_batchnorm_follow_keras_order():
    model = Sequential([layers.Dense(3, 2), layers.BatchNormalization(2), layers.Dense(2, 1)])
    shapes = [w.shape for w in model.get_weights()]
    # Dense W, b; BN gamma, beta, moving_mean, moving_variance; Dense W, b
    assert shapes == [(3, 2), (2,), (2,), (2,), (2,), (2,), (2, 1), (1,)]
    assert len(model.params) == 6  # the moving statistics are not trainable
    assert model.count_params() == 8 + 8 + 3


def test_count_params_matches_the_formula():
    model = Sequential([layers.Dense(5, 4), layers.Dense(4, 3), layers.Dense(3, 2), layers.Dense(2, 1)])
    assert model.count_params() == dlcore.count_params([5, 4, 3, 2, 1]) == 50


def test_summary_prints_every_layer_and_the_total(capsys):
    Sequential([layers.Dense(4, 3), layers.Dense(3, 1)]).summary()
    out = capsys.readouterr().out
    assert "Dense(4, 3" in out and "Dense(3, 1" in out and out.rstrip().endswith("19")


# --- forward / predict -----------------------------------------------------------------------
def test_predict_by_hand():
    model = Sequential([layers.Dense(2, 1, activation="sigmoid")])
    model.set_weights([np.array([[1.0], [-1.0]]), np.array([0.0])])
    np.testing.assert_allclose(model.predict([[2.0, 2.0], [1.0, 0.0]]), [[0.5], [1 / (1 + np.exp(-1))]])


def test_predict_in_batches_equals_predict_at_once():
    model = two_layer(np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(23, 3))
    np.testing.assert_allclose(model.predict(X, batch_size=5), model.predict(X), rtol=1e-15)


def test_predict_switches_dropout_off():
    rng = np.random.default_rng(0)
    model = Sequential([layers.Dense(3, 8, "relu", rng=rng), layers.Dropout(0.5, rng=rng), layers.Dense(8, 1, rng=rng)])
    X = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(model.predict(X), model.predict(X))
    without = Sequential([model.layers[0], model.layers[2]])
    np.testing.assert_array_equal(model.predict(X), without.predict(X))


# --- training against loops written by hand ---------------------------------------------------
def hand_fit_linear_mse(X, y, W, b, lr, epochs, batch_size, X_val=None, y_val=None):
    """Plain NumPy: mini-batch SGD on mse for Z = XW + b, losses before each update."""
    W, b = W.copy(), b.copy()
    history = {"loss": [], "val_loss": []}
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(X), batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            err = Xb @ W + b - yb
            total += np.mean(err ** 2) * len(Xb)
            grad = 2 * err / err.size
            W -= lr * Xb.T @ grad
            b -= lr * grad.sum(axis=0)
        history["loss"].append(total / len(X))
        if X_val is not None:
            history["val_loss"].append(np.mean((X_val @ W + b - y_val) ** 2))
    return history, W, b


def test_fit_regression_equals_a_hand_written_loop_with_an_uneven_last_batch():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(23, 2)), rng.normal(size=(23, 1))   # batches of 5: 5, 5, 5, 5, 3
    X_val, y_val = rng.normal(size=(7, 2)), rng.normal(size=(7, 1))
    W0, b0 = rng.normal(size=(2, 1)), rng.normal(size=1)
    expected, W, b = hand_fit_linear_mse(X, y, W0, b0, 0.05, 3, 5, X_val, y_val)
    model = Sequential([layers.Dense(2, 1)])
    model.set_weights([W0, b0])
    model.compile(optimizers.SGD(0.05), "mse")
    history = model.fit(X, y, epochs=3, batch_size=5, shuffle=False, validation_data=(X_val, y_val))
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-12)
    np.testing.assert_allclose(history.history["val_loss"], expected["val_loss"], rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], W, rtol=1e-12)
    assert history.epoch == [0, 1, 2]


def test_fit_logistic_regression_equals_a_hand_written_loop():
    """sigmoid + binary cross-entropy: dL/dz = (p - y) / n per batch, loss -mean(y log p + (1-y) log(1-p))."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(20, 3))
    y = (X[:, :1] - X[:, 1:2] > 0).astype(float)
    W, b = rng.normal(size=(3, 1)), np.zeros(1)
    model = Sequential([layers.Dense(3, 1, "sigmoid")])
    model.set_weights([W, b])
    model.compile(optimizers.SGD(0.5), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, y, epochs=2, batch_size=8, shuffle=False).history
    losses_by_hand, acc_by_hand = [], []
    for _ in range(2):
        total = correct = 0.0
        for start in range(0, 20, 8):
            Xb, yb = X[start:start + 8], y[start:start + 8]
            p = 1 / (1 + np.exp(-(Xb @ W + b)))
            total += -np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p)) * len(Xb)
            correct += np.sum((p > 0.5) == (yb == 1))
            grad_z = (p - yb) / len(Xb)
            W, b = W - 0.5 * Xb.T @ grad_z, b - 0.5 * grad_z.sum(axis=0)
        losses_by_hand.append(total / 20)
        acc_by_hand.append(correct / 20)
    np.testing.assert_allclose(history["loss"], losses_by_hand, rtol=1e-12)
    np.testing.assert_allclose(history["accuracy"], acc_by_hand, rtol=1e-12)


def test_fit_adds_the_weight_penalty_to_the_loss():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    model = Sequential([layers.Dense(2, 1, kernel_regularizer=regularizers.L2(0.5))])
    model.set_weights([np.array([[1.0], [2.0]]), np.array([0.0])])
    model.compile(optimizers.SGD(1e-3), "mse")
    first = model.fit(X, y, epochs=1, batch_size=4, shuffle=False).history["loss"][0]
    data_loss = np.mean((X @ np.array([[1.0], [2.0]]) - y) ** 2)
    assert first == pytest.approx(data_loss + 0.5 * (1 + 4), rel=1e-12)


def test_train_on_batch_takes_one_sgd_step_along_the_numerical_gradient():
    rng = np.random.default_rng(3)
    model = two_layer(rng, "tanh", "softmax", sizes=(3, 4, 3))
    model.compile(optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    before = model.get_weights()
    numeric = [gradcheck.numerical_gradient(lambda: model.loss(y, model.forward(X)), p) for p in model.params]
    value, _ = model.train_on_batch(X, y)
    p = _softmax_of(before, X)
    assert value == pytest.approx(-np.mean(np.log(p[np.arange(6), y])), rel=1e-12)  # before the step
    for w0, w1, g in zip(before, model.get_weights(), numeric):
        np.testing.assert_allclose(w1, w0 - 0.1 * g, rtol=1e-7, atol=1e-10)


def _softmax_of(weights, X):
    """The model's output for ``weights`` written out: softmax(tanh(X W1 + b1) W2 + b2)."""
    W1, b1, W2, b2 = weights
    z = np.tanh(X @ W1 + b1) @ W2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("out_act, loss, kind", [
    ("linear", "mse", "real"), ("linear", "mae", "real"), ("linear", "huber", "real"),
    ("linear", "hinge", "binary"), ("sigmoid", "binary_crossentropy", "binary"),
    ("softmax", "categorical_crossentropy", "onehot"),
    ("softmax", "sparse_categorical_crossentropy", "labels"),
])
def test_check_model_for_each_loss_and_output(out_act, loss, kind):
    rng = np.random.default_rng(4)
    model = Sequential([layers.Dense(3, 5, "elu", rng=rng, kernel_regularizer=regularizers.L2(0.01)),
                        layers.Dense(5, 3, out_act, rng=rng, bias_initializer="random_normal")])
    model.compile("sgd", loss)
    y = {"real": lambda: rng.normal(size=(7, 3)), "binary": lambda: (rng.random((7, 3)) > 0.5).astype(float),
         "onehot": lambda: np.eye(3)[rng.integers(0, 3, 7)], "labels": lambda: rng.integers(0, 3, 7)}[kind]()
    errors = gradcheck.check_model(model, rng.normal(size=(7, 3)), y)
    assert max(errors) < 1e-6, errors


def test_shuffle_with_a_seeded_rng_is_reproducible():
    def run(seed):
        model = two_layer(np.random.default_rng(0))
        model.compile(optimizers.SGD(0.1), "mse")
        data = np.random.default_rng(1)
        X, y = data.normal(size=(30, 3)), data.normal(size=(30, 2))
        return model.fit(X, y, epochs=2, batch_size=7, rng=np.random.default_rng(seed)).history["loss"]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_fit_keeps_float32_weights_float32():
    rng = np.random.default_rng(5)
    model = Sequential([layers.Dense(3, 4, "relu", rng=rng, dtype=np.float32),
                        layers.Dense(4, 1, rng=rng, dtype=np.float32)])
    model.compile(optimizers.Adam(0.01), "mse")
    model.fit(rng.normal(size=(16, 3)), rng.normal(size=(16, 1)), epochs=2, batch_size=8)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(rng.normal(size=(2, 3))).dtype == np.float32


def test_evaluate_returns_a_float_a_list_or_a_dict():
    rng = np.random.default_rng(6)
    model = two_layer(rng, "relu", "softmax", sizes=(3, 4, 3))
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 3, 9)
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(X, y), float)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(X, y)
    p = model.predict(X)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(9), y])), rel=1e-12)
    assert acc == pytest.approx(np.mean(p.argmax(axis=1) == y))
    assert model.evaluate(X, y, return_dict=True) == {"loss": loss, "accuracy": acc}


# --- callbacks inside fit --------------------------------------------------------------------
def test_early_stopping_stops_fit_and_restores_the_best_weights():
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))
    X_val, y_val = rng.normal(size=(10, 3)), rng.normal(size=(10, 1)) + 5  # unrelated: val_loss soon rises
    model = Sequential([layers.Dense(3, 16, "tanh", rng=rng), layers.Dense(16, 1, rng=rng)])
    model.compile(optimizers.SGD(0.2), "mse")
    snapshots = []

    class Snapshot(dlcore.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())

    stop = dlcore.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(X, y, epochs=200, batch_size=40, shuffle=False, validation_data=(X_val, y_val),
                        callbacks=[Snapshot(), stop])
    val = history.history["val_loss"]
    assert 0 < stop.stopped_epoch < 199 and len(val) == stop.stopped_epoch + 1
    best = int(np.argmin(val))
    assert best == len(val) - 3  # patience 2: it stopped after two epochs without improvement
    for got, expected in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(got, expected)


# --- dense_stack -----------------------------------------------------------------------------
def test_dense_stack_shapes_and_layer_types():
    plain = dense_stack(2, 16, 12, 1, "sigmoid", "sigmoid", rng=0)
    assert len(plain.layers) == 13 and all(isinstance(layer, layers.Dense) for layer in plain.layers)
    assert [(layer.n_in, layer.n_out) for layer in plain.layers] == [(2, 16)] + [(16, 16)] * 11 + [(16, 1)]
    assert plain.layers[0].activation is dlcore.activations.sigmoid
    assert plain.predict(np.zeros((5, 2))).shape == (5, 1)
    headless = dense_stack(8, 8, 3, activation="tanh", rng=0)       # no output layer
    assert len(headless.layers) == 3 and headless.layers[-1].activation is dlcore.activations.tanh
    bn = dense_stack(2, 4, 3, 1, "sigmoid", rng=0, block="batchnorm")
    assert [type(layer).__name__ for layer in bn.layers] == ["Dense", "BatchNormalization", "Activation"] * 3 + ["Dense"]
    assert all(layer.activation is dlcore.activations.linear for layer in bn.layers[:-1:3])
    res = dense_stack(2, 4, 3, 1, "relu", rng=0, block="residual")
    assert [type(layer).__name__ for layer in res.layers] == ["Dense", "Residual", "Residual", "Dense"]
    assert res.predict(np.ones((3, 2))).shape == (3, 1)
    with pytest.raises(ValueError, match="block"):
        dense_stack(2, 4, 3, block="dropout")


def test_dense_stack_uses_the_initializers_and_the_rng_in_layer_order():
    model = dense_stack(3, 5, 2, 1, "relu", kernel_initializer="he_normal",
                        bias_initializer=dlcore.initializers.constant(0.1), rng=np.random.default_rng(4))
    r = np.random.default_rng(4)                       # the same draws, layer by layer, by hand
    for layer, shape in zip(model.layers, [(3, 5), (5, 5), (5, 1)]):
        np.testing.assert_array_equal(layer.W, dlcore.initializers.he_normal(shape, r))
        np.testing.assert_array_equal(layer.b, 0.1)
    again = dense_stack(3, 5, 2, 1, "relu", kernel_initializer="he_normal", rng=4)   # a seed works too
    for a, b in zip(model.get_weights()[::2], again.get_weights()[::2]):
        np.testing.assert_array_equal(a, b)
    other = dense_stack(3, 5, 2, 1, "relu", kernel_initializer="he_normal", rng=5)
    assert not np.array_equal(other.layers[0].W, model.layers[0].W)
