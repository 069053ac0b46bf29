"""Word2Vec's repr: one short line that says the mode, size and whether it is fitted (a notebook shows it)."""
from embed.word2vec.model import Word2Vec


def test_repr_before_and_after_fit():
    model = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, seed=1, sg=False)
    assert repr(model) == "Word2Vec<CBOW, vector_size=8, vocab=unfitted>"
    model.fit([["a", "b", "c"] * 10] * 10)
    text = repr(model)
    assert text.startswith("Word2Vec<CBOW, vector_size=8, vocab=3") and "\n" not in text
    assert repr(model.wv) == "KeyedVectors<vector_size=8, 3 keys>"
