"""The compute runtime: split, the pool (errors, cancel, re-entrancy, fork), thread count, BLAS limit."""
import multiprocessing
import threading
import time

import numpy as np
import pytest

from embed import parallel
from embed.errors import EmbedError


# -- split -------------------------------------------------------------------------
@pytest.mark.parametrize("align", [1, 16])
def test_split_covers_the_range_exactly_in_order(align):
    for n in range(0, 70):
        for parts in range(1, 8):
            blocks = parallel.split(n, parts, align)
            assert len(blocks) == parts
            assert blocks[0][0] == 0 and blocks[-1][1] == n
            for (s0, e0), (s1, _) in zip(blocks, blocks[1:]):
                assert s0 <= e0 == s1                               # contiguous, no overlap
                assert e0 % align == 0 or e0 == n                   # inner cuts on the alignment
            covered = [i for s, e in blocks for i in range(s, e)]
            assert covered == list(range(n))
            if align == 1:
                sizes = [e - s for s, e in blocks]
                assert max(sizes) - min(sizes) <= 1                 # near-equal


def test_split_examples_and_bad_arguments():
    assert parallel.split(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.split(40, 2, align=16) == [(0, 32), (32, 40)]
    with pytest.raises(EmbedError, match="parts >= 1"):
        parallel.split(10, 0)


# -- the pool ------------------------------------------------------------------------
def test_every_part_runs_once_and_part_zero_in_the_caller():
    seen = {}

    def part(k):
        seen[k] = threading.get_ident()
    parallel.run(part, 4)
    assert sorted(seen) == [0, 1, 2, 3]
    assert seen[0] == threading.get_ident()
    assert len(set(seen.values())) == 4                             # each part on its own thread


def test_a_helper_error_is_reraised_after_every_helper_finished():
    finished = threading.Event()
    cancel = threading.Event()

    def part(k):
        if k == 1:
            raise ValueError("boom in helper 1")
        if k == 2:
            time.sleep(0.2)
            finished.set()
    with pytest.raises(ValueError, match="boom in helper 1"):
        parallel.run(part, 3, cancel=cancel)
    assert finished.is_set()                                        # waited for the slow helper
    assert cancel.is_set()
    seen = []
    parallel.run(seen.append, 3)                                    # still usable afterwards
    assert sorted(seen) == [0, 1, 2]


def test_the_first_error_wins_and_the_caller_error_is_raised():
    def part(k):
        raise RuntimeError(f"part {k}")
    with pytest.raises(RuntimeError, match="part 0"):
        parallel.run(part, 3)


def test_cancel_stops_cooperative_helpers_when_the_caller_fails():
    cancel = threading.Event()
    rounds = []

    def part(k):
        if k == 0:
            time.sleep(0.05)
            raise KeyboardInterrupt                                 # as Ctrl-C in the main thread
        deadline = time.monotonic() + 10
        while not cancel.is_set() and time.monotonic() < deadline:
            time.sleep(0.001)
        rounds.append(cancel.is_set())
    with pytest.raises(KeyboardInterrupt):
        parallel.run(part, 3, cancel=cancel)
    assert rounds == [True, True]                                   # both helpers saw the cancel


def test_nested_and_concurrent_jobs_run_without_deadlock():
    inner = []

    def outer(k):
        parallel.run(lambda j: inner.append((k, j)), 2)            # pool busy: runs in this thread
    parallel.run(outer, 2)
    assert sorted(inner) == [(0, 0), (0, 1), (1, 0), (1, 1)]

    out = np.zeros(8)

    def caller(i):
        parallel.run(lambda k: out.__setitem__(4 * i + k, 1.0), 4)
    threads = [threading.Thread(target=caller, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert out.tolist() == [1.0] * 8


def _child_job(q):
    seen = []
    parallel.run(seen.append, 3)
    q.put(sorted(seen))


def test_the_pool_survives_fork():
    parallel.run(lambda k: None, 3)                                 # helpers exist in the parent
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    child = ctx.Process(target=_child_job, args=(q,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():                                            # the child hung on dead helpers
        child.kill()
    assert child.exitcode == 0
    assert q.get(timeout=5) == [0, 1, 2]
    seen = []
    parallel.run(seen.append, 3)                                    # the parent's pool still works
    assert sorted(seen) == [0, 1, 2]


def test_shutdown_then_a_new_pool_on_next_use():
    parallel.run(lambda k: None, 2)
    old = parallel.pool()
    parallel.shutdown()
    seen = []
    parallel.run(seen.append, 2)
    assert sorted(seen) == [0, 1] and parallel.pool() is not old


def test_team_runs_its_size_and_small_teams_are_none():
    assert parallel.team(1) is None and parallel.team(None) is None
    seen = []
    parallel.team(3).run(seen.append)
    assert sorted(seen) == [0, 1, 2]


# -- results -------------------------------------------------------------------------
def _block_sums(x, parts):
    blocks = parallel.split(len(x), parts)
    out = np.zeros(parts, np.float32)

    def part(k):
        s, e = blocks[k]
        out[k] = x[s:e].sum(dtype=np.float32)
    parallel.run(part, parts)
    return out.sum(dtype=np.float32)


def test_results_are_identical_for_a_fixed_thread_count():
    x = np.random.default_rng(0).standard_normal(100_001).astype(np.float32)
    first = _block_sums(x, 3)
    assert all(_block_sums(x, 3).tobytes() == first.tobytes() for _ in range(20))

    from embed.nn.recurrent import LSTM
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((8, 40, 6)).astype(np.float32)
    dy = rng.standard_normal((8, 40, 16)).astype(np.float32)
    runs = []
    for _ in range(2):
        layer = LSTM(16, seed=2)
        with parallel.threads(2):
            y = layer.forward(xs).copy()
            dx = layer.backward(dy).copy()
        runs.append((y, dx, layer.grads["W_h"].copy()))
    for a, b in zip(*runs):
        assert np.array_equal(a, b)


# -- thread count and BLAS -------------------------------------------------------------
def test_thread_count_setting_and_validation(monkeypatch):
    monkeypatch.setenv("EMBED_NUM_THREADS", "3")                    # conftest re-reads settings
    assert parallel.num_threads() == 3
    parallel.set_num_threads(2)
    try:
        assert parallel.num_threads() == 2
        with parallel.threads(5) as n:
            assert n == 5 and parallel.num_threads() == 5
        with parallel.threads(0):                                   # 0 / None: unchanged
            assert parallel.num_threads() == 2
        assert parallel.num_threads() == 2
    finally:
        parallel.set_num_threads(None)
    assert parallel.num_threads() == 3
    for bad in (0, -1, 1.5, True, "two"):
        with pytest.raises((EmbedError, ValueError)):
            parallel.set_num_threads(bad)
    with pytest.raises(EmbedError, match="number of threads must be a positive integer, got 0"):
        parallel.set_num_threads(0)
    with pytest.raises(EmbedError, match="EMBED_NUM_THREADS"):
        monkeypatch.setenv("EMBED_NUM_THREADS", "many")


def test_blas_limit_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    before = blas()
    with parallel.blas_limit(1):
        assert blas() and all(n == 1 for n in blas())
        assert parallel.blas_threads() == 1
    assert blas() == before
    with pytest.raises(EmbedError, match="BLAS threads"):
        parallel.blas_limit(0)
