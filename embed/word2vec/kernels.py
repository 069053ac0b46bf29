"""Numba kernels for word2vec: skip-gram and CBOW, negative sampling and hierarchical softmax.

The driver (`model.py`) owns allocation, schedules and threads; these functions
take arrays and scalars only and release the GIL, so several Python threads can
run them at once over the same weight matrices (Hogwild: rows are updated
without locks; collisions are rare and harmless for sparse SGD).

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
Sigmoid and log-sigmoid come from precomputed tables (`make_tables`); the
random numbers from a per-thread 48-bit linear congruential generator (the
one of java.util.Random / the C word2vec tool), whose state is an int64 array
of length 1 owned by one thread.
"""

import numpy as np
from llvmlite import ir

from ..jit import cgutils, intrinsic, njit, types
from .tables import (  # noqa: F401  (re-exported: the driver and tests read them here too)
    INV_2_32, LCG_ADD, LCG_MASK, LCG_MUL, SIG_MAX, SIG_SCALE, SIG_SIZE,
    STAT_KEPT, STAT_LOSS, STAT_PAIRS, STAT_WORDS, make_tables, seed_state)


# ---------------------------------------------------------------- small helpers

@intrinsic
def _prefetch_row(typingctx, arr, row):
    """Ask the CPU to start loading arr[row, :] (2-D C-contiguous) into cache: no effect on results.

    Noise words are random rows of a matrix far larger than L2; fetching the rows of
    the next centre's noise words while the current one is computed hides that latency."""
    sig = types.void(arr, row)

    def codegen(context, builder, signature, args):
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        r = context.cast(builder, args[1], rowty, types.intp)
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [r, zero], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        p = builder.bitcast(ptr, i8p)
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch")
        nbytes = builder.mul(builder.extract_value(ary.shape, 1),
                             context.get_constant(types.intp, aryty.dtype.bitwidth // 8))
        for j in range(16):  # one hint per 64-byte line, rows up to 1 KiB
            off = context.get_constant(types.intp, 64 * j)
            with builder.if_then(builder.icmp_signed("<", off, nbytes)):
                # (address, read, high locality, data cache)
                builder.call(fn, [builder.gep(p, [off]), ir.Constant(i32, 0), ir.Constant(i32, 3),
                                  ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def _lcg(state):
    """One LCG step: returns (new state, 32 random bits as int64)."""
    state = (state * LCG_MUL + LCG_ADD) & LCG_MASK
    return state, state >> 16


@njit(inline="always", fastmath=True)
def _sig(x, sig_table):
    if x >= SIG_MAX:
        return 1.0
    if x <= -SIG_MAX:
        return 0.0
    return sig_table[int((x + SIG_MAX) * SIG_SCALE)]


@njit(inline="always", fastmath=True)
def _logsig(x, logsig_table):
    """log sigmoid(x); exact asymptotes outside the table (0 above, x below)."""
    if x >= SIG_MAX:
        return 0.0
    if x <= -SIG_MAX:
        return x
    return logsig_table[int((x + SIG_MAX) * SIG_SCALE)]


@njit(inline="always")
def _noise_bucket(state, V):
    """A draw from Walker's alias table of V buckets: returns (new state, bucket i, uniform u).

    The 32 random bits r give both the bucket ``floor(r V / 2^32)`` and, from the
    remainder, the uniform number u that picks the bucket's own word (u < prob[i])
    or its alias.  The caller reads the two tables itself: handing the arrays to a
    helper would make Numba take a reference on them for every draw."""
    state, r = _lcg(state)
    rv = r * V
    return state, rv >> 32, (rv & 0xFFFFFFFF) * INV_2_32


# ---------------------------------------------------------------- one training step

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
                loss -= _logsig(f, logsig_table)
                logits[m, k] = alpha * (1.0 - _sig(f, sig_table))
            else:
                loss -= _logsig(-f, logsig_table)
                logits[m, k] = -alpha * _sig(f, sig_table)
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
def hs_step(syn1, x, points, codes, w, n_code, alpha, sig_table, logsig_table, err):
    """Hierarchical softmax for one input vector x (float32 (D,)) and the Huffman path of word w.

    points : int32 (V, L) inner-node ids, codes : int8 (V, L) bits; the path of w is row w, n_code long.
    Updates syn1 in place, ADDS alpha * (-dL/dx) to err (float32 (D,)), returns the loss."""
    D = x.shape[0]
    loss = 0.0
    for j in range(n_code):
        p = points[w, j]
        f = np.float32(0.0)
        for d in range(D):
            f += x[d] * syn1[p, d]
        if codes[w, j] == 0:     # label 1: -log s(f)
            loss -= _logsig(f, logsig_table)
            g = np.float32(alpha * (1.0 - _sig(f, sig_table)))   # float32 (see cbow_step)
        else:                    # label 0: -log s(-f)
            loss -= _logsig(-f, logsig_table)
            g = np.float32(-alpha * _sig(f, sig_table))
        for d in range(D):
            err[d] += g * syn1[p, d]
            syn1[p, d] += g * x[d]
    return loss


@njit(cache=True, nogil=True, fastmath=True, _nrt=False)
def cbow_step(syn0, syn1neg, syn1, ctx, n_ctx, outs, n_out, points, codes, w, n_code, alpha,
              sig_table, logsig_table, h, err, logits):
    """CBOW (mean of context) step for one centre word; returns its loss (one pair).

    The outputs take an exact SGD step; each context row moves by -alpha dL/dh (word2vec's rule).

    outs[0] = centre, outs[1:n_out] = noise words (n_out = 0 turns negative sampling off), with
    two slots of room for padding; points/codes row w, n_code long = the centre's Huffman path
    (n_code = 0 turns hierarchical softmax off).  h, err : float32 (D,) scratch;
    logits : float32 (>= n_out + 2,) scratch."""
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
            loss -= _logsig(f, logsig_table)
            logits[k] = alpha * (1.0 - _sig(f, sig_table))
        else:
            loss -= _logsig(-f, logsig_table)
            logits[k] = -alpha * _sig(f, sig_table)
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
        loss += hs_step(syn1, h, points, codes, w, n_code, alpha, sig_table, logsig_table, err)
    # every context vector gets the whole error of h (see the module docstring)
    for m in range(n_ctx):
        c = ctx[m]
        for d in range(D):
            syn0[c, d] += err[d]
    return loss


# ---------------------------------------------------------------- whole chunks

@njit(cache=True, nogil=True, fastmath=True)
def train_chunk(syn0, syn1neg, syn1, tokens, offsets, s_begin, s_end, keep,
                alias_prob, alias_idx, points, codes, code_lens,
                sg, window, negative, hs, alpha0, alpha1, by_sentence,
                sig_table, logsig_table, rng, stats):
    """Train on sentences s_begin..s_end-1 of an encoded corpus.

    tokens : int32 (n_tokens,) word ids; offsets : int64 (n_sentences+1,) sentence bounds
    keep : float32 (V,) keep probability of each word (frequent-word subsampling)
    alias_prob : float32 (V,), alias_idx : int32 (V,)  Walker alias table of the noise distribution
    points : int32 (V, L), codes : int8 (V, L), code_lens : int32 (V,)  Huffman paths (hs only)
    sg : 1 skip-gram, 0 CBOW; hs : 1 adds hierarchical softmax; negative : K noise words (0 = none)
    alpha0 -> alpha1 : learning rate at the start / end of the chunk, linear in the chunk's
        tokens (by_sentence=0) or in its sentences (by_sentence=1); constant within a sentence
    rng : int64 (1,) this thread's RNG state (advanced); stats : float64 (4,) accumulated
          [loss sum, training pairs, tokens read, tokens kept after subsampling]
    """
    D = syn0.shape[1]
    n_noise = alias_prob.shape[0]
    state = rng[0]
    t_begin = offsets[s_begin]
    n_total = offsets[s_end] - t_begin
    max_len = 0
    for s in range(s_begin, s_end):
        max_len = max(max_len, offsets[s + 1] - offsets[s])
    sen = np.empty(max_len, np.int32)                  # kept words of one sentence
    ctx = np.empty(2 * window + 1, np.int32)        # + padding (sg_ns_step)
    outs = np.empty(negative + 3, np.int32)
    nxt = np.empty(max(negative, 1), np.int32)         # noise words of the next centre
    logits = np.empty((2 * window + 1, negative + 3), np.float32)
    grad = np.empty((2 * window + 1, D), np.float32)
    h = np.empty(D, np.float32)
    err = np.empty(D, np.float32)
    loss = 0.0
    pairs = 0
    kept = 0
    for s in range(s_begin, s_end):
        a, b = offsets[s], offsets[s + 1]
        if by_sentence:
            frac = (s - s_begin) / max(s_end - s_begin, 1)
        else:
            frac = (a - t_begin) / max(n_total, 1)
        alpha = np.float32(alpha0 + (alpha1 - alpha0) * frac)
        # subsample: keep word w with probability keep[w]
        n = 0
        for i in range(a, b):
            w = tokens[i]
            p = keep[w]
            if p < 1.0:
                state, r = _lcg(state)
                if p < r * INV_2_32:
                    continue
            sen[n] = w
            n += 1
        kept += n
        # noise words are drawn one centre ahead so their rows can be prefetched
        if negative > 0 and n > 0:
            for k in range(negative):
                state, b, u = _noise_bucket(state, n_noise)
                nxt[k] = b if u < alias_prob[b] else alias_idx[b]
        for i in range(n):
            centre = sen[i]
            state, r = _lcg(state)
            reach = 1 + ((r * window) >> 32)          # reduced window, uniform in 1..window
            n_ctx = 0
            for j in range(max(0, i - reach), min(n, i + reach + 1)):
                if j != i:
                    ctx[n_ctx] = sen[j]
                    n_ctx += 1
            n_out = 0
            if negative > 0:
                outs[0] = centre
                n_out = 1
                for k in range(negative):
                    if nxt[k] != centre:
                        outs[n_out] = nxt[k]
                        n_out += 1
                if i + 1 < n:
                    _prefetch_row(syn1neg, sen[i + 1])
                    for k in range(negative):
                        state, b, u = _noise_bucket(state, n_noise)
                        t = b if u < alias_prob[b] else alias_idx[b]
                        nxt[k] = t
                        _prefetch_row(syn1neg, t)
                    _prefetch_row(syn0, sen[min(n - 1, i + 1 + window)])
            if n_ctx == 0:
                continue
            n_code = code_lens[centre] if hs else 0
            if sg:
                if n_out > 0:
                    loss += sg_ns_step(syn0, syn1neg, ctx, n_ctx, outs, n_out, alpha,
                                       sig_table, logsig_table, logits, grad)
                if n_code > 0:
                    for m in range(n_ctx):
                        c = ctx[m]
                        for d in range(D):
                            h[d] = syn0[c, d]   # the input row (hs_step leaves syn0 alone)
                            err[d] = 0.0
                        loss += hs_step(syn1, h, points, codes, centre, n_code, alpha,
                                        sig_table, logsig_table, err)
                        for d in range(D):
                            syn0[c, d] += err[d]
                pairs += n_ctx
            else:
                loss += cbow_step(syn0, syn1neg, syn1, ctx, n_ctx, outs, n_out,
                                  points, codes, centre, n_code, alpha,
                                  sig_table, logsig_table, h, err, logits[0])
                pairs += 1
    rng[0] = state
    stats[STAT_LOSS] += loss
    stats[STAT_PAIRS] += pairs
    stats[STAT_WORDS] += n_total
    stats[STAT_KEPT] += kept


# ---------------------------------------------------------------- tables built once per vocabulary

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
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min1 = pos1
            pos1 -= 1
        else:
            min1 = pos2
            pos2 += 1
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min2 = pos1
            pos1 -= 1
        else:
            min2 = pos2
            pos2 += 1
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
