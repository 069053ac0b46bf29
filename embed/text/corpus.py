"""A corpus encoded once into flat int32 arrays: what the training kernels read.

    tokens  : int32 (n_tokens,)          word ids, sentence after sentence
    offsets : int64 (n_sentences + 1,)   sentence i is tokens[offsets[i]:offsets[i+1]]

How it is built (one streaming pass in the usual case):

1. Read the source in bounded pieces (`reader.iter_pieces`), tokenize each, and
   give every new word a *provisional* id in order of first appearance; the
   provisional ids go to int32 storage blocks, sentence boundaries to the
   offsets.  A line longer than `max_words` tokens becomes several sentences.
2. Count with ``np.bincount`` over the provisional ids, build the `Vocab`
   (min_count, max_vocab_size, most frequent first), and remap provisional ids
   to final ids block by block, dropping out-of-vocabulary words and the
   sentences left empty.  Ids are stored in fixed-size blocks, so memory peaks
   near 4 bytes per raw token (plus the word dict), never at a doubling copy.

With `max_vocab_size`, the word dict is pruned while counting when it exceeds
``2 * max_vocab_size`` words (word2vec's ReduceVocab); words forgotten by a
pruning lose the occurrences counted before it, so for an exact encoding the
source is read a second time with the final vocabulary (when the source can be
read twice: a file or a list; a one-shot iterator keeps the approximation).

`cache=True` stores the result in one file (next to the corpus if that folder
is writable, else in ``embed.datasets.cache_dir()``), keyed by the corpus's
size and modification time and by the settings; a second run maps it from
disk (``np.memmap``) and skips tokenizing altogether.
"""
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable
from . import reader
from .tokenize import get_tokenizer
from .vocab import PRUNE_FACTOR, Vocab, _check_settings

FLUSH_TOKENS = 1 << 16  # tokens gathered in a Python list before one np.fromiter
BLOCK_ITEMS = 1 << 20  # ids per storage block (4 MiB of int32): bounded temporaries


@dataclass
class EncodedCorpus:
    """A tokenized, vocabulary-encoded corpus (see the module docstring).

    `tokens` may be a read-only memory map when the corpus came from a cache.
    """

    vocab: Vocab
    tokens: np.ndarray  # int32 (n_tokens,) word ids
    offsets: np.ndarray  # int64 (n_sentences + 1,) sentence boundaries into tokens
    raw_words: int  # tokens read, including the words not in the vocabulary
    replaced_bytes: int = 0  # invalid UTF-8 bytes replaced while reading
    source: str = ""  # where it came from (a path, or "<iterable>")
    cache_path: str | None = None  # the cache file used or written, if any
    from_cache: bool = False  # True when tokenizing was skipped
    settings: dict = field(default_factory=dict)  # tokenizer, lowercase, min_count, ...

    @property
    def n_tokens(self):
        return int(self.tokens.shape[0])

    @property
    def n_sentences(self):
        return int(self.offsets.shape[0]) - 1

    def sentence(self, i):
        """Word ids of sentence `i`, int32 (length,)."""
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self):
        """Sentences as lists of words (slow; for inspection and tests)."""
        words = self.vocab.words
        for i in range(self.n_sentences):
            yield [words[j] for j in self.sentence(i)]

    def __repr__(self):
        return (f"EncodedCorpus<{self.n_tokens} tokens in {self.n_sentences} sentences, "
                f"{len(self.vocab)} words, from {self.source or '?'}>")


