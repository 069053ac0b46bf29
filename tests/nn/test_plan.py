"""embed.nn.plan: kernels chosen by measurement, cached per CPU and library versions."""
import json
import os

import numba
import numpy as np
import pytest

import embed
from embed.nn import plan
from embed.nn.layers import Dense
from embed.nn.sequential import Sequential


def _operands(M, K, N, transposed=False, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((K, M)).astype(np.float32).T if transposed else \
        rng.standard_normal((M, K)).astype(np.float32)
    W = rng.standard_normal((K, N)).astype(np.float32)
    return a, W, np.zeros((M, N), np.float32)


def _fake_timer(table, calls=None):
    """timer(choice, fn) answering fixed seconds per choice (5 s unless named; never running fn)."""
    table = {**{c: 5.0 for c in plan.CHOICES}, **table}

    def timer(choice, fn):
        if calls is not None:
            calls.append(choice)
        return table[choice]
    return timer


@pytest.mark.parametrize("M,K,N,transposed", [(37, 100, 48, False), (128, 64, 10, False),
                                              (5, 300, 130, True), (64, 33, 17, True)])
def test_every_choice_computes_the_same_product(M, K, N, transposed):
    a, W, out = _operands(M, K, N, transposed)
    want = a.astype(np.float64) @ W.astype(np.float64)
    for choice in plan.candidates(a, W, out, 2):
        got = plan.run_product(choice, a, W, np.full_like(out, np.nan), threads=2)
        # float32 sums of K products in a different order: relative error ~ sqrt(K) * 2^-24
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max(), err_msg=choice)


def test_tiled_needs_float32_and_unit_column_strides():
    a, W, out = _operands(8, 16, 32)
    assert "tile6x16" in plan.candidates(a, W, out, 1)
    assert "tile5x64" not in plan.candidates(a, W.T.copy().T, out, 1)            # W column stride != 4
    assert "tile5x64" not in plan.candidates(a.astype(np.float64), W.astype(np.float64), out.astype(np.float64), 1)
    assert not any(c.startswith("split") for c in plan.candidates(a, W, out, 1))


def test_forced_choices_train_the_same_model():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((96, 20)).astype(np.float32)
    y = rng.integers(0, 3, 96)
    losses = {}
    for choice in ("tile5x64", "tile6x16", "blas", "split_tile5x64", "split_tile6x16", "split_blas"):
        model = Sequential(seed=0)
        model.add(Dense(32, "relu"))
        model.add(Dense(3, "softmax"))
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", lr=1e-2)
        with plan.using(plan.Planner(path=False, force=choice)):
            hist = model.fit(X, y, epochs=3, batch_size=32, shuffle=False, verbose=0,
                             thread_mode="pool", threads=2)
        losses[choice] = hist["loss"]
    for choice, loss in losses.items():           # float32 round-off only: same to ~1e-5 relative
        np.testing.assert_allclose(loss, losses["blas"], rtol=1e-4, err_msg=choice)


def test_injected_timings_make_planning_deterministic():
    a, W, out = _operands(64, 64, 64)
    table = {"tile5x64": 3.0, "blas": 1.0, "blas1": 2.0, "split_tile6x16": 0.5, "split_blas": 0.5}
    for _ in range(3):
        p = plan.Planner(path=False, timer=_fake_timer(table))
        assert p.choose("x", a, W, out, threads=2) == "split_tile6x16"     # tie with split_blas: the earlier
        assert p.choose("x", a, W, out, threads=1) == "blas"
        assert p.choose_tile("step", 50, 64, 256) == 0                     # tiles only: 5x64 (3 s) beats 6x16 (5 s)
    p = plan.Planner(path=False, timer=_fake_timer(dict(table, tile6x16=0.1)))
    assert p.choose("x", a, W, out, threads=2) == "tile6x16"
    assert p.choose_tile("step", 50, 64, 256) == 1


def test_a_packed_step_plan_times_the_6x16_tile_on_panels_under_its_own_name(monkeypatch):
    panels = []
    monkeypatch.setattr(plan, "gemm_panels", lambda a, Wp, o, acc: panels.append(Wp.shape))
    timed = {}

    def timer(choice, fn):                      # run the candidate once, remember what it computed
        fn()
        timed[choice] = len(panels)
        return {"tile5x64": 2.0, "tile6x16": 1.0}[choice]
    p = plan.Planner(path=False, timer=timer)
    assert p.choose_tile("step", 25, 128, 512, packed=True) == 1
    assert panels == [(32, 128, 16)] and timed == {"tile5x64": 0, "tile6x16": 1}   # only 6x16 on panels
    assert [k.split("|")[:2] for k in p.used] == [["step+panels", "32x128x512"]]
    assert p.choose_tile("step", 25, 128, 500, packed=True) == 1      # N % 16 != 0: never packed
    assert p.choose_tile("step", 25, 128, 512) == 1                   # unpacked: its own plan
    assert len(panels) == 1 and len(p.used) == 3


