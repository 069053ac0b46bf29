"""Language-model driver: memorisation, exact resume, Unicode, generation, checkpoints, CLI errors."""
import json
import math
import os
import signal

import numpy as np
import pytest

from embed.cli import main
from embed.errors import EmbedError
from embed.lm import checkpoint
from embed.lm.data import Streams, SymbolVocab, build_vocab, encode_stream, split_train_val
from embed.lm.sample import generate, sample_index
from embed.lm.model import CharLM, load_model
from embed.lm.train import LMTrainer, ModelConfig, TrainConfig

POEM = ("the quick brown fox jumps over the lazy dog.\n"
        "a stitch in time saves nine, and nine saves the fox.\n")
UNICODE = "Καλημέρα κόσμε 🙂 — naïve café, 東京 🚀!\n"


def _trainer(text, seed=0, **kw):
    mkw = {k: kw.pop(k) for k in list(kw) if k in ModelConfig.__dataclass_fields__}
    mc = ModelConfig(**{"cell": "lstm", "layers": 1, "hidden": 24, **mkw})
    tc = TrainConfig(**{"batch": 4, "seq_length": 12, "epochs": 2, "lr": 1e-2, "checkpoint_every": 0,
                        "seed": seed, **kw})
    return LMTrainer.new(text, mc, tc)


def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---- data ---------------------------------------------------------------------
def test_streams_cut_the_text_into_parallel_columns():
    ids = np.arange(23, dtype=np.int32)
    s = Streams(ids, batch=3, seq_length=4)
    assert s.length == 7 and s.chunks_per_epoch == 2
    x, y = s.chunk(0)
    assert x.shape == (4, 3)
    assert list(x[:, 1]) == [7, 8, 9, 10] and list(y[:, 1]) == [8, 9, 10, 11]
    x, y = s.chunk(4)                                  # the short last chunk
    assert x.shape == (3, 3) and list(y[:, 2]) == [19, 20, 21]


def test_validation_is_the_end_of_the_stream():
    ids = np.arange(100, dtype=np.int32)
    tr, va = split_train_val(ids, 0.05)
    assert list(va) == [95, 96, 97, 98, 99] and len(tr) == 95


def test_char_vocab_is_code_points_and_round_trips():
    vocab, _ = build_vocab(UNICODE, "char")
    assert "🙂" in vocab.index and "東" in vocab.index and "έ" in vocab.index
    assert all(len(s) == 1 for s in vocab.symbols)
    assert vocab.decode(encode_stream(UNICODE, vocab)) == UNICODE
    with pytest.raises(EmbedError, match="'Z'.*U\\+005A"):
        vocab.encode("Zebra 🙂", what="prime text")


# ---- the model ----------------------------------------------------------------
@pytest.mark.parametrize("cell,embedding,layers", [("lstm", 0, 2), ("gru", 5, 2), ("rnn", 0, 1)])
def test_model_gradients_match_central_differences(cell, embedding, layers):
    vocab = SymbolVocab(list("abcde"))
    m = CharLM(vocab, cell, layers=layers, hidden=4, embedding=embedding, seed=3)
    for layer in m.trainables:
        layer.astype(np.float64)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, (3, 2)).astype(np.int32)
    y = rng.integers(0, 5, (3, 2)).astype(np.int32)
    state = [tuple(rng.standard_normal(s.shape) * 0.5 for s in st) for st in m.initial_state(2)]
    m.loss(x, y, state)
    m.backward()
    grads = [g.copy() for g in m.grads()]
    for p, g in zip(m.params(), grads):
        for idx in rng.choice(p.size, size=min(6, p.size), replace=False):
            i = np.unravel_index(idx, p.shape)
            old = p[i]
            p[i] = old + 1e-6
            up = m.loss(x, y, state)
            p[i] = old - 1e-6
            down = m.loss(x, y, state)
            p[i] = old
            assert abs((up - down) / 2e-6 - g[i]) < 1e-6 + 1e-4 * abs(g[i])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_tiny_text_is_memorised(cell):
    tr = _trainer(POEM * 2, cell=cell, hidden=48, epochs=60, lr=2e-2, val_fraction=0.0, lr_decay=1.0,
                  eval_every=-1)
    tr.fit(None)
    assert tr.last_loss_ < 0.05
    # the whole text read back in the training layout (state carried chunk to chunk, dropout off)
    assert tr.evaluate(encode_stream(POEM * 2, tr.vocab)) < 0.05