def encode_corpus(source, tokenizer="regexp", lowercase=True, min_count=5, max_vocab_size=None,
                  cache=False, max_words=10000, progress=None):
    """Tokenize, count and encode `source` into an `EncodedCorpus`.

    Parameters
    ----------
    source : path (UTF-8 text, optionally .gz/.bz2/.xz), or iterable of str (one
        sentence/line each) or of token lists
        (token lists are used verbatim: no tokenizer, no lower-casing).  An
        `EncodedCorpus` is returned unchanged (its own settings stand).
    tokenizer : a name from `embed.text.tokenize.TOKENIZERS` or a callable
    lowercase : lower-case strings before tokenizing
    min_count : drop words seen fewer times
    max_vocab_size : keep at most this many words (prunes while counting)
    cache : store/reuse the encoded arrays in a cache file (paths only)
    max_words : longest sentence; longer lines are split, never truncated
    progress : show a progress bar (None: only on a terminal)
    """
    if isinstance(source, EncodedCorpus):
        return source
    _check_settings(min_count, max_vocab_size)
    if isinstance(max_words, bool) or not isinstance(max_words, (int, np.integer)) or max_words < 1:
        raise EmbedError(f"max_words must be a positive integer, got {max_words!r}")
    tokenize = get_tokenizer(tokenizer, lowercase)
    settings = {"tokenizer": tokenizer if isinstance(tokenizer, str) else repr(tokenizer),
                "lowercase": bool(lowercase), "min_count": int(min_count),
                "max_vocab_size": None if max_vocab_size is None else int(max_vocab_size),
                "max_words": int(max_words)}

    if isinstance(source, (str, os.PathLike)):
        path = check_readable(os.fspath(source), "corpus file")
        use_cache = bool(cache) and isinstance(tokenizer, str)
        if use_cache:
            hit = _load_cache(path, settings)
            if hit is not None:
                return hit
        size = None if reader.is_compressed(path) else os.path.getsize(path)  # for the bar
        corpus = _encode(lambda stats: _file_pieces(path, tokenize, stats), True, path,
                         settings, progress, size)
        if use_cache:
            corpus = _write_cache(path, settings, corpus)
        return corpus

    if isinstance(source, (bytes, bytearray)) or not hasattr(source, "__iter__"):
        raise EmbedError(f"corpus must be a file path or an iterable of sentences, "
                         f"got {type(source).__name__}")
    reiterable = iter(source) is not source
    return _encode(lambda stats: _iterable_pieces(source, tokenize), reiterable, "<iterable>",
                   settings, progress, None)


# -- sources as (tokens, end_of_line) ---------------------------------------
def _file_pieces(path, tokenize, stats):
    for text, eol in reader.iter_pieces(path, stats):
        yield tokenize(text), eol


def _iterable_pieces(source, tokenize):
    for item in source:
        if isinstance(item, str):
            yield tokenize(item), True
        elif isinstance(item, (list, tuple)):
            yield item, True
        else:
            raise EmbedError(f"each sentence must be a string or a list of tokens, "
                             f"got {type(item).__name__}")


# -- the encoder ---------------------------------------------------------------
class _NewIds(dict):
    """word -> provisional id; an unseen word gets the next id."""

    __slots__ = ("next_id",)

    def __init__(self):
        super().__init__()
        self.next_id = 0

    def __missing__(self, word):
        i = self[word] = self.next_id
        self.next_id += 1
        return i


class _FixedIds(dict):
    """word -> final id; a word outside the vocabulary is -1."""

    __slots__ = ()

    def __missing__(self, word):
        return -1


class _Blocks:
    """Append-only storage in fixed-size numpy blocks: growing never copies.

    (A doubling array would briefly hold 2.5x its size; a text8-sized corpus
    is 17M tokens, so that matters for peak memory.)
    """

    def __init__(self, dtype, block=None):
        self.dtype = np.dtype(dtype)
        self.block = block or BLOCK_ITEMS
        self.blocks = []  # arrays of shape (block,); the last one is filled up to `fill`
        self.fill = self.block
        self.n = 0

    def append(self, values):
        values = np.asarray(values, dtype=self.dtype)  # (k,)
        done, k = 0, values.shape[0]
        while done < k:
            if self.fill == self.block:
                self.blocks.append(np.empty(self.block, dtype=self.dtype))
                self.fill = 0
            take = min(self.block - self.fill, k - done)
            self.blocks[-1][self.fill:self.fill + take] = values[done:done + take]
            self.fill += take
            done += take
        self.n += k

    def segments(self, start=0):
        """``(position, view)`` of the stored values from `start` on, block by block."""
        for i, arr in enumerate(self.blocks):
            a, b = i * self.block, min((i + 1) * self.block, self.n)
            if b > start:
                lo = max(start - a, 0)
                yield a + lo, arr[lo:b - a]

    def bincount(self, minlength, start=0):
        """Occurrences of each value >= 0 from position `start` on, int64 (minlength,)."""
        total = np.zeros(minlength, dtype=np.int64)
        for _, seg in self.segments(start):
            seg = seg[seg >= 0] if seg.size and seg.min() < 0 else seg
            total += np.bincount(seg, minlength=minlength)[:minlength]
        return total

    def array(self):
        """All values as one array (the blocks are released)."""
        out = np.empty(self.n, dtype=self.dtype)
        for pos, seg in self.segments():
            out[pos:pos + seg.shape[0]] = seg
        self.blocks = []
        return out


