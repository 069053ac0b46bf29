"""`embed demo`: train on the best corpus available, answer analogies, draw plots.

    embed demo [--corpus PATH] [--epochs N] [--out DIR] [--workers N] [--dim 100]

The steps live in `embed.word2vec.demo`; each `show_*` function here runs one
and prints its result, in the order `cmd_demo` lists them.
"""
import os
import time

from ..errors import EmbedError
from .options import positive_int
from .output import human_count, percent


def register(subparsers):
    p = subparsers.add_parser(
        "demo", allow_abbrev=False, help="train on the best corpus available, answer analogies, draw plots",
        description="Train skip-gram on text8 (downloaded once into the cache; where the network "
                    "is not reachable, the offline corpus built from gensim's wheel), answer three analogies and "
                    "write a cluster plot and an analogy-arrows plot.")
    p.add_argument("--corpus", default=None,
                   help="text file to train on (default: the best corpus available)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="passes over the corpus (default: 5, or 10 on a corpus under 2M words)")
    p.add_argument("--out", default="out", help="folder for the vectors and plots (default ./out)")
    p.add_argument("--offline", action="store_true",
                   help="do not download text8; train on the best corpus already here (default: download "
                        "text8 once into the cache when it is missing)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="training threads (default: 1 on a corpus under 2M words, so that the answers are "
                        "the same on every run; all cores on a larger one)")
    p.add_argument("--dim", dest="vector_size", type=positive_int, default=100, metavar="DIM",
                   help="vector size (default 100)")
    p.set_defaults(func=cmd_demo)


def out_folder(folder):
    """Create `folder` (a one-line error when it is a file or cannot be made)."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise EmbedError(f"--out {folder} is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise EmbedError(f"cannot create folder {folder}: {e.strerror}") from None
    return folder


def show_corpus(path_given, offline=False):
    from ..word2vec import demo
    path, description, note = demo.choose_corpus(path_given, download=not offline)
    if note:
        print(note, flush=True)
    if path_given:
        print(f"corpus: {path} (given with --corpus)", flush=True)
    else:
        print(f"corpus: {description}\n        ({path})", flush=True)
    return path


def show_training(path, args, folder):
    from ..word2vec import demo
    corpus = demo.encode(path)
    n_words = int(corpus.raw_words)
    epochs = args.epochs or demo.default_epochs(n_words)
    workers = args.workers or demo.default_workers(n_words)
    print(f"training skip-gram: {human_count(n_words)} words, {len(corpus.vocab)} in vocabulary, "
          f"dim {args.vector_size}, window {demo.WINDOW}, {demo.NEGATIVE} negatives, {epochs} epochs, "
          f"{workers} thread{'s' if workers > 1 else ''} ...", flush=True)
    model = demo.train(corpus, vector_size=args.vector_size, epochs=epochs, workers=workers)
    vec_path = os.path.join(folder, "vectors.bin")
    model.wv.save_word2vec_format(vec_path, binary=True)
    print(f"trained in {model.train_seconds_:.1f} s ({model.words_per_sec_:,.0f} words/s); "
          f"vectors saved to {vec_path}")
    return model.wv, n_words, vec_path


def print_answer(a):
    rank = a.rank
    verdict = ("correct" if rank == 1 else f"'{a.expected}' is #{rank}" if rank
               else f"'{a.expected}' not in the top {len(a.answers)}")
    print(f"{a.expression} = {a.answers[0][0]}   ({verdict}; top {len(a.answers)}: "
          + ", ".join(f"{w} {s:.2f}" for w, s in a.answers) + ")")


def show_analogies(kv):
    from ..word2vec import demo
    print()
    answers = demo.answer_analogies(kv)
    for a in answers:
        if a.missing:
            print(f"{a.expression}: cannot answer, not in the vocabulary: {', '.join(a.missing)}")
        else:
            print_answer(a)
    if all(a.rank == 1 for a in answers):
        return
    easy = demo.easy_analogies(kv)
    if easy:
        print("\nthese classic analogies need a bigger corpus (text8); simpler ones this corpus's "
              "vocabulary can answer:")
        for a in easy:
            print_answer(a)


def show_neighbours(kv):
    from ..word2vec import demo
    near = demo.neighbours(kv)
    if near:
        print("\nnearest neighbours:")
        for w, others in near.items():
            print(f"  {w}: " + ", ".join(others))


def show_small_corpus_note(n_words):
    from ..word2vec import demo
    if n_words < demo.SMALL_CORPUS_WORDS:
        print(f"\nnote: this corpus has only {human_count(n_words)} words, too few for reliable analogies "
              "with any trainer. For the classic answers run `embed corpora fetch text8` (17M words) "
              "where the network is reachable, then `embed demo` again.")


def show_accuracy(kv):
    from ..word2vec import demo
    r = demo.questions_words_accuracy(kv)
    if r is not None:
        print(f"\nanalogy accuracy on questions-words: {percent(r['accuracy'])} (3CosAdd), "
              f"{percent(r['cosmul_accuracy'])} (3CosMul) on {r['total']} questions "
              f"({percent(r['oov'])} skipped: unknown words)")


def show_plots(kv, folder):
    from ..word2vec import demo
    print()
    print(f"cluster plot:        {demo.cluster_plot(kv, folder)}")
    arrows = demo.analogy_plot(kv, folder)
    if arrows:
        print(f"analogy arrows plot: {arrows}")
    else:
        print("analogy arrows plot skipped: too few of the demo word pairs are in the vocabulary")


def cmd_demo(args):
    from ..fileio import check_distinct, check_writable

    folder = out_folder(args.out)
    t0 = time.perf_counter()
    path = show_corpus(args.corpus, args.offline)
    outputs = [os.path.join(folder, name) for name in ("vectors.bin", "clusters.png", "analogies.png")]
    check_distinct(outputs, [path])  # before training: the corpus must survive
    check_writable(outputs[0])
    kv, n_words, vec_path = show_training(path, args, folder)
    show_analogies(kv)
    show_neighbours(kv)
    show_small_corpus_note(n_words)
    show_accuracy(kv)
    show_plots(kv, folder)
    print(f"\ntry: embed analogy {vec_path} \"king - man + woman\"   |   embed similar {vec_path} france"
          f"   |   embed evaluate {vec_path}")
    print(f"total time {time.perf_counter() - t0:.0f} s")
    return 0
