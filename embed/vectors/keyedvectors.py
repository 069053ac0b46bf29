"""KeyedVectors: trained word vectors, separate from the trainer (``model.wv``).

The query names are gensim's, which users already know::

    kv.most_similar(positive=["france", "rome"], negative=["paris"], topn=5)
    kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"])
    kv.query("france - paris + rome")
    kv.similarity("cat", "dog"); kv.doesnt_match(["cat", "dog", "car"])

Similarities are cosines between unit vectors ``u_i = v_i / |v_i|`` (cached,
float32).  A query costs one matrix-vector product and an argpartition.

3CosAdd (Mikolov et al. 2013), the default::

    answer = argmax_x  cos(x, sum_p u_p - sum_n u_n)        (x not a query word)

3CosMul (Levy & Goldberg 2014), with cosines shifted into [0, 1]::

    answer = argmax_x  prod_p (1 + cos(x, p))/2 / (prod_n (1 + cos(x, n))/2 + 1e-6)
"""
import os

import numpy as np

from ..errors import EmbedError
from ..fileio import check_readable
from ..filekinds import check_kind
from . import formats
from .query import parse_expression, unknown_words_error

_COSMUL_EPS = 1e-6  # keeps 3CosMul finite when a negative word is opposite to x


def _words_of(items):
    """The words (strings) among query items: a word, a vector, or a list of words / vectors."""
    if items is None:
        return []
    if isinstance(items, (str, np.ndarray)):
        items = [items]
    return [x for x in items if isinstance(x, str)]


