"""The neural core: layers, activations, losses, optimizers and backprop.

Public names are imported lazily (``embed.nn.Dense`` loads `embed.nn.layers`
on first use), so ``embed --help`` never pays for Numba::

    from embed.nn import Sequential, Dense, Dropout, Embedding
    from embed.nn import SGD, Adam, RMSprop, Adagrad, clip_grad_norm

Modules: `base` (the Layer contract), `activations`, `losses`, `regularizers`,
`optimizers`, `schedules`, `layers`, `sequential` (the model), `training` (the
machinery behind ``Sequential.fit``), `saving` (model files), `preprocessing`,
`metrics`, `gradcheck`, `plots`, `recurrent` (SimpleRNN, LSTM, GRU), `conv` (Conv2D, MaxPool2D).
"""
import importlib as _importlib

_EXPORTS = {
    "Layer": "embed.nn.base",
    "Dense": "embed.nn.layers", "Embedding": "embed.nn.layers", "Dropout": "embed.nn.layers",
    "Activation": "embed.nn.layers", "Flatten": "embed.nn.layers",
    "Conv2D": "embed.nn.conv", "MaxPool2D": "embed.nn.conv",
    "Sequential": "embed.nn.sequential", "History": "embed.nn.training",
    "SGD": "embed.nn.optimizers", "Momentum": "embed.nn.optimizers", "RMSprop": "embed.nn.optimizers",
    "Adagrad": "embed.nn.optimizers", "Adam": "embed.nn.optimizers", "clip_grad_norm": "embed.nn.optimizers",
    "L1": "embed.nn.regularizers", "L2": "embed.nn.regularizers", "L1L2": "embed.nn.regularizers",
    "SimpleRNN": "embed.nn.recurrent", "LSTM": "embed.nn.recurrent", "GRU": "embed.nn.recurrent",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(_importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'embed.nn' has no attribute {name!r}")
