"""dlcore.schedules: values by hand, and how an optimizer reads a schedule.

The step-by-step comparison with keras.optimizers.schedules is in test_parity_keras.py.
"""
import math

import numpy as np
import pytest

from dlcore import optimizers, schedules


def test_exponential_decay_by_hand():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == 0.1
    assert s(10) == pytest.approx(0.05, rel=1e-15)
    assert s(5) == pytest.approx(0.1 * 0.5 ** 0.5, rel=1e-15)


def test_exponential_decay_staircase_drops_every_decay_steps():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [s(t) for t in (0, 9, 10, 19, 20)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-15)


def test_cosine_decay_by_hand():
    s = schedules.CosineDecay(0.1, decay_steps=100, alpha=0.2)
    assert s(0) == pytest.approx(0.1, rel=1e-15)
    assert s(50) == pytest.approx(0.1 * (0.8 * 0.5 + 0.2), rel=1e-15)
    assert s(100) == pytest.approx(0.02, rel=1e-15)
    assert s(1000) == pytest.approx(0.02, rel=1e-15)  # flat after decay_steps
    assert s(25) == pytest.approx(0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi / 4)) + 0.2), rel=1e-15)


def test_cosine_decay_warm_up_is_a_straight_line_then_the_cosine_from_the_target():
    s = schedules.CosineDecay(0.0, decay_steps=20, warmup_target=0.1, warmup_steps=10)
    assert [s(t) for t in range(0, 11, 5)] == pytest.approx([0.0, 0.05, 0.1], rel=1e-15)
    assert s(20) == pytest.approx(0.05, rel=1e-14)      # half-way down the cosine
    assert s(30) == pytest.approx(0.0, abs=1e-18) and s(500) == pytest.approx(0.0, abs=1e-18)


def test_piecewise_constant_decay_changes_one_step_after_each_boundary():
    s = schedules.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.25])
    assert [s(t) for t in range(7)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_a_schedule_takes_an_array_of_steps_and_gives_floats_for_one_step():
    for s in (schedules.ExponentialDecay(0.1, 7, 0.9, staircase=True), schedules.CosineDecay(0.1, 30),
              schedules.CosineDecay(0.0, 30, warmup_target=0.1, warmup_steps=5),
              schedules.PiecewiseConstantDecay([3, 8], [0.1, 0.05, 0.01])):
        steps = np.arange(40)
        values = s(steps)
        assert values.shape == (40,)
        assert type(s(3)) is float and type(s(np.int64(3))) is float
        np.testing.assert_allclose(values, [s(int(t)) for t in steps], rtol=1e-15)


# --- an optimizer with a schedule ----------------------------------------------------------
def test_optimizer_evaluates_the_schedule_at_iterations_before_each_step():
    """Step k (from 0) uses schedule(k): with g = 1, SGD moves w by exactly the rate of each step."""
    seen = []

    def rate(step):
        seen.append(step)
        return 0.1 / (1 + step)

    opt, w = optimizers.SGD(rate), np.zeros(3)
    moves = []
    for _ in range(4):
        before = w[0]
        opt.apply([np.ones(3)], [w])
        moves.append(before - w[0])
    np.testing.assert_allclose(moves, [0.1, 0.05, 0.1 / 3, 0.025], rtol=1e-15)
    assert seen == [0, 1, 2, 3]  # one evaluation per apply, however many parameters and reads


def test_learning_rate_reads_the_rate_of_the_next_step_as_a_float():
    opt = optimizers.Adam(schedules.PiecewiseConstantDecay([1], [0.01, 0.001]))
    rates = []
    for _ in range(3):
        rates.append(opt.learning_rate)
        opt.apply([np.ones(2), np.ones(1)], [np.zeros(2), np.zeros(1)])
    assert rates == [0.01, 0.01, 0.001] and all(type(r) is float for r in rates)


def test_a_constant_schedule_gives_the_same_weights_as_the_number():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(20, 5))
    for cls in (optimizers.SGD, optimizers.Adagrad, optimizers.RMSprop, optimizers.Adam, optimizers.AdamW,
                optimizers.Adadelta):
        w_num, w_sched = np.ones(5), np.ones(5)
        by_number, by_schedule = cls(learning_rate=0.05), cls(learning_rate=lambda step: 0.05)
        for g in grads:
            by_number.apply([g], [w_num])
            by_schedule.apply([g], [w_sched])
        np.testing.assert_array_equal(w_num, w_sched, err_msg=cls.__name__)


def test_a_float_learning_rate_can_be_replaced_by_a_schedule():
    opt = optimizers.SGD(0.1)
    opt.learning_rate = schedules.ExponentialDecay(0.2, 1, 0.5)
    w = np.zeros(1)
    opt.apply([np.ones(1)], [w])
    opt.apply([np.ones(1)], [w])
    assert w[0] == pytest.approx(-0.3, rel=1e-15)
