"""Metrics: accuracy, confusion matrix (and one-hot, re-exported from preprocessing).

Predictions may be labels (n,), class scores (n, C) (probabilities or logits:
the argmax is taken) or one-output scores (n, 1) (threshold 0.5 on
probabilities).  Targets may be labels (n,) or one-hot rows (n, C).
"""
import numpy as np

from ..errors import EmbedError
from .preprocessing import one_hot  # noqa: F401  (part of this module's API)
from .registry import lookup


def to_labels(y, threshold=0.5):
    """Labels (n,) from labels, one-hot / score rows (n, C) or one-column probabilities (n, 1)."""
    y = np.asarray(y)
    if y.ndim >= 2 and y.shape[-1] > 1:
        return y.argmax(axis=-1)
    if y.ndim >= 2:
        y = y[..., 0]
    if y.dtype.kind == "f" and y.size and (np.any(y != np.round(y))):
        return (y >= threshold).astype(np.int64)
    return y.astype(np.int64)


def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the true class."""
    t, p = to_labels(y_true), to_labels(y_pred)
    if t.shape != p.shape:
        raise EmbedError(f"accuracy: {t.shape[0] if t.ndim else 1} targets but "
                         f"{p.shape[0] if p.ndim else 1} predictions")
    if t.size == 0:
        raise EmbedError("accuracy: no samples")
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, n_classes=None):
    """(C, C) int64 counts: rows = true class, columns = predicted class."""
    t, p = to_labels(y_true).reshape(-1), to_labels(y_pred).reshape(-1)
    if t.shape != p.shape:
        raise EmbedError(f"confusion_matrix: {t.size} targets but {p.size} predictions")
    if n_classes is None:
        n_classes = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= n_classes):
        raise EmbedError(f"confusion_matrix: labels must be in [0, {n_classes})")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def mean_squared_error(y_true, y_pred):
    """Mean over all entries of (ŷ − y)²."""
    t, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        p = p.reshape(t.shape) if p.size == t.size else p
    if t.shape != p.shape:
        raise EmbedError(f"mean_squared_error: shapes {t.shape} and {p.shape} differ")
    return float(np.mean((p - t) ** 2))


METRICS = {"accuracy": accuracy, "mse": mean_squared_error}
_ALIASES = {"acc": "accuracy", "mean_squared_error": "mse"}


def get(name):
    """A metric function: a callable as is, or a name ("accuracy", "acc", "mse")."""
    if callable(name) and not isinstance(name, str):
        return name
    return lookup(METRICS, name, "metric", _ALIASES)
