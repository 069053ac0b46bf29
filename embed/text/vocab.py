"""Vocabularies: one base (index <-> symbol) and its two kinds.

* `BaseVocab`   : an ordered list of distinct symbols and its inverse index.
* `Vocab`       : word2vec's word vocabulary, with counts and the two
                  distributions below.
* `SymbolVocab` : a language model's alphabet: code points (``level="char"``)
                  or words plus newline / unknown tokens (``level="word"``),
                  with exact encode / decode.

Vocab's index ``i`` is the i-th most frequent word (ties keep first appearance), so
``counts`` is non-increasing and id 0 is the most frequent word.

Subsampling (Mikolov et al. 2013, as in word2vec.c and gensim): with
``f = count / N`` the word's share of the ``N`` in-vocabulary tokens and
``t = sample``, each occurrence is kept with probability ::

    keep(w) = min(1, sqrt(t / f) + t / f)

Negative sampling draws noise words from the smoothed unigram distribution ::

    P(w) = count(w) ** alpha / sum_v count(v) ** alpha        (alpha = 0.75)

offered here as weights and as a cumulative table (binary search, O(log n)
per draw); the O(1) Walker/Vose alias table the trainer draws from is built
from `noise_weights` by the word2vec kernels (`embed.word2vec.vocab_tables.alias_table`).
"""
import json
from collections import Counter

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable
from .tokenize import get_tokenizer

_FORMAT = "embed.vocab"
PRUNE_FACTOR = 2  # with max_vocab_size=m, prune the counting dict when it exceeds 2m words
NEWLINE = "\n"  # SymbolVocab, word level: line breaks are a token of their own
UNK = "<unk>"  # SymbolVocab, word level: words below min_count


class BaseVocab:
    """Index <-> symbol, shared by every vocabulary.

    symbols : list[str]        index -> symbol
    index   : dict[str, int]   symbol -> index
    """

    def __init__(self, symbols):
        self.symbols = list(symbols)
        self.index = {s: i for i, s in enumerate(self.symbols)}
        if len(self.index) != len(self.symbols):
            seen = set()
            twice = next(s for s in self.symbols if s in seen or seen.add(s))
            raise EmbedError(f"vocabulary lists {twice!r} twice")

    def __len__(self):
        return len(self.symbols)

    def __contains__(self, symbol):
        return symbol in self.index

    def lookup(self, tokens):
        """Ids of `tokens` as an int32 array (k,); symbols not in the vocabulary are dropped."""
        get = self.index.get
        return np.fromiter((i for i in map(get, tokens) if i is not None), dtype=np.int32)

    def missing(self, tokens):
        """The distinct tokens not in the vocabulary, sorted."""
        return sorted({t for t in tokens if t not in self.index})


