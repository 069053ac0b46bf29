"""Sequential: a stack of layers trained by backprop, Keras-style.

    model = Sequential([Dense(256, "relu"), Dense(10, "softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, y, epochs=10, batch_size=128, validation_data=(Xv, yv))
    model.evaluate(Xt, yt)        # {"loss": ..., "accuracy": ...}
    model.save("mlp.npz"); Sequential.load("mlp.npz").predict(Xt)

Training loop, per mini-batch (B rows):
    forward   h₀ = x,  h_l = layer_l(h_{l−1}),  L = loss(h_L, y) + Σ R(W)
    backward  δ_L = ∂L/∂h_L,  δ_{l−1} = layer_l.backward(δ_l)   (sets ∂L/∂θ_l)
    update    optimizer.step(θ, ∂L/∂θ)        (after optional global-norm clipping)
``batch_size=None`` is full-batch gradient descent, ``batch_size=1`` online
(stochastic) updates.

A final ``Dense(..., activation="softmax")`` with categorical cross-entropy
(or sigmoid with binary cross-entropy) is trained through the fused, stable
loss on logits; ``predict`` still returns probabilities.
"""
import contextlib
import json
import sys
import time
import zipfile

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable
from . import activations, losses, metrics as metrics_mod, optimizers, regularizers, schedules
from .base import Layer, as_rng, layer_from_config
from .layers import Dense, Embedding

_FORMAT = "embed.nn.Sequential"
_PREDICT_CHUNK = 8192  # rows per forward pass in predict / evaluate


def _fused_loss(last, loss):
    """The logits-loss to train with, or None when no fusion applies."""
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


def _rng_state(rng):
    """JSON-able state of a layer's Generator (so a resumed run draws the same dropout masks)."""
    if rng is None:
        return None
    return rng.bit_generator.state


