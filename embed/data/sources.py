"""Where data files are found: the one resolver behind every data set name and file argument.

A name (``tinyshakespeare``, ``questions-words.txt``) or a path is looked up,
in order, as

1. an existing path (absolute, or relative to the current folder);
2. a file in each folder of ``EMBED_DATA`` (``settings.get().data_dirs``);
3. a file in the cache dir (``EMBED_CACHE``, default ``~/.cache/embed``);
4. a file in the test data gensim's wheel ships (``gensim/test/test_data``:
   the evaluation sets, Wikipedia excerpts, ...).

`find` answers with a path or None; `resolve_file` answers with a path or a
one-line EmbedError that says how to get the file (``embed corpora fetch
NAME``, or which folder ``EMBED_DATA`` should name).  The environment is read
only through `embed.settings`.
"""
import importlib.util
import os

from .. import settings
from ..errors import EmbedError
from .catalog import EVAL_SETS, dataset, known

WHERE = ("data", "cache", "gensim")  # every place `find` may look


def data_dirs():
    """Folders listed in ``EMBED_DATA``, in order (absolute paths)."""
    return list(settings.get().data_dirs)


def cache_dir():
    """Where downloads and built corpora go (not created here)."""
    return settings.get().cache_dir


def gensim_test_data():
    """gensim's ``test/test_data`` folder if gensim is installed, else None (gensim is not imported)."""
    try:
        spec = importlib.util.find_spec("gensim")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = os.path.join(os.path.dirname(spec.origin), "test", "test_data")
    return folder if os.path.isdir(folder) else None


def search_folders(where=WHERE):
    """The folders `find` searches, in order, limited to the places in `where`."""
    folders = []
    if "data" in where:
        folders += data_dirs()
    if "cache" in where:
        folders.append(cache_dir())
    if "gensim" in where:
        g = gensim_test_data()
        if g:
            folders.append(g)
    return folders


def _has_separator(name):
    return os.sep in name or bool(os.altsep and os.altsep in name)


def find(name, where=WHERE):
    """Path of the file for `name` (a data set name, a file name, or a path), or None.

    A path with a folder part is taken as given: it exists or it is None.
    """
    name = os.fspath(name)
    if os.path.exists(name) and not os.path.isdir(name):   # a file, or a pipe such as /dev/stdin
        return os.path.abspath(name)
    if _has_separator(name):
        return None
    d = known(name)
    filename = d.filename if d else name
    for folder in search_folders(where):
        path = os.path.join(folder, filename)
        if os.path.isfile(path):
            return path
    return None


def how_to_get(name):
    """A hint for a data set that was not found: which folder EMBED_DATA should name, what to run."""
    d = dataset(name)
    s = settings.get()
    if d.url is None:  # built locally: wiki_sample, offline
        fetch = f"run `embed corpora fetch {d.name}` (needs gensim: pip install 'embed[demo]')"
    elif d.in_gensim:
        fetch = f"install gensim (pip install 'embed[demo]') or run `embed corpora fetch {d.name}`"
    else:
        fetch = f"run `embed corpora fetch {d.name}`"
    if s.data_var_set and not s.data_dirs:
        return f"EMBED_DATA is set but empty: set it to a folder holding {d.filename}, or {fetch}"
    return f"set EMBED_DATA to a folder holding {d.filename}, or {fetch}"


def resolve_file(name_or_path, what="file"):
    """Path of an existing file for a data set name, a file name or a path; EmbedError if none.

    ``resolve_file("questions-words")`` finds the analogy set wherever it is;
    ``resolve_file("corpus.txt")`` is that file.  A missing file named like a
    data set (``/tinyshakespeare.txt``: what ``$EMBED_DATA/tinyshakespeare.txt``
    becomes when EMBED_DATA is unset) gets a hint on how to get it.
    """
    name = os.fspath(name_or_path)
    path = find(name)
    if path is not None:
        return path
    if os.path.isdir(name):
        raise EmbedError(f"{what} is a folder, not a file: {name}")
    d = known(os.path.basename(name)) or known(name)
    if d is None:
        raise EmbedError(f"{what} not found: {name}")
    return _missing(d, name, what)


def eval_file(name):
    """Path of an evaluation set (questions-words, wordsim353, simlex999); EmbedError if absent."""
    d = known(name)
    if d is None or d.name not in EVAL_SETS:
        raise EmbedError(f"unknown evaluation set {name!r}; choose from: {', '.join(EVAL_SETS)}")
    path = find(d.name)
    if path is None:
        _missing(d, d.name, "evaluation set")
    return path


def _missing(d, name, what):
    shown = name if _has_separator(name) else d.name
    raise EmbedError(f"{what} not found: {shown} ({how_to_get(d.name)})")
