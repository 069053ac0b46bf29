"""An encoded corpus on disk: a folder of shards, read through memory maps.

Layout of a shard folder::

    manifest.json      vocabulary, settings, sizes; written last (its presence means "complete")
    00000.tok          int32 little-endian (n_tokens_0,)         word ids of shard 0
    00000.off          int64 little-endian (n_sentences_0 + 1,)  sentence bounds, local: [0, ..., n_tokens_0]
    00001.tok ...

A sentence never spans two shards.  Training maps one shard at a time (a few,
with several threads) and unmaps it when done, so the memory a corpus costs
while training is a few shards, whatever its size: the kernels see ordinary
int32 / int64 arrays.

`ShardedCorpus.open` checks every field before anything else sees it: the
manifest's types and sizes, each file's length, offsets that start at 0, never
decrease and end at the shard's token count, ids inside the vocabulary, and
vocabulary counts equal to the ids' histogram.  A folder that fails raises
`DamagedShards` (an `EmbedError`) saying what is wrong; a cache treats that as
a miss.
"""
import json
import os
import shutil
import weakref

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write
from .vocab import Vocab

FORMAT = "embed.shards"
VERSION = 1
MANIFEST = "manifest.json"
SHARD_TOKENS = 1 << 19  # tokens per shard (2 MiB of ids): the unit mapped while training
_CHECK_ITEMS = 1 << 20  # ids validated per step (bounded temporaries)


class DamagedShards(EmbedError):
    """A shard folder that is incomplete, inconsistent or not ours."""


def tok_path(folder, i):
    return os.path.join(folder, f"{i:05d}.tok")


def off_path(folder, i):
    return os.path.join(folder, f"{i:05d}.off")


class ShardWriter:
    """Append whole sentences; cut into shards of about `shard_tokens` tokens.

    `add(ids, lengths)` takes int32 ids (k,) and int64 sentence lengths (m,),
    every length >= 1 and ``lengths.sum() == k``.  `finish(**fields)` writes the
    manifest and returns the shard sizes.
    """

    def __init__(self, folder, vocab_size, shard_tokens=None):
        self.folder = folder
        self.shard_tokens = int(shard_tokens or SHARD_TOKENS)
        self.counts = np.zeros(vocab_size, dtype=np.int64)  # (V,) histogram of the ids written
        self.sizes = []  # [(n_tokens, n_sentences)] of the closed shards
        self._file = None
        self._lengths = []  # int64 arrays: sentence lengths of the open shard
        self._tokens = 0  # tokens in the open shard

    def _open(self):
        self._file = open(tok_path(self.folder, len(self.sizes)), "wb")
        self._lengths, self._tokens = [], 0

    def _close(self):
        if self._file is None:
            return
        self._file.close()
        lengths = np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int64)
        offsets = np.zeros(lengths.size + 1, dtype="<i8")  # (m+1,)
        np.cumsum(lengths, out=offsets[1:])
        offsets.tofile(off_path(self.folder, len(self.sizes)))
        self.sizes.append((self._tokens, int(lengths.size)))
        self._file = None

    def add(self, ids, lengths):
        ids = np.ascontiguousarray(ids, dtype="<i4")  # (k,)
        lengths = np.asarray(lengths, dtype=np.int64)  # (m,)
        ends = np.cumsum(lengths)  # (m,) end of each sentence within `ids`
        done_s, done_t = 0, 0  # sentences / tokens handed to shards so far
        while done_s < lengths.size:
            if self._file is None:
                self._open()
            room = self.shard_tokens - self._tokens
            j = int(np.searchsorted(ends, done_t + room, side="right"))  # sentences that fit
            if j == done_s:
                if self._tokens > 0:  # the next sentence does not fit: start a new shard
                    self._close()
                    continue
                j = done_s + 1  # a sentence longer than a whole shard gets a shard of its own
            end_t = int(ends[j - 1])
            chunk = ids[done_t:end_t]
            self._file.write(memoryview(chunk).cast("B"))
            self.counts += np.bincount(chunk, minlength=self.counts.size)[:self.counts.size]
            self._lengths.append(lengths[done_s:j])
            self._tokens += end_t - done_t
            done_s, done_t = j, end_t
            if self._tokens >= self.shard_tokens:
                self._close()

    def finish(self, vocab, **fields):
        """Close the last shard and write the manifest (vocabulary + `fields`)."""
        self._close()
        manifest = {"format": FORMAT, "version": VERSION, "words": vocab.words,
                    "counts": vocab.counts.tolist(), "total_words": int(vocab.total_words),
                    "min_count": int(vocab.min_count), "shards": [list(s) for s in self.sizes],
                    "n_tokens": int(sum(s[0] for s in self.sizes)), **fields}
        with atomic_write(os.path.join(self.folder, MANIFEST), "w") as f:
            f.write(json.dumps(manifest, ensure_ascii=False))  # dumps: json's C encoder (dump is pure Python)
        return self.sizes

    def abort(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def _int(d, name, low=0):
    v = d.get(name)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise DamagedShards(f"field {name!r} must be an integer >= {low}, got {v!r}")
    return v


def read_manifest(folder):
    """The manifest of `folder`, with every field's type and size checked."""
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError:
        raise DamagedShards("no manifest (incomplete)") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DamagedShards(f"unreadable manifest ({e.__class__.__name__})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT or m.get("version") != VERSION:
        raise DamagedShards("not an embed shard folder of this version")
    words, counts, shards = m.get("words"), m.get("counts"), m.get("shards")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise DamagedShards("words must be a list of strings")
    if not isinstance(counts, list) or len(counts) != len(words) or not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts):
        raise DamagedShards("counts must be one non-negative integer per word")
    if not isinstance(shards, list) or not all(
            isinstance(s, list) and len(s) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                       and x >= 0 for x in s) for s in shards):
        raise DamagedShards("shards must be a list of [n_tokens, n_sentences] pairs")
    n_tokens = _int(m, "n_tokens")
    if n_tokens != sum(s[0] for s in shards) or n_tokens != sum(counts):
        raise DamagedShards("token totals disagree (manifest, shards and counts)")
    if _int(m, "raw_words") < n_tokens:
        raise DamagedShards("raw_words is smaller than the number of tokens")
    _int(m, "total_words")
    _int(m, "replaced_bytes")
    _int(m, "min_count")
    if not isinstance(m.get("settings"), dict):
        raise DamagedShards("settings must be a mapping")
    return m


