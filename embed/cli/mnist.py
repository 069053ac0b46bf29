"""`embed mnist`: train a multilayer perceptron (or, with --model cnn, a CNN) on MNIST-style images.

    embed mnist [--data DIR] [--model mlp|cnn] [--hidden 256] [--epochs N] [--batch-size N]
                [--lr 1e-3] [--optimizer adam] [--seed 0] [--json] [--plots DIR]

Epochs, batch size and thread mode default by model (`MODEL_DEFAULTS`): the
MLP 10 epochs of 128 images with BLAS threads; the CNN the settings with which
it (and the same network in PyTorch) passes 0.90 test accuracy on
Fashion-MNIST, on our own thread team (its im2col and pooling kernels are
threaded only there).  scripts/bench_cnn.py uses the same defaults.

Prints one line per epoch (loss, accuracy; a progress bar on a terminal) and
the final test accuracy; ``--json`` prints only
``{"test_accuracy": ..., "train_seconds": ..., "epochs": ...}``.
Defaults to Fashion-MNIST from Debian's dataset-fashion-mnist when installed.
`build_model` turns the options into a compiled `Sequential`.
"""
from .options import (int_at_least, int_list, non_negative_float, non_negative_int, positive_float,
                      positive_int, probability)

MODEL_DEFAULTS = {
    "mlp": {"epochs": 10, "batch_size": 128, "thread_mode": "blas"},
    "cnn": {"epochs": 8, "batch_size": 64, "thread_mode": "pool"},
}


