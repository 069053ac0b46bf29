"""Numba kernels for the convolution and pooling layers (channels-last NHWC).

Each kernel takes arrays and scalars only; the drivers in `embed.nn.conv`
allocate, split the batch across threads and call the matrix products.

Notation: x (N, H, W, C) input, kernel (KH, KW, C, F), strides (sh, sw),
top / left zero padding (ph, pw), output (N, OH, OW, F).  Output pixel
(oh, ow) sees input rows ih = oh·sh − ph + kh and columns iw = ow·sw − pw + kw;
reads outside the image are zeros.

im2col turns the convolution into one matrix product::

    cols[(n, oh, ow), (kh, kw, c)] = x[n, oh·sh − ph + kh, ow·sw − pw + kw, c]
    y = cols @ kernel.reshape(KH·KW·C, F)                      # (N·OH·OW, F)

and col2im is its adjoint (a scatter-add), used for ∂L/∂x = col2im(∂L/∂y Wᵀ).
"""
from ..jit import njit

_JIT = dict(cache=True, nogil=True, fastmath=True, error_model="numpy")


@njit(**_JIT)
def _im2col_rows(x, KH, KW, sh, sw, ph, pw, OH, OW, cols):
    """`im2col` for few channels: a window row x[n, ih, iw₀:iw₀+KW, :] inside the
    image is KW·C contiguous floats, copied in one loop (2-3x faster for C = 1)."""
    N, H, W, C = x.shape
    L = KW * C
    xr = x.reshape(N, H, W * C)
    row = 0
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                dst = cols[row]
                iw0 = ow * sw - pw
                inside = iw0 >= 0 and iw0 + KW <= W
                for kh in range(KH):
                    ih = oh * sh - ph + kh
                    o = kh * L
                    if ih < 0 or ih >= H:
                        for q in range(L):
                            dst[o + q] = 0
                    elif inside:
                        src = xr[n, ih]
                        s0 = iw0 * C
                        for q in range(L):
                            dst[o + q] = src[s0 + q]
                    else:
                        for kw in range(KW):
                            iw = iw0 + kw
                            for c in range(C):
                                dst[o + kw * C + c] = x[n, ih, iw, c] if 0 <= iw < W else 0
                row += 1


@njit(**_JIT)
def im2col(x, KH, KW, sh, sw, ph, pw, OH, OW, cols):
    """cols (N·OH·OW, KH·KW·C) ← the receptive field of every output pixel of x (N, H, W, C).

    Rows are (n, oh, ow) in C order, columns (kh, kw, c); padding reads are 0.
    """
    N, H, W, C = x.shape
    if C < 8:
        _im2col_rows(x, KH, KW, sh, sw, ph, pw, OH, OW, cols)
        return
    row = 0
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                dst = cols[row]
                for kh in range(KH):
                    ih = oh * sh - ph + kh
                    for kw in range(KW):
                        iw = ow * sw - pw + kw
                        o = (kh * KW + kw) * C
                        if 0 <= ih < H and 0 <= iw < W:
                            src = x[n, ih, iw]
                            for c in range(C):
                                dst[o + c] = src[c]
                        else:
                            for c in range(C):
                                dst[o + c] = 0
                row += 1


@njit(**_JIT)
def col2im(dcols, KH, KW, sh, sw, ph, pw, OH, OW, dx):
    """dx (N, H, W, C) ← Σ over output pixels of their dcols rows, put back where im2col read them.

    The adjoint of `im2col`: dx[n, ih, iw, c] = Σ_{oh, ow, kh, kw reading (ih, iw)} dcols[(n, oh, ow), (kh, kw, c)].
    dx is overwritten.
    """
    N, H, W, C = dx.shape
    dx[...] = 0
    row = 0
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                src = dcols[row]
                for kh in range(KH):
                    ih = oh * sh - ph + kh
                    if ih < 0 or ih >= H:
                        continue
                    for kw in range(KW):
                        iw = ow * sw - pw + kw
                        if iw < 0 or iw >= W:
                            continue
                        dst = dx[n, ih, iw]
                        o = (kh * KW + kw) * C
                        for c in range(C):
                            dst[c] += src[o + c]
                row += 1


