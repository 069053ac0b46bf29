"""Word2Vec driver: planted analogies, loss, determinism, threads, continue/resume, bad input."""
import time

import numpy as np
import pytest

from embed.errors import EmbedError
from embed.text.corpus import encode_corpus
from embed.word2vec.model import Checkpoint, Word2Vec


@pytest.fixture(scope="module")
def corpus(planted_sentences):
    return encode_corpus(planted_sentences, min_count=1)


def small(**kw):
    args = dict(vector_size=24, window=4, negative=5, min_count=1, sample=0, epochs=8, seed=3)
    args.update(kw)
    return Word2Vec(**args)


@pytest.mark.parametrize("sg", [True, False])
def test_planted_analogies_are_recovered(corpus, sg, planted_sentences, analogy_accuracy):
    t0 = time.perf_counter()
    model = small(sg=sg).fit(corpus)
    wall = time.perf_counter() - t0
    assert analogy_accuracy(model.wv) >= 0.8
    assert model.epoch_loss_[-1] < model.epoch_loss_[0]  # the loss goes down
    assert len(model.epoch_loss_) == 8 and model.epochs_done_ == 8
    # the rate is the raw words of 8 epochs over the training time, which fit() contains
    assert 0 < model.train_seconds_ <= wall
    words = sum(len(s) for s in planted_sentences)
    assert model.words_per_sec_ == pytest.approx(8 * words / model.train_seconds_, rel=1e-9)


def test_hierarchical_softmax_trains(corpus, analogy_accuracy):
    model = small(hs=True, negative=0, epochs=6).fit(corpus)
    assert model.epoch_loss_[-1] < model.epoch_loss_[0]
    assert analogy_accuracy(model.wv) >= 0.6


@pytest.mark.parametrize("init_range", [0.5, 1.0])
def test_initial_vectors_follow_word2vec(corpus, init_range):
    model = small(init_range=init_range)
    model.vocab_ = corpus.vocab
    model.init_weights()
    bound = init_range / 24
    assert np.abs(model.syn0_).max() <= bound and np.abs(model.syn0_).max() > 0.9 * bound
    assert abs(model.syn0_.mean()) < 0.05 * bound
    assert not model.syn1neg_.any()  # outputs start at zero


def test_wv_is_keyedvectors_of_the_vocabulary(corpus):
    from embed.vectors.keyedvectors import KeyedVectors

    model = small(epochs=1).fit(corpus)
    kv = model.wv
    assert isinstance(kv, KeyedVectors)
    assert kv.index_to_key == corpus.vocab.words
    assert kv.vectors.shape == (len(corpus.vocab), 24) and kv.vectors.dtype == np.float32
    np.testing.assert_array_equal(kv.vectors, model.syn0_[:, :24])


def test_one_worker_with_a_seed_is_bit_identical(corpus):
    a = small(epochs=2).fit(corpus)
    b = small(epochs=2).fit(corpus)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg_, b.syn1neg_)
    assert a.epoch_loss_ == b.epoch_loss_
    c = small(epochs=2, seed=4).fit(corpus)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


def test_two_workers_train_sensible_vectors(corpus, analogy_accuracy):
    one = small().fit(corpus)
    two = small(workers=2, batch_words=500).fit(corpus)
    assert analogy_accuracy(two.wv) >= 0.8
    # the loss is a mean per pair, so it does not depend on the number of threads
    assert two.epoch_loss_[-1] == pytest.approx(one.epoch_loss_[-1], rel=0.1)


