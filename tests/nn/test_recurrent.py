"""Recurrent layers: forward against plain numpy references, gradients against
central differences in float64, state carrying, step(), integer-id input."""
import numpy as np
import pytest

from embed.nn.gradcheck import numerical_gradient
from embed.errors import EmbedError
from embed import parallel
from embed.nn import recurrent_kernels
from embed.nn.recurrent import GRU, LSTM, SimpleRNN

CELLS = [SimpleRNN, LSTM, GRU]


# ---------------------------------------------------------------------------
# plain numpy references, one obvious line per equation (float64)
# ---------------------------------------------------------------------------
def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def ref_forward(cls, p, x, state):
    """x (T, B, D) float -> (y (T, B, H), final state tuple)."""
    W_x, W_h, b = (np.asarray(p[k], np.float64) for k in ("W_x", "W_h", "b"))
    H = W_h.shape[0]
    h = np.array(state[0], np.float64)
    c = np.array(state[1], np.float64) if cls is LSTM else None
    ys = []
    for x_t in np.asarray(x, np.float64):
        if cls is SimpleRNN:
            h = np.tanh(x_t @ W_x + h @ W_h + b)
        elif cls is LSTM:
            a = x_t @ W_x + h @ W_h + b
            i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
            g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
            c = f * c + i * g
            h = o * np.tanh(c)
        else:
            ax, ah = x_t @ W_x + b, h @ W_h
            r = sigmoid(ax[:, :H] + ah[:, :H])
            u = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = np.tanh(ax[:, 2 * H:] + r * (ah[:, 2 * H:] + p["b_hn"]))
            h = (1 - u) * n + u * h
        ys.append(h)
    return np.stack(ys), ((h, c) if cls is LSTM else (h,))


def one_hot(ids, V):
    return np.eye(V)[ids]


def random_state(cls, B, H, rng, dtype=np.float64):
    n = 2 if cls is LSTM else 1
    return tuple((0.5 * rng.standard_normal((B, H))).astype(dtype) for _ in range(n))


def perturb_biases(layer, rng):
    """Non-zero biases so their gradients are exercised."""
    for k in ("b", "b_hn"):
        if k in layer.params:
            layer.params[k][...] = 0.3 * rng.standard_normal(layer.params[k].shape)


# ---------------------------------------------------------------------------
# forward
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("T,B,D,H,seed", [(1, 1, 1, 1, 0), (5, 3, 4, 6, 1), (7, 20, 5, 8, 2)])
def test_forward_matches_numpy_reference_float32(cls, T, B, D, H, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    layer = cls(H, seed=seed)
    layer.forward(x)                                  # build (float32)
    perturb_biases(layer, rng)
    state = random_state(cls, B, H, rng, np.float32)
    y = layer.forward(x, state=state)
    y_ref, s_ref = ref_forward(cls, layer.params, x, state)
    assert y.dtype == np.float32 and y.shape == (T, B, H)
    np.testing.assert_allclose(y, y_ref, atol=2e-6, rtol=1e-5)
    for s, r in zip(layer.state, s_ref):
        np.testing.assert_allclose(s, r, atol=2e-6, rtol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_parallel_batch_blocks_equal_one_block(cls):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 41, 5)).astype(np.float32)    # 820 rows: products split too
    dy = rng.standard_normal((20, 41, 7)).astype(np.float32)
    out = {}
    for threads in ("1", "3"):
        layer = cls(7, seed=4)
        with parallel.threads(int(threads)):
            y = layer.forward(x).copy()
            dx = layer.backward(dy).copy()
        out[threads] = (y, dx, {k: g.copy() for k, g in layer.grads.items()})
    np.testing.assert_allclose(out["1"][0], out["3"][0], atol=1e-6)
    np.testing.assert_allclose(out["1"][1], out["3"][1], atol=1e-5)
    for k in out["1"][2]:
        np.testing.assert_allclose(out["1"][2][k], out["3"][2][k], atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_small_batch_numba_loop_equals_blas_loop(cls):
    """Small batches run the whole time loop in Numba; it must equal the BLAS path."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((7, 3, 5)).astype(np.float32)
    dy = rng.standard_normal((7, 3, 6)).astype(np.float32)
    S = random_state(cls, 3, 6, rng, np.float32)
    out = {}
    for work in (0, 1 << 30):                      # never / always the Numba loop
        layer = cls(6, seed=9)
        layer.small_step_work, layer.path = work, ("fused" if work else "blas")
        y = layer.forward(x, state=S).copy()
        dx = layer.backward(dy, dstate=S).copy()
        out[work] = (y, dx, [d.copy() for d in layer.dstate], {k: g.copy() for k, g in layer.grads.items()})
    a, b = out[0], out[1 << 30]
    np.testing.assert_allclose(a[0], b[0], atol=1e-6)
    np.testing.assert_allclose(a[1], b[1], atol=1e-5)
    for u, v in zip(a[2], b[2]):
        np.testing.assert_allclose(u, v, atol=1e-5)
    for k in a[3]:
        np.testing.assert_allclose(a[3][k], b[3][k], atol=1e-5)


@pytest.mark.parametrize("B,Kd,N,seed", [(50, 128, 512, 1), (7, 33, 80, 2), (3, 5, 17, 3), (1, 100, 100, 4),
                                         (12, 600, 64, 5), (4, 0, 16, 6)])
def test_simd_gemm_equals_numpy(B, Kd, N, seed):
    """The SIMD-tiled float32 product: every tile shape and remainder, overwrite and accumulate."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((B, Kd)).astype(np.float32)
    W = rng.standard_normal((Kd, N)).astype(np.float32)
    ref = a.astype(np.float64) @ W
    out = np.full((B, N), 3.0, np.float32)
    recurrent_kernels.gemm_f32(a, W, out, False)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4 * max(Kd, 1) ** 0.5)
    recurrent_kernels.gemm_f32(a, W, out, True)
    np.testing.assert_allclose(out, 2 * ref, rtol=1e-4, atol=2e-4 * max(Kd, 1) ** 0.5)


