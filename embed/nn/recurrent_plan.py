"""How a recurrent layer (`embed.nn.recurrent_base.Recurrent`) runs a chunk: its path
and the kernels of its products, chosen by measurement on the CPU it runs on.

Paths.  Which way a float32 layer runs a chunk depends on the shapes and the CPU
(on an AVX2 EPYC: at H=128, B=50 the Numba loop with the LSTM's input product
fused in is fastest; at H=512 those fused weights, 8 MB, outgrow the caches and
the loop without them wins), so the layer times the ways that apply on its first
chunk of a new batch size, on a copy of itself with random data of that chunk's
shape (`embed.nn.plan.Planner.choose_path`: cached per CPU and library versions
like the products' plans, re-measured by the first few processes); chunks of
other lengths at that batch size then run the same path.  The layer
attribute ``path`` (None: planned) forces one, for tests and benchmarks:

* ``"loop"``: each thread's whole time loop, per-step products included, is one
  Numba call, the products in `gemm.gemm_f32` with the register tile the
  planner measured fastest for that shape (`step_tile`; for the 6 x 16 tile
  each thread packs W_h and W_h^T into 16-column panels first, `panels`); the
  big T*B products run in whichever of gemm_f32's tiles or single-threaded BLAS
  the planner chose;
* ``"fused"``: as "loop", and a cell with `project_in_scan` (the LSTM) also
  does its input product inside the time loop, [x_t | h_{t-1}] @ [W_x; W_h]
  (on each thread's own panels with the 6 x 16 step tile, else on one stacked
  copy the threads share), and dx_t = dG_t W_x^T in the backward loop;
* ``"blas"``: every product in BLAS, the step loop in Python (the only path
  for float64, e.g. the gradient checks).

Whatever the path, a step of at most ``small_step_work`` multiply-adds (B*H*G,
e.g. min-char-rnn's B=1) runs the whole time loop in one Numba call on one
thread, unplanned.
"""
import copy

import numpy as np

from ..errors import EmbedError
from ..parallel import num_threads, split
from . import plan
from .gemm import PANEL

MIN_ROWS_PER_THREAD = 8      # batch rows below which the time loop is not split
MIN_PRODUCT_ROWS = 256       # T*B rows below which the big products are not split
PROBE_WORK = 1 << 30         # T*B*H*G multiply-adds of the chunk a path is timed on, at most


