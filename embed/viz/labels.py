"""Word labels next to their points without unreadable overlap (fast enough for hundreds).

Greedy placement in display (pixel) coordinates, most important label first:

1. try 8 spots around the point (right, left, above, below, the diagonals);
2. if all collide, try the same spots with a smaller font;
3. then spots further out on rings, joined to the point by a thin leader line;
4. if a spot only covers other points (never other labels), take the best such;
5. otherwise leave the label out (the caller can say how many were left out).

A spot "collides" if its box overlaps an already placed label, leaves the
axes, or covers another point's marker.  Each label first keeps only the
boxes and markers within its reach, then tests all its spots in one
vectorised numpy comparison, so 300 labels take a fraction of a second.
Labels sit on a faint white box, which keeps them readable over leader
lines and arrows and keeps them as text in SVG and PDF.
"""
from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.font_manager import FontProperties

# 8 directions, in order of preference: right, left, up, down, then diagonals.
_DIRS = np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)], dtype=float)
_RING_DIRS = np.array([(np.cos(a), np.sin(a)) for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)])


@dataclass
class LabelStats:
    placed: int = 0        # labels drawn next to their point
    shrunk: int = 0        # ... of which with a smaller font
    leader: int = 0        # labels drawn further out with a leader line
    covering: int = 0      # labels that had to cover some other point
    skipped: list = field(default_factory=list)  # words left out


def _box_at(anchor, direction, w, h, gap):
    """Lower-left corner of a (w, h) box placed `gap` pixels from `anchor` in `direction`."""
    dx, dy = direction
    x = anchor[0] + (gap if dx > 0 else -gap - w if dx < 0 else -w / 2)
    y = anchor[1] + (gap if dy > 0 else -gap - h if dy < 0 else -h / 2)
    if dx and dy:  # diagonal: pull in a little so the box stays close to its point
        x -= 0.3 * gap * dx
        y -= 0.3 * gap * dy
    return x, y


def _overlaps(boxes, cand):
    """Which candidate boxes (C, 4) overlap any of `boxes` (m, 4)? Boxes are (x0, y0, x1, y1)."""
    if len(boxes) == 0:
        return np.zeros(len(cand), dtype=bool), np.zeros(len(cand), dtype=int)
    hit = ((cand[:, None, 0] < boxes[None, :, 2]) & (cand[:, None, 2] > boxes[None, :, 0])
           & (cand[:, None, 1] < boxes[None, :, 3]) & (cand[:, None, 3] > boxes[None, :, 1]))  # (C, m)
    count = hit.sum(axis=1)
    return count > 0, count


