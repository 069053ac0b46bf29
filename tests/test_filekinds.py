"""embed.filekinds: each of embed's file kinds is recognised, and a loader handed the wrong one says what it is."""
import gzip

import numpy as np
import pytest

from embed import filekinds
from embed.errors import EmbedError
from embed.lm.model import load_model as load_lm
from embed.nn import Dense, Sequential
from embed.vectors.keyedvectors import KeyedVectors, load_vectors
from embed.word2vec.model import Word2Vec


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """One file of each kind, written by embed itself (tiny models)."""
    d = tmp_path_factory.mktemp("kinds")
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    kv.save_word2vec_format(str(d / "v.bin"), binary=True)
    kv.save_word2vec_format(str(d / "v.txt"))
    with open(d / "v.txt", "rb") as f, gzip.open(d / "v.txt.gz", "wb") as g:
        g.write(f.read())
    model = Sequential([Dense(2, "softmax")], seed=0).build(3)
    model.save(str(d / "mlp.npz"))
    text = "the quick brown fox jumps over the lazy dog\n" * 40
    (d / "corpus.txt").write_text(text)
    w2v = Word2Vec(vector_size=8, min_count=1, epochs=1, workers=1, seed=1).fit(str(d / "corpus.txt"))
    w2v.save(str(d / "w2v.ckpt"))
    from embed.lm import LMTrainer, ModelConfig, TrainConfig
    LMTrainer.new(text, ModelConfig(cell="rnn", layers=1, hidden=8),
                  TrainConfig(epochs=1, batch=2, seq_length=5, threads=1)).fit(str(d / "m.lm"))
    cache = d / "cache"
    cache.mkdir()
    (cache / "manifest.json").write_text('{"format": "embed.shards", "version": 1}')
    (d / "glove.txt").write_text("a 1 0\nb 0 1\n")
    return d


def test_each_kind_is_recognised(files):
    kinds = {name: filekinds.sniff(files / name) for name in
             ("v.bin", "v.txt", "v.txt.gz", "mlp.npz", "w2v.ckpt", "m.lm", "cache", "glove.txt", "missing")}
    assert kinds == {"v.bin": "vectors", "v.txt": "vectors", "v.txt.gz": "vectors", "mlp.npz": "sequential",
                     "w2v.ckpt": "checkpoint", "m.lm": "lm", "cache": "corpus_cache",
                     "glove.txt": None, "missing": None}


def test_a_language_model_given_as_vectors_names_itself(files):
    with pytest.raises(EmbedError) as e:
        load_vectors(str(files / "m.lm"))
    assert str(e.value) == (f"{files / 'm.lm'} is a language model, not a vectors file; "
                            f"try `embed lm generate {files / 'm.lm'}`")


@pytest.mark.parametrize("name, kind", [("v.bin", "a vectors file"), ("mlp.npz", "a Sequential"),
                                        ("w2v.ckpt", "a word2vec training checkpoint"),
                                        ("cache", "an encoded-corpus cache")])
def test_other_files_given_as_a_language_model(files, name, kind):
    with pytest.raises(EmbedError, match=f"is {kind}.*not a language model; ") as e:
        load_lm(str(files / name))
    assert "\n" not in str(e.value)


def test_vectors_given_as_a_sequential_model(files):
    with pytest.raises(EmbedError, match="v.txt is a vectors file, not a Sequential.*embed similar"):
        Sequential.load(str(files / "v.txt"))


def test_the_right_kind_and_unknown_files_still_load(files):
    assert len(load_vectors(str(files / "v.bin"))) == 3
    assert len(load_vectors(str(files / "glove.txt"))) == 2  # GloVe: not sniffed, loaded
    assert Sequential.load(str(files / "mlp.npz")).predict(np.zeros((1, 3))).shape == (1, 2)


def test_a_pipe_is_not_sniffed_so_its_bytes_stay_for_the_loader(tmp_path):
    import os

    r, w = os.pipe()
    try:
        os.write(w, b"2 3\ncat 1 2 3\ndog 4 5 6\n")
        os.close(w)
        assert filekinds.sniff(f"/dev/fd/{r}") is None
        assert filekinds.check_kind(f"/dev/fd/{r}", "lm") == f"/dev/fd/{r}"
        assert os.read(r, 100) == b"2 3\ncat 1 2 3\ndog 4 5 6\n"    # nothing consumed
    finally:
        os.close(r)
