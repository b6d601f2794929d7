"""dlcore.optimizers: single steps by hand and multi-step runs against textbook loops.

The 50-step comparison with keras.optimizers is in test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import optimizers


def step(opt, g, w):
    w = np.array(w, dtype=float)
    opt.apply([np.array(g, dtype=float)], [w])
    return w


# --- one and two steps by hand -------------------------------------------------------------
def test_sgd_step_by_hand():
    assert step(optimizers.SGD(0.1), [2.0, -1.0], [1.0, 1.0]).tolist() == pytest.approx([0.8, 1.1])


def test_sgd_default_learning_rate_is_keras_0_01():
    assert optimizers.SGD().learning_rate == 0.01


def test_sgd_momentum_two_steps_by_hand():
    opt, w = optimizers.SGD(0.1, momentum=0.9), np.array([1.0])
    opt.apply([np.array([1.0])], [w])   # m = -0.1,               w = 0.9
    opt.apply([np.array([1.0])], [w])   # m = 0.9(-0.1) - 0.1 = -0.19, w = 0.71
    assert w[0] == pytest.approx(0.71)


def test_sgd_nesterov_two_steps_by_hand():
    opt, w = optimizers.SGD(0.1, momentum=0.9, nesterov=True), np.array([1.0])
    opt.apply([np.array([1.0])], [w])   # m = -0.1;  w += 0.9(-0.1) - 0.1 = -0.19 -> 0.81
    opt.apply([np.array([1.0])], [w])   # m = -0.19; w += 0.9(-0.19) - 0.1 = -0.271 -> 0.539
    assert w[0] == pytest.approx(0.539)


def test_sgd_momentum_equals_the_textbook_velocity_form():
    """v = beta v + eta g; w -= v gives the same weights as Keras's m = beta m - eta g; w += m."""
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(20, 3))
    w_ours, opt = np.zeros(3), optimizers.SGD(0.05, momentum=0.8)
    w_book, v = np.zeros(3), np.zeros(3)
    for g in grads:
        opt.apply([g], [w_ours])
        v = 0.8 * v + 0.05 * g
        w_book -= v
    np.testing.assert_allclose(w_ours, w_book, rtol=1e-13)


def test_adagrad_step_by_hand_starts_the_accumulator_at_0_1():
    w = step(optimizers.Adagrad(0.1), [2.0], [1.0])
    assert w[0] == pytest.approx(1 - 0.1 * 2 / math.sqrt(0.1 + 4 + 1e-7), rel=1e-14)


def test_rmsprop_two_steps_by_hand():
    opt, w = optimizers.RMSprop(0.01), np.array([1.0])
    opt.apply([np.array([2.0])], [w])
    v1 = 0.1 * 4
    expected = 1 - 0.01 * 2 / math.sqrt(v1 + 1e-7)
    opt.apply([np.array([-1.0])], [w])
    v2 = 0.9 * v1 + 0.1 * 1
    expected += 0.01 / math.sqrt(v2 + 1e-7)
    assert w[0] == pytest.approx(expected, rel=1e-14)


def test_adam_first_step_by_hand():
    """Step 1: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1: a step of about lr * sign(g)."""
    g, lr = 0.5, 0.01
    m, v = 0.1 * g, 0.001 * g * g
    alpha = lr * math.sqrt(1 - 0.999) / (1 - 0.9)
    w = step(optimizers.Adam(lr), [g], [0.0])
    assert w[0] == pytest.approx(-alpha * m / (math.sqrt(v) + 1e-7), rel=1e-14)
    assert w[0] == pytest.approx(-lr, rel=1e-5)


def test_adam_equals_the_paper_form_with_a_rescaled_epsilon():
    """Keras's alpha_t form is the paper's m_hat / (sqrt(v_hat) + eps') with eps' = eps / sqrt(1 - b2^t)."""
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(30, 4))
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w_ours, opt = np.zeros(4), optimizers.Adam(lr)
    w_book, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    for t, g in enumerate(grads, start=1):
        opt.apply([g], [w_ours])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        w_book -= lr * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - b2 ** t))
    np.testing.assert_allclose(w_ours, w_book, rtol=1e-12)


