"""`embed train` end to end (both option spellings, formats, cache, interruption) and every bad input."""
import json
import os

import numpy as np
import pytest

from embed.vectors.keyedvectors import KeyedVectors


def test_train_outputs_and_formats(trained, topics):
    bin_path, txt_path = trained
    kv_bin, kv_txt = KeyedVectors.load(bin_path), KeyedVectors.load(txt_path)
    assert kv_bin.vector_size == 24 and kv_txt.vector_size == 16  # -size alias
    assert set(kv_bin.index_to_key) == {w for ws in topics.values() for w in ws}
    with open(bin_path, "rb") as f:
        assert f.readline() == b"40 24\n"
    with open(txt_path, encoding="utf-8") as f:
        assert f.readline() == "40 16\n" and len(f.readline().split()) == 17


def test_train_json_shape(corpus, tmp_path, run):
    code, out, err = run("train", corpus, "-o", tmp_path / "v.vec", "--dim", "10", "--epochs", "3",
                         "--workers", "1", "--min-count", "2", "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"words_per_sec", "train_seconds", "vocab_size", "epoch_loss"}
    # the rate is the words processed (3 epochs of 1500 sentences of 8 words) over the training time
    assert isinstance(result["words_per_sec"], float) and isinstance(result["train_seconds"], float)
    assert result["words_per_sec"] * result["train_seconds"] == pytest.approx(3 * 1500 * 8, rel=1e-9)
    assert result["vocab_size"] == 40
    assert len(result["epoch_loss"]) == 3 and all(isinstance(x, float) for x in result["epoch_loss"])


def test_train_cache_reuses_the_encoded_corpus(tmp_path, monkeypatch, run):
    src = tmp_path / "c.txt"
    src.write_text("the cat sat on the mat\n" * 50, encoding="utf-8")
    args = ("train", src, "-o", tmp_path / "v.vec", "--dim", "8", "--epochs", "1", "--workers", "1",
            "--min-count", "1", "--seed", "1", "--cache")
    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    assert run(*args)[0] == 0
    assert len([f for f in (tmp_path / "cache").rglob("*") if f.is_file()]) >= 1  # the cache was written
    first = KeyedVectors.load(tmp_path / "v.vec")

    def refuse(text):
        raise AssertionError("the second run tokenized the corpus again")
    monkeypatch.setattr("embed.text.corpus.get_tokenizer", lambda *a, **k: refuse)
    assert run(*args)[0] == 0
    second = KeyedVectors.load(tmp_path / "v.vec")
    assert first.index_to_key == second.index_to_key
    np.testing.assert_array_equal(first.vectors, second.vectors)


def test_train_hierarchical_softmax_with_c_names(corpus, tmp_path, run):
    out = tmp_path / "hs.bin.gz"  # gzip-compressed binary, from the suffix
    code, stdout, err = run("train", corpus, "-output", out, "-size", "8", "-iter", "1", "-threads", "1",
                            "-min-count", "2", "-hs", "1", "-negative", "0", "-alpha", "0.05", "-binary", "1")
    assert code == 0, err
    kv = KeyedVectors.load(out)
    assert len(kv) == 40 and kv.vector_size == 8


def test_train_human_output_ends_with_words_per_sec(corpus, tmp_path, run):
    code, out, _ = run("train", corpus, "-o", tmp_path / "v.txt", "--dim", "8", "--epochs", "1",
                       "--workers", "1", "--min-count", "2")
    assert code == 0
    assert out.strip().splitlines()[-1].endswith("words/s")
    kv = KeyedVectors.load(tmp_path / "v.txt")
    assert len(kv) == 40 and kv.vector_size == 8


def test_non_utf8_corpus_is_reported(corpus, tmp_path, run):
    raw = open(corpus, "rb").read()
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(raw + "café crème\n".encode("latin-1") * 3)
    code, out, err = run("train", bad, "-o", tmp_path / "v.bin", "--dim", "8", "--epochs", "1",
                         "--workers", "1", "--min-count", "2")
    assert code == 0
    assert "replaced 6 invalid UTF-8 byte(s)" in out
    code, out, err = run("train", bad, "-o", tmp_path / "v.bin", "--dim", "8", "--epochs", "1",
                         "--workers", "1", "--min-count", "2", "--json")
    # the 40 topic words and "caf", "cr", "me": a replaced byte (U+FFFD) is not a word character
    assert code == 0 and json.loads(out)["vocab_size"] == 40 + 3
    assert "replaced 6 invalid UTF-8 byte(s)" in err


def test_interrupted_train_leaves_no_output(corpus, tmp_path, monkeypatch, run):
    from embed.vectors import formats
    from embed.word2vec.model import Word2Vec

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt
    out = tmp_path / "v.bin"
    monkeypatch.setattr(Word2Vec, "fit", interrupted)
    code, _, err = run("train", corpus, "-o", out, "--workers", "1", "--min-count", "2")
    assert code == 130 and not out.exists()
    monkeypatch.undo()
    # interrupted while saving: the old file stays, no temp file is left
    out.write_bytes(b"previous")
    def half_written(f, words, vectors):
        f.write(b"half a file")
        raise KeyboardInterrupt
    monkeypatch.setattr(formats, "_write_binary_rows", half_written)
    code, _, _ = run("train", corpus, "-o", out, "--dim", "8", "--epochs", "1", "--workers", "1",
                     "--min-count", "2")
    assert code == 130
    assert out.read_bytes() == b"previous" and os.listdir(tmp_path) == ["v.bin"]


def test_bad_corpus_inputs(tmp_path, fails):
    out = tmp_path / "v.bin"
    fails("train", tmp_path / "nope.txt", "-o", out, match="not found")
    fails("train", tmp_path, "-o", out, match="folder")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    fails("train", empty, "-o", out, match="empty")
    rare = tmp_path / "rare.txt"
    rare.write_text("every word here appears once only\n")
    fails("train", rare, "-o", out, "--min-count", "5", match="lower --min-count")
    assert not out.exists()


@pytest.mark.parametrize("args,match", [
    (["--dim", "0"], "argument --dim/-size: must be at least 1, got 0"),
    (["-size", "-3"], "argument --dim/-size: must be at least 1, got -3"),
    (["--window", "-1"], "argument --window/-window: must be at least 1, got -1"),
    (["--negative", "-2"], "argument --negative/-negative: must be 0 or more, got -2"),
    (["--min-count", "0"], "argument --min-count/-min-count: must be at least 1, got 0"),
    (["--sample", "-1"], "argument --sample/-sample: must be 0 or more, got -1.0"),
    (["--sample", "nan"], "argument --sample/-sample: must be a finite number, got nan"),
    (["--epochs", "0"], "argument --epochs/-iter: must be at least 1, got 0"),
    (["-iter", "0"], "argument --epochs/-iter: must be at least 1, got 0"),
    (["--workers", "0"], "argument --workers/-threads: must be at least 1, got 0"),
    (["--alpha", "0"], "argument --alpha/-alpha: must be greater than 0 and below 10, got 0.0"),
    (["--alpha", "inf"], "argument --alpha/-alpha: must be a finite number, got inf"),
    (["--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
    (["--max-vocab-size", "0"], "argument --max-vocab-size: must be at least 1, got 0"),
    (["--negative", "0"], "--hs"),
    (["--dim", "abc"], "invalid int value: 'abc'"),
    (["-cbow", "2"], "invalid choice"),
])
def test_invalid_train_parameters(corpus, tmp_path, args, match, fails):
    fails("train", corpus, "-o", tmp_path / "v.bin", *args, match=match)
    assert not (tmp_path / "v.bin").exists()


def test_bad_output_paths(corpus, tmp_path, fails):
    fails("train", corpus, "-o", tmp_path / "v.model", match=".bin")
    fails("train", corpus, "-o", tmp_path / "no" / "v.bin", match="does not exist")
    fails("train", corpus, match="required")


def test_train_reads_a_url_corpus_in_one_process(corpus, tmp_path, run, fails):
    """Without --cluster a URL corpus (here a file inside a zip) trains exactly like the plain file."""
    import zipfile
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(corpus, "topics.txt")
    common = ("--dim", "8", "--epochs", "1", "--workers", "1", "--min-count", "2", "--seed", "5")
    assert run("train", corpus, "-o", tmp_path / "plain.vec", *common)[0] == 0
    assert run("train", f"zip://topics.txt::{archive}", "-o", tmp_path / "url.vec", *common)[0] == 0
    plain, url = KeyedVectors.load(tmp_path / "plain.vec"), KeyedVectors.load(tmp_path / "url.vec")
    assert url.index_to_key == plain.index_to_key
    np.testing.assert_array_equal(url.vectors, plain.vectors)
    fails("train", f"zip://other.txt::{archive}", "-o", tmp_path / "x.vec", *common, match="not found")
    assert not (tmp_path / "x.vec").exists()
