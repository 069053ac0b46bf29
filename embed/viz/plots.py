"""Pictures of word vectors: cluster plots, analogy arrows and similarity heat maps.

All plots work on the *normalised* vectors (cosine geometry, the geometry
word2vec similarities live in) and follow embed's one figure convention
(`embed.plotting`): each returns the matplotlib Figure (a notebook shows it
inline) and, given a path, also writes it atomically as PNG, SVG or PDF
chosen by the file suffix (checked before any slow work).
"""
import numpy as np

from ..errors import EmbedError
from ..plotting import FORMATS, check_output, finish, new_figure  # noqa: F401  (FORMATS, check_output: API)
from .projection import PCA, one_thread, projection
from .selection import select_words  # noqa: F401 (part of this module's public API)
from .selection import WordList, notice, resolve, suggest_pairs

SIZE = (1800, 1350)   # default picture size in pixels (12 x 9 inches at 150 dpi)
DPI = 150             # dots per inch: 150 is sharp on screens and small enough for a README
TITLE_COLOR = "#1a1a1a"
NOTE_COLOR = "#555555"


# --------------------------------------------------------------------------- files and figures

def pixel_figure(size=SIZE, dpi=DPI):
    """A Figure of `size` (width, height) pixels (embed's convention); returns (fig, renderer).

    The renderer measures text, for placing labels without overlaps.
    """
    w, h = (int(v) for v in size)
    if not (200 <= w <= 10000 and 200 <= h <= 10000):
        raise EmbedError(f"picture size {w}x{h} pixels is out of range (200 to 10000 per side)")
    if not 30 <= dpi <= 1200:
        raise EmbedError(f"dpi {dpi} is out of range (30 to 1200)")
    fig = new_figure((w / dpi, h / dpi), dpi=dpi)
    return fig, fig.canvas.get_renderer()


def _fit_text(text, renderer, width):
    """Shrink `text` (breaking once at ' — ' first) until it is at most `width` pixels wide."""
    def wide():
        return text.get_window_extent(renderer).width > width
    if wide() and " — " in text.get_text():
        text.set_text(text.get_text().replace(" — ", "\n", 1))
    while wide() and text.get_fontsize() > 7:
        text.set_fontsize(text.get_fontsize() - 0.5)


def _headings(fig, renderer, title, note=""):
    """Title and a grey note line at the top left; returns (note artist, free height below as a fraction)."""
    W, H = fig.bbox.width, fig.bbox.height
    px = fig.dpi / 72.0                                   # pixels per point
    avail = 0.97 * W
    t = fig.text(0.015, 1 - 10 * px / H, title, ha="left", va="top", fontsize=14, fontweight="bold",
                 color=TITLE_COLOR, parse_math=False)
    _fit_text(t, renderer, avail)
    below = t.get_window_extent(renderer).y0 - 5 * px
    n = fig.text(0.015, below / H, note or "Ag", ha="left", va="top", fontsize=9.5, color=NOTE_COLOR,
                 parse_math=False)
    _fit_text(n, renderer, avail)
    below = n.get_window_extent(renderer).y0 - 8 * px
    n.set_text(note)
    return n, below / H


def _set_note(note_artist, renderer, text):
    note_artist.set_text(text)
    _fit_text(note_artist, renderer, 0.97 * note_artist.figure.bbox.width)


