"""The demo's steps: pick a corpus, train skip-gram, answer analogies, measure, draw.

Each step is a small function returning data; `embed demo` (embed/cli/demo.py)
calls them in order and prints what they return.  A new step (a download, another
plot) is one more function here and one more call there.
"""
import os
from dataclasses import dataclass

from ..errors import EmbedError

# (expression, expected answer) tried in order; the demo shows france - paris + rome
# and the first two others whose words are all in the vocabulary.
ANALOGIES = [
    ("france - paris + rome", "italy"),
    ("king - man + woman", "queen"),
    ("berlin - germany + france", "paris"),
    ("brother - man + woman", "sister"),
    ("london - england + japan", "tokyo"),
    ("bigger - big + small", "smaller"),
    ("walking - walk + swim", "swimming"),
    ("he - his + her", "she"),
]
# Simpler analogies whose words the ~520k-word offline corpus has and answers better than the
# classic three (its ranks are in the README), shown after those when they are not all answered.
EASY_ANALOGIES = [
    ("germany - berlin + paris", "france"),
    ("father - man + woman", "mother"),
    ("he - his + her", "she"),
    ("men - man + woman", "women"),
    ("china - chinese + japanese", "japan"),
    ("europe - france + japan", "asia"),
]
CAPITALS = [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("london", "england"),
            ("madrid", "spain"), ("tokyo", "japan"), ("athens", "greece"), ("moscow", "russia")]
GENDER = [("man", "woman"), ("king", "queen"), ("he", "she"), ("boy", "girl"), ("father", "mother")]
CLUSTER_SEEDS = ["france", "war", "music", "computer", "church", "january", "three", "water", "king",
                 "city", "river", "game"]
NEIGHBOUR_WORDS = ["france", "king", "music", "computer", "water"]
SMALL_CORPUS_WORDS = 10_000_000  # below this, analogy answers are rough for any trainer
SHORT_RUN_WORDS = 2_000_000      # below this: 10 epochs, on one thread (answers that repeat exactly)
MIN_COUNT = 5
WINDOW = 5
NEGATIVE = 5


@dataclass
class AnalogyAnswer:
    """One demo analogy: the top answers, or the words that stop it being asked."""
    expression: str
    expected: str
    answers: list   # [(word, score)] best first; empty when words are missing
    missing: list   # query words not in the vocabulary

    @property
    def rank(self):
        """1-based rank of the expected word among the answers, or None."""
        return next((i for i, (w, _) in enumerate(self.answers, 1) if w == self.expected), None)


def choose_corpus(path=None, download=True, url=None, show_progress=None):
    """``(path, description, note)`` of the corpus to train on.

    `path` if given; else text8 if it is in an EMBED_DATA folder or the cache,
    or can be downloaded there (`download`; `url` overrides where from); else
    the offline corpus.  `note` is one line saying why text8 was not used, or None.
    """
    if path:
        from ..fileio import check_readable
        return check_readable(path, "corpus file"), "given", None
    from ..data import default_corpus, fetch, find
    note = None
    if find("text8", where=("data", "cache")) is None:
        if not download:
            note = "text8 not here and downloads are off: training on the offline corpus instead"
        else:
            try:
                fetch("text8", url=url, show_progress=show_progress)
            except EmbedError as e:  # offline, server down, bad checksum: the offline corpus still works
                note = f"text8 not downloaded ({e}): training on the offline corpus instead"
    path, description = default_corpus()
    return path, description, note


def encode(path):
    """The encoded corpus (kept in the corpus cache, so a second demo starts at once); the
    vocabulary pass runs compiled, as in `train_on_file`."""
    from ..text.corpus import encode_corpus
    from . import native
    return encode_corpus(path, min_count=MIN_COUNT, cache=True, kernels=native.load())


def default_epochs(n_words):
    """More passes over a small corpus: 10 under 2M words, else 5."""
    return 10 if n_words < SHORT_RUN_WORDS else 5


