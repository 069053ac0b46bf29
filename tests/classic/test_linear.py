"""Linear regression: gradient descent on the core against the normal equation."""
import numpy as np
import pytest

from embed.classic import LinearRegression, normal_equation
from embed.classic.datasets import make_linear
from embed.errors import EmbedError


def standardised_problem(seed, m=200, n=5, noise=0.5, correlated=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n))
    if correlated:
        X = X @ (np.eye(n) + 0.3 * rng.standard_normal((n, n)))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X @ rng.standard_normal(n) + 3.0 + noise * rng.standard_normal(m)
    return X, y


@pytest.mark.parametrize("seed,m,n", [(0, 200, 5), (1, 50, 3), (2, 300, 8)])
def test_full_batch_gd_equals_normal_equation(seed, m, n):
    X, y = standardised_problem(seed, m, n)
    w, b = normal_equation(X, y)
    eig = np.linalg.eigvalsh(X.T @ X / m)
    model = LinearRegression(lr=1.0 / max(eig[-1], 1.0), epochs=4000).fit(X, y)
    assert model.model_.layers[0].params["W"].dtype == np.float64
    np.testing.assert_allclose(model.coef_, w, atol=1e-6, rtol=0)
    assert abs(model.intercept_ - b) < 1e-6
    np.testing.assert_allclose(model.predict(X), X @ w + b, atol=1e-5)


def test_ridge_gd_equals_closed_form():
    X, y = standardised_problem(3)
    w, b = normal_equation(X, y, l2=0.3)
    model = LinearRegression(lr=0.3, epochs=3000, penalty="l2", alpha=0.3).fit(X, y)
    np.testing.assert_allclose(model.coef_, w, atol=1e-6, rtol=0)
    assert abs(model.intercept_ - b) < 1e-6
    w0, _ = normal_equation(X, y)
    assert np.linalg.norm(w) < np.linalg.norm(w0)  # the penalty shrinks the weights


def test_normal_equation_recovers_an_exact_line():
    x = np.linspace(-2, 3, 17)
    w, b = normal_equation(x, 4.0 - 1.5 * x)
    assert w.shape == (1,)
    assert w[0] == pytest.approx(-1.5, abs=1e-12) and b == pytest.approx(4.0, abs=1e-12)


def test_loss_curve_is_the_cost_and_decreases():
    X, y = make_linear(m=80, random_state=1)
    model = LinearRegression(lr=0.1, epochs=200).fit(X, y)
    curve = np.array(model.loss_curve_)
    assert len(curve) == 200
    assert curve[0] == pytest.approx(0.5 * np.mean(y ** 2))  # J at w = 0, b = 0
    assert np.all(np.diff(curve) <= 1e-12)  # small-step full-batch GD never goes uphill
    assert curve[-1] == pytest.approx(model.cost(X, y), rel=1e-3)


@pytest.mark.parametrize("batch_size,lr,epochs", [(16, 0.05, 60), (1, 0.005, 40)])
def test_mini_batch_and_online_converge_near_the_optimum(batch_size, lr, epochs):
    X, y = standardised_problem(4, correlated=False)
    w, b = normal_equation(X, y)
    j_star = 0.5 * np.mean((X @ w + b - y) ** 2)
    model = LinearRegression(lr=lr, epochs=epochs, batch_size=batch_size, random_state=0).fit(X, y)
    assert model.cost(X, y) < 1.02 * j_star
    np.testing.assert_allclose(model.coef_, w, atol=0.05)
    assert model.loss_curve_[-1] < 0.1 * model.loss_curve_[0]


def test_momentum_and_adam_reach_the_closed_form():
    X, y = standardised_problem(5)
    w, _ = normal_equation(X, y)
    for kw in (dict(optimizer="sgd", momentum=0.9, lr=0.05), dict(optimizer="adam", lr=0.05)):
        model = LinearRegression(epochs=1500, **kw).fit(X, y)
        np.testing.assert_allclose(model.coef_, w, atol=1e-4)


def test_l1_zeroes_irrelevant_weights():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((400, 6))
    y = 2.0 * X[:, 0] + 1.0 * rng.standard_normal(400)  # only feature 0 matters
    plain = LinearRegression(lr=0.1, epochs=500).fit(X, y)
    lasso = LinearRegression(lr=0.1, epochs=500, penalty="l1", alpha=0.15).fit(X, y)
    assert np.abs(lasso.coef_[1:]).max() < 0.02 < 0.05 < np.abs(plain.coef_[1:]).max()
    assert lasso.coef_[0] == pytest.approx(plain.coef_[0] - 0.15, abs=0.03)  # shrunk by about alpha


def test_float32_fit_is_close():
    X, y = standardised_problem(7)
    w, b = normal_equation(X, y)
    model = LinearRegression(lr=0.3, epochs=1000, dtype="float32").fit(X, y)
    assert model.model_.layers[0].params["W"].dtype == np.float32
    np.testing.assert_allclose(model.coef_, w, atol=1e-3)


def test_score_is_r_squared():
    X, y = make_linear(m=100, noise=0.0)
    model = LinearRegression(lr=0.5, epochs=2000).fit(X, y)
    assert model.score(X, y) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("X,y,message", [
    (np.ones((5, 2)), np.ones(4), "5 example"),
    (np.array([[1.0, np.nan], [2.0, 3.0]]), np.ones(2), "NaN"),
    (np.ones((3, 2)), np.array([1.0, np.inf, 2.0]), "NaN or infinite"),
    (np.ones((2, 2, 2)), np.ones(2), "2-D"),
    (np.empty((0, 3)), np.empty(0), "empty"),
    ([["a", "b"]], [1.0], "numeric"),
])
def test_bad_data_is_a_clear_error(X, y, message):
    with pytest.raises(EmbedError, match=message):
        LinearRegression(epochs=5).fit(X, y)
    with pytest.raises(EmbedError, match=message):
        normal_equation(X, y)


def test_bad_settings_and_use_are_clear_errors():
    X, y = make_linear(m=10)
    for kw, message in ((dict(batch_size=0), "batch_size"), (dict(epochs=0), "epochs"),
                        (dict(lr=-1.0), "lr"), (dict(penalty="l3", alpha=0.1), "penalty"),
                        (dict(optimizer="newton"), "optimizer"), (dict(dtype="float16"), "dtype")):
        with pytest.raises(EmbedError, match=message):
            LinearRegression(**kw).fit(X, y)
    with pytest.raises(EmbedError, match="not fitted"):
        LinearRegression().predict(X)
    model = LinearRegression(epochs=5).fit(X, y)
    with pytest.raises(EmbedError, match="fitted with 1"):
        model.predict(np.ones((3, 2)))
