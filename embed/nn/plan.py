"""Dispatch by measurement: which kernel computes a product shape fastest on this CPU.

Which of embed's register-tiled Numba kernel (`embed.nn.gemm.gemm_f32`) and
BLAS wins depends on the CPU (AVX2 or AVX-512, Intel or AMD), on which kernel
family the loaded BLAS picked, and on the thread count; no fixed rule is right
everywhere.  So, like FFTW's plans, the first time a layer meets a product
shape the candidates are timed on small random operands of that shape and
layout (a few milliseconds), the fastest is kept, and the choice is cached on
disk for the next process::

    from embed.nn import plan
    choice = plan.get().choose("dense.fwd", a, W, out, threads=2)   # e.g. 'split_tile6x16'
    plan.run_product(choice, a, W, out, threads=2)                    # out = a @ W

Candidates (those that apply to the operands and thread count):

* ``tile5x64``, ``tile6x16``  gemm_f32 on one thread with that register tile (float32, W and
  out with unit column stride; 5x64 suits AVX-512's 32 registers, 6x16 AVX2's 16);
* ``blas``         numpy's BLAS with its current thread count;
* ``blas1``        BLAS limited to one thread for the call (only when BLAS has more);
* ``split_tile5x64``, ``split_tile6x16``  rows of `out` cut into one block per thread,
  gemm_f32 per block, on the pool;
* ``split_blas``   the same with single-threaded BLAS per block.

`choose_tile` answers only among the tiles, for products inside Numba loops
(the recurrent time step), as a gemm_f32 tile code.  With ``packed=True`` the
6 x 16 candidate is timed the way such a loop runs it, on W packed into
16-column panels once (`gemm.gemm_panels`), not on the plain W; such plans are
named ``<op>+panels``.  `choose_path` plans a whole computation rather than one
product: it times the caller's ways of running it (for a recurrent layer,
`PATHS`: its time loop in Numba with the input product fused in or done before,
or every product in BLAS) the same way, and caches the fastest under the
caller's key.

A measurement on a shared machine can be spoiled by a burst of other work (BLAS's
threads spin-waiting for a descheduled partner run tens of times slower), so a
plan is measured again by the first `CONFIRM` processes that use it, each
candidate keeping its best time over them; then it is only read.

The cache, ``<cache_dir>/plans.json``, holds a machine key (CPU model, SIMD
flags, the CPU and features Numba compiles for, numpy / BLAS library / kernel family /
numba / embed versions) and the choices; a file whose key differs (another CPU, another
NUMBA_CPU_NAME, an upgraded library) or that does not parse is ignored and rewritten.
Writes are atomic.
`Planner(force=...)` always answers one choice (tests compare them);
`Planner(timer=...)` replaces the clock (tests inject fake timings).
"""
import contextlib
import json
import os
import platform
import threading
import time

import numpy as np

from .. import parallel, settings
from ..fileio import atomic_write
from .gemm import PANEL, TILES, gemm_f32, gemm_panels, pack_panels

CHOICES = ("tile5x64", "tile6x16", "blas", "blas1", "split_tile5x64", "split_tile6x16", "split_blas")
TILE_CHOICES = tuple("tile" + t for t in TILES)
PATHS = ("fused", "loop", "blas")    # how a recurrent layer runs a chunk (embed.nn.recurrent_plan)
_SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16",
               "avx512_fp16", "amx_tile", "asimd", "sve", "sve2")
CONFIRM = 3              # processes that measure a plan (best time per candidate) before it is fixed
_BUDGET = 0.002          # seconds of timing per candidate (after one warm-up call each)
_MAX_REPEATS = 20


# -- the machine -------------------------------------------------------------------
def _cpuinfo():
    """(model name, SIMD flags) from /proc/cpuinfo, or platform's answer elsewhere."""
    model, flags = "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key in ("model name", "hardware", "cpu part") and not model:
                    model = value.strip()
                elif key in ("flags", "features") and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), [f for f in _SIMD_FLAGS if f in flags]


def simd_level(flags):
    """The widest x86 / ARM vector extension among `flags`: 'avx512', 'avx2', 'neon', ..."""
    for level, flag in (("avx512", "avx512f"), ("avx2", "avx2"), ("avx", "avx"), ("sve", "sve"),
                        ("neon", "asimd"), ("sse4.2", "sse4_2")):
        if flag in flags:
            return level
    return "none"


def blas_info():
    """numpy's BLAS as threadpoolctl sees it: list of {internal_api, version, architecture, num_threads}."""
    try:
        from threadpoolctl import threadpool_info
        libs = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    except Exception:  # noqa: BLE001 — threadpoolctl missing or failing: no BLAS details
        libs = []
    return [{"internal_api": lib.get("internal_api"), "version": lib.get("version"),
             "architecture": lib.get("architecture") or lib.get("corename"),
             "num_threads": lib.get("num_threads")} for lib in libs]


