"""Numba kernels for the recurrent cells: the element-wise gate math of one time step.

The drivers in `embed.nn.recurrent` do the matrix products (the input
projection of a whole chunk at once, one ``h @ W_h`` per step, the weight
gradients as one product over all T*B rows after the loop) with `gemm_f32`
(`embed.nn.gemm`) in float32, with BLAS otherwise.  What is left per time step is
element-wise: activations, the cell update and, going backwards, the gate
gradients.  Each step kernel does one step for the batch rows b0:b1 (one
thread's share), reads the product from a preallocated buffer and writes into
preallocated caches, so the time loop allocates nothing.  The `*_seq` kernels
run a thread's whole time loop, products included, in one call.

Shapes: B batch rows, H units; gate blocks are laid out side by side along the
last axis (LSTM: [i | f | g | o], GRU: [r | z | n]), each H wide.  The step
kernels take the full C-contiguous (B, .) buffers and a row range rather than
row views: on a strided view LLVM gives up vectorising and a thread's half of
the batch ran three times slower.  Activation caches `act` are per thread
block, (gates, b1 - b0, H).

float32 uses `act_tanh`, a rational approximation (max abs error 3e-7, i.e.
float32 round-off) that LLVM vectorises; float64 uses libm's tanh so the
float64 gradient checks see the exact function.  sigmoid(x) = (1 + tanh(x/2))/2.
"""
import math

import numpy as np

from ..jit import njit, overload, types

_JIT = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")

# the products (also used by Dense for small float32 batches)
from .gemm import (gemm_f32, gemm_panels, matmul, pack_panels, pack_panels_t,  # noqa: E402,F401
                   small_matmul, step_matmul)

# tanh(x) ~ x * P(x^2) / Q(x^2) on |x| <= _TANH_CLIP (fitted here by iterated
# weighted least squares on 40k points; beyond the clip tanh rounds to +-1 in float32)
_TANH_CLIP = 7.905311


def act_tanh(x):
    """tanh; float32 gets a vectorisable rational approximation (see module doc)."""
    return np.tanh(x)


@overload(act_tanh, inline="always")
def _act_tanh_impl(x):
    if x == types.float32:
        def tanh32(x):
            c = np.float32(_TANH_CLIP)
            y = min(max(x, -c), c)
            s = y * y
            p = np.float32(0.9999999936) + s * (
                np.float32(0.1312802695) + s * (
                    np.float32(0.003153576877) + s * (
                        np.float32(1.169030807e-05) + s * (
                            np.float32(-2.254037696e-08) + s * (
                                np.float32(6.49852679e-11) + s * np.float32(-1.199486643e-13))))))
            q = np.float32(1.0) + s * (
                np.float32(0.464613573) + s * (
                    np.float32(0.02469147496) + s * np.float32(0.0002619312813)))
            return y * p / q
        return tanh32
    return lambda x: math.tanh(x)


