"""Projections, word selection and pictures (embed.viz), on small synthetic vectors."""
import os

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from embed.errors import EmbedError  # noqa: E402
from embed import viz  # noqa: E402
from embed.viz import plots  # noqa: E402
from embed.viz.projection import PCA, clamp_perplexity, project, projection  # noqa: E402
from embed.viz.selection import select_words  # noqa: E402


class TinyKV:
    """Just the KeyedVectors surface the plots use (index_to_key, key_to_index, vectors, normed)."""

    def __init__(self, words, vectors):
        self.index_to_key = list(words)
        self.key_to_index = {w: i for i, w in enumerate(words)}
        self.vectors = np.asarray(vectors, dtype=np.float32)

    def get_normed_vectors(self):
        return self.vectors / np.linalg.norm(self.vectors, axis=1, keepdims=True)


def clustered_kv(n=60, dim=16, groups=5, seed=0):
    """n words in `groups` tight clusters: word 'g{c}w{i}' belongs to cluster c."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, dim)) * 3
    words, vecs = [], []
    for i in range(n):
        c = i % groups
        words.append(f"g{c}w{i}")
        vecs.append(centres[c] + 0.3 * rng.normal(size=dim))
    return TinyKV(words, np.array(vecs))


def analogy_kv(seed=0, dim=12):
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


def assert_picture(path, width, height):
    img = imread(path)  # (H, W, channels) floats in [0, 1]
    assert img.shape[:2] == (height, width)
    rgb = img[..., :3]
    assert rgb.var() > 0.002, "picture looks blank"
    assert (rgb.mean(axis=2) < 0.5).mean() > 0.001, "almost nothing dark drawn (no text or points?)"


# --------------------------------------------------------------------------- projections

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


# --------------------------------------------------------------------------- choosing words

def test_unknown_words_are_named_and_skipped(capsys):
    kv = clustered_kv()
    got = select_words(kv, words="g0w0, nosuchword, g1w1,g0w0")
    assert list(got) == ["g0w0", "g1w1"]
    assert "nosuchword" in capsys.readouterr().err
    with pytest.raises(EmbedError, match="at least 2"):
        select_words(kv, words=["g0w0", "nope", "neither"])


def test_top_words_follow_vocabulary_order():
    kv = clustered_kv()
    assert list(select_words(kv, top=7)) == kv.index_to_key[:7]
    assert select_words(kv, top=7).what == "7 most frequent words"
    assert len(select_words(kv, top=10_000)) == len(kv.index_to_key)
    with pytest.raises(EmbedError):
        select_words(kv, top=5, words=["g0w0", "g1w1"])


def test_neighbourhoods_group_each_word_with_its_seed():
    kv = clustered_kv(n=60, groups=5)
    got = select_words(kv, around=["g0w0", "g3w3"], per_seed=6)
    assert got[:2] == ["g0w0", "g3w3"]
    assert len(got) == 14 and len(set(got)) == 14
    for word, seed in zip(got, got.groups):
        assert word.split("w")[0] == seed.split("w")[0]  # neighbours come from the seed's cluster


# --------------------------------------------------------------------------- pictures

def test_cluster_plot_png_has_requested_size_and_content(tmp_path):
    kv = clustered_kv()
    out = tmp_path / "clusters.png"
    fig = plots.cluster_plot(kv, select_words(kv, top=40), out, size=(800, 600), dpi=100)
    assert fig.get_size_inches().tolist() == [8.0, 6.0] and fig.dpi == 100  # returned for notebooks
    assert len(fig.axes[0].collections[0].get_offsets()) == 40  # one point per word
    assert_picture(out, 800, 600)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_cluster_plot_finds_the_planted_clusters():
    kv = clustered_kv(n=50, groups=5)
    X = kv.get_normed_vectors()
    cid, _ = plots.kmeans_labels(X, 5, seed=0)
    truth = np.array([int(w[1]) for w in kv.index_to_key])
    for c in range(5):  # every found cluster is one planted cluster
        assert len(set(truth[cid == c])) == 1


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_same_input_gives_the_same_bytes(tmp_path, suffix):
    kv = clustered_kv(n=30)
    a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    for out in (a, b):
        plots.cluster_plot(kv, select_words(kv, top=30), out, method="tsne", seed=3, size=(600, 450), dpi=80)
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / f"c.{suffix}"
    plots.cluster_plot(kv, select_words(kv, top=30), c, method="tsne", seed=4, size=(600, 450), dpi=80)
    assert c.read_bytes() != a.read_bytes()


def test_cluster_plot_svg_keeps_words_as_text(tmp_path):
    kv = clustered_kv()
    out = tmp_path / "around.svg"
    words = select_words(kv, around=["g2w2"], per_seed=8)
    plots.cluster_plot(kv, words, out)
    text = out.read_text()
    assert "<svg" in text
    for w in words:  # every label is a <text> element, not outlines
        assert f">{w}</text>" in text


def test_tsne_cluster_plot_title_says_how(tmp_path):
    kv = clustered_kv(n=30)
    out = tmp_path / "t.svg"
    plots.cluster_plot(kv, select_words(kv, top=30), out, method="tsne", clusters=3)
    text = out.read_text()
    assert "30 most frequent words" in text and "t-SNE (perplexity 9)" in text and "k-means k=3" in text


def test_labels_at_300_words_do_not_overlap(tmp_path):
    from matplotlib.text import Text

    from embed.viz.labels import place_labels

    rng = np.random.default_rng(6)
    xy = np.vstack([rng.normal(size=(200, 2)), rng.normal(size=(100, 2)) * 0.2])  # a dense core
    words = [f"word{i:03d}" for i in range(300)]
    fig, renderer = plots.pixel_figure((1800, 1350), 150)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9))
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.scatter(xy[:, 0], xy[:, 1], s=10)
    stats = place_labels(ax, renderer, xy, words, fontsize=7)
    assert stats.placed + len(stats.skipped) == 300
    assert stats.placed > 150
    fig.canvas.draw()
    # the text itself, without the leader line an Annotation also counts
    boxes = np.array([Text.get_window_extent(t, renderer).extents for t in ax.texts])  # (placed, 4)
    assert len(boxes) == stats.placed
    shrunk = boxes + np.array([1.5, 1.5, -1.5, -1.5])  # ignore sub-pixel touching
    hit = ((shrunk[:, None, 0] < shrunk[None, :, 2]) & (shrunk[:, None, 2] > shrunk[None, :, 0])
           & (shrunk[:, None, 1] < shrunk[None, :, 3]) & (shrunk[:, None, 3] > shrunk[None, :, 1]))
    np.fill_diagonal(hit, False)
    assert not hit.any(), f"{hit.sum() // 2} overlapping label pairs"


def test_cluster_plot_with_fewer_distinct_points_than_clusters(tmp_path):
    kv = TinyKV(["a", "b", "c", "d"], np.ones((4, 3)))
    out = tmp_path / "same.png"
    plots.cluster_plot(kv, ["a", "b", "c", "d"], str(out), clusters=3)
    assert out.exists()


def test_cluster_plot_with_300_words(tmp_path):
    kv = clustered_kv(n=300, dim=20, groups=8)
    out = tmp_path / "many.png"
    plots.cluster_plot(kv, select_words(kv, top=300), out, size=(1200, 900), dpi=100)
    assert_picture(out, 1200, 900)


def test_analogy_plot(tmp_path, capsys):
    kv = analogy_kv()
    out = tmp_path / "arrows.png"
    plots.analogy_plot(kv, "paris:france,rome:italy,berlin:germany,oslo:norway", out, size=(900, 700), dpi=100)
    assert_picture(out, 900, 700)
    assert "'oslo', 'norway'" in capsys.readouterr().err
    svg = tmp_path / "arrows.svg"
    plots.analogy_plot(kv, [("paris", "france"), ("rome", "italy"), ("madrid", "spain")], svg)
    text = svg.read_text()
    assert "paris → france" in text
    N = kv.get_normed_vectors()
    d = [N[kv.key_to_index[b]] - N[kv.key_to_index[a]] for a, b in [("paris", "france"), ("rome", "italy"),
                                                                      ("madrid", "spain")]]
    d = [v / np.linalg.norm(v) for v in d]
    expected = np.mean([d[0] @ d[1], d[0] @ d[2], d[1] @ d[2]])
    assert expected > 0.7  # the planted shared offset survives normalisation
    assert f"mean cosine between the offsets b − a in 12-D: {expected:.2f}" in text
    with pytest.raises(EmbedError, match="no pair"):
        plots.analogy_plot(kv, "oslo:norway", tmp_path / "none.png")
    with pytest.raises(EmbedError, match="paris:france"):
        plots.analogy_plot(kv, "paris-france", tmp_path / "bad.png")


def test_suggest_pairs_picks_the_best_covered_relation(tmp_path):
    from embed.viz.selection import suggest_pairs

    name, pairs = suggest_pairs(analogy_kv())
    assert name == "capital → country"
    assert pairs == [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("madrid", "spain")]
    assert suggest_pairs(clustered_kv()) == (None, [])
    with pytest.raises(EmbedError, match="no well-known word pairs"):
        plots.analogy_plot(clustered_kv(), None, tmp_path / "unused.png")


def test_analogy_plot_with_automatic_pairs(tmp_path):
    out = tmp_path / "auto.svg"
    plots.analogy_plot(analogy_kv(), None, out)
    assert "Analogy arrows (capital → country): paris → france" in out.read_text()


def test_similarity_heatmap(tmp_path):
    kv = clustered_kv()
    out = tmp_path / "sim.png"
    plots.similarity_heatmap(kv, ["g0w0", "g0w5", "g1w1", "g2w2"], out, size=(700, 600), dpi=100)
    assert_picture(out, 700, 600)
    svg = tmp_path / "sim.svg"
    plots.similarity_heatmap(kv, ["g0w0", "g0w5"], svg)
    assert "1.00" in svg.read_text()  # a word with itself, annotated


def test_heatmap_orders_put_related_words_together():
    kv = clustered_kv(n=40, groups=4)
    around = select_words(kv, around=["g0w0", "g1w1"], per_seed=5)
    X = kv.get_normed_vectors()[[kv.key_to_index[w] for w in around]]
    perm = plots.heatmap_order(around, X, "groups")
    assert [around.groups[i] for i in perm] == ["g0w0"] * 6 + ["g1w1"] * 6
    assert [around[i] for i in perm][0] == "g0w0" and [around[i] for i in perm][6] == "g1w1"
    words = select_words(kv, top=20)  # clusters interleaved: g0, g1, g2, g3, g0, ...
    X = kv.get_normed_vectors()[:20]
    perm = plots.heatmap_order(words, X, "cluster")
    assert sorted(perm) == list(range(20))
    runs = 1 + sum(words[a][1] != words[b][1] for a, b in zip(perm, perm[1:]))
    assert runs == 4  # each planted cluster is one block
    assert plots.heatmap_order(words, X, "given") == list(range(20))
    with pytest.raises(EmbedError, match="order"):
        plots.heatmap_order(words, X, "random")


def test_words_with_maths_characters_are_drawn_as_plain_text(tmp_path):
    words = ["$5", "x^2$", "a_b", "50%", "{x}", "$$", "\\alpha", "plain"]
    vecs = np.random.default_rng(8).normal(size=(len(words), 6))
    kv = TinyKV(words, vecs)
    plots.cluster_plot(kv, words, tmp_path / "odd.svg", clusters=2)
    plots.similarity_heatmap(kv, words, tmp_path / "odd_heat.svg")
    plots.analogy_plot(kv, [("$5", "x^2$"), ("a_b", "50%")], tmp_path / "odd_arrows.png")
    text = (tmp_path / "odd.svg").read_text()
    assert "$5" in text and "x^2$" in text


def test_bad_output_paths_are_clear_errors(tmp_path):
    kv = clustered_kv()
    words = select_words(kv, top=10)
    with pytest.raises(EmbedError, match="does not exist"):
        plots.cluster_plot(kv, words, tmp_path / "missing" / "x.png")
    with pytest.raises(EmbedError, match="is a folder"):
        plots.cluster_plot(kv, words, tmp_path)
    with pytest.raises(EmbedError, match=r"\.png, \.svg or \.pdf"):
        plots.cluster_plot(kv, words, tmp_path / "x.jpg")
    (tmp_path / "file").write_text("")
    with pytest.raises(EmbedError, match="not a folder"):
        plots.analogy_plot(kv, "g0w0:g1w1,g2w2:g3w3", tmp_path / "file" / "x.png")


def test_failed_render_leaves_old_picture_untouched(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    out = tmp_path / "keep.png"
    out.write_bytes(b"old picture")

    def broken(self, f, **kw):
        f.write(b"half a png")
        raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", broken)
    kv = clustered_kv()
    with pytest.raises(KeyboardInterrupt):
        plots.cluster_plot(kv, select_words(kv, top=10), out)
    assert out.read_bytes() == b"old picture"
    assert os.listdir(tmp_path) == ["keep.png"]


def test_package_exports_the_public_names():
    assert viz.cluster_plot is plots.cluster_plot and viz.project is project
    assert viz.select_words is select_words
    with pytest.raises(AttributeError):
        viz.no_such_name  # noqa: B018
