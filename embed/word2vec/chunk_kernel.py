"""`train_chunk`: one compiled call trains a chunk of sentences (the kernel the driver runs).

The driver (`model.py`) owns allocation, schedules and threads; this kernel
takes arrays and scalars only and releases the GIL, so several Python threads
run it at once over the same weight matrices (Hogwild).  Per sentence it
subsamples frequent words, draws each centre's reduced window and noise words
(one centre ahead, so their rows can be prefetched), and hands each centre to
the steps of `steps.py`.  With a fixed seed and one thread the result is
bit-identical from run to run.

Hot rows.  The most frequent words' rows are read and written by every thread
many times per millisecond (the noise words come from unigram^0.75, the
commonest first), so with several threads their cache lines travel between
the cores all the time; where a virtual machine's CPUs sit far apart that
doubled the run time (measured: 2-thread fits of 9 s and 16 s alternating at
random, 8.7-10.8 s every time with nothing shared).  So each thread trains the
`hot` most frequent words on private copies: rows ``base .. base + hot - 1``
of the same matrices (the driver allocates them below the V shared rows), the
ids remapped where the steps get them.  A chunk starts by copying the shared
rows there (and a snapshot below them, rows ``base + hot ..``) and ends by
adding what it changed to the shared rows:

    S[w] += P[w] - snapshot[w]          w < hot

so no update is lost; another thread's updates to those rows reach this one at
the next chunk (10,000 words by default).  hot = 0 (one thread) changes nothing.

Hierarchical softmax has the same hot spot at the top of its tree: every word's
path starts at the root.  The inner nodes are numbered in the order the Huffman
construction made them, so the busiest are the last ones, V-2 (the root) down;
with hs on and room in syn1 (the driver gives it the same layout below its
V - 1 shared rows), the min(hot, V - 1) highest nodes train on private rows at
the same `base`, copied in and merged back the same way (`node_row`).
"""

import numpy as np

from ..jit import njit
from .primitives import lcg_next, noise_bucket, prefetch_row, private_rows_in, private_rows_out, row_of
from .steps import cbow_step, hs_step, sg_ns_step
from .tables import INV_2_32, STAT_KEPT, STAT_LOSS, STAT_PAIRS, STAT_WORDS


@njit(cache=True, nogil=True, fastmath=True)
def train_chunk(syn0, syn1neg, syn1, tokens, offsets, s_begin, s_end, keep,
                alias_prob, alias_idx, points, codes, code_lens,
                sg, window, negative, hs, alpha0, alpha1, by_sentence,
                sig_table, logsig_table, rng, stats, hot, base):
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
    hot, base : words 0..hot-1 (the most frequent) train on this thread's rows base..base+hot-1
          of syn0 and syn1neg, with rows base+hot..base+2*hot-1 as their snapshot (module doc);
          with hs, the min(hot, V-1) inner nodes nearest the root likewise in syn1 when it has
          the rows for them (at least base + 2*hot), else on the shared rows
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
    V = keep.shape[0]
    hot_nodes = min(hot, V - 1) if hs and syn1.shape[0] >= base + 2 * hot else 0
    first_node = V - 1 - hot_nodes                     # inner nodes first_node..V-2 (the root) private
    private_rows_in(syn0, 0, hot, base)
    private_rows_in(syn1neg, 0, hot, base)
    private_rows_in(syn1, first_node, hot_nodes, base)
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
                state, r = lcg_next(state)
                if p < r * INV_2_32:
                    continue
            sen[n] = w
            n += 1
        kept += n
        # noise words are drawn one centre ahead so their rows can be prefetched (with
        # write intent: the step updates them, see prefetch_row)
        if negative > 0 and n > 0:
            for k in range(negative):
                state, b, u = noise_bucket(state, n_noise)
                nxt[k] = b if u < alias_prob[b] else alias_idx[b]
        for i in range(n):
            centre = sen[i]
            state, r = lcg_next(state)
            reach = 1 + ((r * window) >> 32)          # reduced window, uniform in 1..window
            n_ctx = 0
            for j in range(max(0, i - reach), min(n, i + reach + 1)):
                if j != i:
                    ctx[n_ctx] = row_of(sen[j], hot, base)
                    n_ctx += 1
            n_out = 0
            if negative > 0:
                outs[0] = row_of(centre, hot, base)
                n_out = 1
                for k in range(negative):
                    if nxt[k] != centre:
                        outs[n_out] = row_of(nxt[k], hot, base)
                        n_out += 1
                if i + 1 < n:
                    prefetch_row(syn1neg, row_of(sen[i + 1], hot, base))
                    for k in range(negative):
                        state, b, u = noise_bucket(state, n_noise)
                        t = b if u < alias_prob[b] else alias_idx[b]
                        nxt[k] = t
                        prefetch_row(syn1neg, row_of(t, hot, base))
                    prefetch_row(syn0, row_of(sen[min(n - 1, i + 1 + window)], hot, base))
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
                        loss += hs_step(syn1, h, points, codes, centre, n_code, first_node, base,
                                        alpha, sig_table, logsig_table, err)
                        for d in range(D):
                            syn0[c, d] += err[d]
                pairs += n_ctx
            else:
                loss += cbow_step(syn0, syn1neg, syn1, ctx, n_ctx, outs, n_out,
                                  points, codes, centre, n_code, first_node, base, alpha,
                                  sig_table, logsig_table, h, err, logits[0])
                pairs += 1
    private_rows_out(syn0, 0, hot, base)
    private_rows_out(syn1neg, 0, hot, base)
    private_rows_out(syn1, first_node, hot_nodes, base)
    rng[0] = state
    stats[STAT_LOSS] += loss
    stats[STAT_PAIRS] += pairs
    stats[STAT_WORDS] += n_total
    stats[STAT_KEPT] += kept
