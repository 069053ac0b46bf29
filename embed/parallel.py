"""The compute runtime: one thread pool, one way to split work, one BLAS limit.

Every multi-threaded job in embed runs here: the recurrent layers' time loop
and big products, Dense's row blocks and the optimizers' block updates
(``Sequential.fit(..., thread_mode="pool")``), and word2vec's Hogwild workers::

    from embed.parallel import run, split, num_threads, blas_limit

    blocks = split(len(x), num_threads())               # [(0, 50), (50, 100)]
    def rows(k):                                        # k = 0 runs in this thread
        s, e = blocks[k]
        np.matmul(x[s:e], W, out=z[s:e])
    with blas_limit(1):
        run(rows, len(blocks))

Why our own split rather than BLAS's threads: a multi-threaded BLAS hands every
call to its worker threads, which spin while they wait for each other.  For
the small products of a recurrent time step that hand-off costs more than the
product, and on a busy machine (other processes holding the cores) spinning
threads slow each other down many times over.  So heavy jobs run BLAS on one
thread (`blas_limit`) and cut the work themselves into one block per thread
(`split`), each computed by a plain Python thread: numpy and the Numba kernels
release the GIL, and a descheduled thread merely finishes later.  The blocks
are the same for a given thread count, so results are reproducible for it.

Design of the pool (`Pool`, one per process, made on first use by `pool()`):

* a job is ``fn(k) for k in range(parts)``: part 0 runs in the calling thread,
  the others on daemon helper threads, created when first needed and reused;
* when a part raises (or the caller is interrupted while waiting), the job's
  `cancel` event (if given) is set so long cooperative jobs (word2vec's
  workers) stop taking work; every helper is waited for, so none is left
  writing shared buffers, then the first error is re-raised in the caller;
* one job at a time: a job started while another runs (from inside a part, or
  from a second thread) runs all its parts in the calling thread, in order —
  the same blocks and results, never a deadlock;
* after ``fork()`` the child forgets the parent's pool (its helper threads do
  not exist there) and makes a new one on first use; the hook is registered
  when the first pool is made, not at import;
* `shutdown()` stops the helpers (also run at interpreter exit).

The thread count (`num_threads`, `set_num_threads`, `threads`) defaults to
``settings.get().num_threads`` (``$EMBED_NUM_THREADS``, else the CPUs).
"""
import atexit
import contextlib
import os
import queue
import sys
import threading

from . import settings
from .errors import EmbedError

_pool = None                    # the process's Pool, made by pool()
_pool_lock = threading.Lock()
_hooks_registered = False
_threads_override = None        # set_num_threads(); None: the settings' value
_blas_controller = None         # cached threadpoolctl controller (or False: unavailable)
_blas_modules = 0               # len(sys.modules) when it was made


