"""`embed train | analogy | similar | evaluate | demo`: word2vec from the command line.

Outside tools script against these names (see the README)::

    embed train CORPUS -o OUT [--cbow] [--dim 100] [--window 5] [--negative 5]
                [--min-count 5] [--sample 1e-3] [--epochs 5] [--workers N] [--seed S] [--json]
    embed analogy OUT "france - paris + rome" [--topn 5] [--cosmul]
    embed similar OUT WORD [--topn 10]
    embed evaluate OUT [--analogies F] [--pairs F ...] [--json]
    embed demo [--corpus PATH] [--epochs N] [--out DIR]

`train` also takes the C tool's spellings (-size, -iter, -threads, -min-count,
-window, -negative, -sample, -cbow 0|1, -hs 0|1, -alpha, -output, -binary 0|1).
The output format follows OUT's suffix: .bin binary, .txt/.vec text.

Heavy imports (numpy, Numba kernels, matplotlib) happen inside the handlers so
that `embed --help` stays fast.  Problems the user can fix are `EmbedError`s:
one line on stderr, exit status 2.
"""
import argparse
import json
import math
import os
import sys
import time

from ..errors import EmbedError


def register(subparsers):
    _register_train(subparsers)
    _register_queries(subparsers)
    _register_demo(subparsers)


# --------------------------------------------------------------------------- train