def check_shard(folder, i, n_tokens, n_sentences, vocab_size):
    """Validate shard `i` completely; returns the histogram of its ids, int64 (V,)."""
    tp, op = tok_path(folder, i), off_path(folder, i)
    try:
        tsize, osize = os.path.getsize(tp), os.path.getsize(op)
    except OSError:
        raise DamagedShards(f"shard {i} is missing") from None
    if tsize != 4 * n_tokens or osize != 8 * (n_sentences + 1):
        raise DamagedShards(f"shard {i} has the wrong size")
    offsets = np.fromfile(op, dtype="<i8")  # (m+1,)
    steps = np.diff(offsets)  # (m,)
    if offsets[0] != 0 or offsets[-1] != n_tokens or (steps.size and steps.min() < 0):
        raise DamagedShards(f"shard {i}: sentence offsets must start at 0, never decrease "
                            f"and end at its token count")
    hist = np.zeros(vocab_size, dtype=np.int64)
    if n_tokens == 0:
        return hist
    tokens = np.memmap(tp, dtype="<i4", mode="r", shape=(n_tokens,))
    try:
        for a in range(0, n_tokens, _CHECK_ITEMS):
            seg = tokens[a:a + _CHECK_ITEMS]
            if seg.min() < 0 or seg.max() >= vocab_size:
                raise DamagedShards(f"shard {i} holds a word id outside the vocabulary")
            hist += np.bincount(seg, minlength=vocab_size)
    finally:
        del tokens  # unmapped: validating does not keep the corpus in memory
    return hist


