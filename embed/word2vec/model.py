"""`Word2Vec`: the training driver around the Numba kernels (`chunk_kernel.train_chunk`).

The kernels run either ahead-of-time compiled (`native.py`, the default: no
Numba in the training process) or jitted; both give the same numbers.

The driver owns everything that is not arithmetic: it encodes the corpus
(`embed.text.corpus.encode_corpus`), builds the tables the kernels read
(subsampling keep probabilities, the noise alias table, the Huffman tree),
allocates the weights, cuts the corpus into chunks of sentences, hands chunks
to `workers` threads of the shared pool (`embed.parallel`; each calls
`train_chunk` with the GIL released, Hogwild over the shared matrices,
with its own RNG state; with two or more threads the most frequent words
train on each thread's own copies of their rows, `hot_rows`), schedules the
learning rate, reports progress and calls the epoch callbacks.

Learning rate: linear decay over the whole planned training (all epochs of a
`fit` call), ``alpha_t = alpha - (alpha - min_alpha) * t / T``.  With
``alpha_decay="sentences"`` (gensim's rule when it knows the number of
sentences) ``t`` counts the sentences trained so far and ``T`` is sentences per
epoch * epochs, the rate being held through each sentence; with ``"words"``
(the default, word2vec.c's rule) ``t`` counts in-vocabulary tokens.  The two
agree when sentence lengths do not drift through the corpus; when they do, as
in a corpus whose long articles come first, the sentence rule keeps the rate
higher for more of the words (docs/benchmarks.md has the effect on
similarity scores).
Each chunk gets its start/end rate from its fixed position in that schedule,
so the schedule does not depend on thread timing.

Loss: the mean negative log-likelihood per training pair; skip-gram has one
pair per (context word, centre word), CBOW one per centre word.  Threads sum
loss and pair counts separately and the driver divides, so the figure is the
same whatever the number of workers.

Callbacks: each item of `callbacks` is either a callable ``cb(model, epoch,
loss)`` or an object with a method ``on_epoch_end(model, epoch, loss)``; it is
called after every epoch with the number of epochs done so far (1, 2, ...) and
that epoch's mean loss.  `Checkpoint(path)` is one that saves the model.
"""
import itertools
import json
import math
import threading
import time

import numpy as np

from .. import parallel
from ..errors import EmbedError
from ..fileio import atomic_write, check_readable, open_seekable
from ..progress import bar
from . import hot_rows, native, tables
from .chunks import OpenShards
from .chunks import plan as plan_chunks

_FORMAT = "embed.word2vec"


class Checkpoint:
    """Epoch callback that saves the full model to `path` every `every` epochs (atomically)."""

    def __init__(self, path, every=1):
        if int(every) < 1:
            raise EmbedError(f"Checkpoint: every must be at least 1 epoch, got {every}")
        self.path = path
        self.every = every

    def on_epoch_end(self, model, epoch, loss):
        if epoch % self.every == 0:
            model.save(self.path)


