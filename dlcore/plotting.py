"""Every figure of the book, drawn by one shared set of helpers.

Chapters never copy plotting code: they call these functions. Each helper

* takes plain NumPy arrays or callables (no dependence on the rest of dlcore),
* draws on the Axes ``ax`` it is given, or on a new figure when ``ax`` is None,
* sets axis labels and, when ``title`` is given, a title that says what the picture shows
  (so the title can double as alt text),
* returns the Axes (one panel) or the Figure (small multiples) so a notebook can add to it,
* never calls ``plt.show()``: the notebook does.

matplotlib is imported lazily, inside the functions (through ``_plt()``), so ``import dlcore``
does not need matplotlib and stays fast.
"""
import math

import numpy as np

BOOK_STYLE = {
    "figure.figsize": (6.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "legend.framealpha": 0.9,
    "figure.titlesize": 13,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
}
"""The rcParams every chapter uses (applied by :func:`use_book_style`)."""

CLASS_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")
"""Markers per class, so classes differ in shape as well as colour (colour-blind friendly)."""

_WRONG = "tab:red"  # colour of a wrong prediction


# ---------------------------------------------------------------------------------------------
# Small internal helpers
# ---------------------------------------------------------------------------------------------
def _plt():
    """Import and return ``matplotlib.pyplot`` (lazily: only when a figure is drawn)."""
    import matplotlib.pyplot as plt

    return plt


def _axes(ax, figsize=None):
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None."""
    if ax is None:
        _, ax = _plt().subplots(figsize=figsize, layout="constrained")
    return ax


def _label(ax, xlabel=None, ylabel=None, title=None):
    """Set the axis labels and the title (each only when given); return ``ax``."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax


def _small_multiples(n_panels, n_cols, panel_size=(3.0, 2.6), **subplot_kw):
    """A figure with ``n_panels`` Axes in rows of ``n_cols``; unused panels are hidden.

    Returns ``(fig, axes)`` with ``axes`` a flat list of the ``n_panels`` visible Axes.
    """
    if n_panels < 1:
        raise ValueError("need at least one panel to draw")
    n_cols = max(1, min(n_cols, n_panels))
    n_rows = math.ceil(n_panels / n_cols)
    fig, grid = _plt().subplots(
        n_rows, n_cols, squeeze=False, layout="constrained",
        figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows), **subplot_kw,
    )
    axes = list(grid.ravel())
    for extra in axes[n_panels:]:
        extra.set_visible(False)
    return fig, axes[:n_panels]


def _label_outer(axes, xlabel=None, ylabel=None):
    """Label the x axis of each bottom panel (no panel below it, tick labels shown again) and
    the y axis of each panel in the first column of a :func:`_small_multiples` figure."""
    for ax in axes:
        spec = ax.get_subplotspec()
        n_cols = spec.get_geometry()[1]
        if spec.num1 + n_cols >= len(axes):  # the panel below is missing or hidden
            ax.tick_params(labelbottom=True)
            if xlabel is not None:
                ax.set_xlabel(xlabel)
        if spec.is_first_col() and ylabel is not None:
            ax.set_ylabel(ylabel)


def _class_colours(n):
    """``n`` distinct colours from the tab10 cycle, one per class."""
    return [f"C{i % 10}" for i in range(n)]


def _scatter_classes(ax, X, y, classes, colours):
    """Scatter 2-D points ``X`` coloured and shaped by their class in ``y``."""
    for k, c in enumerate(classes):
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], c=colours[k], marker=CLASS_MARKERS[k % 10],
                   edgecolors="k", linewidths=0.6, s=36, label=f"class {c}", zorder=3)


