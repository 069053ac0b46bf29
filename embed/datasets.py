"""Where corpora and evaluation sets come from, and how to get them.

Known data sets (``DATASETS``):

================  ===========================  ==========================================
name              file                         source
================  ===========================  ==========================================
text8             text8                        Matt Mahoney's text8.zip (100 MB Wikipedia)
tinyshakespeare   tinyshakespeare.txt          Karpathy's char-rnn data
questions-words   questions-words.txt          word2vec analogy set (gensim's copy)
wordsim353        wordsim353.tsv               WordSim-353 (gensim's copy)
simlex999         simlex999.txt                SimLex-999 (gensim's copy)
wiki_sample       wiki_sample.txt              built offline from gensim's wheel
================  ===========================  ==========================================

`find(name)` looks, in order, at an explicit path, the folders of
``$EMBED_DATA`` (a path list), the cache dir (``$EMBED_CACHE``, default
``~/.cache/embed``), and the test data that gensim's wheel ships
(``gensim/test/test_data/``: the evaluation sets, Wikipedia excerpts, ...).
`fetch(name)` downloads into the cache dir, checking SHA-256, atomically.
`default_corpus()` picks the best corpus available offline.
"""
import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass

from .errors import EmbedError
from .fileio import atomic_write

_GENSIM_RAW = "https://raw.githubusercontent.com/piskvorky/gensim/4.4.0/gensim/test/test_data/"


@dataclass(frozen=True)
class Dataset:
    name: str  # what users type: `embed corpora fetch NAME`
    filename: str  # the file's name in $EMBED_DATA / the cache dir
    description: str  # one line for `embed corpora list` and the demo
    url: str | None = None  # where `fetch` downloads it (None: built locally)
    sha256: str | None = None  # checksum of the downloaded file (the archive, if zipped)
    member: str | None = None  # file inside a zip archive to extract
    size: int | None = None  # expected size of the final file, when known
    in_gensim: bool = False  # gensim's wheel ships an identical copy


DATASETS = {d.name: d for d in [
    Dataset("text8", "text8",
            "text8: first 10^8 bytes of English Wikipedia, cleaned (17M words, one line)",
            url="http://mattmahoney.net/dc/text8.zip",
            sha256="a6640522afe85d1963ad56c05b0ede0a0c000dddc9671758a6cc09b7a38e5232",
            member="text8", size=100_000_000),
    Dataset("tinyshakespeare", "tinyshakespeare.txt",
            "tinyshakespeare: 1.1M characters of Shakespeare (char-rnn)",
            url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                "tinyshakespeare/input.txt",
            sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            size=1_115_394),
    Dataset("questions-words", "questions-words.txt",
            "questions-words: Google analogy test set (19,544 questions, 14 sections)",
            url=_GENSIM_RAW + "questions-words.txt",
            sha256="8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
            in_gensim=True),
    Dataset("wordsim353", "wordsim353.tsv",
            "wordsim353: WordSim-353 word pairs with human similarity scores",
            url=_GENSIM_RAW + "wordsim353.tsv",
            sha256="f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d",
            in_gensim=True),
    Dataset("simlex999", "simlex999.txt",
            "simlex999: SimLex-999 word pairs with human similarity scores",
            url=_GENSIM_RAW + "simlex999.txt",
            sha256="d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d",
            in_gensim=True),
    Dataset("wiki_sample", "wiki_sample.txt",
            "wiki_sample: ~790k words of Wikipedia excerpts from gensim's test data (offline)"),
]}

EVAL_SETS = ("questions-words", "wordsim353", "simlex999")

# The offline sample: gensim's WikiCorpus over this dump, one article per line,
# then this already-tokenized (stemmed) excerpt of the same articles, kept to
# runs of ASCII letters ("merriam-webst" -> "merriam webst").
_ASCII_WORD = re.compile(r"[a-z]+")
WIKI_DUMP = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
WIKI_EXTRA = "head500.noblanks.cor"


