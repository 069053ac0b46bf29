"""MARS: planted hinge functions are recovered, GCV pruning, interactions, Friedman #1 against
linear regression, the summary's form, the ReLU-network rewrite, errors."""
import re

import numpy as np
import pytest

from embed.classic import MARS
from embed.classic.mars import Hinge, Term, format_model, gcv, relu_network_as_hinges, span_rules
from embed.errors import EmbedError


def planted(x):
    """y = 1 + 2 max(0, x - 0.3) - 5 max(0, x - 0.7): two knots, slopes 0, 2, -3."""
    return 1.0 + 2.0 * np.maximum(0.0, x - 0.3) - 5.0 * np.maximum(0.0, x - 0.7)


def knots_of(model):
    return sorted({h.knot for t in model.terms_ for h in t})


def r2(y, pred):
    return 1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def test_noiseless_piecewise_linear_is_recovered_exactly():
    x = np.linspace(0.0, 1.0, 101)                      # the true knots are data values
    # every knot allowed; go on while a pair adds any R^2 (the default stops below 1e-3)
    model = MARS(min_span=1, end_span=0, threshold=1e-9).fit(x, planted(x))
    assert knots_of(model) == pytest.approx([0.3, 0.7], abs=1e-12)
    grid = np.linspace(0.0, 1.0, 1000)[:, None]
    assert np.max(np.abs(model.predict(grid) - planted(grid[:, 0]))) < 1e-9
    assert model.rsq_ == pytest.approx(1.0, abs=1e-12)


def test_noisy_piecewise_linear_knots_within_tolerance():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 1.0, 300)
    y = planted(x) + 0.02 * rng.standard_normal(300)
    model = MARS().fit(x[:, None], y)
    found = np.array(knots_of(model))
    for true in (0.3, 0.7):                             # each planted knot is found ...
        assert np.min(np.abs(found - true)) < 0.03
    assert np.all(np.min(np.abs(found[:, None] - [0.3, 0.7]), axis=1) < 0.06)   # ... and no stray one
    grid = np.linspace(0.05, 0.95, 200)[:, None]
    assert np.max(np.abs(model.predict(grid) - planted(grid[:, 0]))) < 0.03
    assert all(t.degree == 1 for t in model.terms_)


def test_additive_2d_uses_both_features_and_ignores_noise_feature():
    rng = np.random.default_rng(1)
    X = rng.uniform(0.0, 1.0, (400, 3))                 # x2 is pure noise
    f = lambda X: 3.0 * np.maximum(0.0, X[:, 0] - 0.5) + 2.0 * np.maximum(0.0, 0.4 - X[:, 1])
    y = f(X) + 0.01 * rng.standard_normal(400)
    model = MARS().fit(X, y)
    used = {h.feature for t in model.terms_ for h in t}
    assert used == {0, 1}
    Xt = rng.uniform(0.0, 1.0, (500, 3))
    assert r2(f(Xt), model.predict(Xt)) > 0.995
    k0 = [h.knot for t in model.terms_ for h in t if h.feature == 0]
    k1 = [h.knot for t in model.terms_ for h in t if h.feature == 1]
    assert min(abs(np.array(k0) - 0.5)) < 0.03 and min(abs(np.array(k1) - 0.4)) < 0.03


def test_degree_two_finds_the_interaction_degree_one_cannot():
    rng = np.random.default_rng(2)
    X = rng.uniform(0.0, 1.0, (400, 2))
    f = lambda X: 8.0 * np.maximum(0.0, X[:, 0] - 0.5) * np.maximum(0.0, X[:, 1] - 0.4)
    y = f(X) + 0.01 * rng.standard_normal(400)
    Xt = rng.uniform(0.0, 1.0, (500, 2))
    additive = MARS(max_degree=1).fit(X, y)
    product = MARS(max_degree=2).fit(X, y)
    assert all(t.degree == 1 for t in additive.terms_)
    assert any({h.feature for h in t} == {0, 1} for t in product.terms_)
    assert r2(f(Xt), product.predict(Xt)) > 0.99
    assert r2(f(Xt), additive.predict(Xt)) < 0.95
    assert product.penalty_ == 3.0 and additive.penalty_ == 2.0   # Friedman's defaults


def friedman1(n, noise, rng):
    """Friedman's test function #1 (as scikit-learn's make_friedman1), on 10 uniform inputs:
    y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + noise; x5..x9 are irrelevant."""
    X = rng.uniform(0.0, 1.0, (n, 10))
    y = (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3] + 5 * X[:, 4]
         + noise * rng.standard_normal(n))
    return X, y


def test_friedman1_beats_linear_regression_on_held_out_data():
    rng = np.random.default_rng(0)
    X, y = friedman1(200, 1.0, rng)
    Xt, yt = friedman1(1000, 0.0, rng)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.lstsq(A, y, rcond=None)[0]        # ordinary least squares
    linear = r2(yt, np.column_stack([Xt, np.ones(len(Xt))]) @ theta)
    additive = MARS().fit(X, y)
    pairs = MARS(max_degree=2).fit(X, y)
    assert additive.score(Xt, yt) > linear + 0.1
    assert pairs.score(Xt, yt) > additive.score(Xt, yt) + 0.03   # sin(pi x0 x1) needs a product
    assert {h.feature for t in additive.terms_ for h in t} >= {0, 1, 2, 3, 4}   # the informative inputs


