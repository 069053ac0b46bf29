"""The header every benchmark prints: which machine and which kernels produced its table.

    from bench_env import header, plans_used
    print(header(torch_threads=2))           # CPU, SIMD level, numpy's BLAS and kernel family, PyTorch, ...
    print(plans_used(worker_result["plans"]))  # embed's kernel choices in the worker that ran
    before = core_scaling(2)                 # ... the timed runs ...
    print(scaling_line(before, core_scaling(2)))   # did the host give us two real cores meanwhile?

Run from the scripts folder (each bench script imports it by name).  PyTorch is
inspected in a child process, so the benchmark's own process never loads it.
"""
import json
import os
import subprocess
import sys
import threading
import time

_TORCH_PROBE = """
import json, torch
print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(),
                  "mkldnn": torch.backends.mkldnn.is_available(), "mkl": torch.backends.mkl.is_available(),
                  "cpu_capability": torch.backends.cpu.get_cpu_capability()}))
"""


def torch_info(threads=None):
    """PyTorch's version, thread count and CPU capability (None when PyTorch is not installed)."""
    env = dict(os.environ)
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    out = subprocess.run([sys.executable, "-c", _TORCH_PROBE], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def header(torch_threads=None, with_torch=True):
    """Markdown lines naming the CPU, SIMD level, numpy's BLAS, PyTorch and OPENBLAS_CORETYPE."""
    import numpy as np
    from embed.nn import plan
    key = plan.machine_key()
    blas = "; ".join(f"{b['internal_api']} {b['version']} ({b['architecture']} kernels, {b['num_threads']} threads)"
                     for b in plan.blas_info()) or "unknown"
    lines = [f"- CPU: {key['cpu']} (LLVM: {key['llvm_cpu']}), {os.cpu_count()} CPUs, SIMD level "
             f"{plan.simd_level(key['simd'])} ({' '.join(key['simd'])})",
             f"- numpy {np.__version__}, BLAS: {blas}; numba {key['numba']}; embed {key['embed']}",
             f"- OPENBLAS_CORETYPE: {os.environ.get('OPENBLAS_CORETYPE', 'not set')} (never changed by the benchmarks)"]
    if with_torch:
        t = torch_info(torch_threads)
        lines.append("- PyTorch: not installed" if t is None else
                     f"- PyTorch {t['version']}, {t['threads']} threads, CPU capability {t['cpu_capability']}, "
                     f"oneDNN {'yes' if t['mkldnn'] else 'no'}, MKL {'yes' if t['mkl'] else 'no'}")
    return "\n".join(lines)


def plans_used(used):
    """One line per product kernel embed chose in a worker ({plan key: choice})."""
    if not used:
        return "- embed kernels: no planned products (recurrent time loops use the tiled Numba kernel)"
    return "- embed kernels chosen by measurement: " + ", ".join(f"{k.split('|t')[0]} → {v}"
                                                               for k, v in sorted(used.items()))


_spin_kernel = None


def _spin(n):
    """n rounds of 64 independent multiply-adds in registers, without the GIL (compiled on first use)."""
    global _spin_kernel
    if _spin_kernel is None:
        import numpy as np
        from embed.jit import njit

        @njit(nogil=True, fastmath=True, error_model="numpy")
        def spin(n):
            acc = np.zeros(64, np.float32)
            for _ in range(n):
                for j in range(64):
                    acc[j] = acc[j] * np.float32(0.999) + np.float32(0.001)
            return acc.sum()
        _spin_kernel = spin
        spin(1)
    return _spin_kernel(n)


def core_scaling(threads=2, seconds=0.1, samples=3):
    """How much faster `threads` threads run a register-bound loop than one (the median of
    `samples` tries of ~`seconds` each): ~threads when each thread has a core of its own, ~1
    when the host time-shares the machine's CPUs (a virtual machine's CPUs can share one
    physical core for a while).  Ratios measured side by side hold either way; this says
    which regime a run was in."""
    _spin(1)                                             # compiled before anything is timed
    n = 1000
    while True:                                          # size the work to ~`seconds` on one thread
        t0 = time.perf_counter()
        _spin(n)
        one = time.perf_counter() - t0
        if one > seconds / 4:
            break
        n *= 4
    n = int(n * seconds / one)
    ratios = []
    for _ in range(samples):
        t0 = time.perf_counter()
        _spin(n)
        one = time.perf_counter() - t0
        ratios.append(threads * one / run_threads(_spin, [(n,)] * threads))
    return sorted(ratios)[len(ratios) // 2]


def run_threads(target, args):
    """Run target(*a) for each tuple a in `args`, each in its own thread, all at once;
    the seconds from the first start to the last join."""
    workers = [threading.Thread(target=target, args=a) for a in args]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - t0


def scaling_line(before, after, threads=2):
    """A header line with `core_scaling` measured before and after the timed runs."""
    return (f"- host: {threads} threads ran a register-bound loop {before:.2f}x as fast as one before the "
            f"timings and {after:.2f}x after ({threads}.0: a core each; 1.0: the CPUs time-shared)")