# -- locations -----------------------------------------------------------------
def cache_dir():
    """``$EMBED_CACHE``, else ``~/.cache/embed`` (not created here)."""
    return os.path.abspath(os.environ.get("EMBED_CACHE")
                           or os.path.join(os.path.expanduser("~"), ".cache", "embed"))


def data_dirs():
    """Folders listed in ``$EMBED_DATA`` (separated by ``os.pathsep``)."""
    raw = os.environ.get("EMBED_DATA", "")
    return [os.path.abspath(p) for p in raw.split(os.pathsep) if p]


def gensim_test_data():
    """gensim's ``test/test_data`` folder if gensim is installed, else None (no import)."""
    try:
        spec = importlib.util.find_spec("gensim")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = os.path.join(os.path.dirname(spec.origin), "test", "test_data")
    return folder if os.path.isdir(folder) else None


def dataset(name):
    """The `Dataset` called `name` (also accepts its file name); EmbedError if unknown."""
    if name in DATASETS:
        return DATASETS[name]
    for d in DATASETS.values():
        if name == d.filename:
            return d
    raise EmbedError(f"unknown data set {name!r}; choose from: {', '.join(DATASETS)}")


def _filename(name):
    try:
        return dataset(name).filename
    except EmbedError:
        return name


def find(name, where=("data", "cache", "gensim")):
    """Path of the file for `name` (a data set name, a file name, or a path), or None.

    Looks at an explicit existing path, then ``$EMBED_DATA``, the cache dir and
    gensim's test data (only the places listed in `where`).
    """
    name = os.fspath(name)
    if os.path.isfile(name):  # an explicit path (relative to the current folder, or absolute)
        return os.path.abspath(name)
    if os.sep in name or (os.altsep and os.altsep in name):
        return None
    filename = _filename(name)
    folders = []
    if "data" in where:
        folders += data_dirs()
    if "cache" in where:
        folders.append(cache_dir())
    if "gensim" in where:
        g = gensim_test_data()
        if g:
            folders.append(g)
    for folder in folders:
        path = os.path.join(folder, filename)
        if os.path.isfile(path):
            return path
    return None


def eval_file(name):
    """Path of an evaluation set (questions-words, wordsim353, simlex999); EmbedError if absent."""
    if name not in EVAL_SETS and name not in {DATASETS[n].filename for n in EVAL_SETS}:
        raise EmbedError(f"unknown evaluation set {name!r}; choose from: {', '.join(EVAL_SETS)}")
    path = find(name)
    if path is None:
        d = dataset(name)
        raise EmbedError(f"{d.filename} not found in $EMBED_DATA, {cache_dir()} or gensim's test "
                         f"data; install gensim (pip install 'embed[demo]') or run "
                         f"`embed corpora fetch {d.name}`")
    return path


# -- downloading -----------------------------------------------------------------
_urlopen = urllib.request.urlopen  # tests replace this; no network in tests