def test_gcv_formula_and_pruning_picks_the_minimum():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 1.0, 150)
    y = planted(x) + 0.05 * rng.standard_normal(150)
    model = MARS(penalty=2.5).fit(x, y)
    M, N = len(model.terms_) + 1, 150
    C = M + 2.5 * (M - 1) / 2
    assert model.gcv_ == pytest.approx(model.rss_ / N / (1 - C / N) ** 2, rel=1e-12)
    assert gcv(1.0, 10, 7, 3.0) == float("inf")        # C = 16 >= N: no degrees of freedom left
    sizes = [m for m, _ in model.gcv_path_]
    assert sizes == list(range(len(model.forward_terms_) + 1, 0, -1))
    assert model.gcv_ == pytest.approx(min(g for _, g in model.gcv_path_), rel=1e-9)
    assert len(model.forward_terms_) + 1 > M           # the backward pass removed something


def test_max_terms_bounds_the_forward_pass():
    rng = np.random.default_rng(4)
    X = rng.uniform(-1.0, 1.0, (200, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    model = MARS(max_terms=5, threshold=0.0).fit(X, y)
    assert len(model.forward_terms_) == 4


def test_summary_is_the_slides_formula():
    x = np.linspace(0.0, 1.0, 101)
    model = MARS(min_span=1, end_span=0, threshold=1e-9).fit(x, planted(x))
    text = model.summary()
    number = r"\d+(?:\.\d+)?"
    hinge = rf"max\(0, (?:x \u2212 {number}|{number} \u2212 x)\)"
    assert re.fullmatch(rf"y\(x\) = \u2212?{number}( [+\u2212] {number} {hinge})+", text), text
    assert "0.3" in text and "0.7" in text
    assert "age" in model.summary(feature_names=["age"])
    with pytest.raises(EmbedError, match="feature_names"):
        model.summary(feature_names=["a", "b"])


def test_terms_are_readable_hinge_products():
    h = Hinge(2, -0.5, +1)
    assert (h.feature, h.knot, h.sign) == (2, -0.5, 1)
    assert h.describe() == "max(0, x2 + 0.5)"
    assert Hinge(0, -0.5, -1).describe(["t"]) == "max(0, \u22120.5 \u2212 t)"
    t = Term([Hinge(0, 0.5, 1), Hinge(1, 0.2, -1)])
    X = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    assert t(X) == pytest.approx([0.5 * 0.2, 0.0, 0.0])
    assert format_model(2.0, [-1.5], [t]) == "y(x) = 2 \u2212 1.5 max(0, x0 \u2212 0.5) \u00b7 max(0, 0.2 \u2212 x1)"


def test_relu_network_is_a_sum_of_hinges():
    rng = np.random.default_rng(5)
    W1, b1 = rng.standard_normal((1, 6)), rng.standard_normal(6)
    W1[0, 3] = 0.0                                      # a dead-flat unit joins the intercept
    W2, b2 = rng.standard_normal((6, 1)), rng.standard_normal(1)
    x = np.linspace(-3, 3, 50)[:, None]
    net = np.maximum(0.0, x @ W1 + b1) @ W2 + b2        # (50, 1)
    intercept, coef, terms = relu_network_as_hinges(W1, b1, W2, b2)
    assert len(terms) == 5
    hinges = np.column_stack([t(x) for t in terms])     # (50, 5)
    assert hinges @ coef + intercept == pytest.approx(net[:, 0], abs=1e-12)
    with pytest.raises(EmbedError, match="W1"):
        relu_network_as_hinges(np.ones((2, 3)), np.ones(3), np.ones((3, 1)), np.ones(1))


def test_span_rules_follow_friedman():
    min_span, end_span = span_rules(200, 1)
    assert end_span == 8                                 # ceil(3 - log2(0.05))
    assert min_span == 4                                 # -log2(-ln(0.95) / 200) / 2.5 = 4.77
    assert span_rules(200, 1, min_span=3, end_span=0) == (3, 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_degree=0), "max_degree"), (dict(max_terms=0), "max_terms"),
    (dict(penalty=-1.0), "penalty"), (dict(min_span=0), "min_span"),
    (dict(end_span=-1), "end_span"), (dict(threshold=-0.1), "threshold"),
])
def test_bad_parameters_are_one_line_errors(kwargs, match):
    with pytest.raises(EmbedError, match=match) as err:
        MARS(**kwargs).fit(np.arange(10.0), np.arange(10.0))
    assert "\n" not in str(err.value)


def test_use_before_fit_and_wrong_width_are_errors():
    with pytest.raises(EmbedError, match="not fitted"):
        MARS().predict(np.zeros((3, 1)))
    model = MARS().fit(np.random.default_rng(0).uniform(size=(50, 2)), np.arange(50.0))
    with pytest.raises(EmbedError, match="feature"):
        model.predict(np.zeros((3, 3)))
    with pytest.raises(EmbedError, match="NaN"):
        MARS().fit(np.array([[1.0], [np.nan]]), np.array([1.0, 2.0]))


def test_constant_target_gives_the_intercept_only():
    model = MARS().fit(np.arange(20.0), np.full(20, 3.0))
    assert model.terms_ == [] and model.intercept_ == pytest.approx(3.0)
    assert model.predict(np.array([[100.0]])) == pytest.approx([3.0])


def test_hinges_plot_draws_each_hinge_and_their_sum(tmp_path):
    from embed.classic.plots import hinges_plot
    x = np.linspace(0.0, 1.0, 101)
    model = MARS(min_span=1, end_span=0, threshold=1e-9).fit(x, planted(x))
    path = tmp_path / "hinges.png"
    fig = hinges_plot([dict(x=x, y=planted(x), intercept=model.intercept_, coef=model.coef_,
                            terms=model.terms_)], path)
    ax = fig.axes[0]
    solid = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == len(model.terms_)
    grid = solid[0].get_xdata()[:, None]
    assert solid[0].get_ydata() == pytest.approx(model.predict(grid), abs=1e-9)
    knots = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_linestyle() == ":")
    assert knots == pytest.approx([0.3, 0.7])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"                     # the same figure, written
