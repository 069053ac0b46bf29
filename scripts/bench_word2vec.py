"""Benchmark: embed's Word2Vec against gensim 4.4.0 (compiled), side by side (BENCHMARKS.md section 1).

    python scripts/bench_word2vec.py                 # full: SG+CBOW, workers 1 and 2, 3 seeds
    python scripts/bench_word2vec.py --quick         # 1 epoch, 1 seed: a short dev run
    python scripts/bench_word2vec.py --corpus big.txt   # quality on 5M+ words (corpora/README.md)

Protocol
- Corpus: $EMBED_DATA/wiki_sample.txt (or --corpus).  Both sides train on the very same
  sentences: the corpus is encoded once per run by `embed.text.corpus.encode_corpus`
  (regexp tokenizer, lower-case, lines longer than 10,000 tokens split); gensim gets
  those sentences as lists of words.  Vocabulary building is EXCLUDED from both timings:
  ours times `Word2Vec.fit(encoded_corpus)`, gensim times `Word2Vec.train(...)` after
  `build_vocab`.
- Settings, identical on both sides: dim 100, window 5, negative 5, sample 1e-3,
  min_count 5, 5 epochs, seed s; skip-gram and CBOW; workers 1 and 2; start learning
  rate our default for the mode (skip-gram 0.035, CBOW 0.07), given to gensim too
  (gensim's default would be 0.025; the whole-process table below gives gensim its
  own 0.025 for skip-gram and 0.05 for CBOW), decaying linearly to 0.0001 with the
  share of sentences trained (gensim's rule when given total_examples; ours runs with
  alpha_decay="sentences" here, where its default counts tokens); input vectors
  initialised uniform in (-1, 1) / dim on both sides (gensim's init, our default).
- Speed: raw corpus words (all tokens, including words under min_count) x epochs /
  training wall seconds.  Numba kernels are compiled (or loaded from the cache) by a
  warm-up fit on a tiny corpus before timing: compilation is NOT included.
- Kernels: ours run the ahead-of-time compiled module (embed/word2vec/native.py, built
  once per machine; $EMBED_KERNELS=jit measures the Numba JIT instead); the table
  header says which ran and whether Numba was loaded in the training process.
- Memory: every (side, setting, seed) runs in its own subprocess; peak RSS is that
  process's VmHWM (it includes the interpreter, imports, corpus and model), read at
  the end of training (table) and again after taking the vectors out (`model.wv`: ours
  copies the input vectors into a KeyedVectors, gensim's already are one; footnote).
- Quality, both sides evaluated the same way after exporting to gensim KeyedVectors:
  gensim's evaluate_word_analogies (3CosAdd, questions-words.txt) and
  evaluate_word_pairs (WordSim353, SimLex-999 Spearman); 3CosMul accuracy from
  embed's KeyedVectors.evaluate_analogies on both sides.
- Each cell is the median over --seeds runs; ratios are ours / gensim of the medians.

Whole process (``--whole``): every trainer as a user runs it, from launch to exit,
vocabulary building and saving included, on the raw corpus file: ``embed train``,
gensim's ``corpus_file`` mode, and the optional peers: fastText through its pip
package (``--fasttext``; subwords off, minn=0 maxn=0: plain word2vec, its own
learning rate 0.05), and trainer binaries you built (``--c-tool PATH``: the
word2vec C tool; ``--pword2vec PATH``: Intel's pWord2Vec, skip-gram only, repeat it
for several builds, e.g. with BLAS and with its plain loops; never committed).  Both
binaries take the same options (-train -output -size -window -negative -sample
-min-count -iter -threads -binary; the C tool also -cbow/-hs, pWord2Vec -batch-size).
Each row: wall seconds, training words/s (raw words x epochs / wall), peak RSS (GNU
time's %M, else the child's ru_maxrss), the quality figures and their ratios against
gensim (the saved vectors, evaluated as above): seconds as the minimum and the median over
--seeds runs, quality as the mean over them, and gensim's time over each trainer's.
``--trainers embed,gensim`` runs a subset (so a long table can be split into runs of
a few minutes); ``--jsonl FILE`` appends every run to FILE.  The C tools split on
whitespace only, so give every trainer a corpus tokenized once (lower-case words
separated by spaces) to compare them on the same tokens.

    python scripts/bench_word2vec.py --whole --fasttext --c-tool ~/src/word2vec/word2vec

Kernel grid (``--grid``): what bounds our kernels.  Training-only words/s for dim
50/100/300 x window 2/5/10, one thread, one epoch, with per kept centre word the
arithmetic (grows with window x dim) and the random output rows read and written
(grows with dim only: the noise words are shared by the window).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

SETTINGS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5)


def data_file(name, args):
    folder = os.environ.get("EMBED_DATA", "")
    path = os.path.join(folder, name) if folder else ""
    if path and os.path.exists(path):
        return path
    from embed.data import find
    found = find(name)
    if not found:
        sys.exit(f"bench_word2vec: cannot find {name}: set EMBED_DATA or pass --corpus")
    return found


# ------------------------------------------------------------------ child side
def peak_mb():
    """This process's peak resident set size in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork + exec, so a child would
    report at least the parent's size at the fork."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(args):
    from embed.text.corpus import encode_corpus

    corpus = encode_corpus(args.corpus, min_count=SETTINGS["min_count"], max_words=10000)
    sg = args.mode == "sg"
    if args.side == "ours":
        from embed.word2vec.model import Word2Vec

        warm = encode_corpus([["a", "b", "c", "d"]] * 50, min_count=1)  # compile / load cache
        Word2Vec(vector_size=8, sg=sg, min_count=1, epochs=1).fit(warm)
        model = Word2Vec(**SETTINGS, sg=sg, epochs=args.epochs, workers=args.workers, seed=args.seed,
                         alpha_decay="sentences", progress=False)  # gensim's decay rule here
        base_mb = peak_mb()
        t0 = time.perf_counter()
        model.fit(corpus)
        seconds = time.perf_counter() - t0
        train_mb = peak_mb()
        words, vectors = model.wv.index_to_key, model.wv.vectors
        from embed.word2vec import native
        extra = {"loss": model.epoch_loss_, "kernels": native.load().name,
                 "numba_loaded": "numba" in sys.modules}
    else:
        from gensim.models import Word2Vec as GensimW2V
        from gensim.models.word2vec import FAST_VERSION

        assert FAST_VERSION >= 0, "gensim is not compiled"
        vocab_words = corpus.vocab.words
        tok, off = corpus.tokens, corpus.offsets
        sentences = [[vocab_words[i] for i in tok[off[s]:off[s + 1]]] for s in range(len(off) - 1)]
        from embed.word2vec.model import Word2Vec

        # the same start learning rate as ours (gensim's default is 0.025)
        model = GensimW2V(**SETTINGS, sg=int(sg), epochs=args.epochs, workers=args.workers,
                          seed=args.seed, alpha=Word2Vec(sg=sg).start_alpha)
        base_mb = peak_mb()
        model.build_vocab(sentences)
        t0 = time.perf_counter()
        model.train(sentences, total_examples=model.corpus_count, epochs=args.epochs)
        seconds = time.perf_counter() - t0
        train_mb = peak_mb()
        words, vectors = list(model.wv.index_to_key), model.wv.vectors
        extra = {}
    rss_mb = peak_mb()  # after exporting the vectors, before evaluation (not part of training)
    result = {"words_per_sec": corpus.raw_words * args.epochs / seconds, "seconds": seconds,
              "train_mb": train_mb, "rss_mb": rss_mb, "base_mb": base_mb, "vocab": len(words), **extra,
              **evaluate(words, vectors, args)}
    print(json.dumps(result))


