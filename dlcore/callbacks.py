"""Callbacks that ``Sequential.fit`` calls around every epoch, with Keras's semantics."""
import difflib

import numpy as np

from ._checks import integer, non_negative, positive


class Callback:
    """Hooks: ``on_train_begin``, ``on_epoch_begin(epoch)``, ``on_epoch_end(epoch, logs)``,
    ``on_train_end``; ``model`` is set by fit."""

    model = None

    def set_model(self, model):
        """Attach the model being trained (``fit`` calls this, as Keras does)."""
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def logged_keys(self):
        """Names this callback adds to the epoch logs (``fit`` uses them to check other callbacks
        before training); override when a subclass writes into ``logs``."""
        return ()

    def check_logs(self, keys):
        """Called by ``fit`` before the first update with the names the epoch logs will hold:
        raise here, not after an epoch of training, when something this callback needs is missing."""


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when the value beats the best so far by more than ``min_delta``
    (lower is better for losses, higher for accuracies). After ``patience`` epochs without
    improvement training stops; with ``restore_best_weights=True`` the weights of the best
    epoch are put back when training ends (as Keras 3 does, also when it never stopped early). As in Keras, nothing stops at epoch 0, and ``stopped_epoch`` is the
    0-based epoch at which training stopped (0 if it never stopped early).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, restore_best_weights=False, mode="auto"):
        if not isinstance(monitor, str):
            raise ValueError(f"monitor must be the name of a logged value such as 'val_loss', got {monitor!r}")
        self.monitor = monitor
        self.min_delta = non_negative(abs(float(min_delta)), "min_delta")  # Keras takes abs(min_delta)
        self.patience = integer(patience, "patience", 0)
        self.restore_best_weights = bool(restore_best_weights)
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.mode = mode

    def check_logs(self, keys):
        """Refuse, before training, a ``monitor`` that the logs of this ``fit`` will never hold."""
        if self.monitor in keys:
            return
        hint = ""
        if self.monitor.startswith("val_") and self.monitor[4:] in keys:
            hint = " (val_ values exist only when fit gets validation_data)"
        else:
            close = difflib.get_close_matches(self.monitor, sorted(keys), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"EarlyStopping monitor={self.monitor!r} will never be logged by this fit, "
                         f"whose logs hold {sorted(keys)}{hint}")

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_epoch = 0
        self.best_weights = None

    def _improved(self, value):
        if self.mode == "min":
            return value + self.min_delta < self.best
        return value - self.min_delta > self.best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r} but the logs have {sorted(logs)}")
        value = logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """With ``restore_best_weights``, put back the best epoch's weights (stopped early or not)."""
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate at the start of every epoch: ``lr = schedule(epoch, lr)``.

    ``epoch`` counts from 0 and ``lr`` is the rate in use so far, as in Keras. A step decay
    that divides the rate by 10 from the sixth epoch on reads
    ``LearningRateScheduler(lambda epoch, lr: 1e-3 if epoch < 5 else 1e-4)``.
    The rate of each epoch is added to the logs as ``learning_rate``, so ``History`` records it.
    """

    def __init__(self, schedule, verbose=0):
        if not callable(schedule):
            raise TypeError(f"schedule must be a function (epoch, lr) -> lr, got {schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = self.schedule(epoch, float(optimizer.learning_rate))
        optimizer.learning_rate = positive(lr, f"schedule({epoch}, lr)")
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def logged_keys(self):
        return ("learning_rate",)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class History(Callback):
    """What ``fit`` returns: ``history`` maps each log name (``loss``, ``val_loss``...) to per-epoch values."""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
