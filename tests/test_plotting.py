"""Tests for dlcore.plotting: each helper draws the artists it promises, on small inputs.

The figures are inspected, not looked at: node circles and edges are counted, contour regions
are probed with points, plotted line data is compared with the numbers that went in.
"""
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np

from dlcore.metrics import confusion_matrix  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.patches import Circle, Rectangle  # noqa: E402

from dlcore import plotting as P  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """Fail if a helper calls plt.show() (the notebooks do); close every figure afterwards."""
    def forbidden(*args, **kwargs):
        raise AssertionError("plotting helpers must not call plt.show()")

    monkeypatch.setattr(plt, "show", forbidden)
    yield
    plt.close("all")


def _line(ax, label):
    """The one Line2D on ``ax`` with this legend label."""
    lines = [line for line in ax.lines if line.get_label() == label]
    assert len(lines) == 1, f"expected one line labelled {label!r}, got {len(lines)}"
    return lines[0]


def _filled_contours(ax):
    return [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]


# --- import and style -------------------------------------------------------------------------
def test_import_does_not_import_matplotlib():
    code = ("import sys, dlcore, dlcore.plotting\n"
            "assert 'matplotlib' not in sys.modules, 'import dlcore.plotting loaded matplotlib'\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_use_book_style_sets_rcparams_and_is_idempotent():
    with matplotlib.rc_context():
        P.use_book_style()
        first = {key: matplotlib.rcParams[key] for key in P.BOOK_STYLE}
        P.use_book_style()
        second = {key: matplotlib.rcParams[key] for key in P.BOOK_STYLE}
        assert first == second
        assert list(matplotlib.rcParams["figure.figsize"]) == [6.0, 4.0]
        assert matplotlib.rcParams["figure.dpi"] == 100
        assert matplotlib.rcParams["axes.grid"] is True


# --- decision boundaries and the perceptron -----------------------------------------------
X2 = np.array([[-1.0, -1.0], [-1.5, 0.5], [-0.5, 1.0], [1.0, -1.0], [1.5, 0.5], [0.5, 1.0]])
Y2 = np.array([0, 0, 0, 1, 1, 1])


def test_decision_boundary_labels_colours_the_two_sides_differently():
    ax = P.plot_decision_boundary(lambda G: (G[:, 0] > 0).astype(int), X2, Y2, title="split")
    assert ax.get_title() == "split" and ax.get_xlabel() == "$x_1$"
    (regions,) = _filled_contours(ax)
    class0, class1 = regions.get_paths()  # one path per filled level: class 0, then class 1
    assert class0.contains_point((-1.0, 0.0)) and not class1.contains_point((-1.0, 0.0))
    assert class1.contains_point((1.0, 0.0)) and not class0.contains_point((1.0, 0.0))
    colours = regions.get_facecolor()
    assert not np.allclose(colours[0], colours[1])
    assert len(ax.collections) == 3  # the filled regions + one scatter per class


def test_decision_boundary_probabilities_draw_the_half_contour():
    ax = P.plot_decision_boundary(lambda G: 1 / (1 + np.exp(-4 * G[:, :1])), X2, Y2,
                                  resolution=101)
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    assert len(lines) == 1 and list(lines[0].levels) == [0.5]
    boundary = np.concatenate([p.vertices for p in lines[0].get_paths()])
    step = (X2[:, 0].max() - X2[:, 0].min() + 1.0) / 100
    np.testing.assert_allclose(boundary[:, 0], 0.0, atol=step)  # sigmoid(4 x1) = 0.5 at x1 = 0


def test_decision_boundary_class_probabilities_use_argmax():
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    X = np.repeat(centres, 2, axis=0) + 0.1
    y = np.repeat([0, 1, 2], 2)
    ax = P.plot_decision_boundary(lambda G: -((G[:, None] - centres) ** 2).sum(-1), X, y)
    paths = _filled_contours(ax)[0].get_paths()
    assert len(paths) == 3
    for k, centre in enumerate(centres):
        assert paths[k].contains_point(centre)


def test_decision_boundary_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        P.plot_decision_boundary(lambda G: G[:, 0], np.ones((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="grid points"):
        P.plot_decision_boundary(lambda G: np.zeros(3), X2, Y2)


def test_plot_line_draws_the_boundary_and_keeps_limits():
    _, ax = plt.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-3, 3)
    assert P.plot_line([1.0, 2.0], -0.5, ax, color="C2") is ax
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(1.0 * np.asarray(x) + 2.0 * np.asarray(y) - 0.5, 0.0, atol=1e-12)
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-3, 3)


def test_plot_line_vertical_and_degenerate():
    _, ax = plt.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-3, 3)
    P.plot_line(np.array([[2.0], [0.0]]), np.array([-2.0]), ax)  # 2 x1 - 2 = 0: x1 = 1
    x, y = ax.lines[0].get_data()
    assert list(x) == [1.0, 1.0] and list(y) == [-3, 3]
    with pytest.raises(ValueError, match="w is zero"):
        P.plot_line([0.0, 0.0], 1.0, ax)
    with pytest.raises(ValueError, match="2 weights"):
        P.plot_line([1.0, 2.0, 3.0], 0.0, ax)


