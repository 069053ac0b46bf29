"""Learning-rate schedules: ``lr = schedule(t)`` for t = 0, 1, 2, ... (epochs or steps).

* constant     η_t = η₀
* step         η_t = η₀ · drop^⌊t / every⌋
* exponential  η_t = η₀ · rate^(t / every)
* cosine       η_t = η_min + ½(η₀ − η_min)(1 + cos(π · min(t, T) / T))
* linear       η_t = η₀ + (η_end − η₀) · min(t, T) / T

`Sequential.fit(..., lr_schedule=...)` sets ``optimizer.lr = schedule(epoch)``
before every epoch; a training loop can do the same per step.
"""
import math

from ..errors import EmbedError
from .registry import lookup


class Schedule:
    name = "schedule"

    def __call__(self, t):
        raise NotImplementedError

    def get_config(self):
        return dict(vars(self))

    def __repr__(self):
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg})"


class Constant(Schedule):
    name = "constant"

    def __init__(self, lr):
        self.lr = float(lr)

    def __call__(self, t):
        return self.lr


class StepDecay(Schedule):
    name = "step"

    def __init__(self, lr, drop=0.5, every=10):
        if every < 1:
            raise EmbedError(f"step decay: every must be >= 1, got {every}")
        self.lr = float(lr)        # η₀
        self.drop = float(drop)    # factor applied every `every` epochs
        self.every = int(every)

    def __call__(self, t):
        return self.lr * self.drop ** (int(t) // self.every)


class ExponentialDecay(Schedule):
    name = "exponential"

    def __init__(self, lr, rate=0.96, every=1):
        if every <= 0:
            raise EmbedError(f"exponential decay: every must be > 0, got {every}")
        self.lr = float(lr)        # η₀
        self.rate = float(rate)    # decay factor per `every` steps
        self.every = float(every)

    def __call__(self, t):
        return self.lr * self.rate ** (t / self.every)


class CosineDecay(Schedule):
    name = "cosine"

    def __init__(self, lr, total, min_lr=0.0):
        if total < 1:
            raise EmbedError(f"cosine decay: total must be >= 1, got {total}")
        self.lr = float(lr)          # η₀ at t = 0
        self.total = int(total)      # T: steps to reach min_lr
        self.min_lr = float(min_lr)  # η_min, held after T

    def __call__(self, t):
        frac = min(max(t, 0), self.total) / self.total
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * frac))


class LinearDecay(Schedule):
    name = "linear"

    def __init__(self, lr, total, end_lr=0.0):
        if total < 1:
            raise EmbedError(f"linear decay: total must be >= 1, got {total}")
        self.lr = float(lr)          # η₀ at t = 0
        self.total = int(total)      # T: steps to reach end_lr
        self.end_lr = float(end_lr)  # η_end, held after T

    def __call__(self, t):
        frac = min(max(t, 0), self.total) / self.total
        return self.lr + (self.end_lr - self.lr) * frac


SCHEDULES = {cls.name: cls for cls in (Constant, StepDecay, ExponentialDecay, CosineDecay, LinearDecay)}


def get(name, **kwargs):
    """Schedule by name (``get("cosine", lr=1e-3, total=10)``), a Schedule, or a callable t -> lr."""
    if isinstance(name, Schedule) or (callable(name) and not isinstance(name, str)):
        return name
    cls = lookup(SCHEDULES, name, "learning-rate schedule")
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise EmbedError(f"schedule {name!r}: {e}") from None
