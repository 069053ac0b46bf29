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
# # Lecture 5: a simple network on handwritten digits
#
# Lecture 4 ran a network forward with weights someone else had trained. Now
# we train one ourselves, with **backpropagation**: the chain rule applied layer
# by layer from the output back to the input.
#
# For one hidden layer with activation $g$ and a softmax output trained on the
# cross-entropy, a mini-batch $X$ of $B$ rows goes
#
# $$Z_1 = X W_1 + b_1,\quad A_1 = g(Z_1),\quad Z_2 = A_1 W_2 + b_2,\quad P = \operatorname{softmax}(Z_2)$$
#
# and the gradients come back in reverse order ($Y$ one-hot):
#
# $$\delta_2 = \tfrac{1}{B}(P - Y),\quad \nabla W_2 = A_1^\top \delta_2,\quad
#   \delta_1 = (\delta_2 W_2^\top) \odot g'(Z_1),\quad \nabla W_1 = X^\top \delta_1,$$
#
# the biases getting the column sums of the $\delta$s. Every step is a matrix
# product, which is why the whole batch is processed at once.
#
# MNIST itself is not shipped with the code, so this notebook uses
# scikit-learn's 8×8 digits (the same task at a smaller size); `embed mnist`
# runs the same model on the real 28×28 MNIST or Fashion-MNIST files.

# %% tags=["parameters"]
HIDDEN = 64        # hidden units
EPOCHS = 40        # passes over the training images
BATCH = 32         # images per gradient step
LR = 0.5           # SGD learning rate
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic.datasets import load_small_digits
from embed.nn import Dense, Sequential
from embed.nn.metrics import confusion_matrix
from embed.nn.plots import confusion_matrix_plot
from embed.nn.preprocessing import train_test_split
from embed.plotting import learning_curve_plot

# %% [markdown]
# ## Three sets
#
# The *training* images set the weights; the *validation* images tell us, epoch
# by epoch, whether the network generalises; the *test* images are looked at
# once, at the end.

# %%
X, y = load_small_digits()                                  # X (1797, 64) in [0, 1], y (1797,)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=SEED, stratify=y)
Xtr, Xval, ytr, yval = train_test_split(Xtr, ytr, test_size=0.2, seed=SEED, stratify=ytr)
print(f"train {Xtr.shape}, validation {Xval.shape}, test {Xte.shape}")

# %% [markdown]
# ## The network
#
# 64 inputs → `HIDDEN` sigmoid units → 10 softmax outputs, trained by plain
# mini-batch gradient descent (SGD). `fit` is the loop of the lecture: shuffle,
# cut into batches, forward, loss, backward, step.

# %%
model = Sequential([Dense(HIDDEN, "sigmoid"), Dense(10, "softmax")], seed=SEED)
model.compile(loss="categorical_crossentropy", optimizer="sgd", lr=LR)
history = model.fit(Xtr, ytr, epochs=EPOCHS, batch_size=BATCH, validation_data=(Xval, yval), seed=SEED)
print(model.summary())
print(f"last epoch: loss {history['loss'][-1]:.4f}, training accuracy {history['accuracy'][-1]:.3f}, "
      f"validation accuracy {history['val_accuracy'][-1]:.3f}")

# %% [markdown]
# ## Bias and variance
#
# Training and validation error per epoch. Both high: the model is too simple
# (bias). Training error low but validation error high: it memorises the
# training images (variance, over-fitting). Here the two stay close.

# %%
learning_curve_plot(history, logy=True)

# %% [markdown]
# ## The test set, once

# %%
scores = model.evaluate(Xte, yte)
test_accuracy = scores["accuracy"]
print(f"test loss {scores['loss']:.4f}, test accuracy {test_accuracy:.3f}")
confusion_matrix_plot(confusion_matrix(yte, model.predict_classes(Xte), n_classes=10),
                      title="test set: rows true digit, columns predicted")

# %% [markdown]
# **Take-away.** A hidden layer, the softmax and backpropagation reach well
# over 90 % on digits in seconds. The next lecture takes the network apart into
# reusable layers, optimizers and a gradient check.