def _register_train(subparsers):
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
    p.add_argument("--dim", "-size", dest="dim", type=int, default=100, help="vector size (default 100)")
    p.add_argument("--window", "-window", type=int, default=5, help="max context distance (default 5)")
    p.add_argument("--negative", "-negative", type=int, default=5,
                   help="negative samples per pair, 0 with --hs for pure hierarchical softmax (default 5)")
    p.add_argument("--hs", action="store_true", help="also train hierarchical softmax")
    p.add_argument("-hs", dest="hs_c", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    p.add_argument("--min-count", "-min-count", dest="min_count", type=int, default=5,
                   help="ignore words seen fewer times (default 5)")
    p.add_argument("--max-vocab-size", dest="max_vocab_size", type=int, default=None,
                   help="keep at most this many words (default: no limit)")
    p.add_argument("--sample", "-sample", type=float, default=1e-3,
                   help="down-sampling threshold for frequent words, 0 = off (default 1e-3)")
    p.add_argument("--epochs", "-iter", dest="epochs", type=int, default=5, help="passes over the corpus (default 5)")
    p.add_argument("--alpha", "-alpha", type=float, default=None,
                   help="initial learning rate (default 0.025 skip-gram, 0.05 CBOW)")
    p.add_argument("--workers", "-threads", dest="workers", type=int, default=None,
                   help="training threads (default: all cores)")
    p.add_argument("--seed", type=int, default=1, help="random seed (workers=1 gives identical runs)")
    p.add_argument("--tokenizer", default="regexp",
                   help="regexp (default), wordpunct, treebank, tweet or word_tokenize")
    p.add_argument("--no-lowercase", dest="lowercase", action="store_false", help="keep the case of words")
    p.add_argument("--cache", action="store_true",
                   help="keep the tokenized corpus in a cache file (next to the corpus, else in ~/.cache/embed) "
                        "so the next run on the same file and settings skips tokenizing")
    p.add_argument("-binary", dest="binary_c", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (words_per_sec, train_seconds, vocab_size, epoch_loss)")
    p.set_defaults(func=cmd_train)


def _check_params(args):
    """Invalid parameter values -> one-line EmbedError, before any work starts."""
    checks = [
        ("--dim", args.dim, args.dim >= 1, "at least 1"),
        ("--window", args.window, args.window >= 1, "at least 1"),
        ("--negative", args.negative, args.negative >= 0, "0 or more"),
        ("--min-count", args.min_count, args.min_count >= 1, "at least 1"),
        ("--sample", args.sample, args.sample >= 0 and math.isfinite(args.sample), "0 or more"),
        ("--epochs", args.epochs, args.epochs >= 1, "at least 1"),
    ]
    if args.workers is not None:
        checks.append(("--workers", args.workers, args.workers >= 1, "at least 1"))
    if args.alpha is not None:
        checks.append(("--alpha", args.alpha, 0 < args.alpha < 10 and math.isfinite(args.alpha),
                       "a positive learning rate"))
    if args.max_vocab_size is not None:
        checks.append(("--max-vocab-size", args.max_vocab_size, args.max_vocab_size >= 1, "at least 1"))
    for name, value, ok, need in checks:
        if not ok:
            raise EmbedError(f"invalid {name} {value}: must be {need}")
    if args.negative == 0 and not args.hs:
        raise EmbedError("--negative 0 needs --hs (hierarchical softmax); otherwise nothing is trained")


def _output_format(path, binary_flag=None):
    from ..vectors.formats import format_from_suffix
    if binary_flag is not None:
        return "binary" if binary_flag else "text"
    return format_from_suffix(path)


def _check_output_folder(path):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise EmbedError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise EmbedError(f"cannot write {path}: folder {folder} is not writable")
    if os.path.isdir(path):
        raise EmbedError(f"cannot write {path}: it is a folder")


def _human(n):
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}"
    return f"{n:.3g}"


def train_model(corpus_path, *, sg=True, dim=100, window=5, negative=5, hs=False, min_count=5,
                max_vocab_size=None, sample=1e-3, epochs=5, alpha=None, workers=None, seed=1,
                tokenizer="regexp", lowercase=True, cache=False):
    """Encode `corpus_path` and train; returns (model, encoded corpus)."""
    from ..fileio import check_readable
    from ..text.corpus import encode_corpus
    from .model import Word2Vec

    check_readable(corpus_path, "corpus file")
    corpus = encode_corpus(corpus_path, tokenizer=tokenizer, lowercase=lowercase, min_count=min_count,
                           max_vocab_size=max_vocab_size, cache=cache)
    model = Word2Vec(vector_size=dim, window=window, negative=negative, hs=hs, sg=sg,
                     min_count=min_count, max_vocab_size=max_vocab_size, sample=sample, alpha=alpha,
                     epochs=epochs, workers=workers or os.cpu_count() or 1, seed=seed,
                     tokenizer=tokenizer, lowercase=lowercase)
    model.fit(corpus)
    return model, corpus


def cmd_train(args):
    sg = not (args.cbow or args.cbow_c == 1)
    hs = args.hs = bool(args.hs or args.hs_c == 1)
    _check_params(args)
    fmt = _output_format(args.output, args.binary_c)
    _check_output_folder(args.output)
    model, corpus = train_model(args.corpus, sg=sg, dim=args.dim, window=args.window,
                                negative=args.negative, hs=hs, min_count=args.min_count,
                                max_vocab_size=args.max_vocab_size, sample=args.sample,
                                epochs=args.epochs, alpha=args.alpha, workers=args.workers,
                                seed=args.seed, tokenizer=args.tokenizer, lowercase=args.lowercase,
                                cache=args.cache)
    model.wv.save_word2vec_format(args.output, binary=(fmt == "binary"))
    replaced = int(getattr(corpus, "replaced_bytes", 0) or 0)
    wps = float(model.words_per_sec_)
    if args.json:
        if replaced:
            print(f"embed train: note: replaced {replaced} invalid UTF-8 byte(s) in {args.corpus}",
                  file=sys.stderr)
        print(json.dumps({"words_per_sec": wps,
                          "train_seconds": float(model.train_seconds_),
                          "vocab_size": len(model.wv),
                          "epoch_loss": [_finite(float(x)) for x in model.epoch_loss_]}))
        return 0
    loss = model.epoch_loss_[-1] if len(model.epoch_loss_) else float("nan")
    note = f"; replaced {replaced} invalid UTF-8 byte(s)" if replaced else ""
    print(f"trained {'skip-gram' if sg else 'CBOW'} on {_human(corpus.raw_words)} words "
          f"({len(model.wv)} in vocabulary), {args.epochs} epoch(s) in {model.train_seconds_:.1f} s, "
          f"final loss {loss:.4f}; saved {args.output} ({fmt}){note}")
    print(f"{wps:,.0f} words/s")
    return 0


# --------------------------------------------------------------------------- queries

def _register_queries(subparsers):
    p = subparsers.add_parser(
        "analogy", allow_abbrev=False, help="answer 'france - paris + rome' with trained vectors",
        description="Answer an analogy expression (words joined by + and -) with 3CosAdd, "
                    "or 3CosMul with --cosmul. A single word lists its neighbours.")
    p.add_argument("vectors", metavar="OUT", help="vector file (.bin, .txt, .vec or GloVe text)")
    p.add_argument("expression", nargs="+", help='e.g. "france - paris + rome"')
    p.add_argument("--topn", type=int, default=5, help="answers to show (default 5)")
    p.add_argument("--cosmul", action="store_true", help="3CosMul (Levy & Goldberg) instead of 3CosAdd")
    p.add_argument("--json", action="store_true", help="print JSON: {expression, answers: [[word, score]]}")
    p.set_defaults(func=cmd_analogy)

    p = subparsers.add_parser(
        "similar", allow_abbrev=False, help="nearest neighbours of a word",
        description="List the nearest neighbours (cosine similarity) of one or more words.")
    p.add_argument("vectors", metavar="OUT", help="vector file")
    p.add_argument("words", metavar="WORD", nargs="+", help="word(s) to look up")
    p.add_argument("--topn", type=int, default=10, help="neighbours to show (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON: {word: [[word, score], ...]}")
    p.set_defaults(func=cmd_similar)

    p = subparsers.add_parser(
        "evaluate", allow_abbrev=False, help="analogy accuracy and word-similarity correlations",
        description="Evaluate vectors on word analogies (questions-words format) and word-pair "
                    "similarity (word1, word2, score per line, tab- or space-separated: the WordSim353 / SimLex-999 files that gensim ships). With no file given, uses "
                    "questions-words, wordsim353 and simlex999 from $EMBED_DATA, the cache or gensim.")
    p.add_argument("vectors", metavar="OUT", help="vector file")
    p.add_argument("--analogies", metavar="F", default=None, help="questions-words style file")
    p.add_argument("--pairs", metavar="F", nargs="+", action="extend", default=None,
                   help="word-pair files (tab separated: word1 word2 score)")
    p.add_argument("--restrict-vocab", dest="restrict_vocab", type=int, default=300000,
                   help="only the N most frequent words count as known (default 300000, as gensim)")
    p.add_argument("--case-sensitive", action="store_true", help="do not fold case")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)


