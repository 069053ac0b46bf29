"""Peak memory of word2vec training as the corpus grows: embed train vs gensim (corpus_file, LineSentence).

    EMBED_DATA=/data python scripts/bench_scale.py                 # 1x, 4x, 16x of wiki_sample, 1 epoch
    python scripts/bench_scale.py --corpus big.txt --scales 1,4 --epochs 2

What it does:
- Tokenizes the corpus once with embed's default tokenizer (regexp, lower-case) and
  writes it space-separated, so all three trainers see the very same tokens; then
  writes 1x, 4x, 16x ... concatenated copies into a scratch folder (removed at the end).
- Trains on each in a fresh child process and reads the child's own VmHWM (peak
  resident set: interpreter, imports, vocabulary, model and whatever holds the
  corpus) just before it exits:
  * embed:             ``embed train FILE -o OUT`` (the command line, in process)
  * gensim corpus_file: ``Word2Vec(corpus_file=FILE)``
  * gensim LineSentence: ``Word2Vec(LineSentence(FILE))``
  Same settings everywhere: dim 100, window 5, 5 negatives, sample 1e-3, and
  min_count 5 x copies, so every scale has the same vocabulary (with a fixed
  min_count, k copies admit every word seen 5/k times, and the model, not the
  corpus, grows).
- Prints a table of peak RSS and words/s, the growth 1x -> largest, and (with
  --throughput) embed's 1 -> 2 worker scaling on the 4x file.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

DIM, WINDOW, NEGATIVE, MIN_COUNT, SAMPLE = 100, 5, 5, 5, 1e-3  # min_count per copy of the corpus


def peak_mb():
    """This process's peak resident set (VmHWM) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


# ------------------------------------------------------------------ child side
def child(side, path, epochs, workers, min_count):
    t0 = time.perf_counter()
    if side == "embed":
        import contextlib
        import io

        from embed.cli import main as embed_main

        out = os.path.join(os.path.dirname(path), "vectors.vec")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            code = embed_main(["train", path, "-o", out, "--dim", str(DIM), "--window", str(WINDOW),
                               "--negative", str(NEGATIVE), "--min-count", str(min_count),
                               "--sample", str(SAMPLE), "--epochs", str(epochs),
                               "--workers", str(workers), "--json"])
        if code:
            sys.exit(f"embed train failed with {code}")
        result = json.loads(buf.getvalue().strip().splitlines()[-1])
        wps = result["words_per_sec"]
    else:
        import logging

        from gensim.models import Word2Vec
        from gensim.models.word2vec import FAST_VERSION, LineSentence

        assert FAST_VERSION >= 0, "gensim is not compiled"
        logging.disable(logging.WARNING)
        kw = dict(vector_size=DIM, window=WINDOW, negative=NEGATIVE, min_count=min_count,
                  sample=SAMPLE, epochs=epochs, workers=workers, seed=1)
        if side == "gensim-file":
            model = Word2Vec(corpus_file=path, **kw)
        else:
            model = Word2Vec(LineSentence(path), **kw)
        wps = model.corpus_total_words * epochs / max(model.total_train_time, 1e-9)
    print(json.dumps({"peak_mb": peak_mb(), "words_per_sec": wps,
                      "seconds": time.perf_counter() - t0}))


# ------------------------------------------------------------------ parent side
def run_child(side, path, epochs, workers, copies):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", side, "--file", path,
           "--epochs", str(epochs), "--workers", str(workers), "--min-count", str(MIN_COUNT * copies)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench_scale: {side} on {path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine():
    """CPU model, SIMD level and BLAS, for the table's header."""
    cpu, flags = platform.processor() or "?", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("?", "x86_64", ""):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                                         ("sse4_2", "SSE4.2")) if flag in flags), "baseline")
    try:
        import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')}" for i in threadpool_info()
                         if i.get("user_api") == "blas") or "?"
    except ImportError:
        blas = "?"
    return cpu, simd, blas


def tokenized_copy(corpus, folder):
    """The corpus tokenized once (embed's regexp tokenizer, lower-case), one line per line."""
    from embed.text.reader import iter_lines
    from embed.text.tokenize import get_tokenizer

    tok = get_tokenizer("regexp", True)
    path = os.path.join(folder, "x1.txt")
    with open(path, "w", encoding="utf-8") as out:
        for line in iter_lines(corpus, max_words=10000):  # gensim reads at most 10000 words a line
            words = tok(line)
            if words:
                out.write(" ".join(words) + "\n")
    return path


def scaled(base, k, folder):
    path = os.path.join(folder, f"x{k}.txt")
    if not os.path.exists(path):
        with open(path, "wb") as out:
            for _ in range(k):
                with open(base, "rb") as f:
                    shutil.copyfileobj(f, out)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=None, help="text corpus (default $EMBED_DATA/wiki_sample.txt)")
    ap.add_argument("--scales", default="1,4,16", help="copies of the corpus to train on")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sides", default="embed,gensim-file,gensim-line")
    ap.add_argument("--throughput", action="store_true", help="also embed with 1 and 2 workers on 4x")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--file", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--min-count", type=int, default=MIN_COUNT, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.file, args.epochs, args.workers, args.min_count)
        return
    corpus = args.corpus or os.path.join(os.environ.get("EMBED_DATA", ""), "wiki_sample.txt")
    if not os.path.exists(corpus):
        sys.exit("bench_scale: no corpus: set EMBED_DATA (a folder with wiki_sample.txt) or pass --corpus")
    scales = [int(x) for x in args.scales.split(",")]
    sides = args.sides.split(",")
    cpu, simd, blas = machine()
    scratch = tempfile.mkdtemp(prefix="bench_scale-")
    try:
        base = tokenized_copy(corpus, scratch)
        rows = {}
        for k in scales:
            path = scaled(base, k, scratch)
            for side in sides:
                rows[side, k] = run_child(side, path, args.epochs, args.workers, k)
                print(f"  {side:12s} {k:3d}x  {rows[side, k]['peak_mb']:7.1f} MB  "
                      f"{rows[side, k]['words_per_sec'] / 1e3:7.0f}k words/s", file=sys.stderr)
        print(f"\nCPU: {cpu} ({os.cpu_count()} cores); SIMD level: {simd}; BLAS: {blas}")
        print(f"corpus: {corpus} tokenized, {os.path.getsize(base) / 1e6:.1f} MB at 1x; "
              f"{args.epochs} epoch(s), {args.workers} worker(s); peak RSS = the child's VmHWM\n")
        head = "| trainer | " + " | ".join(f"{k}x peak RSS (MB)" for k in scales) + \
               f" | {scales[-1]}x vs {scales[0]}x | words/s at {scales[-1]}x |"
        print(head)
        print("|" + "---|" * (len(scales) + 3))
        for side in sides:
            peaks = [rows[side, k]["peak_mb"] for k in scales]
            growth = 100.0 * (peaks[-1] / peaks[0] - 1.0)
            print(f"| {side} | " + " | ".join(f"{p:.0f}" for p in peaks) +
                  f" | {growth:+.1f} % | {rows[side, scales[-1]]['words_per_sec'] / 1e3:.0f}k |")
        if args.throughput:
            path = scaled(base, 4, scratch)
            one = run_child("embed", path, args.epochs, 1, 4)["words_per_sec"]
            two = run_child("embed", path, args.epochs, 2, 4)["words_per_sec"]
            print(f"\nembed train on 4x, 1 -> 2 workers: {one / 1e3:.0f}k -> {two / 1e3:.0f}k words/s "
                  f"({two / one:.2f}x)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
