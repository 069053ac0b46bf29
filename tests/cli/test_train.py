"""`embed train | analogy | similar | evaluate | demo` end to end, and every bad input (exit 2, one line)."""
import json
import os

import numpy as np
import pytest
from gensim.test.utils import datapath

from embed.cli import main
from embed.vectors.keyedvectors import KeyedVectors

TOPICS = {
    "royal": "king queen prince princess throne crown palace royal reign monarch".split(),
    "fruit": "apple pear banana cherry grape lemon mango peach plum melon".split(),
    "sea": "ocean wave ship sail harbour boat fish tide shore anchor".split(),
    "city": "france paris italy rome germany berlin spain madrid japan tokyo".split(),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Sentences of 8 words drawn from one topic: neighbours come from the same topic."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(1500):
        words = TOPICS[list(TOPICS)[rng.integers(len(TOPICS))]]
        lines.append(" ".join(rng.choice(words, size=8)))
    path = tmp_path_factory.mktemp("corpus") / "topics.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def run(capsys, *argv):
    """main(argv) -> (exit code, stdout, stderr); argparse exits are caught too."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(capsys, *argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert match in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """A binary and a text model trained through the CLI (C-tool option names for one)."""
    folder = tmp_path_factory.mktemp("vectors")
    bin_path, txt_path = folder / "v.bin", folder / "v.txt"
    assert main(["train", corpus, "-o", str(bin_path), "--dim", "24", "--epochs", "4", "--workers", "1",
                 "--min-count", "2", "--seed", "3"]) == 0
    assert main(["train", corpus, "-output", str(txt_path), "-size", "16", "-iter", "2", "-threads", "1",
                 "-min-count", "2", "-cbow", "1", "-window", "3", "-negative", "3", "-sample", "0"]) == 0
    return bin_path, txt_path


def test_train_outputs_and_formats(trained, capsys):
    bin_path, txt_path = trained
    kv_bin, kv_txt = KeyedVectors.load(bin_path), KeyedVectors.load(txt_path)
    assert kv_bin.vector_size == 24 and kv_txt.vector_size == 16  # -size alias
    assert set(kv_bin.index_to_key) == {w for ws in TOPICS.values() for w in ws}
    with open(bin_path, "rb") as f:
        assert f.readline() == b"40 24\n"
    with open(txt_path, encoding="utf-8") as f:
        assert f.readline() == "40 16\n" and len(f.readline().split()) == 17


def test_train_json_shape(corpus, tmp_path, capsys):
    code, out, err = run(capsys, "train", corpus, "-o", tmp_path / "v.vec", "--dim", "10", "--epochs", "3",
                         "--workers", "1", "--min-count", "2", "--json")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"words_per_sec", "train_seconds", "vocab_size", "epoch_loss"}
    assert isinstance(result["words_per_sec"], float) and result["words_per_sec"] > 0
    assert isinstance(result["train_seconds"], float) and result["train_seconds"] > 0
    assert result["vocab_size"] == 40
    assert len(result["epoch_loss"]) == 3 and all(isinstance(x, float) for x in result["epoch_loss"])


def test_train_cache_reuses_the_encoded_corpus(tmp_path, capsys, monkeypatch):
    src = tmp_path / "c.txt"
    src.write_text("the cat sat on the mat\n" * 50, encoding="utf-8")
    args = ("train", src, "-o", tmp_path / "v.vec", "--dim", "8", "--epochs", "1", "--workers", "1",
            "--min-count", "1", "--seed", "1", "--cache")
    assert run(capsys, *args)[0] == 0
    assert len(list(tmp_path.glob(".c.txt.*.embedcache"))) == 1
    first = KeyedVectors.load(tmp_path / "v.vec")

    def refuse(text):
        raise AssertionError("the second run tokenized the corpus again")
    monkeypatch.setattr("embed.text.corpus.get_tokenizer", lambda *a, **k: refuse)
    assert run(capsys, *args)[0] == 0
    second = KeyedVectors.load(tmp_path / "v.vec")
    assert first.index_to_key == second.index_to_key
    np.testing.assert_array_equal(first.vectors, second.vectors)


def test_train_hierarchical_softmax_with_c_names(corpus, tmp_path, capsys):
    out = tmp_path / "hs.bin.gz"  # gzip-compressed binary, from the suffix
    code, stdout, err = run(capsys, "train", corpus, "-output", out, "-size", "8", "-iter", "1", "-threads", "1",
                            "-min-count", "2", "-hs", "1", "-negative", "0", "-alpha", "0.05", "-binary", "1")
    assert code == 0, err
    kv = KeyedVectors.load(out)
    assert len(kv) == 40 and kv.vector_size == 8


def test_train_human_output_ends_with_words_per_sec(corpus, tmp_path, capsys):
    code, out, _ = run(capsys, "train", corpus, "-o", tmp_path / "v.txt", "--dim", "8", "--epochs", "1",
                       "--workers", "1", "--min-count", "2")
    assert code == 0
    assert out.strip().splitlines()[-1].endswith("words/s")
    assert (tmp_path / "v.txt").exists()


def test_similar_finds_topic_neighbours(trained, capsys):
    code, out, _ = run(capsys, "similar", trained[0], "apple", "ship", "--topn", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert [w for w, _ in result["apple"]][0] in TOPICS["fruit"]
    assert [w for w, _ in result["ship"]][0] in TOPICS["sea"]
    code, out, _ = run(capsys, "similar", trained[0], "king")
    assert code == 0 and "nearest to 'king'" in out and len(out.strip().splitlines()) == 11


def test_analogy_cli(trained, capsys):
    code, out, _ = run(capsys, "analogy", trained[0], "france - paris + rome", "--topn", "4")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("france - paris + rome") and len(lines) == 5
    answers = [line.split()[1] for line in lines[1:]]
    assert not {"france", "paris", "rome"} & set(answers)
    # unquoted words work too, and --cosmul
    code, out, _ = run(capsys, "analogy", trained[1], "king", "-", "queen", "+", "apple", "--cosmul", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["method"] == "3CosMul" and len(result["answers"]) == 5


def test_evaluate_cli_json_shape(trained, tmp_path, capsys):
    questions = tmp_path / "q.txt"
    questions.write_text(": capitals\nfrance paris italy rome\ngermany berlin spain madrid\n"
                         "france paris atlantis nowhere\n: fruit\napple pear banana cherry\n")
    code, out, _ = run(capsys, "evaluate", trained[0], "--analogies", questions,
                       "--pairs", datapath("wordsim353.tsv"), datapath("simlex999.txt"), "--json")
    assert code == 0
    result = json.loads(out)
    a = result["analogies"]
    assert set(a) >= {"accuracy", "cosmul_accuracy", "oov", "sections"}
    assert a["oov"] == pytest.approx(0.25)
    assert set(a["sections"]) == {"capitals", "fruit"}
    assert a["sections"]["capitals"]["total"] == 2
    assert set(a["sections"]["fruit"]) >= {"accuracy", "cosmul_accuracy", "correct", "total"}
    assert set(result["pairs"]) == {"wordsim353.tsv", "simlex999.txt"}
    for r in result["pairs"].values():
        assert set(r) >= {"spearman", "pearson", "oov"}
        assert 0 < r["oov"] <= 1
    # human-readable output, default evaluation sets (gensim's copies)
    code, out, _ = run(capsys, "evaluate", trained[0])
    assert code == 0
    assert "analogies:" in out and "wordsim353.tsv: Spearman" in out and "simlex999.txt" in out


def test_non_utf8_corpus_is_reported(corpus, tmp_path, capsys):
    raw = open(corpus, "rb").read()
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(raw + "café crème\n".encode("latin-1") * 3)
    code, out, err = run(capsys, "train", bad, "-o", tmp_path / "v.bin", "--dim", "8", "--epochs", "1",
                         "--workers", "1", "--min-count", "2")
    assert code == 0
    assert "replaced 6 invalid UTF-8 byte(s)" in out
    code, out, err = run(capsys, "train", bad, "-o", tmp_path / "v.bin", "--dim", "8", "--epochs", "1",
                         "--workers", "1", "--min-count", "2", "--json")
    assert code == 0 and json.loads(out)["vocab_size"] > 0
    assert "replaced 6 invalid UTF-8 byte(s)" in err


def test_interrupted_train_leaves_no_output(corpus, tmp_path, capsys, monkeypatch):
    from embed.vectors import formats
    from embed.word2vec.model import Word2Vec

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt
    out = tmp_path / "v.bin"
    monkeypatch.setattr(Word2Vec, "fit", interrupted)
    code, _, err = run(capsys, "train", corpus, "-o", out, "--workers", "1", "--min-count", "2")
    assert code == 130 and not out.exists()
    monkeypatch.undo()
    # interrupted while saving: the old file stays, no temp file is left
    out.write_bytes(b"previous")
    def half_written(f, words, vectors):
        f.write(b"half a file")
        raise KeyboardInterrupt
    monkeypatch.setattr(formats, "_write_binary_rows", half_written)
    code, _, _ = run(capsys, "train", corpus, "-o", out, "--dim", "8", "--epochs", "1", "--workers", "1",
                     "--min-count", "2")
    assert code == 130
    assert out.read_bytes() == b"previous" and os.listdir(tmp_path) == ["v.bin"]


# --------------------------------------------------------------------------- bad input

def test_bad_corpus_inputs(tmp_path, capsys):
    out = tmp_path / "v.bin"
    assert_one_line_error(capsys, "train", tmp_path / "nope.txt", "-o", out, match="not found")
    assert_one_line_error(capsys, "train", tmp_path, "-o", out, match="folder")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert_one_line_error(capsys, "train", empty, "-o", out, match="empty")
    rare = tmp_path / "rare.txt"
    rare.write_text("every word here appears once only\n")
    assert_one_line_error(capsys, "train", rare, "-o", out, "--min-count", "5", match="min_count")
    assert not out.exists()


@pytest.mark.parametrize("args,match", [
    (["--dim", "0"], "--dim 0"),
    (["-size", "-3"], "--dim -3"),
    (["--window", "-1"], "--window -1"),
    (["--negative", "-2"], "--negative -2"),
    (["--min-count", "0"], "--min-count 0"),
    (["--sample", "-1"], "--sample -1"),
    (["--epochs", "0"], "--epochs 0"),
    (["-iter", "0"], "--epochs 0"),
    (["--workers", "0"], "--workers 0"),
    (["--alpha", "0"], "--alpha 0"),
    (["--negative", "0"], "--hs"),
    (["--dim", "abc"], "invalid int value"),
    (["-cbow", "2"], "invalid choice"),
])
def test_invalid_train_parameters(corpus, tmp_path, capsys, args, match):
    assert_one_line_error(capsys, "train", corpus, "-o", tmp_path / "v.bin", *args, match=match)
    assert not (tmp_path / "v.bin").exists()


def test_bad_output_paths(corpus, tmp_path, capsys):
    assert_one_line_error(capsys, "train", corpus, "-o", tmp_path / "v.model", match=".bin")
    assert_one_line_error(capsys, "train", corpus, "-o", tmp_path / "no" / "v.bin", match="does not exist")
    assert_one_line_error(capsys, "train", corpus, match="required")


def test_bad_queries(trained, tmp_path, capsys):
    v = trained[0]
    line = assert_one_line_error(capsys, "analogy", v, "frnace - paris + rome", match="'frnace'")
    assert "did you mean 'france'" in line
    line = assert_one_line_error(capsys, "similar", v, "kingg", "xyzzy", match="'kingg'")
    assert "'xyzzy'" in line
    assert_one_line_error(capsys, "analogy", v, "france - - paris", match="two operators")
    assert_one_line_error(capsys, "analogy", v, "france +", match="ends with an operator")
    assert_one_line_error(capsys, "analogy", v, "king", "--topn", "0", match="--topn 0")
    assert_one_line_error(capsys, "similar", tmp_path / "none.bin", "king", match="not found")
    assert_one_line_error(capsys, "evaluate", v, "--analogies", tmp_path / "none.txt", match="not found")


def test_truncated_and_corrupt_vector_files(trained, tmp_path, capsys):
    data = open(trained[0], "rb").read()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: len(data) // 2])
    assert_one_line_error(capsys, "similar", cut, "king", match="truncated after")
    text = open(trained[1], encoding="utf-8").read().splitlines()
    text[7] = " ".join(text[7].split()[:5])
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert_one_line_error(capsys, "analogy", bad, "king - man", match="line 8: expected 16 values, got 4")
    junk = tmp_path / "junk.vec"
    junk.write_bytes(b"\x00\x01\x02 garbage")
    assert_one_line_error(capsys, "evaluate", junk, match="junk.vec")


def test_demo_on_small_corpus(corpus, tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, err = run(capsys, "demo", "--corpus", corpus, "--epochs", "2", "--out", out, "--dim", "16",
                            "--workers", "1")
    assert code == 0, err
    assert f"corpus: {corpus} (given with --corpus)" in stdout
    assert "nearest neighbours:" in stdout
    assert "france - paris + rome = " in stdout
    assert stdout.count(" = ") >= 2  # at least one more analogy answered
    assert "embed corpora fetch text8" in stdout  # small-corpus honesty note
    assert (out / "vectors.bin").exists()
    for name in ("clusters.png", "analogies.png"):
        assert (out / name).stat().st_size > 1000
        assert str(out / name) in stdout
    assert_one_line_error(capsys, "demo", "--corpus", tmp_path / "none.txt", "--out", out, match="not found")
    assert_one_line_error(capsys, "demo", "--epochs", "0", match="--epochs 0")
