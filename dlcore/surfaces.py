r"""Two-dimensional test surfaces for watching optimizers move, and the path an optimizer takes.

Each surface is a callable object: ``f = ravine(x, y)`` works element by element on arrays
of any (equal) shape, so it can be drawn as contours, and ``gx, gy = ravine.grad(x, y)`` is
its gradient. ``minima`` lists the points of the lowest value; ``xlim`` and ``ylim`` frame a
window that shows the interesting part.

* :data:`ravine`: an elongated bowl, steep across and flat along (high curvature one way);
* :data:`rosenbrock`: a curved, flat-bottomed valley;
* :data:`saddle`: a saddle point at the origin between two minima;
* :data:`double_well`: a shallow local minimum beside the global one.

:func:`optimize_path` runs any dlcore optimizer on a surface (through ``optimizer.apply``)
and returns the visited points, ready for ``dlcore.plotting.plot_contour_paths``.
"""
import numpy as np

from ._checks import as_float_array

__all__ = ["Surface", "Ravine", "Rosenbrock", "Saddle", "DoubleWell",
           "ravine", "rosenbrock", "saddle", "double_well", "optimize_path"]


class Surface:
    """A function :math:`f(x, y)` with its gradient; subclasses write ``_f`` and ``_grad``."""

    name = "surface"
    minima = ()
    xlim = (-1.0, 1.0)
    ylim = (-1.0, 1.0)

    def __call__(self, x, y):
        """:math:`f(x, y)`, element by element (``x`` and ``y`` of the same shape)."""
        x, y = self._check(x, y)
        return self._f(x, y)

    def grad(self, x, y):
        r"""The gradient :math:`(\partial f/\partial x, \partial f/\partial y)` as two arrays."""
        x, y = self._check(x, y)
        return self._grad(x, y)

    @staticmethod
    def _check(x, y):
        x = as_float_array(x, "x", allow_nonfinite=True)
        y = as_float_array(y, "y", allow_nonfinite=True)
        if x.shape != y.shape:
            raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}; they must match")
        return x, y

    def __repr__(self):
        return f"<surface {self.name}>"


class Ravine(Surface):
    r"""An elongated bowl :math:`f(x, y) = a x^2 + b y^2` (defaults :math:`a = 0.02`, :math:`b = 2`).

    Gradient :math:`(2ax,\ 2by)`; minimum 0 at the origin. The curvatures :math:`2a` along and
    :math:`2b` across differ a hundredfold by default: gradient descent needs a learning rate
    below :math:`2/(2b) = 0.5` not to be thrown out between the steep walls, and with it each
    step removes at most :math:`2a \cdot 0.5 = 2\%` of the distance along the flat floor.
    """

    name = "ravine"
    xlim = (-5.5, 2.0)
    ylim = (-2.0, 2.0)

    def __init__(self, a=0.02, b=2.0):
        self.a, self.b = float(a), float(b)
        if self.a <= 0 or self.b <= 0:
            raise ValueError(f"a and b must be positive for a bowl, got a={a}, b={b}")
        self.minima = ((0.0, 0.0),)

    def _f(self, x, y):
        return self.a * x**2 + self.b * y**2

    def _grad(self, x, y):
        return 2 * self.a * x, 2 * self.b * y


class Rosenbrock(Surface):
    r"""Rosenbrock's valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2` (:math:`a = 1`, :math:`b = 100`).

    Gradient :math:`\partial f/\partial x = -2(a - x) - 4bx(y - x^2)`,
    :math:`\partial f/\partial y = 2b(y - x^2)`; minimum 0 at :math:`(a, a^2)`. The valley floor
    :math:`y = x^2` is easy to find and slow to follow.
    """

    name = "rosenbrock"
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)

    def __init__(self, a=1.0, b=100.0):
        self.a, self.b = float(a), float(b)
        if self.b <= 0:
            raise ValueError(f"b must be positive, got {b}")
        self.minima = ((self.a, self.a**2),)

    def _f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def _grad(self, x, y):
        return -2 * (self.a - x) - 4 * self.b * x * (y - x**2), 2 * self.b * (y - x**2)


class Saddle(Surface):
    r"""A saddle between two valleys: :math:`f(x, y) = x^2/2 + y^4/4 - y^2/2`.

    Gradient :math:`(x,\ y^3 - y)`. The origin is a saddle point (gradient 0, curving up along
    :math:`x` and down along :math:`y`); the minima are :math:`(0, \pm 1)` with
    :math:`f = -1/4`. Near the saddle the gradient is tiny, so gradient descent lingers there.
    """

    name = "saddle"
    xlim = (-2.5, 2.5)
    ylim = (-1.6, 1.6)
    minima = ((0.0, -1.0), (0.0, 1.0))

    def _f(self, x, y):
        return x**2 / 2 + y**4 / 4 - y**2 / 2

    def _grad(self, x, y):
        return x, y**3 - y


class DoubleWell(Surface):
    r"""Two valleys of unequal depth: :math:`f(x, y) = (x^2 - 1)^2 + c\,x + y^2` (:math:`c = 0.3`).

    Gradient :math:`(4x(x^2 - 1) + c,\ 2y)`. The tilt :math:`c > 0` makes the valley near
    :math:`x = -1` the global minimum and the one near :math:`x = +1` a local minimum, with a
    bump near :math:`x = 0` between them. ``minima`` holds the global minimum only; the local
    one is ``local_minimum``. Both are found from the cubic :math:`4x^3 - 4x + c = 0`.
    """

    name = "double_well"
    xlim = (-2.0, 2.2)
    ylim = (-1.5, 1.5)

    def __init__(self, c=0.3):
        self.c = float(c)
        if not 0 < self.c < 1.5:
            raise ValueError(f"c must lie in (0, 1.5) for two valleys, got {c}")
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.c]).real)  # three real roots
        self.minima = ((float(roots[0]), 0.0),)
        self.local_minimum = (float(roots[2]), 0.0)

    def _f(self, x, y):
        return (x**2 - 1) ** 2 + self.c * x + y**2

    def _grad(self, x, y):
        return 4 * x * (x**2 - 1) + self.c, 2 * y


ravine = Ravine()
rosenbrock = Rosenbrock()
saddle = Saddle()
double_well = DoubleWell()


def optimize_path(optimizer, surface, start, steps):
    r"""The points an optimizer visits on a surface: an array of shape ``(steps + 1, 2)``.

    Row 0 is ``start``; row :math:`t` is the point after :math:`t` calls of
    ``optimizer.apply([grad], [w])`` with :math:`w = (x, y)` as one parameter array and
    ``grad`` the surface's gradient at :math:`w`. Pass a fresh optimizer (its slots belong to
    one path). Raises ``FloatingPointError`` naming the step when the path leaves finite
    numbers (the learning rate is too large for that surface).
    """
    if getattr(optimizer, "iterations", 0) != 0:
        raise ValueError(f"optimize_path needs a fresh optimizer; this one has already taken "
                         f"{optimizer.iterations} steps")
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    w = as_float_array(start, "start", ndim=1).astype(np.float64)
    if w.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {w.shape}")
    path = np.empty((steps + 1, 2))
    path[0] = w
    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            grad = np.array(surface.grad(w[0], w[1]), dtype=np.float64)
            if np.all(np.isfinite(grad)):
                optimizer.apply([grad], [w])
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(w))):
            raise FloatingPointError(f"the path on {getattr(surface, 'name', surface)} left finite "
                                     f"numbers at step {t}: try a smaller learning_rate")
        path[t] = w
    return path
