"""embed.lm.train: memorisation, history, learning-rate schedule, exact resume and its rules,
Ctrl-C, divergence, threads, embeddings from word vectors."""
import dataclasses
import math
import os
import signal

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.lm import checkpoint
from embed.lm.data import encode_stream
from embed.lm.train import LMTrainer, ModelConfig, TrainConfig, resume_config

POEM = ("the quick brown fox jumps over the lazy dog.\n"
        "a stitch in time saves nine, and nine saves the fox.\n")
UNICODE = "Καλημέρα κόσμε 🙂 — naïve café, 東京 🚀!\n"


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_tiny_text_is_memorised(cell, small_trainer):
    tr = small_trainer(POEM * 2, cell=cell, hidden=48, epochs=60, lr=2e-2, val_fraction=0.0, lr_decay=1.0,
                  eval_every=-1)
    tr.fit(None)
    assert tr.last_loss_ < 0.05
    # the whole text read back in the training layout (state carried chunk to chunk, dropout off)
    assert tr.evaluate(encode_stream(POEM * 2, tr.vocab)) < 0.05


def test_dropout_and_layers_train_and_report_history(small_trainer):
    tr = small_trainer(POEM * 3, layers=2, dropout=0.2, epochs=3, eval_every=5)
    tr.fit(None)
    h = tr.history_
    assert h[-1]["step"] == tr.step_ and all(math.isfinite(e["val_loss"]) for e in h)
    assert abs(h[-1]["val_bpc"] - h[-1]["val_loss"] / math.log(2)) < 1e-12
    assert tr.symbols_seen_ == 3 * tr.streams.symbols_per_epoch        # every target token, 3 epochs
    assert tr.tokens_per_sec_ == pytest.approx(tr.symbols_seen_ / tr.step_seconds_)
    assert tr.chars_per_sec_ == tr.tokens_per_sec_                        # the old name still works
    summary = tr.summary()
    assert summary["tokens_per_sec"] == summary["chars_per_sec"] == tr.tokens_per_sec_
    assert repr(tr).startswith("LMTrainer<LanguageModel<lstm, 2x24, one-hot, ") and f"step {tr.step_} " in repr(tr)
    assert h[0]["val_loss"] > h[-1]["val_loss"]


def test_learning_rate_decays_per_epoch_after_decay_after(small_trainer):
    tr = small_trainer(POEM * 3, epochs=3, lr=0.01, decay_after=1, lr_decay=0.5).fit(None)
    assert [e["lr"] for e in tr.history_] == pytest.approx([0.01, 0.005, 0.0025])


# ---- exact resume ----------------------------------------------------------------
class _StopAt:
    def __init__(self, k):
        self.k = k

    def __call__(self, trainer):
        if trainer.step_ == self.k:
            trainer.stop_requested = True


@pytest.mark.parametrize("optimizer,dropout", [("adam", 0.3), ("rmsprop", 0.0)])
def test_resume_after_interrupt_equals_uninterrupted_run(tmp_path, optimizer, dropout, small_trainer):
    text = (POEM + UNICODE) * 3
    # threads=1: a multi-threaded BLAS may sum in a different order from run to run (1-ulp noise)
    kw = dict(layers=2, dropout=dropout, epochs=3, optimizer=optimizer, checkpoint_every=4, decay_after=1,
              lr_decay=0.9, threads=1)
    full = small_trainer(text, **kw).fit(str(tmp_path / "full.lm"))

    part = small_trainer(text, **kw)
    k = part.streams.chunks_per_epoch + 3              # mid-epoch, after a decay, not on a checkpoint
    part.callbacks.append(_StopAt(k))
    part.fit(str(tmp_path / "part.lm"))
    assert part.stopped_early and part.step_ == k
    assert checkpoint.load(str(tmp_path / "part.lm"))["step"] == k

    resumed = LMTrainer.resume(str(tmp_path / "part.lm"), text)
    resumed.fit(str(tmp_path / "part.lm"))
    assert resumed.step_ == full.step_
    for a, b in zip(full.model.params(), resumed.model.params()):
        np.testing.assert_array_equal(a, b)
    assert resumed.val_loss_ == full.val_loss_


