"""The streaming encoder: text pieces in, a folder of shards out, memory bounded by the vocabulary.

Pass 1 (`spool`) reads the source once: it tokenizes each piece, gives every
new word a *provisional* id in order of first appearance, counts the ids, and
appends them (int32) and the raw sentence lengths to two spool files on disk.
A line longer than `max_words` tokens becomes several sentences.  With
`max_vocab_size`, the word dict is pruned when it exceeds
``PRUNE_FACTOR * max_vocab_size`` words (word2vec's ReduceVocab, through
`vocab.prune_counts`).

Then the vocabulary is built from the counts (min_count, max_vocab_size, most
frequent first, ties in order of first appearance).  Pass 2 (`write_shards`)
streams the spool through the provisional -> final id map, drops
out-of-vocabulary words and the sentences left empty, and writes shards
(`shards.ShardWriter`).

A pruned word loses the occurrences counted before its pruning, so when a
pruning happened and the source can be read again (a file, a list), pass 1
runs again with the final words as fixed ids and the vocabulary is re-sorted
by the exact counts.  A one-shot source keeps the approximation.

Memory: the word dict and its counts (about the vocabulary), plus buffers of
`FLUSH_TOKENS` tokens and `STREAM_ITEMS` ids; never the corpus.
"""
import os

import numpy as np

from ..errors import EmbedError
from .shards import ShardWriter
from .vocab import PRUNE_FACTOR, Vocab, prune_counts

FLUSH_TOKENS = 1 << 16  # tokens gathered in a Python list before one np.fromiter
STREAM_ITEMS = 1 << 16  # spooled ids mapped per step in pass 2 (temporaries well under 1 MB: bigger ones fragment glibc's heap)


class NewIds(dict):
    """word -> provisional id; an unseen word gets the next id."""

    __slots__ = ("next_id",)

    def __init__(self):
        super().__init__()
        self.next_id = 0

    def __missing__(self, word):
        i = self[word] = self.next_id
        self.next_id += 1
        return i


class FixedIds(dict):
    """word -> final id; a word outside the vocabulary is -1."""

    __slots__ = ()

    def __missing__(self, word):
        return -1


def spool(pieces, ids, max_words, tok_file, len_file, prune_limit=None, on_flush=None):
    """Pass 1: tokens -> ids appended to `tok_file`, raw sentence lengths to `len_file`.

    pieces : iterable of (tokens, end_of_line);  ids : a NewIds or FixedIds dict
    tok_file, len_file : binary files open for writing (int32 ids, int64 lengths)
    Returns ``(counts int64 (n_ids,), n_raw_tokens, prunings)``; counts of
    ids >= 0 only.
    """
    counts = np.zeros(0, dtype=np.int64)  # (n_ids,) occurrences per provisional id
    getitem = ids.__getitem__
    pending = []  # token strings not yet converted to ids
    cuts = []  # raw lengths of sentences ended since the last flush
    n = start = 0  # raw tokens so far / where the current sentence starts
    prunings = 0

    def flush():
        nonlocal counts, prunings
        if pending:
            chunk = np.fromiter(map(getitem, pending), dtype=np.int32, count=len(pending))  # (k,)
            pending.clear()
            tok_file.write(memoryview(chunk.astype("<i4", copy=False)).cast("B"))
            size = max(getattr(ids, "next_id", 0), counts.size, int(chunk.max()) + 1)
            if counts.size < size:
                counts = np.concatenate([counts, np.zeros(size - counts.size, np.int64)])
            counts += np.bincount(chunk[chunk >= 0], minlength=size)
        if cuts:
            len_file.write(np.asarray(cuts, dtype="<i8").tobytes())
            cuts.clear()
        if prune_limit is not None and len(ids) > prune_limit:
            prunings += 1
            prune_counts(counts, prunings, ids=ids)
        if on_flush is not None:
            on_flush()

    for tokens, eol in pieces:
        pending.extend(tokens)
        n += len(tokens)
        while n - start > max_words:  # a long line: cut it every max_words tokens
            cuts.append(max_words)
            start += max_words
        if eol and n > start:
            cuts.append(n - start)
            start = n
        if len(pending) >= FLUSH_TOKENS:
            flush()
    if n > start:
        cuts.append(n - start)
    flush()
    return counts, n, prunings


