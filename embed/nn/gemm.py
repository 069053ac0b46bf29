"""Matrix products for small float32 operands, in Numba: no BLAS call overhead.

`gemm_f32` computes ``out (+)= a @ W`` with register tiles written in LLVM IR,
in one of two tile shapes (`TILES`): which is faster depends on the CPU's
vector register file, so `embed.nn.plan` picks by measurement and passes
``tile``; `small_matmul` is a plain loop for one to four rows; `matmul` picks
between them inside other Numba kernels.  `pack_panels` and `gemm_panels`
run the 6 x 16 tile on a copy of W cut into 16-column panels, for a W that
is used many times (the recurrent weights, once per time step).  The recurrent layers use them for
every product of their time loop, and `Dense` when the planner says so.
"""
import numpy as np
from llvmlite import ir

from ..jit import cgutils, intrinsic, njit, overload, types
_JIT = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


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
# The multiply-add is LLVM's fmuladd, not its fma: where the CPU has fused
# multiply-add (every AVX2 and AVX-512 x86, ARM's NEON) both are one vfmadd /
# fmla, but fma promises the single rounding, and on an x86 without FMA3 (the
# baseline x86-64, Sandy Bridge) LLVM keeps that promise with a call to libm's
# fmaf per lane: measured 1 GFLOP/s against 86 for OpenBLAS on one core here.
# fmuladd is a multiply and an add there.
#
# LLVM maps a <16 x float> to one AVX-512 register, or two AVX2 registers on
# CPUs without AVX-512.  Tile 0, 5 rows x 64 columns, keeps 20 accumulators:
# right for AVX-512's 32 registers, but 40 AVX2 registers spill to memory.
# Tile 1, 6 rows x 16 columns (12 AVX2 registers, the classic Haswell sgemm
# shape) fits AVX2's 16.  Which wins is measured, not assumed (embed.nn.plan).
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
                                                 "llvm.fmuladd.v16f32")
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


TILES = ("5x64", "6x16")      # tile codes 0 and 1 of gemm_f32 / matmul
_tile_5x64 = _simd_tile(5, 4)
_tile_1x64 = _simd_tile(1, 4)
_tile_5x16 = _simd_tile(5, 1)
_tile_6x16 = _simd_tile(6, 1)
_tile_1x16 = _simd_tile(1, 1)
# The last B % 6 rows of tile 1, a 64-column panel at a time, in tiles with 8 to 12
# accumulators (independent FMA chains), as many as the 6x16 tile keeps busy: a 1x16
# tile per row has two AVX2 chains and waits on the FMA latency, which made a thread's
# 25 batch rows (B=50 on two threads) markedly slower per row than 24.
_tile_2x32 = _simd_tile(2, 2)
_tile_3x32 = _simd_tile(3, 2)
_tile_4x16 = _simd_tile(4, 1)
_tile_2x16 = _simd_tile(2, 1)
_tile_3x16 = _simd_tile(3, 1)


@njit(**_JIT)
def _rest_rows_64(a, W, out, b, j0, accumulate):
    """out[b:, j0:j0+64] (+)= a[b:] @ W[:, j0:j0+64] for the last 1..5 rows (b = B // 6 * 6)."""
    r = a.shape[0] - b
    if r == 1:
        _tile_1x64(a, W, out, b, j0, accumulate)
    elif r == 2:
        _tile_2x32(a, W, out, b, j0, accumulate)
        _tile_2x32(a, W, out, b, j0 + 32, accumulate)
    elif r == 3:
        _tile_3x32(a, W, out, b, j0, accumulate)
        _tile_3x32(a, W, out, b, j0 + 32, accumulate)
    elif r == 4:
        for j in range(j0, j0 + 64, 16):
            _tile_4x16(a, W, out, b, j, accumulate)
    elif r == 5:
        for j in range(j0, j0 + 64, 16):
            _tile_5x16(a, W, out, b, j, accumulate)


