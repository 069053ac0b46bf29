"""The word2vec steps (steps.py) against float64 numpy references and central differences."""
import numpy as np
import pytest

from embed.nn.gradcheck import numerical_gradient
from embed.word2vec import steps, tables

SIG, LOGSIG = tables.make_tables()


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logsig(x):
    return -np.logaddexp(0.0, -x)


# ---------------------------------------------------------------- float64 references

def sg_ns_loss(syn0, syn1neg, ctx, outs):
    """Skip-gram NS loss of one centre: every context row against outs[0] (+) and outs[1:] (-)."""
    f = syn0[ctx] @ syn1neg[outs].T  # (M, 1+K)
    return -_logsig(f[:, 0]).sum() - _logsig(-f[:, 1:]).sum()


def sg_ns_grad(syn0, syn1neg, ctx, outs):
    """Analytic gradients of `sg_ns_loss` w.r.t. the full matrices (repeated ids add up)."""
    f = syn0[ctx] @ syn1neg[outs].T  # (M, 1+K)
    y = np.zeros_like(f)
    y[:, 0] = 1.0
    e = _sigmoid(f) - y  # dL/df  (M, 1+K)
    g0, g1 = np.zeros_like(syn0), np.zeros_like(syn1neg)
    np.add.at(g0, ctx, e @ syn1neg[outs])  # (M, D)
    np.add.at(g1, outs, e.T @ syn0[ctx])  # (1+K, D)
    return g0, g1


def cbow_loss(syn0, syn1neg, syn1, ctx, outs, point, code):
    h = syn0[ctx].mean(axis=0)  # (D,)
    loss = 0.0
    if len(outs):
        f = syn1neg[outs] @ h  # (1+K,)
        loss += -_logsig(f[0]) - _logsig(-f[1:]).sum()
    if len(point):
        f = syn1[point] @ h  # (L,)
        sign = 1.0 - 2.0 * np.asarray(code, float)
        loss += -_logsig(sign * f).sum()
    return loss


def cbow_grad(syn0, syn1neg, syn1, ctx, outs, point, code):
    h = syn0[ctx].mean(axis=0)  # (D,)
    g0, g1, gh = np.zeros_like(syn0), np.zeros_like(syn1neg), np.zeros_like(syn1)
    dh = np.zeros_like(h)
    if len(outs):
        f = syn1neg[outs] @ h
        y = np.zeros_like(f)
        y[0] = 1.0
        e = _sigmoid(f) - y  # (1+K,)
        dh += e @ syn1neg[outs]
        np.add.at(g1, outs, np.outer(e, h))
    if len(point):
        f = syn1[point] @ h
        y = 1.0 - np.asarray(code, float)  # label of each inner node
        e = _sigmoid(f) - y  # (L,)
        dh += e @ syn1[point]
        np.add.at(gh, point, np.outer(e, h))
    np.add.at(g0, ctx, np.tile(dh / len(ctx), (len(ctx), 1)))
    return g0, g1, gh


def _numeric_grad(fun, arrays, i):
    """Central differences of fun() w.r.t. every entry of arrays[i] (float64, in place)."""
    return numerical_gradient(fun, arrays[i]).reshape(arrays[i].shape)


def _weights(rng, V, D, scale=0.4):
    return [rng.normal(0.0, scale, size=(V, D)) for _ in range(3)]


