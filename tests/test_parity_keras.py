"""dlcore against TensorFlow/Keras, in float64, on random inputs with extreme values.

Every number dlcore computes here is compared with the number Keras computes for the same
input: activations and losses with their gradients (``tf.GradientTape``), a 3-layer model's
forward pass and parameter gradients, 50 optimizer steps, initializer statistics,
Dropout, BatchNormalization, ``fit`` epoch by epoch, and EarlyStopping's decisions.

In float64 the only honest difference is round-off, so tolerances are tight (1e-10 relative
unless a comment says why not); the statistical checks (initializers, Dropout) use bounds
computed from the sample size and say so in their names.
"""
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import math  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

tf = pytest.importorskip("tensorflow")

import dlcore  # noqa: E402
from dlcore import activations, initializers, layers, losses, optimizers, regularizers, schedules  # noqa: E402
from _fakes import FakeModel  # noqa: E402

pytestmark = pytest.mark.usefixtures("keras64")

SEEDS = [0, 1, 2]
RTOL = 1e-10


def assert_close(ours, theirs, rtol=RTOL, atol=1e-13, what=""):
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), rtol=rtol, atol=atol, err_msg=what)


def tape(fn, x):
    """TensorFlow's value of ``fn(x)`` and its gradient with respect to ``x`` (fn returns a scalar)."""
    v = tf.Variable(np.asarray(x, dtype=np.float64))
    with tf.GradientTape() as t:
        value = fn(v)
    return value.numpy(), t.gradient(value, v).numpy()


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
def activation_inputs(seed):
    """87 values: moderate ones, ones up to +-50, and both sides of the kink at 0 (z = 0: its own test)."""
    rng = np.random.default_rng(seed)
    z = np.concatenate([rng.normal(0, 3, 40), rng.uniform(-50, 50, 40),
                        [-50.0, -20.0, -1e-8, -1e-5, 1e-8, 20.0, 50.0]])
    return z.reshape(3, 29), rng.normal(size=(3, 29))


def keras_activation(keras, name):
    if name == "leaky_relu_layer":
        layer = keras.layers.LeakyReLU()  # the layer's default slope, 0.3
        return lambda z: layer(z)
    if name == "elu_alpha_0.5":
        return lambda z: keras.activations.elu(z, alpha=0.5)
    return getattr(keras.activations, name)