def test_ctrl_c_saves_a_consistent_checkpoint(tmp_path, small_trainer):
    tr = small_trainer(POEM * 3, epochs=5)
    tr.callbacks.append(lambda t: t.step_ == 3 and os.kill(os.getpid(), signal.SIGINT))
    path = str(tmp_path / "m.lm")
    before = signal.getsignal(signal.SIGINT)  # Python's default, or SIG_IGN in a background job
    tr.fit(path)
    assert tr.stopped_early and tr.step_ == 3
    assert checkpoint.load(path)["step"] == 3
    assert signal.getsignal(signal.SIGINT) is before                     # the caller's handler is back


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path, small_trainer):
    path = str(tmp_path / "m.lm")
    tr = small_trainer(POEM * 3, epochs=5, checkpoint_every=2)

    def poison(t):
        if t.step_ == 5:
            t.model.out_.params["W"][0, 0] = np.nan

    tr.callbacks.append(poison)
    with pytest.raises(EmbedError, match=r"diverged.*loss is nan at step 5.*last good checkpoint \(step 4\)"):
        tr.fit(path)
    ck = checkpoint.load(path)
    assert ck["step"] == 4 and all(np.isfinite(w).all() for w in ck["weights"])


def test_training_runs_blas_on_one_thread_and_the_recurrent_layers_on_threads(small_trainer):
    from threadpoolctl import threadpool_info

    from embed.nn import recurrent
    seen = []

    def look(t):
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        seen.append((recurrent.num_threads(), blas))

    before = recurrent.num_threads()
    tr = small_trainer(POEM, epochs=1, threads=3, clip=0)
    tr.callbacks.append(look)
    tr.fit()
    assert seen and all(n == 3 and all(b == 1 for b in blas) for n, blas in seen)
    assert recurrent.num_threads() == before
    assert math.isfinite(tr.last_loss_)


# ---- word level ---------------------------------------------------------------


def test_word_embedding_initialised_from_vectors(tmp_path, small_trainer):
    from embed.lm.train import init_embedding

    class KV:  # the KeyedVectors surface init_embedding reads
        vector_size = 3
        key_to_index = {"cat": 0, "dog": 1}
        vectors = np.array([[1, 2, 3], [4, 5, 6]], np.float32)

    tr = small_trainer("the cat sat\nthe dog sat\n" * 5, level="word", embedding=3, epochs=1)
    assert init_embedding(tr.model, KV()) == 2
    W = tr.model.embed_.params["W"]
    np.testing.assert_array_equal(W[tr.vocab.index["dog"]], [4, 5, 6])










# ---- what a resumed run may change -------------------------------------------------
def test_resume_rules_fixed_and_changeable_options():
    saved_m, saved_t = ModelConfig(hidden=8), TrainConfig(epochs=3, batch=4, seq_length=10)
    with pytest.raises(EmbedError, match=r"m.lm was trained with hidden=8, not 16"):
        resume_config("m.lm", saved_m, saved_t, {"hidden": 16})
    for key, value in (("dropout", 0.5), ("min_count", 3), ("tokenizer", "tweet"), ("level", "word")):
        with pytest.raises(EmbedError, match=f"{key}="):
            resume_config("m.lm", saved_m, saved_t, {key: value})
    with pytest.raises(EmbedError, match=r"batch=4, not 8"):
        resume_config("m.lm", saved_m, saved_t, None, {"batch": 8})
    same = resume_config("m.lm", saved_m, saved_t, {"hidden": 8, "cell": None}, {"lr": None})
    assert same == saved_t                                            # None = not given
    more = resume_config("m.lm", saved_m, saved_t, None, {"epochs": 5, "lr": 1e-3, "checkpoint_every": 7})
    assert (more.epochs, more.lr, more.checkpoint_every, more.minutes) == (5, 1e-3, 7, None)
    timed = resume_config("m.lm", saved_m, saved_t, None, {"minutes": 2.0})
    assert (timed.minutes, timed.epochs) == (2.0, None)                 # a budget replaces the epochs
    back = resume_config("m.lm", saved_m, dataclasses.replace(saved_t, epochs=None, minutes=1.0),
                         None, {"epochs": 4})
    assert (back.epochs, back.minutes) == (4, None)                     # and epochs replace a budget
    with pytest.raises(EmbedError, match="lr must be > 0"):
        resume_config("m.lm", saved_m, saved_t, None, {"lr": -1.0})


def test_resume_refuses_missing_file_other_text_and_init_vectors(tmp_path, small_trainer):
    path = str(tmp_path / "m.lm")
    with pytest.raises(EmbedError, match="no checkpoint at"):
        LMTrainer.resume(path, POEM)
    small_trainer(POEM * 3, epochs=1).fit(path)
    with pytest.raises(EmbedError, match="not the one"):
        LMTrainer.resume(path, POEM * 2)
    with pytest.raises(EmbedError, match="only applies to a new model"):
        LMTrainer.resume(path, POEM * 3, init_vectors="v.txt")
    with pytest.raises(EmbedError, match="layers=1, not 2"):
        LMTrainer.resume(path, POEM * 3, {"layers": 2})
    tr = LMTrainer.resume(path, POEM * 3, {"layers": 1}, {"epochs": 2})
    assert tr.cfg.epochs == 2 and tr.fit().step_ == 2 * tr.streams.chunks_per_epoch
