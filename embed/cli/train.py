"""`embed train`: word2vec on a text file, vectors saved as .bin or .txt/.vec.

    embed train CORPUS -o OUT [--cbow] [--dim 100] [--window 5] [--negative 5]
                [--min-count 5] [--sample 1e-3] [--epochs 5] [--workers N] [--seed S] [--json]

Also takes the C tool's spellings (-size, -iter, -threads, -min-count, -window,
-negative, -sample, -cbow 0|1, -hs 0|1, -alpha, -output, -binary 0|1).  The
output format follows OUT's suffix: .bin binary, .txt/.vec text.  Each option's
``dest`` is the `train_on_file` parameter it feeds.
"""
import argparse
import json
import sys

from ..errors import EmbedError
from .options import float_below, non_negative_float, non_negative_int, positive_int
from .output import human_count, nan_to_none


def register(subparsers):
    p = subparsers.add_parser(
        "train", allow_abbrev=False,
        help="train word2vec vectors on a text file",
        description="Train word2vec (skip-gram by default, --cbow for CBOW) on a text corpus and "
                    "save the vectors (.bin word2vec binary, .txt/.vec word2vec text). "
                    "The C tool's option names (-size, -iter, -threads, -min-count, ...) work too.")
    p.add_argument("corpus", help="text file, one sentence or paragraph per line (or one huge line)")
    p.add_argument("-o", "--output", "-output", dest="output", required=True, metavar="OUT",
                   help="where to save the vectors: .bin (binary) or .txt/.vec (text)")
    p.add_argument("--cbow", action="store_true", help="CBOW (mean of context) instead of skip-gram")
    p.add_argument("-cbow", dest="cbow_c", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    p.add_argument("--dim", "-size", dest="vector_size", type=positive_int, default=100, metavar="DIM",
                   help="vector size (default 100)")
    p.add_argument("--window", "-window", type=positive_int, default=5, help="max context distance (default 5)")
    p.add_argument("--negative", "-negative", type=non_negative_int, default=5,
                   help="negative samples per pair, 0 with --hs for pure hierarchical softmax (default 5)")
    p.add_argument("--hs", action="store_true", help="also train hierarchical softmax")
    p.add_argument("-hs", dest="hs_c", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    p.add_argument("--min-count", "-min-count", dest="min_count", type=positive_int, default=5,
                   help="ignore words seen fewer times (default 5)")
    p.add_argument("--max-vocab-size", dest="max_vocab_size", type=positive_int, default=None,
                   help="keep at most this many words (default: no limit)")
    p.add_argument("--sample", "-sample", type=non_negative_float, default=1e-3,
                   help="down-sampling threshold for frequent words, 0 = off (default 1e-3)")
    p.add_argument("--epochs", "-iter", dest="epochs", type=positive_int, default=5,
                   help="passes over the corpus (default 5)")
    p.add_argument("--alpha", "-alpha", type=float_below(10), default=None,
                   help="initial learning rate (default 0.035 skip-gram, 0.07 CBOW)")
    p.add_argument("--workers", "-threads", dest="workers", type=positive_int, default=None,
                   help="training threads (default: all cores)")
    p.add_argument("--seed", type=non_negative_int, default=1,
                   help="random seed; with --workers 1 runs are identical (default 1)")
    p.add_argument("--tokenizer", default="regexp",
                   help="regexp (default), wordpunct, treebank, tweet or word_tokenize")
    p.add_argument("--no-lowercase", dest="lowercase", action="store_false",
                   help="keep the case of words (default: lower-case every word)")
    p.add_argument("--cache", action="store_true",
                   help="keep the tokenized corpus in your cache folder (~/.cache/embed, or $EMBED_CACHE) "
                        "so the next run on the same text and settings skips tokenizing")
    p.add_argument("--cluster", default=None, metavar="ADDRESS",
                   help="train on a Dask cluster: tcp://scheduler:8786, or local:N for N worker processes "
                        "here (needs pip install \"embed[distributed]\"); CORPUS may then be a folder, a glob "
                        "or a URL every worker can read (s3://bucket/corpus/*.txt with s3fs installed) "
                        "(default: train on this machine)")
    p.add_argument("-binary", dest="binary_c", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (words_per_sec, train_seconds, vocab_size, epoch_loss)")
    p.set_defaults(func=cmd_train)


def _output_format(path, binary_flag=None):
    from ..vectors.formats import format_from_suffix
    if binary_flag is not None:
        return "binary" if binary_flag else "text"
    return format_from_suffix(path)


def check_output_folder(path, inputs=()):
    """Fail now, not after training, if `path` cannot be written or is one of the `inputs`."""
    from ..fileio import check_distinct, check_writable
    check_distinct(path, inputs)
    check_writable(path)


def cmd_train(args):
    from ..word2vec import native
    from ..word2vec.train import train_on_file

    sg = not (args.cbow or args.cbow_c == 1)
    hs = bool(args.hs or args.hs_c == 1)
    if args.negative == 0 and not hs:
        raise EmbedError("--negative 0 needs --hs (hierarchical softmax); otherwise nothing is trained")
    fmt = _output_format(args.output, args.binary_c)
    check_output_folder(args.output, [args.corpus])
    model, corpus = train_on_file(
        args.corpus, sg=sg, vector_size=args.vector_size, window=args.window, negative=args.negative,
        hs=hs, min_count=args.min_count, max_vocab_size=args.max_vocab_size, sample=args.sample,
        epochs=args.epochs, alpha=args.alpha, workers=args.workers, seed=args.seed,
        tokenizer=args.tokenizer, lowercase=args.lowercase, cache=args.cache, cluster=args.cluster)
    # text numbers by the compiled kernels the run has loaded (a cluster run's client has not)
    kernels = native.load() if fmt != "binary" and args.cluster is None else None
    model.wv.save_word2vec_format(args.output, binary=(fmt == "binary"), kernels=kernels)
    replaced = int(getattr(corpus, "replaced_bytes", 0) or 0)
    wps = float(model.words_per_sec_)
    if args.json:
        if replaced:
            print(f"embed train: note: replaced {replaced} invalid UTF-8 byte(s) in {args.corpus}",
                  file=sys.stderr)
        print(json.dumps({"words_per_sec": wps,
                          "train_seconds": float(model.train_seconds_),
                          "vocab_size": len(model.wv),
                          "epoch_loss": nan_to_none([float(x) for x in model.epoch_loss_])}))
        return 0
    loss = model.epoch_loss_[-1] if len(model.epoch_loss_) else float("nan")
    note = f"; replaced {replaced} invalid UTF-8 byte(s)" if replaced else ""
    print(f"trained {'skip-gram' if sg else 'CBOW'} on {human_count(corpus.raw_words)} words "
          f"({len(model.wv)} in vocabulary), {args.epochs} epoch(s) in {model.train_seconds_:.1f} s, "
          f"final loss {loss:.4f}; saved {args.output} ({fmt}){note}")
    print(f"{wps:,.0f} words/s")
    return 0
