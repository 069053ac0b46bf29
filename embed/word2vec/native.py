"""The word2vec kernels compiled ahead of time: the same Numba code, no Numba at run time.

Why.  A process that calls a jitted function carries Numba's compiler with it:
``import numba`` and loading even a cached kernel bring in LLVM, Numba's typing
and lowering registries (and scipy.linalg for its BLAS check), about 120 MB of
resident memory before the first word is trained; the model itself needs a few
MB.  Compiling the three kernels (`chunk_kernel.train_chunk`, and
`vocab_tables.alias_table` / `huffman_tree`), and the two of the vocabulary
pass (`embed/text/scan_kernels.py`, which `train_on_file` hands to
`encode_corpus`) and the text vector writer's (`embed/vectors/text_kernels.py`,
which `embed train` hands to `save_word2vec_format`), once into a CPython
extension module for this machine removes
that floor: training then imports numpy and this small module only.

How.  `build(path)` runs Numba's ahead-of-time compiler (``numba.pycc``) on the
very functions the JIT runs (their ``py_func``) with the explicit signatures
below and the options their ``@njit`` decorators carry (``nogil``, ``fastmath``),
for this CPU (``target_cpu='host'``, as the JIT does), so both backends give
bit-identical vectors.  It runs in a child process (`load` starts it): the
compiler's memory is never part of a training process.  The module lands in a
per-user cache, keyed by the kernel sources (`SOURCES`), the Numba and Python
versions and the CPU, written atomically; the first run on a machine pays ~10 s,
later runs import it in milliseconds.

Which backend runs is chosen by ``$EMBED_KERNELS``:
    auto   (default) the compiled module, built on first use; if it cannot be built
           (no C compiler or Python headers) the Numba JIT, and the reason is kept
           in the cache so later runs do not retry (delete the ``.failed`` file to retry)
    native the compiled module or an error saying why it could not be built
    jit    always the Numba JIT kernels
"""

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import threading
from types import SimpleNamespace

from .. import settings
from ..errors import EmbedError

MODULE = "_embed_w2v_native"  # the extension's import name (its PyInit_ symbol)
KERNELS = ("train_chunk", "alias_table", "huffman_tree", "scan_words", "rehash_words", "format_rows")
# the vocabulary pass's kernels (embed/text/scan_kernels.py) and the text vector writer's
# (embed/vectors/text_kernels.py) ride in the same module: one build, one load
TEXT_KERNELS = ("scan_words", "rehash_words")
VECTOR_KERNELS = ("format_rows",)
# every source file the compiled code comes from (relative to this folder): the cache key hashes them
SOURCES = ("primitives.py", "steps.py", "chunk_kernel.py", "vocab_tables.py", "tables.py", "native.py",
           os.path.join("..", "text", "scan_kernels.py"), os.path.join("..", "text", "scan.py"),
           os.path.join("..", "vectors", "text_kernels.py"))
# kernel -> (return type, argument types, arguments it writes): explicit signatures, the types
# the driver (model.py) passes.  "f4[:,::1]" is a C-contiguous 2-D float32 array.
SPECS = {
    "train_chunk": ("void", ("f4[:,::1]", "f4[:,::1]", "f4[:,::1]", "i4[::1]", "i8[::1]", "i8", "i8",
                             "f4[::1]", "f4[::1]", "i4[::1]", "i4[:,::1]", "i1[:,::1]", "i4[::1]",
                             "i8", "i8", "i8", "i8", "f8", "f8", "i8", "f4[::1]", "f4[::1]", "i8[::1]",
                             "f8[::1]", "i8", "i8"), (0, 1, 2, 22, 23)),
    "alias_table": ("Tuple((f4[::1], i4[::1]))", ("f8[::1]",), ()),
    "huffman_tree": ("Tuple((i4[:,::1], i1[:,::1], i4[::1]))", ("i8[::1]",), ()),
    "scan_words": ("i8", ("u1[::1]", "i8", "i8", "i8", "i8", "i8", "i4[::1]", "u8[::1]", "i8[::1]",
                          "u1[::1]", "i8[::1]", "i4[::1]", "i8[::1]", "i8[::1]"), (6, 7, 8, 9, 10, 11, 12, 13)),
    "rehash_words": ("void", ("i4[::1]", "u8[::1]", "i8"), (0,)),
    "format_rows": ("void", ("f4[:,::1]", "u4[:,::1]", "u1[::1]", "i8[::1]", "u1[::1]"), (2, 3, 4)),
}
_DTYPES = {"f4": "float32", "f8": "float64", "i1": "int8", "i4": "int32", "i8": "int64", "u1": "uint8",
           "u4": "uint32", "u8": "uint64"}
