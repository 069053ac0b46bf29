"""word2vec on a Dask LocalCluster of 2 worker processes: vocabulary, convergence, planted analogies, reproducibility, a lost worker."""
import os
import signal
import threading
import time

import distributed as dask_distributed  # in the test extra: CI runs these on a LocalCluster
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.text.corpus import encode_corpus
from embed.word2vec import cluster_tasks, distributed
from embed.word2vec.model import Word2Vec

TOPICS = [["cat", "dog", "horse", "cow", "sheep", "goat"],
          ["red", "green", "blue", "yellow", "purple", "orange"],
          ["paris", "london", "rome", "berlin", "madrid", "vienna"]]


@pytest.fixture(scope="module")
def cluster_client():
    cluster = dask_distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=50)
    with dask_distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture
def client(cluster_client):
    """The module's cluster with both its workers up: the results depend on the number of workers,
    and a test kills one (its nanny starts another)."""
    cluster_client.wait_for_workers(2, timeout=60)
    return cluster_client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Sentences that each stay within one topic, plus filler words; 2 files."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("corpus")
    filler = [f"the{i}" for i in range(8)]
    for part in range(2):
        lines = []
        for _ in range(700):
            topic = TOPICS[rng.integers(3)]
            words = list(rng.choice(topic, size=8)) + list(rng.choice(filler, size=2))
            rng.shuffle(words)
            lines.append(" ".join(words))
        (folder / f"part{part}.txt").write_text("\n".join(lines) + "\n")
    return folder


def _model(**kw):
    return Word2Vec(vector_size=16, window=3, negative=5, min_count=2, epochs=4, seed=3,
                    sample=0, progress=False, **kw)


def test_vocabulary_equals_the_single_process_one(client, corpus, tmp_path):
    whole = tmp_path / "whole.txt"
    whole.write_bytes(b"".join((corpus / f"part{i}.txt").read_bytes() for i in range(2)))
    settings = {"tokenizer": "regexp", "lowercase": True, "min_count": 2, "max_vocab_size": None,
                "max_words": 10000}
    from embed.text.byte_ranges import corpus_files, split
    ranges = split(corpus_files(str(corpus)), 997)  # many ranges over both files
    assert len(ranges) > 10
    vocab, _ = distributed.count_vocabulary(client, ranges, settings)
    single = encode_corpus(str(whole), min_count=2).vocab
    assert vocab.words == single.words  # same words, same order (ties by first appearance)
    assert vocab.counts.tolist() == single.counts.tolist()
    assert vocab.total_words == single.total_words


def test_training_converges_and_is_reproducible(client, corpus):
    a = _model().fit(str(corpus), client=client, syncs_per_epoch=2)
    assert a.cluster_stats_["workers"] == 2 and a.epochs_done_ == 4
    assert 4 <= a.cluster_stats_["ranges"] <= 4 + 2  # default: one range per worker per round (2 files)
    assert a.epoch_loss_[-1] < a.epoch_loss_[0]
    for topic in TOPICS:
        near = [w for w, _ in a.wv.most_similar(topic[0], topn=4)]
        assert len(set(near) & set(topic)) >= 3, (topic[0], near)
    b = _model().fit(str(corpus / "*.txt"), client=client, syncs_per_epoch=2)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)  # fixed workers + seed: same bytes


def test_a_worker_killed_mid_training_does_not_corrupt_the_model(client, corpus):
    reference = _model().fit(str(corpus), client=client, syncs_per_epoch=3)
    pids = client.run(cluster_tasks.worker_pid)
    result, errors = {}, []

    def train():
        try:
            result["model"] = _model().fit(str(corpus), client=client, syncs_per_epoch=3)
        except BaseException as e:  # surfaced below
            errors.append(e)

    thread = threading.Thread(target=train)
    thread.start()
    deadline = time.time() + 60
    victim = None
    while victim is None and time.time() < deadline and thread.is_alive():
        busy = [w for w, keys in client.processing().items()
                if any("train_round" in str(k) for k in keys)]
        if busy:
            victim = busy[0]
        time.sleep(0.005)
    assert victim is not None, "training finished before a worker could be stopped"
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(120)
    assert not errors, errors
    got = result["model"]
    assert np.isfinite(got.wv.vectors).all()
    np.testing.assert_array_equal(got.wv.vectors, reference.wv.vectors)  # as if nothing had happened
    client.wait_for_workers(2, timeout=60)


