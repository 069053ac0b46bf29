"""Distributed word2vec against one process: quality, throughput and traffic (issue 14's protocol).

    python scripts/bench_distributed.py --corpus big.txt                      # 1, 2, 4 workers, seeds 1-3
    python scripts/bench_distributed.py --corpus big.txt --seeds 1 --log runs.jsonl   # one seed, appended
    python scripts/bench_distributed.py --table runs.jsonl                    # the table of what was logged

Protocol
- Corpus: --corpus (default $EMBED_DATA/wiki_sample.txt).  The 5.16M-word corpus of the issue is
  GCIDE + wiki_sample + tinyshakespeare (corpora/README.md).
- Settings, identical for every run: skip-gram, dim 100, window 5, negative 5, sample 1e-3,
  min_count 5, --epochs total epochs (default 3), learning rate 0.05 -> 0.0001 over all epochs
  (pinned here: the library's default for skip-gram was 0.025 before).
- "1 process" is `Word2Vec(workers=1).fit(path)` in this process (one thread, deterministic for a
  seed).  "W workers" is `fit(path, client=...)` on a `LocalCluster` of W worker processes of one
  thread each, `syncs_per_epoch` rounds per epoch, merge rule --merge.
- Seconds: training wall time (`train_seconds_`: the rounds, merges and transfers; not the
  vocabulary pass).  words/s: raw corpus words x epochs / seconds.  Bytes per epoch: the driver's
  traffic (weights or rows out to the workers, changed rows back) from `cluster_stats_`.
- Quality: embed's evaluation of the input vectors: questions-words 3CosAdd accuracy,
  WordSim353 and SimLex-999 Spearman rho (from $EMBED_DATA, the cache or gensim's wheel).
- Each row of the table is the mean over the seeds logged for that setting; the ratio is that
  mean over the 1-process mean of the same seeds' runs.
Every run is one JSON line (appended to --log when given), so seeds can be run in separate
invocations (each under the shared benchmark lock) and tabulated together with --table.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETTINGS = dict(vector_size=100, window=5, negative=5, sample=1e-3, min_count=5, sg=True, alpha=0.05)


def evaluate(model):
    from embed.vectors.evaluation import eval_file, evaluate_analogies, evaluate_word_pairs
    kv = model.wv
    return {"analogy": evaluate_analogies(kv, eval_file("questions-words"))["accuracy"],
            "ws353": evaluate_word_pairs(kv, eval_file("wordsim353"))["spearman"],
            "simlex": evaluate_word_pairs(kv, eval_file("simlex999"))["spearman"]}


def run_one(path, workers, seed, epochs, syncs, merge, client=None, saturation=None, range_bytes=None):
    from embed.word2vec.model import Word2Vec
    model = Word2Vec(epochs=epochs, seed=seed, workers=1, progress=False, **SETTINGS)
    t0 = time.perf_counter()
    if client is None:
        model.fit(path)
        stats = {"bytes_per_epoch": 0.0, "bytes_sent": 0, "bytes_received": 0, "changed_rows": 0.0}
    else:
        model.fit(path, client=client, syncs_per_epoch=syncs, merge=merge, saturation=saturation,
                  range_bytes=range_bytes)
        stats = model.cluster_stats_
    wall = time.perf_counter() - t0
    row = {"workers": workers, "seed": seed, "epochs": epochs, "corpus": os.path.basename(path),
           "syncs": syncs if client is not None else None, "merge": (merge if merge != "adaptive" or saturation is None else f"adaptive:{saturation:g}")
           if client is not None else None,
           "range_bytes": range_bytes if client is not None else None,
           "seconds": model.train_seconds_, "wall": wall,
           "words_per_sec": model.vocab_.total_words * epochs / model.train_seconds_,
           "bytes_per_epoch": stats["bytes_per_epoch"], "sent_per_epoch": stats["bytes_sent"] / epochs,
           "received_per_epoch": stats["bytes_received"] / epochs, "changed_rows": stats["changed_rows"],
           "loss": model.epoch_loss_[-1],
           "vocab": len(model.vocab_), "words": model.vocab_.total_words}
    row.update(evaluate(model))
    return row


def table(rows):
    """Markdown: one line per (workers, syncs, merge), means over seeds, ratios vs 1 process."""
    import numpy as np
    groups = {}
    for r in rows:
        merge = r["merge"] if not r.get("range_bytes") else f'{r["merge"]}, ranges of {r["range_bytes"] / 1e3:.0f} kB'
        groups.setdefault((r["corpus"], r["epochs"], r["workers"], r["syncs"], merge), []).append(r)
    base = {}
    for (corpus, epochs, w, _, _), rs in groups.items():
        if w == 1:
            base[(corpus, epochs)] = {r["seed"]: r for r in rs}
    out = ["| corpus | epochs | workers | syncs / epoch | merge | seeds | train s | words/s | MB / epoch "
           "| analogy | ratio | WS353 ρ | ratio | SimLex ρ | ratio | final loss |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3] or 0, k[4] or "")):
        corpus, epochs, w, syncs, merge = key
        rs = groups[key]
        ref = base.get((corpus, epochs), {})
        seeds = sorted(r["seed"] for r in rs)
        mean = {m: float(np.mean([r[m] for r in rs])) for m in
                ("seconds", "words_per_sec", "bytes_per_epoch", "analogy", "ws353", "simlex", "loss")}
        ratio = {}
        for m in ("analogy", "ws353", "simlex"):
            same = [ref[s][m] for s in seeds if s in ref]
            ratio[m] = (f"{mean[m] / np.mean(same):.3f}" if len(same) == len(seeds) and w != 1
                        else ("1" if w == 1 else "—"))
        out.append(f"| {corpus} | {epochs} | {w} | {syncs or '—'} | {merge or '—'} | {','.join(map(str, seeds))} "
                   f"| {mean['seconds']:.0f} | {mean['words_per_sec'] / 1e3:.0f}k "
                   f"| {mean['bytes_per_epoch'] / 1e6:.0f} | {mean['analogy']:.4f} | {ratio['analogy']} "
                   f"| {mean['ws353']:.3f} | {ratio['ws353']} | {mean['simlex']:.3f} | {ratio['simlex']} "
                   f"| {mean['loss']:.3f} |")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus")
    p.add_argument("--workers", default="1,2,4", help="comma list; 1 = single process")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--syncs", type=int, default=8, help="syncs_per_epoch")
    p.add_argument("--merge", default="sum")
    p.add_argument("--saturation", type=float, help='merge="adaptive": beta / learning rate')
    p.add_argument("--range-bytes", type=int, help="size of the corpus's byte ranges (default: the library's)")
    p.add_argument("--log", help="append one JSON line per run to this file")
    p.add_argument("--table", help="print the table of the runs logged in this file, train nothing")
    a = p.parse_args(argv)
    if a.table:
        with open(a.table) as f:
            print(table([json.loads(line) for line in f if line.strip()]))
        return 0
    from bench_env import header
    from embed.data import find
    path = a.corpus or find("wiki_sample")
    print(header(with_torch=False))
    print(f"- corpus {path}; {a.epochs} epochs; machine load average at start {os.getloadavg()[0]:.1f}")
    rows = []
    for w in [int(x) for x in a.workers.split(",")]:
        client = cluster = None
        if w > 1:
            import distributed
            cluster = distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                               dashboard_address=None, silence_logs=50)
            client = distributed.Client(cluster)
        try:
            for s in [int(x) for x in a.seeds.split(",")]:
                row = run_one(path, w, s, a.epochs, a.syncs, a.merge, client, a.saturation, a.range_bytes)
                rows.append(row)
                print(json.dumps(row), flush=True)
                if a.log:
                    with open(a.log, "a") as f:
                        f.write(json.dumps(row) + "\n")
        finally:
            if client is not None:
                client.close()
                cluster.close()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