def _check_topn(topn):
    if topn < 1:
        raise EmbedError(f"invalid --topn {topn}: must be at least 1")


def load_vectors(path):
    from ..fileio import check_readable
    from ..vectors.keyedvectors import KeyedVectors
    check_readable(path, "vector file")
    return KeyedVectors.load(path)


def _print_ranked(results):
    width = max((len(w) for w, _ in results), default=0)
    for rank, (w, score) in enumerate(results, 1):
        print(f"  {rank:2d}. {w:<{width}}  {score:.4f}")


def cmd_analogy(args):
    _check_topn(args.topn)
    expression = " ".join(args.expression)
    from ..vectors.query import parse_expression
    parse_expression(expression)  # malformed expressions fail before loading a big file
    kv = load_vectors(args.vectors)
    results = kv.query(expression, topn=args.topn, method="mul" if args.cosmul else "add")
    if args.json:
        print(json.dumps({"expression": expression, "method": "3CosMul" if args.cosmul else "3CosAdd",
                          "answers": [[w, s] for w, s in results]}))
        return 0
    print(f"{expression}  ({'3CosMul' if args.cosmul else '3CosAdd'})")
    _print_ranked(results)
    return 0


def cmd_similar(args):
    _check_topn(args.topn)
    kv = load_vectors(args.vectors)
    kv._indices(args.words)  # name every unknown word at once
    out = {w: kv.most_similar([w], topn=args.topn) for w in args.words}
    if args.json:
        print(json.dumps({w: [[x, s] for x, s in r] for w, r in out.items()}))
        return 0
    for w, r in out.items():
        print(f"nearest to {w!r}:")
        _print_ranked(r)
    return 0


