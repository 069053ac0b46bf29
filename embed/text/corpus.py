"""`encode_corpus`: text in, word ids out; and `EncodedCorpus`, the in-memory result.

An encoded corpus is flat arrays, never lists of lists::

    tokens  : int32 (n_tokens,)          word ids, sentence after sentence
    offsets : int64 (n_sentences + 1,)   sentence i is tokens[offsets[i]:offsets[i+1]]

split into *shards* (whole sentences each) that the trainer reads one at a
time: ``corpus.n_shards`` and ``corpus.shard(i) -> (tokens, offsets)`` with
offsets local to the shard.  Two kinds share that interface:

- a file path becomes a `shards.ShardedCorpus`: the ids live on disk and are
  memory-mapped a shard at a time, so encoding and training a corpus of any
  size costs memory for its vocabulary, not for its tokens.  With
  ``cache=True`` the shards stay in the user's cache folder, keyed by the
  file's content (`corpus_cache.py`), and a later run skips tokenizing;
- a list or iterator of sentences becomes an `EncodedCorpus` held in memory
  (one shard), for small corpora and tests.

Both come out of the same streaming encoder (`encoder.py`).
"""
import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from ..errors import EmbedError
from ..fileio import check_readable, is_compressed
from . import corpus_cache, reader, scan
from .encoder import encode_to_folder
from .shards import ShardedCorpus, read_manifest
from .tokenize import get_tokenizer
from .vocab import check_vocab_settings


@dataclass
class EncodedCorpus:
    """A tokenized, vocabulary-encoded corpus held in memory (see the module docstring)."""

    vocab: object  # the Vocab
    tokens: np.ndarray  # int32 (n_tokens,) word ids
    offsets: np.ndarray  # int64 (n_sentences + 1,) sentence boundaries into tokens
    raw_words: int  # tokens read, including the words not in the vocabulary
    replaced_bytes: int = 0  # invalid UTF-8 bytes replaced while reading
    source: str = ""  # where it came from (a path, or "<iterable>")
    cache_path: str | None = None  # kept for symmetry with ShardedCorpus (always None)
    from_cache: bool = False
    settings: dict = field(default_factory=dict)  # tokenizer, lowercase, min_count, ...

    @property
    def n_tokens(self):
        return int(self.tokens.shape[0])

    @property
    def n_sentences(self):
        return int(self.offsets.shape[0]) - 1

    n_shards = 1

    @property
    def shard_sizes(self):
        """int64 (1, 2): tokens and sentences of the single shard."""
        return np.array([[self.n_tokens, self.n_sentences]], dtype=np.int64)

    def shard(self, i):
        """The whole corpus is shard 0: ``(tokens, offsets)``."""
        if i != 0:
            raise IndexError(f"an in-memory corpus has one shard, asked for shard {i}")
        return self.tokens, self.offsets

    def sentence(self, i):
        """Word ids of sentence `i`, int32 (length,)."""
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self):
        """Sentences as lists of words (slow; for inspection and tests)."""
        words = self.vocab.words
        for i in range(self.n_sentences):
            yield [words[j] for j in self.sentence(i)]

    def close(self):
        """Nothing to release (for symmetry with ShardedCorpus)."""

    def __repr__(self):
        return (f"EncodedCorpus<{self.n_tokens} tokens in {self.n_sentences} sentences, "
                f"{len(self.vocab)} words, from {self.source or '?'}>")


