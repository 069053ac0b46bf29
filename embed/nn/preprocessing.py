"""Data preparation: scalers (fit on train, apply to test), one-hot, splits, k-fold.

Scalers follow scikit-learn's contract: ``__init__`` stores options, ``fit(X)``
learns statistics into attributes ending in ``_`` and returns self,
``transform(X)`` applies them (float32 out unless X is float64),
``fit_transform`` does both, ``inverse_transform`` undoes them.

* MinMaxScaler    x' = lo + (x − min) / (max − min) · (hi − lo)   per feature
* StandardScaler  x' = (x − μ) / σ                                 per feature
* Normalizer      x' = x / ‖x‖_p                                   per row (stateless)

Constant features (max = min or σ = 0) are left at lo / 0 instead of dividing by 0.
"""
import numpy as np

from ..errors import EmbedError
from .base import as_rng


def _as_2d_float(X, what="X"):
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise EmbedError(f"{what} must be numeric, got dtype {X.dtype}")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise EmbedError(f"{what} must be 2-D (n_samples, n_features), got shape {X.shape}")
    if X.dtype.kind != "f":
        X = X.astype(np.float32)
    if not np.all(np.isfinite(X)):
        raise EmbedError(f"{what} contains NaN or infinite values")
    return X


class _Scaler:
    def _check_fitted(self, X):
        if not hasattr(self, "n_features_in_"):
            raise EmbedError(f"{type(self).__name__} is not fitted yet: call fit(X_train) first")
        X = _as_2d_float(X)
        if X.shape[1] != self.n_features_in_:
            raise EmbedError(f"{type(self).__name__} was fitted on {self.n_features_in_} features, "
                             f"got {X.shape[1]}")
        return X

    def fit_transform(self, X):
        return self.fit(X).transform(X)


class MinMaxScaler(_Scaler):
    def __init__(self, feature_range=(0.0, 1.0)):
        self.feature_range = feature_range   # (lo, hi) of the rescaled features

    def fit(self, X):
        X = _as_2d_float(X)
        if X.shape[0] == 0:
            raise EmbedError("MinMaxScaler: cannot fit on 0 samples")
        lo, hi = self.feature_range
        if not hi > lo:
            raise EmbedError(f"MinMaxScaler: feature_range must be (lo, hi) with hi > lo, got {self.feature_range}")
        self.data_min_ = X.min(axis=0).astype(np.float64)
        self.data_max_ = X.max(axis=0).astype(np.float64)
        rng = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / np.where(rng > 0, rng, 1.0)
        self.min_ = lo - self.data_min_ * self.scale_
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        X = self._check_fitted(X)
        return (X * self.scale_ + self.min_).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        X = self._check_fitted(X)
        return ((X - self.min_) / self.scale_).astype(X.dtype, copy=False)


class StandardScaler(_Scaler):
    def __init__(self, with_mean=True, with_std=True):
        self.with_mean = with_mean   # subtract the per-feature mean μ
        self.with_std = with_std     # divide by the per-feature std σ

    def fit(self, X):
        X = _as_2d_float(X)
        if X.shape[0] == 0:
            raise EmbedError("StandardScaler: cannot fit on 0 samples")
        X64 = X.astype(np.float64)
        self.mean_ = X64.mean(axis=0) if self.with_mean else np.zeros(X.shape[1])
        std = X64.std(axis=0) if self.with_std else np.ones(X.shape[1])
        self.scale_ = np.where(std > 0, std, 1.0)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        X = self._check_fitted(X)
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        X = self._check_fitted(X)
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)