def test_simd_gemm_strided_operands():
    """a transposed (weight gradients: H^T dG), W and out column slices of wider arrays."""
    rng = np.random.default_rng(7)
    h = rng.standard_normal((700, 21)).astype(np.float32)
    dg = rng.standard_normal((700, 96)).astype(np.float32)
    out = np.zeros((21, 96), np.float32)
    recurrent_kernels.gemm_f32(h.T, dg[:, 16:80], out[:, 16:80], False)
    np.testing.assert_allclose(out[:, 16:80], h.T.astype(np.float64) @ dg[:, 16:80], rtol=1e-4, atol=1e-3)
    assert not out[:, :16].any() and not out[:, 80:].any()      # nothing written outside the slice


@pytest.mark.parametrize("cls", CELLS)
def test_simd_path_equals_blas_path_training_shape(cls):
    """Hidden size a multiple of 64 (full SIMD tiles), two thread blocks: SIMD kernels == BLAS."""
    rng = np.random.default_rng(9)
    T, B, D, H = 6, 22, 48, 64
    x = rng.standard_normal((T, B, D)).astype(np.float32)
    dy = rng.standard_normal((T, B, H)).astype(np.float32)
    out = {}
    for simd in (False, True):
        layer = cls(H, seed=3)
        layer.path = "fused" if simd else "blas"
        with parallel.threads(2):
            y = layer.forward(x).copy()
            dx = layer.backward(dy).copy()
        out[simd] = (y, dx, {k: g.copy() for k, g in layer.grads.items()})
    np.testing.assert_allclose(out[True][0], out[False][0], atol=1e-5)
    np.testing.assert_allclose(out[True][1], out[False][1], atol=1e-4)
    for k in out[True][2]:
        np.testing.assert_allclose(out[True][2][k], out[False][2][k], atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize("cls", CELLS)
def test_parallel_blocks_integer_ids(cls):
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 11, (20, 41))
    dy = rng.standard_normal((20, 41, 6)).astype(np.float32)
    out = {}
    for threads in ("1", "2"):
        layer = cls(6, input_dim=11, seed=4)
        with parallel.threads(int(threads)):
            y = layer.forward(ids).copy()
            layer.backward(dy)
        out[threads] = (y, {k: g.copy() for k, g in layer.grads.items()})
    np.testing.assert_allclose(out["1"][0], out["2"][0], atol=1e-6)
    for k in out["1"][1]:
        np.testing.assert_allclose(out["1"][1][k], out["2"][1][k], atol=1e-4, rtol=1e-5)


