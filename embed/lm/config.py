"""What a language-model run is: the model's and the training's settings, their checks,
and what a resumed run may change.

`ModelConfig` fixes the network and its vocabulary, `TrainConfig` the schedule and
budget.  Both are stored in every checkpoint; `resume_config` decides which of the
options a user gives again may differ from the saved ones.
"""
import dataclasses
import math
from dataclasses import dataclass

from ..errors import EmbedError


@dataclass
class ModelConfig:
    cell: str = "lstm"        # recurrent cell: lstm | gru | rnn
    layers: int = 2           # stacked recurrent layers (1-3)
    hidden: int = 128         # units per recurrent layer
    embedding: int = 0        # 0 = one-hot input, else size of a learned input embedding
    dropout: float = 0.0      # dropout on each recurrent layer's output (training only)
    level: str = "char"       # char: code points; word: tokens of the text pipeline
    min_count: int = 1        # word level: rarer words become <unk>
    tokenizer: str = "regexp"  # word level: the text pipeline's tokenizer (regexp, wordpunct, treebank, tweet)


@dataclass
class TrainConfig:
    seq_length: int = 50      # T: BPTT truncation length (symbols per chunk and stream)
    batch: int = 50           # B: parallel streams
    epochs: float = None      # stop after this many passes (None: 10, or unlimited with minutes)
    minutes: float = None     # stop after this wall-clock budget (None: no limit)
    lr: float = 2e-3          # initial learning rate
    optimizer: str = "adam"   # adam | rmsprop | sgd | adagrad (from embed.nn.optimizers)
    clip: float = 5.0         # global gradient-norm clip (0 = off)
    lr_decay: float = 0.97    # learning-rate factor per epoch once decay starts
    decay_after: int = 10     # epochs at the initial learning rate
    val_fraction: float = 0.05  # the last part of the text held out for validation
    checkpoint_every: int = 1000  # steps between checkpoints (0 = only at the end)
    eval_every: int = 0       # steps between validation passes (0 = each epoch end, -1 = only at the end)
    seed: int = 0             # weights, dropout masks
    threads: int = 0          # threads of the recurrent layers (0 = their default: all CPUs); BLAS: 1


def validate(cfg):
    """Raise a one-line EmbedError for a TrainConfig value that cannot work."""
    for name in ("seq_length", "batch"):
        if int(getattr(cfg, name)) < 1:
            raise EmbedError(f"{name} must be at least 1, got {getattr(cfg, name)}", params=(name,))
    for name in ("epochs", "minutes", "lr"):
        v = getattr(cfg, name)
        if v is not None and not (v > 0 and math.isfinite(v)):
            raise EmbedError(f"{name} must be > 0, got {v}", params=(name,))
    if not cfg.clip >= 0:
        raise EmbedError(f"clip must be >= 0 (0 = off), got {cfg.clip}", params=("clip",))
    if not 0 < cfg.lr_decay <= 1:
        raise EmbedError(f"lr_decay must be in (0, 1], got {cfg.lr_decay}", params=("lr_decay",))
    if not 0 <= cfg.val_fraction < 0.5:
        raise EmbedError(f"val_fraction must be in [0, 0.5), got {cfg.val_fraction}", params=("val_fraction",))
    for name in ("checkpoint_every", "decay_after", "threads"):
        if getattr(cfg, name) < 0:
            raise EmbedError(f"{name} must be >= 0, got {getattr(cfg, name)}", params=(name,))
    return cfg


# What a resumed run may change.  Everything that shapes the model or the stream of chunks is
# fixed by the checkpoint; the schedule, the budget and the bookkeeping may change.
ARCH_KEYS = ("cell", "layers", "hidden", "embedding", "level")          # the network
RESUME_FIXED_MODEL = ARCH_KEYS + ("dropout", "min_count", "tokenizer")   # + its training / vocabulary
RESUME_FIXED_TRAIN = ("batch", "seq_length", "val_fraction")            # the stream layout


def resume_config(path, saved_model, saved_train, model_options=None, train_options=None):
    """The TrainConfig a resumed run uses, after checking the options the user gave again.

    * model options (`RESUME_FIXED_MODEL`) must equal the checkpoint's `saved_model`;
    * train options replace the saved ones, except the stream layout (`RESUME_FIXED_TRAIN`);
    * a new epoch target replaces a saved time budget, and a new time budget a saved epoch target.
    Options given as None are "not given".  Raises a one-line EmbedError naming the parameter.
    """
    for key, value in (model_options or {}).items():
        if key not in RESUME_FIXED_MODEL:
            raise EmbedError(f"resume: unknown model option {key!r}", params=("resume",))
        if value is not None and getattr(saved_model, key) != value:
            raise EmbedError(f"resume: {path} was trained with {key}={getattr(saved_model, key)!r}, "
                             f"not {value!r} (leave it out or start a new model)", params=("resume",))
    given = {k: v for k, v in (train_options or {}).items() if v is not None}
    if "minutes" in given and "epochs" not in given:
        given["epochs"] = None
    if "epochs" in given and "minutes" not in given:
        given["minutes"] = None
    train_cfg = validate(dataclasses.replace(saved_train, **given))
    for key in RESUME_FIXED_TRAIN:
        if getattr(train_cfg, key) != getattr(saved_train, key):
            raise EmbedError(f"resume: {path} was trained with {key}={getattr(saved_train, key)!r}, "
                             f"not {getattr(train_cfg, key)!r}", params=("resume",))
    return train_cfg


def with_defaults(cfg):
    """`cfg` with the default budget (10 epochs) when it gives neither epochs nor minutes."""
    if cfg.epochs is None and cfg.minutes is None:
        cfg = dataclasses.replace(cfg, epochs=10)
    return cfg
