"""`embed lm train` / `embed lm generate`: word level, init vectors, resume, one-line errors."""
import json
import math

import numpy as np
import pytest

from embed.cli import main
from embed.lm import checkpoint
from embed.lm.model import load_model

POEM = ("the quick brown fox jumps over the lazy dog.\n"
        "a stitch in time saves nine, and nine saves the fox.\n")
UNICODE = "Καλημέρα κόσμε 🙂 — naïve café, 東京 🚀!\n"


def _cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


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
    assert len(lines) == 1 and lines[0].startswith("embed") and ": error: " in lines[0], err
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