ELEMENTWISE = {
    "linear": activations.linear,
    "sigmoid": activations.sigmoid,
    "tanh": activations.tanh,
    "relu": activations.relu,
    "leaky_relu": activations.leaky_relu,              # function: slope 0.2 in both libraries
    "leaky_relu_layer": activations.LeakyReLU(),       # layer default: slope 0.3 in both
    "elu": activations.elu,
    "elu_alpha_0.5": activations.ELU(alpha=0.5),
    "selu": activations.selu,
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_activation_forward_and_backward_match_keras(keras64, name, seed):
    ours = ELEMENTWISE[name]
    z, upstream = activation_inputs(seed)
    kfn = keras_activation(keras64, name)
    a_keras = kfn(tf.constant(z)).numpy()
    _, grad_keras = tape(lambda v: tf.reduce_sum(kfn(v) * upstream), z)
    _, slope_keras = tape(lambda v: tf.reduce_sum(kfn(v)), z)
    # TensorFlow keeps leaky_relu's slope as a float32 attribute (0.2 -> 0.20000000298),
    # a relative difference of 1.5e-8; 1e-7 still tells 0.2 from 0.3 or 0.01 by far.
    rtol = 1e-7 if name.startswith("leaky") else RTOL
    assert_close(ours(z), a_keras, rtol=rtol, what=f"{name} forward")
    assert_close(ours.backward(z, upstream), grad_keras, rtol=rtol, what=f"{name} backward")
    assert_close(ours.derivative(z), slope_keras, rtol=rtol, what=f"{name} derivative")


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_activation_value_and_slope_at_exactly_zero_match_tensorflow(keras64, name):
    """At the kink z = 0 a slope is a convention; dlcore should pick TensorFlow's (relu: 0)."""
    kfn = keras_activation(keras64, name)
    z = np.zeros((1, 1))
    value, slope = tape(lambda v: tf.reduce_sum(kfn(v)), z)
    assert ELEMENTWISE[name](z)[0, 0] == pytest.approx(float(value), abs=1e-15)
    assert ELEMENTWISE[name].derivative(z)[0, 0] == pytest.approx(float(slope[0, 0]), rel=1e-7)


def test_leaky_relu_defaults_are_keras_defaults(keras64):
    """The function's slope is 0.2 and the layer's 0.3, in Keras and in dlcore (a classic mix-up)."""
    z = np.array([-10.0])
    assert keras64.activations.leaky_relu(tf.constant(z)).numpy()[0] == pytest.approx(-2.0)
    assert keras64.layers.LeakyReLU()(tf.constant(z)).numpy()[0] == pytest.approx(-3.0)
    assert activations.leaky_relu(z)[0] == pytest.approx(-2.0)
    assert activations.LeakyReLU()(z)[0] == pytest.approx(-3.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_and_its_backward_match_keras(keras64, seed):
    rng = np.random.default_rng(seed)
    z = np.vstack([rng.normal(0, 3, (6, 5)), rng.uniform(-50, 50, (6, 5)),
                   [[50.0, -50.0, 0.0, 0.0, 49.0]], [[0.0] * 5]])
    upstream = rng.normal(size=z.shape)
    a_keras = keras64.activations.softmax(tf.constant(z)).numpy()
    _, grad_keras = tape(lambda v: tf.reduce_sum(keras64.activations.softmax(v) * upstream), z)
    assert_close(activations.softmax(z), a_keras)
    assert_close(activations.softmax.backward(z, upstream), grad_keras)


def test_softmax_jacobian_matches_tensorflow(keras64):
    z = np.array([1.5, -0.3, 0.0, 2.2])
    v = tf.Variable(z)
    with tf.GradientTape() as t:
        a = keras64.activations.softmax(v[None, :])[0]
    assert_close(activations.softmax.jacobian(z), t.jacobian(a, v).numpy())


# --------------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------------
EXTREME_PROBABILITIES = [0.0, 1e-12, 1e-8, 1e-7, 0.5, 1 - 1e-7, 1 - 1e-8, 1 - 1e-12, 1.0]


def probabilities(rng, shape):
    """Probabilities in (0.01, 0.99) with the extremes (0, 1 and both sides of the 1e-7 clip) planted."""
    p = rng.uniform(0.01, 0.99, shape)
    p.reshape(-1)[:len(EXTREME_PROBABILITIES)] = EXTREME_PROBABILITIES
    return p


def simplex_rows(rng, n, k):
    """Rows of class probabilities, a few with entries at 0, 1e-12 or 1 - 1e-9; one row summing to 0.5."""
    p = rng.dirichlet(np.ones(k), size=n)
    p[0] = [1e-12] + [(1 - 1e-12) / (k - 1)] * (k - 1)
    p[1] = [1 - 1e-9, 1e-9] + [0.0] * (k - 2)
    p[2] = p[2] * 0.5  # a row summing to 0.5: Keras rescales rows to sum to 1 first; so must dlcore
    return p


def loss_cases(keras, seed):
    rng = np.random.default_rng(seed)
    n, k = 8, 4
    y_reg = rng.normal(size=(n, k))
    pred_reg = y_reg + rng.normal(0, 2, (n, k))
    y_bin = (rng.random((n, k)) > 0.5).astype(float)
    logits = np.concatenate([rng.normal(0, 3, n * k - 4), [-50.0, 50.0, -30.0, 30.0]]).reshape(n, k)
    labels = rng.integers(0, k, n)
    labels[:3] = [0, 0, 1]  # hit the planted extreme entries of simplex_rows
    onehot = np.eye(k)[labels]
    rows = simplex_rows(rng, n, k)
    # soft labels summing to 1: TensorFlow's fused softmax cross-entropy returns softmax - y as
    # its gradient, which is the true gradient only for label rows summing to 1
    soft = rng.dirichlet(np.ones(k), n)
    L = keras.losses
    cases = [
        ("mse", losses.mse, L.MeanSquaredError(), y_reg, pred_reg),
        ("mse (N, 1)", losses.mse, L.MeanSquaredError(), y_reg[:, :1], pred_reg[:, :1]),
        ("mse (N,)", losses.mse, L.MeanSquaredError(), y_reg[:, 0], pred_reg[:, 0]),
        ("mae", losses.mae, L.MeanAbsoluteError(), y_reg, pred_reg),
        ("bce", losses.binary_crossentropy, L.BinaryCrossentropy(), y_bin, probabilities(rng, (n, k))),
        ("bce soft labels", losses.binary_crossentropy, L.BinaryCrossentropy(), rng.random((n, k)),
         probabilities(rng, (n, k))),
        ("bce logits", losses.BinaryCrossentropy(from_logits=True), L.BinaryCrossentropy(from_logits=True),
         y_bin, logits),
        ("bce soft labels logits", losses.BinaryCrossentropy(from_logits=True),
         L.BinaryCrossentropy(from_logits=True), rng.random((n, k)), logits),
        ("cce", losses.categorical_crossentropy, L.CategoricalCrossentropy(), onehot, rows),
        ("cce logits", losses.CategoricalCrossentropy(from_logits=True),
         L.CategoricalCrossentropy(from_logits=True), onehot, logits),
        ("cce soft labels", losses.categorical_crossentropy, L.CategoricalCrossentropy(), soft, rows),
        ("cce soft labels logits", losses.CategoricalCrossentropy(from_logits=True),
         L.CategoricalCrossentropy(from_logits=True), soft, logits),
        ("sparse cce", losses.sparse_categorical_crossentropy, L.SparseCategoricalCrossentropy(), labels, rows),
        ("sparse cce logits", losses.SparseCategoricalCrossentropy(from_logits=True),
         L.SparseCategoricalCrossentropy(from_logits=True), labels, logits),
        ("hinge {0,1}", losses.hinge, L.Hinge(), y_bin, rng.normal(0, 1.5, (n, k))),
    ]
    for delta in (0.5, 1.0, 2.5):
        cases.append((f"huber delta={delta}", losses.Huber(delta), L.Huber(delta=delta), y_reg, pred_reg))
    return cases


LOSS_NAMES = ["mse", "mse (N, 1)", "mse (N,)", "mae", "bce", "bce soft labels", "bce logits",
              "bce soft labels logits", "cce", "cce logits", "cce soft labels", "cce soft labels logits",
              "sparse cce", "sparse cce logits", "hinge {0,1}",
              "huber delta=0.5", "huber delta=1.0", "huber delta=2.5"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_and_gradient_match_keras(keras64, name, seed):
    cases = {c[0]: c[1:] for c in loss_cases(keras64, seed)}
    assert sorted(cases) == sorted(LOSS_NAMES)
    ours, theirs, y_true, y_pred = cases[name]
    value_keras, grad_keras = tape(lambda v: theirs(tf.constant(y_true), v), y_pred)
    assert_close(ours(y_true, y_pred), value_keras, what=f"{name} value")
    assert_close(ours.grad(y_true, y_pred), grad_keras, what=f"{name} gradient")


def test_from_logits_switch_per_call_matches_keras(keras64):
    """``bce(y, z, from_logits=True)`` (a per-call switch) is Keras's ``from_logits=True`` loss."""
    rng = np.random.default_rng(5)
    y = (rng.random((6, 1)) > 0.5).astype(float)
    z = rng.normal(0, 4, (6, 1))
    value, grad = tape(lambda v: keras64.losses.BinaryCrossentropy(from_logits=True)(tf.constant(y), v), z)
    assert_close(losses.binary_crossentropy(y, z, from_logits=True), value)
    assert_close(losses.binary_crossentropy.grad(y, z, from_logits=True), grad)


# --------------------------------------------------------------------------------------------
# A 3-layer Sequential: forward pass and every parameter gradient
# --------------------------------------------------------------------------------------------
def keras_dense_stack(keras, sizes, acts, seed, l2=None):
    """A Keras Sequential with seeded, non-zero biases (so a bias bug cannot hide behind zeros)."""
    init = keras.initializers
    stack = [keras.Input((sizes[0],))]
    for i, (n_out, act) in enumerate(zip(sizes[1:], acts)):
        stack.append(keras.layers.Dense(
            n_out, activation=act,
            kernel_initializer=init.GlorotUniform(seed=seed + i),
            bias_initializer=init.RandomNormal(stddev=0.3, seed=100 + seed + i),
            kernel_regularizer=None if l2 is None else keras.regularizers.L2(l2)))
    return keras.Sequential(stack)


def dlcore_copy(km, sizes, acts, l2=None):
    model = dlcore.Sequential([
        dlcore.Dense(n_in, n_out, act, kernel_regularizer=None if l2 is None else regularizers.L2(l2))
        for n_in, n_out, act in zip(sizes[:-1], sizes[1:], acts)])
    model.set_weights(km.get_weights())
    return model


MODEL_CASES = {
    # activations of the three Dense layers, dlcore loss name, Keras loss class, target kind
    "tanh-relu-softmax/cce": (("tanh", "relu", "softmax"), "categorical_crossentropy",
                              "CategoricalCrossentropy", "onehot"),
    "leaky-tanh-softmax/sparse": (("leaky_relu", "tanh", "softmax"), "sparse_categorical_crossentropy",
                                  "SparseCategoricalCrossentropy", "labels"),
    "sigmoid-elu-sigmoid/bce": (("sigmoid", "elu", "sigmoid"), "binary_crossentropy",
                                "BinaryCrossentropy", "binary"),
    "relu-selu-linear/mse": (("relu", "selu", "linear"), "mse", "MeanSquaredError", "regression"),
}


def model_data(kind, n_out, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 5))
    y = {"onehot": lambda: np.eye(n_out)[rng.integers(0, n_out, 12)],
         "labels": lambda: rng.integers(0, n_out, 12),
         "binary": lambda: (rng.random((12, n_out)) > 0.5).astype(float),
         "regression": lambda: rng.normal(size=(12, n_out))}[kind]()
    return X, y


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_sequential_forward_and_parameter_gradients_match_keras(keras64, case, seed):
    acts, loss_name, keras_loss, kind = MODEL_CASES[case]
    sizes = (5, 6, 4, 1 if kind == "binary" else 3)
    km = keras_dense_stack(keras64, sizes, acts, seed)
    X, y = model_data(kind, sizes[-1], seed)
    with tf.GradientTape() as t:
        out_keras = km(tf.constant(X), training=True)
        loss_keras = getattr(keras64.losses, keras_loss)()(tf.constant(y), out_keras)
    grads_keras = [g.numpy() for g in t.gradient(loss_keras, km.trainable_variables)]

    model = dlcore_copy(km, sizes, acts)
    # TensorFlow stores leaky_relu's slope 0.2 as float32 (relative error 1.5e-8): with it,
    # compare to 1e-7 of each array's largest entry (sums of such terms cancel in small entries)
    leaky = "leaky_relu" in acts

    def close(ours, theirs, what):
        if leaky:
            assert_close(ours, theirs, rtol=1e-7, atol=1e-7 * np.abs(theirs).max(), what=what)
        else:
            assert_close(ours, theirs, what=what)

    close(model.predict(X), out_keras.numpy(), "forward")

    # 1. the public two-pass route: forward, loss.grad, backward
    loss = losses.get(loss_name)
    out = model.forward(X, training=True)
    model.backward(loss.grad(y, out))
    for i, (ours, theirs) in enumerate(zip(model.grads, grads_keras)):
        close(ours, theirs, f"backward: parameter {i} ([W1, b1, W2, b2, W3, b3])")

    # 2. the route fit takes (loss from the logits for sigmoid/softmax + cross-entropy)
    model.compile(optimizers.SGD(0.1), loss_name)
    value, _ = model.train_on_batch(X, y)
    close(value, float(loss_keras), "loss")
    for i, (ours, theirs) in enumerate(zip(model.grads, grads_keras)):
        close(ours, theirs, f"train_on_batch: parameter {i}")


def test_count_params_matches_keras(keras64):
    sizes, acts = (5, 6, 4, 3), ("relu", "relu", "softmax")
    km = keras_dense_stack(keras64, sizes, acts, 0)
    assert dlcore_copy(km, sizes, acts).count_params() == km.count_params()
    assert dlcore.count_params(sizes) == km.count_params()


# --------------------------------------------------------------------------------------------
# Optimizers: 50 steps from the same start with the same gradients
# --------------------------------------------------------------------------------------------
OPTIMIZER_CASES = {
    "SGD": ("SGD", dict(learning_rate=0.1)),
    "SGD default": ("SGD", {}),
    "SGD momentum": ("SGD", dict(learning_rate=0.05, momentum=0.9)),
    "SGD nesterov": ("SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True)),
    "Adagrad default": ("Adagrad", {}),
    "Adagrad custom": ("Adagrad", dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-4)),
    "RMSprop default": ("RMSprop", {}),
    "RMSprop custom": ("RMSprop", dict(learning_rate=0.01, rho=0.8, epsilon=1e-4)),
    "Adam default": ("Adam", {}),
    "Adam custom": ("Adam", dict(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-4)),
    "Adadelta default": ("Adadelta", {}),
    "Adadelta paper (lr 1, eps 1e-6)": ("Adadelta", dict(learning_rate=1.0, rho=0.9, epsilon=1e-6)),
    # decoupled weight decay (w -= lr * weight_decay * w before the step); 0.03125 is exact in
    # float32, through which Keras passes weight_decay; AdamW default (0.004) is not
    "SGD weight_decay": ("SGD", dict(learning_rate=0.1, weight_decay=0.03125)),
    "SGD momentum weight_decay": ("SGD", dict(learning_rate=0.05, momentum=0.9, weight_decay=0.5)),
    "Adagrad weight_decay": ("Adagrad", dict(learning_rate=0.1, weight_decay=0.25)),
    "RMSprop weight_decay": ("RMSprop", dict(learning_rate=0.01, weight_decay=0.25)),
    "Adam weight_decay": ("Adam", dict(learning_rate=0.01, weight_decay=0.25, beta_1=0.875, beta_2=1 - 2.0**-10)),
    "Adadelta weight_decay": ("Adadelta", dict(learning_rate=1.0, weight_decay=0.03125)),
    "AdamW default": ("AdamW", {}),
    "AdamW custom": ("AdamW", dict(learning_rate=0.01, weight_decay=0.5, beta_1=0.8, beta_2=0.99, epsilon=1e-4)),
    "AdamW exact in float32": ("AdamW", dict(learning_rate=0.01, weight_decay=0.5, beta_1=0.75, beta_2=1 - 2.0**-7)),
}
# cases whose constants Keras's float32 detour leaves exact: only round-off remains (measured <= 1e-15)
EXACT_IN_FLOAT32 = {"SGD", "SGD default", "RMSprop default", "RMSprop custom", "Adagrad custom", "Adadelta default",
                    "Adadelta paper (lr 1, eps 1e-6)", "SGD weight_decay", "RMSprop weight_decay", "Adam weight_decay",
                    "Adadelta weight_decay", "AdamW exact in float32"}


def run_optimizer_pair(keras, case, steps=50, seed=0, schedule=None):
    """50 steps of dlcore's and Keras's optimizer on a kernel (4, 3) and a bias (3,).

    The kernel's gradients are of size 1, the bias's of size 1e-3: there g^2 ~ 1e-6 is
    comparable to epsilon (1e-7 ... 1e-4), so epsilon's place (inside or outside the root)
    shows. A drifting mean makes momentum and the accumulators matter. With ``schedule``
    (a key of SCHEDULE_CASES), both optimizers get that schedule as their learning_rate.
    """
    cls, kwargs = OPTIMIZER_CASES[case]
    ours_kwargs = theirs_kwargs = kwargs
    if schedule is not None:
        ours_kwargs = {**kwargs, "learning_rate": make_schedule(schedules, schedule)}
        theirs_kwargs = {**kwargs, "learning_rate": make_schedule(keras.optimizers.schedules, schedule)}
    rng = np.random.default_rng(seed)
    start = [rng.normal(size=(4, 3)), rng.normal(size=3)]
    scales = [1.0, 1e-3]
    grads = [[scale * (np.sin(0.2 * t) + rng.normal(size=w.shape)) for w, scale in zip(start, scales)]
             for t in range(steps)]
    ours_w = [w.copy() for w in start]
    ours = getattr(optimizers, cls)(**ours_kwargs)
    theirs_w = [tf.Variable(w.copy()) for w in start]
    theirs = getattr(keras.optimizers, cls)(**theirs_kwargs)
    for g in grads:
        # the rate of this step, read before it as Keras reads it (schedule at `iterations`)
        assert ours.learning_rate == pytest.approx(float(theirs.learning_rate), rel=1e-12)
        ours.apply(g, ours_w)
        theirs.apply_gradients([(tf.constant(gi), v) for gi, v in zip(g, theirs_w)])
    assert ours.iterations == int(theirs.iterations.numpy()) == steps
    return start, ours_w, [v.numpy() for v in theirs_w]


def relative_to_displacement(start, ours, theirs):
    """||w_dlcore - w_keras|| / ||w_keras - w_0||: the error measured against how far the weights moved."""
    moved = np.linalg.norm(theirs - start)
    assert moved > 0
    return np.linalg.norm(ours - theirs) / moved


@pytest.mark.parametrize("case", list(OPTIMIZER_CASES))
def test_optimizer_50_steps_match_keras(keras64, case):
    start, ours, theirs = run_optimizer_pair(keras64, case)
    # Keras passes momentum/rho/betas/weight_decay through float32 (see L2_FACTOR below): up to
    # 7e-6 with beta_2 = 0.999 (1 - beta_2 moves by 1.3e-5), below 1e-5; round-off otherwise
    tolerance = 1e-12 if case in EXACT_IN_FLOAT32 else 1e-5
    for name, s0, a, b in zip(["kernel (gradients ~1)", "bias (gradients ~1e-3)"], start, ours, theirs):
        assert relative_to_displacement(s0, a, b) < tolerance, name


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam", "adadelta", "adamw"])
def test_optimizer_defaults_match_keras(keras64, name):
    ours, theirs = optimizers.get(name), keras64.optimizers.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.learning_rate == pytest.approx(float(theirs.learning_rate.numpy()), rel=1e-12)
    for attr in ("momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon", "initial_accumulator_value",
                 "weight_decay"):
        if hasattr(theirs, attr) and hasattr(ours, attr):
            assert getattr(ours, attr) == pytest.approx(getattr(theirs, attr)), attr
    assert ours.weight_decay == theirs.weight_decay  # None for all but AdamW (0.004)


# --------------------------------------------------------------------------------------------
# Learning-rate schedules: values step by step, and 50 optimizer steps with a schedule
# --------------------------------------------------------------------------------------------
# Keras computes a schedule in the dtype of initial_learning_rate (and casts decay_rate, alpha,
# warmup_target, values to it): float32 for Python floats. np.float64 arguments make Keras
# compute in float64, so the comparison is to round-off; SCHEDULE_FLOAT32 checks Python floats.
SCHEDULE_CASES = {
    "ExponentialDecay": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.8)),
    "ExponentialDecay staircase": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7,
                                                            decay_rate=0.5, staircase=True)),
    "CosineDecay": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=30)),
    "CosineDecay alpha": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=30, alpha=0.2)),
    "CosineDecay warm-up": ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=25, alpha=0.1,
                                                warmup_target=0.1, warmup_steps=10)),
    "CosineDecay warm-up from 0.02": ("CosineDecay", dict(initial_learning_rate=0.02, decay_steps=25,
                                                          warmup_target=0.1, warmup_steps=10)),
    "CosineDecay warm-up, 0 steps": ("CosineDecay", dict(initial_learning_rate=0.02, decay_steps=25,
                                                         warmup_target=0.1, warmup_steps=0)),
    "PiecewiseConstantDecay": ("PiecewiseConstantDecay", dict(boundaries=[5, 10, 30],
                                                              values=[0.1, 0.05, 0.01, 0.002])),
    "PiecewiseConstantDecay one boundary": ("PiecewiseConstantDecay", dict(boundaries=[0], values=[0.1, 0.01])),
}
FLOAT_ARGS = ("initial_learning_rate", "decay_rate", "warmup_target")