MODES = ("auto", "native", "jit")

_lock = threading.Lock()
_loaded = {}


def cache_dir():
    """``$EMBED_NATIVE_DIR``, else ``<EMBED_CACHE>/native`` (next to Numba's cache); see `embed.settings`."""
    return settings.get().native_dir


def _cpu_identity():
    """Text naming this CPU model and its instruction-set flags (code built with -march=host)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            block = f.read().split("\n\n", 1)[0]
        keep = ("vendor_id", "cpu family", "model", "model name", "flags", "Features", "CPU part")
        return "\n".join(line for line in block.splitlines() if line.split(":")[0].strip() in keep)
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _key():
    """Hash of everything the compiled module depends on."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in SOURCES:
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    try:
        numba_version = version("numba")
    except PackageNotFoundError:
        numba_version = "none"
    h.update(f"{numba_version} {sys.implementation.cache_tag} {sys.platform}\n".encode())
    h.update(_cpu_identity().encode())
    return h.hexdigest()[:16]


def module_path():
    """Where this machine's compiled module lives (it may not exist yet)."""
    return os.path.join(cache_dir(), f"w2v_{_key()}{importlib.machinery.EXTENSION_SUFFIXES[0]}")


def _import(path):
    spec = importlib.util.spec_from_file_location(MODULE, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _checked(name, fn):
    """`fn` behind a check of its array arguments.

    The compiled module trusts its signature: an array of another dtype or layout
    would be read as if it matched (wrong numbers or a crash), where the JIT would
    compile for it.  The check costs microseconds a call; a call trains a chunk."""
    import numpy as np

    ret, types, writes = SPECS[name]
    rules = [(i, np.dtype(_DTYPES[t[:2]]), t.count(",") + 1, i in writes)
             for i, t in enumerate(types) if "[" in t]

    def call(*args):
        for i, dtype, ndim, written in rules:
            a = args[i]
            if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == ndim
                    and a.flags.c_contiguous and a.flags.aligned and (a.flags.writeable or not written)):
                raise TypeError(f"{name}: argument {i} must be a C-contiguous{' writeable' if written else ''} "
                                f"{dtype} array with {ndim} dimension(s), got "
                                f"{type(a).__name__} {getattr(a, 'dtype', '')} {getattr(a, 'shape', '')}")
        return fn(*args)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"The compiled {name} ({ret}({', '.join(types)}))."
    return call


def _kernel_functions():
    """name -> the @njit function of every kernel (chunk_kernel.py, vocab_tables.py,
    text/scan_kernels.py for the vocabulary pass and vectors/text_kernels.py for the writer)."""
    from ..text import scan_kernels
    from ..vectors import text_kernels
    from . import chunk_kernel, vocab_tables

    home = {"train_chunk": chunk_kernel, "alias_table": vocab_tables, "huffman_tree": vocab_tables,
            **{k: scan_kernels for k in TEXT_KERNELS}, **{k: text_kernels for k in VECTOR_KERNELS}}
    return {k: getattr(home[k], k) for k in KERNELS}


def _jit():
    return SimpleNamespace(name="jit", **_kernel_functions())


def _notice(msg):
    if sys.stderr is not None and sys.stderr.isatty():  # scripts and tests stay quiet
        print(f"embed: {msg}", file=sys.stderr, flush=True)