class Normalizer(_Scaler):
    """Scale each row to unit norm (l2, l1 or max); fit only records the width."""

    def __init__(self, norm="l2"):
        self.norm = norm   # which norm each row is divided by

    def fit(self, X):
        if self.norm not in ("l1", "l2", "max"):
            raise EmbedError(f"Normalizer: norm must be 'l1', 'l2' or 'max', got {self.norm!r}")
        self.n_features_in_ = _as_2d_float(X).shape[1]
        return self

    def transform(self, X):
        X = self._check_fitted(X)
        if self.norm == "l2":
            n = np.sqrt((X.astype(np.float64) ** 2).sum(axis=1))
        elif self.norm == "l1":
            n = np.abs(X).sum(axis=1)
        else:
            n = np.abs(X).max(axis=1)
        n = np.where(n > 0, n, 1.0)[:, None]
        return (X / n).astype(X.dtype, copy=False)


def one_hot(labels, n_classes=None, dtype=np.float32):
    """Int labels (n,) → one-hot rows (n, n_classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(np.isfinite(labels)) and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise EmbedError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise EmbedError(f"one_hot: labels must be in [0, {n_classes}), got [{labels.min()}, {labels.max()}]")
    out = np.zeros((*labels.shape, n_classes), dtype=dtype)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


def train_test_split(*arrays, test_size=0.25, shuffle=True, seed=None, stratify=None):
    """Split arrays (same first dimension) into train and test parts.

    Returns [a_train, a_test, b_train, b_test, ...] like scikit-learn.
    test_size: fraction in (0, 1) or an int count.  With ``stratify=labels``
    each class keeps its proportion in both parts.
    """
    if not arrays:
        raise EmbedError("train_test_split: no arrays given")
    n = len(arrays[0])
    for a in arrays[1:]:
        if len(a) != n:
            raise EmbedError(f"train_test_split: arrays have different lengths ({n} and {len(a)})")
    n_test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise EmbedError(f"train_test_split: test_size={test_size} leaves an empty part of {n} samples")
    rng = as_rng(seed)
    if stratify is not None:
        stratify = np.asarray(stratify)
        test = []
        for c in np.unique(stratify):
            idx = np.flatnonzero(stratify == c)
            if shuffle:
                idx = rng.permutation(idx)
            test.append(idx[:int(round(len(idx) * n_test / n))])
        test = np.sort(np.concatenate(test))
        mask = np.ones(n, bool)
        mask[test] = False
        train = np.flatnonzero(mask)
        if shuffle:
            train, test = rng.permutation(train), rng.permutation(test)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train, test = order[:n - n_test], order[n - n_test:]
    out = []
    for a in arrays:
        a = np.asarray(a)
        out += [a[train], a[test]]
    return out


class KFold:
    """k-fold cross-validation indices: each sample is in the test fold exactly once.

    ``for train_idx, test_idx in KFold(5, shuffle=True, seed=0).split(X): ...``
    The first n % k folds get one extra sample.
    """

    def __init__(self, n_splits=5, shuffle=False, seed=None):
        self.n_splits = n_splits   # k, at least 2
        self.shuffle = shuffle     # permute samples before cutting folds
        self.seed = seed

    def split(self, X):
        n = len(X)
        k = int(self.n_splits)
        if k < 2 or k > n:
            raise EmbedError(f"KFold: n_splits must be in [2, n_samples={n}], got {self.n_splits}")
        order = as_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(k, n // k)
        sizes[:n % k] += 1
        start = 0
        for size in sizes:
            test = order[start:start + size]
            train = np.concatenate([order[:start], order[start + size:]])
            start += size
            yield train, test

    def get_n_splits(self):
        return self.n_splits


def cross_validate(build_model, X, y, n_splits=5, shuffle=True, seed=None, **fit_kwargs):
    """k-fold cross-validation of ``build_model() -> Sequential`` (compiled).

    Returns a list of `evaluate` dicts, one per fold, each on the held-out fold.
    """
    X, y = np.asarray(X), np.asarray(y)
    scores = []
    for train, test in KFold(n_splits, shuffle=shuffle, seed=seed).split(X):
        model = build_model()
        model.fit(X[train], y[train], **fit_kwargs)
        scores.append(model.evaluate(X[test], y[test]))
    return scores
