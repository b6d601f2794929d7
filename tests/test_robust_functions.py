"""dlcore's functions cannot be misused (issue 12): losses, metrics, Perceptron, data, gradcheck.

One test per property, each over every member of a registry (or over hypothesis examples),
so a new loss, metric or preprocessing function that breaks the rule fails here:

1. a failing call leaves nothing half-applied (``numerical_gradient`` restores ``x``);
2. no silent wrong result: shapes that would broadcast, empty input, an all-zero probability
   row, an infinite ``feature_range``, truncated ``epochs`` are refused; float16 input is
   computed in float32 (the rule of ``_checks.as_compute_array``), never returned as inf;
3. errors come from the entry of the call and name the argument and the real value.
"""
import gzip
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import data, gradcheck, layers, losses, metrics, optimizers
from dlcore.models import Sequential
from dlcore.perceptron import NotFittedError, Perceptron

MODEST = settings(max_examples=40, deadline=None)

# Every loss whose y_true has y_pred's shape, and every metric that pairs y_true with y_pred.
SAME_SHAPE_LOSSES = {
    "mse": losses.mse, "mae": losses.mae, "huber": losses.huber,
    "bce": losses.binary_crossentropy, "cce": losses.categorical_crossentropy,
    "hinge": losses.hinge, "perceptron_criterion": losses.perceptron_criterion,
    "bce_logits": losses.BinaryCrossentropy(from_logits=True),
    "cce_logits": losses.CategoricalCrossentropy(from_logits=True),
}
PAIR_METRICS = {"binary_accuracy": metrics.binary_accuracy, "categorical_accuracy": metrics.categorical_accuracy}


def loss_entry_points():
    """(id, callable) for the three entry points of every same-shape loss."""
    for name, loss in SAME_SHAPE_LOSSES.items():
        for method in ("__call__", "grad", "per_sample"):
            yield f"{name}.{method}", getattr(loss, method)


PAIR_FUNCTIONS = dict(loss_entry_points()) | PAIR_METRICS


def fitted_perceptron():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    return Perceptron().fit(X, np.array([0, 0, 1, 1])), X


# ==========================================================================================
# Kind 1: an error leaves nothing half-applied
# ==========================================================================================

@MODEST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
                    elements=st.floats(-1e3, 1e3)),
       fail_at=st.integers(1, 60), takes_x=st.booleans())
def test_numerical_gradient_restores_x_whatever_call_of_f_raises(x, fail_at, takes_x):
    before = x.copy()
    calls = []

    def f(*args):
        calls.append(1)
        if len(calls) >= fail_at:
            raise RuntimeError("f failed")
        return float(np.sum(x ** 2))

    g = (lambda v: f(v)) if takes_x else (lambda: f())
    try:
        gradcheck.numerical_gradient(g, x)
    except RuntimeError:
        pass
    assert x.tobytes() == before.tobytes()  # bit for bit: not off by eps, not rounded


class FailingMSE(losses.MeanSquaredError):
    """MSE that raises on its ``fail_at``-th evaluation."""

    def __init__(self, fail_at):
        self.calls, self.fail_at = 0, fail_at

    def __call__(self, y_true, y_pred):
        self.calls += 1
        if self.calls >= self.fail_at:
            raise RuntimeError("loss failed")
        return super().__call__(y_true, y_pred)


@pytest.mark.parametrize("fail_at", [1, 2, 10, 22])  # 11 weights, 2 evaluations each: 22 is the last
def test_check_model_leaves_the_weights_unchanged_when_the_loss_raises(fail_at):
    model = Sequential([layers.Dense(3, 2, "tanh", rng=np.random.default_rng(0)),
                        layers.Dense(2, 1, rng=np.random.default_rng(1))])
    model.compile(optimizers.SGD(0.01), FailingMSE(fail_at))
    X, y = np.random.default_rng(2).normal(size=(5, 3)), np.zeros((5, 1))
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(RuntimeError, match="loss failed"):
        gradcheck.check_model(model, X, y)
    for w, w0 in zip(model.get_weights(), before):
        assert w.tobytes() == w0.tobytes()