def act_sigmoid(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2, in the dtype of x."""
    return 0.5 + 0.5 * np.tanh(0.5 * x)


@overload(act_sigmoid, inline="always")
def _act_sigmoid_impl(x):
    if x == types.float32:
        def sigmoid32(x):
            half = np.float32(0.5)
            return half + half * act_tanh(half * x)
        return sigmoid32
    return lambda x: 0.5 + 0.5 * math.tanh(0.5 * x)


def one_like(a):
    """The scalar 1 in the dtype of array `a` (Numba would promote a literal 1 to float64)."""
    return a.dtype.type(1)


@overload(one_like, inline="always")
def _one_like_impl(a):
    if a.dtype == types.float32:
        return lambda a: np.float32(1.0)
    return lambda a: 1.0


@njit(**_JIT)
def tanh_inplace(a):
    """a <- tanh(a) element-wise; a: (N,) contiguous (used by tests and step())."""
    for k in range(a.shape[0]):
        a[k] = act_tanh(a[k])


@njit(**_JIT)
def transpose_into(src, dst):
    """dst = src.T, 16 columns of src at a time.   src (R, C); dst (C, R) C-contiguous.

    numpy's copy of a transposed view walks one side with a stride of a whole row;
    at W_h's 4H = 512 columns (2 KB rows) that ran into cache-set conflicts and took
    longer than a blocked loop.  Here each row of src gives 16 contiguous floats to
    16 rows of dst; the fixed inner count of 16 lets LLVM unroll it (2-3x faster
    than 16 x 16 blocks with variable bounds).
    """
    R, C = src.shape
    c16 = C // 16 * 16
    for c0 in range(0, c16, 16):
        for r in range(R):
            for c in range(16):
                dst[c0 + c, r] = src[r, c0 + c]
    for c in range(c16, C):
        for r in range(R):
            dst[c, r] = src[r, c]


# ---------------------------------------------------------------------------
# Input projection for integer ids: a row gather instead of one-hot @ W_x
# ---------------------------------------------------------------------------
@njit(**_JIT)
def gather_rows(ids, W, out):
    """out[n] = W[ids[n]].   ids (N,) int; W (V, G); out (N, G)."""
    G = W.shape[1]
    for n in range(ids.shape[0]):
        row = ids[n]
        for j in range(G):
            out[n, j] = W[row, j]


@njit(**_JIT)
def scatter_add_rows(ids, dG, dW, c0, c1):
    """dW[:, c0:c1] = 0; dW[ids[n], c0:c1] += dG[n, c0:c1].   ids (N,); dG (N, G); dW (V, G).

    The column range lets threads share the work without sharing rows of dW.
    """
    dW[:, c0:c1] = 0
    for n in range(ids.shape[0]):
        row = ids[n]
        for j in range(c0, c1):
            dW[row, j] += dG[n, j]


# ---------------------------------------------------------------------------
# Simple RNN:  h_t = tanh(a_t),  a_t = x_t W_x + b + h_{t-1} W_h
# ---------------------------------------------------------------------------
@njit(**_JIT)
def rnn_forward_step(z, hw, bias, h, b0, b1):
    """h = tanh(z + bias + hw).   z (B, H) = x_t W_x; bias (H,) = b; hw (B, H) = h_{t-1} W_h; h (B, H) out."""
    H = h.shape[1]
    for b in range(b0, b1):
        for j in range(H):
            h[b, j] = act_tanh(z[b, j] + bias[j] + hw[b, j])


@njit(**_JIT)
def rnn_backward_step(dy, dh_rec, h, da, b0, b1):
    """da = (dy + dh_rec) * (1 - h^2).

    dy (B, H) = dL/dh_t from the output; dh_rec (B, H) = dL/dh_t through
    h_{t+1} (da_{t+1} W_h^T); h (B, H) = h_t; da (B, H) out = dL/da_t.
    """
    H = h.shape[1]
    one = one_like(h)
    for b in range(b0, b1):
        for j in range(H):
            hv = h[b, j]
            da[b, j] = (dy[b, j] + dh_rec[b, j]) * (one - hv * hv)


# ---------------------------------------------------------------------------
# LSTM, gate blocks [i | f | g | o]
#   i = sig(a_i)  f = sig(a_f)  g = tanh(a_g)  o = sig(a_o)
#   c_t = f * c_{t-1} + i * g      h_t = o * tanh(c_t)
#
# Vectorisation note (measured): a loop that stores to one 2-D array at several
# column offsets (act[b, j], act[b, H + j], ...) is not vectorised by LLVM, and
# runs 4x slower.  So the activations are kept gate-major, act (4, B, H), and
# the backward kernel writes each block of dg (B, 4H) in its own loop.
# ---------------------------------------------------------------------------
@njit(**_JIT)
def lstm_forward_step(z, hw, bias, c_prev, act, c, h, tc, b0, b1):
    """One LSTM step for the batch.

    z      (B, 4H) in: x_t W_x
    bias   (4H,)   in: b (added here: no pass over the whole chunk's z)
    hw     (B, 4H) in: h_{t-1} W_h; or None when z holds the whole product [x_t | h_{t-1}] W
                   (Numba compiles the None case without the branch)
    c_prev (B, H)  in: c_{t-1}
    act    (4, B, H) out: the activated gates i, f, g, o (kept for backward)
    c, h, tc (B, H) out: c_t, h_t, tanh(c_t)
    """
    H = c.shape[1]
    for b in range(b0, b1):
        for j in range(H):
            ai, af = z[b, j] + bias[j], z[b, H + j] + bias[H + j]
            ag, ao = z[b, 2 * H + j] + bias[2 * H + j], z[b, 3 * H + j] + bias[3 * H + j]
            if hw is not None:
                ai, af, ag, ao = ai + hw[b, j], af + hw[b, H + j], ag + hw[b, 2 * H + j], ao + hw[b, 3 * H + j]
            i = act_sigmoid(ai)
            f = act_sigmoid(af)
            g = act_tanh(ag)
            o = act_sigmoid(ao)
            cv = f * c_prev[b, j] + i * g
            t = act_tanh(cv)
            act[0, b - b0, j] = i
            act[1, b - b0, j] = f
            act[2, b - b0, j] = g
            act[3, b - b0, j] = o
            c[b, j] = cv
            tc[b, j] = t
            h[b, j] = o * t


@njit(**_JIT)
def lstm_backward_step(dy, dh_rec, dc, act, c_prev, tc, dg, db, b0, b1):
    """Gate gradients of one LSTM step (dh_{t-1} = dg @ W_h^T is left to BLAS).

    dy     (B, H)  dL/dh_t from the output
    dh_rec (B, H)  dL/dh_t through step t+1
    dc     (B, H)  in: dL/dc_t through step t+1;  out: dL/dc_{t-1}
    act    (4, B, H) activated gates i, f, g, o of step t;  c_prev (B, H) c_{t-1};  tc (B, H) tanh(c_t)
    dg     (B, 4H) out: dL/da for the pre-activations [a_i|a_f|a_g|a_o]
    db     (4H,)   in/out: the rows' dg added to it (the bias gradient, while dg is in registers)

        dh  = dy + dh_rec
        da_o = dh tanh(c) o (1 - o)          dc += dh o (1 - tanh(c)^2)
        da_i = dc g i (1 - i)    da_f = dc c_{t-1} f (1 - f)    da_g = dc i (1 - g^2)
        dc_{t-1} = dc f
    """
    H = tc.shape[1]
    one = one_like(tc)
    for b in range(b0, b1):
        for j in range(H):                                  # through h = o tanh(c)
            o = act[3, b - b0, j]
            t = tc[b, j]
            dh = dy[b, j] + dh_rec[b, j]
            v = dh * t * o * (one - o)
            dg[b, 3 * H + j] = v
            db[3 * H + j] += v
            dc[b, j] += dh * o * (one - t * t)
        for j in range(H):                                  # through c = f c_prev + i g
            i = act[0, b - b0, j]
            v = dc[b, j] * act[2, b - b0, j] * i * (one - i)
            dg[b, j] = v
            db[j] += v
        for j in range(H):
            f = act[1, b - b0, j]
            v = dc[b, j] * c_prev[b, j] * f * (one - f)
            dg[b, H + j] = v
            db[H + j] += v
        for j in range(H):
            g = act[2, b - b0, j]
            v = dc[b, j] * act[0, b - b0, j] * (one - g * g)
            dg[b, 2 * H + j] = v
            db[2 * H + j] += v
        for j in range(H):
            dc[b, j] *= act[1, b - b0, j]


# ---------------------------------------------------------------------------
# GRU (PyTorch / cuDNN variant: the reset gate scales h W_hn + b_hn), blocks [r | u | n]
#   r = sig(x W_xr + b_r + h W_hr)      u = sig(x W_xu + b_u + h W_hu)
#   n = tanh(x W_xn + b_n + r * (h W_hn + b_hn))
#   h_t = (1 - u) * n + u * h_{t-1}
# ---------------------------------------------------------------------------
@njit(**_JIT)
def gru_forward_step(z, hw, bias, b_hn, h_prev, act, h, hn, b0, b1):
    """One GRU step for the batch.

    z      (B, 3H) in: x_t W_x
    bias   (3H,)   in: b
    hw     (B, 3H) in: h_{t-1} W_h
    b_hn   (H,)    the hidden-side bias of the candidate
    h_prev (B, H)  in: h_{t-1}
    act    (3, B, H) out: the activated gates r, u, n
    h      (B, H)  out: h_t
    hn     (B, H)  out: h_{t-1} W_hn + b_hn (needed by backward)
    """
    H = h.shape[1]
    one = one_like(h)
    for b in range(b0, b1):
        for j in range(H):
            r = act_sigmoid(z[b, j] + bias[j] + hw[b, j])
            u = act_sigmoid(z[b, H + j] + bias[H + j] + hw[b, H + j])
            hnv = hw[b, 2 * H + j] + b_hn[j]
            n = act_tanh(z[b, 2 * H + j] + bias[2 * H + j] + r * hnv)
            act[0, b - b0, j] = r
            act[1, b - b0, j] = u
            act[2, b - b0, j] = n
            hn[b, j] = hnv
            h[b, j] = (one - u) * n + u * h_prev[b, j]


@njit(**_JIT)
def gru_backward_step(dy, dh_rec, dh_dir, act, hn, h_prev, dgx, dgh, b0, b1):
    """Gate gradients of one GRU step.

    dy     (B, H)  dL/dh_t from the output
    dh_rec (B, H)  dL/dh_t through the matrix product of step t+1 (dgh_{t+1} W_h^T)
    dh_dir (B, H)  in: dL/dh_t through the direct path u_{t+1} h_t;  out: the same for h_{t-1}
    act    (3, B, H) activated gates r, u, n;  hn (B, H) h_{t-1} W_hn + b_hn;  h_prev (B, H)
    dgx    (B, 3H) out: dL/d(x-side pre-activations) [a_r|a_u|a_n]   (for W_x, b)
    dgh    (B, 3H) out: dL/d(h W_h)                   [a_r|a_u|r*a_n] (for W_h; last block for b_hn)

        dh = dy + dh_rec + dh_dir
        da_n = dh (1 - u) (1 - n^2)       da_r = da_n hn r (1 - r)
        da_u = dh (h_{t-1} - n) u (1 - u)    dh_{t-1} (direct) = dh u
    """
    H = hn.shape[1]
    one = one_like(hn)
    for b in range(b0, b1):
        for j in range(H):                                  # dh_dir <- dh (total, for now)
            dh_dir[b, j] += dy[b, j] + dh_rec[b, j]
        for j in range(H):                                  # candidate
            u = act[1, b - b0, j]
            n = act[2, b - b0, j]
            dgx[b, 2 * H + j] = dh_dir[b, j] * (one - u) * (one - n * n)
        for j in range(H):
            dgh[b, 2 * H + j] = dgx[b, 2 * H + j] * act[0, b - b0, j]
        for j in range(H):                                  # reset gate
            r = act[0, b - b0, j]
            dgx[b, j] = dgx[b, 2 * H + j] * hn[b, j] * r * (one - r)
        for j in range(H):
            dgh[b, j] = dgx[b, j]
        for j in range(H):                                  # update gate
            u = act[1, b - b0, j]
            dgx[b, H + j] = dh_dir[b, j] * (h_prev[b, j] - act[2, b - b0, j]) * u * (one - u)
        for j in range(H):
            dgh[b, H + j] = dgx[b, H + j]
        for j in range(H):                                  # direct path to h_{t-1}
            dh_dir[b, j] *= act[1, b - b0, j]


# ---------------------------------------------------------------------------
# Whole-sequence loops for small batches (min-char-rnn's B=1, generation):
# there a (B, H) @ (H, G) product is a few hundred nanoseconds of work, less
# than a Python-level BLAS call, so the whole time loop runs here, products included.
# `tile` is gemm_f32's tile code for the per-step products (chosen by embed.nn.plan);
# `W_hp` / `W_hTp` are the calling thread's own arrays for the same weights in
# 16-column panels (tile 1), which the kernel packs first (`gemm.pack_panels`:
# each thread packs its copy, in parallel, into its own cache), or an empty
# (0, K, 16) array (not packed).
# ---------------------------------------------------------------------------
@njit(**_JIT)
def rnn_forward_seq(z, W_h, W_hp, bias, h, hw, b0, b1, tile=0):
    """All T steps: z (T, B, H) = X W_x; W_h (H, H); bias (H,); h (T+1, B, H), h[0] given; hw (B, H) scratch."""
    if W_hp.shape[0] > 0:
        pack_panels(W_h, W_hp)
    for t in range(z.shape[0]):
        step_matmul(h[t, b0:b1], W_h, W_hp, hw[b0:b1], tile)
        rnn_forward_step(z[t], hw, bias, h[t + 1], b0, b1)


@njit(**_JIT)
def rnn_backward_seq(dy, h, W_h, W_hT, W_hTp, dh, da, b0, b1, tile=0):
    """All T steps backwards: dy (T, B, H); W_hT (H, H) = W_h^T contiguous (read when W_hTp is empty);
    dh (B, H) in: dL/dh_T, out: dL/dh_0; da (T, B, H) out."""
    if W_hTp.shape[0] > 0:
        pack_panels_t(W_h, W_hTp)
    for t in range(dy.shape[0] - 1, -1, -1):
        rnn_backward_step(dy[t], dh, h[t + 1], da[t], b0, b1)
        step_matmul(da[t, b0:b1], W_hT, W_hTp, dh[b0:b1], tile)


@njit(**_JIT)
def lstm_forward_seq(z, W_h, W_hp, bias, h, c, act, tc, hw, b0, b1, tile=0, ids=None, W_x=None, zt=None):
    """All T steps: z (T, B, 4H) = X W_x; bias (4H,); h, c (T+1, B, H) with [0] given; act (T, 4, B, H);
    tc (T, B, H).  For integer ids (T, B) given with W_x (V, 4H) and zt (B, 4H), z is not read: the
    rows x_t W_x = W_x[ids[t]] of each step are gathered into zt inside the loop (no pass writing
    the chunk's z and reading it back, no pool job for it)."""
    if W_hp.shape[0] > 0:
        pack_panels(W_h, W_hp)
    for t in range(h.shape[0] - 1):
        if ids is not None:
            for b in range(b0, b1):
                zt[b] = W_x[ids[t, b]]
            z_t = zt
        else:
            z_t = z[t]
        step_matmul(h[t, b0:b1], W_h, W_hp, hw[b0:b1], tile)
        lstm_forward_step(z_t, hw, bias, c[t], act[t], c[t + 1], h[t + 1], tc[t], b0, b1)


@njit(**_JIT)
def lstm_forward_seq_xh(x, W_x, W_h, W_p, W_s, bias, xh, h, c, act, tc, a, b0, b1, tile):
    """All T steps with the input projection inside the loop, as one product per step:
    a_t = [x_t | h_{t-1}] @ [W_x; W_h].

    x (T, B, D) float32; xh (T, B, D + H) out: the rows [x_t | h_{t-1}], which the backward
    reads as one matrix for dW = [X | H_prev]^T dG; a (B, 4H) scratch; the rest as
    `lstm_forward_seq`.  The stacked weights come one of two ways: W_p (4H // 16, D + H, 16),
    this thread's own panels, packed here for gemm_f32's 6 x 16 tile (each thread packs its
    copy, in parallel, and finds it in its own cache); or, when W_p is empty, W_s (D + H, 4H),
    one stacked copy the threads share, read by gemm_f32 with tile code `tile` (the 5 x 64 tile
    that AVX-512's 32 registers hold).
    """
    D = x.shape[2]
    packed = W_p.shape[0] > 0
    if packed:
        pack_panels(W_x, W_p[:, :D])
        pack_panels(W_h, W_p[:, D:])
    for t in range(x.shape[0]):
        for b in range(b0, b1):
            xh[t, b, :D] = x[t, b]
            xh[t, b, D:] = h[t, b]
        if packed:
            gemm_panels(xh[t, b0:b1], W_p, a[b0:b1], False)
        else:
            gemm_f32(xh[t, b0:b1], W_s, a[b0:b1], False, tile)
        lstm_forward_step(a, None, bias, c[t], act[t], c[t + 1], h[t + 1], tc[t], b0, b1)


@njit(**_JIT)
def lstm_backward_seq(dy, W_h, W_hT, W_hTp, dh, dc, act, c, tc, dg, db, b0, b1, tile=0, ids=None, dW_x=None):
    """All T steps backwards; W_hT (4H, H) (read when W_hTp is empty); dh, dc (B, H) in: dL/d(final state),
    out: dL/d(initial state); db (4H,) out: the sum of the rows' dg (their share of the bias gradient).
    For integer ids (T, B) given with dW_x (V, 4H): dW_x out, this thread's own share of the
    input-weight gradient (dW_x[v] = the sum of dg[t, b] over its rows with ids[t, b] = v), added
    while dg[t] is in cache (no scatter pass over the chunk's dG after the loop)."""
    if W_hTp.shape[0] > 0:
        pack_panels_t(W_h, W_hTp)
    db[:] = 0
    if ids is not None:
        dW_x[:] = 0
    for t in range(dy.shape[0] - 1, -1, -1):
        lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t], db, b0, b1)
        if ids is not None:
            for b in range(b0, b1):
                dW_x[ids[t, b]] += dg[t, b]
        step_matmul(dg[t, b0:b1], W_hT, W_hTp, dh[b0:b1], tile)


@njit(**_JIT)
def lstm_backward_seq_x(dy, W_h, W_x, W_hTp, W_xTp, W_hT, W_xT, dx, dh, dc, act, c, tc, dg, db, b0, b1, tile):
    """`lstm_backward_seq` with dx_t = dg_t W_x^T inside the loop, next to dh_{t-1} = dg_t W_h^T;
    dx (T, B, D) out.  The transposed weights come one of two ways: the panels of W_h^T and W_x^T,
    which each thread packs here (`gemm.pack_panels_t`) into its own W_hTp (H // 16, 4H, 16) and
    W_xTp (D // 16, 4H, 16) for the 6 x 16 tile; or, when those are empty, W_hT (4H, H) and
    W_xT (4H, D), contiguous copies the threads share, read by gemm_f32 with tile code `tile`.
    A kernel of its own, not a branch of `lstm_backward_seq`: gemm_panels is float32-only,
    and Numba types every branch, so the float64 time loop could not compile with it."""
    packed = W_hTp.shape[0] > 0
    if packed:
        pack_panels_t(W_h, W_hTp)
        pack_panels_t(W_x, W_xTp)
    db[:] = 0
    for t in range(dy.shape[0] - 1, -1, -1):
        lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t], db, b0, b1)
        if packed:
            gemm_panels(dg[t, b0:b1], W_hTp, dh[b0:b1], False)
            gemm_panels(dg[t, b0:b1], W_xTp, dx[t, b0:b1], False)
        else:
            gemm_f32(dg[t, b0:b1], W_hT, dh[b0:b1], False, tile)
            gemm_f32(dg[t, b0:b1], W_xT, dx[t, b0:b1], False, tile)