def test_lstm_forget_bias_starts_at_one_and_gate_layout():
    layer = LSTM(5, input_dim=3, seed=0)
    layer.forward(np.zeros((2, 1, 3), np.float32))
    b = layer.params["b"]
    assert layer.params["W_x"].shape == (3, 20) and layer.params["W_h"].shape == (5, 20)
    np.testing.assert_array_equal(b[5:10], 1.0)
    np.testing.assert_array_equal(np.r_[b[:5], b[10:]], 0.0)


def test_transpose_into_copies_the_transpose_for_any_width():
    rng = np.random.default_rng(8)
    for R, C in ((128, 512), (65, 40), (3, 7)):      # column counts that are and are not multiples of 16
        src = rng.standard_normal((R, C)).astype(np.float32)
        dst = np.full((C, R), np.nan, np.float32)
        recurrent_kernels.transpose_into(src, dst)
        np.testing.assert_array_equal(dst, src.T)


def test_float32_tanh_approximation_is_accurate():
    a = np.linspace(-12, 12, 200001).astype(np.float32)
    t = a.copy()
    recurrent_kernels.tanh_inplace(t)
    assert np.abs(t - np.tanh(a.astype(np.float64))).max() < 1e-6
    assert np.abs(t).max() <= 1.0


# ---------------------------------------------------------------------------
# gradients: central differences in float64
# ---------------------------------------------------------------------------
def numerical_grad(f, a):
    return numerical_gradient(f, a).reshape(a.shape)  # central differences, embed.nn.gradcheck


