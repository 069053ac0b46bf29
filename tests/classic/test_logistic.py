"""Logistic regression (sigmoid / softmax + cross-entropy) on the core."""
import numpy as np
import pytest

from embed.classic import LogisticRegression
from embed.classic.datasets import load_iris
from embed.errors import EmbedError
from embed.nn.preprocessing import StandardScaler, train_test_split


def iris_split(seed):
    X, y, _, _ = load_iris()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, seed=seed, stratify=y)
    scaler = StandardScaler().fit(Xtr)
    return scaler.transform(Xtr), scaler.transform(Xte), ytr, yte


def test_iris_multinomial_held_out_accuracy_at_least_95_percent():
    # one split of 45 flowers is a coarse ruler (one flower = 2.2 %): average several
    accs = []
    for seed in range(6):
        Xtr, Xte, ytr, yte = iris_split(seed)
        assert np.bincount(yte).tolist() == [15, 15, 15]  # stratified
        clf = LogisticRegression(lr=0.5, epochs=1000, random_state=seed).fit(Xtr, ytr)
        assert clf.coef_.shape == (3, 4) and clf.intercept_.shape == (3,)
        accs.append(clf.score(Xte, yte))
    assert np.mean(accs) >= 0.95, accs
    assert min(accs) >= 0.88, accs


def test_probabilities_are_a_softmax_of_the_logits():
    Xtr, Xte, ytr, _ = iris_split(0)
    clf = LogisticRegression(epochs=200).fit(Xtr, ytr)
    P = clf.predict_proba(Xte)
    assert P.shape == (len(Xte), 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    z = Xte @ clf.coef_.T + clf.intercept_
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(P, expected / expected.sum(axis=1, keepdims=True), atol=1e-12)
    np.testing.assert_array_equal(clf.predict(Xte), P.argmax(axis=1))


def test_binary_sigmoid_model():
    Xtr, Xte, ytr, yte = iris_split(1)
    clf = LogisticRegression(epochs=300).fit(Xtr, (ytr == 0).astype(int))  # setosa vs the rest
    assert clf.binary_ and clf.coef_.shape == (4,) and isinstance(clf.intercept_, float)
    assert clf.score(Xte, (yte == 0).astype(int)) == 1.0  # setosa is linearly separable
    p1 = 1 / (1 + np.exp(-(Xte @ clf.coef_ + clf.intercept_)))
    np.testing.assert_allclose(clf.predict_proba(Xte)[:, 1], p1, atol=1e-12)
    # the recorded cost is the binary cross-entropy of the model's own predictions
    yb = (ytr == 0).astype(float)
    p = np.clip(clf.predict_proba(Xtr)[:, 1], 1e-12, 1 - 1e-12)
    bce = -np.mean(yb * np.log(p) + (1 - yb) * np.log(1 - p))
    assert clf.loss_curve_[-1] == pytest.approx(bce, rel=0.02)
    assert clf.loss_curve_[0] == pytest.approx(np.log(2))  # w = 0 gives p = 1/2 everywhere


def test_binary_agrees_with_a_two_class_softmax_in_accuracy():
    Xtr, Xte, ytr, yte = iris_split(2)
    keep_tr, keep_te = ytr > 0, yte > 0  # versicolor vs virginica: the overlapping pair
    ytr2, yte2 = ytr[keep_tr] - 1, yte[keep_te] - 1
    sig = LogisticRegression(multi_class="binary", epochs=2000).fit(Xtr[keep_tr], ytr2)
    soft = LogisticRegression(multi_class="multinomial", epochs=2000).fit(Xtr[keep_tr], ytr2)
    assert soft.coef_.shape == (2, 4)
    # a 2-class softmax is a sigmoid of the logit difference: same decisions
    assert np.mean(sig.predict(Xte[keep_te]) == soft.predict(Xte[keep_te])) >= 0.9
    assert sig.score(Xte[keep_te], yte2) >= 0.8


def test_l2_and_l1_penalties_shrink_weights():
    Xtr, _, ytr, _ = iris_split(3)
    rng = np.random.default_rng(0)
    Xn = np.hstack([Xtr, rng.standard_normal((len(Xtr), 4))])  # four useless noise features
    yb = (ytr == 2).astype(int)
    plain = LogisticRegression(epochs=1000).fit(Xn, yb)
    ridge = LogisticRegression(epochs=1000, penalty="l2", alpha=0.05).fit(Xn, yb)
    lasso = LogisticRegression(epochs=1000, penalty="l1", alpha=0.05).fit(Xn, yb)
    assert np.linalg.norm(ridge.coef_) < 0.5 * np.linalg.norm(plain.coef_)
    assert np.abs(lasso.coef_[4:]).max() < 0.05 < np.abs(plain.coef_[4:]).max()


def test_mini_batch_adam_also_learns_iris():
    Xtr, Xte, ytr, yte = iris_split(4)
    clf = LogisticRegression(optimizer="adam", lr=0.05, epochs=100, batch_size=16, random_state=0).fit(Xtr, ytr)
    assert clf.score(Xte, yte) >= 0.9


@pytest.mark.parametrize("y,kw,message", [
    ([0, 1, 2, 1], dict(multi_class="binary"), r"0\.\.1"),
    ([0, 1, -1, 1], {}, r"0\.\.1, got values in -1\.\.1"),
    ([0, 1, 5, 1], dict(n_classes=3), r"0\.\.2"),
    ([0, 1, 0.5, 1], {}, "integer"),
    ([1, 1, 1, 1], {}, "single class"),
    ([0, 1, 1], {}, "4 example"),
    ([0, 1, np.nan, 1], {}, "NaN"),
])
def test_bad_labels_are_clear_errors(y, kw, message):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(EmbedError, match=message):
        LogisticRegression(epochs=5, **kw).fit(X, y)


def test_bad_inputs_are_clear_errors():
    X = np.arange(8.0).reshape(4, 2)
    y = [0, 1, 0, 1]
    with pytest.raises(EmbedError, match="NaN"):
        LogisticRegression(epochs=5).fit(np.where(X > 6, np.nan, X), y)
    with pytest.raises(EmbedError, match="multi_class"):
        LogisticRegression(multi_class="ovr").fit(X, y)
    with pytest.raises(EmbedError, match="not fitted"):
        LogisticRegression().predict_proba(X)
    clf = LogisticRegression(epochs=5).fit(X, y)
    with pytest.raises(EmbedError, match="fitted with 2"):
        clf.predict(np.ones((2, 3)))
    with pytest.raises(EmbedError, match=r"0\.\.1"):
        clf.score(X, [0, 1, 2, 1])
