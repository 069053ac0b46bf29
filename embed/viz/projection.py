"""2-D projections of word vectors: PCA (our own SVD), t-SNE (scikit-learn), UMAP (optional).

PCA, from the singular value decomposition of the centred data::

    Xc = X - mean(X)                 # (n, d)
    Xc = U S Vt                      # U (n, r), S (r,), Vt (r, d)
    Y  = Xc Vt[:k].T = U[:, :k] S[:k]     # (n, k) coordinates on the top-k axes
    explained variance of axis j = S[j]^2 / (n - 1)

A singular vector is only defined up to sign, so we flip each row of Vt to
make its largest-magnitude entry positive: the same data always gives the
same picture (scikit-learn uses the same convention).

t-SNE needs a perplexity below the number of points (it is roughly the number
of neighbours each point "sees"); we clamp it to (n - 1) // 3 and fall back to
PCA, with a notice, when there are too few points for a meaningful t-SNE.
Vectors that are all identical (all zero) also fall back to PCA before they
reach scikit-learn, whose t-SNE crashes on them.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import EmbedError
from .selection import notice

METHODS = ("pca", "tsne", "umap")
TSNE_MIN_POINTS = 10  # below this t-SNE has nothing to work with: use PCA instead


class PCA:
    """Principal component analysis by numpy's SVD, scikit-learn style.

    `fit(X)` stores `mean_` (d,), `components_` (k, d), `singular_values_` (k,),
    `explained_variance_` (k,) and `explained_variance_ratio_` (k,).
    """

    def __init__(self, n_components=2):
        self.n_components = n_components

    def fit(self, X):
        self._fit(X)
        return self

    def fit_transform(self, X):
        U, S = self._fit(X)
        k = self.components_.shape[0]
        return (U[:, :k] * S[:k]).astype(np.float64)  # (n, k)

    def transform(self, X):
        X = np.asarray(X, dtype=np.float64)
        return (X - self.mean_) @ self.components_.T  # (n, k)

    def _fit(self, X):
        X = np.asarray(X, dtype=np.float64)  # SVD in float64: float32 loses the small axes
        if X.ndim != 2 or X.shape[0] < 2:
            raise EmbedError(f"PCA needs a 2-D array with at least 2 rows, got shape {X.shape}")
        n, d = X.shape
        k = int(self.n_components)
        if not 1 <= k <= min(n, d):
            raise EmbedError(f"PCA n_components={k} must be between 1 and min(n, d)={min(n, d)}")
        self.mean_ = X.mean(axis=0)  # (d,)
        U, S, Vt = np.linalg.svd(X - self.mean_, full_matrices=False)  # (n, r) (r,) (r, d)
        # Deterministic signs: the largest |entry| of each axis is positive.
        signs = np.sign(Vt[np.arange(len(S)), np.argmax(np.abs(Vt), axis=1)])  # (r,)
        signs[signs == 0] = 1.0
        U, Vt = U * signs, Vt * signs[:, None]
        variance = S ** 2 / (n - 1)  # (r,)
        total = variance.sum()
        self.components_ = Vt[:k]
        self.singular_values_ = S[:k]
        self.explained_variance_ = variance[:k]
        self.explained_variance_ratio_ = variance[:k] / total if total > 0 else np.zeros(k)
        return U, S


@dataclass
class Projection:
    """The 2-D coordinates and how they were made (for plot titles)."""

    points: np.ndarray  # (n, 2) float64
    method: str         # the method actually used: "pca", "tsne" or "umap"
    label: str          # e.g. "PCA (61% of variance)" or "t-SNE (perplexity 30)"


def one_thread():
    """Run scikit-learn's OpenMP code on one thread.

    A plot has at most a few thousand points: one thread is quick, while
    several threads meeting at a barrier every iteration crawl on a busy
    machine (t-SNE: 1000 iterations).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def clamp_perplexity(perplexity, n):
    """t-SNE perplexity that `n` points can support: at most (n - 1) // 3, at least 2."""
    return float(max(2.0, min(float(perplexity), (n - 1) // 3)))


def projection(X, method="pca", seed=0, perplexity=30.0):
    """Project the rows of X (n, d) to 2-D; returns a `Projection` with a readable label."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise EmbedError(f"expected a 2-D array of vectors, got shape {X.shape}")
    n = X.shape[0]
    if n < 2:
        raise EmbedError(f"need at least 2 vectors to project, got {n}")
    if not 0 <= int(seed) < 2 ** 32:
        raise EmbedError(f"seed must be between 0 and 2**32 - 1, got {seed}", params=("seed",))
    if not perplexity > 0:
        raise EmbedError(f"t-SNE perplexity must be positive, got {perplexity}")
    method = (method or "pca").lower().replace("-", "")
    if method not in METHODS:
        raise EmbedError(f"unknown projection method {method!r}; choose one of {', '.join(METHODS)}")
    if not np.isfinite(X).all():
        raise EmbedError("cannot project vectors with NaN or infinite values")
    if method != "pca" and n < TSNE_MIN_POINTS:
        notice(f"only {n} points: too few for {_NAMES[method]}, using PCA instead")
        method = "pca"
    # Identical rows (all zero, say) have no spread: t-SNE's PCA start divides by it
    # and scikit-learn's Barnes-Hut code then crashes the process.
    if method != "pca" and np.ptp(X, axis=0).max() <= 1e-6 * np.abs(X).max():
        what = "all zero" if not X.any() else "identical"
        notice(f"the {n} vectors are all {what}: {_NAMES[method]} cannot spread them, using PCA instead")
        method = "pca"
    if method == "pca":
        if X.shape[1] < 2:
            raise EmbedError("PCA to 2-D needs vectors with at least 2 dimensions")
        pca = PCA(2)
        Y = pca.fit_transform(X)
        return Projection(Y, "pca", f"PCA ({100 * pca.explained_variance_ratio_.sum():.0f}% of variance)")
    if method == "tsne":
        from sklearn.manifold import TSNE

        p = clamp_perplexity(perplexity, n)
        if p < perplexity:
            notice(f"t-SNE perplexity lowered from {perplexity:g} to {p:g} for {n} points")
        tsne = TSNE(n_components=2, perplexity=p, init="pca", learning_rate="auto", random_state=seed)
        with one_thread():
            Y = tsne.fit_transform(X)
        return Projection(np.asarray(Y, dtype=np.float64), "tsne", f"t-SNE (perplexity {p:g})")
    try:
        import umap  # optional: pip install umap-learn
    except ImportError:
        raise EmbedError("UMAP is not installed (pip install umap-learn); "
                         "use method 'pca' or 'tsne'") from None
    neighbours = int(min(15, n - 1))
    Y = umap.UMAP(n_components=2, n_neighbors=neighbours, random_state=seed).fit_transform(X)
    return Projection(np.asarray(Y, dtype=np.float64), "umap", f"UMAP ({neighbours} neighbours)")


_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def project(X, method="pca", seed=0, perplexity=30.0):
    """Rows of X (n, d) as 2-D points (n, 2); see `projection` for the details."""
    return projection(X, method=method, seed=seed, perplexity=perplexity).points
