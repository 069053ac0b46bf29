"""encode_corpus: flat int32 tokens + int64 offsets, sentence splitting, errors, shards on disk."""
import collections
import os
import re

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.text import encoder
from embed.text import reader
from embed.text.corpus import EncodedCorpus, encode_corpus
from embed.text.shards import ShardedCorpus
from embed.text.tokenize import get_tokenizer


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))


def _lines(seed=0, n_lines=60):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(40)]
    p = 1.0 / np.arange(1, 41)
    p /= p.sum()
    return [" ".join(rng.choice(words, size=rng.integers(0, 30), p=p)) for _ in range(n_lines)]


def _decoded(c):
    return [list(s) for s in c]


def _check_layout(c):
    assert c.tokens.dtype == np.int32 and c.offsets.dtype == np.int64
    assert c.offsets[0] == 0 and c.offsets[-1] == c.n_tokens
    assert np.all(np.diff(c.offsets) > 0)  # no empty sentences
    assert c.tokens.min() >= 0 and c.tokens.max() < len(c.vocab)
    assert np.bincount(c.tokens, minlength=len(c.vocab)).tolist() == c.vocab.counts.tolist()


def test_round_trip_strings_drop_rare_words_and_keep_order():
    lines = _lines()
    c = encode_corpus(lines, min_count=3)
    _check_layout(c)
    tok = get_tokenizer()
    counts = collections.Counter(w for line in lines for w in tok(line))
    kept = {w for w, n in counts.items() if n >= 3}
    expected = [[w for w in tok(line) if w in kept] for line in lines]
    assert _decoded(c) == [s for s in expected if s]
    assert c.raw_words == sum(counts.values()) == c.vocab.total_words
    assert set(c.vocab.words) == kept
    assert c.vocab.counts.tolist() == sorted(c.vocab.counts.tolist(), reverse=True)


def test_file_and_list_and_generator_sources_agree(tmp_path):
    lines = _lines(1)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    a = encode_corpus(str(path), min_count=2)
    b = encode_corpus(lines, min_count=2)
    g = encode_corpus((line for line in lines), min_count=2)
    for other in (b, g):
        assert other.vocab.words == a.vocab.words
        np.testing.assert_array_equal(other.tokens, a.tokens)
        np.testing.assert_array_equal(other.offsets, a.offsets)
    assert a.source == str(path) and encode_corpus(a) is a


def test_token_lists_are_used_verbatim():
    c = encode_corpus([["Paris", "is", "big"], ["Paris", "x"]], min_count=1)
    assert c.vocab.words[0] == "Paris" and "paris" not in c.vocab
    assert _decoded(c) == [["Paris", "is", "big"], ["Paris", "x"]]


def test_long_lines_become_max_words_sentences_never_truncated(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 64)  # pieces of a line cut every ~64 chars
    words = [f"t{i % 97}" for i in range(2500)]
    path = tmp_path / "long.txt"
    path.write_text("a b\n" + " ".join(words) + "\nc d e\n")
    c = encode_corpus(str(path), min_count=1, max_words=1000)
    lengths = np.diff(c.offsets).tolist()
    assert lengths == [2, 1000, 1000, 500, 3]
    flat = [w for s in c for w in s]
    assert flat == ["a", "b"] + words + ["c", "d", "e"]
    assert c.raw_words == 2505


def test_sentence_split_counts_raw_tokens_across_lines_of_exact_length():
    c = encode_corpus([["x"] * 4, ["y"] * 5, ["z"] * 9], min_count=1, max_words=4)
    assert np.diff(c.offsets).tolist() == [4, 4, 1, 4, 4, 1]


