"""Sequential: a stack of layers trained by backprop, Keras-style.

    model = Sequential([Dense(256, "relu"), Dense(10, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, y, epochs=10, batch_size=128, validation_data=(Xv, yv))
    model.evaluate(Xt, yt)        # {"loss": ..., "accuracy": ...}
    model.save("mlp.npz"); Sequential.load("mlp.npz").predict(Xt)

Weights you are given instead of trained (the course's forward-propagation lecture)::

    model = Sequential([Dense(25, "sigmoid"), Dense(10, "sigmoid")]).build(400)
    model.set_weights([W1, b1, W2, b2])          # or layer.set_theta(Theta) per layer
    model.predict(X)

Training loop, per mini-batch (B rows):
    forward   h₀ = x,  h_l = layer_l(h_{l−1}),  L = loss(h_L, y) + Σ R(W)
    backward  δ_L = ∂L/∂h_L,  δ_{l−1} = layer_l.backward(δ_l)   (sets ∂L/∂θ_l)
    update    optimizer.step(θ, ∂L/∂θ)        (after optional global-norm clipping)
``batch_size=None`` is full-batch gradient descent, ``batch_size=1`` online
(stochastic) updates.  Inputs keep their trailing shape: (N, D) feature rows,
(N, H, W, C) images, (N,) integer ids for an Embedding first layer.

A final ``Dense(..., activation="softmax")`` with categorical cross-entropy
(or sigmoid with binary cross-entropy) is trained through the fused, stable
loss on logits (`fused_loss`); ``predict`` still returns probabilities.
"""
import time

import numpy as np

from ..errors import EmbedError
from . import activations, losses, metrics as metrics_mod, optimizers, regularizers, saving, schedules
from .base import Layer, as_rng
from .layers import Dense, Embedding
from .training import EpochMeter, History, check_fit_options, log_epoch, minibatches, training_threads

PREDICT_CHUNK = 8192  # rows per forward pass in predict / evaluate


def fused_loss(last, loss):
    """The loss on logits to train with when `last` layer's activation and `loss` fuse, else None.

    softmax + categorical cross-entropy → `SoftmaxCrossEntropy` (log-sum-exp on logits);
    sigmoid + binary cross-entropy → `SigmoidCrossEntropy`.  Same value, stable gradient ŷ − y.
    """
    if not isinstance(last, Dense):
        return None
    act = last.activation
    if isinstance(act, activations.Softmax) and isinstance(loss, (losses.CategoricalCrossEntropy,
                                                                  losses.SoftmaxCrossEntropy)):
        return losses.SoftmaxCrossEntropy()
    if isinstance(act, activations.Sigmoid) and isinstance(loss, (losses.BinaryCrossEntropy,
                                                                  losses.SigmoidCrossEntropy)):
        return losses.SigmoidCrossEntropy()
    return None