def _plain_axes(ax):
    """Projection axes have no meaningful units: no ticks, a light frame."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#cccccc")


def _fit_limits(ax, Y, margin=0.06, equal=False):
    lo, hi = Y.min(axis=0), Y.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    lo, hi = lo - margin * span, hi + margin * span
    if equal:  # same scale on both axes so angles and lengths are honest
        bb = ax.get_position()
        fig_w, fig_h = ax.figure.get_size_inches()
        aspect = (bb.height * fig_h) / (bb.width * fig_w)      # box height / width
        cx, cy = (lo + hi) / 2
        w, h = hi - lo
        if h / w < aspect:
            h = w * aspect
        else:
            w = h / aspect
        lo, hi = np.array([cx - w / 2, cy - h / 2]), np.array([cx + w / 2, cy + h / 2])
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])


def _palette(k):
    """k distinct, friendly colours (tab10, then tab20, then evenly spaced hues)."""
    from matplotlib import colormaps

    if k <= 10:
        return [colormaps["tab10"](i) for i in range(k)]
    if k <= 20:
        return [colormaps["tab20"](i) for i in range(k)]
    return [colormaps["hsv"](i / k) for i in range(k)]


def _darker(rgba, f=0.6):
    r, g, b = rgba[:3]
    return (r * f, g * f, b * f, 1.0)


def _label_font(n, fig=None):
    """Label font size (points) for n labels: by labels per area of a 12 x 9 inch figure."""
    if fig is not None:
        w, h = fig.get_size_inches()
        n = n * (12 * 9) / (w * h)
    return 10.5 if n <= 40 else 9.0 if n <= 100 else 8.0 if n <= 200 else 7.0 if n <= 400 else 6.0


def _vectors(kv, words):
    N = kv.get_normed_vectors()
    return np.asarray(N[[kv.key_to_index[w] for w in words]], dtype=np.float64)  # (n, d)


def _as_wordlist(kv, words):
    if isinstance(words, WordList):
        return words
    found = resolve(kv, words)
    return WordList(found, what=f"{len(found)} chosen words")


# --------------------------------------------------------------------------- cluster plot

def auto_clusters(n):
    """A k that reads well: about sqrt(n / 2), between 2 and 10."""
    return int(min(10, max(2, round(np.sqrt(n / 2)))))


def kmeans_labels(X, k, seed=0):
    """k-means on unit vectors (spherical-ish clusters by cosine); clusters numbered by size."""
    from sklearn.cluster import KMeans

    with one_thread():
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(X)
    sizes = np.bincount(km.labels_, minlength=k)
    order = np.argsort(-sizes, kind="stable")          # biggest cluster first
    rank = np.empty(k, dtype=int)
    rank[order] = np.arange(k)
    return rank[km.labels_], km.cluster_centers_[order]


def cluster_plot(kv, words, path=None, method="pca", clusters=None, title=None, seed=0,
                 perplexity=30.0, groups=None, size=SIZE, dpi=DPI, max_labels=400):
    """Scatter `words` in 2-D, coloured by k-means cluster or by seed neighbourhood, labelled.

    words    : list of words or a `select_words` result (its `groups` colour by seed)
    clusters : k for k-means on the full-dimensional normalised vectors;
               None picks about sqrt(n/2); 0 or 1 draws a single colour
    method   : "pca", "tsne" or "umap" (see `embed.viz.projection`)
    max_labels : label at most this many words (the first ones); the rest are points only
    Returns the Figure (also written to `path` when given).
    """
    if path is not None:
        check_output(path)
    words = _as_wordlist(kv, words)
    groups = groups if groups is not None else words.groups
    n = len(words)
    X = _vectors(kv, words)                                   # (n, d)
    proj = projection(X, method=method, seed=seed, perplexity=perplexity)
    Y = proj.points                                           # (n, 2)

    if groups is not None:
        if len(groups) != n:
            raise EmbedError(f"got {len(groups)} group names for {n} words")
        names = list(dict.fromkeys(groups))
        cid = np.array([names.index(g) for g in groups])
        legend = [f"near '{g}'" for g in names]
        how = "coloured by nearest seed word"
    else:
        k = auto_clusters(n) if clusters is None else int(clusters)
        if k < 0:
            raise EmbedError(f"number of clusters must be 0 or more, got {k}")
        k = min(k, len(np.unique(X, axis=0)))   # no more clusters than distinct points
        if k >= 2:
            cid, centres = kmeans_labels(X, k, seed)
            legend = []
            for c in range(k):
                members = np.flatnonzero(cid == c)
                close = members[np.argsort(-(X[members] @ centres[c]))][:3]
                legend.append(", ".join(words[i] for i in close) + ("" if len(members) <= 3 else ", …"))
            how = f"k-means k={k}"
        else:
            cid, legend, how = np.zeros(n, dtype=int), None, None
    colors = _palette(len(legend)) if legend else [(0.12, 0.47, 0.71, 1.0)]

    fig, renderer = pixel_figure(size, dpi)
    default = f"{words.what} — {proj.label}" + (f", {how}" if how else "")
    note_text = "normalised vectors (cosine geometry)"
    note, top = _headings(fig, renderer, title or default, note_text)
    right = 0.985
    if legend:  # legend in a column on the right; the axes take the rest
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], ls="", marker="o", ms=8, color=colors[c], mec="white")
                   for c in range(len(legend))]
        heading = "seed neighbourhoods" if groups is not None else "clusters (words nearest the centre)"
        leg = fig.legend(handles, legend, loc="upper right", bbox_to_anchor=(0.985, top), frameon=False,
                         fontsize=9, title=heading, title_fontsize=9.5, alignment="left", handletextpad=0.3)
        for text in leg.get_texts():
            text.set_parse_math(False)
        width = leg.get_window_extent(renderer).width / fig.bbox.width
        right = max(0.5, 0.985 - width - 0.01)
    ax = fig.add_axes((0.015, 0.02, right - 0.015, top - 0.02))
    _plain_axes(ax)
    _fit_limits(ax, Y, equal=proj.method == "pca")
    seeds = set(groups) if groups is not None else set()
    big = np.array([w in seeds for w in words])
    point_colors = [colors[c] for c in cid]
    small, stars = np.flatnonzero(~big), np.flatnonzero(big)
    ax.scatter(Y[small, 0], Y[small, 1], s=40 if n <= 40 else 22, c=[point_colors[i] for i in small],
               edgecolors="white", linewidths=0.5, zorder=3)
    if len(stars):  # seed words: big stars
        ax.scatter(Y[stars, 0], Y[stars, 1], s=110, marker="*", c=[point_colors[i] for i in stars],
                   edgecolors="black", linewidths=0.6, zorder=3)
    m = min(n, max(0, int(max_labels)))
    stats = place_labels_for(ax, renderer, Y[:m], list(words[:m]), [_darker(point_colors[i]) for i in range(m)],
                             ["bold" if b else "normal" for b in big[:m]], radius_pt=np.where(big, 6.0, 3.5)[:m],
                             obstacles=Y[m:], fontsize=_label_font(m, fig))
    if m < n:
        note_text += f"; labels on the first {m} of {n} words"
    if stats.skipped:
        note_text += f"; {len(stats.skipped)} of {m} labels left out to avoid overlap"
    _set_note(note, renderer, note_text)
    return finish(fig, path)


def place_labels_for(ax, renderer, Y, texts, colors, weights, obstacles=None, fontsize=None, radius_pt=3.5):
    """Labels with the font size for this many words; `radius_pt` = marker radius in points."""
    from .labels import place_labels

    fontsize = fontsize or _label_font(len(texts), ax.figure)
    return place_labels(ax, renderer, Y, texts, fontsize=fontsize, colors=colors, weights=weights,
                        marker_px=np.asarray(radius_pt) * ax.figure.dpi / 72, obstacles=obstacles)


# --------------------------------------------------------------------------- analogy arrows

def _split_pairs(pairs):
    """'a:b,c:d' or [('a', 'b'), 'c:d'] -> [('a', 'b'), ('c', 'd')]."""
    if isinstance(pairs, str):
        pairs = [p for p in pairs.split(",") if p.strip()]
    out = []
    for p in pairs:
        if isinstance(p, str):
            parts = [s.strip() for s in p.split(":")]
            if len(parts) != 2 or not all(parts):
                raise EmbedError(f"a pair must look like 'paris:france', got {p!r}")
            p = parts
        if len(p) != 2:
            raise EmbedError(f"a pair must have 2 words, got {p!r}")
        out.append((str(p[0]), str(p[1])))
    return out


def analogy_plot(kv, pairs, path=None, title=None, size=SIZE, dpi=DPI):
    """Arrows a -> b for word pairs, in a PCA fitted on just those words.

    pairs : [('paris', 'france'), ...] or 'paris:france,rome:italy'; None or
            'auto' takes the best-covered well-known relation (`suggest_pairs`).

    If the embedding encodes the relation (country -> capital, male -> female),
    the arrows come out roughly parallel and of similar length.  The note
    under the title gives the mean cosine between the offsets b - a in the full
    space, which does not depend on the projection.  Returns the Figure (also written
    to `path` when given).
    """
    if path is not None:
        check_output(path)
    relation = None
    if pairs is None or (isinstance(pairs, str) and pairs.strip().lower() == "auto"):
        relation, pairs = suggest_pairs(kv)
        if not pairs:
            raise EmbedError("no well-known word pairs (capital → country, male → female, ...) are in "
                             "the vocabulary; give the pairs yourself, e.g. paris:france,rome:italy")
    kept, missing = [], []
    for a, b in _split_pairs(pairs):
        ka = resolve_one(kv, a)
        kb = resolve_one(kv, b)
        if ka is None or kb is None:
            missing.extend(w for w, k in ((a, ka), (b, kb)) if k is None)
        elif ka == kb:
            raise EmbedError(f"pair {a}:{b} uses the same word twice")
        else:
            kept.append((ka, kb))
    if missing:
        notice("skipping pairs with word(s) not in the vocabulary: " + ", ".join(repr(w) for w in missing))
    if not kept:
        raise EmbedError("no pair has both words in the vocabulary")
    words = list(dict.fromkeys(w for p in kept for w in p))
    X = _vectors(kv, words)                                   # (m, d)
    if len(words) < 3:
        raise EmbedError("need at least 3 distinct words (e.g. two pairs) for an analogy plot")
    pca = PCA(2)
    Y = pca.fit_transform(X)                                  # (m, 2)
    pos = {w: Y[i] for i, w in enumerate(words)}

    offsets = np.array([X[words.index(b)] - X[words.index(a)] for a, b in kept])  # (p, d)
    unit = offsets / np.maximum(np.linalg.norm(offsets, axis=1, keepdims=True), 1e-12)
    cos = unit @ unit.T
    mean_cos = cos[np.triu_indices(len(kept), 1)].mean() if len(kept) > 1 else None

    shown = ", ".join(f"{a} → {b}" for a, b in kept[:3]) + (", …" if len(kept) > 3 else "")
    default = f"Analogy arrows ({relation}): {shown}" if relation else f"Analogy arrows: {shown}"
    explained = 100 * pca.explained_variance_ratio_.sum()
    note = f"PCA fitted on these {len(words)} words only ({explained:.0f}% of variance)"
    if mean_cos is not None:
        note += f"; mean cosine between the offsets b − a in {X.shape[1]}-D: {mean_cos:.2f}"
    note += "; parallel arrows of similar length = a consistent relation"
    fig, renderer = pixel_figure(size, dpi)
    _, top = _headings(fig, renderer, title or default, note)
    ax = fig.add_axes((0.015, 0.02, 0.97, top - 0.02))
    _plain_axes(ax)
    _fit_limits(ax, Y, margin=0.12, equal=True)
    colors = _palette(len(kept))
    samples = []
    for j, (a, b) in enumerate(kept):
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=colors[j], lw=2.2, mutation_scale=18,
                                    shrinkA=4, shrinkB=5, alpha=0.9))
        # labels keep clear of the whole arrow, head included
        samples.extend(pos[a] + t * (pos[b] - pos[a]) for t in np.linspace(0.04, 0.97, 40))
    first = {a for a, _ in kept}
    pts_colors = {}
    for j, (a, b) in enumerate(kept):
        pts_colors.setdefault(a, colors[j])
        pts_colors.setdefault(b, colors[j])
    for w in words:
        ax.scatter(*pos[w], s=45, marker="o" if w in first else "s", color=pts_colors[w],
                   edgecolors="black", linewidths=0.6, zorder=3)
    place_labels_for(ax, renderer, Y, words, [_darker(pts_colors[w], 0.55) for w in words],
                     ["normal"] * len(words), obstacles=np.array(samples), fontsize=12, radius_pt=4.5)
    return finish(fig, path)


def resolve_one(kv, word):
    """The vocabulary key for `word` (exact, then lower case), or None."""
    if word in kv.key_to_index:
        return word
    return word.lower() if word.lower() in kv.key_to_index else None


# --------------------------------------------------------------------------- heat map

def heatmap_order(words, X, order):
    """Row order for a heat map of `words` with unit vectors X (n, d); see `similarity_heatmap`."""
    n = len(words)
    groups = getattr(words, "groups", None)
    if order == "groups" and groups is not None:
        seeds = list(dict.fromkeys(groups))
        return sorted(range(n), key=lambda i: seeds.index(groups[i]))   # stable: seed first
    if order == "cluster" and n > 2:
        from scipy.cluster.hierarchy import leaves_list, linkage

        dist = np.clip(1.0 - X @ X.T, 0.0, 2.0)[np.triu_indices(n, 1)]  # condensed cosine distances
        return [int(i) for i in leaves_list(linkage(dist, method="average"))]
    if order in ("given", "groups", "cluster"):
        return list(range(n))
    raise EmbedError(f"unknown heat map order {order!r}; choose given, groups or cluster")


def similarity_heatmap(kv, words, path=None, title=None, size=None, dpi=DPI, annotate=None, order=None):
    """Cosine similarity of every pair in `words` as a heat map (values written in when small).

    order : "given" keeps the word order, "groups" puts each seed's neighbourhood
            together (the default for `select_words(around=...)`), "cluster"
            orders by average-linkage clustering so similar words form blocks.
    """
    if path is not None:
        check_output(path)
    words = _as_wordlist(kv, words)
    n = len(words)
    X = _vectors(kv, words)
    order = order or ("groups" if words.groups is not None else "given")
    perm = heatmap_order(words, X, order)
    words = WordList([words[i] for i in perm], what=words.what)
    X = X[perm]
    S = X @ X.T                                                # (n, n) cosine similarities
    if size is None:
        side = int(min(2400, max(1200, 900 + 30 * n)))
        size = (side + 200, side)
    fig, _ = pixel_figure(size, dpi)
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot()
    im = ax.imshow(S, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    tick_font = 10 if n <= 20 else 8 if n <= 50 else 6 if n <= 100 else None
    if tick_font:
        ax.set_xticks(range(n), list(words), rotation=60, ha="right", rotation_mode="anchor", fontsize=tick_font)
        ax.set_yticks(range(n), list(words), fontsize=tick_font)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.tick_params(length=0)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_parse_math(False)
    if annotate if annotate is not None else n <= 20:
        font = 9 if n <= 12 else 7
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{S[i, j]:.2f}", ha="center", va="center", fontsize=font,
                        color="white" if abs(S[i, j]) > 0.6 else "#222222")
    bar = fig.colorbar(im, ax=ax, shrink=0.8)
    bar.set_label("cosine similarity")
    default = f"Cosine similarity of {words.what}" + (", ordered by similarity" if order == "cluster" else "")
    ax.set_title(title or default, fontsize=14, fontweight="bold",
                 loc="left", color=TITLE_COLOR, parse_math=False)
    return finish(fig, path)