def machine_key():
    """What a cached plan depends on: the CPU and the library versions (a JSON-able dict).

    llvm_cpu / llvm_features: what Numba compiles the kernels for -- the host, or the CPU
    and features set with NUMBA_CPU_NAME / NUMBA_CPU_FEATURES (say "generic", for a cache
    shared by different machines): other machine code, other timings.
    """
    import numba
    from llvmlite import binding
    from .. import __version__
    model, flags = _cpuinfo()
    return {"cpu": model, "simd": flags, "llvm_cpu": numba.config.CPU_NAME or binding.get_host_cpu_name(),
            "llvm_features": numba.config.CPU_FEATURES,
            "machine": platform.machine(), "numpy": np.__version__,
            "blas": [{k: v for k, v in lib.items() if k != "num_threads"} for lib in blas_info()],
            "numba": numba.__version__, "embed": __version__}


# -- running a choice -----------------------------------------------------------------
def tiled_ok(a, W, out):
    """Can gemm_f32 take out = a @ W?  float32 throughout, W and out with unit column stride."""
    return (a.dtype == W.dtype == out.dtype == np.float32 and W.ndim == a.ndim == out.ndim == 2
            and W.strides[1] == 4 and out.strides[1] == 4)


def candidates(a, W, out, threads):
    """The choices that apply to these operands with `threads` threads, in CHOICES order."""
    tiled = tiled_ok(a, W, out)
    many = threads > 1 and out.shape[0] >= 2 * threads
    blas_many = parallel.blas_threads() > 1
    return [c for c, ok in (("tile5x64", tiled), ("tile6x16", tiled), ("blas", True), ("blas1", blas_many),
                            ("split_tile5x64", tiled and many), ("split_tile6x16", tiled and many),
                            ("split_blas", many)) if ok]


def tile_code(choice):
    """gemm_f32's tile code (index in gemm.TILES) of a tile choice such as 'split_tile6x16'."""
    return TILES.index(choice.rsplit("tile", 1)[1])


def run_product(choice, a, W, out, threads=1):
    """out = a @ W the way `choice` says (see the module docstring); returns out."""
    if choice in TILE_CHOICES:
        gemm_f32(a, W, out, False, tile_code(choice))
    elif choice == "blas":
        np.matmul(a, W, out=out)
    elif choice == "blas1":
        with parallel.blas_limit(1):
            np.matmul(a, W, out=out)
    elif choice.startswith("split_"):
        blocks = parallel.split(out.shape[0], threads)
        tiled = choice != "split_blas"
        tile = tile_code(choice) if tiled else 0

        def rows(k):                                               # one block of out's rows
            s, e = blocks[k]
            if tiled:
                gemm_f32(a[s:e], W, out[s:e], False, tile)
            else:
                np.matmul(a[s:e], W, out=out[s:e])
        if tiled or parallel.blas_threads() == 1:
            parallel.run(rows, threads)
        else:
            with parallel.blas_limit(1):
                parallel.run(rows, threads)
    else:
        raise ValueError(f"unknown product choice {choice!r}")
    return out


def _layout(x):
    """'t' for a transposed view of a C-contiguous array (x.T), 'n' for C order, 's' otherwise."""
    if x.flags.c_contiguous:
        return "n"
    if x.flags.f_contiguous:
        return "t"
    return "s"


def _like(x, rng):
    """Random float operand of x's shape, dtype and layout (C order or a transposed view)."""
    if _layout(x) == "t":
        return np.ascontiguousarray(rng.standard_normal(x.shape[::-1]), dtype=x.dtype).T
    return np.ascontiguousarray(rng.standard_normal(x.shape), dtype=x.dtype)


def _clock(fns, min_rounds=3):
    """{name: best seconds of fn()} over a small budget, the candidates timed in turns.

    One untimed warm-up call each (it may load a compiled kernel), then one timed
    call each; a candidate whose timed call took over 4x the fastest is not timed
    further (that time is its answer).  The others are timed round-robin, at least
    `min_rounds` rounds, until each has had about `_BUDGET` seconds: a burst of other
    work or a change of clock speed then hits every candidate alike, where timing
    them one after the other let a slower kernel win a near tie.
    """
    for fn in fns.values():
        fn()
    best = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        fn()
        best[name] = time.perf_counter() - t0
    bound = min(best.values(), default=0.0)
    live = {name: fn for name, fn in fns.items() if best[name] <= 4 * bound}
    spent, rounds = 0.0, 0
    while live and (rounds < min_rounds or (spent < _BUDGET * len(live) and rounds < _MAX_REPEATS)):
        for name, fn in live.items():
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            best[name], spent = min(best[name], dt), spent + dt
        rounds += 1
        if spent > 5 * _BUDGET * len(live):
            break
    return best


