"""Tables built once per vocabulary by compiled code: the alias table of the noise words, the Huffman tree.

`model.py` builds them per fit (they are cheap) and hands them to
`chunk_kernel.train_chunk`; they are compiled with the kernels (`native.py`)
so a training process needs no Numba for them either.
"""

import numpy as np

from ..jit import njit


@njit(cache=True, nogil=True, fastmath=True)
def alias_table(probs):
    """Walker/Vose alias table for a discrete distribution.

    probs : float64 (V,) summing to 1 -> (prob float32 (V,), alias int32 (V,)) such that
    drawing bucket i uniformly and keeping i with probability prob[i] (else alias[i])
    samples word i with probability probs[i]."""
    V = probs.shape[0]
    scaled = probs * V
    prob = np.ones(V, np.float32)
    alias = np.arange(V).astype(np.int32)
    small = np.empty(V, np.int64)
    large = np.empty(V, np.int64)
    ns = 0
    nl = 0
    for i in range(V):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        l = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            nl -= 1
            small[ns] = l
            ns += 1
    return prob, alias


@njit(cache=True, nogil=True)
def _pop_smallest(count, pos1, pos2):
    """(node, pos1, pos2): the smaller head of the leaf queue (count[pos1], read downwards; empty
    when pos1 < 0) and the inner-node queue (count[pos2], read upwards), with that queue advanced."""
    if pos1 >= 0 and count[pos1] < count[pos2]:
        return pos1, pos1 - 1, pos2
    return pos2, pos1, pos2 + 1


@njit(cache=True, nogil=True, fastmath=True)
def huffman_tree(counts):
    """Huffman codes for hierarchical softmax (the C tool's two-queue construction).

    counts : int64 (V,) sorted by descending count, V >= 2.
    Returns points int32 (V, L) (inner-node ids 0..V-2, root first), codes int8 (V, L)
    and code_lens int32 (V,)."""
    V = counts.shape[0]
    count = np.empty(2 * V, np.int64)
    count[:V] = counts
    count[V:] = np.iinfo(np.int64).max // 4
    parent = np.zeros(2 * V, np.int64)
    binary = np.zeros(2 * V, np.int8)
    pos1 = V - 1
    pos2 = V
    for a in range(V - 1):
        # the two smallest of the leaf queue (descending) and the inner-node queue
        min1, pos1, pos2 = _pop_smallest(count, pos1, pos2)
        min2, pos1, pos2 = _pop_smallest(count, pos1, pos2)
        count[V + a] = count[min1] + count[min2]
        parent[min1] = V + a
        parent[min2] = V + a
        binary[min2] = 1
    root = 2 * V - 2
    lens = np.zeros(V, np.int32)
    for w in range(V):
        node = w
        n = 0
        while node != root:
            n += 1
            node = parent[node]
        lens[w] = n
    L = max(1, lens.max())
    points = np.zeros((V, L), np.int32)
    codes = np.zeros((V, L), np.int8)
    for w in range(V):
        n = lens[w]
        node = w
        i = n - 1
        while node != root:           # walk up, fill root-first
            codes[w, i] = binary[node]
            points[w, i] = parent[node] - V
            node = parent[node]
            i -= 1
    return points, codes, lens
