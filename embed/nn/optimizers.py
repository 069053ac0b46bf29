"""Optimizers: update parameters in place from their gradients.

``opt.step(params, grads)`` takes two parallel lists of arrays; the state
(velocities, moment estimates) is kept per list position, so call it with the
same list order every time.  ``opt.lr`` can be changed between steps (that is
what `embed.nn.schedules` does).  The updates, with g the gradient and η the
learning rate:

* SGD            θ ← θ − η g
* momentum       v ← μ v − η g;  θ ← θ + v            (Nesterov: θ ← θ + μ v − η g)
* Adagrad        G ← G + g²;      θ ← θ − η g / (√G + ε)
* RMSprop        s ← ρ s + (1−ρ) g²;  θ ← θ − η g / (√s + ε)
* Adam           m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;
                 θ ← θ − η/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)

Each update is one fused Numba kernel over the flat array (no temporaries);
with a thread pool (``Sequential.fit(..., thread_mode="pool")``) big arrays
are updated in blocks on all cores.  ``state_dict()`` / ``load_state_dict()``
hold only numpy arrays and scalars, so checkpoints can be plain ``.npz`` files.
"""
import numpy as np
from numba import njit

from ..errors import EmbedError
from .threads import split

# The kernels are serial: once vectorised (error_model="numpy" lets LLVM
# vectorise the division) they stream memory about as fast as one core can,
# and Numba's own parallel loops spin badly on a shared machine.
# With a thread pool (set by Sequential.fit), arrays at least this large are
# split into one block per thread, each updated by the serial kernel.
_SPLIT_MIN = 1 << 15


# -- kernels (flat 1-D arrays, updated in place) -------------------------------
@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _sgd_kernel(p, g, lr):
    for i in range(p.size):
        p[i] -= lr * g[i]


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _momentum_kernel(p, g, vel, lr, mu, nesterov):
    for i in range(p.size):
        v = mu * vel[i] - lr * g[i]
        vel[i] = v
        if nesterov:
            p[i] += mu * v - lr * g[i]
        else:
            p[i] += v


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _adagrad_kernel(p, g, acc, lr, eps):
    for i in range(p.size):
        gi = g[i]
        a = acc[i] + gi * gi
        acc[i] = a
        p[i] -= lr * gi / (np.sqrt(a) + eps)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _rmsprop_kernel(p, g, sq, lr, rho, eps):
    for i in range(p.size):
        gi = g[i]
        s = rho * sq[i] + (1 - rho) * gi * gi
        sq[i] = s
        p[i] -= lr * gi / (np.sqrt(s) + eps)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _adam_kernel(p, g, m, v, step, b1, b2, inv_sqrt_bc2, eps):
    """p, g, m, v: (n,) same dtype; step = η/(1−β₁ᵗ); inv_sqrt_bc2 = 1/√(1−β₂ᵗ)."""
    for i in range(p.size):
        gi = g[i]
        mi = b1 * m[i] + (1 - b1) * gi
        vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= step * mi / (np.sqrt(vi) * inv_sqrt_bc2 + eps)


# -- helpers -----------------------------------------------------------------
def _flat(a):
    """A flat view of a C-contiguous array (the kernels update it in place)."""
    if not a.flags.c_contiguous:
        raise EmbedError("optimizer: parameters and gradients must be C-contiguous arrays")
    return a.reshape(-1)


