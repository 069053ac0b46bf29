"""One training step per centre word: skip-gram, CBOW, hierarchical softmax (Numba, no allocation).

These take arrays and scalars only and release the GIL, so several Python
threads can run them at once over the same weight matrices (Hogwild: rows are
updated without locks; collisions are rare and harmless for sparse SGD).
`chunk_kernel.train_chunk` calls them once per centre word.

Notation, for one centre word ``w`` with context words ``c_1..c_M`` (all within
a reduced window ``b``, drawn uniformly from ``1..window``)::

    v_c = syn0[c]      input ("word") vector,   float32 (dim,)
    u_o = syn1neg[o]   output ("context") vector for negative sampling

Skip-gram with negative sampling predicts the centre from each context word.
For one pair (c, w) and K noise words n_1..n_K drawn from unigram^0.75::

    L(c, w) = -log s(v_c . u_w) - sum_k log s(-v_c . u_nk)          s = sigmoid
    dL/dv_c = -sum_o (y_o - s(v_c . u_o)) u_o        y_w = 1, y_nk = 0
    dL/du_o = -(y_o - s(v_c . u_o)) v_c

HogBatch (Ji et al. 2016, pWord2Vec): the K noise words are shared by every
context word of one centre, so the M x (1+K) logits form a small matrix
product ``V_ctx @ U_out^T`` and each row is loaded once per centre instead of
once per pair.  Both gradients are computed from the old weights, then applied.

CBOW (mean) predicts the centre from the mean ``h = (1/M) sum_m v_cm``::

    L = -log s(h . u_w) - sum_k log s(-h . u_nk)
    dL/dh = -sum_o (y_o - s(h . u_o)) u_o,    dL/dv_cm = dL/dh / M

but, like word2vec.c and gensim (cbow_mean=1), each context vector is moved by
the whole ``-alpha dL/dh``, not by 1/M of it: the exact gradient of the mean
trains the input vectors M times slower and gives clearly worse vectors.

Hierarchical softmax replaces the 1+K outputs by the inner nodes ``p_j`` on the
Huffman path of ``w`` with bits ``d_j``: ``L = -sum_j log s((1 - 2 d_j) x . syn1[p_j])``.

Every step is plain SGD with rate ``alpha``: ``param -= alpha * dL/dparam``.
The update loops carry no ``if g != 0`` shortcut: a branch there stops LLVM
from vectorizing them and costs far more than the saturated cases save.
"""

import numpy as np

from ..jit import njit
from .primitives import log_sigmoid, node_row, sigmoid


# Reference counting.  The steps below allocate nothing, so they are compiled
# without Numba's reference counting (_nrt=False), and their loops index the
# matrices as syn0[row, d] rather than through row views (v = syn0[row]).
# Otherwise every call takes and drops a reference on each array argument, and
# every view one on its matrix, each an atomic instruction: that was a quarter of
# the run time, and with two threads the shared matrices' counters bounced
# between the cores.  (train_chunk, which allocates its scratch, keeps them:
# once per chunk.)

# Register tiling.  A dot product or update of one row pair per pass over d loads
# two rows for one multiply-add per element; the passes below take two context
# rows and three output rows at once (six products for five row reads), for the
# logits and for both gradient products.  The blocks are padded (a context row
# repeated, the centre repeated as an output) and the padding gets zero errors,
# so it costs a few wasted products and changes nothing else.  Every gradient is
# computed from the weights as they were before the step (the inputs are moved last).

