"""dlcore's models and layers cannot be misused (issue 12, the model side).

1. A call that raises leaves nothing half-applied: ``set_weights``, ``fit``, ``train_on_batch``,
   ``evaluate`` and ``diagnostics.compute_gradients`` check everything before writing anything, so a
   failing call leaves ``get_weights()`` (BatchNormalization's moving statistics included) bit for bit
   as it was; ``compute_gradients`` and ``layer_activations`` never move the moving statistics.
2. No silent wrong result: a non-integer count is refused (never truncated), so are integer
   weights, ``epsilon <= 0`` and a BatchNormalization batch of fewer than 2 samples.
3. Errors come from the entry of the call and name the argument.
4. Ecosystem habits: int seeds, ``batch_size=None``, ``metrics="accuracy"``.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcore import diagnostics, optimizers
from dlcore.callbacks import Callback, EarlyStopping, LearningRateScheduler
from dlcore.layers import Activation, BatchNormalization, Dense, Dropout, Layer, PReLU, Residual
from dlcore.models import Sequential, dense_stack

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def bn_classifier(seed=0, optimizer=None):
    """3 -> 4 (batch norm, relu) -> residual 4 -> 3 softmax classes, with moving statistics != defaults."""
    rng = np.random.default_rng(seed)
    model = Sequential([Dense(3, 4, rng=rng), BatchNormalization(4, momentum=0.5), Activation("relu"),
                        Residual(Dense(4, 4, "tanh", rng=rng)), Dense(4, 3, "softmax", rng=rng)])
    model.layers[1].moving_mean[:] = rng.normal(size=4)
    model.layers[1].moving_variance[:] = rng.uniform(0.5, 2.0, size=4)
    model.compile(optimizer or optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=20, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, 3, size=n)


def snapshot(model):
    return [w.tobytes() for w in model.get_weights()]


# --- 1. nothing half-applied -------------------------------------------------------------------

def corrupt(weights, index, kind):
    bad = [w.copy() for w in weights]
    if kind == "shape":
        bad[index] = np.zeros(bad[index].shape + (1,))
    elif kind == "nan":
        bad[index].flat[0] = np.nan
    elif kind == "inf":
        bad[index].flat[-1] = -np.inf
    elif kind == "text":
        bad[index] = np.full(bad[index].shape, "a")
    elif kind == "count":
        bad = bad[:-1]
    return bad


@SETTINGS
@given(index=st.integers(0, 11), kind=st.sampled_from(["shape", "nan", "inf", "text", "count"]),
       seed=st.integers(0, 2**16))
def test_a_failing_set_weights_writes_nothing(index, kind, seed):
    model = bn_classifier(seed)
    before = snapshot(model)
    new = [w + 1.0 for w in model.get_weights()]          # valid except for the corrupted entry
    with pytest.raises(ValueError):
        model.set_weights(corrupt(new, index % len(new), kind))
    assert snapshot(model) == before


@pytest.mark.parametrize("bad_b", [np.zeros(4), np.array([1.0, np.nan, 0.0]), np.array([np.inf, 0, 0])])
def test_dense_set_weights_is_all_or_nothing(bad_b):
    layer = Dense(2, 3, rng=0)
    W0 = layer.W.copy()
    with pytest.raises(ValueError, match=r"Dense\.b"):
        layer.set_weights([np.ones((2, 3)), bad_b])
    np.testing.assert_array_equal(layer.W, W0)


def test_set_weights_refuses_a_value_that_overflows_the_dtype():
    layer = Dense(2, 1, dtype=np.float32, rng=0)
    before = snapshot(layer)
    with pytest.raises(ValueError, match="overflows"):
        layer.set_weights([np.full((2, 1), 1e300), np.zeros(1)])
    assert snapshot(layer) == before


def test_set_weights_names_the_layer_in_a_model():
    model = bn_classifier()
    weights = model.get_weights()
    weights[4] = np.zeros(5)                              # layers[1]: BatchNormalization gamma, beta, mean, var
    with pytest.raises(ValueError, match=r"layers\[1\].*BatchNormalization.*moving_mean"):
        model.set_weights(weights)


BAD_FIT = {
    # name: (how to build the bad call, the text the message must contain)
    "label out of range in the last sample": (lambda X, y: dict(y=np.r_[y[:-1], 3]), r"\by\b.*label 3"),
    "negative label": (lambda X, y: dict(y=np.r_[-1, y[1:]]), r"\by\b.*negative"),
    "NaN label": (lambda X, y: dict(y=np.r_[y[:-1], np.nan].astype(float)), r"\by\b"),
    "y of other length": (lambda X, y: dict(y=y[:-1]), r"\by has"),
    "validation X of the wrong width": (lambda X, y: dict(validation_data=(X[:, :2], y)), "validation_data"),
    "validation_data without y": (lambda X, y: dict(validation_data=X), "validation_data"),
    "validation_data of one element": (lambda X, y: dict(validation_data=(X,)), "validation_data"),
    "validation label out of range": (lambda X, y: dict(validation_data=(X, np.r_[y[:-1], 7])),
                                      r"validation_data\[1\].*label 7"),
    "EarlyStopping monitor typo": (lambda X, y: dict(callbacks=[EarlyStopping(monitor="val_los")],
                                                     validation_data=(X, y)), "val_los.*did you mean 'val_loss'"),
    "EarlyStopping without validation_data": (lambda X, y: dict(callbacks=[EarlyStopping()]),
                                              "val_loss.*validation_data"),
    "not a callback": (lambda X, y: dict(callbacks=[print]), r"callbacks\[0\]"),
    "batch_size 2.5": (lambda X, y: dict(batch_size=2.5), "batch_size"),
    "epochs 2.7": (lambda X, y: dict(epochs=2.7), "epochs"),
    "batch_size 0": (lambda X, y: dict(batch_size=0), "batch_size"),
    "rng of a bad kind": (lambda X, y: dict(rng="seed"), "rng"),
    "last batch of one sample": (lambda X, y: dict(batch_size=len(X) - 1), r"batch_size=.*last batch of 1"),
    "NaN in X, last row": (lambda X, y: dict(X=np.r_[X[:-1], [[0.0, np.nan, 0.0]]]), r"\bX\b.*NaN"),
}


@SETTINGS
@given(case=st.sampled_from(sorted(BAD_FIT)), n=st.integers(3, 40), seed=st.integers(0, 2**16))
def test_a_fit_that_raises_has_changed_nothing(case, n, seed):
    """Every bad argument is found before the first update, whatever the data, and is named."""
    model = bn_classifier(seed)
    X, y = data(n, seed)
    make, message = BAD_FIT[case]
    batch_size = next(b for b in range(4, n + 2) if n % b != 1)   # a good one, unless the case changes it
    kwargs = dict(X=X, y=y, epochs=2, batch_size=batch_size)
    kwargs.update(make(X, y))
    before, iterations = snapshot(model), model.optimizer.iterations
    with pytest.raises(ValueError, match=message):
        model.fit(**kwargs)
    assert snapshot(model) == before
    assert model.optimizer.iterations == iterations


def test_y_of_shape_n_against_an_n_by_1_output_is_refused_before_training():
    model = Sequential([Dense(3, 4, rng=0), BatchNormalization(4), Dense(4, 1, rng=1)])
    model.compile("sgd", "mse")
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"^y does not fit.*\(6, 1\)"):
        model.fit(np.ones((6, 3)) * np.arange(6)[:, None], np.zeros(6), batch_size=2)
    assert snapshot(model) == before


def test_a_training_step_that_overflows_puts_the_moving_statistics_back():
    model = Sequential([Dense(2, 3, rng=0), BatchNormalization(3), Dense(3, 1, rng=1)])
    model.compile("sgd", "mse")
    W2 = np.full((3, 1), 1e200)                           # the output overflows its square in the loss
    model.set_weights([*model.get_weights()[:6], W2, np.zeros(1)])
    before = snapshot(model)
    X = np.random.default_rng(0).normal(size=(8, 2))
    with pytest.raises(FloatingPointError):
        model.train_on_batch(X, np.zeros((8, 1)))
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1"):
        model.fit(X, np.zeros((8, 1)), batch_size=4)
    assert snapshot(model) == before


@SETTINGS
@given(n=st.integers(2, 30), seed=st.integers(0, 2**16), training=st.booleans())
def test_compute_gradients_changes_no_weight(n, seed, training):
    model = bn_classifier(seed)
    X, y = data(n, seed)
    before = snapshot(model)
    diagnostics.compute_gradients(model, X, y, training=training)
    assert snapshot(model) == before
    assert any(np.any(g != 0) for g in model.grads)       # ... but it did fill the gradients
    diagnostics.layer_activations(model, X, training=training)
    assert snapshot(model) == before


@pytest.mark.parametrize("bad", [dict(y=np.r_[0, 1, 5, 0]), dict(y=np.zeros((4, 3))), dict(X=np.ones((4, 2))),
                                 dict(X=np.ones((1, 3)), y=np.zeros(1))])
def test_a_failing_compute_gradients_changes_no_weight(bad):
    model = bn_classifier()
    args = dict(X=np.arange(12.0).reshape(4, 3), y=np.array([0, 1, 2, 0]))
    args.update(bad)
    before = snapshot(model)
    with pytest.raises(ValueError):
        diagnostics.compute_gradients(model, args["X"], args["y"])
    assert snapshot(model) == before


def test_validation_happens_at_the_entry_of_fit_not_per_batch(monkeypatch):
    """The checks run once per fit (training data, validation data), never in the batch loop."""
    model = bn_classifier()
    X, y = data(40)
    calls = []
    original = Sequential._check_data
    monkeypatch.setattr(Sequential, "_check_data", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    model.fit(X, y, epochs=3, batch_size=4, validation_data=(X, y))
    assert len(calls) == 2


def count_calls(monkeypatch, owner, name):
    """A list that grows by one at each call of ``owner.name`` (which still does its work)."""
    calls, original = [], getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


@pytest.mark.parametrize("batch_size", [40, 4, 2])
def test_the_layers_check_the_data_once_per_fit_not_for_every_batch(monkeypatch, batch_size):
    """The layers' input checks run only for the one-sample probe at the entry of fit (one per
    leaf layer and per Stack, for the training and the validation data), and the gradient checks
    never: 1 batch per epoch or 20, the count is the same."""
    model = bn_classifier()
    X, y = data(40)
    inputs = count_calls(monkeypatch, Layer, "_check_input")
    grads = count_calls(monkeypatch, Layer, "_check_grad")
    model.fit(X, y, epochs=3, batch_size=batch_size, validation_data=(X, y))
    assert len(inputs) == 2 * (len(model.layers) + 1)     # + 1: the Residual block checks its own input
    assert grads == []


def test_a_nan_gradient_from_a_layer_stops_fit_before_the_update():
    """A layer whose backward returns NaN without any overflow (so no FloatingPointError from NumPy)
    is still caught before the optimizer moves a weight: fit checks each step's gradients."""

    class BrokenDense(Dense):
        def _backward_from_z(self, grad_z, input_grad=True):
            grad = super()._backward_from_z(grad_z, input_grad)
            self.dW = np.full_like(self.dW, np.nan)
            return grad

    model = Sequential([BrokenDense(3, 4, "tanh", rng=0), Dense(4, 3, "softmax", rng=1)])
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    X, y = data(8)
    before, iterations = snapshot(model), model.optimizer.iterations
    with pytest.raises(FloatingPointError, match="gradient.*epoch 1, batch 1"):
        model.fit(X, y, batch_size=4)
    assert snapshot(model) == before
    assert model.optimizer.iterations == iterations


