"""Small data sets for the classic models: synthetic ones made here, and loaders
for the ones scikit-learn ships (Iris, 8x8 digits, diabetes) and MNIST-style digits.

The synthetic and scikit-learn sets return plain numpy arrays, X of shape
(m, n) and y of shape (m,); the MNIST loader returns its train/test parts.
"""
import numpy as np

from ..data.mnist import load_mnist
from ..errors import EmbedError
from .checks import rng_from


def make_linear(m=100, slope=3.0, intercept=4.0, noise=1.0, x_range=(0.0, 2.0), random_state=0):
    """One-feature regression data on a line with Gaussian noise.

        y = intercept + slope * x + noise * eps,   eps ~ N(0, 1)

    Returns X float64 (m, 1) and y float64 (m,).
    """
    rng = rng_from(random_state)
    x = rng.uniform(*x_range, size=m)  # (m,)
    y = intercept + slope * x + noise * rng.standard_normal(m)  # (m,)
    return x[:, None], y


def make_separable(m=100, margin=0.5, random_state=0):
    """Two linearly separable classes in 2-D, split by a random line with a gap.

    Points are drawn uniformly in [-1, 1]^2; those within `margin`/2 of the
    line w·x + b = 0 are dropped and re-drawn, so the classes are separable
    with margin >= margin/2 (what the perceptron convergence theorem needs).
    Returns X float64 (m, 2) and y int64 (m,) in {0, 1}.
    """
    rng = rng_from(random_state)
    angle = rng.uniform(0, 2 * np.pi)
    w = np.array([np.cos(angle), np.sin(angle)])  # unit normal of the true line
    b = rng.uniform(-0.3, 0.3)
    X = np.empty((0, 2))
    while len(X) < m:
        cand = rng.uniform(-1, 1, size=(2 * m, 2))  # (2m, 2)
        dist = cand @ w + b  # signed distance to the line, (2m,)
        X = np.vstack([X, cand[np.abs(dist) >= margin / 2]])
    X = X[:m]
    y = (X @ w + b > 0).astype(np.int64)
    return X, y


def make_xor(noise=0.0, repeats=1, random_state=0):
    """The XOR truth table, y = x1 XOR x2, optionally repeated with jitter.

    Returns X float64 (4*repeats, 2) and y int64 (4*repeats,).
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    X, y = np.tile(X, (repeats, 1)), np.tile(y, repeats)
    if noise:
        X = X + noise * rng_from(random_state).standard_normal(X.shape)
    return X, y


def load_iris():
    """Fisher's Iris (150 flowers, 4 measurements in cm, 3 species), from scikit-learn.

    Returns X float64 (150, 4), y int64 (150,), feature names, class names.
    """
    from sklearn.datasets import load_iris as _load
    d = _load()
    return d.data.astype(np.float64), d.target.astype(np.int64), list(d.feature_names), list(d.target_names)


def load_diabetes():
    """scikit-learn's diabetes regression set: X float64 (442, 10), y float64 (442,), names."""
    from sklearn.datasets import load_diabetes as _load
    d = _load()
    return d.data.astype(np.float64), d.target.astype(np.float64), list(d.feature_names)


def load_small_digits():
    """scikit-learn's 8x8 handwritten digits, pixels rescaled to [0, 1].

    Returns X float32 (1797, 64), y int64 (1797,).  Images are X.reshape(-1, 8, 8).
    """
    from sklearn.datasets import load_digits as _load
    d = _load()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


def load_mnist_digits(data=None, limit=None, seed=0):
    """MNIST-style 28x28 images through the data-source resolver (`embed.data.load_mnist`).

    data : folder with the ``*-ubyte.gz`` files, or None for the resolver's search
    (the EMBED_DATA folders, Debian's Fashion-MNIST package, the cache).  limit caps the
    number of training images (the test part is kept whole).
    Returns a dict: X_train, y_train, X_test, y_test (float32 rows of 784
    pixels in [0, 1], int64 labels), class_names, source, note, dataset.
    """
    d = load_mnist(data, seed=seed)
    X_train, y_train, X_test, y_test = d.flat(np.float32)
    if limit is not None:
        if limit <= 0:
            raise EmbedError(f"limit must be positive, got {limit}")
        X_train, y_train = X_train[:limit], y_train[:limit]
    return {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test,
            "class_names": list(d.class_names), "source": d.source, "note": d.note,
            "dataset": d.dataset}