def test_bad_options_are_one_line_errors(client, corpus):
    with pytest.raises(EmbedError, match="syncs_per_epoch"):
        _model().fit(str(corpus), client=client, syncs_per_epoch=0)
    with pytest.raises(EmbedError, match="merge"):
        _model().fit(str(corpus), client=client, merge="median")
    with pytest.raises(EmbedError, match="saturation"):
        _model().fit(str(corpus), client=client, merge="adaptive", saturation=-1)
    with pytest.raises(EmbedError, match="not found"):
        _model().fit(str(corpus / "missing*.txt"), client=client)
    with pytest.raises(EmbedError, match="local:N"):
        distributed.connect("local:zero")


def test_without_dask_the_hint_names_the_extra(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_dask(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "distributed" or name.startswith("distributed.")):
            raise ImportError("No module named 'distributed'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(EmbedError, match=r'pip install "embed\[distributed\]"'):
        distributed.connect("local:2")


def test_embed_train_cluster_without_dask_is_one_line(monkeypatch, corpus, tmp_path, capsys):
    import builtins

    from embed.cli import main
    real_import = builtins.__import__

    def no_dask(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (name == "distributed" or name.startswith("distributed.")):
            raise ImportError("No module named 'distributed'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    code = main(["train", str(corpus / "part0.txt"), "-o", str(tmp_path / "v.vec"), "--cluster", "local:2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and 'pip install "embed[distributed]"' in err[0]
    assert not (tmp_path / "v.vec").exists()


def test_training_from_a_zip_url_gives_the_single_process_vocabulary(client, corpus, tmp_path):
    import zipfile
    archive = tmp_path / "corpus.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(2):
            z.write(corpus / f"part{i}.txt", f"part{i}.txt")
    whole = tmp_path / "whole.txt"
    whole.write_bytes(b"".join((corpus / f"part{i}.txt").read_bytes() for i in range(2)))
    model = _model().fit(f"zip://*.txt::{archive}", epochs=1, client=client, syncs_per_epoch=2)  # workers open it
    single = encode_corpus(str(whole), min_count=2).vocab
    assert model.vocab_.words == single.words and model.vocab_.counts.tolist() == single.counts.tolist()
    assert model.cluster_stats_["ranges"] >= 4 and model.epoch_loss_[-1] > 0


def test_embed_train_cluster_with_a_missing_url_fails_before_any_cluster(monkeypatch, tmp_path, capsys):
    from embed.cli import main

    def no_cluster(address):
        raise AssertionError("a cluster was started for a missing corpus")

    monkeypatch.setattr(distributed, "connect", no_cluster)
    code = main(["train", f"zip://*.txt::{tmp_path}/missing.zip", "-o", str(tmp_path / "v.vec"),
                 "--cluster", "local:2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "corpus not found: zip://*.txt::" in err[0]
    assert not (tmp_path / "v.vec").exists()


# ------------------------------------------------------------------ merge rules and schedule, no cluster
def _parts():
    """Two slots' changes of a 4-row matrix: row 0 by slot 0 only, row 1 by both, row 3 by slot 1 only."""
    d0 = np.array([[1.0, 2.0], [0.5, 0.5]], np.float32)
    d1 = np.array([[0.25, 0.25], [4.0, -4.0]], np.float32)
    return [(np.array([0, 1], np.int32), d0, np.array([3.0, 1.0], np.float32)),
            (np.array([1, 3], np.int32), d1, np.array([3.0, 0.0], np.float32))]


def test_sum_merge_adds_every_slots_delta():
    base = np.zeros((4, 2), np.float32)
    distributed._merge(base, _parts(), "sum")
    np.testing.assert_allclose(base, [[1, 2], [0.75, 0.75], [0, 0], [4, -4]])


def test_average_merge_weights_by_trained_count_plus_one():
    base = np.zeros((4, 2), np.float32)
    distributed._merge(base, _parts(), "average")
    # row 1: slot 0 trained it once (weight 2), slot 1 three times (weight 4)
    np.testing.assert_allclose(base[1], (2 * 0.5 + 4 * 0.25) / 6 * np.ones(2), rtol=1e-6)
    np.testing.assert_allclose(base[[0, 3]], [[1, 2], [4, -4]])  # one slot: its full delta
    assert not base[2].any()


def test_adaptive_merge_interpolates_between_sum_and_average():
    g = lambda n, b: 1.0 if n == 0 else b * n / -np.expm1(-b * n)  # noqa: E731
    beta = 0.3
    base = np.zeros((4, 2), np.float32)
    distributed._merge(base, _parts(), "adaptive", beta)
    np.testing.assert_allclose(base[[0, 3]], [[1, 2], [4, -4]])  # a row one slot changed: its full delta
    want = (g(1, beta) * 0.5 + g(3, beta) * 0.25) / g(4, beta)
    np.testing.assert_allclose(base[1], [want, want], rtol=1e-6)
    # the limits: beta -> 0 is the sum; a saturated row trained equally by both slots gets the mean
    small = np.zeros((4, 2), np.float32)
    distributed._merge(small, _parts(), "adaptive", 1e-9)
    np.testing.assert_allclose(small[1], [0.75, 0.75], rtol=1e-6)
    rows = np.array([0], np.int32)
    same = [(rows, np.array([[2.0, 0.0]], np.float32), np.array([500.0], np.float32)),
            (rows, np.array([[4.0, 0.0]], np.float32), np.array([500.0], np.float32))]
    sat = np.zeros((1, 2), np.float32)
    distributed._merge(sat, same, "adaptive", 1.0)
    np.testing.assert_allclose(sat[0], [3.0, 0.0], rtol=1e-6)


def test_rounds_follow_the_single_process_learning_rate_schedule(corpus):
    """One slot trained in 3 rounds per epoch gives the single-process vectors (same chunks, same rates)."""
    from embed.text.byte_ranges import corpus_files, split
    from embed.word2vec import tables
    path = str(corpus / "part0.txt")
    single = _model(batch_words=1000).fit(path)  # 4 epochs of 7 chunks
    model = _model(batch_words=1000)
    model.vocab_ = single.vocab_
    model.init_weights()
    tabs = model.kernel_tables()
    settings = {"tokenizer": "regexp", "lowercase": True, "min_count": 2, "max_vocab_size": None,
                "max_words": 10000}
    params = {"sg": True, "hs": False, "window": 3, "negative": 5, "batch_words": 1000, "by_sentence": 1}
    ranges = split(corpus_files(path), 1 << 30)
    rng = int(tables.seed_state(model.seed, 0)[0])
    try:
        for e in range(4):
            for r in range(3):
                job = {"token": "schedule-test", "slot": 0, "ranges": ranges, "words": model.vocab_.words,
                       "settings": settings, "params": params, "round": r, "rounds": 3, "epoch": e,
                       "epochs": 4, "alpha": (model.start_alpha, model.min_alpha), "rng": rng}
                res = cluster_tasks.train_round(job, (model.syn0_, model.syn1neg_, model.syn1_), tabs)
                for name, base in (("syn0", model.syn0_), ("syn1neg", model.syn1neg_)):
                    distributed._merge(base, [res[name]], "sum")
                rng = res["rng"]
    finally:
        cluster_tasks.forget_run("schedule-test")
    np.testing.assert_allclose(model.syn0_, single.syn0_, atol=1e-4)


class _StartingCluster:
    """A client whose cluster has no worker until wait_for_workers is called (or never)."""

    def __init__(self, arrives):
        self.workers, self.arrives, self.waited = {}, arrives, []

    def scheduler_info(self):
        return {"workers": dict(self.workers)}

    def wait_for_workers(self, n, timeout):
        self.waited.append((n, timeout))
        if not self.arrives:
            raise TimeoutError
        self.workers["tcp://127.0.0.1:1"] = {}


def test_a_cluster_without_workers_yet_is_waited_for_then_named():
    starting = _StartingCluster(arrives=True)
    assert distributed.worker_count(starting, wait=5) == 1
    assert starting.waited == [(1, 5)]
    empty = _StartingCluster(arrives=False)
    with pytest.raises(EmbedError, match=r"the Dask cluster has no workers \(waited 5 s for one\)"):
        distributed.worker_count(empty, wait=5)


def test_default_saturation_grows_with_the_number_of_workers():
    assert distributed.default_saturation(1) == distributed.default_saturation(2) == distributed.SATURATION
    assert distributed.default_saturation(4) == distributed.SATURATION_MANY > distributed.SATURATION


def test_default_syncs_grow_with_the_number_of_workers():
    assert distributed.default_syncs(1) == distributed.default_syncs(2) == distributed.SYNCS
    assert distributed.default_syncs(4) == distributed.SYNCS_MANY > distributed.SYNCS


def test_default_ranges_are_one_per_worker_per_round(tmp_path):
    """total / (W x syncs) per range: split cuts about W x syncs ranges, so round r trains the r-th stretch."""
    from embed.text.byte_ranges import corpus_files, split
    rng = np.random.default_rng(1)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(rng.choice(TOPICS[0], size=rng.integers(3, 15))) for _ in range(6000)) + "\n")
    total = path.stat().st_size  # about 200 kB
    for workers, syncs in ((2, 8), (4, 8), (3, 5)):
        size = distributed.default_range_bytes(total, workers, syncs)
        assert size >= distributed.RANGE_MIN
        n = len(split(corpus_files(str(path)), size))
        assert workers * syncs - 1 <= n <= workers * syncs + 1, (workers, syncs, n)
    assert distributed.default_range_bytes(1000, 2, 32) == distributed.RANGE_MIN == 4096  # tiny corpus
    assert distributed.default_range_bytes(10 ** 12, 2, 4) == distributed.RANGE_MAX == 64 << 20


def test_no_saturation_means_the_default_for_the_cluster_size(client, corpus):
    """2 workers: fitting without `saturation` gives the vectors of saturation=SATURATION."""
    implicit = _model().fit(str(corpus), client=client, merge="adaptive")
    assert implicit.cluster_stats_["rounds"] == 4 * distributed.default_syncs(2)  # 4 epochs
    explicit = _model().fit(str(corpus), client=client, merge="adaptive", saturation=distributed.SATURATION)
    np.testing.assert_array_equal(implicit.wv.vectors, explicit.wv.vectors)
    other = _model().fit(str(corpus), client=client, merge="adaptive", saturation=distributed.SATURATION_MANY)
    assert not np.array_equal(implicit.wv.vectors, other.wv.vectors)


def test_planted_analogies_are_recovered_on_the_cluster(client, tmp_path, planted_sentences, analogy_accuracy):
    sentences = planted_sentences  # a_i - b_i + b_j -> a_j is planted (conftest.py)
    half = len(sentences) // 2
    for part, chunk in enumerate((sentences[:half], sentences[half:])):
        (tmp_path / f"part{part}.txt").write_text("".join(" ".join(s) + "\n" for s in chunk))
    model = Word2Vec(vector_size=24, window=4, negative=5, min_count=1, sample=0, epochs=8, seed=3,
                     progress=False).fit(str(tmp_path), client=client, syncs_per_epoch=4)
    assert model.epoch_loss_[-1] < model.epoch_loss_[0]
    assert analogy_accuracy(model.wv) >= 0.8