@pytest.mark.parametrize("call", ["predict", "evaluate"])
def test_inference_that_overflows_raises_instead_of_returning_inf(call):
    """predict and evaluate run the layers unchecked, but an overflow still cannot pass silently."""
    model = Sequential([Dense(1, 1, dtype=np.float32), Dense(1, 1, dtype=np.float32)])
    model.set_weights([np.full((1, 1), 1e30), np.zeros(1), np.ones((1, 1)), np.zeros(1)])
    model.compile("sgd", "mse")
    X = np.array([[1.0], [1e30]], np.float32)  # the first sample (the entry probe) passes; 1e30 * 1e30 = inf
    with pytest.raises(FloatingPointError, match="overflow"):
        model.predict(X) if call == "predict" else model.evaluate(X, np.zeros((2, 1)))


def test_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match="forward pass first"):
        Dense(2, 3).backward(np.ones((4, 3)))


# --- 1/2. BatchNormalization -------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1])
def test_batch_normalization_refuses_to_train_on_fewer_than_two_samples(n):
    bn = BatchNormalization(3)
    bn.moving_mean[:] = [1.0, 2.0, 3.0]
    before = snapshot(bn)
    with pytest.raises(ValueError, match=f"batch of {n} sample"):
        bn.forward(np.ones((n, 3)), training=True)
    assert snapshot(bn) == before
    assert bn.forward(np.ones((n, 3)), training=False).shape == (n, 3)   # inference is fine