def test_replaced_bytes_are_reported(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good words here\nbad \xff\xfe bytes good\n")
    c = encode_corpus(str(path), min_count=1)
    assert c.replaced_bytes == 2
    assert "bad" in c.vocab and "bytes" in c.vocab


def test_max_vocab_size_prunes_and_still_encodes_every_kept_occurrence(tmp_path):
    # 300 singletons interleaved with a few frequent words: pruning happens
    lines = [f"common{i % 3} rare{i} other{i % 5}" for i in range(300)]
    path = tmp_path / "p.txt"
    path.write_text("\n".join(lines))
    c = encode_corpus(str(path), min_count=1, max_vocab_size=8)
    _check_layout(c)
    assert len(c.vocab) == 8
    assert set(c.vocab.words) == {f"common{i}" for i in range(3)} | {f"other{i}" for i in range(5)}
    assert c.vocab.counts.tolist() == [100] * 3 + [60] * 5  # exact counts after the re-read


@pytest.mark.parametrize("content, match", [
    ("", "empty"), ("  \n\n ... !!! \n", "empty"), ("a b c\n", "min_count=5")])
def test_empty_or_too_rare_corpus_is_an_error(tmp_path, content, match):
    path = tmp_path / "c.txt"
    path.write_text(content)
    with pytest.raises(EmbedError, match=match):
        encode_corpus(str(path))


@pytest.mark.parametrize("kwargs, message", [
    ({"min_count": -2}, "min_count must be a non-negative integer, got -2"),
    ({"max_words": 0}, "max_words must be a positive integer, got 0"),
    ({"max_vocab_size": 0}, "max_vocab_size must be a positive integer or None, got 0"),
    ({"tokenizer": "nope"}, "unknown tokenizer 'nope'; choose from: regexp,")])
def test_bad_parameters_are_errors_naming_the_parameter(kwargs, message):
    with pytest.raises(EmbedError, match=f"^{re.escape(message)}"):
        encode_corpus(["a b"], **kwargs)


def test_missing_file_and_bad_source_are_errors(tmp_path):
    with pytest.raises(EmbedError, match="not found"):
        encode_corpus(str(tmp_path / "missing.txt"))
    with pytest.raises(EmbedError, match="iterable"):
        encode_corpus(42)
    with pytest.raises(EmbedError, match="string or a list"):
        encode_corpus([1, 2, 3])


def test_encoded_corpus_helpers():
    c = encode_corpus(["a b a", "b c"], min_count=1)
    assert isinstance(c, EncodedCorpus)
    assert c.n_sentences == 2 and c.n_tokens == 5
    assert c.sentence(1).tolist() == [c.vocab.index["b"], c.vocab.index["c"]]
    assert "5 tokens in 2 sentences" in repr(c)


@pytest.mark.parametrize("block, flush", [(7, 5), (64, 3), (1 << 20, 1 << 16)])
def test_tiny_streaming_steps_and_flushes_give_the_same_encoding(tmp_path, monkeypatch, block, flush):
    lines = _lines(3, 80)
    expected = encode_corpus(lines, min_count=2, max_words=9)
    monkeypatch.setattr(encoder, "STREAM_ITEMS", block)
    monkeypatch.setattr(encoder, "FLUSH_TOKENS", flush)
    c = encode_corpus(lines, min_count=2, max_words=9, shard_tokens=block)
    _check_layout(c)
    assert c.vocab.words == expected.vocab.words
    np.testing.assert_array_equal(c.tokens, expected.tokens)
    np.testing.assert_array_equal(c.offsets, expected.offsets)
    assert _decoded(c) == _decoded(expected)


def test_pruning_mid_stream_across_blocks_is_exact_after_the_reread(tmp_path, monkeypatch):
    monkeypatch.setattr(encoder, "STREAM_ITEMS", 16)
    monkeypatch.setattr(encoder, "FLUSH_TOKENS", 4)  # prune checks every few tokens
    lines = [f"common{i % 3} rare{i} other{i % 5}" for i in range(300)]
    c = encode_corpus(lines, min_count=1, max_vocab_size=8)
    _check_layout(c)
    assert c.vocab.counts.tolist() == [100] * 3 + [60] * 5
    assert _decoded(c) == [[w for w in line.split() if not w.startswith("rare")] for line in lines]
    # a one-shot generator cannot be re-read: the encoding stays consistent anyway
    g = encode_corpus((line for line in lines), min_count=1, max_vocab_size=8)
    _check_layout(g)
    assert set(g.vocab.words) <= set(c.vocab.words)


def test_a_file_becomes_shards_on_disk_that_equal_the_in_memory_encoding(tmp_path):
    lines = _lines(4, 300)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    memory = encode_corpus(lines, min_count=2)
    disk = encode_corpus(str(path), min_count=2, shard_tokens=100)
    assert isinstance(disk, ShardedCorpus) and disk.n_shards > 5
    _check_layout(disk)
    assert disk.vocab.words == memory.vocab.words
    np.testing.assert_array_equal(disk.tokens, memory.tokens)
    np.testing.assert_array_equal(disk.offsets, memory.offsets)
    assert disk.shard_sizes[:, 0].sum() == memory.n_tokens
    for i in range(disk.n_shards):  # sentences never span shards; shards are memory maps
        tokens, offsets = disk.shard(i)
        assert isinstance(tokens, np.memmap) and not tokens.flags.writeable
        assert offsets[0] == 0 and offsets[-1] == tokens.shape[0] == disk.shard_sizes[i, 0]
    folder = disk.folder
    assert os.path.isdir(folder)
    disk.close()  # a temporary encoding is removed
    assert not os.path.exists(folder)


def test_a_fixed_vocabulary_encodes_without_counting(tmp_path):
    base = encode_corpus(["a b c a", "b c d"], min_count=1)
    c = encode_corpus(["c z a", "z z"], min_count=5, vocab=base.vocab)
    assert c.vocab.words == base.vocab.words
    assert _decoded(c) == [["c", "a"]]
    assert c.vocab.counts.tolist() == [1 if w in "ca" else 0 for w in base.vocab.words]
