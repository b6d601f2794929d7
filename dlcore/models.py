"""``Sequential``: a stack of layers with Keras's ``compile / fit / evaluate / predict``; ``dense_stack``
builds a deep fully connected one."""
import functools

import numpy as np

from . import activations, losses, metrics as _metrics, optimizers
from ._checks import as_float_array
from .callbacks import History
from .layers import Activation, BatchNormalization, Dense, Residual, Stack, backward_through


class Sequential(Stack):
    """Layers applied one after another; ``backward`` runs them in reverse.

    ``fit`` is plain mini-batch training: for each batch, forward (``training=True``), loss,
    backward, one optimizer step. As in Keras, the epoch's ``loss`` is the sample-weighted mean
    of the batch losses seen during the epoch (each computed before that batch's update), plus
    any weight penalty; ``val_*`` values are computed after the epoch in inference mode.
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
        """Choose the optimizer, the loss and the metrics (``"accuracy"`` resolves from the loss)."""
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        self.metrics = {name if isinstance(name, str) else name.__name__: _metrics.get(name, self.loss)
                        for name in metrics}

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
        layer's parameter gradients (``model.grads``) without updating anything."""
        if self._fused_logits():
            z = self.layers[-1].Z
            value = self.loss(y, z, from_logits=True)
            grad_z = self.loss.grad(y, z, from_logits=True).astype(z.dtype, copy=False)
            grad = self.layers[-1].backward_from_z(grad_z, input_grad=len(self.layers) > 1)
            backward_through(self.layers[:-1], grad, input_grad=False)
            return value
        value = self.loss(y, output)
        self.backward(self.loss.grad(y, output).astype(output.dtype, copy=False), input_grad=False)
        return value

    def train_on_batch(self, X, y):
        """One step: forward, loss, backward, update. Returns the loss before the update.

        NumPy's overflow and invalid-value warnings are raised as ``FloatingPointError`` here,
        so a diverging run stops at the first operation that overflowed instead of carrying
        NaN weights along.
        """
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            output = self.forward(X, training=True)
            value = self.loss_and_backward(y, output) + self.regularization_loss()
            if not np.isfinite(value):
                raise FloatingPointError(f"the loss became {value}")
            self.optimizer.apply(self.grads, self.params)
        return value, output

    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None, shuffle=True,
            callbacks=(), verbose=0, rng=None):
        """Train for ``epochs`` passes over the data; returns a :class:`History`.

        Raises ``FloatingPointError`` naming the epoch and batch as soon as the loss is NaN or inf.
        """
        if self.optimizer is None:
            raise RuntimeError("call compile(optimizer, loss) before fit")
        X = self._check_X(X)
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
        if int(batch_size) <= 0 or int(epochs) < 0:
            raise ValueError(f"batch_size must be > 0 and epochs >= 0, got {batch_size}, {epochs}")
        rng = np.random.default_rng() if rng is None else rng
        history = History()
        callbacks = [*callbacks, history]  # History last, as in Keras: it sees what others logged
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin()
        self.stop_training = False
        for epoch in range(int(epochs)):
            for cb in callbacks:
                cb.on_epoch_begin(epoch)
            logs = self._train_epoch(X, y, int(batch_size), shuffle, rng, epoch)
            if validation_data is not None:
                val = self.evaluate(*validation_data, return_dict=True)
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

    def _train_epoch(self, X, y, batch_size, shuffle, rng, epoch):
        order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
        totals = dict.fromkeys(["loss", *self.metrics], 0.0)
        for batch, start in enumerate(range(0, len(X), batch_size)):
            idx = order[start:start + batch_size]
            try:
                value, output = self.train_on_batch(X[idx], y[idx])
            except FloatingPointError as err:
                raise FloatingPointError(f"{err} at epoch {epoch + 1}, batch {batch + 1}: "
                                         "try a smaller learning_rate or scale the inputs") from None
            totals["loss"] += value * len(idx)
            for name, metric in self.metrics.items():
                totals[name] += metric(y[idx], output) * len(idx)
        return {k: float(v / len(X)) for k, v in totals.items()}

    def _check_X(self, X):
        """``X`` as finite floats of the model's dtype, at least one sample, one row each."""
        X = as_float_array(X, "X")
        if X.ndim < 2 or len(X) == 0:
            raise ValueError(f"X must hold at least one sample, one row each; got shape {X.shape}")
        dtype = self.params[0].dtype if self.params else X.dtype
        return X.astype(dtype, copy=False)

    # --- inference ------------------------------------------------------------------------
    def predict(self, X, batch_size=None):
        """Outputs in inference mode (dropout off, batch norm on moving statistics)."""
        X = self._check_X(X)
        if batch_size is None:
            return self.forward(X)
        return np.concatenate([self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    def evaluate(self, X, y, return_dict=False):
        """Loss (plus penalty) and metrics in inference mode; a float, or a list like Keras, or a dict."""
        output = self.predict(X)
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
    if int(depth) < 1 or int(width) < 1 or int(n_inputs) < 1:
        raise ValueError(f"n_inputs, width and depth must be >= 1, got {n_inputs}, {width}, {depth}")
    if block not in (None, "batchnorm", "residual"):
        raise ValueError(f"block must be None, 'batchnorm' or 'residual', got {block!r}")
    rng = np.random.default_rng(rng)
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
