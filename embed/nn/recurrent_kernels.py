"""Numba kernels for the recurrent cells: the element-wise gate math of one time step.

The drivers in `embed.nn.recurrent` do the matrix products (the input
projection of a whole chunk at once, one ``h @ W_h`` per step, the weight
gradients as one product over all T*B rows after the loop) with `gemm_f32`
below in float32, with BLAS otherwise.  What is left per time step is
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
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_JIT = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")

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


# ---------------------------------------------------------------------------
# Input projection for integer ids: a row gather instead of one-hot @ W_x
# ---------------------------------------------------------------------------
@njit(**_JIT)
def gather_rows_bias(ids, W, b, out):
    """out[n] = W[ids[n]] + b.   ids (N,) int; W (V, G); b (G,); out (N, G)."""
    G = W.shape[1]
    for n in range(ids.shape[0]):
        row = ids[n]
        for j in range(G):
            out[n, j] = W[row, j] + b[j]


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
def rnn_forward_step(z, hw, h, b0, b1):
    """h = tanh(z + hw).   z (B, H) = x_t W_x + b; hw (B, H) = h_{t-1} W_h; h (B, H) out."""
    H = h.shape[1]
    for b in range(b0, b1):
        for j in range(H):
            h[b, j] = act_tanh(z[b, j] + hw[b, j])


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
def lstm_forward_step(z, hw, c_prev, act, c, h, tc, b0, b1):
    """One LSTM step for the batch.

    z      (B, 4H) in: x_t W_x + b
    hw     (B, 4H) in: h_{t-1} W_h
    c_prev (B, H)  in: c_{t-1}
    act    (4, B, H) out: the activated gates i, f, g, o (kept for backward)
    c, h, tc (B, H) out: c_t, h_t, tanh(c_t)
    """
    H = c.shape[1]
    for b in range(b0, b1):
        for j in range(H):
            i = act_sigmoid(z[b, j] + hw[b, j])
            f = act_sigmoid(z[b, H + j] + hw[b, H + j])
            g = act_tanh(z[b, 2 * H + j] + hw[b, 2 * H + j])
            o = act_sigmoid(z[b, 3 * H + j] + hw[b, 3 * H + j])
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
def lstm_backward_step(dy, dh_rec, dc, act, c_prev, tc, dg, b0, b1):
    """Gate gradients of one LSTM step (dh_{t-1} = dg @ W_h^T is left to BLAS).

    dy     (B, H)  dL/dh_t from the output
    dh_rec (B, H)  dL/dh_t through step t+1
    dc     (B, H)  in: dL/dc_t through step t+1;  out: dL/dc_{t-1}
    act    (4, B, H) activated gates i, f, g, o of step t;  c_prev (B, H) c_{t-1};  tc (B, H) tanh(c_t)
    dg     (B, 4H) out: dL/da for the pre-activations [a_i|a_f|a_g|a_o]

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
            dg[b, 3 * H + j] = dh * t * o * (one - o)
            dc[b, j] += dh * o * (one - t * t)
        for j in range(H):                                  # through c = f c_prev + i g
            i = act[0, b - b0, j]
            dg[b, j] = dc[b, j] * act[2, b - b0, j] * i * (one - i)
        for j in range(H):
            f = act[1, b - b0, j]
            dg[b, H + j] = dc[b, j] * c_prev[b, j] * f * (one - f)
        for j in range(H):
            g = act[2, b - b0, j]
            dg[b, 2 * H + j] = dc[b, j] * act[0, b - b0, j] * (one - g * g)
        for j in range(H):
            dc[b, j] *= act[1, b - b0, j]


