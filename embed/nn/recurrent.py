"""Recurrent layers: SimpleRNN, LSTM and GRU over whole sequences (time-major).

All three share one driver (`_Recurrent`) and differ only in the per-step gate
math, which lives in Numba kernels in `embed.nn.recurrent_kernels`.  The work
of one chunk of T steps for a batch of B sequences is arranged around BLAS::

    Z  = X @ W_x + b                     one product, (T*B, D) @ (D, G)
    for t in 0..T-1:                     the only sequential part
        hw = h_{t-1} @ W_h               (B, H) @ (H, G) into a reused buffer
        gate kernel(Z[t], hw, ...)       element-wise, writes h_t, c_t and the
                                         activations backward needs into caches
    backward, t = T-1..0:
        gate-gradient kernel -> dG[t]    (B, G)
        dh_{t-1} = dG[t] @ W_h^T         into a reused buffer
    dW_h = H_prev^T @ dG,  dW_x = X^T @ dG,  db = sum(dG)    one product each, all T*B rows

G is the width of the gate block: H (RNN), 3H (GRU), 4H (LSTM).  Caches are
allocated once per (T, B, dtype) and reused, so the time loop allocates nothing.

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
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import EmbedError
from . import recurrent_kernels as K
from .base import Layer

# -- batch-parallel time loops --------------------------------------------------
# The B sequences of a batch are independent, so the time loop is split into
# row blocks, one per thread, each doing its own small single-threaded BLAS
# products and Numba kernels (both release the GIL).  This beats one loop with a
# multi-threaded BLAS, whose per-call thread hand-off costs more than a
# (B, H) @ (H, 4H) product.  EMBED_NUM_THREADS overrides the thread count.
_MIN_ROWS_PER_THREAD = 8
_pool = None
_blas_limiter = None
_pool_lock = threading.Lock()


def num_threads():
    """Threads for the time loop: $EMBED_NUM_THREADS or the number of CPUs."""
    env = os.environ.get("EMBED_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise EmbedError(f"EMBED_NUM_THREADS must be an integer, got {env!r}") from None
    return max(1, os.cpu_count() or 1)


def _blas_single_thread():
    """Context manager limiting BLAS to one thread (no-op without threadpoolctl)."""
    global _blas_limiter
    if _blas_limiter is None:
        try:
            from threadpoolctl import ThreadpoolController
            ctl = ThreadpoolController().select(user_api="blas")
            _blas_limiter = lambda: ctl.limit(limits=1)           # noqa: E731
        except Exception:                                          # pragma: no cover
            import contextlib
            _blas_limiter = contextlib.nullcontext
    return _blas_limiter()


def _run_blocks(fn, B):
    """Call fn(b0, b1) over row blocks of the batch, in parallel when worthwhile."""
    global _pool
    n = min(num_threads(), max(1, B // _MIN_ROWS_PER_THREAD))
    with _blas_single_thread():
        if n == 1:
            fn(0, B)
            return
        with _pool_lock:
            if _pool is None or _pool._max_workers < n:
                _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="embed-rnn")
        bounds = np.linspace(0, B, n + 1).astype(int)
        futures = [_pool.submit(fn, int(bounds[k]), int(bounds[k + 1])) for k in range(1, n)]
        fn(int(bounds[0]), int(bounds[1]))                         # this thread does block 0
        for f in futures:
            f.result()


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
                   "act": np.empty((T, B, G), dtype),     # activated gates (LSTM, GRU)
                   "h": np.empty((T + 1, B, H), dtype),   # h_{-1}=h0, h_0 .. h_{T-1}
                   "hw": np.empty((B, G), dtype),         # h_{t-1} @ W_h
                   "dg": np.empty((T, B, G), dtype),      # dL/d(pre-activations)
                   "dh": np.empty((B, H), dtype),         # dL/dh through the recurrence
                   "dx": np.empty((T, B, D), dtype)}      # dL/dx
            buf.update(self._extra_buffers(T, B, dtype))
            self._buf = buf
        return self._buf

    def _extra_buffers(self, T, B, dtype):
        return {}

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
        z2 = buf["z"].reshape(T * B, G)
        if is_ids:
            ids = x.reshape(T * B)
            if ids.min() < 0 or ids.max() >= D:
                raise EmbedError(f"{type(self).__name__}: ids must lie in [0, {D}), "
                                 f"got range [{ids.min()}, {ids.max()}]")
            K.gather_rows_bias(ids, p["W_x"], p["b"], z2)          # (T*B, G)
        else:
            if x.shape[2] != D:
                raise EmbedError(f"{type(self).__name__}: expected input width {D}, got {x.shape[2]}")
            x = np.ascontiguousarray(x, dtype=dtype)
            np.dot(x.reshape(T * B, D), p["W_x"], out=z2)           # (T*B, G)
            z2 += p["b"]
        self._load_state(buf, state, B, dtype)
        _run_blocks(lambda b0, b1: self._scan_forward(buf, T, b0, b1), B)
        self.state = self._final_state(buf, T)
        self._fwd = (x, is_ids, T, B)
        return buf["h"][1:]                                         # (T, B, H)

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
        _run_blocks(lambda b0, b1: self._scan_backward(buf, dy, dstate, T, b0, b1), B)
        self.dstate = self._initial_state_grad(buf)
        dgx, dgh = self._gate_grads(buf)                             # (T, B, G) each
        dgx2, dgh2 = dgx.reshape(T * B, G), dgh.reshape(T * B, G)
        np.dot(buf["h"][:T].reshape(T * B, H).T, dgh2, out=g["W_h"])   # (H, G)
        np.sum(dgx2, axis=0, out=g["b"])                               # (G,)
        self._extra_grads(buf, dgh2)
        if is_ids:
            K.scatter_add_rows(x.reshape(T * B), dgx2, g["W_x"])        # (D, G)
            return None
        np.dot(x.reshape(T * B, D).T, dgx2, out=g["W_x"])              # (D, G)
        if not self.input_grad:
            return None
        dx = buf["dx"]
        np.dot(dgx2, p["W_x"].T, out=dx.reshape(T * B, D))             # (T*B, D)
        return dx

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
        rows = slice(b0, b1)
        z, h, hw = buf["z"][:, rows], buf["h"][:, rows], buf["hw"][rows]
        W_h = self.params["W_h"]
        for t in range(T):
            np.dot(h[t], W_h, out=hw)                  # (b, H)
            K.rnn_forward_step(z[t], hw, h[t + 1])

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        rows = slice(b0, b1)
        h, dg, dh, dy = buf["h"][:, rows], buf["dg"][:, rows], buf["dh"][rows], dy[:, rows]
        W_hT = self.params["W_h"].T
        dh[...] = 0 if dstate is None else dstate[0][rows]
        for t in range(T - 1, -1, -1):
            K.rnn_backward_step(dy[t], dh, h[t + 1], dg[t])
            np.dot(dg[t], W_hT, out=dh)                # (b, H) = dL/dh_{t-1}

    def _step(self, z, state):
        h = np.empty_like(state[0])
        K.rnn_forward_step(z, state[0] @ self.params["W_h"], h)
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
        z, act, h, c, tc = (buf[k][:, r] for k in ("z", "act", "h", "c", "tc"))
        hw = buf["hw"][r]
        W_h = self.params["W_h"]
        for t in range(T):
            np.dot(h[t], W_h, out=hw)                  # (b, 4H)
            K.lstm_forward_step(z[t], hw, c[t], act[t], c[t + 1], h[t + 1], tc[t])

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        act, c, tc, dg, dy = buf["act"][:, r], buf["c"][:, r], buf["tc"][:, r], buf["dg"][:, r], dy[:, r]
        dh, dc = buf["dh"][r], buf["dc"][r]
        W_hT = self.params["W_h"].T
        dh[...] = 0 if dstate is None else dstate[0][r]
        dc[...] = 0 if dstate is None else dstate[1][r]
        for t in range(T - 1, -1, -1):
            K.lstm_backward_step(dy[t], dh, dc, act[t], c[t], tc[t], dg[t])
            np.dot(dg[t], W_hT, out=dh)                # (b, H) = dL/dh_{t-1}

    def _initial_state_grad(self, buf):
        return (buf["dh"].copy(), buf["dc"].copy())

    def _step(self, z, state):
        h0, c0 = state
        h, c, tc = np.empty_like(h0), np.empty_like(h0), np.empty_like(h0)
        K.lstm_forward_step(z, h0 @ self.params["W_h"], c0, np.empty_like(z), c, h, tc)
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
        z, act, h, hn = buf["z"][:, r], buf["act"][:, r], buf["h"][:, r], buf["hn"][:, r]
        hw = buf["hw"][r]
        W_h, b_hn = self.params["W_h"], self.params["b_hn"]
        for t in range(T):
            np.dot(h[t], W_h, out=hw)                  # (b, 3H)
            K.gru_forward_step(z[t], hw, b_hn, h[t], act[t], h[t + 1], hn[t])

    def _scan_backward(self, buf, dy, dstate, T, b0, b1):
        r = slice(b0, b1)
        act, h, hn, dgx, dgh = (buf[k][:, r] for k in ("act", "h", "hn", "dg", "dgh"))
        dh, dhd, dy = buf["dh"][r], buf["dhd"][r], dy[:, r]
        W_hT = self.params["W_h"].T
        dh[...] = 0
        dhd[...] = 0 if dstate is None else dstate[0][r]
        for t in range(T - 1, -1, -1):
            K.gru_backward_step(dy[t], dh, dhd, act[t], hn[t], h[t], dgx[t], dgh[t])
            np.dot(dgh[t], W_hT, out=dh)               # (b, H)

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
        K.gru_forward_step(z, h0 @ self.params["W_h"], self.params["b_hn"], h0, np.empty_like(z), h, hn)
        return h, (h,)
