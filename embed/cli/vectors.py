"""`embed analogy | similar | evaluate`: questions asked of trained vectors.

    embed analogy VECTORS "france - paris + rome" [--topn 5] [--cosmul]
    embed similar VECTORS WORD [--topn 10]
    embed evaluate VECTORS [--analogies F] [--pairs F ...] [--json]

VECTORS is a word2vec .bin / .txt / .vec or GloVe text file.
"""
import json
import math

from .options import positive_int
from .output import nan_to_none, percent, print_ranked

VECTORS_HELP = "vectors file (word2vec .bin, .txt, .vec or GloVe text)"


def register(subparsers):
    p = subparsers.add_parser(
        "analogy", allow_abbrev=False, help="answer 'france - paris + rome' with trained vectors",
        description="Answer an analogy expression (words joined by + and -) with 3CosAdd, "
                    "or 3CosMul with --cosmul. A single word lists its neighbours.")
    p.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    p.add_argument("expression", nargs="+", help='e.g. "france - paris + rome"')
    p.add_argument("--topn", type=positive_int, default=5, help="answers to show (default 5)")
    p.add_argument("--cosmul", action="store_true", help="3CosMul (Levy & Goldberg) instead of 3CosAdd")
    p.add_argument("--json", action="store_true", help="print JSON: {expression, answers: [[word, score]]}")
    p.set_defaults(func=cmd_analogy)

    p = subparsers.add_parser(
        "similar", allow_abbrev=False, help="nearest neighbours of a word",
        description="List the nearest neighbours (cosine similarity) of one or more words.")
    p.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    p.add_argument("words", metavar="WORD", nargs="+", help="word(s) to look up")
    p.add_argument("--topn", type=positive_int, default=10, help="neighbours to show (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON: {word: [[word, score], ...]}")
    p.set_defaults(func=cmd_similar)

    p = subparsers.add_parser(
        "evaluate", allow_abbrev=False, help="analogy accuracy and word-similarity correlations",
        description="Evaluate vectors on word analogies (questions-words format) and word-pair "
                    "similarity (word1, word2, score per line, tab- or space-separated: the WordSim353 / "
                    "SimLex-999 files that gensim ships). With no file given, uses "
                    "questions-words, wordsim353 and simlex999 from $EMBED_DATA, the cache or gensim.")
    p.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    p.add_argument("--analogies", metavar="F", default=None,
                   help="questions-words style file (default: questions-words, when no --pairs is given)")
    p.add_argument("--pairs", metavar="F", nargs="+", action="extend", default=None,
                   help="word-pair files, word1 word2 score per line (default: wordsim353 and simlex999, "
                        "when no --analogies is given)")
    p.add_argument("--restrict-vocab", dest="restrict_vocab", type=positive_int, default=300000,
                   help="only the N most frequent words count as known (default 300000, as gensim)")
    p.add_argument("--case-sensitive", action="store_true", help="do not fold case")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_evaluate)


def cmd_analogy(args):
    from ..vectors.keyedvectors import load_vectors
    from ..vectors.query import parse_expression

    expression = " ".join(args.expression)
    parse_expression(expression)  # malformed expressions fail before loading a big file
    kv = load_vectors(args.vectors)
    method = "3CosMul" if args.cosmul else "3CosAdd"
    results = kv.query(expression, topn=args.topn, method="mul" if args.cosmul else "add")
    if args.json:
        print(json.dumps({"expression": expression, "method": method,
                          "answers": [[w, s] for w, s in results]}))
        return 0
    print(f"{expression}  ({method})")
    print_ranked(results)
    return 0


def cmd_similar(args):
    from ..vectors.keyedvectors import load_vectors

    kv = load_vectors(args.vectors)
    kv.indices(args.words)  # name every unknown word at once
    out = {w: kv.most_similar([w], topn=args.topn) for w in args.words}
    if args.json:
        print(json.dumps({w: [[x, s] for x, s in r] for w, r in out.items()}))
        return 0
    for w, r in out.items():
        print(f"nearest to {w!r}:")
        print_ranked(r)
    return 0


def cmd_evaluate(args):
    from ..vectors.evaluation import evaluate_files
    from ..vectors.keyedvectors import load_vectors

    kv = load_vectors(args.vectors)
    result = evaluate_files(kv, args.analogies, args.pairs, args.restrict_vocab, not args.case_sensitive)
    if args.json:
        print(json.dumps(nan_to_none(result)))
        return 0
    print(str(kv))
    a = result["analogies"]
    if a is not None:
        print(f"analogies: 3CosAdd {percent(a['accuracy'])}, 3CosMul {percent(a['cosmul_accuracy'])} "
              f"on {a['total']} of {a['questions']} questions ({percent(a['oov'])} skipped: unknown words)")
        width = max((len(s) for s in a["sections"]), default=0)
        for name, s in a["sections"].items():
            print(f"  {name:<{width}}  {percent(s['accuracy']):>6}  {percent(s['cosmul_accuracy']):>6}  "
                  f"({s['total']} questions)")
    for name, r in result["pairs"].items():
        rho = "n/a" if not math.isfinite(r["spearman"]) else f"{r['spearman']:.3f}"
        pr = "n/a" if not math.isfinite(r["pearson"]) else f"{r['pearson']:.3f}"
        print(f"{name}: Spearman {rho}, Pearson {pr} on {r['pairs']} pairs "
              f"({percent(r['oov'])} skipped: unknown words)")
    return 0