@SETTINGS
@given(n=st.integers(2, 60), batch_size=st.integers(1, 70))
def test_fit_with_batch_norm_never_trains_on_one_sample_and_says_what_would_work(n, batch_size):
    """Either every batch has >= 2 samples, or fit refuses before training and its suggestion works."""
    X, y = data(n)
    model = bn_classifier()
    try:
        model.fit(X, y, batch_size=batch_size, rng=0)
        assert n % batch_size != 1 and min(n, batch_size) >= 2
    except ValueError as err:
        assert n % batch_size == 1 or batch_size == 1
        assert f"batch_size={batch_size}" in str(err) and f"N={n}" in str(err)
        suggested = int(str(err).split("use batch_size=")[1].split(",")[0])
        bn_classifier().fit(X, y, batch_size=suggested, rng=0)


def test_train_on_batch_of_one_sample_with_batch_norm_names_the_batch_size():
    model = bn_classifier()
    before = snapshot(model)
    with pytest.raises(ValueError, match="batch of 1 sample"):
        model.train_on_batch(np.ones((1, 3)), np.array([0]))
    assert snapshot(model) == before


# --- 2. refused, never truncated ---------------------------------------------------------------

@pytest.mark.parametrize("build, name", [
    (lambda: Dense(2.5, 3), "n_in"),
    (lambda: Dense(2, 3.5), "n_out"),
    (lambda: Dense(0, 3), "n_in"),
    (lambda: Dense(2, "3"), "n_out"),
    (lambda: Dense(2, 3, dtype=np.int64), "dtype"),
    (lambda: Dense(2, 3, dtype=bool), "dtype"),
    (lambda: BatchNormalization(3, epsilon=0), "epsilon"),
    (lambda: BatchNormalization(3, epsilon=-1e-3), "epsilon"),
    (lambda: BatchNormalization(3, epsilon=np.nan), "epsilon"),
    (lambda: BatchNormalization(2.5), "n_features"),
    (lambda: BatchNormalization(3, dtype=np.int32), "dtype"),
    (lambda: PReLU(1.5), "n_features"),
    (lambda: PReLU(3, dtype=np.int64), "dtype"),
    (lambda: EarlyStopping(patience=1.5), "patience"),
    (lambda: EarlyStopping(min_delta=np.nan), "min_delta"),
    (lambda: EarlyStopping(monitor=3), "monitor"),
    (lambda: dense_stack(2, 4.5, 2), "width"),
    (lambda: dense_stack(2, 4, 2.5), "depth"),
    (lambda: Dropout(0.5, rng="x"), "rng"),
])
def test_bad_constructor_arguments_are_refused_by_name(build, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        build()


def test_whole_numbers_written_as_floats_are_accepted():
    assert Dense(2.0, 3.0, rng=0).W.shape == (2, 3)
    model = bn_classifier()
    model.fit(*data(8), epochs=2.0, batch_size=4.0, rng=0)


# --- 3. errors from the right place ------------------------------------------------------------

def test_predict_batch_size_zero_is_named():
    model = bn_classifier()
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size"):
            model.predict(np.ones((4, 3)), batch_size=bad)
    np.testing.assert_allclose(model.predict(np.ones((5, 3)), batch_size=2), model.predict(np.ones((5, 3))))


@pytest.mark.parametrize("call", ["evaluate", "train_on_batch", "fit"])
def test_calls_before_compile_say_compile(call):
    model = Sequential([Dense(3, 1, rng=0)])
    with pytest.raises(RuntimeError, match="compile"):
        getattr(model, call)(np.ones((4, 3)), np.ones((4, 1)))


def test_evaluate_checks_y_first():
    model = bn_classifier()
    with pytest.raises(ValueError, match=r"^y does not fit.*label 9"):
        model.evaluate(np.ones((4, 3)), np.array([0, 1, 9, 0]))


# --- 4. habits of the ecosystem ----------------------------------------------------------------

def test_int_seeds_are_accepted_everywhere_and_mean_the_same_as_a_generator():
    np.testing.assert_array_equal(Dense(3, 2, rng=42).W, Dense(3, 2, rng=np.random.default_rng(42)).W)
    np.testing.assert_array_equal(PReLU(3, "glorot_uniform", rng=7).alpha,
                                  PReLU(3, "glorot_uniform", rng=np.random.default_rng(7)).alpha)
    ones = np.ones((50, 4))
    np.testing.assert_array_equal(Dropout(0.5, rng=3).forward(ones, training=True),
                                  Dropout(0.5, rng=np.random.default_rng(3)).forward(ones, training=True))
    runs = []
    for rng in (0, 0, np.random.default_rng(0)):
        model = bn_classifier()
        model.fit(*data(30), epochs=2, batch_size=4, rng=rng)
        runs.append(model.get_weights())
    for a, b, c in zip(*runs):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_a_generator_passed_in_is_shared_not_copied():
    g = np.random.default_rng(5)
    first, second = Dense(3, 2, rng=g).W, Dense(3, 2, rng=g).W
    assert not np.array_equal(first, second)


def test_batch_size_none_means_32():
    X, y = data(70)
    a, b = bn_classifier(), bn_classifier()
    a.fit(X, y, batch_size=None, rng=0)
    b.fit(X, y, batch_size=32, rng=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("metrics", ["accuracy", ["accuracy"], ("accuracy",)])
def test_metrics_may_be_a_single_name(metrics):
    model = bn_classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=metrics)
    assert list(model.metrics) == ["accuracy"]
    assert set(model.fit(*data(8), batch_size=4).history) == {"loss", "accuracy"}
    model.compile("adam", "sparse_categorical_crossentropy", metrics=None)
    assert model.metrics == {}


def test_monitor_check_knows_what_callbacks_log():
    """The pre-training monitor check accepts keys other callbacks add (declared by ``logged_keys``)."""
    class Logs(Callback):
        def logged_keys(self):
            return ("custom",)

        def on_epoch_end(self, epoch, logs=None):
            logs["custom"] = -epoch

    X, y = data(12)
    model = bn_classifier()
    model.fit(X, y, epochs=2, batch_size=4,
              callbacks=[LearningRateScheduler(lambda e, lr: lr), EarlyStopping("learning_rate")])
    model.fit(X, y, epochs=2, batch_size=4, callbacks=[Logs(), EarlyStopping("custom", patience=5)])
    model.fit(X, y, epochs=1, batch_size=4, callbacks=EarlyStopping("accuracy"))   # a single callback