def threads_for(rows, min_rows):
    """Threads worth using on `rows` rows when each should get at least `min_rows`."""
    return max(1, min(num_threads(), rows // min_rows))


class KernelChoices:
    """The path and product kernels of a `Recurrent` layer (a mixin: it reads the layer's
    units, n_gates, params, input_dim_, input_grad, project_in_scan and caches)."""

    def _path(self, buf, is_ids, T, B, dtype, single, parts):
        """The path of this chunk (see the module doc): forced by ``self.path``, else the
        fastest measured for this cell and shape (float32 only: float64 runs "blas")."""
        if self.path is not None and self.path not in plan.PATHS:
            raise EmbedError(f"{type(self).__name__}: path must be None or one of {', '.join(plan.PATHS)}, "
                             f"got {self.path!r}")
        if dtype != np.float32:
            return "blas"
        if self.path is not None or single:
            return self.path or "fused"
        # one plan per batch size and input: a chunk of another length (a validation set's
        # short last chunk) runs the path of the first, rather than timing every path again
        planner = plan.get()
        memo = (B, is_ids, self.input_grad, parts, planner)
        known = self._paths.get(memo)
        if known is not None:
            return known
        fused = self.project_in_scan and not is_ids and self._fusable(buf, B, parts)
        options = ("fused", "loop", "blas") if fused else ("loop", "blas")
        H, D = self.units, self.input_dim_
        x_kind = f"ids{D}" if is_ids else f"x{D}" + ("" if self.input_grad else "-nodx")
        # timed on chunks of this length: per-chunk costs (packing panels, starting threads)
        # weigh more on short chunks; up to 64 steps, fewer for big layers (the recurrent
        # product's T*B*H*G multiply-adds at most PROBE_WORK: ~0.1 s per run on two cores)
        T = max(2, min(T, 64, PROBE_WORK // (B * H * self.n_gates * H)))
        key = (f"rnn.path|{type(self).__name__}|{x_kind}|T{plan.rows_bucket(T)}xB{plan.rows_bucket(B)}xH{H}"
               f"|t{parts}")
        path = self._paths[memo] = planner.choose_path(key, options,
                                                       lambda: self._probes(options, is_ids, T, B))
        return path

    def _probes(self, options, is_ids, T, B):
        """{path: fn} running forward + backward of a random (T, B) chunk on a copy of this layer
        (same weights and settings, its own caches and gradients) with that path forced."""
        probe = copy.copy(self)
        probe._buf = probe._fwd = probe.state = probe.dstate = None
        probe.grads = {k: np.empty_like(g) for k, g in self.grads.items()}
        rng = np.random.default_rng(0)
        D, H = self.input_dim_, self.units
        x = rng.integers(0, D, (T, B)) if is_ids else rng.standard_normal((T, B, D)).astype(np.float32)
        dy = rng.standard_normal((T, B, H)).astype(np.float32)

        def run(path):
            probe.path = path
            probe.forward(x)
            probe.backward(dy)
        return {path: (lambda path=path: run(path)) for path in options}

    def _simd(self, buf):
        """Products in gemm_f32 and the time loop in Numba (the "loop" and "fused" paths)?"""
        return buf["path"] != "blas"

    def _fusable(self, buf, B, parts):
        """Can the input product join the step's in the time loop: every thread has the 5+ rows
        of a register tile (the fused kernels run gemm_f32's tiles only)."""
        return all(b1 - b0 >= 5 for b0, b1 in split(B, parts))

    def step_tile(self, buf, b0, b1, backward=False):
        """gemm_f32's tile code for the per-step product of batch rows b0:b1 inside the
        Numba time loop, measured once per shape by `embed.nn.plan` (0 off the SIMD path),
        the 6 x 16 tile timed on packed panels as the loop runs it (`panels`).
        Forward: (b, H) @ (H, G); backward: (b, G) @ (G, H)."""
        rows = b1 - b0
        if not self._simd(buf) or rows < 5:
            return 0
        return self._planned_tile(buf, rows, backward)

    def _planned_tile(self, buf, rows, backward=False):
        """The planner's tile code for a thread's `rows` rows (memoised in buf)."""
        tiles = buf.setdefault("tiles", {})
        key = (rows, backward)
        if key not in tiles:
            H, G = self.units, self.n_gates * self.units
            tiles[key] = (plan.get().choose_tile("rnn.step_back", rows, G, H, packed=True) if backward
                          else plan.get().choose_tile("rnn.step", rows, H, G, packed=True))
        return tiles[key]

    def _step_tiles(self, buf, B, parts, backward=False):
        """The step tiles of the `parts` threads that split the B batch rows."""
        return [self.step_tile(buf, *split(B, parts)[k], backward) for k in range(parts)]

    def panels(self, buf, b0, b1, tile, backward=False):
        """The step weights of the thread that runs batch rows b0:b1, when its step tile is
        gemm_f32's 6 x 16 (code 1): its own (N // 16, K, 16) array for W_h's (or W_h^T's) panels,
        which the time-loop kernel packs first (`gemm.pack_panels`: same FMA chains as on the
        plain weights, W stays in L1).  Each thread packs its copy, in parallel, and finds it in
        its own cache.  Otherwise an empty (0, K, 16): the kernel reads W_h (W_h^T) as such."""
        K, N = self.params["W_h"].shape[::-1] if backward else self.params["W_h"].shape
        name = "W_hT_panels" if backward else "W_h_panels"
        if tile == 1 and buf["numba_time_loop"] and N % PANEL == 0:
            return self._own(buf, name, b0, b1, (N // PANEL, K, PANEL))
        return np.empty((0, K, PANEL), buf["key"][2])

    def _dx_tiled(self, dgx2, W_xT, dx2, rows):
        """Will the dx product of each thread's block of `rows` rows run in gemm_f32 (which
        needs W_x^T contiguous) rather than BLAS (which reads W_x.T as a view)?"""
        if not self._simd(self._buf):
            return False
        n = threads_for(rows, MIN_PRODUCT_ROWS)
        return any(plan.get().choose("rnn.dx", dgx2[r0:r1], W_xT, dx2[r0:r1], 1) in plan.TILE_CHOICES
                   for r0, r1 in split(rows, n))

    def _matmul(self, a, b, out, op="recurrent"):
        """out = a @ b for one thread's block: on the SIMD path the kernel `embed.nn.plan`
        measured fastest for this shape (gemm_f32 or single-threaded BLAS), else BLAS."""
        if self._simd(self._buf):
            plan.product(op, a, b, out, 1)
        else:
            np.matmul(a, b, out=out)
