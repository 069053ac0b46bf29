"""Training plots: learning curves (bias–variance) and confusion matrices (matplotlib, Agg).

Files are written atomically; the format follows the extension (.png, .pdf, .svg).
"""
import os

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path):
    plt = _pyplot()
    fmt = os.path.splitext(str(path))[1].lstrip(".").lower() or "png"
    try:
        with atomic_write(path, "wb") as f:
            fig.savefig(f, format=fmt, dpi=120, bbox_inches="tight")
    except ValueError as e:
        raise EmbedError(f"cannot save plot {path}: {e}") from None
    finally:
        plt.close(fig)
    return path


def learning_curve_plot(history, path, metric="accuracy", title=None):
    """Train vs validation error per epoch (the bias–variance picture).

    Error = 1 − accuracy when the history has `metric`, else the loss.  A gap
    that opens between the curves is variance (over-fitting); both curves
    staying high is bias (under-fitting).
    """
    plt = _pyplot()
    if metric in history and history[metric]:
        train = 1 - np.asarray(history[metric])
        val = 1 - np.asarray(history["val_" + metric]) if history.get("val_" + metric) else None
        ylabel = "error (1 − accuracy)"
    else:
        train = np.asarray(history["loss"])
        val = np.asarray(history["val_loss"]) if history.get("val_loss") else None
        ylabel = "loss"
    if train.size == 0:
        raise EmbedError("learning curve: the history has no epochs")
    epochs = np.arange(1, train.size + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, train, "o-", label="training")
    if val is not None:
        ax.plot(epochs, val, "s-", label="validation")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title or "Bias–variance: training vs validation error")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, path)


def confusion_matrix_plot(cm, path, class_names=None, title=None, normalize=True):
    """Heat map of a (C, C) confusion matrix (rows true, columns predicted)."""
    plt = _pyplot()
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise EmbedError(f"confusion matrix must be square, got shape {cm.shape}")
    c = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(c)]
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * c, 0.8 + 0.55 * c))
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(c), names, rotation=45, ha="right")
    ax.set_yticks(range(c), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or "Confusion matrix (row-normalised)" if normalize else "Confusion matrix")
    hi = shown.max() if shown.size else 1
    for i in range(c):
        for j in range(c):
            ax.text(j, i, f"{shown[i, j]:.2f}" if normalize else str(cm[i, j]), ha="center", va="center",
                    fontsize=7, color="white" if shown[i, j] > hi / 2 else "black")
    return _save(fig, path)
