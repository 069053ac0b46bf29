"""The shared recurrent driver: parameters, caches, threads and the big products.

`Recurrent` runs a chunk of T steps for a batch of B sequences (time-major)
around a few matrix products; a cell subclass (`embed.nn.cells`) supplies only
its gate math::

    Z  = X @ W_x                         one product, (T*B, D) @ (D, G); b is added in the gate kernel
                                         (LSTM on the "fused" path: one product
                                         [x_t | h_{t-1}] @ [W_x; W_h] per step inside the time loop
                                         instead, dG_t @ W_x^T in the backward loop, and the weight
                                         gradients as one [X | H_prev]^T @ dG; see `project_in_scan`)
    for t in 0..T-1:                     the only sequential part (cell._scan_forward)
        hw = h_{t-1} @ W_h               (B, H) @ (H, G) into a reused buffer
        gate kernel(Z[t], hw, ...)       element-wise, writes h_t, c_t and the
                                         activations backward needs into caches
    backward, t = T-1..0:                (cell._scan_backward)
        gate-gradient kernel -> dG[t]    (B, G)
        dh_{t-1} = dG[t] @ W_h^T         into a reused buffer
    dW_h = H_prev^T @ dG,  dW_x = X^T @ dG,  db = sum(dG),  dX = dG @ W_x^T
                                         one product each over all T*B rows (the LSTM's
                                         gate-gradient kernel sums db itself, per thread block)

G is the width of the gate block: H (RNN), 3H (GRU), 4H (LSTM).  Caches are
allocated once per (T, B, dtype) and reused, so the time loop allocates nothing.

Threads (`embed.parallel`): BLAS runs on one thread and the layer splits the
work itself on the shared pool -- the time loop by batch rows (the B sequences
are independent), the input projection and dx by rows, the weight gradients by
output columns.  Both BLAS and the kernels release the GIL.  A multi-threaded
BLAS would instead hand every small (B, H) @ (H, G) product to threads that
spin waiting for each other.

Paths: a float32 layer runs its time loop in Numba with the products in
register tiles (the LSTM's input product fused into the loop or done before
it), or every product in BLAS; which is fastest depends on the shapes and the
CPU, so it is measured (`embed.nn.recurrent_plan`, which also holds the
per-step tile and panel choices).

Inputs are float arrays x (T, B, D) or integer ids (T, B) standing for one-hot
rows of width ``input_dim`` (``X @ W_x`` becomes the row gather ``W_x[ids]``
and dW_x a scatter-add; there is no dx).  Parameters are float32, or float64
when the first input is float64.
"""
import contextlib

import numpy as np

from ..errors import EmbedError
from ..parallel import blas_limit, run, split
from . import recurrent_kernels
from .base import Layer
from .gemm import PANEL
from .recurrent_plan import MIN_PRODUCT_ROWS, MIN_ROWS_PER_THREAD, KernelChoices, threads_for


def product_blas_limit(rows):
    """BLAS on one thread for products of `rows` rows; tiny ones (below MIN_PRODUCT_ROWS)
    skip the switch, which costs more than their products (a few microseconds)."""
    return blas_limit(1) if rows >= MIN_PRODUCT_ROWS else contextlib.nullcontext()


def _in_parts(fn, parts):
    """fn(k, parts) for k in range(parts) on the shared pool (part 0 in this thread)."""
    run(lambda k: fn(k, parts), parts)


