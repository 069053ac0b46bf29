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
# # Lecture 4: forward propagation with weights you are given
#
# A network with one hidden layer turns an input $x \in \mathbb{R}^{D}$ into
# class scores in two steps. In the course's notation each layer has a weight
# matrix $\Theta$ whose **column 0 is the bias**:
#
# $$a^{(1)} = [1, x] \in \mathbb{R}^{D+1}, \quad
#   a^{(2)} = \big[1, g(\Theta^{(1)} a^{(1)})\big] \in \mathbb{R}^{H+1}, \quad
#   h_\Theta(x) = g(\Theta^{(2)} a^{(2)}) \in \mathbb{R}^{K},$$
#
# with $\Theta^{(1)}$ of shape $(H, D+1)$, $\Theta^{(2)}$ of shape $(K, H+1)$ and the
# sigmoid $g(z) = 1/(1+e^{-z})$. The predicted class is the largest output.
#
# In the course the two matrices arrive ready-trained in a file. Here we make
# such a file ourselves: scikit-learn trains a small sigmoid network on its 8×8
# digits, and we save its weights in the course's layout. Then we forward-propagate
# by hand with numpy, and again with embed's `Dense` layers loaded through
# `set_theta`, and check that both give the same outputs.

# %% tags=["parameters"]
HIDDEN = 25         # hidden units H
TRAIN_ITER = 500    # scikit-learn's training iterations for the given weights
SEED = 0

# %%
# %matplotlib inline
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from embed.classic.datasets import load_small_digits
from embed.nn import Dense, Sequential
from embed.nn.plots import activation_plot
from embed.nn.preprocessing import train_test_split
from embed.plotting import new_figure

# %% [markdown]
# ## The digits and the given weights
#
# 1797 images of 8×8 pixels, $D = 64$ inputs in $[0, 1]$, $K = 10$ classes.
# The weights are trained on 70 % of them; we measure on the other 30 %.

# %%
X, y = load_small_digits()                                  # X (1797, 64) float32, y (1797,)
X = X.astype(np.float64)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, seed=SEED, stratify=y)

with warnings.catch_warnings():                             # a short run may stop before converging
    warnings.simplefilter("ignore", ConvergenceWarning)
    given = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="logistic", max_iter=TRAIN_ITER,
                          random_state=SEED).fit(Xtr, ytr)
# scikit-learn keeps W (in, out) and b (out,) apart; the course's Theta is [b, Wᵀ]
Theta1 = np.column_stack([given.intercepts_[0], given.coefs_[0].T])    # (H, D+1)
Theta2 = np.column_stack([given.intercepts_[1], given.coefs_[1].T])    # (K, H+1)
np.savez("digit_weights.npz", Theta1=Theta1, Theta2=Theta2)
print("Theta1", Theta1.shape, " Theta2", Theta2.shape)

# %% [markdown]
# From here on we only use the file, as in the course.
#
# ## Forward propagation by hand
#
# For a whole batch of $m$ rows at once, the bias column is a column of ones
# and each layer is one matrix product: $Z = A\,\Theta^\top$.

# %%
weights = np.load("digit_weights.npz")
Theta1, Theta2 = weights["Theta1"], weights["Theta2"]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


m = len(Xte)
A1 = np.column_stack([np.ones(m), Xte])               # (m, D+1)
A2 = np.column_stack([np.ones(m), sigmoid(A1 @ Theta1.T)])   # (m, H+1)
H_manual = sigmoid(A2 @ Theta2.T)                     # (m, K)
print(f"by hand: held-out accuracy {np.mean(H_manual.argmax(axis=1) == yte):.3f}")

# %% [markdown]
# (scikit-learn's own output layer is a softmax, ours a sigmoid. Both are
# increasing functions of the same scores $z$, so the largest output, and with it
# the prediction, is the same.)
#
# ## The same network in embed
#
# `Dense` stores $W$ of shape (inputs, units) and $b$ separately and computes
# $g(aW + b)$. `set_theta` takes the course's bias-first matrix:
# $b = \Theta_{:,0}$ and $W = \Theta_{:,1:}^\top$. The model is *built* for 64 inputs
# first (no training needed), in float64 to compare closely with numpy.

# %%
model = Sequential([Dense(HIDDEN, "sigmoid"), Dense(10, "sigmoid")]).build(64, dtype=np.float64)
model.layers[0].set_theta(Theta1)
model.layers[1].set_theta(Theta2)
print(model.summary())

H_embed = model.predict(Xte)                           # (m, K)
max_manual_gap = float(np.max(np.abs(H_embed - H_manual)))
accuracy = float(np.mean(H_embed.argmax(axis=1) == yte))
print(f"embed: held-out accuracy {accuracy:.3f}; largest difference from the hand-made pass {max_manual_gap:.1e}")
print("get_theta gives the matrix back:", np.allclose(model.layers[0].get_theta(), Theta1))
print("Keras-style weights:", [w.shape for w in model.get_weights()])

# %% [markdown]
# Some held-out digits with the network's answer (red: wrong).

# %%
fig = new_figure((10, 2.4), layout="constrained")
pred = H_embed.argmax(axis=1)
wrong = np.flatnonzero(pred != yte)[:4]
show = np.concatenate([np.arange(12 - len(wrong)), wrong])
for ax, i in zip(fig.subplots(1, 12), show):
    ax.imshow(Xte[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{pred[i]}", color="red" if pred[i] != yte[i] else "black")
    ax.axis("off")
fig

# %% [markdown]
# ## Activation functions and their gradients
#
# Forward propagation needs $g$; training (next lectures) also needs $g'$,
# because backpropagation multiplies by it at every layer:
#
# | name | $g(z)$ | $g'(z)$ |
# |---|---|---|
# | linear | $z$ | $1$ |
# | sigmoid | $1/(1+e^{-z})$ | $g(z)\,(1-g(z))$, at most $1/4$ |
# | tanh | $\tanh z$ | $1-\tanh^2 z$ |
# | ReLU | $\max(0, z)$ | $1$ if $z>0$ else $0$ |
#
# The sigmoid's gradient is small everywhere and vanishes for large $|z|$, which
# slows learning in deep stacks; ReLU's does not shrink for positive inputs.

# %%
activation_plot(("linear", "sigmoid", "tanh", "relu"))

# %% [markdown]
# **Take-away.** Forward propagation is a product with a bias column and an
# activation, once per layer. embed's `Dense` does the same thing with the bias
# kept apart, and `set_theta` / `get_theta` convert between the two layouts.