class ShardedCorpus:
    """An encoded corpus kept on disk as shards (see the module docstring).

    Attributes: `vocab`, `raw_words`, `replaced_bytes`, `settings`, `source`,
    `folder`, `shard_sizes` int64 (n_shards, 2) = (tokens, sentences) per
    shard, `cache_path` (the folder when it is a cache), `from_cache`.

    `shard(i)` returns ``(tokens int32 (t,), offsets int64 (s+1,))`` as
    read-only memory maps; `tokens` and `offsets` concatenate every shard in
    memory (for small corpora, tests and inspection only).
    """

    def __init__(self, folder, manifest, source="", temporary=False):
        self.folder = folder
        self.vocab = Vocab(manifest["words"], np.array(manifest["counts"], dtype=np.int64),
                           manifest["total_words"], manifest["min_count"])
        self.raw_words = manifest["raw_words"]
        self.replaced_bytes = manifest["replaced_bytes"]
        self.settings = dict(manifest["settings"])
        self.key = manifest.get("key")
        self.shard_sizes = np.array(manifest["shards"], dtype=np.int64).reshape(-1, 2)  # (n, 2)
        self.source = source
        self.cache_path = None
        self.from_cache = False
        self._finalizer = weakref.finalize(self, shutil.rmtree, folder, True) if temporary else None

    @classmethod
    def open(cls, folder, source="", temporary=False):
        """Open and fully validate `folder`; raises `DamagedShards` naming the first problem."""
        m = read_manifest(folder)
        V = len(m["words"])
        if len(set(m["words"])) != V:
            raise DamagedShards("the vocabulary lists a word twice")
        hist = np.zeros(V, dtype=np.int64)
        for i, (nt, ns) in enumerate(m["shards"]):
            hist += check_shard(folder, i, nt, ns, V)
        if hist.tolist() != m["counts"]:
            raise DamagedShards("vocabulary counts do not match the word ids")
        return cls(folder, m, source=source, temporary=temporary)

    # -- sizes ----------------------------------------------------------------
    @property
    def n_shards(self):
        return int(self.shard_sizes.shape[0])

    @property
    def n_tokens(self):
        return int(self.shard_sizes[:, 0].sum())

    @property
    def n_sentences(self):
        return int(self.shard_sizes[:, 1].sum())

    # -- reading ----------------------------------------------------------------
    def shard(self, i):
        """Shard `i` as read-only memory maps: tokens int32 (t,), offsets int64 (s+1,)."""
        nt, ns = (int(x) for x in self.shard_sizes[i])
        offsets = np.memmap(off_path(self.folder, i), dtype="<i8", mode="r", shape=(ns + 1,))
        if nt == 0:
            return np.zeros(0, np.int32), offsets
        return np.memmap(tok_path(self.folder, i), dtype="<i4", mode="r", shape=(nt,)), offsets

    @property
    def tokens(self):
        """All word ids in memory, int32 (n_tokens,)."""
        return np.concatenate([np.asarray(self.shard(i)[0]) for i in range(self.n_shards)]
                              or [np.zeros(0, np.int32)]).astype(np.int32)

    @property
    def offsets(self):
        """All sentence bounds in memory, int64 (n_sentences + 1,)."""
        parts, base = [np.zeros(1, np.int64)], 0
        for i in range(self.n_shards):
            off = np.asarray(self.shard(i)[1], dtype=np.int64)
            parts.append(off[1:] + base)
            base += int(off[-1])
        return np.concatenate(parts)

    def __iter__(self):
        """Sentences as lists of words (slow; for inspection and tests)."""
        words = self.vocab.words
        for i in range(self.n_shards):
            tokens, offsets = self.shard(i)
            for s in range(offsets.shape[0] - 1):
                yield [words[j] for j in tokens[offsets[s]:offsets[s + 1]]]

    def persist(self, folder):
        """Move the shards to `folder` (replacing it) and keep them there: a cache entry."""
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(self.folder, folder)
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        self.folder = self.cache_path = folder

    def close(self):
        """Delete the folder if it is temporary (a cache stays)."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"ShardedCorpus<{self.n_tokens} tokens in {self.n_sentences} sentences, "
                f"{self.n_shards} shard(s), {len(self.vocab)} words, from {self.source or '?'}>")
