"""Convolution and pooling layers for images, channels-last (NHWC) like Keras.

    model = Sequential([Conv2D(32, 3, activation="relu"), MaxPool2D(2),
                        Conv2D(64, 3, activation="relu"), MaxPool2D(2),
                        Flatten(), Dense(128, "relu"), Dense(10, "softmax")])

Both layers follow the `embed.nn.base.Layer` contract.  The convolution runs
as im2col + one matrix product per chunk of images (kernels in
`embed.nn.conv_kernels`); chunks keep the im2col buffer in cache, and with a
thread pool (``fit(thread_mode="pool")``) each thread takes its own block of
images.
"""
import numpy as np

from ..errors import EmbedError
from ..parallel import split
from . import activations, plan
from .base import Layer
from .conv_kernels import bias_relu, col2im, im2col, maxpool_backward, maxpool_forward, relu_grad_bias
from .layers import init_weights

_CHUNK_BYTES = 1 << 21   # bytes of im2col columns + output rows per chunk (stays in L2/L3)


def _pair(v, what, layer):
    """An int or a pair of ints -> (a, b), each at least 1."""
    t = (v, v) if np.isscalar(v) else tuple(v)
    if len(t) != 2 or any(int(a) != a or a < 1 for a in t):
        raise EmbedError(f"{layer}: {what} must be a positive integer or a pair of them, got {v!r}")
    return int(t[0]), int(t[1])


