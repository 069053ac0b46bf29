"""Loss functions: ``forward(y_pred, y_true) -> float`` (mean over examples), ``backward() -> ∂L/∂y_pred``.

With m examples (rows; for (..., C) outputs every leading position counts as
an example):

* quadratic      L = 1/m Σ_i ½‖ŷ_i − y_i‖²                      ∂L/∂ŷ = (ŷ − y)/m
* binary CE      L = −1/m Σ_i Σ_k [y log p + (1−y) log(1−p)]     on probabilities p
* sigmoid CE     same on logits z, p = σ(z), fused and stable:
                 ℓ = max(z,0) − z·y + log(1 + e^{−|z|})          ∂L/∂z = (σ(z) − y)/m
* categorical CE L = −1/m Σ_i log p_{i,y_i}                      on probabilities p
* softmax CE     same on logits z, fused and stable:
                 ℓ = logsumexp(z) − z_y                          ∂L/∂z = (softmax(z) − onehot(y))/m

Class targets are int labels of shape (...,) or one-hot / probability rows of
shape (..., C).  Bad shapes, labels out of range or non-finite values raise a
one-line `EmbedError`.
"""
import numpy as np

from ..jit import njit
from ..errors import EmbedError
from .registry import lookup


# -- softmax cross-entropy kernels (int labels) ---------------------------------------
# Three passes around numpy's SIMD exp; no fastmath, so NaN / Inf logits give a NaN
# loss (the LM driver relies on that to detect divergence).
@njit(cache=True, nogil=True)
def _shift_rows(z, labels, shifted, picked):
    """shifted[i] = z[i] − max_c z[i, c]; picked[i] = shifted[i, labels[i]].

    z, shifted (m, C); labels (m,) ints; picked (m,).  Returns the number of labels
    outside [0, C) (their rows are left unfinished: the caller raises).
    """
    m, C = z.shape
    bad = 0
    for i in range(m):
        top = z[i, 0]
        for c in range(1, C):
            if z[i, c] > top:
                top = z[i, c]
        for c in range(C):
            shifted[i, c] = z[i, c] - top
        y = labels[i]
        if y < 0 or y >= C:
            bad += 1
        else:
            picked[i] = shifted[i, y]
    return bad


@njit(cache=True, nogil=True)
def _normalise_rows(e, picked):
    """e (m, C) = exp(shifted) → softmax in place; returns Σ_i (log Σ_c e[i, c] − picked[i])."""
    m, C = e.shape
    total = 0.0
    for i in range(m):
        s = 0.0
        for c in range(C):
            s += e[i, c]
        inv = 1.0 / s
        for c in range(C):
            e[i, c] *= inv
        total += np.log(s) - picked[i]
    return total


@njit(cache=True, nogil=True, fastmath=True)
def _softmax_grad_rows(prob, labels, scale):
    """prob (m, C) ← (prob − onehot(labels)) · scale in place (the gradient w.r.t. the logits)."""
    m, C = prob.shape
    for i in range(m):
        prob[i, labels[i]] -= 1
        for c in range(C):
            prob[i, c] *= scale


def _check_finite(a, what):
    if not np.all(np.isfinite(a)):
        raise EmbedError(f"{what} contain NaN or infinite values")


class Loss:
    name = "loss"
    #: True when forward takes pre-activation logits (fused with softmax / sigmoid)
    from_logits = False

    def forward(self, y_pred, y_true):
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def __call__(self, y_pred, y_true):
        return self.forward(y_pred, y_true)

    def __repr__(self):
        return f"losses.get({self.name!r})"


def _match_shape(y_pred, y_true, what):
    y_true = np.asarray(y_true)
    if y_true.shape != y_pred.shape:
        if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1 and y_pred.shape[:-1] == y_true.shape:
            y_true = y_true.reshape(y_pred.shape)
        else:
            raise EmbedError(f"{what}: predictions have shape {y_pred.shape} but targets have shape {y_true.shape}")
    return y_true.astype(y_pred.dtype, copy=False)