@njit(**_JIT)
def _gemm_f32_block(a, W, out, accumulate, tile):
    B, K = a.shape
    N = W.shape[1]
    n16 = N // 16 * 16
    n64 = N // 64 * 64
    if tile == 0:
        for j0 in range(0, n64, 64):                 # tile 0: 5 x 64, then 16-wide columns
            b = 0
            while b + 5 <= B:
                _tile_5x64(a, W, out, b, j0, accumulate)
                b += 5
            while b < B:
                _tile_1x64(a, W, out, b, j0, accumulate)
                b += 1
    else:
        b6 = B // 6 * 6
        for j0 in range(0, n64, 64):                 # tile 1: 6 x 16 over a 64-column panel,
            for j in range(j0, j0 + 64, 16):         # then the last B % 6 rows of the panel
                for b in range(0, b6, 6):
                    _tile_6x16(a, W, out, b, j, accumulate)
            if b6 < B:
                _rest_rows_64(a, W, out, b6, j0, accumulate)
    for j0 in range(n64, n16, 16):
        b = 0
        if tile == 0:
            while b + 5 <= B:
                _tile_5x16(a, W, out, b, j0, accumulate)
                b += 5
        else:                                        # tile 1: 6 x 16 everywhere
            while b + 6 <= B:
                _tile_6x16(a, W, out, b, j0, accumulate)
                b += 6
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
def gemm_f32(a, W, out, accumulate, tile=0):
    """out (+)= a @ W in float32.   a (B, K) any strides; W (K, N), out (B, N) with unit column stride.

    tile 0: tiles of 5 rows x 64 columns, then 5 x 16; tile 1: 6 x 16 tiles
    (see TILES); then a scalar loop for the last N % 16 columns.  Long
    reductions (the weight gradients, K = T*B) go in passes of _K_BLOCK rows
    of W.  `accumulate` adds to out instead of overwriting it.
    """
    K = a.shape[1]
    if K <= 2 * _K_BLOCK:
        _gemm_f32_block(a, W, out, accumulate, tile)
        return
    for k0 in range(0, K, _K_BLOCK):
        k1 = min(K, k0 + _K_BLOCK)
        _gemm_f32_block(a[:, k0:k1], W[k0:k1], out, accumulate or k0 > 0, tile)


def matmul(a, W, out, tile):
    """out = a @ W inside the sequence kernels: SIMD tiles (code `tile`) for float32
    with 5+ rows, else `small_matmul`."""
    small_matmul(a, W, out)


@overload(matmul, inline="always")
def _matmul_impl(a, W, out, tile):
    if a.dtype == types.float32 and W.dtype == types.float32 and out.dtype == types.float32:
        def matmul32(a, W, out, tile):
            if a.shape[0] < 5:              # a lone row is latency-bound in a tile: 4 FMA chains
                small_matmul(a, W, out)
            else:
                gemm_f32(a, W, out, False, tile)
        return matmul32
    return lambda a, W, out, tile: small_matmul(a, W, out)


# ---------------------------------------------------------------------------
# The 6 x 16 tile on W packed into 16-column panels.
#
# A 16-column strip of a row-major W (K, N) is K cache lines N*4 bytes apart; at
# N = 512 (2 KB) they fall into two sets of the L1 cache, so the strip a tile
# walks for every k never stays in L1 and comes from L2 each time.  Packed,
# panel p is Wp[p] = W[:, 16p : 16p + 16], K contiguous lines (8 KB at K = 128)
# that stay in L1 while every row tile of `a` passes over them.  Each element of
# out is the same FMA chain over k as in gemm_f32's 6 x 16 tile: same bits.
# ---------------------------------------------------------------------------
PANEL = 16          # columns per panel


@njit(**_JIT)
def pack_panels(W, Wp):
    """Wp[p, k, :] = W[k, 16p : 16p + 16].   W (K, N) any strides, N % 16 == 0; Wp (N // 16, K, 16)."""
    K = W.shape[0]
    for p in range(Wp.shape[0]):
        for k in range(K):
            for j in range(PANEL):
                Wp[p, k, j] = W[k, PANEL * p + j]


