"""How embed's kernel modules get Numba: ``from ..jit import njit`` (and its helpers).

One thing happens here that Numba cannot know: where embed keeps compiled
kernels.  Numba picks a cached function's folder when the function is
*decorated* (``njit(cache=True)`` builds its cache locator right away, reading
``numba.config.CACHE_DIR``), so `njit` points that setting at
``settings.get().numba_cache_dir`` (``<EMBED_CACHE>/numba``) just before
decorating a cached kernel.  Next to the sources is Numba's default, and a
read-only install would silently recompile every run.  A ``NUMBA_CACHE_DIR``
the user set wins: Numba read it itself and the setting is left alone.

A second thing saves about a second of every process's start: Numba's
array-math module asks, once, whether scipy's BLAS can be imported
(``numba.np.arraymath._HAVE_BLAS``), and importing ``scipy.linalg`` for that
question costs 0.3-1.3 s on a 2-core machine.  No embed kernel calls BLAS
from Numba (the products are our own tiles, or numpy's BLAS from Python), so
`njit`'s module imports that module once with scipy's BLAS hidden; the only
effect is that ``np.convolve``/``np.correlate`` inside Numba use a plain loop.
A kernel that does call ``np.dot`` in Numba still works: its compilation
imports scipy then, the way Numba always does.  When scipy.linalg is already
loaded nothing is hidden.

A third: Numba checks a cached kernel against its own source file only (a
hash of that file), so after an edit -- a ``git pull`` of a clone install --
to a helper the kernel inlines from another module (a tile intrinsic in
gemm.py, a step in word2vec/steps.py, a constant), it would load the old
machine code and silently compute what the old helper did.  For embed's own
files the stamp Numba compares also covers every embed module the kernel's
module imports, directly or through others (`source_stamp`).  A stale entry
is then simply not found, and Numba overwrites its data file when it saves
the new one, so the folder does not grow with every edit.

Nothing happens at import to the environment.
"""
import functools
import hashlib
import os
import re
import sys

import numba
from numba import prange, types            # noqa: F401  (re-exported for kernel modules)
from numba.core import cgutils             # noqa: F401
from numba.core import caching
from numba.extending import intrinsic, overload  # noqa: F401

from . import settings

__all__ = ["njit", "prange", "types", "cgutils", "intrinsic", "overload", "use_cache_dir"]


def _load_numba_array_math():
    """Import numba.np.arraymath without importing scipy.linalg (see the module docstring)."""
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    hidden = "scipy.linalg.cython_blas"
    sys.modules[hidden] = None                      # `import` of it raises ImportError
    try:
        import numba.np.arraymath                   # noqa: F401
    finally:
        if sys.modules.get(hidden, 0) is None:
            del sys.modules[hidden]


_load_numba_array_math()


# -- cache stamps that cover the modules a kernel imports -------------------------------
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# `from .x import a`, `from ..x.y import (a, b)`, `from . import a, b`, `from embed.x import a`,
# `import embed.x` (also inside functions: including too much only costs a recompile)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.+[\w.]*|embed(?:\.[\w.]+)?)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)"
                     r"|import[ \t]+(embed(?:\.[\w.]+)?))", re.MULTILINE)


def _module_file(path):
    """The source file of module or package `path` (no suffix), or None."""
    if os.path.isfile(path + ".py"):
        return path + ".py"
    init = os.path.join(path, "__init__.py")
    return init if os.path.isfile(init) else None


def imported_files(py_file):
    """The embed source files that `py_file` imports (its own import lines, not transitive)."""
    with open(py_file, encoding="utf-8") as f:
        text = f.read()
    here = os.path.dirname(py_file)
    found = set()
    for m in _IMPORT.finditer(text):
        source, names, plain = m.groups()
        dotted = source or plain
        if dotted.startswith("."):                        # relative: one dot is this package
            level = len(dotted) - len(dotted.lstrip("."))
            base = here
            for _ in range(level - 1):
                base = os.path.dirname(base)
            rest = dotted[level:]
        else:                                             # embed[.x.y]
            base, rest = PACKAGE_DIR, dotted[len("embed"):].lstrip(".")
        target = os.path.join(base, *rest.split(".")) if rest else base
        module = _module_file(target)
        if module is not None:
            found.add(module)
        if names and os.path.isdir(target):               # `from package import submodule, ...`
            for name in re.findall(r"\w+", names):
                sub = _module_file(os.path.join(target, name))
                if sub is not None:
                    found.add(sub)
    return found


@functools.lru_cache(maxsize=None)
def source_stamp(py_file):
    """SHA-256 over `py_file` and every embed file it imports, transitively, in path order
    (once per process and file: every kernel of a module gets the same stamp)."""
    seen, todo = set(), [os.path.abspath(py_file)]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo.extend(imported_files(path) - seen)
    digest = hashlib.sha256()
    for path in sorted(seen):
        digest.update(os.path.relpath(path, PACKAGE_DIR).encode() + b"\0")
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _in_package(py_file):
    return os.path.abspath(py_file).startswith(PACKAGE_DIR + os.sep)


# public names in newer Numba, underscored in older releases
_UserDirLocator = getattr(caching, "UserProvidedCacheLocator", None) or caching._UserProvidedCacheLocator
_CacheImpl = getattr(caching, "CacheImpl", None) or caching._CacheImpl


class SourceTreeLocator(_UserDirLocator):
    """Numba's locator for a configured cache folder (embed's, or NUMBA_CACHE_DIR), for
    embed's own files, with the stamp widened to the modules a kernel imports."""

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _in_package(py_file):
            return None                                   # not ours: Numba's own locators
        return super().from_function(py_func, py_file)

    def get_source_stamp(self):
        return (super().get_source_stamp(), source_stamp(self._py_file))


if SourceTreeLocator not in _CacheImpl._locator_classes:
    _CacheImpl._locator_classes.insert(0, SourceTreeLocator)


def use_cache_dir():
    """Point Numba's cache at embed's folder, unless a cache folder is already configured."""
    if not numba.config.CACHE_DIR:
        numba.config.CACHE_DIR = settings.get().numba_cache_dir
    return numba.config.CACHE_DIR


def njit(*args, **options):
    """`numba.njit`, with cached kernels (``cache=True``) stored in embed's cache folder."""
    if options.get("cache"):
        use_cache_dir()
    return numba.njit(*args, **options)
