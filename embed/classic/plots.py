"""Plots for the classic models: fitted lines, decision regions, perceptron mistakes,
reconstructions, hinge sums (and the shared learning curves, from `embed.plotting`).

Drawn with embed's one figure convention (`embed.plotting`): no pyplot, no
display; each `*_plot` function returns the matplotlib Figure (a notebook
shows it inline) and, given a path, also writes it atomically (.png, .svg, .pdf).
`draw_*` functions draw on an axes the caller owns.
"""
import numpy as np

from ..errors import EmbedError
from ..plotting import COLORS as CLASS_COLORS  # one colour per class
from ..plotting import (draw_learning_curves, finish, learning_curve_plot,  # noqa: F401  (part of this
                        learning_curves_plot, new_figure, save_figure)     # module's API)
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def _figure(nrows=1, ncols=1, size=(6.4, 4.8)):
    """A Figure (embed's convention) and its axes (an array when nrows*ncols > 1)."""
    fig = new_figure(size, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=True)


def fitted_line_plot(x, y, lines, path=None, title="Linear regression", xlabel="x", ylabel="y"):
    """Scatter one feature against the target and draw fitted lines.

    lines : {label: (slope, intercept)} -- each drawn as y = intercept + slope * x.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    fig, ax = _figure()
    ax.scatter(x, y, s=14, color="#7f7f7f", alpha=0.7, label="data")
    grid = np.linspace(x.min(), x.max(), 100)
    styles = ["-", "--", ":", "-."]
    for i, (label, (slope, intercept)) in enumerate(lines.items()):
        ax.plot(grid, intercept + slope * grid, styles[i % 4], lw=2,
                color=CLASS_COLORS[(i + 3) % len(CLASS_COLORS)],
                label=f"{label}: y = {intercept:.3f} + {slope:.3f} x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return finish(fig, path)


# --------------------------------------------------------------------------- classifiers

def draw_decision_regions(ax, predict, X, y, class_names=None, xlabel="x1", ylabel="x2",
                          title=None, resolution=300, pad=0.5, line=None, marker_size=28,
                          legend_loc="best", X_test=None, y_test=None):
    """Colour the plane by `predict` and scatter the labelled points on top.

    predict : callable mapping grid points (g, 2) to integer labels (g,).
    X : (m, 2) coordinates of the points, y : (m,) int labels.
    line : optional (w, b) drawn as the straight boundary w·x + b = 0.
    marker_size, legend_loc : matplotlib's scatter size and legend location.
    X_test, y_test : optional held-out points, drawn hollow.
    """
    from matplotlib.colors import ListedColormap
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    k = int(max(y.max() + 1, 2))
    names = class_names or [f"class {c}" for c in range(k)]
    both = X if X_test is None else np.vstack([X, np.asarray(X_test, dtype=np.float64)])
    lo, hi = both.min(axis=0) - pad, both.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])  # (r*r, 2)
    z = np.asarray(predict(grid)).reshape(g0.shape)  # (r, r) labels
    cmap = ListedColormap(CLASS_COLORS[:k])
    ax.contourf(g0, g1, z, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.22)
    ax.contour(g0, g1, z, levels=np.arange(k) + 0.5, colors="black", linewidths=0.8)
    for c in range(k):
        sel = y == c
        if np.any(sel):
            ax.scatter(X[sel, 0], X[sel, 1], s=marker_size, color=CLASS_COLORS[c], marker=MARKERS[c],
                       edgecolor="black", linewidth=0.5, label=names[c])
    if X_test is not None:
        X_test, y_test = np.asarray(X_test, dtype=np.float64), np.asarray(y_test)
        for c in range(k):
            sel = y_test == c
            ax.scatter(X_test[sel, 0], X_test[sel, 1], s=marker_size * 1.3, marker=MARKERS[c],
                       facecolor="white", edgecolor=CLASS_COLORS[c], linewidth=1.6,
                       label="held-out (hollow)" if c == 0 else None)
    if line is not None:
        (w1, w2), b = line
        if abs(w2) > 1e-12:       # x2 = -(b + w1 x1) / w2
            xs = np.array([lo[0], hi[0]])
            ax.plot(xs, -(b + w1 * xs) / w2, color="black", lw=1.5, ls="--", label="w·x + b = 0")
        elif abs(w1) > 1e-12:     # vertical: x1 = -b / w1
            ax.axvline(-b / w1, color="black", lw=1.5, ls="--", label="w·x + b = 0")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc=legend_loc, fontsize=8, framealpha=0.9)


def decision_boundary_plot(panels, path=None, suptitle=None, size=None):
    """One or more decision-region panels side by side.

    panels : list of dicts with the keyword arguments of `draw_decision_regions`
    (predict, X, y, class_names, xlabel, ylabel, title, line).
    """
    n = len(panels)
    fig, axes = _figure(1, n, size=size or (5.6 * n, 4.8))
    for ax, panel in zip(np.atleast_1d(axes), panels):
        draw_decision_regions(ax, **panel)
    if suptitle:
        fig.suptitle(suptitle)
    return finish(fig, path)


def draw_mistakes(ax, series, title="Perceptron mistakes per epoch"):
    """Training mistakes (= weight updates) per epoch for each named run.

    series : {label: sequence of mistake counts, one per epoch}.  A run that
    reaches zero has converged; its first mistake-free epoch is marked.
    """
    for i, (label, errors) in enumerate(series.items()):
        errors = np.asarray(errors)
        epochs = np.arange(1, len(errors) + 1)
        color = CLASS_COLORS[(2 * i) % len(CLASS_COLORS)]
        ax.plot(epochs, errors, drawstyle="steps-mid", color=color, lw=1.6, label=label)
        if errors.size and errors[-1] == 0:
            ax.plot(epochs[-1], 0, marker="*", ms=14, color=color, ls="none",
                    label=f"{label}: converged in epoch {epochs[-1]}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mistakes (weight updates)")
    ax.set_title(title)
    ax.set_ylim(bottom=-0.3)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


# --------------------------------------------------------------------------- images

def reconstruction_plot(originals, reconstructions, path=None, image_shape=None, n=10,
                        title="Autoencoder reconstructions", labels=None):
    """Two rows per block: originals above, their reconstructions below.

    originals, reconstructions : (>= n, h*w) arrays with pixel values in [0, 1].
    image_shape : (h, w) of one image.
    """
    if image_shape is None:
        raise EmbedError("reconstruction_plot needs image_shape, the (height, width) of one image")
    originals = np.asarray(originals)[:n]
    reconstructions = np.asarray(reconstructions)[:n]
    n = len(originals)
    if n == 0 or reconstructions.shape != originals.shape:
        raise EmbedError("reconstruction_plot needs matching, non-empty originals and reconstructions")
    cols = min(n, 10)
    blocks = -(-n // cols)
    fig, axes = _figure(2 * blocks, cols, size=(1.25 * cols, 2.6 * blocks + 0.5))
    axes = np.asarray(axes).reshape(2 * blocks, cols)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
    for i in range(n):
        r, c = divmod(i, cols)
        top, bottom = axes[2 * r, c], axes[2 * r + 1, c]
        top.imshow(originals[i].reshape(image_shape), cmap="gray_r", vmin=0, vmax=1)
        bottom.imshow(reconstructions[i].reshape(image_shape), cmap="gray_r", vmin=0, vmax=1)
        if labels is not None:
            top.set_title(str(labels[i]), fontsize=9)
        if c == 0:
            top.set_ylabel("original", fontsize=9)
            bottom.set_ylabel("reconstructed", fontsize=9)
    fig.suptitle(title)
    return finish(fig, path)


# --------------------------------------------------------------------------- hinge sums

def draw_hinges(ax, x, y, intercept, coef, terms, title=None, resolution=400):
    """A sum of hinges on one input: the data, y(x) = b0 + sum_k c_k h_k(x) and each c_k h_k(x).

    intercept, coef, terms : as a fitted `MARS` holds them (intercept_, coef_, terms_) or as
    `embed.classic.mars.relu_network_as_hinges` returns them for a ReLU network; each term
    is a `Term` of `Hinge`s on feature 0.  Knots inside the data's range are dotted lines.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    grid = np.linspace(x.min(), x.max(), resolution)[:, None]              # (r, 1)
    parts = [c * t(grid) for c, t in zip(coef, terms)]                     # each (r,)
    ax.scatter(x, y, s=10, color="#9a9a9a", alpha=0.7, label="data", zorder=1)
    for i, (c, t, part) in enumerate(zip(coef, terms, parts)):
        ax.plot(grid[:, 0], part, lw=1.2, ls="--", color=CLASS_COLORS[(i + 1) % len(CLASS_COLORS)],
                label=f"{c:+.2f} {t.describe(['x'], 3)}".replace("-", "\u2212"), zorder=2)
    for knot in sorted({h.knot for t in terms for h in t}):
        if x.min() <= knot <= x.max():
            ax.axvline(knot, color="black", lw=0.6, ls=":", zorder=0)
    ax.plot(grid[:, 0], intercept + np.sum(parts, axis=0), lw=2.6, color="black",
            label="y(x), their sum", zorder=3)
    lo, hi = float(np.min(y)), float(np.max(y))
    pad = 0.4 * (hi - lo) or 1.0
    ax.set_ylim(lo - pad, hi + pad)  # the data fills the panel; big hinges run off its edge
    ax.set_xlim(grid[0, 0], grid[-1, 0])
    ax.set_xlabel("x  (dotted lines: knots)")
    ax.set_ylabel("y")
    if title:
        ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)


def hinges_plot(panels, path=None, suptitle=None, size=None):
    """One or more hinge-sum panels side by side (the keyword arguments of `draw_hinges`)."""
    n = len(panels)
    fig, axes = _figure(1, n, size=size or (6.5 * n, 6.6))
    for ax, panel in zip(np.atleast_1d(axes), panels):
        draw_hinges(ax, **panel)
    if suptitle:
        fig.suptitle(suptitle)
    return finish(fig, path)
