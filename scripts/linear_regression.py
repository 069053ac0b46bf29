"""Linear regression by gradient descent, checked against the normal equation.

    python scripts/linear_regression.py [--out out] [--seed 0] [--diabetes]

1. Makes 100 noisy points on the line y = 4 + 3x.
2. Solves the normal equation (closed form) for the best line.
3. Runs gradient descent on the shared core (Dense(1) + quadratic loss + SGD):
   full batch with three learning rates, then mini-batch and online updates.
4. Writes learning_curve.png (cost J against iteration / epoch) and
   fitted_line.png (the data, the GD line and the closed-form line).
5. With --diabetes, repeats the GD-vs-closed-form check on scikit-learn's
   10-feature diabetes data (standardised features).
"""
import argparse
import os
import time

import numpy as np

from embed.classic import LinearRegression, normal_equation
from embed.classic.datasets import load_diabetes, make_linear
from embed.classic.plots import fitted_line_plot, learning_curves_plot
from embed.cli import run_script


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plots (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="random seed for data and shuffling")
    ap.add_argument("--diabetes", action="store_true", help="also fit scikit-learn's diabetes data")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()

    # -- data: y = 4 + 3x + noise --------------------------------------------------
    X, y = make_linear(m=100, slope=3.0, intercept=4.0, noise=1.0, random_state=args.seed)
    print(f"data: {len(y)} points on y = 4 + 3x with N(0, 1) noise")

    # -- closed form: theta = (A^T A)^-1 A^T y ---------------------------------------
    w_star, b_star = normal_equation(X, y)
    j_star = 0.5 * np.mean((X @ w_star + b_star - y) ** 2)
    print(f"normal equation:   y = {b_star:.6f} + {w_star[0]:.6f} x   cost J* = {j_star:.6f}")

    # -- gradient descent, full batch: one step per pass -----------------------------
    runs = {}
    for lr in (0.01, 0.1, 0.5):
        runs[lr] = LinearRegression(lr=lr, epochs=300, random_state=args.seed).fit(X, y)
    gd = runs[0.5]
    print(f"gradient descent:  y = {gd.intercept_:.6f} + {gd.coef_[0]:.6f} x   (lr 0.5, 300 iterations)")
    print(f"  |w - w*| = {abs(gd.coef_[0] - w_star[0]):.2e}   |b - b*| = {abs(gd.intercept_ - b_star):.2e}")
    for lr, r in runs.items():
        print(f"  lr {lr:<4}  cost after 300 iterations {r.loss_curve_[-1]:.6f}")

    # -- mini-batch and online: many small noisy steps per pass -------------------------
    variants = {
        "full batch (lr 0.5)": gd,
        "mini-batch 16 (lr 0.1)": LinearRegression(lr=0.1, epochs=60, batch_size=16,
                                                   random_state=args.seed).fit(X, y),
        "online, batch 1 (lr 0.01)": LinearRegression(lr=0.01, epochs=60, batch_size=1,
                                                      random_state=args.seed).fit(X, y),
    }
    for name, r in variants.items():
        print(f"  {name:27s} y = {r.intercept_:.4f} + {r.coef_[0]:.4f} x   cost {r.cost(X, y):.6f}")

    curves, line = os.path.join(args.out, "learning_curve.png"), os.path.join(args.out, "fitted_line.png")
    learning_curves_plot([
        {"curves": {f"lr = {lr}": r.loss_curve_ for lr, r in runs.items()},
         "title": "Full-batch gradient descent: learning rate", "xlabel": "iteration",
         "floor": j_star, "floor_label": "normal equation J*"},
        {"curves": {name: r.loss_curve_[:60] for name, r in variants.items()},
         "title": "Full batch vs mini-batch vs online", "xlabel": "epoch (pass over the data)",
         "floor": j_star, "floor_label": "normal equation J*"},
    ], curves,
        suptitle="Linear regression: cost J(w, b) = 1/(2m) Σ (ŷ − y)²")
    fitted_line_plot(X[:, 0], y, {"gradient descent": (gd.coef_[0], gd.intercept_),
                                  "normal equation": (w_star[0], b_star)}, line,
                            title="Linear regression on y = 4 + 3x + noise", xlabel="x", ylabel="y")
    print(f"wrote {curves}\nwrote {line}")

    # -- optional: a real data set with 10 features ----------------------------------
    if args.diabetes:
        Xd, yd, names = load_diabetes()
        Xd = (Xd - Xd.mean(axis=0)) / Xd.std(axis=0)  # standardise: GD converges fast
        wd, bd = normal_equation(Xd, yd)
        # GD is stable for lr < 2 / lambda_max of the Hessian X^T X / m and needs about
        # lambda_max / lambda_min steps: correlated blood-serum features make that large.
        eig = np.linalg.eigvalsh(Xd.T @ Xd / len(Xd))  # ascending
        lr = 1.0 / eig[-1]
        print(f"diabetes ({Xd.shape[0]} patients, {Xd.shape[1]} standardised features): Hessian eigenvalues "
              f"{eig[0]:.4f}..{eig[-1]:.2f} (condition number {eig[-1] / eig[0]:.0f}), lr = 1/lambda_max = {lr:.3f}")
        for label, kw in (("plain GD, 2000 iterations", dict(lr=lr, epochs=2000)),
                          ("momentum 0.9, 2000 iterations", dict(lr=0.1, epochs=2000, momentum=0.9))):
            rd = LinearRegression(random_state=args.seed, **kw).fit(Xd, yd)
            print(f"  {label:30s} R^2 {rd.score(Xd, yd):.4f}   max |w_GD - w_normal| = "
                  f"{np.abs(rd.coef_ - wd).max():.2e}")
        top = np.argsort(-np.abs(wd))[:3]
        print("  largest weights: " + ", ".join(f"{names[i]} {wd[i]:+.1f}" for i in top))
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    run_script(main)
