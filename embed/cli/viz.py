"""`embed plot` (cluster plots, analogy arrows, heat maps) and `embed export` (TensorBoard projector).

    embed plot vectors.txt --top 150 --method tsne -o clusters.png
    embed plot vectors.txt --around france,king,music -o around.svg
    embed plot vectors.txt --pairs paris:france,rome:italy,berlin:germany -o arrows.png
    embed plot vectors.txt --heatmap --words king,queen,man,woman -o sim.png
    embed export vectors.txt --projector projector/

Heavy imports (numpy, matplotlib, scikit-learn) happen inside the handlers.
"""
from ..errors import EmbedError
from .options import non_negative_int, picture_size, positive_float, positive_int

VECTORS_HELP = "vectors file (word2vec .bin, .txt, .vec or GloVe text)"


def register(subparsers):
    p = subparsers.add_parser(
        "plot", help="draw word vectors: clusters, analogy arrows or a similarity heat map",
        description="Draw word vectors in 2-D (coloured by k-means cluster or by seed word), analogy "
                    "offsets as arrows (--pairs), or a cosine-similarity heat map (--heatmap).")
    p.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--words", help="comma-separated words to draw")
    which.add_argument("--top", type=positive_int, metavar="N", help="draw the N most frequent words")
    which.add_argument("--around", metavar="W1,W2", help="draw these seed words and their nearest neighbours")
    which.add_argument("--pairs", metavar="A:B,...",
                       help="analogy arrows a->b in a PCA of these words, e.g. paris:france,rome:italy "
                            "('auto': a well-known relation the vocabulary covers)")
    p.add_argument("--per-seed", dest="per_seed", type=positive_int, default=10, metavar="K",
                   help="neighbours per seed word with --around (default 10)")
    p.add_argument("--heatmap", action="store_true", help="cosine-similarity heat map of the chosen words")
    p.add_argument("--order", choices=["given", "groups", "cluster"], default=None,
                   help="heat map row order (default: by seed with --around, else as given; "
                        "cluster = similar words together)")
    p.add_argument("--method", choices=["pca", "tsne", "umap"], default="pca",
                   help="2-D projection (default pca; umap needs umap-learn)")
    p.add_argument("--clusters", type=non_negative_int, metavar="K",
                   help="k-means clusters for the colours (default: about sqrt(n/2); 0 = one colour)")
    p.add_argument("--perplexity", type=positive_float, default=30.0, help="t-SNE perplexity (default 30)")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="random seed for t-SNE/UMAP and k-means (default 0)")
    p.add_argument("--title", help="title instead of the automatic one (default: automatic)")
    p.add_argument("--size", type=picture_size, default=None, metavar="WxH",
                   help="picture size in pixels (default 1800x1350)")
    p.add_argument("--dpi", type=positive_int, default=150, help="dots per inch (default 150)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="picture to write (.png, .svg or .pdf)")
    p.set_defaults(func=cmd_plot)

    e = subparsers.add_parser(
        "export", help="export vectors for the TensorBoard projector",
        description="Write vectors.tsv and metadata.tsv for https://projector.tensorflow.org "
                    "(load both files there with 'Load').")
    e.add_argument("vectors", metavar="VECTORS", help=VECTORS_HELP)
    e.add_argument("--projector", required=True, metavar="DIR", help="folder for vectors.tsv and metadata.tsv")
    e.add_argument("--top", type=positive_int, metavar="N",
                   help="only the N most frequent words (default: every word)")
    e.set_defaults(func=cmd_export)


def cmd_plot(args):
    from ..fileio import check_distinct, check_writable
    from ..vectors.keyedvectors import load_vectors
    from ..viz import plots
    from ..viz.selection import notice, select_words

    size = args.size
    check_distinct(args.output, [args.vectors])  # a vectors file named .png must survive
    plots.check_output(args.output)  # before loading vectors or any slow work
    check_writable(args.output)
    if args.pairs is not None and args.heatmap:
        raise EmbedError("--heatmap draws word lists; it cannot be combined with --pairs")
    kv = load_vectors(args.vectors)
    sized = {"dpi": args.dpi} | ({"size": size} if size else {})
    if args.pairs is not None:
        if args.method != "pca":
            notice("analogy arrows always use a PCA fitted on the pair words; --method is ignored")
        plots.analogy_plot(kv, args.pairs, args.output, title=args.title, **sized)
    else:
        words = select_words(kv, words=args.words, top=args.top, around=args.around, per_seed=args.per_seed)
        if args.clusters is not None:
            words.groups = None  # asked for k-means colours, also with --around
        if args.heatmap:
            plots.similarity_heatmap(kv, words, args.output, title=args.title, order=args.order,
                                     **sized)
        else:
            plots.cluster_plot(kv, words, args.output, method=args.method, clusters=args.clusters,
                               title=args.title, seed=args.seed, perplexity=args.perplexity, **sized)
    print(f"wrote {args.output}")
    return 0


def cmd_export(args):
    import os

    from ..fileio import check_distinct
    from ..vectors.keyedvectors import load_vectors
    from ..viz.export import export_projector

    outputs = [os.path.join(args.projector, name) for name in ("vectors.tsv", "metadata.tsv")]
    check_distinct(outputs, [args.vectors])
    kv = load_vectors(args.vectors)
    vectors_tsv, metadata_tsv = export_projector(kv, args.projector, top=args.top)
    print(f"wrote {vectors_tsv} and {metadata_tsv} "
          "(open https://projector.tensorflow.org and 'Load' both files)")
    return 0

