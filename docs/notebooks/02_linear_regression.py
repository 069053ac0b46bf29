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
# # Lecture 2: linear regression by gradient descent
#
# We have $m$ examples $(x^{(i)}, y^{(i)})$ and want the line (plane) that
# predicts $y$ from $x$:
#
# $$\hat y = x \cdot w + b .$$
#
# "Best" means the smallest quadratic cost
#
# $$J(w, b) = \frac{1}{2m} \sum_{i=1}^{m} \big(\hat y^{(i)} - y^{(i)}\big)^2 .$$
#
# Two ways to find it: in closed form (the normal equation) and step by step
# (gradient descent, the method every later lecture uses).

# %% tags=["parameters"]
EPOCHS = 500        # gradient-descent iterations (full batch) or passes (mini-batch, online)
M = 100             # examples of the synthetic line
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic import LinearRegression, normal_equation
from embed.classic.datasets import make_linear
from embed.classic.plots import fitted_line_plot, learning_curves_plot

# %% [markdown]
# ## Data on a line
#
# $y = 4 + 3x + \varepsilon$ with $\varepsilon \sim \mathcal N(0, 1)$: we know the answer
# (intercept 4, slope 3) and can see how close each method gets.

# %%
X, y = make_linear(m=M, slope=3.0, intercept=4.0, noise=1.0, random_state=SEED)   # X (m, 1), y (m,)
print(X.shape, y.shape, X[:3, 0].round(3), y[:3].round(3))

# %% [markdown]
# ## The normal equation
#
# Put a column of ones in front of $X$ so that $\theta = (b, w)$ and
# $\hat y = A\theta$ with $A = [\mathbf 1, X]$. The gradient of $J$ is
# $\frac1m A^\top (A\theta - y)$; setting it to zero gives
#
# $$\theta = (A^\top A)^{-1} A^\top y .$$
#
# `normal_equation` solves that system (by least squares, without forming the
# inverse) and returns the slope(s) and the intercept.

# %%
coef, intercept = normal_equation(X, y)          # coef (1,), intercept float
theta = np.array([intercept, coef[0]])           # (2,): (b, w)
print(f"normal equation: b = {theta[0]:.4f}, w = {theta[1]:.4f}")

# %% [markdown]
# ## Gradient descent
#
# Start from $w = 0, b = 0$ and repeat
#
# $$w \leftarrow w - \alpha \frac{1}{m}\sum_i (\hat y^{(i)} - y^{(i)})\, x^{(i)}, \qquad
#   b \leftarrow b - \alpha \frac{1}{m}\sum_i (\hat y^{(i)} - y^{(i)}).$$
#
# `LinearRegression` is a `Dense(1)` layer with the quadratic loss and plain SGD
# from embed's neural core, so this is also the core's first test: it must land
# on the normal equation's answer.

# %%
gd = LinearRegression(lr=0.5, epochs=EPOCHS, batch_size=None).fit(X, y)
gd_vs_normal_gap = float(max(abs(gd.intercept_ - theta[0]), abs(gd.coef_[0] - theta[1])))
r2 = gd.score(X, y)
print(f"gradient descent: b = {gd.intercept_:.4f}, w = {gd.coef_[0]:.4f}  "
      f"(largest gap to the normal equation {gd_vs_normal_gap:.2e}); R² = {r2:.3f}")

# %%
fitted_line_plot(X, y, {"normal equation": (theta[1], theta[0]),
                        "gradient descent": (gd.coef_[0], gd.intercept_)})

# %% [markdown]
# ## The learning rate, and how many examples per step
#
# The cost falls each iteration if $\alpha$ is small enough; too small and it
# crawls, too large and it overshoots and diverges. On the left: the cost
# curve for three rates. On the right: full batch (all $m$ examples per step),
# mini-batches of 16 and online learning (one example per step, the
# perceptron's way): more steps per pass, noisier curves.

# %%
rates = {f"α = {lr}": LinearRegression(lr=lr, epochs=EPOCHS).fit(X, y).loss_curve_ for lr in (0.01, 0.1, 0.5)}
batches = {name: LinearRegression(lr=lr, epochs=max(EPOCHS // 10, 5), batch_size=bs, random_state=SEED)
           .fit(X, y).loss_curve_
           for name, lr, bs in (("full batch", 0.5, None), ("mini-batch 16", 0.1, 16), ("online", 0.01, 1))}
best = 0.5 * np.mean((theta[0] + X[:, 0] * theta[1] - y) ** 2)   # J at the normal equation's θ
learning_curves_plot([{"curves": rates, "title": "cost per iteration, full batch", "floor": best},
                      {"curves": batches, "title": "cost per pass over the data", "xlabel": "epoch",
                       "floor": best}])

# %% [markdown]
# **Take-away.** Gradient descent on $J$ reaches the same line as the closed
# form; the learning rate decides whether and how fast it gets there. Every
# network in the course is trained by this loop; only the model and the cost change.
