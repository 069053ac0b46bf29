"""Settings from the environment, read in one place.

Every ``EMBED_*`` variable embed understands is read here and nowhere else;
the rest of the package asks `get()` and receives plain values::

    from embed import settings
    settings.get().cache_dir          # '/home/me/.cache/embed'
    settings.get().data_dirs          # ('/data/corpora',) from EMBED_DATA

=======================  ==================================================
variable                 meaning
=======================  ==================================================
``EMBED_DATA``           folders (``os.pathsep``-separated) searched for data
                         sets before the cache; empty entries are ignored
``EMBED_CACHE``          where downloads, built corpora and compiled kernels
                         go (default ``~/.cache/embed``)
``EMBED_NUM_THREADS``    threads for the compute runtime (default: the CPUs
                         this process may use)
``EMBED_PROGRESS``       ``1`` forces progress bars on, ``0`` off (default:
                         only when stderr is a terminal)
``EMBED_KERNELS``        word2vec kernels: ``auto`` (default), ``native``, ``jit``
``EMBED_NATIVE_DIR``     where the compiled word2vec kernels are kept
                         (default ``<cache>/native``)
``EMBED_FIFO_WAIT``      seconds an input that is a named pipe (mkfifo) may
                         stay silent before embed gives up on it (default 5)
``NUMBA_CACHE_DIR``      Numba's own cache (default ``<cache>/numba``);
                         embed only reads it, Numba applies it
=======================  ==================================================

The values are read once, on first use, and kept; `reload()` reads them again
(tests that change the environment call it).  Nothing here writes to the
environment.
"""
import dataclasses
import os

from .errors import EmbedError


@dataclasses.dataclass(frozen=True)
class Settings:
    data_dirs: tuple        # folders from EMBED_DATA, in order
    data_var_set: bool      # EMBED_DATA is set (possibly to an empty string)
    cache_dir: str          # absolute path of embed's cache folder
    num_threads: int        # threads for the compute runtime (>= 1)
    progress: object        # True / False forced, or None: only on a terminal
    kernels: str            # 'auto' | 'native' | 'jit'
    native_dir: str         # compiled word2vec kernels
    numba_cache_dir: str    # where Numba caches JIT-compiled kernels
    fifo_wait: float        # seconds to wait for the first bytes of a named pipe given as input


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _threads(raw):
    if not raw:
        return _cpu_count()
    try:
        n = int(raw)
    except ValueError:
        raise EmbedError(f"EMBED_NUM_THREADS must be a positive integer, got {raw!r}") from None
    if n < 1:
        raise EmbedError(f"EMBED_NUM_THREADS must be a positive integer, got {raw!r}")
    return n


def _flag(raw):
    if raw is None or raw.strip() == "":
        return None
    return raw.strip().lower() not in ("0", "false", "no", "off")


def _kernels(raw):
    mode = (raw or "auto").strip().lower()
    if mode not in ("auto", "native", "jit"):
        raise EmbedError(f"EMBED_KERNELS must be auto, native or jit, got {raw!r}")
    return mode


def _seconds(raw, name, default):
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise EmbedError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def read(environ=None):
    """A Settings built from `environ` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    cache = os.path.abspath(os.path.expanduser(
        env.get("EMBED_CACHE") or os.path.join("~", ".cache", "embed")))
    raw_data = env.get("EMBED_DATA")
    data_dirs = tuple(os.path.abspath(os.path.expanduser(p))
                      for p in (raw_data or "").split(os.pathsep) if p.strip())
    return Settings(
        data_dirs=data_dirs,
        data_var_set=raw_data is not None,
        cache_dir=cache,
        num_threads=_threads(env.get("EMBED_NUM_THREADS")),
        progress=_flag(env.get("EMBED_PROGRESS")),
        kernels=_kernels(env.get("EMBED_KERNELS")),
        native_dir=os.path.abspath(os.path.expanduser(
            env.get("EMBED_NATIVE_DIR") or os.path.join(cache, "native"))),
        numba_cache_dir=os.path.abspath(os.path.expanduser(
            env.get("NUMBA_CACHE_DIR") or os.path.join(cache, "numba"))),
        fifo_wait=_seconds(env.get("EMBED_FIFO_WAIT"), "EMBED_FIFO_WAIT", 5.0),
    )


_current = None


def get():
    """The settings of this process, read from the environment on first use."""
    global _current
    if _current is None:
        _current = read()
    return _current


def reload():
    """Read the environment again (for tests and long-lived notebooks); returns the new settings."""
    global _current
    _current = read()
    return _current


def child_environment():
    """A copy of this process's environment, for a child process embed starts (to amend)."""
    return dict(os.environ)