def test_perceptron_snapshots_one_panel_per_step():
    history = [(np.zeros(2), 0.0), (np.array([1.0, 0.0]), 0.5), (np.array([1.0, 1.0]), -0.2)]
    fig = P.plot_perceptron_snapshots(history, X2, Y2, steps=[0, 1, 2], title="moving line")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 3 and fig._suptitle.get_text() == "moving line"
    assert len(axes[0].lines) == 0 and "w = 0" in axes[0].get_title()
    x, y = axes[2].lines[0].get_data()
    np.testing.assert_allclose(np.asarray(x) + np.asarray(y) - 0.2, 0.0, atol=1e-12)
    assert [ax.get_title() for ax in axes] == ["snapshot 0: w = 0, no line yet", "snapshot 1", "snapshot 2"]


def test_perceptron_snapshots_with_dlcore_perceptron():
    from dlcore import Perceptron

    model = Perceptron(learning_rate=0.1, epochs=10).fit(X2, Y2)
    last = len(model.history_) - 1
    fig = P.plot_perceptron_snapshots(model.history_, X2, Y2, steps=[0, last],
                                      panel_label="update")
    assert fig.axes[1].get_title() == f"update {last}"
    assert len(fig.axes[1].lines) == 1


# --- training curves ----------------------------------------------------------------------
class _FakeHistory:
    """Anything with a ``.history`` dict, as keras and dlcore's ``History`` have."""

    def __init__(self, history):
        self.history = history


def test_loss_curves_accept_history_dict_and_list():
    histories = {
        "sgd": _FakeHistory({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.7, 0.6]}),
        "adam": {"loss": [0.8, 0.3, 0.1]},
        "plain": [0.9, 0.6, 0.5],
    }
    ax = P.plot_loss_curves(histories, title="curves")
    assert [line.get_label() for line in ax.lines] == [
        "sgd: loss", "sgd: val_loss", "adam: loss", "plain"]
    x, y = _line(ax, "sgd: val_loss").get_data()
    assert list(x) == [1, 2, 3] and list(y) == [1.1, 0.7, 0.6]
    assert _line(ax, "sgd: loss").get_color() == _line(ax, "sgd: val_loss").get_color()
    assert _line(ax, "sgd: val_loss").get_linestyle() == "--"
    assert ax.get_yscale() == "linear" and ax.get_xlabel() == "epoch"
    assert P.plot_loss_curves(histories, logy=True).get_yscale() == "log"


def test_loss_curves_errors():
    with pytest.raises(ValueError, match="none of the keys"):
        P.plot_loss_curves({"run": {"accuracy": [0.5, 0.9]}})
    with pytest.raises(TypeError, match="dict"):
        P.plot_loss_curves([0.5, 0.4])


def test_ewma_draws_values_and_each_average():
    values = np.array([1.0, 3.0, 2.0, 4.0])
    smoothed = {"β = 0.5": np.array([0.5, 1.75, 1.875, 2.9375]), "β = 0.9": np.zeros(4)}
    ax = P.plot_ewma(values, smoothed, title="ewma")
    assert len(ax.lines) == 3
    np.testing.assert_array_equal(_line(ax, "β = 0.5").get_ydata(), smoothed["β = 0.5"])
    with pytest.raises(ValueError, match="shape"):
        P.plot_ewma(values, {"short": np.zeros(3)})


# --- activations and losses ---------------------------------------------------------------
def test_function_and_derivative_with_dlcore_activations():
    from dlcore import activations

    funcs = {"sigmoid": activations.sigmoid, "tanh": activations.tanh, "relu": activations.relu}
    z = np.linspace(-3, 3, 61)
    fig = P.plot_function_and_derivative(funcs, z=z, n_cols=2, title="activations")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["sigmoid", "tanh", "relu"]
    assert len(fig.axes) == 4 and not fig.axes[3].get_visible()  # 2x2 grid, one spare
    for ax, f in zip(axes, funcs.values()):
        np.testing.assert_allclose(_line(ax, "$f(z)$").get_ydata(), f(z))
        np.testing.assert_allclose(_line(ax, "$f'(z)$").get_ydata(), f.derivative(z))


