"""A dense autoencoder on MNIST-style images, with a reconstruction plot.

    python scripts/autoencoder.py [--out out] [--seed 0] [--data DIR] [--epochs N]
                                  [--hidden 128,32] [--limit 10000] [--digits]

1. Loads 28x28 images with `embed.data.mnist` (default: Fashion-MNIST from Debian's
   package or $EMBED_DATA; --data /work/shared/data/mnist for real MNIST
   digits), pixels scaled to [0, 1].  --digits uses scikit-learn's 8x8 digits.
2. Trains 784-128-32-128-784 (ReLU hidden layers, sigmoid output, binary
   cross-entropy, Adam) on the shared core: a Sequential of Dense layers
   fitted with X as both input and target.
3. Compares the held-out reconstruction error with the mean-image baseline.
4. Writes autoencoder_reconstructions.png (originals above, reconstructions
   below) and autoencoder_loss.png (training and validation loss per epoch).
"""
import argparse
import os
import time

import numpy as np

from embed.classic import DenseAutoencoder
from embed.classic.datasets import load_mnist_digits, load_small_digits
from embed.classic.plots import learning_curve_plot, reconstruction_plot
from embed.errors import EmbedError
from embed.nn.preprocessing import train_test_split
from embed.cli import run_script


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plots (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="seed for weights and shuffling")
    ap.add_argument("--data", default=None, help="folder with MNIST-style *-ubyte.gz files")
    ap.add_argument("--digits", action="store_true", help="use scikit-learn's 8x8 digits instead")
    ap.add_argument("--epochs", type=int, default=None,
                    help="passes over the training images (default 5; 30 with --digits)")
    ap.add_argument("--hidden", default="128,32", help="encoder widths down to the code (default 128,32)")
    ap.add_argument("--limit", type=int, default=10000, help="at most this many training images")
    ap.add_argument("--batch-size", type=int, default=128, help="images per update")
    ap.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate")
    args = ap.parse_args(argv)
    epochs = args.epochs or (30 if args.digits else 5)
    try:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    except ValueError:
        raise EmbedError(f"--hidden must be comma-separated integers such as 128,32, got {args.hidden!r}") from None
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()

    if args.digits:
        X, y = load_small_digits()
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=args.seed, stratify=y)
        shape, names, what = (8, 8), [str(i) for i in range(10)], "scikit-learn 8x8 digits"
    else:
        d = load_mnist_digits(args.data, limit=args.limit, seed=args.seed)
        Xtr, ytr, Xte, yte = d["X_train"], d["y_train"], d["X_test"], d["y_test"]
        shape, names, what = (28, 28), d["class_names"], f"{d['dataset']} images from {d['source']}"
        if d["note"]:
            print(f"note: {d['note']}")
    print(f"data: {what}: {len(Xtr)} training, {len(Xte)} held-out, {Xtr.shape[1]} pixels in [0, 1]")

    ae = DenseAutoencoder(hidden=hidden, activation="relu", loss="bce", optimizer="adam", lr=args.lr,
                          epochs=epochs, batch_size=args.batch_size, random_state=args.seed)
    widths = [Xtr.shape[1], *hidden, *hidden[-2::-1], Xtr.shape[1]]
    print(f"model: {'-'.join(map(str, widths))} (ReLU, sigmoid output), binary cross-entropy, Adam {args.lr}")
    ae.fit(Xtr, validation_data=Xte[:2000])  # per-epoch held-out loss on a 2000-image sample
    print(f"  {ae.model_.count_params():,} parameters, trained in {time.perf_counter() - t0:.1f}s")
    for epoch, (tl, vl) in enumerate(zip(ae.loss_curve_, ae.val_loss_curve_), 1):
        print(f"  epoch {epoch}: train loss {tl:.2f}   held-out loss {vl:.2f} (per image)")

    err, base = ae.reconstruction_error(Xte), ae.baseline_error(Xte)
    print(f"held-out mean squared pixel error: autoencoder {err:.5f}, mean-image baseline {base:.5f} "
          f"({base / err:.1f}x better than the baseline)")

    # one held-out example of each class, then more, for the grid
    pick = [int(np.flatnonzero(yte == c)[0]) for c in range(10) if np.any(yte == c)]
    pick += [i for i in range(len(Xte)) if i not in pick][:20 - len(pick)]
    rec = ae.reconstruct(Xte[pick])
    code = hidden[-1]
    p1 = os.path.join(args.out, "autoencoder_reconstructions.png")
    p2 = os.path.join(args.out, "autoencoder_loss.png")
    reconstruction_plot(Xte[pick], rec, p1,
                             image_shape=shape, n=20, labels=[names[yte[i]] for i in pick],
                             title=f"Autoencoder {'-'.join(map(str, widths))}: held-out images (top) and their "
                                   f"reconstructions from a {code}-number code (bottom)")
    learning_curve_plot({"training (mean while learning the epoch)": ae.loss_curve_,
                         "held-out sample (after the epoch)": ae.val_loss_curve_}, p2,
                             title="Autoencoder learning curve", xlabel="epoch",
                             ylabel="binary cross-entropy per image (sum over pixels)", logy=False)
    print(f"wrote {p1}\nwrote {p2}")
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    run_script(main)