def test_dropout_and_layers_train_and_report_history():
    tr = _trainer(POEM * 3, layers=2, dropout=0.2, epochs=3, eval_every=5)
    tr.fit(None)
    h = tr.history_
    assert h[-1]["step"] == tr.step_ and all(math.isfinite(e["val_loss"]) for e in h)
    assert abs(h[-1]["val_bpc"] - h[-1]["val_loss"] / math.log(2)) < 1e-12
    assert tr.chars_per_sec_ > 0
    assert h[0]["val_loss"] > h[-1]["val_loss"]


def test_learning_rate_decays_per_epoch_after_decay_after():
    tr = _trainer(POEM * 3, epochs=3, lr=0.01, decay_after=1, lr_decay=0.5).fit(None)
    assert [e["lr"] for e in tr.history_] == pytest.approx([0.01, 0.005, 0.0025])


# ---- exact resume ----------------------------------------------------------------
class _StopAt:
    def __init__(self, k):
        self.k = k

    def __call__(self, trainer):
        if trainer.step_ == self.k:
            trainer.stop_requested = True


@pytest.mark.parametrize("optimizer,dropout", [("adam", 0.3), ("rmsprop", 0.0)])
def test_resume_after_interrupt_equals_uninterrupted_run(tmp_path, optimizer, dropout):
    text = (POEM + UNICODE) * 3
    # threads=1: a multi-threaded BLAS may sum in a different order from run to run (1-ulp noise)
    kw = dict(layers=2, dropout=dropout, epochs=3, optimizer=optimizer, checkpoint_every=4, decay_after=1,
              lr_decay=0.9, threads=1)
    full = _trainer(text, **kw).fit(str(tmp_path / "full.lm"))

    part = _trainer(text, **kw)
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


def test_ctrl_c_saves_a_consistent_checkpoint(tmp_path):
    tr = _trainer(POEM * 3, epochs=5)
    tr.callbacks.append(lambda t: t.step_ == 3 and os.kill(os.getpid(), signal.SIGINT))
    path = str(tmp_path / "m.lm")
    tr.fit(path)
    assert tr.stopped_early and tr.step_ == 3
    assert checkpoint.load(path)["step"] == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_nan_loss_stops_and_keeps_last_good_checkpoint(tmp_path):
    path = str(tmp_path / "m.lm")
    tr = _trainer(POEM * 3, epochs=5, checkpoint_every=2)

    def poison(t):
        if t.step_ == 5:
            t.model.out_.params["W"][0, 0] = np.nan

    tr.callbacks.append(poison)
    with pytest.raises(EmbedError, match=r"diverged.*loss is nan at step 5.*last good checkpoint \(step 4\)"):
        tr.fit(path)
    ck = checkpoint.load(path)
    assert ck["step"] == 4 and all(np.isfinite(w).all() for w in ck["weights"])


def test_training_runs_blas_on_one_thread_and_the_recurrent_layers_on_threads():
    from threadpoolctl import threadpool_info

    from embed.nn import recurrent
    seen = []

    def look(t):
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        seen.append((recurrent.num_threads(), blas))

    before = recurrent.num_threads()
    tr = _trainer(POEM, epochs=1, threads=3, clip=0)
    tr.callbacks.append(look)
    tr.fit()
    assert seen and all(n == 3 and all(b == 1 for b in blas) for n, blas in seen)
    assert recurrent.num_threads() == before
    assert math.isfinite(tr.last_loss_)


# ---- generation ---------------------------------------------------------------
def test_sampling_is_reproducible_and_unicode_round_trips(tmp_path):
    tr = _trainer(UNICODE * 6, epochs=3)
    path = str(tmp_path / "uni.lm")
    tr.fit(path)
    m = load_model(path)
    assert m.vocab == tr.vocab and "🚀" in m.vocab.index
    a = generate(m, "Καλη🙂", 40, temperature=1.0, seed=7)
    assert a.startswith("Καλη🙂") and len(a) == len("Καλη🙂") + 40
    assert generate(m, "Καλη🙂", 40, temperature=1.0, seed=7) == a
    assert generate(tr.model, "Καλη🙂", 40, temperature=1.0, seed=7) == a   # saved == in memory
    others = {generate(m, "Καλη🙂", 40, temperature=1.0, seed=s) for s in range(5)}
    assert len(others) > 1
    assert set(a) <= set(m.vocab.symbols)
    with pytest.raises(EmbedError, match="'Ω'"):
        generate(m, "ΩΩ", 5)