@pytest.mark.parametrize("hot", [3, 1024])
def test_two_workers_train_hot_words_on_private_rows(corpus, analogy_accuracy, monkeypatch, hot, tmp_path):
    """With threads, the `hot` most frequent words train on per-thread rows below the V shared
    ones (some words or, for this small vocabulary, all); the model's weights stay (V, D)."""
    from embed.word2vec import hot_rows
    monkeypatch.setattr(hot_rows, "HOT_WORDS", hot)
    V = len(corpus.vocab)
    two = small(workers=2, batch_words=500).fit(corpus)
    assert analogy_accuracy(two.wv) >= 0.8
    assert two.syn0_.shape == two.syn1neg_.shape == (V, 24)
    assert two.syn0_.base.shape == (V + 2 * 2 * min(hot, V), 24)   # each thread: copies + snapshot
    two.save(tmp_path / "m.w2v")
    back = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(back.syn0_, two.syn0_)
    back.fit(corpus, epochs=1)                                     # loaded (plain arrays) and trained on
    assert back.syn0_.shape == (V, 24) and np.isfinite(back.syn0_).all()


@pytest.mark.parametrize("sg", [1, 0])
def test_two_workers_train_hierarchical_softmax_on_private_nodes(corpus, analogy_accuracy, sg, tmp_path):
    """Hierarchical softmax alone with two threads: the nodes nearest the root train on
    per-thread rows of syn1 (for this small vocabulary: every node); syn1 stays (V - 1, D)."""
    V = len(corpus.vocab)
    two = small(workers=2, batch_words=500, hs=True, negative=0, sg=sg).fit(corpus)
    assert analogy_accuracy(two.wv) >= 0.8
    assert two.syn1_.shape == (V - 1, 24) and two.syn1_.base.shape == (V + 2 * 2 * V, 24)
    two.save(tmp_path / "m.w2v")
    back = Word2Vec.load(tmp_path / "m.w2v")
    np.testing.assert_array_equal(back.syn1_, two.syn1_)


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_an_error_in_any_worker_stops_training_and_is_raised(corpus, monkeypatch, error):
    """The third chunk fails (in whichever worker takes it): the others stop taking chunks,
    every worker has finished when fit() raises, and no worker thread is left running."""
    import threading

    from embed.word2vec import native
    kernels = native.load()
    calls, running = [], []

    def failing_train_chunk(*args):
        calls.append(threading.get_ident())
        if len(calls) == 3:
            raise error("chunk 3 failed")
        running.append(1)
        kernels.train_chunk(*args)
        running.pop()

    fake = type(kernels)(**{**vars(kernels), "train_chunk": failing_train_chunk})
    monkeypatch.setattr(Word2Vec, "_kernels", staticmethod(lambda: fake))
    with pytest.raises(error, match="chunk 3 failed"):
        small(workers=2, epochs=50, batch_words=50).fit(corpus)
    assert running == []                                       # nobody still inside a chunk
    n = len(calls)
    time.sleep(0.1)
    assert len(calls) == n <= 5                                # stopped at once: no more chunks


def test_fit_again_continues_training(corpus):
    model = small(epochs=2).fit(corpus)
    before = model.wv.vectors.copy()
    model.fit(corpus, epochs=3)
    assert model.epochs_done_ == 5 and len(model.epoch_loss_) == 5
    assert not np.array_equal(before, model.wv.vectors)


def test_continue_on_new_text_keeps_the_vocabulary(corpus):
    model = small(epochs=1).fit(corpus)
    words = list(model.wv.index_to_key)
    model.fit([["a1", "unseen", "b1", "t1_0"], ["ra_0", "a2", "nothing"]] * 20, epochs=1)
    assert model.wv.index_to_key == words and model.epochs_done_ == 2


def test_checkpoint_resume_is_bit_identical_to_an_uninterrupted_run(corpus, tmp_path):
    straight = small(epochs=4).fit(corpus)

    class Interrupt:
        def on_epoch_end(self, model, epoch, loss):
            if epoch == 2:
                raise KeyboardInterrupt

    path = tmp_path / "w2v.ckpt"
    with pytest.raises(KeyboardInterrupt):
        small(epochs=4, callbacks=[Checkpoint(path), Interrupt()]).fit(corpus)
    resumed = Word2Vec.load(path)
    assert resumed.epochs_done_ == 2 and resumed.plan_ == (2, 4)
    resumed.fit(corpus)  # finishes the interrupted plan: epochs 3 and 4
    assert resumed.epochs_done_ == 4
    np.testing.assert_array_equal(resumed.wv.vectors, straight.wv.vectors)
    assert resumed.epoch_loss_ == straight.epoch_loss_