def make_schedule(module, case, float64=True):
    """SCHEDULE_CASES[case] built from ``module`` (dlcore.schedules or keras.optimizers.schedules)."""
    cls, kwargs = SCHEDULE_CASES[case]
    if float64:
        kwargs = {k: np.float64(v) if k in FLOAT_ARGS and v is not None else v for k, v in kwargs.items()}
        if "values" in kwargs:
            kwargs["values"] = [np.float64(v) for v in kwargs["values"]]
    return getattr(module, cls)(**kwargs)


SCHEDULE_STEPS = list(range(0, 61)) + [99, 100, 101, 1000, 10**6]


@pytest.mark.parametrize("case", list(SCHEDULE_CASES))
def test_schedule_values_match_keras_step_by_step(keras64, case):
    ours = make_schedule(schedules, case)
    theirs = make_schedule(keras64.optimizers.schedules, case)
    keras_values = [float(theirs(step)) for step in SCHEDULE_STEPS]
    our_values = [ours(step) for step in SCHEDULE_STEPS]
    assert all(type(v) is float for v in our_values)
    assert_close(our_values, keras_values, rtol=1e-12, atol=1e-17, what=case)
    assert_close(ours(np.array(SCHEDULE_STEPS)), keras_values, rtol=1e-12, atol=1e-17, what=f"{case}, array")
    # with an int64 step, as the optimizer passes it (optimizer.iterations)
    assert_close([float(theirs(tf.constant(s, dtype=tf.int64))) for s in (0, 7, 21)],
                 [ours(s) for s in (0, 7, 21)], rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize("case", ["ExponentialDecay staircase", "CosineDecay warm-up", "PiecewiseConstantDecay"])
def test_schedule_with_python_floats_matches_keras_float32(keras64, case):
    """Keras computes these in float32: dlcore's float64 values agree to float32's precision."""
    ours = make_schedule(schedules, case, float64=False)
    theirs = make_schedule(keras64.optimizers.schedules, case, float64=False)
    assert_close([ours(s) for s in SCHEDULE_STEPS], [float(theirs(s)) for s in SCHEDULE_STEPS],
                 rtol=1e-6, atol=1e-9, what=case)


def test_piecewise_constant_decay_boundary_convention_matches_keras(keras64):
    """``step == boundary`` still gets the earlier value; the new value starts one step later."""
    kwargs = dict(boundaries=[3, 6], values=[np.float64(1.0), np.float64(0.5), np.float64(0.25)])
    theirs = keras64.optimizers.schedules.PiecewiseConstantDecay(**kwargs)
    ours = schedules.PiecewiseConstantDecay(**kwargs)
    expected = [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert [float(theirs(s)) for s in range(9)] == expected
    assert [ours(s) for s in range(9)] == expected


SCHEDULED_OPTIMIZERS = ["SGD momentum", "Adagrad custom", "RMSprop custom", "Adam custom", "Adam weight_decay",
                        "Adadelta paper (lr 1, eps 1e-6)", "AdamW custom", "AdamW exact in float32",
                        "SGD weight_decay"]


@pytest.mark.parametrize("schedule", ["ExponentialDecay staircase", "CosineDecay warm-up", "PiecewiseConstantDecay"])
@pytest.mark.parametrize("case", SCHEDULED_OPTIMIZERS)
def test_optimizer_with_a_schedule_matches_keras_for_50_steps(keras64, case, schedule):
    """The schedule is read at ``iterations`` before each step (Keras's order) by the step and by the weight decay."""
    start, ours, theirs = run_optimizer_pair(keras64, case, schedule=schedule)
    tolerance = 1e-12 if case in EXACT_IN_FLOAT32 else 1e-5
    for name, s0, a, b in zip(["kernel (gradients ~1)", "bias (gradients ~1e-3)"], start, ours, theirs):
        assert relative_to_displacement(s0, a, b) < tolerance, name


def test_setting_the_rate_of_a_scheduled_optimizer_is_a_typeerror_as_in_keras(keras64):
    theirs = keras64.optimizers.SGD(make_schedule(keras64.optimizers.schedules, "ExponentialDecay"))
    ours = optimizers.SGD(make_schedule(schedules, "ExponentialDecay"))
    with pytest.raises(TypeError, match="not settable"):
        theirs.learning_rate = 0.01
    with pytest.raises(TypeError, match="cannot be set"):
        ours.learning_rate = 0.01
    # and so LearningRateScheduler cannot drive it, in either library
    X, y = np.ones((4, 2)), np.ones((4, 1))
    model = dlcore.Sequential([dlcore.Dense(2, 1)])
    model.compile(ours, "mse")
    with pytest.raises(TypeError, match="cannot be set"):
        model.fit(X, y, epochs=2, callbacks=[dlcore.LearningRateScheduler(lambda epoch, lr: lr)])
    km = keras64.Sequential([keras64.Input((2,)), keras64.layers.Dense(1)])
    km.compile(theirs, "mse")
    with pytest.raises(TypeError, match="not settable"):
        km.fit(X, y, epochs=2, verbose=0, callbacks=[keras64.callbacks.LearningRateScheduler(lambda epoch, lr: lr)])


# --------------------------------------------------------------------------------------------
# Initializers: statistics and bounds on large samples (statistical checks, tolerances from n)
# --------------------------------------------------------------------------------------------
INITIALIZERS = {
    # dlcore name: (Keras class, target std for a (fan_in, fan_out) kernel, bound or None, truncated)
    "glorot_uniform": ("GlorotUniform", lambda fi, fo: math.sqrt(2 / (fi + fo)), "uniform"),
    "glorot_normal": ("GlorotNormal", lambda fi, fo: math.sqrt(2 / (fi + fo)), "truncated"),
    "he_uniform": ("HeUniform", lambda fi, fo: math.sqrt(2 / fi), "uniform"),
    "he_normal": ("HeNormal", lambda fi, fo: math.sqrt(2 / fi), "truncated"),
    "lecun_uniform": ("LecunUniform", lambda fi, fo: math.sqrt(1 / fi), "uniform"),
    "lecun_normal": ("LecunNormal", lambda fi, fo: math.sqrt(1 / fi), "truncated"),
    "random_normal": ("RandomNormal", lambda fi, fo: 0.05, "normal"),
    "random_uniform": ("RandomUniform", lambda fi, fo: 0.05 / math.sqrt(3), "uniform"),
}
TRUNCATED_DENSITY_AT_EDGE = math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(2 / math.sqrt(2))


def check_sample(sample, target_std, kind):
    """Mean, std, min and max of a large sample against the distribution Keras documents.

    Weak by nature (statistical): each bound is 6 standard errors for this n, so a correct
    initializer fails with probability ~1e-8, while a wrong scale (e.g. a missing truncation
    correction, 12 %) or a wrong fan (2x in variance) misses by far more.
    """
    x = np.asarray(sample, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean()) < 6 * target_std / math.sqrt(n)
    # sd of the sample std is std * sqrt((kurtosis - 1) / (4 n)); kurtosis <= 3 for all three shapes
    assert abs(x.std() - target_std) < 6 * target_std * math.sqrt(2 / (4 * n))
    if kind == "uniform":
        limit = math.sqrt(3) * target_std
        slack = limit * 2 * 20 / n  # P(max < limit - slack) = (1 - 20/n)^n ~ e^-20
        assert -limit <= x.min() < -limit + slack and limit - slack < x.max() <= limit
    elif kind == "truncated":
        edge = 2 * target_std / initializers.TRUNCATION_STD_FACTOR  # 2 sigma of the pre-truncation std
        slack = edge / 2 * 20 / (TRUNCATED_DENSITY_AT_EDGE * n)  # again an e^-20 miss chance
        assert -edge <= x.min() < -edge + slack and edge - slack < x.max() <= edge


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_initializer_statistics_match_keras_weak_statistical(keras64, name):
    cls, std, kind = INITIALIZERS[name]
    shape = (400, 500)
    target = std(*shape)
    theirs = getattr(keras64.initializers, cls)(seed=7)(shape, dtype="float64").numpy()
    ours = getattr(initializers, name)(shape, np.random.default_rng(7))
    check_sample(theirs, target, kind)  # our reading of Keras's formula is right ...
    check_sample(ours, target, kind)    # ... and dlcore follows it
    assert abs(ours.std() - theirs.std()) < 6 * math.sqrt(2) * target * math.sqrt(2 / (4 * ours.size))


@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal"])
def test_initializer_fans_of_a_conv_kernel_match_keras_weak_statistical(keras64, name):
    """A (5, 5, 32, 64) kernel: the fans include the receptive field (25 * 32 in, 25 * 64 out)."""
    cls, std, kind = INITIALIZERS[name]
    shape = (5, 5, 32, 64)
    target = std(25 * 32, 25 * 64)
    check_sample(getattr(keras64.initializers, cls)(seed=3)(shape, dtype="float64").numpy(), target, kind)
    check_sample(getattr(initializers, name)(shape, np.random.default_rng(3)), target, kind)


# --------------------------------------------------------------------------------------------
# Dropout and BatchNormalization
# --------------------------------------------------------------------------------------------
def test_dropout_scaling_matches_keras_weak_statistical(keras64):
    rate, x = 0.4, np.random.default_rng(0).uniform(1, 2, (300, 400))
    theirs = keras64.layers.Dropout(rate, seed=3)(tf.constant(x), training=True).numpy()
    ours = layers.Dropout(rate, rng=np.random.default_rng(3)).forward(x, training=True)
    for out in (theirs, ours):
        kept = out != 0
        assert_close(out[kept], x[kept] / (1 - rate))                       # exact: inverted scaling
        se = math.sqrt(rate * (1 - rate) / x.size)
        assert abs((~kept).mean() - rate) < 6 * se                          # statistical
    assert_close(keras64.layers.Dropout(rate)(tf.constant(x), training=False).numpy(), x)
    assert_close(layers.Dropout(rate).forward(x, training=False), x)


@pytest.mark.parametrize("momentum", [0.99, 0.9])
def test_batchnorm_training_inference_and_moving_statistics_match_keras(keras64, momentum):
    rng = np.random.default_rng(11)
    n_features = 4
    theirs = keras64.layers.BatchNormalization(momentum=momentum)
    theirs.build((None, n_features))
    start = [rng.uniform(0.5, 2, n_features), rng.normal(size=n_features),
             rng.normal(size=n_features), rng.uniform(0.5, 2, n_features)]
    theirs.set_weights(start)
    ours = layers.BatchNormalization(n_features, momentum=momentum)
    ours.set_weights(start)
    for step in range(3):
        X = rng.normal(loc=3 * step - 2, scale=1 + step, size=(16, n_features))
        assert_close(ours.forward(X, training=True), theirs(tf.constant(X), training=True).numpy(),
                     what=f"training output, batch {step}")
        assert_close(ours.moving_mean, theirs.moving_mean.numpy(), what="moving_mean")
        assert_close(ours.moving_variance, theirs.moving_variance.numpy(), what="moving_variance")
    X = rng.normal(size=(10, n_features))
    assert_close(ours.forward(X, training=False), theirs(tf.constant(X), training=False).numpy(),
                 what="inference output")
    assert_close(ours.get_weights(), [w for w in theirs.get_weights()])


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_matches_gradienttape(keras64, training):
    rng = np.random.default_rng(12)
    theirs = keras64.layers.BatchNormalization()
    theirs.build((None, 3))
    start = [rng.uniform(0.5, 2, 3), rng.normal(size=3), rng.normal(size=3), rng.uniform(0.5, 2, 3)]
    theirs.set_weights(start)
    X, upstream = rng.normal(2, 3, (8, 3)), rng.normal(size=(8, 3))
    x = tf.Variable(X)
    with tf.GradientTape() as t:
        out = tf.reduce_sum(theirs(x, training=training) * upstream)
    dx, dgamma, dbeta = t.gradient(out, [x, theirs.gamma, theirs.beta])
    ours = layers.BatchNormalization(3)
    ours.set_weights(start)
    ours.forward(X, training=training)
    assert_close(ours.backward(upstream), dx.numpy())
    assert_close(ours.dgamma, dgamma.numpy())
    assert_close(ours.dbeta, dbeta.numpy())


# --------------------------------------------------------------------------------------------
# fit: per-epoch losses and metrics from Keras's own initial weights, shuffle off
# --------------------------------------------------------------------------------------------
# Keras passes some Python constants through float32 even in a float64 model:
# ops.cast(0.01, "float64") is 0.009999999776..., and so are the L2 factor, SGD's momentum and
# Adam's betas. That alone moves the losses by ~1e-8..1e-6 relative, so these fits use
# constants exact in float32 (powers of two) and keep the tolerance at 1e-9.
L2_FACTOR = 2.0 ** -7

FIT_CASES = {
    # N=50 with batch 16: the last batch holds 2 samples; validation_data gives val_loss
    "regression mse, uneven last batch, validation": dict(
        sizes=(3, 8, 1), acts=("tanh", "linear"), loss="mse",
        optimizer=("SGD", dict(learning_rate=0.05, momentum=0.875)),
        n=50, batch_size=16, metrics=(), validation=True, l2=None),
    "binary sigmoid+bce, L2 kernel_regularizer, validation, accuracy": dict(
        sizes=(2, 6, 1), acts=("relu", "sigmoid"), loss="binary_crossentropy",
        optimizer=("Adam", dict(learning_rate=0.02, beta_1=0.875, beta_2=1 - 2.0 ** -10)),
        n=64, batch_size=16, metrics=("accuracy",), validation=True, l2=L2_FACTOR),
    "multiclass softmax+sparse cce, accuracy, uneven last batch": dict(
        sizes=(4, 8, 3), acts=("tanh", "softmax"), loss="sparse_categorical_crossentropy",
        optimizer=("RMSprop", dict(learning_rate=0.01)), n=60, batch_size=25, metrics=("accuracy",),
        validation=False, l2=None),
    # chapter 1's perceptron-style model: one linear unit, hinge loss on 0/1 labels, full batch
    "one linear unit, hinge, plain SGD, full batch": dict(
        sizes=(2, 1), acts=("linear",), loss="hinge", optimizer=("SGD", dict(learning_rate=0.1)),
        n=40, batch_size=40, metrics=(), validation=False, l2=None),
    # chapters 3 and 5: sigmoid hidden layer, linear output, one sample per step
    "3-2-1 sigmoid -> linear, mse, plain SGD, batch 1": dict(
        sizes=(3, 2, 1), acts=("sigmoid", "linear"), loss="mse", optimizer=("SGD", dict(learning_rate=0.01)),
        n=12, batch_size=1, metrics=(), validation=False, l2=None),
}


def fit_data(case, seed):
    rng = np.random.default_rng(seed)
    spec = FIT_CASES[case]
    X = rng.normal(size=(spec["n"] + 20, spec["sizes"][0]))
    if spec["loss"] == "mse":
        y = (np.sin(X[:, :1]) + 0.5 * X[:, 1:2] * X[:, 2:3]).reshape(-1, 1)
    elif spec["loss"] in ("binary_crossentropy", "hinge"):  # 0/1 labels (hinge maps them to -1/+1)
        y = (X[:, :1] ** 2 + X[:, 1:2] ** 2 > 1.2).astype(float)
    else:
        y = np.argmax(X[:, :3] + 0.3 * X[:, 3:4], axis=1)
    n = spec["n"]
    return (X[:n], y[:n]), (X[n:], y[n:])


def fit_both(keras, case, epochs=4, schedule=None):
    """Train Keras and dlcore on FIT_CASES[case] from Keras's weights, without shuffling.

    With ``schedule``, both get a LearningRateScheduler with it. Returns both histories
    and both models.
    """
    spec = FIT_CASES[case]
    (X, y), validation = fit_data(case, seed=3)
    validation = validation if spec["validation"] else None
    km = keras.Sequential(
        [keras.Input((spec["sizes"][0],))]
        + [keras.layers.Dense(n, activation=a, kernel_initializer=keras.initializers.GlorotUniform(seed=i),
                              kernel_regularizer=None if spec["l2"] is None else keras.regularizers.L2(spec["l2"]))
           for i, (n, a) in enumerate(zip(spec["sizes"][1:], spec["acts"]))])
    model = dlcore_copy(km, spec["sizes"], spec["acts"], l2=spec["l2"])  # Keras's own initial weights
    cls, kwargs = spec["optimizer"]
    km.compile(optimizer=getattr(keras.optimizers, cls)(**kwargs), loss=spec["loss"], metrics=list(spec["metrics"]))
    model.compile(getattr(optimizers, cls)(**kwargs), spec["loss"], metrics=spec["metrics"])
    keras_callbacks = [] if schedule is None else [keras.callbacks.LearningRateScheduler(schedule)]
    our_callbacks = [] if schedule is None else [dlcore.callbacks.LearningRateScheduler(schedule)]
    theirs = km.fit(X, y, epochs=epochs, batch_size=spec["batch_size"], shuffle=False, verbose=0,
                    validation_data=validation, callbacks=keras_callbacks).history
    ours = model.fit(X, y, epochs=epochs, batch_size=spec["batch_size"], shuffle=False,
                     validation_data=validation, callbacks=our_callbacks).history
    return ours, theirs, model, km


def assert_same_training(ours, theirs, model, km, epochs=4):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert len(ours[key]) == epochs
        # 1e-9: Keras accumulates its epoch means in a different order; all else is round-off
        assert_close(ours[key], theirs[key], rtol=1e-9, what=f"history[{key!r}]")
    for i, (ours_w, theirs_w) in enumerate(zip(model.get_weights(), km.get_weights())):
        assert_close(ours_w, theirs_w, rtol=1e-9, atol=1e-12, what=f"final weight {i}")


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_history_matches_keras_epoch_by_epoch(keras64, case):
    assert_same_training(*fit_both(keras64, case))


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_learning_rate_scheduler_matches_keras(keras64, case):
    """A step decay (/10 from epoch 2) and a per-epoch exponential one: same rates, same training."""
    for schedule in (lambda epoch, lr: lr if epoch < 2 else 0.1 * FIT_CASES[case]["optimizer"][1]["learning_rate"],
                     lambda epoch, lr: lr * 0.5):
        ours, theirs, model, km = fit_both(keras64, case, schedule=schedule)
        assert "learning_rate" in theirs      # both record the rate of every epoch
        assert_same_training(ours, theirs, model, km)


# --------------------------------------------------------------------------------------------
# EarlyStopping: the same scripted val_loss sequence through both callbacks
# --------------------------------------------------------------------------------------------
def simulate(callback, values, attach, monitor="val_loss"):
    model = FakeModel()
    attach(callback, model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]  # "training" this epoch changed the weights
        callback.on_epoch_end(epoch, {monitor: value})
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return {"epochs_run": epochs_run, "stopped_epoch": int(callback.stopped_epoch),
            "best": float(callback.best), "weights_after_training": float(model.weights[0][0])}


EARLY_STOPPING_CASES = {
    "patience 0": ([1.0, 0.9, 0.95, 0.8, 0.85, 0.86, 0.7], dict(patience=0)),
    "patience 2": ([1.0, 0.9, 0.95, 0.8, 0.85, 0.86, 0.7, 0.9, 0.91], dict(patience=2)),
    "patience 2, never stops": ([1.0, 0.9, 0.95, 0.8, 0.85, 0.7], dict(patience=2)),
    "patience 0, worse at epoch 1": ([1.0, 2.0, 0.5, 0.6], dict(patience=0)),
    "min_delta 0.05, patience 2": ([1.0, 0.96, 0.93, 0.80, 0.78, 0.77, 0.76], dict(patience=2, min_delta=0.05)),
    "min_delta 0.05, patience 1": ([1.0, 0.96, 0.93, 0.80, 0.78, 0.77, 0.76], dict(patience=1, min_delta=0.05)),
    "restore_best_weights after stopping": ([1.0, 0.7, 0.8, 0.9, 0.95, 0.6],
                                            dict(patience=2, restore_best_weights=True)),
    "restore_best_weights, patience 0": ([1.0, 0.7, 0.8, 0.5], dict(patience=0, restore_best_weights=True)),
    # training runs to the last epoch without stopping: Keras 3 still restores the best weights
    "restore_best_weights without stopping": ([1.0, 0.7, 0.8, 0.9], dict(patience=5, restore_best_weights=True)),
}


@pytest.mark.parametrize("case", list(EARLY_STOPPING_CASES))
def test_early_stopping_matches_keras_on_scripted_val_loss(keras64, case):
    values, kwargs = EARLY_STOPPING_CASES[case]
    theirs = simulate(keras64.callbacks.EarlyStopping(**kwargs), values, lambda cb, m: cb.set_model(m))
    ours = simulate(dlcore.EarlyStopping(**kwargs), values, lambda cb, m: setattr(cb, "model", m))
    assert ours == theirs


def test_early_stopping_on_accuracy_mode_max_matches_keras(keras64):
    values = [0.5, 0.6, 0.6, 0.55, 0.7]
    kwargs = dict(monitor="val_accuracy", mode="max", patience=1)
    theirs = simulate(keras64.callbacks.EarlyStopping(**kwargs), values, lambda cb, m: cb.set_model(m),
                      monitor="val_accuracy")
    ours = simulate(dlcore.EarlyStopping(**kwargs), values, lambda cb, m: setattr(cb, "model", m),
                    monitor="val_accuracy")
    assert ours == theirs
    assert ours["stopped_epoch"] == 2  # 0.6 does not beat 0.6: no improvement, patience 1 is used up
