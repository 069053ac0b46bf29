"""The perceptron learning rule, and XOR with and without a hidden layer."""
import numpy as np
import pytest

from embed.classic import Perceptron, fit_xor_mlp
from embed.classic.datasets import make_separable, make_xor
from embed.errors import EmbedError


def separable_with_known_margin(seed, m=150, gamma=0.1):
    """Points in [-1, 1]^2 at distance >= gamma from a known line u.x + c = 0."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    u, c = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.2, 0.2)
    X = rng.uniform(-1, 1, (4 * m, 2))
    X = X[np.abs(X @ u + c) >= gamma][:m]
    return X, (X @ u + c > 0).astype(int), u, c


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_converges_on_separable_data_within_novikoffs_bound(seed):
    X, y, u, c = separable_with_known_margin(seed)
    p = Perceptron(max_epochs=1000, random_state=seed).fit(X, y)
    assert p.converged_ and p.n_epochs_ < 1000
    assert p.errors_[-1] == 0 and all(e > 0 for e in p.errors_[:-1])
    assert len(p.errors_) == p.n_epochs_
    assert p.score(X, y) == 1.0
    # Novikoff: mistakes <= (R / gamma)^2 with augmented inputs [x, 1] and the unit separator [u, c]/|[u, c]|
    A = np.hstack([X, np.ones((len(X), 1))])
    theta = np.append(u, c) / np.linalg.norm(np.append(u, c))
    gamma = np.min((2 * y - 1) * (A @ theta))
    R = np.max(np.linalg.norm(A, axis=1))
    assert 0 < sum(p.errors_) <= (R / gamma) ** 2


def test_the_rule_adds_and_subtracts_the_input_on_mistakes():
    # one pass, fixed order, lr 1: w starts at 0 so the first example (a positive) is a miss
    X = np.array([[2.0, 1.0], [1.0, 3.0]])
    y = np.array([1, 0])
    p = Perceptron(max_epochs=1, shuffle=False).fit(X, y)
    # x1 missed (0 predicted): w = +x1, b = +1;  x2: w.x2 + b = 2 + 3 + 1 > 0, a miss: w -= x2, b -= 1
    np.testing.assert_array_equal(p.coef_, [1.0, -2.0])
    assert p.intercept_ == 0.0 and p.errors_ == [2] and not p.converged_


def test_same_seed_same_result():
    X, y = make_separable(100, random_state=5)
    a = Perceptron(random_state=3).fit(X, y)
    b = Perceptron(random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.errors_ == b.errors_


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_is_not_learnable_by_the_perceptron(seed):
    X, y = make_xor()
    p = Perceptron(max_epochs=200, random_state=seed).fit(X, y)
    assert not p.converged_ and p.n_epochs_ == 200
    assert min(p.errors_) >= 1  # never a mistake-free epoch
    assert p.score(X, y) <= 0.75


@pytest.mark.parametrize("seed,activation", [(0, "tanh"), (1, "tanh"), (2, "sigmoid")])
def test_a_hidden_layer_learns_xor(seed, activation):
    X, y = make_xor()
    model, history = fit_xor_mlp(X, y, hidden=4, activation=activation, epochs=500, random_state=seed)
    p = model.predict(X)[:, 0]
    np.testing.assert_array_equal((p >= 0.5).astype(int), y)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.1 < history["loss"][0]


def test_bad_inputs_are_clear_errors():
    X, y = make_xor()
    with pytest.raises(EmbedError, match=r"0\.\.1"):
        Perceptron().fit(X, [0, 1, 2, 0])
    with pytest.raises(EmbedError, match="4 example"):
        Perceptron().fit(X, [0, 1, 1])
    with pytest.raises(EmbedError, match="NaN"):
        Perceptron().fit(np.where(X > 0, np.nan, X), y)
    with pytest.raises(EmbedError, match="max_epochs"):
        Perceptron(max_epochs=0).fit(X, y)
    with pytest.raises(EmbedError, match="not fitted"):
        Perceptron().predict(X)
    with pytest.raises(EmbedError, match="hidden"):
        fit_xor_mlp(X, y, hidden=0)
