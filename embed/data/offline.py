"""The best corpus available without the network, built from the English text gensim's wheel ships.

`default_corpus()` picks text8 (in an EMBED_DATA folder or the cache), else
the offline corpus (`build_offline_corpus`: only unstemmed English text, so
answers and plots show real words), built once into the cache.  The older
``wiki_sample.txt`` recipe (`build_wiki_sample`, which appends a stemmed
excerpt) is kept because the word2vec benchmarks are defined on it.
"""
import os
import re

from ..errors import EmbedError
from ..fileio import atomic_write
from .catalog import DATASETS
from .sources import cache_dir, find, gensim_test_data

# The offline sample: gensim's WikiCorpus over this dump, one article per line,
# then this already-tokenized (stemmed) excerpt of the same articles, kept to
# runs of ASCII letters ("merriam-webst" -> "merriam webst").
_ASCII_WORD = re.compile(r"[a-z]+")
WIKI_DUMP = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
WIKI_EXTRA = "head500.noblanks.cor"


# The offline corpus: unstemmed English only.  Bump catalog.OFFLINE_VERSION (it
# is in the file name) whenever this recipe changes, so cached copies are rebuilt.
OFFLINE_NEWS = ("lee_background.cor", "lee.cor")  # Lee corpus: Australian news, one story per line
OFFLINE_REVIEWS = "pang_lee_polarity.cor"  # movie review sentences, '__label__pos ' prefixed


def default_corpus():
    """``(path, description)`` of the best corpus available without the network."""
    path = find("text8", where=("data", "cache"))
    if path:
        return path, DATASETS["text8"].description
    path = find("offline", where=("data", "cache"))
    if path is None:
        path = build_offline_corpus()
    return path, DATASETS["offline"].description


def build_offline_corpus(force=False, path=None):
    """Write the offline corpus into the cache dir (once); return its path.

    Recipe: the Wikipedia articles of `WIKI_DUMP` tokenized as gensim's
    WikiCorpus does (lower-cased, unstemmed, one article per line), then the
    Lee news stories and the review sentences lower-cased and cut into runs of
    ASCII letters.  No stemmed text: every word is a real word.
    """
    path = path or os.path.join(cache_dir(), DATASETS["offline"].filename)
    if os.path.isfile(path) and not force:
        return path
    source = _gensim_source()
    files = [os.path.join(source, name) for name in (WIKI_DUMP, *OFFLINE_NEWS, OFFLINE_REVIEWS)]
    if not os.path.isfile(files[0]):
        raise EmbedError(f"gensim's test data lacks {WIKI_DUMP}; run `embed corpora fetch text8` instead")
    _make_folder(path)
    with atomic_write(path) as out:
        for tokens in _wiki_articles(files[0]):
            out.write(" ".join(tokens) + "\n")
        for name in files[1:]:
            if not os.path.isfile(name):
                continue  # an older gensim without this file: the corpus is a little smaller
            with open(name, encoding="utf-8", errors="replace") as f:
                for line in f:
                    tokens = _ASCII_WORD.findall(line.lower().removeprefix("__label__pos ")
                                                 .removeprefix("__label__neg "))
                    if tokens:
                        out.write(" ".join(tokens) + "\n")
    return path


def _gensim_source():
    source = gensim_test_data()
    if source is None:
        raise EmbedError("no corpus available offline: install gensim (pip install 'embed[demo]'), "
                         "whose wheel ships Wikipedia excerpts, or run `embed corpora fetch text8`")
    return source


def _make_folder(path):
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create cache dir {os.path.dirname(path)}: {e.strerror}") from None


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
    source = _gensim_source()
    dump, extra = os.path.join(source, WIKI_DUMP), os.path.join(source, WIKI_EXTRA)
    for p in (dump, extra):
        if not os.path.isfile(p):
            raise EmbedError(f"gensim's test data lacks {os.path.basename(p)}; "
                             f"run `embed corpora fetch text8` instead")
    _make_folder(path)
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
