"""Vocabulary: counting, ordering, pruning, subsampling and noise distributions."""
import math
import re

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.text.vocab import BaseVocab, SymbolVocab, Vocab, check_vocab_settings, prune_counts
from embed.word2vec.vocab_tables import alias_table

SENTENCES = [["b", "a", "c"], ["a", "d", "b"], ["a", "e"], ["c", "b", "f", "a"]]
# counts: a 4, b 3, c 2, d 1, e 1, f 1; first appearance: b a c d e f


def test_words_by_descending_count_ties_in_first_appearance_order():
    v = Vocab.build(SENTENCES, min_count=1)
    assert v.words == ["a", "b", "c", "d", "e", "f"]
    assert v.counts.tolist() == [4, 3, 2, 1, 1, 1]
    assert v.counts.dtype == np.int64
    assert v.index == {w: i for i, w in enumerate(v.words)}
    assert len(v) == 6 and "a" in v and "z" not in v
    assert v.total_words == 12


def test_min_count_drops_rare_words_but_total_counts_every_token():
    v = Vocab.build(SENTENCES, min_count=2)
    assert v.words == ["a", "b", "c"]
    assert v.total_words == 12


def test_max_vocab_size_keeps_the_most_frequent():
    v = Vocab.build(SENTENCES, min_count=1, max_vocab_size=2)
    assert v.words == ["a", "b"]


def test_pruning_while_counting_forgets_rare_words_like_word2vec():
    counts = {"x": 3, "y": 1, "z": 2}
    prune_counts(counts, 1)  # first pruning: forget words seen once
    assert counts == {"x": 3, "z": 2}
    prune_counts(counts, 2)
    assert counts == {"x": 3}
    # at most 2 * 3 distinct words while counting: the stream of singletons is
    # pruned away, the frequent word survives with its full count.
    sentences = [["the", f"rare{i}"] for i in range(50)]
    v = Vocab.build(sentences, min_count=1, max_vocab_size=3)
    assert v.words[0] == "the" and v.counts[0] == 50
    assert len(v) <= 3


def test_prune_counts_on_an_id_array_pops_ids_and_zeroes_counts():
    ids = {"x": 0, "y": 1, "z": 2}
    counts = np.array([3, 1, 2], dtype=np.int64)
    assert prune_counts(counts, 1, ids=ids) == 1
    assert ids == {"x": 0, "z": 2} and counts.tolist() == [3, 0, 2]
    assert prune_counts(counts, 2, ids=ids) == 1
    assert ids == {"x": 0} and counts.tolist() == [3, 0, 0]


def test_check_vocab_settings_names_the_parameter():
    check_vocab_settings(0, None)
    with pytest.raises(EmbedError, match="^min_count must"):
        check_vocab_settings(-1, None)
    with pytest.raises(EmbedError, match="^max_vocab_size must"):
        check_vocab_settings(1, 0)


def test_both_vocabularies_share_one_base():
    v = Vocab(["a", "b"], [2, 1])
    s = SymbolVocab(list("ab"), "char")
    for vocab in (v, s):
        assert isinstance(vocab, BaseVocab)
        assert vocab.index == {"a": 0, "b": 1} and len(vocab) == 2 and "b" in vocab and "c" not in vocab
        assert vocab.lookup(["b", "c", "a"]).tolist() == [1, 0]
    assert v.words is v.symbols
    with pytest.raises(EmbedError, match="'a' twice"):
        Vocab(["a", "b", "a"], [3, 2, 1])
    with pytest.raises(EmbedError, match="'a' twice"):
        SymbolVocab(["a", "b", "a"])


def test_symbol_vocab_round_trips_words_and_names_unknown_symbols():
    s = SymbolVocab(["the", "cat", "\n"], "word")
    ids = s.encode("The cat\ncat the\n")
    assert ids.tolist() == [0, 1, 2, 1, 0, 2]
    assert s.decode(ids) == "the cat\ncat the\n"
    with pytest.raises(EmbedError, match="word\\(s\\) not in the model's vocabulary: 'dog'"):
        s.encode("the dog")
    with pytest.raises(EmbedError, match="U\\+00E9"):
        SymbolVocab(list("ab"), "char").encode("abé")
    assert SymbolVocab.from_dict(s.to_dict()) == s


def test_char_encode_matches_the_symbol_index_for_any_code_point():
    text = "Zebra é\n🙂 a lone \ud800 surrogate; ZZ"
    s = SymbolVocab(sorted(set(text), reverse=True), "char")     # ids not in code-point order
    ids = s.encode(text)
    assert ids.dtype == np.int32
    assert ids.tolist() == [s.index[c] for c in text]
    assert s.decode(ids) == text
    assert s.encode("").shape == (0,)


def test_all_words_below_min_count_or_no_tokens_is_an_error():
    with pytest.raises(EmbedError, match="min_count=5"):
        Vocab.build([["a", "b"], ["c"]], min_count=5)
    with pytest.raises(EmbedError, match="no tokens"):
        Vocab.build([[], []])


@pytest.mark.parametrize("kwargs, message", [
    ({"min_count": -1}, "min_count must be a non-negative integer, got -1"),
    ({"min_count": 2.5}, "min_count must be a non-negative integer, got 2.5"),
    ({"max_vocab_size": 0}, "max_vocab_size must be a positive integer or None, got 0"),
    ({"max_vocab_size": "10"}, "max_vocab_size must be a positive integer or None, got '10'")])
