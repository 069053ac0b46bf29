#!/usr/bin/env python
"""Benchmark: our CNN vs PyTorch CPU on Fashion-MNIST (or MNIST), BENCHMARKS.md §4.

Model (both sides): conv 32 3×3 ReLU → max-pool 2 → conv 64 3×3 ReLU →
max-pool 2 → dense 128 ReLU → 10 softmax (valid padding), categorical
cross-entropy, Adam lr 1e-3, pixels scaled to [0, 1], batches reshuffled every
epoch; by default the batch size and epochs of `embed mnist --model cnn`
(`embed.cli.mnist.MODEL_DEFAULTS`), with which both sides pass 0.90 test
accuracy on Fashion-MNIST.  Both read the IDX files through `embed.data.mnist`.

Each trial runs in its own Python process with the same thread count on both
sides (torch.set_num_threads; ours: `fit(threads=…)`), interleaved so load
drift hits both alike.  Reported, as medians over --repeats:

* train s: the training loop alone (for us Numba kernels come from the
  cache: a tiny warm-up fit runs first, outside the timing);
* process s: the whole worker process, start to exit, measured by the parent
  (interpreter start, imports, data loading, compilation, training, test);
* test accuracy on the 10k test images.

The header names the CPU, its widest SIMD level, numpy's BLAS with its kernel
family (threadpoolctl), PyTorch's version and threads, and OPENBLAS_CORETYPE
when it is set (the script never sets it).

    python scripts/bench_cnn.py                       # the CLI's CNN settings, 3 repeats
    python scripts/bench_cnn.py --repeats 1 --epochs 1 --limit 10000   # quick look
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # embed from this checkout
from embed.cli.mnist import MODEL_DEFAULTS  # noqa: E402

PEERS = ("embed", "torch")
CNN = MODEL_DEFAULTS["cnn"]          # epochs and batch size of `embed mnist --model cnn`


def load(args):
    from embed.data.mnist import DEBIAN_FASHION, load_mnist
    from embed.nn.models import as_images
    data = load_mnist(args.data or (DEBIAN_FASHION if os.path.isdir(DEBIAN_FASHION) else None))
    X, y, Xt, yt = data.flat()
    if args.limit:
        X, y = X[:args.limit], y[:args.limit]
    return as_images(X), y, as_images(Xt), yt, data


def run_embed(args, X, y, Xt, yt):
    from embed.nn.models import cnn_model
    cnn_model(seed=args.seed).fit(X[:256], y[:256], epochs=1, batch_size=args.batch_size,
                                  threads=args.threads, thread_mode=args.thread_mode)   # load kernels
    model = cnn_model(seed=args.seed)
    t0 = time.perf_counter()
    model.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, shuffle=True, seed=args.seed,
              threads=args.threads, thread_mode=args.thread_mode)
    seconds = time.perf_counter() - t0
    acc = float((model.predict(Xt, batch_size=1000).argmax(axis=1) == yt).mean())
    return seconds, acc


def run_torch(args, X, y, Xt, yt):
    import torch
    from torch import nn
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    Xg = torch.from_numpy(X).permute(0, 3, 1, 2).contiguous()           # NCHW, PyTorch's layout
    yg = torch.from_numpy(y)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    n, bs = X.shape[0], args.batch_size
    t0 = time.perf_counter()
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(Xg[idx]), yg[idx]).backward()
            opt.step()
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        Xtg = torch.from_numpy(Xt).permute(0, 3, 1, 2).contiguous()
        pred = torch.cat([model(Xtg[i:i + 1000]).argmax(1) for i in range(0, len(Xtg), 1000)])
    return seconds, float((pred.numpy() == yt).mean())


def worker(args):
    X, y, Xt, yt, data = load(args)
    seconds, acc = {"embed": run_embed, "torch": run_torch}[args.worker](args, X, y, Xt, yt)
    print(json.dumps({"seconds": seconds, "accuracy": acc, "source": data.source, "dataset": data.dataset,
                      "n_train": int(len(y)), "n_test": int(len(yt))}))


def machine():
    """CPU model, SIMD level, numpy's BLAS (with kernel family) and torch's version / threads."""
    cpu, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu == "unknown CPU":
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = next((s for s, f in (("AVX-512", "avx512f"), ("AVX2", "avx2"), ("AVX", "avx"), ("SSE4.2", "sse4_2"))
                 if f in flags), "unknown")
    blas = "unknown BLAS"
    try:
        from threadpoolctl import threadpool_info
        import numpy  # noqa: F401  (loads its BLAS so threadpoolctl sees it)
        for i in threadpool_info():
            if i.get("user_api") == "blas":
                blas = f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels)"
                break
    except ImportError:
        pass
    return cpu, simd, blas


def torch_version(threads):
    out = subprocess.run([sys.executable, "-c", f"import torch; torch.set_num_threads({threads}); "
                          "print(torch.__version__, torch.get_num_threads())"], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else "not installed"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder with the IDX files (default: Debian's Fashion-MNIST)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=CNN["epochs"], help=f"default {CNN['epochs']}")
    ap.add_argument("--batch-size", type=int, default=CNN["batch_size"], help=f"default {CNN['batch_size']}")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="threads for both sides (default: the CPUs this process may use)")
    ap.add_argument("--thread-mode", choices=["blas", "pool"], default="pool",
                    help="ours: our thread team splitting each batch (default) or BLAS threads")
    ap.add_argument("--limit", type=int, default=None, help="train on the first N images only (quick runs)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ",".join(PEERS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    env = dict(os.environ, EMBED_PROGRESS="0")
    base = [sys.executable, os.path.abspath(__file__), "--epochs", str(args.epochs), "--batch-size",
            str(args.batch_size), "--threads", str(args.threads), "--thread-mode", args.thread_mode]
    if args.data:
        base += ["--data", args.data]
    if args.limit:
        base += ["--limit", str(args.limit)]
    results = {p: [] for p in peers}
    load_before = os.getloadavg()[0]
    info = {}
    for r in range(args.repeats):
        for p in peers:                      # interleaved so drift hits every side alike
            t0 = time.perf_counter()
            out = subprocess.run(base + ["--worker", p, "--seed", str(args.seed + r)], env=env,
                                 capture_output=True, text=True)
            whole = time.perf_counter() - t0
            if out.returncode != 0:
                sys.exit(f"{p} failed:\n{out.stderr}")
            res = json.loads(out.stdout.strip().splitlines()[-1])
            res["process"] = whole
            info = res
            results[p].append(res)
            print(f"repeat {r + 1}/{args.repeats} {p:6s} train {res['seconds']:7.2f}s  process {whole:7.2f}s  "
                  f"accuracy {res['accuracy']:.4f}", file=sys.stderr)

    med = {p: {k: statistics.median(x[k] for x in v) for k in ("seconds", "process", "accuracy")}
           for p, v in results.items()}
    cpu, simd, blas = machine()
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    print(f"\nCPU: {cpu}, {len(os.sched_getaffinity(0))} CPUs, widest SIMD {simd}; numpy BLAS: {blas}"
          f"{'; OPENBLAS_CORETYPE=' + coretype if coretype else ''}; PyTorch (version, threads): "
          f"{torch_version(args.threads)}")
    print(f"CNN conv32-pool-conv64-pool-dense128-10, Adam 1e-3, batch {args.batch_size}, {args.epochs} epochs, "
          f"{info.get('dataset')} from {info.get('source')} ({info.get('n_train')} train / {info.get('n_test')} "
          f"test), threads {args.threads} (ours: {args.thread_mode} mode), median of {args.repeats}; "
          f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}\n")
    print("| implementation | train s | process s | test accuracy | train ours/peer | process ours/peer |")
    print("|---|---|---|---|---|---|")
    names = {"embed": "embed (numpy + Numba)", "torch": "PyTorch CPU"}
    for p in peers:
        m = med[p]
        if "embed" in med and p != "embed":
            rt = f"{med['embed']['seconds'] / m['seconds']:.2f}"
            rp = f"{med['embed']['process'] / m['process']:.2f}"
        else:
            rt = rp = "—"
        print(f"| {names[p]} | {m['seconds']:.2f} | {m['process']:.2f} | {m['accuracy']:.4f} | {rt} | {rp} |")


if __name__ == "__main__":
    main()
