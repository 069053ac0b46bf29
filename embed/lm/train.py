"""Training driver: truncated BPTT over parallel streams, checkpoints, exact resume.

One training step::

    x, y  = streams.chunk(p)                      # (T, B) ids and next-symbol targets
    loss  = model.loss(x, y, state)               # forward from the carried state
    model.backward()                              # gradients of this chunk only
    norm  = opt.step(params, grads, max_norm=clip)  # global norm ≤ clip, then Adam / Adagrad / ...
    state = model.state_                          # carried (detached) into the next chunk

The clip and the update are one fused pass over all parameters (see
`embed.nn.optimizers`).  The ids are valid by construction (encoded through the
vocabulary); the loss still checks every label, at no cost, inside its kernel.

Threads: BLAS runs on ONE thread for the whole loop (its idle workers spin
after every call and steal a core on a shared machine); ``threads`` sets the
recurrent layers' own threads (`embed.parallel.set_num_threads`).

Everything the loop depends on — weights, optimizer moments, the step counter
(which fixes the stream position and the epoch), the carried state, dropout RNG
— goes into the checkpoint, so a resumed run continues bit for bit.

The learning rate is ``lr · lr_decay^max(0, epoch + 1 − decay_after)``: constant
for the first `decay_after` epochs, then decayed once per epoch.
"""
import contextlib
import dataclasses
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from ..errors import EmbedError
from . import checkpoint
from .config import ModelConfig, TrainConfig, resume_config, validate, with_defaults  # noqa: F401 (re-exported)
from .data import (SymbolVocab, Streams, build_vocab, encode_stream, split_train_val,
                   text_digest, validation_streams)
from .model import LanguageModel, init_embedding  # noqa: F401  (init_embedding re-exported)
from .stopping import Interrupt, TimeBudget

LN2 = math.log(2.0)


def _same_text_ids(path, text, vocab, digest):
    """The text encoded with the checkpoint's vocabulary; an EmbedError when it is another text."""
    if vocab.level == "char":
        unknown = set(text) - set(vocab.index)
        if unknown:
            raise EmbedError(f"resume: the text is not the one {path} was trained on "
                             f"(it has {len(unknown)} character(s) not in the model's vocabulary)",
                             params=("resume",))
    ids = encode_stream(text, vocab)
    if text_digest(ids) != digest:
        raise EmbedError(f"resume: the text is not the one {path} was trained on", params=("resume",))
    return ids


def nats_to_bits(nats):
    return nats / LN2