class KeyedVectors:
    """Words and their vectors.

    Parameters
    ----------
    index_to_key : list[str], words in index order (most frequent first)
    vectors : float array of shape (n, d), stored as float32 C-contiguous
    counts : optional int array of shape (n,), corpus counts per word
    """

    def __init__(self, index_to_key, vectors, counts=None):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise EmbedError(f"vectors must be a 2-D array (n_words, dim), got shape {vectors.shape}")
        self.index_to_key = list(index_to_key)
        if len(self.index_to_key) != vectors.shape[0]:
            raise EmbedError(f"{len(self.index_to_key)} words but {vectors.shape[0]} vectors")
        self.vectors = vectors  # (n, d)
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.key_to_index = {}
        for i, w in enumerate(self.index_to_key):
            self.key_to_index.setdefault(w, i)  # a duplicate keeps its first (most frequent) row
        self._normed = None
        self.undecodable_words_ = 0  # set by load(): words that were not valid UTF-8

    # ------------------------------------------------------------------ basics
    @property
    def vector_size(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, word):
        return word in self.key_to_index

    def __str__(self):
        return f"KeyedVectors<vector_size={self.vector_size}, {len(self)} keys>"

    __repr__ = __str__

    def get_index(self, word):
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            raise unknown_words_error([word], self.key_to_index, self.index_to_key) from None

    def indices(self, words):
        """Indices of `words`, or one EmbedError naming every unknown word."""
        unknown = [w for w in words if w not in self.key_to_index]
        if unknown:
            raise unknown_words_error(unknown, self.key_to_index, self.index_to_key)
        return [self.key_to_index[w] for w in words]

    def get_vector(self, word, norm=False):
        i = self.get_index(word)
        return self.get_normed_vectors()[i] if norm else self.vectors[i]

    def __getitem__(self, words):
        if isinstance(words, str):
            return self.get_vector(words)
        return self.vectors[self.indices(list(words))]  # (k, d)

    def get_normed_vectors(self):
        """Unit-length rows, float32 (n, d), computed once (zero rows stay zero)."""
        if self._normed is None or self._normed.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)  # (n, 1)
            norms[norms == 0] = 1.0
            self._normed = np.ascontiguousarray(self.vectors / norms, dtype=np.float32)
        return self._normed

    def fill_norms(self, force=False):  # gensim's name
        if force:
            self._normed = None
        self.get_normed_vectors()

    # ------------------------------------------------------------------ queries
    def _terms(self, items):
        """Split query items into known word indices and unit vectors (k, d)."""
        if items is None:
            return [], []
        if isinstance(items, (str, np.ndarray)):
            items = [items]
        normed = self.get_normed_vectors()
        words = [x for x in items if isinstance(x, str)]
        idx = self.indices(words)
        vecs, it = [], iter(idx)
        for x in items:
            if isinstance(x, str):
                vecs.append(normed[next(it)])
            else:
                v = np.asarray(x, dtype=np.float32).reshape(-1)
                if v.shape[0] != self.vector_size:
                    raise EmbedError(f"query vector has {v.shape[0]} values, expected {self.vector_size}")
                n = np.linalg.norm(v)
                vecs.append(v / n if n > 0 else v)
        return idx, vecs

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None, method="add"):
        """The `topn` words closest to sum(positive) - sum(negative).

        positive, negative : a word, a vector, or a list of words / vectors.
        restrict_vocab : only consider the first (most frequent) N words.
        method : "add" (3CosAdd) or "mul" (3CosMul).
        Query words themselves are never returned.  Returns [(word, score)],
        best first; with topn=None the float32 scores of all candidates.
        """
        self.indices(_words_of(positive) + _words_of(negative))  # one error naming every unknown word
        pos_idx, pos = self._terms(positive)
        neg_idx, neg = self._terms(negative)
        if not pos and not neg:
            raise EmbedError("most_similar needs at least one positive or negative word")
        if method not in ("add", "mul"):
            raise EmbedError(f"unknown similarity method {method!r}: use 'add' (3CosAdd) or 'mul' (3CosMul)")
        normed = self.get_normed_vectors()
        limit = len(self) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(self)))
        cand = normed[:limit]  # (m, d)
        if method == "add":
            q = np.sum(pos, axis=0) if pos else np.zeros(self.vector_size, np.float32)
            if neg:
                q = q - np.sum(neg, axis=0)
            norm = np.linalg.norm(q)
            scores = cand @ (q / norm if norm > 0 else q)  # (m,)
        else:
            shifted_pos = (1.0 + cand @ np.stack(pos, axis=1)) / 2 if pos else np.ones((limit, 1), np.float32)
            num = np.prod(shifted_pos, axis=1)  # (m,)
            den = np.prod((1.0 + cand @ np.stack(neg, axis=1)) / 2, axis=1) if neg else 1.0
            scores = (num / (den + _COSMUL_EPS)).astype(np.float32)  # (m,)
        if topn is None:
            return scores
        topn = int(topn)
        if topn < 1:
            raise EmbedError(f"topn must be at least 1, got {topn}")
        exclude = [i for i in set(pos_idx) | set(neg_idx) if i < limit]
        k = min(topn + len(exclude), limit)
        if k == 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k] if k < limit else np.arange(limit)
        best = best[np.argsort(-scores[best], kind="stable")]
        skip = set(exclude)
        out = []
        for i in best:
            word = self.index_to_key[i]
            # a word given twice (KeyedVectors built from a list with repeats) is listed once, by its first row
            if i not in skip and self.key_to_index[word] == i:
                out.append((word, float(scores[i])))
        if len(out) < topn and k < limit and len(set(self.index_to_key[:limit])) < limit:
            return self._most_similar_all(scores, skip, limit, topn)
        return out[:topn]

    def _most_similar_all(self, scores, skip, limit, topn):
        """Slow path for vocabularies with repeated words: rank every candidate."""
        order = np.argsort(-scores, kind="stable")
        out = [(self.index_to_key[i], float(scores[i])) for i in order
               if i not in skip and self.key_to_index[self.index_to_key[i]] == i]
        return out[:topn]

    def most_similar_cosmul(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """3CosMul analogy (Levy & Goldberg 2014); see `most_similar`."""
        return self.most_similar(positive, negative, topn, restrict_vocab, method="mul")

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        return self.most_similar([np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def query(self, expression, topn=10, method="add", restrict_vocab=None):
        """Answer 'france - paris + rome' (or one word: its neighbours)."""
        positive, negative = parse_expression(expression)
        return self.most_similar(positive, negative, topn=topn, restrict_vocab=restrict_vocab,
                                 method=method)

    def similarity(self, w1, w2):
        """Cosine similarity of two words."""
        i, j = self.indices([w1, w2])
        normed = self.get_normed_vectors()
        return float(normed[i] @ normed[j])

    def n_similarity(self, words1, words2):
        """Cosine between the means of two word sets (gensim's name)."""
        normed = self.get_normed_vectors()
        a = normed[self.indices(list(words1))].mean(axis=0)
        b = normed[self.indices(list(words2))].mean(axis=0)
        den = np.linalg.norm(a) * np.linalg.norm(b)
        return float(a @ b / den) if den > 0 else 0.0

    def doesnt_match(self, words):
        """The word farthest from the mean of the others' unit vectors."""
        words = list(words)
        if len(words) < 2:
            raise EmbedError("doesnt_match needs at least two words")
        normed = self.get_normed_vectors()[self.indices(words)]  # (k, d)
        mean = normed.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return words[int(np.argmin(normed @ mean))]

    # ------------------------------------------------------------------ evaluation
    def evaluate_analogies(self, path, restrict_vocab=300000, case_insensitive=True):
        """Accuracy on a questions-words file; see `embed.vectors.evaluation`."""
        from .evaluation import evaluate_analogies
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab,
                                  case_insensitive=case_insensitive)

    def evaluate_word_pairs(self, path, restrict_vocab=300000, case_insensitive=True, delimiter="\t"):
        """Spearman / Pearson against human similarity scores (WordSim353, SimLex-999)."""
        from .evaluation import evaluate_word_pairs
        return evaluate_word_pairs(self, path, restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive, delimiter=delimiter)

    # ------------------------------------------------------------------ files
    def save_word2vec_format(self, path, binary=None, kernels=None):
        """word2vec text or binary; binary=None picks from the suffix (.bin / .txt / .vec).
        kernels: optional compiled kernels for the text numbers (`formats.write_word2vec`)."""
        if binary is None:
            binary = formats.format_from_suffix(path) == "binary"
        formats.write_word2vec(path, self.index_to_key, self.vectors, binary=bool(binary), kernels=kernels)

    save = save_word2vec_format

    def save_glove(self, path):
        """GloVe text format (no header line)."""
        formats.write_glove(path, self.index_to_key, self.vectors)

    def export_projector(self, folder):
        """TensorBoard projector files; returns (vectors.tsv, metadata.tsv) paths."""
        return formats.write_projector(folder, self.index_to_key, self.vectors)

    @classmethod
    def load(cls, path, format=None):
        """Read word2vec text / binary or GloVe; format=None sniffs the file."""
        words, vectors, bad = formats.read_vectors(os.fspath(path), fmt=format)
        kv = cls(words, vectors)
        kv.undecodable_words_ = bad
        return kv

    @classmethod
    def load_word2vec_format(cls, path, binary=None):
        """gensim's name; binary=None sniffs."""
        return cls.load(path, None if binary is None else ("binary" if binary else "text"))


def load_vectors(path, what="vectors file"):
    """`KeyedVectors.load(path)` after checking that `path` is a readable vectors file (one-line
    errors; another of embed's files, e.g. a language model, is named as such)."""
    return KeyedVectors.load(check_readable(check_kind(path, "vectors"), what))
