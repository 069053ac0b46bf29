import os

# Headless plots, and a Numba cache that works in a fresh clone.
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NUMBA_CACHE_DIR",
                      os.path.join(os.path.expanduser("~"), ".cache", "embed", "numba"))
os.environ.setdefault("EMBED_PROGRESS", "0")