class LMTrainer:
    """Owns a model, its optimizer and the stream position; `fit` runs the TBPTT loop.

    Build one with `LMTrainer.new(text, model_cfg, train_cfg)` or
    `LMTrainer.resume(path, text, ...)`, then call `fit(path)`.
    Fitted attributes: ``history_`` (list of dicts per evaluation), ``val_loss_``,
    ``tokens_per_sec_`` (old name ``chars_per_sec_``), ``train_seconds_``, ``step_``.
    """

    def __init__(self, model, vocab, train_ids, val_ids, model_cfg, train_cfg, digest):
        self.model = model
        self.vocab = vocab
        self.model_cfg = model_cfg
        self.cfg = train_cfg
        self.digest = digest
        self.streams = Streams(train_ids, train_cfg.batch, train_cfg.seq_length)
        self.val_ids = val_ids
        self.optimizer = _make_optimizer(train_cfg.optimizer, train_cfg.lr)
        self.step_ = 0
        self.state = model.initial_state(train_cfg.batch)
        self.history_ = []
        self.train_seconds_ = 0.0
        self.step_seconds_ = 0.0   # time in training steps, driver included (for tokens/s)
        self.symbols_seen_ = 0
        self.val_loss_ = None
        self.callbacks = []        # callables(trainer) after every step (tests use them to interrupt)
        self.stop_requested = False
        self.stopped_early = False
        self._schedule = None      # learning rate per epoch (built on first use)

    # ---- construction --------------------------------------------------------
    @classmethod
    def new(cls, text, model_cfg=None, train_cfg=None, init_vectors=None):
        model_cfg = model_cfg or ModelConfig()
        train_cfg = validate(with_defaults(train_cfg or TrainConfig()))
        vocab, tokens = build_vocab(text, model_cfg.level, model_cfg.min_count, model_cfg.tokenizer)
        ids = encode_stream(text, vocab, tokens)
        train_ids, val_ids = split_train_val(ids, train_cfg.val_fraction)
        _check_output_memory(len(vocab), train_cfg)
        model = LanguageModel(vocab, model_cfg.cell, model_cfg.layers, model_cfg.hidden, model_cfg.embedding,
                       model_cfg.dropout, train_cfg.seed)
        if init_vectors is not None:
            init_embedding(model, init_vectors)
        return cls(model, vocab, train_ids, val_ids, model_cfg, train_cfg, text_digest(ids))

    @classmethod
    def resume(cls, path, text, model_options=None, train_options=None, init_vectors=None):
        """Continue from checkpoint `path` on the same `text`, bit for bit.

        model_options : ModelConfig fields the user gave (None values are ignored); each must
                        equal the checkpoint's (see `resume_config`).
        train_options : TrainConfig fields the user gave; the schedule and budget may change,
                        the stream layout may not.
        init_vectors  : must be None (word vectors initialise only a new model).
        """
        if init_vectors is not None:
            raise EmbedError("init_vectors only applies to a new model, not when resuming",
                             params=("init_vectors",))
        if not os.path.exists(path):
            raise EmbedError(f"resume: no checkpoint at {path}", params=("resume",))
        ck = checkpoint.load(path)
        try:
            saved_model = ModelConfig(**ck["model_config"])
            saved_train = TrainConfig(**ck["train_config"])
            vocab = SymbolVocab.from_dict(ck["vocab"])
        except (KeyError, TypeError) as e:
            raise EmbedError(f"model file is not a training checkpoint: {path} ({e})") from None
        train_cfg = resume_config(path, saved_model, saved_train, model_options, train_options)
        ids = _same_text_ids(path, text, vocab, ck["digest"])
        train_ids, val_ids = split_train_val(ids, train_cfg.val_fraction)
        m = ck["model"]
        model = LanguageModel(vocab, m["cell"], m["layers"], m["hidden"], m["embedding"], m["dropout"], m["seed"])
        model.set_weights(ck["weights"])
        model.set_rng_states(ck["rng"])
        self = cls(model, vocab, train_ids, val_ids, saved_model, train_cfg, ck["digest"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.step_ = int(ck["step"])
        self.state = [tuple(np.array(a, np.float32) for a in s) for s in ck["state"]]
        self.history_ = list(ck["history"])
        self.train_seconds_ = float(ck["train_seconds"])
        self.step_seconds_ = float(ck["step_seconds"])
        self.symbols_seen_ = int(ck["symbols_seen"])
        self.val_loss_ = ck["val_loss"]
        return self

    # ---- schedule --------------------------------------------------------------
    @property
    def epoch_float(self):
        return self.step_ / self.streams.chunks_per_epoch

    def total_steps(self):
        if self.cfg.epochs is None:
            return None
        return int(math.ceil(self.cfg.epochs * self.streams.chunks_per_epoch))

    def _symbols_in_steps(self, start, stop):
        """Target symbols trained on in steps [start, stop) (the last chunk of an epoch is short)."""
        s = self.streams
        k = np.arange(start, stop) % s.chunks_per_epoch
        return int((np.minimum(s.seq_length, s.length - k * s.seq_length) * s.batch).sum())

    def lr_at(self, epoch):
        """Learning rate for (0-based) `epoch`: the core's exponential decay, delayed by decay_after."""
        if self._schedule is None:
            from ..nn.schedules import ExponentialDecay
            self._schedule = ExponentialDecay(self.cfg.lr, rate=self.cfg.lr_decay)
        return self._schedule(max(0, epoch + 1 - self.cfg.decay_after))

    # ---- evaluation --------------------------------------------------------------
    def evaluate(self, ids=None):
        """Mean validation loss in nats per symbol (dropout off, state carried across chunks)."""
        ids = self.val_ids if ids is None else ids
        if len(ids) < 2:
            return float("nan")
        streams = validation_streams(ids, self.cfg.batch, self.cfg.seq_length)
        state, total, count = None, 0.0, 0
        for x, y in streams:
            loss = self.model.loss(x, y, state, training=False)
            state = self.model.state_
            total += loss * y.size
            count += y.size
        return total / count

    # ---- checkpoint ---------------------------------------------------------------
    def checkpoint_tree(self):
        return {
            "kind": "lm-checkpoint",
            "model_config": dataclasses.asdict(self.model_cfg),
            "train_config": dataclasses.asdict(self.cfg),
            "model": self.model.config(),
            "vocab": self.vocab.to_dict(),
            "param_names": self.model.param_names(),
            "weights": self.model.params(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.model.rng_states(),
            "step": self.step_,
            "epoch": self.epoch_float,
            "state": [tuple(s) for s in self.state],
            "history": self.history_,
            "train_seconds": self.train_seconds_,
            "step_seconds": self.step_seconds_,
            "symbols_seen": self.symbols_seen_,
            "val_loss": self.val_loss_,
            "digest": self.digest,
        }

    def save(self, path):
        checkpoint.save(path, self.checkpoint_tree())
        self.saved_step_ = self.step_

    # ---- the loop -------------------------------------------------------------------
    def fit(self, path=None, progress=None, log=None):
        """Train until the epoch / minute budget; checkpoint to `path` every N steps and at the end.

        Returns self.  Stops early (checkpoint saved, ``stopped_early``) on Ctrl-C or a callback
        setting ``stop_requested``; raises EmbedError on a NaN/Inf loss without saving.
        """
        run = self._start_run(path, progress, log)
        try:
            with Interrupt() as interrupt, _training_threads(self.cfg.threads):
                while self._keep_going(run, interrupt):
                    t0 = time.perf_counter()               # tokens/s counts the whole step
                    x, y = self._next_chunk(run)           # (T, B) ids and next-token targets
                    loss = self._train_step(x, y, run)     # forward, loss, backward, clip + update
                    self._count_step(run, loss, y.size, t0)
                    self._maybe_validate(run)
                    self._maybe_checkpoint(run)
        finally:
            run.close_progress(self)
        self._finish_run(run)
        return self

    # the machinery of fit -------------------------------------------------------------
    def _start_run(self, path, progress, log):
        from ..progress import bar
        total = self.total_steps()
        timed = total is None and self.cfg.minutes is not None  # the bar shows the time budget
        if timed:
            pbar = bar(total=60 * self.cfg.minutes, desc=f"{self.model.cell} lm", unit="s",
                       show=progress, bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s, {remaining} left{postfix}")
        else:
            pbar = bar(total=None if total is None else self._symbols_in_steps(self.step_, total),
                       desc=f"{self.model.cell} lm", unit=self.vocab.level, show=progress)
        if log is not None and not pbar.disable:
            log = _above_bar(pbar, log)
        self.saved_step_ = None
        return _Run(path=path, log=log, pbar=pbar, total_steps=total, budget=TimeBudget(self.cfg.minutes),
                    timed=timed, first_step=self.step_,
                    max_norm=self.cfg.clip if self.cfg.clip else math.inf)   # inf: no clip, norm still checked

    def _keep_going(self, run, interrupt):
        """False once the epochs or the time budget are used up, or a stop was asked for."""
        if run.total_steps is not None and self.step_ >= run.total_steps:
            return False
        if run.budget.expired():
            return False
        if interrupt.requested or self.stop_requested:
            self.stopped_early = True
            return False
        return True

    def _next_chunk(self, run):
        """The chunk of this step; at an epoch start the state is reset, and the lr set per epoch."""
        epoch, k = divmod(self.step_, self.streams.chunks_per_epoch)
        if k == 0:
            self.state = self.model.initial_state(self.streams.batch)  # each epoch starts fresh
        if epoch != run.lr_epoch:
            self.optimizer.lr, run.lr_epoch = self.lr_at(epoch), epoch
        return self.streams.chunk(k * self.cfg.seq_length)

    def _train_step(self, x, y, run):
        """One TBPTT step from the carried state; returns the chunk's mean loss (nats per token)."""
        model = self.model
        loss = model.loss(x, y, self.state, training=True)
        if not math.isfinite(loss):
            self._diverged("loss", loss, run.path, run.last_good)
        model.backward()
        norm = self.optimizer.step(model.params(), model.grads(), max_norm=run.max_norm)  # one pass
        if not math.isfinite(norm):                                  # (then nothing was updated)
            self._diverged("gradient norm", norm, run.path, run.last_good)
        self.state = model.state_                                   # carried, detached
        return loss

    def _count_step(self, run, loss, tokens, t0):
        self.step_ += 1
        self.symbols_seen_ += tokens
        self.last_loss_ = loss
        if run.timed:  # seconds of the budget used
            run.pbar.update(min(run.pbar.total, time.perf_counter() - run.t_begin) - run.pbar.n)
        else:
            run.pbar.update(tokens)
        if self.step_ == run.first_step + 1 and run.log:  # a first line within seconds, not after an epoch
            run.log(f"step {self.step_}: train {loss:.4f} nats per {self.vocab.level} "
                    f"(validation at each epoch end: {self.streams.chunks_per_epoch} steps)")
        if self.step_ % 20 == 0:
            run.pbar.set_postfix(loss=f"{loss:.3f}", epoch=f"{self.epoch_float:.2f}", refresh=False)
        for cb in self.callbacks:
            cb(self)
        self.step_seconds_ += time.perf_counter() - t0   # (evaluation and checkpoints not included)

    def _maybe_validate(self, run):
        """Validate at each epoch end (eval_every 0), every eval_every steps too, or never (-1)."""
        every = self.cfg.eval_every
        end_of_epoch = self.step_ % self.streams.chunks_per_epoch == 0
        if every >= 0 and (end_of_epoch or (every and self.step_ % every == 0)):
            self._record(run.log)

    def _maybe_checkpoint(self, run):
        every = self.cfg.checkpoint_every
        if run.path and every and self.step_ % every == 0:
            if not all(np.isfinite(p).all() for p in self.model.params()):
                self._diverged("a weight", "not finite", run.path, run.last_good)
            self._checkpoint(run)
            run.last_good = self.step_

    def _checkpoint(self, run):
        now = time.perf_counter()
        self.train_seconds_ += now - run.t_start
        run.t_start = now
        self.save(run.path)

    def _finish_run(self, run):
        """A last validation (unless this step has one) and the final checkpoint."""
        if not self.history_ or self.history_[-1]["step"] != self.step_:
            self._record(run.log)
        if run.path:
            self._checkpoint(run)
        else:
            self.train_seconds_ += time.perf_counter() - run.t_start

    def _record(self, log):
        val = self.evaluate()
        self.val_loss_ = val
        entry = {"step": self.step_, "epoch": round(self.epoch_float, 4),
                 "train_loss": float(getattr(self, "last_loss_", float("nan"))),
                 "val_loss": val, "val_bpc": nats_to_bits(val), "lr": float(self.optimizer.lr)}
        self.history_.append(entry)
        if log:
            where = (f"val {val:.4f} nats ({nats_to_bits(val):.4f} bits) per {self.vocab.level}"
                     if math.isfinite(val) else "no validation text")
            log(f"step {entry['step']} epoch {entry['epoch']:.2f}: train {entry['train_loss']:.4f}, {where}")

    def _diverged(self, what, value, path, last_good):
        kept = (f"last good checkpoint (step {last_good}) kept in {path}" if last_good is not None
                else f"{path} left unchanged" if path else "nothing saved")
        raise EmbedError(f"training diverged: {what} is {value} at step {self.step_} "
                         f"(epoch {self.epoch_float:.2f}); {kept}; try a lower lr or clip", params=("lr", "clip"))

    @property
    def tokens_per_sec_(self):
        """Training speed: tokens (characters or words) per second of training steps."""
        return self.symbols_seen_ / self.step_seconds_ if self.step_seconds_ > 0 else 0.0

    @property
    def chars_per_sec_(self):
        """Backward-compatible name of `tokens_per_sec_` (words per second for a word-level model)."""
        return self.tokens_per_sec_

    def __repr__(self):
        val = "" if self.val_loss_ is None else f", val_loss {self.val_loss_:.4f}"
        return (f"LMTrainer<{self.model!r}; step {self.step_} (epoch {self.epoch_float:.2f}){val}, "
                f"{self.tokens_per_sec_:,.0f} {self.vocab.level}s/s>")

    def summary(self):
        """The numbers of the run (the CLI's ``--json``); NaN validation (no split) becomes None."""
        val = self.val_loss_ if self.val_loss_ is not None else float("nan")
        known = math.isfinite(val)
        return {"val_loss": float(val) if known else None,
                "val_bpc": float(nats_to_bits(val)) if known else None,
                "tokens_per_sec": float(self.tokens_per_sec_),
                "chars_per_sec": float(self.tokens_per_sec_),      # backward-compatible key
                "train_seconds": float(self.train_seconds_), "steps": int(self.step_),
                "epochs": round(self.epoch_float, 4)}


@dataclass
class _Run:
    """What one call of `LMTrainer.fit` tracks besides the trainer's own (checkpointed) state."""
    path: str = None            # checkpoint file (None: nothing saved)
    log: object = None          # callable(str) for validation lines, or None
    pbar: object = None         # the progress bar
    total_steps: int = None     # stop at this step (None: only the time budget)
    budget: TimeBudget = None
    max_norm: float = math.inf  # gradient-norm clip
    lr_epoch: int = None        # the epoch optimizer.lr was set for
    timed: bool = False         # the bar counts seconds of the time budget, not symbols
    first_step: int = 0         # the step this run started from (a resumed run starts later)
    last_good: int = None       # step of the last checkpoint this run wrote
    t_start: float = dataclasses.field(default_factory=time.perf_counter)  # train_seconds_ counted from here
    t_begin: float = dataclasses.field(default_factory=time.perf_counter)  # when this run began

    def close_progress(self, trainer):
        if self.timed and self.budget.expired():  # the whole budget used: show it full
            self.pbar.update(self.pbar.total - self.pbar.n)
        self.pbar.set_postfix(loss=f"{getattr(trainer, 'last_loss_', float('nan')):.3f}",
                              epoch=f"{trainer.epoch_float:.2f}", refresh=False)
        self.pbar.close()


MAX_OUTPUT_BYTES = 2 << 30  # logits, softmax and their gradient for one chunk


def _check_output_memory(V, cfg):
    """Refuse a chunk whose (T·B, V) output arrays would not fit in memory (big word vocabularies)."""
    need = 3 * 4 * cfg.seq_length * cfg.batch * V  # three float32 (T·B, V) arrays
    if need > MAX_OUTPUT_BYTES:
        raise EmbedError(f"the output layer would need {need / 2**30:.1f} GB per chunk "
                         f"({cfg.seq_length}x{cfg.batch} positions x {V:,} symbols); raise min_count "
                         f"or lower batch / seq_length", params=("min_count", "batch", "seq_length"))


def _above_bar(pbar, log):
    """A log function that prints above the progress bar instead of through it."""
    def write(msg):
        pbar.clear()
        log(msg)
        pbar.refresh()
    return write


@contextlib.contextmanager
def _training_threads(n):
    """BLAS on one thread for the whole loop; the recurrent layers on `n` threads (0: their default).

    The per-step products are small: BLAS's own worker threads would spin-wait
    after every call and, on a busy machine, steal the core the loop needs.
    The recurrent layers split their work on their own threads instead.
    """
    from ..parallel import blas_limit, threads
    with threads(n), blas_limit(1):
        yield


def _make_optimizer(name, lr):
    from ..nn import optimizers
    try:
        return optimizers.get(name, lr=lr)
    except EmbedError:
        raise
    except Exception as e:  # an unknown name from an older core
        raise EmbedError(f"unknown optimizer {name!r} ({e})") from None


def train(text, model_cfg=None, train_cfg=None, path=None, progress=None, log=None, init_vectors=None):
    """Train a new model on `text` (a str) and return the fitted `LMTrainer`."""
    return LMTrainer.new(text, model_cfg, train_cfg, init_vectors).fit(path, progress=progress, log=log)

