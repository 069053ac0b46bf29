"""One compiled call per training chunk for a small one-layer RNN language model.

At min-char-rnn's size (a vanilla RNN of 100 units, one stream, 25 steps) a
chunk is about a million multiply-adds: less time than the Python of the
layered path (the cell, the decoder, the loss, each with its checks, buffers
and product plans) spends between them.  `rnn_lm_chunk` runs the whole chunk
in one Numba call, with the same kernels the layers use inside::

    z      = W_x[ids]                                      (T·B, H)  gather_rows
    h_t    = tanh(z_t + b + h_{t-1} W_h)                   rnn_forward_seq
    logits = h W_o + b_o                                   (T·B, V)
    loss   = Σ logsumexp(logits) − logits[target]          (returned; the caller divides by T·B)
    dlogits = (softmax − onehot) / (T·B)
    dW_o = hᵀ dlogits,  db_o = Σ dlogits,  dy = dlogits W_oᵀ
    da_t = (dy_t + da_{t+1} W_hᵀ) (1 − h_t²)               rnn_backward_seq
    dW_h = h_prevᵀ da,  db = Σ da,  dW_x[ids] += da         scatter_add_rows

`LanguageModel` uses it when its shape allows (`LanguageModel.fused_chunk`);
the layers stay the reference, and the tests compare the two.
"""
import numpy as np

from ..jit import njit
from ..nn.recurrent_kernels import (gather_rows, matmul, rnn_backward_seq, rnn_forward_seq,
                                    scatter_add_rows)

_JIT = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


@njit(**_JIT)
def _transpose(a, out):
    """out = aᵀ for a (K, N), out (N, K) contiguous."""
    K, N = a.shape
    for k in range(K):
        for n in range(N):
            out[n, k] = a[k, n]


@njit(**_JIT)
def _softmax_ce_rows(logits, b_o, targets, grads):
    """Per row: logits += b_o, loss = logsumexp − logit of the target; with `grads`, the row
    becomes (softmax − onehot(target)) / rows.  Returns the summed loss, or -1.0 when a
    target lies outside [0, V).   logits (N, V) in place; b_o (V,); targets (N,) int."""
    N, V = logits.shape
    total = 0.0
    scale = 1.0 / N
    for i in range(N):
        row = logits[i]
        y = targets[i]
        if y < 0 or y >= V:
            return -1.0
        top = row[0] + b_o[0]
        for c in range(V):
            v = row[c] + b_o[c]
            row[c] = v
            top = max(top, v)
        picked = row[y] - top
        s = 0.0
        for c in range(V):
            e = np.exp(row[c] - top)
            row[c] = e
            s += e
        total += np.log(s) - picked
        if grads:
            inv = scale / s
            for c in range(V):
                row[c] *= inv
            row[y] -= scale
    return total


@njit(**_JIT)
def rnn_lm_chunk(ids, targets, W_x, W_h, b, W_o, b_o, h, h2, z, z2, logits, dy, dy2, da, da2, dh,
                 W_hT, W_oT, dW_x, dW_h, db, dW_o, db_o, grads, tiles):
    """Forward (and, with `grads`, backward) of one chunk; returns the summed cross-entropy
    (nats, over T·B targets), or -1.0 for a target outside the vocabulary (W_o's columns),
    -2.0 for an id outside W_x's rows (then nothing is computed).

    ids, targets (T·B,) int64 (time-major, flattened);  W_x (V, H), W_h (H, H), b (H,),
    W_o (H, V), b_o (V,) the parameters;  h (T+1, B, H) with h[0] the initial state in,
    h_1..h_T out, and h2 the same memory as ((T+1)·B, H);  z / z2 (T, B, H) / (T·B, H),
    dy / dy2 and da / da2 alike, logits (T·B, V), dh (B, H), W_hT (H, H), W_oT (V, H):
    scratch;  dW_x, dW_h, db, dW_o, db_o: the gradients (overwritten);  tiles (5,) int:
    gemm_f32 tile codes for the step products (forward, backward), h W_o, hᵀ dlogits and
    dlogits W_oᵀ / h_prevᵀ da.
    """
    T, B = h.shape[0] - 1, h.shape[1]
    N = T * B
    for i in range(N):
        if ids[i] < 0 or ids[i] >= W_x.shape[0]:
            return -2.0
    gather_rows(ids, W_x, z2)                                         # (N, H)
    unpacked = np.empty((0, W_h.shape[0], 16), W_h.dtype)            # no panels (see gemm.pack_panels)
    rnn_forward_seq(z, W_h, unpacked, b, h, dh, 0, B, tiles[0])      # h_1..h_T; dh: scratch
    hs = h2[B:]                                                       # (N, H) h_1..h_T
    matmul(hs, W_o, logits, tiles[2])                                 # (N, V)
    total = _softmax_ce_rows(logits, b_o, targets, grads)
    if not grads or total < 0:
        return total
    matmul(hs.T, logits, dW_o, tiles[3])                              # (H, V)
    for c in range(db_o.shape[0]):
        db_o[c] = 0
    for i in range(N):
        for c in range(db_o.shape[0]):
            db_o[c] += logits[i, c]
    _transpose(W_o, W_oT)
    matmul(logits, W_oT, dy2, tiles[4])                               # (N, H) dL/dh from the output
    _transpose(W_h, W_hT)
    dh[:] = 0
    rnn_backward_seq(dy, h, W_h, W_hT, unpacked, dh, da, 0, B, tiles[1])   # da (T, B, H)
    matmul(h2[:N].T, da2, dW_h, tiles[3])                             # (H, H)
    for j in range(db.shape[0]):
        db[j] = 0
    for i in range(N):
        for j in range(db.shape[0]):
            db[j] += da2[i, j]
    scatter_add_rows(ids, da2, dW_x, 0, dW_x.shape[1])                # (V, H)
    return total
