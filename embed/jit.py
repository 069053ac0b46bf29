"""How embed's kernel modules get Numba: ``from ..jit import njit`` (and its helpers).

One thing happens here that Numba cannot know: where embed keeps compiled
kernels.  Numba picks a cached function's folder when the function is
*decorated* (``njit(cache=True)`` builds its cache locator right away, reading
``numba.config.CACHE_DIR``), so `njit` points that setting at
``settings.get().numba_cache_dir`` (``<EMBED_CACHE>/numba``) just before
decorating a cached kernel.  Next to the sources is Numba's default, and a
read-only install would silently recompile every run.  A ``NUMBA_CACHE_DIR``
the user set wins: Numba read it itself and the setting is left alone.

Nothing happens at import: the environment is not touched.
"""
import numba
from numba import prange, types            # noqa: F401  (re-exported for kernel modules)
from numba.core import cgutils             # noqa: F401
from numba.extending import intrinsic, overload  # noqa: F401

from . import settings

__all__ = ["njit", "prange", "types", "cgutils", "intrinsic", "overload", "use_cache_dir"]


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