def test_function_and_derivative_needs_a_derivative():
    with pytest.raises(TypeError, match="derivative"):
        P.plot_function_and_derivative({"square": np.square})


def test_loss_and_gradient_numeric_and_grad_method():
    class Constant:
        """A loss whose .grad is a constant 7, to show .grad is used when present."""

        def __call__(self, y_true, y_pred):
            return float(np.mean(y_pred - y_true))

        def grad(self, y_true, y_pred):
            return np.full_like(y_pred, 7.0)

    errors = np.linspace(-2, 2, 9)
    losses = {"mse": lambda y, p: float(np.mean((p - y) ** 2)), "constant": Constant()}
    fig = P.plot_loss_and_gradient(losses, errors, title="losses")
    ax_loss, ax_grad = fig.axes
    np.testing.assert_allclose(_line(ax_loss, "mse").get_ydata(), errors ** 2)
    np.testing.assert_allclose(_line(ax_grad, "mse").get_ydata(), 2 * errors, atol=1e-6)
    np.testing.assert_array_equal(_line(ax_grad, "constant").get_ydata(), 7.0)


def test_loss_and_gradient_with_dlcore_losses():
    from dlcore import losses

    errors = np.array([-2.0, -0.5, 0.5, 2.0])
    fig = P.plot_loss_and_gradient({"MSE": losses.mse, "MAE": losses.mae}, errors)
    ax_loss, ax_grad = fig.axes
    np.testing.assert_allclose(_line(ax_loss, "MAE").get_ydata(), np.abs(errors))
    np.testing.assert_allclose(_line(ax_grad, "MSE").get_ydata(), 2 * errors)  # no ½ in Keras
    np.testing.assert_allclose(_line(ax_grad, "MAE").get_ydata(), np.sign(errors))


# --- optimisation paths -------------------------------------------------------------------
def test_contour_paths_draw_each_path_on_log_levels():
    path = np.array([[-4.0, 1.5], [-3.2, -1.2], [-2.6, 1.0], [-2.0, -0.8]])
    ax = P.plot_contour_paths(lambda x, y: x ** 2 + 10 * y ** 2, {"GD": path}, (-5, 5), (-2, 2),
                              levels=12, log_levels=True, title="valley")
    x, y = _line(ax, "GD").get_data()
    np.testing.assert_array_equal(np.column_stack([x, y]), path)
    (contours,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    levels = np.asarray(contours.levels)
    assert len(levels) == 12 and levels[0] > 0
    np.testing.assert_allclose(np.diff(np.log(levels)), np.log(levels[1] / levels[0]))
    assert ax.get_xlim() == (-5, 5) and ax.get_title() == "valley"


def test_contour_paths_errors():
    f = lambda x, y: x ** 2 + y ** 2  # noqa: E731
    with pytest.raises(ValueError, match=r"\(T, 2\)"):
        P.plot_contour_paths(f, {"bad": np.zeros((3, 3))}, (-1, 1), (-1, 1))
    with pytest.raises(ValueError, match="returned shape"):
        P.plot_contour_paths(lambda x, y: 1.0, {}, (-1, 1), (-1, 1))


# --- images and classification results ---------------------------------------------------
def test_image_grid_draws_every_image_and_marks_wrong_ones():
    images = np.arange(12 * 784, dtype=float).reshape(12, 784)  # flat rows become 28x28
    labels = np.arange(12) % 10
    predictions = labels.copy()
    predictions[3] = 5
    fig = P.plot_image_grid(images, labels, predictions, n_cols=5, title="digits")
    shown = [im for ax in fig.axes for im in ax.get_images()]
    assert len(shown) == 12 and all(isinstance(im, AxesImage) for im in shown)
    assert shown[0].get_array().shape == (28, 28)
    assert sum(ax.get_visible() for ax in fig.axes) == 12  # 3 rows of 5, 3 spare hidden
    title = fig.axes[3].title
    assert title.get_text() == "pred 5 / true 3"
    assert to_rgba(title.get_color()) == to_rgba("tab:red")
    assert to_rgba(fig.axes[0].title.get_color()) == to_rgba("k")


def test_image_grid_without_captions_and_bad_shapes():
    fig = P.plot_image_grid(np.zeros((3, 5, 5)))
    assert [ax.get_title() for ax in fig.axes] == ["", "", ""]
    with pytest.raises(ValueError, match="square"):
        P.plot_image_grid(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="labels has 2 entries"):
        P.plot_image_grid(np.zeros((3, 4, 4)), labels=[1, 2])


def test_confusion_matrix_hand_example():
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    expected = [[1, 1, 0],
                [0, 2, 1],
                [0, 0, 1]]
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), expected)
    padded = confusion_matrix(y_true, y_pred, num_classes=4)
    assert padded.shape == (4, 4) and padded[3].sum() == 0 and padded.sum() == 6


