"""What the workers of a distributed word2vec run do (see `distributed.py` for the driver).

Three pure tasks; each takes plain values and arrays, so Dask can run it on
any worker and run it again elsewhere when a worker is lost:

- `count_range(byte_range, settings)`: word counts of one byte range, in
  order of first appearance (a dict), plus raw tokens and replaced bytes.
- `train_round(job, weights, tables)`: one worker's share of one
  synchronisation round: it opens (encoding on first use) the worker slot's
  shards, trains its part of the epoch with the kernels, starting from the
  global weights, and returns the rows it changed as deltas, with how often it
  trained each word (expected occurrences after subsampling), its RNG state and its loss statistics.
- `forget_run(token)`: delete this worker's encoded shards of a finished run.

Encoded shards are kept per worker process in `_LOCAL`, keyed by the run and
slot, in the worker's local directory: each worker encodes its slot once; a
worker that replaces a lost one encodes the slot again on first use.
"""
import os
import shutil
import tempfile
from collections import Counter

import numpy as np

from ..text.encoder import encode_to_folder
from ..text.shards import ShardedCorpus, read_manifest
from ..text.tokenize import get_tokenizer
from ..text.vocab import PRUNE_FACTOR, Vocab, prune_counts
from . import native
from .chunks import plan as plan_chunks

_LOCAL = {}  # (run token, slot) -> ShardedCorpus encoded on this worker process


def count_range(byte_range, settings):
    """``(counts dict word -> n in first-appearance order, raw tokens, replaced bytes)``."""
    from ..text.reader import ReadStats

    tokenize = get_tokenizer(settings["tokenizer"], settings["lowercase"])
    limit = settings["max_vocab_size"]
    counts = Counter()
    stats = ReadStats()
    total = prunings = 0
    for text, _ in byte_range.pieces(stats):
        tokens = tokenize(text)
        counts.update(tokens)
        total += len(tokens)
        if limit is not None and len(counts) > PRUNE_FACTOR * limit:
            prunings += 1
            prune_counts(counts, prunings)
    return dict(counts), total, stats.replaced_bytes


def _local_folder(token, slot):
    try:
        from distributed import get_worker
        base = get_worker().local_directory
    except (ImportError, ValueError):
        base = None
    return tempfile.mkdtemp(prefix=f"embed-{token[:8]}-{slot}-", dir=base)


def slot_corpus(job):
    """The worker slot's shards on this process, encoding its byte ranges on first use."""
    key = (job["token"], job["slot"])
    corpus = _LOCAL.get(key)
    if corpus is None:
        settings = job["settings"]
        vocab = Vocab(job["words"], np.zeros(len(job["words"]), np.int64))
        tokenize = get_tokenizer(settings["tokenizer"], settings["lowercase"])

        def pieces(stats):
            for r in job["ranges"]:
                for text, eol in r.pieces(stats):
                    yield tokenize(text), eol

        folder = _local_folder(job["token"], job["slot"])
        try:
            encode_to_folder(pieces, True, f"slot {job['slot']}", settings, folder, vocab=vocab)
            corpus = ShardedCorpus(folder, read_manifest(folder), temporary=True)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        _LOCAL[key] = corpus
    return corpus


def _round_chunks(chunks, n_units, r, rounds, by_sentence):
    """The chunks whose start falls in the r-th of `rounds` equal slices of the slot.

    Slices count sentences when the learning rate decays with sentences (else
    tokens), so that every round is the same share of the schedule as the
    single-process run's.
    """
    lo, hi = n_units * r / rounds, n_units * (r + 1) / rounds
    return [c for c in chunks if lo <= (c.sent0 if by_sentence else c.tok0) < hi]


def _changed(before, after, counts):
    """Rows that differ: ``(rows int32 (k,), delta float32 (k, D), count float32 (k,))``."""
    diff = after - before  # (V, D)
    rows = np.flatnonzero(np.any(diff != 0, axis=1)).astype(np.int32)  # (k,)
    return rows, diff[rows], counts[rows].astype(np.float32)


def train_round(job, weights, tabs):
    """Train slot `job['slot']` for round `job['round']`; returns its changes (see the module docstring).

    job : token, slot, ranges, words, settings, params (sg, hs, window, negative,
          batch_words, by_sentence), round, rounds (per epoch), epoch, epochs
          (planned), alpha (start, end) of the whole plan, rng (int64 state)
    weights : (syn0 (V, D), syn1neg (V, D), syn1 (H, D)) float32, the global weights
    tabs : the kernel tables of `Word2Vec.kernel_tables`
    """
    corpus = slot_corpus(job)
    tabs = {k: np.array(v, order="C") for k, v in tabs.items()}  # aligned, writeable copies of what arrived
    p = job["params"]
    by_sent = p["by_sentence"]
    per_epoch = corpus.n_sentences if by_sent else corpus.n_tokens  # what the schedule counts
    chunks = _round_chunks(plan_chunks(corpus, p["batch_words"]), per_epoch, job["round"], job["rounds"],
                           by_sent)
    syn0, syn1neg, syn1 = (np.array(w, dtype=np.float32, order="C") for w in weights)  # own copies
    start = [w.copy() for w in (syn0, syn1neg, syn1)]
    rng = np.array([job["rng"]], np.int64)
    stats = np.zeros(4, np.float64)  # loss, pairs, tokens, kept
    touched = np.zeros(syn0.shape[0], np.float64)  # (V,) occurrences read, per word
    train_chunk = native.load().train_chunk
    a_hi, a_lo = job["alpha"]
    if chunks:
        done = job["epoch"] * per_epoch
        total = max(per_epoch * job["epochs"], 1)

        def alpha_at(c, end):  # the single-process rule, on this slot's share of the corpus
            pos = (c.sent1 if end else c.sent0) if by_sent else (c.tok1 if end else c.tok0)
            return a_hi - (a_hi - a_lo) * (done + pos) / total

        t = tabs
        for c in chunks:
            tokens, offsets = corpus.shard(c.shard)
            tokens = np.ascontiguousarray(tokens, dtype=np.int32)
            offsets = np.ascontiguousarray(offsets, dtype=np.int64)
            train_chunk(syn0, syn1neg, syn1, tokens, offsets, c.s0, c.s1, t["keep"], t["alias_prob"],
                        t["alias_idx"], t["points"], t["codes"], t["code_lens"], int(p["sg"]),
                        int(p["window"]), int(p["negative"]), int(p["hs"]), alpha_at(c, False),
                        alpha_at(c, True), by_sent, t["sig"], t["logsig"], rng, stats,
                        0, 0)                        # one thread on its own copies: no private rows
            seg = tokens[offsets[c.s0]:offsets[c.s1]]
            touched += np.bincount(seg, minlength=touched.size)
            del tokens, offsets, seg
    trained = touched * tabs["keep"]  # (V,) expected occurrences left after subsampling
    no_hs = np.zeros(syn1.shape[0], np.float64)
    return {"slot": job["slot"], "rng": int(rng[0]), "stats": stats,
            "syn0": _changed(start[0], syn0, trained), "syn1neg": _changed(start[1], syn1neg, trained),
            "syn1": _changed(start[2], syn1, no_hs)}


def forget_run(token):
    """Remove this worker's shards of run `token`; returns how many slots were dropped."""
    keys = [k for k in _LOCAL if k[0] == token]
    for k in keys:
        _LOCAL.pop(k).close()
    return len(keys)


def worker_pid():
    """This worker process's id (tests use it to stop one)."""
    return os.getpid()
