"""Microbenchmark: forward + backward of one chunk for embed's recurrent layers vs PyTorch CPU.

One chunk is the char-LM training shape: T=50 steps, B=50 sequences, H=128 units,
input width D=128 (the second layer of a stacked model), plus the LSTM fed
integer ids of a 65-symbol vocabulary (the first layer; PyTorch gets one-hot rows).
Ours and PyTorch alternate in short blocks within one process, each block after a
short pause (PyTorch's OpenMP threads keep spinning for a while after its calls and
would otherwise steal a core from whatever runs next) and untimed calls for at least
50 ms (`--warm`): after an idle pause caches are cold, and on a virtual machine two
threads may run at reduced speed for the first tens of milliseconds (measured on
this project's VM: a B=16 LSTM chunk took 11.9, 13.1, 13.7 ms in its first three
calls after 0.5 s idle, then 9.5-10 ms; on one thread a flat 14 ms).  The host's
speed drifts from second to second, so the ratio time(ours) / time(torch) (< 1: we are faster) is taken block by
block, from the medians of neighbouring blocks, and the table reports the median of
those block ratios with their spread, beside each side's overall median.  "embed"
is each layer as a user gets it: on its path planned by measurement (named in the
table: the Numba time loop with the LSTM's input product "fused" into it or not,
"loop", or "blas"; see embed.nn.recurrent_plan).  A second "embed, BLAS path"
column forces the path float64 takes (every product through numpy's BLAS, the time
loop split in Python).

The last columns put both sides against the machine: each chunk's products count
3 * 2*T*B*(D + H)*G*H floating-point operations (G gates; the forward's [x_t | h_{t-1}]
@ [W_x; W_h], the backward's dW, dh and dx products; an integer-id input's gather
counts zero, though PyTorch multiplies its one-hot rows), divided by each side's
median time and by the float32 matrix-product peak measured after the timings at the
same thread count: the fastest of numpy's BLAS and PyTorch on a 1024^3 product and
embed's gemm_f32 tiles on the LSTM's step product (250 rows x (D + H) x 4H, every
thread its own copy at once).  A side near 100 % is bounded by the CPU's
multiply-add rate, not by its code.

    python scripts/bench_cells.py                # default: 10 blocks of 3 timed calls, 2 threads
    python scripts/bench_cells.py --blocks 20 --per-block 3 --threads 2
    python scripts/bench_cells.py --H 512 --D 512 --B 32 --paths fused,loop   # + forced paths

numpy's BLAS kernels follow the environment as the user has it: OPENBLAS_CORETYPE
is never set or changed here (a pinned kernel family would handicap one side);
the header says whether it is set, names the CPU, its SIMD level, numpy's BLAS
and kernel family, PyTorch's version and threads, and the product kernels
embed's planner (`embed.nn.plan`) chose for the big T*B products.
"""
import argparse
import os
import time

