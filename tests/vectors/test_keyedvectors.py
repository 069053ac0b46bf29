"""KeyedVectors queries: every unknown word of a query is named."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.vectors.keyedvectors import KeyedVectors


def small():
    words = ["france", "paris", "italy", "rome"]
    return KeyedVectors(words, np.eye(4, dtype=np.float32))


@pytest.mark.parametrize("query,missing", [
    ("france - xyz + abc", ["'xyz'", "'abc'"]),
    ("qqq - zzz + paris", ["'qqq'", "'zzz'"]),
    ("france - paris + rome - nope", ["'nope'"]),
])
def test_analogy_names_every_unknown_word_positive_and_negative(query, missing):
    with pytest.raises(EmbedError) as e:
        small().query(query)
    message = str(e.value)
    assert "\n" not in message
    for word in missing:
        assert word in message


def test_most_similar_with_unknown_negative_only():
    with pytest.raises(EmbedError, match="'xyz'"):
        small().most_similar(positive=["france"], negative=["xyz"])


def test_similar_never_lists_a_word_twice():
    # built directly from a list with repeats: the later rows are never shown
    kv = KeyedVectors(["a", "b", "b", "c", "b"],
                      np.array([[1, 0], [1, 0.1], [1, 0.1], [0, 1], [1, 0.05]], np.float32))
    words = [w for w, _ in kv.most_similar("a", topn=3)]
    assert words == ["b", "c"]
    assert [w for w, _ in kv.most_similar("a", topn=1)] == ["b"]
