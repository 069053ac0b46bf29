"""Training plots for the neural core: learning curves (bias–variance) and confusion matrices.

Drawn with embed's one figure convention (`embed.plotting`): each function
returns the matplotlib Figure (a notebook shows it inline) and also writes it
when given a path (.png, .svg or .pdf, atomically).
"""
import numpy as np

from ..errors import EmbedError
from ..plotting import finish, learning_curve_plot, new_figure  # noqa: F401  (learning_curve_plot: part of this module's API)


def confusion_matrix_plot(cm, path=None, class_names=None, title=None, normalize=True):
    """Heat map of a (C, C) confusion matrix (rows true, columns predicted); returns the Figure."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise EmbedError(f"confusion matrix must be square, got shape {cm.shape}")
    c = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(c)]
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm  # (C, C)
    fig = new_figure((1.0 + 0.6 * c, 0.8 + 0.55 * c), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(c), names, rotation=45, ha="right")
    ax.set_yticks(range(c), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or ("Confusion matrix (row-normalised)" if normalize else "Confusion matrix"))
    hi = shown.max() if shown.size else 1
    for i in range(c):
        for j in range(c):
            ax.text(j, i, f"{shown[i, j]:.2f}" if normalize else str(cm[i, j]), ha="center", va="center",
                    fontsize=7, color="white" if shown[i, j] > hi / 2 else "black")
    return finish(fig, path)


def activation_plot(names=("linear", "sigmoid", "tanh", "relu"), path=None, x_range=(-5.0, 5.0), points=401):
    """Each activation f(x) (solid) with its gradient f'(x) (dashed), one panel per name; returns the Figure.

    names   : elementwise activations of `embed.nn.activations` (softmax is not elementwise).
    x_range : the x interval shown; the derivative drawn is the activation's own ``df``,
              the one backprop multiplies by.
    """
    from . import activations
    from ..plotting import COLORS
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise EmbedError("activation_plot: give at least one activation name")
    acts = [activations.get(n) for n in names]
    if any(isinstance(a, activations.Softmax) for a in acts):
        raise EmbedError("activation_plot: softmax is not elementwise (it has a Jacobian, not a gradient curve)")
    x = np.linspace(float(x_range[0]), float(x_range[1]), int(points))             # (P,)
    fig = new_figure((3.0 * len(acts), 3.0), layout="constrained")
    for ax, act in zip(fig.subplots(1, len(acts), squeeze=False)[0], acts):
        y = act.f(x)                                                               # (P,)
        ax.axhline(0, color="0.75", linewidth=0.8)
        ax.axvline(0, color="0.75", linewidth=0.8)
        ax.plot(x, y, color=COLORS[0], label=f"{act.name}(x)")
        ax.plot(x, act.df(x, y), "--", color=COLORS[1], label=f"{act.name}′(x)")
        ax.set_title(act.name)
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    return finish(fig, path)