@pytest.mark.parametrize("name, defaults", [
    ("sgd", dict(learning_rate=0.01, momentum=0.0, nesterov=False)),
    ("adagrad", dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)),
    ("rmsprop", dict(learning_rate=0.001, rho=0.9, epsilon=1e-7)),
    ("adam", dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("adamw", dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("adadelta", dict(learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None)),
])
def test_get_builds_keras_defaults(name, defaults):
    opt = optimizers.get(name)
    for attr, value in defaults.items():
        assert getattr(opt, attr) == value, attr
    assert optimizers.get(name.upper()).__class__ is opt.__class__
    assert optimizers.get(opt) is opt


def test_adadelta_two_steps_by_hand():
    lr, rho, eps = 1.0, 0.9, 1e-6
    opt, w = optimizers.Adadelta(lr, rho=rho, epsilon=eps), np.array([1.0])
    G = D = 0.0
    expected = 1.0
    for g in (2.0, -1.0):
        opt.apply([np.array([g])], [w])
        G = rho * G + (1 - rho) * g * g
        delta = -math.sqrt(D + eps) * g / math.sqrt(G + eps)
        D = rho * D + (1 - rho) * delta * delta
        expected += lr * delta
    assert w[0] == pytest.approx(expected, rel=1e-14)


def test_adadelta_learning_rate_scales_the_step_the_paper_has_none():
    """Keras multiplies the step by learning_rate (default 0.001); the paper's step is learning_rate=1."""
    g = np.array([0.7, -2.0])
    paper = -step(optimizers.Adadelta(learning_rate=1.0), g, [0.0, 0.0])
    keras_default = -step(optimizers.Adadelta(), g, [0.0, 0.0])
    np.testing.assert_allclose(keras_default, 0.001 * paper, rtol=1e-14)


def test_weight_decay_shrinks_the_weights_before_the_step():
    """SGD: w <- w - lr * wd * w, then w <- w - lr * g (the gradient at the original w)."""
    w = step(optimizers.SGD(0.1, weight_decay=0.5), [2.0, 0.0], [1.0, 4.0])
    np.testing.assert_allclose(w, [1.0 - 0.05 * 1.0 - 0.2, 4.0 - 0.05 * 4.0], rtol=1e-15)


def test_sgd_weight_decay_equals_l2_in_the_loss_with_half_the_factor():
    """Under plain SGD, w -= lr*wd*w is the gradient step of (wd/2)*||w||^2 (Keras's L2(wd/2))."""
    rng = np.random.default_rng(2)
    grads = rng.normal(size=(15, 3))
    w_decay, opt = np.ones(3), optimizers.SGD(0.1, weight_decay=0.2)
    w_l2, opt_l2 = np.ones(3), optimizers.SGD(0.1)
    for g in grads:
        opt.apply([g], [w_decay])
        opt_l2.apply([g + 2 * 0.1 * w_l2], [w_l2])   # L2 factor 0.1: gradient 2 * 0.1 * w
    np.testing.assert_allclose(w_decay, w_l2, rtol=1e-13)


def test_adamw_differs_from_adam_with_l2_in_the_loss():
    """Under Adam the L2 gradient is normalized by sqrt(v); the decoupled decay is not."""
    rng = np.random.default_rng(3)
    grads = rng.normal(size=(15, 3)) * [1.0, 1e-3, 1e3]
    w_adamw, adamw = np.ones(3), optimizers.AdamW(0.01, weight_decay=0.2)
    w_l2, adam = np.ones(3), optimizers.Adam(0.01)
    for g in grads:
        adamw.apply([g], [w_adamw])
        adam.apply([g + 2 * 0.1 * w_l2], [w_l2])
    assert not np.allclose(w_adamw, w_l2, rtol=1e-3)


def test_adamw_first_step_by_hand():
    g, w0, lr, wd = 0.5, 2.0, 0.01, 0.004
    w = step(optimizers.AdamW(lr), [g], [w0])
    decayed = w0 - w0 * wd * lr
    alpha = lr * math.sqrt(1 - 0.999) / (1 - 0.9)
    assert w[0] == pytest.approx(decayed - alpha * 0.1 * g / (math.sqrt(0.001 * g * g) + 1e-7), rel=1e-14)


def test_adamw_is_adam_when_weight_decay_is_0():
    rng = np.random.default_rng(4)
    grads = rng.normal(size=(10, 4))
    a, b = np.ones(4), np.ones(4)
    adamw, adam = optimizers.AdamW(weight_decay=0.0), optimizers.Adam()
    for g in grads:
        adamw.apply([g], [a])
        adam.apply([g], [b])
    np.testing.assert_array_equal(a, b)


# --- state --------------------------------------------------------------------------------
def test_slots_are_kept_per_parameter_and_updates_are_in_place():
    """Two parameters with different gradients: each keeps its own momentum."""
    opt = optimizers.SGD(0.1, momentum=0.5)
    a, b = np.array([0.0]), np.array([0.0, 0.0])
    a_id = id(a)
    for _ in range(2):
        opt.apply([np.array([1.0]), np.array([0.0, -2.0])], [a, b])
    assert id(a) == a_id
    # a: m1 = -0.1, m2 = -0.15 -> -0.25;  b[1]: m1 = 0.2, m2 = 0.3 -> 0.5
    np.testing.assert_allclose(a, [-0.25])
    np.testing.assert_allclose(b, [0.0, 0.5])
    assert opt.iterations == 2


def test_adam_bias_correction_uses_the_step_count():
    """The same gradient at step 1 and step 3 moves the weight by a different amount."""
    opt, w = optimizers.Adam(0.1), np.array([0.0])
    moves = []
    for _ in range(3):
        before = w.copy()
        opt.apply([np.array([1.0])], [w])
        moves.append(float(before[0] - w[0]))
    # a constant gradient: m_hat = g, v_hat = g^2 at every step, so every move is ~lr
    np.testing.assert_allclose(moves, [0.1, 0.1, 0.1], rtol=1e-5)
    assert opt.iterations == 3


def test_float32_parameters_stay_float32():
    for opt in (optimizers.SGD(0.1, momentum=0.9), optimizers.Adagrad(), optimizers.RMSprop(), optimizers.Adam(),
                optimizers.AdamW(), optimizers.Adadelta(1.0), optimizers.SGD(0.1, weight_decay=0.1),
                optimizers.Adam(learning_rate=lambda step: 0.01)):
        w = np.ones(3, dtype=np.float32)
        opt.apply([np.full(3, 0.5, dtype=np.float32)], [w])
        assert w.dtype == np.float32 and np.all(w < 1)


def test_adam_computes_float32_weights_in_float32():
    """Not only the dtype: every product is a float32 product. A NumPy float64 scalar (say an
    alpha_t made with np.sqrt) would compute tmp * alpha in float64 and round back, which gives
    other last bits for some entries (and costs a float64 round trip per step)."""
    f32 = np.float32
    rng = np.random.default_rng(0)
    g, w = rng.normal(size=1000).astype(f32), rng.normal(size=1000).astype(f32)
    opt = optimizers.Adam(learning_rate=0.003)
    w_dlcore = w.copy()
    for _ in range(2):
        opt.apply([g], [w_dlcore])
    m, v, w_hand = np.zeros_like(w), np.zeros_like(w), w.copy()
    for t in (1, 2):  # Keras's formula, each scalar made float32 first, as TensorFlow does
        m += f32(1 - 0.9) * (g - m)
        v += f32(1 - 0.999) * (g * g - v)
        alpha = f32(0.003 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t))
        w_hand -= alpha * (m / (np.sqrt(v) + f32(1e-7)))
    assert w_dlcore.tobytes() == w_hand.tobytes()
