"""Stand-ins shared by several test modules."""
import numpy as np


class FakeModel:
    """Just enough model for a callback: weights that record the epoch, and stop_training."""

    def __init__(self):
        self.weights = [np.array([-1.0])]
        self.stop_training = False

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w, dtype=float) for w in weights]
