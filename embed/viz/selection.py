"""Which words to draw: a chosen list, the top-N most frequent, or neighbourhoods of seed words.

`select_words` returns a `WordList`: a plain list of in-vocabulary words that
also remembers what it is (`what`, for plot titles) and, for neighbourhoods,
which seed each word belongs to (`groups`, for colouring).  Words the
vocabulary does not know are named in a notice and skipped.
"""

import numpy as np

from ..errors import EmbedError
from ..progress import notice


class WordList(list):
    """A list of words plus `what` (a description) and `groups` (seed per word, or None)."""

    def __init__(self, words, what=None, groups=None):
        super().__init__(words)
        self.what = what or f"{len(self)} words"
        self.groups = groups


def _split(words):
    """'a, b,c' or ['a', 'b'] -> ['a', 'b', 'c'] without empties."""
    if isinstance(words, str):
        words = words.split(",")
    return [w.strip() for w in words if w and w.strip()]


def resolve(kv, words, min_count=2, what="words"):
    """Keep the words `kv` knows (trying lower case too), drop repeats, name the rest.

    Raises EmbedError if fewer than `min_count` words remain.
    """
    found, missing, seen = [], [], set()
    for w in _split(words):
        key = w if w in kv.key_to_index else w.lower() if w.lower() in kv.key_to_index else None
        if key is None:
            missing.append(w)
        elif key not in seen:
            seen.add(key)
            found.append(key)
    if missing:
        shown = ", ".join(repr(w) for w in missing[:20]) + (", ..." if len(missing) > 20 else "")
        notice(f"skipping {len(missing)} word(s) not in the vocabulary: {shown}")
    if len(found) < min_count:
        raise EmbedError(f"need at least {min_count} {what} in the vocabulary, "
                         f"found {len(found)}" + (f" ({', '.join(found)})" if found else ""))
    return found


def neighbourhoods(kv, seeds, per_seed=10):
    """Each seed with its `per_seed` nearest words (cosine); a word near several seeds joins the closest.

    Returns (words, groups): seeds first, then neighbours by rank, round-robin
    over the seeds (so the most telling labels are placed first).
    """
    N = kv.get_normed_vectors()                      # (V, d)
    idx = np.array([kv.key_to_index[s] for s in seeds])
    sims = N @ N[idx].T                              # (V, s) cosine to each seed
    sims[idx, :] = -np.inf                           # seeds are not each other's neighbours
    owner = np.argmax(sims, axis=1)                  # (V,) closest seed per word
    ranked = []
    for j in range(len(seeds)):
        col = np.where(owner == j, sims[:, j], -np.inf)
        k = min(per_seed, len(col) - len(seeds))
        top = np.argpartition(-col, k - 1)[:k] if k > 0 else np.array([], dtype=int)
        top = top[np.argsort(-col[top])]
        ranked.append([int(i) for i in top if np.isfinite(col[i])])
    words, groups = list(seeds), list(seeds)
    for r in range(max((len(t) for t in ranked), default=0)):
        for j, top in enumerate(ranked):
            if r < len(top):
                words.append(kv.index_to_key[top[r]])
                groups.append(seeds[j])
    return words, groups


def select_words(kv, words=None, top=None, around=None, per_seed=10):
    """Pick the words to plot; give exactly one of `words`, `top` or `around`.

    words    : list of words (or 'a,b,c'); unknown ones are named and skipped
    top      : the `top` most frequent words (KeyedVectors keep frequency order)
    around   : seed words; each comes with its `per_seed` nearest neighbours
    Returns a `WordList`; EmbedError if fewer than 2 words remain.
    """
    given = [name for name, v in (("words", words), ("top", top), ("around", around)) if v is not None]
    if len(given) != 1:
        raise EmbedError("choose the words with exactly one of: a word list, top N, or seed words "
                         f"to plot around (got {', '.join(given) or 'none'})")
    if words is not None:
        found = resolve(kv, words)
        return WordList(found, what=f"{len(found)} chosen words")
    if top is not None:
        top = int(top)
        if top < 2:
            raise EmbedError(f"top N must be at least 2, got {top}")
        n = min(top, len(kv.index_to_key))
        if n < 2:
            raise EmbedError(f"the vocabulary has only {n} word(s); need at least 2 to plot")
        return WordList(kv.index_to_key[:n], what=f"{n} most frequent words")
    per_seed = int(per_seed)
    if per_seed < 1:
        raise EmbedError(f"neighbours per seed must be at least 1, got {per_seed}")
    seeds = resolve(kv, around, min_count=1, what="seed words")
    found, groups = neighbourhoods(kv, seeds, per_seed)
    if len(found) < 2:
        raise EmbedError("need at least 2 words to plot; the vocabulary is too small")
    quoted = ", ".join(f"'{s}'" for s in seeds)
    return WordList(found, what=f"{per_seed} nearest neighbours of {quoted}", groups=groups)


# Well-known relations for analogy pictures (the course slides' examples first).
ANALOGY_RELATIONS = {
    "capital → country": [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("madrid", "spain"),
                          ("london", "england"), ("tokyo", "japan"), ("moscow", "russia"), ("athens", "greece"),
                          ("beijing", "china"), ("cairo", "egypt")],
    "male → female": [("man", "woman"), ("king", "queen"), ("he", "she"), ("boy", "girl"),
                      ("father", "mother"), ("brother", "sister"), ("son", "daughter"), ("husband", "wife")],
    "singular → plural": [("city", "cities"), ("country", "countries"), ("man", "men"), ("child", "children"),
                          ("woman", "women"), ("year", "years"), ("day", "days"), ("war", "wars")],
}


def suggest_pairs(kv, max_pairs=6, min_pairs=3):
    """Pairs for an analogy plot: the known relation with the most pairs in the vocabulary.

    Returns (relation name, list of (a, b)) or (None, []) if no relation has
    `min_pairs` pairs the vocabulary knows.  Pairs keep their listed order
    (no picking of the pairs that happen to look best).
    """
    best, best_pairs = None, []
    for name, pairs in ANALOGY_RELATIONS.items():
        known = [(a, b) for a, b in pairs if a in kv.key_to_index and b in kv.key_to_index][:max_pairs]
        if len(known) > len(best_pairs):
            best, best_pairs = name, known
    if len(best_pairs) < min_pairs:
        return None, []
    return best, best_pairs
