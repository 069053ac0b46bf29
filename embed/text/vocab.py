"""The vocabulary: words by descending count, and the two distributions of word2vec.

Index ``i`` is the i-th most frequent word (ties keep first appearance), so
``counts`` is non-increasing and id 0 is the most frequent word.

Subsampling (Mikolov et al. 2013, as in word2vec.c and gensim): with
``f = count / N`` the word's share of the ``N`` in-vocabulary tokens and
``t = sample``, each occurrence is kept with probability ::

    keep(w) = min(1, sqrt(t / f) + t / f)

Negative sampling draws noise words from the smoothed unigram distribution ::

    P(w) = count(w) ** alpha / sum_v count(v) ** alpha        (alpha = 0.75)

offered as a cumulative table (binary search, O(log n) per draw) and as a
Walker/Vose alias table (O(1) per draw: one uniform index, one coin).
"""
import json
from collections import Counter

import numpy as np

from ..errors import EmbedError
from ..fileio import atomic_write, check_readable

_FORMAT = "embed.vocab"
PRUNE_FACTOR = 2  # with max_vocab_size=m, prune the counting dict when it exceeds 2m words


class Vocab:
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
        self.words = words
        self.counts = counts
        self.index = {w: i for i, w in enumerate(words)}
        if len(self.index) != len(words):
            raise EmbedError("vocabulary lists a word twice")
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
        _check_settings(min_count, max_vocab_size)
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
        _check_settings(min_count, max_vocab_size)
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
                             f"({total} tokens, {len(counts)} distinct); lower --min-count")
        return vocab

    # -- lookups ----------------------------------------------------------
    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __repr__(self):
        return f"Vocab<{len(self)} words, {self.total_words} tokens, min_count={self.min_count}>"

    def encode(self, tokens):
        """Ids of `tokens` as an int32 array; words not in the vocabulary are dropped."""
        get = self.index.get
        ids = np.fromiter((i for i in map(get, tokens) if i is not None), dtype=np.int32)
        return ids  # (k,)

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

    def noise_alias(self, exponent=0.75):
        """Alias table of the noise distribution: ``(prob float32 (n,), alias int32 (n,))``.

        To draw in O(1): ``i = randint(n)``; keep ``i`` if ``uniform() < prob[i]``,
        else take ``alias[i]``.
        """
        return alias_table(self.noise_weights(exponent))

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


def prune_counts(counts, k):
    """Forget words seen at most `k` times (in place), like word2vec's ReduceVocab."""
    for w in [w for w, c in counts.items() if c <= k]:
        del counts[w]


def alias_table(p):
    """Vose's alias method for a probability vector `p` (float64 (n,), sums to 1).

    Returns ``prob`` float32 (n,) and ``alias`` int32 (n,) such that drawing
    ``i`` uniformly and keeping it with probability ``prob[i]`` (else taking
    ``alias[i]``) draws ``j`` with probability ``p[j]``.
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.size
    scaled = p * (n / p.sum())  # (n,) mean 1
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    s = scaled.tolist()
    while small and large:
        lo, hi = small.pop(), large[-1]
        prob[lo] = s[lo]  # keep lo with prob s[lo], else give the rest of the column to hi
        alias[lo] = hi
        s[hi] -= 1.0 - s[lo]
        if s[hi] < 1.0:
            small.append(large.pop())
    # Leftovers are 1 up to rounding: their column is all theirs (prob 1, alias self).
    return prob.astype(np.float32), alias


def _check_settings(min_count, max_vocab_size):
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 0:
        raise EmbedError(f"min_count must be a non-negative integer, got {min_count!r}")
    if max_vocab_size is not None and (not isinstance(max_vocab_size, (int, np.integer))
                                       or max_vocab_size < 1):
        raise EmbedError(f"max_vocab_size must be a positive integer or None, got {max_vocab_size!r}")