def evaluate(words, vectors, args):
    import logging

    import numpy as np
    from gensim.models import KeyedVectors as GKV

    from embed.vectors.keyedvectors import KeyedVectors

    logging.disable(logging.WARNING)
    g = GKV(vectors.shape[1])
    g.add_vectors(list(words), np.asarray(vectors, np.float32))
    add, _ = g.evaluate_word_analogies(args.analogies)
    ws = g.evaluate_word_pairs(args.ws353)[1][0]
    sl = g.evaluate_word_pairs(args.simlex)[1][0]
    mul = KeyedVectors(list(words), vectors).evaluate_analogies(args.analogies)["cosmul_accuracy"]
    return {"analogy": float(add), "analogy_mul": float(mul), "ws353": float(ws), "simlex": float(sl)}


# ------------------------------------------------------------------ parent side
def run_child(side, mode, workers, seed, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", side, "--mode", mode,
           "--workers", str(workers), "--seed", str(seed), "--epochs", str(args.epochs),
           "--corpus", args.corpus, "--analogies", args.analogies, "--ws353", args.ws353,
           "--simlex", args.simlex]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_word2vec: {side} {mode} workers={workers} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ whole process
FASTTEXT_CHILD = """
import sys, fasttext
corpus, out, sg, epochs, workers, seed = sys.argv[1], sys.argv[2], sys.argv[3] == "sg", *map(int, sys.argv[4:7])
m = fasttext.train_unsupervised(corpus, model="skipgram" if sg else "cbow", dim=100, ws=5, neg=5, t=1e-3,
                                minCount=5, epoch=epochs, thread=workers, minn=0, maxn=0, verbose=0)  # no seed option
with open(out, "w") as f:
    words = m.words
    f.write(f"{len(words)} 100\\n")
    for w in words:
        f.write(w + " " + " ".join(f"{v:.6f}" for v in m.get_word_vector(w)) + "\\n")
"""

