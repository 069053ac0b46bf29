"""Layers of the neural core: Dense, Embedding, Dropout (plus Activation, Flatten).

All follow the `embed.nn.base.Layer` contract: weights built from the first
input, ``forward`` saves what ``backward`` needs, ``backward`` sets ``grads``
and returns ∂L/∂x.
"""
import numpy as np

from ..errors import EmbedError
from ..jit import njit
from . import activations, plan, regularizers
from .base import Layer


# -- kernels -----------------------------------------------------------------
@njit(cache=True, nogil=True, fastmath=True)
def _bias_relu_inplace(z, b):
    """z (m, n) ← max(z + b, 0) in place; b (n,)."""
    m, n = z.shape
    for i in range(m):
        for j in range(n):
            v = z[i, j] + b[j]
            z[i, j] = v if v > 0 else 0


@njit(cache=True, nogil=True, fastmath=True)
def _relu_backward_bias(dy, y, dz, db):
    """dz = dy ⊙ [y > 0] (dz may alias dy) and db = Σ_rows dz; shapes (m, n), (n,)."""
    m, n = dy.shape
    for j in range(n):
        db[j] = 0
    for i in range(m):
        for j in range(n):
            g = dy[i, j] if y[i, j] > 0 else 0
            dz[i, j] = g
            db[j] += g


@njit(cache=True, nogil=True)
def _scatter_add_rows(ids, dy, out):
    """out[ids[i]] += dy[i] for every i; ids (n,) ints, dy (n, D), out (V, D)."""
    d = dy.shape[1]
    for i in range(ids.size):
        r = ids[i]
        for j in range(d):
            out[r, j] += dy[i, j]


def _threads(pool):
    """Threads a layer's products may use: its pool's size (set by `Sequential.fit`), else 1."""
    return pool.size if pool is not None else 1


# -- initialisers ---------------------------------------------------------------
def _init_weights(kind, shape, rng, dtype):
    """Initial kernel of `shape` = (fan_in, fan_out)."""
    fan_in, fan_out = shape[0], shape[-1]
    if kind == "glorot_uniform":      # Var = 2/(fan_in+fan_out)
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        w = rng.uniform(-lim, lim, shape)
    elif kind == "glorot_normal":
        w = rng.normal(0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
    elif kind == "he_uniform":        # Var = 2/fan_in, for ReLU
        lim = np.sqrt(6.0 / fan_in)
        w = rng.uniform(-lim, lim, shape)
    elif kind == "he_normal":
        w = rng.normal(0, np.sqrt(2.0 / fan_in), shape)
    elif kind == "lecun_uniform":     # PyTorch's nn.Linear default: U(±1/√fan_in)
        lim = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-lim, lim, shape)
    elif kind == "normal":
        w = rng.normal(0, 0.01, shape)
    elif kind == "zeros":
        w = np.zeros(shape)
    else:
        raise EmbedError(f"unknown initializer {kind!r}; choose from: glorot_uniform, glorot_normal, "
                         "he_uniform, he_normal, lecun_uniform, normal, zeros")
    return np.ascontiguousarray(w, dtype=dtype)


init_weights = _init_weights   # public name: the convolution layers (embed.nn.conv) use it too


def _check_float_input(x, layer):
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise EmbedError(f"{layer}: input must be numeric, got dtype {x.dtype}")
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    return x


