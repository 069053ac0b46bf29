#!/usr/bin/env python
"""A multilayer perceptron on MNIST-style images, with its two diagnostic plots.

    python scripts/mnist_mlp.py [--data DIR] [--hidden 256] [--epochs 10] [--plots out/]

1. Load the IDX files (Fashion-MNIST from Debian's package by default) and
   scale pixels to [0, 1]; hold out a validation set (stratified).
2. Train 784-H-10 (ReLU, softmax) with Adam on mini-batches.
3. After every epoch measure the error on the training set and on the
   validation set: the bias–variance plot.  Both high → bias (a bigger model
   or more training helps); training error falling while validation error
   stalls or rises → variance (regularise: L2, dropout, fewer epochs).
4. Report test accuracy and draw the confusion matrix (which classes get
   mistaken for which: for Fashion-MNIST, shirts vs T-shirts vs pullovers).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from embed.data import load_mnist
from embed.nn.layers import Dense, Dropout
from embed.nn.metrics import accuracy, confusion_matrix
from embed.nn.plots import confusion_matrix_plot, learning_curve_plot
from embed.nn.preprocessing import train_test_split
from embed.nn.sequential import Sequential
from embed.cli import run_script


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder with the IDX files")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--optimizer", default="adam")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--l2", type=float, default=0.0)
    ap.add_argument("--val-split", type=float, default=1 / 6, help="fraction of training images for validation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plots", default="out", help="folder for the PNGs (default: ./out)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    data = load_mnist(args.data, seed=args.seed)
    X, y, X_test, y_test = data.flat()
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=args.val_split, seed=args.seed, stratify=y)
    print(f"{data.dataset} from {data.source}: {len(y_train)} train / {len(y_val)} validation / "
          f"{len(y_test)} test", file=sys.stderr)
    if data.note:
        print("note:", data.note, file=sys.stderr)

    model = Sequential(seed=args.seed)
    model.add(Dense(args.hidden, "relu", kernel_regularizer=("l2" if args.l2 else None)))
    if args.l2:
        model.layers[-1].kernel_regularizer.l2 = args.l2
    if args.dropout:
        model.add(Dropout(args.dropout))
    model.add(Dense(10, "softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=args.optimizer, lr=args.lr)

    # error on (a sample of) the training set measured after each epoch, not the running mean
    sample = np.random.default_rng(args.seed).choice(len(y_train), min(len(y_train), 10000), replace=False)
    curve = {"accuracy": [], "val_accuracy": []}

    def measure(epoch, logs):
        curve["accuracy"].append(model.evaluate(X_train[sample], y_train[sample])["accuracy"])
        curve["val_accuracy"].append(logs["val_accuracy"])
        print(f"epoch {epoch + 1}/{args.epochs}  loss {logs['loss']:.4f}  train error "
              f"{1 - curve['accuracy'][-1]:.4f}  validation error {1 - logs['val_accuracy']:.4f}", file=sys.stderr)

    t0 = time.perf_counter()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size, validation_data=(X_val, y_val),
              seed=args.seed, callbacks=[measure], progress=None)
    seconds = time.perf_counter() - t0
    pred = model.predict(X_test).argmax(axis=1)
    test_acc = accuracy(y_test, pred)

    os.makedirs(args.plots, exist_ok=True)
    lc, cm = os.path.join(args.plots, "mlp_bias_variance.png"), os.path.join(args.plots, "mlp_confusion.png")
    learning_curve_plot(curve, lc,
                        title=f"MLP 784-{args.hidden}-10 on {data.dataset}: training vs validation error")
    confusion_matrix_plot(confusion_matrix(y_test, pred, 10), cm,
                          class_names=data.class_names,
                          title=f"{data.dataset} test set, accuracy {test_acc:.3f}")
    if args.json:
        print(json.dumps({"test_accuracy": test_acc, "train_seconds": seconds, "epochs": args.epochs}))
    else:
        print(f"test accuracy {test_acc:.4f}  (training {seconds:.1f}s incl. per-epoch evaluation)")
        print(f"plots: {lc}, {cm}")


if __name__ == "__main__":
    run_script(main)
