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

``opt.step(params, grads, max_norm=c)`` first clips the global gradient norm
to c (as `clip_grad_norm` does, but without writing the scaled gradients
back) and returns the norm before clipping.

One step is ONE fused Numba call over all parameters: the kernels take tuples
of flat views (one per parameter, built once and cached while the same arrays
come back), so a small model (min-char-rnn: 5 arrays, 23k numbers) pays one
dispatch instead of five.  With a thread pool (``Sequential.fit(...,
thread_mode="pool")``) big arrays are updated in blocks on all cores.
``state_dict()`` / ``load_state_dict()`` hold only numpy arrays and scalars,
so checkpoints can be plain ``.npz`` files.
"""
import math
import operator

import numpy as np

from ..errors import EmbedError
from ..jit import njit
from ..parallel import split
from .registry import lookup

# The kernels are serial: once vectorised (error_model="numpy" lets LLVM
# vectorise the division) they stream memory about as fast as one core can,
# and Numba's own parallel loops spin badly on a shared machine.
# With a thread pool (set by Sequential.fit), arrays at least this large are
# split into one block per thread, each updated by the serial kernel.
_SPLIT_MIN = 1 << 15


# -- kernels ----------------------------------------------------------------------
# ps, gs and the state arguments are tuples of flat 1-D arrays of one dtype, one
# entry per parameter, updated in place.  `scale` multiplies every gradient
# first (the global-norm clip; 1 = none).
@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _sum_squares(arrays):
    """Σ_arrays Σ_i a_i², accumulated in float64."""
    total = 0.0
    for k in range(len(arrays)):
        a = arrays[k]
        for i in range(a.size):
            v = np.float64(a[i])
            total += v * v
    return total


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _sgd_kernel(ps, gs, lr):
    """θ ← θ − η g   (lr = η · scale)."""
    for k in range(len(ps)):
        p, g = ps[k], gs[k]
        for i in range(p.size):
            p[i] -= lr * g[i]


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _momentum_kernel(ps, gs, vels, lr, mu, nesterov):
    """v ← μ v − η g;  θ ← θ + v  (Nesterov: θ ← θ + μ v − η g)   (lr = η · scale)."""
    for k in range(len(ps)):
        p, g, vel = ps[k], gs[k], vels[k]
        for i in range(p.size):
            v = mu * vel[i] - lr * g[i]
            vel[i] = v
            if nesterov:
                p[i] += mu * v - lr * g[i]
            else:
                p[i] += v


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _adagrad_kernel(ps, gs, accs, lr, eps, scale):
    """G ← G + g²;  θ ← θ − η g / (√G + ε)."""
    for k in range(len(ps)):
        p, g, acc = ps[k], gs[k], accs[k]
        for i in range(p.size):
            gi = g[i] * scale
            a = acc[i] + gi * gi
            acc[i] = a
            p[i] -= lr * gi / (np.sqrt(a) + eps)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _rmsprop_kernel(ps, gs, sqs, lr, rho, eps, scale):
    """s ← ρ s + (1−ρ) g²;  θ ← θ − η g / (√s + ε)."""
    for k in range(len(ps)):
        p, g, sq = ps[k], gs[k], sqs[k]
        for i in range(p.size):
            gi = g[i] * scale
            s = rho * sq[i] + (1 - rho) * gi * gi
            sq[i] = s
            p[i] -= lr * gi / (np.sqrt(s) + eps)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _adam_kernel(ps, gs, ms, vs, step, b1, b2, inv_sqrt_bc2, eps, scale):
    """step = η/(1−β₁ᵗ); inv_sqrt_bc2 = 1/√(1−β₂ᵗ)."""
    for k in range(len(ps)):
        p, g, m, v = ps[k], gs[k], ms[k], vs[k]
        for i in range(p.size):
            gi = g[i] * scale
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


def _by_dtype(arrays):
    """Flat views of C-contiguous arrays grouped into one tuple per dtype (kernel arguments)."""
    groups = {}
    for a in arrays:
        groups.setdefault(a.dtype, []).append(a.reshape(-1))
    return [tuple(g) for g in groups.values()]


def global_norm(grads):
    """‖g‖ = √(Σ_arrays Σ_i g_i²) over a list of arrays (float64 accumulation)."""
    total = 0.0
    contiguous = [g for g in grads if g.flags.c_contiguous and g.dtype in (np.float32, np.float64)]
    for group in _by_dtype(contiguous):
        total += _sum_squares(group)
    if len(contiguous) != len(grads):
        kept = {id(g) for g in contiguous}
        total += sum(float(np.vdot(g, g).real) for g in grads if id(g) not in kept)
    return math.sqrt(total)


def _clip_scale(norm, max_norm):
    """The factor clipping a gradient of global norm `norm` to at most `max_norm` (1 = unchanged)."""
    if max_norm is not None and math.isfinite(norm) and norm > max_norm:
        return max_norm / (norm + 1e-6)
    return 1.0


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so their global L2 norm is at most `max_norm`.

    ‖g‖ = √(Σ_arrays Σ_i g_i²); if ‖g‖ > max_norm every array is multiplied by
    max_norm/‖g‖.  Returns the norm before clipping (a float).
    """
    norm = global_norm(grads)
    scale = _clip_scale(norm, max_norm)
    if scale != 1.0:
        for g in grads:
            g *= scale
    return norm


