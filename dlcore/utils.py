"""Small formulas used across the book: parameter counts and exponentially weighted averages."""
import numpy as np

from ._checks import as_float_array, in_unit_interval, scalar


def count_params(layer_sizes):
    r"""Trainable parameters of a fully connected network with these layer sizes.

    Each layer k has :math:`n_{k-1} n_k` weights and :math:`n_k` biases:
    :math:`\sum_k (n_{k-1} + 1)\,n_k`. ``[4, 3, 2, 1]`` gives 15 + 8 + 3 = 26.
    """
    sizes = list(layer_sizes)
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) for n in sizes):
        raise ValueError(f"layer_sizes must be integers, got {layer_sizes}")
    if len(sizes) < 2 or min(sizes) <= 0:
        raise ValueError(f"need at least two positive layer sizes, got {layer_sizes}")
    return sum((int(n_in) + 1) * int(n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def ewma(values, beta, v0=0.0, bias_correction=False):
    r"""Exponentially weighted moving average :math:`v_t = \beta v_{t-1} + (1 - \beta)\theta_t`.

    Starts from :math:`v_0` (0 by default), so the first values are pulled towards 0; with
    ``bias_correction`` each :math:`v_t` is divided by :math:`1 - \beta^t`, which removes that pull
    when :math:`v_0 = 0`. It averages roughly the last :math:`1/(1 - \beta)` values.
    """
    values = as_float_array(values, "values", ndim=1)
    beta = in_unit_interval(scalar(beta, "beta", "a number in [0, 1)"), "beta")
    v = scalar(v0, "v0", "a finite number")
    if not np.isfinite(v):
        raise ValueError(f"v0 must be a finite number, got {v}: every average would be {v}")
    out = np.empty_like(values)
    for t, theta in enumerate(values, start=1):
        v = beta * v + (1 - beta) * theta
        out[t - 1] = v / (1 - beta**t) if bias_correction else v
    return out
