"""`embed corpora ...`: list, locate and download corpora and evaluation sets.

    embed corpora list                 every known data set: where it was found, and its URL
    embed corpora path NAME            print the path of NAME (exit 2 if not present)
    embed corpora fetch NAME [--force] download NAME into the cache dir (SHA-256 checked)
    embed corpora stats FILE           tokens, vocabulary and sentences of a text file
"""
from .options import positive_int


def register(subparsers):
    p = subparsers.add_parser("corpora", help="list, locate and download corpora and evaluation sets",
                              description="List, locate and download corpora and evaluation sets. "
                                          "Files are looked up in $EMBED_DATA, the cache dir "
                                          "($EMBED_CACHE, default ~/.cache/embed) and gensim's "
                                          "test data.")
    sub = p.add_subparsers(dest="corpora_command", metavar="ACTION")
    sub.required = True

    q = sub.add_parser("list", help="known data sets, where each was found, and its URL")
    q.set_defaults(func=cmd_list)

    q = sub.add_parser("path", help="print the path of a data set (exit 2 if not present)")
    q.add_argument("name", metavar="NAME", help="data set name, as listed by `embed corpora list`")
    q.set_defaults(func=cmd_path)

    q = sub.add_parser("fetch", help="download a data set into the cache dir (SHA-256 checked)")
    q.add_argument("name", metavar="NAME", help="data set name, as listed by `embed corpora list`")
    q.add_argument("--force", action="store_true", help="download again even if already cached")
    q.add_argument("--url", default=None,
                   help="download from this URL (a mirror) instead (default: the data set's own URL)")
    q.set_defaults(func=cmd_fetch)

    q = sub.add_parser("stats", help="tokenize a text file and print its size, vocabulary, sentences")
    q.add_argument("corpus", metavar="FILE", help="text file to tokenize")
    q.add_argument("--tokenizer", default="regexp",
                   help="regexp (default), wordpunct, treebank, tweet, word_tokenize")
    q.add_argument("--no-lowercase", dest="lowercase", action="store_false",
                   help="keep upper case (default: lower-case every token)")
    q.add_argument("--min-count", dest="min_count", type=positive_int, default=5,
                   help="drop words seen fewer times (default 5)")
    q.add_argument("--top", type=positive_int, default=10,
                   help="show this many most frequent words (default 10)")
    q.add_argument("--cache", action="store_true", help="write/reuse the encoded-corpus cache")
    q.set_defaults(func=cmd_stats)


def cmd_list(args):
    from .. import data as ds

    print(f"cache dir: {ds.cache_dir()}")
    print(f"EMBED_DATA: {', '.join(ds.data_dirs()) or '(not set)'}")
    print(f"gensim test data: {ds.gensim_test_data() or '(gensim not installed)'}")
    width = max(len(n) for n in ds.DATASETS)
    for name, d in ds.DATASETS.items():
        path = ds.find(name)
        print(f"{name:<{width}}  {path or 'not present'}")
        print(f"{'':<{width}}  {d.description}")
        source = d.url or f"built offline from gensim's test data: embed corpora fetch {name}"
        print(f"{'':<{width}}  {source}")
    return 0


def cmd_path(args):
    from .. import data as ds
    from ..errors import EmbedError

    d = ds.dataset(args.name)
    path = ds.find(d.name)
    if path is None:
        how = f"embed corpora fetch {d.name}"
        raise EmbedError(f"{d.name} not present in $EMBED_DATA, {ds.cache_dir()} or gensim's "
                         f"test data; get it with `{how}`")
    print(path)
    return 0


def cmd_fetch(args):
    import sys

    from .. import data as ds

    d = ds.dataset(args.name)
    where = d.url or "gensim's test data"
    print(f"fetching {d.name} from {args.url or where} ...", file=sys.stderr)
    path = ds.fetch(d.name, force=args.force, url=args.url)
    print(path)
    return 0


def cmd_stats(args):
    import time

    from ..text.corpus import encode_corpus
    from ..word2vec import native

    t = time.perf_counter()
    c = encode_corpus(args.corpus, tokenizer=args.tokenizer, lowercase=args.lowercase,
                      min_count=args.min_count, cache=args.cache,
                      kernels=native.load())  # the compiled vocabulary pass, as `embed train` uses
    seconds = time.perf_counter() - t
    v = c.vocab
    print(f"corpus: {args.corpus}")
    print(f"tokens: {c.raw_words} read, {c.n_tokens} in vocabulary "
          f"({c.n_tokens / max(c.raw_words, 1):.1%})")
    print(f"vocabulary: {len(v)} words with count >= {args.min_count}")
    print(f"sentences: {c.n_sentences} (lines longer than {c.settings['max_words']} tokens are split)")
    if c.replaced_bytes:
        n = c.replaced_bytes
        print(f"warning: {n} byte{'s' if n != 1 else ''} not valid UTF-8 replaced by U+FFFD")
    top = ", ".join(f"{w} {n}" for w, n in zip(v.words[:args.top], v.counts[:args.top].tolist()))
    print(f"most frequent: {top}")
    src = "read from cache" if c.from_cache else f"{c.raw_words / max(seconds, 1e-9):,.0f} tokens/s"
    print(f"time: {seconds:.2f} s ({src})" + (f"; cache: {c.cache_path}" if c.cache_path else ""))
    return 0