class _Group:
    """Kernel arguments for parameters of one dtype: tuples of flat views."""
    __slots__ = ("ps", "gs", "slots", "split")

    def __init__(self, ps, gs, slots, split):
        self.ps, self.gs = ps, gs   # tuples of flat params / grads
        self.slots = slots          # one tuple of flat state arrays per name in `_slots`
        self.split = split          # True: one big array, updated block-wise on the pool


class Optimizer:
    """Base class: per-position state lists, lr, step counter `t`."""
    name = "optimizer"
    _slots = ()          # names of per-parameter state arrays
    _hyper = ("lr",)     # scalar hyper-parameters saved in state_dict

    def __init__(self, lr):
        self.lr = float(lr)
        self.t = 0
        self.state = {}
        self.pool = None   # embed.parallel.Team: update big arrays block-wise on all cores
        self._cache = None  # (params, grads, pool, groups) of the last step

    def _prepare(self, params, grads):
        """Validate the lists, create the state arrays on the first step."""
        _check_lists(params, grads)
        for s in self._slots:
            arrs = self.state.get(s, [])
            if len(arrs) != len(params) or any(a.shape != p.shape or a.dtype != p.dtype
                                               for a, p in zip(arrs, params)):
                if arrs:
                    raise EmbedError("optimizer.step: parameter list changed between steps "
                                     "(make a new optimizer for a new model)")
                self.state[s] = [np.zeros_like(p, order="C") for p in params]

    def _groups(self, params, grads):
        """Kernel arguments for these lists: reused while the same arrays come back."""
        c = self._cache
        if (c is not None and c[2] is self.pool and len(c[0]) == len(params) == len(grads)
                and all(map(operator.is_, c[0], params)) and all(map(operator.is_, c[1], grads))):
            return c[3]
        self._prepare(params, grads)
        big = self.pool is not None
        lists, groups, reusable = {}, [], True
        for i, (p, g) in enumerate(zip(params, grads)):
            if g.dtype != p.dtype:
                g, reusable = g.astype(p.dtype), False   # a converted copy: redo it every step
            pf, gf = _flat(p), _flat(g)
            slots = [self.state[s][i].reshape(-1) for s in self._slots]
            if big and pf.size >= _SPLIT_MIN:
                groups.append(_Group((pf,), (gf,), tuple((a,) for a in slots), True))
            else:
                ps, gs, ss = lists.setdefault(p.dtype, ([], [], [[] for _ in self._slots]))
                ps.append(pf)
                gs.append(gf)
                for acc, a in zip(ss, slots):
                    acc.append(a)
        for ps, gs, ss in lists.values():
            groups.append(_Group(tuple(ps), tuple(gs), tuple(tuple(a) for a in ss), False))
        groups = tuple(groups)
        self._cache = (list(params), list(grads), self.pool, groups) if reusable else None
        return groups

    def step(self, params, grads, max_norm=None):
        """Update `params` in place from `grads` (two parallel lists of arrays).

        With `max_norm`, the gradients are first scaled so that their global L2
        norm is at most `max_norm` (as `clip_grad_norm`, but `grads` are left
        unchanged) and the norm before clipping is returned; a NaN or infinite
        norm skips the update (nothing changes).  Without `max_norm`: None.
        """
        groups = self._groups(params, grads)
        norm, scale = None, 1.0
        if max_norm is not None:
            norm = math.sqrt(sum(_sum_squares(g.gs) for g in groups))
            if not math.isfinite(norm):
                return norm
            scale = _clip_scale(norm, max_norm)
        self.t += 1
        pool = self.pool
        for g in groups:
            if g.split and pool is not None:
                blocks = split(g.ps[0].size, pool.size)

                def part(k, g=g, blocks=blocks):
                    lo, hi = blocks[k]
                    self._update((g.ps[0][lo:hi],), (g.gs[0][lo:hi],),
                                 tuple((a[0][lo:hi],) for a in g.slots), scale)
                pool.run(part)
            else:
                self._update(g.ps, g.gs, g.slots, scale)
        return norm

    def _update(self, ps, gs, slots, scale):
        """Update the flat params `ps` in place from the flat grads `gs` (tuples, one dtype)
        times `scale`; `slots` = one tuple of flat state arrays per name in `_slots`."""
        raise NotImplementedError

    def zero_state(self):
        self.t = 0
        self.state = {}
        self._cache = None

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
        self._cache = None
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

    def _update(self, ps, gs, slots, scale):
        f = ps[0].dtype.type
        if self.momentum == 0:
            _sgd_kernel(ps, gs, f(self.lr * scale))
        else:
            _momentum_kernel(ps, gs, slots[0], f(self.lr * scale), f(self.momentum), self.nesterov)


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

    def _update(self, ps, gs, slots, scale):
        f = ps[0].dtype.type
        _adagrad_kernel(ps, gs, slots[0], f(self.lr), f(self.eps), f(scale))


