"""Bad input fails loudly, with a ValueError that says what was expected and what arrived.

Wrong shapes, silent broadcasts ((N,) against (N, 1)), NaN/inf, labels out of range and
non-positive learning rates, for every public function of dlcore that takes arrays.
Each check matches the message, so a bare numpy error deep inside does not count.
"""
import numpy as np
import pytest

from dlcore import activations, gradcheck, initializers, layers, losses, metrics, optimizers, regularizers, schedules
from dlcore.callbacks import EarlyStopping, LearningRateScheduler
from dlcore.models import Sequential
from dlcore.perceptron import Perceptron
from dlcore.utils import count_params, ewma

NAN_OR_INF = "NaN or inf"


def bad_values():
    return [np.array([[0.5, np.nan]]), np.array([[0.5, np.inf]]), np.array([[0.5, -np.inf]])]


# --- activations ---------------------------------------------------------------------------
ALL_ACTIVATIONS = [activations.linear, activations.sigmoid, activations.tanh, activations.relu,
                   activations.leaky_relu, activations.elu, activations.selu, activations.softmax]
ACT_IDS = [a.name for a in ALL_ACTIVATIONS]


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=ACT_IDS)
@pytest.mark.parametrize("z", bad_values(), ids=["nan", "inf", "-inf"])
def test_activation_rejects_nan_and_inf(act, z):
    with pytest.raises(ValueError, match=NAN_OR_INF):
        act(z)


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=ACT_IDS)
def test_activation_rejects_non_numbers(act):
    with pytest.raises(ValueError, match="must hold numbers"):
        act(np.array([["a", "b"]]))


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=ACT_IDS)
def test_activation_backward_rejects_a_silent_broadcast(act):
    """z of shape (4, 1) with grad_a of shape (4,) must not quietly give a (4, 4) gradient."""
    with pytest.raises(ValueError, match="shape"):
        act.backward(np.zeros((4, 1)), np.ones(4))


@pytest.mark.parametrize("act", ALL_ACTIVATIONS, ids=ACT_IDS)
def test_activation_backward_rejects_nan_upstream_gradient(act):
    with pytest.raises(ValueError, match=NAN_OR_INF):
        act.backward(np.zeros((2, 3)), np.full((2, 3), np.nan))


def test_softmax_jacobian_takes_one_row():
    with pytest.raises(ValueError, match="ndim 1"):
        activations.softmax.jacobian(np.zeros((2, 3)))


def test_unknown_activation_name():
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        activations.get("relu6")


# --- losses --------------------------------------------------------------------------------
SAME_SHAPE_LOSSES = [losses.mse, losses.mae, losses.huber, losses.binary_crossentropy,
                     losses.categorical_crossentropy, losses.hinge, losses.perceptron_criterion,
                     losses.BinaryCrossentropy(from_logits=True)]
LOSS_IDS = ["mse", "mae", "huber", "bce", "cce", "hinge", "perceptron_criterion", "bce_logits"]


@pytest.mark.parametrize("loss", SAME_SHAPE_LOSSES, ids=LOSS_IDS)
@pytest.mark.parametrize("method", ["__call__", "grad"])
def test_loss_refuses_n_against_n_by_1(loss, method):
    y_true, y_pred = np.array([1.0, 0.0, 1.0]), np.array([[0.9], [0.2], [0.6]])
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\) but y_pred has shape \(3, 1\)"):
        getattr(loss, method)(y_true, y_pred)


@pytest.mark.parametrize("loss", SAME_SHAPE_LOSSES, ids=LOSS_IDS)
def test_loss_rejects_nan_and_inf(loss):
    good = np.array([[1.0, 0.0]])
    for bad in bad_values():
        with pytest.raises(ValueError, match=f"y_pred contains {NAN_OR_INF}"):
            loss(good, bad)
        with pytest.raises(ValueError, match=f"y_true contains {NAN_OR_INF}"):
            loss(bad, np.array([[0.5, 0.5]]))