def place_labels(ax, renderer, xy, texts, fontsize=8.0, colors=None, weights=None,
                 marker_px=4.0, obstacles=None, min_fontsize=None, halo=True, max_ring=4):
    """Annotate points `xy` (n, 2, data coordinates) with `texts`, in the given priority order.

    Call after the axes limits and position are final.  `marker_px` is the
    marker radius in pixels (one number, or one per point).  `obstacles`
    (k, 2) are extra data points to keep clear of (e.g. samples along arrows).
    Returns `LabelStats`.
    """
    fig = ax.figure
    dpi = fig.dpi
    n = len(texts)
    P = ax.transData.transform(np.asarray(xy, dtype=float))  # (n, 2) pixels
    bb = ax.bbox
    inside = (bb.x0 + 2, bb.y0 + 2, bb.x1 - 2, bb.y1 - 2)
    r = np.broadcast_to(np.asarray(marker_px, dtype=float), (n,))        # (n,) marker radius per point
    extra = np.zeros((0, 2)) if obstacles is None else ax.transData.transform(np.asarray(obstacles, float))
    obstacle_pts = np.vstack([P, extra])                                  # (n + k, 2)
    radius = np.concatenate([r, np.full(len(extra), float(np.median(r)) if n else 4.0)])[:, None]
    markers = np.hstack([obstacle_pts - radius, obstacle_pts + radius])  # (n + k, 4)
    placed = np.empty((n, 4))                                            # label boxes so far
    m = 0
    colors = colors if colors is not None else ["#222222"] * n
    weights = weights if weights is not None else ["normal"] * n
    min_fontsize = min_fontsize or max(5.5, 0.8 * fontsize)
    stats = LabelStats()
    size_cache = {}
    leaders = []  # (2, 2) data-coordinate segments

    def measure(text, size, weight):
        key = (text, size, weight)
        if key not in size_cache:
            prop = FontProperties(size=size, weight=weight)
            w, h, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
            if (size, weight) not in size_cache:  # matplotlib's minimum line height
                size_cache[size, weight] = renderer.get_text_width_height_descent("lp", prop, ismath=False)[1]
            size_cache[key] = (w + 2.0, max(h, size_cache[size, weight]) + 2.0)  # 1 px padding per side
        return size_cache[key]

    def candidates(i, size, ring):
        w, h = measure(texts[i], size, weights[i])
        gap = r[i] + 2.0 if ring == 0 else (r[i] + 2.0) + ring * 1.2 * h
        dirs = _DIRS if ring == 0 else _RING_DIRS
        corners = np.array([_box_at(P[i], d, w, h, gap) for d in dirs])  # (C, 2)
        return np.hstack([corners, corners + (w, h)])                    # (C, 4)

    others = np.ones(len(markers), dtype=bool)
    for i in range(n):
        choice = fallback = None
        # Only boxes and markers within reach of this label's farthest spot can collide.
        w, h = measure(texts[i], fontsize, weights[i])
        reach = r[i] + 2.0 + max_ring * 1.2 * h + w + h
        lo, hi = P[i] - reach, P[i] + reach
        near = placed[:m]
        near = near[(near[:, 2] > lo[0]) & (near[:, 0] < hi[0]) & (near[:, 3] > lo[1]) & (near[:, 1] < hi[1])]
        others[i] = False
        close = others & (markers[:, 2] > lo[0]) & (markers[:, 0] < hi[0]) \
            & (markers[:, 3] > lo[1]) & (markers[:, 1] < hi[1])
        others[i] = True
        near_markers = markers[close]
        tries = [(fontsize, 0), (min_fontsize, 0)] + [(fontsize, k) for k in range(1, max_ring + 1)]
        for size, ring in tries:
            cand = candidates(i, size, ring)
            ok = ((cand[:, 0] >= inside[0]) & (cand[:, 1] >= inside[1])
                  & (cand[:, 2] <= inside[2]) & (cand[:, 3] <= inside[3]))
            ok &= ~_overlaps(near, cand)[0]
            if not ok.any():
                continue
            _, covers = _overlaps(near_markers, cand)
            clear = ok & (covers == 0)
            if clear.any():
                choice = (cand[np.argmax(clear)], size, ring)
                break
            if fallback is None and ring == 0:
                j = np.flatnonzero(ok)[np.argmin(covers[ok])]
                fallback = (cand[j], size, ring)
        if choice is None and fallback is not None:
            choice = fallback
            stats.covering += 1
        if choice is None:
            stats.skipped.append(texts[i])
            continue
        box, size, ring = choice
        placed[m] = box
        m += 1
        stats.placed += 1
        stats.shrunk += size < fontsize
        stats.leader += ring > 0
        offset = (box[:2] - P[i]) * 72.0 / dpi  # pixels -> points, so any savefig dpi works
        ann = ax.annotate(texts[i], xy=xy[i], xytext=(offset[0] + 72 / dpi, offset[1] + 72 / dpi),
                          textcoords="offset points", ha="left", va="bottom", fontsize=size,
                          color=colors[i], fontweight=weights[i], zorder=4, annotation_clip=False,
                          parse_math=False)  # words are plain text: '$5' is not maths
        if halo:  # a soft white box keeps words readable over lines; it stays text in SVG/PDF
            ann.set_bbox(dict(boxstyle="square,pad=0.08", facecolor="white", edgecolor="none", alpha=0.7))
        if ring > 0:  # leader line from the point to the nearest spot on the label's box
            end = np.clip(P[i], box[:2], box[2:])
            leaders.append(ax.transData.inverted().transform(np.array([P[i], end])))
    if leaders:
        ax.add_collection(LineCollection(leaders, colors="#888888", linewidths=0.6, zorder=2))
    return stats
