"""The chunk kernel (chunk_kernel.py): pairs, subsampling and the learning-rate schedule of one call."""
import numpy as np
import pytest

from embed.word2vec import tables
from embed.word2vec.chunk_kernel import train_chunk
from embed.word2vec.vocab_tables import alias_table, huffman_tree

SIG, LOGSIG = tables.make_tables()


def test_train_chunk_counts_pairs_and_kept_words():
    V, D = 20, 8
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, V, size=200).astype(np.int32)
    offsets = np.array([0, 50, 120, 200], np.int64)
    syn0 = rng.normal(0, 0.1, (V, D)).astype(np.float32)
    syn1neg, syn1 = np.zeros((V, D), np.float32), np.zeros((V - 1, D), np.float32)
    keep = np.ones(V, np.float32)
    prob, alias = alias_table(np.full(V, 1.0 / V))
    points, codes, lens = huffman_tree(np.arange(V, 0, -1).astype(np.int64))
    for sg, window in [(1, 1), (0, 3)]:
        stats = np.zeros(4)
        train_chunk(syn0, syn1neg, syn1, tokens, offsets, 0, 3, keep, prob, alias,
                    points, codes, lens, sg, window, 3, 0, 0.025, 0.025, 0, SIG, LOGSIG,
                    tables.seed_state(1, 0), stats, 0, 0)
        assert stats[tables.STAT_WORDS] == 200 and stats[tables.STAT_KEPT] == 200
        if sg:  # window 1: every word pairs with its neighbours inside its sentence
            assert stats[tables.STAT_PAIRS] == sum(2 * (n - 1) for n in (50, 70, 80))
        else:
            assert stats[tables.STAT_PAIRS] == 200
        assert np.isfinite(stats[tables.STAT_LOSS]) and stats[tables.STAT_LOSS] > 0
    # subsampling: keep probability 0.25 for every word keeps about a quarter
    stats = np.zeros(4)
    train_chunk(syn0, syn1neg, syn1, tokens, offsets, 0, 3, np.full(V, 0.25, np.float32),
                prob, alias, points, codes, lens, 1, 2, 3, 1, 0.025, 0.025, 0, SIG, LOGSIG,
                tables.seed_state(2, 0), stats, 0, 0)
    assert 25 <= stats[tables.STAT_KEPT] <= 75


@pytest.mark.parametrize("sg", [1, 0])
def test_learning_rate_decays_by_sentences_or_by_tokens(sg):
    """Chunk of a 10-token sentence then a 90-token one, rate alpha0 -> alpha1 = -alpha0.

    Counting sentences (gensim), the second sentence starts half-way: rate exactly 0,
    so the input rows only it uses do not move.  Counting tokens (word2vec.c), it starts
    10 % in, at 0.8 alpha0, and they do."""
    V, D = 8, 6
    rng = np.random.default_rng(4)
    tokens = np.concatenate([rng.integers(0, 4, 10), rng.integers(4, 8, 90)]).astype(np.int32)
    offsets = np.array([0, 10, 100], np.int64)
    prob, alias = alias_table(np.full(V, 1.0 / V))
    points, codes, lens = huffman_tree(np.arange(V, 0, -1).astype(np.int64))
    moved = {}
    for by_sentence in (1, 0):
        syn0 = rng.normal(0, 0.1, (V, D)).astype(np.float32)
        before = syn0.copy()
        syn1neg = rng.normal(0, 0.1, (V, D)).astype(np.float32)
        syn1 = np.zeros((V - 1, D), np.float32)
        train_chunk(syn0, syn1neg, syn1, tokens, offsets, 0, 2, np.ones(V, np.float32),
                    prob, alias, points, codes, lens, sg, 3, 4, 0, 0.05, -0.05, by_sentence,
                    SIG, LOGSIG, tables.seed_state(5, 0), np.zeros(4), 0, 0)
        assert not np.array_equal(syn0[:4], before[:4])  # the first sentence trains either way
        moved[by_sentence] = not np.array_equal(syn0[4:], before[4:])
    assert moved == {1: False, 0: True}


@pytest.mark.parametrize("sg", [1, 0])
def test_private_hot_rows_train_as_the_shared_rows_do(sg):
    """One chunk with the 5 most frequent words on this thread's private rows (below the V
    shared ones) moves the shared weights as the plain call does (up to rounding: the change
    comes back as S + (P - snapshot)), and works only in its own rows below V."""
    V, D, hot = 12, 16, 5
    rng = np.random.default_rng(7)
    tokens = rng.integers(0, V, size=300).astype(np.int32)
    offsets = np.array([0, 100, 180, 300], np.int64)
    prob, alias = alias_table(np.full(V, 1.0 / V))
    points, codes, lens = huffman_tree(np.arange(V, 0, -1).astype(np.int64))
    syn0 = rng.normal(0, 0.1, (V, D)).astype(np.float32)
    syn1neg = rng.normal(0, 0.1, (V, D)).astype(np.float32)
    results = {}
    for h in (0, hot):
        base = V + 2 * hot                              # as thread 1 of two: thread 0's block untouched
        s0 = np.full((V + 4 * hot, D), 7.0, np.float32)
        s1 = np.full((V + 4 * hot, D), 7.0, np.float32)
        s0[:V], s1[:V] = syn0, syn1neg
        stats = np.zeros(4)
        train_chunk(s0, s1, np.zeros((V - 1, D), np.float32), tokens, offsets, 0, 3, np.ones(V, np.float32),
                    prob, alias, points, codes, lens, sg, 3, 4, 0, 0.05, 0.01, 0, SIG, LOGSIG,
                    tables.seed_state(9, 0), stats, h, base if h else 0)
        assert np.all(s0[V:base] == 7.0) and np.all(s1[V:base] == 7.0)   # another thread's rows
        results[h] = (s0[:V].copy(), s1[:V].copy(), stats.copy(), s0[base:base + hot].copy())
    plain, private = results[0], results[hot]
    np.testing.assert_allclose(private[0], plain[0], atol=1e-6)
    np.testing.assert_allclose(private[1], plain[1], atol=1e-6)
    assert not np.allclose(plain[0], syn0, atol=1e-3)                  # the chunk did train
    np.testing.assert_allclose(private[2], plain[2], rtol=1e-5)         # same pairs, same loss
    np.testing.assert_allclose(private[3], plain[0][:hot], atol=1e-6)   # the copies trained as S did


