"""Word2vec on a Dask cluster: data-parallel training with synchronous merges several times an epoch.

    from distributed import Client
    model = Word2Vec(vector_size=100, epochs=5).fit("corpus/*.txt", client=Client("tcp://scheduler:8786"))

`embed train CORPUS --cluster tcp://scheduler:8786` (or ``--cluster local:N``)
does the same from the command line.  The corpus (a file, folder or glob) must
be readable under the same name by every worker: a path on a shared filesystem,
or a URL that fsspec understands (``s3://bucket/corpus/*.txt`` with s3fs
installed, ``gcs://...``, ``zip://*.txt::/data/corpus.zip``; ``memory://`` only
reaches workers in the same process).

1. Vocabulary, map-reduce: the files are cut into byte ranges at line breaks
   (`text.byte_ranges`); each worker counts ranges (`cluster_tasks.count_range`)
   and the driver merges the counts in range order, so words keep their order
   of first appearance and the vocabulary equals a single-process run's (with
   `max_vocab_size`, each range is pruned on its own, as word2vec's ReduceVocab).
2. Encoding: the ranges are dealt round-robin to ``W`` slots (one per worker
   at the start); a worker encodes its slot's ranges to shards in its local
   directory on first use and keeps them for the whole run.  By default a
   range is ``total bytes / (W x syncs_per_epoch)`` (`default_range_bytes`):
   one range per slot per round, so that round r trains about ranges r W ... r W + W - 1,
   the next stretch of the corpus in the single process's order.  Measured
   against about 4 ranges per worker (each round mixing W distant stretches):
   4 workers (saturation 1, 64 syncs) 0.974 / 0.982 / 0.960 of one process instead of 0.988 / 0.972 / 0.933
   (analogy / WS353 / SimLex), 2 workers 0.991 / 1.004 / 0.988 instead of
   0.976 / 0.984 / 0.973 (3 seeds, README).
3. Training, in rounds: an epoch is ``syncs_per_epoch`` rounds; in round r
   every slot trains the r-th slice of its shards (slices of equal sentences,
   or tokens with alpha_decay="words"), starting from the same global weights
   (sent once per round), and returns the rows it changed.  Each chunk gets
   the learning rate of the single-process rule ``alpha -> min_alpha`` over
   all epochs, computed from the chunk's position in its slot: every slot is
   at the same share of the plan after each round, and one slot trained in
   any number of rounds gives the single-process vectors.  The driver merges:

       merge="sum":      w <- w + sum_i d_i
       merge="average":  w <- w + sum_i (n_i + 1) d_i / sum_i (n_i + 1)
       merge="adaptive": w <- w + sum_i d_i g(n_i) / g(N),  N = sum_i n_i,  g(n) = beta n / (1 - exp(-beta n))
                                                                  (default)

   with n_i how often slot i trained the row's word this round (expected
   occurrences after subsampling) and beta = saturation x the round's
   learning rate.  The same n_i serves syn0 and syn1neg; counting each
   matrix's own gradient contributions instead (syn1neg's noise-word updates
   included) was measured and gave lower quality (docs/distributed.md).

   "sum" adds the slots' updates as if they had run one after the other from
   the same start (first order in the learning rate: the delayed-update view of
   asynchronous SGD); rows seen by one slot, the rare words, get exactly their
   single-process update either way.  "average" (model averaging weighted by
   touches) divides the update of the frequent words by up to W, which is what
   makes plain model averaging (Spark MLlib) lose accuracy as partitions grow.
   "adaptive" sits between them: if each of a row's n updates pulls it a share
   beta of the way to where that slot's data wants it, n updates move it a
   share 1 - exp(-beta n); merging by that model sums rows trained a few times
   (beta n << 1: g -> 1) and averages rows every slot trained to saturation
   (g(n) ~ beta n: the touch-weighted mean), so the most frequent words do
   not get W overlapping steps.  Measured on 5.16M words (README): "sum"
   diverged with 4 workers at 8 syncs per epoch and "average" lost a third
   of the analogy accuracy; "adaptive" is the best scheme measured so far, with
   saturation 0.25 and 32 syncs per epoch up to 2 workers, saturation 2 and 128
   syncs from 3 (the defaults: `default_saturation`, `default_syncs`).
4. Faults: a round's tasks are pure functions of (weights, slot, round, RNG
   state); the driver changes the model only when every slot of the round has
   returned.  A lost worker's task is rerun by Dask on another worker (which
   encodes the slot again), giving the same result: the model is never half
   updated, and a seeded run with a fixed W gives the same vectors with or
   without a failure.

Network per round: the weights to every worker (W * (syn0 + syn1neg [+ syn1])
bytes) and the changed rows back; `cluster_stats_` on the model counts them, and
`changed_rows` is the mean share of the vocabulary some slot changed in a round
(what sending only changed rows to the workers would save).
"""
import asyncio
import time
import uuid

