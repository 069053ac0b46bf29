"""Pictures of embeddings (embed.viz.plots): cluster plots, analogy arrows, heat maps, on synthetic vectors."""
import os

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.viz import plots
from embed.viz.selection import select_words


def test_cluster_plot_png_has_requested_size_and_content(tmp_path, clustered_kv, assert_picture):
    kv = clustered_kv()
    out = tmp_path / "clusters.png"
    fig = plots.cluster_plot(kv, select_words(kv, top=40), out, size=(800, 600), dpi=100)
    assert fig.get_size_inches().tolist() == [8.0, 6.0] and fig.dpi == 100  # returned for notebooks
    assert len(fig.axes[0].collections[0].get_offsets()) == 40  # one point per word
    assert_picture(out, 800, 600)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_cluster_plot_finds_the_planted_clusters(clustered_kv):
    kv = clustered_kv(n=50, groups=5)
    X = kv.get_normed_vectors()
    cid, _ = plots.kmeans_labels(X, 5, seed=0)
    truth = np.array([int(w[1]) for w in kv.index_to_key])
    for c in range(5):  # every found cluster is one planted cluster
        assert len(set(truth[cid == c])) == 1


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_same_input_gives_the_same_bytes(tmp_path, suffix, clustered_kv):
    kv = clustered_kv(n=30)
    a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    for out in (a, b):
        plots.cluster_plot(kv, select_words(kv, top=30), out, method="tsne", seed=3, size=(600, 450), dpi=80)
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / f"c.{suffix}"
    plots.cluster_plot(kv, select_words(kv, top=30), c, method="tsne", seed=4, size=(600, 450), dpi=80)
    assert c.read_bytes() != a.read_bytes()


def test_cluster_plot_svg_keeps_words_as_text(tmp_path, clustered_kv):
    kv = clustered_kv()
    out = tmp_path / "around.svg"
    words = select_words(kv, around=["g2w2"], per_seed=8)
    plots.cluster_plot(kv, words, out)
    text = out.read_text()
    assert "<svg" in text
    for w in words:  # every label is a <text> element, not outlines
        assert f">{w}</text>" in text


def test_tsne_cluster_plot_title_says_how(tmp_path, clustered_kv):
    kv = clustered_kv(n=30)
    out = tmp_path / "t.svg"
    plots.cluster_plot(kv, select_words(kv, top=30), out, method="tsne", clusters=3)
    text = out.read_text()
    assert "30 most frequent words" in text and "t-SNE (perplexity 9)" in text and "k-means k=3" in text


@pytest.mark.parametrize("vectors,legend", [
    (np.ones((4, 3)), None),                                          # one distinct point: one colour
    (np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]]), ["c, d", "a, b"]),   # two: k = 2
])
def test_cluster_plot_with_fewer_distinct_points_than_clusters(tmp_path, tiny_kv, assert_picture, vectors, legend):
    out = tmp_path / "same.png"
    fig = plots.cluster_plot(tiny_kv(["a", "b", "c", "d"], vectors), ["a", "b", "c", "d"], str(out), clusters=3,
                             size=(600, 450), dpi=100)
    assert len(fig.axes[0].collections[0].get_offsets()) == 4
    title = fig.texts[0].get_text()
    if legend is None:
        assert fig.legends == [] and "k-means" not in title
    else:
        assert [t.get_text() for t in fig.legends[0].get_texts()] == legend and "k-means k=2" in title
    assert_picture(out, 600, 450)


def test_cluster_plot_with_300_words(tmp_path, clustered_kv, assert_picture):
    kv = clustered_kv(n=300, dim=20, groups=8)
    out = tmp_path / "many.png"
    plots.cluster_plot(kv, select_words(kv, top=300), out, size=(1200, 900), dpi=100)
    assert_picture(out, 1200, 900)


def test_analogy_plot(tmp_path, capsys, analogy_kv, assert_picture):
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


def test_analogy_plot_with_automatic_pairs(tmp_path, analogy_kv):
    out = tmp_path / "auto.svg"
    plots.analogy_plot(analogy_kv(), None, out)
    assert "Analogy arrows (capital → country): paris → france" in out.read_text()


def test_similarity_heatmap(tmp_path, clustered_kv, assert_picture):
    kv = clustered_kv()
    out = tmp_path / "sim.png"
    plots.similarity_heatmap(kv, ["g0w0", "g0w5", "g1w1", "g2w2"], out, size=(700, 600), dpi=100)
    assert_picture(out, 700, 600)
    svg = tmp_path / "sim.svg"
    plots.similarity_heatmap(kv, ["g0w0", "g0w5"], svg)
    assert "1.00" in svg.read_text()  # a word with itself, annotated


def test_heatmap_orders_put_related_words_together(clustered_kv):
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


def test_words_with_maths_characters_are_drawn_as_plain_text(tmp_path, tiny_kv):
    words = ["$5", "x^2$", "a_b", "50%", "{x}", "$$", "\\alpha", "plain"]
    vecs = np.random.default_rng(8).normal(size=(len(words), 6))
    kv = tiny_kv(words, vecs)
    plots.cluster_plot(kv, words, tmp_path / "odd.svg", clusters=2)
    plots.similarity_heatmap(kv, words, tmp_path / "odd_heat.svg")
    plots.analogy_plot(kv, [("$5", "x^2$"), ("a_b", "50%")], tmp_path / "odd_arrows.png")
    text = (tmp_path / "odd.svg").read_text()
    assert "$5" in text and "x^2$" in text


def test_bad_output_paths_are_clear_errors(tmp_path, clustered_kv):
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


def test_failed_render_leaves_old_picture_untouched(tmp_path, monkeypatch, clustered_kv):
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
