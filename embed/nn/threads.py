"""A tiny fork-safe pool: split one job (a GEMM, an optimizer update) across cores.

BLAS's own threads are the fastest way to use both cores of an idle machine,
but they spin while waiting for each other, so a busy machine (other
processes holding the cores) can slow them down many times over.  With
``Sequential.fit(..., thread_mode="pool")`` training instead runs BLAS on one
thread and splits each large product into row blocks, one per core, computed
at the same time by plain Python threads (numpy and the Numba kernels
release the GIL).  A thread that is descheduled just finishes later; nothing
spins.  The price is a thread hand-off (~20 µs) per split.

    pool = get_pool(2)
    pool.run(lambda i: np.matmul(x[rows[i]], W, out=z[rows[i]]))   # i = 0 here, 1 in the helper

Work is split the same way every time, so results are reproducible for a
given thread count.
"""
import os
import queue
import threading

_POOLS = {}
_POOLS_LOCK = threading.Lock()


class Pool:
    """`size` workers: the calling thread plus size − 1 daemon helpers."""

    def __init__(self, size):
        self.size = int(size)
        self._tasks = [queue.SimpleQueue() for _ in range(self.size - 1)]
        self._done = queue.SimpleQueue()
        self._busy = threading.Lock()   # one job at a time: callers share the helpers and `_done`
        for i, q in enumerate(self._tasks, start=1):
            threading.Thread(target=self._loop, args=(i, q), daemon=True, name=f"embed-nn-{i}").start()

    def _loop(self, i, tasks):
        while True:
            fn = tasks.get()
            try:
                fn(i)
                self._done.put(None)
            except BaseException as e:  # noqa: BLE001 — handed to the caller
                self._done.put(e)

    def run(self, fn):
        """Call fn(i) for i in range(size) concurrently (fn(0) here); re-raise the first error."""
        with self._busy:
            self._run(fn)

    def _run(self, fn):
        for q in self._tasks:
            q.put(fn)
        error = None
        try:
            fn(0)
        except BaseException as e:  # noqa: BLE001
            error = e
        for _ in self._tasks:
            e = self._done.get()
            error = error or e
        if error is not None:
            raise error


def get_pool(size):
    """A shared Pool of `size` workers (None for size <= 1)."""
    size = int(size or 1)
    if size <= 1:
        return None
    with _POOLS_LOCK:
        if size not in _POOLS:
            _POOLS[size] = Pool(size)
        return _POOLS[size]


def blas_threads():
    """Threads BLAS would use right now (honours OPENBLAS_NUM_THREADS and threadpoolctl limits)."""
    try:
        from threadpoolctl import threadpool_info
        n = [i.get("num_threads", 1) for i in threadpool_info() if i.get("user_api") == "blas"]
        if n:
            return max(1, min(n))
    except Exception:  # noqa: BLE001 — no threadpoolctl: fall back to the core count
        pass
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def blas_threads_limit(n):
    """Context manager limiting BLAS to `n` threads (a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(limits=int(n), user_api="blas")
    except ImportError:
        import contextlib
        return contextlib.nullcontext()


def single_threaded_blas():
    return blas_threads_limit(1)


def split(n, parts):
    """Boundaries of `parts` near-equal blocks of range(n): list of (start, stop)."""
    edges = [n * k // parts for k in range(parts + 1)]
    return [(edges[k], edges[k + 1]) for k in range(parts)]


def _forget_pools():
    _POOLS.clear()   # helper threads do not survive fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)
