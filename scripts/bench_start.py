#!/usr/bin/env python
"""Warm start: how long a user waits for `embed mnist` and `embed lm train` to start training.

Each command runs as its own process with tiny settings, --runs times, the
commands alternating; caches are warm (one untimed run of each first):
Numba's kernels, the product plans and any decoded-data cache.  Two times per
run, both from the launch of the process (``python -m embed ...``):

- first step : until the first training step has finished (imports, data
  loading and encoding, kernel loading, the first forward + backward + update);
- exit       : until the process has exited (plus testing / validation and the
  checkpoint).

The child marks the end of its first step by wrapping the training-step method
(`Sequential._step`, `LMTrainer._train_step`) before handing over to
``embed.cli.main``; the mark is one wall-clock time written to a file.

    python scripts/bench_start.py                      # 5 runs each, medians
    python scripts/bench_start.py --runs 9 --profile   # also print the top of cProfile per command

`python -c "import numpy"` is timed the same way as a floor.  The header names
the CPU; the machine may be shared, so quote medians.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench_env import header  # noqa: E402

# Runs in the child: wrap the first training step, then run the CLI.
_CHILD = """
import sys, time
mark, argv = sys.argv[1], sys.argv[2:]
def first_step(owner, name):
    inner = getattr(owner, name)
    def step(*a, **k):
        out = inner(*a, **k)
        setattr(owner, name, inner)
        with open(mark, "w") as f:
            f.write(repr(time.time()))
        return out
    setattr(owner, name, step)
if argv[0] == "mnist":
    from embed.nn.sequential import Sequential
    first_step(Sequential, "_step")
else:
    from embed.lm.train import LMTrainer
    first_step(LMTrainer, "_train_step")
from embed.cli import main
raise SystemExit(main(argv))
"""


def commands(data, tmp):
    text = os.path.join(data, "tinyshakespeare.txt") if data else "tinyshakespeare"
    return {
        "embed mnist --epochs 1 --limit 128": ["mnist", "--epochs", "1", "--limit", "128"],
        "embed lm train --minutes 0.001": ["lm", "train", text, "-o", os.path.join(tmp, "start.lm"),
                                           "--minutes", "0.001", "--quiet"],
    }


def run_once(argv, env, tmp):
    mark = os.path.join(tmp, "mark")
    if os.path.exists(mark):
        os.remove(mark)
    t0 = time.time()
    p = subprocess.run([sys.executable, "-c", _CHILD, mark, *argv], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t_exit = time.time() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{p.stderr}")
    with open(mark) as f:
        t_step = float(f.read()) - t0
    return t_step, t_exit


def floor_once(env):
    t0 = time.time()
    subprocess.run([sys.executable, "-c", "import numpy"], env=env, check=True)
    return time.time() - t0


def profile(argv, env, tmp, top=25):
    out = os.path.join(tmp, "prof")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", out, "-m", "embed", *argv], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    import pstats
    pstats.Stats(out).sort_stats("cumtime").print_stats(top)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    ap.add_argument("--profile", action="store_true", help="print the top of cProfile for each command")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    data = (env.get("EMBED_DATA") or "").split(os.pathsep)[0]
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(data, tmp)
        for argv in cmds.values():          # warm every cache
            run_once(argv, env, tmp)
        times = {name: [] for name in cmds}
        floor = []
        for _ in range(args.runs):
            for name, argv in cmds.items():
                times[name].append(run_once(argv, env, tmp))
            floor.append(floor_once(env))
        print(header(with_torch=False))
        print(f"- load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print(f"| command (warm caches) | launch to first step, s | launch to exit, s | runs |")
        print("|---|---|---|---|")
        for name, ts in times.items():
            step = statistics.median(t for t, _ in ts)
            end = statistics.median(e for _, e in ts)
            print(f"| `{name}` | {step:.2f} | {end:.2f} | {len(ts)} (medians) |")
        print(f"| `python -c \"import numpy\"` | — | {statistics.median(floor):.2f} | {len(floor)} |")
        if args.profile:
            for name, argv in cmds.items():
                print(f"\n## cProfile: {name}")
                profile(argv, env, tmp)


if __name__ == "__main__":
    main()
