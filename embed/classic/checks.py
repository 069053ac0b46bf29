"""Input checks shared by the classic estimators.

Every estimator validates what the user hands it before any maths runs, so a
wrong shape, a NaN or a bad label becomes one clear `EmbedError` line instead
of a numpy traceback ten frames deep.
"""
import numpy as np

from ..errors import EmbedError


def check_X(X, name="X", dtype=np.float64, n_features=None):
    """Return `X` as a C-contiguous 2-D float array with finite values.

    X : array-like of shape (m, n) -- m examples (rows), n features (columns).
    A 1-D input is read as a single feature, shape (m, 1).
    """
    try:
        X = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise EmbedError(f"{name} must be numeric (an array of numbers)") from None
    if X.ndim == 1:
        X = X[:, None]  # (m,) -> (m, 1): one feature
    if X.ndim != 2:
        raise EmbedError(f"{name} must be 2-D (examples x features), got shape {X.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise EmbedError(f"{name} is empty (shape {X.shape})")
    if not np.all(np.isfinite(X)):
        bad = int(np.count_nonzero(~np.isfinite(X)))
        raise EmbedError(f"{name} contains {bad} NaN or infinite value(s)")
    if n_features is not None and X.shape[1] != n_features:
        raise EmbedError(f"{name} has {X.shape[1]} feature(s) but the model was fitted "
                         f"with {n_features}")
    return np.ascontiguousarray(X)


def check_y(y, m, name="y"):
    """Return targets as a finite 1-D float64 array of length `m`."""
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise EmbedError(f"{name} must be numeric (an array of numbers)") from None
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column vector (m, 1) is fine too
    if y.ndim != 1:
        raise EmbedError(f"{name} must be 1-D (one target per example), got shape {y.shape}")
    if len(y) != m:
        raise EmbedError(f"X has {m} example(s) but {name} has {len(y)}; they must match")
    if not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise EmbedError(f"{name} contains {bad} NaN or infinite value(s)")
    return y


def check_labels(y, m, n_classes=None, name="y", fitting=True):
    """Return class labels as an int64 array in 0..K-1, and K.

    Labels are class indices, as in the course: 0/1 for a binary problem,
    0..K-1 for K classes.  `n_classes` fixes K (labels must fall below it);
    otherwise K = max(y) + 1.  When `fitting`, y must hold at least two
    classes (scoring a one-class subset is fine).
    """
    y = check_y(y, m, name)
    if not np.all(y == np.round(y)):
        raise EmbedError(f"{name} must hold integer class labels 0..K-1, "
                         f"got non-integer values such as {y[y != np.round(y)][0]:g}")
    y = y.astype(np.int64)
    lo, hi = int(y.min()), int(y.max())
    k = hi + 1 if n_classes is None else int(n_classes)
    if lo < 0 or hi >= k:
        raise EmbedError(f"{name} labels must lie in 0..{k - 1}, got values in {lo}..{hi}")
    if fitting and lo == hi:
        raise EmbedError(f"{name} holds a single class ({lo}); a classifier needs examples of at least two")
    return y, k


def check_positive(value, name, integer=False, allow_none=False):
    """Raise unless `value` is a positive number (an int if `integer`)."""
    if value is None and allow_none:
        return value
    ok = isinstance(value, (int, np.integer)) if integer else isinstance(value, (int, float, np.number))
    if isinstance(value, bool) or not ok or not value > 0:
        kind = "a positive integer" if integer else "a positive number"
        raise EmbedError(f"{name} must be {kind}, got {value!r}")
    return value


def check_fitted(estimator, attr="coef_"):
    """Raise a clear error when predict/score is called before fit."""
    if getattr(estimator, attr, None) is None:
        raise EmbedError(f"this {type(estimator).__name__} is not fitted yet; call fit(X, y) first")


def rng_from(random_state):
    """A numpy Generator from an int seed, None, or an existing Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)
