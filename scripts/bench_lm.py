#!/usr/bin/env python
"""Benchmark: embed's char-RNN against PyTorch and against a plain numpy loop (BENCHMARKS.md §3).

1. tinyshakespeare, last 5 % validation; 2-layer LSTM, 128 hidden, one-hot input,
   batch 50 streams, seq 50, Adam 2e-3, clip 5, hidden state carried across chunks.
   Both train for the same wall-clock budget; we report training chars/s and the
   validation loss (nats/char, bits/char) at the end of the budget.
   Peer: PyTorch CPU `nn.LSTM` + `nn.Linear`, same data layout, 2 threads.
2. min-char-rnn setting: vanilla RNN, 100 hidden, seq 25, batch 1, Adagrad 0.1.
   Peer: a plain numpy loop written below (one column vector per time step,
   forward and backward step by step, in the style of Karpathy's min-char-rnn).
   The two alternate in --blocks blocks (so a change in machine load hits both);
   chars/s = characters / training time summed over the blocks.

    python scripts/bench_lm.py --data $EMBED_DATA/tinyshakespeare.txt --budget 120
    python scripts/bench_lm.py --budget 10 --minchar-budget 5        # a quick dev run
    python scripts/bench_lm.py --skip lstm --minchar-budget 20       # min-char-rnn only

Run it on a quiet machine: the two contenders run one after the other, never together.
"""
import argparse
import dataclasses
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from embed.lm.data import Streams, build_vocab, encode_stream, split_train_val, validation_streams  # noqa: E402
from embed.lm.train import LMTrainer, ModelConfig, TrainConfig  # noqa: E402

LN2 = math.log(2.0)


# ---------------------------------------------------------------------------
# ours
# ---------------------------------------------------------------------------
def run_ours(text, cell, layers, hidden, batch, seq, optimizer, lr, clip, budget, seed=0, threads=0):
    mc = ModelConfig(cell=cell, layers=layers, hidden=hidden)
    tc = TrainConfig(seq_length=seq, batch=batch, minutes=budget / 60.0, lr=lr, optimizer=optimizer,
                     clip=clip, lr_decay=1.0, checkpoint_every=0, eval_every=-1, seed=seed,
                     threads=threads)
    # warm-up outside the budget (Numba loads / compiles its kernels on first call): a throw-away model
    warm = LMTrainer.new(text[:50000], mc, dataclasses.replace(tc, minutes=None, epochs=1e-9))
    warm.fit(None, progress=False)
    tr = LMTrainer.new(text, mc, tc)
    tr.fit(None, progress=False)
    val = tr.val_loss_
    return {"chars_per_sec": tr.chars_per_sec_, "val_loss": val, "val_bpc": val / LN2,
            "epochs": tr.epoch_float, "steps": tr.step_}


