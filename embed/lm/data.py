"""Text -> integer stream -> (T, B) chunks for truncated back-propagation through time.

A language model sees its corpus as ONE long sequence of symbols: the code
points of the text (character level) or its tokens (word level).  Training
cuts that stream into ``batch`` parallel streams laid side by side::

    stream : a b c d e f g h i j k l m n o p q r s t u v w x      (n symbols)
    batch=3: column 0 = a..h, column 1 = i..p, column 2 = q..x    (L, B) array

and walks down them ``seq_length`` rows at a time.  Chunk k holds inputs
``x = S[p:p+T]`` and targets ``y = S[p+1:p+T+1]`` (the next symbol), with
``p = k*T``; the hidden state at the end of chunk k is where chunk k+1 starts,
so the model sees an unbroken text while gradients flow back only T steps.
"""
import hashlib

import numpy as np

from ..data.sources import resolve_file
from ..errors import EmbedError
from ..fileio import check_readable, open_input
from ..text.reader import encoding_from_bom, looks_like_utf16
from ..text.vocab import NEWLINE, UNK, SymbolVocab, Vocab, tokenize_lines

# The vocabulary type lives with the other vocabularies (embed.text.vocab);
# re-exported here because the LM modules and checkpoints speak of it.
__all__ = ["NEWLINE", "UNK", "SymbolVocab", "tokenize_words", "read_text", "build_vocab",
           "encode_stream", "text_digest", "split_train_val", "Streams", "validation_streams"]

tokenize_words = tokenize_lines  # the LM's name for it


def read_text(path):
    """The whole text of a UTF-8 file (invalid bytes replaced); EmbedError if missing or empty.

    `path` may also name a data set (``tinyshakespeare``): see `embed.data.resolve_file`.
    """
    path = check_readable(resolve_file(path, "text file"), "text file")
    with open_input(path, "text file", decompress=False) as f:   # a FIFO with no writer: EmbedError
        raw = f.read()
    codec = encoding_from_bom(raw[:4])  # a byte-order mark picks UTF-8/16/32 and is not text
    if codec == "utf-8" and looks_like_utf16(raw):
        raise EmbedError(f"text file {path} looks like UTF-16 without a byte-order mark: convert it to UTF-8")
    text = raw.decode(codec, errors="replace")
    if not text:
        raise EmbedError(f"text file is empty: {path}")
    return text


def build_vocab(text, level="char", min_count=1, tokenizer="regexp", lowercase=True):
    """(SymbolVocab, symbols of the text) for a character- or word-level model.

    Character level: the sorted set of code points (not bytes: 'é' and '🙂' are
    one symbol each).  Word level: the text pipeline's tokenizer and `Vocab`
    (words by descending count, NEWLINE included); words seen fewer than
    `min_count` times become UNK.
    """
    if level == "char":
        return SymbolVocab(sorted(set(text)), "char"), None
    if level != "word":
        raise EmbedError(f"unknown level {level!r} (expected 'char' or 'word')")
    tokens = tokenize_words(text, tokenizer, lowercase)
    if not tokens:
        raise EmbedError("text has no words")
    v = Vocab.build([tokens], min_count=min_count)
    symbols = list(v.words)
    if len(symbols) == 0:
        raise EmbedError(f"every word occurs fewer than min_count={min_count} times")
    if any(t not in v.index for t in tokens):
        symbols.append(UNK)
    return SymbolVocab(symbols, "word", tokenizer, lowercase), tokens


def encode_stream(text, vocab, tokens=None):
    """int32 ids of the whole text (its tokens for word level)."""
    if vocab.level == "char":
        return vocab.encode(text)
    if tokens is None:
        tokens = tokenize_words(text, vocab.tokenizer_name, vocab.lowercase)
    unk = vocab.index.get(UNK, -1)
    ids = np.fromiter((vocab.index.get(t, unk) for t in tokens), dtype=np.int32, count=len(tokens))
    if (ids < 0).any():
        raise EmbedError("text has words not in the model's vocabulary")
    return ids


def text_digest(ids):
    """A short fingerprint of the encoded stream, to check that resuming uses the same text."""
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int32).tobytes()).hexdigest()[:16]


def split_train_val(ids, val_fraction=0.05):
    """(train ids, validation ids): the LAST `val_fraction` of the stream validates."""
    n = len(ids)
    n_val = int(round(n * val_fraction)) if val_fraction > 0 else 0
    if n_val and n_val < 2:
        n_val = 2  # a validation stream needs one input and one target
    if n - n_val < 2:
        raise EmbedError(f"text is too short to train on ({n} symbols)")
    return ids[:n - n_val], ids[n - n_val:]


class Streams:
    """`batch` parallel streams over a symbol sequence, walked in (T, B) chunks.

    data   : int64 (L+1, B), column b = stream b (C-contiguous so a chunk of rows is one slice;
             int64 because the layers and the loss index with it, so no per-chunk conversion)
    length : L, the number of input positions per stream
    Chunk at position p: inputs data[p:p+T], targets data[p+1:p+T+1], T = min(seq_length, L-p).
    """

    def __init__(self, ids, batch, seq_length):
        ids = np.asarray(ids, dtype=np.int64)
        if batch < 1 or seq_length < 1:
            raise EmbedError("batch and seq_length must be at least 1", params=("batch", "seq_length"))
        per = (len(ids) - 1) // batch  # inputs per stream (each needs a next-symbol target)
        if per < 1:
            raise EmbedError(f"text too short for {batch} streams: {len(ids)} symbols "
                             f"(use a smaller batch)", params=("batch",))
        self.batch, self.seq_length, self.length = batch, seq_length, per
        # stream b covers ids[b*per : b*per + per + 1] (the last target overlaps the next stream's start)
        idx = np.arange(per + 1)[:, None] + per * np.arange(batch)[None, :]  # (L+1, B)
        self.data = np.ascontiguousarray(ids[idx])  # (L+1, B)

    @property
    def chunks_per_epoch(self):
        return -(-self.length // self.seq_length)  # ceil(L / T)

    @property
    def symbols_per_epoch(self):
        return self.length * self.batch

    def chunk(self, p):
        """(x (T, B), y (T, B)) int64 views at stream position p."""
        t = min(self.seq_length, self.length - p)
        return self.data[p:p + t], self.data[p + 1:p + t + 1]

    def __iter__(self):
        for p in range(0, self.length, self.seq_length):
            yield self.chunk(p)


def validation_streams(ids, batch, seq_length):
    """Streams for evaluation: at most `batch` streams, fewer when the split is short."""
    b = max(1, min(batch, (len(ids) - 1) // max(1, seq_length)))
    return Streams(ids, b, seq_length)