def _finite(x):
    """NaN (nothing evaluated) -> None, so the JSON stays valid."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _pct(x):
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{100 * x:.1f}%"


def evaluate_files(kv, analogies=None, pairs=None, restrict_vocab=300000, case_insensitive=True):
    """The `embed evaluate` result dict (NaN where nothing could be evaluated)."""
    from ..fileio import check_readable
    if analogies is None and not pairs:
        from ..datasets import eval_file
        analogies = eval_file("questions-words")
        pairs = [eval_file("wordsim353"), eval_file("simlex999")]
    for f in ([analogies] if analogies else []) + list(pairs or []):
        check_readable(f, "evaluation file")
    result = {"analogies": None, "pairs": {}}
    if analogies:
        result["analogies"] = kv.evaluate_analogies(analogies, restrict_vocab=restrict_vocab,
                                                    case_insensitive=case_insensitive)
    for f in pairs or []:
        name = os.path.basename(f)
        while name in result["pairs"]:
            name += "'"
        result["pairs"][name] = kv.evaluate_word_pairs(f, restrict_vocab=restrict_vocab,
                                                       case_insensitive=case_insensitive)
    return result


def cmd_evaluate(args):
    if args.restrict_vocab < 1:
        raise EmbedError(f"invalid --restrict-vocab {args.restrict_vocab}: must be at least 1")
    kv = load_vectors(args.vectors)
    result = evaluate_files(kv, args.analogies, args.pairs, args.restrict_vocab,
                            not args.case_sensitive)
    if args.json:
        print(json.dumps(_finite(result)))
        return 0
    print(str(kv))
    a = result["analogies"]
    if a is not None:
        print(f"analogies: 3CosAdd {_pct(a['accuracy'])}, 3CosMul {_pct(a['cosmul_accuracy'])} "
              f"on {a['total']} of {a['questions']} questions ({_pct(a['oov'])} skipped: unknown words)")
        width = max((len(s) for s in a["sections"]), default=0)
        for name, s in a["sections"].items():
            print(f"  {name:<{width}}  {_pct(s['accuracy']):>6}  {_pct(s['cosmul_accuracy']):>6}  "
                  f"({s['total']} questions)")
    for name, r in result["pairs"].items():
        rho = "n/a" if not math.isfinite(r["spearman"]) else f"{r['spearman']:.3f}"
        pr = "n/a" if not math.isfinite(r["pearson"]) else f"{r['pearson']:.3f}"
        print(f"{name}: Spearman {rho}, Pearson {pr} on {r['pairs']} pairs "
              f"({_pct(r['oov'])} skipped: unknown words)")
    return 0


# --------------------------------------------------------------------------- demo

# (expression, expected answer) tried in order; the demo shows france - paris + rome
# and the first two others whose words are all in the vocabulary.
DEMO_ANALOGIES = [
    ("france - paris + rome", "italy"),
    ("king - man + woman", "queen"),
    ("berlin - germany + france", "paris"),
    ("brother - man + woman", "sister"),
    ("london - england + japan", "tokyo"),
    ("bigger - big + small", "smaller"),
    ("walking - walk + swim", "swimming"),
    ("he - his + her", "she"),
]
DEMO_CAPITALS = [("paris", "france"), ("rome", "italy"), ("berlin", "germany"), ("london", "england"),
                 ("madrid", "spain"), ("tokyo", "japan"), ("athens", "greece"), ("moscow", "russia")]
DEMO_GENDER = [("man", "woman"), ("king", "queen"), ("he", "she"), ("boy", "girl"), ("father", "mother")]
DEMO_SEEDS = ["france", "king", "war", "music", "water", "computer", "january", "three", "church",
              "city", "river", "game"]
SMALL_CORPUS_WORDS = 10_000_000  # below this, say that analogy answers are rough


def _register_demo(subparsers):
    p = subparsers.add_parser(
        "demo", allow_abbrev=False, help="train on the best corpus available, answer analogies, draw plots",
        description="Train skip-gram on the best corpus available offline (text8 if fetched, "
                    "else a Wikipedia sample from gensim's wheel), answer three analogies and "
                    "write a cluster plot and an analogy-arrows plot.")
    p.add_argument("--corpus", default=None, help="text file to train on instead of the default corpus")
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over the corpus (default: 5, or 10 on a corpus under 2M words)")
    p.add_argument("--out", default="out", help="folder for the vectors and plots (default ./out)")
    p.add_argument("--workers", type=int, default=None, help="training threads (default: all cores)")
    p.add_argument("--dim", type=int, default=100, help="vector size (default 100)")
    p.set_defaults(func=cmd_demo)


def _out_folder(folder):
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise EmbedError(f"--out {folder} is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create folder {folder}: {e.strerror}") from None
    return folder


def cmd_demo(args):
    if args.epochs is not None and args.epochs < 1:
        raise EmbedError(f"invalid --epochs {args.epochs}: must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise EmbedError(f"invalid --workers {args.workers}: must be at least 1")
    if args.dim < 1:
        raise EmbedError(f"invalid --dim {args.dim}: must be at least 1")
    out = _out_folder(args.out)
    if args.corpus:
        from ..fileio import check_readable
        path = check_readable(args.corpus, "corpus file")
        print(f"corpus: {path} (given with --corpus)", flush=True)
    else:
        from ..datasets import default_corpus
        path, description = default_corpus()
        print(f"corpus: {description}\n        ({path})", flush=True)

    from ..text.corpus import encode_corpus
    t0 = time.perf_counter()
    corpus = encode_corpus(path, min_count=5, cache=True)
    n_words = int(corpus.raw_words)
    epochs = args.epochs or (10 if n_words < 2_000_000 else 5)
    workers = args.workers or os.cpu_count() or 1
    print(f"training skip-gram: {_human(n_words)} words, {len(corpus.vocab)} in vocabulary, "
          f"dim {args.dim}, window 5, 5 negatives, {epochs} epochs, {workers} threads ...", flush=True)
    from .model import Word2Vec
    model = Word2Vec(vector_size=args.dim, window=5, negative=5, sg=True, min_count=5, sample=1e-3,
                     epochs=epochs, workers=workers, seed=1).fit(corpus)
    kv = model.wv
    vec_path = os.path.join(out, "vectors.bin")
    kv.save_word2vec_format(vec_path, binary=True)
    print(f"trained in {model.train_seconds_:.1f} s ({model.words_per_sec_:,.0f} words/s); "
          f"vectors saved to {vec_path}")

    print()
    from ..vectors.query import parse_expression
    shown = 0
    for i, (expression, expected) in enumerate(DEMO_ANALOGIES):
        pos, neg = parse_expression(expression)
        missing = [w for w in pos + neg if w not in kv]
        if missing:
            if i == 0:  # france - paris + rome: say why it is not answered
                print(f"{expression}: cannot answer, not in the vocabulary: {', '.join(missing)}")
            continue
        answers = kv.most_similar(pos, neg, topn=5)
        rank = next((i for i, (w, _) in enumerate(answers, 1) if w == expected), None)
        verdict = ("correct" if rank == 1 else f"'{expected}' is #{rank}" if rank
                   else f"'{expected}' not in the top 5")
        print(f"{expression} = {answers[0][0]}   ({verdict}; top 5: "
              + ", ".join(f"{w} {s:.2f}" for w, s in answers) + ")")
        shown += 1
        if shown == 3:
            break
    neighbour_words = [w for w in ("france", "king", "music", "water") if w in kv][:3]
    if neighbour_words:
        print("\nnearest neighbours:")
        for w in neighbour_words:
            print(f"  {w}: " + ", ".join(x for x, _ in kv.most_similar(w, topn=6)))
    if n_words < SMALL_CORPUS_WORDS:
        print(f"\nnote: this corpus has only {_human(n_words)} words. On a sub-million-word sample "
              "analogy answers are rough for any trainer (gensim answers 'noricum' to "
              "france - paris + rome after 15 epochs on this Wikipedia sample). For real answers "
              "run `embed corpora fetch text8` (17M words), then `embed demo` again.")

    try:
        from ..datasets import eval_file
        qw = eval_file("questions-words")
    except EmbedError:
        qw = None
    if qw:
        r = kv.evaluate_analogies(qw)
        print(f"\nanalogy accuracy on questions-words: {_pct(r['accuracy'])} (3CosAdd), "
              f"{_pct(r['cosmul_accuracy'])} (3CosMul) on {r['total']} questions "
              f"({_pct(r['oov'])} skipped: unknown words)")

    print()
    _demo_plots(kv, out)
    print(f"\ntry: embed analogy {vec_path} \"king - man + woman\"   |   embed similar {vec_path} france"
          f"   |   embed evaluate {vec_path}")
    print(f"total time {time.perf_counter() - t0:.0f} s")
    return 0


def _demo_plots(kv, out):
    from ..viz.plots import analogy_plot, cluster_plot
    from ..viz.selection import select_words

    seeds = [w for w in DEMO_SEEDS if w in kv][:6]
    cluster_path = os.path.join(out, "clusters.png")
    if len(seeds) >= 2:  # t-SNE separates seed neighbourhoods better than PCA
        cluster_plot(kv, select_words(kv, around=seeds, per_seed=8), cluster_path, method="tsne")
    else:
        cluster_plot(kv, select_words(kv, top=100), cluster_path, method="pca")
    print(f"cluster plot:        {cluster_path}")
    pairs = [(a, b) for a, b in DEMO_CAPITALS if a in kv and b in kv][:8]
    if len(pairs) < 3:
        pairs = [(a, b) for a, b in DEMO_GENDER if a in kv and b in kv]
    if len(pairs) >= 2:
        arrows_path = os.path.join(out, "analogies.png")
        analogy_plot(kv, pairs, arrows_path)
        print(f"analogy arrows plot: {arrows_path}")
    else:
        print("analogy arrows plot skipped: too few of the demo word pairs are in the vocabulary")
