"""MARS: stepwise regression with hinge functions, and why a ReLU network is the same kind of function.

    python scripts/mars.py [--out out] [--seed 0] [--hidden 8] [--epochs 400]

1. Fits MARS to 200 noisy points of y = sin(2 pi x) and prints the fitted
   function in the slide's form, y(x) = b0 + c1 max(0, x − t1) + ...
2. Trains a one-hidden-layer ReLU network, Dense(H, "relu") -> Dense(1), on the
   same points and rewrites it in the same form: each hidden unit
   v relu(w x + b) is the hinge v |w| max(0, ±(x − t)) with its knot at t = −b / w.
3. Writes mars_hinges.png: left, the data, MARS's fit and each of its hinge
   terms; right, the network's fit and each unit's hinge.
4. Fits MARS (additive and with pairwise products) to Friedman's function #1
   (200 noisy training points, 1000 noiseless test points, 10 inputs of which
   5 matter) and compares held-out R^2 with least squares and scikit-learn's
   gradient boosting (and py-earth's MARS when `pyearth` is importable);
   writes mars_friedman1.png (predicted against true on the test points).
"""
import argparse
import os
import time

import numpy as np

from embed.classic import MARS, normal_equation
from embed.classic.mars import format_model, relu_network_as_hinges
from embed.classic.plots import hinges_plot
from embed.plotting import COLORS, new_figure, save_figure
from embed.cli import run_script


def friedman1(n, noise, rng):
    """Friedman's test function #1 on 10 uniform inputs (x5..x9 do not matter):
    y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise * N(0, 1)."""
    X = rng.uniform(0.0, 1.0, (n, 10))                          # (n, 10)
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
         + noise * rng.standard_normal(n))                      # (n,)
    return X, y


def r2(y, pred):
    return 1.0 - float(np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def fit_relu_network(x, y, hidden, epochs, rng):
    """Dense(hidden, "relu") -> Dense(1) by Adam on the quadratic loss.

    The first layer's initial knots t = -b / w are spread over the data (random
    slopes of either sign), so no unit starts dead at the edge of the range.
    """
    from embed.nn.layers import Dense
    from embed.nn.sequential import Sequential
    h1, out = Dense(hidden, "relu"), Dense(1)
    net = Sequential([h1, out], seed=int(rng.integers(2 ** 31)))
    h1.build((None, 1), np.float64)
    out.build((None, hidden), np.float64)
    h1.params["W"][0] = rng.choice([-1.0, 1.0], hidden) * rng.uniform(1.0, 3.0, hidden)   # (1, H) slopes
    h1.params["b"][:] = -h1.params["W"][0] * rng.uniform(x.min(), x.max(), hidden)       # (H,) knots
    net.compile(loss="quadratic", optimizer="adam", lr=0.01, metrics=[])
    net.fit(x[:, None], y, epochs=epochs, batch_size=16)
    return net, h1, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plots (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="random seed for the data and the network")
    ap.add_argument("--hidden", type=int, default=8, help="hidden ReLU units of the network (default 8)")
    ap.add_argument("--epochs", type=int, default=400, help="network training epochs (default 400)")
    args = ap.parse_args(argv)
    if args.hidden < 1 or args.epochs < 1:
        ap.error("--hidden and --epochs must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()

    # -- 1. MARS on one input --------------------------------------------------------
    x = np.sort(rng.uniform(0.0, 1.0, 200))                      # (200,)
    y = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(200)  # (200,)
    mars = MARS().fit(x, y)
    print(f"1-D data: 200 points of y = sin(2 pi x) + N(0, 0.1^2)")
    print(f"MARS ({len(mars.forward_terms_)} terms after the forward pass, {len(mars.terms_)} kept by GCV, "
          f"R^2 {mars.rsq_:.4f}):\n  {mars.summary(precision=4)}")

    # -- 2. the same family: a one-hidden-layer ReLU network -----------------------------
    net, h1, out = fit_relu_network(x, y, args.hidden, args.epochs, rng)
    b0, coef, terms = relu_network_as_hinges(h1.params["W"], h1.params["b"], out.params["W"], out.params["b"])
    net_r2 = r2(y, net.predict(x[:, None])[:, 0])
    print(f"ReLU network Dense({args.hidden}, relu) -> Dense(1), {args.epochs} epochs of Adam "
          f"(R^2 {net_r2:.4f}), written as hinges:\n  {format_model(b0, coef, terms, precision=4)}")

    path = os.path.join(args.out, "mars_hinges.png")
    hinges_plot([
        dict(x=x, y=y, intercept=mars.intercept_, coef=mars.coef_, terms=mars.terms_,
             title=f"MARS: {len(mars.terms_)} hinges, knots at data points (R² {mars.rsq_:.3f})"),
        dict(x=x, y=y, intercept=b0, coef=coef, terms=terms,
             title=f"ReLU network: {len(terms)} units = {len(terms)} hinges, knots t = −b/w (R² {net_r2:.3f})"),
    ], path, suptitle="Both fits are sums of hinges c·max(0, ±(x − t)): "
                      "MARS picks its knots stepwise, the network learns them by gradient descent")
    print(f"wrote {path}")

    # -- 3. Friedman #1: held-out R^2 against least squares and boosting -----------------
    X, yf = friedman1(200, 1.0, rng)
    Xt, yt = friedman1(1000, 0.0, rng)
    names = [f"x{i}" for i in range(10)]
    preds = {}
    w, b = normal_equation(X, yf)
    preds["least squares"] = Xt @ w + b
    for degree in (1, 2):
        t = time.perf_counter()
        m = MARS(max_degree=degree).fit(X, yf)
        preds[f"MARS, max_degree={degree}"] = m.predict(Xt)
        print(f"Friedman #1, MARS max_degree={degree} ({(time.perf_counter() - t) * 1000:.0f} ms, "
              f"{len(m.terms_)} terms):\n  {m.summary(names, precision=3)}")
    from sklearn.ensemble import GradientBoostingRegressor
    preds["gradient boosting (sklearn)"] = GradientBoostingRegressor(random_state=args.seed).fit(X, yf).predict(Xt)
    try:
        from pyearth import Earth   # optional reference: py-earth's MARS, when installed
    except ImportError:
        Earth = None
    if Earth is not None:
        for degree in (1, 2):
            preds[f"py-earth, max_degree={degree}"] = Earth(max_degree=degree).fit(X, yf).predict(Xt)
    print("Friedman #1, held-out R^2 on 1000 noiseless points (trained on 200 with N(0, 1) noise):")
    for name, p in preds.items():
        print(f"  {name:30s} {r2(yt, p):.3f}")

    shown = [name for name in preds if not name.startswith("py-earth")]
    fig = new_figure((3.4 * len(shown), 3.9), layout="constrained")
    axes = fig.subplots(1, len(shown), sharex=True, sharey=True)
    lo, hi = yt.min(), yt.max()
    for i, (ax, name) in enumerate(zip(axes, shown)):
        ax.scatter(yt, preds[name], s=5, alpha=0.5, color=COLORS[i])
        ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--")
        ax.set_title(f"{name}\nheld-out R² {r2(yt, preds[name]):.3f}", fontsize=10)
        ax.set_xlabel("true y (noiseless)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("predicted y")
    fig.suptitle("Friedman #1: trained on 200 noisy points, 10 inputs (5 matter), tested on 1000")
    path = os.path.join(args.out, "mars_friedman1.png")
    save_figure(fig, path)
    print(f"wrote {path}")
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    run_script(main)
