"""Tests for dlcore.surfaces: values at known points, gradients against central differences,
the stated minima, and optimize_path against updates written out by hand."""
import numpy as np
import pytest

from dlcore.optimizers import SGD, Adam
from dlcore.surfaces import (DoubleWell, Ravine, Rosenbrock, double_well, optimize_path, ravine,
                             rosenbrock, saddle)

@pytest.fixture
def rng():
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(20240607)


SURFACES = [ravine, rosenbrock, saddle, double_well, Ravine(0.5, 3.0), Rosenbrock(2.0, 10.0),
            DoubleWell(0.1)]


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_gradient_matches_central_differences(surface, rng):
    x, y = rng.uniform(-2, 2, size=(2, 50))
    h = 1e-6
    gx, gy = surface.grad(x, y)
    num_x = (surface(x + h, y) - surface(x - h, y)) / (2 * h)
    num_y = (surface(x, y + h) - surface(x, y - h)) / (2 * h)
    np.testing.assert_allclose(gx, num_x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gy, num_y, rtol=1e-6, atol=1e-6)


def test_values_at_hand_picked_points():
    # ravine: 0.02 x^2 + 2 y^2; rosenbrock: (1 - x)^2 + 100 (y - x^2)^2
    assert ravine(3.0, 1.0) == pytest.approx(0.02 * 9 + 2)
    assert rosenbrock(0.0, 0.0) == pytest.approx(1.0)
    assert rosenbrock(-1.0, 2.0) == pytest.approx(4 + 100)
    # saddle: x^2/2 + y^4/4 - y^2/2; double_well: (x^2 - 1)^2 + 0.3 x + y^2
    assert saddle(2.0, 1.0) == pytest.approx(2 + 0.25 - 0.5)
    assert double_well(1.0, 2.0) == pytest.approx(0.3 + 4)


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_minima_have_zero_gradient_and_lowest_value(surface, rng):
    x, y = rng.uniform(-3, 3, size=(2, 2000))
    for point in surface.minima:
        gx, gy = surface.grad(*point)
        assert abs(gx) < 1e-9 and abs(gy) < 1e-9
        assert surface(*point) <= surface(x, y).min()


def test_saddle_point_and_local_minimum():
    assert saddle.grad(0.0, 0.0) == (0.0, 0.0)
    assert saddle(0.0, 0.0) > saddle(*saddle.minima[0]) == pytest.approx(-0.25)
    x_local, y_local = double_well.local_minimum
    assert abs(double_well.grad(x_local, y_local)[0]) < 1e-9
    assert double_well(x_local, y_local) > double_well(*double_well.minima[0])
    assert x_local > 0 > double_well.minima[0][0]


def test_works_on_grids_and_rejects_mismatched_shapes():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3))
    assert ravine(xx, yy).shape == (3, 4)
    assert all(g.shape == (3, 4) for g in rosenbrock.grad(xx, yy))
    with pytest.raises(ValueError, match="shape"):
        saddle(np.zeros(3), np.zeros(4))


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="positive"):
        Ravine(a=0.0)
    with pytest.raises(ValueError, match="two valleys"):
        DoubleWell(c=2.0)


def test_optimize_path_matches_gradient_descent_by_hand():
    # ravine gradient (0.04 x, 4 y); plain GD with lr 0.1: x *= 0.996, y *= 0.6
    path = optimize_path(SGD(0.1), ravine, (-5.0, 1.0), 3)
    assert path.shape == (4, 2)
    expected = np.array([[-5 * 0.996**t, 0.6**t] for t in range(4)])
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_optimize_path_keeps_the_optimizer_state_across_steps():
    # Adam's first step moves each coordinate by about lr, whatever the gradient's size.
    path = optimize_path(Adam(0.01), rosenbrock, (-1.5, 2.5), 2)
    np.testing.assert_allclose(np.abs(path[1] - path[0]), [0.01, 0.01], rtol=1e-4)


def test_optimize_path_rejects_used_optimizers_and_bad_input():
    opt = SGD(0.1)
    optimize_path(opt, ravine, (1.0, 1.0), 1)
    with pytest.raises(ValueError, match="fresh optimizer"):
        optimize_path(opt, ravine, (1.0, 1.0), 1)
    with pytest.raises(ValueError, match="point"):
        optimize_path(SGD(0.1), ravine, (1.0, 1.0, 1.0), 1)
    with pytest.raises(ValueError, match="steps"):
        optimize_path(SGD(0.1), ravine, (1.0, 1.0), -1)
    assert optimize_path(SGD(0.1), ravine, (1.0, 1.0), 0).shape == (1, 2)


def test_optimize_path_reports_divergence():
    with pytest.raises(FloatingPointError, match="step"):
        optimize_path(SGD(0.1), rosenbrock, (-1.5, 2.5), 50)
