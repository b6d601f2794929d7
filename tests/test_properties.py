"""Property tests (hypothesis): statements that must hold for every input, not just the ones we picked.

Each property is checked on 50 generated examples (deadline off: the first call may import
more of NumPy). A failing example is printed by hypothesis and can be pasted into a unit test.
"""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import dlcore
from dlcore import activations, layers, losses
from dlcore.data import one_hot

MODEST = settings(max_examples=50, deadline=None)  # per test, so other modules' settings stay theirs

ACTIVATIONS = [activations.linear, activations.sigmoid, activations.tanh, activations.relu,
               activations.leaky_relu, activations.LeakyReLU(), activations.elu, activations.selu,
               activations.softmax]


def float_arrays(dtype=np.float64, lo=-50.0, hi=50.0, min_dims=1, max_dims=3, min_side=1, max_side=6):
    width = 32 if dtype == np.float32 else 64
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                              max_side=max_side),
                      elements=st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False))


# --- shapes and dtypes ----------------------------------------------------------------------
@MODEST
@given(z=float_arrays(np.float32), index=st.integers(0, len(ACTIVATIONS) - 1))
def test_activation_keeps_shape_and_float32(z, index):
    act = ACTIVATIONS[index]
    a = act(z)
    assert a.shape == z.shape and a.dtype == np.float32
    g = act.backward(z, np.ones_like(z))
    assert g.shape == z.shape and g.dtype == np.float32


LAYER_KINDS = ["Dense", "BatchNormalization", "Dropout", "Flatten", "PReLU", "Residual", "Activation"]