def test_a_plan_is_measured_by_the_first_processes_then_read_from_disk(tmp_path):
    path = tmp_path / "plans.json"
    a, W, out = _operands(40, 50, 60)
    for run in range(1, plan.CONFIRM + 1):                                  # one Planner per process
        calls = []
        p = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 1, "blas": 2, "blas1": 3}, calls))
        assert p.choose("dense.fwd", a, W, out) == "tile6x16"
        assert p.choose("dense.fwd", a, W, out) == "tile6x16"
        assert len(calls) == len(plan.candidates(a, W, out, 1))             # once per process
        data = json.loads(path.read_text())
        assert data["machine"] == plan.machine_key()
        assert list(data["plans"].values())[0]["choice"] == "tile6x16"
        assert list(data["plans"].values())[0]["runs"] == run

    def must_not_time(choice, fn):
        raise AssertionError("a cached plan was measured again")
    again = plan.Planner(path=str(path), timer=must_not_time)
    assert again.choose("dense.fwd", a, W, out) == "tile6x16"


def test_a_measurement_spoiled_by_load_is_corrected_by_the_next_process(tmp_path):
    path = tmp_path / "plans.json"
    a, W, out = _operands(40, 50, 60)
    busy = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 3, "blas": 90, "blas1": 2}))
    assert busy.choose("dense.fwd", a, W, out) == "blas1"                  # BLAS threads starved
    quiet = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 3, "blas": 1, "blas1": 2}))
    assert quiet.choose("dense.fwd", a, W, out) == "blas"
    busy_again = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 3, "blas": 90, "blas1": 2}))
    assert busy_again.choose("dense.fwd", a, W, out) == "blas"             # best times are kept
    seconds = list(json.loads(path.read_text())["plans"].values())[0]["seconds"]
    assert seconds["blas"] == 1 and seconds["blas1"] == 2


def test_the_cache_key_names_the_cpu_and_versions():
    key = plan.machine_key()
    assert key["cpu"]
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            assert key["cpu"] in f.read()
    assert key["numpy"] == np.__version__ and key["numba"] == numba.__version__
    assert key["embed"] == embed.__version__
    assert isinstance(key["simd"], list) and key["llvm_cpu"]
    for lib in key["blas"]:
        assert {"internal_api", "version", "architecture"} <= set(lib)
    assert plan.simd_level(["sse4_2", "avx", "avx2", "fma"]) == "avx2"
    assert plan.simd_level(["avx2", "avx512f"]) == "avx512"
    assert plan.simd_level(["asimd"]) == "neon"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"machine": 3, "plans": "x"}', ""])
def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path, content):
    path = tmp_path / "plans.json"
    path.write_text(content)
    a, W, out = _operands(16, 16, 32)
    p = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 2, "blas": 1, "blas1": 3}))
    assert p.choose("op", a, W, out) == "blas"
    assert json.loads(path.read_text())["machine"] == plan.machine_key()


def test_a_foreign_machines_cache_is_ignored(tmp_path):
    path = tmp_path / "plans.json"
    a, W, out = _operands(16, 16, 32)
    first = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 1, "blas": 2, "blas1": 3}))
    assert first.choose("op", a, W, out) == "tile6x16"
    data = json.loads(path.read_text())
    data["machine"]["cpu"] = "Some Other CPU"                               # another machine's file
    path.write_text(json.dumps(data))
    other = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 2, "blas": 1, "blas1": 3}))
    assert other.choose("op", a, W, out) == "blas"


def test_plans_made_for_the_host_are_not_used_for_another_numba_target(tmp_path, monkeypatch):
    # NUMBA_CPU_NAME (e.g. "generic", for a kernel cache shared by different machines) makes
    # other machine code, so the timings measured for the host's do not apply
    path = tmp_path / "plans.json"
    a, W, out = _operands(16, 16, 32)
    host = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 1, "blas": 2, "blas1": 3}))
    assert host.choose("op", a, W, out) == "tile6x16"
    other_cpu = "x86-64" if plan.machine_key()["llvm_cpu"] == "generic" else "generic"
    monkeypatch.setattr(numba.config, "CPU_NAME", other_cpu)
    monkeypatch.setattr(numba.config, "CPU_FEATURES", "")
    assert plan.machine_key()["llvm_cpu"] == other_cpu
    other = plan.Planner(path=str(path), timer=_fake_timer({"tile6x16": 2, "blas": 1, "blas1": 3}))
    assert other.choose("op", a, W, out) == "blas"


