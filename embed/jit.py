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

Nothing happens at import to the environment.
"""
import sys

import numba
from numba import prange, types            # noqa: F401  (re-exported for kernel modules)
from numba.core import cgutils             # noqa: F401
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
