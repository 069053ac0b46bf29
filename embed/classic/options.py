"""Training options shared by the classic estimators, resolved to the core's objects.

A penalty name becomes a core regularizer, an optimizer name a core
optimizer; the batch size and the float dtype are checked here once, so the
linear and logistic regressions read their options the same way.
"""
import numpy as np

from ..errors import EmbedError
from .checks import check_positive


def regularizer(penalty, alpha):
    """The core regularizer for penalty in {None, "l1", "l2"} with strength alpha."""
    from ..nn import regularizers
    if penalty is None or alpha == 0:
        return None
    if penalty not in ("l1", "l2"):
        raise EmbedError(f"penalty must be None, 'l1' or 'l2', got {penalty!r}")
    if not alpha > 0:
        raise EmbedError(f"alpha (the penalty strength) must be >= 0, got {alpha}")
    return regularizers.L1(alpha) if penalty == "l1" else regularizers.L2(alpha)


def make_optimizer(name, lr, momentum):
    """The core optimizer `name` with learning rate lr (momentum: SGD only)."""
    from ..nn import optimizers
    check_positive(lr, "lr")
    if name == "sgd":
        return optimizers.SGD(lr=lr, momentum=momentum)
    if momentum:
        raise EmbedError(f"momentum applies to optimizer='sgd' only, not {name!r}")
    return optimizers.get(name, lr=lr)


def check_batch_size(batch_size):
    """None (full batch) or a positive integer."""
    if batch_size is not None:
        check_positive(batch_size, "batch_size", integer=True)


def float_dtype(name):
    """np.float64 or np.float32 for the estimators' `dtype` option."""
    if name in ("float64", np.float64):
        return np.float64
    if name in ("float32", np.float32):
        return np.float32
    raise EmbedError(f"dtype must be 'float64' or 'float32', got {name!r}")