def write_shards(tok_path, len_path, mapping, writer):
    """Pass 2: map the spooled ids through `mapping`, drop -1s and empty sentences, write shards.

    mapping : int32 (n_ids + 1,) provisional id -> final id or -1 (the last entry maps -1 to -1).
    Reads both spool files sequentially, about `STREAM_ITEMS` ids and lengths at a time.
    """
    with open(tok_path, "rb") as tf, open(len_path, "rb") as lf:
        lengths = np.zeros(0, dtype=np.int64)  # raw sentence lengths read but not yet written
        while True:
            if lengths.size < STREAM_ITEMS:
                more = np.fromfile(lf, dtype="<i8", count=STREAM_ITEMS)  # (<= STREAM_ITEMS,)
                lengths = np.concatenate([lengths, more.astype(np.int64)])
            if lengths.size == 0:
                return
            ends = np.cumsum(lengths)  # (m,)
            m = max(1, int(np.searchsorted(ends, STREAM_ITEMS, side="right")))  # whole sentences
            total = int(ends[m - 1])
            raw = np.fromfile(tf, dtype="<i4", count=total)  # (total,)
            if raw.shape[0] != total:
                raise EmbedError("the encoder's spool file is shorter than expected (disk full?)")
            ids = mapping[raw]  # (total,)
            keep = (ids >= 0).astype(np.int64)  # (total,)
            kept = np.add.reduceat(keep, ends[:m] - lengths[:m])  # (m,) kept tokens per sentence
            writer.add(ids[keep > 0], kept[kept > 0])
            lengths = lengths[m:]