def _check_images(x, layer):
    """x as a float array of shape (N, H, W, C)."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise EmbedError(f"{layer}: input must be numeric, got dtype {x.dtype}")
    if x.ndim != 4:
        raise EmbedError(f"{layer}: expected images of shape (batch, height, width, channels), "
                         f"got shape {x.shape}")
    return x


def conv_output_size(size, kernel, stride, padding):
    """(output size, padding before) along one axis, Keras' rule.

    valid: out = ⌊(size − kernel) / stride⌋ + 1, no padding;
    same:  out = ⌈size / stride⌉, total padding max((out − 1)·stride + kernel − size, 0),
           half of it (rounded down) before, the rest after.
    """
    if padding == "valid":
        return (size - kernel) // stride + 1, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2


def _product(a, B, out, accumulate=False):
    """out (+)= a @ B in BLAS (the backward's products, K and F in the tens to hundreds)."""
    if accumulate:
        out += a @ B
    else:
        np.matmul(a, B, out=out)


class _ImageLayer(Layer):
    """Shared plumbing: scratch buffers per thread and splitting a batch of images."""

    def __init__(self, name=None):
        super().__init__(name)
        self.reuse_buffers = False   # True inside Sequential.fit: outputs live in reused buffers
        self._bufs = {}

    def _buf(self, key, shape, dtype, scratch=False):
        """An array of this shape; reused across calls for scratch (or when reuse_buffers)."""
        if not (scratch or self.reuse_buffers):
            return np.empty(shape, dtype)
        b = self._bufs.get(key)
        if b is None or b.shape != shape or b.dtype != dtype:
            b = self._bufs[key] = np.empty(shape, dtype)
        return b

    def _split(self, n, chunk, work):
        """Call work(t, start, stop) over images [0, n) in chunks; thread t takes one block of images."""
        pool = self.pool
        if pool is None or n < 2:
            for s in range(0, n, chunk):
                work(0, s, min(n, s + chunk))
            return 1
        blocks = split(n, pool.size)

        def job(t):
            s0, e0 = blocks[t]
            for s in range(s0, e0, chunk):
                work(t, s, min(e0, s + chunk))
        pool.run(job)
        return pool.size


class Conv2D(_ImageLayer):
    """2-D convolution over NHWC images: y = f(conv(x, K) + b).

    x (N, H, W, C), kernel K (KH, KW, C, F), bias b (F,), y (N, OH, OW, F)::

        z[n, i, j, f] = b[f] + Σ_{kh, kw, c} x[n, i·sh − ph + kh, j·sw − pw + kw, c] · K[kh, kw, c, f]

    (a cross-correlation, as in Keras and PyTorch; x is 0 outside the image).
    ``padding="valid"`` uses no padding (OH = ⌊(H − KH)/sh⌋ + 1);
    ``"same"`` pads so that OH = ⌈H / sh⌉.  With cols = im2col(x) of shape
    (N·OH·OW, KH·KW·C) and δ = ∂L/∂z = ∂L/∂y ⊙ f'(z) of shape (N·OH·OW, F):

        z = cols K₂ + b,   ∂L/∂K₂ = colsᵀ δ,   ∂L/∂b = Σ_rows δ,   ∂L/∂x = col2im(δ K₂ᵀ)

    where K₂ = K reshaped to (KH·KW·C, F).  Weights are initialised with
    fan_in = KH·KW·C; the forward keeps only x (and y), and backward rebuilds
    each chunk's columns, so memory stays at one chunk of columns per thread.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", seed=None, name=None):
        super().__init__(name)
        if int(filters) != filters or filters < 1:
            raise EmbedError(f"Conv2D: filters must be a positive integer, got {filters!r}")
        if padding not in ("valid", "same"):
            raise EmbedError(f"Conv2D: padding must be 'valid' or 'same', got {padding!r}")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2D")
        self.strides = _pair(strides, "strides", "Conv2D")
        self.padding = padding
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.seed = seed
        self.channels = None

    def build(self, input_shape, dtype=np.float32):
        if len(input_shape) != 4 or min(input_shape[1:]) < 1:
            raise EmbedError(f"Conv2D: cannot build from input shape {input_shape} (need (N, H, W, C))")
        KH, KW = self.kernel_size
        self.channels = int(input_shape[3])
        K2 = init_weights(self.kernel_initializer, (KH * KW * self.channels, self.filters), self._rng(), dtype)
        self.params["W"] = K2.reshape(KH, KW, self.channels, self.filters)       # (KH, KW, C, F)
        if self.use_bias:
            self.params["b"] = np.zeros(self.filters, dtype=dtype)                 # (F,)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.built = True

    def output_shape(self, input_shape):
        """(N, OH, OW, F) for an input of shape (N, H, W, C)."""
        (KH, KW), (sh, sw) = self.kernel_size, self.strides
        OH, _ = conv_output_size(input_shape[1], KH, sh, self.padding)
        OW, _ = conv_output_size(input_shape[2], KW, sw, self.padding)
        return (input_shape[0], OH, OW, self.filters)

    def _geometry(self, x):
        N, H, W, C = x.shape
        (KH, KW), (sh, sw) = self.kernel_size, self.strides
        OH, ph = conv_output_size(H, KH, sh, self.padding)
        OW, pw = conv_output_size(W, KW, sw, self.padding)
        if OH < 1 or OW < 1:
            raise EmbedError(f"Conv2D: a {KH}x{KW} kernel does not fit images of {H}x{W} with padding "
                             f"{self.padding!r}")
        return OH, OW, ph, pw

    def _chunk(self, OH, OW):
        """Images per chunk: a chunk's im2col columns and its output (or δ) rows, (K + F) floats
        per output pixel, fill about _CHUNK_BYTES (for a first layer, K = 9 and F = 32, counting
        only the columns gave chunks 4x larger, whose δ fell out of cache: its backward ran 25 % slower)."""
        KH, KW = self.kernel_size
        row_bytes = (KH * KW * self.channels + self.filters) * 4
        return max(1, _CHUNK_BYTES // (row_bytes * OH * OW))

    def forward(self, x, training=True):
        x = _check_images(x, "Conv2D")
        self._ensure_built(x)
        W = self.params["W"]
        if x.shape[3] != self.channels:
            raise EmbedError(f"Conv2D: expected images with {self.channels} channels, got shape {x.shape}")
        x = np.ascontiguousarray(x, dtype=W.dtype)
        N = x.shape[0]
        OH, OW, ph, pw = self._geometry(x)
        (KH, KW), (sh, sw) = self.kernel_size, self.strides
        F, P, K = self.filters, OH * OW, KH * KW * self.channels
        K2 = W.reshape(K, F)                                                       # (K, F)
        b = self.params["b"] if self.use_bias else np.zeros(F, W.dtype)
        relu = isinstance(self.activation, activations.ReLU)
        z = self._buf("z", (N, OH, OW, F), W.dtype)
        z2 = z.reshape(N * P, F)                                                   # (N·P, F)

        def work(t, s, e):
            cols = self._buf(("cols", t), ((e - s) * P, K), W.dtype, scratch=True)  # (n·P, K)
            im2col(x[s:e], KH, KW, sh, sw, ph, pw, OH, OW, cols)
            out = z2[s * P:e * P]
            # cols K₂ in whichever of gemm_f32's tiles or BLAS (on this thread) the planner measured
            # fastest for this shape: the tiles win at few columns (a first layer on grey images has
            # K = 9: BLAS's packing does not pay), BLAS at K in the hundreds on AVX2
            plan.product("conv.fwd", cols, K2, out)
            if self.use_bias or relu:
                bias_relu(out, b, relu)                                            # + b, max(·, 0)
        self._split(N, self._chunk(OH, OW), work)
        self._x, self._z = x, z
        self._geom = (OH, OW, ph, pw)
        self._y = z if relu else self.activation.f(z)
        return self._y

    def backward(self, dy):
        x, W = self._x, self.params["W"]
        N = x.shape[0]
        OH, OW, ph, pw = self._geom
        (KH, KW), (sh, sw) = self.kernel_size, self.strides
        F, P, K = self.filters, OH * OW, KH * KW * self.channels
        if np.shape(dy) != (N, OH, OW, F):
            raise EmbedError(f"Conv2D.backward: gradient has shape {np.shape(dy)}, expected {(N, OH, OW, F)}")
        relu = isinstance(self.activation, activations.ReLU)
        if relu or isinstance(self.activation, activations.Linear):
            dz = np.ascontiguousarray(dy, dtype=W.dtype)
        else:
            dz = np.ascontiguousarray(self.activation.backward(dy, self._z, self._y), dtype=W.dtype)
        dz2 = dz.reshape(N * P, F)                                                 # (N·P, F)
        y2 = self._y.reshape(N * P, F)
        delta = self._buf("delta", (N * P, F), W.dtype) if relu else dz2          # δ = ∂L/∂z
        K2 = W.reshape(K, F)                                                       # (K, F)
        K2T = np.ascontiguousarray(K2.T)                                           # (F, K)
        dx = self._buf("dx", x.shape, W.dtype) if self.input_grad else None
        threads = self.pool.size if self.pool is not None and N >= 2 else 1
        gW = [self.grads["W"].reshape(K, F)] + [self._buf(("gW", t), (K, F), W.dtype, scratch=True)
                                                for t in range(1, threads)]
        db = [self._buf(("db", t), (F,), W.dtype, scratch=True) for t in range(threads)]
        for g in gW + db:
            g[...] = 0

        def work(t, s, e):
            rows = slice(s * P, e * P)
            d = delta[rows]                                                        # (n·P, F)
            relu_grad_bias(dz2[rows], y2[rows], d, db[t], relu)                    # δ, Σ_rows δ
            cols = self._buf(("cols", t), ((e - s) * P, K), W.dtype, scratch=True)
            im2col(x[s:e], KH, KW, sh, sw, ph, pw, OH, OW, cols)
            _product(cols.T, d, gW[t], accumulate=True)                            # colsᵀ δ  (K, F)
            if dx is not None:
                dcols = self._buf(("dcols", t), ((e - s) * P, K), W.dtype, scratch=True)
                _product(d, K2T, dcols)                                            # δ K₂ᵀ  (n·P, K)
                col2im(dcols, KH, KW, sh, sw, ph, pw, OH, OW, dx[s:e])
        self._split(N, self._chunk(OH, OW), work)
        for g in gW[1:]:
            gW[0] += g
        if self.use_bias:
            np.add.reduce(np.stack(db), axis=0, out=self.grads["b"])
        return dx

    def get_config(self):
        return {"filters": self.filters, "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "activation": self.activation.name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer, "seed": self.seed, "name": self.name}


class MaxPool2D(_ImageLayer):
    """Max pooling over NHWC images: y[n, i, j, c] = max_{0≤a<PH, 0≤b<PW} x[n, i·sh + a, j·sw + b, c].

    x (N, H, W, C) → y (N, OH, OW, C) with OH = ⌊(H − PH)/sh⌋ + 1 (no padding,
    Keras' "valid"; strides default to the pool size).  The gradient flows
    only to the maximum of each window: ∂L/∂x[argmax] += ∂L/∂y (first maximum
    on ties), 0 elsewhere.
    """

    def __init__(self, pool_size=2, strides=None, name=None):
        super().__init__(name)
        self.pool_size = _pair(pool_size, "pool_size", "MaxPool2D")
        self.strides = self.pool_size if strides is None else _pair(strides, "strides", "MaxPool2D")
        if self.pool_size[0] * self.pool_size[1] > 127:
            raise EmbedError(f"MaxPool2D: pool_size {self.pool_size} is too large (at most 127 cells)")
        self.trainable = False

    def output_shape(self, input_shape):
        (PH, PW), (sh, sw) = self.pool_size, self.strides
        return (input_shape[0], (input_shape[1] - PH) // sh + 1, (input_shape[2] - PW) // sw + 1, input_shape[3])

    def forward(self, x, training=True):
        x = _check_images(x, "MaxPool2D")
        if x.dtype.kind != "f":
            x = x.astype(np.float32)
        x = np.ascontiguousarray(x)
        self.built = True
        N, H, W, C = x.shape
        (PH, PW), (sh, sw) = self.pool_size, self.strides
        _, OH, OW, _ = self.output_shape(x.shape)
        if OH < 1 or OW < 1:
            raise EmbedError(f"MaxPool2D: a {PH}x{PW} pool does not fit images of {H}x{W}")
        y = self._buf("y", (N, OH, OW, C), x.dtype)
        arg = self._buf("arg", (N, OH, OW, C), np.int8, scratch=True) if training else \
            np.empty((N, OH, OW, C), np.int8)

        def work(t, s, e):
            maxpool_forward(x[s:e], PH, PW, sh, sw, y[s:e], arg[s:e])
        self._split(N, N, work)
        self._arg, self._xshape = arg, x.shape
        return y

    def backward(self, dy):
        arg = self._arg
        if np.shape(dy) != arg.shape:
            raise EmbedError(f"MaxPool2D.backward: gradient has shape {np.shape(dy)}, expected {arg.shape}")
        dy = np.ascontiguousarray(dy)
        dx = self._buf("dx", self._xshape, dy.dtype)
        (PH, PW), (sh, sw) = self.pool_size, self.strides

        def work(t, s, e):
            maxpool_backward(dy[s:e], arg[s:e], PH, PW, sh, sw, dx[s:e])
        self._split(arg.shape[0], arg.shape[0], work)
        return dx

    def get_config(self):
        return {"pool_size": list(self.pool_size), "strides": list(self.strides), "name": self.name}