def _build_in_child(path):
    """Build the module at `path` in a child process; returns None or the reason it failed."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        return f"cannot create {folder}: {e.strerror}"
    if not os.access(folder, os.W_OK):
        return f"{folder} is not writable"
    _notice("compiling the word2vec kernels for this machine (once, about 10 s)")
    # the child imports this very package, wherever it was found
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = settings.child_environment()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    try:
        out = subprocess.run([sys.executable, "-m", __name__, path], capture_output=True, text=True,
                             timeout=1800, stdin=subprocess.DEVNULL, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"the compiler process failed: {e}"
    if out.returncode != 0 or not os.path.exists(path):
        lines = [ln for ln in (out.stderr or "").strip().splitlines() if ln.strip()]
        return lines[-1] if lines else f"the compiler process exited with {out.returncode}"
    return None


def load(mode=None):
    """The kernels as a namespace (train_chunk, alias_table, huffman_tree, scan_words, rehash_words,
    format_rows, name='native'|'jit')."""
    if mode is None:
        mode = settings.get().kernels                 # EMBED_KERNELS, checked there
    mode = str(mode).strip().lower()
    if mode not in MODES:
        raise EmbedError(f"kernels mode must be one of {', '.join(MODES)}, got {mode!r}")
    with _lock:
        if mode not in _loaded:
            _loaded[mode] = _jit() if mode == "jit" else _load_native(mode == "native")
        return _loaded[mode]


def _load_native(required):
    path = module_path()
    failed = path + ".failed"
    reason = None
    if not os.path.exists(path):
        if os.path.exists(failed) and not required:
            return _jit()  # tried before on this machine: see the .failed file
        reason = _build_in_child(path)
    if reason is None:
        try:
            mod = _import(path)
            return SimpleNamespace(name="native", **{k: _checked(k, getattr(mod, k)) for k in KERNELS})
        except (ImportError, OSError, AttributeError) as e:
            reason = f"cannot import {path}: {e}"
    if required:
        raise EmbedError(f"cannot use the compiled word2vec kernels: {reason}")
    try:
        with open(failed, "w", encoding="utf-8") as f:
            f.write(reason + "\n")
    except OSError:
        pass
    _notice(f"using the Numba JIT kernels ({reason}; delete {failed} to retry)")
    return _jit()


def build(path):
    """Compile the kernels into the extension module `path` (loads Numba: run it in a child)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc carries a pending-deprecation warning
        from numba.core import cpu
        from numba.pycc import CC, compiler
    from . import chunk_kernel

    functions = _kernel_functions()
    for name in KERNELS:  # the JIT options this build reproduces
        opts = functions[name].targetoptions
        if not (opts.get("nogil") and opts.get("fastmath") is True):
            raise RuntimeError(f"kernel {name} must be @njit(nogil=True, fastmath=True) to be built")

    class KernelFlags(compiler.Flags):  # what @njit(nogil=True, fastmath=True) sets
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True
            self.fastmath = cpu.FastMathOptions(True)

    compiler.Flags = KernelFlags  # pycc makes one Flags() for all exports
    folder = os.path.dirname(os.path.abspath(path))
    with tempfile.TemporaryDirectory(dir=folder, prefix=".build-") as tmp:
        cc = CC(MODULE, source_module=chunk_kernel)  # (only names the build's source; every kernel is exported)
        cc.output_dir = tmp
        cc.target_cpu = "host"
        for name in KERNELS:
            ret, args, _ = SPECS[name]
            cc.export(name, f"{ret}({', '.join(args)})")(functions[name].py_func)
        cc.compile()
        built = os.path.join(tmp, cc.output_file)
        os.chmod(built, 0o755)
        os.replace(built, path)  # atomic: readers see the old state or the whole module


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python -m {__spec__.name if __spec__ else 'embed.word2vec.native'} OUT_PATH")
    build(sys.argv[1])
