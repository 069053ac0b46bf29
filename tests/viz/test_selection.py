"""Choosing words to draw (embed.viz.selection): word lists, top N, neighbourhoods of seeds, analogy pairs."""
import pytest

from embed.errors import EmbedError
from embed.viz import plots
from embed.viz.selection import select_words


def test_unknown_words_are_named_and_skipped(capsys, clustered_kv):
    kv = clustered_kv()
    got = select_words(kv, words="g0w0, nosuchword, g1w1,g0w0")
    assert list(got) == ["g0w0", "g1w1"]
    assert "nosuchword" in capsys.readouterr().err
    with pytest.raises(EmbedError, match="at least 2"):
        select_words(kv, words=["g0w0", "nope", "neither"])


def test_top_words_follow_vocabulary_order(clustered_kv):
    kv = clustered_kv()
    assert list(select_words(kv, top=7)) == kv.index_to_key[:7]
    assert select_words(kv, top=7).what == "7 most frequent words"
    assert len(select_words(kv, top=10_000)) == len(kv.index_to_key)
    with pytest.raises(EmbedError, match=r"exactly one of: .* \(got words, top\)"):
        select_words(kv, top=5, words=["g0w0", "g1w1"])


def test_neighbourhoods_group_each_word_with_its_seed(clustered_kv):
    kv = clustered_kv(n=60, groups=5)
    got = select_words(kv, around=["g0w0", "g3w3"], per_seed=6)
    assert got[:2] == ["g0w0", "g3w3"]
    assert len(got) == 14 and len(set(got)) == 14
    for word, seed in zip(got, got.groups):
        assert word.split("w")[0] == seed.split("w")[0]  # neighbours come from the seed's cluster


def test_suggest_pairs_picks_the_best_covered_relation(tmp_path, clustered_kv, analogy_kv):
    from embed.viz.selection import suggest_pairs

    name, pairs = suggest_pairs(analogy_kv())
    assert name == "capital → country"
    assert pairs == [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("madrid", "spain")]
    assert suggest_pairs(clustered_kv()) == (None, [])
    with pytest.raises(EmbedError, match="no well-known word pairs"):
        plots.analogy_plot(clustered_kv(), None, tmp_path / "unused.png")