import numpy as np

from ..errors import EmbedError
from ..fileio import input_size
from ..progress import bar
from ..text.byte_ranges import corpus_files, split
from ..text.vocab import Vocab, check_vocab_settings
from . import cluster_tasks, tables

INSTALL_HINT = 'distributed training needs Dask: pip install "embed[distributed]"'
MERGES = ("sum", "average", "adaptive")
SATURATION = 0.25  # merge="adaptive": beta = SATURATION x learning rate, up to 2 workers (measured, see the README)
SATURATION_MANY = 2.0  # ... and from 3 workers: 0.25 diverged with 4 workers (loss 5.3); 2 at 128 syncs measured best
SYNCS = 32  # syncs_per_epoch by default up to 2 workers (measured, see the README)
SYNCS_MANY = 128  # ... and from 3 workers: 4 workers met the 0.97x target at 128 (not at 32 or 64)
WORKER_WAIT = 60  # seconds to wait for a first worker when the cluster has none yet
RANGE_MIN, RANGE_MAX = 1 << 12, 64 << 20  # default byte-range size: total / (workers x syncs), clamped


def default_saturation(n_workers):
    """merge="adaptive"'s saturation when none is given, by the number of workers.

    Measured on 5.16M words (README): with 2 workers 0.25 gives 0.98 / 0.98 / 0.97 of
    one process (1 gives 0.97 / 0.97 / 0.96); with 4 workers 0.25 diverges (0.62x
    analogy) while 1 stays stable (0.96x).  More workers add up more merged steps
    of the frequent rows in one round, which the larger saturation damps.  With one
    byte range per worker per round, 4 workers at 64 syncs: saturation 1 gave
    0.974 / 0.982 / 0.960 (loss 2.20), 2 gave 1.007 / 0.974 / 0.952 (loss 2.08); at
    128 syncs saturation 2 gave 1.033 / 0.983 / 0.993 (3 seeds).  3 workers were not measured:
    they get the 4-worker setting.
    """
    return SATURATION if n_workers <= 2 else SATURATION_MANY


def default_syncs(n_workers):
    """syncs_per_epoch when none is given: SYNCS up to 2 workers, SYNCS_MANY from 3.

    Measured on 5.16M words (README): with 4 workers (saturation 1) 32 syncs per
    epoch gave 0.96 / 0.96 / 0.93 of one process and 64 syncs 0.99 / 0.97 / 0.93 (3 seeds
    each): each slot trains 1/W of a round's data from the same start, so more workers
    need shorter rounds.  With one byte range per worker per round and saturation 2,
    128 syncs gave 1.033 / 0.983 / 0.993 (3 seeds; 64 syncs 1.007 / 0.974 / 0.952), at twice
    the traffic of 64.  2 workers meet the target at 32, with half the traffic of 64.
    """
    return SYNCS if n_workers <= 2 else SYNCS_MANY