def test_save_load_round_trip(corpus, tmp_path):
    model = small(epochs=1, hs=True, sg=False).fit(corpus)
    path = tmp_path / "m.w2v"
    model.save(path)
    back = Word2Vec.load(path)
    assert back.get_params() == model.get_params()
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.syn1_, model.syn1_)
    assert back.vocab_.words == model.vocab_.words
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_callbacks_get_model_epoch_and_loss(corpus):
    seen = []

    class Obj:
        def on_epoch_end(self, model, epoch, loss):
            seen.append(("obj", epoch, loss))

    model = small(epochs=2, callbacks=[lambda m, e, l: seen.append(("fn", e, l)), Obj()]).fit(corpus)
    assert [s[:2] for s in seen] == [("fn", 1), ("obj", 1), ("fn", 2), ("obj", 2)]
    assert [s[2] for s in seen[::2]] == model.epoch_loss_


def test_default_learning_rate_per_mode():
    # skip-gram 0.05 (fastText's, not word2vec.c's 0.025): clearly better word similarity;
    # CBOW 0.07: better on all four scores than 0.05 on a 5M-word corpus (README, issue 10);
    # an explicit alpha wins in either mode
    assert Word2Vec(sg=True).start_alpha == 0.035
    assert Word2Vec().alpha_decay == "words"
    assert Word2Vec(sg=False).start_alpha == 0.07
    assert Word2Vec(sg=True, alpha=0.025).start_alpha == 0.025
    assert Word2Vec(sg=False, alpha=0.025).start_alpha == 0.025


@pytest.mark.parametrize("kw, words", [
    (dict(vector_size=0), "vector_size"),
    (dict(window=-1), "window"),
    (dict(negative=-2), "negative"),
    (dict(negative=0, hs=False), "nothing to train"),
    (dict(sample=1.5), "sample"),
    (dict(alpha=-0.1), "alpha"),
    (dict(min_alpha=0.5), "min_alpha"),
    (dict(epochs=0), "epochs"),
    (dict(workers=0), "workers"),
    (dict(vector_size=2.5), "vector_size"),
    (dict(callbacks=[3]), "callback"),
    (dict(init_range=0), "init_range"),
    (dict(alpha_decay="epochs"), "alpha_decay"),
])
def test_bad_parameters_give_one_line_errors(corpus, kw, words):
    with pytest.raises(EmbedError) as e:
        small(**kw).fit(corpus)
    assert words in str(e.value) and "\n" not in str(e.value)


def test_bad_inputs_give_one_line_errors(tmp_path, corpus):
    with pytest.raises(EmbedError, match="not found"):
        small().fit(tmp_path / "missing.txt")
    with pytest.raises(EmbedError, match="epochs"):
        small().fit(corpus, epochs=0)
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(EmbedError, match="checkpoint"):
        Word2Vec.load(bad)
    with pytest.raises(EmbedError, match="not found"):
        Word2Vec.load(tmp_path / "nothing.ckpt")
    with pytest.raises(EmbedError, match="fit"):
        Word2Vec().wv


def test_meaning_on_a_small_real_corpus():
    """Lee news corpus from gensim's wheel (a test dependency): related words end up close."""
    import os

    import gensim

    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "lee_background.cor")
    kv = Word2Vec(epochs=20, min_count=2, seed=1).fit(path).wv
    assert "prime" in [w for w, _ in kv.most_similar("minister", topn=8)]
    assert "bush" in [w for w, _ in kv.most_similar("president", topn=8)]
    assert kv.similarity("tank", "tanks") > kv.similarity("tank", "minister")
