"""Weight penalties added to the loss and to its gradient.

* L1 (lasso):  R(W) = λ Σ|w|,    ∂R/∂W = λ·sign(W)   (drives weights to exactly 0)
* L2 (ridge):  R(W) = ½λ Σ w²,   ∂R/∂W = λ·W        (weight decay)

The loss is a mean over the batch, so λ is per-example strength (the course's
λ/m with the 1/m already inside the mean).  Attach per layer with
``Dense(..., kernel_regularizer="l2")`` or ``L2(1e-4)``, or to every Dense
layer at once with ``Sequential.compile(..., regularizer=L2(1e-4))``.
"""
import numpy as np

from .registry import lookup


class Regularizer:
    name = "regularizer"

    def __call__(self, w):
        """The penalty R(w) (float)."""
        raise NotImplementedError

    def add_grad(self, w, g):
        """g += ∂R/∂w, in place."""
        raise NotImplementedError

    def grad(self, w):
        g = np.zeros_like(w)
        self.add_grad(w, g)
        return g

    def get_config(self):
        return {k: getattr(self, k) for k in ("l1", "l2") if hasattr(self, k)}

    def __repr__(self):
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


class L1(Regularizer):
    """Lasso: R(W) = λ Σ|w|."""
    name = "l1"

    def __init__(self, l1=0.01):
        self.l1 = float(l1)   # λ, penalty per unit of |w|

    def __call__(self, w):
        return self.l1 * float(np.abs(w).sum())

    def add_grad(self, w, g):
        g += self.l1 * np.sign(w)


class L2(Regularizer):
    """Ridge / weight decay: R(W) = ½λ Σ w²."""
    name = "l2"

    def __init__(self, l2=0.01):
        self.l2 = float(l2)   # λ, penalty per unit of ½w²

    def __call__(self, w):
        f = w.reshape(-1)
        return 0.5 * self.l2 * float(np.dot(f, f))

    def add_grad(self, w, g):
        g += self.l2 * w


class L1L2(Regularizer):
    """Elastic net: λ₁ Σ|w| + ½λ₂ Σ w²."""
    name = "l1_l2"

    def __init__(self, l1=0.01, l2=0.01):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, w):
        return L1(self.l1)(w) + L2(self.l2)(w)

    def add_grad(self, w, g):
        g += self.l1 * np.sign(w) + self.l2 * w


REGULARIZERS = {cls.name: cls for cls in (L1, L2, L1L2)}
_ALIASES = {"lasso": "l1", "ridge": "l2", "elastic_net": "l1_l2", "l1l2": "l1_l2"}


def get(spec):
    """None, a Regularizer, a name ("l1", "l2", "l1_l2") or a config dict {"name":..., "l2":...}."""
    if spec is None or isinstance(spec, Regularizer):
        return spec
    if isinstance(spec, dict):
        spec = dict(spec)
        return lookup(REGULARIZERS, spec.pop("name", None), "regularizer", _ALIASES)(**spec)
    return lookup(REGULARIZERS, spec, "regularizer", _ALIASES)()


def to_config(reg):
    return None if reg is None else {"name": reg.name, **reg.get_config()}
