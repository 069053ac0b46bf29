"""Shared viz fixtures: small synthetic vectors with planted clusters or a planted analogy offset,
and a check that a written picture has the asked size and something drawn on it."""
import numpy as np
import pytest
from matplotlib.image import imread


class TinyKV:
    """Just the KeyedVectors surface the plots use (index_to_key, key_to_index, vectors, normed)."""

    def __init__(self, words, vectors):
        self.index_to_key = list(words)
        self.key_to_index = {w: i for i, w in enumerate(words)}
        self.vectors = np.asarray(vectors, dtype=np.float32)

    def get_normed_vectors(self):
        return self.vectors / np.linalg.norm(self.vectors, axis=1, keepdims=True)


def _clustered_kv(n=60, dim=16, groups=5, seed=0):
    """n words in `groups` tight clusters: word 'g{c}w{i}' belongs to cluster c."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 3
    words, vecs = [], []
    for i in range(n):
        c = i % groups
        words.append(f"g{c}w{i}")
        vecs.append(centres[c] + 0.3 * rng.normal(size=dim))
    return TinyKV(words, np.array(vecs))


def _analogy_kv(seed=0, dim=12):
    """Countries = capitals + one shared offset (plus a little noise), and some filler words."""
    rng = np.random.default_rng(seed)
    offset = rng.normal(size=dim) * 2
    words, vecs = [], []
    for city, country in [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("madrid", "spain")]:
        v = rng.normal(size=dim) * 2
        words += [city, country]
        vecs += [v, v + offset + 0.1 * rng.normal(size=dim)]
    for i in range(10):
        words.append(f"filler{i}")
        vecs.append(rng.normal(size=dim))
    return TinyKV(words, np.array(vecs))


def _assert_picture(path, width, height):
    img = imread(path)  # (H, W, channels) floats in [0, 1]
    assert img.shape[:2] == (height, width)
    rgb = img[..., :3]
    assert rgb.var() > 0.002, "picture looks blank"
    assert (rgb.mean(axis=2) < 0.5).mean() > 0.001, "almost nothing dark drawn (no text or points?)"


@pytest.fixture
def tiny_kv():
    """The TinyKV class: tiny_kv(words, vectors)."""
    return TinyKV


@pytest.fixture
def clustered_kv():
    """clustered_kv(n=60, dim=16, groups=5, seed=0): words 'g{c}w{i}' in tight planted clusters."""
    return _clustered_kv


@pytest.fixture
def analogy_kv():
    """analogy_kv(seed=0, dim=12): four capital/country pairs sharing one offset, and fillers."""
    return _analogy_kv


@pytest.fixture
def assert_picture():
    """assert_picture(path, width, height): the image has that size and is not blank."""
    return _assert_picture