def test_private_rows_merge_keeps_the_other_threads_updates():
    """S[w] += P[w] - snapshot[w]: what another thread added to a shared hot row while this
    one trained its copy stays, and this thread's change is added to it."""
    from embed.word2vec.primitives import private_rows_in, private_rows_out
    V, D, hot, base = 6, 4, 2, 6
    M = np.zeros((V + 2 * hot, D), np.float32)
    M[:V] = np.arange(V * D, dtype=np.float32).reshape(V, D)
    shared = M[:V].copy()
    private_rows_in(M, 0, hot, base)
    np.testing.assert_array_equal(M[base:base + hot], shared[:hot])          # the copies
    np.testing.assert_array_equal(M[base + hot:base + 2 * hot], shared[:hot])  # the snapshot
    M[base:base + hot] += 1.0          # this thread's training
    M[:hot] += 10.0                    # another thread's merge meanwhile
    private_rows_out(M, 0, hot, base)
    np.testing.assert_array_equal(M[:hot], shared[:hot] + 11.0)
    np.testing.assert_array_equal(M[hot:V], shared[hot:])                    # cold rows untouched


def test_private_rows_of_a_range_not_at_the_top():
    """Rows first..first+n-1 (the inner nodes nearest the Huffman root are the last rows of syn1)."""
    from embed.word2vec.primitives import private_rows_in, private_rows_out
    rows, D, first, n, base = 7, 3, 4, 3, 8
    M = np.zeros((base + 2 * n, D), np.float32)
    M[:rows] = np.arange(rows * D, dtype=np.float32).reshape(rows, D)
    shared = M[:rows].copy()
    private_rows_in(M, first, n, base)
    np.testing.assert_array_equal(M[base:base + n], shared[first:first + n])
    np.testing.assert_array_equal(M[base + n:base + 2 * n], shared[first:first + n])
    M[base:base + n] -= 2.0
    private_rows_out(M, first, n, base)
    np.testing.assert_array_equal(M[first:first + n], shared[first:first + n] - 2.0)
    np.testing.assert_array_equal(M[:first], shared[:first])


@pytest.mark.parametrize("sg", [1, 0])
def test_private_inner_nodes_train_as_the_shared_nodes_do(sg):
    """Hierarchical softmax (no negatives): with hot > 0 and room in syn1, the inner nodes
    nearest the root train on this thread's rows and merge back to what the plain call gives,
    and another thread's rows of syn1 stay untouched; without room in syn1 the call trains
    its nodes on the shared rows."""
    V, D, hot = 12, 16, 5
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, V, size=300).astype(np.int32)
    offsets = np.array([0, 100, 180, 300], np.int64)
    prob, alias = alias_table(np.full(V, 1.0 / V))
    points, codes, lens = huffman_tree(np.arange(V, 0, -1).astype(np.int64) * 10)
    syn0 = rng.normal(0, 0.1, (V, D)).astype(np.float32)
    syn1 = rng.normal(0, 0.1, (V - 1, D)).astype(np.float32)
    base = V + 2 * hot                                  # as thread 1 of two
    results = []
    for h, room in ((0, 0), (hot, V + 4 * hot), (hot, 0)):
        s0 = np.full((V + 4 * hot, D), 7.0, np.float32)
        s1neg = np.zeros((V + 4 * hot, D), np.float32)
        n1 = max(room, V - 1)
        s1 = np.full((n1, D), 7.0, np.float32)
        s0[:V], s1[:V - 1] = syn0, syn1
        stats = np.zeros(4)
        train_chunk(s0, s1neg, s1, tokens, offsets, 0, 3, np.ones(V, np.float32),
                    prob, alias, points, codes, lens, sg, 3, 0, 1, 0.05, 0.01, 0, SIG, LOGSIG,
                    tables.seed_state(4, 0), stats, h, base if h else 0)
        if room:
            assert np.all(s1[V - 1:base] == 7.0)            # another thread's rows
            assert not np.all(s1[base:base + 2 * hot] == 7.0)   # this thread's were used
        results.append((s0[:V].copy(), s1[:V - 1].copy(), stats.copy()))
    plain, private, no_room = results
    assert not np.allclose(plain[1], syn1, atol=1e-3)                  # the nodes did train
    for other in (private, no_room):
        np.testing.assert_allclose(other[0], plain[0], atol=1e-6)
        np.testing.assert_allclose(other[1], plain[1], atol=1e-6)
        np.testing.assert_allclose(other[2], plain[2], rtol=1e-5)
