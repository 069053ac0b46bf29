"""Prepare a corpus once: find or download it, then tokenize and encode it into the cache.

    python corpora/prepare.py                 # the default corpus (text8 if present, else wiki_sample)
    python corpora/prepare.py text8           # download text8 (needs the network) and encode it
    python corpora/prepare.py my_corpus.txt   # any UTF-8 text file, one sentence/paragraph per line

The encoded arrays (int32 word ids + int64 sentence offsets + vocabulary) are
written as shards to the user's cache folder (<cache dir>/corpora/, keyed by
the corpus's content), so `embed train ... --cache` and `Word2Vec().fit(encode_corpus(
path, cache=True))` skip tokenizing afterwards.  Settings must match those of
the training run (tokenizer, lowercase, min_count, max_vocab_size).
"""
import argparse
import os
import sys
import time

from embed import data as datasets
from embed.errors import EmbedError
from embed.text.corpus import encode_corpus


def locate(name):
    """Path of `name`: the default corpus, an existing file, or a known data set (fetched)."""
    if name is None:
        path, description = datasets.default_corpus()
        print(f"default corpus: {description}", file=sys.stderr)
        return path
    if os.path.isfile(name):
        return name
    return datasets.find(name) or datasets.fetch(name)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", nargs="?", help="data set name or text file (default: best available)")
    p.add_argument("--tokenizer", default="regexp")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--max-vocab-size", type=int, default=None)
    p.add_argument("--no-lowercase", dest="lowercase", action="store_false")
    args = p.parse_args(argv)
    try:
        path = locate(args.corpus)
        t = time.perf_counter()
        c = encode_corpus(path, tokenizer=args.tokenizer, lowercase=args.lowercase,
                          min_count=args.min_count, max_vocab_size=args.max_vocab_size, cache=True)
    except EmbedError as e:
        print(f"prepare: error: {e}", file=sys.stderr)
        return 2
    print(f"{path}: {c.raw_words:,} tokens, {len(c.vocab):,} words (min_count {args.min_count}), "
          f"{c.n_sentences:,} sentences, {time.perf_counter() - t:.1f} s"
          + (" (already cached)" if c.from_cache else ""))
    print(f"cache: {c.cache_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