GENSIM_FILE_CHILD = """
import sys
from gensim.models import Word2Vec
corpus, out, sg, epochs, workers, seed = sys.argv[1], sys.argv[2], sys.argv[3] == "sg", *map(int, sys.argv[4:7])
m = Word2Vec(corpus_file=corpus, vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, sg=int(sg),
             epochs=epochs, workers=workers, seed=seed, alpha=0.025 if sg else 0.05)
m.wv.save_word2vec_format(out)
"""


def whole_commands(args, mode, workers, seed, out):
    """{trainer name: argv} of every whole-process contender for one setting."""
    sg = mode == "sg"
    common = [args.corpus, out, mode, str(args.epochs), str(workers), str(seed)]
    cmds = {"embed train": [sys.executable, "-m", "embed", "train", args.corpus, "-o", out, "--epochs",
                            str(args.epochs), "--workers", str(workers), "--seed", str(seed)]
            + ([] if sg else ["--cbow"]),
            "gensim corpus_file": [sys.executable, "-c", GENSIM_FILE_CHILD] + common}
    if args.fasttext:
        cmds["fastText (subwords off)"] = [sys.executable, "-c", FASTTEXT_CHILD] + common
    c_opts = ["-train", args.corpus, "-output", out, "-size", "100", "-window", "5", "-negative", "5",
              "-sample", "1e-3", "-min-count", "5", "-iter", str(args.epochs), "-threads", str(workers),
              "-binary", "0"]
    if args.c_tool:
        cmds["word2vec C tool"] = [args.c_tool] + c_opts + ["-cbow", "0" if sg else "1", "-hs", "0"]
    for path in (args.pword2vec or []) if sg else []:
        # pWord2Vec takes the C tool's options minus -cbow/-hs (it is SGNS only), plus its batch size
        cmds[f"pWord2Vec ({os.path.basename(path)})"] = [path] + c_opts + ["-batch-size", "11"]
    if args.trainers:
        wanted = [t.strip().lower() for t in args.trainers.split(",")]
        cmds = {name: cmd for name, cmd in cmds.items() if any(t in name.lower() for t in wanted)}
    return cmds


def run_whole(cmd):
    """(wall seconds, peak RSS MB) of one command, launch to exit.

    Peak RSS through /usr/bin/time when present: a child forked from this (by then
    large) process would inherit its high-water mark in ru_maxrss."""
    timer = ["/usr/bin/time", "-f", "PEAK_RSS_KB %M"] if os.path.exists("/usr/bin/time") else []
    t0 = time.perf_counter()
    proc = subprocess.Popen(timer + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"bench_word2vec: {cmd[0]} failed ({proc.returncode}):\n{err[-2000:]}")
    peaks = [int(line.split()[1]) for line in err.splitlines() if line.startswith("PEAK_RSS_KB ")]
    return seconds, (peaks[-1] if peaks else usage.ru_maxrss) / 1024.0


def read_text_vectors(path):
    import numpy as np
    with open(path, encoding="utf-8", errors="replace") as f:
        n, dim = map(int, f.readline().split())
        words, rows = [], []
        for line in f:
            parts = line.rstrip().split(" ")
            if len(parts) != dim + 1:
                continue
            words.append(parts[0])
            rows.append(np.asarray(parts[1:], dtype=np.float32))
    return words, np.vstack(rows)


