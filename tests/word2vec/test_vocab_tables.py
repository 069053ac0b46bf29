"""The tables built once per vocabulary (vocab_tables.py): Walker's alias table, the Huffman tree."""
import numpy as np
import pytest

from embed.word2vec import vocab_tables


@pytest.mark.parametrize("seed", [0, 1])
def test_alias_table_reproduces_the_distribution(seed):
    rng = np.random.default_rng(seed)
    p = rng.random(50) ** 3
    p /= p.sum()
    prob, alias = vocab_tables.alias_table(p)
    # mass of word j: its own bucket's keep share plus the rest of every bucket aliased to it
    mass = prob.astype(np.float64).copy()
    np.add.at(mass, alias, 1.0 - prob)
    np.testing.assert_allclose(mass / len(p), p, atol=1e-6)


def test_huffman_tree_is_an_optimal_prefix_code():
    import heapq

    counts = np.array([50, 30, 20, 10, 10, 5, 3, 1], np.int64)
    points, codes, lens = vocab_tables.huffman_tree(counts)
    words = ["".join(str(c) for c in codes[w, :lens[w]]) for w in range(len(counts))]
    for a in words:  # prefix-free
        assert sum(b.startswith(a) for b in words) == 1
    assert sum(2.0 ** -lens) == pytest.approx(1.0)  # full binary tree
    assert (np.diff(lens) >= 0).all()  # frequent words get short codes
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    assert int((counts * lens).sum()) == cost  # optimal expected length
    assert (points[:, 0] == len(counts) - 2).all()  # every path starts at the root
    assert points.max() == len(counts) - 2 and points.min() == 0