def make_layer(kind, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    return {
        "Dense": lambda: layers.Dense(n_in, n_out, "relu", rng=rng, dtype=np.float32),
        "BatchNormalization": lambda: layers.BatchNormalization(n_in, dtype=np.float32),
        "Dropout": lambda: layers.Dropout(0.5, rng=rng),
        "Flatten": lambda: layers.Flatten(),
        "PReLU": lambda: layers.PReLU(n_in),
        "Residual": lambda: layers.Residual(layers.Dense(n_in, n_in, "tanh", rng=rng, dtype=np.float32)),
        "Activation": lambda: layers.Activation("sigmoid"),
    }[kind]()


@MODEST
@given(kind=st.sampled_from(LAYER_KINDS), n=st.integers(2, 6), n_in=st.integers(1, 5), n_out=st.integers(1, 5),
       training=st.booleans(), seed=st.integers(0, 2**16))
def test_layer_keeps_float32_and_has_the_expected_shape(kind, n, n_in, n_out, training, seed):
    layer = make_layer(kind, n_in, n_out, seed)
    X = np.random.default_rng(seed).normal(size=(n, n_in)).astype(np.float32)
    out = layer.forward(X, training=training)
    assert out.shape == (n, n_out if kind == "Dense" else n_in)
    assert out.dtype == np.float32, f"{kind} turned float32 into {out.dtype}"
    grad = layer.backward(np.ones_like(out))
    assert grad.shape == X.shape and grad.dtype == np.float32, f"{kind} backward gave {grad.dtype}"


@MODEST
@given(n=st.integers(1, 5), n_in=st.integers(1, 5), n_out=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_dense_is_x_times_w_plus_b(n, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    d = layers.Dense(n_in, n_out, rng=rng, bias_initializer="random_normal")
    X = rng.normal(size=(n, n_in))
    expected = np.array([[sum(X[r, i] * d.W[i, j] for i in range(n_in)) + d.b[j] for j in range(n_out)]
                         for r in range(n)])  # the sum written out, not a matrix product
    np.testing.assert_allclose(d.forward(X), expected, rtol=1e-12, atol=1e-12)


# --- softmax and sigmoid -----------------------------------------------------------------------
@MODEST
@given(z=float_arrays(lo=-300.0, hi=300.0, min_dims=2, max_dims=2))
def test_softmax_rows_are_positive_and_sum_to_one(z):
    a = activations.softmax(z)
    assert np.all(a > 0)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, atol=1e-12)


@MODEST
@given(z=float_arrays(lo=-30.0, hi=30.0))
def test_sigmoid_lies_strictly_between_0_and_1(z):
    """Strictly inside only while |z| < ~36.7: beyond, 1/(1 + e^-z) rounds to exactly 1.0 in float64."""
    s = activations.sigmoid(z)
    assert np.all((s > 0) & (s < 1))


@MODEST
@given(z=float_arrays(lo=-700.0, hi=700.0))
def test_sigmoid_is_symmetric(z):
    np.testing.assert_allclose(activations.sigmoid(-z), 1 - activations.sigmoid(z), rtol=0, atol=2e-16)


@MODEST
@given(z=float_arrays(lo=-700.0, hi=700.0))
def test_tanh_is_two_sigmoid_two_z_minus_one(z):
    np.testing.assert_allclose(activations.tanh(z), 2 * activations.sigmoid(2 * z) - 1, rtol=0, atol=1e-15)


# --- losses ------------------------------------------------------------------------------------
@st.composite
def loss_inputs(draw):
    n, k = draw(st.integers(1, 5)), draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    name = draw(st.sampled_from(["mse", "mae", "huber", "bce", "bce_logits", "cce", "cce_logits",
                                 "sparse", "sparse_logits", "hinge", "perceptron"]))
    scale = draw(st.sampled_from([1e-3, 1.0, 30.0]))
    real = rng.normal(0, scale, (n, k))
    probs = rng.dirichlet(np.ones(k), n)
    labels = rng.integers(0, k, n)
    binary = (rng.random((n, k)) > 0.5).astype(float)
    return name, {
        "mse": (losses.mse, rng.normal(size=(n, k)), real),
        "mae": (losses.mae, rng.normal(size=(n, k)), real),
        "huber": (losses.Huber(draw(st.floats(0.1, 3.0))), rng.normal(size=(n, k)), real),
        "bce": (losses.binary_crossentropy, rng.random((n, k)), rng.random((n, k))),
        "bce_logits": (losses.BinaryCrossentropy(from_logits=True), rng.random((n, k)), real),
        "cce": (losses.categorical_crossentropy, np.eye(k)[labels], probs),
        "cce_logits": (losses.CategoricalCrossentropy(from_logits=True), np.eye(k)[labels], real),
        "sparse": (losses.sparse_categorical_crossentropy, labels, probs),
        "sparse_logits": (losses.SparseCategoricalCrossentropy(from_logits=True), labels, real),
        "hinge": (losses.hinge, binary, real),
        "perceptron": (losses.perceptron_criterion, 2 * binary - 1, real),
    }[name]


@MODEST
@given(case=loss_inputs())
def test_every_loss_is_non_negative_and_its_gradient_has_the_shape_of_y_pred(case):
    name, (loss, y_true, y_pred) = case
    assert loss(y_true, y_pred) >= 0, name
    assert loss.grad(y_true, y_pred).shape == y_pred.shape


@MODEST
@given(y=float_arrays(min_dims=2, max_dims=2))
def test_every_regression_loss_is_zero_at_a_perfect_prediction(y):
    for loss in (losses.mse, losses.mae, losses.huber):
        assert loss(y, y.copy()) == 0.0
        assert np.all(loss.grad(y, y.copy()) == 0)


# --- utils and data ----------------------------------------------------------------------------
@MODEST
@given(sizes=st.lists(st.integers(1, 30), min_size=2, max_size=6))
def test_count_params_equals_the_weights_of_a_dense_stack(sizes):
    model = dlcore.Sequential([layers.Dense(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    assert dlcore.count_params(sizes) == sum(w.size for w in model.get_weights()) == model.count_params()


@MODEST
@given(c=st.floats(-1e6, 1e6), n=st.integers(1, 60), beta=st.floats(0.0, 0.999))
def test_ewma_of_a_constant_with_bias_correction_is_the_constant(c, n, beta):
    np.testing.assert_allclose(dlcore.ewma(np.full(n, c), beta, bias_correction=True), c, rtol=1e-9, atol=1e-9)


@MODEST
@given(values=float_arrays(min_dims=1, max_dims=1, max_side=30), beta=st.floats(0.0, 0.99))
def test_ewma_stays_within_the_range_of_zero_and_the_values(values, beta):
    out = dlcore.ewma(values, beta)  # a convex combination of v0 = 0 and the values seen so far
    assert np.all(out <= max(values.max(), 0) + 1e-9) and np.all(out >= min(values.min(), 0) - 1e-9)


@MODEST
@given(labels=st.lists(st.integers(0, 9), min_size=1, max_size=30), extra=st.integers(0, 3))
def test_one_hot_and_argmax_round_trip(labels, extra):
    k = max(labels) + 1 + extra
    Y = one_hot(labels, k)
    assert Y.shape == (len(labels), k)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(np.argmax(Y, axis=1), labels)