def fetch(name, force=False, url=None, timeout=60):
    """Download data set `name` into the cache dir (SHA-256 checked, atomic); return its path.

    An existing copy in the cache is returned as is unless `force`.  `url`
    overrides the data set's URL (a mirror, or ``file://`` for a local copy).
    """
    d = dataset(name)
    if d.url is None:
        if d.name == "wiki_sample":
            return build_wiki_sample(force=force)
        raise EmbedError(f"{d.name} cannot be downloaded")
    folder = cache_dir()
    target = os.path.join(folder, d.filename)
    if os.path.isfile(target) and not force:
        return target
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create cache dir {folder}: {e.strerror}") from None
    url = url or d.url
    fd, tmp = tempfile.mkstemp(prefix=f".{d.filename}.", suffix=".download", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _download(url, out, d.name, timeout)
        if d.sha256 and digest != d.sha256:
            raise EmbedError(f"checksum mismatch for {d.name} from {url}: expected sha256 "
                             f"{d.sha256[:16]}..., got {digest[:16]}... (download discarded)")
        if d.member:
            _extract(tmp, d.member, target, d)
        else:
            _check_size(tmp, d)
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return target


def _download(url, out, name, timeout):
    """Copy `url` into the open binary file `out`; return the sha256 hex digest."""
    h = hashlib.sha256()
    try:
        with _urlopen(url, timeout=timeout) as response:
            while True:
                block = response.read(1 << 20)
                if not block:
                    break
                h.update(block)
                out.write(block)
    except urllib.error.HTTPError as e:
        raise EmbedError(f"cannot download {name} from {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise EmbedError(f"cannot download {name} from {url}: {reason} (offline? put the file "
                         f"in a folder named by $EMBED_DATA instead)") from None
    return h.hexdigest()


def _extract(archive, member, target, d):
    try:
        with zipfile.ZipFile(archive) as z, z.open(member) as src, \
                atomic_write(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            if d.size is not None and dst.tell() != d.size:
                raise EmbedError(f"{d.name}: {member} in the archive has {dst.tell()} bytes, "
                                 f"expected {d.size}")
    except (zipfile.BadZipFile, KeyError) as e:
        raise EmbedError(f"{d.name}: downloaded archive is damaged ({e})") from None


def _check_size(path, d):
    if d.size is not None and os.path.getsize(path) != d.size:
        raise EmbedError(f"{d.name}: downloaded {os.path.getsize(path)} bytes, expected {d.size}")


# -- the offline default corpus --------------------------------------------------------
def default_corpus():
    """``(path, description)`` of the best corpus available without the network.

    text8 (in ``$EMBED_DATA`` or the cache), else ``wiki_sample.txt`` in
    ``$EMBED_DATA`` or the cache, else that sample built once from gensim's wheel.
    """
    path = find("text8", where=("data", "cache"))
    if path:
        return path, DATASETS["text8"].description
    path = find("wiki_sample", where=("data", "cache"))
    if path is None:
        path = build_wiki_sample()
    return path, DATASETS["wiki_sample"].description


def build_wiki_sample(force=False, path=None):
    """Write the offline Wikipedia sample into the cache dir (once); return its path.

    Recipe (the same as the shared ``wiki_sample.txt``): gensim's WikiCorpus
    tokenization of `WIKI_DUMP` (articles of at least 50 tokens, main namespace,
    lower-cased), one article per line, followed by the lines of `WIKI_EXTRA`
    reduced to runs of ASCII letters.
    Runs in this process (no multiprocessing pool), in a few seconds.
    """
    path = path or os.path.join(cache_dir(), DATASETS["wiki_sample"].filename)
    if os.path.isfile(path) and not force:
        return path
    source = gensim_test_data()
    if source is None:
        raise EmbedError("no corpus available offline: install gensim (pip install 'embed[demo]'), "
                         "whose wheel ships Wikipedia excerpts, or run `embed corpora fetch text8`")
    dump, extra = os.path.join(source, WIKI_DUMP), os.path.join(source, WIKI_EXTRA)
    for p in (dump, extra):
        if not os.path.isfile(p):
            raise EmbedError(f"gensim's test data lacks {os.path.basename(p)}; "
                             f"run `embed corpora fetch text8` instead")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create cache dir {os.path.dirname(path)}: {e.strerror}") from None
    with atomic_write(path) as out:
        for tokens in _wiki_articles(dump):
            out.write(" ".join(tokens))
            out.write("\n")
        with open(extra, encoding="utf-8") as f:
            for line in f:
                tokens = _ASCII_WORD.findall(line.lower())
                if tokens:
                    out.write(" ".join(tokens))
                    out.write("\n")
    return path


def _wiki_articles(dump):
    """Token lists of the articles in a bz2 Wikipedia dump, as gensim's WikiCorpus yields them."""
    import bz2
    import logging

    from gensim.corpora import wikicorpus as wc

    logging.getLogger("gensim").setLevel(logging.WARNING)
    with bz2.BZ2File(dump) as f:
        for title, text, pageid in wc.extract_pages(f, ("0",)):
            tokens, _, _ = wc.process_article((text, title, pageid))
            if len(tokens) < wc.ARTICLE_MIN_WORDS:
                continue
            if any(title.startswith(ns + ":") for ns in wc.IGNORED_NAMESPACES):
                continue
            yield tokens