def encode_corpus(source, tokenizer="regexp", lowercase=True, min_count=5, max_vocab_size=None,
                  cache=False, max_words=10000, progress=None, vocab=None, shard_tokens=None,
                  kernels=None):
    """Tokenize, count and encode `source`.

    Parameters
    ----------
    source : path (UTF-8 text, optionally .gz/.bz2/.xz; a FIFO or /dev/stdin is
        read once), or iterable of str (one sentence/line each) or of token
        lists (used verbatim: no tokenizer, no lower-casing).  An encoded
        corpus is returned unchanged (its own settings stand).
    tokenizer : a name from `embed.text.tokenize.TOKENIZERS` or a callable
    lowercase : lower-case strings before tokenizing
    min_count : drop words seen fewer times
    max_vocab_size : keep at most this many words (prunes while counting)
    cache : keep the encoding in the user's cache folder and reuse it (paths only)
    max_words : longest sentence; longer lines are split, never truncated
    progress : show a progress bar (None: only on a terminal)
    vocab : encode with this fixed `Vocab` instead of counting one
    shard_tokens : tokens per on-disk shard (default `shards.SHARD_TOKENS`)
    kernels : None, or compiled kernels with scan_words and rehash_words
        (`embed.word2vec.native.load()`): count the vocabulary of a plain file
        with the ``regexp`` tokenizer through them (`scan.py`: the same result,
        without Python's regex and dict per token)

    Returns a `ShardedCorpus` (on disk) for a path, an `EncodedCorpus` (in
    memory) for an iterable.
    """
    if isinstance(source, (EncodedCorpus, ShardedCorpus)):
        return source
    check_vocab_settings(min_count, max_vocab_size)
    if isinstance(max_words, bool) or not isinstance(max_words, (int, np.integer)) or max_words < 1:
        raise EmbedError(f"max_words must be a positive integer, got {max_words!r}")
    tokenize = get_tokenizer(tokenizer, lowercase)
    settings = {"tokenizer": tokenizer if isinstance(tokenizer, str) else repr(tokenizer),
                "lowercase": bool(lowercase), "min_count": int(min_count),
                "max_vocab_size": None if max_vocab_size is None else int(max_vocab_size),
                "max_words": int(max_words)}
    job = dict(settings=settings, progress=progress, vocab=vocab, shard_tokens=shard_tokens)

    if isinstance(source, (str, os.PathLike)):
        path = check_readable(os.fspath(source), "corpus file")
        regular = corpus_cache.is_regular_file(path)
        pieces = lambda stats: _file_pieces(path, tokenize, stats)  # noqa: E731
        size = os.path.getsize(path) if regular and not is_compressed(path) else None
        if kernels is not None and size is not None and tokenizer == "regexp":  # a plain file
            job["fast_spool"] = lambda stats, tf, lf, tick: scan.spool_file(  # noqa: E731
                path, kernels, lowercase, max_words, tf, lf, stats, tick)
        if cache and not (isinstance(tokenizer, str) and vocab is None and regular):
            why = ("it is not a regular file (read once)" if not regular else
                   "a custom tokenizer or fixed vocabulary cannot be keyed")
            corpus_cache.notice(f"not caching {path}: {why}")
            cache = False
        if cache and not corpus_cache.private_folder(corpus_cache.root()):
            corpus_cache.notice(f"not caching {path}: {corpus_cache.root()} is not a folder "
                                "of yours that only you can write to")
            cache = False
        if not cache:
            return _encode(pieces, regular, path, size=size, **job)
        entry = corpus_cache.entry_path(path, settings)
        hit = corpus_cache.lookup(entry, path)
        if hit is not None:
            return hit
        corpus = _encode(pieces, True, path, size=size, **job)
        try:
            corpus.persist(entry)
        except OSError as e:
            corpus_cache.notice(f"could not keep the corpus cache in {entry} ({e.strerror}); "
                                "using it once")
        return corpus

    if isinstance(source, (bytes, bytearray)) or not hasattr(source, "__iter__"):
        raise EmbedError(f"corpus must be a file path or an iterable of sentences, "
                         f"got {type(source).__name__}")
    reiterable = iter(source) is not source
    with _encode(lambda stats: _iterable_pieces(source, tokenize), reiterable, "<iterable>",
                 **job) as on_disk:
        return EncodedCorpus(on_disk.vocab, on_disk.tokens, on_disk.offsets, on_disk.raw_words,
                             on_disk.replaced_bytes, source="<iterable>", settings=dict(settings))


def _encode(make_pieces, reiterable, where, settings, progress, vocab, shard_tokens, size=None,
            fast_spool=None):
    """Run the streaming encoder into a fresh private folder; its (temporary) ShardedCorpus."""
    from ..progress import bar as make_bar

    folder = corpus_cache.staging_folder()
    try:
        with make_bar(total=size, desc="reading corpus", unit="B", show=progress) as pbar:
            def bar_for(stats):
                seen = [0]

                def tick():
                    pbar.update(stats.bytes_read - seen[0])
                    seen[0] = stats.bytes_read
                return tick

            encode_to_folder(make_pieces, reiterable, where, settings, folder, bar_for,
                             shard_tokens=shard_tokens, vocab=vocab, fast_spool=fast_spool)
        corpus = ShardedCorpus(folder, read_manifest(folder), source=where, temporary=True)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return corpus


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