def test_loss_rejects_empty_input():
    with pytest.raises(ValueError, match="empty"):
        losses.mse(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("loss", [losses.binary_crossentropy, losses.categorical_crossentropy,
                                  losses.sparse_categorical_crossentropy], ids=["bce", "cce", "sparse"])
def test_crossentropy_on_probabilities_rejects_values_outside_0_1(loss):
    y = [[0.0, 1.0]] if loss is not losses.sparse_categorical_crossentropy else [1]
    with pytest.raises(ValueError, match="from_logits=True"):
        loss(y, np.array([[-1.5, 2.5]]))


def test_binary_crossentropy_rejects_labels_outside_0_1():
    with pytest.raises(ValueError, match=r"y_true in \[0, 1\]"):
        losses.binary_crossentropy(np.array([[2.0]]), np.array([[0.5]]))


def test_categorical_crossentropy_rejects_negative_labels():
    with pytest.raises(ValueError, match="y_true >= 0"):
        losses.categorical_crossentropy(np.array([[-1.0, 2.0]]), np.array([[0.5, 0.5]]))


@pytest.mark.parametrize("labels, message", [
    ([0, 3], "label 3 but there are only 3 classes"),
    ([0, 7], "label 7 but there are only 3 classes"),
    ([0, -1], "negative label -1"),
    ([0.0, 1.5], "integer class labels"),
    ([[0, 1], [1, 0]], "one integer label per row"),
    ([0, 1, 2], "one integer label per row"),
])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_crossentropy_rejects_bad_labels(labels, message, from_logits):
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(ValueError, match=message):
        losses.sparse_categorical_crossentropy(labels, p, from_logits=from_logits)
    with pytest.raises(ValueError, match=message):
        losses.sparse_categorical_crossentropy.grad(labels, p, from_logits=from_logits)


def test_sparse_crossentropy_needs_two_dimensional_predictions():
    with pytest.raises(ValueError, match="ndim 2"):
        losses.sparse_categorical_crossentropy([0, 1], np.array([0.3, 0.7]))


def test_hinge_rejects_labels_other_than_0_1_or_plus_minus_1():
    with pytest.raises(ValueError, match=r"\{0, 1\} or in \{-1, \+1\}"):
        losses.hinge(np.array([[0.0], [2.0]]), np.array([[0.5], [0.5]]))


@pytest.mark.parametrize("delta", [0.0, -1.0, np.nan, np.inf])
def test_huber_rejects_non_positive_delta(delta):
    with pytest.raises(ValueError, match="delta must be a positive number"):
        losses.Huber(delta)


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'"):
        losses.get("crossentropy")


# --- optimizers ----------------------------------------------------------------------------
OPTIMIZER_CLASSES = [optimizers.SGD, optimizers.Adagrad, optimizers.RMSprop, optimizers.Adam, optimizers.AdamW,
                     optimizers.Adadelta]


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [0.0, -0.01, np.nan, np.inf])
def test_optimizer_rejects_non_positive_learning_rate(cls, lr):
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        cls(learning_rate=lr)


@pytest.mark.parametrize("make, message", [
    (lambda: optimizers.SGD(momentum=1.0), r"momentum must lie in \[0, 1\)"),
    (lambda: optimizers.SGD(momentum=-0.1), r"momentum must lie in \[0, 1\)"),
    (lambda: optimizers.RMSprop(rho=1.0), r"rho must lie in \[0, 1\)"),
    (lambda: optimizers.Adam(beta_1=1.0), r"beta_1 must lie in \[0, 1\)"),
    (lambda: optimizers.Adam(beta_2=-0.5), r"beta_2 must lie in \[0, 1\)"),
    (lambda: optimizers.Adadelta(rho=1.0), r"rho must lie in \[0, 1\)"),
    (lambda: optimizers.Adadelta(rho=-0.1), r"rho must lie in \[0, 1\)"),
    (lambda: optimizers.SGD(weight_decay=-0.01), r"weight_decay must be a number >= 0, got -0.01"),
    (lambda: optimizers.Adam(weight_decay=np.nan), r"weight_decay must be a number >= 0"),
    (lambda: optimizers.AdamW(weight_decay=-1e-3), r"weight_decay must be a number >= 0"),
    (lambda: optimizers.AdamW(weight_decay=None), r"weight_decay must be a number >= 0 for AdamW, got None"),
])
def test_optimizer_rejects_hyperparameters_out_of_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_optimizer_apply_checks_counts_and_shapes():
    opt = optimizers.Adam()
    w = [np.zeros((2, 3)), np.zeros(3)]
    with pytest.raises(ValueError, match="got 1 gradients for 2 parameters"):
        opt.apply([np.zeros((2, 3))], w)
    with pytest.raises(ValueError, match=r"gradient of shape \(3, 2\) for a parameter of shape \(2, 3\)"):
        opt.apply([np.zeros((3, 2)), np.zeros(3)], w)
    opt.apply([np.zeros((2, 3)), np.zeros(3)], w)
    with pytest.raises(ValueError, match="different list of parameters"):
        opt.apply([np.zeros((2, 3))], w[:1])


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES, ids=lambda c: c.__name__)
def test_optimizer_apply_rejects_nan_gradients(cls):
    """A NaN gradient would silently turn every weight into NaN."""
    with pytest.raises(ValueError, match=NAN_OR_INF):
        cls(learning_rate=0.1).apply([np.array([np.nan, 1.0])], [np.zeros(2)])