class Dense(Layer):
    """Fully connected layer: y = f(x W + b).

    x (..., D) → z = x W + b (..., units) → y = f(z).  Backward, with
    δ = ∂L/∂z = ∂L/∂y ⊙ f'(z):
        ∂L/∂W = xᵀ δ  (D, units),   ∂L/∂b = Σ_rows δ  (units,),   ∂L/∂x = δ Wᵀ.
    A kernel regularizer R(W) adds R to the loss and ∂R/∂W to ∂L/∂W.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 kernel_regularizer=None, seed=None, name=None):
        super().__init__(name)
        if int(units) != units or units < 1:
            raise EmbedError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)      # resolved now: bad names fail early
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.seed = seed
        self.input_dim = None
        self.reuse_buffers = False   # True inside Sequential.fit: outputs live in reused buffers
        self._bufs = {}
        self._fused = False

    def build(self, input_shape, dtype=np.float32):
        """W (D, units) and b (units,) for inputs (..., D); `input_shape` may be just D, an int."""
        input_shape = (input_shape,) if np.ndim(input_shape) == 0 else tuple(input_shape)
        if len(input_shape) < 1 or input_shape[-1] < 1:
            raise EmbedError(f"Dense: cannot build from input shape {input_shape}")
        self.input_dim = int(input_shape[-1])
        self.params["W"] = _init_weights(self.kernel_initializer, (self.input_dim, self.units),
                                         self._rng(), dtype)                      # (D, H)
        if self.use_bias:
            self.params["b"] = np.zeros(self.units, dtype=dtype)                   # (H,)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.built = True

    def _buf(self, key, shape, dtype):
        if not self.reuse_buffers:
            return np.empty(shape, dtype)
        b = self._bufs.get(key)
        if b is None or b.shape != shape or b.dtype != dtype:
            b = self._bufs[key] = np.empty(shape, dtype)
        return b

    def _affine(self, x, relu=False):
        x = _check_float_input(x, "Dense")
        self._ensure_built(x)
        if x.shape[-1] != self.input_dim:
            raise EmbedError(f"Dense: expected inputs with {self.input_dim} features, got shape {x.shape}")
        W = self.params["W"]
        self._lead = x.shape[:-1]
        x2 = x.reshape(-1, self.input_dim)                                        # (m, D)
        if x2.dtype != W.dtype:
            x2 = x2.astype(W.dtype)
        self._x = x2
        m = x2.shape[0]
        z = self._buf("z", (m, self.units), W.dtype)                              # (m, H)
        fused = relu and self.use_bias
        plan.product("dense.fwd", x2, W, z, _threads(self.pool))                  # kernel chosen by measurement
        if fused:
            _bias_relu_inplace(z, self.params["b"])                               # fused z+b, max(·,0)
        if not fused:
            if self.use_bias:
                z += self.params["b"]
            if relu:
                np.maximum(z, 0, out=z)
        return z

    def forward(self, x, training=True):
        relu = isinstance(self.activation, activations.ReLU)
        z = self._affine(x, relu=relu)
        if relu:
            a = z                                   # relu applied in place; backward needs only y
        else:
            a = self.activation.f(z)
        self._z, self._a, self._fused = z, a, False
        return a.reshape(*self._lead, self.units)

    def forward_logits(self, x, training=True):
        """z = x W + b without the activation (for a fused softmax/sigmoid cross-entropy)."""
        z = self._affine(x)
        self._z, self._a, self._fused = z, z, True
        return z.reshape(*self._lead, self.units)

    def backward(self, dy):
        dy2 = np.asarray(dy).reshape(-1, self.units)                              # (m, H)
        if dy2.shape[0] != self._x.shape[0]:
            raise EmbedError(f"Dense.backward: gradient has shape {np.shape(dy)}, "
                             f"expected {(*self._lead, self.units)}")
        W = self.params["W"]
        if dy2.dtype != W.dtype:
            dy2 = dy2.astype(W.dtype)
        if not dy2.flags.c_contiguous:
            dy2 = np.ascontiguousarray(dy2)
        relu = not self._fused and isinstance(self.activation, activations.ReLU)
        if relu and self.use_bias:
            dz = self._buf("dz", dy2.shape, W.dtype)
            _relu_backward_bias(dy2, self._a, dz, self.grads["b"])                # δ and Σ_rows δ
        else:
            dz = dy2 if self._fused else self.activation.backward(dy2, self._z, self._a)
            if self.use_bias:
                np.add.reduce(dz, axis=0, out=self.grads["b"])                   # Σ_rows δ
        x, gW = self._x, self.grads["W"]
        threads = _threads(self.pool)
        plan.product("dense.dW", x.T, dz, gW, threads)                            # (D, H)
        if self.kernel_regularizer is not None:
            self.kernel_regularizer.add_grad(W, gW)
        if not self.input_grad:
            return None
        dx = self._buf("dx", x.shape, W.dtype)
        plan.product("dense.dx", dz, W.T, dx, threads)                            # (m, D)
        return dx.reshape(*self._lead, self.input_dim)

    def regularization_loss(self):
        if self.kernel_regularizer is None or not self.built:
            return 0.0
        return self.kernel_regularizer(self.params["W"])

    def get_config(self):
        return {"units": self.units, "activation": self.activation.name, "use_bias": self.use_bias,
                "kernel_initializer": self.kernel_initializer,
                "kernel_regularizer": regularizers.to_config(self.kernel_regularizer),
                "seed": self.seed, "name": self.name}

    # -- the course's weight layout: Theta (units, D+1), bias in column 0 ---------------
    def set_theta(self, theta):
        """Load Theta (units, D+1) with the bias in column 0: b = Theta[:, 0], W = Theta[:, 1:]ᵀ.

        Then ``forward(a) = f([1, a] @ Thetaᵀ)``, the course's forward propagation.  An
        unbuilt layer is built for D = Theta.shape[1] − 1 inputs.  Returns self.
        """
        theta = np.asarray(theta)
        if theta.ndim != 2 or theta.shape[0] != self.units or theta.shape[1] < 2:
            raise EmbedError(f"Dense.set_theta: Theta must have shape ({self.units}, inputs + 1), "
                             f"got {theta.shape}")
        if not self.use_bias:
            raise EmbedError("Dense.set_theta: the layer has no bias (use_bias=False); set W with set_weights")
        if not self.built:
            self.build(theta.shape[1] - 1, np.float64 if theta.dtype == np.float64 else np.float32)
        self.set_weights({"W": theta[:, 1:].T, "b": theta[:, 0]})                 # (D, H), (H,)
        return self

    def get_theta(self):
        """The weights as Theta (units, D+1), bias in column 0 (the inverse of `set_theta`)."""
        if not self.built:
            raise EmbedError("Dense.get_theta: the layer has no weights yet (build or fit it first)")
        b = self.params["b"] if self.use_bias else np.zeros(self.units, self.params["W"].dtype)
        return np.concatenate([b[:, None], self.params["W"].T], axis=1)          # (H, D+1)


class Embedding(Layer):
    """Lookup table: ids (...) int → W[ids] (..., dim).

    Backward scatter-adds: ∂L/∂W[v] = Σ_{positions p with id v} ∂L/∂y[p]
    (a Numba loop, since repeated ids must accumulate).  Inputs are integers,
    so backward returns None.
    """

    def __init__(self, vocab_size, dim, seed=None, name=None):
        super().__init__(name)
        if int(vocab_size) < 1 or int(dim) < 1:
            raise EmbedError(f"Embedding: vocab_size and dim must be positive, got {vocab_size}, {dim}")
        self.vocab_size = int(vocab_size)
        self.dim = int(dim)
        self.seed = seed
        self.input_grad = False

    def build(self, input_shape=None, dtype=np.float32):
        rng = self._rng()
        self.params["W"] = np.ascontiguousarray(
            rng.uniform(-0.05, 0.05, (self.vocab_size, self.dim)), dtype=dtype)     # (V, D)
        self.grads["W"] = np.zeros_like(self.params["W"])
        self.built = True

    def forward(self, ids, training=True):
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise EmbedError(f"Embedding: inputs must be integer ids, got dtype {ids.dtype}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise EmbedError(f"Embedding: ids must be in [0, {self.vocab_size}), got values in "
                             f"[{ids.min()}, {ids.max()}]")
        if not self.built:
            self.build(ids.shape)
        self._ids = ids
        return np.take(self.params["W"], ids, axis=0)                             # (..., D)

    def backward(self, dy):
        dy2 = np.ascontiguousarray(dy, dtype=self.params["W"].dtype).reshape(-1, self.dim)
        ids = np.ascontiguousarray(self._ids.reshape(-1), dtype=np.int64)
        if dy2.shape[0] != ids.size:
            raise EmbedError(f"Embedding.backward: gradient has shape {np.shape(dy)}, "
                             f"expected {(*self._ids.shape, self.dim)}")
        g = self.grads["W"]
        g[...] = 0
        _scatter_add_rows(ids, dy2, g)
        return None

    def get_config(self):
        return {"vocab_size": self.vocab_size, "dim": self.dim, "seed": self.seed, "name": self.name}


class Dropout(Layer):
    """Inverted dropout: y = x ⊙ mask / (1 − rate) while training, y = x at inference.

    mask_i ~ Bernoulli(1 − rate), drawn from the layer's own seeded Generator;
    the 1/(1−rate) scaling keeps E[y] = x so inference needs no rescaling.
    ∂L/∂x = ∂L/∂y ⊙ mask / (1 − rate).
    """

    def __init__(self, rate=0.5, seed=None, name=None):
        super().__init__(name)
        if not 0 <= rate < 1:
            raise EmbedError(f"Dropout: rate must be in [0, 1), got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.trainable = False

    def forward(self, x, training=True):
        x = _check_float_input(x, "Dropout")
        self.built = True
        if not training or self.rate == 0:
            self._mask = None
            return x
        keep = 1.0 - self.rate
        u = self._rng().random(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        self._mask = (u < keep).astype(x.dtype) * x.dtype.type(1.0 / keep)       # (…) scaled mask
        return x * self._mask

    def backward(self, dy):
        if self._mask is None:
            return dy
        return dy * self._mask

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name}


class Activation(Layer):
    """An activation as its own layer: y = f(x), ∂L/∂x = f.backward(∂L/∂y)."""

    def __init__(self, activation, name=None):
        super().__init__(name)
        self.activation = activations.get(activation)
        self.trainable = False

    def forward(self, x, training=True):
        x = _check_float_input(x, "Activation")
        self.built = True
        self._x, self._y = x, self.activation.f(x)
        return self._y

    def backward(self, dy):
        return self.activation.backward(dy, self._x, self._y)

    def get_config(self):
        return {"activation": self.activation.name, "name": self.name}


class Flatten(Layer):
    """(N, d1, d2, ...) → (N, d1·d2·...); NHWC images (N, H, W, C) → (N, H·W·C) in C order.

    Backward reshapes ∂L/∂y back to the input's shape.
    """

    def __init__(self, name=None):
        super().__init__(name)
        self.trainable = False

    def forward(self, x, training=True):
        x = np.asarray(x)
        self.built = True
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return np.reshape(dy, self._shape)

    def get_config(self):
        return {"name": self.name}