@pytest.mark.parametrize("X, y", [
    (np.zeros((0, 2)), np.zeros(0)),                 # no samples
    (np.zeros((4, 2)), np.array([0, 1, 2, 1])),      # a label outside {0, 1}
    (np.zeros((4, 2)), np.zeros((4, 1))),            # y of shape (N, 1)
    (np.full((4, 2), np.nan), np.zeros(4)),          # NaN in X
], ids=["empty", "label-2", "column-y", "nan"])
def test_a_refused_perceptron_fit_keeps_the_previous_fit(X, y):
    model, _ = fitted_perceptron()
    coef, intercept, n_history = model.coef_.copy(), model.intercept_, len(model.history_)
    with pytest.raises(ValueError):
        model.fit(X, y)
    assert np.array_equal(model.coef_, coef) and model.intercept_ == intercept
    assert len(model.history_) == n_history


# ==========================================================================================
# Kind 2: no silent wrong result
# ==========================================================================================

@MODEST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=4),
       which=st.sampled_from(sorted(PAIR_FUNCTIONS)))
def test_pair_functions_refuse_every_shape_pair_that_would_broadcast(shapes, which):
    a, b = shapes.input_shapes
    if a == b:
        return
    y_true, y_pred = np.full(a, 0.5), np.full(b, 0.5)
    with pytest.raises(ValueError, match=r"has shape .* but .* has shape"):
        PAIR_FUNCTIONS[which](y_true, y_pred)


@pytest.mark.parametrize("y_shape", [(4, 1), (1, 4), (1,)])
def test_perceptron_score_refuses_y_that_would_broadcast(y_shape):
    model, X = fitted_perceptron()
    assert model.score(X, np.array([0, 0, 1, 1])) == 1.0
    with pytest.raises(ValueError, match=r"y has shape .* but predict\(X\) has shape \(4,\)"):
        model.score(X, np.zeros(y_shape))


@MODEST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).filter(lambda s: 0 in s),
       which=st.sampled_from(sorted(PAIR_FUNCTIONS)))
def test_pair_functions_refuse_empty_input_instead_of_returning_nan(shape, which):
    with pytest.raises(ValueError, match="empty"):
        PAIR_FUNCTIONS[which](np.zeros(shape), np.zeros(shape))


@pytest.mark.parametrize("function", [
    losses.sparse_categorical_crossentropy, losses.sparse_categorical_crossentropy.grad,
    metrics.sparse_categorical_accuracy, losses.SparseCategoricalCrossentropy(from_logits=True),
], ids=["scce", "scce.grad", "sparse_accuracy", "scce_logits"])
@pytest.mark.parametrize("n, k", [(0, 3), (2, 0)])
def test_sparse_functions_refuse_empty_input(function, n, k):
    with pytest.raises(ValueError, match="y_pred is empty"):
        function(np.zeros(n, dtype=int), np.full((n, k), 0.5))


@pytest.mark.parametrize("method", ["__call__", "grad", "per_sample"])
@pytest.mark.parametrize("row", [0, 2])
def test_categorical_crossentropy_refuses_an_all_zero_probability_row(method, row):
    """Keras rescales p by its row sum and returns NaN for an all-zero row; dlcore names the row."""
    y_true = np.eye(3)
    y_pred = np.full((3, 3), 1 / 3)
    y_pred[row] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value in divide" on the way to the error
        with pytest.raises(ValueError, match=f"y_pred row {row} is all zeros"):
            getattr(losses.categorical_crossentropy, method)(y_true, y_pred)


def test_sparse_crossentropy_on_an_all_zero_row_is_finite_as_in_keras():
    """Keras clips first, then rescales: -log(1e-7 / 2e-7) = log 2 (measured with Keras 3.15)."""
    assert losses.sparse_categorical_crossentropy([0], [[0.0, 0.0]]) == pytest.approx(math.log(2))


@pytest.mark.parametrize("feature_range", [(0, np.inf), (-np.inf, 1), (0, np.nan), (np.nan, 1),
                                           (0, 1, 2), None, ("a", 1)])
def test_min_max_scale_refuses_a_range_that_is_not_two_finite_numbers(feature_range):
    with pytest.raises(ValueError, match="feature_range must be"):
        data.min_max_scale([[0.0], [1.0], [3.0]], feature_range=feature_range)


@MODEST
@given(X=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 3)),
                    elements=st.floats(-1e308, 1e308)),
       which=st.sampled_from(["standardize", "min_max_scale"]))
def test_preprocessing_returns_finite_values_or_refuses(X, which):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow on the way to the refusal
        try:
            out = getattr(data, which)(X)[0]
        except ValueError as err:
            assert "X" in str(err) and "overflows" in str(err)
            return
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("epochs", [-5, 0, 2.7, 2.0, True, "3", None])
def test_perceptron_refuses_epochs_that_are_not_positive_integers(epochs):
    with pytest.raises(ValueError, match=f"epochs must be a positive integer, got {epochs!r}"):
        Perceptron(epochs=epochs)