def encode_to_folder(make_pieces, reiterable, where, settings, folder, bar_for=None,
                     shard_tokens=None, vocab=None, extra=None, fast_spool=None):
    """Encode a source into shards in `folder` (which must exist); returns the manifest fields.

    make_pieces(stats) -> iterable of (tokens, end_of_line); `stats` is a fresh
    `reader.ReadStats` the pieces fill in.  reiterable : whether make_pieces may
    be called twice.  settings : tokenizer, lowercase, min_count,
    max_vocab_size, max_words.  vocab : a fixed `Vocab` to encode with (no
    counting; words outside it are dropped).  bar_for(stats) -> a progress
    callback for pass 1, or None.  fast_spool(stats, tok_file, len_file, tick) ->
    ``(words_of, counts, n_raw)`` or None: a faster pass 1 that counts a
    vocabulary exactly as `spool` does (`scan.spool_file`); used when counting
    without pruning, and when it returns None pass 1 runs through `spool`.
    """
    from .reader import ReadStats

    max_words = settings["max_words"]
    limit = settings["max_vocab_size"]
    tok_spool = os.path.join(folder, "spool.tok")
    len_spool = os.path.join(folder, "spool.len")

    def run_fast():
        stats = ReadStats()
        with open(tok_spool, "wb") as tf, open(len_spool, "wb") as lf:
            done = fast_spool(stats, tf, lf, bar_for(stats) if bar_for is not None else None)
        return None if done is None else (stats, *done)

    def run_pass(ids, prune_limit):
        stats = ReadStats()
        with open(tok_spool, "wb") as tf, open(len_spool, "wb") as lf:
            tick = bar_for(stats) if bar_for is not None else None
            counts, n_raw, prunings = spool(make_pieces(stats), ids, max_words, tf, lf,
                                            prune_limit, tick)
        return stats, counts, n_raw, prunings

    try:
        if vocab is not None:
            fixed = FixedIds((w, i) for i, w in enumerate(vocab.words))
            stats, counts, raw_words, _ = run_pass(fixed, None)
            mapping = np.append(np.arange(len(vocab), dtype=np.int32), np.int32(-1))
            vocab = Vocab(vocab.words, np.zeros(len(vocab), np.int64), raw_words, vocab.min_count)
        elif fast_spool is not None and limit is None and (fast := run_fast()) is not None:
            stats, words_of, counts, raw_words = fast
            _check_not_empty(raw_words, where, settings)
            vocab, mapping = _vocab_from_counts(counts, words_of, settings["min_count"], raw_words)
            _check_vocab(vocab, where, settings, raw_words, counts.size)
        else:
            ids = NewIds()
            stats, counts, raw_words, prunings = run_pass(ids, None if limit is None
                                                          else PRUNE_FACTOR * limit)
            _check_not_empty(raw_words, where, settings)
            # ids iterates in order of first appearance: ties keep that order.
            seen = counts.tolist()
            vocab = Vocab.from_counts({w: seen[i] for w, i in ids.items()},
                                      settings["min_count"], limit, total_words=raw_words)
            _check_vocab(vocab, where, settings, raw_words, len(ids))
            if prunings and reiterable:
                # Pruning forgot early occurrences of some kept words: read again
                # with the final words, then re-sort them by their exact counts.
                del ids
                fixed = FixedIds((w, i) for i, w in enumerate(vocab.words))
                _, exact, _, _ = run_pass(fixed, None)
                exact = np.concatenate([exact, np.zeros(len(vocab) - exact.size, np.int64)])
                order = np.argsort(-exact, kind="stable")  # new id -> old id
                vocab = Vocab([vocab.words[i] for i in order], exact[order], raw_words,
                              vocab.min_count)
                mapping = np.empty(len(vocab) + 1, dtype=np.int32)  # old id -> new id; [-1] -> -1
                mapping[order] = np.arange(len(vocab), dtype=np.int32)
                mapping[-1] = -1
            else:
                mapping = np.full(max(ids.next_id, 1) + 1, -1, dtype=np.int32)  # provisional -> final
                mapping[np.fromiter((ids[w] for w in vocab.words), dtype=np.int64,
                                    count=len(vocab))] = np.arange(len(vocab), dtype=np.int32)
                del ids
        writer = ShardWriter(folder, len(vocab), shard_tokens)
        try:
            write_shards(tok_spool, len_spool, mapping, writer)
        except BaseException:
            writer.abort()
            raise
        vocab = Vocab(vocab.words, writer.counts, raw_words, vocab.min_count)  # the ids written
        fields = {"raw_words": int(raw_words), "replaced_bytes": int(stats.replaced_bytes),
                  "settings": dict(settings), **(extra or {})}
        writer.finish(vocab, **fields)
        return fields
    finally:
        for p in (tok_spool, len_spool):
            try:
                os.unlink(p)
            except OSError:
                pass


def _check_not_empty(raw_words, where, settings):
    if raw_words == 0:
        tok = settings["tokenizer"]
        raise EmbedError(f"corpus {where} is empty (no tokens found by tokenizer {tok!r})")


def _check_vocab(vocab, where, settings, raw_words, n_words):
    if len(vocab) == 0:
        raise EmbedError(f"every word in {where} occurs fewer than min_count="
                         f"{settings['min_count']} times ({raw_words} tokens, "
                         f"{n_words} distinct words); lower min_count", params=("min_count",))


def _vocab_from_counts(counts, words_of, min_count, raw_words):
    """`Vocab.from_counts` on provisional-id counts, without a dict: ``(vocab, mapping)``.

    counts : int64 (n_ids,) per provisional id (ids in order of first appearance)
    words_of(ids) -> the words of those ids.  mapping : int32 (n_ids + 1,)
    provisional id -> final id or -1 (the last entry maps -1 to -1).
    """
    kept = np.flatnonzero(counts >= min_count)  # (V,) provisional ids, first appearance first
    order = kept[np.argsort(-counts[kept], kind="stable")]  # (V,) most frequent first, ties kept
    vocab = Vocab(words_of(order), counts[order], raw_words, min_count)
    mapping = np.full(max(counts.size, 1) + 1, -1, dtype=np.int32)  # provisional -> final
    mapping[order] = np.arange(order.size, dtype=np.int32)
    return vocab, mapping
