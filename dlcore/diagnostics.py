r"""Diagnostics: look inside a network to see why it does (or does not) learn.

Three questions the chapters on activations, initialisation and batch normalisation ask:

1. **How large is each layer's gradient?** :func:`compute_gradients` runs one forward and one
   backward pass without updating anything; :func:`gradient_norms` then reads
   :math:`\lVert \partial L/\partial W^k \rVert_F` for every dense layer k, input side first.
   A norm that falls by orders of magnitude towards the input is a *vanishing* gradient;
   one that grows is an *exploding* gradient.
2. **What does each layer output?** :func:`layer_activations` returns every layer's output for a
   batch, ready for one histogram per layer.
3. **Are ReLU units dead?** :func:`dead_relu_fraction` counts ReLU units whose pre-activation is
   :math:`z_j \le 0` for *every* sample: such a unit outputs 0 and passes back a zero gradient
   for all of them, so gradient descent cannot change its incoming weights.

Dense layers inside a :class:`~dlcore.layers.Residual` block count as layers of their own,
in the order the forward pass meets them.
"""
import numpy as np

from .layers import Activation, Dense, leaf_layers, restore_state, state_snapshot


def dense_layers(model):
    """The :class:`~dlcore.layers.Dense` layers of ``model`` in forward order (inside Residual blocks too)."""
    found = [layer for layer in leaf_layers(model.layers) if isinstance(layer, Dense)]
    if not found:
        raise ValueError("the model has no Dense layer")
    return found


def compute_gradients(model, X, y, training=True):
    r"""Fill every layer's parameter gradients for the batch ``(X, y)`` without updating anything.

    One forward pass (in training mode by default, so batch normalisation uses the batch's
    statistics, as in ``fit``), the loss :math:`L` of the compiled model, and one backward pass:
    afterwards ``model.grads`` holds :math:`\partial L/\partial\theta` for every parameter
    :math:`\theta`, exactly the gradients the next ``fit`` step would apply. Returns :math:`L`.

    Nothing else changes: ``X`` and ``y`` are checked (as ``fit`` checks them) before the forward
    pass, and BatchNormalization's moving statistics, which a training forward pass moves, are
    put back afterwards (also when the call fails), so ``get_weights()`` is the same before and after.
    """
    if model.loss is None:
        raise ValueError("compile the model (it needs a loss) before computing gradients")
    X, y, _ = model._check_data(X, y)
    saved = state_snapshot(model.layers)
    try:
        output = model.forward(X, training=training)
        return float(model.loss_and_backward(y, output))
    finally:
        restore_state(saved)


def gradient_norms(model):
    r"""Frobenius norm of the kernel gradient of each dense layer, input side first.

    :math:`\lVert \partial L/\partial W^k \rVert_F = \sqrt{\sum_{ij} (\partial L/\partial w^k_{ij})^2}`
    for k = 1, ..., K, read from the gradients the last backward pass stored (call
    :func:`compute_gradients` or ``fit`` first). Returns a float array of length K.
    """
    return np.array([np.linalg.norm(layer.dW) for layer in dense_layers(model)])


def layer_activations(model, X, training=False):
    """The output of every layer of ``model.layers`` for the batch ``X``, in order.

    A Dense layer's output is its activation :math:`a = f(XW + b)`; a Residual block's is
    :math:`x + F(x)`. Inference mode by default (dropout off, batch normalisation on its moving
    statistics). Returns a list of arrays, one per layer, each with one row per sample.
    With ``training=True`` batch normalisation uses the batch's statistics, and its moving
    statistics are left as they were: looking does not change the model.
    """
    out, _ = model._check_X(X)
    outputs = []
    saved = state_snapshot(model.layers)
    try:
        for layer in model.layers:
            out = layer.forward(out, training)
            outputs.append(out)
    finally:
        restore_state(saved)
    return outputs


def dead_relu_units(model, X):
    r"""For every ReLU layer, a boolean mask of its dead units on the batch ``X``.

    Unit j is dead on ``X`` when its pre-activation :math:`z_{nj} \le 0` for every sample n:
    then :math:`\mathrm{relu}(z_{nj}) = 0` and :math:`\mathrm{relu}'(z_{nj}) = 0` for all n, so
    :math:`\partial L/\partial w_{ij} = \sum_n a_{ni}\,\mathrm{relu}'(z_{nj})\,g_{nj} = 0`.
    ReLU layers are Dense layers with ``activation="relu"`` and ``Activation("relu")`` layers
    (leaky ReLU, ELU, ... never have a zero slope, so they are not counted).
    Returns a list with one mask of shape ``(n_units,)`` per ReLU layer, in forward order.
    """
    model.forward(model._check_X(X)[0], training=False)
    masks = []
    for layer in leaf_layers(model.layers):
        if isinstance(layer, (Dense, Activation)) and layer.activation.name == "relu":
            masks.append(np.all(layer.Z <= 0, axis=0))
    return masks


def dead_relu_fraction(model, X):
    r"""Fraction of all ReLU units of ``model`` that are dead on the batch ``X``.

    :math:`\frac{\#\{\text{units with } z_{nj} \le 0 \text{ for every } n\}}{\#\{\text{ReLU units}\}}`,
    pooled over every ReLU layer (see :func:`dead_relu_units`); a float in [0, 1].
    """
    masks = dead_relu_units(model, X)
    if not masks:
        raise ValueError("the model has no ReLU layer")
    return float(sum(m.sum() for m in masks) / sum(m.size for m in masks))
