"""Recurrent layers: SimpleRNN, LSTM and GRU over whole sequences (time-major).

All three share one driver (`_Recurrent`) and differ only in the per-step gate
math, which lives in Numba kernels in `embed.nn.recurrent_kernels`.  The work
of one chunk of T steps for a batch of B sequences is arranged around a few
matrix products::

    Z  = X @ W_x + b                     one product, (T*B, D) @ (D, G)
    for t in 0..T-1:                     the only sequential part
        hw = h_{t-1} @ W_h               (B, H) @ (H, G) into a reused buffer
        gate kernel(Z[t], hw, ...)       element-wise, writes h_t, c_t and the
                                         activations backward needs into caches
    backward, t = T-1..0:
        gate-gradient kernel -> dG[t]    (B, G)
        dh_{t-1} = dG[t] @ W_h^T         into a reused buffer
    dW_h = H_prev^T @ dG,  dW_x = X^T @ dG,  db = sum(dG),  dX = dG @ W_x^T
                                         one product each over all T*B rows

G is the width of the gate block: H (RNN), 3H (GRU), 4H (LSTM).  Caches are
allocated once per (T, B, dtype) and reused, so the time loop allocates nothing.
With several threads (`set_num_threads`, default: all CPUs) the batch rows are
split between threads for the time loop (the B sequences are independent) and
the big products are split by rows / columns.

In float32 every product runs in `K.gemm_f32`, a register-tiled kernel written
in LLVM IR (AVX-512 where the CPU has it; 2.4x numpy's AVX2-pinned OpenBLAS on
the per-step (50, 128) @ (128, 512)), and each thread's whole time loop,
products included, is one Numba call: no Python work per step.  float64 (the
gradient checks) uses BLAS, single-threaded, with the step loop in Python,
except for small batches (B*H*G <= 65536 multiply-adds per step, e.g.
min-char-rnn's B=1) whose time loop always runs inside one Numba call.

Inputs are either float arrays x of shape (T, B, D) or integer ids of shape
(T, B) standing for one-hot rows of width ``input_dim`` (then ``X @ W_x`` is a
row gather ``W_x[ids]`` and dW_x a scatter-add; there is no dx).

Carrying state across chunks (truncated BPTT)::

    y = lstm.forward(x1)                   # state starts at zeros
    dx = lstm.backward(dy)                 # grads of this chunk only
    y = lstm.forward(x2, state=lstm.state) # continues from the end of x1, detached

Parameters are float32, or float64 when the first input is float64 (gradient
checks); integer-id layers can be switched with ``layer.astype(np.float64)``.
"""
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import EmbedError
from . import recurrent_kernels as K
from .base import Layer

# -- threads ----------------------------------------------------------------------
# All BLAS calls run single-threaded, and the layer splits the work itself:
# * the time loop by batch rows (the B sequences are independent), each thread
#   doing its own small (b, H) @ (H, G) products and Numba kernels;
# * the big products (input projection, dx) by rows and the weight gradients by
#   output columns.
# Both BLAS and the kernels release the GIL.  This beats one loop with a
# multi-threaded BLAS, whose per-call thread hand-off costs more than a
# (B, H) @ (H, 4H) product, and whose spinning threads collapse on a busy machine.
_MIN_ROWS_PER_THREAD = 8            # batch rows below which the time loop is not split
_MIN_PRODUCT_ROWS = 256             # T*B rows below which the big products are not split
_SMALL_STEP_WORK = 1 << 16          # B*H*G multiply-adds per step up to which the whole
                                    # time loop runs in Numba (no Python-level BLAS calls)
_SIMD_GEMM = True                   # float32: every product in our SIMD-tiled kernel (K.gemm_f32)
                                    # and the whole time loop in Numba, instead of BLAS
_threads = None                     # set_num_threads() override
_CPU_COUNT = max(1, os.cpu_count() or 1)
_pool = None
_blas_limiter = None
_pool_lock = threading.Lock()


def _forget_pool_after_fork():
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()     # the parent's worker threads do not exist here


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def set_num_threads(n=None):
    """Threads for the recurrent layers (None: $EMBED_NUM_THREADS or the CPU count)."""
    global _threads
    if n is not None and (int(n) != n or n < 1):
        raise EmbedError(f"number of threads must be a positive integer, got {n!r}")
    _threads = None if n is None else int(n)


