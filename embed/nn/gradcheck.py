"""Central-difference gradient checks, reusable in every test of a layer or loss.

    ∂f/∂θ_i ≈ (f(θ + ε e_i) − f(θ − ε e_i)) / 2ε        (error O(ε²))

For a layer, the scalar checked is L = Σ y ⊙ R + regularization with a fixed
random R, so ``backward(R)`` must return ∂L/∂x and set ∂L/∂θ.  Everything runs
in float64 (the layer's parameters are cast) so the comparison is meaningful.
Large arrays are checked at a random sample of `max_checks` entries.

    from embed.nn.gradcheck import check_layer_gradients
    check_layer_gradients(Dense(3, "tanh"), np.random.randn(4, 5), seed=0)

Raises AssertionError naming the worst entry when analytic and numeric
gradients disagree; returns {name: max relative error} otherwise.
"""
import numpy as np


def _sample(size, max_checks, rng):
    if max_checks is None or size <= max_checks:
        return np.arange(size)
    return rng.choice(size, max_checks, replace=False)


def numerical_gradient(f, x, eps=1e-6, indices=None):
    """Central differences of the scalar f() w.r.t. entries of x (modified and restored in place).

    Returns an array like x.reshape(-1)[indices] (all entries if indices is None).
    """
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array")
    idx = np.arange(flat.size) if indices is None else np.asarray(indices)
    out = np.empty(idx.size, dtype=np.float64)
    for k, i in enumerate(idx):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        out[k] = (fp - fm) / (2 * eps)
    return out


def compare(name, analytic, numeric, rtol=1e-5, atol=1e-7):
    """Max relative error; AssertionError if any |a − n| > atol + rtol·max(|a|, |n|)."""
    a = np.asarray(analytic, dtype=np.float64).reshape(-1)
    n = np.asarray(numeric, dtype=np.float64).reshape(-1)
    if a.shape != n.shape:
        raise AssertionError(f"{name}: analytic gradient has {a.size} entries, numeric {n.size}")
    diff = np.abs(a - n)
    scale = np.maximum(np.abs(a), np.abs(n))
    bad = diff > atol + rtol * scale
    rel = diff / np.maximum(scale, atol)
    if np.any(bad) or not np.all(np.isfinite(a)):
        k = int(np.argmax(np.where(bad, diff, -1))) if np.any(bad) else int(np.argmax(~np.isfinite(a)))
        raise AssertionError(f"gradient check failed for {name}: entry {k} analytic {a[k]:.8g} "
                             f"vs numeric {n[k]:.8g} (max rel. error {rel.max():.3g})")
    return float(rel.max()) if rel.size else 0.0