def test_unknown_optimizer_name():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'"):
        optimizers.get("adamax")


def test_a_scheduled_learning_rate_cannot_be_overwritten_with_a_number():
    opt = optimizers.Adam(schedules.ExponentialDecay(0.01, 10, 0.9))
    with pytest.raises(TypeError, match="built with a learning-rate schedule.*cannot be set to 0.001"):
        opt.learning_rate = 0.001
    assert opt.learning_rate == 0.01  # unchanged


@pytest.mark.parametrize("rate", [-0.1, np.nan, np.inf])
def test_a_schedule_returning_a_bad_rate_is_refused_naming_the_step(rate):
    opt = optimizers.SGD(lambda step: 0.1 if step < 2 else rate)
    w = np.zeros(2)
    opt.apply([np.ones(2)], [w])
    opt.apply([np.ones(2)], [w])
    with pytest.raises(ValueError, match="learning_rate schedule at step 2 must be a number >= 0"):
        opt.apply([np.ones(2)], [w])
    np.testing.assert_allclose(w, [-0.2, -0.2])  # the refused step changed nothing


# --- learning-rate schedules ---------------------------------------------------------------
@pytest.mark.parametrize("make, message", [
    (lambda: schedules.ExponentialDecay(0.1, decay_steps=-10, decay_rate=0.9), "decay_steps must be a positive number"),
    (lambda: schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9), "decay_steps must be a positive number"),
    (lambda: schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=-0.5), "decay_rate must be a positive number"),
    (lambda: schedules.ExponentialDecay(-0.1, 10, 0.9), "initial_learning_rate must be a positive number"),
    (lambda: schedules.CosineDecay(0.1, decay_steps=-5), "decay_steps must be a positive number"),
    (lambda: schedules.CosineDecay(0.1, 100, alpha=1.5), r"alpha must lie in \[0, 1\]"),
    (lambda: schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=-3), "warmup_steps must be a number >= 0"),
    (lambda: schedules.CosineDecay(0.0, 100, warmup_target=0.1, warmup_steps=2.5),
     "warmup_steps must be a whole number of steps"),
    (lambda: schedules.CosineDecay(0.0, 100, warmup_target=-0.1, warmup_steps=10), "warmup_target must be a positive"),
    (lambda: schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01]),
     "values must have one entry more than boundaries: got 2 boundaries and 2 values"),
    (lambda: schedules.PiecewiseConstantDecay([10], [0.1, 0.01, 0.001]),
     "values must have one entry more than boundaries: got 1 boundaries and 3 values"),
    (lambda: schedules.PiecewiseConstantDecay([], [0.1]), "boundaries must hold at least one step count"),
    (lambda: schedules.PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001]), "boundaries must be strictly increasing"),
    (lambda: schedules.PiecewiseConstantDecay([10, 10], [0.1, 0.01, 0.001]), "boundaries must be strictly increasing"),
    (lambda: schedules.PiecewiseConstantDecay([-5], [0.1, 0.01]), "boundaries must be a number >= 0"),
    (lambda: schedules.PiecewiseConstantDecay([10.5], [0.1, 0.01]), "boundaries must be a whole number"),
    (lambda: schedules.PiecewiseConstantDecay([10], [0.1, -0.01]), "values must be a number >= 0"),
])
def test_schedule_rejects_bad_arguments_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("step", [-1, np.nan, [0, -2]])
def test_schedule_rejects_negative_or_nan_steps(step):
    with pytest.raises(ValueError, match="step must be a count of updates >= 0"):
        schedules.CosineDecay(0.1, 100)(step)