def test_bad_settings_are_errors_naming_the_parameter(kwargs, message):
    with pytest.raises(EmbedError, match=f"^{re.escape(message)}$"):
        Vocab.build(SENTENCES, **kwargs)


def test_build_rejects_strings():
    with pytest.raises(EmbedError, match="token lists"):
        Vocab.build(["a sentence"])


def test_keep_probs_match_word2vec_formula_by_hand():
    v = Vocab(["a", "b", "c", "d"], [1000, 100, 10, 1])
    t = 1e-3
    total = 1111
    expected = []
    for c in (1000, 100, 10, 1):
        f = c / total
        expected.append(min(1.0, math.sqrt(t / f) + t / f))
    keep = v.keep_probs(t)
    assert keep.dtype == np.float32 and keep.shape == (4,)
    np.testing.assert_allclose(keep, expected, rtol=1e-6)
    assert keep[0] < 0.1 and keep[-1] == 1.0  # frequent words are thinned, rare kept
    assert np.all(v.keep_probs(0) == 1.0)
    with pytest.raises(EmbedError, match=r"sample must be in \[0, 1\), got -0.1"):
        v.keep_probs(-0.1)


def test_keep_probs_use_only_in_vocabulary_counts():
    # total_words (raw tokens) must not change f: it is count / sum of kept counts
    a = Vocab(["a", "b"], [30, 10], total_words=40)
    b = Vocab(["a", "b"], [30, 10], total_words=10_000)
    np.testing.assert_array_equal(a.keep_probs(0.1), b.keep_probs(0.1))


def test_noise_cdf_is_cumulative_unigram_to_the_power():
    v = Vocab(["a", "b", "c"], [16, 4, 1])
    w = np.array([16, 4, 1], dtype=float) ** 0.75
    cdf = v.noise_cdf()
    assert cdf.dtype == np.float64 and cdf[-1] == 1.0
    np.testing.assert_allclose(np.diff(cdf, prepend=0.0), w / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(np.diff(v.noise_cdf(0.0), prepend=0.0), [1 / 3] * 3)
    np.testing.assert_allclose(np.diff(v.noise_cdf(1.0), prepend=0.0), [16 / 21, 4 / 21, 1 / 21])


def _alias_distribution(prob, alias):
    """The exact distribution an alias table draws from."""
    n = prob.size
    q = prob.astype(np.float64) / n
    np.add.at(q, alias, (1.0 - prob.astype(np.float64)) / n)
    return q


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_kernels_alias_table_is_exact_for_noise_weights(seed):
    rng = np.random.default_rng(seed)
    p = Vocab([f"w{i}" for i in range(200)], np.sort(rng.integers(1, 10_000, 200))[::-1]).noise_weights()
    prob, alias = alias_table(p)
    assert prob.dtype == np.float32 and alias.dtype == np.int32
    assert np.all((prob >= 0) & (prob <= 1)) and np.all((alias >= 0) & (alias < 200))
    np.testing.assert_allclose(_alias_distribution(prob, alias), p, atol=1e-7)


def test_alias_sampling_frequencies_match_the_noise_distribution():
    counts = np.array([5000, 1200, 300, 300, 50, 7, 1])
    v = Vocab(list("abcdefg"), counts)
    p = v.noise_weights(0.75)
    prob, alias = alias_table(p)  # the table the trainer draws from
    rng = np.random.default_rng(42)
    n = 400_000
    i = rng.integers(0, len(v), n)
    draws = np.where(rng.random(n) < prob[i], i, alias[i])
    freq = np.bincount(draws, minlength=len(v)) / n
    sd = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 5 * sd + 1e-4)
    # and the cdf table draws the same distribution by binary search
    u = rng.random(n)
    freq2 = np.bincount(np.searchsorted(v.noise_cdf(0.75), u, side="right"), minlength=len(v)) / n
    assert np.all(np.abs(freq2 - p) < 5 * sd + 1e-4)


def test_encode_drops_unknown_words():
    v = Vocab.build(SENTENCES, min_count=2)
    ids = v.encode(["c", "zzz", "a", "d", "b"])
    assert ids.dtype == np.int32
    assert ids.tolist() == [2, 0, 1]


def test_save_load_round_trip_and_corrupt_file(tmp_path):
    v = Vocab.build(SENTENCES + [["naïve", "naïve"]], min_count=1)
    path = tmp_path / "vocab.json"
    v.save(path)
    w = Vocab.load(path)
    assert w.words == v.words and w.counts.tolist() == v.counts.tolist()
    assert w.total_words == v.total_words and w.min_count == v.min_count
    (tmp_path / "bad.json").write_text('{"format": "embed.vocab", "words": ["a"]}')
    with pytest.raises(EmbedError, match="corrupt"):
        Vocab.load(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_bytes(b"\x00\xff not json")
    with pytest.raises(EmbedError, match="corrupt"):
        Vocab.load(tmp_path / "junk.json")
    with pytest.raises(EmbedError, match="not found"):
        Vocab.load(tmp_path / "missing.json")
