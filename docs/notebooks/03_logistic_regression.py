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
# # Lecture 3: logistic regression
#
# Linear regression predicts a number. To predict a *class* we pass the same
# linear score $z = x \cdot w + b$ through a squashing function and read the
# result as a probability.
#
# * Two classes: the sigmoid $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ gives $P(y = 1 \mid x)$.
# * $K$ classes: one score per class, $z_k = x \cdot w_k + b_k$, and the softmax
#   $P(y = k \mid x) = \dfrac{e^{z_k}}{\sum_j e^{z_j}}$.
#
# The cost is the cross-entropy, the average negative log-probability of the
# right class:
#
# $$J = -\frac{1}{m}\sum_{i} \log P\big(y^{(i)} \mid x^{(i)}\big).$$
#
# Its gradient has the same simple form as in linear regression:
# $\partial J / \partial z_k = P(y = k \mid x) - [y = k]$, "predicted minus true".
# We use Fisher's Iris flowers (150 flowers, 4 measurements, 3 species, shipped with scikit-learn).

# %% tags=["parameters"]
EPOCHS = 1000     # gradient-descent iterations (full batch)
LR = 0.5          # learning rate
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic import LogisticRegression
from embed.classic.datasets import load_iris
from embed.classic.plots import decision_boundary_plot, learning_curve_plot
from embed.nn.metrics import confusion_matrix
from embed.nn.preprocessing import StandardScaler, train_test_split

# %% [markdown]
# ## Data: split first, then standardise
#
# 70 % of the flowers train the model and 30 % are held out to measure it. Each
# feature is standardised to mean 0, variance 1 with the statistics of the
# *training* part only (the held-out flowers must stay unseen). Standardising
# makes one learning rate suit every weight.

# %%
X, y, feature_names, species = load_iris()                          # X (150, 4), y (150,) in {0, 1, 2}
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, seed=SEED, stratify=y)
scaler = StandardScaler().fit(Xtr)
Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
print(f"{len(Xtr)} training flowers, {len(Xte)} held out; features: {feature_names}")

# %% [markdown]
# ## Softmax regression on all four measurements
#
# `LogisticRegression` sees labels $0..K-1$ with $K > 2$ and becomes a
# `Dense(K, "softmax")` layer trained on the cross-entropy.

# %%
clf = LogisticRegression(lr=LR, epochs=EPOCHS, random_state=SEED).fit(Xtr, ytr)
test_accuracy = clf.score(Xte, yte)
print(f"train accuracy {clf.score(Xtr, ytr):.3f}, held-out accuracy {test_accuracy:.3f}")
print("probabilities of the first three held-out flowers:\n", clf.predict_proba(Xte[:3]).round(3))
cm = confusion_matrix(yte, clf.predict(Xte), n_classes=3)   # rows: true species, columns: predicted
print("confusion matrix:\n", cm)

# %%
learning_curve_plot({"softmax regression": clf.loss_curve_}, title="cross-entropy per iteration",
                    ylabel="cost J")

# %% [markdown]
# ## Two classes: the sigmoid
#
# Versicolor against virginica is the hard pair (setosa is far from both).
# With labels 0/1 the model is a single `Dense(1, "sigmoid")` unit. A penalty
# $\frac{\lambda}{2m}\|w\|^2$ (L2) or $\frac{\lambda}{m}\|w\|_1$ (L1) can be added to $J$ to
# keep the weights small; L1 tends to set some of them exactly to zero.

# %%
train_pair, test_pair = np.isin(ytr, (1, 2)), np.isin(yte, (1, 2))
yb_tr, yb_te = (ytr[train_pair] == 2).astype(int), (yte[test_pair] == 2).astype(int)
held_out = {}
for penalty, alpha in ((None, 0.0), ("l2", 0.01), ("l1", 0.01)):
    b = LogisticRegression(penalty=penalty, alpha=alpha, lr=LR, epochs=EPOCHS,
                           random_state=SEED).fit(Xtr[train_pair], yb_tr)
    held_out[penalty] = b.score(Xte[test_pair], yb_te)
    print(f"{penalty or 'no penalty':10s} held-out accuracy {held_out[penalty]:.3f}, "
          f"weights {np.array2string(b.coef_, precision=2, sign='+')}")
binary_accuracy = held_out[None]

# %% [markdown]
# ## What the boundaries look like
#
# With two features (the petal length and width) we can colour the plane by
# the predicted species. Softmax regression's boundaries are straight lines:
# where two class scores are equal, $z_j = z_k$, is a linear equation in $x$.
# Filled markers are training flowers, hollow ones held out.

# %%
petal = [2, 3]
clf2 = LogisticRegression(lr=LR, epochs=EPOCHS, random_state=SEED).fit(Xtr[:, petal], ytr)
decision_boundary_plot([dict(predict=clf2.predict, X=Xtr[:, petal], y=ytr, X_test=Xte[:, petal], y_test=yte,
                             class_names=species, xlabel="petal length (standardised)",
                             ylabel="petal width (standardised)",
                             title=f"held-out accuracy {clf2.score(Xte[:, petal], yte):.0%}")])

# %% [markdown]
# **Take-away.** Logistic regression is linear regression with a squashing
# output and the cross-entropy cost; its boundaries are lines. The next
# lectures stack such units into layers to get curved boundaries.
