"""The header every benchmark prints: which machine and which kernels produced its table.

    from bench_env import header, plans_used
    print(header(torch_threads=2))           # CPU, SIMD level, numpy's BLAS and kernel family, PyTorch, ...
    print(plans_used(worker_result["plans"]))  # embed's kernel choices in the worker that ran

Run from the scripts folder (each bench script imports it by name).  PyTorch is
inspected in a child process, so the benchmark's own process never loads it.
"""
import json
import os
import subprocess
import sys

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