# --- layers --------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, X, message", [
    (layers.Dense(3, 2), np.zeros((4, 5)), r"Dense expects input of shape \(N, 3\), got \(4, 5\)"),
    (layers.Dense(3, 2), np.zeros(3), r"Dense expects input of shape \(N, 3\), got \(3,\)"),
    (layers.BatchNormalization(3), np.zeros((4, 2)), r"expects input of shape \(N, 3\)"),
    (layers.PReLU(3), np.zeros((4, 2)), r"expects input of shape \(N, 3\)"),
    (layers.Residual(layers.Dense(3, 2)), np.zeros((4, 3)), "must keep the shape"),
])
def test_layer_rejects_wrong_input_shape(layer, X, message):
    with pytest.raises(ValueError, match=message):
        layer.forward(X)


@pytest.mark.parametrize("layer", [layers.Dense(2, 2), layers.Activation("relu"), layers.BatchNormalization(2),
                                   layers.PReLU(2), layers.Flatten(), layers.Dropout(0.5)],
                         ids=["Dense", "Activation", "BatchNormalization", "PReLU", "Flatten", "Dropout"])
def test_layer_rejects_nan_input(layer):
    with pytest.raises(ValueError, match=NAN_OR_INF):
        layer.forward(np.array([[1.0, np.nan]]), training=True)


@pytest.mark.parametrize("make", [lambda: layers.Dense(2, 3, activation="tanh"), lambda: layers.Activation("tanh"),
                                  lambda: layers.BatchNormalization(3), lambda: layers.PReLU(3),
                                  lambda: layers.Dropout(0.5)],
                         ids=["Dense", "Activation", "BatchNormalization", "PReLU", "Dropout"])
def test_layer_backward_rejects_an_upstream_gradient_of_the_wrong_shape(make):
    """Output (4, 3), upstream gradient (4, 1): broadcasting would give the gradients of another loss."""
    layer = make()
    n_in = layer.n_in if isinstance(layer, layers.Dense) else 3
    layer.forward(np.random.default_rng(0).normal(size=(4, n_in)), training=True)
    with pytest.raises(ValueError, match="shape"):
        layer.backward(np.ones((4, 1)))


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1])
def test_dropout_rate_must_lie_in_0_1(rate):
    with pytest.raises(ValueError, match=r"rate must lie in \[0, 1\)"):
        layers.Dropout(rate)


def test_batchnorm_momentum_must_lie_in_0_1():
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\]"):
        layers.BatchNormalization(3, momentum=1.5)


def test_set_weights_checks_count_and_shapes():
    d = layers.Dense(3, 2)
    with pytest.raises(ValueError, match="Dense expects 2 arrays, got 1"):
        d.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"Dense.W has shape \(3, 2\), got \(2, 3\)"):
        d.set_weights([np.zeros((2, 3)), np.zeros(2)])


# --- Sequential ----------------------------------------------------------------------------
def small_model(loss="mse", out=1, act="linear"):
    model = Sequential([layers.Dense(3, 4, "tanh", rng=np.random.default_rng(0)),
                        layers.Dense(4, out, act, rng=np.random.default_rng(1))])
    model.compile(optimizers.SGD(0.01), loss)
    return model


def test_fit_before_compile():
    model = Sequential([layers.Dense(3, 1)])
    with pytest.raises(RuntimeError, match=r"compile\(optimizer, loss\)"):
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)))


