"""How embed draws: one figure convention for every plot, and the one learning-curve plot.

Every plotting function in embed

* builds its picture on `new_figure()`: a `matplotlib.figure.Figure` on its
  own Agg canvas, never pyplot, so nothing global changes and no display is
  needed;
* RETURNS that Figure (a notebook shows it inline), and
* when given a `path`, also writes it with `save_figure()`: atomically (a
  temporary file renamed into place), in the format the suffix names
  (.png, .svg or .pdf), with no dates in the metadata (same data, same bytes).

Shared drawing: `learning_curve_plot` (cost or error against iteration /
epoch, for the classic models' cost histories and the neural trainers'
histories alike) and `learning_curves_plot` (several such panels side by side).
"""
import os

import numpy as np

from .errors import EmbedError
from .fileio import atomic_write

FORMATS = ("png", "svg", "pdf")
DPI = 120  # dots per inch when a function does not choose
# One colour per series, readable on white and for common colour-blindness.
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def new_figure(size=(6.4, 4.8), dpi=DPI, layout=None):
    """A pyplot-free Figure of `size` (width, height) inches on its own Agg canvas.

    `layout="constrained"` lets matplotlib space the axes; the canvas gives a
    renderer (``fig.canvas.get_renderer()``) for measuring text.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi, facecolor="white", layout=layout)
    FigureCanvasAgg(fig)
    return fig


def check_output(path):
    """Fail early (before any slow work) if `path` cannot receive a picture; returns the format."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise EmbedError(f"cannot write {path}: it is a folder")
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    if fmt not in FORMATS:
        raise EmbedError(f"cannot tell the picture format of {path}: use a .png, .svg or .pdf name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        problem = "is not a folder" if os.path.exists(folder) else "does not exist"
        raise EmbedError(f"cannot write {path}: {folder} {problem}")
    if not os.access(folder, os.W_OK):
        raise EmbedError(f"cannot write {path}: folder {folder} is not writable")
    return fmt


def save_figure(fig, path, dpi=None):
    """Write `fig` to `path` atomically, format from the suffix; returns the path.

    dpi : dots per inch of a PNG (default: the figure's own).
    """
    from matplotlib import rc_context

    fmt = check_output(path)
    # SVG keeps words as text (searchable, small) rather than outlines; no dates
    # in the metadata, so the same picture always gives the same bytes.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "embed"}), atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=dpi or fig.dpi, facecolor="white", metadata=metadata)
    return os.fspath(path)


def finish(fig, path=None, dpi=None):
    """The end of every plotting function: save to `path` when given, return the Figure."""
    if path is not None:
        save_figure(fig, path, dpi)
    return fig


# --------------------------------------------------------------------------- learning curves

def history_curves(history, metric="accuracy"):
    """({"training": values, "validation": values}, y label) from a training history.

    `history` maps names to per-epoch lists (``loss``, ``val_loss``, a metric and
    ``val_<metric>``), as `Sequential.fit` returns (or an object with such a
    ``.history``).  Error = 1 - accuracy when the history has `metric`, else the loss.
    """
    history = getattr(history, "history", history)
    if history.get(metric):
        curves = {"training": 1 - np.asarray(history[metric], dtype=np.float64)}
        if history.get("val_" + metric):
            curves["validation"] = 1 - np.asarray(history["val_" + metric], dtype=np.float64)
        return curves, f"error (1 − {metric})"
    if not history.get("loss"):
        raise EmbedError("learning curve: the history has no epochs")
    curves = {"training": np.asarray(history["loss"], dtype=np.float64)}
    if history.get("val_loss"):
        curves["validation"] = np.asarray(history["val_loss"], dtype=np.float64)
    return curves, "loss"


def _is_history(obj):
    h = getattr(obj, "history", obj)
    return isinstance(h, dict) and "loss" in h


def draw_learning_curves(ax, curves, xlabel="iteration", ylabel="cost J(w, b)", logy=True):
    """Plot each named series in `curves` ({label: sequence}) against 1, 2, ... on `ax`."""
    from matplotlib.ticker import MaxNLocator

    if not curves or not any(len(v) for v in curves.values()):
        raise EmbedError("learning curve: nothing to plot (no values)")
    for i, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)  # (steps,)
        ax.plot(np.arange(1, len(values) + 1), values, "o-" if len(values) <= 30 else "-",
                label=label, color=COLORS[i % len(COLORS)], lw=1.6, ms=4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # iterations and epochs are whole numbers
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend()


def learning_curve_plot(curves, path=None, title=None, xlabel=None, ylabel=None, logy=None,
                        floor=None, floor_label="closed form", metric="accuracy"):
    """Cost or error against iteration / epoch, one line per series; returns the Figure.

    curves : {label: per-step values}, e.g. ``{"lr = 0.1": model.loss_curve_}``,
             or a training history (``Sequential.fit``'s): then training vs
             validation error (1 - `metric`, else the loss) per epoch, the
             bias-variance picture (a widening gap is over-fitting, both high
             is under-fitting).
    floor  : an optimal cost drawn as a dashed line (e.g. the normal equation's).
    path   : also write the picture there (.png, .svg or .pdf).
    """
    if _is_history(curves):
        curves, default_ylabel = history_curves(curves, metric)
        panel = dict(curves=curves, title=title or "Bias–variance: training vs validation error",
                     xlabel=xlabel or "epoch", ylabel=ylabel or default_ylabel,
                     logy=bool(logy), floor=floor, floor_label=floor_label)
        fig = new_figure((6, 4), layout="constrained")
    else:
        panel = dict(curves=curves, title=title or "Learning curve", xlabel=xlabel or "iteration",
                     ylabel=ylabel or "cost J(w, b)", logy=True if logy is None else logy,
                     floor=floor, floor_label=floor_label)
        fig = new_figure((5.6, 4.6), layout="constrained")
    _draw_panel(fig.subplots(), panel)
    return finish(fig, path)


def learning_curves_plot(panels, path=None, suptitle=None):
    """Several learning-curve panels side by side; returns the Figure.

    panels : list of dicts with keys curves ({label: costs}), title, and optionally
    xlabel, ylabel, logy, floor (the optimal cost, drawn dashed), floor_label.
    """
    if not panels:
        raise EmbedError("learning curves: no panels to draw")
    n = len(panels)
    fig = new_figure((5.6 * n, 4.6), layout="constrained")
    for ax, p in zip(np.atleast_1d(fig.subplots(1, n, squeeze=False)[0]), panels):
        _draw_panel(ax, p)
    if suptitle:
        fig.suptitle(suptitle)
    return finish(fig, path)


def _draw_panel(ax, p):
    draw_learning_curves(ax, p["curves"], p.get("xlabel", "iteration"),
                         p.get("ylabel", "cost J(w, b)"), p.get("logy", True))
    floor = p.get("floor")
    if floor is not None:
        ax.axhline(floor, color="black", ls="--", lw=1,
                   label=f"{p.get('floor_label', 'closed form')} ({floor:.4g})")
        ax.legend()
    ax.set_title(p.get("title", "Learning curve"))
