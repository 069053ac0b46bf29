"""The best corpus available without the network, and the Wikipedia sample built from gensim's wheel.

`default_corpus()` picks text8 (in an EMBED_DATA folder or the cache), else
``wiki_sample.txt`` there, else builds that sample once from the test data
gensim's wheel ships (`build_wiki_sample`).
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


def default_corpus():
    """``(path, description)`` of the best corpus available without the network."""
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
