"""Planted analogies shared by the word2vec tests (one process and the cluster)."""
import numpy as np
import pytest


def planted_corpus(n_entities=6, n_sentences=120, seed=0):
    """Sentences where word a<i> = entity i in role A and b<i> = entity i in role B.

    Each sentence holds the word, 4 topic words of its entity and 4 words of its
    role, so vec(a_i) ~ E_i + R_A and a_i - b_i + b_j ~ a_j is planted."""
    rng = np.random.default_rng(seed)
    sentences = []
    for i in range(n_entities):
        topic = [f"t{i}_{k}" for k in range(6)]
        for role in "ab":
            words = [f"r{role}_{k}" for k in range(6)]
            for _ in range(n_sentences):
                s = list(rng.choice(topic, 4)) + list(rng.choice(words, 4)) + [f"{role}{i}"]
                rng.shuffle(s)
                sentences.append(s)
    order = rng.permutation(len(sentences))
    return [sentences[k] for k in order]


@pytest.fixture(scope="session")
def planted_sentences():
    """`planted_corpus()`: 6 entities in roles a and b, 120 sentences each."""
    return planted_corpus()


def _analogy_accuracy(kv, n_entities=6, topn=3):
    """Share of a_i - b_i + b_j -> a_j (i != j) with a_j in the top-n (3CosAdd, inputs excluded)."""
    X = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)  # (V, D)
    idx = kv.key_to_index
    hits = total = 0
    for i in range(n_entities):
        for j in range(n_entities):
            if i == j:
                continue
            q = X[idx[f"a{i}"]] - X[idx[f"b{i}"]] + X[idx[f"b{j}"]]
            scores = X @ q  # (V,)
            scores[[idx[f"a{i}"], idx[f"b{i}"], idx[f"b{j}"]]] = -np.inf
            hits += idx[f"a{j}"] in np.argsort(-scores)[:topn]
            total += 1
    return hits / total


@pytest.fixture(scope="session")
def analogy_accuracy():
    """The function scoring a_i - b_i + b_j -> a_j on a model's KeyedVectors."""
    return _analogy_accuracy
