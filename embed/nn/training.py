"""The machinery behind `Sequential.fit`, so that the loop itself reads like the course.

* `check_fit_options` : every fit option checked up front, one-line errors naming the parameter;
* `training_threads`  : who computes (BLAS threads or our row-block pool) while fitting, undone after;
* `minibatches`       : (xb, yb) batches in a shuffled (or stored) order, shuffled rows gathered
                        into one reused buffer;
* `EpochMeter`        : running, row-weighted means of the loss and metrics over one epoch;
* `History`           : the per-epoch numbers fit returns (a dict with a short repr).
"""
import contextlib
import sys

import numpy as np

from ..errors import EmbedError

THREAD_MODES = ("blas", "pool")


def check_fit_options(epochs, batch_size, n, threads, thread_mode, validation_data):
    """The checked `batch_size` (None = all n rows, capped at n); raises EmbedError for a bad option."""
    if int(epochs) != epochs or epochs < 0:
        raise EmbedError(f"epochs must be a non-negative integer, got {epochs}")
    if batch_size is None:
        batch_size = n
    if int(batch_size) != batch_size or batch_size < 1:
        raise EmbedError(f"batch_size must be a positive integer or None, got {batch_size}")
    if thread_mode not in THREAD_MODES:
        raise EmbedError(f"thread_mode must be 'blas' or 'pool', got {thread_mode!r}")
    if threads is not None and int(threads) < 1:
        raise EmbedError(f"threads must be at least 1, got {threads}")
    if validation_data is not None and len(validation_data) != 2:
        raise EmbedError("validation_data must be a pair (X_val, y_val)")
    return min(int(batch_size), n)


@contextlib.contextmanager
def training_threads(layers, optimizer, threads=None, thread_mode="blas"):
    """Set up the cores for a training loop; everything is restored on exit.

    thread_mode "blas": BLAS threads each product (limited to `threads` when given), and
    the optimizer splits its update of big arrays across `embed.parallel` (its one
    Numba kernel is otherwise the only single-threaded part of a step);
    "pool": BLAS on one thread, big products and updates split in row blocks
    across `embed.parallel` (`threads` workers, default: the BLAS thread count).
    Also, while training: layers reuse their output buffers batch after batch, and
    the first layer skips ∂L/∂X (nobody needs it).
    """
    from .. import parallel
    pool = None
    workers = parallel.team(int(threads) if threads is not None else parallel.blas_threads())
    if thread_mode == "pool":
        pool = workers
        blas_limit = parallel.blas_limit(1)
    elif threads is not None:
        blas_limit = parallel.blas_limit(int(threads))
    else:
        blas_limit = contextlib.nullcontext()
    first_grad = layers[0].input_grad
    try:
        with blas_limit:
            for layer in layers:
                if hasattr(layer, "reuse_buffers"):
                    layer.reuse_buffers = True
                layer.pool = pool
            optimizer.pool = workers
            layers[0].input_grad = False
            yield pool
    finally:
        layers[0].input_grad = first_grad
        optimizer.pool = None
        for layer in layers:
            layer.pool = None
            if hasattr(layer, "reuse_buffers"):
                layer.reuse_buffers = False


def minibatches(X, y, batch_size, order=None, buffers=None):
    """Yield (xb, yb) of `batch_size` rows (the last batch may be shorter).

    order   : row order (a permutation of range(n)); None = the stored order, batches are views.
    buffers : dict shape -> array reused across calls for the gathered rows of X (None: fresh arrays).
    """
    n = X.shape[0]
    for start in range(0, n, batch_size):
        if order is None:
            yield X[start:start + batch_size], y[start:start + batch_size]
            continue
        idx = order[start:start + batch_size]
        shape = (idx.size, *X.shape[1:])
        xb = None if buffers is None else buffers.get(shape)
        if xb is None:
            xb = np.empty(shape, X.dtype)
            if buffers is not None:
                buffers[shape] = xb
        np.take(X, idx, axis=0, out=xb)                                           # (b, ...)
        yield xb, y[idx]


class EpochMeter:
    """Row-weighted running means of the training loss and metrics over one epoch."""

    def __init__(self, metric_names):
        self.total, self.seen = 0.0, 0
        self.sums = {m: 0.0 for m in metric_names}

    def add(self, loss, metric_values, rows):
        """One batch of `rows` rows: its mean loss and {metric: mean value}."""
        self.total += loss * rows
        self.seen += rows
        for m, v in metric_values.items():
            self.sums[m] += v * rows

    @property
    def loss(self):
        return self.total / self.seen

    def means(self):
        return {m: s / self.seen for m, s in self.sums.items()}


class History(dict):
    """Per-epoch numbers of a fit: ``{"loss": [...], "<metric>": [...], "lr": [...], "seconds": [...],
    "val_loss": [...], "val_<metric>": [...]}``, one entry per epoch (a plain dict otherwise)."""

    def __init__(self, metric_names=(), validation=False):
        super().__init__(loss=[], **{m: [] for m in metric_names}, lr=[], seconds=[])
        if validation:
            self.update({"val_loss": [], **{"val_" + m: [] for m in metric_names}})

    @property
    def epochs(self):
        return len(self["loss"])

    def append(self, numbers):
        """Add one epoch's numbers (keys of this history)."""
        for k, v in numbers.items():
            self[k].append(v)

    def last(self, epoch):
        """The latest number of every series, plus ``epoch`` (1-based): what callbacks receive."""
        logs = {k: v[-1] for k, v in self.items() if v}
        logs["epoch"] = epoch
        return logs

    def __repr__(self):
        shown = [k for k in self if k not in ("lr", "seconds") and self[k]]
        parts = [f"{k} {self[k][0]:.4g}→{self[k][-1]:.4g}" if len(self[k]) > 1 else f"{k} {self[k][-1]:.4g}"
                 for k in shown]
        return f"History<{self.epochs} epochs" + (": " + ", ".join(parts) if parts else "") + ">"


def log_epoch(logs, epochs, file=None):
    """The one-line summary `fit(verbose=1)` prints after each epoch."""
    numbers = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if k not in ("epoch", "lr", "seconds"))
    print(f"epoch {logs['epoch']}/{epochs}  {numbers}  ({logs['seconds']:.1f}s)", file=file or sys.stderr)