def _rng_from_state(state):
    try:
        bitgen = getattr(np.random, state["bit_generator"])()
        bitgen.state = state
    except (AttributeError, KeyError, TypeError, ValueError):
        raise EmbedError("model file has an invalid random state") from None
    return np.random.Generator(bitgen)


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

    # -- parameters -------------------------------------------------------------
    def params(self):
        return [p for layer in self.layers for p in layer.params.values()]

    def grads(self):
        return [layer.grads[k] for layer in self.layers for k in layer.params]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def regularization_loss(self):
        return float(sum(layer.regularization_loss() for layer in self.layers))

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

    def _check_targets(self, out_shape, y, what="y"):
        """Validate all targets once against the model's output width."""
        full = (y.shape[0], *out_shape[1:])
        if isinstance(self._train_loss, (losses.CategoricalCrossEntropy, losses.SoftmaxCrossEntropy)):
            losses._class_targets(y, full, f"{what} for loss {self.loss.name}")
        elif y.shape != full and not (y.ndim == len(full) - 1 and full[-1] == 1 and y.shape == full[:-1]):
            raise EmbedError(f"the model outputs shape {full} but {what} has shape {y.shape}")

    # -- forward / backward -----------------------------------------------------
    def _forward(self, x, training, logits):
        h = x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if i == last and logits:
                h = layer.forward_logits(h, training=training)
            else:
                h = layer.forward(h, training=training)
        return h

    def _backward(self, g):
        for layer in reversed(self.layers):
            g = layer.backward(g)
        return g

    def _scores(self, out):
        """Outputs in probability space for metrics (fused sigmoid outputs are logits)."""
        if isinstance(getattr(self, "_fused_loss", None), losses.SigmoidCrossEntropy):
            return activations.Sigmoid().f(out)
        return out

    def train_on_batch(self, xb, yb):
        """One update on a batch; returns (loss, outputs-before-update)."""
        fused = self._fused
        out = self._forward(xb, True, fused)
        loss = self._train_loss.forward(out, yb)
        if self._has_reg:
            loss += self.regularization_loss()
        self._metric_out = out          # not touched by backward / step
        self._backward(self._train_loss.backward())
        params, grads = self._param_list, self._grad_list
        if self.clip_norm is not None:
            optimizers.clip_grad_norm(grads, self.clip_norm)
        self.optimizer.step(params, grads)
        return loss

    # -- training ------------------------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None, shuffle=True, seed=None,
            verbose=0, loss=None, optimizer=None, lr=None, lr_schedule=None, callbacks=(), progress=None,
            threads=None, thread_mode="blas"):
        """Train for `epochs` passes over (X, y); returns the history dict.

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
                     row blocks across our own thread pool (`embed.nn.threads`): a little
                     slower when idle, but it does not collapse when other processes hold
                     the cores (BLAS threads spin waiting for each other).
        history    : {"loss": [...], "<metric>": [...], "val_loss": [...], "val_<metric>": [...],
                      "lr": [...], "seconds": [...]}, one entry per epoch.
        """
        if loss is not None or optimizer is not None or lr is not None:
            self.compile(loss=loss or (self.loss or "categorical_crossentropy"),
                         optimizer=optimizer or (self.optimizer or "adam"), lr=lr,
                         metrics=self.metrics or None, clip_norm=self.clip_norm)
        self._require_compiled()
        if int(epochs) != epochs or epochs < 0:
            raise EmbedError(f"epochs must be a non-negative integer, got {epochs}")
        X = self._prepare_X(X)
        n = X.shape[0]
        y = self._prepare_y(y, n)
        if batch_size is None:
            batch_size = n
        if int(batch_size) != batch_size or batch_size < 1:
            raise EmbedError(f"batch_size must be a positive integer or None, got {batch_size}")
        batch_size = min(int(batch_size), n)
        val = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise EmbedError("validation_data must be a pair (X_val, y_val)")
            Xv = self._prepare_X(validation_data[0], "X_val")
            val = (Xv, self._prepare_y(validation_data[1], Xv.shape[0], "y_val"))

        self._fused_loss = _fused_loss(self.layers[-1], self.loss)
        self._fused = self._fused_loss is not None
        self._train_loss = self._fused_loss or self.loss
        out = self._forward(X[:1], False, self._fused)       # builds every layer
        self._check_targets(out.shape, y)
        if val is not None:
            self._check_targets(out.shape, val[1], "y_val")
        self._param_list, self._grad_list = self.params(), self.grads()
        self._has_reg = any(getattr(layer, "kernel_regularizer", None) is not None for layer in self.layers)
        # shuffling order: from `seed`, else a fresh stream of the model's seed (each fit differs)
        rng = as_rng(seed) if seed is not None else np.random.default_rng(self._seed_rng.integers(2 ** 63))
        schedule = schedules.get(lr_schedule) if lr_schedule is not None else None

        from ..progress import bar
        history = {"loss": [], **{m: [] for m in self.metrics}, "lr": [], "seconds": []}
        if val is not None:
            history.update({"val_loss": [], **{"val_" + m: [] for m in self.metrics}})
        from .threads import blas_threads, blas_threads_limit, get_pool, single_threaded_blas
        if thread_mode not in ("blas", "pool"):
            raise EmbedError(f"thread_mode must be 'blas' or 'pool', got {thread_mode!r}")
        n_threads = int(threads) if threads is not None else (blas_threads() if thread_mode == "pool" else 0)
        if threads is not None and n_threads < 1:
            raise EmbedError(f"threads must be at least 1, got {threads}")
        pool = get_pool(n_threads) if thread_mode == "pool" else None
        if pool is not None:
            blas_limit = single_threaded_blas()
        elif threads is not None:
            blas_limit = blas_threads_limit(n_threads)
        else:
            blas_limit = contextlib.nullcontext()
        for layer in self.layers:
            if hasattr(layer, "reuse_buffers"):
                layer.reuse_buffers = True
            layer.pool = pool
        self.optimizer.pool = pool
        first_grad = self.layers[0].input_grad
        self.layers[0].input_grad = False                      # nobody needs ∂L/∂X
        idx_all = np.arange(n)
        xbuf = {}
        try:
            blas_limit.__enter__()
            for epoch in range(int(epochs)):
                t0 = time.perf_counter()
                if schedule is not None:
                    self.optimizer.lr = float(schedule(epoch))
                order = rng.permutation(n) if shuffle else idx_all
                total, seen, correct = 0.0, 0, {m: 0.0 for m in self.metrics}
                steps = (n + batch_size - 1) // batch_size
                with bar(total=steps, desc=f"epoch {epoch + 1}/{epochs}", unit="batch",
                         show=progress if progress is not None else (None if verbose else False)) as pbar:
                    for s in range(steps):
                        idx = order[s * batch_size:(s + 1) * batch_size]
                        if shuffle:
                            shape = (idx.size, *X.shape[1:])
                            xb = xbuf.get(shape)
                            if xb is None:
                                xb = xbuf[shape] = np.empty(shape, X.dtype)
                            np.take(X, idx, axis=0, out=xb)
                            yb = y[idx]
                        else:
                            xb, yb = X[s * batch_size:(s + 1) * batch_size], y[s * batch_size:(s + 1) * batch_size]
                        with np.errstate(over="ignore", invalid="ignore"):   # divergence is checked below
                            batch_loss = self.train_on_batch(xb, yb)
                        if not np.isfinite(batch_loss):
                            raise EmbedError(f"training diverged (loss is {batch_loss}) in epoch {epoch + 1}: "
                                             "lower the learning rate or rescale the inputs")
                        total += batch_loss * idx.size
                        seen += idx.size
                        for m, fn in zip(self.metrics, self._metric_fns):
                            correct[m] += fn(yb, self._scores(self._metric_out)) * idx.size
                        if s % 20 == 0 or s == steps - 1:
                            pbar.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
                        pbar.update(1)
                history["loss"].append(total / seen)
                for m in self.metrics:
                    history[m].append(correct[m] / seen)
                history["lr"].append(self.optimizer.lr)
                history["seconds"].append(time.perf_counter() - t0)
                if val is not None:
                    scores = self.evaluate(*val)
                    for k, v in scores.items():
                        history["val_" + k].append(v)
                logs = {k: v[-1] for k, v in history.items() if v}
                logs["epoch"] = epoch + 1
                if verbose:
                    print(f"epoch {epoch + 1}/{epochs}  " + "  ".join(
                        f"{k} {v:.4f}" for k, v in logs.items() if k not in ("epoch", "lr", "seconds"))
                        + f"  ({logs['seconds']:.1f}s)", file=sys.stderr)
                for cb in callbacks:
                    cb(epoch, logs)
        finally:
            blas_limit.__exit__(None, None, None)
            self.layers[0].input_grad = first_grad
            self.optimizer.pool = None
            for layer in self.layers:
                layer.pool = None
                if hasattr(layer, "reuse_buffers"):
                    layer.reuse_buffers = False
        self.history_ = history
        return history

    # -- inference -------------------------------------------------------------------
    def _outputs(self, X, logits, batch_size=None):
        X = self._prepare_X(X)
        chunk = batch_size or _PREDICT_CHUNK
        outs = [np.array(self._forward(X[i:i + chunk], False, logits), copy=True)
                for i in range(0, X.shape[0], chunk)]
        return np.concatenate(outs, axis=0)

    def predict(self, X, batch_size=None):
        """Model outputs (probabilities for a softmax / sigmoid output layer)."""
        if not self.layers:
            raise EmbedError("the model has no layers")
        if not any(layer.built for layer in self.layers):
            raise EmbedError("the model is not trained yet: call fit first (or load a saved model)")
        return self._outputs(X, False, batch_size)

    def predict_classes(self, X, batch_size=None):
        return metrics_mod.to_labels(self.predict(X, batch_size))

    def evaluate(self, X, y, batch_size=None):
        """{"loss": mean loss (+ regularization), "<metric>": value, ...} on (X, y)."""
        self._require_compiled()
        fused = _fused_loss(self.layers[-1], self.loss)
        loss_fn = fused or self.loss
        out = self._outputs(X, fused is not None, batch_size)
        y = self._prepare_y(y, out.shape[0])
        self._train_loss = loss_fn
        self._check_targets(out.shape, y)
        result = {"loss": loss_fn.forward(out, y) + self.regularization_loss()}
        self._fused_loss = fused
        for m, fn in zip(self.metrics, self._metric_fns):
            result[m] = fn(y, self._scores(out))
        return result

    # -- persistence ---------------------------------------------------------------
    def get_config(self):
        return {
            "format": _FORMAT, "version": 1, "name": self.name, "seed": self.seed,
            "layers": [{"class": type(layer).__name__, "config": layer.get_config(),
                        "input_shape": list(getattr(layer, "input_shape_", None) or []) or None,
                        "built": bool(layer.built),
                        "rng_state": _rng_state(layer.rng)} for layer in self.layers],
            "loss": self.loss.name if self.loss is not None else None,
            "optimizer": ({"name": self.optimizer.name, **self.optimizer.get_config()}
                          if self.optimizer is not None else None),
            "metrics": self.metrics, "clip_norm": self.clip_norm,
        }

    def save(self, path, include_optimizer=True):
        """Write config + weights (+ optimizer state) to one .npz file, atomically."""
        arrays = {"__config__": np.array(json.dumps(self.get_config()))}
        for i, layer in enumerate(self.layers):
            for k, p in layer.params.items():
                arrays[f"layer{i}/{k}"] = p
        if include_optimizer and self.optimizer is not None:
            for k, v in self.optimizer.state_dict().items():
                if isinstance(v, np.ndarray):
                    arrays[f"optimizer/{k}"] = v
            arrays["__optimizer_t__"] = np.array(self.optimizer.t)
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)
        return path

    @classmethod
    def load(cls, path):
        """Rebuild a model saved with `save` (same predictions, optimizer ready to resume)."""
        check_readable(path, "model file")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            config = json.loads(str(arrays.pop("__config__")))
        except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError, json.JSONDecodeError) as e:
            raise EmbedError(f"{path} is not a valid embed model file (corrupt or truncated: "
                             f"{type(e).__name__})") from None
        if not isinstance(config, dict) or config.get("format") != _FORMAT:
            raise EmbedError(f"{path} is not an embed Sequential model file")
        try:
            return cls._rebuild(config, arrays)
        except EmbedError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            raise EmbedError(f"{path}: malformed model configuration ({type(e).__name__}: {e})") from None

    @classmethod
    def _rebuild(cls, config, arrays):
        """The model described by a saved `config` and its `arrays` (weights, optimizer state)."""
        model = cls(seed=config.get("seed"), name=config.get("name"))
        for i, spec in enumerate(config["layers"]):
            layer = layer_from_config(spec["class"], spec["config"])
            weights = {k.split("/", 1)[1]: a for k, a in arrays.items() if k.startswith(f"layer{i}/")}
            if spec.get("built"):
                dtype = next(iter(weights.values())).dtype if weights else np.float32
                shape = spec.get("input_shape")
                if shape:
                    layer.input_shape_ = tuple(shape)
                    layer.build(tuple(shape), dtype)
                    layer.set_weights(weights)
                else:
                    layer.params = {k: np.ascontiguousarray(a) for k, a in weights.items()}
                    layer.grads = {k: np.zeros_like(a) for k, a in layer.params.items()}
                    layer.built = True
                    layer._on_params_replaced()
            if spec.get("rng_state"):
                layer.rng = _rng_from_state(spec["rng_state"])
            model.layers.append(layer)
        if config.get("loss") and config.get("optimizer"):
            opt_cfg = dict(config["optimizer"])
            model.compile(loss=config["loss"], optimizer=optimizers.get(opt_cfg.pop("name"), **opt_cfg),
                          metrics=config.get("metrics") or None, clip_norm=config.get("clip_norm"))
            state = {k.split("/", 1)[1]: a for k, a in arrays.items() if k.startswith("optimizer/")}
            if state:
                state.update({"name": model.optimizer.name, "t": int(arrays.get("__optimizer_t__", 0))})
                model.optimizer.load_state_dict(state)
        return model

    # -- display ----------------------------------------------------------------------
    def summary(self):
        lines = [f"Sequential{'(' + self.name + ')' if self.name else ''}"]
        for layer in self.layers:
            shapes = ", ".join(f"{k}{tuple(p.shape)}" for k, p in layer.params.items()) or "-"
            lines.append(f"  {layer!r:60s} {shapes}")
        lines.append(f"  parameters: {self.count_params():,}")
        return "\n".join(lines)

    def __repr__(self):
        return f"Sequential({len(self.layers)} layers, {self.count_params():,} parameters)"
