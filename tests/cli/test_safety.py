"""Never lose a file, never crash (issue 11): each case exits 2 with one line, or works.

Outputs that resolve to an input, degenerate or damaged inputs, diverging
training, non-finite model files, pipes as inputs, endless generation,
read-only output folders, debris of killed runs, a full disk while fetching.
"""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

from embed import fileio
from embed.errors import EmbedError
from embed.vectors import formats

WORDS = [f"w{i}" for i in range(30)]


def _snapshot(folder):
    """{name: bytes} of every file under `folder` (to prove nothing was modified)."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = fh.read()
    return out


def _no_temp_files(folder):
    return [n for n in _snapshot(folder) if n.endswith(".tmp")] == []


def _vectors(path, rows=None, words=WORDS, dim=6, seed=0):
    rows = np.random.default_rng(seed).normal(size=(len(words), dim)) if rows is None else rows
    formats.write_word2vec(str(path), words, np.asarray(rows, np.float32), binary=False)
    return str(path)


@pytest.fixture
def text_corpus(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "same.txt"
    path.write_text("".join(" ".join(rng.choice(WORDS[:12], 8)) + "\n" for _ in range(150)))
    return path


LM_OPTS = ["--epochs", "1", "--hidden", "8", "--layers", "1", "--batch", "2", "--seq-length", "8",
           "--quiet", "--threads", "1"]


@pytest.fixture(scope="module")
def lm_model(tmp_path_factory):
    from embed.cli import main
    folder = tmp_path_factory.mktemp("lm")
    text = folder / "text.txt"
    text.write_text("the cat sat on the mat.\n" * 12)
    model = folder / "m.lm"
    assert main(["lm", "train", str(text), "-o", str(model), *LM_OPTS]) == 0
    return str(model)


# ------------------------------------------------------------------ an output that is an input

@pytest.mark.parametrize("spelling", ["same", "dot-vs-absolute", "symlink", "hardlink"])
def test_train_refuses_to_overwrite_its_corpus(text_corpus, monkeypatch, fails, spelling):
    folder = text_corpus.parent
    monkeypatch.chdir(folder)
    corpus, out = "same.txt", "same.txt"
    if spelling == "dot-vs-absolute":
        corpus, out = "./same.txt", str(folder / "same.txt")
    elif spelling == "symlink":
        os.symlink("same.txt", "link.txt")
        out = "link.txt"
    elif spelling == "hardlink":
        os.link("same.txt", "hard.txt")
        out = "hard.txt"
    before = _snapshot(folder)
    fails("train", corpus, "-o", out, "--epochs", "1", "--min-count", "1", match="is the input file")
    assert _snapshot(folder) == before


def test_lm_train_refuses_to_overwrite_its_text(tmp_path, fails):
    text = tmp_path / "text.txt"
    text.write_text("hello world\n" * 20)
    fails("lm", "train", text, "-o", text, *LM_OPTS, match="is the input file")
    assert text.read_text() == "hello world\n" * 20


def test_mnist_refuses_to_overwrite_a_data_file(tmp_path, fails, mnist_set):
    data = mnist_set(tmp_path / "d", n_train=20, n_test=10, gz=False)
    before = _snapshot(data)
    fails("mnist", "--data", data, "--save", os.path.join(data, "t10k-images-idx3-ubyte"), "--epochs", "1",
          match="is the input file")
    assert _snapshot(data) == before


def test_plot_refuses_to_overwrite_its_vectors(tmp_path, fails):
    vec = _vectors(tmp_path / "vectors.png")
    before = _snapshot(tmp_path)
    fails("plot", vec, "--top", "10", "-o", vec, match="is the input file")
    assert _snapshot(tmp_path) == before


def test_export_refuses_to_overwrite_its_vectors(tmp_path, fails):
    vec = _vectors(tmp_path / "vectors.tsv")
    os.rename(vec, tmp_path / "vectors.txt")
    _vectors(tmp_path / "vectors.txt")
    formats.write_glove(str(tmp_path / "vectors.tsv"), WORDS, np.ones((30, 4), np.float32))
    before = _snapshot(tmp_path)
    fails("export", tmp_path / "vectors.tsv", "--projector", tmp_path, match="is the input file")
    assert _snapshot(tmp_path) == before


def test_demo_refuses_to_overwrite_its_corpus(text_corpus, fails):
    out = text_corpus.parent / "out"
    out.mkdir()
    corpus = out / "vectors.bin"
    os.rename(text_corpus, corpus)
    before = _snapshot(out)
    fails("demo", "--corpus", corpus, "--out", out, "--epochs", "1", match="is the input file")
    assert _snapshot(out) == before


# ------------------------------------------------------------------ read-only output folders

def test_lm_train_checks_the_output_folder_before_training(tmp_path, readonly_dir, fails):
    text = tmp_path / "text.txt"
    text.write_text("hello world\n" * 20)
    t0 = time.perf_counter()
    fails("lm", "train", text, "-o", os.path.join(readonly_dir, "x.lm"), *LM_OPTS, "--epochs", "1000",
          match="cannot write")
    assert time.perf_counter() - t0 < 10  # refused up front, not after 1000 epochs


def test_mnist_checks_the_save_folder_before_training(tmp_path, readonly_dir, fails, mnist_set):
    data = mnist_set(tmp_path / "d", n_train=20, n_test=10, gz=False)
    fails("mnist", "--data", data, "--save", os.path.join(readonly_dir, "m.npz"), "--epochs", "1",
          match="cannot write")


def test_train_removes_debris_of_a_killed_run(text_corpus, run):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    own = os.path.basename(fileio.temp_name(text_corpus.parent / "v.txt"))
    host = own.split(".")[-3].split("-")[1]
    debris = text_corpus.parent / f".v.txt.{dead.pid}-{host}-0123abcd{fileio.TEMP_SUFFIX}"
    debris.write_bytes(b"\0" * 1000)
    code, _, err = run("train", text_corpus, "-o", text_corpus.parent / "v.txt", "--epochs", "1",
                       "--min-count", "1", "--workers", "1", "--dim", "8")
    assert code == 0, err
    assert not debris.exists() and _no_temp_files(text_corpus.parent)


# ------------------------------------------------------------------ crashes

@pytest.mark.parametrize("kind", ["zero", "identical"])
def test_tsne_on_degenerate_vectors_falls_back_to_pca(tmp_path, kind):
    rows = np.zeros((30, 6)) if kind == "zero" else np.tile(np.arange(6.0), (30, 1))
    vec = _vectors(tmp_path / "v.txt", rows=rows)
    out = tmp_path / "p.png"
    # a subprocess: scikit-learn's t-SNE used to kill the process with SIGSEGV here
    r = subprocess.run([sys.executable, "-m", "embed", "plot", vec, "--top", "30", "--method", "tsne",
                        "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "using PCA instead" in r.stderr and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv", [
    ["lm", "generate", "MODEL", "--seed", "-1"],
    ["lm", "train", "TEXT", "-o", "OUT", "--seed", "-1"],
    ["mnist", "--seed", "-1"],
    ["mnist", "--dropout", "-1"], ["mnist", "--dropout", "nan"],
    ["mnist", "--l2", "-1"], ["mnist", "--l2", "nan"],
])
def test_bad_numbers_are_one_line_usage_errors(tmp_path, fails, argv):
    argv = [{"MODEL": tmp_path / "m.lm", "TEXT": tmp_path / "t.txt", "OUT": tmp_path / "o.lm"}.get(a, a)
            for a in argv]
    flag = next(a for a in argv if str(a).startswith("--"))
    fails(*argv, match=f"argument {flag}")
    assert os.listdir(tmp_path) == []


def test_mnist_with_zero_images_is_one_line(tmp_path, fails, mnist_set):
    data = mnist_set(tmp_path / "d", n_train=0, n_test=0, gz=False)
    fails("mnist", "--data", data, "--epochs", "1", match="holds no images")


# ------------------------------------------------------------------ silent nonsense

def test_diverging_training_stops_and_writes_nothing(text_corpus, fails):
    out = text_corpus.parent / "v.txt"
    fails("train", text_corpus, "-o", out, "--alpha", "9.9", "--epochs", "3", "--min-count", "1",
          "--workers", "1", match="diverged")
    assert not out.exists() and _no_temp_files(text_corpus.parent)


def test_lm_model_with_nan_weights_is_refused(lm_model, tmp_path, fails):
    from embed.lm import checkpoint
    tree = checkpoint.load(lm_model)
    first = next(w for w in (tree["weights"].values() if isinstance(tree["weights"], dict)
                             else tree["weights"]) if isinstance(w, np.ndarray) and w.size)
    first.flat[0] = np.nan
    bad = tmp_path / "nan.lm"
    checkpoint.save(str(bad), tree)
    fails("lm", "generate", bad, "--length", "20", match="NaN or infinite weights")


def test_mlp_model_with_nan_weights_is_refused(tmp_path):
    from embed.nn import Dense, Sequential
    model = Sequential([Dense(3)])
    model.build(4)
    model.layers[0].params["W"][0, 0] = np.nan
    path = str(tmp_path / "m.npz")
    model.save(path)
    with pytest.raises(EmbedError, match="NaN or infinite weights"):
        Sequential.load(path)


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_corpus_with_a_byte_order_mark_trains_on_its_words(tmp_path, run, codec):
    words = "king queen prince princess throne crown".split()
    rng = np.random.default_rng(0)
    corpus = tmp_path / "bom.txt"
    corpus.write_bytes("".join(" ".join(rng.choice(words, 6)) + "\n" for _ in range(100)).encode(codec))
    out = tmp_path / "v.txt"
    code, _, err = run("train", corpus, "-o", out, "--epochs", "1", "--min-count", "1", "--workers", "1",
                       "--dim", "8")
    assert code == 0, err
    assert "invalid" not in err
    kv_words = [line.split()[0] for line in out.read_text().splitlines()[1:]]
    assert sorted(kv_words) == sorted(words)


def test_similar_on_a_file_with_repeated_words_lists_each_once(tmp_path, run):
    words = WORDS[:10] + ["w3", "w4"]
    vec = _vectors(tmp_path / "dup.txt", words=words)
    code, out, err = run("similar", vec, "w0", "--topn", "12", "--json")
    assert code == 0
    import json
    listed = [w for w, _ in json.loads(out)["w0"]]
    assert len(listed) == len(set(listed)) == 9
    assert len(err.strip().splitlines()) == 1 and "repeated word" in err


def test_evaluate_pairs_with_a_nan_score_names_the_line(tmp_path, fails):
    vec = _vectors(tmp_path / "v.txt")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("w0\tw1\t1.5\nw2\tw3\tnan\nw4\tw5\t3\n")
    fails("evaluate", vec, "--pairs", pairs, match="line 2")


def test_analogy_names_every_unknown_word(tmp_path, fails):
    vec = _vectors(tmp_path / "v.txt")
    line = fails("analogy", vec, "w1 - xyz + abc", match="unknown word")
    assert "'xyz'" in line and "'abc'" in line


# ------------------------------------------------------------------ pipes, streams, disks

def test_analogy_reads_vectors_from_a_pipe(tmp_path):
    vec = _vectors(tmp_path / "v.txt")
    with open(vec, "rb") as f:
        r = subprocess.run([sys.executable, "-m", "embed", "analogy", "/dev/stdin", "w1 - w2 + w3"],
                           stdin=f, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "1." in r.stdout


def test_analogy_reads_vectors_from_a_real_pipe(tmp_path):
    vec = _vectors(tmp_path / "v.txt")
    with open(vec, "rb") as f:                      # input=: stdin is a pipe, not the file itself
        r = subprocess.run([sys.executable, "-m", "embed", "similar", "/dev/stdin", "w1"], input=f.read(),
                           capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("nearest to 'w1':")


# A FIFO (mkfifo) as an input: a plain open() waits forever for a writer.
FIFO_INPUTS = {
    "train": lambda fifo, out: ("train", fifo, "-o", out / "v.txt", "--dim", "6", "--epochs", "1",
                                "--workers", "1", "--min-count", "1"),
    "similar": lambda fifo, out: ("similar", fifo, "w1"),
    "evaluate": lambda fifo, out: ("evaluate", _vectors(out / "v.txt"), "--pairs", fifo),
    "lm train": lambda fifo, out: ("lm", "train", fifo, "-o", out / "m.lm", *LM_OPTS),
    "lm generate": lambda fifo, out: ("lm", "generate", fifo, "--length", "5"),
}


@pytest.mark.parametrize("command", list(FIFO_INPUTS))
def test_a_fifo_with_no_writer_fails_in_one_line_after_the_wait(tmp_path, fifo, fails, monkeypatch, command):
    monkeypatch.setenv("EMBED_FIFO_WAIT", "0.3")
    out = tmp_path / "out"
    out.mkdir()
    path = fifo(tmp_path / "pipe")
    argv = FIFO_INPUTS[command](path, out)
    before = _snapshot(out)
    t0 = time.monotonic()
    fails(*argv, match=f"{path} is a FIFO with no writer: nothing arrived in 0.3 s")
    assert time.monotonic() - t0 < 5
    assert _snapshot(out) == before                 # nothing written


def test_a_fifo_with_a_writer_is_read_once(tmp_path, fifo, run, text_corpus, lm_model):
    out = tmp_path / "out"
    out.mkdir()
    code, stdout, err = run(*FIFO_INPUTS["train"](fifo(tmp_path / "corpus", data=text_corpus.read_bytes()), out))
    assert code == 0, err
    assert sorted(formats.read_vectors(str(out / "v.txt"))[0]) == sorted(WORDS[:12])
    with open(out / "v.txt", "rb") as f:
        code, stdout, err = run(*FIFO_INPUTS["similar"](fifo(tmp_path / "vectors", data=f.read()), out))
    assert code == 0 and stdout.startswith("nearest to 'w1':"), err
    code, stdout, err = run(*FIFO_INPUTS["lm train"](fifo(tmp_path / "text", data=text_corpus.read_bytes()), out))
    assert code == 0, err
    from embed.lm.model import load_model
    assert load_model(str(out / "m.lm")).vocab.symbols == sorted(set(text_corpus.read_text()))  # the whole text
    with open(lm_model, "rb") as f:
        code, stdout, err = run(*FIFO_INPUTS["lm generate"](fifo(tmp_path / "model", data=f.read()), out))
    assert code == 0 and len(stdout) >= 5, err


def test_lm_generate_streams_an_endless_sample(lm_model):
    p = subprocess.Popen([sys.executable, "-m", "embed", "lm", "generate", lm_model, "--length", str(10 ** 12)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = p.stdout.read(200)  # arrives while the sample goes on: nothing is held back
        assert len(first) == 200, p.stderr.read().decode(errors="replace")
        assert p.poll() is None
    finally:
        p.kill()
        p.wait()
        p.stdout.close()
        p.stderr.close()


def test_fetch_onto_a_full_disk_does_not_blame_the_network(tmp_path):
    """A write that fails on our side (here: a file-size limit, as a full disk would) is not 'offline?'."""
    import resource

    src = tmp_path / "upstream.txt"
    src.write_bytes(b"word " * 20000)
    env = {**os.environ, "EMBED_CACHE": str(tmp_path / "cache")}

    def small_files():  # in the child: writes beyond 4 KB fail with EFBIG (Python ignores SIGXFSZ)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    r = subprocess.run([sys.executable, "-m", "embed", "corpora", "fetch", "tinyshakespeare",
                        "--url", src.as_uri()], env=env, capture_output=True, text=True, timeout=300,
                       preexec_fn=small_files)
    last = r.stderr.strip().splitlines()[-1]
    assert r.returncode == 2 and last.startswith("embed: error:"), r.stderr
    assert "too large" in last.lower() or "no space" in last.lower(), last
    assert "offline" not in r.stderr and "Traceback" not in r.stderr


def test_a_killed_download_leaves_nothing_behind_after_the_next_fetch(tmp_path, monkeypatch, run):
    import dataclasses

    from embed import data as ds

    monkeypatch.setenv("EMBED_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    partial = fileio.temp_name(tmp_path / "cache" / "tinyshakespeare.txt").replace(f".{os.getpid()}-",
                                                                                  f".{dead.pid}-")
    with open(partial, "wb") as f:
        f.write(b"half a download")
    src = tmp_path / "upstream.txt"
    src.write_bytes(b"word " * 100)
    monkeypatch.setitem(ds.DATASETS, "tinyshakespeare",
                        dataclasses.replace(ds.DATASETS["tinyshakespeare"], url=src.as_uri()))
    code, _, err = run("corpora", "fetch", "tinyshakespeare")  # refused (checksum), but tidies up
    assert code == 2 and "checksum mismatch" in err
    assert os.listdir(tmp_path / "cache") == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-32", "utf-8-sig"])
def test_lm_text_with_a_byte_order_mark_is_decoded(tmp_path, codec):
    from embed.lm.data import read_text
    path = tmp_path / "t.txt"
    path.write_bytes("héllo\r\nwörld 🙂\n".encode(codec))
    assert read_text(str(path)) == "héllo\r\nwörld 🙂\n"