def test_force_must_name_a_choice_and_falls_back_to_blas_where_it_cannot_run():
    with pytest.raises(ValueError):
        plan.Planner(path=False, force="gpu")
    a, W, out = _operands(8, 8, 8)
    p = plan.Planner(path=False, force="split_tile5x64")
    assert p.choose("op", a, W, out, threads=1) == "blas"
    assert p.choose("op", a.astype(np.float64), W.astype(np.float64), out.astype(np.float64), 1) == "blas"


def test_the_recurrent_step_tiles_agree():
    from embed.nn.recurrent import GRU, LSTM
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 12, 20)).astype(np.float32)                # (T, B, D): 6 rows per thread
    dy = rng.standard_normal((6, 12, 32)).astype(np.float32)
    for cell in (LSTM, GRU):
        results = []
        for choice in plan.TILE_CHOICES:
            layer = cell(32, seed=0)
            with plan.using(plan.Planner(path=False, force=choice)):
                y = layer.forward(x).copy()
                dx = layer.backward(dy).copy()
            results.append((y, dx, layer.grads["W_h"].copy()))
        for got, want in zip(results[1], results[0]):                       # float32 round-off only
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_the_clock_times_candidates_in_turns_and_drops_a_much_slower_one():
    import time as _time
    calls = []
    # the fast two take a measurable time too: a bare list append is so short that one
    # scheduler hiccup could make it look 4x slower than the other and drop it
    fns = {"fast": lambda: (calls.append("fast"), _time.sleep(0.002)),
           "also": lambda: (calls.append("also"), _time.sleep(0.002)),
           "slow": lambda: (calls.append("slow"), _time.sleep(0.05))}
    best = plan._clock(fns)
    assert calls[:6] == ["fast", "also", "slow"] * 2                    # a warm-up, then a timed call each
    assert calls.count("slow") == 2 and best["slow"] >= 0.05             # 4x slower: not timed again
    rounds = calls[6:]
    assert len(rounds) >= 6 and rounds[:6] == ["fast", "also"] * 3        # then round-robin
    assert best["fast"] < best["slow"] and best["also"] < best["slow"]
    calls.clear()                                                        # whole-path plans ask for more rounds
    plan._clock(fns, min_rounds=5)
    assert calls[6:16] == ["fast", "also"] * 5


def test_a_path_plan_times_whole_runs_once_per_process_and_is_cached(tmp_path):
    path = tmp_path / "plans.json"
    ran, made = [], []

    def make_fns():                              # built only when a measurement is due
        made.append(1)
        return {p: (lambda p=p: ran.append(p)) for p in ("fused", "loop", "blas")}

    def timer(choice, fn):                       # runs each way once; "loop" is the fastest
        fn()
        return {"fused": 2.0, "loop": 1.0, "blas": 3.0}[choice]
    for run in range(1, plan.CONFIRM + 1):
        p = plan.Planner(path=str(path), timer=timer)
        assert p.choose_path("rnn.path|LSTM|x8", plan.PATHS, make_fns) == "loop"
        assert p.choose_path("rnn.path|LSTM|x8", plan.PATHS, make_fns) == "loop"   # memo: not timed again
        assert len(made) == run and ran[-3:] == ["fused", "loop", "blas"]
        saved = json.loads(path.read_text())["plans"]["rnn.path|LSTM|x8"]
        assert saved["choice"] == "loop" and saved["runs"] == run
    again = plan.Planner(path=str(path), timer=timer)
    assert again.choose_path("rnn.path|LSTM|x8", plan.PATHS, make_fns) == "loop"
    assert len(made) == plan.CONFIRM and again.used == {"rnn.path|LSTM|x8": "loop"}
    # a cached choice that is not among the options asked for is measured again
    assert again.choose_path("rnn.path|LSTM|x8", ("fused", "blas"), make_fns) == "fused"
    # a cached plan that never timed one of the options (made before that path applied) is
    # made afresh, and confirmed by CONFIRM processes like a new one
    data = json.loads(path.read_text())
    data["plans"]["rnn.path|LSTM|x8"] = {"choice": "blas", "seconds": {"loop": 9.0, "blas": 1.0}, "runs": 3}
    path.write_text(json.dumps(data))
    newer = plan.Planner(path=str(path), timer=timer)
    assert newer.choose_path("rnn.path|LSTM|x8", plan.PATHS, make_fns) == "loop"
    assert len(made) == plan.CONFIRM + 2
    saved = json.loads(path.read_text())["plans"]["rnn.path|LSTM|x8"]
    assert saved["runs"] == 1 and set(saved["seconds"]) == set(plan.PATHS)
    # ties go to the earlier option; a forced planner answers the first option unmeasured
    p = plan.Planner(path=False, timer=lambda c, fn: 1.0)
    assert p.choose_path("k", ("blas", "loop"), make_fns) == "blas"
    forced = plan.Planner(path=False, force="blas", timer=timer)
    assert forced.choose_path("k", ("fused", "loop", "blas"), make_fns) == "fused"