def _scan(pieces, ids, max_words, prune_limit=None, bar=None, stats=None):
    """Tokens -> ids (via the dict `ids`), sentence offsets; prunes `ids` if asked.

    Returns ``(tokens _Blocks int32, offsets int64 (m+1,), counts int64 | None, prunings)``;
    `counts` (by provisional id) only when `prune_limit` is set.
    """
    toks = _Blocks(np.int32)
    offsets = _Blocks(np.int64, min(BLOCK_ITEMS, 1 << 16))
    offsets.append([0])
    cuts = []  # sentence ends found since the last flush
    pending = []  # token strings not yet converted to ids
    n = 0  # tokens so far (flushed + pending)
    start = 0  # where the current sentence starts
    getitem = ids.__getitem__
    counts = np.zeros(0, dtype=np.int64) if prune_limit is not None else None
    counted = 0  # tokens already in `counts`
    prunings = 0
    last_bytes = 0

    def flush():
        nonlocal counts, counted, prunings
        if pending:
            toks.append(np.fromiter(map(getitem, pending), dtype=np.int32, count=len(pending)))
            pending.clear()
        if cuts:
            offsets.append(cuts)
            cuts.clear()
        if prune_limit is not None and len(ids) > prune_limit:
            # Count what came since the last pruning, then forget the words
            # seen at most k times at the k-th pruning (word2vec's ReduceVocab).
            new = toks.bincount(ids.next_id, start=counted)
            new[:counts.size] += counts
            counts, counted = new, toks.n
            prunings += 1
            for w in [w for w, i in ids.items() if counts[i] <= prunings]:
                counts[ids.pop(w)] = 0

    for tokens, eol in pieces:
        pending.extend(tokens)
        n += len(tokens)
        while n - start > max_words:  # a long line: cut it every max_words tokens
            start += max_words
            cuts.append(start)
        if eol and n > start:
            cuts.append(n)
            start = n
        if len(pending) >= FLUSH_TOKENS:
            flush()
            if bar is not None and stats is not None:
                bar.update(stats.bytes_read - last_bytes)
                last_bytes = stats.bytes_read
    if n > start:
        cuts.append(n)
    flush()
    if prune_limit is not None:
        new = toks.bincount(ids.next_id, start=counted)
        new[:counts.size] += counts
        counts = new
    if bar is not None and stats is not None:
        bar.update(stats.bytes_read - last_bytes)
    return toks, offsets.array(), counts, prunings