@njit(inline="always")
def _pad_to_triples(outs, n_out):
    """Pad outs[n_out:] up to a multiple of 3 with copies of outs[0], so the steps can take
    3 outputs per pass (the padded logits are computed and ignored); returns the padded count."""
    n3 = ((n_out + 2) // 3) * 3
    for k in range(n_out, n3):
        outs[k] = outs[0]
    return n3


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def sg_ns_step(syn0, syn1neg, ctx, n_ctx, outs, n_out, alpha, sig_table, logsig_table, logits, grad):
    """HogBatch skip-gram step for one centre word; returns the summed loss of its n_ctx pairs.

    syn0, syn1neg : float32 (V, D), updated in place
    ctx  : int32 (>= n_ctx + 1,)  context word ids (inputs); one slot of room for padding
    outs : int32 (>= n_out + 2,)  outs[0] = centre word (label 1), then the shared noise words
        (label 0); two slots of room for padding
    logits : float32 (>= n_ctx + 1, >= n_out + 2) scratch; grad : float32 (>= n_ctx + 1, D) scratch
    """
    D = syn0.shape[1]
    loss = 0.0
    m2 = n_ctx + (n_ctx & 1)                 # contexts padded to pairs
    if m2 > n_ctx:
        ctx[n_ctx] = ctx[0]
    n3 = _pad_to_triples(outs, n_out)        # outputs padded to triples
    # logits, 2 contexts x 3 outputs per pass                               # (M, 1+K)
    for m in range(0, m2, 2):
        c0 = ctx[m]
        c1 = ctx[m + 1]
        for k in range(0, n3, 3):
            o0 = outs[k]
            o1 = outs[k + 1]
            o2 = outs[k + 2]
            f00 = np.float32(0.0)
            f01 = np.float32(0.0)
            f02 = np.float32(0.0)
            f10 = np.float32(0.0)
            f11 = np.float32(0.0)
            f12 = np.float32(0.0)
            for d in range(D):
                a0 = syn0[c0, d]
                a1 = syn0[c1, d]
                b0 = syn1neg[o0, d]
                b1 = syn1neg[o1, d]
                b2 = syn1neg[o2, d]
                f00 += a0 * b0
                f01 += a0 * b1
                f02 += a0 * b2
                f10 += a1 * b0
                f11 += a1 * b1
                f12 += a1 * b2
            logits[m, k] = f00
            logits[m, k + 1] = f01
            logits[m, k + 2] = f02
            logits[m + 1, k] = f10
            logits[m + 1, k + 1] = f11
            logits[m + 1, k + 2] = f12
    # output errors g = alpha (y - s(v_c . u_o)), zero on the padding        # (M, 1+K)
    for m in range(m2):
        for k in range(n3):
            f = logits[m, k]
            if m >= n_ctx or k >= n_out:
                logits[m, k] = 0.0
            elif k == 0:
                loss -= log_sigmoid(f, logsig_table)
                logits[m, k] = alpha * (1.0 - sigmoid(f, sig_table))
            else:
                loss -= log_sigmoid(-f, logsig_table)
                logits[m, k] = -alpha * sigmoid(f, sig_table)
    # input gradients from the old outputs: grad = G @ U_out, 2 x 3 per pass   # (M, D)
    for m in range(0, m2, 2):
        for k in range(0, n3, 3):
            o0 = outs[k]
            o1 = outs[k + 1]
            o2 = outs[k + 2]
            g00 = logits[m, k]
            g01 = logits[m, k + 1]
            g02 = logits[m, k + 2]
            g10 = logits[m + 1, k]
            g11 = logits[m + 1, k + 1]
            g12 = logits[m + 1, k + 2]
            if k == 0:
                for d in range(D):
                    b0 = syn1neg[o0, d]
                    b1 = syn1neg[o1, d]
                    b2 = syn1neg[o2, d]
                    grad[m, d] = g00 * b0 + g01 * b1 + g02 * b2
                    grad[m + 1, d] = g10 * b0 + g11 * b1 + g12 * b2
            else:
                for d in range(D):
                    b0 = syn1neg[o0, d]
                    b1 = syn1neg[o1, d]
                    b2 = syn1neg[o2, d]
                    grad[m, d] += g00 * b0 + g01 * b1 + g02 * b2
                    grad[m + 1, d] += g10 * b0 + g11 * b1 + g12 * b2
    # outputs from the (still old) inputs: U_out += G^T @ V_ctx, 3 outputs x 2 contexts per pass
    for k in range(0, n3, 3):
        o0 = outs[k]
        o1 = outs[k + 1]
        o2 = outs[k + 2]
        for m in range(0, m2, 2):
            g00 = logits[m, k]
            g01 = logits[m, k + 1]
            g02 = logits[m, k + 2]
            g10 = logits[m + 1, k]
            g11 = logits[m + 1, k + 1]
            g12 = logits[m + 1, k + 2]
            c0 = ctx[m]
            c1 = ctx[m + 1]
            for d in range(D):
                a0 = syn0[c0, d]
                a1 = syn0[c1, d]
                syn1neg[o0, d] += g00 * a0 + g10 * a1
                syn1neg[o1, d] += g01 * a0 + g11 * a1
                syn1neg[o2, d] += g02 * a0 + g12 * a1
    # then the inputs
    for m in range(n_ctx):
        c = ctx[m]
        for d in range(D):
            syn0[c, d] += grad[m, d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def hs_step(syn1, x, points, codes, w, n_code, first, base, alpha, sig_table, logsig_table, err):
    """Hierarchical softmax for one input vector x (float32 (D,)) and the Huffman path of word w.

    points : int32 (V, L) inner-node ids, codes : int8 (V, L) bits; the path of w is row w, n_code long.
    first, base : nodes p >= first train on this thread's rows base + p - first (`node_row`;
    first = syn1's V - 1 shared rows: none).
    Updates syn1 in place, ADDS alpha * (-dL/dx) to err (float32 (D,)), returns the loss."""
    D = x.shape[0]
    loss = 0.0
    for j in range(n_code):
        p = node_row(points[w, j], first, base)
        f = np.float32(0.0)
        for d in range(D):
            f += x[d] * syn1[p, d]
        if codes[w, j] == 0:     # label 1: -log s(f)
            loss -= log_sigmoid(f, logsig_table)
            g = np.float32(alpha * (1.0 - sigmoid(f, sig_table)))   # float32 (see cbow_step)
        else:                    # label 0: -log s(-f)
            loss -= log_sigmoid(-f, logsig_table)
            g = np.float32(-alpha * sigmoid(f, sig_table))
        for d in range(D):
            err[d] += g * syn1[p, d]
            syn1[p, d] += g * x[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def cbow_step(syn0, syn1neg, syn1, ctx, n_ctx, outs, n_out, points, codes, w, n_code, first, base, alpha,
              sig_table, logsig_table, h, err, logits):
    """CBOW (mean of context) step for one centre word; returns its loss (one pair).

    The outputs take an exact SGD step; each context row moves by -alpha dL/dh (word2vec's rule).

    outs[0] = centre, outs[1:n_out] = noise words (n_out = 0 turns negative sampling off), with
    two slots of room for padding; points/codes row w, n_code long = the centre's Huffman path
    (n_code = 0 turns hierarchical softmax off; first, base: its private nodes, see hs_step).
    h, err : float32 (D,) scratch; logits : float32 (>= n_out + 2,) scratch."""
    D = syn0.shape[1]
    inv = np.float32(1.0 / n_ctx)
    m2 = n_ctx - (n_ctx & 1)
    if m2 == n_ctx:
        for d in range(D):
            h[d] = 0.0
    else:
        c = ctx[m2]
        for d in range(D):
            h[d] = syn0[c, d]
    for m in range(0, m2, 2):                # two context rows per pass
        c0 = ctx[m]
        c1 = ctx[m + 1]
        for d in range(D):
            h[d] += syn0[c0, d] + syn0[c1, d]
    for d in range(D):
        h[d] *= inv                                                         # (D,) mean
        err[d] = 0.0
    loss = 0.0
    # logits of 3 outputs per pass over h, from the old outputs (padded with copies of the centre)
    n3 = _pad_to_triples(outs, n_out)
    for k in range(0, n3, 3):
        o0 = outs[k]
        o1 = outs[k + 1]
        o2 = outs[k + 2]
        f0 = np.float32(0.0)
        f1 = np.float32(0.0)
        f2 = np.float32(0.0)
        for d in range(D):
            x = h[d]
            f0 += x * syn1neg[o0, d]
            f1 += x * syn1neg[o1, d]
            f2 += x * syn1neg[o2, d]
        logits[k] = f0
        logits[k + 1] = f1
        logits[k + 2] = f2
    for k in range(n3):
        f = logits[k]
        if k >= n_out:
            logits[k] = 0.0
        elif k == 0:
            loss -= log_sigmoid(f, logsig_table)
            logits[k] = alpha * (1.0 - sigmoid(f, sig_table))
        else:
            loss -= log_sigmoid(-f, logsig_table)
            logits[k] = -alpha * sigmoid(f, sig_table)
    # errors from the old outputs, then the outputs, 3 per pass
    for k in range(0, n3, 3):
        o0 = outs[k]
        o1 = outs[k + 1]
        o2 = outs[k + 2]
        g0 = logits[k]
        g1 = logits[k + 1]
        g2 = logits[k + 2]
        for d in range(D):
            x = h[d]
            err[d] += g0 * syn1neg[o0, d] + g1 * syn1neg[o1, d] + g2 * syn1neg[o2, d]
            syn1neg[o0, d] += g0 * x
            syn1neg[o1, d] += g1 * x
            syn1neg[o2, d] += g2 * x
    if n_code > 0:
        loss += hs_step(syn1, h, points, codes, w, n_code, first, base, alpha, sig_table, logsig_table, err)
    # every context vector gets the whole error of h (see the module docstring)
    for m in range(n_ctx):
        c = ctx[m]
        for d in range(D):
            syn0[c, d] += err[d]
    return loss