def register(subparsers):
    p = subparsers.add_parser(
        "mnist", help="train an MLP on (Fashion-)MNIST and report test accuracy",
        description="Train a multilayer perceptron (Dense-ReLU layers, softmax output) on "
                    "MNIST-style IDX files and report the test accuracy.")
    p.add_argument("--data", metavar="DIR", help="folder with the IDX files (train-images-idx3-ubyte[.gz], "
                   "...); default: $EMBED_DATA, then /usr/share/datasets/fashion-mnist")
    p.add_argument("--dataset", choices=["fashion", "mnist"], default=None,
                   help="what to download when no files are found: fashion or mnist (default fashion)")
    p.add_argument("--no-download", dest="download", action="store_false",
                   help="never download: fail when no local files are found (default: download if needed)")
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp",
                   help="mlp: Dense layers on the pixel rows; cnn: the course's convolutional network "
                        "(conv 32 3x3 -> pool -> conv 64 3x3 -> pool -> dense 128 -> 10; --hidden, "
                        "--activation, --dropout and --l2 apply to the mlp only) (default mlp)")
    p.add_argument("--hidden", type=int_list, default=[256], metavar="SIZES",
                   help="hidden layer sizes, comma separated, e.g. 256,128 (default 256)")
    p.add_argument("--activation", default="relu", help="hidden activation (default relu)")
    p.add_argument("--dropout", type=probability, default=0.0,
                   help="dropout rate after each hidden layer, in [0, 1) (default 0: none)")
    p.add_argument("--l2", type=non_negative_float, default=0.0,
                   help="L2 penalty λ on every kernel (default 0: none)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help=f"passes over the training set (default {MODEL_DEFAULTS['mlp']['epochs']} for the mlp, "
                        f"{MODEL_DEFAULTS['cnn']['epochs']} for the cnn)")
    p.add_argument("--batch-size", dest="batch_size", type=non_negative_int, default=None,
                   help=f"images per step, 0 = full batch (default {MODEL_DEFAULTS['mlp']['batch_size']} for the mlp, "
                        f"{MODEL_DEFAULTS['cnn']['batch_size']} for the cnn)")
    p.add_argument("--lr", type=positive_float, default=1e-3, help="learning rate (default 1e-3)")
    p.add_argument("--optimizer", default="adam",
                   help="sgd, momentum, rmsprop, adagrad or adam (default adam)")
    p.add_argument("--schedule", default=None,
                   help="learning-rate schedule: step, exponential, cosine, linear (default: constant)")
    p.add_argument("--val-split", dest="val_split", type=probability, default=0.0,
                   help="fraction of the training set held out for per-epoch validation (default 0)")
    p.add_argument("--limit", type=int_at_least(2), default=None,
                   help="use only the first N training images; the test accuracy is still measured on "
                        "the whole test set, so runs with different limits compare (default: all)")
    p.add_argument("--seed", type=non_negative_int, default=0,
                   help="random seed for initialisation, shuffling and splits (default 0)")
    p.add_argument("--threads", type=positive_int, default=None, help="cores to train on (default: all)")
    p.add_argument("--thread-mode", dest="thread_mode", choices=["blas", "pool"], default=None,
                   help="blas: BLAS threads each product (fastest when the machine is idle); pool: "
                        "split products over our own threads (robust when other jobs hold the cores; "
                        "the cnn's im2col and pooling kernels run threaded only here) "
                        "(default blas for the mlp, pool for the cnn)")
    p.add_argument("--save", metavar="PATH", help="save the trained model (.npz) (default: not saved)")
    p.add_argument("--plots", metavar="DIR",
                   help="write learning-curve and confusion-matrix PNGs here (default: no plots)")
    p.add_argument("--json", action="store_true", help="print one JSON object and nothing else")
    p.set_defaults(func=cmd_mnist)


def apply_defaults(args):
    """Fill the options left out (None) with the model's defaults (`MODEL_DEFAULTS`); returns args."""
    for key, value in MODEL_DEFAULTS[getattr(args, "model", "mlp")].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def build_model(args, n_classes=10):
    """The compiled model the options describe: the CNN (`embed.nn.models.cnn_model`) for
    ``--model cnn``, else the MLP: Dense layers (with Dropout and L2 when asked), softmax out."""
    if getattr(args, "model", "mlp") == "cnn":
        from ..nn.models import cnn_model
        return cnn_model(n_classes, seed=args.seed, optimizer=args.optimizer, lr=args.lr)
    from ..nn.layers import Dense, Dropout
    from ..nn.sequential import Sequential

    model = Sequential(seed=args.seed)
    for h in args.hidden:
        model.add(Dense(h, args.activation))
        if args.dropout > 0:
            model.add(Dropout(args.dropout))
    model.add(Dense(n_classes, "softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=args.optimizer, lr=args.lr,
                  metrics=["accuracy"])
    if args.l2 > 0:
        from ..nn.regularizers import L2
        for layer in model.layers:
            if isinstance(layer, Dense):
                layer.kernel_regularizer = L2(args.l2)
    return model


def cmd_mnist(args):
    import json
    import os
    import sys
    import time

    from ..errors import EmbedError
    from ..data.mnist import load_mnist
    from ..fileio import check_distinct, check_writable
    from ..nn import schedules
    from ..nn.metrics import accuracy, confusion_matrix
    from ..nn.optimizers import get as get_optimizer
    from ..nn.preprocessing import train_test_split

    apply_defaults(args)
    if args.plots and not os.path.isdir(args.plots):
        try:
            os.makedirs(args.plots, exist_ok=True)
        except OSError as e:
            raise EmbedError(f"cannot create plot folder {args.plots}: {e.strerror}") from None
    get_optimizer(args.optimizer)  # an unknown name fails here, before any data is read
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print

    if args.save:  # before training
        check_writable(args.save)
    data = load_mnist(args.data, dataset=args.dataset, download_ok=args.download, seed=args.seed)
    if args.save:  # the data files are inputs: never overwrite one
        check_distinct(args.save, [os.path.join(data.source, f) for f in os.listdir(data.source)
                                   if "-idx" in f and "-ubyte" in f])
    X_train, y_train, X_test, y_test = data.flat(limit=args.limit)   # the test set stays whole
    if args.model == "cnn":                 # rows of 784 pixels -> (N, 28, 28, 1) images
        from ..nn.models import as_images
        X_train, X_test = as_images(X_train), as_images(X_test)
    say(f"data: {data.source} ({data.dataset}): {len(y_train)} training, {len(y_test)} test images")
    if data.note:
        say(f"note: {data.note}")
    val = None
    if args.val_split > 0:
        X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=args.val_split,
                                                          seed=args.seed, stratify=y_train)
        val = (X_val, y_val)

    model = build_model(args)
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

    t0 = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size or None,
                        validation_data=val, shuffle=True, seed=args.seed, lr_schedule=schedule,
                        callbacks=[report], progress=None, threads=args.threads, thread_mode=args.thread_mode)
    train_seconds = time.perf_counter() - t0
    pred = model.predict(X_test, batch_size=1000).argmax(axis=1)
    test_acc = accuracy(y_test, pred)
    if args.save:
        model.save(args.save)
        say(f"model saved to {args.save}")
    if args.plots:
        from ..nn.plots import confusion_matrix_plot, learning_curve_plot
        curve = os.path.join(args.plots, "learning_curve.png")
        cm = os.path.join(args.plots, "confusion_matrix.png")
        learning_curve_plot(history, curve)
        confusion_matrix_plot(confusion_matrix(y_test, pred, 10), cm, class_names=data.class_names)
        say(f"plots: {curve}, {cm}")
    if args.json:
        print(json.dumps({"test_accuracy": round(test_acc, 6), "train_seconds": round(train_seconds, 3),
                          "epochs": args.epochs}))
    else:
        print(f"test accuracy {test_acc:.4f}  (training took {train_seconds:.1f}s)")
    return 0