def _remap(toks, offsets, mapping, n_out):
    """Map ids through `mapping`, drop -1s and the sentences left empty.

    toks : _Blocks int32 (released block by block);  offsets : int64 (m+1,);
    mapping : int32 (k,) old id -> new id or -1;  n_out : how many ids survive.
    Returns ``tokens int32 (n_out,)`` and ``offsets int64 (m'+1,)``.
    """
    out = np.empty(n_out, dtype=np.int32)  # (n_out,)
    new_offsets = np.empty_like(offsets)  # (m+1,)
    w = 0  # tokens written so far
    j = 0  # next offset to translate
    for a, seg in toks.segments():
        b = a + seg.shape[0]
        ids = mapping[seg]  # (c,)
        keep = ids >= 0  # (c,)
        kept_before = np.zeros(seg.shape[0] + 1, dtype=np.int64)  # (c+1,)
        np.cumsum(keep, out=kept_before[1:])
        # offsets in [a, b) become w + kept tokens of this block before them
        k = np.searchsorted(offsets, b, side="left")
        new_offsets[j:k] = w + kept_before[offsets[j:k] - a]
        j = k
        kept = ids[keep]
        out[w:w + kept.shape[0]] = kept
        w += kept.shape[0]
        toks.blocks[a // toks.block] = None  # release what is done
    new_offsets[j:] = w  # the end (and any offset == n)
    if w != n_out:
        raise AssertionError(f"encoded {w} tokens, expected {n_out}")
    return out, np.unique(new_offsets)  # unique: empty sentences vanish


def _encode(make_pieces, reiterable, where, settings, progress, size):
    from ..progress import bar as make_bar

    max_words = settings["max_words"]
    limit = settings["max_vocab_size"]
    prune_at = None if limit is None else PRUNE_FACTOR * limit
    stats = reader.ReadStats()
    with make_bar(total=size, desc="reading corpus", unit="B", show=progress) as bar:
        ids = _NewIds()
        toks, offsets, counts, prunings = _scan(make_pieces(stats), ids, max_words, prune_at, bar,
                                                stats)
    raw_words = toks.n
    if raw_words == 0:
        tok = settings["tokenizer"]
        raise EmbedError(f"corpus {where} is empty (no tokens found by tokenizer {tok!r})")
    if counts is None:
        counts = toks.bincount(ids.next_id)  # (n_ids,)
    # ids iterates in order of first appearance: ties keep that order.
    vocab = Vocab.from_counts({w: int(counts[i]) for w, i in ids.items()}, settings["min_count"],
                              limit, total_words=raw_words)
    if len(vocab) == 0:
        raise EmbedError(f"every word in {where} occurs fewer than min_count={settings['min_count']} "
                         f"times ({raw_words} tokens, {len(ids)} distinct words); lower min_count")
    if prunings and reiterable:
        # Pruning forgot early occurrences of some kept words: read again with
        # the final words, then recount and re-sort them exactly.
        del toks
        fixed = _FixedIds((w, i) for i, w in enumerate(vocab.words))
        toks, offsets, _, _ = _scan(make_pieces(reader.ReadStats()), fixed, max_words)
        del fixed
        exact = toks.bincount(len(vocab))  # (n,)
        order = np.argsort(-exact, kind="stable")  # new id -> old id
        vocab = Vocab([vocab.words[i] for i in order], exact[order], raw_words, vocab.min_count)
        mapping = np.empty(len(vocab) + 1, dtype=np.int32)  # old id -> new id; [-1] -> -1
        mapping[order] = np.arange(len(vocab), dtype=np.int32)
        mapping[-1] = -1
    else:
        mapping = np.full(ids.next_id, -1, dtype=np.int32)  # provisional id -> final id
        mapping[np.fromiter((ids[w] for w in vocab.words), dtype=np.int64, count=len(vocab))] = \
            np.arange(len(vocab), dtype=np.int32)
    del ids
    tokens, offsets = _remap(toks, offsets, mapping, int(vocab.counts.sum()))
    return EncodedCorpus(vocab, tokens, offsets, raw_words, stats.replaced_bytes, source=where,
                         settings=dict(settings))


# -- cache ----------------------------------------------------------------------
_MAGIC = b"EMBED-CORPUS-v1\n"  # 16 bytes at the start
_TAIL = b"EMBEDEND"  # 8 bytes at the very end, after the header length
_CACHE_VERSION = 1


def _cache_key(path, settings):
    st = os.stat(path)
    return {"version": _CACHE_VERSION, "size": st.st_size, "mtime_ns": st.st_mtime_ns, **settings}


def cache_paths(path, settings):
    """Candidate cache files for `path` and `settings`: next to it, then the cache dir."""
    from ..datasets import cache_dir

    path = os.path.abspath(path)
    tag = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    folder, name = os.path.split(path)
    beside = os.path.join(folder, f".{name}.{tag}.embedcache")
    where = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    central = os.path.join(cache_dir(), "corpora", f"{name}.{where}.{tag}.embedcache")
    return beside, central


def _load_cache(path, settings):
    key = _cache_key(path, settings)
    for candidate in cache_paths(path, settings):
        corpus = read_cache(candidate, key)
        if corpus is not None:
            corpus.source = path
            return corpus
    return None


def read_cache(cache_file, key=None):
    """Open a cache file (tokens memory-mapped); None if absent, stale or damaged."""
    try:
        size = os.path.getsize(cache_file)
        with open(cache_file, "rb") as f:
            if f.read(len(_MAGIC)) != _MAGIC or size < 32:
                return None
            f.seek(size - 16)
            (hlen,), tail = struct.unpack("<Q", f.read(8)), f.read(8)
            if tail != _TAIL or hlen > size:
                return None
            f.seek(size - 16 - hlen)
            header = json.loads(f.read(hlen).decode("utf-8"))
            if key is not None and header.get("key") != key:
                return None
            f.seek(header["offsets_at"])
            offsets = np.fromfile(f, dtype="<i8", count=header["n_offsets"])
            counts = np.fromfile(f, dtype="<i8", count=len(header["words"]))
        tokens = np.memmap(cache_file, dtype="<i4", mode="r", offset=len(_MAGIC),
                           shape=(header["n_tokens"],))
        vocab = Vocab(header["words"], counts, header["total_words"], header["key"]["min_count"])
    except (OSError, ValueError, KeyError, TypeError, struct.error, EmbedError):
        return None
    if offsets.shape[0] != header["n_offsets"] or offsets[-1] != tokens.shape[0]:
        return None
    settings = {k: header["key"][k] for k in ("tokenizer", "lowercase", "min_count",
                                               "max_vocab_size", "max_words")}
    return EncodedCorpus(vocab, tokens, offsets.astype(np.int64), header["raw_words"],
                         header["replaced_bytes"], source="", cache_path=cache_file,
                         from_cache=True, settings=settings)


def _write_cache(path, settings, corpus):
    """Write `corpus` to the first writable cache location; return it memory-mapped."""
    key = _cache_key(path, settings)
    for candidate in cache_paths(path, settings):
        folder = os.path.dirname(candidate)
        if os.path.isdir(folder) and not _writable(folder):
            continue
        try:
            os.makedirs(os.path.dirname(candidate), exist_ok=True)
            write_cache(candidate, corpus, key)
        except (OSError, EmbedError):
            continue
        mapped = read_cache(candidate, key)
        if mapped is not None:
            mapped.source = corpus.source
            mapped.from_cache = False
            return mapped
    return corpus  # nowhere writable: keep it in memory


def _writable(folder):
    """True if we may add files to `folder`.

    A folder whose mode grants nobody write access (a shared, read-only data
    folder) counts as read-only even for root, who could write there anyway.
    """
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return False
    return os.access(folder, os.W_OK) and bool(mode & 0o222)


def write_cache(cache_file, corpus, key):
    """Layout: magic | tokens <i4 | pad | offsets <i8 | counts <i8 | JSON header | len | tail."""
    tokens = np.ascontiguousarray(corpus.tokens, dtype="<i4")
    offsets = np.ascontiguousarray(corpus.offsets, dtype="<i8")
    counts = np.ascontiguousarray(corpus.vocab.counts, dtype="<i8")
    tokens_end = len(_MAGIC) + tokens.nbytes
    pad = (-tokens_end) % 8
    header = {"key": key, "n_tokens": int(tokens.shape[0]), "n_offsets": int(offsets.shape[0]),
              "offsets_at": tokens_end + pad, "raw_words": int(corpus.raw_words),
              "replaced_bytes": int(corpus.replaced_bytes),
              "total_words": int(corpus.vocab.total_words), "words": corpus.vocab.words}
    blob = json.dumps(header, ensure_ascii=False).encode("utf-8")
    with atomic_write(cache_file, "wb") as f:
        f.write(_MAGIC)
        f.write(memoryview(tokens).cast("B"))
        f.write(b"\0" * pad)
        f.write(memoryview(offsets).cast("B"))
        f.write(memoryview(counts).cast("B"))
        f.write(blob)
        f.write(struct.pack("<Q", len(blob)))
        f.write(_TAIL)