class Recurrent(KernelChoices, Layer):
    """Shared driver of SimpleRNN / LSTM / GRU: parameters, caches, threads, products.

    A cell subclass sets `n_gates`, `state_names` and implements `_scan_forward`,
    `_scan_backward` and `_step` (plus the optional hooks below).
    """

    n_gates = 1                     # gate blocks of width H in W_x / W_h / b
    state_names = ("h",)            # the carried state, in order
    path = None                     # None: planned per shape; or one of plan.PATHS (embed.nn.recurrent_plan)
    bias_grad_in_scan = False       # True: _scan_backward sums db per thread block (_bias_grad_part)
    project_in_scan = False         # True: x_t W_x and dG_t W_x^T inside the time loops when the steps
                                    # read packed panels, the rows W_x[ids] gathered and dW_x summed in
                                    # them for integer ids (cells with such loop kernels: LSTM)
    small_step_work = 1 << 16       # B*H*G per step up to which the time loop runs in Numba

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
        self._paths = {}            # planned paths by (B, ids?, input_grad, threads, planner)

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
                   "W_xT": np.empty((G, D), dtype),       # contiguous W_x^T (dx in gemm_f32)
                   "ones": np.ones(T * B, dtype),         # bias gradients as ones @ dG (BLAS gemv)
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
        return self._own(buf, "act", b0, b1, (buf["key"][0], self.n_gates, b1 - b0, self.units))

    def _bias_grad_part(self, buf, b0, b1):
        """The (G,) share of grads["b"] of batch rows b0:b1, for a cell whose gate-gradient
        kernel sums it (`bias_grad_in_scan`) while dG is in registers: no pass over dG after."""
        return self._own(buf, "db_parts", b0, b1, (self.n_gates * self.units,))

    def ids_grad_part(self, buf, b0, b1):
        """The (V, G) share of grads["W_x"] of batch rows b0:b1 for integer-id input, for a cell
        whose time loop sums it (`project_in_scan`): the rows' dG added at their ids."""
        return self._own(buf, "dW_x_parts", b0, b1, (self.input_dim_, self.n_gates * self.units))

    @staticmethod
    def _own(buf, name, b0, b1, shape):
        """buf[name][(b0, b1)]: an array of `shape` owned by the thread that runs batch rows
        b0:b1 (made on first use), so threads never write to the same cache lines."""
        arrays = buf.setdefault(name, {})
        a = arrays.get((b0, b1))
        if a is None:
            a = arrays[(b0, b1)] = np.empty(shape, buf["key"][2])
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
        # one thread, no BLAS calls at all / the whole time loop in one Numba call
        buf["single_thread"] = single = B * H * G <= self.small_step_work
        scan_parts = 1 if single else threads_for(B, MIN_ROWS_PER_THREAD)
        buf["path"] = self._path(buf, is_ids, T, B, dtype, single, scan_parts)
        buf["numba_time_loop"] = single or buf["path"] != "blas"
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

        def project(k, n):                       # Z = X W_x, by rows (the gate kernels add b)
            r0, r1 = split(T * B, n)[k]
            if is_ids:
                recurrent_kernels.gather_rows(ids[r0:r1], p["W_x"], z2[r0:r1])
            else:
                self._matmul(x2[r0:r1], p["W_x"], z2[r0:r1], "rnn.Wx")          # (rows, G)

        def scan(k, n):                                             # the time loop, by batch rows
            b0, b1 = split(B, n)[k]
            self._scan_forward(buf, T, b0, b1)

        # on the "fused" path, x_t W_x inside each thread's time loop, joined to the step's
        # product as [x_t | h_{t-1}] @ [W_x; W_h]: no pass writing the chunk's z and reading it
        # back, one pool job instead of two, one product per step (for integer ids on either
        # loop path: the rows W_x[ids[t]] gathered in the time loop, step by step)
        buf["x_in_scan"] = None
        if self.project_in_scan and buf["numba_time_loop"]:
            if is_ids:
                if buf.get("zt") is None:
                    buf["zt"] = np.empty((B, G), dtype)         # x_t W_x of one step
                buf["x_in_scan"] = x                            # (T, B) int64
            elif buf["path"] == "fused" and self._fusable(buf, B, scan_parts):
                if buf.get("xh") is None:
                    buf["xh"] = np.empty((T, B, D + H), dtype)  # rows [x_t | h_{t-1}]
                buf["x_in_scan"] = x
                # the step tile 6 x 16 reads each thread's own panels; any other tile reads
                # one stacked copy [W_x; W_h] (D + H, G) that the threads share
                tiles = self._step_tiles(buf, B, scan_parts)
                buf["fused_panels"] = G % PANEL == 0 and all(tile == 1 for tile in tiles)
                if not buf["fused_panels"]:
                    if buf.get("W_xh") is None:
                        buf["W_xh"] = np.empty((D + H, G), dtype)
                    np.copyto(buf["W_xh"][:D], p["W_x"])
                    np.copyto(buf["W_xh"][D:], p["W_h"])
        with self._blas_context(single, T * B):
            if buf["x_in_scan"] is None:
                _in_parts(project, threads_for(T * B, MIN_PRODUCT_ROWS))
            _in_parts(scan, scan_parts)
        self.state = self._final_state(buf, T)
        self._fwd = (x, is_ids, T, B)
        return buf["h"][1:]                                         # (T, B, H)

    @staticmethod
    def _blas_context(single_thread, rows):
        """BLAS on one thread, except for tiny work where no BLAS call matters
        (switching the limit costs more than a min-char-rnn chunk's products)."""
        if single_thread and rows < MIN_PRODUCT_ROWS:
            return contextlib.nullcontext()
        return blas_limit(1)

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

        def scan(k, n):                                              # the time loop, by batch rows
            b0, b1 = split(B, n)[k]
            self._scan_backward(buf, dy, dstate, T, b0, b1)

        scan_parts = 1 if buf["single_thread"] else threads_for(B, MIN_ROWS_PER_THREAD)
        W_xT = None
        buf["dx_in_scan"] = None
        tiles = self._step_tiles(buf, B, scan_parts, True)
        buf["fused_panels_back"] = D % PANEL == 0 and H % PANEL == 0 and all(tile == 1 for tile in tiles)
        if want_dx and buf["x_in_scan"] is not None:
            # as forward's x_t W_x: dx_t = dG_t W_x^T in each thread's time loop, next to
            # dh_{t-1} = dG_t W_h^T (no pass re-reading the chunk's dG): on panels of W_x^T
            # and W_h^T each thread packs for itself (the 6 x 16 tile), else on shared
            # transposed copies
            buf["dx_in_scan"] = buf["dx"]
            if not buf["fused_panels_back"]:
                recurrent_kernels.transpose_into(p["W_h"], buf["W_hT"])    # (G, H)
                recurrent_kernels.transpose_into(p["W_x"], buf["W_xT"])    # (G, D)
        else:
            # W_h^T as such only for a thread that does not read the panels
            if not buf["numba_time_loop"] or any(self.panels(buf, *split(B, scan_parts)[k], tile, True).shape[0] == 0
                                                 for k, tile in enumerate(tiles)):
                recurrent_kernels.transpose_into(p["W_h"], buf["W_hT"])  # (G, H)
            if want_dx:   # BLAS takes W_x^T as a transposed view; gemm_f32's tiles need it copied
                W_xT = p["W_x"].T                                        # (G, D)
                if self._dx_tiled(dgx2, buf["W_xT"], dx2, T * B):
                    W_xT = buf["W_xT"]
                    recurrent_kernels.transpose_into(p["W_x"], W_xT)
        # the forward kept the rows [x_t | h_{t-1}]: dW_x and dW_h in one product
        # [X | H_prev]^T dG (dG is one array for both here: only the LSTM keeps xh)
        xh2 = buf["xh"].reshape(T * B, D + H) if buf["x_in_scan"] is not None and not is_ids else None
        if xh2 is not None and buf.get("dW") is None:
            buf["dW"] = np.empty((D + H, G), dtype)                  # [dW_x; dW_h]
        # integer ids with the rows gathered in the loop: each thread's time loop summed its
        # rows' dG into its own share of dW_x (`ids_grad_part`)
        ids_parts = ([self.ids_grad_part(buf, *split(B, scan_parts)[k]) for k in range(scan_parts)]
                     if is_ids and buf["x_in_scan"] is not None else None)

        def products(k, n):       # weight grads by output columns, dx by rows: all T*B rows at once
            c = slice(*split(G, n, align=16)[k])
            if xh2 is not None:
                self._matmul(xh2.T, dgx2[:, c], buf["dW"][:, c], "rnn.dWxh")            # (D + H, g)
                g["W_x"][:, c] = buf["dW"][:D, c]
                g["W_h"][:, c] = buf["dW"][D:, c]
            else:
                self._matmul(hp2.T, dgh2[:, c], g["W_h"][:, c], "rnn.dWh")             # (H, g)
            if not self.bias_grad_in_scan:
                np.matmul(buf["ones"], dgx2[:, c], out=g["b"][c])    # (g,) column sums: BLAS
                # gemv reads the strided columns about twice as fast as np.sum(axis=0)
            if ids_parts is not None:
                np.copyto(g["W_x"][:, c], ids_parts[0][:, c])
                for part in ids_parts[1:]:
                    g["W_x"][:, c] += part[:, c]
            elif is_ids:
                recurrent_kernels.scatter_add_rows(x.reshape(T * B), dgx2, g["W_x"], c.start, c.stop)
            elif xh2 is None:
                self._matmul(x.reshape(T * B, D).T, dgx2[:, c], g["W_x"][:, c], "rnn.dWx")   # (D, g)
            if want_dx and buf["dx_in_scan"] is None:
                r0, r1 = split(T * B, n)[k]
                self._matmul(dgx2[r0:r1], W_xT, dx2[r0:r1], "rnn.dx")     # (rows, D)

        with self._blas_context(buf["single_thread"], T * B):
            _in_parts(scan, scan_parts)
            _in_parts(products, threads_for(T * B, MIN_PRODUCT_ROWS))
        if self.bias_grad_in_scan:                                   # the blocks' shares, in order
            np.copyto(g["b"], self._bias_grad_part(buf, *split(B, scan_parts)[0]))
            for k in range(1, scan_parts):
                g["b"] += self._bias_grad_part(buf, *split(B, scan_parts)[k])
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
            z = p["W_x"][ids]                                           # (B, G); b: in _step
        else:
            if x_t.ndim != 2 or x_t.shape[1] != self.input_dim_:
                raise EmbedError(f"{type(self).__name__}: x_t must have shape (B, {self.input_dim_}), "
                                 f"got {x_t.shape}")
            z = np.asarray(x_t, dtype=dtype) @ p["W_x"]                 # (B, G)
        z = np.ascontiguousarray(z, dtype=dtype)
        B = z.shape[0]
        if state is None:
            state = self.initial_state(B, dtype)
        state = tuple(np.ascontiguousarray(s, dtype=dtype) for s in state)
        if len(state) != len(self.state_names) or any(s.shape != (B, self.units) for s in state):
            raise EmbedError(f"{type(self).__name__}: state must be {len(self.state_names)} "
                             f"array(s) of shape {(B, self.units)}")
        return self._step(z, state)