def default_range_bytes(total_bytes, n_workers, syncs_per_epoch):
    """Byte-range size when none is given: one range per worker per round, ``total / (W x syncs)``.

    Clamped to [RANGE_MIN, RANGE_MAX].  Ranges are dealt round-robin to the W slots
    and round r trains the r-th slice of every slot, so with this size round r
    trains ranges r W ... r W + W - 1: the next stretch of the corpus, in the
    single process's order, and the slots of a round see neighbouring text.
    With the old default (about 4 ranges per worker) each slot trained a slice
    of its own 1/W of the corpus, and a round mixed W distant stretches.  This
    default measured higher on WS353 and SimLex with 4 workers and on all three
    scores with 2 (5.16M words, 3 seeds; figures in the module docstring, item 2).
    """
    size = int(round(total_bytes / (max(int(n_workers), 1) * max(int(syncs_per_epoch), 1))))
    return int(min(RANGE_MAX, max(RANGE_MIN, size)))


def require_dask():
    """Import dask.distributed, or raise a one-line EmbedError saying what to install."""
    try:
        import distributed
    except ImportError:
        raise EmbedError(INSTALL_HINT) from None
    return distributed


def connect(address):
    """A Dask client for ``tcp://host:port`` (a running scheduler) or ``local:N`` (N worker processes here)."""
    distributed = require_dask()
    address = str(address).strip()
    if address.startswith("local:"):
        try:
            n = int(address[len("local:"):])
        except ValueError:
            n = 0
        if n < 1:
            raise EmbedError(f"cluster must be local:N with N >= 1 workers, got {address!r}")
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        return distributed.Client(cluster)
    if "://" not in address:
        raise EmbedError(f"cluster must be a scheduler address such as tcp://host:8786, or local:N; "
                         f"got {address!r}")
    try:
        return distributed.Client(address, timeout="20s")
    except OSError as e:
        raise EmbedError(f"cannot reach the Dask scheduler at {address} ({e})") from None


def fit_at_address(model, source, address, **options):
    """Connect to `address` (see `connect`), train `model` there, disconnect.

    Returns ``(model, summary)``; summary has `raw_words`, `replaced_bytes` and
    `vocab`, like an encoded corpus, for the command line's report.
    """
    from types import SimpleNamespace

    corpus_files(source)  # a missing corpus fails before a cluster is started or reached
    client = connect(address)
    try:
        fit_on_cluster(model, source, client, **options)
    finally:
        cluster = client.cluster if str(address).startswith("local:") else None
        client.close()
        if cluster is not None:
            cluster.close()
    return model, SimpleNamespace(raw_words=model.vocab_.total_words, vocab=model.vocab_,
                                  replaced_bytes=model.cluster_stats_["replaced_bytes"])


def count_vocabulary(client, ranges, settings):
    """Map: count every range on the workers; reduce: merge in range order.  Returns (Vocab, replaced bytes)."""
    futures = client.map(cluster_tasks.count_range, ranges, settings=settings, pure=False)
    merged, raw, replaced = {}, 0, 0
    for counts, n, rep in client.gather(futures):  # in range order
        for w, c in counts.items():
            merged[w] = merged.get(w, 0) + c
        raw += n
        replaced += rep
    if raw == 0:
        raise EmbedError(f"corpus is empty (no tokens found by tokenizer {settings['tokenizer']!r})")
    vocab = Vocab.from_counts(merged, settings["min_count"], settings["max_vocab_size"], total_words=raw)
    if len(vocab) == 0:
        raise EmbedError(f"every word occurs fewer than min_count={settings['min_count']} times "
                         f"({raw} tokens, {len(merged)} distinct words); lower min_count")
    return vocab, replaced


def _gain(n, beta):
    """``g(n) = beta n / (1 - exp(-beta n))``, with g(0) = 1; n float (k,)."""
    x = beta * np.asarray(n, np.float64)
    out = np.ones_like(x)
    big = x > 1e-8
    out[big] = x[big] / -np.expm1(-x[big])
    return out