def _check_2d_points(X, y):
    """Return ``X`` as an ``(N, 2)`` float array and ``y`` as an ``(N,)`` array."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).ravel()
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) to be drawn in the plane, got {X.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} rows")
    return X, y


def _idx(*indices):
    """Subscript text for indices: ``11`` for (1, 1), but ``1,12`` once any index has two digits."""
    sep = "," if any(i > 9 for i in indices) else ""
    return sep.join(str(i) for i in indices)


# ---------------------------------------------------------------------------------------------
# Style
# ---------------------------------------------------------------------------------------------
def use_book_style():
    """Apply the book's plot defaults (:data:`BOOK_STYLE`): 6x4 inch figures at 100 dpi, a light
    grid, readable font sizes. Calling it again changes nothing (idempotent)."""
    import matplotlib

    matplotlib.rcParams.update(BOOK_STYLE)


# ---------------------------------------------------------------------------------------------
# Classifiers in the plane: decision boundaries and the perceptron
# ---------------------------------------------------------------------------------------------
def _grid(X, resolution, padding):
    """A ``resolution x resolution`` grid covering the points ``X`` plus ``padding`` each side."""
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    return xx, yy


def _scores_on_grid(predict_fn, xx, yy):
    """Call ``predict_fn`` on the grid points; class probabilities ``(M, K>1)`` become labels."""
    out = np.asarray(predict_fn(np.column_stack([xx.ravel(), yy.ravel()])))
    if out.ndim == 2 and out.shape[1] > 1:
        out = out.argmax(axis=1)
    if out.size != xx.size:
        raise ValueError(f"predict_fn returned {out.size} values for {xx.size} grid points; "
                         "it must return one label or probability per row")
    return out.reshape(xx.shape)


def _is_labels(Z):
    """True when every value is a whole number (class labels, not probabilities)."""
    return Z.dtype.kind in "iub" or np.all(Z == np.round(Z))


def plot_decision_boundary(predict_fn, X, y, ax=None, resolution=200, padding=0.5, title=None,
                           xlabel="$x_1$", ylabel="$x_2$"):
    """Colour the plane by what ``predict_fn`` says, and scatter the data on top.

    ``predict_fn`` maps an ``(M, 2)`` array to labels ``(M,)``, probabilities of class 1
    (``(M,)`` or ``(M, 1)``, shaded from 0 to 1 with the 0.5 contour drawn as the boundary), or
    class probabilities ``(M, K)`` (the arg-max class is shown). Returns the Axes.
    """
    X, y = _check_2d_points(X, y)
    ax = _axes(ax)
    xx, yy = _grid(X, resolution, padding)
    Z = _scores_on_grid(predict_fn, xx, yy)
    if _is_labels(Z):
        classes = np.unique(np.concatenate([np.unique(y), np.unique(Z)]))
        colours = _class_colours(len(classes))
        index = np.searchsorted(classes, Z)  # class c -> its position in ``classes``
        ax.contourf(xx, yy, index, levels=np.arange(len(classes) + 1) - 0.5,
                    colors=colours, alpha=0.25)
    else:
        from matplotlib.colors import LinearSegmentedColormap

        classes = np.unique(y)
        colours = _class_colours(max(2, len(classes)))
        cmap = LinearSegmentedColormap.from_list("p", [colours[0], "white", colours[1]])
        shading = ax.contourf(xx, yy, Z, levels=np.linspace(0, 1, 11), cmap=cmap, alpha=0.5)
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.5)
        ax.figure.colorbar(shading, ax=ax, label="predicted probability of class 1")
    present = [c for c in classes if np.any(y == c)]
    _scatter_classes(ax, X, y, present, [colours[list(classes).index(c)] for c in present])
    ax.legend(loc="best")
    return _label(ax, xlabel, ylabel, title)


def plot_line(w, b, ax=None, **kw):
    r"""Draw the line :math:`w_1 x_1 + w_2 x_2 + b = 0` across the Axes' current limits.

    Solved for :math:`x_2 = -(w_1 x_1 + b)/w_2`; when :math:`w_2 = 0` the line is vertical,
    :math:`x_1 = -b/w_1`. Draw the data first so the limits are set; they are kept as they
    are. ``kw`` goes to ``ax.plot`` (e.g. ``color``, ``label``). Returns the Axes.
    """
    w = np.asarray(w, dtype=float).ravel()
    b = float(np.asarray(b, dtype=float).ravel()[0])
    if w.shape != (2,):
        raise ValueError(f"w must hold 2 weights for a line in the plane, got shape {w.shape}")
    if not np.any(w):
        raise ValueError("w is zero: w·x + b = 0 is no line (all points or none)")
    ax = _axes(ax)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    kw.setdefault("color", "k")
    if w[1] != 0:
        x1 = np.array(xlim)
        ax.plot(x1, -(w[0] * x1 + b) / w[1], **kw)
    else:
        x1 = -b / w[0]
        ax.plot([x1, x1], ylim, **kw)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return ax


def _shade_sides(ax, w, b, lo, hi, colours):
    """Shade the side ``w·x + b >= 0`` in ``colours[-1]`` and the other side in ``colours[0]``."""
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    positive = (w[0] * xx + w[1] * yy + b >= 0).astype(float)
    ax.contourf(xx, yy, positive, levels=[-0.5, 0.5, 1.5], colors=[colours[0], colours[-1]],
                alpha=0.2)


def plot_perceptron_snapshots(history, X, y, steps, n_cols=4, padding=0.5, title=None,
                              xlabel="$x_1$", ylabel="$x_2$", panel_label="snapshot"):
    """Small multiples of the perceptron's line moving during training.

    ``history`` is a list of ``(coef, intercept)`` snapshots (e.g. ``Perceptron.history_``);
    one panel per index in ``steps`` shows the data, the line ``coef·x + intercept = 0`` at
    that snapshot, and its two sides shaded: ``coef·x + intercept >= 0`` in the colour of the
    largest class label (class 1, or +1), the rest in the smallest's. A panel says so when
    ``coef`` is still zero. Panels are titled ``f"{panel_label} {step}"``. Returns the Figure.
    """
    X, y = _check_2d_points(X, y)
    classes = np.unique(y)
    colours = _class_colours(len(classes))
    fig, axes = _small_multiples(len(steps), n_cols, sharex=True, sharey=True)
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    for ax, step in zip(axes, steps):
        coef, intercept = history[step]
        _scatter_classes(ax, X, y, classes, colours)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        w = np.asarray(coef, dtype=float).ravel()
        if np.any(w):
            _shade_sides(ax, w, float(np.ravel(intercept)[0]), lo, hi, colours)
            plot_line(w, intercept, ax)
            ax.set_title(f"{panel_label} {step}")
        else:  # said in the title, where it cannot cover a data point
            ax.set_title(f"{panel_label} {step}: w = 0, no line yet")
    _label_outer(axes, xlabel, ylabel)
    axes[0].legend(loc="best", fontsize=8)
    if title is not None:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------------
def _curves(history):
    """A history as a dict ``key -> list``: a History (``.history``), a dict, or one list."""
    if hasattr(history, "history"):
        history = history.history
    if isinstance(history, dict):
        return history
    return {None: history}


def plot_loss_curves(histories, keys=("loss", "val_loss"), ax=None, logy=False, title=None):
    """Loss per epoch for several runs, one colour per run, one line style per key.

    ``histories`` maps a run's label to a History-like object (with ``.history``), a dict of
    lists (``History.history``) or a plain list of losses. Epochs count from 1, as Keras prints
    them. Returns the Axes.
    """
    if not isinstance(histories, dict):
        raise TypeError("histories must be a dict {label: History, dict or list}, "
                        f"got {type(histories).__name__}")
    ax = _axes(ax)
    styles = ["-", "--", ":", "-."]
    drawn = 0
    for i, (label, history) in enumerate(histories.items()):
        curves = _curves(history)
        for j, key in enumerate(keys if None not in curves else [None]):
            if key not in curves:
                continue
            values = np.asarray(curves[key], dtype=float)
            name = label if key is None else f"{label}: {key}"
            ax.plot(np.arange(1, len(values) + 1), values, color=f"C{i % 10}",
                    linestyle=styles[j % len(styles)], label=name)
            drawn += 1
    if drawn == 0:
        raise ValueError(f"none of the keys {keys} is in the histories given")
    if logy:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="best")
    return _label(ax, "epoch", "loss", title)


def plot_ewma(values, smoothed, ax=None, title=None):
    r"""Noisy values as dots and their exponentially weighted moving averages as lines.

    ``smoothed`` maps a label (e.g. ``"β = 0.9"``) to the EWMA sequence
    :math:`v_t = \beta v_{t-1} + (1-\beta)\,\theta_t`, as long as ``values``. Returns the Axes.
    """
    values = np.asarray(values, dtype=float)
    ax = _axes(ax)
    t = np.arange(1, len(values) + 1)
    ax.plot(t, values, "o", color="0.6", markersize=3, label="values $\\theta_t$")
    for label, v in smoothed.items():
        v = np.asarray(v, dtype=float)
        if v.shape != values.shape:
            raise ValueError(f"smoothed[{label!r}] has shape {v.shape}, values {values.shape}")
        ax.plot(t, v, label=label)
    ax.legend(loc="best")
    return _label(ax, "step $t$", "value", title)


# ---------------------------------------------------------------------------------------------
# Activations and losses with their derivatives
# ---------------------------------------------------------------------------------------------
def plot_function_and_derivative(funcs, z=None, n_cols=3, title=None):
    """One panel per activation: ``f(z)`` (solid) and ``f.derivative(z)`` (dashed).

    ``funcs`` maps a name to a callable with a ``derivative`` method (every dlcore element-wise
    activation). ``z`` defaults to 401 points on [-5, 5]. Returns the Figure.
    """
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z, dtype=float)
    fig, axes = _small_multiples(len(funcs), n_cols, sharex=True)
    for ax, (name, f) in zip(axes, funcs.items()):
        if not callable(getattr(f, "derivative", None)):
            raise TypeError(f"{name!r} has no derivative(z) method")
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.plot(z, f(z), label="$f(z)$")
        ax.plot(z, f.derivative(z), "--", label="$f'(z)$")
        ax.set_title(name)
    _label_outer(axes, "$z$")
    axes[0].legend(loc="best", fontsize=9)
    if title is not None:
        fig.suptitle(title)
    return fig


def _gradient(loss, y_true, y_pred, h=1e-6):
    """dL/dy_pred: ``loss.grad`` when the loss has one, otherwise a central difference."""
    if callable(getattr(loss, "grad", None)):
        return float(np.ravel(loss.grad(y_true, y_pred))[0])
    return (float(loss(y_true, y_pred + h)) - float(loss(y_true, y_pred - h))) / (2 * h)


def plot_loss_and_gradient(losses, errors=None, title=None):
    r"""Two panels: each regression loss against the error :math:`e = \hat y - y`, and its
    gradient :math:`\partial L/\partial \hat y` against the same error.

    ``losses`` maps a name to a callable ``loss(y_true, y_pred)``; it is evaluated on one sample
    (arrays of shape ``(1, 1)``) with ``y_true = 0`` and ``y_pred = e``. The gradient is
    ``loss.grad`` when present, else a central difference. ``errors`` defaults to 301 points on
    [-3, 3]. Returns the Figure.
    """
    errors = np.linspace(-3, 3, 301) if errors is None else np.asarray(errors, dtype=float)
    fig, (ax_loss, ax_grad) = _plt().subplots(1, 2, figsize=(10, 4), layout="constrained")
    y_true = np.zeros((1, 1))
    for name, loss in losses.items():
        values = [float(loss(y_true, np.full((1, 1), e))) for e in errors]
        grads = [_gradient(loss, y_true, np.full((1, 1), e)) for e in errors]
        ax_loss.plot(errors, values, label=name)
        ax_grad.plot(errors, grads, label=name)
    for ax in (ax_loss, ax_grad):
        ax.axhline(0, color="0.5", linewidth=0.8)
        ax.axvline(0, color="0.5", linewidth=0.8)
        ax.legend(loc="best")
    _label(ax_loss, r"error $\hat y - y$", "loss $L$", "loss against error")
    _label(ax_grad, r"error $\hat y - y$", r"gradient $\partial L/\partial \hat y$",
           "gradient against error")
    if title is not None:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------------------------------------
# Optimisation paths
# ---------------------------------------------------------------------------------------------
def plot_contour_paths(f, paths, xlim, ylim, ax=None, levels=30, log_levels=False, title=None,
                       resolution=200):
    """Contour lines of ``f(x, y)`` with optimiser paths drawn on top.

    ``f`` takes two grid arrays and returns an array of the same shape (write it with NumPy
    operations). ``paths`` maps a label to a ``(T, 2)`` array of visited points; each path is
    drawn with its start (circle) and end (cross), and a dot per step when it has at most 60
    points. ``log_levels=True`` spaces the contour
    levels geometrically between the smallest positive and the largest value, which suits
    valleys such as Rosenbrock's. Returns the Axes.
    """
    ax = _axes(ax)
    xx, yy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    Z = np.asarray(f(xx, yy), dtype=float)
    if Z.shape != xx.shape:
        raise ValueError(f"f(x, y) returned shape {Z.shape} on a grid of shape {xx.shape}")
    norm = None
    if log_levels:
        from matplotlib.colors import LogNorm

        positive = Z[Z > 0]
        if positive.size == 0:
            raise ValueError("log_levels needs f > 0 somewhere on the grid")
        levels = np.geomspace(positive.min(), Z.max(), levels)
        norm = LogNorm(levels[0], levels[-1])
    cs = ax.contour(xx, yy, Z, levels=levels, norm=norm, cmap="viridis", linewidths=0.8,
                    alpha=0.8)
    for i, (label, path) in enumerate(paths.items()):
        path = np.asarray(path, dtype=float)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"path {label!r} must have shape (T, 2), got {path.shape}")
        colour = f"C{(i + 1) % 10}"
        marker = "o" if len(path) <= 60 else None  # dots show single steps of short paths
        ax.plot(path[:, 0], path[:, 1], "-", color=colour, marker=marker, markersize=3,
                linewidth=1.5, label=label)
        ax.plot(*path[0], "o", color=colour, markersize=8, markeredgecolor="k")
        ax.plot(*path[-1], "X", color=colour, markersize=10, markeredgecolor="k")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.grid(False)
    ticks = None
    if log_levels:
        from matplotlib.ticker import LogLocator

        ticks = LogLocator()  # powers of ten, not the odd level values
    ax.figure.colorbar(cs, ax=ax, label="$f(x, y)$", ticks=ticks)
    if paths:
        ax.legend(loc="best")
    return _label(ax, "$x$", "$y$", title)


# ---------------------------------------------------------------------------------------------
# Images and classification results
# ---------------------------------------------------------------------------------------------
def _as_square_images(images):
    """``(N, H, W)`` images stay; flat ``(N, H*W)`` rows become square ``(N, H, H)``."""
    images = np.asarray(images)
    if images.ndim == 3:
        return images
    side = math.isqrt(images.shape[-1]) if images.ndim == 2 else 0
    if images.ndim != 2 or side * side != images.shape[1]:
        raise ValueError(f"images must be (N, H, W) or flat square (N, H*H), got {images.shape}")
    return images.reshape(-1, side, side)


def _image_caption(i, labels, predictions):
    """(caption, colour) of image ``i``: 'pred 3 / true 5' in red when the prediction is wrong."""
    if labels is not None and predictions is not None:
        wrong = predictions[i] != labels[i]
        return f"pred {predictions[i]} / true {labels[i]}", (_WRONG if wrong else "k")
    if predictions is not None:
        return f"pred {predictions[i]}", "k"
    if labels is not None:
        return f"true {labels[i]}", "k"
    return None, "k"


def plot_image_grid(images, labels=None, predictions=None, n_cols=10, cmap="gray_r", title=None):
    """A grid of small images (e.g. MNIST digits) with optional captions.

    With both ``labels`` and ``predictions`` each caption reads ``pred 3 / true 5`` and wrong
    predictions are red; with one of them, ``true 5`` or ``pred 3``. Flat rows of 784 pixels
    are shown as 28x28. Returns the Figure.
    """
    images = _as_square_images(images)
    n = len(images)
    for name, arr in (("labels", labels), ("predictions", predictions)):
        if arr is not None and len(arr) != n:
            raise ValueError(f"{name} has {len(arr)} entries for {n} images")
    captions = labels is not None or predictions is not None
    panel = (1.3, 1.5) if captions else (1.0, 1.0)
    fig, axes = _small_multiples(n, n_cols, panel_size=panel)
    for i, ax in enumerate(axes):
        ax.imshow(images[i], cmap=cmap)
        ax.set_axis_off()
        caption, colour = _image_caption(i, labels, predictions)
        if caption is not None:
            ax.set_title(caption, fontsize=8, color=colour)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(cm, class_names=None, ax=None, normalize=False, title=None,
                          cmap="Blues"):
    """Show a confusion matrix (rows: true class, columns: predicted class) with its numbers.

    ``normalize=True`` divides each row by its total, so a cell reads "fraction of class i
    predicted as j" and the diagonal is each class's recall (a row with no samples stays 0).
    Returns the Axes.
    """
    cm = np.asarray(cm, dtype=float)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square matrix, got shape {cm.shape}")
    if normalize:
        totals = cm.sum(axis=1, keepdims=True)
        cm = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    k = cm.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    ax = _axes(ax, figsize=(max(5.5, 0.55 * k + 2), max(4.0, 0.55 * k + 1.5)))
    image = ax.imshow(cm, cmap=cmap, vmin=0, vmax=1 if normalize else None)
    threshold = cm.max() / 2
    fontsize = 10 if k <= 6 else 8
    for i in range(k):
        for j in range(k):
            text = f"{cm[i, j]:.2f}" if normalize else f"{cm[i, j]:.0f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                    color="white" if cm[i, j] > threshold else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label="fraction of row" if normalize else "count")
    return _label(ax, "predicted class", "true class", title)


# ---------------------------------------------------------------------------------------------
# The network diagram of the MLP-notation chapter
# ---------------------------------------------------------------------------------------------
def _node_positions(layer_sizes, dx=2.4):
    """Centre ``(x, y)`` of node j of layer k, as ``pos[k][j]``; layers are centred vertically."""
    return [[(k * dx, (n - 1) / 2 - j) for j in range(n)] for k, n in enumerate(layer_sizes)]


def _layer_caption(k, n_layers):
    """'input layer', 'hidden layer k' or 'output layer'."""
    if k == 0:
        return "input layer"
    return "output layer" if k == n_layers - 1 else f"hidden layer {k}"


def _label_edge(ax, start, end, text, above):
    """Write ``text`` beside the edge from ``start`` to ``end``, a third of the way along."""
    (x0, y0), (x1, y1) = start, end
    x, y = x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3
    ax.text(x, y + (0.18 if above else -0.18), text, ha="center",
            va="bottom" if above else "top", fontsize=10, color="C3")


def draw_network(layer_sizes, ax=None, labels=True, title=None, radius=0.3):
    r"""Draw a fully connected network (MLP): circles for nodes, one line per weight.

    With ``labels=True`` the course notation is written on it: inputs :math:`x_1 \dots x_n`;
    node j of layer k is :math:`o_{kj}` with its bias :math:`b_{kj}` below it; and on the
    first and last edge into each layer (drawn in red), the weight :math:`w^k_{ij}` (from
    node i of layer k-1 to node j of layer k, which is ``W[i-1, j-1]`` of dlcore's layer k).
    Returns the Axes.
    """
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least two layers of >= 1 node, got {layer_sizes}")
    from matplotlib.patches import Circle

    pos = _node_positions(sizes)
    ax = _axes(ax, figsize=(2.0 * len(sizes) + 1, 1.0 * max(sizes) + 1.6))
    for k in range(1, len(sizes)):
        labelled = {(0, 0), (sizes[k - 1] - 1, sizes[k] - 1)} if labels else set()
        for i, start in enumerate(pos[k - 1]):
            for j, end in enumerate(pos[k]):
                colour, width = ("C3", 1.6) if (i, j) in labelled else ("0.6", 1.0)
                ax.plot([start[0], end[0]], [start[1], end[1]], color=colour, linewidth=width,
                        zorder=1)
    for k, layer in enumerate(pos):
        for j, (x, y) in enumerate(layer, start=1):
            face = "#dbe9f6" if k == 0 else "#fde7c8"
            ax.add_patch(Circle((x, y), radius, facecolor=face, edgecolor="k", zorder=2))
            if labels:
                name = f"$x_{{{j}}}$" if k == 0 else f"$o_{{{_idx(k, j)}}}$"
                ax.text(x, y, name, ha="center", va="center", fontsize=11, zorder=3)
                if k > 0:
                    ax.text(x, y - radius - 0.05, f"$b_{{{_idx(k, j)}}}$", ha="center",
                            va="top", fontsize=9, color="C0", zorder=3,
                            bbox={"fc": "white", "ec": "none", "pad": 0.5})
    if labels:
        for k in range(1, len(sizes)):
            n_in, n_out = sizes[k - 1], sizes[k]
            _label_edge(ax, pos[k - 1][0], pos[k][0], f"$w^{{{k}}}_{{{_idx(1, 1)}}}$", True)
            if n_in * n_out > 1:
                _label_edge(ax, pos[k - 1][-1], pos[k][-1],
                            f"$w^{{{k}}}_{{{_idx(n_in, n_out)}}}$", False)
    bottom = -(max(sizes) - 1) / 2 - radius
    for k in range(len(sizes)):
        ax.text(pos[k][0][0], bottom - 0.45, _layer_caption(k, len(sizes)), ha="center",
                va="top", fontsize=10)
    ax.set_xlim(pos[0][0][0] - 0.7, pos[-1][0][0] + 0.7)
    ax.set_ylim(bottom - 0.9, -bottom + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return _label(ax, title=title)


# ---------------------------------------------------------------------------------------------
# Inside a deep network: activations and gradients per layer
# ---------------------------------------------------------------------------------------------
def plot_histograms_per_layer(activations, title=None, bins=50, n_cols=5, layer_names=None):
    """Small multiples: one histogram of the activations of each layer, on shared bins, each
    panel titled with the layer's mean and standard deviation (the initialisation chapter's
    picture of activations collapsing to 0 or saturating). Returns the Figure.
    """
    arrays = [np.asarray(a, dtype=float).ravel() for a in activations]
    names = layer_names or [f"layer {k}" for k in range(1, len(arrays) + 1)]
    if len(names) != len(arrays):
        raise ValueError(f"{len(names)} layer names for {len(arrays)} layers")
    lo = min(a.min() for a in arrays)
    hi = max(a.max() for a in arrays)
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    fig, axes = _small_multiples(len(arrays), n_cols, panel_size=(2.6, 2.4), sharex=True)
    for ax, a, name in zip(axes, arrays, names):
        ax.hist(a, bins=edges, color="C0")
        ax.set_title(f"{name}\nmean {a.mean():.2g}, std {a.std():.2g}", fontsize=10)
    _label_outer(axes, "activation", "count")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_gradient_norms(norms, logy=True, ax=None, title=None):
    r"""Gradient norm per layer (layer 1 nearest the input), one line per run.

    ``norms`` maps a label (e.g. ``"sigmoid"``, ``"relu"``) to a list of per-layer norms such
    as :math:`\lVert \partial J/\partial W^k \rVert`. On a log axis (the default) vanishing
    gradients show as a straight falling line. Returns the Axes.
    """
    ax = _axes(ax)
    for label, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=label)
    if logy:
        ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="best")
    return _label(ax, "layer $k$", r"gradient norm $\| \partial J/\partial W^k \|$", title)