def check_gradients(cls, T, B, D, H, seed, ids=False):
    rng = np.random.default_rng(seed)
    layer = cls(H, input_dim=D if ids else None, seed=seed)
    layer.build((T, B, D), np.float64)
    perturb_biases(layer, rng)
    x = rng.integers(0, D, (T, B)) if ids else rng.standard_normal((T, B, D))
    state = random_state(cls, B, H, rng)
    R = rng.standard_normal((T, B, H))                       # L = sum(R * y) + sum(S * final state)
    S = random_state(cls, B, H, rng)

    def loss():
        y = layer.forward(x, state=state)
        return float(np.sum(R * y) + sum(np.sum(s * f) for s, f in zip(S, layer.state)))

    loss()
    dx = layer.backward(R, dstate=S)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    dstate = [d.copy() for d in layer.dstate]
    for k, p in layer.params.items():
        np.testing.assert_allclose(grads[k], numerical_grad(loss, p), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{cls.__name__}.{k}")
    for s, d in zip(state, dstate):
        np.testing.assert_allclose(d, numerical_grad(loss, s), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{cls.__name__} initial state")
    if ids:
        assert dx is None
    else:
        np.testing.assert_allclose(dx, numerical_grad(loss, x), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{cls.__name__} dx")


@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("T,B,D,H,seed", [(1, 1, 2, 3, 10), (4, 3, 3, 4, 11), (3, 2, 5, 2, 12)])
@pytest.mark.parametrize("loop", ["numba", "blas"])
def test_gradients_central_differences(cls, T, B, D, H, seed, loop, monkeypatch):
    monkeypatch.setattr(cls, "small_step_work", 1 << 30 if loop == "numba" else 0)
    check_gradients(cls, T, B, D, H, seed)


@pytest.mark.parametrize("cls", CELLS)
def test_gradients_integer_id_input(cls):
    check_gradients(cls, T=3, B=2, D=6, H=3, seed=20, ids=True)


@pytest.mark.parametrize("cls", CELLS)
def test_gradients_without_dstate_and_zero_initial_state(cls):
    """The usual training call: backward(dy) only, state starting at zeros."""
    rng = np.random.default_rng(30)
    T, B, D, H = 3, 2, 3, 4
    layer = cls(H, seed=1)
    x = rng.standard_normal((T, B, D))
    R = rng.standard_normal((T, B, H))

    def loss():
        return float(np.sum(R * layer.forward(x)))

    loss()
    layer.backward(R)
    for k, p in layer.params.items():
        g = layer.grads[k].copy()
        np.testing.assert_allclose(g, numerical_grad(loss, p), rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------
# integer ids, state carrying, step
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CELLS)
def test_integer_ids_equal_one_hot_input(cls):
    rng = np.random.default_rng(40)
    T, B, V, H = 6, 4, 9, 5
    ids = rng.integers(0, V, (T, B)).astype(np.int32)
    dy = rng.standard_normal((T, B, H)).astype(np.float32)
    a = cls(H, input_dim=V, seed=2)
    b = cls(H, seed=2)
    ya = a.forward(ids).copy()
    a.backward(dy)
    yb = b.forward(one_hot(ids, V).astype(np.float32))
    b.backward(dy)
    np.testing.assert_allclose(ya, yb, atol=1e-6)
    for k in a.grads:
        np.testing.assert_allclose(a.grads[k], b.grads[k], atol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_state_carried_across_chunks_equals_one_long_forward(cls):
    rng = np.random.default_rng(50)
    x = rng.standard_normal((9, 3, 4)).astype(np.float32)
    layer = cls(6, seed=3)
    y_long = layer.forward(x).copy()
    s_long = [s.copy() for s in layer.state]
    y1 = layer.forward(x[:4]).copy()
    y2 = layer.forward(x[4:], state=layer.state).copy()
    np.testing.assert_allclose(np.concatenate([y1, y2]), y_long, atol=1e-6)
    for s, r in zip(layer.state, s_long):
        np.testing.assert_allclose(s, r, atol=1e-6)


@pytest.mark.parametrize("cls", CELLS)
def test_step_equals_forward(cls):
    rng = np.random.default_rng(60)
    T, B, V, H = 5, 2, 7, 4
    ids = rng.integers(0, V, (T, B))
    layer = cls(H, input_dim=V, seed=5)
    state0 = random_state(cls, B, H, rng, np.float32)
    y = layer.forward(ids, state=state0).copy()
    final = [s.copy() for s in layer.state]
    state = state0
    for t in range(T):
        y_t, state = layer.step(ids[t], state)              # int ids (B,)
        np.testing.assert_allclose(y_t, y[t], atol=1e-6)
        y_f, _ = layer.step(one_hot(ids[t], V).astype(np.float32), state=None if t else state0)
        if t == 0:
            np.testing.assert_allclose(y_f, y[0], atol=1e-6)   # float (B, D) input too
    for s, r in zip(state, final):
        np.testing.assert_allclose(s, r, atol=1e-6)


@pytest.mark.parametrize("cls", CELLS)
def test_config_round_trip_rebuilds_same_function(cls):
    rng = np.random.default_rng(70)
    x = rng.standard_normal((3, 2, 4)).astype(np.float32)
    a = cls(5, seed=6)
    y = a.forward(x).copy()
    b = cls(**a.get_config())
    b.build((3, 2, 4), np.float32)
    b.set_weights(a.params)
    np.testing.assert_allclose(b.forward(x), y, atol=1e-7)
    assert a.get_config()["units"] == 5 and a.get_config()["input_dim"] == 4


def test_float64_layer_after_astype_and_buffers_follow_dtype():
    layer = LSTM(3, input_dim=5, seed=0)
    ids = np.array([[0, 4], [2, 1]])
    y32 = layer.forward(ids).copy()
    layer.astype(np.float64)
    y64 = layer.forward(ids)
    assert y64.dtype == np.float64
    np.testing.assert_allclose(y64, y32, atol=1e-6)


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_bad_inputs_raise_embed_error():
    layer = LSTM(4, seed=0)
    with pytest.raises(EmbedError, match="backward called before forward"):
        layer.backward(np.zeros((2, 1, 4), np.float32))
    with pytest.raises(EmbedError, match=r"\(T, B, D\)"):
        layer.forward(np.zeros((3, 4), np.float32))
    with pytest.raises(EmbedError, match="input_dim"):
        LSTM(4).forward(np.zeros((3, 2), np.int64))
    layer.forward(np.zeros((2, 1, 3), np.float32))
    with pytest.raises(EmbedError, match="expected input width 3"):
        layer.forward(np.zeros((2, 1, 5), np.float32))
    with pytest.raises(EmbedError, match="state"):
        layer.forward(np.zeros((2, 1, 3), np.float32), state=(np.zeros((1, 4)),))
    with pytest.raises(EmbedError, match="dy must have shape"):
        layer.backward(np.zeros((2, 1, 5), np.float32))
    with pytest.raises(EmbedError, match="units"):
        GRU(0)
    ids_layer = GRU(2, input_dim=4)
    with pytest.raises(EmbedError, match=r"ids must lie in \[0, 4\)"):
        ids_layer.forward(np.array([[0, 4]]))


def test_recurrent_module_reexports_the_runtime_thread_count():
    from embed.nn import recurrent
    assert recurrent.num_threads is parallel.num_threads
    with parallel.threads(3):
        assert recurrent.num_threads() == 3


@pytest.mark.parametrize("cls", CELLS)
def test_packed_step_weights_give_the_unpacked_tiles_bits(cls, monkeypatch):
    """The 6x16 step tile on W_h / W_h^T packed into panels runs the same FMA chains as on
    the plain weights: forward, dx and gradients agree to the bit."""
    from embed.nn import plan
    rng = np.random.default_rng(11)
    x = rng.standard_normal((5, 26, 24)).astype(np.float32)       # 13 rows per thread: tiles of 6 + 6 + 1
    dy = rng.standard_normal((5, 26, 64)).astype(np.float32)
    out = {}
    for packed in (True, False):
        layer = cls(64, seed=2)
        layer.project_in_scan = False   # the step's own panels; the LSTM's fused input path: next test
        if not packed:      # every thread told "not packed"
            monkeypatch.setattr(layer, "panels", lambda buf, b0, b1, tile, backward=False:
                                np.empty((0, 64 * (layer.n_gates if backward else 1), 16), np.float32))
        with plan.using(plan.Planner(path=False, force="tile6x16")), parallel.threads(2):
            y = layer.forward(x).copy()
            dx = layer.backward(dy).copy()
        # each of the two threads packed its own panels of W_h and of W_h^T, or none did
        for name in ("W_h_panels", "W_hT_panels"):
            assert len(layer._buf.get(name, {})) == (2 if packed else 0)
        out[packed] = (y, dx, {k: g.copy() for k, g in layer.grads.items()})
    np.testing.assert_array_equal(out[True][0], out[False][0])
    np.testing.assert_array_equal(out[True][1], out[False][1])
    for k in out[True][2]:
        np.testing.assert_array_equal(out[True][2][k], out[False][2][k])


@pytest.mark.parametrize("B", [26, 3])       # two threads of 13 rows / one thread
def test_lstm_ids_gathered_and_summed_in_the_time_loop_equal_the_chunk_passes(B):
    """LSTM integer ids: the rows W_x[ids[t]] gathered and dW_x summed (per thread) inside the time
    loops give the outputs and gradients of the chunk-wide gather and scatter-add passes."""
    rng = np.random.default_rng(13)
    ids = rng.integers(0, 11, (6, B))
    dy = rng.standard_normal((6, B, 32)).astype(np.float32)
    dstate = tuple(rng.standard_normal((B, 32)).astype(np.float32) for _ in range(2))
    out = {}
    for in_scan in (True, False):
        layer = LSTM(32, input_dim=11, seed=4)
        layer.project_in_scan = in_scan
        with parallel.threads(2):
            y = layer.forward(ids).copy()
            layer.backward(dy, dstate)
        assert (layer._buf["x_in_scan"] is not None) == in_scan
        assert len(layer._buf.get("dW_x_parts", {})) == (((2 if B == 26 else 1)) if in_scan else 0)
        out[in_scan] = (y, [s.copy() for s in layer.state], [d.copy() for d in layer.dstate],
                        {k: g.copy() for k, g in layer.grads.items()})
    a, b = out[True], out[False]
    # same gathered rows and gate math, but compiled into other kernels: fastmath may round
    # an operation differently (1 ulp), so close rather than equal
    np.testing.assert_allclose(a[0], b[0], atol=1e-6, rtol=1e-6)
    for u, v in zip(a[1] + a[2], b[1] + b[2]):
        np.testing.assert_allclose(u, v, atol=1e-6, rtol=1e-6)
    for k in a[3]:                                              # dW_x: rows summed in another order
        np.testing.assert_allclose(a[3][k], b[3][k], atol=1e-5, rtol=1e-5)
    assert np.abs(a[3]["W_x"]).sum() > 0 and not np.any(a[3]["W_x"][np.setdiff1d(np.arange(11), ids)])


def test_lstm_fused_input_without_input_grad_gives_the_same_weight_grads():
    """LSTM float input on the fused in-loop path with ``input_grad`` off: the backward skips dx
    (returns None, the plain time loop without dx) and its weight gradients equal those of the
    backward that computes dx."""
    from embed.nn import plan
    rng = np.random.default_rng(14)
    x = rng.standard_normal((6, 26, 32)).astype(np.float32)
    dy = rng.standard_normal((6, 26, 32)).astype(np.float32)
    grads = {}
    for input_grad in (True, False):
        layer = LSTM(32, seed=5)
        layer.input_grad = input_grad
        with plan.using(plan.Planner(path=False, force="tile6x16")), parallel.threads(2):
            layer.forward(x)
            dx = layer.backward(dy)
        assert layer._buf["x_in_scan"] is not None
        assert (dx is None) == (not input_grad)
        grads[input_grad] = {k: g.copy() for k, g in layer.grads.items()}
    for k in grads[True]:
        np.testing.assert_allclose(grads[False][k], grads[True][k], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("tile", ["tile6x16", "tile5x64"])
def test_lstm_input_projection_in_the_time_loop_equals_the_chunk_product(tile):
    """LSTM float input: [x_t | h_{t-1}] @ [W_x; W_h] and dG_t W_x^T inside each thread's time
    loops (with the 6x16 step tile on panels each thread packs, with the 5x64 tile on one stacked
    and one transposed copy the threads share), and dW from the kept rows [x_t | h_{t-1}], give
    the outputs and gradients of the big products outside the loops."""
    from embed.nn import plan
    panels = tile == "tile6x16"
    rng = np.random.default_rng(12)
    x = rng.standard_normal((6, 26, 32)).astype(np.float32)       # 13 rows per thread; D a multiple of 16
    dy = rng.standard_normal((6, 26, 32)).astype(np.float32)
    out = {}
    for fused in (True, False):
        layer = LSTM(32, seed=2)
        layer.path = "fused" if fused else "loop"
        with plan.using(plan.Planner(path=False, force=tile)), parallel.threads(2):
            y = layer.forward(x).copy()
            dx = layer.backward(dy).copy()
            state = [s.copy() for s in layer.state]
        assert (layer._buf["x_in_scan"] is not None) == fused
        assert (layer._buf["dx_in_scan"] is not None) == fused
        for name in ("W_xh_panels", "W_xT_panels"):                   # one copy per thread, or none
            assert len(layer._buf.get(name, {})) == (2 if fused and panels else 0)
        assert ("W_xh" in layer._buf) == (fused and not panels)       # the stacked copy only when read
        if fused and not panels:                                       # the shared copies were read
            np.testing.assert_array_equal(layer._buf["W_xh"], np.vstack([layer.params["W_x"],
                                                                         layer.params["W_h"]]))
            np.testing.assert_array_equal(layer._buf["W_xT"], layer.params["W_x"].T)
        out[fused] = (y, dx, state, {k: g.copy() for k, g in layer.grads.items()})
    a, b = out[True], out[False]
    np.testing.assert_allclose(a[0], b[0], atol=1e-6)
    np.testing.assert_allclose(a[1], b[1], atol=1e-5)
    for u, v in zip(a[2], b[2]):
        np.testing.assert_allclose(u, v, atol=1e-6)
    for k in a[3]:
        np.testing.assert_allclose(a[3][k], b[3][k], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("cls,fastest", [(LSTM, "fused"), (LSTM, "loop"), (LSTM, "blas"), (GRU, "loop"),
                                         (GRU, "blas"), (SimpleRNN, "blas")])
def test_the_planned_path_is_the_fastest_measured_and_runs_as_if_forced(cls, fastest):
    """With no path forced, a layer's first chunk at a batch size times every path on a copy of
    the layer and runs the fastest: the same outputs, state and gradients as that path forced,
    and the timing runs leave the layer's own gradients alone."""
    from embed.nn import plan
    rng = np.random.default_rng(15)
    x = rng.standard_normal((6, 26, 32)).astype(np.float32)       # 13 rows per thread
    dy = rng.standard_normal((6, 26, 64)).astype(np.float32)   # H=64: over small_step_work for each cell
    timed = []

    def timer(choice, fn):                      # every candidate really runs; the tile 6x16 and
        fn()                                    # `fastest` are the fastest
        if "_probes" in fn.__qualname__:        # a whole path, not a product
            timed.append(choice)
        return 0.5 if choice in (fastest, "tile6x16") else 1.0
    out = {}
    for forced in (None, fastest):
        layer = cls(64, seed=2)
        layer.path = forced
        layer.build(x.shape)
        for g in layer.grads.values():
            g.fill(7.0)
        planner = plan.Planner(path=False, timer=timer)
        with plan.using(planner), parallel.threads(2):
            y = layer.forward(x).copy()
            assert all((g == 7.0).all() for g in layer.grads.values())
            dx = layer.backward(dy).copy()
        assert layer._buf["path"] == fastest
        assert (layer._buf["x_in_scan"] is not None) == (fastest == "fused")
        paths = {k: v for k, v in planner.used.items() if k.startswith("rnn.path")}
        if forced is None:
            options = ["fused", "loop", "blas"] if cls is LSTM else ["loop", "blas"]
            assert paths == {f"rnn.path|{cls.__name__}|x32|T8xB32xH64|t2": fastest}
            assert timed == options
        else:
            assert paths == {}
        out[forced] = (y, dx, [s.copy() for s in layer.state], {k: g.copy() for k, g in layer.grads.items()})
    a, b = out[None], out[fastest]
    for u, v in zip(a[:2] + tuple(a[2]), b[:2] + tuple(b[2])):
        np.testing.assert_array_equal(u, v)
    for k in a[3]:
        np.testing.assert_array_equal(a[3][k], b[3][k])


def test_a_path_must_be_named_and_float64_always_runs_blas():
    from embed.nn import plan
    layer = LSTM(4, seed=0)
    layer.path = "gpu"
    with pytest.raises(EmbedError, match="path must be None or one of fused, loop, blas"):
        layer.forward(np.zeros((2, 3, 5), np.float32))

    def must_not_time(choice, fn):
        raise AssertionError("float64 planned a path")
    layer = LSTM(64, seed=0)                     # B*H*G over small_step_work: not the tiny-step loop
    with plan.using(plan.Planner(path=False, timer=must_not_time)), parallel.threads(2):
        layer.forward(np.zeros((2, 40, 16)))
    assert layer._buf["path"] == "blas" and not layer._buf["numba_time_loop"]


def test_a_big_layer_times_its_paths_on_a_shorter_chunk():
    """The probe chunk is cut to PROBE_WORK multiply-adds of the recurrent product (here
    128 * 256 * 1024 per step: 32 steps of the 40), and the plan is named after it."""
    from embed.nn import plan

    def timer(choice, fn):                      # never runs fn: only the plan's name is checked
        return 0.5 if choice in ("loop", "tile6x16") else 1.0
    planner = plan.Planner(path=False, timer=timer)
    layer = LSTM(256, seed=0)
    with plan.using(planner), parallel.threads(2):
        layer.forward(np.zeros((40, 128, 16), np.float32))
    assert [k for k in planner.used if k.startswith("rnn.path")] == ["rnn.path|LSTM|x16|T32xB128xH256|t2"]
    assert layer._buf["path"] == "loop"


def test_a_chunk_of_another_length_runs_the_path_planned_for_the_batch():
    """A validation set's short last chunk does not time every path again: one plan per batch size
    and input kind; another batch size is planned anew."""
    from embed.nn import plan
    keys = []

    def timer(choice, fn):
        if "_probes" in fn.__qualname__:
            keys.append(choice)
        return 0.5 if choice in ("blas", "tile6x16") else 1.0
    planner = plan.Planner(path=False, timer=timer)
    layer = GRU(64, seed=0)
    with plan.using(planner), parallel.threads(2):
        layer.forward(np.zeros((20, 26, 8), np.float32))
        assert keys == ["loop", "blas"] and layer._buf["path"] == "blas"
        layer.forward(np.zeros((3, 26, 8), np.float32))              # short last chunk: same plan
        assert keys == ["loop", "blas"] and layer._buf["path"] == "blas"
        layer.forward(np.zeros((20, 40, 8), np.float32))             # another batch size: planned
        assert keys == ["loop", "blas"] * 2
    assert sorted(k for k in planner.used if k.startswith("rnn.path")) == [
        "rnn.path|GRU|x8|T32xB32xH64|t2", "rnn.path|GRU|x8|T32xB64xH64|t2"]
    with plan.using(plan.Planner(path=False, force="tile6x16")), parallel.threads(2):
        layer.forward(np.zeros((20, 26, 8), np.float32))
    assert layer._buf["path"] == "loop"           # another planner is asked again (a forced one: the first)
