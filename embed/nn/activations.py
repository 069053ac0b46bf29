"""Activation functions and their derivatives, looked up by name.

Each activation is an object with

* ``f(x)``            the function, elementwise (softmax: along the last axis);
* ``df(x, y)``        its derivative dy/dx given the input ``x`` and output
                      ``y = f(x)`` (elementwise; for softmax the diagonal only);
* ``backward(dy, x, y)`` the chain rule ∂L/∂x = ∂L/∂y · dy/dx, which for
                      elementwise functions is ``dy * df(x, y)`` and for softmax
                      uses the full Jacobian: ``y * (dy - Σ_j dy_j y_j)``.

Softmax followed by cross-entropy should use the fused, stable
`embed.nn.losses.SoftmaxCrossEntropy` on logits instead (``Sequential`` does
that automatically for ``Dense(..., activation="softmax")``).
"""
import numpy as np

from .registry import lookup


class Activation:
    name = "activation"

    def f(self, x):
        raise NotImplementedError

    def df(self, x, y):
        raise NotImplementedError

    def backward(self, dy, x, y):
        return dy * self.df(x, y)

    def __call__(self, x):
        return self.f(x)

    def __repr__(self):
        return f"activations.get({self.name!r})"


class Linear(Activation):
    """f(x) = x,  f'(x) = 1."""
    name = "linear"

    def f(self, x):
        return x

    def df(self, x, y):
        return np.ones_like(x)

    def backward(self, dy, x, y):
        return dy


class Sigmoid(Activation):
    """σ(x) = 1 / (1 + e^{-x}),  σ'(x) = σ(x)(1 − σ(x))."""
    name = "sigmoid"

    def f(self, x):
        # stable for large |x|: e^{-|x|} never overflows
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def df(self, x, y):
        return y * (1 - y)


class Tanh(Activation):
    """tanh(x),  tanh'(x) = 1 − tanh(x)²."""
    name = "tanh"

    def f(self, x):
        return np.tanh(x)

    def df(self, x, y):
        return 1 - y * y


class ReLU(Activation):
    """relu(x) = max(0, x),  relu'(x) = 1 if x > 0 else 0."""
    name = "relu"

    def f(self, x):
        return np.maximum(x, 0)

    def df(self, x, y):
        return (x > 0).astype(x.dtype)

    def backward(self, dy, x, y):
        return dy * (y > 0)


class Softmax(Activation):
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along the last axis (shifted by max for stability).

    Jacobian: ∂y_i/∂x_j = y_i (δ_ij − y_j), so ∂L/∂x = y ⊙ (dy − ⟨dy, y⟩).
    """
    name = "softmax"

    def f(self, x):
        z = x - x.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def df(self, x, y):
        return y * (1 - y)

    def backward(self, dy, x, y):
        return y * (dy - (dy * y).sum(axis=-1, keepdims=True))


# the one registry: name -> class
ACTIVATIONS = {cls.name: cls for cls in (Linear, Sigmoid, Tanh, ReLU, Softmax)}
_ALIASES = {None: "linear", "identity": "linear", "none": "linear", "logistic": "sigmoid"}


def get(name):
    """Activation by name (``"relu"``), or pass an Activation through unchanged."""
    if isinstance(name, Activation):
        return name
    return lookup(ACTIVATIONS, name, "activation", _ALIASES)()
