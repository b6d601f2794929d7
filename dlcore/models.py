"""``Sequential``: a stack of layers with Keras's ``compile / fit / evaluate / predict``; ``dense_stack``
builds a deep fully connected one."""
import functools

import numpy as np

from . import activations, losses, metrics as _metrics, optimizers
from ._checks import all_finite, as_float_array, as_generator, integer
from .callbacks import History
from .layers import (Activation, BatchNormalization, Dense, Residual, Stack, backward_through, leaf_layers,
                     restore_state, state_snapshot)

_CALLBACK_HOOKS = ("set_model", "on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class Sequential(Stack):
    """Layers applied one after another; ``backward`` runs them in reverse.

    ``fit`` is plain mini-batch training: for each batch, forward (``training=True``), loss,
    backward, one optimizer step. As in Keras, the epoch's ``loss`` is the sample-weighted mean
    of the batch losses seen during the epoch (each computed before that batch's update), plus
    any weight penalty; ``val_*`` values are computed after the epoch in inference mode.

    A call that raises leaves nothing half-applied: ``fit``, ``train_on_batch`` and ``evaluate``
    check every argument (the whole of ``y`` and ``validation_data`` against the model's output
    and loss, the callbacks' needs, the batch sizes) before the first update, and a training step
    that fails puts BatchNormalization's moving statistics back as they were.
    """

    described_as = "the model"

    def __init__(self, layers=()):
        super().__init__(layers)
        self.optimizer = self.loss = None
        self.metrics = {}
        self.stop_training = False

    def add(self, layer):
        """Append a layer."""
        self.layers.append(layer)

    def __call__(self, X, training=False):
        return self.forward(X, training)

    def summary(self):
        """A Keras-like table: one line per layer with its parameter count."""
        lines = [f"{'layer':<44}{'params':>10}", "-" * 54]
        lines += [f"{repr(layer):<44}{layer.count_params():>10,}" for layer in self.layers]
        lines += ["-" * 54, f"{'total':<44}{self.count_params():>10,}"]
        print("\n".join(lines))

    # --- training -------------------------------------------------------------------------
    def compile(self, optimizer="sgd", loss="mse", metrics=()):
        """Choose the optimizer, the loss and the metrics (``"accuracy"`` resolves from the loss).

        ``metrics`` is a list of names or functions; a single name (``metrics="accuracy"``) or
        ``None`` is accepted, as in Keras.
        """
        if metrics is None:
            metrics = ()
        elif isinstance(metrics, str) or callable(metrics):
            metrics = [metrics]
        optimizer, loss = optimizers.get(optimizer), losses.get(loss)
        resolved = {name if isinstance(name, str) else name.__name__: _metrics.get(name, loss)
                    for name in metrics}
        self.optimizer, self.loss, self.metrics = optimizer, loss, resolved

    def _require_compiled(self, call, optimizer=True):
        if self.loss is None or (optimizer and self.optimizer is None):
            raise RuntimeError(f"call compile(optimizer, loss) before {call}")

    def _fused_logits(self):
        """True when a sigmoid/softmax output feeds its cross-entropy: then, like Keras, the loss
        is computed from the logits Z (stable, and dL/dZ = (p - y)/N without dividing by p)."""
        last = self.layers[-1] if self.layers else None
        if not isinstance(last, Dense) or getattr(self.loss, "from_logits", True):
            return False
        pairs = {"binary_crossentropy": activations.sigmoid,
                 "categorical_crossentropy": activations.softmax,
                 "sparse_categorical_crossentropy": activations.softmax}
        return pairs.get(self.loss.name) is last.activation

    def loss_and_backward(self, y, output):
        """The data loss of the batch whose forward pass produced ``output``; fills every
        layer's parameter gradients (``model.grads``) without updating anything.
        ``y`` and ``output`` are checked against the loss first."""
        targets, output = self.loss._check(y, output)
        return self._loss_and_backward(targets, output)

    def _loss_and_backward(self, targets, output):
        """``loss_and_backward`` for ``targets`` already in the loss's form (checked once by ``fit``)."""
        if self._fused_logits():
            last = self.layers[-1]
            value, grad_z = self.loss._variant(from_logits=True)._value_and_grad(targets, last.Z)
            grad = last._backward_from_z(grad_z.astype(last.Z.dtype, copy=False), input_grad=len(self.layers) > 1)
            backward_through(self.layers[:-1], grad, input_grad=False)
            return value
        value, grad = self.loss._value_and_grad(targets, output)
        self._backward(grad.astype(output.dtype, copy=False), input_grad=False)
        return value

    def train_on_batch(self, X, y):
        """One step: forward, loss, backward, update. Returns the loss before the update and the
        batch's output.

        NumPy's overflow and invalid-value warnings are raised as ``FloatingPointError`` here,
        so a diverging run stops at the first operation that overflowed instead of carrying
        NaN weights along. ``X`` and ``y`` are checked first; a step that fails changes nothing.
        """
        self._require_compiled("train_on_batch")
        X, _, targets = self._check_data(X, y)
        self.optimizer._check_params(self.params)
        return self._train_step(X, targets, self._stateful_layers())

    def _stateful_layers(self):
        """Layers whose training forward pass changes non-trainable state (BatchNormalization)."""
        return [layer for layer in leaf_layers(self.layers) if layer.non_trainable_names]

    def _train_step(self, X, targets, stateful):
        """``train_on_batch`` on checked data, with the optimizer checked for this model's parameters.

        Nothing is checked again here: under ``np.errstate(... "raise")`` an overflow anywhere
        stops the step before the update, and the gradients get one test for NaN or inf (a sum
        of squares each, 13 us or 1.5% of an MNIST step at batch size 128), so that even a layer
        that returns NaN without overflowing cannot half-apply an update. Puts the moving
        statistics of ``stateful`` back on error.
        """
        saved = state_snapshot(stateful) if stateful else ()
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                output = self._forward(X, training=True)
                value = self._loss_and_backward(targets, output) + self.regularization_loss()
                if not np.isfinite(value):
                    raise FloatingPointError(f"the loss became {value}")
                grads = self.grads
                with np.errstate(over="ignore", invalid="ignore"):  # all_finite's g.g may overflow
                    finite = all(map(all_finite, grads))
                if not finite:
                    raise FloatingPointError("a gradient became NaN or inf")
                self.optimizer._apply(grads, self.params)
        except BaseException:
            restore_state(saved)
            raise
        return value, output

    def fit(self, X, y, epochs=1, batch_size=None, validation_data=None, shuffle=True,
            callbacks=(), verbose=0, rng=None):
        """Train for ``epochs`` passes over the data; returns a :class:`History`.

        ``batch_size=None`` means 32, as in Keras. ``rng`` (shuffling) is a
        ``numpy.random.Generator``, an int seed, or None. ``validation_data`` is a pair
        ``(X_val, y_val)``. Everything that can be checked is checked before the first update:
        the arguments, all of ``y`` and ``validation_data`` against the model's output and loss,
        that every callback will find what it needs in the logs (an EarlyStopping ``monitor``),
        and that no batch is too small for a layer (BatchNormalization trains on >= 2 samples).

        Raises ``FloatingPointError`` naming the epoch and batch as soon as the loss is NaN or inf.
        """
        self._require_compiled("fit")
        epochs = integer(epochs, "epochs")
        batch_size = 32 if batch_size is None else integer(batch_size, "batch_size")
        if batch_size <= 0 or epochs < 0:
            raise ValueError(f"batch_size must be > 0 and epochs >= 0, got batch_size={batch_size}, epochs={epochs}")
        rng = as_generator(rng)
        X, y, targets = self._check_data(X, y)
        if validation_data is not None:
            validation_data = self._check_validation_data(validation_data)
        stateful = self._stateful_layers()
        self._check_batch_sizes(len(X), batch_size)
        self.optimizer._check_params(self.params)
        history = History()
        callbacks = [*self._check_callbacks(callbacks, validation_data is not None), history]
        for cb in callbacks:  # History last, as in Keras: it sees what others logged
            cb.set_model(self)
            cb.on_train_begin()
        self.stop_training = False
        for epoch in range(epochs):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            logs = self._train_epoch(X, y, targets, batch_size, bool(shuffle), rng, epoch, stateful)
            if validation_data is not None:
                val = self._evaluate(*validation_data, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
            if self.stop_training:
                break
        for cb in callbacks:
            cb.on_train_end()
        return history

    def _check_callbacks(self, callbacks, validating):
        """The callbacks as a list, each checked against the log names this fit will produce."""
        if callbacks is None:
            callbacks = []
        elif all(hasattr(callbacks, hook) for hook in _CALLBACK_HOOKS):
            callbacks = [callbacks]  # a single callback, not in a list
        callbacks = list(callbacks)
        for k, cb in enumerate(callbacks):
            missing = [hook for hook in _CALLBACK_HOOKS if not callable(getattr(cb, hook, None))]
            if missing:
                raise ValueError(f"callbacks[{k}] must be a dlcore.callbacks.Callback, got {cb!r} "
                                 f"(it has no {missing[0]})")
        keys = {"loss", *self.metrics}
        if validating:
            keys |= {f"val_{k}" for k in keys}
        for cb in callbacks:
            keys |= set(getattr(cb, "logged_keys", tuple)())
        for cb in callbacks:
            check = getattr(cb, "check_logs", None)
            if check is not None:
                check(frozenset(keys))
        return callbacks

    def _check_batch_sizes(self, n, batch_size):
        """Refuse, before training, a batch too small for a layer (BatchNormalization needs 2 samples)."""
        need = max((2 for layer in leaf_layers(self.layers) if isinstance(layer, BatchNormalization)), default=1)
        smallest = n % batch_size or min(batch_size, n)
        if smallest >= need:
            return
        if n < need:
            raise ValueError(f"X has {n} sample(s) but BatchNormalization needs batches of at least {need} "
                             "to train")
        fits = lambda b: b >= need and (n % b == 0 or n % b >= need)  # noqa: E731
        suggestion = next(b for d in range(1, n + 1) for b in (batch_size + d, batch_size - d) if fits(b))
        raise ValueError(
            f"batch_size={batch_size} with N={n} samples leaves a last batch of {smallest} sample(s), but "
            f"BatchNormalization needs at least {need} to train: use batch_size={suggestion}, or "
            f"train on N={n - smallest} samples")

    def _train_epoch(self, X, y, targets, batch_size, shuffle, rng, epoch, stateful):
        """One pass over the data; ``targets`` is ``y`` in the loss's form (``_check_data``'s)."""
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        totals = dict.fromkeys(["loss", *self.metrics], 0.0)
        for batch, start in enumerate(range(0, len(X), batch_size)):
            idx = order[start:start + batch_size]
            try:
                value, output = self._train_step(X[idx], targets[idx], stateful)
            except FloatingPointError as err:
                raise FloatingPointError(f"{err} at epoch {epoch + 1}, batch {batch + 1}: "
                                         "try a smaller learning_rate or scale the inputs") from None
            totals["loss"] += value * len(idx)
            for name, metric in self.metrics.items():
                totals[name] += metric(y[idx], output) * len(idx)
        return {k: float(v / len(X)) for k, v in totals.items()}

    def _check_X(self, X, name="X"):
        """``X`` as finite floats of the model's dtype, at least one sample, one row each, that the
        model accepts; returns it with the model's output for its first sample.

        That one sample goes through every layer's checked ``forward`` (inference mode: nothing
        changes), so a layer that cannot take it says so by name; after this, the batches of
        ``X`` can run through the layers' unchecked ``_forward``.
        """
        X = as_float_array(X, name)
        if X.ndim < 2 or len(X) == 0:
            raise ValueError(f"{name} must hold at least one sample, one row each; got shape {X.shape}")
        dtype = self.params[0].dtype if self.params else X.dtype
        X = X.astype(dtype, copy=False)
        try:
            sample = self.forward(X[:1], training=False)
        except ValueError:
            try:  # once more on all of X (inference mode: nothing changes) for a message with its real shape
                self.forward(X, training=False)
            except ValueError as err:
                raise ValueError(f"{name} does not fit the model: {err}") from None
            raise
        return X, sample

    def _check_data(self, X, y, x_name="X", y_name="y"):
        """``X`` and ``y`` checked against the model and its loss, all at once, before any update.

        Returns ``X``, ``y`` and ``targets``, which is ``y`` in the form the loss computes with
        (integer class labels, or floats), so that the training loop never checks it again.
        ``X`` goes through the model for one sample to learn the output's shape; then the loss
        and every metric check all of ``y`` against a stand-in output of that shape, so a bad
        label anywhere in ``y`` (or a ``(N,)`` target for an ``(N, 1)`` output) is refused now
        rather than at the batch that holds it.
        """
        X, sample = self._check_X(X, x_name)
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(X):
            raise ValueError(f"{x_name} has {len(X)} samples but {y_name} has "
                             f"{'none (a scalar)' if y.ndim == 0 else len(y)}")
        stand_in = np.full((len(X),) + sample.shape[1:], 0.5, dtype=sample.dtype)
        try:
            targets, _ = self.loss._check(y, stand_in)
            for metric in self.metrics.values():
                metric(y, stand_in)
        except ValueError as err:
            raise ValueError(f"{y_name} does not fit the model's output of shape {stand_in.shape} and "
                             f"the loss {self.loss.name!r}: {err}") from None
        return X, y, targets

    def _check_validation_data(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            what = (f"an array of shape {validation_data.shape}" if isinstance(validation_data, np.ndarray)
                    else f"a {type(validation_data).__name__} of length {len(validation_data)}"
                    if isinstance(validation_data, (tuple, list)) else repr(validation_data))
            raise ValueError(f"validation_data must be a pair (X_val, y_val), got {what}")
        X_val, y_val, _ = self._check_data(*validation_data, x_name="validation_data[0] (X_val)",
                                           y_name="validation_data[1] (y_val)")
        return X_val, y_val

    # --- inference ------------------------------------------------------------------------
    def predict(self, X, batch_size=None):
        """Outputs in inference mode (dropout off, batch norm on moving statistics).

        ``batch_size=None`` runs all of ``X`` at once (the same numbers as Keras's 32 at a time).
        """
        if batch_size is not None:
            batch_size = integer(batch_size, "batch_size", 1)
        X, _ = self._check_X(X)
        if batch_size is None:
            return self._inference(X)
        return np.concatenate([self._inference(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    def _inference(self, X):
        """The unchecked forward pass in inference mode, for checked ``X``; an overflow raises
        ``FloatingPointError`` rather than returning inf or NaN."""
        with np.errstate(over="raise", invalid="raise"):
            return self._forward(X, training=False)

    def evaluate(self, X, y, return_dict=False):
        """Loss (plus penalty) and metrics in inference mode; a float, or a list like Keras, or a dict."""
        self._require_compiled("evaluate", optimizer=False)
        X, y, _ = self._check_data(X, y)
        return self._evaluate(X, y, return_dict)

    def _evaluate(self, X, y, return_dict=False):
        output = self._inference(X)
        if self._fused_logits():
            value = self.loss(y, self.layers[-1].Z, from_logits=True)
        else:
            value = self.loss(y, output)
        result = {"loss": float(value + self.regularization_loss())}
        result.update({name: metric(y, output) for name, metric in self.metrics.items()})
        if return_dict:
            return result
        return result["loss"] if len(result) == 1 else list(result.values())


def dense_stack(n_inputs, width, depth, n_outputs=None, activation="relu", output_activation="linear",
                kernel_initializer="glorot_uniform", bias_initializer="zeros", block=None, rng=None):
    """A deep fully connected network: ``depth`` hidden layers of ``width`` units, as a ``Sequential``.

    The hidden layers are ``Dense(n_inputs, width)``, then ``depth - 1`` times ``Dense(width, width)``,
    all with ``activation``; when ``n_outputs`` is given, an output layer ``Dense(width, n_outputs,
    output_activation)`` follows. Every ``Dense`` uses ``kernel_initializer`` and ``bias_initializer``
    (Keras's names; defaults ``"glorot_uniform"`` and ``"zeros"`` as in ``keras.layers.Dense``) and
    draws from one generator ``rng`` (a ``numpy.random.Generator``, a seed, or None), in layer order,
    so the same seed builds the same network.

    ``block`` changes the hidden layers:

    * ``None``: each hidden layer is ``Dense(..., activation)``;
    * ``"batchnorm"``: each hidden layer is ``Dense`` (linear), ``BatchNormalization``, ``Activation``;
    * ``"residual"``: the first hidden layer is a plain ``Dense`` (it changes the width), each later
      one is ``Residual(Dense(width, width, activation))``, that is :math:`x + g(xW + b)`.

    The model is returned uncompiled.
    """
    n_inputs, width = integer(n_inputs, "n_inputs", 1), integer(width, "width", 1)
    depth = integer(depth, "depth", 1)
    if n_outputs is not None:
        n_outputs = integer(n_outputs, "n_outputs", 1)
    if block not in (None, "batchnorm", "residual"):
        raise ValueError(f"block must be None, 'batchnorm' or 'residual', got {block!r}")
    rng = as_generator(rng)
    dense = functools.partial(Dense, kernel_initializer=kernel_initializer,
                              bias_initializer=bias_initializer, rng=rng)
    stack = []
    for k in range(int(depth)):
        n_in = int(n_inputs) if k == 0 else int(width)
        if block == "batchnorm":
            stack += [dense(n_in, width), BatchNormalization(width), Activation(activation)]
        elif block == "residual" and k > 0:
            stack.append(Residual(dense(n_in, width, activation)))
        else:
            stack.append(dense(n_in, width, activation))
    if n_outputs is not None:
        stack.append(dense(width, n_outputs, output_activation))
    return Sequential(stack)