def check_layer_gradients(layer, x, seed=0, eps=1e-6, rtol=1e-5, atol=1e-7, max_checks=60,
                          check_input=None, **forward_kwargs):
    """Check ``layer.backward`` (∂L/∂x and every ``grads[name]``) against central differences.

    layer : an unbuilt or built Layer; its params are cast to float64.
    x     : input; float arrays are cast to float64, int arrays (ids) are kept.
    seed  : seeds the random projection R and the entries sampled; layers with
            a random forward (dropout) get their Generator reset to it before
            every forward, so each evaluation uses the same mask.
    check_input : check ∂L/∂x too (default: when x is float).
    forward_kwargs : passed to every ``layer.forward`` (e.g. ``training=True``, ``state=...``).
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, copy=True)
    is_float = x.dtype.kind == "f"
    if is_float:
        x = np.ascontiguousarray(x, dtype=np.float64)
    if check_input is None:
        check_input = is_float

    def fwd():
        if hasattr(layer, "rng"):
            layer.rng = np.random.default_rng(seed + 1)
        return layer.forward(x, **forward_kwargs)

    y = fwd()                              # builds the layer
    layer.astype(np.float64)
    y = fwd()
    R = rng.standard_normal(np.shape(y))   # L = Σ y ⊙ R, so ∂L/∂y = R

    def loss():
        return float(np.sum(np.asarray(fwd(), dtype=np.float64) * R)) + float(layer.regularization_loss())

    fwd()
    dx = layer.backward(R.copy())
    analytic = {k: np.array(g, dtype=np.float64) for k, g in layer.grads.items()}
    errors = {}
    if check_input:
        if dx is None:
            raise AssertionError(f"{type(layer).__name__}.backward returned None for a float input")
        idx = _sample(x.size, max_checks, rng)
        num = numerical_gradient(loss, x, eps, idx)
        errors["input"] = compare(f"{type(layer).__name__} d/dx", np.asarray(dx).reshape(-1)[idx], num, rtol, atol)
    for name, p in layer.params.items():
        idx = _sample(p.size, max_checks, rng)
        num = numerical_gradient(loss, p, eps, idx)
        errors[name] = compare(f"{type(layer).__name__} d/d{name}", analytic[name].reshape(-1)[idx], num, rtol, atol)
    return errors


def check_loss_gradients(loss, y_pred, y_true, eps=1e-6, rtol=1e-5, atol=1e-7, max_checks=200, seed=0):
    """Check ``loss.backward()`` against central differences of ``loss.forward`` over y_pred (float64)."""
    rng = np.random.default_rng(seed)
    y_pred = np.ascontiguousarray(y_pred, dtype=np.float64).copy()
    loss.forward(y_pred, y_true)
    analytic = np.array(loss.backward(), dtype=np.float64)
    idx = _sample(y_pred.size, max_checks, rng)
    num = numerical_gradient(lambda: loss.forward(y_pred, y_true), y_pred, eps, idx)
    return compare(f"{type(loss).__name__} d/dy_pred", analytic.reshape(-1)[idx], num, rtol, atol)


def check_function_gradients(f, grad, x, eps=1e-6, rtol=1e-5, atol=1e-7, max_checks=200, seed=0):
    """Generic: f(x) -> float, grad(x) -> array like x."""
    rng = np.random.default_rng(seed)
    x = np.ascontiguousarray(x, dtype=np.float64).copy()
    analytic = np.array(grad(x), dtype=np.float64)
    idx = _sample(x.size, max_checks, rng)
    num = numerical_gradient(lambda: float(f(x)), x, eps, idx)
    return compare("function", analytic.reshape(-1)[idx], num, rtol, atol)


def check_model_gradients(model, X, y, seed=0, eps=1e-6, rtol=1e-5, atol=1e-7, max_checks=40):
    """Check a compiled `Sequential`'s full backprop (loss + regularization) in float64.

    Runs the same forward / loss / backward as one training step (fused
    softmax or sigmoid cross-entropy included, dropout masks held fixed) and
    compares every parameter gradient with central differences.
    """
    rng = np.random.default_rng(seed)
    X = np.ascontiguousarray(X, dtype=np.float64) if np.asarray(X).dtype.kind == "f" else np.asarray(X)
    loss_fn, logits = model.training_loss()            # the fused loss on logits when it applies

    def reset_rngs():
        for i, layer in enumerate(model.layers):
            layer.rng = np.random.default_rng(seed + 1 + i)

    reset_rngs()
    model.forward(X, training=True, logits=logits)     # build
    for layer in model.layers:
        layer.astype(np.float64)

    def loss():
        reset_rngs()
        out = model.forward(X, training=True, logits=logits)
        return loss_fn.forward(out, y) + model.regularization_loss()

    loss()
    model.backward(loss_fn.backward())
    errors = {}
    for i, layer in enumerate(model.layers):
        analytic = {k: np.array(g, dtype=np.float64) for k, g in layer.grads.items()}
        for name, p in layer.params.items():
            idx = _sample(p.size, max_checks, rng)
            num = numerical_gradient(loss, p, eps, idx)
            key = f"layer{i}.{type(layer).__name__}.{name}"
            errors[key] = compare(key, analytic[name].reshape(-1)[idx], num, rtol, atol)
    return errors