def whole_table(args):
    import tempfile
    raw_words = 0
    with open(args.corpus, encoding="utf-8", errors="replace") as f:
        for line in f:
            raw_words += len(line.split())
    print(f"\n## Whole process, launch to exit ({raw_words:,} raw words, {args.epochs} epochs, "
          f"{args.seeds} run(s) each; load average {os.getloadavg()[0]:.1f})\n")
    print("seconds: minimum / median of the runs, words/s at the median; quality: the mean over the runs, "
          "and its ratio to gensim's mean\n")
    print("| mode | threads | trainer | seconds (min / median) | words/s | peak RSS MB | analogy | WS353 ρ "
          "| SimLex ρ | ratios vs gensim (analogy, WS353, SimLex) | gensim's time / this (min / median) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            for workers in (int(w) for w in args.workers.split(",")):
                runs = {}                                   # trainer -> [(seconds, MB, quality)]
                for seed in range(1, args.seeds + 1):
                    for name, cmd in whole_commands(args, mode, workers, seed, os.path.join(tmp, "v.txt")).items():
                        seconds, mb = run_whole(cmd)
                        q = evaluate(*read_text_vectors(os.path.join(tmp, "v.txt")), args)
                        print(f"  whole {mode} w{workers} seed {seed} {name}: {seconds:.1f} s, {mb:.0f} MB, {q}",
                              file=sys.stderr, flush=True)
                        if args.jsonl:
                            with open(args.jsonl, "a") as log:
                                log.write(json.dumps({"mode": mode, "workers": workers, "seed": seed,
                                                      "trainer": name, "seconds": seconds, "rss_mb": mb,
                                                      "raw_words": raw_words, "epochs": args.epochs,
                                                      "corpus": args.corpus, **q}) + "\n")
                        runs.setdefault(name, []).append((seconds, mb, q))

                def summary(rs):                            # (min s, median s, max MB, mean quality)
                    secs = sorted(r[0] for r in rs)
                    mean_q = {k: sum(r[2][k] for r in rs) / len(rs) for k in ("analogy", "ws353", "simlex")}
                    return secs[0], statistics.median(secs), max(r[1] for r in rs), mean_q

                g = summary(runs["gensim corpus_file"]) if "gensim corpus_file" in runs else None
                for name, rs in runs.items():
                    lo, mid, mb, q = summary(rs)
                    ratios = ", ".join(f"{q[k] / g[3][k]:.2f}" if g and g[3][k] else "—"
                                       for k in ("analogy", "ws353", "simlex"))
                    speed = f"{g[0] / lo:.2f}x / {g[1] / mid:.2f}x" if g else "—"
                    print(f"| {mode.upper()} | {workers} | {name} | {lo:.1f} / {mid:.1f} | "
                          f"{fmt_speed(raw_words * args.epochs / mid)} | {mb:.0f} | {q['analogy']:.3f} | "
                          f"{q['ws353']:.3f} | {q['simlex']:.3f} | {ratios} | {speed} |", flush=True)


# ------------------------------------------------------------------ what bounds the kernel
GRID_DIMS, GRID_WINDOWS = (50, 100, 300), (2, 5, 10)


def grid_child(args):
    """Training-only words/s of our kernels for dim x window, one thread, one epoch: one JSON line per cell."""
    import numpy as np

    from embed.text.corpus import encode_corpus
    from embed.word2vec.model import Word2Vec

    corpus = encode_corpus(args.corpus, min_count=SETTINGS["min_count"], max_words=10000)
    counts = np.asarray(corpus.vocab.counts, np.float64)
    f = counts / counts.sum()
    keep = np.minimum(1.0, np.sqrt(SETTINGS["sample"] / f) + SETTINGS["sample"] / f)
    kept = float((counts * keep).sum())  # expected centre words per epoch after subsampling
    warm = encode_corpus([["a", "b", "c", "d"]] * 50, min_count=1)
    for sg in (True, False):
        Word2Vec(vector_size=8, sg=sg, min_count=1, epochs=1).fit(warm)
    for mode in args.modes.split(","):
        for dim in GRID_DIMS:
            for window in GRID_WINDOWS:
                model = Word2Vec(**{**SETTINGS, "vector_size": dim, "window": window}, sg=mode == "sg",
                                 epochs=1, workers=1, seed=args.seed, progress=False)
                t0 = time.perf_counter()
                model.fit(corpus)
                seconds = time.perf_counter() - t0
                print(json.dumps({"mode": mode, "dim": dim, "window": window, "seconds": seconds,
                                  "raw_words": corpus.raw_words, "kept": kept, "vocab": len(counts)}), flush=True)


def grid_table(args):
    """dim x window table with the arithmetic and the random-row bytes per kept centre word.

    Per kept centre word, with M context words (a reduced window b drawn uniformly
    from 1..window gives M = window + 1 on average, fewer at sentence edges) and
    K = negative noise words shared by the window (HogBatch):
    - arithmetic, skip-gram: the M x (1+K) logits, the input gradients and the
      output gradients are three products of 2*M*(1+K)*dim flops each:
      6*M*(1+K)*dim; CBOW: one hidden vector (the mean of M rows, then M row
      updates: 3*M*dim) against 1+K outputs (6*(1+K)*dim);
    - random rows: the 1+K output rows (centre and noise words) are read and
      written once per centre, 2*(1+K)*dim*4 bytes; the context rows slide with
      the window (each enters once per centre: 2*dim*4 bytes) and stay in cache.
    """
    cmd = [sys.executable, os.path.abspath(__file__), "--grid-child", "--corpus", args.corpus,
           "--modes", args.modes, "--seed", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_word2vec: grid failed:\n{out.stderr[-3000:]}")
    cells = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    k = SETTINGS["negative"]
    print(f"\n## Kernel grid: training only, 1 thread, 1 epoch, negative {k}, sample 1e-3 "
          f"({cells[0]['raw_words']:,} raw words, {cells[0]['kept']:,.0f} kept after subsampling, "
          f"vocabulary {cells[0]['vocab']:,}; load average {os.getloadavg()[0]:.1f})\n")
    print("| mode | dim | window | seconds | raw words/s | kept centres/s | ns per centre | ns per centre "
          "per (context x dim) | GFLOP/s | random-row GB/s (2·(2+K)·dim·4 B) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in cells:
        m = c["window"] + 1
        centres = c["kept"] / c["seconds"]
        ns = 1e9 / centres
        per_centre = 6 * m * (1 + k) if c["mode"] == "sg" else 6 * (1 + k) + 3 * m
        flops = per_centre * c["dim"] * centres
        row_bytes = 2 * (2 + k) * c["dim"] * 4 * centres
        print(f"| {c['mode'].upper()} | {c['dim']} | {c['window']} | {c['seconds']:.2f} | "
              f"{fmt_speed(c['raw_words'] / c['seconds'])} | {fmt_speed(centres)} | {ns:.0f} | "
              f"{ns / (m * c['dim']):.2f} | {flops / 1e9:.1f} | {row_bytes / 1e9:.2f} |", flush=True)


def fmt_speed(x):
    return f"{x / 1e3:.0f}k"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=None, help="text corpus (default $EMBED_DATA/wiki_sample.txt)")
    ap.add_argument("--seeds", type=int, default=3, help="runs per cell; the table shows medians")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--modes", default="sg,cbow")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--quick", action="store_true", help="1 epoch, 1 seed (dev run, not for claims)")
    ap.add_argument("--analogies", default=None)
    ap.add_argument("--ws353", default=None)
    ap.add_argument("--simlex", default=None)
    ap.add_argument("--whole", action="store_true",
                    help="whole-process table: embed train, gensim corpus_file and the optional peers")
    ap.add_argument("--only-whole", action="store_true", help="skip the training-only table")
    ap.add_argument("--fasttext", action="store_true", help="whole process: add fastText (pip package)")
    ap.add_argument("--c-tool", default=None, metavar="PATH", help="whole process: the word2vec C tool binary")
    ap.add_argument("--pword2vec", action="append", metavar="PATH",
                    help="whole process: a pWord2Vec binary (SG only; repeat for several builds)")
    ap.add_argument("--trainers", default=None, metavar="LIST",
                    help="whole process: run only the trainers whose names contain one of these "
                         "comma-separated words (e.g. embed,gensim); ratios need gensim in the run")
    ap.add_argument("--jsonl", default=None, metavar="FILE", help="whole process: append every run as JSON")
    ap.add_argument("--grid", action="store_true",
                    help="only the kernel grid: our training words/s for dim 50/100/300 x window 2/5/10, "
                         "1 thread, 1 epoch, with the arithmetic and random-row traffic per word")
    ap.add_argument("--grid-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child", choices=["ours", "gensim"], help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="sg", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.corpus = args.corpus or data_file("wiki_sample.txt", args)
    args.analogies = args.analogies or data_file("questions-words.txt", args)
    args.ws353 = args.ws353 or data_file("wordsim353.tsv", args)
    args.simlex = args.simlex or data_file("simlex999.txt", args)
    if args.grid_child:
        return grid_child(args)
    if args.child:
        args.side = args.child
        args.workers = int(args.workers)
        return child(args)
    if args.quick:
        args.epochs, args.seeds = 1, 1

    from importlib.metadata import version
    from bench_env import header
    print(f"# word2vec benchmark: embed vs gensim {version('gensim')}")
    print(header(with_torch=False))
    if args.grid:
        return grid_table(args)
    if args.only_whole:
        return whole_table(args)
    print(f"corpus {args.corpus}, {args.epochs} epochs, {args.seeds} seed(s), dim 100, window 5, "
          f"negative 5, sample 1e-3, min_count 5; vocab building excluded from both timings, "
          f"Numba compile excluded (warmed up); medians over seeds; quality by gensim's evaluators "
          f"(3CosMul by embed's) on both sides\n", flush=True)
    rows = []
    backend = None
    for mode in args.modes.split(","):
        for workers in (int(w) for w in args.workers.split(",")):
            res = {"ours": [], "gensim": []}
            for seed in range(1, args.seeds + 1):
                for side in ("gensim", "ours"):
                    r = run_child(side, mode, workers, seed, args)
                    res[side].append(r)
                    if side == "ours":
                        backend = f"{r['kernels']} kernels, Numba {'loaded' if r['numba_loaded'] else 'not loaded'}"
                    print(f"  {mode} workers={workers} seed={seed} {side:6s}: "
                          f"{fmt_speed(r['words_per_sec'])} words/s, {r['train_mb']:.0f} MB "
                          f"(before training {r['base_mb']:.0f} MB, with vectors exported "
                          f"{r['rss_mb']:.0f} MB), "
                          f"analogy {r['analogy']:.4f}/{r['analogy_mul']:.4f}, "
                          f"WS353 {r['ws353']:.3f}, SimLex {r['simlex']:.3f}", file=sys.stderr, flush=True)
            med = {side: {k: statistics.median(r[k] for r in rs)
                          for k in ("words_per_sec", "train_mb", "rss_mb", "analogy", "analogy_mul", "ws353", "simlex")}
                   for side, rs in res.items()}
            for side in res:
                med[side]["base_mb"] = statistics.median(r["base_mb"] for r in res[side])
            rows.append((mode, workers, med))

    print(f"ours: {backend}\n")
    print("| mode | workers | words/s ours | gensim | ratio | peak RSS MB (training) ours | gensim | ratio "
          "| analogy 3CosAdd ours | gensim | ratio | 3CosMul ours | gensim | ratio "
          "| WS353 ρ ours | gensim | ratio | SimLex ρ ours | gensim | ratio |")
    print("|" + "---|" * 20)
    for mode, workers, med in rows:
        o, g = med["ours"], med["gensim"]
        cells = [mode.upper(), str(workers)]
        for key, f in (("words_per_sec", fmt_speed), ("train_mb", "{:.0f}".format),
                       ("analogy", "{:.4f}".format), ("analogy_mul", "{:.4f}".format),
                       ("ws353", "{:.3f}".format), ("simlex", "{:.3f}".format)):
            ratio = o[key] / g[key] if g[key] else float("nan")
            cells += [f(o[key]), f(g[key]), f"**{ratio:.2f}**"]
        print("| " + " | ".join(cells) + " |")
    print("\nPeak RSS before training (interpreter, imports, encoded corpus; ours after loading its "
          "kernels: with EMBED_KERNELS=jit that includes Numba's runtime), medians: "
          + "; ".join(f"{m.upper()} w{w}: ours {med['ours']['base_mb']:.0f} MB, gensim "
                      f"{med['gensim']['base_mb']:.0f} MB" for m, w, med in rows))
    print("Peak RSS after exporting the vectors (model.wv), medians: "
          + "; ".join(f"{m.upper()} w{w}: ours {med['ours']['rss_mb']:.0f} MB, gensim "
                      f"{med['gensim']['rss_mb']:.0f} MB" for m, w, med in rows))
    if args.whole:
        whole_table(args)


if __name__ == "__main__":
    main()
