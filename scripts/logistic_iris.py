"""Logistic regression on Fisher's Iris: binary (sigmoid) and multinomial (softmax).

    python scripts/logistic_iris.py [--out out] [--seed 0]

1. Splits the 150 flowers 70/30, stratified by species; standardises the four
   measurements with statistics of the training part only.
2. Multinomial model (Dense(3, softmax) + cross-entropy, gradient descent):
   held-out accuracy and confusion matrix; then the mean over 10 random splits.
3. Binary model (Dense(1, sigmoid) + binary cross-entropy): setosa vs the rest,
   and the harder versicolor vs virginica; an L1 and an L2 penalty for comparison.
4. Writes iris_decision_boundary.png: left, a model on the two petal
   measurements with its decision regions; right, the 4-feature model shown
   on the plane of the first two principal components.
"""
import argparse
import os
import time

import numpy as np

from embed.classic import LogisticRegression
from embed.classic.datasets import load_iris
from embed.classic.plots import decision_boundary_plot
from embed.nn.metrics import confusion_matrix
from embed.nn.preprocessing import StandardScaler, train_test_split
from embed.cli import run_script


def split(X, y, seed):
    """Stratified 70/30 split, standardised with the training statistics."""
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, seed=seed, stratify=y)
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the plot (default: ./out)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()

    X, y, feature_names, species = load_iris()
    Xtr, Xte, ytr, yte = split(X, y, args.seed)
    print(f"iris: {len(Xtr)} training and {len(Xte)} held-out flowers, {X.shape[1]} standardised features")

    # -- multinomial: P = softmax(X W + b), cross-entropy ----------------------------
    clf = LogisticRegression(lr=0.5, epochs=1000, random_state=args.seed).fit(Xtr, ytr)
    print(f"multinomial (softmax): train accuracy {clf.score(Xtr, ytr):.3f}, "
          f"held-out accuracy {clf.score(Xte, yte):.3f}, final cost {clf.loss_curve_[-1]:.4f}")
    cm = confusion_matrix(yte, clf.predict(Xte), n_classes=3)
    print("  confusion matrix (rows: true, columns: predicted)")
    width = max(map(len, species))
    for name, row in zip(species, cm):
        print(f"    {name:>{width}s}  " + " ".join(f"{v:3d}" for v in row))
    accs = []
    for s in range(10):
        a, b, c, d = split(X, y, 1000 + s)
        accs.append(LogisticRegression(lr=0.5, epochs=1000, random_state=s).fit(a, c).score(b, d))
    print(f"  over 10 random stratified splits: held-out accuracy {np.mean(accs):.3f} "
          f"± {np.std(accs):.3f} (min {np.min(accs):.3f}, max {np.max(accs):.3f})")

    # -- binary: p = sigmoid(x . w + b), binary cross-entropy --------------------------
    for name, pos, keep in (("setosa vs rest", 0, None), ("versicolor vs virginica", 2, (1, 2))):
        sel_tr = np.ones(len(ytr), bool) if keep is None else np.isin(ytr, keep)
        sel_te = np.ones(len(yte), bool) if keep is None else np.isin(yte, keep)
        ytr_b, yte_b = (ytr[sel_tr] == pos).astype(int), (yte[sel_te] == pos).astype(int)
        for penalty, alpha in ((None, 0.0), ("l2", 0.01), ("l1", 0.01)):
            b = LogisticRegression(penalty=penalty, alpha=alpha, random_state=args.seed).fit(Xtr[sel_tr], ytr_b)
            tag = "no penalty" if penalty is None else f"{penalty.upper()} {alpha}"
            print(f"binary (sigmoid), {name:24s} {tag:11s} held-out accuracy {b.score(Xte[sel_te], yte_b):.3f}"
                  f"   weights {np.array2string(b.coef_, precision=2, sign='+')}")

    # -- decision boundaries ---------------------------------------------------------------
    petal = [2, 3]  # petal length, petal width
    clf2 = LogisticRegression(lr=0.5, epochs=1000, random_state=args.seed).fit(Xtr[:, petal], ytr)
    print(f"2-feature model (petal length, width): held-out accuracy {clf2.score(Xte[:, petal], yte):.3f}")
    # PCA of the standardised training data: project onto the top two directions v1, v2,
    # and map plane points back with x = mean + [u1, u2] V^T to ask the 4-feature model.
    mean = Xtr.mean(axis=0)
    _, sv, Vt = np.linalg.svd(Xtr - mean, full_matrices=False)  # rows of Vt: principal directions
    V = Vt[:2].T  # (4, 2)
    explained = sv[:2] ** 2 / np.sum(sv ** 2)
    names = [n.replace(" (cm)", "") for n in feature_names]
    path = os.path.join(args.out, "iris_decision_boundary.png")
    decision_boundary_plot([
        dict(predict=clf2.predict, X=Xtr[:, petal], y=ytr, X_test=Xte[:, petal], y_test=yte, class_names=species,
             xlabel=f"{names[2]} (standardised)", ylabel=f"{names[3]} (standardised)",
             title=f"2 petal features: held-out accuracy {clf2.score(Xte[:, petal], yte):.0%}\n"
                   f"(filled: training flowers, hollow: held-out)"),
        dict(predict=lambda U: clf.predict(mean + U @ V.T), X=(Xtr - mean) @ V, y=ytr,
             X_test=(Xte - mean) @ V, y_test=yte, class_names=species,
             xlabel=f"PC 1 ({explained[0]:.0%} of variance)", ylabel=f"PC 2 ({explained[1]:.0%} of variance)",
             title=f"4 features, on the PCA plane: held-out accuracy {clf.score(Xte, yte):.0%}\n"
                   f"(mean over 10 random splits {np.mean(accs):.1%})"),
    ], path,
        suptitle="Multinomial logistic regression on Iris (softmax + cross-entropy, gradient descent)")
    print(f"wrote {path}")
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    run_script(main)