def rows_bucket(m):
    """Row and reduction counts share a plan within a power-of-two bucket (65..128 -> 128):
    a last, short batch or a validation pass does not trigger a new measurement."""
    return 1 << max(0, int(m) - 1).bit_length()


def merge_timings(old, new, options):
    """A plan from the measurement `new` and the earlier plan `old` (None: first time):
    each candidate keeps its best time, the choice is the fastest (ties: the earlier
    option), and ``runs`` counts the measurements."""
    seconds = dict(new["seconds"])
    if old is not None:
        for c, t in old.get("seconds", {}).items():
            if c in seconds:
                seconds[c] = min(seconds[c], float(t))
    best = min(options, key=lambda c: (seconds.get(c, float("inf")), options.index(c)))
    runs = (int(old.get("runs", 1)) if old is not None else 0) + 1
    return {"choice": best, "seconds": seconds, "runs": runs}


# -- the planner --------------------------------------------------------------------
class Planner:
    """Chooses, measures (once per process, in the first `CONFIRM` processes), remembers (in
    memory and in `path`) the fastest product kernel.

    path  : the JSON cache (None: ``<settings cache_dir>/plans.json``; False: memory only)
    force : one of CHOICES answered for every product it applies to (others fall back to 'blas')
    timer : timer(choice, fn) -> seconds; default runs fn a few times and keeps the best
    """

    def __init__(self, path=None, force=None, timer=None):
        if force is not None and force not in CHOICES:
            raise ValueError(f"force must be one of {', '.join(CHOICES)}, got {force!r}")
        self.path = os.path.join(settings.get().cache_dir, "plans.json") if path is None else path
        self.force = force
        self.timer = timer
        self.plans = None            # key -> {"choice": ..., "seconds": {choice: s}}
        self._machine = None
        self._memo = {}              # (op, shapes, layouts, dtype, threads) -> choice: the per-step fast path
        self._lock = threading.Lock()  # one planning at a time (pool threads may ask together)
        self._measured = set()       # plan keys measured by this planner (once each)
        self.used = {}               # plan key -> choice, for the products this process ran

    def key(self, op, a, W, out, threads):
        """The plan's name: op, shape (M, K, N), operand layouts, threads, BLAS threads."""
        (M, K), N = a.shape, W.shape[1]
        return (f"{op}|{rows_bucket(M)}x{rows_bucket(K)}x{N}|{_layout(a)}{_layout(W)}|{a.dtype}"
                f"|t{threads}|b{parallel.blas_threads()}")

    def choose(self, op, a, W, out, threads=1, options=None, packed=False):
        """The choice for out = a @ W under the name `op` (e.g. 'dense.fwd'), planned on first
        use; `options` narrows the candidates (e.g. to TILE_CHOICES); `packed` times the
        6 x 16 tile on W's panels (see `measure`)."""
        fast = (op, rows_bucket(a.shape[0]), rows_bucket(a.shape[1]), W.shape[1], a.strides, W.strides,
                out.strides, a.dtype, threads)
        choice = self._memo.get(fast)
        if choice is not None:
            return choice
        options = [c for c in candidates(a, W, out, threads) if options is None or c in options] or ["blas"]
        if self.force is not None:
            choice = self.force if self.force in options else ("blas" if "blas" in options else options[0])
        elif len(options) == 1:
            choice = options[0]
        else:
            key = self.key(op, a, W, out, threads)
            with self._lock:
                found = self._valid(key, options)                   # None: unknown, or stale candidates
                if found is None or (key not in self._measured and found.get("runs", 1) < CONFIRM):
                    found = self.plans[key] = merge_timings(found, self.measure(a, W, out, threads, options,
                                                                                packed), options)
                    self._measured.add(key)
                    self._save()
            choice = found["choice"]
            self.used[key] = choice
        self._memo[fast] = choice          # BLAS's thread count is taken as fixed for a given `threads`
        return choice

    def choose_tile(self, op, M, K, N, packed=False):
        """gemm_f32's tile code for float32 (M, K) @ (K, N) products run inside a Numba loop;
        `packed`: the loop runs the 6 x 16 tile on W's panels (when N % 16 == 0), so time that."""
        a, W = np.zeros((M, K), np.float32), np.zeros((K, N), np.float32)
        packed = packed and N % PANEL == 0
        choice = self.choose(op + "+panels" if packed else op, a, W, np.zeros((M, N), np.float32), 1,
                             TILE_CHOICES, packed)
        return tile_code(choice) if choice in TILE_CHOICES else 0

    def choose_path(self, key, options, make_fns):
        """The fastest of `options` (names from PATHS, ties to the earlier) for the plan `key`,
        planned on first use like a product: ``make_fns()`` -> {option: fn()} runs each way once.
        The timing runs outside the planner's lock (the fns may plan the products they run).
        A forced planner answers the first option."""
        options = list(options)
        if self.force is not None or len(options) == 1:
            return options[0]
        choice = self._memo.get(key)
        if choice in options:
            return choice
        with self._lock:
            found = self._timed_all(key, options)
            stale = found is None or (key not in self._measured and found.get("runs", 1) < CONFIRM)
        if stale:
            # five rounds at least: whole runs take milliseconds each, far over the budget
            # that lets a product's timing stop after three, and a path decides more
            seconds = self._time(make_fns(), min_rounds=5)
            with self._lock:
                found = self.plans[key] = merge_timings(self._timed_all(key, options), {"seconds": seconds},
                                                        options)
                self._measured.add(key)
                self._save()
        choice = self._memo[key] = self.used[key] = found["choice"]
        return choice

    def _timed_all(self, key, options):
        """The cached path plan `key` if it timed every one of `options`, else None (a plan
        made before a path applied here, e.g. by an older embed, is made afresh)."""
        found = self._valid(key, options)
        return found if found is not None and set(options) <= set(found.get("seconds", {})) else None

    def _valid(self, key, options):
        """The cached plan `key` if its choice is among `options`, else None."""
        found = self._load().get(key)
        return found if found is not None and found.get("choice") in options else None

    def _time(self, fns, min_rounds=3):
        """{name: seconds} of each fn, by the injected timer or `_clock`."""
        if self.timer is not None:
            return {c: float(self.timer(c, fn)) for c, fn in fns.items()}
        return {c: float(t) for c, t in _clock(fns, min_rounds).items()}

    def measure(self, a, W, out, threads, options=None, packed=False):
        """{"choice": fastest, "seconds": {choice: best time}} on fresh random operands like a, W;
        `packed`: tile6x16 is timed as `gemm_panels` on W packed beforehand (W (K, N), N % 16 == 0)."""
        options = options or candidates(a, W, out, threads)
        rng = np.random.default_rng(0)
        a2, W2, o2 = _like(a, rng), _like(W, rng), np.empty_like(out)
        fns = {c: (lambda c=c: run_product(c, a2, W2, o2, threads)) for c in options}
        if packed and "tile6x16" in fns:
            Wp = np.empty((W2.shape[1] // PANEL, W2.shape[0], PANEL), W2.dtype)
            pack_panels(W2, Wp)
            fns["tile6x16"] = lambda: gemm_panels(a2, Wp, o2, False)
        seconds = self._time(fns)
        best = min(options, key=lambda c: (seconds[c], options.index(c)))   # ties: the earlier choice
        return {"choice": best, "seconds": seconds}

    def chosen(self):
        """{plan key: choice} of every plan known (cached or measured)."""
        return {k: v["choice"] for k, v in sorted(self._load().items())}

    # -- the cache file ----------------------------------------------------------------
    def machine(self):
        if self._machine is None:
            self._machine = machine_key()
        return self._machine

    def _load(self):
        if self.plans is None:
            self.plans = {}
            if self.path:
                try:
                    with open(self.path, encoding="utf-8") as f:
                        data = json.load(f)
                    if (isinstance(data, dict) and data.get("machine") == self.machine()
                            and isinstance(data.get("plans"), dict)):
                        self.plans = {k: v for k, v in data["plans"].items()
                                      if isinstance(v, dict) and v.get("choice") in CHOICES + PATHS}
                except (OSError, ValueError):
                    pass                                  # missing, unreadable or corrupt: plan afresh
        return self.plans

    def _save(self):
        if not self.path:
            return
        try:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with atomic_write(self.path) as f:
                json.dump({"machine": self.machine(), "plans": self.plans}, f, indent=1, sort_keys=True)
        except Exception:  # noqa: BLE001 — a read-only cache folder only costs re-planning next time
            pass


_planner = None


def get():
    """The process's planner (made on first use, cached in settings' cache_dir)."""
    global _planner
    if _planner is None:
        _planner = Planner()
    return _planner


@contextlib.contextmanager
def using(planner):
    """Context manager: `get()` answers `planner` inside (e.g. ``Planner(force='tiled')``)."""
    global _planner
    previous, _planner = _planner, planner
    try:
        yield planner
    finally:
        _planner = previous


def product(op, a, W, out, threads=1):
    """out = a @ W with the planned (or forced) choice for this shape; returns out."""
    return run_product(get().choose(op, a, W, out, threads), a, W, out, threads)