class MeanSquaredError(Loss):
    """Quadratic loss L = 1/m Σ_i ½‖ŷ_i − y_i‖² (the course's ½m·Σ(ŷ−y)²)."""
    name = "quadratic"

    def forward(self, y_pred, y_true):
        y_true = _match_shape(y_pred, y_true, self.name)
        self._m = y_pred.shape[0] if y_pred.ndim else 1
        self._diff = y_pred - y_true                         # (m, k)
        return float(0.5 * np.sum(self._diff * self._diff) / self._m)

    def backward(self):
        return self._diff / self._m


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities p ∈ (0, 1) (clipped to [ε, 1−ε])."""
    name = "binary_crossentropy"
    eps = 1e-7

    def forward(self, y_pred, y_true):
        y_true = _match_shape(y_pred, y_true, self.name)
        self._m = y_pred.shape[0] if y_pred.ndim else 1
        p = np.clip(y_pred, self.eps, 1 - self.eps)
        self._p, self._y = p, y_true
        return float(-np.sum(y_true * np.log(p) + (1 - y_true) * np.log1p(-p)) / self._m)

    def backward(self):
        p, y = self._p, self._y
        return (p - y) / (p * (1 - p)) / self._m             # = (−y/p + (1−y)/(1−p)) / m


class SigmoidCrossEntropy(Loss):
    """Binary cross-entropy on logits z, fused with the sigmoid (never overflows)."""
    name = "sigmoid_crossentropy"
    from_logits = True

    def forward(self, z, y_true):
        y_true = _match_shape(z, y_true, self.name)
        self._m = z.shape[0] if z.ndim else 1
        self._z, self._y = z, y_true
        loss = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        return float(np.sum(loss) / self._m)

    def backward(self):
        z = self._z
        e = np.exp(-np.abs(z))
        sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        return ((sig - self._y) / self._m).astype(z.dtype, copy=False)


def check_class_targets(y_true, shape, what):
    """Split targets into int labels (m,) or soft rows (m, C); validate."""
    c = shape[-1]
    y_true = np.asarray(y_true)
    if y_true.shape == tuple(shape):                         # one-hot / probability rows
        _check_finite(y_true, f"{what} targets")
        return None, y_true.reshape(-1, c)
    if y_true.shape != tuple(shape[:-1]):
        raise EmbedError(f"{what}: outputs have shape {tuple(shape)}, so targets must be int labels of "
                         f"shape {tuple(shape[:-1])} or one-hot rows of shape {tuple(shape)}; got {y_true.shape}")
    if y_true.dtype.kind not in "iub":
        if y_true.dtype.kind == "f" and np.all(np.isfinite(y_true)) and np.all(y_true == np.round(y_true)):
            y_true = y_true.astype(np.int64)
        else:
            raise EmbedError(f"{what}: class labels must be integers, got {y_true.dtype}")
    labels = y_true.reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= c):
        raise EmbedError(f"{what}: class labels must be in [0, {c}), got values in "
                         f"[{labels.min()}, {labels.max()}]")
    return labels.astype(np.intp, copy=False), None


class CategoricalCrossEntropy(Loss):
    """Categorical cross-entropy on probabilities (rows summing to 1, clipped at ε)."""
    name = "categorical_crossentropy"
    eps = 1e-7

    def forward(self, p, y_true):
        labels, soft = check_class_targets(y_true, p.shape, self.name)
        self._shape = p.shape
        p2 = np.clip(p.reshape(-1, p.shape[-1]), self.eps, 1.0)  # (m, C)
        self._m = p2.shape[0]
        self._p, self._labels, self._soft = p2, labels, soft
        if labels is not None:
            return float(-np.log(p2[np.arange(self._m), labels]).sum() / self._m)
        return float(-(soft * np.log(p2)).sum() / self._m)

    def backward(self):
        p, m = self._p, self._m
        if self._labels is not None:
            g = np.zeros_like(p)
            rows = np.arange(m)
            g[rows, self._labels] = -1.0 / (p[rows, self._labels] * m)
        else:
            g = -self._soft / (p * m)
        return g.astype(p.dtype, copy=False).reshape(self._shape)


class SoftmaxCrossEntropy(Loss):
    """Softmax + categorical cross-entropy on logits z (..., C), fused and stable.

    ℓ_i = logsumexp(z_i) − z_{i,y_i};  ∂L/∂z = (softmax(z) − onehot(y)) / m.
    """
    name = "softmax_crossentropy"
    from_logits = True

    def forward(self, z, y_true):
        self._shape = z.shape
        C = z.shape[-1]
        if (isinstance(y_true, np.ndarray) and y_true.dtype.kind in "iu" and y_true.shape == z.shape[:-1]
                and z.dtype.kind == "f"):
            return self._forward_labels(z.reshape(-1, C), y_true.reshape(-1))
        labels, soft = check_class_targets(y_true, z.shape, self.name)
        if labels is not None:
            return self._forward_labels(z.reshape(-1, C), labels)
        z2 = z.reshape(-1, C)                                 # (m, C)
        m = z2.shape[0]
        # one (m, C) buffer: shifted logits → exp → softmax (numpy's exp is SIMD)
        prob = z2 - z2.max(axis=1, keepdims=True)             # (m, C), row max is 0
        picked = (soft * prob).sum(axis=1)                    # Σ_c t_c (z_c − max), (m,)
        np.exp(prob, out=prob)
        s = prob.sum(axis=1, keepdims=True)                   # (m, 1)
        prob /= s
        self._prob = prob                                     # softmax, (m, C)
        self._m, self._labels, self._soft = m, None, soft
        log_s = np.log(s[:, 0]) * soft.sum(axis=1)            # Σ_c t_c may differ from 1
        return float((log_s - picked).sum() / m)

    def _forward_labels(self, z2, labels):
        """Int labels (m,): max-shift + label check, numpy's exp, normalise — one buffer."""
        z2 = np.ascontiguousarray(z2)                         # (m, C)
        labels = np.ascontiguousarray(labels)                 # (m,)
        m, C = z2.shape
        if C < 1:
            raise EmbedError(f"{self.name}: outputs have no classes (shape {self._shape})")
        prob = np.empty_like(z2)                              # z − max, then e^(z − max), then softmax
        picked = np.empty(m, z2.dtype)                        # z_y − max, (m,)
        if _shift_rows(z2, labels, prob, picked):             # the label check costs nothing here
            raise EmbedError(f"{self.name}: class labels must be in [0, {C}), got values in "
                             f"[{labels.min()}, {labels.max()}]")
        np.exp(prob, out=prob)
        total = _normalise_rows(prob, picked)                 # Σ_i log Σ_c e^(z − max) − (z_y − max)
        self._prob = prob                                     # softmax, (m, C)
        self._m, self._labels, self._soft = m, labels, None
        return float(total / m) if m else float("nan")

    def backward(self):
        g = self._prob                                        # reuse the buffer: forward is done with it
        if self._labels is not None:
            _softmax_grad_rows(g, self._labels, g.dtype.type(1.0 / self._m))
        else:
            g -= self._soft.astype(g.dtype, copy=False)
            g *= 1.0 / self._m
        return g.reshape(self._shape)


LOSSES = {cls.name: cls for cls in (MeanSquaredError, BinaryCrossEntropy, SigmoidCrossEntropy,
                                     CategoricalCrossEntropy, SoftmaxCrossEntropy)}
_ALIASES = {
    "mse": "quadratic", "mean_squared_error": "quadratic", "squared_error": "quadratic",
    "bce": "binary_crossentropy", "binary_cross_entropy": "binary_crossentropy",
    "binary_crossentropy_logits": "sigmoid_crossentropy",
    "crossentropy": "categorical_crossentropy", "cross_entropy": "categorical_crossentropy",
    "categorical_cross_entropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "softmax_cross_entropy": "softmax_crossentropy",
}


def get(name):
    """Loss by name (``"softmax_crossentropy"``), or pass a Loss through unchanged."""
    if isinstance(name, Loss):
        return name
    return lookup(LOSSES, name, "loss", _ALIASES)()
