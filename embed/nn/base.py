"""The Layer contract every trainable block of the neural core follows.

A layer is a function ``y = f(x; θ)`` that also knows its local gradient::

    y  = layer.forward(x, training=True)   # saves what backward needs
    dx = layer.backward(dy)                # dy = ∂L/∂y; sets layer.grads, returns ∂L/∂x

* ``params``: dict name -> ndarray (the θ), ``grads``: same keys and shapes,
  overwritten (not accumulated) by each ``backward``.
* Weights are created lazily by ``build(input_shape)`` on the first
  ``forward``, so a layer never needs to be told its input size.
* Parameters are float32 unless the first input is float64; the float64 path
  exists for gradient checks (see `embed.nn.gradcheck`).
* ``get_config()`` returns the constructor arguments (JSON-able) so that
  ``type(layer)(**config)`` rebuilds it; `Sequential.save` stores them.

Every subclass registers itself by class name in `LAYER_CLASSES`, which is how
`Sequential.load` (and anyone else) finds a layer type from its saved name.
"""
import inspect

import numpy as np

from ..errors import EmbedError

# class name -> Layer subclass (filled in by __init_subclass__)
LAYER_CLASSES = {}


def param_dtype(x):
    """float64 for float64 inputs (gradient checks), float32 otherwise."""
    return np.float64 if getattr(x, "dtype", None) == np.float64 else np.float32


def as_rng(seed):
    """A numpy Generator from None / int / Generator (explicit random state)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Layer:
    """Base class: a differentiable function with parameters and gradients."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[cls.__name__] = cls

    def __init__(self, name=None):
        self.name = name
        self.params = {}        # name -> ndarray, the trainable weights
        self.grads = {}         # name -> ndarray, ∂L/∂param from the last backward
        self.built = False
        self.trainable = True
        self.input_grad = True  # False: backward may skip ∂L/∂x (first layer of a model)
        self.rng = None         # numpy Generator for initialisation / dropout masks
        self.pool = None        # embed.parallel.Team: split big products across cores (set by fit)

    # -- life cycle -------------------------------------------------------
    def build(self, input_shape, dtype=np.float32):
        """Create ``params`` (and matching zero ``grads``) for inputs of `input_shape`.

        input_shape : the shape of a batch, e.g. (B, D) for Dense (only the trailing
                      sizes matter; a Dense also takes just its input size, an int).
        To build a whole model for an input size, use `Sequential.build`.
        """
        self.built = True

    def _ensure_built(self, x):
        if not self.built:
            self.input_shape_ = tuple(int(d) for d in np.shape(x))
            self.build(self.input_shape_, param_dtype(x))

    def generator(self):
        """The layer's numpy Generator (initialisation, dropout masks), made from its seed on first use."""
        if self.rng is None:
            self.rng = as_rng(getattr(self, "seed", None))
        return self.rng

    _rng = generator

    def forward(self, x, training=True):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def __call__(self, x, training=True):
        return self.forward(x, training=training)

    # -- parameters -------------------------------------------------------
    def zero_grad(self):
        for g in self.grads.values():
            g[...] = 0

    def astype(self, dtype):
        """Cast params and grads to `dtype` (e.g. float64 for gradient checks)."""
        for k in list(self.params):
            self.params[k] = np.ascontiguousarray(self.params[k], dtype=dtype)
            self.grads[k] = np.zeros_like(self.params[k])
        self._on_params_replaced()
        return self

    def get_weights(self):
        """Copies of the params: dict name -> ndarray."""
        return {k: p.copy() for k, p in self.params.items()}

    def set_weights(self, weights):
        """Copy params in place from a dict name -> array (shapes must match).

        The arrays keep their identity, so optimizers and callers holding
        ``layer.params`` references keep working.
        """
        for k, w in weights.items():
            if k not in self.params:
                raise EmbedError(f"{type(self).__name__} has no parameter {k!r}")
            if tuple(self.params[k].shape) != tuple(np.shape(w)):
                raise EmbedError(f"{type(self).__name__}.{k}: expected shape "
                                 f"{self.params[k].shape}, got {np.shape(w)}")
            np.copyto(self.params[k], w, casting="same_kind")
        self._on_params_replaced()

    def _on_params_replaced(self):
        """Hook for layers that cache views of their params."""

    def regularization_loss(self):
        """Penalty this layer adds to the loss (L1/L2 on its weights); 0 by default."""
        return 0.0

    def count_params(self):
        return int(sum(p.size for p in self.params.values()))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def describe(self):
        """The constructor call with only the arguments that differ from their defaults: ``Dense(16, activation='relu')``."""
        config = self.get_config()
        args = []
        for p in list(inspect.signature(type(self).__init__).parameters.values())[1:]:
            if p.name not in config or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            v = config[p.name]
            if p.default is p.empty:
                args.append(repr(v))
            elif not _same(v, p.default):
                args.append(f"{p.name}={v!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __repr__(self):
        if self.params:
            return f"{self.describe()}<{self.count_params():,} params>"
        return f"{self.describe()}<{'not built' if self.trainable and not self.built else 'no params'}>"


def _same(value, default):
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) == list(default)              # a JSON config turns tuples into lists
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def layer_from_config(class_name, config):
    """Rebuild a layer from its saved class name and config (its module must be imported:
    classes register themselves when defined)."""
    if class_name not in LAYER_CLASSES:
        raise EmbedError(f"unknown layer type {class_name!r}; known: {', '.join(sorted(LAYER_CLASSES))}")
    return LAYER_CLASSES[class_name].from_config(config)