def test_top_k_argmax_and_temperature():
    logits = np.log(np.array([0.05, 0.4, 0.1, 0.3, 0.15]))
    rng = np.random.default_rng(0)
    assert sample_index(logits, rng, argmax=True) == 1
    assert {sample_index(logits, rng, top_k=1) for _ in range(50)} == {1}
    draws = [sample_index(logits, rng, top_k=2) for _ in range(400)]
    assert set(draws) == {1, 3}
    cold = [sample_index(logits, rng, temperature=0.05) for _ in range(200)]
    assert cold.count(1) > 190
    hot = np.bincount([sample_index(logits, rng, temperature=50.0) for _ in range(4000)], minlength=5)
    assert hot.min() > 600                              # nearly uniform
    base = np.bincount([sample_index(logits, rng) for _ in range(4000)], minlength=5) / 4000
    assert np.allclose(base, np.exp(logits), atol=0.03)


# ---- word level ---------------------------------------------------------------
def test_word_level_trains_and_generates(tmp_path, capsys):
    text = tmp_path / "words.txt"
    text.write_text("the cat sat on the mat .\nthe dog sat on the log .\n" * 10, encoding="utf-8")
    model = tmp_path / "w.lm"
    code, out, err = _cli(capsys, "lm", "train", text, "-o", model, "--word", "--embedding", 8,
                          "--hidden", 16, "--layers", 1, "--batch", 2, "--seq-length", 6, "--epochs", 2,
                          "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) >= {"val_loss", "val_bpc", "chars_per_sec", "train_seconds"}
    m = load_model(str(model))
    assert m.vocab.level == "word" and "cat" in m.vocab.index and "\n" in m.vocab.index
    code, out, err = _cli(capsys, "lm", "generate", model, "--prime", "The cat", "--length", 5, "--seed", 1)
    assert code == 0 and out.startswith("The cat")
    code, out, err = _cli(capsys, "lm", "generate", model, "--prime", "the zebra")
    assert code == 2 and "'zebra'" in err and len(err.strip().splitlines()) == 1

    rare = tmp_path / "rare.txt"                       # with <unk> in the vocabulary: still named
    rare.write_text("the cat sat on the mat .\nthe dog sat on the log .\n" * 10 + "a zebra\n",
                    encoding="utf-8")
    code, out, err = _cli(capsys, "lm", "train", rare, "-o", model, "--word", "--min-count", 2,
                          "--hidden", 8, "--layers", 1, "--batch", 2, "--seq-length", 6, "--epochs", 1,
                          "--quiet")
    assert code == 0, err
    assert "<unk>" in load_model(str(model)).vocab.index
    code, out, err = _cli(capsys, "lm", "generate", model, "--prime", "the zebra")
    assert code == 2 and "'zebra'" in err


def test_word_embedding_initialised_from_vectors(tmp_path):
    from embed.lm.train import init_embedding

    class KV:  # the KeyedVectors surface init_embedding reads
        vector_size = 3
        key_to_index = {"cat": 0, "dog": 1}
        vectors = np.array([[1, 2, 3], [4, 5, 6]], np.float32)

    tr = _trainer("the cat sat\nthe dog sat\n" * 5, level="word", embedding=3, epochs=1)
    assert init_embedding(tr.model, KV()) == 2
    W = tr.model.embed_.params["W"]
    np.testing.assert_array_equal(W[tr.vocab.index["dog"]], [4, 5, 6])


def test_cli_init_vectors_from_a_word2vec_file(tmp_path, capsys):
    from embed.vectors.keyedvectors import KeyedVectors
    vec = tmp_path / "v.txt"
    KeyedVectors(["cat", "dog", "zebra"], np.arange(12, dtype=np.float32).reshape(3, 4)).save_word2vec_format(
        str(vec), binary=False)
    text = tmp_path / "w.txt"
    text.write_text("the cat sat\nthe dog sat\n" * 8, encoding="utf-8")
    model = tmp_path / "w.lm"
    code, out, err = _cli(capsys, "lm", "train", text, "-o", model, "--word", "--init-vectors", vec,
                          "--hidden", 8, "--layers", 1, "--batch", 2, "--seq-length", 4, "--epochs", 1,
                          "--lr", 1e-9, "--quiet")
    assert code == 0, err
    m = load_model(str(model))
    assert m.embedding == 4
    np.testing.assert_allclose(m.embed_.params["W"][m.vocab.index["dog"]], [4, 5, 6, 7], atol=1e-5)
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", model, "--init-vectors", vec)[::2], "--word")


# ---- command line -------------------------------------------------------------
def test_cli_train_resume_and_generate(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text(POEM * 4 + UNICODE, encoding="utf-8")
    model = tmp_path / "m.lm"
    args = ["lm", "train", text, "-o", model, "--hidden", 16, "--layers", 1, "--batch", 4,
            "--seq-length", 10, "--seed", 1]
    code, out, err = _cli(capsys, *args, "--epochs", 1, "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["val_bpc"] == pytest.approx(first["val_loss"] / math.log(2))
    code, out, err = _cli(capsys, "lm", "train", text, "-o", model, "--resume", "--epochs", 2, "--json")
    assert code == 0, err
    assert json.loads(out)["train_seconds"] >= first["train_seconds"]
    assert checkpoint.load(str(model))["step"] == 2 * load_model(str(model)).step_ // 2
    code, out, err = _cli(capsys, "lm", "generate", model, "--prime", "the 🙂", "--length", 20,
                          "--seed", 3, "--top-k", 3)
    assert code == 0 and out.startswith("the 🙂")
    code2, out2, _ = _cli(capsys, "lm", "generate", model, "--prime", "the 🙂", "--length", 20,
                          "--seed", 3, "--top-k", 3)
    assert out2 == out
    code, out, err = _cli(capsys, "lm", "generate", model, "--argmax", "--length", 10)
    assert code == 0 and len(out) > 10


def _one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("embed: error:"), err
    for f in fragments:
        assert f in lines[0], lines[0]


def test_cli_bad_inputs(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    _one_line_error(*_cli(capsys, "lm", "train", empty, "-o", tmp_path / "x.lm")[::2], "empty")
    _one_line_error(*_cli(capsys, "lm", "train", tmp_path / "nope.txt", "-o", tmp_path / "x.lm")[::2],
                    "not found")
    _one_line_error(*_cli(capsys, "lm", "generate", tmp_path / "nope.lm")[::2], "not found")

    text = tmp_path / "t.txt"
    text.write_text(POEM * 3, encoding="utf-8")
    model = tmp_path / "m.lm"
    code, _, err = _cli(capsys, "lm", "train", text, "-o", model, "--hidden", 8, "--layers", 1,
                        "--batch", 2, "--seq-length", 8, "--epochs", 1, "--quiet")
    assert code == 0, err
    _one_line_error(*_cli(capsys, "lm", "generate", model, "--prime", "Ωmega€")[::2], "'Ω'", "'€'")
    for bad, word in ((["--clip", "-1"], "clip"), (["--batch", "0"], "batch"), (["--layers", "4"], "layers"),
                      (["--dropout", "1"], "dropout"), (["--lr", "0"], "lr"), (["--batch", "500"], "short")):
        _one_line_error(*_cli(capsys, "lm", "train", text, "-o", tmp_path / "y.lm", *bad)[::2], word)
    assert not (tmp_path / "y.lm").exists()
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", model, "--resume", "--hidden", 16)[::2],
                    "hidden=8", "16")
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", model, "--resume", "--cell", "gru")[::2],
                    "cell='lstm'")
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", model, "--resume", "--min-count", 3)[::2],
                    "min_count=1", "not 3")
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", model, "--resume", "--tokenizer", "tweet")[::2],
                    "tokenizer='regexp'", "'tweet'")
    other = tmp_path / "other.txt"
    other.write_text(POEM * 2 + "xyz", encoding="utf-8")
    _one_line_error(*_cli(capsys, "lm", "train", other, "-o", model, "--resume")[::2], "not the one")
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", tmp_path / "none.lm", "--resume")[::2],
                    "no checkpoint")

    data = model.read_bytes()
    corrupt = tmp_path / "corrupt.lm"
    corrupt.write_bytes(data[: len(data) // 2])
    _one_line_error(*_cli(capsys, "lm", "generate", corrupt)[::2], "corrupt")
    _one_line_error(*_cli(capsys, "lm", "train", text, "-o", corrupt, "--resume")[::2], "corrupt")
    junk = tmp_path / "junk.lm"
    junk.write_bytes(b"\x00garbage" * 50)
    _one_line_error(*_cli(capsys, "lm", "generate", junk)[::2], "corrupt")
    _one_line_error(*_cli(capsys, "lm", "generate", model, "--temperature", 0)[::2], "temperature")
