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
# # Lecture 9: convolutional networks
#
# A `Dense` layer on an image treats every pixel as an unrelated input: moving
# a digit one pixel to the right gives the network a completely different
# vector. A **convolution** slides one small kernel $K$ over the whole image, so
# the same feature detector is used everywhere. For an image $x$ of shape
# $(H, W, C)$ and $F$ kernels of size $k \times k$:
#
# $$y_{i,j,f} = b_f + \sum_{u=0}^{k-1}\sum_{v=0}^{k-1}\sum_{c=1}^{C} x_{i+u,\,j+v,\,c}\; K_{u,v,c,f}.$$
#
# It has only $k \cdot k \cdot C \cdot F$ weights whatever the image size.
# "valid" padding keeps only positions where the kernel fits (the output
# shrinks by $k-1$); "same" pads with zeros so it keeps the input's size.
# **Max-pooling** then keeps the largest value in each $2 \times 2$ block, halving
# height and width and making the features a little insensitive to small shifts.
#
# In the backward pass the kernel gradient is the same sum with $\partial L/\partial y$
# in place of $K$, and the input gradient is a "full" convolution with the flipped
# kernel; max-pooling sends the gradient only to the position that won.

# %% tags=["parameters"]
EPOCHS = 10        # passes over the training images
BATCH = 32
SEED = 0

# %%
# %matplotlib inline
import numpy as np

from embed.classic.datasets import load_small_digits
from embed.nn import Conv2D, Dense, Flatten, MaxPool2D, Sequential
from embed.nn.gradcheck import check_layer_gradients
from embed.nn.models import as_images, cnn_model
from embed.nn.preprocessing import train_test_split
from embed.plotting import learning_curve_plot, new_figure

# %% [markdown]
# ## A convolution you can read
#
# Before learning kernels, apply two hand-made ones: a vertical-edge and a
# horizontal-edge detector (Sobel kernels). Load them into a `Conv2D` with
# `set_weights`; its kernel has shape (k, k, C, F), channels last like Keras.

# %%
X, y = load_small_digits()                                     # X (1797, 64), y (1797,)
images = as_images(X)                                          # (1797, 8, 8, 1)
sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
edges = Sequential([Conv2D(2, 3, padding="same")]).build((8, 8, 1))
edges.set_weights([np.stack([sobel, sobel.T], axis=-1)[:, :, None, :], np.zeros(2, np.float32)])  # (3, 3, 1, 2), (2,)
maps = edges.predict(images[:4])                               # (4, 8, 8, 2)

fig = new_figure((7, 5.5), layout="constrained")
axes = fig.subplots(3, 4)
for col in range(4):
    for row, (img, title) in enumerate(((images[col, :, :, 0], f"digit {y[col]}"),
                                        (maps[col, :, :, 0], "vertical edges"),
                                        (maps[col, :, :, 1], "horizontal edges"))):
        lim = np.abs(maps).max()                                # edge maps: white 0, red / blue signs
        axes[row, col].imshow(img, **(dict(cmap="gray_r") if row == 0 else dict(cmap="RdBu", vmin=-lim, vmax=lim)))
        axes[row, col].set_title(title, fontsize=9)
        axes[row, col].axis("off")
fig

# %% [markdown]
# ## Gradient checks
#
# Every new layer gets its backward pass checked against central differences
# (lecture 6), here with stride 2 and "same" padding, and for the pooling.

# %%
rng = np.random.default_rng(SEED)
conv_errors = check_layer_gradients(Conv2D(3, 3, strides=2, padding="same", activation="relu"),
                                    rng.standard_normal((2, 7, 7, 2)), seed=SEED)
pool_errors = check_layer_gradients(MaxPool2D(2), rng.standard_normal((2, 6, 6, 3)), seed=SEED)
gradcheck_worst = float(max(*conv_errors.values(), *pool_errors.values()))
print("Conv2D:", {k: f"{v:.1e}" for k, v in conv_errors.items()})
print("MaxPool2D:", {k: f"{v:.1e}" for k, v in pool_errors.items()})

# %% [markdown]
# ## A small CNN on the 8×8 digits
#
# conv 16 (3×3, same) → pool → conv 32 (3×3, same) → pool → dense 64 → softmax:
# the shapes go (8, 8, 1) → (8, 8, 16) → (4, 4, 16) → (4, 4, 32) → (2, 2, 32) → 128 → 64 → 10.

# %%
Xtr, Xte, ytr, yte = train_test_split(images, y, test_size=0.25, seed=SEED, stratify=y)
model = Sequential([Conv2D(16, 3, padding="same", activation="relu"), MaxPool2D(2),
                    Conv2D(32, 3, padding="same", activation="relu"), MaxPool2D(2),
                    Flatten(), Dense(64, "relu"), Dense(10, "softmax")], seed=SEED)
model.compile(loss="categorical_crossentropy", optimizer="adam", lr=3e-3)
history = model.fit(Xtr, ytr, epochs=EPOCHS, batch_size=BATCH, validation_data=(Xte, yte), seed=SEED)  # held-out part as validation
print(model.summary())
test_accuracy = model.evaluate(Xte, yte)["accuracy"]
print(f"held-out accuracy {test_accuracy:.3f}")

# %%
learning_curve_plot(history)

# %% [markdown]
# The 16 kernels the first layer learned (3×3 each): most are small edge and
# blob detectors.

# %%
kernels = model.layers[0].params["W"][:, :, 0, :]               # (3, 3, 16)
fig = new_figure((8, 1.4), layout="constrained")
for f, ax in enumerate(fig.subplots(1, 16)):
    ax.imshow(kernels[:, :, f], cmap="RdBu", vmin=-np.abs(kernels).max(), vmax=np.abs(kernels).max())
    ax.axis("off")
fig

# %% [markdown]
# ## The course's network for 28×28 images
#
# `cnn_model()` is the slide's network for MNIST: conv 32 → pool → conv 64 →
# pool → dense 128 → 10. `embed mnist --model cnn` trains it on the real
# MNIST or Fashion-MNIST files (not shipped here); its size:

# %%
print(cnn_model(seed=SEED).build((28, 28, 1)).summary())

# %% [markdown]
# **Take-away.** Sharing one small kernel across the image gives far fewer
# weights than a dense layer and features that do not care exactly where a
# stroke is; pooling adds a little more of that tolerance.