@njit(**_JIT)
def pack_panels_t(V, Wp):
    """Wp[p, k, :] = V[16p : 16p + 16, k], the panels of W = V.T without forming V.T.
    V (N, K) C-contiguous, N % 16 == 0; Wp (N // 16, K, 16).

    Each panel row is written whole from 16 rows of V; this plain loop ran about
    three times faster than one blocked 16 x 16 like `transpose_into` (it also
    saves that copy, which the panels were packed from before).
    """
    K = V.shape[1]
    for p in range(Wp.shape[0]):
        for k in range(K):
            for j in range(PANEL):
                Wp[p, k, j] = V[PANEL * p + j, k]


@njit(**_JIT)
def _tile_rows16(a, w, o, b, rows, accumulate):
    """o[b:b+rows] (+)= a[b:b+rows] @ w for 1..6 rows.   w (K, 16); o (B, 16) with unit column stride."""
    if rows == 6:
        _tile_6x16(a, w, o, b, 0, accumulate)
    elif rows == 5:
        _tile_5x16(a, w, o, b, 0, accumulate)
    elif rows == 4:
        _tile_4x16(a, w, o, b, 0, accumulate)
    elif rows == 3:
        _tile_3x16(a, w, o, b, 0, accumulate)
    elif rows == 2:
        _tile_2x16(a, w, o, b, 0, accumulate)
    else:
        _tile_1x16(a, w, o, b, 0, accumulate)


@njit(**_JIT)
def gemm_panels(a, Wp, out, accumulate):
    """out (+)= a @ W for W given as panels Wp = pack_panels(W).   a (B, K) any strides;
    Wp (N // 16, K, 16); out (B, N) with unit column stride.

    Rows go in tiles of 6; a remainder of 1, 2 or 3 rows is folded with one or two
    6-row tiles into tiles of 4 and 5 rows (25 = 6 + 6 + 5 + 4 + 4): a tile of
    fewer than 4 rows has too few independent FMA chains to hide their latency.
    """
    B = a.shape[0]
    n6, r = B // 6, B % 6
    t1, t2, t3 = r, 0, 0                            # the tail tiles after the 6-row ones
    if r == 1 and n6 >= 2:
        n6, t1, t2, t3 = n6 - 2, 5, 4, 4
    elif r == 2 and n6 >= 1:
        n6, t1, t2 = n6 - 1, 4, 4
    elif r == 3 and n6 >= 1:
        n6, t1, t2 = n6 - 1, 5, 4
    for p in range(Wp.shape[0]):
        w = Wp[p]                                   # (K, 16), stays in L1 over the row tiles
        o = out[:, PANEL * p:PANEL * p + PANEL]     # (B, 16)
        for b in range(0, 6 * n6, 6):
            _tile_6x16(a, w, o, b, 0, accumulate)
        b = 6 * n6
        for rows in (t1, t2, t3):
            if rows > 0:
                _tile_rows16(a, w, o, b, rows, accumulate)
                b += rows


def step_matmul(a, W, Wp, out, tile):
    """out = a @ W inside the sequence kernels: from the panels Wp when it has any
    (Wp.shape[0] > 0, packed for tile code 1) and a has 5+ rows, else `matmul`."""
    small_matmul(a, W, out)


@overload(step_matmul, inline="always")
def _step_matmul_impl(a, W, Wp, out, tile):
    if a.dtype == types.float32 and W.dtype == types.float32 and out.dtype == types.float32:
        def step32(a, W, Wp, out, tile):
            if a.shape[0] < 5:
                small_matmul(a, W, out)
            elif Wp.shape[0] > 0:
                gemm_panels(a, Wp, out, False)
            else:
                gemm_f32(a, W, out, False, tile)
        return step32
    return lambda a, W, Wp, out, tile: small_matmul(a, W, out)
