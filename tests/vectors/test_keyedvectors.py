"""KeyedVectors: queries on hand-made vectors (known answers), scores against gensim, unknown words."""
import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKV

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


def test_basics_and_str(royal):
    kv = royal
    assert str(kv) == "KeyedVectors<vector_size=8, 14 keys>"
    assert len(kv) == 14 and "king" in kv and "emperor" not in kv
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous
    np.testing.assert_array_equal(kv["queen"], kv.vectors[kv.key_to_index["queen"]])
    assert kv[["man", "woman"]].shape == (2, 8)
    normed = kv.get_normed_vectors()
    assert normed.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(normed, axis=1), 1.0, rtol=1e-6)
    assert kv.get_normed_vectors() is normed  # cached


def test_most_similar_3cosadd_known_answers(royal):
    kv = royal
    ans = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert ans[0][0] == "queen"
    n = kv.get_normed_vectors()
    q = n[kv.key_to_index["king"]] - n[kv.key_to_index["man"]] + n[kv.key_to_index["woman"]]
    assert ans[0][1] == pytest.approx(n[kv.key_to_index["queen"]] @ q / np.linalg.norm(q), abs=1e-6)
    assert {w for w, _ in ans}.isdisjoint({"king", "woman", "man"})  # inputs never answered
    assert kv.most_similar(positive=["paris", "italy"], negative=["france"], topn=1)[0][0] == "rome"
    scores = [s for _, s in kv.most_similar("apple", topn=5)]
    assert scores == sorted(scores, reverse=True)
    assert kv.most_similar("apple", topn=2)[0][0] in {"pear", "banana"}
    # a single string is one positive word; a vector works too
    assert kv.most_similar("king", topn=1) == kv.most_similar(["king"], topn=1)
    assert kv.most_similar([kv["queen"]], topn=1)[0][0] == "queen"
    # restrict_vocab: only the first N words are candidates
    assert all(kv.key_to_index[w] < 4 for w, _ in kv.most_similar("prince", topn=3, restrict_vocab=4))


def test_most_similar_matches_gensim_scores():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)]
    vecs = rng.standard_normal((300, 16)).astype(np.float32)
    ours, theirs = KeyedVectors(words, vecs), GensimKV(16)
    theirs.add_vectors(words, vecs)
    for pos, neg in [(["w1", "w2"], ["w3"]), (["w10"], []), (["w5", "w6", "w7"], ["w8", "w9"])]:
        a = ours.most_similar(pos, neg, topn=10)
        b = theirs.most_similar(pos, neg, topn=10)
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)
        a = ours.most_similar_cosmul(pos, neg, topn=10)
        b = theirs.most_similar_cosmul(pos, neg, topn=10)
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-5, atol=1e-6)
    assert ours.similarity("w1", "w2") == pytest.approx(theirs.similarity("w1", "w2"), abs=1e-6)
    group = ["w1", "w2", "w3", "w4", "w5"]
    assert ours.doesnt_match(group) == theirs.doesnt_match(group)


def test_3cosmul_known_answer_and_method_switch(royal):
    kv = royal
    assert kv.most_similar_cosmul(["king", "woman"], ["man"], topn=1)[0][0] == "queen"
    assert kv.most_similar(["king", "woman"], ["man"], topn=2, method="mul") == \
        kv.most_similar_cosmul(["king", "woman"], ["man"], topn=2)
    # 3CosMul score of x = prod (1+cos(x,p))/2 / (prod (1+cos(x,n))/2 + 1e-6)
    n = kv.get_normed_vectors()
    cos = n @ n[[kv.key_to_index[w] for w in ("king", "woman", "man")]].T  # (14, 3)
    expected = (1 + cos[:, 0]) / 2 * (1 + cos[:, 1]) / 2 / ((1 + cos[:, 2]) / 2 + 1e-6)
    np.testing.assert_allclose(kv.most_similar(["king", "woman"], ["man"], topn=None, method="mul"),
                               expected, rtol=1e-5)
    with pytest.raises(EmbedError, match="3CosMul"):
        kv.most_similar("king", method="median")


def test_similarity_and_doesnt_match(royal):
    kv = royal
    assert kv.similarity("king", "queen") == pytest.approx(0.5, abs=1e-6)
    assert kv.similarity("man", "apple") == pytest.approx(0.0, abs=1e-6)
    assert kv.doesnt_match(["apple", "pear", "banana", "king"]) == "king"
    assert kv.doesnt_match(["paris", "rome", "madrid", "pear"]) == "pear"


def test_query_expression_answers(royal):
    kv = royal
    assert kv.query("king - man + woman", topn=1)[0][0] == "queen"
    assert kv.query("paris - france + italy", topn=1, method="mul")[0][0] == "rome"
    assert [w for w, _ in kv.query("apple", topn=2)] == [w for w, _ in kv.most_similar("apple", topn=2)]


def test_unknown_words_are_named_with_suggestions(royal):
    kv = royal
    with pytest.raises(EmbedError) as e:
        kv.query("kingg - man + womann + zzzzzz")
    msg = str(e.value)
    assert "\n" not in msg
    assert "'kingg' (did you mean 'king'?)" in msg
    assert "'womann' (did you mean 'woman'?)" in msg
    assert "'zzzzzz'" in msg and "did you mean 'zzzzzz" not in msg
    with pytest.raises(EmbedError, match="did you mean 'paris'"):
        kv.similarity("Paris", "rome")  # case variant suggested
    with pytest.raises(EmbedError, match="'nope'"):
        kv["nope"]