from bench_env import core_scaling, header, plans_used, run_threads, scaling_line


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--T", type=int, default=50, help="time steps per chunk")
    ap.add_argument("--B", type=int, default=50, help="batch size")
    ap.add_argument("--H", type=int, default=128, help="hidden units")
    ap.add_argument("--D", type=int, default=128, help="input width (float input)")
    ap.add_argument("--V", type=int, default=65, help="vocabulary size (integer-id input)")
    ap.add_argument("--blocks", type=int, default=10, help="alternating blocks per side and layer")
    ap.add_argument("--per-block", type=int, default=3, help="timed calls in each block (after the untimed warm-up)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both sides")
    ap.add_argument("--paths", default="",
                    help="comma-separated paths (fused, loop) to time as extra columns, forced on every layer")
    ap.add_argument("--warm", type=float, default=0.05,
                    help="seconds of untimed calls after each pause, at least one call")
    ap.add_argument("--pause", type=float, default=0.5,
                    help="seconds of pause before each block (PyTorch's OpenMP threads spin after its calls)")
    args = ap.parse_args()
    if args.blocks < 1 or args.per_block < 1 or args.threads < 1:
        ap.error("--blocks, --per-block and --threads must be at least 1")
    if not 0 <= args.warm <= 10 or not 0 <= args.pause <= 10:
        ap.error("--warm and --pause must be between 0 and 10 seconds")
    extra = [p for p in args.paths.split(",") if p]
    if any(p not in ("fused", "loop") for p in extra):
        ap.error(f"--paths takes fused and/or loop (blas is always a column), got {args.paths!r}")

    # the thread count must be fixed before embed reads its settings
    os.environ["EMBED_NUM_THREADS"] = str(args.threads)
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    from embed.nn.recurrent import GRU, LSTM, SimpleRNN

    torch.set_num_threads(args.threads)
    # Our layers split the work over their own threads and call BLAS single-threaded.
    # Keep numpy's OpenBLAS at one thread for the whole run: raising its thread count
    # again wakes its workers, which then spin (~0.1 s) and steal a core from ours.
    threadpool_limits(limits=1, user_api="blas")
    rng = np.random.default_rng(0)
    T, B, H, D, V = args.T, args.B, args.H, args.D, args.V

    x = rng.standard_normal((T, B, D)).astype(np.float32)
    ids = rng.integers(0, V, (T, B))
    one_hot = np.eye(V, dtype=np.float32)[ids]
    dy = rng.standard_normal((T, B, H)).astype(np.float32)

    def chunk_flops(n_gates, d_in):      # forward + backward products of one chunk, see the docstring
        return 3 * 2 * T * B * (d_in + H) * n_gates * H

    cases = [  # name, our layer, our input, torch module, torch input
        ("LSTM", LSTM(H, seed=0), x, torch.nn.LSTM(D, H), x),
        ("LSTM, int ids (V=%d)" % V, LSTM(H, input_dim=V, seed=0), ids, torch.nn.LSTM(V, H), one_hot),
        ("GRU", GRU(H, seed=0), x, torch.nn.GRU(D, H), x),
        ("SimpleRNN (tanh)", SimpleRNN(H, seed=0), x, torch.nn.RNN(D, H), x),
    ]

    def ours(layer, inp, path=None):
        layer.path = path                           # None: planned (the first call measures)
        layer.forward(inp)
        layer.backward(dy)

    dy_t = torch.from_numpy(dy)

    def theirs(module, inp_t):
        inp_t.grad = None
        module.zero_grad(set_to_none=True)
        y, _ = module(inp_t)
        y.backward(dy_t)

    rows = []
    scaling = core_scaling(args.threads) if args.threads > 1 else None
    for name, layer, inp, module, inp_np in cases:
        inp_t = torch.from_numpy(inp_np).requires_grad_(inp is not ids)
        for _ in range(3):                          # warm-up: compile, allocate caches
            ours(layer, inp)
            theirs(module, inp_t)
        planned = layer._buf["path"]                # the path the planner chose for this shape
        sides = ((ours, (layer, inp)), (theirs, (module, inp_t)), (ours, (layer, inp, "blas"))) + tuple(
            (ours, (layer, inp, p)) for p in extra)
        times = [[] for _ in sides]                 # per side: one list of timed calls per block
        for _ in range(args.blocks):                # alternating blocks, a pause before each
            for (fn, arg), blocks in zip(sides, times):
                time.sleep(args.pause)              # let the other side's spinning threads settle
                warm_until = time.perf_counter() + args.warm
                fn(*arg)                            # untimed: caches are cold after the pause, and
                while time.perf_counter() < warm_until:   # a VM's threads slow for a while
                    fn(*arg)
                block = []
                for _ in range(args.per_block):
                    t0 = time.perf_counter()
                    fn(*arg)
                    block.append(time.perf_counter() - t0)
                blocks.append(block)
        mo, mt, mb, *mx = (np.median(np.concatenate(b)) * 1e3 for b in times)
        ratios = [np.median(o) / np.median(t) for o, t in zip(times[0], times[1])]   # neighbouring blocks
        flops = chunk_flops(layer.n_gates, 0 if inp is ids else D)
        rows.append((name, planned, mo, mb, mx, mt, np.median(ratios), min(ratios), max(ratios), flops))
    peak = sgemm_peak(args.threads, np, torch, threadpool_limits)
    peak["embed"] = tile_peak(args.threads, 250, D + H, 4 * H, np)

    from embed.nn import plan
    print(f"forward + backward of one chunk: T={T}, B={B}, H={H}, D={D}, float32, "
          f"{args.threads} thread(s), {args.blocks} alternating blocks of {args.per_block} timed calls per side, "
          f"each after a {args.pause:g} s pause and {args.warm:g} s of untimed calls; "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(header(args.threads))
    if scaling is not None:
        print(scaling_line(scaling, core_scaling(args.threads), args.threads))
    print(plans_used(plan.get().used) + "; per-step products on the loop paths: gemm_f32 tiles inside the "
          "Numba time loop")
    print(f"- float32 matrix-product peak at {args.threads} thread(s): numpy's BLAS {peak['numpy']:.0f}, "
          f"PyTorch {peak['torch']:.0f} GFLOP/s (1024^3, median of 15); embed's gemm_f32 "
          f"{peak['embed']:.0f} GFLOP/s (250x{D + H}x{4 * H} in every thread at once, the faster tile); "
          f"peak = the fastest\n")
    print("times: medians of all timed calls; ratio: median over the blocks of "
          "median(ours) / median(torch) in neighbouring blocks, with the lowest and highest block\n")
    print("| layer | embed path (planned) | embed (ms) | embed, BLAS path (ms) | "
          + "".join(f"embed, {p} path forced (ms) | " for p in extra)
          + "torch (ms) | ratio embed/torch | block ratios | speed-up | GFLOP/s embed (% of peak) | "
          "GFLOP/s torch (% of peak) |")
    print("|---|---|---:|---:|" + "---:|" * len(extra) + "---:|---:|---:|---:|---:|---:|")
    top = max(peak.values())
    for name, path, mo, mb, mx, mt, r, lo, hi, flops in rows:
        rate_o, rate_t = flops / mo / 1e6, flops / mt / 1e6          # ms -> GFLOP/s
        print(f"| {name} | {path} | {mo:.2f} | {mb:.2f} | " + "".join(f"{m:.2f} | " for m in mx)
              + f"{mt:.2f} | {r:.2f} | {lo:.2f}-{hi:.2f} | {1 / r:.2f}x | "
              f"{rate_o:.0f} ({100 * rate_o / top:.0f} %) | {rate_t:.0f} ({100 * rate_t / top:.0f} %) |")
    if rows:                                        # the first row: the LSTM with float input
        name, mt, flops = rows[0][0], rows[0][5], rows[0][9]
        need = flops / (0.8 * mt) / 1e6
        print(f"\n{name}: 0.8x PyTorch's median time ({0.8 * mt:.2f} ms) means {need:.0f} GFLOP/s, "
              f"{100 * need / top:.0f} % of the peak above")


def tile_peak(threads, M, K, N, np, seconds=0.5):
    """GFLOP/s of embed's gemm_f32 on (M, K) @ (K, N) run in `threads` threads at once,
    each on its own arrays (the kernel releases the GIL), for the faster of its tiles."""
    from embed.nn.gemm import TILES, gemm_f32
    rng = np.random.default_rng(2)
    arrays = [(rng.standard_normal((M, K)).astype(np.float32), rng.standard_normal((K, N)).astype(np.float32),
               np.empty((M, N), np.float32)) for _ in range(threads)]
    best = 0.0
    for tile in range(len(TILES)):
        for a, w, out in arrays:
            gemm_f32(a, w, out, False, tile)            # compiled and in cache before the clock starts
        calls = [0] * threads
        stop = time.perf_counter() + seconds

        def work(i):
            a, w, out = arrays[i]
            while time.perf_counter() < stop:
                gemm_f32(a, w, out, False, tile)
                calls[i] += 1

        seconds_taken = run_threads(work, [(i,) for i in range(threads)])
        best = max(best, sum(calls) * 2 * M * K * N / seconds_taken / 1e9)
    return best


def sgemm_peak(threads, np, torch, threadpool_limits, n=1024, repeats=15):
    """GFLOP/s of a float32 n^3 product in numpy's BLAS and in PyTorch, medians at `threads`.

    Measured after the timed blocks: raising BLAS's thread count wakes its workers,
    which would then spin beside the timed calls."""
    rng = np.random.default_rng(1)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty((n, n), np.float32)
    at, bt, outt = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)

    def rate(fn):
        for _ in range(3):
            fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return 2 * n ** 3 / np.median(times) / 1e9

    with threadpool_limits(limits=threads, user_api="blas"):
        peak_numpy = rate(lambda: np.matmul(a, b, out=out))
    time.sleep(0.5)                                 # let BLAS's workers settle before PyTorch's run
    peak_torch = rate(lambda: torch.mm(at, bt, out=outt))
    return {"numpy": peak_numpy, "torch": peak_torch}


if __name__ == "__main__":
    main()
