"""MARS: stepwise regression with hinge functions, and why a ReLU network is the same kind of function.

    python scripts/mars.py [--out out] [--seed 0] [--hidden 8] [--epochs 400] [--repeats 5] [--diabetes]

1. Fits MARS to 200 noisy points of y = sin(2 pi x) and prints the fitted
   function in the slide's form, y(x) = b0 + c1 max(0, x − t1) + ...
2. Trains a one-hidden-layer ReLU network, Dense(H, "relu") -> Dense(1), on the
   same points and rewrites it in the same form: each hidden unit
   v relu(w x + b) is the hinge v |w| max(0, ±(x − t)) with its knot at t = −b / w.
3. Writes mars_hinges.png: left, the data, MARS's fit and each of its hinge
   terms; right, the network's fit and each unit's hinge.
4. Fits MARS (additive and with pairwise products) to Friedman's function #1
   (200 noisy training points, 1000 noiseless test points, 10 inputs of which
   5 matter) and compares held-out R^2, averaged over --repeats draws, with
   least squares and scikit-learn's gradient boosting (and py-earth's MARS when
   `pyearth` is importable: pip install py-earth2); writes mars_friedman1.png
   (predicted against true on the first draw's test points).  With --diabetes,
   the same models by 5-fold cross-validation on scikit-learn's diabetes data.
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


class LeastSquares:
    """The normal equation behind the estimator interface the comparison loops use."""

    def fit(self, X, y):
        self.coef_, self.intercept_ = normal_equation(X, y)
        return self

    def predict(self, X):
        return X @ self.coef_ + self.intercept_


def regressors(seed):
    """{name: constructor} of the compared models; py-earth's MARS joins when it is installed."""
    from sklearn.ensemble import GradientBoostingRegressor
    models = {"least squares": LeastSquares,
              "MARS, max_degree=1": lambda: MARS(max_degree=1),
              "MARS, max_degree=2": lambda: MARS(max_degree=2),
              "gradient boosting (sklearn)": lambda: GradientBoostingRegressor(random_state=seed)}
    try:
        from pyearth import Earth   # optional reference (pip install py-earth2)
    except ImportError:
        return models
    models["py-earth, max_degree=1"] = lambda: Earth(max_degree=1)
    models["py-earth, max_degree=2"] = lambda: Earth(max_degree=2)
    return models


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plots (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="random seed for the data and the network")
    ap.add_argument("--hidden", type=int, default=8, help="hidden ReLU units of the network (default 8)")
    ap.add_argument("--epochs", type=int, default=400, help="network training epochs (default 400)")
    ap.add_argument("--repeats", type=int, default=5, help="Friedman #1 draws to average (default 5)")
    ap.add_argument("--diabetes", action="store_true", help="also compare on scikit-learn's diabetes data")
    args = ap.parse_args(argv)
    if min(args.hidden, args.epochs, args.repeats) < 1:
        ap.error("--hidden, --epochs and --repeats must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()

    # -- 1. MARS on one input --------------------------------------------------------
    x = np.sort(rng.uniform(0.0, 1.0, 200))                      # (200,)
    y = np.sin(2 * np.pi * x) + 0.1 * rng.standard_normal(200)  # (200,)
    mars = MARS().fit(x, y)
    print("1-D data: 200 points of y = sin(2 pi x) + N(0, 0.1^2)")
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

    # -- 3. Friedman #1 and diabetes: held-out R^2 against least squares and boosting -------
    X, yf = friedman1(200, 1.0, rng)
    for degree in (1, 2):
        m = MARS(max_degree=degree).fit(X, yf)
        print(f"Friedman #1, MARS max_degree={degree} ({len(m.terms_)} terms):\n  "
              f"{m.summary([f'x{i}' for i in range(10)], precision=3)}")
    models = regressors(args.seed)
    scores, cpu = {name: [] for name in models}, {name: 0.0 for name in models}
    for rep in range(args.repeats):
        if rep:
            X, yf = friedman1(200, 1.0, rng)
        Xt, yt = friedman1(1000, 0.0, rng)
        preds = {}
        for name, model in models.items():
            t = time.process_time()
            preds[name] = model().fit(X, yf).predict(Xt)
            cpu[name] += time.process_time() - t
            scores[name].append(r2(yt, preds[name]))
        if rep == 0:
            first = (yt, preds)
    print(f"Friedman #1: held-out R^2 on 1000 noiseless points, trained on 200 with N(0, 1) noise; "
          f"mean ± sd over {args.repeats} draws, CPU time per fit")
    for name in models:
        print(f"  {name:30s} {np.mean(scores[name]):.3f} ± {np.std(scores[name]):.3f}   "
              f"{cpu[name] / args.repeats * 1000:6.0f} ms")
    if args.diabetes:
        from embed.classic.datasets import load_diabetes
        Xd, yd, _ = load_diabetes()
        folds = np.array_split(np.random.default_rng(args.seed).permutation(len(yd)), 5)
        print("diabetes (442 patients, 10 features): held-out R^2, mean ± sd over 5 folds")
        for name, model in models.items():
            fold_r2 = []
            for test in folds:
                train = np.setdiff1d(np.arange(len(yd)), test)
                fold_r2.append(r2(yd[test], model().fit(Xd[train], yd[train]).predict(Xd[test])))
            print(f"  {name:30s} {np.mean(fold_r2):.3f} ± {np.std(fold_r2):.3f}")

    yt, preds = first
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