def _merge(base, parts, how, beta=0.0):
    """Apply the slots' changed rows to `base` (V, D) in place (see the module docstring).

    parts : [(rows int32 (k,), delta (k, D), count (k,))] per slot, rows unique within a slot;
    beta : per-occurrence saturation rate of merge="adaptive".
    """
    if how == "sum":
        for rows, delta, _ in parts:
            base[rows] += delta
        return
    if how == "adaptive":
        total = np.zeros(base.shape[0], np.float64)  # (V,) N = sum_i n_i
        for rows, _, count in parts:
            total[rows] += count
        for rows, delta, count in parts:
            scale = _gain(count, beta) / _gain(total[rows], beta)  # (k,) in (0, 1]
            base[rows] += (scale[:, None] * delta).astype(base.dtype)
        return
    num = np.zeros_like(base)  # (V, D) sum of weighted deltas
    den = np.zeros(base.shape[0], np.float64)  # (V,) sum of weights
    for rows, delta, count in parts:
        weight = count + 1.0  # (k,) a row changed only as a noise word still counts
        num[rows] += weight[:, None] * delta
        den[rows] += weight
    hit = den > 0
    base[hit] += (num[hit] / den[hit, None]).astype(base.dtype)


def worker_count(client, wait=WORKER_WAIT):
    """Workers on the cluster now; when there are none yet (a cluster still starting, or between a
    lost worker and its restart), the first to arrive within `wait` seconds."""
    n = len(client.scheduler_info()["workers"])
    if n < 1:
        try:
            client.wait_for_workers(1, timeout=wait)
        except (TimeoutError, asyncio.TimeoutError):
            raise EmbedError(f"the Dask cluster has no workers (waited {wait:g} s for one)") from None
        n = len(client.scheduler_info()["workers"])
    return n