class Sequential:
    """A list of layers applied in order; ``fit`` trains all of them by backprop."""

    def __init__(self, layers=None, seed=None, name=None):
        self.layers = []
        self.seed = seed          # seeds weight initialisation of layers without their own seed
        self.name = name
        self.loss = None
        self.optimizer = None
        self.metrics = []
        self.clip_norm = None
        self._metric_fns = []
        self._seed_rng = as_rng(seed)
        for layer in layers or ():
            self.add(layer)

    # -- building ---------------------------------------------------------------
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise EmbedError(f"Sequential.add expects a Layer, got {type(layer).__name__}")
        if layer.rng is None and getattr(layer, "seed", None) is None:
            layer.rng = np.random.default_rng(self._seed_rng.integers(2 ** 63))
        self.layers.append(layer)
        return self

    def build(self, input_shape, dtype=np.float32):
        """Create every layer's weights for samples of `input_shape`; returns self.

        input_shape : one sample's shape, without the batch axis: an int for feature
                      vectors (784), a tuple for images or sequences ((28, 28, 1)).
        dtype       : float32 (default) or float64 parameters.
        Runs one forward pass on a zero batch of shape (1, *input_shape), so each
        layer builds exactly as it would on the first batch of `fit` (same seeds,
        same weights).  Afterwards `set_weights`, `predict` and `summary` work.
        """
        if not self.layers:
            raise EmbedError("the model has no layers: add some with model.add(Dense(...))")
        shape = (input_shape,) if np.ndim(input_shape) == 0 else tuple(input_shape)
        if any(int(d) != d or d < 1 for d in shape):
            raise EmbedError(f"input_shape must be positive sizes, got {input_shape!r}")
        ids = isinstance(self.layers[0], Embedding)
        x = np.zeros((1, *(int(d) for d in shape)), np.int64 if ids else np.dtype(dtype))   # (1, ...)
        self.forward(x, training=False)
        return self

    @property
    def built(self):
        """True when every layer with weights has them."""
        return bool(self.layers) and all(layer.built or not layer.trainable for layer in self.layers)

    def compile(self, loss="categorical_crossentropy", optimizer="adam", metrics=None, lr=None,
                regularizer=None, clip_norm=None):
        """Choose loss, optimizer (name or object; `lr` sets its learning rate), metrics.

        regularizer : applied to every Dense layer that has no kernel_regularizer.
        clip_norm   : clip gradients to this global L2 norm before every update.
        """
        self.loss = losses.get(loss)
        self.optimizer = optimizers.get(optimizer)
        if lr is not None:
            self.optimizer.lr = float(lr)
        if metrics is None:
            classify = isinstance(self.loss, (losses.CategoricalCrossEntropy, losses.SoftmaxCrossEntropy,
                                              losses.BinaryCrossEntropy, losses.SigmoidCrossEntropy))
            metrics = ["accuracy"] if classify else []
        self.metrics = [m if isinstance(m, str) else getattr(m, "__name__", "metric") for m in metrics]
        self._metric_fns = [metrics_mod.get(m) for m in metrics]
        reg = regularizers.get(regularizer)
        if reg is not None:
            for layer in self.layers:
                if isinstance(layer, Dense) and layer.kernel_regularizer is None:
                    layer.kernel_regularizer = reg
        self.clip_norm = clip_norm
        return self

    def _require_compiled(self):
        if not self.layers:
            raise EmbedError("the model has no layers: add some with model.add(Dense(...))")
        if self.loss is None or self.optimizer is None:
            raise EmbedError("call model.compile(loss=..., optimizer=...) (or pass them to fit) first")

    def _require_weights(self, what):
        if not self.layers:
            raise EmbedError("the model has no layers")
        if not self.built:
            raise EmbedError(f"{what}: the model has no weights yet: call build(input_shape) (then "
                             "set_weights), fit, or load a saved model")

    # -- parameters -------------------------------------------------------------
    def params(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def grads(self):
        return [layer.grads[k] for layer in self.layers for k in layer.params]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def regularization_loss(self):
        return float(sum(layer.regularization_loss() for layer in self.layers))

    def get_weights(self):
        """Copies of all weights as a list of numpy arrays, layer by layer (Dense: W (in, out), b (out,))."""
        return [p.copy() for p in self.params()]

    def set_weights(self, weights):
        """Load weights in the order of `get_weights` (shapes must match; copied in place)."""
        self._require_weights("set_weights")
        weights, names = list(weights), [(i, type(layer).__name__, k) for i, layer in enumerate(self.layers)
                                          for k in layer.params]
        if len(weights) != len(names):
            expected = ", ".join(f"{k}{tuple(p.shape)}" for (_, _, k), p in zip(names, self.params()))
            raise EmbedError(f"set_weights: the model has {len(names)} weight arrays ({expected}), "
                             f"got {len(weights)}")
        for (i, cls, k), p, w in zip(names, self.params(), weights):
            if np.shape(w) != p.shape:
                raise EmbedError(f"set_weights: layer {i} ({cls}) {k} has shape {p.shape}, got {np.shape(w)}")
        for layer in self.layers:
            if layer.params:
                layer.set_weights({k: weights.pop(0) for k in list(layer.params)})
        return self

    # -- data checks ---------------------------------------------------------------
    def _prepare_X(self, X, what="X"):
        X = np.asarray(X)
        if X.dtype == object or X.dtype.kind not in "fiub":
            raise EmbedError(f"{what} must be a numeric array, got dtype {X.dtype}")
        if X.ndim == 0 or X.shape[0] == 0:
            raise EmbedError(f"{what} is empty")
        if self.layers and isinstance(self.layers[0], Embedding):
            if X.dtype.kind not in "iu":
                raise EmbedError(f"{what}: the first layer is an Embedding, so inputs must be integer ids")
            return X
        if X.ndim == 1:
            X = X[:, None]
        dtype = np.float64 if X.dtype == np.float64 and self._dtype() == np.float64 else np.float32
        X = np.ascontiguousarray(X, dtype=dtype)
        if not np.all(np.isfinite(X)):
            raise EmbedError(f"{what} contains NaN or infinite values")
        return X

    def _dtype(self):
        for layer in self.layers:
            for p in layer.params.values():
                return p.dtype
        return np.float32

    def _prepare_y(self, y, n, what="y"):
        y = np.asarray(y)
        if y.dtype == object or y.dtype.kind not in "fiub":
            raise EmbedError(f"{what} must be a numeric array, got dtype {y.dtype}")
        if y.shape[:1] != (n,):
            raise EmbedError(f"X has {n} samples but {what} has {y.shape[0] if y.ndim else 0}")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise EmbedError(f"{what} contains NaN or infinite values")
        return y

    def _check_targets(self, out_shape, y, loss_fn, what="y"):
        """Validate all targets once against the model's output shape."""
        full = (y.shape[0], *out_shape[1:])
        if isinstance(loss_fn, (losses.CategoricalCrossEntropy, losses.SoftmaxCrossEntropy)):
            losses.check_class_targets(y, full, f"{what} for loss {self.loss.name}")
        elif y.shape != full and not (y.ndim == len(full) - 1 and full[-1] == 1 and y.shape == full[:-1]):
            raise EmbedError(f"the model outputs shape {full} but {what} has shape {y.shape}")

    # -- forward / backward -----------------------------------------------------
    def training_loss(self):
        """(loss, on_logits): the loss `fit` minimises and whether it reads the last layer's logits."""
        fused = fused_loss(self.layers[-1], self.loss)
        return (fused, True) if fused is not None else (self.loss, False)

    def forward(self, x, training=False, logits=False):
        """Outputs of every layer in turn; `logits`: the last layer without its activation."""
        h = x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if i == last and logits:
                h = layer.forward_logits(h, training=training)
            else:
                h = layer.forward(h, training=training)
        return h

    def backward(self, grad):
        """Back-propagate ∂L/∂outputs through every layer (sets their grads); returns ∂L/∂x."""
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def _scores(self, out, loss_fn):
        """Outputs in probability space for metrics (fused sigmoid outputs are logits)."""
        if isinstance(loss_fn, losses.SigmoidCrossEntropy):
            return activations.Sigmoid().f(out)
        return out

    def _step(self, xb, yb, loss_fn, logits, params, grads):
        """One gradient step: forward, loss, backward, update.  Returns (loss, outputs before the update)."""
        out = self.forward(xb, training=True, logits=logits)
        loss = loss_fn.forward(out, yb) + self.regularization_loss()
        self.backward(loss_fn.backward())
        if self.clip_norm is not None:
            optimizers.clip_grad_norm(grads, self.clip_norm)
        self.optimizer.step(params, grads)
        return loss, out

    def train_on_batch(self, x, y):
        """One update on the batch (x, y) (builds the model if needed); returns the batch loss
        (mean loss over the batch plus regularization, before the update), a float."""
        self._require_compiled()
        x = self._prepare_X(x)
        y = self._prepare_y(y, x.shape[0])
        loss_fn, logits = self.training_loss()
        self._check_targets(self.forward(x[:1], training=False, logits=logits).shape, y, loss_fn)
        loss, _ = self._step(x, y, loss_fn, logits, self.params(), self.grads())
        return float(loss)

    # -- training ------------------------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None, shuffle=True, seed=None,
            verbose=0, loss=None, optimizer=None, lr=None, lr_schedule=None, callbacks=(), progress=None,
            threads=None, thread_mode="blas"):
        """Train for `epochs` passes over (X, y); returns the `History` (a dict of per-epoch lists).

        batch_size : rows per update; None = full batch, 1 = online.
        shuffle    : new random order every epoch, drawn from `seed` (default: from the model seed).
        lr_schedule: a `schedules` object or callable epoch -> lr.
        verbose    : 1 prints one line per epoch on stderr, 0 is silent.
        progress   : progress bar on stderr: None = when verbose and stderr is a terminal,
                     True / False = always / never.
        callbacks  : callables ``f(epoch, logs)`` run after every epoch (logs = that epoch's numbers).
        threads    : cores to use; default: as many as BLAS is allowed (OPENBLAS_NUM_THREADS,
                     threadpoolctl limits).
        thread_mode: "blas" lets BLAS thread each product (fastest on an idle machine);
                     "pool" runs BLAS single-threaded and splits big products and updates in
                     row blocks across our own thread pool (`embed.parallel`): a little
                     slower when idle, but it does not collapse when other processes hold
                     the cores (BLAS threads spin waiting for each other).
        history    : {"loss": [...], "<metric>": [...], "val_loss": [...], "val_<metric>": [...],
                      "lr": [...], "seconds": [...]}, one entry per epoch.
        """
        from ..progress import bar
        X, y, val, batch_size = self._fit_setup(X, y, epochs, batch_size, validation_data, threads,
                                                thread_mode, loss, optimizer, lr)
        loss_fn, logits = self.training_loss()
        params, grads = self.params(), self.grads()
        rng = as_rng(seed) if seed is not None else np.random.default_rng(self._seed_rng.integers(2 ** 63))
        schedule = schedules.get(lr_schedule) if lr_schedule is not None else None
        show = progress if progress is not None else (None if verbose else False)
        history, buffers = History(self.metrics, val is not None), {}
        with training_threads(self.layers, self.optimizer, threads, thread_mode):
            for epoch in range(int(epochs)):
                t0 = time.perf_counter()
                if schedule is not None:
                    self.optimizer.lr = float(schedule(epoch))
                order = rng.permutation(len(X)) if shuffle else None
                meter = EpochMeter(self.metrics)
                with bar(total=-(-len(X) // batch_size), desc=f"epoch {epoch + 1}/{epochs}", unit="batch",
                         show=show) as pbar:
                    for step, (xb, yb) in enumerate(minibatches(X, y, batch_size, order, buffers)):
                        with np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
                            batch_loss, out = self._step(xb, yb, loss_fn, logits, params, grads)
                        self._check_finite(batch_loss, epoch)
                        meter.add(batch_loss, self._batch_metrics(yb, out, loss_fn), len(xb))
                        self._show_progress(pbar, meter, step)
                history.append({"loss": meter.loss, **meter.means(), "lr": self.optimizer.lr,
                                "seconds": time.perf_counter() - t0})
                if val is not None:
                    history.append({"val_" + k: v for k, v in self.evaluate(*val).items()})
                self._end_epoch(history, epoch, epochs, verbose, callbacks)
        self.history_ = history
        return history

    # the machinery of fit ----------------------------------------------------------
    def _fit_setup(self, X, y, epochs, batch_size, validation_data, threads, thread_mode, loss, optimizer, lr):
        """Compile from fit's own options, check every input, build the layers; returns X, y, val, batch_size."""
        if loss is not None or optimizer is not None or lr is not None:
            self.compile(loss=loss or (self.loss or "categorical_crossentropy"),
                         optimizer=optimizer or (self.optimizer or "adam"), lr=lr,
                         metrics=self.metrics or None, clip_norm=self.clip_norm)
        self._require_compiled()
        X = self._prepare_X(X)
        y = self._prepare_y(y, X.shape[0])
        batch_size = check_fit_options(epochs, batch_size, X.shape[0], threads, thread_mode, validation_data)
        val = None
        if validation_data is not None:
            Xv = self._prepare_X(validation_data[0], "X_val")
            val = (Xv, self._prepare_y(validation_data[1], Xv.shape[0], "y_val"))
        loss_fn, logits = self.training_loss()
        out = self.forward(X[:1], training=False, logits=logits)                 # builds every layer
        self._check_targets(out.shape, y, loss_fn)
        if val is not None:
            self._check_targets(out.shape, val[1], loss_fn, "y_val")
        return X, y, val, batch_size

    def _batch_metrics(self, yb, out, loss_fn):
        return {m: fn(yb, self._scores(out, loss_fn)) for m, fn in zip(self.metrics, self._metric_fns)}

    @staticmethod
    def _check_finite(loss, epoch):
        if not np.isfinite(loss):
            raise EmbedError(f"training diverged (loss is {loss}) in epoch {epoch + 1}: "
                             "lower the learning rate or rescale the inputs")

    @staticmethod
    def _show_progress(pbar, meter, step):
        if step % 20 == 0 or step == pbar.total - 1:
            pbar.set_postfix(loss=f"{meter.loss:.4f}", refresh=False)
        pbar.update(1)

    @staticmethod
    def _end_epoch(history, epoch, epochs, verbose, callbacks):
        logs = history.last(epoch + 1)
        if verbose:
            log_epoch(logs, epochs)
        for cb in callbacks:
            cb(epoch, logs)

    # -- inference -------------------------------------------------------------------
    def _outputs(self, X, logits, batch_size=None):
        X = self._prepare_X(X)
        chunk = batch_size or PREDICT_CHUNK
        outs = [np.array(self.forward(X[i:i + chunk], training=False, logits=logits), copy=True)
                for i in range(0, X.shape[0], chunk)]
        return np.concatenate(outs, axis=0)

    def predict(self, X, batch_size=None):
        """Model outputs (probabilities for a softmax / sigmoid output layer)."""
        self._require_weights("predict")
        return self._outputs(X, False, batch_size)

    def predict_classes(self, X, batch_size=None):
        return metrics_mod.to_labels(self.predict(X, batch_size))

    def evaluate(self, X, y, batch_size=None):
        """{"loss": mean loss (+ regularization), "<metric>": value, ...} on (X, y)."""
        self._require_compiled()
        loss_fn, logits = self.training_loss()
        out = self._outputs(X, logits, batch_size)
        y = self._prepare_y(y, out.shape[0])
        self._check_targets(out.shape, y, loss_fn)
        result = {"loss": loss_fn.forward(out, y) + self.regularization_loss()}
        for m, fn in zip(self.metrics, self._metric_fns):
            result[m] = fn(y, self._scores(out, loss_fn))
        return result

    # -- persistence (embed.nn.saving) ---------------------------------------------
    def get_config(self):
        return saving.model_config(self)

    def save(self, path, include_optimizer=True):
        """Write config + weights (+ optimizer state) to one .npz file, atomically."""
        return saving.save_model(self, path, include_optimizer)

    @classmethod
    def load(cls, path):
        """Rebuild a model saved with `save` (same predictions, optimizer ready to resume)."""
        return saving.load_model(cls, path)

    # -- display ----------------------------------------------------------------------
    def summary(self):
        lines = [f"Sequential{'(' + self.name + ')' if self.name else ''}"]
        for layer in self.layers:
            shapes = ", ".join(f"{k}{tuple(p.shape)}" for k, p in layer.params.items()) or "-"
            lines.append(f"  {layer.describe():50s} {shapes:30s} {layer.count_params():>10,}")
        lines.append(f"  parameters: {self.count_params():,}")
        return "\n".join(lines)

    def __repr__(self):
        layers = " → ".join(layer.describe() for layer in self.layers) or "no layers"
        state = ("trained" if getattr(self, "history_", None) is not None
                 else "built" if self.built else "not built")
        name = f" {self.name!r}" if self.name else ""
        return f"Sequential{name}<{layers}; {self.count_params():,} params, {state}>"