@njit(**_JIT)
def bias_relu(z, b, relu):
    """z (m, F) ← z + b (then max(·, 0) when relu), in place; b (F,)."""
    m, F = z.shape
    for i in range(m):
        for j in range(F):
            v = z[i, j] + b[j]
            z[i, j] = v if (v > 0 or not relu) else 0


@njit(**_JIT)
def relu_grad_bias(dy, y, dz, db, relu):
    """dz = dy ⊙ [y > 0] (or dy when not relu) and db += Σ_rows dz.

    dy, y, dz (m, F) (dz may alias dy); db (F,) is accumulated, not overwritten,
    so each thread can sum its rows into its own partial.

    The mask and the sum run as two loops over each row: in one loop the store
    to db[j] (which may alias dz for all Numba knows) kept it scalar; split,
    both vectorize (1.6-2.4x faster).
    """
    m, F = dy.shape
    for i in range(m):
        g, h, d = dy[i], y[i], dz[i]
        if relu:
            for j in range(F):
                d[j] = g[j] if h[j] > 0 else 0
        else:
            for j in range(F):
                d[j] = g[j]
        for j in range(F):
            db[j] += d[j]


@njit(**_JIT)
def _maxpool2x2_forward(x, sh, sw, y, arg):
    """`maxpool_forward` for 2×2 windows: four row views, the channel loop in registers (10x faster)."""
    N, OH, OW, C = y.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                i0, j0 = oh * sh, ow * sw
                yo, ao = y[n, oh, ow], arg[n, oh, ow]
                x00, x01 = x[n, i0, j0], x[n, i0, j0 + 1]
                x10, x11 = x[n, i0 + 1, j0], x[n, i0 + 1, j0 + 1]
                for c in range(C):
                    m, k = x00[c], 0
                    if x01[c] > m:
                        m, k = x01[c], 1
                    if x10[c] > m:
                        m, k = x10[c], 2
                    if x11[c] > m:
                        m, k = x11[c], 3
                    yo[c] = m
                    ao[c] = k


@njit(**_JIT)
def maxpool_forward(x, PH, PW, sh, sw, y, arg):
    """y[n, oh, ow, c] = max over the PH×PW window at (oh·sh, ow·sw); arg = its index i·PW + j.

    x (N, H, W, C); y (N, OH, OW, C) and arg (N, OH, OW, C) int8 are written.
    Ties keep the first maximum (row-major in the window).
    """
    if PH == 2 and PW == 2:
        _maxpool2x2_forward(x, sh, sw, y, arg)
        return
    N, OH, OW, C = y.shape
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                i0, j0 = oh * sh, ow * sw
                for c in range(C):
                    m = x[n, i0, j0, c]
                    k = 0
                    for i in range(PH):
                        for j in range(PW):
                            v = x[n, i0 + i, j0 + j, c]
                            if v > m:
                                m = v
                                k = i * PW + j
                    y[n, oh, ow, c] = m
                    arg[n, oh, ow, c] = k


@njit(**_JIT)
def maxpool_backward(dy, arg, PH, PW, sh, sw, dx):
    """dx (N, H, W, C) ← dy routed to the argmax of each window (summed where windows overlap).

    dy, arg (N, OH, OW, C); dx is overwritten (zeros where no window's maximum sits).
    """
    N, OH, OW, C = dy.shape
    H, W = dx.shape[1], dx.shape[2]
    tiled = sh == PH and sw == PW and OH * PH == H and OW * PW == W
    if not tiled:                   # windows overlap or leave cells out: accumulate into zeros
        dx[...] = 0
    for n in range(N):
        for oh in range(OH):
            for ow in range(OW):
                i0, j0 = oh * sh, ow * sw
                g, a = dy[n, oh, ow], arg[n, oh, ow]
                for i in range(PH):
                    for j in range(PW):
                        k = i * PW + j
                        d = dx[n, i0 + i, j0 + j]
                        if tiled:           # every cell belongs to exactly one window
                            for c in range(C):
                                d[c] = g[c] if a[c] == k else 0
                        else:
                            for c in range(C):
                                d[c] += g[c] if a[c] == k else 0