def test_perceptron_accepts_integer_epochs_and_a_seed():
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    assert Perceptron(epochs=np.int64(3)).epochs == 3
    a = Perceptron(rng=0).fit(X, y).coef_
    b = Perceptron(rng=np.random.default_rng(0)).fit(X, y).coef_
    assert np.array_equal(a, b)


def test_perceptron_fit_refuses_zero_samples():
    with pytest.raises(ValueError, match=r"X has no rows \(shape \(0, 2\)\)"):
        Perceptron().fit(np.zeros((0, 2)), np.zeros(0))


# float16: every function that computes with arrays gives the float32 answer (the rule:
# float16 is accepted where an array enters and promoted to float32 there, as Keras's loss
# objects compute in float32). Each case is (function, arrays) where float16 used to give inf.
FLOAT16_CASES = {
    "mse~300": (losses.mse, [np.full((2, 2), 300.0), np.zeros((2, 2))]),
    "mse.grad~300": (losses.mse.grad, [np.full((2, 2), 300.0), np.zeros((2, 2))]),
    "huber": (losses.huber, [np.full((2, 2), 300.0), np.zeros((2, 2))]),
    "bce p=1": (losses.binary_crossentropy, [np.zeros((2, 1)), np.ones((2, 1))]),
    "bce.grad p=1": (losses.binary_crossentropy.grad, [np.zeros((2, 1)), np.full((2, 1), 0.999)]),
    "cce p=1": (losses.categorical_crossentropy, [np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])]),
    "cce logits": (losses.CategoricalCrossentropy(from_logits=True), [np.array([[0.0, 1.0]]),
                                                                       np.array([[300.0, -300.0]])]),
    "scce p=0": (losses.sparse_categorical_crossentropy, [np.array([1]), np.array([[1.0, 0.0]])]),
    "binary_accuracy": (metrics.binary_accuracy, [np.ones((3, 1)), np.array([[0.2], [0.7], [0.9]])]),
    "standardize spread 1000": (lambda X: data.standardize(X)[0], [np.array([[0.0], [1000.0], [-1000.0]])]),
    "min_max_scale": (lambda X: data.min_max_scale(X, 0, 60000)[0], [np.array([[0.0], [30000.0], [60000.0]])]),
    "perceptron": (lambda X: Perceptron(epochs=5).fit(X, np.array([0, 1, 1])).decision_function(X),
                   [np.array([[0.0], [300.0], [600.0]])]),
}


@pytest.mark.parametrize("case", sorted(FLOAT16_CASES))
def test_float16_input_is_computed_in_float32(case):
    function, arrays = FLOAT16_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning means float16 arithmetic happened
        got = np.asarray(function(*[a.astype(np.float16) for a in arrays]))
    expected = np.asarray(function(*[a.astype(np.float16).astype(np.float32) for a in arrays]))
    assert np.all(np.isfinite(got))
    assert got.dtype != np.float16
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-6)


# ==========================================================================================
# Kind 3: errors from the entry of the call, naming the argument and the real value
# ==========================================================================================

@pytest.mark.parametrize("which", sorted(dict(loss_entry_points())) + ["categorical_accuracy"])
def test_losses_refuse_scalars_with_a_clear_error(which):
    """Keras 3 refuses mse(3.0, 1.0) too (no last axis to reduce); dlcore says so plainly."""
    with pytest.raises(ValueError, match=r"y_true and y_pred must be arrays with at least 1 dimension"):
        PAIR_FUNCTIONS[which](3.0, 1.0)


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, np.nan, np.inf, None, "1e-6", True, [1e-6]])
def test_numerical_gradient_refuses_eps_that_is_not_positive(eps):
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="eps must be a positive number"):
        gradcheck.numerical_gradient(lambda: float(np.sum(x ** 2)), x, eps=eps)
    assert np.array_equal(x, [1.0, 2.0])


@pytest.mark.parametrize("value, message", [
    (np.nan, r"f returned nan at x\[0\] \+ eps"),
    (np.array([1.0, 2.0]), r"f must return a single number, got ndarray of shape \(2,\)"),
    ("1", "f must return a single number"),
])
def test_numerical_gradient_refuses_values_of_f_that_are_not_finite_numbers(value, message):
    x = np.zeros(2)
    with pytest.raises(ValueError, match=message):
        gradcheck.numerical_gradient(lambda: value, x)