@pytest.mark.parametrize("X, y, kwargs, message", [
    (np.zeros((5, 3)), np.zeros((4, 1)), {}, "X has 5 samples but y has 4"),
    (np.zeros((4, 3)), np.zeros((4, 1)), dict(batch_size=0), "batch_size must be > 0"),
    (np.zeros((4, 3)), np.zeros((4, 1)), dict(epochs=-1), "epochs >= 0"),
    (np.full((4, 3), np.nan), np.zeros((4, 1)), {}, f"X contains {NAN_OR_INF}"),
    (np.zeros((4, 3)), np.array([[0.0], [np.inf], [0.0], [0.0]]), {}, f"y_true contains {NAN_OR_INF}"),
    (np.zeros((4, 3)), np.zeros(4), {}, r"y_true has shape \(4,\) but y_pred has shape \(4, 1\)"),
    (np.zeros((4, 5)), np.zeros((4, 1)), {}, r"expects input of shape \(N, 3\), got \(4, 5\)"),
])
def test_fit_rejects_bad_data(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_model().fit(X, y, **kwargs)


def test_fit_rejects_class_labels_out_of_range():
    model = small_model("sparse_categorical_crossentropy", out=3, act="softmax")
    with pytest.raises(ValueError, match="label 3 but there are only 3 classes"):
        model.fit(np.zeros((4, 3)), np.array([0, 1, 2, 3]), batch_size=4)
    with pytest.raises(ValueError, match="negative label"):
        model.fit(np.zeros((4, 3)), np.array([0, 1, -2, 1]), batch_size=4)


@pytest.mark.parametrize("learning_rate", [1.0, 10.0, 1e3, 1e6])
def test_fit_stops_with_a_clear_error_when_the_loss_blows_up(learning_rate):
    """A far too large learning rate on an MSE regression: the error names the epoch and the batch."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([[1.0], [2.0], [3.0]]) * 10
    model = Sequential([layers.Dense(3, 8, "relu", rng=rng), layers.Dense(8, 1, rng=rng)])
    model.compile(optimizers.SGD(learning_rate), "mse")
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+"):
        model.fit(X, y, epochs=20, batch_size=8, shuffle=False)


def test_predict_and_evaluate_reject_bad_input():
    model = small_model()
    with pytest.raises(ValueError, match=f"X contains {NAN_OR_INF}"):
        model.predict(np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match=r"y_true has shape \(2,\) but y_pred has shape \(2, 1\)"):
        model.evaluate(np.zeros((2, 3)), np.zeros(2))


def test_model_set_weights_checks_the_count():
    with pytest.raises(ValueError, match="the model has 4 weight arrays, got 3"):
        small_model().set_weights([np.zeros((3, 4)), np.zeros(4), np.zeros((4, 1))])


@pytest.mark.parametrize("kwargs, message", [
    (dict(loss="crossentropy"), "unknown loss"),
    (dict(optimizer="adamax"), "unknown optimizer"),
    (dict(loss="mse", metrics=["accuracy"]), "classification loss"),
    (dict(loss="mse", metrics=["f1"]), "unknown metric 'f1'"),
])
def test_compile_rejects_unknown_names(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Sequential([layers.Dense(2, 1)]).compile(**kwargs)


# --- metrics -------------------------------------------------------------------------------
@pytest.mark.parametrize("metric, y_true, y_pred", [
    (metrics.binary_accuracy, np.array([1.0, 0.0, 1.0, 0.0]), np.array([[0.9], [0.1], [0.8], [0.2]])),
    (metrics.categorical_accuracy, np.eye(3), np.ones((3, 4)) / 4),
    (metrics.sparse_categorical_accuracy, np.array([0, 1, 2]), np.ones((4, 3)) / 3),
], ids=["binary (N,) vs (N,1)", "categorical K=3 vs K=4", "sparse 3 labels vs 4 rows"])
def test_accuracy_rejects_mismatched_shapes(metric, y_true, y_pred):
    """binary_accuracy on (4,) against (4, 1) would compare 16 pairs and report a wrong accuracy."""
    with pytest.raises(ValueError, match=r"(?s)y_true.*shape"):
        metric(y_true, y_pred)


# --- perceptron ----------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0.0, -1.0, np.nan])
def test_perceptron_rejects_non_positive_learning_rate(lr):
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        Perceptron(learning_rate=lr)


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((3, 2)), np.array([0, 1, 2]), r"labels in \{0, 1\}"),
    (np.zeros((3, 2)), np.array([0, 1]), r"3 labels in \{0, 1\}, got shape \(2,\)"),
    (np.zeros((3, 2)), np.array([[0], [1], [1]]), r"got shape \(3, 1\)"),
    (np.array([[0.0, np.nan]]), np.array([1]), f"X contains {NAN_OR_INF}"),
    (np.zeros(3), np.array([0, 1, 1]), "ndim 2"),
])
def test_perceptron_fit_rejects_bad_data(X, y, message):
    with pytest.raises(ValueError, match=message):
        Perceptron().fit(X, y)


def test_perceptron_rejects_an_unknown_rule():
    with pytest.raises(ValueError, match="rule must be 'trick' or 'criterion'"):
        Perceptron(rule="delta")


def test_perceptron_predict_rejects_the_wrong_number_of_features():
    p = Perceptron().fit(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"(?s)(features|shape).*2"):
        p.predict(np.zeros((2, 3)))


# --- utils, regularizers, initializers, gradcheck, callbacks --------------------------------------
@pytest.mark.parametrize("sizes, message", [([3], "at least two"), ([3, 0, 1], "positive"), ([3, -2], "positive")])
def test_count_params_rejects_bad_sizes(sizes, message):
    with pytest.raises(ValueError, match=message):
        count_params(sizes)


@pytest.mark.parametrize("values, beta, message", [
    ([1.0, 2.0], 1.0, r"beta must lie in \[0, 1\)"),
    ([1.0, 2.0], -0.1, r"beta must lie in \[0, 1\)"),
    ([[1.0, 2.0]], 0.9, "ndim 1"),
    ([1.0, np.nan], 0.9, f"values contains {NAN_OR_INF}"),
])
def test_ewma_rejects_bad_input(values, beta, message):
    with pytest.raises(ValueError, match=message):
        ewma(values, beta)


@pytest.mark.parametrize("make", [lambda: regularizers.L1(-0.1), lambda: regularizers.L2(np.nan)])
def test_regularizer_factor_must_be_non_negative(make):
    with pytest.raises(ValueError, match="must be a number >= 0"):
        make()


def test_regularizer_rejects_nan_weights_and_unknown_names():
    with pytest.raises(ValueError, match=f"W contains {NAN_OR_INF}"):
        regularizers.L2()(np.array([np.nan]))
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        regularizers.get("l3")


@pytest.mark.parametrize("shape", [(0, 3), (3, -1)])
def test_initializer_rejects_empty_shapes(shape):
    with pytest.raises(ValueError, match="shape must have positive dimensions"):
        initializers.glorot_uniform(shape)


def test_unknown_initializer_name():
    with pytest.raises(ValueError, match="unknown initializer 'xavier'"):
        initializers.get("xavier")


def test_gradcheck_needs_float64_and_matching_shapes():
    with pytest.raises(ValueError, match="float64"):
        gradcheck.numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"shapes differ: \(2,\) vs \(3,\)"):
        gradcheck.relative_error(np.zeros(2), np.zeros(3))


def test_early_stopping_rejects_unknown_mode_and_missing_monitor():
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max'"):
        EarlyStopping(mode="up")
    cb = EarlyStopping()
    cb.on_train_begin()
    with pytest.raises(ValueError, match=r"monitors 'val_loss' but the logs have \['loss'\]"):
        cb.on_epoch_end(0, {"loss": 1.0})



def test_learning_rate_scheduler_refuses_a_non_positive_rate_naming_the_epoch():
    model = Sequential([layers.Dense(2, 1)])
    model.compile(optimizers.SGD(0.1), "mse")
    X, y = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(ValueError, match=r"schedule\(1, lr\)"):
        model.fit(X, y, epochs=3, callbacks=[LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else 0.0)])
    with pytest.raises(TypeError, match="schedule must be a function"):
        LearningRateScheduler(0.01)