# ---------------------------------------------------------------------------
# PyTorch peer
# ---------------------------------------------------------------------------
def run_torch(train_ids, val_ids, V, layers, hidden, batch, seq, lr, clip, budget, seed=0, threads=2):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    torch.manual_seed(seed)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.LSTM(V, hidden, layers)
            self.out = torch.nn.Linear(hidden, V)

        def forward(self, x, state):                                # x (T, B) int64
            h, state = self.rnn(F.one_hot(x, V).float(), state)     # (T, B, H)
            return self.out(h.reshape(-1, hidden)), state           # (T·B, V)

    streams = Streams(train_ids, batch, seq)
    data = torch.from_numpy(streams.data.astype(np.int64))
    per_epoch = streams.chunks_per_epoch

    def zeros(b):
        return (torch.zeros(layers, b, hidden), torch.zeros(layers, b, hidden))

    # warm-up outside the budget on a throw-away copy (first calls allocate / pick kernels)
    warm = Net()
    wopt = torch.optim.Adam(warm.parameters(), lr=lr)
    for _ in range(3):
        logits, _ = warm(data[:seq], zeros(batch))
        F.cross_entropy(logits, data[1:seq + 1].reshape(-1)).backward()
        wopt.step()
        wopt.zero_grad()

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    step, seen, state = 0, 0, None
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < budget:
        k = step % per_epoch
        if k == 0:
            state = zeros(batch)
        p = k * seq
        t = min(seq, streams.length - p)
        x, y = data[p:p + t], data[p + 1:p + t + 1]
        logits, state = net(x, state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits, y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        opt.step()
        step += 1
        seen += y.numel()
    elapsed = time.perf_counter() - t0

    vs = validation_streams(val_ids, batch, seq)
    total, count, state = 0.0, 0, zeros(vs.batch)
    with torch.no_grad():
        for x, y in vs:
            logits, state = net(torch.from_numpy(x.astype(np.int64)), state)
            total += float(F.cross_entropy(logits, torch.from_numpy(y.astype(np.int64)).reshape(-1),
                                           reduction="sum"))
            count += y.size
    val = total / count
    return {"chars_per_sec": seen / elapsed, "val_loss": val, "val_bpc": val / LN2,
            "epochs": step / per_epoch, "steps": step}


# ---------------------------------------------------------------------------
# plain numpy peer for the min-char-rnn setting
# ---------------------------------------------------------------------------
class NumpyMinCharRNN:
    """Vanilla RNN, batch 1, per-time-step numpy forward/backward, Adagrad, element-wise clip 5.

        h_t = tanh(Wxh x_t + Whh h_{t-1} + bh);  p_t = softmax(Why h_t + by)

    `train(ids, seconds)` continues where the previous call stopped (stream position,
    hidden state, Adagrad memory), so the benchmark can alternate it with ours.
    """

    def __init__(self, V, hidden, seq, lr, seed=0):
        rng = np.random.default_rng(seed)
        self.V, self.hidden, self.seq, self.lr = V, hidden, seq, lr
        self.Wxh = rng.standard_normal((hidden, V)) * 0.01
        self.Whh = rng.standard_normal((hidden, hidden)) * 0.01
        self.Why = rng.standard_normal((V, hidden)) * 0.01
        self.bh = np.zeros((hidden, 1))
        self.by = np.zeros((V, 1))
        self.params = [self.Wxh, self.Whh, self.Why, self.bh, self.by]
        self.memory = [np.zeros_like(p) for p in self.params]
        self.p, self.h = 0, np.zeros((hidden, 1))
        self.seen, self.elapsed = 0, 0.0

    def chunk_loss(self, inputs, targets, hprev):
        V, Wxh, Whh, Why, bh, by = self.V, self.Wxh, self.Whh, self.Why, self.bh, self.by
        xs, hs, ps = {}, {-1: hprev}, {}
        loss = 0.0
        for t in range(len(inputs)):
            xs[t] = np.zeros((V, 1))
            xs[t][inputs[t]] = 1.0
            hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
            y = Why @ hs[t] + by
            e = np.exp(y - y.max())
            ps[t] = e / e.sum()
            loss -= math.log(ps[t][targets[t], 0])
        grads = [np.zeros_like(p) for p in self.params]
        dWxh, dWhh, dWhy, dbh, dby = grads
        dhnext = np.zeros_like(hprev)
        for t in reversed(range(len(inputs))):
            dy = ps[t].copy()
            dy[targets[t]] -= 1.0                           # loss summed over the chunk, as in min-char-rnn
            dWhy += dy @ hs[t].T
            dby += dy
            dh = Why.T @ dy + dhnext
            draw = (1.0 - hs[t] * hs[t]) * dh
            dbh += draw
            dWxh += draw @ xs[t].T
            dWhh += draw @ hs[t - 1].T
            dhnext = Whh.T @ draw
        return loss / len(inputs), grads, hs[len(inputs) - 1]

    def train(self, train_ids, seconds):
        n, seq, lr = len(train_ids), self.seq, self.lr
        p, h, seen = self.p, self.h, 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            if p + seq + 1 > n:
                p, h = 0, np.zeros((self.hidden, 1))
            inputs, targets = train_ids[p:p + seq], train_ids[p + 1:p + seq + 1]
            loss, grads, h = self.chunk_loss(inputs, targets, h)
            for prm, g, mem in zip(self.params, grads, self.memory):
                np.clip(g, -5.0, 5.0, out=g)                # element-wise clip, as in min-char-rnn
                mem += g * g
                prm -= lr * g / np.sqrt(mem + 1e-8)
            p += seq
            seen += seq
        elapsed = time.perf_counter() - t0
        self.p, self.h = p, h
        self.seen += seen
        self.elapsed += elapsed
        return seen / elapsed

    def evaluate(self, val_ids):
        """Mean validation loss (nats/char): forward only, one stream."""
        h, total = np.zeros((self.hidden, 1)), 0.0
        for t in range(len(val_ids) - 1):
            x = np.zeros((self.V, 1))
            x[val_ids[t]] = 1.0
            h = np.tanh(self.Wxh @ x + self.Whh @ h + self.bh)
            y = self.Why @ h + self.by
            m = y.max()
            total += m + math.log(np.exp(y - m).sum()) - y[val_ids[t + 1], 0]
        return total / (len(val_ids) - 1)


def run_minchar(text, train_ids, val_ids, V, budget, blocks, seed=0, threads=1):
    """Ours and the numpy loop in alternating blocks of budget/blocks seconds each, so that
    both see the same machine load; chars/s = all characters / all training time."""
    from threadpoolctl import threadpool_limits

    mc = ModelConfig(cell="rnn", layers=1, hidden=100)
    tc = TrainConfig(seq_length=25, batch=1, minutes=budget / blocks / 60.0, lr=0.1, optimizer="adagrad",
                     clip=5.0, lr_decay=1.0, checkpoint_every=0, eval_every=-1, seed=seed, threads=threads)
    warm = LMTrainer.new(text[:50000], mc, dataclasses.replace(tc, minutes=None, epochs=1e-9))
    warm.fit(None, progress=False)                      # Numba loads its kernels outside the budget
    ours = LMTrainer.new(text, mc, tc)
    peer = NumpyMinCharRNN(V, 100, 25, 0.1, seed)
    for b in range(blocks):
        steps, secs = ours.symbols_seen_, ours.step_seconds_
        ours.fit(None, progress=False)
        a = (ours.symbols_seen_ - steps) / (ours.step_seconds_ - secs)
        with threadpool_limits(limits=threads, user_api="blas"):
            p = peer.train(train_ids, budget / blocks)
        print(f"block {b + 1}/{blocks}: ours {a:,.0f} chars/s, numpy loop {p:,.0f} chars/s ({a / p:.2f}x); "
              f"load average {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    val = ours.val_loss_
    mine = {"chars_per_sec": ours.chars_per_sec_, "val_loss": val, "val_bpc": val / LN2}
    pv = peer.evaluate(val_ids)
    theirs = {"chars_per_sec": peer.seen / peer.elapsed, "val_loss": pv, "val_bpc": pv / LN2}
    return mine, theirs


# ---------------------------------------------------------------------------
def fmt(v, kind):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.0f}" if kind == "speed" else f"{v:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None,
                    help="tinyshakespeare.txt (default: $EMBED_DATA or the cache, see `embed corpora list`)")
    ap.add_argument("--budget", type=float, default=120.0, help="seconds of training per contender (LSTM)")
    ap.add_argument("--minchar-budget", type=float, default=30.0,
                    help="seconds of training per contender (min-char-rnn setting)")
    ap.add_argument("--blocks", type=int, default=10,
                    help="min-char-rnn: alternate ours and the numpy loop in this many blocks each")
    ap.add_argument("--skip", choices=["lstm", "minchar"], action="append", default=[],
                    help="skip one part")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2,
                    help="threads for each contender: ours = the recurrent layers' threads "
                         "(embed.nn.recurrent.set_num_threads; BLAS stays at one thread while training), "
                         "PyTorch = torch.set_num_threads, the numpy loop = BLAS threads")
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="PyTorch's threads if not --threads (on a busy machine its OpenMP threads spin-wait "
                         "on each other: 1 thread can be several times faster than 2)")
    args = ap.parse_args(argv)
    if args.blocks < 1:
        ap.error("--blocks must be at least 1")
    if "lstm" not in args.skip:
        try:
            import torch  # noqa: F401  (the peer; only this script imports it)
        except ImportError:
            sys.exit("bench_lm: PyTorch is not installed (pip install torch==2.13.0), or pass --skip lstm")
    if args.data is None:
        from embed.data import find
        args.data = find("tinyshakespeare")
        if args.data is None:
            sys.exit("bench_lm: tinyshakespeare.txt not found: set EMBED_DATA, run "
                     "`embed corpora fetch tinyshakespeare`, or pass --data")
    if not os.path.exists(args.data):
        sys.exit(f"bench_lm: data not found: {args.data}")
    with open(args.data, encoding="utf-8") as f:
        text = f.read()
    vocab, _ = build_vocab(text, "char")
    ids = encode_stream(text, vocab)
    train_ids, val_ids = split_train_val(ids, 0.05)
    V = len(vocab)
    print(f"# char-LM benchmark: {len(text):,} chars, {V} symbols, {len(train_ids):,} train / "
          f"{len(val_ids):,} validation; budgets {args.budget:g} s (LSTM), {args.minchar_budget:g} s "
          f"(min-char-rnn); threads {args.threads} (PyTorch {args.torch_threads or args.threads}); load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs", flush=True)

    from bench_env import core_scaling, scaling_line
    scaling = core_scaling(args.threads) if args.threads > 1 else None
    rows = []
    if "lstm" not in args.skip:
        ours = run_ours(text, "lstm", 2, 128, 50, 50, "adam", 2e-3, 5.0, args.budget, args.seed,
                        args.threads)
        print(f"ours : {ours}", file=sys.stderr, flush=True)
        peer = run_torch(train_ids, val_ids, V, 2, 128, 50, 50, 2e-3, 5.0, args.budget, args.seed,
                         args.torch_threads or args.threads)
        print(f"torch: {peer}", file=sys.stderr, flush=True)
        rows += [("2-layer LSTM 128, B50 T50, Adam", "PyTorch 2.13 CPU", "train chars/s", "speed", ours, peer,
                  "chars_per_sec"),
                 ("", "", f"val loss after {args.budget:g} s (nats/char)", "loss", ours, peer, "val_loss"),
                 ("", "", f"val bits/char after {args.budget:g} s", "loss", ours, peer, "val_bpc"),
                 ("", "", "epochs done", "loss", ours, peer, "epochs")]
    if "minchar" not in args.skip:
        ours, peer = run_minchar(text, train_ids, val_ids, V, args.minchar_budget, args.blocks, args.seed,
                                 args.threads)
        print(f"ours : {ours}\nnumpy: {peer}", file=sys.stderr, flush=True)
        rows += [("min-char-rnn: RNN 100, B1 T25, Adagrad", "plain numpy loop", "train chars/s", "speed",
                  ours, peer, "chars_per_sec"),
                 ("", "", f"val loss after {args.minchar_budget:g} s (nats/char)", "loss", ours, peer,
                  "val_loss")]

    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f})\n")
    from bench_env import header, plans_used
    from embed.nn import plan
    print(header(args.torch_threads or args.threads))
    if scaling is not None:
        print(scaling_line(scaling, core_scaling(args.threads), args.threads))
    print(plans_used(plan.get().used) + "; per-step products on the loop paths: gemm_f32 tiles inside the Numba "
          "time loop")
    print("\n| setting | peer | metric | ours | peer | ours/peer |")
    print("|---|---|---|---:|---:|---:|")
    for setting, peer_name, metric, kind, ours, peer, key in rows:
        a, b = ours.get(key), peer.get(key)
        ratio = f"{a / b:.2f}×" if a is not None and b else "—"
        print(f"| {setting} | {peer_name} | {metric} | {fmt(a, kind)} | {fmt(b, kind)} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
