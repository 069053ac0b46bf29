"""The demo's steps on hand-made vectors whose analogies have known answers."""
import os

import numpy as np

from embed.vectors.keyedvectors import KeyedVectors
from embed.word2vec import demo


def built_vectors(drop=()):
    """country = u_X + c, capital = u_X + k; king = r + m, queen = r + w, man = m, woman = w (d = 40)."""
    rng = np.random.default_rng(0)
    base = {name: rng.normal(size=40) for name in ("fr", "it", "de", "royal", "c", "k", "m", "w")}
    vecs = {"france": base["fr"] + base["c"], "paris": base["fr"] + base["k"],
            "italy": base["it"] + base["c"], "rome": base["it"] + base["k"],
            "germany": base["de"] + base["c"], "berlin": base["de"] + base["k"],
            "king": base["royal"] + base["m"], "queen": base["royal"] + base["w"],
            "man": base["m"], "woman": base["w"]}
    for name in "abcdefgh":  # filler words, far from everything
        vecs[f"filler_{name}"] = rng.normal(size=40) * 3
    words = [w for w in vecs if w not in drop]
    return KeyedVectors(words, np.array([vecs[w] for w in words], dtype=np.float32))


def test_analogies_are_answered_in_order_with_the_rank_of_the_expected_word():
    answers = demo.answer_analogies(built_vectors(), count=3, topn=3)
    assert [a.expression for a in answers] == ["france - paris + rome", "king - man + woman",
                                               "berlin - germany + france"]
    assert [a.answers[0][0] for a in answers] == ["italy", "queen", "paris"]
    assert [a.rank for a in answers] == [1, 1, 1] and all(len(a.answers) == 3 for a in answers)


def test_the_headline_analogy_says_which_words_are_missing_and_others_are_skipped():
    answers = demo.answer_analogies(built_vectors(drop=("paris",)), count=3)
    assert answers[0].expression == "france - paris + rome"
    assert answers[0].missing == ["paris"] and answers[0].answers == [] and answers[0].rank is None
    # berlin - germany + france expects 'paris', which is gone: asked, but the rank is None
    asked = [a.expression for a in answers[1:]]
    assert asked == ["king - man + woman", "berlin - germany + france"]
    assert answers[2].rank is None


def test_neighbours_and_epochs():
    near = demo.neighbours(built_vectors(), count=2, topn=2)
    assert list(near) == ["france", "king"] and all(len(v) == 2 for v in near.values())
    assert demo.default_epochs(1_999_999) == 10 and demo.default_epochs(2_000_000) == 5
    assert demo.default_workers(1_999_999) == 1 and demo.default_workers(2_000_000) == (os.cpu_count() or 1)


def test_analogy_plot_needs_two_pairs(tmp_path):
    kv = built_vectors(drop=("berlin", "rome", "king", "queen"))  # only paris:france, man:woman left
    assert demo.analogy_plot(kv, str(tmp_path)) is None
    path = demo.analogy_plot(built_vectors(), str(tmp_path))
    assert path == str(tmp_path / "analogies.png") and (tmp_path / "analogies.png").stat().st_size > 1000


def test_encode_runs_the_compiled_pass_and_gives_the_python_pass_corpus(tmp_path, private_cache, compiled_passes):
    from embed.text.corpus import encode_corpus

    f = tmp_path / "c.txt"
    rng = np.random.default_rng(3)
    words = ["the", "paris", "France", "caf\u00e9", "don't", "state-of-the-art", "a", "b"]
    f.write_text("\n".join(" ".join(rng.choice(words, int(rng.integers(1, 12)))) for _ in range(300)) + "\n")
    fast = demo.encode(str(f))
    assert compiled_passes == [True]
    slow = encode_corpus(str(f), min_count=demo.MIN_COUNT, progress=False)   # no kernels: the Python pass
    assert compiled_passes == [True] and fast.vocab.words == slow.vocab.words and len(fast.vocab) >= 6
    assert fast.vocab.counts.tolist() == slow.vocab.counts.tolist() and fast.n_shards == slow.n_shards
    for i in range(fast.n_shards):
        for x, y in zip(fast.shard(i), slow.shard(i)):
            assert np.array_equal(x, y)
    fast.close()
    slow.close()