# -- splitting work ------------------------------------------------------------------
def split(n, parts, align=1):
    """`parts` near-equal blocks covering range(n) in order: list of (start, stop).

    Inner cuts fall on multiples of `align` (e.g. 16 columns, a SIMD tile);
    the last block always ends at n.  Blocks may be empty when n < parts.
    """
    n, parts, align = int(n), int(parts), int(align)
    if parts < 1 or align < 1 or n < 0:
        raise EmbedError(f"split needs n >= 0, parts >= 1 and align >= 1, got {n}, {parts}, {align}")
    cuts = [min(n, (n * k // parts + align - 1) // align * align) for k in range(parts)] + [n]
    return [(cuts[k], cuts[k + 1]) for k in range(parts)]


# -- thread count --------------------------------------------------------------------
def _check_count(n, what="number of threads"):
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise EmbedError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


def num_threads():
    """Threads for heavy jobs: `set_num_threads`, else settings (``$EMBED_NUM_THREADS`` or the CPUs)."""
    if _threads_override is not None:
        return _threads_override
    return settings.get().num_threads


def set_num_threads(n=None):
    """Use `n` threads from now on (None: back to the settings' default)."""
    global _threads_override
    _threads_override = None if n is None else _check_count(n)


@contextlib.contextmanager
def threads(n):
    """Context manager: `num_threads()` is `n` inside (None or 0: unchanged), restored after."""
    global _threads_override
    previous = _threads_override
    if n:
        set_num_threads(n)
    try:
        yield num_threads()
    finally:
        _threads_override = previous


# -- BLAS threads --------------------------------------------------------------------
def _controller():
    """The cached threadpoolctl controller of the loaded BLAS libraries (False without
    threadpoolctl).  A BLAS arrives only with an import (scipy, torch), so the
    controller is rebuilt when sys.modules has grown since it was made."""
    global _blas_controller, _blas_modules
    if _blas_controller is None or len(sys.modules) != _blas_modules:
        _blas_modules = len(sys.modules)
        try:
            from threadpoolctl import ThreadpoolController
            _blas_controller = ThreadpoolController().select(user_api="blas")
        except Exception:  # noqa: BLE001 — no threadpoolctl: limits become no-ops
            _blas_controller = False
        _blas_modules = len(sys.modules)
    return _blas_controller


def blas_limit(n):
    """Context manager limiting BLAS to `n` threads (a no-op without threadpoolctl).

    The threadpoolctl controller is kept between calls (rebuilt only after new
    imports): entering the limit costs microseconds, so it can wrap every step.
    """
    n = _check_count(n, "BLAS threads")
    ctl = _controller()
    return ctl.limit(limits=n) if ctl else contextlib.nullcontext()


def blas_threads():
    """Threads BLAS would use now (honours OPENBLAS_NUM_THREADS and active limits)."""
    ctl = _controller()
    if ctl:
        counts = [lib.num_threads for lib in ctl.lib_controllers]
        if counts:
            return max(1, min(counts))
    return settings.get().num_threads


# -- the pool ------------------------------------------------------------------------
class Pool:
    """The calling thread plus daemon helpers that run the parts of one job at a time."""

    def __init__(self):
        self._cancel = None                  # the current job's cancel event (or None)
        self._queues = []                    # one task queue per helper
        self._helpers = []
        self._busy = threading.Lock()        # held while a job runs
        self._lock = threading.Lock()        # guards _pending and _errors
        self._pending = 0                    # helper parts of the current job not finished
        self._finished = queue.SimpleQueue()  # one token per job, from its last helper
        self._errors = []                    # exceptions of the current job, in order

    @property
    def helpers(self):
        """Helper threads started so far."""
        return len(self._helpers)

    def _grow(self, n):
        while len(self._helpers) < n:
            q = queue.SimpleQueue()
            t = threading.Thread(target=self._loop, args=(q,), daemon=True,
                                 name=f"embed-parallel-{len(self._helpers) + 1}")
            self._queues.append(q)
            self._helpers.append(t)
            t.start()

    def _loop(self, tasks):
        while True:
            task = tasks.get()
            if task is None:
                return
            fn, k = task
            try:
                fn(k)
            except BaseException as e:  # noqa: BLE001 — handed to the caller
                self._cancel_job()
                with self._lock:
                    self._errors.append(e)
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._finished.put(None)    # under the lock: _pending == 0 <=> token sent

    def _cancel_job(self):
        if self._cancel is not None:
            self._cancel.set()

    def run(self, fn, parts, cancel=None):
        """Call fn(k) for k in range(parts), part 0 here; re-raise the first error.

        `cancel` (a threading.Event) is set when a part fails or the wait is
        interrupted, for parts that loop over many work items and can stop early.
        """
        parts = _check_count(parts, "parts")
        if parts == 1 or not self._busy.acquire(blocking=False):   # nested or concurrent job: run here
            _serial(fn, parts, cancel)
            return
        try:
            self._run(fn, parts, cancel)
        finally:
            self._busy.release()

    def _run(self, fn, parts, cancel):
        self._grow(parts - 1)
        self._cancel = cancel
        self._errors = []
        self._pending = parts - 1
        for k in range(1, parts):
            self._queues[k - 1].put((fn, k))
        mine = None
        try:
            fn(0)
        except BaseException as e:  # noqa: BLE001
            self._cancel_job()
            mine = e
        while True:                                      # wait for every helper, even on Ctrl-C
            try:
                self._finished.get()
                break
            except BaseException as e:  # noqa: BLE001 — an interrupt while waiting
                self._cancel_job()
                mine = mine or e
                with self._lock:                         # the token may be taken already
                    if self._pending == 0:
                        while not self._finished.empty():
                            self._finished.get()
                        break
        errors = ([mine] if mine is not None else []) + self._errors
        self._errors, self._cancel = [], None
        if errors:
            raise errors[0]

    def shutdown(self):
        """Stop the helper threads (idle ones end at once)."""
        for q in self._queues:
            q.put(None)
        for t in self._helpers:
            t.join(timeout=1.0)
        self._queues, self._helpers = [], []


def _serial(fn, parts, cancel):
    """All parts in this thread, in order (same blocks, same results)."""
    try:
        for k in range(parts):
            fn(k)
    except BaseException:
        if cancel is not None:
            cancel.set()
        raise


def _forget_after_fork():
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()          # the parent's helpers do not exist here


def pool():
    """The process's `Pool`, made on first use (fork and exit hooks registered then)."""
    global _pool, _hooks_registered
    p = _pool
    if p is not None:                                    # the common case: no lock
        return p
    with _pool_lock:
        if _pool is None:
            if not _hooks_registered:
                if hasattr(os, "register_at_fork"):
                    os.register_at_fork(after_in_child=_forget_after_fork)
                atexit.register(shutdown)
                _hooks_registered = True
            _pool = Pool()
        return _pool


def run(fn, parts, cancel=None):
    """fn(k) for k in range(parts) on the pool (part 0 in this thread); see `Pool.run`."""
    if parts == 1:
        _serial(fn, 1, cancel)
        return
    pool().run(fn, parts, cancel)


def shutdown():
    """Stop the pool's helpers; the next job makes a new pool."""
    global _pool
    with _pool_lock:
        p, _pool = _pool, None
    if p is not None:
        p.shutdown()


class Team:
    """A fixed number of workers on the one pool: ``team.run(fn)`` calls fn(k), k < size."""

    def __init__(self, size):
        self.size = _check_count(size)

    def run(self, fn):
        run(fn, self.size)

    def __repr__(self):
        return f"Team(size={self.size})"


def team(size):
    """A `Team` of `size` workers, or None for size <= 1 (no splitting)."""
    size = int(size or 1)
    return Team(size) if size > 1 else None
