"""Scalers (fit on train, apply to test), one-hot, splits, k-fold, cross-validation."""
import numpy as np
import pytest

from embed.errors import EmbedError
from embed.nn.layers import Dense
from embed.nn.preprocessing import (KFold, MinMaxScaler, Normalizer, StandardScaler, cross_validate, one_hot,
                                    train_test_split)
from embed.nn.sequential import Sequential


def data():
    rng = np.random.default_rng(0)
    return rng.normal(5, 3, (50, 4)), rng.normal(5, 3, (20, 4))


def test_minmax_fit_on_train_apply_to_test():
    train, test = data()
    s = MinMaxScaler().fit(train)
    t = s.transform(train)
    np.testing.assert_allclose(t.min(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(t.max(axis=0), 1, atol=1e-12)
    out = s.transform(test)                              # test uses the train statistics
    np.testing.assert_allclose(out, (test - train.min(0)) / (train.max(0) - train.min(0)))
    np.testing.assert_allclose(s.inverse_transform(out), test)
    r = MinMaxScaler((-1, 1)).fit_transform(train)
    assert r.min() == pytest.approx(-1) and r.max() == pytest.approx(1)


def test_standard_scaler_and_constant_feature():
    train, test = data()
    train[:, 2] = 7.0                                    # constant: no division by zero
    s = StandardScaler().fit(train)
    t = s.transform(train)
    np.testing.assert_allclose(t.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(t.std(axis=0), [1, 1, 0, 1], atol=1e-12)
    np.testing.assert_allclose(s.transform(test), (test - s.mean_) / s.scale_)
    np.testing.assert_allclose(s.inverse_transform(s.transform(test)), test)


def test_normalizer_unit_rows():
    train, _ = data()
    for norm, f in [("l2", lambda r: np.linalg.norm(r, axis=1)), ("l1", lambda r: np.abs(r).sum(1)),
                    ("max", lambda r: np.abs(r).max(1))]:
        np.testing.assert_allclose(f(Normalizer(norm).fit_transform(train)), 1.0)
    np.testing.assert_array_equal(Normalizer().fit_transform(np.zeros((2, 3))), 0)


def test_scaler_errors():
    with pytest.raises(EmbedError, match="not fitted"):
        StandardScaler().transform(np.ones((2, 2)))
    s = MinMaxScaler().fit(np.ones((3, 2)))
    with pytest.raises(EmbedError, match="fitted on 2 features, got 3"):
        s.transform(np.ones((3, 3)))
    with pytest.raises(EmbedError, match="NaN"):
        StandardScaler().fit(np.array([[1.0], [np.nan]]))


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0, 1], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert one_hot(np.array([1, 3])).shape == (2, 4)
    with pytest.raises(EmbedError, match=r"\[0, 3\)"):
        one_hot([0, 3], 3)


def test_train_test_split_partitions_and_stratifies():
    X = np.arange(100).reshape(50, 2)
    y = np.repeat([0, 1], [40, 10])
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=0, stratify=y)
    assert len(Xte) == 10 and len(Xtr) == 40
    assert sorted(np.concatenate([Xtr[:, 0], Xte[:, 0]]).tolist()) == X[:, 0].tolist()
    assert (yte == 1).sum() == 2                          # 20 % of the 10 ones
    np.testing.assert_array_equal(y[Xte[:, 0] // 2], yte)   # rows stay paired with their labels
    a = train_test_split(X, test_size=10, seed=5)
    b = train_test_split(X, test_size=10, seed=5)
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(EmbedError, match="different lengths"):
        train_test_split(X, y[:3])


def test_kfold_every_sample_tested_once():
    n = 23
    seen = np.zeros(n, int)
    folds = list(KFold(5, shuffle=True, seed=1).split(np.zeros(n)))
    assert len(folds) == 5
    for train, test in folds:
        assert len(set(train) & set(test)) == 0 and len(train) + len(test) == n
        seen[test] += 1
    assert np.all(seen == 1)
    assert sorted(len(t) for _, t in folds) == [4, 4, 5, 5, 5]
    with pytest.raises(EmbedError, match="n_splits"):
        list(KFold(1).split(np.zeros(5)))


def test_cross_validate_runs_k_models():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)

    def build():
        return Sequential([Dense(2, "softmax")], seed=0).compile(loss="categorical_crossentropy",
                                                                  optimizer="adam", lr=0.1)

    scores = cross_validate(build, X, y, n_splits=3, seed=0, epochs=30, batch_size=None)
    assert len(scores) == 3 and all(s["accuracy"] >= 0.8 for s in scores)