def fit_on_cluster(model, source, client, epochs=None, syncs_per_epoch=None, merge="adaptive",
                   range_bytes=None, saturation=None):
    """Train `model` (a `Word2Vec`) on `source` with the Dask `client`; returns the model.

    syncs_per_epoch : merges per epoch (>= 1; default: `default_syncs` of the number of workers);
    merge : "sum", "average" or "adaptive";
    range_bytes : size of the byte ranges (default `default_range_bytes`: one range per worker
                  per round, so every round trains the next stretch of the corpus; 4 KiB to 64 MiB);
    saturation : merge="adaptive"'s beta per unit of learning rate (default: `default_saturation`
                 of the number of workers).
    The model's `workers` is ignored: each Dask worker trains one slot on one thread.
    """
    model.check_params()
    if syncs_per_epoch is not None and (isinstance(syncs_per_epoch, bool) or not isinstance(syncs_per_epoch, int)
                                        or syncs_per_epoch < 1):
        raise EmbedError(f"syncs_per_epoch must be a positive integer, got {syncs_per_epoch!r}")
    if merge not in MERGES:
        raise EmbedError(f"merge must be one of {', '.join(MERGES)}, got {merge!r}")
    if saturation is not None and not (isinstance(saturation, (int, float)) and not isinstance(saturation, bool)
                                       and 0 <= saturation < float("inf")):
        raise EmbedError(f"saturation must be a number >= 0, got {saturation!r}")
    if not isinstance(model.tokenizer, str):
        raise EmbedError("distributed training needs a tokenizer name (a callable cannot be sent to workers)")
    planned = model.planned_epochs(epochs)
    check_vocab_settings(model.min_count, model.max_vocab_size)
    n_workers = worker_count(client)
    if syncs_per_epoch is None:
        syncs_per_epoch = default_syncs(n_workers)
    files = corpus_files(source)
    total_bytes = sum(input_size(f) for f in files)
    if range_bytes is None:
        range_bytes = default_range_bytes(total_bytes, n_workers, syncs_per_epoch)
    ranges = split(files, range_bytes)
    settings = {"tokenizer": model.tokenizer, "lowercase": bool(model.lowercase),
                "min_count": int(model.min_count),
                "max_vocab_size": None if model.max_vocab_size is None else int(model.max_vocab_size),
                "max_words": 10000}
    sent = received = 0

    t_start = time.perf_counter()
    fresh = not hasattr(model, "vocab_")
    replaced = 0
    if fresh:
        vocab, replaced = count_vocabulary(client, ranges, settings)
        model.vocab_ = vocab
        model.init_weights()
    model.ensure_hs_layer()
    tabs = model.kernel_tables()
    token = uuid.uuid4().hex
    slots = [ranges[i::n_workers] for i in range(n_workers)]
    slots = [s for s in slots if s]
    words = client.scatter([model.vocab_.words], broadcast=True, hash=False)[0]  # one future for the whole list
    tabs_f = client.scatter([tabs], broadcast=True, hash=False)[0]
    done = 0
    rng = [int(tables.seed_state(model.seed + 7919 * model.epochs_done_, i)[0]) for i in range(len(slots))]
    params = {"sg": bool(model.sg), "hs": bool(model.hs), "window": int(model.window),
              "negative": int(model.negative), "batch_words": int(model.batch_words),
              "by_sentence": int(model.alpha_decay == "sentences")}
    a_hi, a_lo = model.start_alpha, float(model.min_alpha)
    rounds = planned * syncs_per_epoch
    sat = default_saturation(n_workers) if saturation is None else float(saturation)
    raw_words = model.vocab_.total_words
    train_seconds = 0.0
    per_epoch_bytes = []
    changed = []  # per round: share of the rows of syn0 and syn1neg that some slot changed
    try:
        with bar(total=rounds, desc="word2vec rounds", unit="round", show=model.progress) as pbar:
            for e in range(planned):
                t0 = time.perf_counter()
                loss = pairs = 0.0
                bytes_before = sent + received
                for r in range(syncs_per_epoch):
                    k = e * syncs_per_epoch + r
                    beta = sat * (a_hi - (a_hi - a_lo) * (k + 0.5) / rounds)  # at the round's mean rate
                    weights = (model.syn0_, model.syn1neg_, model.syn1_)
                    w_future = client.scatter([weights], broadcast=True, hash=False)[0]
                    sent += len(slots) * sum(w.nbytes for w in weights)
                    jobs = [{"token": token, "slot": i, "ranges": slots[i], "words": words,
                             "settings": settings, "params": params, "round": r, "rounds": syncs_per_epoch,
                             "epoch": e, "epochs": planned, "alpha": (a_hi, a_lo), "rng": rng[i]} for i in range(len(slots))]
                    futures = [client.submit(_train_round_task, job, w_future, tabs_f, pure=False,
                                             retries=3) for job in jobs]
                    results = sorted(client.gather(futures), key=lambda res: res["slot"])
                    for name, base in (("syn0", model.syn0_), ("syn1neg", model.syn1neg_),
                                       ("syn1", model.syn1_)):
                        parts = [res[name] for res in results]
                        received += sum(p[0].nbytes + p[1].nbytes + p[2].nbytes for p in parts)
                        if name != "syn1":
                            changed.append(np.unique(np.concatenate([p[0] for p in parts])).size / len(base))
                        _merge(base, parts, merge, beta)
                    for res in results:
                        rng[res["slot"]] = res["rng"]
                        loss += res["stats"][tables.STAT_LOSS]
                        pairs += res["stats"][tables.STAT_PAIRS]
                    del w_future
                    pbar.update(1)
                epoch_loss = loss / pairs if pairs else float("nan")
                if not np.isfinite(model.syn0_).all():
                    raise EmbedError("training diverged (non-finite vectors): lower alpha")
                train_seconds += time.perf_counter() - t0
                done += 1
                per_epoch_bytes.append(sent + received - bytes_before)
                model.record_epoch(done, planned, epoch_loss, train_seconds, raw_words * done)
    finally:
        try:
            client.run(cluster_tasks.forget_run, token)
        except Exception:  # tidying only: a worker that is gone has nothing to remove
            pass
    model.cluster_stats_ = {"workers": len(slots), "replaced_bytes": replaced, "ranges": len(ranges), "rounds": rounds,
                            "bytes_sent": sent, "bytes_received": received,
                            "bytes_per_epoch": float(np.mean(per_epoch_bytes)) if per_epoch_bytes else 0.0,
                            "changed_rows": float(np.mean(changed)) if changed else 0.0,
                            "seconds": time.perf_counter() - t_start}
    return model


def _train_round_task(job, weights, tabs):
    """The task Dask runs (a module-level function, so workers import it by name)."""
    return cluster_tasks.train_round(job, weights, tabs)
