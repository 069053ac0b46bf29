"""Optimizers minimise a quadratic; state round-trips; clipping."""
import math

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn import optimizers
from embed.nn.optimizers import clip_grad_norm

CASES = [("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.05, "momentum": 0.9}),
         ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}), ("momentum", {"lr": 0.05}),
         ("adagrad", {"lr": 0.5}), ("rmsprop", {"lr": 0.05}), ("adam", {"lr": 0.1})]


def quadratic_problem(dtype, n=3000):
    """f(θ) = ½ Σ a_i (θ_i − t_i)², minimum at t; ∇f = a ⊙ (θ − t)."""
    rng = np.random.default_rng(0)
    target = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(n).astype(dtype)]
    scale = [rng.uniform(0.5, 2.0, (3, 4)).astype(dtype), rng.uniform(0.5, 2.0, n).astype(dtype)]
    params = [np.zeros((3, 4), dtype), np.zeros(n, dtype)]
    return params, target, scale


@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_minimises_a_quadratic(name, kw, dtype):
    params, target, scale = quadratic_problem(dtype)
    opt = optimizers.get(name, **kw)
    start = max(float(np.abs(p - t).max()) for p, t in zip(params, target))
    for _ in range(800):
        grads = [a * (p - t) for p, t, a in zip(params, target, scale)]
        opt.step(params, grads)
    err = max(float(np.abs(p - t).max()) for p, t in zip(params, target))
    assert err < 0.02 * start
    assert all(p.dtype == dtype for p in params)


def test_adam_matches_the_textbook_update():
    rng = np.random.default_rng(1)
    p = rng.standard_normal(10)
    ref = p.copy()
    m = np.zeros(10)
    v = np.zeros(10)
    opt = optimizers.Adam(lr=0.01)
    for t in range(1, 6):
        g = rng.standard_normal(10)
        opt.step([p], [g.copy()])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        ref -= 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kw", CASES)
def test_state_dict_round_trip_continues_identically(name, kw):
    params, target, scale = quadratic_problem(np.float64, n=50)
    a = optimizers.get(name, **kw)
    for _ in range(5):
        a.step(params, [s * (p - t) for p, t, s in zip(params, target, scale)])
    b = optimizers.get(name).load_state_dict(a.state_dict())
    pa = [p.copy() for p in params]
    pb = [p.copy() for p in params]
    for _ in range(5):
        a.step(pa, [s * (p - t) for p, t, s in zip(pa, target, scale)])
        b.step(pb, [s * (p - t) for p, t, s in zip(pb, target, scale)])
    for x, y in zip(pa, pb):
        np.testing.assert_array_equal(x, y)


def test_state_dict_rejects_other_optimizer():
    with pytest.raises(EmbedError, match="'adam'"):
        optimizers.SGD().load_state_dict(optimizers.Adam().state_dict())


def test_lr_is_settable_between_steps():
    p = np.zeros(2)
    opt = optimizers.SGD(lr=1.0)
    opt.step([p], [np.ones(2)])
    opt.lr = 0.5
    opt.step([p], [np.ones(2)])
    np.testing.assert_allclose(p, [-1.5, -1.5])


def test_step_validates_lists():
    with pytest.raises(EmbedError, match="2 parameters but 1 gradients"):
        optimizers.Adam().step([np.zeros(2), np.zeros(3)], [np.zeros(2)])
    with pytest.raises(EmbedError, match="shape"):
        optimizers.Adam().step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(EmbedError, match="unknown optimizer 'adamw'"):
        optimizers.get("adamw")


def test_clip_grad_norm_scales_to_max_norm():
    g = [np.array([3.0, 0.0]), np.array([[0.0, 4.0]])]
    norm = clip_grad_norm(g, 1.0)
    assert norm == pytest.approx(5.0)
    total = math.sqrt(sum(float((x ** 2).sum()) for x in g))
    assert total == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(g[0], [0.6, 0.0], rtol=1e-5)
    small = [np.array([0.3, 0.4])]
    assert clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small[0], [0.3, 0.4])          # below the limit: untouched


@pytest.mark.parametrize("name,kw", CASES)
def test_step_with_max_norm_equals_clip_then_step(name, kw):
    params, target, scale = quadratic_problem(np.float64, n=40)
    a, b = optimizers.get(name, **kw), optimizers.get(name, **kw)
    pa, pb = [p.copy() for p in params], [p.copy() for p in params]
    for _ in range(4):
        ga = [s * (p - t) for p, t, s in zip(pa, target, scale)]
        gb = [s * (p - t) for p, t, s in zip(pb, target, scale)]
        kept = [g.copy() for g in gb]
        expected = clip_grad_norm(ga, 0.5)
        a.step(pa, ga)
        assert b.step(pb, gb, max_norm=0.5) == pytest.approx(expected, rel=1e-12)
        for g, k in zip(gb, kept):
            np.testing.assert_array_equal(g, k)                  # grads are not modified
    for x, y in zip(pa, pb):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)
    assert b.step(pb, [np.zeros_like(p) for p in pb]) is None   # no max_norm: no norm


def test_non_finite_norm_skips_the_update():
    p = [np.ones(3), np.ones((2, 2))]
    opt = optimizers.Adam(lr=0.1)
    opt.step(p, [np.ones(3), np.ones((2, 2))])
    before = [x.copy() for x in p]
    state = {k: v.copy() for k, v in opt.state_dict().items() if isinstance(v, np.ndarray)}
    g = [np.array([1.0, np.nan, 0.0]), np.ones((2, 2))]
    assert math.isnan(opt.step(p, g, max_norm=1.0))
    assert opt.t == 1
    for x, y in zip(p, before):
        np.testing.assert_array_equal(x, y)
    for k, v in state.items():
        np.testing.assert_array_equal(opt.state_dict()[k], v)
    assert opt.step(p, [np.full(3, np.inf), np.ones((2, 2))], max_norm=1.0) == math.inf


@pytest.mark.parametrize("name,kw", CASES)
def test_reused_lists_mixed_dtypes_and_pool_blocks_match_single_arrays(name, kw):
    """The fused path (cached views, one kernel call per dtype, big arrays split on a pool)
    updates every array exactly as an optimizer that sees that array alone."""
    from embed.parallel import team
    rng = np.random.default_rng(3)
    shapes = [((5, 3), np.float32), ((70000,), np.float32), ((4,), np.float64), ((2, 2), np.float32)]
    params = [rng.standard_normal(s).astype(d) for s, d in shapes]
    grads = [np.zeros_like(p) for p in params]
    alone = [(p.copy(), optimizers.get(name, **kw)) for p in params]
    fused = optimizers.get(name, **kw)
    for step in range(3):
        fused.pool = team(2) if step == 1 else None
        for g in grads:
            g[...] = rng.standard_normal(g.shape)                # same arrays, new values (cache reuse)
        fused.step(params, grads)
        for (q, opt), g in zip(alone, grads):
            opt.step([q], [g.copy()])
    for p, (q, _) in zip(params, alone):
        assert p.dtype == q.dtype
        np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_handles_mixed_and_strided_arrays():
    g = [np.array([3.0], np.float32), np.array([[0.0, 4.0], [0.0, 0.0]])[:, 1]]   # strided view
    assert clip_grad_norm(g, 10.0) == pytest.approx(5.0)              # below the limit: unchanged
    assert clip_grad_norm(g, 1.0) == pytest.approx(5.0)
    assert math.sqrt(float(g[0] @ g[0]) + float(g[1] @ g[1])) == pytest.approx(1.0, rel=1e-5)