class Vocab(BaseVocab):
    """Words, their counts, and the distributions derived from them.

    Attributes
    ----------
    words : list[str]           index -> word, by descending count
    index : dict[str, int]      word -> index
    counts : int64 array (n,)   occurrences of each word
    total_words : int           raw tokens seen, including the words dropped
    min_count : int             the threshold the vocabulary was built with
    """

    def __init__(self, words, counts, total_words=None, min_count=1):
        counts = np.ascontiguousarray(counts, dtype=np.int64)  # (n,)
        words = list(words)
        if counts.shape != (len(words),):
            raise EmbedError(f"vocabulary has {len(words)} words but {counts.size} counts")
        super().__init__(words)
        self.counts = counts
        self.total_words = int(counts.sum()) if total_words is None else int(total_words)
        self.min_count = int(min_count)

    # -- building ---------------------------------------------------------
    @classmethod
    def from_counts(cls, counts, min_count=5, max_vocab_size=None, total_words=None):
        """Vocabulary from a mapping word -> count (iteration order breaks ties).

        Keeps words with ``count >= min_count``; with `max_vocab_size`, only the
        `max_vocab_size` most frequent of those.  `total_words` defaults to the
        sum of all counts (kept or not).
        """
        check_vocab_settings(min_count, max_vocab_size)
        if total_words is None:
            total_words = sum(counts.values())
        kept = [(w, c) for w, c in counts.items() if c >= min_count]
        kept.sort(key=lambda wc: -wc[1])  # stable: ties stay in first-seen order
        if max_vocab_size is not None:
            kept = kept[:max_vocab_size]
        words = [w for w, _ in kept]
        return cls(words, np.fromiter((c for _, c in kept), dtype=np.int64, count=len(kept)),
                   total_words=total_words, min_count=min_count)

    @classmethod
    def build(cls, sentences, min_count=5, max_vocab_size=None):
        """Count the tokens of `sentences` (an iterable of token lists).

        With `max_vocab_size`, memory stays bounded: whenever the counting dict
        holds more than ``PRUNE_FACTOR * max_vocab_size`` words it is pruned as
        word2vec's ReduceVocab does (at the k-th pruning, words seen at most k
        times so far are forgotten).  The final vocabulary keeps the
        `max_vocab_size` most frequent words.
        """
        check_vocab_settings(min_count, max_vocab_size)
        counts = Counter()
        total = 0
        prunings = 0
        limit = None if max_vocab_size is None else PRUNE_FACTOR * max_vocab_size
        for tokens in sentences:
            if isinstance(tokens, str):
                raise EmbedError("Vocab.build expects token lists, got a string "
                                 "(tokenize it first, or use encode_corpus)")
            counts.update(tokens)
            total += len(tokens)
            if limit is not None and len(counts) > limit:
                prunings += 1
                prune_counts(counts, prunings)
        if total == 0:
            raise EmbedError("no tokens to build a vocabulary from")
        vocab = cls.from_counts(counts, min_count, max_vocab_size, total_words=total)
        if not len(vocab):
            raise EmbedError(f"every word occurs fewer than min_count={min_count} times "
                             f"({total} tokens, {len(counts)} distinct); lower min_count", params=("min_count",))
        return vocab

    # -- lookups ----------------------------------------------------------
    @property
    def words(self):
        """index -> word (the base's `symbols`)."""
        return self.symbols

    def __repr__(self):
        return f"Vocab<{len(self)} words, {self.total_words} tokens, min_count={self.min_count}>"

    def encode(self, tokens):
        """Ids of `tokens` as an int32 array (k,); words not in the vocabulary are dropped."""
        return self.lookup(tokens)

    # -- distributions ----------------------------------------------------
    def keep_probs(self, sample=1e-3):
        """Probability to keep each occurrence: ``min(1, sqrt(t/f) + t/f)``, float32 (n,).

        ``f = count / N`` with ``N`` the total count of in-vocabulary words and
        ``t = sample``; ``sample=0`` keeps everything.
        """
        sample = float(sample)
        if not 0.0 <= sample < 1.0:
            raise EmbedError(f"sample must be in [0, 1), got {sample}")
        if sample == 0.0 or len(self) == 0:
            return np.ones(len(self), dtype=np.float32)
        f = self.counts / float(self.counts.sum())  # (n,) word frequencies
        ratio = sample / f
        keep = np.sqrt(ratio) + ratio
        return np.minimum(keep, 1.0).astype(np.float32)

    def noise_weights(self, exponent=0.75):
        """Normalised noise distribution ``count**exponent / sum``, float64 (n,)."""
        exponent = float(exponent)
        if not np.isfinite(exponent):
            raise EmbedError(f"noise exponent must be a finite number, got {exponent}")
        if len(self) == 0:
            raise EmbedError("cannot build a noise distribution over an empty vocabulary")
        w = np.power(self.counts.astype(np.float64), exponent)  # (n,)
        return w / w.sum()

    def noise_cdf(self, exponent=0.75):
        """Cumulative noise distribution, float64 (n,), last entry exactly 1.

        Draw a word with ``np.searchsorted(cdf, u, side="right")`` for a uniform
        ``u`` in [0, 1) (O(log n)).
        """
        cdf = np.cumsum(self.noise_weights(exponent))  # (n,)
        cdf /= cdf[-1]
        cdf[-1] = 1.0
        return cdf

    # -- persistence ------------------------------------------------------
    def to_dict(self):
        return {"format": _FORMAT, "version": 1, "total_words": self.total_words,
                "min_count": self.min_count, "words": self.words, "counts": self.counts.tolist()}

    @classmethod
    def from_dict(cls, d, where="vocabulary"):
        try:
            if d.get("format") != _FORMAT:
                raise ValueError("not an embed vocabulary")
            return cls(d["words"], d["counts"], d["total_words"], d.get("min_count", 1))
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise EmbedError(f"{where} is corrupt or not an embed vocabulary ({e})") from None

    def save(self, path):
        """Write the vocabulary as JSON (atomically)."""
        with atomic_write(path) as f:
            json.dump(self.to_dict(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        check_readable(path, "vocabulary file")
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise EmbedError(f"vocabulary file {path} is corrupt ({e.__class__.__name__})") from None
        return cls.from_dict(d, where=f"vocabulary file {path}")


class SymbolVocab(BaseVocab):
    """A language model's vocabulary: code points (``level="char"``) or words.

    symbols   : list[str], index -> symbol (single characters at char level)
    level     : "char" or "word"
    tokenizer : word level: the text pipeline's tokenizer name; lowercase: fold case first
    Unlike `Vocab` it has no counts, and `encode` refuses unknown symbols
    (a prompt must be expressible in the model's alphabet).
    """

    def __init__(self, symbols, level="char", tokenizer="regexp", lowercase=True):
        super().__init__(symbols)
        self.level = level
        self.tokenizer_name = tokenizer
        self.lowercase = lowercase

    def __eq__(self, other):
        return isinstance(other, SymbolVocab) and (self.level, self.symbols) == (other.level, other.symbols)

    __hash__ = None  # mutable, compared by value

    def __repr__(self):
        return f"SymbolVocab<{self.level}, {len(self)} symbols>"

    def split(self, text):
        """The symbols of `text` in order (characters, or tokens + newlines)."""
        if self.level == "char":
            return list(text)
        return tokenize_lines(text, self.tokenizer_name, self.lowercase)

    def encode(self, text, what="text"):
        """int32 ids of `text`; unknown symbols raise an EmbedError that names them."""
        if self.level == "char":
            ids = self._char_ids(text)
            if ids is not None:
                return ids
        parts = self.split(text)  # (words outside the vocabulary are named, not mapped to UNK)
        missing = self.missing(parts)
        if missing:
            shown = ", ".join(_show(m) for m in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            kind = "character" if self.level == "char" else "word"
            raise EmbedError(f"{what} has {kind}(s) not in the model's vocabulary: {shown}{more}")
        return np.array([self.index[p] for p in parts], dtype=np.int32)

    def _char_ids(self, text):
        """int32 ids of the characters of `text` through a code-point table, or None when a
        character is not in the vocabulary (or a symbol is not one character)."""
        if any(len(s) != 1 for s in self.symbols):
            return None
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")   # (n,)
        known = np.fromiter(map(ord, self.symbols), dtype=np.int64, count=len(self.symbols))
        top = int(max(points.max(initial=0), known.max(initial=0)))
        table = np.full(top + 1, -1, dtype=np.int32)       # code point -> id (-1: unknown)
        table[known] = np.arange(len(known), dtype=np.int32)
        ids = table[points]
        return None if (ids < 0).any() else ids

    def decode(self, ids):
        """Text for a sequence of ids (words joined by spaces, newlines kept)."""
        syms = [self.symbols[int(i)] for i in ids]
        if self.level == "char":
            return "".join(syms)
        out = []
        for s in syms:
            if out and out[-1] != NEWLINE and s != NEWLINE:
                out.append(" ")
            out.append(s)
        return "".join(out)

    def to_dict(self):
        """Plain data for a checkpoint's JSON."""
        return {"level": self.level, "symbols": self.symbols,
                "tokenizer": self.tokenizer_name, "lowercase": self.lowercase}

    @classmethod
    def from_dict(cls, d):
        return cls(d["symbols"], d["level"], d.get("tokenizer", "regexp"), bool(d.get("lowercase", True)))


def _show(sym):
    """A symbol the user can recognise in an error message: 'é' (U+00E9)."""
    if len(sym) == 1:
        return f"{sym!r} (U+{ord(sym):04X})"
    return repr(sym)


def tokenize_lines(text, tokenizer="regexp", lowercase=True):
    """Tokens of `text`, line by line, with a NEWLINE token after every non-empty line."""
    tok = get_tokenizer(tokenizer, lowercase=lowercase)
    out = []
    for line in text.splitlines():
        words = tok(line)
        if words:
            out.extend(words)
            out.append(NEWLINE)
    return out


def prune_counts(counts, min_reduce, ids=None):
    """Forget the words seen at most `min_reduce` times, in place; return how many went.

    word2vec's ReduceVocab: while counting with a bounded dict, the k-th
    pruning passes ``min_reduce=k``, so a word must keep reappearing to survive.

    counts : a mapping word -> count (words are deleted from it), or, with `ids`,
             an int array of counts indexed by id (pruned entries are set to 0)
    ids    : None, or a mapping word -> id into `counts` (pruned words are popped)
    """
    if ids is None:
        gone = [w for w, c in counts.items() if c <= min_reduce]
        for w in gone:
            del counts[w]
    else:
        gone = [w for w, i in ids.items() if counts[i] <= min_reduce]
        for w in gone:
            counts[ids.pop(w)] = 0
    return len(gone)


def check_vocab_settings(min_count, max_vocab_size):
    """EmbedError unless min_count >= 0 is an integer and max_vocab_size is None or >= 1."""
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise EmbedError(f"min_count must be a non-negative integer, got {min_count!r}")
    if max_vocab_size is not None and (not isinstance(max_vocab_size, (int, np.integer))
                                       or max_vocab_size < 1):
        raise EmbedError(f"max_vocab_size must be a positive integer or None, got {max_vocab_size!r}")
