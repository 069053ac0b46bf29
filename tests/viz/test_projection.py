"""Projections to 2-D (embed.viz.projection): PCA against scikit-learn, t-SNE settings, UMAP when installed."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.viz.projection import PCA, clamp_perplexity, project, projection


def test_pca_matches_scikit_learn_up_to_sign():
    from sklearn.decomposition import PCA as SkPCA

    X = np.random.default_rng(1).normal(size=(40, 9)) @ np.diag(np.arange(9, 0, -1))
    ours = PCA(3).fit(X)
    ref = SkPCA(3).fit(X)
    Y, Yref = ours.transform(X), ref.transform(X)
    for j in range(3):
        sign = np.sign(Y[:, j] @ Yref[:, j])
        np.testing.assert_allclose(sign * Y[:, j], Yref[:, j], atol=1e-8)
        np.testing.assert_allclose(sign * ours.components_[j], ref.components_[j], atol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(PCA(3).fit_transform(X), Y, atol=1e-8)


def test_pca_sign_convention_is_deterministic():
    X = np.random.default_rng(2).normal(size=(30, 6))
    a = PCA(2).fit(X).components_
    b = PCA(2).fit(X[::-1].copy()).components_  # same data, other row order
    np.testing.assert_allclose(a, b, atol=1e-10)
    for row in a:
        assert row[np.argmax(np.abs(row))] > 0


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_shape_and_determinism(method):
    X = np.random.default_rng(3).normal(size=(25, 10)).astype(np.float32)
    Y1 = project(X, method=method, seed=7)
    Y2 = project(X, method=method, seed=7)
    assert Y1.shape == (25, 2) and np.isfinite(Y1).all()
    np.testing.assert_array_equal(Y1, Y2)


def test_tsne_falls_back_to_pca_for_too_few_points(capsys):
    X = np.random.default_rng(4).normal(size=(5, 8))
    p = projection(X, method="tsne")
    assert p.method == "pca"
    np.testing.assert_allclose(p.points, project(X, "pca"))
    assert "too few" in capsys.readouterr().err


def test_tsne_perplexity_is_clamped_below_the_number_of_points(capsys):
    assert clamp_perplexity(30, 1000) == 30
    assert clamp_perplexity(30, 31) == 10 < 31
    X = np.random.default_rng(5).normal(size=(16, 4))
    p = projection(X, method="tsne", perplexity=30)
    assert p.label == "t-SNE (perplexity 5)"
    assert "perplexity lowered from 30 to 5" in capsys.readouterr().err


def test_umap_requested_but_missing_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "umap", None)  # makes `import umap` fail
    with pytest.raises(EmbedError, match="umap-learn"):
        project(np.random.default_rng(0).normal(size=(20, 5)), method="umap")


def test_umap_is_used_when_installed(monkeypatch):
    import sys
    import types

    calls = {}

    class FakeUMAP:  # stands in for umap.UMAP: records its arguments, returns the first 2 columns
        def __init__(self, **kw):
            calls.update(kw)

        def fit_transform(self, X):
            return X[:, :2] * 2

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=FakeUMAP))
    X = np.random.default_rng(0).normal(size=(12, 5))
    p = projection(X, method="umap", seed=5)
    assert p.method == "umap" and p.label == "UMAP (11 neighbours)"
    np.testing.assert_allclose(p.points, X[:, :2] * 2)
    assert calls == {"n_components": 2, "n_neighbors": 11, "random_state": 5}


def test_unknown_method_is_an_error():
    with pytest.raises(EmbedError, match="unknown projection method"):
        project(np.zeros((4, 3)), method="mds")
