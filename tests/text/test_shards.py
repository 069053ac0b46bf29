"""Shard folders: writing, reading through memory maps, and full validation of crafted damage."""
import json
import os

import numpy as np
import pytest

from embed.text.shards import (MANIFEST, DamagedShards, ShardedCorpus, ShardWriter, off_path,
                               tok_path)
from embed.text.vocab import Vocab


def _write(folder, sentences, shard_tokens=5):
    """Shards for `sentences` (lists of ids 0..3, id 0 most frequent), added in two batches."""
    V = 4
    writer = ShardWriter(str(folder), V, shard_tokens)
    for batch in (sentences[:2], sentences[2:]):
        writer.add(np.concatenate([np.asarray(s, np.int32) for s in batch]), [len(s) for s in batch])
    counts = writer.counts.copy()
    vocab = Vocab([f"w{i}" for i in range(V)], counts, int(counts.sum()) + 2, 1)
    writer.finish(vocab, raw_words=int(counts.sum()) + 2, replaced_bytes=0, settings={"max_words": 10})
    return str(folder)


SENTENCES = [[0, 0, 1], [0, 2], [1, 0, 3, 0, 1, 2], [0]]


def test_written_shards_read_back_through_memory_maps(tmp_path):
    folder = _write(tmp_path, SENTENCES)
    c = ShardedCorpus.open(folder)
    assert c.n_shards == 3  # 3+2 | 6 (longer than a shard: alone) | 1
    assert c.shard_sizes.tolist() == [[5, 2], [6, 1], [1, 1]]
    assert [list(s) for s in c] == [[f"w{i}" for i in s] for s in SENTENCES]
    tokens, offsets = c.shard(1)
    assert isinstance(tokens, np.memmap) and tokens.dtype == np.int32 and offsets.tolist() == [0, 6]
    np.testing.assert_array_equal(c.tokens, np.concatenate([np.array(s) for s in SENTENCES]))
    assert c.offsets.tolist() == [0, 3, 5, 11, 12]
    assert c.vocab.counts.tolist() == [6, 3, 2, 1] and c.raw_words == 14


def _tamper_offsets(folder, i, fn):
    off = np.fromfile(off_path(folder, i), dtype="<i8")
    fn(off)
    off.tofile(off_path(folder, i))


def _tamper_tokens(folder, i, fn):
    tok = np.fromfile(tok_path(folder, i), dtype="<i4")
    fn(tok)
    tok.tofile(tok_path(folder, i))


def _tamper_manifest(folder, fn):
    path = os.path.join(folder, MANIFEST)
    with open(path) as f:
        m = json.load(f)
    fn(m)
    with open(path, "w") as f:
        json.dump(m, f)


def _set(key, value):
    return lambda m: m.__setitem__(key, value)


DAMAGE = {
    # the crash of issue 11: an interior sentence offset that goes backwards
    "decreasing interior offset": lambda f: _tamper_offsets(f, 0, lambda o: o.__setitem__(1, 6)),
    "negative offset": lambda f: _tamper_offsets(f, 0, lambda o: o.__setitem__(1, -3)),
    "first offset not 0": lambda f: _tamper_offsets(f, 0, lambda o: o.__setitem__(0, 1)),
    "last offset past the tokens": lambda f: _tamper_offsets(f, 2, lambda o: o.__setitem__(-1, 7)),
    "id past the vocabulary": lambda f: _tamper_tokens(f, 1, lambda t: t.__setitem__(2, 4)),
    "negative id": lambda f: _tamper_tokens(f, 1, lambda t: t.__setitem__(0, -1)),
    "ids that disagree with the counts": lambda f: _tamper_tokens(f, 1, lambda t: t.__setitem__(2, 0)),
    "truncated token file": lambda f: open(tok_path(f, 1), "r+b").truncate(8),
    "missing shard": lambda f: os.unlink(tok_path(f, 2)),
    "missing manifest": lambda f: os.unlink(os.path.join(f, MANIFEST)),
    "manifest not JSON": lambda f: open(os.path.join(f, MANIFEST), "w").write("{nope"),
    "manifest is a list": lambda f: open(os.path.join(f, MANIFEST), "w").write("[1, 2]"),
    "word twice": lambda f: _tamper_manifest(f, lambda m: m["words"].__setitem__(1, "w0")),
    "counts of another length": lambda f: _tamper_manifest(f, lambda m: m["counts"].pop()),
    "negative count": lambda f: _tamper_manifest(f, lambda m: m["counts"].__setitem__(0, -6)),
    "string size": lambda f: _tamper_manifest(f, lambda m: m["shards"].__setitem__(0, ["5", 2])),
    "more sentences than stored": lambda f: _tamper_manifest(f, lambda m: m["shards"].__setitem__(2, [1, 2])),
    "raw words below tokens": lambda f: _tamper_manifest(f, _set("raw_words", 3)),
    "boolean total": lambda f: _tamper_manifest(f, _set("total_words", True)),
    "other format": lambda f: _tamper_manifest(f, _set("format", "something.else")),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_every_field_is_validated_before_use(tmp_path, damage):
    folder = _write(tmp_path, SENTENCES)
    ShardedCorpus.open(folder)  # intact: fine
    DAMAGE[damage](folder)
    with pytest.raises(DamagedShards):
        ShardedCorpus.open(folder)


def test_a_decreasing_interior_offset_that_keeps_the_ends_right_is_caught(tmp_path):
    folder = _write(tmp_path, [[0, 0, 1], [0, 2], [1, 0, 3, 0, 1, 2], [0]])
    _tamper_offsets(folder, 0, lambda o: o.__setitem__(1, 6))  # [0, 6, 5]: ends still 0 and 5
    with pytest.raises(DamagedShards, match="never decrease"):
        ShardedCorpus.open(folder)


def test_a_temporary_corpus_removes_its_folder(tmp_path):
    os.mkdir(tmp_path / "t")
    folder = _write(tmp_path / "t", SENTENCES)
    c = ShardedCorpus.open(folder, temporary=True)
    del c
    assert not os.path.exists(folder)
    kept = _write(tmp_path, SENTENCES)
    with ShardedCorpus.open(kept):
        pass
    assert os.path.exists(os.path.join(kept, MANIFEST))