# ---------------------------------------------------------------------------
# GRU (PyTorch / cuDNN variant: the reset gate scales h W_hn + b_hn), blocks [r | u | n]
#   r = sig(x W_xr + b_r + h W_hr)      u = sig(x W_xu + b_u + h W_hu)
#   n = tanh(x W_xn + b_n + r * (h W_hn + b_hn))
#   h_t = (1 - u) * n + u * h_{t-1}
# ---------------------------------------------------------------------------
@njit(**_JIT)
def gru_forward_step(z, hw, b_hn, h_prev, act, h, hn, b0, b1):
    """One GRU step for the batch.

    z      (B, 3H) in: x_t W_x + b
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
            r = act_sigmoid(z[b, j] + hw[b, j])
            u = act_sigmoid(z[b, H + j] + hw[b, H + j])
            hnv = hw[b, 2 * H + j] + b_hn[j]
            n = act_tanh(z[b, 2 * H + j] + r * hnv)
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
# ---------------------------------------------------------------------------
@njit(**_JIT)
def small_matmul(a, W, out):
    """out = a @ W.   a (B, K); W (K, N); out (B, N).

    Rows of W are added eight at a time (out_b += sum_k a_bk W_k), which keeps
    the accumulator traffic low: 3x faster than the plain triple loop at K = N = 100.
    """
    B, K = a.shape
    N = W.shape[1]
    for b in range(B):
        o = out[b]
        for j in range(N):
            o[j] = 0
        k = 0
        while k + 8 <= K:
            a0, a1, a2, a3 = a[b, k], a[b, k + 1], a[b, k + 2], a[b, k + 3]
            a4, a5, a6, a7 = a[b, k + 4], a[b, k + 5], a[b, k + 6], a[b, k + 7]
            w0, w1, w2, w3 = W[k], W[k + 1], W[k + 2], W[k + 3]
            w4, w5, w6, w7 = W[k + 4], W[k + 5], W[k + 6], W[k + 7]
            for j in range(N):
                o[j] += (a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j]
                         + a4 * w4[j] + a5 * w5[j] + a6 * w6[j] + a7 * w7[j])
            k += 8
        while k < K:
            ak = a[b, k]
            wk = W[k]
            for j in range(N):
                o[j] += ak * wk[j]
            k += 1


# ---------------------------------------------------------------------------
# float32 matrix product with explicit 16-wide SIMD tiles.
#
# The per-step product (B, H) @ (H, 4H), e.g. (50, 128) @ (128, 512), is too
# small for BLAS to amortise its packing, and our users' OpenBLAS is pinned to
# AVX2 kernels (OPENBLAS_CORETYPE=Haswell).  A register tile written directly in
# LLVM IR does better: R rows x 16*NV columns of `out` stay in vector registers
# for the whole reduction over k, each step loading NV vectors of W's row k and
# broadcasting R scalars of `a`:
#
#     acc[r, v] += a[b0 + r, k] * W[k, j0 + 16 v : j0 + 16 v + 16]     (FMA)
#
# LLVM maps a <16 x float> to one AVX-512 register, or two AVX2 registers on
# CPUs without AVX-512.  Measured on the 2-core AMD EPYC (AVX-512), one thread:
# (50,128)@(128,512) 23 us (280 GFLOP/s) against 59 us for numpy's OpenBLAS.
# ---------------------------------------------------------------------------
def _simd_tile(R, NV):
    """Intrinsic tile(a, W, out, b0, j0, accumulate): out[b0:b0+R, j0:j0+16*NV] (+)= a[b0:b0+R] @ W[:, j0:...].

    a (B, K) float32, any strides; W (K, N) and out (B, N) float32 with unit column stride.
    """
    @intrinsic
    def tile(typingctx, a, W, out, b0, j0, accumulate):
        sig = types.void(a, W, out, types.intp, types.intp, types.boolean)

        def codegen(context, builder, signature, args):
            A, Wm, O = (context.make_array(t)(context, builder, v) for t, v in zip(signature.args[:3], args[:3]))
            b0v, j0v, accv = args[3], args[4], args[5]
            i64, i32, f32 = ir.IntType(64), ir.IntType(32), ir.FloatType()
            vt = ir.VectorType(f32, 16)
            vpt = vt.as_pointer()
            c = lambda n: ir.Constant(i64, n)                            # noqa: E731
            item = c(4)                                                  # bytes per float32
            K = builder.extract_value(A.shape, 1)
            sa0 = builder.sdiv(builder.extract_value(A.strides, 0), item)
            sa1 = builder.sdiv(builder.extract_value(A.strides, 1), item)
            sw = builder.sdiv(builder.extract_value(Wm.strides, 0), item)
            so = builder.sdiv(builder.extract_value(O.strides, 0), item)
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vt, [vt, vt, vt]),
                                                 "llvm.fma.v16f32")
            zero = ir.Constant(vt, [0.0] * 16)
            undef = ir.Constant(vt, ir.Undefined)
            splat = ir.Constant(ir.VectorType(i32, 16), [0] * 16)
            fn = builder.function
            pre = builder.block
            loop = fn.append_basic_block("tile_k")
            done = fn.append_basic_block("tile_done")
            builder.cbranch(builder.icmp_signed("<=", K, c(0)), done, loop)

            builder.position_at_end(loop)                                # for k in range(K)
            k = builder.phi(i64)
            k.add_incoming(c(0), pre)
            acc = [[builder.phi(vt) for _ in range(NV)] for _ in range(R)]
            for row in acc:
                for p in row:
                    p.add_incoming(zero, pre)
            wk = builder.add(builder.mul(k, sw), j0v)
            w = [builder.load(builder.bitcast(builder.gep(Wm.data, [builder.add(wk, c(16 * v))]), vpt), align=4)
                 for v in range(NV)]
            new = []
            for r in range(R):
                ia = builder.add(builder.mul(builder.add(b0v, c(r)), sa0), builder.mul(k, sa1))
                s = builder.load(builder.gep(A.data, [ia]), align=4)
                bc = builder.shuffle_vector(builder.insert_element(undef, s, ir.Constant(i32, 0)), undef, splat)
                new.append([builder.call(fma, [bc, w[v], acc[r][v]]) for v in range(NV)])
            k1 = builder.add(k, c(1))
            last = builder.block
            k.add_incoming(k1, last)
            for r in range(R):
                for v in range(NV):
                    acc[r][v].add_incoming(new[r][v], last)
            builder.cbranch(builder.icmp_signed("<", k1, K), loop, done)

            builder.position_at_end(done)                                # store the tile
            totals = [[builder.phi(vt) for _ in range(NV)] for _ in range(R)]
            for r in range(R):
                for v in range(NV):
                    totals[r][v].add_incoming(zero, pre)
                    totals[r][v].add_incoming(new[r][v], last)
            for r in range(R):
                orow = builder.add(builder.mul(builder.add(b0v, c(r)), so), j0v)
                for v in range(NV):
                    total = totals[r][v]
                    ptr = builder.bitcast(builder.gep(O.data, [builder.add(orow, c(16 * v))]), vpt)
                    old = builder.select(accv, builder.load(ptr, align=4), zero)
                    builder.store(builder.fadd(old, total), ptr, align=4)
            return context.get_dummy_value()
        return sig, codegen
    return tile


_tile_5x64 = _simd_tile(5, 4)
_tile_1x64 = _simd_tile(1, 4)
_tile_5x16 = _simd_tile(5, 1)
_tile_1x16 = _simd_tile(1, 1)


@njit(**_JIT)
def _gemm_f32_block(a, W, out, accumulate):
    B, K = a.shape
    N = W.shape[1]
    n64 = N // 64 * 64
    n16 = N // 16 * 16
    for j0 in range(0, n64, 64):
        b = 0
        while b + 5 <= B:
            _tile_5x64(a, W, out, b, j0, accumulate)
            b += 5
        while b < B:
            _tile_1x64(a, W, out, b, j0, accumulate)
            b += 1
    for j0 in range(n64, n16, 16):
        b = 0
        while b + 5 <= B:
            _tile_5x16(a, W, out, b, j0, accumulate)
            b += 5
        while b < B:
            _tile_1x16(a, W, out, b, j0, accumulate)
            b += 1
    if n16 < N:
        for b in range(B):
            for j in range(n16, N):
                s = np.float32(0.0)
                for k in range(K):
                    s += a[b, k] * W[k, j]
                out[b, j] = out[b, j] + s if accumulate else s


_K_BLOCK = 256      # rows of W per pass: a 256 x 64 panel of W (64 KB) stays in cache across row tiles


@njit(**_JIT)
def gemm_f32(a, W, out, accumulate):
    """out (+)= a @ W in float32.   a (B, K) any strides; W (K, N), out (B, N) with unit column stride.

    Tiles of 5 rows x 64 columns, then 16-column tiles, then a scalar loop for
    the last N % 16 columns; long reductions (the weight gradients, K = T*B)
    go in passes of _K_BLOCK rows of W.  `accumulate` adds to out instead of
    overwriting it.
    """
    K = a.shape[1]
    if K <= 2 * _K_BLOCK:
        _gemm_f32_block(a, W, out, accumulate)
        return
    for k0 in range(0, K, _K_BLOCK):
        k1 = min(K, k0 + _K_BLOCK)
        _gemm_f32_block(a[:, k0:k1], W[k0:k1], out, accumulate or k0 > 0)


def matmul(a, W, out):
    """out = a @ W inside the sequence kernels: SIMD tiles for float32 with 5+ rows, else `small_matmul`."""
    small_matmul(a, W, out)


@overload(matmul, inline="always")
def _matmul_impl(a, W, out):
    if a.dtype == types.float32 and W.dtype == types.float32 and out.dtype == types.float32:
        def matmul32(a, W, out):
            if a.shape[0] < 5:              # a lone row is latency-bound in a tile: 4 FMA chains
                small_matmul(a, W, out)
            else:
                gemm_f32(a, W, out, False)
        return matmul32
    return lambda a, W, out: small_matmul(a, W, out)


@njit(**_JIT)
def rnn_forward_seq(z, W_h, h, hw, b0, b1):
    """All T steps: z (T, B, H); W_h (H, H); h (T+1, B, H), h[0] given; hw (B, H) scratch."""
    for t in range(z.shape[0]):
        matmul(h[t, b0:b1], W_h, hw[b0:b1])
        rnn_forward_step(z[t], hw, h[t + 1], b0, b1)


@njit(**_JIT)
def rnn_backward_seq(dy, h, W_hT, dh, da, b0, b1):
    """All T steps backwards: dy (T, B, H); W_hT (H, H) = W_h^T contiguous;
    dh (B, H) in: dL/dh_T, out: dL/dh_0; da (T, B, H) out."""
    for t in range(dy.shape[0] - 1, -1, -1):
        rnn_backward_step(dy[t], dh, h[t + 1], da[t], b0, b1)
        matmul(da[t, b0:b1], W_hT, dh[b0:b1])


@njit(**_JIT)
def lstm_forward_seq(z, W_h, h, c, act, tc, hw, b0, b1):
    """All T steps: z (T, B, 4H); h, c (T+1, B, H) with [0] given; act (T, 4, B, H); tc (T, B, H)."""
    for t in range(z.shape[0]):
        matmul(h[t, b0:b1], W_h, hw[b0:b1])
        lstm_forward_step(z[t], hw, c[t], act[t], c[t + 1], h[t + 1], tc[t], b0, b1)


@njit(**_JIT)
def lstm_backward_seq(dy, W_hT, dh, dc, act, c, tc, dg, b0, b1):
    """All T steps backwards; W_hT (4H, H); dh, dc (B, H) in: dL/d(final state), out: dL/d(initial state)."""
    for t in range(dy.shape[0] - 1, -1, -1):
        lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t], b0, b1)
        matmul(dg[t, b0:b1], W_hT, dh[b0:b1])


@njit(**_JIT)
def gru_forward_seq(z, W_h, b_hn, h, act, hn, hw, b0, b1):
    """All T steps: z (T, B, 3H); h (T+1, B, H) with h[0] given; act (T, 3, B, H); hn (T, B, H)."""
    for t in range(z.shape[0]):
        matmul(h[t, b0:b1], W_h, hw[b0:b1])
        gru_forward_step(z[t], hw, b_hn, h[t], act[t], h[t + 1], hn[t], b0, b1)


@njit(**_JIT)
def gru_backward_seq(dy, W_hT, dh, dhd, act, hn, h, dgx, dgh, b0, b1):
    """All T steps backwards; W_hT (3H, H); dh (B, H) recurrent part, dhd (B, H) direct part of dL/dh."""
    for t in range(dy.shape[0] - 1, -1, -1):
        gru_backward_step(dy[t], dh, dhd, act[t], hn[t], h[t], dgx[t], dgh[t], b0, b1)
        matmul(dgh[t, b0:b1], W_hT, dh[b0:b1])
