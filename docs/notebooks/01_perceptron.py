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
# # Lecture 1: the perceptron
#
# A perceptron is one neuron with a step for its activation. Given an input
# $x \in \mathbb{R}^n$, weights $w$ and a bias $b$ it answers
#
# $$\hat y = \operatorname{step}(w \cdot x + b), \qquad \operatorname{step}(z) = \begin{cases}1 & z > 0\\ 0 & \text{otherwise.}\end{cases}$$
#
# The points where $w \cdot x + b = 0$ form a line (a hyperplane in higher
# dimensions): everything on one side is class 1, everything on the other class 0.
#
# This notebook trains it with Rosenblatt's rule on data a line *can* split, then on
# XOR, which no line splits, and finally shows that one hidden layer is enough for XOR.

# %% tags=["parameters"]
MAX_EPOCHS = 100     # passes over the data before the perceptron gives up
MLP_EPOCHS = 500     # full-batch Adam steps for the XOR network
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic import Perceptron, fit_xor_mlp
from embed.classic.datasets import make_separable, make_xor
from embed.classic.plots import draw_decision_regions, draw_mistakes
from embed.plotting import new_figure

# %% [markdown]
# ## The learning rule
#
# The perceptron learns online: it looks at one example at a time and only
# changes anything when it is wrong.
#
# * it missed a positive ($y = 1$, $\hat y = 0$): $w \leftarrow w + \eta x$, $b \leftarrow b + \eta$;
# * it missed a negative ($y = 0$, $\hat y = 1$): $w \leftarrow w - \eta x$, $b \leftarrow b - \eta$.
#
# Both cases are $w \leftarrow w + \eta\,(y - \hat y)\,x$. Adding $x$ to $w$ raises
# $w \cdot x$ by $\|x\|^2$, so the same example scores higher next time.
#
# **Convergence theorem.** If some line separates the classes with a margin
# $\gamma > 0$ and every input has norm at most $R$, the rule makes at most
# $(R/\gamma)^2$ mistakes: eventually a whole epoch passes without one.
#
# `embed.classic.Perceptron` implements exactly this loop (read `fit` in
# `embed/classic/perceptron.py`: a dozen lines).

# %%
X, y = make_separable(m=200, margin=0.1, random_state=SEED)       # X (200, 2), y (200,) in {0, 1}
sep = Perceptron(max_epochs=MAX_EPOCHS, random_state=SEED).fit(X, y)
separable_converged = bool(sep.converged_)
print(f"converged: {sep.converged_} (first mistake-free epoch: {sep.n_epochs_})")
print(f"mistakes per epoch: {sep.errors_}")
print(f"boundary: {sep.coef_[0]:+.3f} x1 {sep.coef_[1]:+.3f} x2 {sep.intercept_:+.3f} = 0")
print(f"training accuracy: {sep.score(X, y):.3f}")

# %% [markdown]
# ## XOR: no line will do
#
# XOR labels $(0,1)$ and $(1,0)$ with 1, $(0,0)$ and $(1,1)$ with 0. A line would need
#
# $$w_2 + b > 0,\quad w_1 + b > 0,\quad b \le 0,\quad w_1 + w_2 + b \le 0.$$
#
# Adding the first two gives $w_1 + w_2 + 2b > 0$, so $w_1 + w_2 + b > -b \ge 0$,
# which contradicts the last one. The rule therefore never has a mistake-free
# epoch: it cycles, and at best 3 of the 4 points are right.

# %%
Xx, yx = make_xor()                                                # (4, 2), (4,)
xor_p = Perceptron(max_epochs=MAX_EPOCHS, random_state=SEED).fit(Xx, yx)
xor_perceptron_accuracy = xor_p.score(Xx, yx)
print(f"converged: {xor_p.converged_} after {xor_p.n_epochs_} epochs; accuracy {xor_perceptron_accuracy:.2f}")
print(f"mistakes in the last 10 epochs: {xor_p.errors_[-10:]}")

# %% [markdown]
# ## A hidden layer bends the boundary
#
# Put a layer of $H$ units with a smooth activation in between:
#
# $$h = \tanh(x W_1 + b_1) \in \mathbb{R}^H, \qquad p = \sigma(h\, w_2 + b_2) = P(y = 1 \mid x).$$
#
# Each hidden unit draws its own line; the output unit combines them, for
# instance "$x_1$ OR $x_2$" and NOT "$x_1$ AND $x_2$". Because everything is smooth
# we can train it by gradient descent on the cross-entropy instead of the
# perceptron rule. `fit_xor_mlp` builds it from embed's `Dense` layers and
# trains it full batch with Adam.

# %%
mlp, history = fit_xor_mlp(Xx, yx, hidden=4, activation="tanh", epochs=MLP_EPOCHS, random_state=SEED)
p = mlp.predict(Xx)[:, 0]                                          # (4,) P(y = 1 | x)
xor_mlp_accuracy = float(np.mean((p >= 0.5) == yx))
for xi, yi, pi in zip(Xx, yx, p):
    print(f"x = {xi.astype(int)}  y = {yi}  P(y=1) = {pi:.3f}")
print(f"accuracy {xor_mlp_accuracy:.2f}, final loss {history['loss'][-1]:.4f}")

# %% [markdown]
# ## The pictures
#
# Top: the line the perceptron found, and its mistakes per epoch (they reach
# zero on separable data and never on XOR). Bottom: the regions each model
# assigns to class 1 on XOR.

# %%
fig = new_figure((11, 9.5), layout="constrained")
axes = fig.subplots(2, 2)
draw_decision_regions(axes[0, 0], sep.predict, X, y, class_names=["class 0", "class 1"],
                      title=f"separable: converged in epoch {sep.n_epochs_}",
                      line=(sep.coef_, sep.intercept_), pad=0.45, legend_loc="lower left")
draw_mistakes(axes[0, 1], {"separable data": sep.errors_, "XOR": xor_p.errors_})
names = ["0 (x1 = x2)", "1 (x1 ≠ x2)"]
draw_decision_regions(axes[1, 0], xor_p.predict, Xx, yx, class_names=names, marker_size=160,
                      title=f"XOR, perceptron: {xor_perceptron_accuracy:.0%}",
                      line=(xor_p.coef_, xor_p.intercept_))
draw_decision_regions(axes[1, 1], lambda G: (mlp.predict(G)[:, 0] >= 0.5).astype(int), Xx, yx,
                      class_names=names, marker_size=160,
                      title=f"XOR, 4 tanh hidden units: {xor_mlp_accuracy:.0%}")
fig

# %% [markdown]
# **Take-away.** One neuron draws one line. Stacking a layer of neurons with a
# non-linear activation lets the network draw bent boundaries, and gradient
# descent (not the perceptron rule) is how such a network is trained: the
# subject of the next lectures.