class RMSprop(Optimizer):
    name = "rmsprop"
    _slots = ("square_avg",)
    _hyper = ("lr", "rho", "eps")

    def __init__(self, lr=1e-3, rho=0.9, eps=1e-8):
        super().__init__(lr)
        self.rho = float(rho)   # decay of the running mean of g²
        self.eps = float(eps)

    def _update(self, ps, gs, slots, scale):
        f = ps[0].dtype.type
        _rmsprop_kernel(ps, gs, slots[0], f(self.lr), f(self.rho), f(self.eps), f(scale))


class Adam(Optimizer):
    name = "adam"
    _slots = ("m", "v")
    _hyper = ("lr", "beta1", "beta2", "eps")

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = float(beta1)   # decay of the first moment (mean of g)
        self.beta2 = float(beta2)   # decay of the second moment (mean of g²)
        self.eps = float(eps)

    def _update(self, ps, gs, slots, scale):
        f = ps[0].dtype.type
        t = self.t
        step = self.lr / (1 - self.beta1 ** t)
        inv_sqrt_bc2 = 1.0 / math.sqrt(1 - self.beta2 ** t)
        _adam_kernel(ps, gs, slots[0], slots[1], f(step), f(self.beta1), f(self.beta2), f(inv_sqrt_bc2),
                     f(self.eps), f(scale))


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adagrad, RMSprop, Adam)}


def get(name, **kwargs):
    """Optimizer by name (``get("adam", lr=1e-3)``), or pass an Optimizer through."""
    if isinstance(name, Optimizer):
        if kwargs:
            raise EmbedError("optimizer keyword arguments given with an optimizer object")
        return name
    cls = lookup(OPTIMIZERS, name, "optimizer")
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise EmbedError(f"optimizer {name!r}: {e}") from None