def test_confusion_matrix_matches_a_loop():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    by_loop = np.zeros((5, 5), dtype=int)
    for t, p in zip(y_true, y_pred):
        by_loop[t, p] += 1
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 5), by_loop)


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix([0, -1], [0, 1], num_classes=3)
    with pytest.raises(ValueError, match="integer class labels"):
        confusion_matrix([0, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix([0, 1, 1], [0, 1])


def test_plot_confusion_matrix_normalized_rows():
    cm = np.array([[3, 1, 0], [0, 0, 0], [1, 1, 2]])
    ax = P.plot_confusion_matrix(cm, class_names=["a", "b", "c"], normalize=True, title="cm")
    shown = ax.get_images()[0].get_array()
    np.testing.assert_allclose(shown.sum(axis=1), [1.0, 0.0, 1.0])  # the empty row stays 0
    assert len(ax.texts) == 9 and ax.texts[0].get_text() == "0.75"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    counts = P.plot_confusion_matrix(cm)
    assert counts.texts[0].get_text() == "3"
    with pytest.raises(ValueError, match="square"):
        P.plot_confusion_matrix(np.zeros((2, 3)))


# --- the network diagram ------------------------------------------------------------------
def _circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


@pytest.mark.parametrize("sizes", [[4, 3, 2, 1], [2, 2, 1], [5, 4, 3, 2, 1]])
def test_draw_network_counts_nodes_and_edges(sizes):
    ax = P.draw_network(sizes)
    assert len(_circles(ax)) == sum(sizes)
    n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len(ax.lines) == n_edges  # [4, 3, 2, 1]: 12 + 6 + 2 = 20
    centres = {tuple(c.center) for c in _circles(ax)}
    for line in ax.lines:  # each edge joins two node centres
        x, y = line.get_data()
        assert (x[0], y[0]) in centres and (x[1], y[1]) in centres and x[1] > x[0]


def test_draw_network_uses_the_course_notation():
    ax = P.draw_network([4, 3, 2, 1], title="4-3-2-1")
    texts = {t.get_text() for t in ax.texts}
    for label in ["$x_{1}$", "$x_{4}$", "$o_{11}$", "$o_{13}$", "$o_{31}$", "$b_{11}$",
                  "$b_{31}$", "$w^{1}_{11}$", "$w^{1}_{43}$", "$w^{3}_{21}$", "input layer",
                  "hidden layer 2", "output layer"]:
        assert label in texts, label
    assert not any(t.startswith("$b_{0") for t in texts)  # inputs have no bias
    assert ax.get_title() == "4-3-2-1"


def test_draw_network_two_digit_indices_and_no_labels():
    texts = {t.get_text() for t in P.draw_network([12, 1]).texts}
    assert "$x_{12}$" in texts and "$w^{1}_{12,1}$" in texts and "$o_{11}$" in texts
    bare = P.draw_network([3, 1], labels=False)
    assert not any("$" in t.get_text() for t in bare.texts)
    with pytest.raises(ValueError, match="two layers"):
        P.draw_network([3])


# --- inside a deep network ----------------------------------------------------------------
def test_histograms_per_layer_share_bins():
    rng = np.random.default_rng(1)
    acts = [rng.normal(0, s, (50, 8)) for s in (1.0, 0.5, 0.1)]
    fig = P.plot_histograms_per_layer(acts, bins=20, title="activations")
    assert len(fig.axes) == 3
    for ax, a in zip(fig.axes, acts):
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == 20 and sum(b.get_height() for b in bars) == a.size
        assert f"std {a.std():.2g}" in ax.get_title()
    lefts = [ax.patches[0].get_x() for ax in fig.axes]
    assert lefts == [lefts[0]] * 3  # the same bin edges in every panel


def test_gradient_norms_one_line_per_run():
    norms = {"sigmoid": [1e-4, 1e-3, 1e-2, 1e-1], "relu": [0.5, 0.6, 0.5, 0.7]}
    ax = P.plot_gradient_norms(norms, title="norms")
    assert ax.get_yscale() == "log" and len(ax.lines) == 2
    x, y = _line(ax, "sigmoid").get_data()
    assert list(x) == [1, 2, 3, 4] and list(y) == norms["sigmoid"]
    assert P.plot_gradient_norms(norms, logy=False).get_yscale() == "linear"