# ---------------------------------------------------------------- gradients vs central differences

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sg_reference_gradient_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    V, D = 7, int(rng.integers(3, 6))
    syn0, syn1neg, _ = _weights(rng, V, D)
    ctx = rng.integers(0, V, size=int(rng.integers(1, 5)))
    outs = rng.integers(0, V, size=4)  # repeats allowed: they must add up
    g0, g1 = sg_ns_grad(syn0, syn1neg, ctx, outs)
    arrays = [syn0, syn1neg]
    fun = lambda: sg_ns_loss(arrays[0], arrays[1], ctx, outs)  # noqa: E731
    np.testing.assert_allclose(g0, _numeric_grad(fun, arrays, 0), atol=1e-7)
    np.testing.assert_allclose(g1, _numeric_grad(fun, arrays, 1), atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cbow_reference_gradient_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    V, D = 7, int(rng.integers(3, 6))
    syn0, syn1neg, syn1 = _weights(rng, V, D)
    ctx = rng.integers(0, V, size=int(rng.integers(1, 5)))
    outs = rng.integers(0, V, size=3)
    point, code = np.array([5, 2, 0]), np.array([1, 0, 1])
    grads = cbow_grad(syn0, syn1neg, syn1, ctx, outs, point, code)
    arrays = [syn0, syn1neg, syn1]
    fun = lambda: cbow_loss(*arrays, ctx, outs, point, code)  # noqa: E731
    for i in range(3):
        np.testing.assert_allclose(grads[i], _numeric_grad(fun, arrays, i), atol=1e-7)


# ---------------------------------------------------------------- one kernel update vs the reference

def _check_step(new, old, grad, alpha):
    """The kernel's SGD step (float32, table sigmoid) equals -alpha * grad up to table error."""
    delta = new.astype(np.float64) - old
    expected = -alpha * grad
    scale = np.abs(expected).max()
    assert scale > 1e-3  # the step really moved something
    np.testing.assert_allclose(delta, expected, atol=2e-3 * scale + 1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_sg_ns_step_is_one_sgd_step_on_the_reference_loss(seed):
    rng = np.random.default_rng(seed)
    V, D, alpha = 9, int(rng.integers(5, 40)), 0.3
    syn0, syn1neg, _ = _weights(rng, V, D)
    ctx = rng.integers(0, V, size=int(rng.integers(1, 8))).astype(np.int32)
    outs = rng.integers(0, V, size=int(rng.integers(2, 7))).astype(np.int32)
    s0, s1 = syn0.astype(np.float32), syn1neg.astype(np.float32)
    ref0, ref1 = s0.astype(np.float64), s1.astype(np.float64)  # the weights before the step
    # the step pads contexts to pairs and outputs to triples in the room after them
    ctx_room, outs_room = np.append(ctx, -1).astype(np.int32), np.append(outs, [-1, -1]).astype(np.int32)
    logits = np.empty((len(ctx) + 1, len(outs) + 2), np.float32)
    grad = np.empty((len(ctx) + 1, D), np.float32)
    loss = steps.sg_ns_step(s0, s1, ctx_room, len(ctx), outs_room, len(outs), np.float32(alpha),
                            SIG, LOGSIG, logits, grad)
    g0, g1 = sg_ns_grad(ref0, ref1, ctx, outs)
    _check_step(s0, ref0, g0, alpha)
    _check_step(s1, ref1, g1, alpha)
    assert loss == pytest.approx(sg_ns_loss(ref0, ref1, ctx, outs), rel=2e-3)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("mode", ["ns", "hs", "both"])
def test_cbow_step_is_one_sgd_step_on_the_reference_loss(seed, mode):
    rng = np.random.default_rng(seed)
    V, D, alpha = 9, int(rng.integers(5, 40)), 0.3
    syn0, syn1neg, syn1 = (w.astype(np.float32) for w in _weights(rng, V, D))
    old = [w.astype(np.float64) for w in (syn0, syn1neg, syn1)]
    ctx = rng.integers(0, V, size=int(rng.integers(1, 8))).astype(np.int32)
    # distinct outputs (the reference sums one term per output; the step handles repeats the same way)
    outs = rng.choice(V, size=4, replace=False).astype(np.int32)
    n_out = 0 if mode == "hs" else len(outs)
    point = rng.choice(V - 1, size=3, replace=False).astype(np.int32)
    code = rng.integers(0, 2, size=3).astype(np.int8)
    n_code = 0 if mode == "ns" else 3
    h, err = np.empty(D, np.float32), np.empty(D, np.float32)
    # the Huffman tables hold one path per word: put this one in row 1 of two
    points, codes = np.zeros((2, 3), np.int32), np.zeros((2, 3), np.int8)
    points[1], codes[1] = point, code
    outs_room, logits = np.append(outs, [-1, -1]).astype(np.int32), np.empty(len(outs) + 2, np.float32)
    loss = steps.cbow_step(syn0, syn1neg, syn1, ctx, len(ctx), outs_room, n_out, points, codes, 1, n_code,
                           V - 1, 0, np.float32(alpha), SIG, LOGSIG, h, err, logits)
    ref_args = (ctx, outs[:n_out], point[:n_code], code[:n_code])
    grads = list(cbow_grad(*old, *ref_args))
    # word2vec's rule: each context occurrence moves by -alpha dL/dh = M times its exact share
    grads[0] = grads[0] * len(ctx)
    for new, o, g in zip((syn0, syn1neg, syn1), old, grads):
        if np.abs(g).max() > 0:
            _check_step(new, o, g, alpha)
        else:
            np.testing.assert_array_equal(new, o)
    assert loss == pytest.approx(cbow_loss(*old, *ref_args), rel=2e-3)