@njit(**_JIT)
def gru_forward_seq(z, W_h, W_hp, bias, b_hn, h, act, hn, hw, b0, b1, tile=0):
    """All T steps: z (T, B, 3H) = X W_x; bias (3H,); h (T+1, B, H) with h[0] given; act (T, 3, B, H); hn (T, B, H)."""
    if W_hp.shape[0] > 0:
        pack_panels(W_h, W_hp)
    for t in range(z.shape[0]):
        step_matmul(h[t, b0:b1], W_h, W_hp, hw[b0:b1], tile)
        gru_forward_step(z[t], hw, bias, b_hn, h[t], act[t], h[t + 1], hn[t], b0, b1)


@njit(**_JIT)
def gru_backward_seq(dy, W_h, W_hT, W_hTp, dh, dhd, act, hn, h, dgx, dgh, b0, b1, tile=0):
    """All T steps backwards; W_hT (3H, H) (read when W_hTp is empty); dh (B, H) recurrent part,
    dhd (B, H) direct part of dL/dh."""
    if W_hTp.shape[0] > 0:
        pack_panels_t(W_h, W_hTp)
    for t in range(dy.shape[0] - 1, -1, -1):
        gru_backward_step(dy[t], dh, dhd, act[t], hn[t], h[t], dgx[t], dgh[t], b0, b1)
        step_matmul(dgh[t, b0:b1], W_hT, W_hTp, dh[b0:b1], tile)