def _check_lists(params, grads):
    if len(params) != len(grads):
        raise EmbedError(f"optimizer.step: {len(params)} parameters but {len(grads)} gradients")
    for i, (p, g) in enumerate(zip(params, grads)):
        if p.shape != g.shape:
            raise EmbedError(f"optimizer.step: parameter {i} has shape {p.shape} but its gradient {g.shape}")


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so their global L2 norm is at most `max_norm`.

    ‖g‖ = √(Σ_arrays Σ_i g_i²); if ‖g‖ > max_norm every array is multiplied by
    max_norm/‖g‖.  Returns the norm before clipping (a float).
    """
    total = 0.0
    for g in grads:
        f = g.reshape(-1)
        total += float(np.dot(f, f))
    norm = float(np.sqrt(total))
    if max_norm is not None and np.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads:
            g *= scale
    return norm


class Optimizer:
    """Base class: per-position state lists, lr, step counter `t`."""
    name = "optimizer"
    _slots = ()          # names of per-parameter state arrays
    _hyper = ("lr",)     # scalar hyper-parameters saved in state_dict

    def __init__(self, lr):
        self.lr = float(lr)
        self.t = 0
        self.state = {}
        self.pool = None   # embed.nn.threads.Pool: update big arrays block-wise on all cores

    def _prepare(self, params, grads):
        _check_lists(params, grads)
        for s in self._slots:
            arrs = self.state.get(s, [])
            if len(arrs) != len(params) or any(a.shape != p.shape or a.dtype != p.dtype
                                               for a, p in zip(arrs, params)):
                if arrs:
                    raise EmbedError("optimizer.step: parameter list changed between steps "
                                     "(make a new optimizer for a new model)")
                self.state[s] = [np.zeros_like(p, order="C") for p in params]
        self.t += 1

    def step(self, params, grads):
        self._prepare(params, grads)
        pool = self.pool
        for i, (p, g) in enumerate(zip(params, grads)):
            if g.dtype != p.dtype:
                g = g.astype(p.dtype)
            pf, gf = _flat(p), _flat(g)
            slots = [self.state[s][i].reshape(-1) for s in self._slots]
            if pool is not None and pf.size >= _SPLIT_MIN:
                blocks = split(pf.size, pool.size)

                def part(k, pf=pf, gf=gf, slots=slots, blocks=blocks):
                    lo, hi = blocks[k]
                    self._update(pf[lo:hi], gf[lo:hi], [a[lo:hi] for a in slots])
                pool.run(part)
            else:
                self._update(pf, gf, slots)

    def _update(self, p, g, slots):
        """Update flat p in place from flat g; `slots` = flat state arrays in `_slots` order."""
        raise NotImplementedError

    def zero_state(self):
        self.t = 0
        self.state = {}

    def state_dict(self):
        d = {"name": self.name, "t": self.t}
        for h in self._hyper:
            d[h] = getattr(self, h)
        for s in self._slots:
            for i, a in enumerate(self.state.get(s, [])):
                d[f"{s}.{i}"] = a
        return d

    def load_state_dict(self, d):
        name = str(d.get("name", self.name))
        if name != self.name:
            raise EmbedError(f"optimizer state is for {name!r}, not {self.name!r}")
        self.t = int(d["t"])
        for h in self._hyper:
            if h in d:
                v = d[h]
                setattr(self, h, type(getattr(self, h))(v.item() if hasattr(v, "item") else v))
        for s in self._slots:
            n = sum(1 for k in d if k.startswith(s + "."))
            self.state[s] = [np.ascontiguousarray(d[f"{s}.{i}"]).copy() for i in range(n)]
        return self

    def get_config(self):
        return {h: getattr(self, h) for h in self._hyper}

    def __repr__(self):
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


class SGD(Optimizer):
    """Plain / momentum / Nesterov gradient descent."""
    name = "sgd"
    _hyper = ("lr", "momentum", "nesterov")

    @property
    def _slots(self):
        return ("velocity",) if self.momentum else ()

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False):
        super().__init__(lr)
        self.momentum = float(momentum)   # μ, 0 = plain SGD
        self.nesterov = bool(nesterov)    # look-ahead momentum
        if not 0 <= self.momentum < 1:
            raise EmbedError(f"momentum must be in [0, 1), got {momentum}")

    def _update(self, p, g, slots):
        if self.momentum == 0:
            _sgd_kernel(p, g, p.dtype.type(self.lr))
        else:
            _momentum_kernel(p, g, slots[0], p.dtype.type(self.lr), p.dtype.type(self.momentum), self.nesterov)


class Momentum(SGD):
    """SGD with momentum μ = 0.9 by default."""
    name = "momentum"

    def __init__(self, lr=0.01, momentum=0.9, nesterov=False):
        super().__init__(lr, momentum, nesterov)


class Adagrad(Optimizer):
    name = "adagrad"
    _slots = ("accumulator",)
    _hyper = ("lr", "eps")

    def __init__(self, lr=0.01, eps=1e-8):
        super().__init__(lr)
        self.eps = float(eps)   # keeps the division finite

    def _update(self, p, g, slots):
        f = p.dtype.type
        _adagrad_kernel(p, g, slots[0], f(self.lr), f(self.eps))


class RMSprop(Optimizer):
    name = "rmsprop"
    _slots = ("square_avg",)
    _hyper = ("lr", "rho", "eps")

    def __init__(self, lr=1e-3, rho=0.9, eps=1e-8):
        super().__init__(lr)
        self.rho = float(rho)   # decay of the running mean of g²
        self.eps = float(eps)

    def _update(self, p, g, slots):
        f = p.dtype.type
        _rmsprop_kernel(p, g, slots[0], f(self.lr), f(self.rho), f(self.eps))


class Adam(Optimizer):
    name = "adam"
    _slots = ("m", "v")
    _hyper = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = float(beta1)   # decay of the first moment (mean of g)
        self.beta2 = float(beta2)   # decay of the second moment (mean of g²)
        self.eps = float(eps)

    def _update(self, p, g, slots):
        f = p.dtype.type
        t = self.t
        step = self.lr / (1 - self.beta1 ** t)
        inv_sqrt_bc2 = 1.0 / np.sqrt(1 - self.beta2 ** t)
        _adam_kernel(p, g, slots[0], slots[1], f(step), f(self.beta1), f(self.beta2), f(inv_sqrt_bc2), f(self.eps))


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adagrad, RMSprop, Adam)}


def get(name, **kwargs):
    """Optimizer by name (``get("adam", lr=1e-3)``), or pass an Optimizer through."""
    if isinstance(name, Optimizer):
        if kwargs:
            raise EmbedError("optimizer keyword arguments given with an optimizer object")
        return name
    key = name.lower() if isinstance(name, str) else name
    if key not in OPTIMIZERS:
        raise EmbedError(f"unknown optimizer {name!r}; choose from: {', '.join(OPTIMIZERS)}")
    try:
        return OPTIMIZERS[key](**kwargs)
    except TypeError as e:
        raise EmbedError(f"optimizer {key!r}: {e}") from None
