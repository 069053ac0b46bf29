# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lecture 10: MARS, stepwise regression with hinge functions
#
# Multivariate adaptive regression splines (Friedman, 1991) build a regression
# from **hinge functions**, mirrored pairs at a knot $t$ on one input $x_j$:
#
# $$\max(0,\ x_j - t), \qquad \max(0,\ t - x_j).$$
#
# The model is a sum of hinges (and, with `max_degree` > 1, of products of hinges):
#
# $$y(x) = \beta_0 + \sum_k \beta_k\, h_k(x).$$
#
# * **Forward pass**: start from the constant; at each step try every input
#   and every knot (the data values), add the mirrored pair that lowers the
#   residual sum of squares the most, refit the $\beta$ by least squares; repeat.
# * **Backward pass**: the forward model over-fits, so remove terms one at a time,
#   each time the one whose removal hurts least, and keep the model with the best
#   **generalised cross-validation** score
#
# $$\mathrm{GCV} = \frac{\mathrm{RSS}/n}{\big(1 - C(M)/n\big)^2}, \qquad C(M) = M + d\,\frac{M - 1}{2},$$
#
# which charges each of the $M$ basis functions (and each knot, through the
# penalty $d$) for the freedom it used.

# %% tags=["parameters"]
N = 200             # points of the 1-D example
N_FRIEDMAN = 500    # training points of Friedman's function
HIDDEN = 8          # hidden ReLU units of the network in part 2
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic import MARS, normal_equation
from embed.classic.mars import relu_network_as_hinges
from embed.classic.plots import hinges_plot
from embed.nn import Dense, Sequential

# %% [markdown]
# ## Recovering a planted function
#
# $y = 1 + 2\max(0, x - 0.3) - 5\max(0, x - 0.7) + \varepsilon$: two knots, at 0.3 and 0.7.

# %%
rng = np.random.default_rng(SEED)
x = rng.uniform(0.0, 1.0, N)                                                 # (N,)
y = 1 + 2 * np.maximum(0, x - 0.3) - 5 * np.maximum(0, x - 0.7) + 0.05 * rng.standard_normal(N)
mars = MARS().fit(x[:, None], y)
print(mars.summary(feature_names=["x"], precision=3))
knots = sorted({h.knot for term in mars.terms_ for h in term})
knot_error = max(min(abs(k - planted) for k in knots) for planted in (0.3, 0.7))
print(f"knots found: {np.round(knots, 3)}; farthest planted knot is {knot_error:.3f} from one of them")
print(f"forward pass added {len(mars.forward_terms_)} terms, pruning kept {len(mars.terms_)}; R² = {mars.rsq_:.4f}")

# %% [markdown]
# ## A ReLU network is a sum of hinges too
#
# One hidden layer of ReLU units on one input computes
#
# $$y(x) = b_2 + \sum_k v_k \max(0,\ w_k x + b_k) = b_2 + \sum_k v_k |w_k| \max\big(0,\ \pm(x - t_k)\big),\quad t_k = -b_k / w_k,$$
#
# a hinge per unit with its knot at $t_k$. MARS places its knots by search and
# least squares; the network moves them by gradient descent. Same family of
# functions, two ways to fit it. `relu_network_as_hinges` rewrites the trained
# network's weights in MARS's form.

# %%
net = Sequential([Dense(HIDDEN, "relu"), Dense(1)], seed=SEED).build(1, dtype=np.float64)
# Start the knots t = -b / w spread over the data, with slopes of either sign (with zero biases
# every knot would start at x = 0 and units pointing the wrong way would never wake up).
w = rng.choice([-1.0, 1.0], HIDDEN) * rng.uniform(1.0, 3.0, HIDDEN)          # (H,) slopes
W1, b1, W2, b2 = net.get_weights()
net.set_weights([w[None, :], -w * rng.uniform(x.min(), x.max(), HIDDEN), W2, b2])
net.compile(loss="quadratic", optimizer="adam", lr=0.01, metrics=[])
net.fit(x[:, None], y, epochs=300, batch_size=32, seed=SEED)
W1, b1, W2, b2 = net.get_weights()
net_intercept, net_coef, net_terms = relu_network_as_hinges(W1, b1, W2, b2)
net_r2 = 1 - np.sum((net.predict(x[:, None])[:, 0] - y) ** 2) / np.sum((y - y.mean()) ** 2)
print(f"ReLU network: R² = {net_r2:.4f}, knots at {np.round(sorted(t[0].knot for t in net_terms), 2)}")

# %%
hinges_plot([dict(x=x, y=y, intercept=mars.intercept_, coef=mars.coef_, terms=mars.terms_,
                  title=f"MARS: {len(mars.terms_)} hinge terms"),
             dict(x=x, y=y, intercept=net_intercept, coef=net_coef, terms=net_terms,
                  title=f"ReLU network, {HIDDEN} hidden units = {len(net_terms)} hinges")])

# %% [markdown]
# ## Many inputs: Friedman's function #1
#
# $y = 10\sin(\pi x_1 x_2) + 20(x_3 - 0.5)^2 + 10x_4 + 5x_5 + \varepsilon$ on 10 uniform
# inputs, of which 5 do not matter. Least squares can only draw a plane; MARS
# bends each input (degree 1) and, with `max_degree=2`, multiplies hinges to
# model the interaction of $x_1$ and $x_2$. Scored by $R^2$ on fresh test points.

# %%
def friedman1(n, noise, rng):
    X = rng.uniform(0.0, 1.0, (n, 10))                                       # (n, 10)
    return X, (10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2 + 10 * X[:, 3]
               + 5 * X[:, 4] + noise * rng.standard_normal(n))


def r2(y_true, y_pred):
    return 1 - np.sum((y_true - y_pred) ** 2) / np.sum((y_true - y_true.mean()) ** 2)


Xtr, ytr = friedman1(N_FRIEDMAN, 1.0, rng)
Xte, yte = friedman1(1000, 0.0, rng)
coef, intercept = normal_equation(Xtr, ytr)
r2_linear = r2(yte, Xte @ coef + intercept)
r2_mars = MARS(max_degree=1).fit(Xtr, ytr).score(Xte, yte)
mars2 = MARS(max_degree=2).fit(Xtr, ytr)
print(f"held-out R²: least squares {r2_linear:.3f}, MARS degree 1 {r2_mars:.3f}, "
      f"MARS degree 2 {mars2.score(Xte, yte):.3f}")
print(mars2.summary(precision=2))

# %% [markdown]
# **Take-away.** MARS is stepwise regression over a dictionary of hinges,
# with pruning by GCV; its result is a formula you can read. A ReLU network
# builds the same kind of piecewise-linear function, and fits it by gradient
# descent instead of search.
