"""embed: word embeddings and sequence models from scratch on numpy and Numba.

Public API::

    from embed import Word2Vec, KeyedVectors          # word2vec, queries
    from embed import Sequential, Dense               # the neural core
"""
import os as _os

# Numba caches compiled kernels.  Next to the sources is the default, but a
# read-only install would silently recompile every run: keep a user cache.
_os.environ.setdefault("NUMBA_CACHE_DIR",
                       _os.path.join(_os.path.expanduser("~"), ".cache", "embed", "numba"))

from .errors import EmbedError  # noqa: E402

__version__ = "0.1.0"
__all__ = ["EmbedError"]