class Word2Vec:
    """Skip-gram / CBOW word2vec with negative sampling or hierarchical softmax.

    Parameters (stored untouched; checked by `fit`)
    ----------
    vector_size : int, dimension of the word vectors
    window : int, maximum distance between a centre word and its context words
        (each centre draws its reduced window uniformly in 1..window)
    negative : int, noise words per positive example (0 = no negative sampling)
    hs : bool, also train hierarchical softmax (Huffman tree over the vocabulary)
    sg : bool, True skip-gram, False CBOW (mean of the context vectors)
    min_count, max_vocab_size : vocabulary limits (see `embed.text.vocab.Vocab`)
    sample : float, subsampling threshold t; keep prob of a word sqrt(t/f) + t/f
    alpha : float or None, initial learning rate (None: 0.035 for skip-gram, 0.07 for CBOW).
        Skip-gram: on a 5M-word corpus (3 seeds, 1 thread, decay by words) 0.035 scored
        3CosAdd 0.127, 3CosMul 0.108, WordSim353 0.619, SimLex 0.377, at least gensim's
        (0.025: 0.119, 0.107, 0.530, 0.332) on all four; fastText's 0.05 gave WS353 0.66 and
        SimLex 0.39 but 3CosMul 0.097 (the trade-off; on a 0.8M-word corpus 0.05 also keeps
        WS353 0.38 where 0.035 gives 0.28: pass alpha=0.05 for word similarity).  CBOW:
        0.07 beat 0.05 on all four scores on both corpora (5M words, 3 seeds, 1 thread:
        analogies 0.131 -> 0.134 and 0.092 -> 0.095, WS353 0.572 -> 0.611, SimLex 0.298 -> 0.324),
        while 0.085 and 0.1 lost analogies; see docs/benchmarks.md
    min_alpha : float, learning rate at the end of the planned training
    epochs : int, passes over the corpus per `fit`
    workers : int, training threads
    seed : int, seeds the initial vectors and the per-thread RNGs
    ns_exponent : float, noise distribution count**ns_exponent
    tokenizer, lowercase : how text sources are tokenized
    callbacks : sequence of epoch callbacks (see the module docstring)
    progress : bool or None, progress bar (None: only on a terminal)
    batch_words : int, tokens per chunk handed to a thread
    alpha_decay : "words" or "sentences", what the linear learning-rate decay counts
        (see the module docstring; "words" is word2vec.c's rule, "sentences" gensim's); the
        default "words" lifted skip-gram's analogies at 0.035 (3CosAdd 0.124 -> 0.127, 3CosMul
        0.106 -> 0.108, 3 seeds) with similarity equal, and left CBOW at 0.07 level
    init_range : float, input vectors start uniform in (-init_range, init_range) / vector_size;
        1.0 is gensim's init, 0.5 word2vec.c's; the wider one is the default because it
        gave better analogies on the benchmark corpus (see docs/benchmarks.md).

    Fitted attributes: `vocab_`, `syn0_` (input vectors), `syn1neg_` (negative
    sampling outputs), `syn1_` (hierarchical softmax inner nodes), `epoch_loss_`,
    `epochs_done_`, `words_per_sec_`, `train_seconds_`; `wv` gives the
    `KeyedVectors`.
    """

    def __init__(self, vector_size=100, window=5, negative=5, hs=False, sg=True, min_count=5,
                 max_vocab_size=None, sample=1e-3, alpha=None, min_alpha=0.0001, epochs=5,
                 workers=1, seed=1, ns_exponent=0.75, tokenizer="regexp", lowercase=True,
                 callbacks=(), progress=None, batch_words=10000, init_range=1.0, alpha_decay="words"):
        self.vector_size = vector_size
        self.window = window
        self.negative = negative
        self.hs = hs
        self.sg = sg
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.workers = workers
        self.seed = seed
        self.ns_exponent = ns_exponent
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.callbacks = callbacks
        self.progress = progress
        self.batch_words = batch_words
        self.init_range = init_range
        self.alpha_decay = alpha_decay
        self._wv = None

    _PARAMS = ("vector_size", "window", "negative", "hs", "sg", "min_count", "max_vocab_size",
               "sample", "alpha", "min_alpha", "epochs", "workers", "seed", "ns_exponent",
               "tokenizer", "lowercase", "batch_words", "init_range", "alpha_decay")

    def get_params(self):
        """The constructor arguments that define the model (not callbacks/progress)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    def __repr__(self):
        kind = "skip-gram" if self.sg else "CBOW"
        n = len(self.vocab_) if hasattr(self, "vocab_") else "unfitted"
        return f"Word2Vec<{kind}, vector_size={self.vector_size}, vocab={n}>"

    @property
    def start_alpha(self):
        if self.alpha is not None:
            return float(self.alpha)
        return 0.035 if self.sg else 0.07

    # ------------------------------------------------------------ validation
    def check_params(self):
        """Raise a one-line EmbedError for any hyper-parameter out of range."""
        def integer(name, low):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise EmbedError(f"{name} must be an integer >= {low}, got {v!r}")

        def number(name, low, high=math.inf, open_high=False):
            v = getattr(self, name)
            ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            if not ok or not math.isfinite(v) or v < low or v > high or (open_high and v == high):
                rng = f"[{low}, {high})" if open_high else f"[{low}, {high}]"
                raise EmbedError(f"{name} must be a number in {rng}, got {v!r}")

        integer("vector_size", 1)
        integer("window", 1)
        integer("negative", 0)
        integer("min_count", 0)
        integer("epochs", 1)
        integer("workers", 1)
        integer("seed", 0)
        integer("batch_words", 1)
        if self.max_vocab_size is not None:
            integer("max_vocab_size", 1)
        number("sample", 0.0, 1.0, open_high=True)
        number("min_alpha", 0.0)
        number("ns_exponent", -10.0, 10.0)
        number("init_range", 0.0)
        if self.init_range <= 0:
            raise EmbedError(f"init_range must be positive, got {self.init_range!r}")
        if self.alpha is not None:
            number("alpha", 0.0)
            if self.alpha <= 0:
                raise EmbedError(f"alpha must be positive, got {self.alpha!r}")
        if self.min_alpha > self.start_alpha:
            raise EmbedError(f"min_alpha ({self.min_alpha}) must not exceed alpha ({self.start_alpha})")
        if self.alpha_decay not in ("sentences", "words"):
            raise EmbedError(f"alpha_decay must be 'sentences' or 'words', got {self.alpha_decay!r}")
        if self.negative == 0 and not self.hs:
            raise EmbedError("nothing to train: set negative > 0 or hs=True")
        if self.negative > 1000:
            raise EmbedError(f"negative must be at most 1000, got {self.negative}", params=("negative",))
        for cb in self.callback_list():
            if not (callable(cb) or hasattr(cb, "on_epoch_end")):
                raise EmbedError(f"callback {cb!r} is neither callable nor has on_epoch_end")

    # ------------------------------------------------------------ data
    def _encode(self, source):
        """Source -> an encoded corpus in this model's vocabulary (`n_shards`, `shard(i)`, `raw_words`).

        A path is encoded to shards on disk (memory-mapped while training); an
        iterable in memory.  After the first fit, text is encoded with the
        model's own vocabulary (unknown words dropped).
        """
        from ..text.corpus import EncodedCorpus, encode_corpus

        first = not hasattr(self, "vocab_")
        if hasattr(source, "shard") and hasattr(source, "vocab"):  # already encoded
            corpus = source
        else:
            corpus = encode_corpus(source, tokenizer=self.tokenizer, lowercase=self.lowercase,
                                   min_count=self.min_count, max_vocab_size=self.max_vocab_size,
                                   vocab=None if first else self.vocab_, progress=self.progress,
                                   kernels=self._kernels())
        if first:
            self.vocab_ = corpus.vocab
        elif corpus.vocab is not self.vocab_ and corpus.vocab.words != self.vocab_.words:
            if not isinstance(corpus, EncodedCorpus):
                raise EmbedError("the corpus was encoded with another vocabulary: encode it with "
                                 "encode_corpus(..., vocab=model.vocab_)")
            # continue training on new ids: map them to ours, drop unknown words
            tokens = np.asarray(corpus.tokens, dtype=np.int32)  # (n_tokens,)
            index = self.vocab_.index
            new_to_ours = np.array([index.get(w, -1) for w in corpus.vocab.words], np.int64)
            ids = new_to_ours[tokens]  # (n_tokens,)
            known = ids >= 0
            kept_before = np.concatenate([[0], np.cumsum(known)])  # (n_tokens+1,)
            corpus = EncodedCorpus(self.vocab_, ids[known].astype(np.int32),
                                   kept_before[corpus.offsets].astype(np.int64), corpus.raw_words)
        if corpus.n_tokens == 0:
            raise EmbedError("no word of the corpus is in the model's vocabulary")
        if isinstance(corpus, EncodedCorpus):  # a ShardedCorpus is checked when opened
            tokens = corpus.tokens
            if tokens.min() < 0 or tokens.max() >= len(self.vocab_):
                raise EmbedError("corpus word ids do not match the model's vocabulary")
        elif len(corpus.vocab) != len(self.vocab_):
            raise EmbedError("corpus word ids do not match the model's vocabulary")
        return corpus

    def init_weights(self):
        """word2vec init: inputs uniform in (-r, r) / dim (r = init_range), outputs zero."""
        V, D = len(self.vocab_), self.vector_size
        if self.hs and V < 2:
            raise EmbedError("hierarchical softmax needs at least 2 words in the vocabulary")
        rng = np.random.default_rng(self.seed)
        r = np.float32(self.init_range)
        self.syn0_ = (rng.random((V, D), dtype=np.float32) * (2 * r) - r) / np.float32(D)  # (V, D)
        self.syn1neg_ = np.zeros((V, D), np.float32)  # (V, D) negative-sampling outputs
        self.syn1_ = np.zeros((V - 1 if self.hs else 1, D), np.float32)  # Huffman inner nodes
        self.rng_ = np.array([tables.seed_state(self.seed, t)[0] for t in range(self.workers)], np.int64)
        self.epoch_loss_ = []
        self.epochs_done_ = 0
        self.plan_ = (0, 0)  # (epochs done in the current plan, epochs planned)
        self.words_per_sec_ = 0.0
        self.train_seconds_ = 0.0

    @staticmethod
    def _kernels():
        """train_chunk / alias_table / huffman_tree from the backend $EMBED_KERNELS picks (native.py)."""
        return native.load()

    def kernel_tables(self):
        """Subsampling, noise and Huffman tables for the kernels (rebuilt per fit, cheap)."""
        keep = np.ascontiguousarray(self.vocab_.keep_probs(self.sample), np.float32)  # (V,)
        counts = np.asarray(self.vocab_.counts, np.float64)
        noise = np.power(counts, float(self.ns_exponent))
        prob, alias = self._kernels().alias_table(noise / noise.sum())  # (V,), (V,)
        if self.hs:
            order = np.argsort(-np.asarray(self.vocab_.counts), kind="stable")
            counts_sorted = np.asarray(self.vocab_.counts, np.int64)[order]  # (V,) descending
            points, codes, lens = self._kernels().huffman_tree(counts_sorted)
            inverse = np.empty_like(order)
            inverse[order] = np.arange(order.size)
            points, codes, lens = points[inverse], codes[inverse], lens[inverse]
        else:
            points, codes = np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int8)
            lens = np.zeros(len(self.vocab_), np.int32)
        sig, logsig = tables.make_tables()
        c = np.ascontiguousarray
        return dict(keep=keep, alias_prob=c(prob), alias_idx=c(alias), points=c(points),
                    codes=c(codes), code_lens=c(lens), sig=sig, logsig=logsig)

    # ------------------------------------------------------------ training
    def fit(self, source, epochs=None, client=None, **cluster_options):
        """Train on `source` (path, iterable of sentences, or EncodedCorpus); returns self.

        The first call builds the vocabulary and initialises the weights.  Later
        calls continue training (the vocabulary stays fixed; unknown words are
        skipped): with `epochs` given, a new plan of that many epochs (learning
        rate decaying again from alpha); with `epochs=None`, a plan interrupted
        by a checkpoint is resumed where it stopped, else `self.epochs` more.

        With a Dask `client`, trains on its cluster instead (`source` a file,
        folder or glob every worker can read; `cluster_options` as
        `distributed.fit_on_cluster`).
        """
        if client is not None:
            from .distributed import fit_on_cluster
            return fit_on_cluster(self, source, client, epochs, **cluster_options)
        self.check_params()
        self.planned_epochs(epochs)
        fresh = not hasattr(self, "vocab_")
        corpus = self._encode(source)
        raw_words = int(corpus.raw_words)
        if fresh or not hasattr(self, "syn0_"):
            self.init_weights()
        if self.syn0_.shape != (len(self.vocab_), self.vector_size):
            raise EmbedError("model weights do not match vector_size / vocabulary")
        self.ensure_hs_layer()
        done, planned = self.plan_
        if epochs is not None or done >= planned:
            done, planned = 0, self.planned_epochs(epochs)
        if self.rng_.size < self.workers:  # more threads than before: seed the extra ones
            extra = [tables.seed_state(self.seed + 7919 * self.epochs_done_, t)[0]
                     for t in range(self.rng_.size, self.workers)]
            self.rng_ = np.concatenate([self.rng_, np.array(extra, np.int64)])
        tabs = self.kernel_tables()
        chunks = plan_chunks(corpus, int(self.batch_words))
        n_tokens = corpus.n_tokens

        seconds = 0.0
        raw_trained = 0
        with bar(total=(planned - done) * n_tokens, desc="word2vec", unit="w", show=self.progress) as pbar:
            while done < planned:
                t0 = time.perf_counter()
                loss = self._epoch(corpus, chunks, tabs, done, planned, pbar)
                seconds += time.perf_counter() - t0
                raw_trained += raw_words
                done += 1
                self.record_epoch(done, planned, loss, seconds, raw_trained)
        return self

    # ------------------------------------------------------------ shared by every driver
    def planned_epochs(self, epochs=None):
        """Epochs for one fit: `epochs` if given (a positive integer), else the model's `epochs`."""
        if epochs is None:
            return int(self.epochs)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise EmbedError(f"epochs must be a positive integer, got {epochs!r}")
        return int(epochs)

    def ensure_hs_layer(self):
        """Give hierarchical softmax its (V-1, D) inner-node matrix if `hs` was switched on later."""
        if self.hs and self.syn1_.shape[0] != len(self.vocab_) - 1:
            if len(self.vocab_) < 2:
                raise EmbedError("hierarchical softmax needs at least 2 words in the vocabulary")
            self.syn1_ = np.zeros((len(self.vocab_) - 1, self.vector_size), np.float32)

    def callback_list(self):
        """`callbacks` as a tuple (a single callback may be given bare)."""
        return tuple(self.callbacks) if isinstance(self.callbacks, (list, tuple)) else (self.callbacks,)

    def record_epoch(self, done, planned, loss, seconds, words):
        """Book one finished epoch (plan position, loss, rate over `words` in `seconds`) and call back."""
        self.plan_ = (done, planned)
        self.epochs_done_ += 1
        self.epoch_loss_.append(loss)
        self.train_seconds_ = seconds
        self.words_per_sec_ = words / max(seconds, 1e-9)
        self._wv = None                                    # the cached KeyedVectors are stale now
        for cb in self.callback_list():
            (cb.on_epoch_end if hasattr(cb, "on_epoch_end") else cb)(self, self.epochs_done_, loss)

    def _epoch(self, corpus, chunks, tabs, e, planned, pbar):
        """One pass over the corpus by `workers` threads; returns the mean loss per pair."""
        a_hi, a_lo = self.start_alpha, float(self.min_alpha)
        by_sentence = int(self.alpha_decay == "sentences")
        # progress through the plan counted in sentences (gensim's default) or tokens (word2vec.c)
        per_epoch = float(corpus.n_sentences if by_sentence else corpus.n_tokens)  # sentences or tokens
        total = per_epoch * planned

        def alpha_at(sentences, tokens):  # learning rate after this much of epoch e
            return a_hi - (a_hi - a_lo) * ((e * per_epoch + (sentences if by_sentence else tokens)) / total)

        jobs = [(c.shard, c.s0, c.s1, alpha_at(c.sent0, c.tok0), alpha_at(c.sent1, c.tok1)) for c in chunks]
        V = self.syn0_.shape[0]
        syn0, syn1neg, syn1, hot = hot_rows.weights_with_room(self, self.workers)
        shards = OpenShards(corpus, self.workers + 1)  # a thread's shard stays mapped while it trains
        stats = np.zeros((self.workers, 4), np.float64)  # per thread: loss, pairs, tokens, kept
        next_job = itertools.count()                      # shared cursor (next() is atomic under the GIL)
        stop = threading.Event()                          # set by the pool when a worker fails
        reported = [0.0]
        t = tabs
        train_chunk = self._kernels().train_chunk
        sg, hs = int(bool(self.sg)), int(bool(self.hs))
        window, negative = int(self.window), int(self.negative)

        def report():  # progress, from worker 0 (the calling thread) between its chunks
            seen = stats[:, tables.STAT_WORDS].sum()
            if seen > reported[0]:
                pbar.update(seen - reported[0])
                reported[0] = seen
                pairs = stats[:, tables.STAT_PAIRS].sum()
                if pairs:
                    pbar.set_postfix(epoch=self.epochs_done_ + 1,
                                     loss=f"{stats[:, tables.STAT_LOSS].sum() / pairs:.4f}", refresh=False)

        def work(w):
            rng = self.rng_[w:w + 1]  # this thread's RNG state, advanced in place
            while not stop.is_set():
                i = next(next_job)
                if i >= len(jobs):
                    return
                p, s0, s1, a0, a1 = jobs[i]
                tokens, offsets = shards.get(p)
                train_chunk(syn0, syn1neg, syn1, tokens, offsets, s0, s1,
                            t["keep"], t["alias_prob"], t["alias_idx"], t["points"],
                            t["codes"], t["code_lens"], sg, window, negative, hs, a0, a1, by_sentence,
                            t["sig"], t["logsig"], rng, stats[w], hot, hot_rows.base_row(V, w, hot))
                if not math.isfinite(stats[w, tables.STAT_LOSS]):  # diverged: stop before NaN spreads
                    stop.set()
                    raise self._diverged()
                if w == 0:
                    report()

        parallel.run(work, self.workers, cancel=stop)   # Ctrl-C / errors: all workers stop, then re-raised
        pbar.update(stats[:, tables.STAT_WORDS].sum() - reported[0])
        if not np.isfinite(self.syn0_).all():
            raise self._diverged()
        pairs = stats[:, tables.STAT_PAIRS].sum()
        return float(stats[:, tables.STAT_LOSS].sum() / pairs) if pairs else float("nan")

    def _diverged(self):
        return EmbedError(f"training diverged in epoch {self.epochs_done_ + 1} (the loss became infinite "
                          f"or NaN): alpha={self.start_alpha:g} is too large; try a smaller one",
                          params=("alpha",))

    # ------------------------------------------------------------ results
    @property
    def wv(self):
        """The trained input vectors as `embed.vectors.keyedvectors.KeyedVectors`."""
        if not hasattr(self, "syn0_"):
            raise EmbedError("the model is not trained yet: call fit() first")
        if self._wv is None:
            from ..vectors.keyedvectors import KeyedVectors
            self._wv = KeyedVectors(self.vocab_.words, self.syn0_.copy(), self.vocab_.counts)
        return self._wv

    # ------------------------------------------------------------ checkpoints
    def save(self, path):
        """Write a full checkpoint (weights, vocabulary, settings, progress), atomically."""
        if not hasattr(self, "syn0_"):
            raise EmbedError("the model is not trained yet: nothing to save")
        params = self.get_params()
        if not isinstance(params["tokenizer"], str):  # a callable cannot be stored
            params["tokenizer"] = repr(params["tokenizer"])
        state = {"format": _FORMAT, "version": 1, "params": params,
                 "vocab": self.vocab_.to_dict(), "epoch_loss": self.epoch_loss_,
                 "epochs_done": self.epochs_done_, "plan": list(self.plan_),
                 "words_per_sec": self.words_per_sec_, "train_seconds": self.train_seconds_}
        with atomic_write(path, "wb") as f:
            np.savez(f, syn0=self.syn0_, syn1neg=self.syn1neg_, syn1=self.syn1_,
                     rng=self.rng_, state=np.array(json.dumps(state)))

    @classmethod
    def load(cls, path, callbacks=(), progress=None):
        """Read a checkpoint written by `save`; `fit` on it continues (or resumes) training."""
        from ..text.vocab import Vocab

        check_readable(path, "checkpoint")
        try:
            with open_seekable(path, "checkpoint") as f, np.load(f, allow_pickle=False) as z:
                state = json.loads(str(z["state"]))
                arrays = {k: z[k] for k in ("syn0", "syn1neg", "syn1", "rng")}
            if state.get("format") != _FORMAT:
                raise ValueError("wrong format tag")
            model = cls(**state["params"], callbacks=callbacks, progress=progress)
            model.vocab_ = Vocab.from_dict(state["vocab"], where=f"checkpoint {path}")
        except EmbedError:
            raise
        except Exception as e:
            raise EmbedError(f"{path} is not a readable word2vec checkpoint ({e.__class__.__name__})") from None
        V, D = len(model.vocab_), model.vector_size
        if arrays["syn0"].shape != (V, D) or arrays["syn1neg"].shape != (V, D):
            raise EmbedError(f"checkpoint {path} is corrupt: weight shapes do not match the vocabulary")
        if arrays["syn1"].ndim != 2 or arrays["syn1"].shape[1] != D:
            raise EmbedError(f"checkpoint {path} is corrupt: bad hierarchical-softmax weights")
        model.syn0_, model.syn1neg_, model.syn1_ = (np.ascontiguousarray(arrays[k], np.float32)
                                                    for k in ("syn0", "syn1neg", "syn1"))
        model.rng_ = np.ascontiguousarray(arrays["rng"], np.int64)
        model.epoch_loss_ = [float(x) for x in state["epoch_loss"]]
        model.epochs_done_ = int(state["epochs_done"])
        model.plan_ = tuple(int(x) for x in state["plan"])
        model.words_per_sec_ = float(state["words_per_sec"])
        model.train_seconds_ = float(state["train_seconds"])
        return model