def default_workers(n_words):
    """Threads for the demo's training: 1 under 2M words, else every core.

    Several threads update shared vectors without locks (Hogwild), so each run
    differs a little, and on a small corpus that moves the expected words by a
    rank or more between runs.  One thread with the fixed seed gives the same
    vectors, so the same answers, on every run, and costs about a second on the
    offline corpus; on text8 a second thread saves half a minute and its
    answers are stable anyway.
    """
    return 1 if n_words < SHORT_RUN_WORDS else max(1, os.cpu_count() or 1)


def train(corpus, vector_size=100, epochs=5, workers=None, seed=1):
    """Skip-gram with the demo's settings on an encoded corpus; returns the fitted `Word2Vec`."""
    from .model import Word2Vec
    return Word2Vec(vector_size=vector_size, window=WINDOW, negative=NEGATIVE, sg=True, min_count=MIN_COUNT,
                    sample=1e-3, epochs=epochs, workers=workers or os.cpu_count() or 1,
                    seed=seed).fit(corpus)


def answer_analogies(kv, count=3, topn=5):
    """France - paris + rome (answered or not), then the next `count` - 1 answerable analogies."""
    from ..vectors.query import parse_expression

    out = []
    for i, (expression, expected) in enumerate(ANALOGIES):
        pos, neg = parse_expression(expression)
        missing = [w for w in pos + neg if w not in kv]
        if missing:
            if i == 0:  # the headline analogy: say why it is not answered
                out.append(AnalogyAnswer(expression, expected, [], missing))
            continue
        out.append(AnalogyAnswer(expression, expected, kv.most_similar(pos, neg, topn=topn), []))
        if sum(1 for a in out if a.answers) == count:
            break
    return out


def easy_analogies(kv, count=3, topn=5):
    """The first `count` of EASY_ANALOGIES whose words are all in the vocabulary, answered."""
    from ..vectors.query import parse_expression

    out = []
    for expression, expected in EASY_ANALOGIES:
        pos, neg = parse_expression(expression)
        if all(w in kv for w in pos + neg + [expected]):
            out.append(AnalogyAnswer(expression, expected, kv.most_similar(pos, neg, topn=topn), []))
        if len(out) == count:
            break
    return out


def neighbours(kv, count=3, topn=6):
    """{word: [neighbour, ...]} for the first `count` of NEIGHBOUR_WORDS in the vocabulary."""
    words = [w for w in NEIGHBOUR_WORDS if w in kv][:count]
    return {w: [x for x, _ in kv.most_similar(w, topn=topn)] for w in words}


def questions_words_accuracy(kv):
    """`evaluate_analogies` on questions-words, or None when the file is not available."""
    from ..data import eval_file
    try:
        path = eval_file("questions-words")
    except EmbedError:
        return None
    return kv.evaluate_analogies(path) if path else None


def cluster_plot(kv, folder):
    """t-SNE of the neighbourhoods of the seed words in the vocabulary (PCA of the top 100 words
    when fewer than two are known); returns the picture's path."""
    from ..viz import plots
    from ..viz.selection import select_words

    path = os.path.join(folder, "clusters.png")
    seeds = [w for w in CLUSTER_SEEDS if w in kv][:6]
    if len(seeds) >= 2:  # t-SNE separates seed neighbourhoods better than PCA
        plots.cluster_plot(kv, select_words(kv, around=seeds, per_seed=8), path, method="tsne")
    else:
        plots.cluster_plot(kv, select_words(kv, top=100), path, method="pca")
    return path


def analogy_plot(kv, folder):
    """Capital -> country arrows (man -> woman pairs when too few capitals are known);
    returns the picture's path, or None when fewer than two pairs are in the vocabulary."""
    from ..viz import plots

    pairs = [(a, b) for a, b in CAPITALS if a in kv and b in kv][:8]
    if len(pairs) < 3:
        pairs = [(a, b) for a, b in GENDER if a in kv and b in kv]
    if len(pairs) < 2:
        return None
    path = os.path.join(folder, "analogies.png")
    plots.analogy_plot(kv, pairs, path)
    return path
