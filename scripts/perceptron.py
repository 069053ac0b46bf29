"""The perceptron learning rule: it converges on separable data and cannot learn XOR.

    python scripts/perceptron.py [--out out] [--seed 0] [--max-epochs 100]

1. Draws 200 points in two linearly separable classes and trains a perceptron
   (on a mistake: w += x for a missed positive, w -= x for a missed negative);
   reports the epoch of the first mistake-free pass.
2. Trains the same rule on XOR: it never gets through an epoch without a
   mistake and at best classifies 3 of the 4 points.
3. Trains a network with one hidden layer on the shared core
   (Dense(4, tanh) + Dense(1, sigmoid), binary cross-entropy, Adam): 4 of 4.
4. Writes perceptron.png: the separating line, mistakes per epoch for both
   problems, and the XOR decision regions of the perceptron and the network.
"""
import argparse
import os
import time

import numpy as np

from embed.classic import Perceptron, fit_xor_mlp
from embed.classic.datasets import make_separable, make_xor
from embed.classic.plots import draw_decision_regions, draw_mistakes
from embed.plotting import new_figure, save_figure
from embed.cli import run_script


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plot (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="seed for data, shuffling and weights")
    ap.add_argument("--max-epochs", type=int, default=100, help="perceptron passes before giving up")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()

    # -- 1. separable data: the rule converges -------------------------------------------
    X, y = make_separable(m=200, margin=0.1, random_state=args.seed)
    sep = Perceptron(max_epochs=args.max_epochs, random_state=args.seed).fit(X, y)
    print(f"separable data ({len(y)} points): converged={sep.converged_} in epoch {sep.n_epochs_}, "
          f"{sum(sep.errors_)} updates in all, training accuracy {sep.score(X, y):.3f}")
    print(f"  mistakes per epoch: {sep.errors_}")
    print(f"  boundary: {sep.coef_[0]:+.3f} x1 {sep.coef_[1]:+.3f} x2 {sep.intercept_:+.3f} = 0")

    # -- 2. XOR: no line separates it ------------------------------------------------------
    Xx, yx = make_xor()
    xor_p = Perceptron(max_epochs=args.max_epochs, random_state=args.seed).fit(Xx, yx)
    print(f"XOR, perceptron: converged={xor_p.converged_} after {xor_p.n_epochs_} epochs, "
          f"accuracy {xor_p.score(Xx, yx):.2f}, mistakes in the last 10 epochs {xor_p.errors_[-10:]}")

    # -- 3. XOR with a hidden layer --------------------------------------------------------
    mlp, hist = fit_xor_mlp(Xx, yx, hidden=4, activation="tanh", epochs=500, random_state=args.seed)
    p = mlp.predict(Xx)[:, 0]  # (4,) P(y = 1)
    mlp_acc = float(np.mean((p >= 0.5) == yx))
    print(f"XOR, MLP 2-4-1 (tanh, sigmoid): accuracy {mlp_acc:.2f} after 500 full-batch Adam steps, "
          f"loss {hist['loss'][-1]:.4f}")
    for xi, yi, pi in zip(Xx, yx, p):
        print(f"  x = {xi.astype(int)}  y = {yi}  P(y=1) = {pi:.3f}")

    # -- 4. one figure, four panels --------------------------------------------------------
    fig = new_figure((11, 9.5), layout="constrained")
    axes = fig.subplots(2, 2)
    draw_decision_regions(axes[0, 0], sep.predict, X, y, class_names=["class 0", "class 1"],
                          title=f"Separable data: converged in epoch {sep.n_epochs_}",
                          line=(sep.coef_, sep.intercept_), pad=0.45,
                          legend_loc="lower left")
    draw_mistakes(axes[0, 1], {"separable data": sep.errors_, "XOR": xor_p.errors_},
                  title="Perceptron mistakes per epoch")
    draw_decision_regions(axes[1, 0], xor_p.predict, Xx, yx, class_names=["0 (x1 = x2)", "1 (x1 ≠ x2)"],
                          title=f"XOR, perceptron: accuracy {xor_p.score(Xx, yx):.0%}, never converges",
                          line=(xor_p.coef_, xor_p.intercept_), marker_size=160)
    draw_decision_regions(axes[1, 1], lambda G: (mlp.predict(G)[:, 0] >= 0.5).astype(int), Xx, yx,
                          class_names=["0 (x1 = x2)", "1 (x1 ≠ x2)"],
                          title=f"XOR, MLP with 4 tanh hidden units: accuracy {mlp_acc:.0%}",
                          marker_size=160)
    fig.suptitle("The perceptron learning rule, and why XOR needs a hidden layer")
    path = save_figure(fig, os.path.join(args.out, "perceptron.png"))
    print(f"wrote {path}")
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    run_script(main)
