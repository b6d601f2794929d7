"""dlcore: the arithmetic of Keras written out in NumPy, one readable function at a time.

Rows are samples (``X`` is ``(N, D)``), a dense kernel ``W`` is ``(n_in, n_out)``, names and
defaults are Keras's. ``import dlcore`` loads NumPy only; ``dlcore.plotting`` imports
matplotlib when a plot is drawn.
"""
__version__ = "0.1.0"

from . import (activations, callbacks, data, diagnostics, gradcheck, initializers, layers, losses,
               metrics, optimizers, regularizers, schedules, surfaces)
from .callbacks import EarlyStopping, History, LearningRateScheduler
from .layers import BatchNormalization, Dense, Dropout, Flatten
from .models import Sequential
from .perceptron import Perceptron
from .utils import count_params, ewma

__all__ = [
    "activations", "callbacks", "data", "diagnostics", "gradcheck", "initializers", "layers", "losses",
    "metrics", "optimizers", "regularizers", "schedules", "surfaces", "plotting", "Sequential", "Dense",
    "Dropout", "Flatten", "BatchNormalization", "EarlyStopping", "History", "LearningRateScheduler", "Perceptron",
    "count_params", "ewma",
]


def __getattr__(name):
    """Import ``dlcore.plotting`` (and with it matplotlib) only when it is first used."""
    if name == "plotting":
        import importlib
        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'dlcore' has no attribute {name!r}")