def test_numerical_gradient_refuses_a_read_only_x():
    x = np.zeros(2)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable"):
        gradcheck.numerical_gradient(lambda: 0.0, x)


LABEL_FUNCTIONS = {
    "scce": lambda y: losses.sparse_categorical_crossentropy(y, np.full((len(y), 3), 1 / 3)),
    "scce.grad": lambda y: losses.sparse_categorical_crossentropy.grad(y, np.full((len(y), 3), 1 / 3)),
    "sparse_accuracy": lambda y: metrics.sparse_categorical_accuracy(y, np.full((len(y), 3), 1 / 3)),
    "one_hot": lambda y: data.one_hot(y, 3),
    "one_hot(no num_classes)": lambda y: data.one_hot(y),
    "confusion_matrix": lambda y: metrics.confusion_matrix(y, np.zeros_like(y), 3),
    "confusion_matrix(no num_classes)": lambda y: metrics.confusion_matrix(y, np.zeros_like(y)),
}


@MODEST
@given(bad=st.integers(3, 2**64 - 1), dtype=st.sampled_from([np.uint64, np.uint32, np.int64]),
       which=st.sampled_from(sorted(LABEL_FUNCTIONS)))
def test_label_errors_show_the_real_label(bad, dtype, which):
    info = np.iinfo(dtype)
    bad = min(bad, int(info.max))
    if "no num_classes" in which and bad <= np.iinfo(np.int64).max:
        return  # without num_classes a large label is a class index (one_hot would allocate for it)
    y = np.array([0, bad, 1], dtype=dtype)
    with pytest.raises(ValueError, match=rf"\b{bad}\b") as err:
        LABEL_FUNCTIONS[which](y)
    assert "negative" not in str(err.value)


@pytest.mark.parametrize("label", [2**61, 2**62, 2**63 - 1])
def test_one_hot_without_num_classes_names_a_label_too_large_to_encode(label):
    with pytest.raises(ValueError, match=rf"y has label {label}: a one-hot array of shape \(2, {label + 1}\)"):
        data.one_hot(np.array([0, label]))


@pytest.mark.parametrize("method", ["predict", "decision_function", "score"])
def test_perceptron_used_before_fit_says_so(method):
    args = (np.zeros((2, 2)),) + ((np.zeros(2),) if method == "score" else ())
    with pytest.raises(NotFittedError, match=r"not fitted yet: call fit\(X, y\)") as err:
        getattr(Perceptron(), method)(*args)
    assert isinstance(err.value, ValueError) and isinstance(err.value, AttributeError)  # as scikit-learn's


def idx_bytes(magic, sizes, n_data):
    return magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in sizes) + bytes(n_data)


@MODEST
@given(sizes=st.lists(st.integers(0, 2**32 - 1), min_size=3, max_size=3), n_data=st.integers(0, 64),
       gz=st.booleans())
def test_read_idx_names_the_file_whatever_the_header_announces(tmp_path_factory, sizes, n_data, gz):
    raw = idx_bytes(2051, sizes, n_data)
    path = tmp_path_factory.mktemp("idx") / ("images-idx3-ubyte" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(raw) if gz else raw)
    try:
        images = data.read_idx(path)
    except ValueError as err:
        assert str(err).startswith(f"{path}: the header announces shape {tuple(sizes)}")
        if math.prod(sizes) != n_data:
            assert f"{16 + math.prod(sizes):,} bytes" in str(err)  # the exact size, not a wrapped one
        return
    assert images.shape == tuple(sizes) and math.prod(sizes) == n_data


@pytest.mark.parametrize("sizes", [(2**31, 2**31, 4), (2**32 - 1, 2**32 - 1, 2**32 - 1), (2**16, 2**16, 2**32 - 1)])
def test_read_idx_names_the_file_when_the_header_sizes_overflow_int64(tmp_path, sizes):
    path = tmp_path / "images-idx3-ubyte"
    path.write_bytes(idx_bytes(2051, sizes, 0))
    with pytest.raises(ValueError, match=rf"{path}: the header announces shape"):
        data.read_idx(path)


def test_read_idx_names_a_corrupt_gzip_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate")
    with pytest.raises(ValueError, match=rf"{path}: not a complete gzip file"):
        data.read_idx(path)
