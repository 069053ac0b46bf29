"""`embed mnist`: train a multilayer perceptron on MNIST-style images.

    embed mnist [--data DIR] [--hidden 256] [--epochs 10] [--batch-size 128]
                [--lr 1e-3] [--optimizer adam] [--seed 0] [--json] [--plots DIR]

Prints one line per epoch (loss, accuracy; a progress bar on a terminal) and
the final test accuracy; ``--json`` prints only
``{"test_accuracy": ..., "train_seconds": ..., "epochs": ...}``.
Defaults to Fashion-MNIST from Debian's dataset-fashion-mnist when installed.
"""
import argparse


def register(subparsers):
    p = subparsers.add_parser(
        "mnist", help="train an MLP on (Fashion-)MNIST and report test accuracy",
        description="Train a multilayer perceptron (Dense-ReLU layers, softmax output) on "
                    "MNIST-style IDX files and report the test accuracy.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", metavar="DIR", help="folder with the IDX files (train-images-idx3-ubyte[.gz], "
                   "...); default: $EMBED_DATA, then /usr/share/datasets/fashion-mnist")
    p.add_argument("--dataset", choices=["fashion", "mnist"], default=None,
                   help="what to download when no files are found (default fashion)")
    p.add_argument("--no-download", dest="download", action="store_false",
                   help="never download: fail when no local files are found (downloads are allowed "
                        "unless this is given)")
    p.add_argument("--hidden", default="256", help="hidden layer sizes, comma separated (e.g. 256,128)")
    p.add_argument("--activation", default="relu", help="hidden activation")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each hidden layer")
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty λ on every kernel")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128, help="0 = full batch")
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    p.add_argument("--optimizer", default="adam", help="sgd, momentum, rmsprop, adagrad or adam")
    p.add_argument("--schedule", default=None, help="learning-rate schedule: step, exponential, cosine, linear")
    p.add_argument("--val-split", type=float, default=0.0,
                   help="fraction of the training set held out for per-epoch validation")
    p.add_argument("--limit", type=int, default=None, help="use only the first N training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="cores to train on (default: all)")
    p.add_argument("--thread-mode", choices=["blas", "pool"], default="blas",
                   help="blas: BLAS threads each product (fastest when the machine is idle); pool: "
                        "split products over our own threads (robust when other jobs hold the cores)")
    p.add_argument("--save", metavar="PATH", help="save the trained model (.npz)")
    p.add_argument("--plots", metavar="DIR", help="write learning-curve and confusion-matrix PNGs here")
    p.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    p.set_defaults(func=run)


def _hidden_sizes(text):
    from ..errors import EmbedError
    try:
        sizes = [int(s) for s in str(text).split(",") if s.strip()]
    except ValueError:
        sizes = None
    if sizes is None or any(s < 1 for s in sizes):
        raise EmbedError(f"--hidden must be positive integers separated by commas, got {text!r}")
    return sizes


def run(args):
    import json
    import os
    import sys
    import time

    from ..errors import EmbedError
    from ..mnist import load_mnist
    from . import schedules
    from .layers import Dense, Dropout
    from .optimizers import get as get_optimizer
    from .metrics import accuracy, confusion_matrix
    from .preprocessing import train_test_split
    from .sequential import Sequential

    if args.epochs < 1:
        raise EmbedError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < 0:
        raise EmbedError(f"--batch-size must be >= 0, got {args.batch_size}")
    if not args.lr > 0:
        raise EmbedError(f"--lr must be positive, got {args.lr}")
    if not 0 <= args.val_split < 1:
        raise EmbedError(f"--val-split must be in [0, 1), got {args.val_split}")
    if args.plots and not os.path.isdir(args.plots):
        try:
            os.makedirs(args.plots, exist_ok=True)
        except OSError as e:
            raise EmbedError(f"cannot create plot folder {args.plots}: {e.strerror}") from None
    hidden = _hidden_sizes(args.hidden)
    get_optimizer(args.optimizer)  # an unknown name fails here, before any data is read
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print

    if args.save and not os.path.isdir(os.path.dirname(os.path.abspath(args.save))):  # before training
        raise EmbedError(f"cannot write {args.save}: folder {os.path.dirname(os.path.abspath(args.save))} "
                         "does not exist")
    data = load_mnist(args.data, dataset=args.dataset, download_ok=args.download, seed=args.seed)
    X_train, y_train, X_test, y_test = data.flat()
    if args.limit is not None:
        if args.limit < 2:
            raise EmbedError(f"--limit must be at least 2, got {args.limit}")
        X_train, y_train = X_train[:args.limit], y_train[:args.limit]
    say(f"data: {data.source} ({data.dataset}): {len(y_train)} training, {len(y_test)} test images")
    if data.note:
        say(f"note: {data.note}")
    val = None
    if args.val_split > 0:
        X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=args.val_split,
                                                          seed=args.seed, stratify=y_train)
        val = (X_val, y_val)

    model = Sequential(seed=args.seed)
    for h in hidden:
        model.add(Dense(h, args.activation))
        if args.dropout > 0:
            model.add(Dropout(args.dropout))
    model.add(Dense(10, "softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=args.optimizer, lr=args.lr,
                  metrics=["accuracy"])
    if args.l2 > 0:
        from .regularizers import L2
        for layer in model.layers:
            if isinstance(layer, Dense):
                layer.kernel_regularizer = L2(args.l2)
    schedule = None
    if args.schedule:
        kw = {"lr": args.lr}
        if args.schedule in ("cosine", "linear"):
            kw["total"] = args.epochs
        schedule = schedules.get(args.schedule, **kw)

    def report(epoch, logs):
        line = f"epoch {epoch + 1:>3}/{args.epochs}  loss {logs['loss']:.4f}  accuracy {logs['accuracy']:.4f}"
        if "val_loss" in logs:
            line += f"  val_loss {logs['val_loss']:.4f}  val_accuracy {logs['val_accuracy']:.4f}"
        say(line + f"  ({logs['seconds']:.1f}s)")

    if args.threads is not None and args.threads < 1:
        raise EmbedError(f"--threads must be at least 1, got {args.threads}")
    t0 = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size or None,
                        validation_data=val, shuffle=True, seed=args.seed, lr_schedule=schedule,
                        callbacks=[report], progress=None, threads=args.threads, thread_mode=args.thread_mode)
    train_seconds = time.perf_counter() - t0
    pred = model.predict(X_test).argmax(axis=1)
    test_acc = accuracy(y_test, pred)
    if args.save:
        model.save(args.save)
        say(f"model saved to {args.save}")
    if args.plots:
        from .plots import confusion_matrix_plot, learning_curve_plot
        curve = learning_curve_plot(history, os.path.join(args.plots, "learning_curve.png"))
        cm = confusion_matrix_plot(confusion_matrix(y_test, pred, 10),
                                   os.path.join(args.plots, "confusion_matrix.png"),
                                   class_names=data.class_names)
        say(f"plots: {curve}, {cm}")
    if args.json:
        print(json.dumps({"test_accuracy": round(test_acc, 6), "train_seconds": round(train_seconds, 3),
                          "epochs": args.epochs}))
    else:
        print(f"test accuracy {test_acc:.4f}  (training took {train_seconds:.1f}s)")
    return 0