def num_threads():
    """Threads used: set_num_threads(), else $EMBED_NUM_THREADS, else the number of CPUs."""
    if _threads is not None:
        return _threads
    env = os.environ.get("EMBED_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise EmbedError(f"EMBED_NUM_THREADS must be an integer, got {env!r}") from None
    return _CPU_COUNT


def _blas_single_thread():
    """Context manager limiting BLAS to one thread (no-op without threadpoolctl)."""
    global _blas_limiter
    if _blas_limiter is None:
        try:
            from threadpoolctl import ThreadpoolController
            ctl = ThreadpoolController().select(user_api="blas")
            _blas_limiter = lambda: ctl.limit(limits=1)           # noqa: E731
        except Exception:                                          # pragma: no cover
            _blas_limiter = contextlib.nullcontext
    return _blas_limiter()


def _parallel(fn, n):
    """Run fn(k, n) for k = 0..n-1, on n threads (this one included)."""
    global _pool
    if n == 1:
        fn(0, 1)
        return
    with _pool_lock:
        if _pool is None or _pool._max_workers < n - 1:
            if _pool is not None:
                _pool.shutdown(wait=False)       # its threads end once idle
            _pool = ThreadPoolExecutor(max_workers=n - 1, thread_name_prefix="embed-rnn")
    futures = [_pool.submit(fn, k, n) for k in range(1, n)]
    try:
        fn(0, n)
    except BaseException:                        # never leave helpers writing shared buffers behind us
        for f in futures:
            if not f.cancel():
                f.exception()                    # wait for it to finish
        raise
    for f in futures:
        f.result()


def _simd(dtype):
    return _SIMD_GEMM and dtype == np.float32


def _matmul(a, b, out):
    """out = a @ b: the SIMD-tiled Numba kernel for float32 (b, out with unit column stride), else BLAS."""
    if _simd(out.dtype):
        K.gemm_f32(a, b, out, False)
    else:
        np.matmul(a, b, out=out)


def _bounds(k, n, N, align=1):
    """The k-th of n near-equal blocks of range(N), cut at multiples of `align`."""
    cut = lambda i: min(N, (N * i // n + align - 1) // align * align)  # noqa: E731
    return cut(k), (N if k == n - 1 else cut(k + 1))


class _Recurrent(Layer):
    """Shared driver: parameters, caches, input projection and weight gradients."""

    n_gates = 1                     # gate blocks of width H in W_x / W_h / b
    state_names = ("h",)            # the carried state, in order

    def __init__(self, units, input_dim=None, seed=None, name=None):
        super().__init__(name=name)
        if int(units) != units or units < 1:
            raise EmbedError(f"{type(self).__name__}: units must be a positive integer, got {units!r}")
        self.units = int(units)     # H, the size of the hidden state
        self.input_dim = input_dim  # D; required for integer-id input (the vocabulary size)
        self.seed = seed            # int / Generator / None, for the initial weights
        self.state = None           # final state of the last forward, tuple of (B, H)
        self.dstate = None          # dL/d(initial state) from the last backward
        self._buf = None            # caches for the current (T, B, dtype)
        self._fwd = None            # what the last forward saw (for backward)

    # -- parameters ---------------------------------------------------------
    def build(self, input_shape, dtype=np.float32):
        """W_x (D, G), W_h (H, G), b (G,) ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's init)."""
        D = self.input_dim if self.input_dim is not None else input_shape[-1]
        if D is None or int(D) != D or D < 1:
            raise EmbedError(f"{type(self).__name__}: integer-id input needs input_dim=<vocabulary size>")
        D, H = int(D), self.units
        G = self.n_gates * H
        rng = self._rng()
        k = 1.0 / np.sqrt(H)
        self.params = {
            "W_x": rng.uniform(-k, k, (D, G)).astype(dtype),
            "W_h": rng.uniform(-k, k, (H, G)).astype(dtype),
            "b": np.zeros(G, dtype=dtype),
        }
        self._init_extra(rng, dtype)
        self.grads = {n: np.zeros_like(p) for n, p in self.params.items()}
        self.input_dim_ = D
        self.built = True

    def _init_extra(self, rng, dtype):
        """Cell-specific parameters or bias values (LSTM forget bias, GRU b_hn)."""

    def _on_params_replaced(self):
        self._buf = None            # dtype may have changed: rebuild the caches
        self._fwd = None

    def get_config(self):
        D = getattr(self, "input_dim_", self.input_dim)
        seed = self.seed if self.seed is None or isinstance(self.seed, int) else None
        return {"units": self.units, "input_dim": D, "seed": seed}

    def initial_state(self, batch, dtype=None):
        """Zeros for every state array: a tuple of (batch, H)."""
        if dtype is None:
            dtype = self.params["W_h"].dtype if self.built else np.float32
        return tuple(np.zeros((batch, self.units), dtype=dtype) for _ in self.state_names)

    # -- caches ---------------------------------------------------------------
    def _buffers(self, T, B, dtype):
        key = (T, B, np.dtype(dtype))
        if self._buf is None or self._buf["key"] != key:
            H, G, D = self.units, self.n_gates * self.units, self.input_dim_
            buf = {"key": key,
                   "z": np.empty((T, B, G), dtype),       # x_t W_x + b
                   "act": {},                             # (b0, b1) -> (T, gates, b, H), see _act
                   "h": np.empty((T + 1, B, H), dtype),   # h_{-1}=h0, h_0 .. h_{T-1}
                   "hw": np.empty((B, G), dtype),         # h_{t-1} @ W_h
                   "dg": np.empty((T, B, G), dtype),      # dL/d(pre-activations)
                   "dh": np.empty((B, H), dtype),         # dL/dh through the recurrence
                   "W_hT": np.empty((G, H), dtype),       # contiguous W_h^T (BLAS is faster on it)
                   "W_xT": np.empty((G, D), dtype),       # contiguous W_x^T (for dx)
                   "dx": None}                            # dL/dx (T, B, D), made when first needed
            buf.update(self._extra_buffers(T, B, dtype))
            self._buf = buf
        return self._buf

    def _extra_buffers(self, T, B, dtype):
        return {}

    def _act(self, buf, b0, b1):
        """The activation cache of batch rows b0:b1: (T, gates, b1-b0, H), gate-major.

        One contiguous array per thread block: the gate kernels vectorise only
        when each gate's (b, H) slab is contiguous (see recurrent_kernels).
        """
        a = buf["act"].get((b0, b1))
        if a is None:
            T, _, dtype = buf["key"]
            a = buf["act"][(b0, b1)] = np.empty((T, self.n_gates, b1 - b0, self.units), dtype)
        return a

    # -- forward / backward -----------------------------------------------------
    def _check_input(self, x):
        """-> (x or ids, is_ids, T, B) with dtype / shape validated."""
        x = np.asarray(x)
        name = type(self).__name__
        if np.issubdtype(x.dtype, np.integer):
            if x.ndim != 2:
                raise EmbedError(f"{name}: integer input must be ids of shape (T, B), got shape {x.shape}")
            return np.ascontiguousarray(x, dtype=np.int64), True
        if not np.issubdtype(x.dtype, np.floating) or x.ndim != 3:
            raise EmbedError(f"{name}: input must be float (T, B, D) or int ids (T, B), "
                             f"got {x.dtype} {x.shape}")
        return x, False

    def forward(self, x, state=None, training=True):
        """y (T, B, H) for x (T, B, D) float or ids (T, B); sets ``self.state``.

        `state` is a tuple like ``initial_state(B)`` (None = zeros); it is
        copied, so gradients never flow into the chunk that produced it.
        The returned y is a view of a reused buffer, valid until the next forward.
        """
        x, is_ids = self._check_input(x)
        if not self.built:
            shape = x.shape + (self.input_dim,) if is_ids else x.shape
            self.build(shape, np.float32 if is_ids else (np.float64 if x.dtype == np.float64 else np.float32))
        p = self.params
        dtype = p["W_h"].dtype
        T, B = x.shape[:2]
        D, H, G = self.input_dim_, self.units, self.n_gates * self.units
        if T < 1 or B < 1:
            raise EmbedError(f"{type(self).__name__}: empty input of shape {x.shape}")
        buf = self._buffers(T, B, dtype)
        buf["tiny"] = tiny = B * H * G <= _SMALL_STEP_WORK        # one thread, no BLAS calls at all
        buf["small"] = tiny or _simd(dtype)                        # the time loop in one Numba call
        z2 = buf["z"].reshape(T * B, G)
        if is_ids:
            ids = x.reshape(T * B)
            if ids.min() < 0 or ids.max() >= D:
                raise EmbedError(f"{type(self).__name__}: ids must lie in [0, {D}), "
                                 f"got range [{ids.min()}, {ids.max()}]")
        else:
            if x.shape[2] != D:
                raise EmbedError(f"{type(self).__name__}: expected input width {D}, got {x.shape[2]}")
            x = np.ascontiguousarray(x, dtype=dtype)
            x2 = x.reshape(T * B, D)
        self._load_state(buf, state, B, dtype)

        def project(k, n):                                          # Z = X W_x + b, by rows
            r0, r1 = _bounds(k, n, T * B)
            if is_ids:
                K.gather_rows_bias(ids[r0:r1], p["W_x"], p["b"], z2[r0:r1])
            else:
                _matmul(x2[r0:r1], p["W_x"], z2[r0:r1])            # (rows, G)
                z2[r0:r1] += p["b"]

        def scan(k, n):                                             # the time loop, by batch rows
            b0, b1 = _bounds(k, n, B)
            self._scan_forward(buf, T, b0, b1)

        with self._blas_context(tiny, T * B):
            _parallel(project, self._n_threads(T * B, _MIN_PRODUCT_ROWS))
            _parallel(scan, 1 if tiny else self._n_threads(B, _MIN_ROWS_PER_THREAD))
        self.state = self._final_state(buf, T)
        self._fwd = (x, is_ids, T, B)
        return buf["h"][1:]                                         # (T, B, H)

    @staticmethod
    def _n_threads(rows, min_rows):
        return max(1, min(num_threads(), rows // min_rows))

    @staticmethod
    def _blas_context(small, rows):
        """BLAS limited to one thread, except for tiny work where no BLAS call matters
        (switching the limit costs ~6 us, a third of a min-char-rnn chunk)."""
        if small and rows < _MIN_PRODUCT_ROWS:
            return contextlib.nullcontext()
        return _blas_single_thread()

    def _load_state(self, buf, state, B, dtype):
        if state is None:
            state = self.initial_state(B, dtype)
        if not isinstance(state, (tuple, list)) or len(state) != len(self.state_names):
            raise EmbedError(f"{type(self).__name__}: state must be a tuple "
                             f"({', '.join(self.state_names)}), got {type(state).__name__}")
        for name, s in zip(self.state_names, state):
            if np.shape(s) != (B, self.units):
                raise EmbedError(f"{type(self).__name__}: state {name} must have shape "
                                 f"{(B, self.units)}, got {np.shape(s)}")
        self._set_state(buf, state)

    def _set_state(self, buf, state):
        buf["h"][0] = state[0]

    def _final_state(self, buf, T):
        return (buf["h"][T].copy(),)

    def backward(self, dy, dstate=None):
        """dx (T, B, D) for dy = dL/dy (T, B, H); sets ``grads`` and ``dstate``.

        `dstate` (optional) is dL/d(final state), a tuple like ``state``.
        Returns None for integer-id input or when ``input_grad`` is False.
        The returned dx is a view of a reused buffer, valid until the next backward.
        """
        if self._fwd is None:
            raise EmbedError(f"{type(self).__name__}: backward called before forward")
        x, is_ids, T, B = self._fwd
        p, g, buf = self.params, self.grads, self._buf
        dtype = p["W_h"].dtype
        H, G, D = self.units, self.n_gates * self.units, self.input_dim_
        if np.shape(dy) != (T, B, H):
            raise EmbedError(f"{type(self).__name__}: dy must have shape {(T, B, H)}, got {np.shape(dy)}")
        dy = np.ascontiguousarray(dy, dtype=dtype)
        dstate = self._check_dstate(dstate, B, dtype)
        want_dx = not is_ids and self.input_grad
        dgx, dgh = self._gate_grads(buf)                             # (T, B, G) each
        dgx2, dgh2 = dgx.reshape(T * B, G), dgh.reshape(T * B, G)
        hp2 = buf["h"][:T].reshape(T * B, H)                         # h_{t-1} for every row
        if want_dx and buf["dx"] is None:
            buf["dx"] = np.empty((T, B, D), dtype)
        dx2 = buf["dx"].reshape(T * B, D) if want_dx else None

        np.copyto(buf["W_hT"], p["W_h"].T)                           # (G, H)
        if want_dx:
            np.copyto(buf["W_xT"], p["W_x"].T)                       # (G, D)

        def scan(k, n):                                              # the time loop, by batch rows
            b0, b1 = _bounds(k, n, B)
            self._scan_backward(buf, dy, dstate, T, b0, b1)

        def products(k, n):       # weight grads by output columns, dx by rows: all T*B rows at once
            c = slice(*_bounds(k, n, G, align=16))
            _matmul(hp2.T, dgh2[:, c], g["W_h"][:, c])               # (H, g)
            np.sum(dgx2[:, c], axis=0, out=g["b"][c])                # (g,)
            if is_ids:
                K.scatter_add_rows(x.reshape(T * B), dgx2, g["W_x"], c.start, c.stop)
            else:
                _matmul(x.reshape(T * B, D).T, dgx2[:, c], g["W_x"][:, c])   # (D, g)
            if want_dx:
                r0, r1 = _bounds(k, n, T * B)
                _matmul(dgx2[r0:r1], buf["W_xT"], dx2[r0:r1])       # (rows, D)

        with self._blas_context(buf["tiny"], T * B):
            _parallel(scan, 1 if buf["tiny"] else self._n_threads(B, _MIN_ROWS_PER_THREAD))
            _parallel(products, self._n_threads(T * B, _MIN_PRODUCT_ROWS))
        self.dstate = self._initial_state_grad(buf)
        self._extra_grads(buf, dgh2)
        return buf["dx"] if want_dx else None

    def _extra_grads(self, buf, dgh2):
        """Gradients of cell-specific parameters."""

    def _check_dstate(self, dstate, B, dtype):
        if dstate is None:
            return None
        if len(dstate) != len(self.state_names) or any(np.shape(d) != (B, self.units) for d in dstate):
            raise EmbedError(f"{type(self).__name__}: dstate must be {len(self.state_names)} "
                             f"array(s) of shape {(B, self.units)}")
        return tuple(np.asarray(d, dtype=dtype) for d in dstate)

    def _gate_grads(self, buf):
        """(dL/d x-side pre-activations, dL/d(h W_h)), both (T, B, G)."""
        return buf["dg"], buf["dg"]

    def _initial_state_grad(self, buf):
        return (buf["dh"].copy(),)

    def step(self, x_t, state=None):
        """One time step for generation: (y_t (B, H), new state); no caches kept.

        x_t is (B, D) float or (B,) int ids; `state` None means zeros.
        """
        x_t = np.asarray(x_t)
        if not self.built:
            raise EmbedError(f"{type(self).__name__}: step() needs a built layer (call forward once)")
        p = self.params
        dtype = p["W_h"].dtype
        if np.issubdtype(x_t.dtype, np.integer):
            ids = np.ascontiguousarray(x_t.reshape(-1), dtype=np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim_):
                raise EmbedError(f"{type(self).__name__}: ids must lie in [0, {self.input_dim_})")
            z = p["W_x"][ids] + p["b"]                                  # (B, G)
        else:
            if x_t.ndim != 2 or x_t.shape[1] != self.input_dim_:
                raise EmbedError(f"{type(self).__name__}: x_t must have shape (B, {self.input_dim_}), "
                                 f"got {x_t.shape}")
            z = np.asarray(x_t, dtype=dtype) @ p["W_x"] + p["b"]        # (B, G)
        z = np.ascontiguousarray(z, dtype=dtype)
        B = z.shape[0]
        if state is None:
            state = self.initial_state(B, dtype)
        state = tuple(np.ascontiguousarray(s, dtype=dtype) for s in state)
        if len(state) != len(self.state_names) or any(s.shape != (B, self.units) for s in state):
            raise EmbedError(f"{type(self).__name__}: state must be {len(self.state_names)} "
                             f"array(s) of shape {(B, self.units)}")
        return self._step(z, state)


class SimpleRNN(_Recurrent):
    """Elman RNN with tanh:  h_t = tanh(x_t W_x + h_{t-1} W_h + b).

    Parameters: W_x (D, H), W_h (H, H), b (H,).  State: (h,).
    Backward: da_t = (dy_t + da_{t+1} W_h^T) * (1 - h_t^2).
    """

    n_gates = 1
    state_names = ("h",)

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, hw = buf["z"], buf["h"], buf["hw"]
        W_h = self.params["W_h"]
        if buf["small"]:
            K.rnn_forward_seq(z, W_h, h, hw, b0, b1)
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, H)
            K.rnn_forward_step(z[t], hw, h[t + 1], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        h, dg, dh = buf["h"], buf["dg"], buf["dh"]
        W_hT = buf["W_hT"]
        dh[r] = 0 if dstate is None else dstate[0][r]
        if buf["small"]:
            K.rnn_backward_seq(dy, h, W_hT, dh, dg, b0, b1)
            return
        for t in range(T - 1, -1, -1):
            K.rnn_backward_step(dy[t], dh, h[t + 1], dg[t], b0, b1)
            np.dot(dg[t, r], W_hT, out=dh[r])          # (b, H) = dL/dh_{t-1}

    def _step(self, z, state):
        h = np.empty_like(state[0])
        K.rnn_forward_step(z, state[0] @ self.params["W_h"], h, 0, h.shape[0])
        return h, (h,)


class LSTM(_Recurrent):
    """Long short-term memory with one fused gate matrix, gate order [i | f | g | o].

    With a = x_t W_x + h_{t-1} W_h + b split into four blocks of width H::

        i = sigmoid(a_i)        input gate
        f = sigmoid(a_f)        forget gate   (its bias starts at 1)
        g = tanh(a_g)           candidate
        o = sigmoid(a_o)        output gate
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Parameters: W_x (D, 4H), W_h (H, 4H), b (4H,).  State: (h, c).
    This is PyTorch's gate order, so its weights map as W_x = weight_ih.T,
    W_h = weight_hh.T, b = bias_ih + bias_hh.
    """

    n_gates = 4
    state_names = ("h", "c")

    def _init_extra(self, rng, dtype):
        H = self.units
        self.params["b"][H:2 * H] = 1.0           # remember by default

    def _extra_buffers(self, T, B, dtype):
        H = self.units
        return {"c": np.empty((T + 1, B, H), dtype),   # c_{-1}=c0, c_0 .. c_{T-1}
                "tc": np.empty((T, B, H), dtype),      # tanh(c_t)
                "dc": np.empty((B, H), dtype)}

    def _set_state(self, buf, state):
        buf["h"][0] = state[0]
        buf["c"][0] = state[1]

    def _final_state(self, buf, T):
        return (buf["h"][T].copy(), buf["c"][T].copy())

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, c, tc, hw = (buf[k] for k in ("z", "h", "c", "tc", "hw"))
        act = self._act(buf, b0, b1)
        W_h = self.params["W_h"]
        if buf["small"]:
            K.lstm_forward_seq(z, W_h, h, c, act, tc, hw, b0, b1)
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, 4H)
            K.lstm_forward_step(z[t], hw, c[t], act[t], c[t + 1], h[t + 1], tc[t], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        c, tc, dg, dh, dc = (buf[k] for k in ("c", "tc", "dg", "dh", "dc"))
        act = self._act(buf, b0, b1)
        W_hT = buf["W_hT"]
        dh[r] = 0 if dstate is None else dstate[0][r]
        dc[r] = 0 if dstate is None else dstate[1][r]
        if buf["small"]:
            K.lstm_backward_seq(dy, W_hT, dh, dc, act, c, tc, dg, b0, b1)
            return
        for t in range(T - 1, -1, -1):
            K.lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t], b0, b1)
            np.dot(dg[t, r], W_hT, out=dh[r])          # (b, H) = dL/dh_{t-1}

    def _initial_state_grad(self, buf):
        return (buf["dh"].copy(), buf["dc"].copy())

    def _step(self, z, state):
        h0, c0 = state
        h, c, tc = np.empty_like(h0), np.empty_like(h0), np.empty_like(h0)
        act = np.empty((4,) + h0.shape, h0.dtype)
        K.lstm_forward_step(z, h0 @ self.params["W_h"], c0, act, c, h, tc, 0, h.shape[0])
        return h, (h, c)


class GRU(_Recurrent):
    """Gated recurrent unit, PyTorch / cuDNN variant (reset applied after the product).

    With blocks [r | u | n] of width H (u is the update gate, often called z)::

        r = sigmoid(x_t W_xr + b_r + h_{t-1} W_hr)
        u = sigmoid(x_t W_xu + b_u + h_{t-1} W_hu)
        n = tanh(x_t W_xn + b_n + r * (h_{t-1} W_hn + b_hn))
        h_t = (1 - u) * n + u * h_{t-1}

    Parameters: W_x (D, 3H), W_h (H, 3H), b (3H,), b_hn (H,).  State: (h,).
    From PyTorch: W_x = weight_ih.T, W_h = weight_hh.T, b = bias_ih + [bias_hh_r, bias_hh_z, 0],
    b_hn = bias_hh_n.
    """

    n_gates = 3
    state_names = ("h",)

    def _init_extra(self, rng, dtype):
        self.params["b_hn"] = np.zeros(self.units, dtype=dtype)

    def _extra_buffers(self, T, B, dtype):
        H = self.units
        return {"hn": np.empty((T, B, H), dtype),           # h_{t-1} W_hn + b_hn
                "dgh": np.empty((T, B, 3 * H), dtype),      # dL/d(h W_h)
                "dhd": np.empty((B, H), dtype)}             # dL/dh via the direct u*h path

    def _scan_forward(self, buf, T, b0, b1):
        r = slice(b0, b1)
        z, h, hn, hw = buf["z"], buf["h"], buf["hn"], buf["hw"]
        act = self._act(buf, b0, b1)
        W_h, b_hn = self.params["W_h"], self.params["b_hn"]
        if buf["small"]:
            K.gru_forward_seq(z, W_h, b_hn, h, act, hn, hw, b0, b1)
            return
        for t in range(T):
            np.dot(h[t, r], W_h, out=hw[r])            # (b, 3H)
            K.gru_forward_step(z[t], hw, b_hn, h[t], act[t], h[t + 1], hn[t], b0, b1)

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        h, hn, dgx, dgh, dh, dhd = (buf[k] for k in ("h", "hn", "dg", "dgh", "dh", "dhd"))
        act = self._act(buf, b0, b1)
        W_hT = buf["W_hT"]
        dh[r] = 0
        dhd[r] = 0 if dstate is None else dstate[0][r]
        if buf["small"]:
            K.gru_backward_seq(dy, W_hT, dh, dhd, act, hn, h, dgx, dgh, b0, b1)
            return
        for t in range(T - 1, -1, -1):
            K.gru_backward_step(dy[t], dh, dhd, act[t], hn[t], h[t], dgx[t], dgh[t], b0, b1)
            np.dot(dgh[t, r], W_hT, out=dh[r])         # (b, H)

    def _gate_grads(self, buf):
        return buf["dg"], buf["dgh"]

    def _initial_state_grad(self, buf):
        return (buf["dh"] + buf["dhd"],)

    def _extra_grads(self, buf, dgh2):
        H = self.units
        np.sum(dgh2[:, 2 * H:], axis=0, out=self.grads["b_hn"])   # (H,)

    def _step(self, z, state):
        h0 = state[0]
        h, hn = np.empty_like(h0), np.empty_like(h0)
        act = np.empty((3,) + h0.shape, h0.dtype)
        K.gru_forward_step(z, h0 @ self.params["W_h"], self.params["b_hn"], h0, act, h, hn, 0, h.shape[0])
        return h, (h,)
